/**
 * The data-level library API on local warehouses: append, overwrite by filter (whole-file removal
 * against partial rewrite, SQL three-valued logic, conflict detection), dynamic partition
 * overwrite, add-files, branches, tags, rollback, idempotency keys, and scans with time travel.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ObjectStoreCatalog, type Table, type WriteResult, isLakeError, openCatalog, parseSchema, toJsonRows } from '../../catalog/index.js';
import { duckdbConnect } from '../../src/util/duckdb.js';

let dir: string;
let catalog: ObjectStoreCatalog;
let counter = 0;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-api-'));
  catalog = openCatalog({ warehouse: path.join(dir, 'wh') });
  await catalog.createNamespace('db');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const SCHEMA = parseSchema({
  type: 'struct',
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'cat', required: false, type: 'string' },
    { id: 3, name: 'v', required: false, type: 'int' },
  ],
});

async function newTable(partitioned: boolean): Promise<Table> {
  return catalog.createTable(`db.t${++counter}`, {
    schema: SCHEMA,
    ...(partitioned ? { partitionSpec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'cat', transform: { kind: 'identity' as const } }] } } : {}),
  });
}

type Row = [number, string | null, number | null];

function data(rows: Row[]): arrow.Table {
  return new arrow.Table({
    id: arrow.vectorFromArray(rows.map((r) => BigInt(r[0])), new arrow.Int64()),
    cat: arrow.vectorFromArray(rows.map((r) => r[1]), new arrow.Utf8()),
    v: arrow.vectorFromArray(rows.map((r) => r[2]), new arrow.Int32()),
  });
}

async function rows(table: Table, selector: Parameters<Table['scan']>[0] = {}): Promise<Row[]> {
  const result = await table.scan(selector).sql('SELECT id, cat, v FROM t ORDER BY id');
  return toJsonRows(result).map((r) => [r.id as number, r.cat as string | null, r.v as number | null]);
}

async function files(folder: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(folder, p));
    }
  };
  await walk(folder);
  return out.sort();
}

const INITIAL: Row[] = [
  [1, 'a', 1],
  [2, 'a', 2],
  [3, 'b', 3],
  [4, 'b', 4],
  [5, 'b', null],
  [6, 'c', 6],
];

describe('append', () => {
  it('commits one append snapshot with the standard summary fields', async () => {
    const t = await newTable(true);
    const r = await t.append(data(INITIAL));
    expect(r.operation).toBe('append');
    expect(r.dataFiles).toHaveLength(3);
    const s = r.snapshot!.summary!;
    expect(s).toMatchObject({
      operation: 'append',
      'added-data-files': '3',
      'added-records': '6',
      'total-records': '6',
      'total-data-files': '3',
      'changed-partition-count': '3',
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-equality-deletes': '0',
    });
    expect(Number(s['added-files-size'])).toBe(r.dataFiles.reduce((n, f) => n + Number(f.fileSizeInBytes), 0));
    expect(s['total-files-size']).toBe(s['added-files-size']);
    expect(await rows(t)).toEqual(INITIAL);
    const second = await t.append(data([[7, 'd', 7]]), { snapshotProperties: { 'job-id': 'nightly-7' } });
    expect(second.snapshot!.summary).toMatchObject({ 'added-records': '1', 'total-records': '7', 'total-data-files': '4', 'job-id': 'nightly-7' });
    expect(second.snapshot!.parentSnapshotId).toBe(r.snapshot!.snapshotId);
  });

  it('with preserveOrder: false writes every row once, in whatever order the cores staged them', async () => {
    const t = await newTable(false);
    const many: Row[] = Array.from({ length: 20_000 }, (_x, i) => [i, i % 3 === 0 ? null : `c${i % 7}`, i % 5 === 0 ? null : i * 2]);
    const r = await t.append(data(many), { preserveOrder: false });
    expect(r.snapshot!.summary!['added-records']).toBe('20000');
    expect(await rows(t)).toEqual(many);
  });
});

describe('overwrite by filter', () => {
  it('removes fully matching files whole, rewrites partly matching ones, keeps rows where the predicate is NULL', async () => {
    const t = await newTable(true);
    const first = await t.append(data(INITIAL));
    const byCat = new Map(first.dataFiles.map((f) => [f.partition[0], f.filePath]));
    const r = await t.overwrite(data([[10, 'a', 10]]), { where: "v >= 3 OR cat = 'a'" });
    expect(r.operation).toBe('overwrite');
    // a: every row matches by partition (strict projection); c: by metrics (v = 6, no nulls); b: in part.
    expect(r.removedFiles.sort()).toEqual([byCat.get('a'), byCat.get('b'), byCat.get('c')].sort());
    expect(r.rewrittenFiles.map((f) => [f.partition, f.recordCount])).toEqual([[['b'], 1]]);
    // row 5 has v NULL and cat 'b': `NULL >= 3 OR 'b' = 'a'` is NULL, so it stays
    expect(await rows(t)).toEqual([
      [5, 'b', null],
      [10, 'a', 10],
    ]);
    expect(r.snapshot!.summary).toMatchObject({
      operation: 'overwrite',
      'deleted-data-files': '3',
      'deleted-records': '6',
      'added-data-files': '2',
      'added-records': '2',
      'total-records': '2',
    });
    // the old snapshot still reads as before
    expect(await rows(t, { snapshotId: first.snapshot!.snapshotId })).toEqual(INITIAL);
  });

  it('follows SQL three-valued logic for NOT and IS NULL', async () => {
    const t = await newTable(false);
    await t.append(data([[1, 'x', 1], [2, 'x', null], [3, 'x', 5], [4, null, null]]));
    const r = await t.overwrite(data([]), { where: 'NOT (v > 2)' });
    // the file matched in part: it is replaced by one holding the kept rows
    expect(r.operation).toBe('overwrite');
    expect(r.rewrittenFiles.map((f) => f.recordCount)).toEqual([3]);
    expect(await rows(t)).toEqual([
      [2, 'x', null],
      [3, 'x', 5],
      [4, null, null],
    ]);
    await t.overwrite(data([]), { where: 'v IS NULL AND cat IS NOT NULL' });
    expect(await rows(t)).toEqual([
      [3, 'x', 5],
      [4, null, null],
    ]);
    // nothing added, one file removed whole: a delete snapshot
    await t.append(data([[7, 'w', 7]]));
    const d = await t.overwrite(data([]), { where: "cat = 'w'" });
    expect([d.operation, d.removedFiles.length, d.rewrittenFiles.length]).toEqual(['delete', 1, 0]);
  });

  it('removes a file whole when its metrics prove every row matches, and adds only when nothing matches', async () => {
    const t = await newTable(false);
    await t.append(data([[1, 'x', 5], [2, 'y', 9]]));
    await t.append(data([[3, 'x', 1]]));
    const r = await t.overwrite(data([[4, 'z', 50]]), { where: 'v >= 5' });
    expect(r.removedFiles).toHaveLength(1);
    expect(r.rewrittenFiles).toEqual([]);
    expect(await rows(t)).toEqual([
      [3, 'x', 1],
      [4, 'z', 50],
    ]);
    const none = await t.overwrite(data([[5, 'z', 5]]), { where: 'v > 1000' });
    expect(none.operation).toBe('append');
    expect(none.removedFiles).toEqual([]);
    expect((await rows(t)).map((x) => x[0])).toEqual([3, 4, 5]);
  });

  it('fails with a conflict when a concurrent commit added matching data (serializable), deleting the files it wrote', async () => {
    const t = await newTable(true);
    await t.append(data(INITIAL));
    const stale = await catalog.loadTable(t.name);
    await t.append(data([[20, 'b', 20]])); // matches the filter below
    const dataDir = path.join(t.location, 'data');
    const before = await files(dataDir);
    const e = await stale.overwrite(data([[30, 'b', 30]]), { where: "cat = 'b'" }).catch((x: unknown) => x);
    expect(isLakeError(e, 'COMMIT_CONFLICT')).toBe(true);
    expect((e as Error).message).toMatch(/-?\d{6,}/); // names the conflicting snapshot
    expect(await files(dataDir)).toEqual(before);
    expect((await rows(t)).map((r) => r[0])).toEqual([1, 2, 3, 4, 5, 6, 20]);
    // under snapshot isolation the same overwrite goes through (and replaces the concurrent row too)
    const stale2 = await catalog.loadTable(t.name);
    await t.append(data([[21, 'b', 21]]));
    const ok = await stale2.overwrite(data([[30, 'b', 30]]), { where: "cat = 'b'", isolationLevel: 'snapshot' });
    expect(ok.operation).toBe('overwrite');
  });

  it('succeeds when the concurrent commit added only rows outside the filter', async () => {
    const t = await newTable(true);
    await t.append(data(INITIAL));
    const stale = await catalog.loadTable(t.name);
    await t.append(data([[40, 'z', 40]]));
    await stale.overwrite(data([[41, 'a', 41]]), { where: "cat = 'a'" });
    await t.refresh();
    expect((await rows(t)).map((x) => x[0])).toEqual([3, 4, 5, 6, 40, 41]);
  });

  it('refuses a bad predicate before writing anything', async () => {
    const t = await newTable(true);
    await t.append(data(INITIAL));
    const before = await files(t.location);
    for (const where of ['nope = 1', 'v = = 1', "v = 'text'"]) {
      const e = await t.overwrite(data([[9, 'a', 9]]), { where }).catch((x: unknown) => x);
      expect(isLakeError(e, 'INVALID_INPUT'), where).toBe(true);
    }
    expect(await files(t.location)).toEqual(before);
  });
});

describe('dynamic partition overwrite', () => {
  it('replaces exactly the partitions the new data touches', async () => {
    const t = await newTable(true);
    await t.append(data(INITIAL));
    const r = await t.overwrite(data([[7, 'b', 70], [8, 'd', 80]]));
    expect(r.operation).toBe('overwrite');
    expect(r.snapshot!.summary).toMatchObject({ 'deleted-data-files': '1', 'deleted-records': '3', 'added-records': '2' });
    expect(await rows(t)).toEqual([
      [1, 'a', 1],
      [2, 'a', 2],
      [6, 'c', 6],
      [7, 'b', 70],
      [8, 'd', 80],
    ]);
  });

  it('replaces the whole table when it is unpartitioned', async () => {
    const t = await newTable(false);
    await t.append(data(INITIAL));
    await t.overwrite(data([[9, 'z', 9]]));
    expect(await rows(t)).toEqual([[9, 'z', 9]]);
  });
});

describe('add-files', () => {
  async function parquet(name: string, select: string): Promise<string> {
    const p = path.join(dir, name);
    const conn = await duckdbConnect();
    try {
      await conn.run(`COPY (${select}) TO '${p}' (FORMAT parquet)`);
    } finally {
      conn.closeSync();
    }
    return p;
  }

  it('adds Parquet files as they are, with metrics from their footers and a stored name mapping', async () => {
    const t = await newTable(true);
    const file = await parquet('a.parquet', "SELECT i::BIGINT AS id, 'q' AS cat, i::INTEGER AS v FROM range(1, 11) r(i)");
    const bytes = await fs.readFile(file);
    const r = await t.addFiles([file]);
    expect(r.operation).toBe('append');
    expect(r.dataFiles.map((f) => [f.filePath, f.recordCount, f.partition])).toEqual([[file, 10, ['q']]]);
    expect(r.dataFiles[0]!.nullValueCounts?.get(3)).toBe(0);
    expect(await fs.readFile(file)).toEqual(bytes);
    expect(t.properties['schema.name-mapping.default']).toBeDefined();
    expect((await t.scan({ filter: 'v > 7' }).toArrow()).numRows).toBe(3);
    // filters prune the added file by its footer metrics
    const plan = await t.scan({ filter: 'v > 100' }).plan();
    expect(plan.tasks).toHaveLength(0);
  });

  it('refuses files whose columns do not map or that span partitions, leaving the table as it was', async () => {
    const t = await newTable(true);
    await t.append(data(INITIAL));
    const meta = await files(path.join(t.location, 'metadata'));
    const spans = await parquet('spans.parquet', "SELECT 1::BIGINT AS id, unnest(['a', 'b']) AS cat, 1::INTEGER AS v");
    const wrong = await parquet('wrong.parquet', "SELECT 'x' AS id");
    for (const f of [spans, wrong]) {
      const e = await t.addFiles([f]).catch((x: unknown) => x);
      expect(isLakeError(e, 'INVALID_INPUT'), f).toBe(true);
      expect((e as Error).message).toContain(path.basename(f));
    }
    expect(await files(path.join(t.location, 'metadata'))).toEqual(meta);
  });
});

describe('branches, tags, rollback', () => {
  it('writes to a branch while main stays as it was', async () => {
    const t = await newTable(true);
    const base = await t.append(data(INITIAL));
    const dev = await t.append(data([[100, 'a', 100]]), { branch: 'dev' });
    expect(t.currentSnapshot()!.snapshotId).toBe(base.snapshot!.snapshotId);
    expect(t.metadata.refs.get('dev')!.snapshotId).toBe(dev.snapshot!.snapshotId);
    expect(dev.snapshot!.parentSnapshotId).toBe(base.snapshot!.snapshotId);
    expect((await rows(t)).length).toBe(6);
    expect((await rows(t, { ref: 'dev' })).length).toBe(7);
    // overwrite on the branch plans against the branch head
    await t.overwrite(data([[101, 'a', 101]]), { where: "cat = 'a'", branch: 'dev' });
    expect((await rows(t, { ref: 'dev' })).filter((r) => r[1] === 'a')).toEqual([[101, 'a', 101]]);
    expect((await rows(t)).filter((r) => r[1] === 'a')).toEqual([
      [1, 'a', 1],
      [2, 'a', 2],
    ]);
    const v1 = await t.append(data([[1, 'a', 1]]), { branch: 'v1' }); // a new branch, created from main
    expect(v1.snapshot!.parentSnapshotId).toBe(base.snapshot!.snapshotId);
    await t.createTag('tag1');
    const toTag = await t.append(data([[1, 'a', 1]]), { branch: 'tag1' }).catch((x: unknown) => x);
    expect(isLakeError(toTag, 'INVALID_INPUT')).toBe(true);
  });

  it('reads tags, rolls back to ancestors only, and to the snapshot current at a time', async () => {
    const t = await newTable(false);
    const s1 = (await t.append(data([[1, 'x', 1]]))).snapshot!;
    await new Promise((r) => setTimeout(r, 10));
    const s2 = (await t.append(data([[2, 'x', 2]]))).snapshot!;
    await new Promise((r) => setTimeout(r, 10));
    await t.append(data([[3, 'x', 3]]));
    await t.createTag('first', s1.snapshotId);
    expect(await rows(t, { ref: 'first' })).toEqual([[1, 'x', 1]]);
    const side = (await t.append(data([[9, 'y', 9]]), { branch: 'side' })).snapshot!;
    const e = await t.rollbackTo(side.snapshotId).catch((x: unknown) => x);
    expect(isLakeError(e, 'INVALID_INPUT')).toBe(true);
    await t.rollbackToTime(s2.timestampMs);
    expect(t.currentSnapshot()!.snapshotId).toBe(s2.snapshotId);
    expect((await rows(t)).map((r) => r[0])).toEqual([1, 2]);
    await t.rollbackTo(s1.snapshotId);
    expect((await rows(t)).map((r) => r[0])).toEqual([1]);
    expect((await rows(t, { asOf: s2.timestampMs })).map((r) => r[0])).toEqual([1, 2]);
  });
});

describe('idempotency keys', () => {
  it('a second write with the same key returns the first snapshot and writes nothing', async () => {
    const t = await newTable(true);
    const first = await t.append(data(INITIAL), { idempotencyKey: 'batch-1' });
    expect(first.snapshot!.summary!['lake.idempotency-key']).toBe('batch-1');
    const before = await files(t.location);
    const again = await t.append(data(INITIAL), { idempotencyKey: 'batch-1' });
    expect(again.alreadyCommitted).toBe(true);
    expect(again.snapshot!.snapshotId).toBe(first.snapshot!.snapshotId);
    expect(await files(t.location)).toEqual(before);
    // a table object loaded before the first write finds the key while committing, and removes what it wrote
    const t2 = await newTable(true);
    const stale = await catalog.loadTable(t2.name);
    const landed = await t2.append(data(INITIAL), { idempotencyKey: 'batch-2' });
    const snapshotFiles = await files(t2.location);
    const late: WriteResult = await stale.append(data(INITIAL), { idempotencyKey: 'batch-2' });
    expect(late.alreadyCommitted).toBe(true);
    expect(late.snapshot!.snapshotId).toBe(landed.snapshot!.snapshotId);
    expect(await files(t2.location)).toEqual(snapshotFiles);
    expect((await rows(t2)).length).toBe(6);
  });
});

describe('scans', () => {
  it('time-travels by id, time and ref, projects columns and filters, as Arrow, batches and SQL', async () => {
    const t = await newTable(true);
    const s1 = (await t.append(data(INITIAL))).snapshot!;
    await t.append(data([[7, 'a', 70]]));
    const arrowTable = await t.scan({ columns: ['v', 'id'], filter: "cat = 'a'" }).toArrow();
    expect(arrowTable.schema.fields.map((f) => f.name)).toEqual(['v', 'id']);
    expect(arrowTable.numRows).toBe(3);
    let n = 0;
    for await (const b of t.scan({ snapshotId: s1.snapshotId }).batches()) n += b.numRows;
    expect(n).toBe(6);
    expect(await t.scan({ snapshotId: String(s1.snapshotId) }).snapshot()).toEqual(s1);
    const viaName = toJsonRows(await t.scan({ asOf: new Date(s1.timestampMs) }).sql(`SELECT count(*) AS n FROM ${t.name}`));
    expect(viaName).toEqual([{ n: 6 }]);
    const filtered = toJsonRows(await t.scan({ filter: 'v >= 4' }).sql('SELECT sum(v) AS s FROM t'));
    expect(filtered).toEqual([{ s: 80 }]);
    expect(() => t.scan({ snapshotId: s1.snapshotId, ref: 'main' })).toThrow(/choose one of snapshotId, asOf and ref/);
    const e = await t.scan({ snapshotId: 42n }).plan().catch((x: unknown) => x);
    expect(isLakeError(e, 'SNAPSHOT_NOT_FOUND')).toBe(true);
  });

  it('a table opened from its location reads the same but cannot be written', async () => {
    const t = await newTable(false);
    await t.append(data(INITIAL));
    const { openTableAt } = await import('../../catalog/index.js');
    const byLocation = await openTableAt(t.location);
    expect(await rows(byLocation)).toEqual(INITIAL);
    const e = await byLocation.append(data(INITIAL)).catch((x: unknown) => x);
    expect(isLakeError(e, 'UNSUPPORTED_FEATURE')).toBe(true);
  });
});
