"""PyIceberg's partition transforms on given values: `Transform.transform(type)(value)`,
`Transform.to_human_string`, and `PartitionSpec.partition_to_path` of rows.

Input: {"cases": [{"type": "<iceberg type>", "transforms": ["bucket[16]", ...], "values": [...]}],
        "path": {"schema": <schema JSON>, "spec": <spec JSON>, "rows": [[value per schema field]]}}
Values arrive in lake's representation made JSON-safe (see `from_lake`); results leave in it
(integers, unscaled decimals, strings, bytes, floats as Python's repr) so the test compares them exactly.
"""
import uuid
from decimal import Decimal

from pyiceberg.partitioning import PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import parse_transform
from pyiceberg.typedef import Record
from pyiceberg.utils.decimal import decimal_to_unscaled, unscaled_to_decimal
from pyiceberg.types import (
    BinaryType,
    DecimalType,
    DoubleType,
    FixedType,
    FloatType,
    NestedField,
    PrimitiveType,
    UUIDType,
)


def iceberg_type(text):
    """An Iceberg primitive type from its JSON name ("decimal(9, 2)", "fixed[4]", ...)."""
    return NestedField.model_validate({"id": 1, "name": "x", "type": text, "required": False}).field_type


def from_lake(t, v):
    """A value in lake's JSON-safe form -> PyIceberg's internal representation of type `t`."""
    if v is None:
        return None
    if isinstance(t, DecimalType):
        return unscaled_to_decimal(int(v), t.scale)
    if isinstance(t, UUIDType):
        return uuid.UUID(v)
    if isinstance(t, (FixedType, BinaryType)):
        return bytes.fromhex(v)
    if isinstance(t, (FloatType, DoubleType)):
        return float(v)
    return v


def to_lake(t, v):
    """A transform result -> lake's representation (decimals unscaled, floats as text)."""
    if v is None:
        return None
    if isinstance(v, Decimal):
        return decimal_to_unscaled(v)
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, float):
        return repr(v)  # "-0.0", "nan", "inf", "1e-05": parsed back exactly by the test
    return v


def main(inp):
    out = {"cases": []}
    for case in inp["cases"]:
        t = iceberg_type(case["type"])
        assert isinstance(t, PrimitiveType)
        values = [from_lake(t, v) for v in case["values"]]
        per_transform = {}
        for text in case["transforms"]:
            transform = parse_transform(text)
            if not transform.can_transform(t):
                per_transform[text] = {"error": f"PyIceberg cannot apply {text} to {t}"}
                continue
            fn = transform.transform(t)
            result_type = transform.result_type(t)
            rows = []
            for v in values:
                try:
                    r = fn(v)
                    rows.append({"value": to_lake(result_type, r), "human": transform.to_human_string(result_type, r)})
                except Exception as e:  # report per value; the test decides
                    rows.append({"error": f"{type(e).__name__}: {e}"})
            per_transform[text] = {"rows": rows}
        out["cases"].append(per_transform)

    p = inp.get("path")
    if p:
        schema = Schema.model_validate(p["schema"])
        spec = PartitionSpec.model_validate(p["spec"])
        paths = []
        for row in p["rows"]:
            record = []
            for f in spec.fields:
                source = schema.find_field(f.source_id)
                v = from_lake(source.field_type, row[f"{f.source_id}"])
                record.append(f.transform.transform(source.field_type)(v))
            paths.append(spec.partition_to_path(Record(*record), schema))
        out["paths"] = paths
    return out
