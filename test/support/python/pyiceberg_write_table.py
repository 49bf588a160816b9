"""PyIceberg writes a partitioned table through its SqlCatalog (sqlite, file warehouse), with
several appends, one schema change (a column added, one renamed), a copy-on-write delete and an
overwrite by filter, and returns every snapshot with the rows PyIceberg reads for it.

Input: {"dir", "batches": [{"op": "append" | "delete" | "overwrite", "where"?, "columns"?}, ...],
        "evolve_after": k (the schema changes after batch k)}
Columns travel as lists of raw values: micros for timestamps and times, days for dates, unscaled
integers for decimals, hex for bytes, strings for uuids, text for floats ("NaN", "-0.0").
"""
import importlib.metadata
import uuid
from decimal import Decimal

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import BucketTransform, DayTransform
from pyiceberg.types import (
    BinaryType,
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    FixedType,
    FloatType,
    ListType,
    LongType,
    NestedField,
    StringType,
    TimestampType,
    TimestamptzType,
    TimeType,
    UUIDType,
)

from lake_interop import rows_json

SCHEMA = Schema(
    NestedField(1, "id", LongType(), required=True),
    NestedField(2, "ts", TimestampType(), required=False),
    NestedField(3, "tstz", TimestamptzType(), required=False),
    NestedField(4, "d", DateType(), required=False),
    NestedField(5, "t", TimeType(), required=False),
    NestedField(6, "amount", DecimalType(12, 2), required=False),
    NestedField(7, "big", DecimalType(38, 10), required=False),
    NestedField(8, "name", StringType(), required=False),
    NestedField(9, "flag", BooleanType(), required=False),
    NestedField(10, "score", DoubleType(), required=False),
    NestedField(11, "ratio", FloatType(), required=False),
    NestedField(12, "u", UUIDType(), required=False),
    NestedField(13, "raw", BinaryType(), required=False),
    NestedField(14, "fx", FixedType(4), required=False),
    NestedField(15, "tags", ListType(16, StringType(), element_required=False), required=False),
)

SPEC = PartitionSpec(
    PartitionField(source_id=2, field_id=1000, transform=DayTransform(), name="ts_day"),
    PartitionField(source_id=1, field_id=1001, transform=BucketTransform(8), name="id_bucket"),
)


def arrow_columns(cols, evolved):
    def dec(values, scale):
        return [None if v is None else Decimal(v).scaleb(-scale) for v in values]

    def floats(values):
        # floats travel as text so NaN, infinities and -0.0 survive JSON
        return [None if v is None else float(v) for v in values]

    def hexes(values):
        return [None if v is None else bytes.fromhex(v) for v in values]

    fields = [
        ("id", pa.array(cols["id"], pa.int64()), False),
        ("ts", pa.array(cols["ts"], pa.int64()).cast(pa.timestamp("us")), True),
        ("tstz", pa.array(cols["tstz"], pa.int64()).cast(pa.timestamp("us", tz="UTC")), True),
        ("d", pa.array(cols["d"], pa.int32()).cast(pa.date32()), True),
        ("t", pa.array(cols["t"], pa.int64()).cast(pa.time64("us")), True),
        ("amount", pa.array(dec(cols["amount"], 2), pa.decimal128(12, 2)), True),
        ("big", pa.array(dec(cols["big"], 10), pa.decimal128(38, 10)), True),
        ("label" if evolved else "name", pa.array(cols["name"], pa.large_string()), True),
        ("flag", pa.array(cols["flag"], pa.bool_()), True),
        ("score", pa.array(floats(cols["score"]), pa.float64()), True),
        ("ratio", pa.array(floats(cols["ratio"]), pa.float32()), True),
        ("u", pa.array([None if v is None else uuid.UUID(v).bytes for v in cols["u"]], pa.uuid()), True),
        ("raw", pa.array(hexes(cols["raw"]), pa.large_binary()), True),
        ("fx", pa.array(hexes(cols["fx"]), pa.binary(4)), True),
        ("tags", pa.array(cols["tags"], pa.large_list(pa.large_string())), True),
    ]
    if evolved:
        fields.append(("note", pa.array(cols["note"], pa.large_string()), True))
    schema = pa.schema([pa.field(n, a.type, nullable=nullable) for n, a, nullable in fields])
    return pa.Table.from_arrays([a for _, a, _ in fields], schema=schema)


def main(inp):
    d = inp["dir"]
    catalog = SqlCatalog("interop", uri=f"sqlite:///{d}/catalog.db", warehouse=f"file://{d}/warehouse")
    catalog.create_namespace("db")
    table = catalog.create_table("db.events", schema=SCHEMA, partition_spec=SPEC)
    evolved = False
    for k, batch in enumerate(inp["batches"]):
        op = batch["op"]
        if op == "append":
            table.append(arrow_columns(batch["columns"], evolved))
        elif op == "delete":
            table.delete(delete_filter=batch["where"])
        elif op == "overwrite":
            table.overwrite(arrow_columns(batch["columns"], evolved), overwrite_filter=batch["where"])
        else:
            raise ValueError(op)
        if k == inp["evolve_after"]:
            with table.update_schema() as update:
                update.add_column("note", StringType())
                update.rename_column("name", "label")
            evolved = True

    table = catalog.load_table("db.events")
    snapshots = []
    for s in table.snapshots():
        scan = table.scan(snapshot_id=s.snapshot_id)
        snapshots.append({
            "snapshot_id": s.snapshot_id,
            "parent_id": s.parent_snapshot_id,
            "operation": s.summary.operation.value if s.summary else None,
            "schema_id": s.schema_id,
            "columns": [f.name for f in scan.projection().fields],
            "data_files": sorted(t.file.file_path for t in scan.plan_files()),
            "rows": rows_json(scan.to_arrow(), scan.projection()),
        })
    return {
        # partition values come from pyiceberg-core (its Arrow transforms), as in any PyIceberg install with it
        "transforms": f"pyiceberg-core {importlib.metadata.version('pyiceberg-core')}",
        "metadata_location": table.metadata_location,
        "location": table.metadata.location,
        "current_snapshot_id": table.metadata.current_snapshot_id,
        "schema_ids": [s.schema_id for s in table.schemas().values()],
        "spec": str(table.spec()),
        "snapshots": snapshots,
    }
