"""PyIceberg `append` of a Parquet file's rows, for benchmarks/append.ts.

Usage: python append.py <input.parquet> <work dir> <partition: none|day>
Prints one JSON line: {"ms": <append time>, "rows": N, "files": N, "peak_rss_kb": N, "base_rss_kb": N}.
The input is read into a pyarrow Table and the table is created before timing; the timed part is
`table.append(arrow_table)` (write Parquet files with PyIceberg's statistics, commit a snapshot).
"""
import json
import sys
import time

import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.transforms import DayTransform


def peak_rss_kb():
    """VmHWM of this process (getrusage's maxrss starts with the parent's value after spawn)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main():
    src, work, partition = sys.argv[1], sys.argv[2], sys.argv[3]
    data = pq.read_table(src)
    catalog = SqlCatalog("bench", uri=f"sqlite:///{work}/catalog.db", warehouse=f"file://{work}/warehouse")
    catalog.create_namespace("bench")
    table = catalog.create_table("bench.append", schema=data.schema)
    if partition == "day":
        with table.update_spec() as update:
            update.add_field("ts", DayTransform(), "ts_day")
    base = peak_rss_kb()
    t0 = time.perf_counter()
    table.append(data)
    ms = (time.perf_counter() - t0) * 1000
    snapshot = table.current_snapshot()
    summary = snapshot.summary.additional_properties if snapshot and snapshot.summary else {}
    print(
        json.dumps(
            {
                "ms": ms,
                "rows": int(summary.get("added-records", 0)),
                "files": int(summary.get("added-data-files", 0)),
                "peak_rss_kb": peak_rss_kb(),
                "base_rss_kb": base,
            }
        )
    )


if __name__ == "__main__":
    main()
