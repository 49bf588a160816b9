"""Helpers shared by the PyIceberg interop scripts (test/interop).

- `rows_json(table)`: the rows of a pyarrow table as JSON objects under lake's JSON value rules
  (src/scan/row-format.ts), computed here independently from Python's own value types, so the
  tests compare lake's rows with PyIceberg's as exact typed values.
- `install_scalar_partition_transforms()`: PyIceberg's partitioned writes call
  `Transform.pyarrow_transform`, which needs the optional Rust package `pyiceberg-core`. When that
  package is missing, this replaces it with a vectorised wrapper around PyIceberg's own pure-Python
  `Transform.transform`, so partition values still come from PyIceberg.
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


def _physical(array, source_type):
    """Values of an Arrow array in PyIceberg's internal representation for `source_type`."""
    from pyiceberg.types import DateType, TimestampType, TimestamptzType, TimeType

    if isinstance(source_type, (TimestampType, TimestamptzType, TimeType)):
        return array.cast(pa.int64()).to_pylist()
    if isinstance(source_type, DateType):
        return array.cast(pa.int32()).to_pylist()
    return array.to_pylist()


def install_scalar_partition_transforms():
    """Makes PyIceberg's partitioned writes work without `pyiceberg-core` (see the module comment)."""
    try:
        import pyiceberg_core  # noqa: F401

        return "pyiceberg-core"
    except ImportError:
        pass
    from pyiceberg import transforms as t

    def make(cls, result_arrow_type):
        def pyarrow_transform(self, source):
            scalar = self.transform(source)
            result_type = result_arrow_type(self, source)

            def apply(array):
                if isinstance(array, pa.ChunkedArray):
                    return pa.chunked_array([apply(c) for c in array.iterchunks()], type=result_type)
                return pa.array([scalar(v) for v in _physical(array, source)], type=result_type)

            return apply

        cls.pyarrow_transform = pyarrow_transform

    int32 = lambda self, source: pa.int32()  # noqa: E731
    for cls in (t.BucketTransform, t.YearTransform, t.MonthTransform, t.DayTransform, t.HourTransform):
        make(cls, int32)

    def truncate_type(self, source):
        from pyiceberg.io.pyarrow import schema_to_pyarrow

        return schema_to_pyarrow(source)

    make(t.TruncateTransform, truncate_type)
    return "scalar"
