"""Runs one test script in the PyIceberg virtualenv: `python runner.py <script.py> <result.json>`.

The script defines `main(input)`; the input arrives as JSON on stdin and the return value is written
as JSON to the result file (stdout stays free for the script's own prints). Values JSON cannot hold
exactly travel tagged: integers beyond 2**53 as {"$bigint": "..."}, bytes as {"$bytes": base64},
non-finite floats as {"$float": "nan"}; dates, times, decimals and UUIDs as their ISO/str forms.
"""
import base64
import datetime
import decimal
import importlib.util
import json
import math
import sys
import traceback
import uuid

SAFE = 2**53 - 1


def decode(obj):
    if isinstance(obj, dict) and len(obj) == 1:
        if "$bigint" in obj:
            return int(obj["$bigint"])
        if "$bytes" in obj:
            return base64.b64decode(obj["$bytes"])
    return obj


def encode(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v if -SAFE <= v <= SAFE else {"$bigint": str(v)}
    if isinstance(v, float):
        return v if math.isfinite(v) else {"$float": str(v)}
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(v)).decode("ascii")}
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, (decimal.Decimal, uuid.UUID)):
        return str(v)
    if isinstance(v, dict):
        return {str(k): encode(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [encode(x) for x in v]
    if hasattr(v, "as_py"):
        return encode(v.as_py())
    return str(v)


def main():
    script, result_path = sys.argv[1], sys.argv[2]
    raw = sys.stdin.read()
    data = json.loads(raw, object_hook=decode) if raw.strip() else None
    try:
        spec = importlib.util.spec_from_file_location("lake_test_script", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out = {"ok": encode(module.main(data))}
        code = 0
    except BaseException:  # report everything, including SystemExit from the script
        out = {"error": traceback.format_exc()}
        code = 1
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(out, f)
    sys.exit(code)


if __name__ == "__main__":
    main()
