"""PyIceberg reads a table from one metadata file (`StaticTable.from_metadata`): the rows of
every snapshot, of named refs (tags, branches), and the data files `plan_files` keeps for filters.

Input: {"metadata", "properties"?, "refs"?: [name], "filters"?: {name: text},
        "filter_snapshots"?: [snapshot id | null for the current one]}
"""
from pyiceberg.table import StaticTable

from lake_interop import rows_json


def snapshot_rows(table, snapshot_id):
    scan = table.scan(snapshot_id=snapshot_id)
    return {
        "snapshot_id": snapshot_id,
        "schema_id": table.metadata.snapshot_by_id(snapshot_id).schema_id,
        "columns": [f.name for f in scan.projection().fields],
        "data_files": sorted(t.file.file_path for t in scan.plan_files()),
        "rows": rows_json(scan.to_arrow(), scan.projection()),
    }


def main(inp):
    table = StaticTable.from_metadata(inp["metadata"], properties=inp.get("properties") or {})
    out = {
        "format_version": table.metadata.format_version,
        "current_snapshot_id": table.metadata.current_snapshot_id,
        "snapshots": [snapshot_rows(table, s.snapshot_id) for s in table.snapshots()],
        "refs": {},
        "plans": {},
    }
    for name in inp.get("refs") or []:
        snapshot = table.snapshot_by_name(name)
        if snapshot is None:
            raise ValueError(f"PyIceberg finds no ref named {name}")
        ref = table.metadata.refs[name]
        out["refs"][name] = {"type": str(ref.snapshot_ref_type.value), **snapshot_rows(table, snapshot.snapshot_id)}
    for sid in inp.get("filter_snapshots") or []:
        key = "current" if sid is None else str(sid)
        plans = {}
        for name, text in (inp.get("filters") or {}).items():
            scan = table.scan(row_filter=text, snapshot_id=sid) if text else table.scan(snapshot_id=sid)
            plans[name] = sorted(t.file.file_path for t in scan.plan_files())
        out["plans"][key] = plans
    return out
