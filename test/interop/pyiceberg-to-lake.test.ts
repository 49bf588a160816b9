/**
 * PyIceberg -> lake: a table written by PyIceberg (SqlCatalog on sqlite, file warehouse),
 * partitioned by day(ts) and bucket(8, id), with appends, a schema change between them (a column
 * added, one renamed), a copy-on-write delete and an overwrite by filter. lake reads every snapshot
 * by the metadata file and by the table folder, and after the table is moved through a path remap
 * (library API and `lake time-travel --path-remap`), and must give exactly PyIceberg's rows through both read paths (Arrow and DuckDB SQL), compared
 * as typed values: timestamps to the microsecond, decimals as exact text, floats incl. NaN and -0,
 * bytes, uuids, lists and nulls.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTableAt } from '../../catalog/static-table.js';
import type { Table } from '../../catalog/table.js';
import { LakeError } from '../../src/errors.js';
import { ensureBuilt, runLake } from '../cli/support.js';
import { runPython } from '../support/pyiceberg.js';
import { rng } from '../write/data-writer-fixtures.js';
import { type JsonRow, arrowRows, duckdbRows, forPython, planFiles, pyScript, sortRows } from './support.js';

const MICROS_PER_DAY = 86_400_000_000n;
/** 1900-01-01, 1969-12-31, 1970-01-01, 2026-03-01, 2026-03-02 */
const DAYS = [-25567, -1, 0, 20513, 20514];
const NAMES = ['alpha', 'Zoë', '😀 emoji', '', 'a longer string that goes past sixteen characters', null];

interface Batch {
  op: 'append' | 'delete' | 'overwrite';
  where?: string;
  columns?: Record<string, unknown[]>;
}

/** `n` rows in lake's value representation; floats as text (so NaN and -0 survive JSON). */
function rows(seed: number, firstId: number, n: number, evolved: boolean): Record<string, unknown[]> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const bytes = (len: number) => Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
  const uuid = () => {
    const h = Buffer.from(bytes(16)).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const micros = (day: number) => {
    const edge = r();
    const inDay = edge < 0.15 ? 0n : edge < 0.3 ? MICROS_PER_DAY - 1n : BigInt(Math.floor(r() * 86_400_000_000));
    return BigInt(day) * MICROS_PER_DAY + inDay;
  };
  const c: Record<string, unknown[]> = {
    id: [], ts: [], tstz: [], d: [], t: [], amount: [], big: [], name: [], flag: [], score: [], ratio: [], u: [], raw: [], fx: [], tags: [],
  };
  if (evolved) c.note = [];
  for (let i = 0; i < n; i++) {
    const nul = (p: number) => r() < p;
    // ids beyond 2^53 too (exact 64-bit values)
    c.id!.push(i % 7 === 3 ? 2n ** 62n + BigInt(firstId + i) : BigInt(firstId + i));
    c.ts!.push(i % 9 === 4 ? null : micros(pick(DAYS)));
    c.tstz!.push(nul(0.1) ? null : micros(pick(DAYS)) + 7n);
    c.d!.push(nul(0.1) ? null : pick(DAYS) + Math.floor(r() * 3) - 1);
    c.t!.push(nul(0.1) ? null : pick([0n, MICROS_PER_DAY - 1n, BigInt(Math.floor(r() * 86_400_000_000))]));
    c.amount!.push(nul(0.1) ? null : BigInt(Math.floor((r() - 0.5) * 2e11)));
    // decimal(38, 10): up to 38 random digits, either sign
    c.big!.push(nul(0.1) ? null : BigInt(`${r() < 0.5 ? '-' : ''}${Array.from({ length: 1 + Math.floor(r() * 38) }, () => Math.floor(r() * 10)).join('')}`));
    c.name!.push(pick(NAMES));
    c.flag!.push(nul(0.15) ? null : r() < 0.5);
    c.score!.push(nul(0.1) ? null : pick(['NaN', '-0.0', '0.0', 'Infinity', '-Infinity', String((r() - 0.5) * 1000), String(r() * 1e300)]));
    c.ratio!.push(nul(0.1) ? null : String(Math.fround((r() - 0.5) * 10)));
    c.u!.push(nul(0.1) ? null : uuid());
    c.raw!.push(nul(0.1) ? null : bytes(Math.floor(r() * 24)));
    c.fx!.push(nul(0.1) ? null : bytes(4));
    c.tags!.push(nul(0.1) ? null : Array.from({ length: Math.floor(r() * 3) }, (_x, k) => (k === 1 && r() < 0.3 ? null : pick(['x', 'yy', 'ü']))));
    if (evolved) c.note!.push(nul(0.3) ? null : `note ${firstId + i}`);
  }
  return c;
}

interface PySnapshot {
  snapshot_id: number | bigint;
  parent_id: number | bigint | null;
  operation: string;
  schema_id: number;
  columns: string[];
  data_files: string[];
  rows: JsonRow[];
}

interface PyTable {
  transforms: string;
  metadata_location: string;
  location: string;
  current_snapshot_id: number | bigint;
  schema_ids: number[];
  spec: string;
  snapshots: PySnapshot[];
}

const BATCHES: Batch[] = [
  { op: 'append', columns: rows(1, 0, 60, false) },
  { op: 'append', columns: rows(2, 1000, 40, false) },
  // the schema changes here (evolve_after = 1): note added, name renamed to label
  { op: 'append', columns: rows(3, 2000, 40, true) },
  { op: 'delete', where: 'score < 0' },
  { op: 'overwrite', where: "ts >= '2026-03-02T00:00:00'", columns: rows(4, 3000, 25, true) },
];

let dir: string;
let py: PyTable;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-interop-py2lake-'));
  const batches = BATCHES.map((b) => ({ ...b, ...(b.columns === undefined ? {} : { columns: forPython(b.columns) }) }));
  py = await runPython<PyTable>(pyScript('pyiceberg_write_table.py'), { dir, batches, evolve_after: 1 }, { timeoutMs: 300_000 });
}, 300_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function floatOf(v: unknown): number | null {
  return v === null ? null : Number(v as string);
}

describe('a table written by PyIceberg', () => {
  it('has the history the test set up (appends, schema change, delete, overwrite)', () => {
    expect(py.schema_ids).toEqual([0, 1]);
    expect(py.spec).toMatch(/ts_day: day\(2\)[\s\S]*id_bucket: bucket\[8\]\(1\)/);
    const ops = py.snapshots.map((s) => s.operation);
    expect(ops.slice(0, 3)).toEqual(['append', 'append', 'append']);
    expect(ops.slice(3).some((o) => o === 'overwrite' || o === 'delete')).toBe(true);
    expect(py.snapshots.map((s) => s.schema_id).slice(0, 3)).toEqual([0, 0, 1]);
    expect(py.snapshots[0]!.columns).toContain('name');
    expect(py.snapshots.at(-1)!.columns).toEqual(expect.arrayContaining(['label', 'note']));

    // PyIceberg's row counts are the ones the operations imply.
    const counts = py.snapshots.map((s) => s.rows.length);
    expect(counts.slice(0, 3)).toEqual([60, 100, 140]);
    const all = [0, 1, 2].flatMap((k) => BATCHES[k]!.columns!.score!.map((s, i) => ({ score: floatOf(s), ts: BATCHES[k]!.columns!.ts![i] as bigint | null })));
    const afterDelete = all.filter((x) => !(x.score !== null && x.score < 0));
    expect(counts).toContain(afterDelete.length);
    expect(afterDelete.length).toBeLessThan(140);
    const cut = 20514n * MICROS_PER_DAY;
    const final = afterDelete.filter((x) => !(x.ts !== null && x.ts >= cut)).length + 25;
    expect(counts.at(-1)).toBe(final);
    expect(final).toBeLessThan(afterDelete.length + 25);
  });

  it('reads in lake by its metadata file with PyIceberg rows for every snapshot, through Arrow and DuckDB', async () => {
    const table = await openTableAt(py.metadata_location);
    expect(table.metadata.snapshots.map((s) => s.snapshotId)).toEqual(py.snapshots.map((s) => BigInt(s.snapshot_id)));
    await expectSameRows(table);
    // the current snapshot without a selector
    const current = await table.scan().plan();
    expect(current.snapshot?.snapshotId).toBe(BigInt(py.current_snapshot_id));
    expect(sortRows(await arrowRows(current))).toEqual(sortRows(py.snapshots.at(-1)!.rows));
  });

  it('reads in lake by its table folder (PyIceberg names metadata files <N>-<uuid>.metadata.json)', async () => {
    const table = await openTableAt(py.location);
    expect(table.metadataLocation.replace(/^file:\/\//, '')).toBe(py.metadata_location.replace(/^file:\/\//, ''));
    const plan = await table.scan().plan();
    expect(sortRows(await duckdbRows(plan))).toEqual(sortRows(py.snapshots.at(-1)!.rows));
  });

  it('reads in lake after the table folder moved, through a path remap (API and `lake time-travel --path-remap`), and not without it', async () => {
    await ensureBuilt();
    const moved = path.join(dir, 'moved');
    await fs.cp(path.join(dir, 'warehouse'), moved, { recursive: true });
    await fs.rm(path.join(dir, 'warehouse'), { recursive: true });
    try {
      const from = `file://${dir}/warehouse/`;
      const remap = `${from}=${moved}/`;
      const metadataFile = py.metadata_location.replace(from, `${moved}/`);
      expect(metadataFile).not.toBe(py.metadata_location);
      const table = await openTableAt(metadataFile);
      // every embedded path still names the old place
      expect(table.metadata.location.startsWith(from)).toBe(true);
      await expect(table.scan().plan()).rejects.toSatisfy((e: unknown) => e instanceof LakeError && e.code === 'NOT_FOUND');
      await expectSameRows(table, [remap]);

      const cli = await runLake(['time-travel', metadataFile, '--snapshot', '0', '--json']);
      expect(cli.code).not.toBe(0);
      // the CLI (a process per run) on the first snapshot, the first after the schema change and the last
      const some = [py.snapshots[0]!, py.snapshots.find((s) => s.schema_id === 1)!, py.snapshots.at(-1)!];
      for (const s of some) {
        const args = ['time-travel', metadataFile, '--snapshot', String(s.snapshot_id), '--sql', 'SELECT * FROM t', '--json', '--path-remap', remap];
        const r = await runLake(args);
        expect(r.stderr, `lake ${args.join(' ')}`).toBe('');
        expect(r.code).toBe(0);
        // JSON text from JSON.stringify has no -0 (it prints 0); the other values are exact
        const expected = s.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Object.is(v, -0) ? 0 : v])));
        expect(sortRows(JSON.parse(r.stdout) as JsonRow[]), `lake time-travel, snapshot ${s.snapshot_id}`).toEqual(sortRows(expected));
      }
      const r = await runLake(['time-travel', metadataFile, '--snapshot', String(py.snapshots[0]!.snapshot_id), '--json']);
      expect(r.code, 'without the remap the data files are not found').not.toBe(0);
    } finally {
      await fs.cp(moved, path.join(dir, 'warehouse'), { recursive: true });
    }
  }, 240_000);
});

/** Every PyIceberg snapshot read by lake: same columns, same data files, same rows (Arrow and DuckDB). */
async function expectSameRows(table: Table, pathRemaps: string[] = []): Promise<void> {
  for (const s of py.snapshots) {
    const what = `snapshot ${s.snapshot_id} (${s.operation}, schema ${s.schema_id})`;
    const plan = await table.scan({ snapshotId: BigInt(s.snapshot_id), pathRemaps }).plan();
    expect(plan.schema.schemaId, what).toBe(s.schema_id);
    expect(plan.schema.fields.map((f) => f.name), what).toEqual(s.columns);
    expect(planFiles(plan), what).toEqual(s.data_files);
    const expected = sortRows(s.rows);
    expect(sortRows(await arrowRows(plan)), `Arrow, ${what}`).toEqual(expected);
    expect(sortRows(await duckdbRows(plan)), `DuckDB, ${what}`).toEqual(expected);
  }
}

describe('files PyIceberg adds with add_files (no field ids: read through the name mapping)', () => {
  const SCRIPT = `
import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import DoubleType, LongType, NestedField, StringType
from lake_interop import rows_json

def main(inp):
    d = inp["dir"]
    catalog = SqlCatalog("interop", uri=f"sqlite:///{d}/catalog.db", warehouse=f"file://{d}/warehouse")
    catalog.create_namespace("db")
    schema = Schema(
        NestedField(1, "id", LongType(), required=False),
        NestedField(2, "region", StringType(), required=False),
        NestedField(3, "amount", DoubleType(), required=False),
    )
    spec = PartitionSpec(PartitionField(source_id=2, field_id=1000, transform=IdentityTransform(), name="region"))
    table = catalog.create_table("db.added", schema=schema, partition_spec=spec)
    paths = []
    for k, region in enumerate(["eu", "us"]):
        path = f"{d}/external-{region}.parquet"
        pq.write_table(pa.table({
            "id": pa.array([k * 100 + i for i in range(5)], pa.int64()),
            "region": pa.array([region] * 5),
            "amount": pa.array([i * 1.25 if i != 2 else None for i in range(5)], pa.float64()),
        }), path)
        paths.append(path)
    table.add_files(paths)
    with table.update_schema() as update:
        update.rename_column("amount", "total")
    table = catalog.load_table("db.added")
    scan = table.scan()
    return {
        "metadata_location": table.metadata_location,
        "name_mapping": table.metadata.properties.get("schema.name-mapping.default"),
        "rows": rows_json(scan.to_arrow(), scan.projection()),
        "eu": rows_json(table.scan(row_filter="region = 'eu'").to_arrow()),
    }
`;
  let dir: string;
  let py: { metadata_location: string; name_mapping: string | null; rows: JsonRow[]; eu: JsonRow[] };
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-interop-addfiles-'));
    py = await runPython(SCRIPT, { dir });
  }, 120_000);
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('lake reads them with PyIceberg rows through Arrow and DuckDB, after a rename, and prunes by partition', async () => {
    expect(py.name_mapping).toContain('"amount"');
    expect(py.rows).toHaveLength(10);
    expect(Object.keys(py.rows[0]!).sort()).toEqual(['id', 'region', 'total']);
    expect(py.rows.filter((r) => r.total === null)).toHaveLength(2);
    const table = await openTableAt(py.metadata_location);
    const plan = await table.scan().plan();
    expect(sortRows(await arrowRows(plan))).toEqual(sortRows(py.rows));
    expect(sortRows(await duckdbRows(plan))).toEqual(sortRows(py.rows));
    const eu = await table.scan({ filter: "region = 'eu'" }).plan();
    expect(eu.tasks).toHaveLength(1);
    expect(sortRows(await arrowRows(eu))).toEqual(sortRows(py.eu));
  });
});
