/**
 * lake -> PyIceberg: a table written by lake (day(ts) + bucket(4, id), appends, an overwrite of one
 * day, a tag and a branch) reads in PyIceberg (`StaticTable.from_metadata` on lake's metadata file)
 * with the same rows for every snapshot and through the tag and the branch, and PyIceberg's
 * `plan_files` keeps exactly the data files lake's planner keeps for a set of filters (partition
 * and metrics pruning). The same table is then written to MinIO and read there by PyIceberg with
 * S3 properties (endpoint, keys, region, path-style addressing). Signed zeros, fixed[L] and
 * nanosecond timestamps (v3) read back with the values lake was given.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStoreCatalog } from '../../catalog/object-store-catalog.js';
import { runPython } from '../support/pyiceberg.js';
import { testS3 } from '../support/s3.js';
import { arrowColumn, arrowTable, schemaOf } from '../write/data-writer-fixtures.js';
import { FILTERS, type LakeTable, writeLakeTable } from './lake-table.js';
import { type JsonRow, arrowRows, duckdbRows, planFiles, pyScript, sortRows } from './support.js';

interface PySnapshot {
  snapshot_id: number | bigint;
  schema_id: number;
  columns: string[];
  data_files: string[];
  rows: JsonRow[];
}

interface PyRead {
  format_version: number;
  current_snapshot_id: number | bigint;
  snapshots: PySnapshot[];
  refs: Record<string, PySnapshot & { type: string }>;
  plans: Record<string, Record<string, string[]>>;
}

async function pyRead(lake: LakeTable, properties: Record<string, string> = {}): Promise<PyRead> {
  return runPython<PyRead>(
    pyScript('pyiceberg_read_table.py'),
    {
      metadata: lake.table.metadataLocation,
      properties,
      refs: [lake.tag.name, lake.branch.name],
      filters: Object.fromEntries(Object.entries(FILTERS).map(([k, f]) => [k, f.text])),
      filter_snapshots: [null, lake.tag.snapshotId],
    },
    { timeoutMs: 300_000 },
  );
}

/** The checks both storages share. */
function interopChecks(get: () => { lake: LakeTable; py: PyRead }): void {
  it('PyIceberg sees lake history: every snapshot, the tag and the branch', () => {
    const { lake, py } = get();
    expect(py.format_version).toBe(2);
    expect(BigInt(py.current_snapshot_id)).toBe(lake.table.metadata.currentSnapshotId);
    expect(py.snapshots.map((s) => BigInt(s.snapshot_id)).sort()).toEqual(lake.snapshots.map((s) => s.snapshotId).sort());
    expect(BigInt(py.refs[lake.tag.name]!.snapshot_id)).toBe(lake.tag.snapshotId);
    expect(py.refs[lake.tag.name]!.type).toBe('tag');
    expect(BigInt(py.refs[lake.branch.name]!.snapshot_id)).toBe(lake.branch.snapshotId);
    expect(py.refs[lake.branch.name]!.type).toBe('branch');
  });

  it('PyIceberg reads every snapshot with exactly the rows lake wrote, and the same data files lake plans', async () => {
    const { lake, py } = get();
    for (const s of lake.snapshots) {
      const p = py.snapshots.find((x) => BigInt(x.snapshot_id) === s.snapshotId)!;
      expect(p.rows.length, s.what).toBe(s.rows.length);
      expect(sortRows(p.rows), s.what).toEqual(sortRows(s.rows));
      const plan = await lake.table.scan({ snapshotId: s.snapshotId }).plan();
      expect(p.data_files, s.what).toEqual(planFiles(plan));
      expect(p.columns, s.what).toEqual(plan.schema.fields.map((f) => f.name));
      // and lake's own readers agree with what was written
      expect(sortRows(await arrowRows(plan)), `lake Arrow, ${s.what}`).toEqual(sortRows(s.rows));
    }
  });

  it('PyIceberg reads the tag and the branch with their snapshots rows', async () => {
    const { lake, py } = get();
    const tagRows = lake.snapshots.find((s) => s.snapshotId === lake.tag.snapshotId)!.rows;
    expect(sortRows(py.refs[lake.tag.name]!.rows)).toEqual(sortRows(tagRows));
    const branchRows = lake.snapshots.find((s) => s.snapshotId === lake.branch.snapshotId)!.rows;
    expect(sortRows(py.refs[lake.branch.name]!.rows)).toEqual(sortRows(branchRows));
    // lake through the same refs, DuckDB path
    const byTag = await lake.table.scan({ ref: lake.tag.name }).plan();
    expect(sortRows(await duckdbRows(byTag))).toEqual(sortRows(tagRows));
    const byBranch = await lake.table.scan({ ref: lake.branch.name }).plan();
    expect(sortRows(await duckdbRows(byBranch))).toEqual(sortRows(branchRows));
  });

  it('PyIceberg plan_files keeps exactly the files lake plans for every filter, and both prune', async () => {
    const { lake, py } = get();
    for (const [key, snapshot] of [['current', undefined], [String(lake.tag.snapshotId), lake.tag.snapshotId]] as const) {
      const pyPlans = py.plans[key]!;
      const total = pyPlans.none!.length;
      expect(total).toBeGreaterThan(8);
      for (const [name, f] of Object.entries(FILTERS)) {
        const plan = await lake.table
          .scan({ ...(f.text === '' ? {} : { filter: f.text }), ...(snapshot === undefined ? {} : { snapshotId: snapshot }) })
          .plan();
        const files = planFiles(plan);
        expect(files, `${name} (${f.text}) on ${key}`).toEqual(pyPlans[name]);
        if (f.prunes && key === 'current') {
          expect(files.length, `${name} prunes`).toBeLessThan(total);
          expect(files.length, `${name} keeps some files`).toBeGreaterThan(0);
        }
      }
    }
  });
}

describe('a table written by lake on local disk, read by PyIceberg', () => {
  let dir: string;
  let lake: LakeTable;
  let py: PyRead;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-interop-lake2py-'));
    lake = await writeLakeTable(new ObjectStoreCatalog({ warehouse: dir }), 'events');
    py = await pyRead(lake);
  }, 300_000);
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  interopChecks(() => ({ lake, py }));
});

describe('the same table on MinIO, read by PyIceberg with S3 properties', () => {
  let lake: LakeTable;
  let py: PyRead;
  beforeAll(async () => {
    const s3 = testS3();
    lake = await writeLakeTable(new ObjectStoreCatalog({ warehouse: s3.root, storage: s3.storage }), 'events');
    expect(lake.table.metadataLocation.startsWith(`s3://${s3.bucket}/`)).toBe(true);
    py = await pyRead(lake, {
      's3.endpoint': s3.endpoint,
      's3.access-key-id': s3.accessKeyId,
      's3.secret-access-key': s3.secretAccessKey,
      's3.region': s3.region,
      's3.force-virtual-addressing': 'false',
    });
  }, 300_000);
  interopChecks(() => ({ lake, py }));
});

describe('signed zeros in a file lake writes, read by PyIceberg', () => {
  // -0.0 and 0.0 are different values (and Iceberg orders -0.0 below 0.0 in bounds). DuckDB 1.5's
  // Parquet writer dictionary-encodes float columns with -0.0 and 0.0 as one dictionary entry, so
  // every zero in a row group comes back with the sign of the first one written. DuckDB alone shows
  // it: COPY (SELECT CASE WHEN i % 2 = 0 THEN '-0.0'::DOUBLE ELSE 0.0 END AS x FROM range(10) r(i))
  // TO 'z.parquet'; SELECT 1 / x FROM 'z.parquet' gives -inf for every row (with
  // DICTIONARY_SIZE_LIMIT 0 the signs survive). lake writes tables with float or double columns
  // with DICTIONARY_SIZE_LIMIT 0 (src/parquet/writer.ts).
  // few distinct values, so DuckDB would choose dictionary encoding
  const doubles = Array.from({ length: 30 }, (_x, i) => [-0, 0, 1.5][i % 3]!);
  const floats = Array.from({ length: 30 }, (_x, i) => [0, -2.5, -0][i % 3]!);
  /** `-0.0`, `+0.0`, `+1.5`: the sign and magnitude as text (JSON and toEqual blur -0 otherwise) */
  const signed = (v: number) => `${Object.is(v, -0) || v < 0 ? '-' : '+'}${Math.abs(v) === 0 ? '0.0' : String(Math.abs(v))}`;
  let dir: string;
  let read: { double: string[]; float: string[] };
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-interop-zeros-'));
    const catalog = new ObjectStoreCatalog({ warehouse: dir });
    await catalog.createNamespace('db');
    const schema = schemaOf([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'x', required: false, type: 'double' },
      { id: 3, name: 'y', required: false, type: 'float' },
    ]);
    const table = await catalog.createTable('db.zeros', { schema });
    const input = arrowTable(
      {
        id: arrowColumn({ kind: 'long' }, doubles.map((_x, i) => BigInt(i))),
        x: arrowColumn({ kind: 'double' }, doubles),
        y: arrowColumn({ kind: 'float' }, floats),
      },
      { id: false },
    );
    await table.append(input);
    read = await runPython<{ double: string[]; float: string[] }>(
      `
import math
from pyiceberg.table import StaticTable

def main(inp):
    rows = StaticTable.from_metadata(inp["metadata"]).scan().to_arrow().sort_by("id").to_pylist()
    signed = lambda v: ("-" if math.copysign(1, v) < 0 else "+") + repr(abs(v))
    return {"double": [signed(r["x"]) for r in rows], "float": [signed(r["y"]) for r in rows]}
`,
      { metadata: table.metadataLocation },
    );
  }, 120_000);
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('PyIceberg reads every row, and the non-zero values as written', () => {
    expect(read.double).toHaveLength(doubles.length);
    expect(read.double[2]).toBe('+1.5');
    expect(read.float[1]).toBe('-2.5');
    expect(read.double.map((v) => v.slice(1))).toEqual(doubles.map((v) => signed(v).slice(1)));
  });

  it('PyIceberg reads -0.0 and 0.0 with the signs lake was given', () => {
    expect(read.double).toEqual(doubles.map(signed));
    expect(read.float).toEqual(floats.map(signed));
  });
});

describe('fixed[L] and nanosecond timestamps in files lake writes, read by lake and PyIceberg', () => {
  // DuckDB cannot write FIXED_LEN_BYTE_ARRAY(L) nor TIMESTAMP(NANOS, isAdjustedToUTC=true); lake
  // re-encodes those files (src/parquet/type-rewrite.ts)
  const fx = [[0, 0, 0, 0], [255, 1, 2, 3], [1, 2, 3, 4], null].map((v) => (v === null ? null : new Uint8Array(v)));
  const ns = [0n, -1n, 1700000000123456789n, null];
  const hex = (v: Uint8Array | null) => (v === null ? null : Buffer.from(v).toString('hex'));
  let dir: string;
  let lakeRows: { id: number; fx: string | null; tns: string | null; tzns: string | null }[];
  let py: { rows: { id: number; fx: string | null; tns: string | null; tzns: string | null }[]; types: Record<string, string> };
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-interop-fixed-'));
    const catalog = new ObjectStoreCatalog({ warehouse: dir });
    await catalog.createNamespace('db');
    const schema = schemaOf([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'fx', required: false, type: 'fixed[4]' },
      { id: 3, name: 'tns', required: false, type: 'timestamp_ns' },
      { id: 4, name: 'tzns', required: false, type: 'timestamptz_ns' },
    ]);
    const table = await catalog.createTable('db.t', { schema, formatVersion: 3 });
    await table.append(
      arrowTable(
        {
          id: arrowColumn({ kind: 'long' }, fx.map((_x, i) => BigInt(i))),
          fx: arrowColumn({ kind: 'fixed', length: 4 }, fx),
          tns: arrowColumn({ kind: 'timestamp_ns' }, ns),
          tzns: arrowColumn({ kind: 'timestamptz_ns' }, ns),
        },
        { id: false },
      ),
    );
    const read = await table.scan().toArrow();
    const nanos = (name: string, r: number): string | null => {
      const col = read.getChild(name)!;
      if (!col.isValid(r)) return null;
      const d = col.data[0]!;
      return String((d.values as BigInt64Array)[r]);
    };
    lakeRows = Array.from({ length: read.numRows }, (_x, r) => ({
      id: Number(read.getChild('id')!.get(r)),
      fx: hex(read.getChild('fx')!.get(r) as Uint8Array | null),
      tns: nanos('tns', r),
      tzns: nanos('tzns', r),
    })).sort((a, b) => a.id - b.id);
    py = await runPython(
      `
from pyiceberg.table import StaticTable

def main(inp):
    table = StaticTable.from_metadata(inp["metadata"])
    arrow = table.scan().to_arrow().sort_by("id")
    ns = lambda name: [None if v is None else str(v) for v in arrow.column(name).cast("int64").to_pylist()]
    fx = [None if v is None else bytes(v).hex() for v in arrow.column("fx").to_pylist()]
    rows = [{"id": i, "fx": f, "tns": a, "tzns": b} for i, f, a, b in zip(arrow.column("id").to_pylist(), fx, ns("tns"), ns("tzns"))]
    return {
        "rows": rows,
        "types": {f.name: str(f.type) for f in arrow.schema},
    }
`,
      { metadata: table.metadataLocation },
    );
  }, 120_000);
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const expected = () => fx.map((v, i) => ({ id: i, fx: hex(v), tns: ns[i] === null ? null : String(ns[i]), tzns: ns[i] === null ? null : String(ns[i]) }));

  it('lake reads back the bytes and the nanoseconds it wrote', () => {
    expect(lakeRows).toEqual(expected());
  });

  it('PyIceberg reads the same rows, as fixed_size_binary(4) and nanosecond timestamps (UTC for timestamptz_ns)', () => {
    expect(py.rows).toEqual(expected());
    expect(py.types.fx).toBe('fixed_size_binary[4]');
    expect(py.types.tns).toBe('timestamp[ns]');
    expect(py.types.tzns).toMatch(/^timestamp\[ns, tz=(UTC|\+00:00)\]$/);
  });
});
