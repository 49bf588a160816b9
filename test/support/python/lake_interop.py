"""Helpers shared by the PyIceberg interop scripts (test/interop).

- `rows_json(table)`: the rows of a pyarrow table as JSON objects under lake's JSON value rules
  (src/scan/row-format.ts), computed here independently from Python's own value types, so the
  tests compare lake's rows with PyIceberg's as exact typed values.
"""
import datetime
import decimal
import math
import uuid

import pyarrow as pa

SAFE = 2**53 - 1


def json_value(v):
    """One value (as pyarrow's `as_py` returns it) under lake's JSON rules."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if -SAFE <= v <= SAFE else str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc)
        return v.isoformat(timespec="microseconds")
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, datetime.time):
        return v.isoformat(timespec="microseconds")
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    if isinstance(v, dict):
        return {str(k): json_value(x) for k, x in v.items()}
    if isinstance(v, list):
        if v and all(isinstance(e, tuple) and len(e) == 2 for e in v):
            # a map: an object when every key is a string, else key/value pairs
            if all(isinstance(k, str) for k, _ in v):
                return {k: json_value(x) for k, x in v}
            return [{"key": json_value(k), "value": json_value(x)} for k, x in v]
        return [json_value(e) for e in v]
    raise TypeError(f"no JSON form for {type(v).__name__}: {v!r}")


def rows_json(table, schema=None):
    """Rows of a pyarrow table as objects keyed by column name, values under lake's JSON rules.

    With the Iceberg `schema` of the scan, uuid columns read as plain 16-byte binaries become
    UUIDs too (pyarrow returns them either way, depending on the file).
    """
    from pyiceberg.types import UUIDType

    uuid_columns = set()
    if schema is not None:
        uuid_columns = {f.name for f in schema.fields if isinstance(f.field_type, UUIDType)}
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        values = column.to_pylist()
        is_uuid = name in uuid_columns or (isinstance(column.type, pa.ExtensionType) and "uuid" in str(column.type))
        if is_uuid:
            values = [None if x is None else (x if isinstance(x, uuid.UUID) else uuid.UUID(bytes=bytes(x))) for x in values]
        columns[name] = values
    return [{name: json_value(columns[name][i]) for name in table.column_names} for i in range(table.num_rows)]
