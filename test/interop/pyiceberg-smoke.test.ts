/**
 * Smoke test of the PyIceberg rig: PyIceberg (SqlCatalog on sqlite, file warehouse) creates a table,
 * appends rows and reads them back, and lake's local storage sees the files it wrote.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../src/storage/local.js';
import { runPython } from '../support/pyiceberg.js';

const SCRIPT = `
import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog

def main(inp):
    catalog = SqlCatalog("smoke", uri=f"sqlite:///{inp['dir']}/catalog.db", warehouse=f"file://{inp['dir']}/warehouse")
    catalog.create_namespace("db")
    schema = pa.schema([
        pa.field("id", pa.int64(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("big", pa.int64()),
        pa.field("raw", pa.binary()),
    ])
    table = catalog.create_table("db.people", schema=schema)
    rows = inp["rows"]
    table.append(pa.table({
        "id": [r["id"] for r in rows],
        "name": [r["name"] for r in rows],
        "big": [r["big"] for r in rows],
        "raw": [r["raw"] for r in rows],
    }, schema=schema))
    table.append(pa.table({"id": [100], "name": ["late"], "big": [None], "raw": [None]}, schema=schema))
    loaded = catalog.load_table("db.people")
    out = sorted(loaded.scan().to_arrow().to_pylist(), key=lambda r: r["id"])
    return {
        "rows": out,
        "metadata_location": loaded.metadata_location,
        "snapshots": [s.snapshot_id for s in loaded.snapshots()],
        "filtered": [r["id"] for r in loaded.scan(row_filter="id >= 2").to_arrow().to_pylist()],
    }
`;

describe('PyIceberg rig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-pyiceberg-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('creates a table, appends and reads rows back, with exact 64-bit values and bytes', async () => {
    const rows = [
      { id: 1n, name: 'ada', big: 9007199254740993n, raw: new Uint8Array([0, 255, 7]) },
      { id: 2n, name: 'Zoë', big: -9223372036854775808n, raw: new Uint8Array([]) },
      { id: 3n, name: null, big: 42n, raw: new Uint8Array([1]) },
    ];
    const out = await runPython<{
      rows: Array<{ id: number | bigint; name: string | null; big: number | bigint | null; raw: Uint8Array | null }>;
      metadata_location: string;
      snapshots: Array<number | bigint>;
      filtered: number[];
    }>(SCRIPT, { dir, rows });

    expect(out.rows.map((r) => r.id)).toEqual([1, 2, 3, 100]);
    expect(out.rows.map((r) => r.name)).toEqual(['ada', 'Zoë', null, 'late']);
    // Beyond 2^53: these only survive as bigints.
    expect(out.rows.map((r) => r.big)).toEqual([9007199254740993n, -9223372036854775808n, 42, null]);
    expect(out.rows[0]!.raw).toEqual(new Uint8Array([0, 255, 7]));
    expect(out.rows[1]!.raw).toEqual(new Uint8Array([]));
    expect(out.rows[3]!.raw).toBeNull();
    expect(out.filtered.sort((a, b) => a - b)).toEqual([2, 3, 100]);
    expect(out.snapshots).toHaveLength(2);

    // The metadata PyIceberg wrote is real Iceberg metadata that lake's storage can read.
    expect(out.metadata_location.startsWith(`file://${dir}/warehouse/db/people/metadata/`)).toBe(true);
    const storage = new LocalStorage();
    const metadata = JSON.parse(new TextDecoder().decode(await storage.read(out.metadata_location))) as {
      'format-version': number;
      snapshots: Array<{ summary: Record<string, string> }>;
    };
    expect(metadata['format-version']).toBe(2);
    expect(metadata.snapshots.map((s) => s.summary['added-records'])).toEqual(['3', '1']);
    const data: string[] = [];
    for await (const o of storage.list(`file://${dir}/warehouse/db/people/data/`)) data.push(o.location);
    expect(data.filter((l) => l.endsWith('.parquet'))).toHaveLength(2);
  });

  it('reports a failing script with its Python traceback', async () => {
    await expect(runPython('def main(inp):\n    raise ValueError("boom " + inp["x"])\n', { x: 'here' })).rejects.toThrow(
      /ValueError: boom here/,
    );
  });
});
