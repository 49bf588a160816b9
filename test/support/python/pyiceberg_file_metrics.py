"""PyIceberg's metrics for Parquet files: `data_file_statistics_from_parquet_metadata` with the
statistics plan of a schema and table properties (metrics modes), which is what PyIceberg's own
writes and `add_files` record.

Input: {"schema": <Iceberg schema JSON>, "properties": {...}, "files": [path]}
Output: per file the serialized statistics (counts and sizes keyed by field id, bounds as bytes),
and the number of row groups.
"""
import pyarrow.parquet as pq
from pyiceberg.io.pyarrow import (
    compute_statistics_plan,
    data_file_statistics_from_parquet_metadata,
    parquet_path_to_id_mapping,
)
from pyiceberg.schema import Schema


def main(inp):
    schema = Schema.model_validate(inp["schema"])
    plan = compute_statistics_plan(schema, inp.get("properties") or {})
    mapping = parquet_path_to_id_mapping(schema)
    out = []
    for path in inp["files"]:
        md = pq.ParquetFile(path).metadata
        stats = data_file_statistics_from_parquet_metadata(md, plan, mapping).to_serialized_dict()
        stats["row_groups"] = md.num_row_groups
        out.append(stats)
    return out
