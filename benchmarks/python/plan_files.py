"""Times PyIceberg's scan planning (DataScan.plan_files) on a table given by its metadata file.

Usage: plan_files.py METADATA_JSON RUNS [ROW_FILTER]
Prints one JSON object: {"files": N, "times_ms": [...]} (one time per run, the first one cold).
"""
import json
import sys
import time

from pyiceberg.table import StaticTable


def main() -> None:
    metadata, runs = sys.argv[1], int(sys.argv[2])
    row_filter = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "" else None
    times = []
    files = 0
    for _ in range(runs):
        # a fresh table object per run, so that no planning state carries over between runs
        table = StaticTable.from_metadata(metadata)
        t0 = time.perf_counter()
        scan = table.scan(row_filter=row_filter) if row_filter else table.scan()
        files = sum(1 for _ in scan.plan_files())
        times.append((time.perf_counter() - t0) * 1000.0)
    print(json.dumps({"files": files, "times_ms": times}))


if __name__ == "__main__":
    main()
