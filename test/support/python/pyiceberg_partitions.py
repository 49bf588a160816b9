"""PyIceberg reads a partitioned table's manifests and recomputes every data file's partition from
the file's rows with its own transforms: each file's rows must all give one partition tuple, the
one the manifest records.

Input: {"metadata": <metadata file>, "avro_decoder": "default" | "python"}
PyIceberg 0.12's compiled Avro decoder (`CythonBinaryDecoder.read_double`) returns doubles rounded
to float32 (its return type is a C float); "python" reads manifests with PyIceberg's pure-Python
decoder instead, which decodes them exactly.
Output: per data file: its path, the partition PyIceberg reads from the manifest, the distinct
tuples PyIceberg computes from the rows, and `PartitionSpec.partition_to_path` of the manifest's
partition. Values are canonical text so NaN, -0.0, decimals and uuids compare exactly.
"""
import datetime
import decimal
import math
import uuid

import pyarrow.parquet as pq
from pyiceberg.table import StaticTable
from pyiceberg.types import DateType, TimestampType, TimestamptzType, TimeType, UUIDType
from pyiceberg.utils.datetime import date_to_days, datetime_to_micros, time_to_micros
from pyiceberg.utils.decimal import decimal_to_unscaled


def internal(t, v):
    """A value pyarrow read -> PyIceberg's internal representation (what transforms take)."""
    if v is None:
        return None
    if isinstance(t, (TimestampType, TimestamptzType)) and isinstance(v, datetime.datetime):
        return datetime_to_micros(v)
    if isinstance(t, DateType) and isinstance(v, datetime.date):
        return date_to_days(v)
    if isinstance(t, TimeType) and isinstance(v, datetime.time):
        return time_to_micros(v)
    if isinstance(t, UUIDType) and not isinstance(v, uuid.UUID):
        return uuid.UUID(bytes=bytes(v))
    return v


def canon(v):
    """Canonical text of a partition value."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else repr(v)
    if isinstance(v, decimal.Decimal):
        return f"{decimal_to_unscaled(v)}e-{-v.as_tuple().exponent}"
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    return str(v)


def main(inp):
    if inp.get("avro_decoder") == "python":
        import pyiceberg.avro.file as avro_file
        from pyiceberg.avro.decoder import StreamingBinaryDecoder

        avro_file.new_decoder = StreamingBinaryDecoder
    table = StaticTable.from_metadata(inp["metadata"])
    schema = table.schema()
    spec = table.spec()
    fields = [(f, schema.find_field(f.source_id)) for f in spec.fields]
    out = []
    for task in table.scan().plan_files():
        df = task.file
        arrow = pq.read_table(df.file_path)
        by_id = {}
        for i, field in enumerate(arrow.schema):
            fid = int((field.metadata or {}).get(b"PARQUET:field_id", b"-1"))
            by_id[fid] = arrow.column(i).to_pylist()
        computed = set()
        for r in range(arrow.num_rows):
            tup = []
            for f, source in fields:
                v = internal(source.field_type, by_id[source.field_id][r])
                result = f.transform.transform(source.field_type)(v)
                if isinstance(source.field_type, UUIDType) and isinstance(result, (bytes, bytearray)):
                    result = uuid.UUID(bytes=bytes(result))
                tup.append(canon(result))
            computed.add(tuple(tup))
        recorded = []
        for (f, source), v in zip(fields, list(df.partition)):
            if isinstance(source.field_type, UUIDType) and isinstance(v, (bytes, bytearray)) and str(f.transform) == "identity":
                v = uuid.UUID(bytes=bytes(v))
            recorded.append(canon(v))
        out.append({
            "path": df.file_path,
            "records": df.record_count,
            "rows": arrow.num_rows,
            "partition": recorded,
            "computed": [list(t) for t in sorted(computed, key=repr)],
            "pyiceberg_path": spec.partition_to_path(df.partition, schema),
        })
    return {"spec": [f"{f.name}: {f.transform}" for f in spec.fields], "files": out}
