/**
 * The SQL the DuckDB reader builds: files grouped into few `read_parquet` calls, field-id schemas,
 * nested layouts rebuilt only where needed, filters pushed into the scan, helper tables dropped.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { bind, parsePredicate } from '../../src/expressions/index.js';
import { prepareDuckDbScan } from '../../src/scan/duckdb-scan.js';
import { planScan } from '../../src/scan/planner.js';
import { duckdbConnect } from '../../src/util/duckdb.js';
import { loadCorpusCase } from './support.js';
import { deleteRef, metadata, plan, schema, task, tempDir, writeEqualityDeletes, writeParquet, writePositionDeletes } from './arrow-reader-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('lake-duckdb-scan-'));
});
afterAll(async () => cleanup());

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

test('files are grouped by their stored layout; columns resolved by field id, nested layouts rebuilt only where needed', async () => {
  const s = schema([
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'label', required: false, type: 'string' },
    { id: 3, name: 'st', required: false, type: { type: 'struct', fields: [{ id: 4, name: 'x', required: false, type: 'int' }] } },
  ]);
  const a1 = await writeParquet(`${dir}/g-a1.parquet`, `SELECT 1::INTEGER AS id, 'a' AS name, {'x': 1} AS st`, '{id: 1, name: 2, st: {__duckdb_field_id: 3, x: 4}}');
  const a2 = await writeParquet(`${dir}/g-a2.parquet`, `SELECT 4::INTEGER AS id, 'd' AS name, {'x': 4} AS st`, '{id: 1, name: 2, st: {__duckdb_field_id: 3, x: 4}}');
  // renamed and promoted columns: another layout
  const b = await writeParquet(`${dir}/g-b.parquet`, `SELECT 2::BIGINT AS ident, 'b' AS label, {'x': 2} AS st`, '{ident: 1, label: 2, st: {__duckdb_field_id: 3, x: 4}}');
  // a renamed nested field is rebuilt with struct_pack
  const c = await writeParquet(`${dir}/g-c.parquet`, `SELECT 3::BIGINT AS id, 'c' AS label, {'old_x': 3} AS st`, '{id: 1, label: 2, st: {__duckdb_field_id: 3, old_x: 4}}');
  const conn = await duckdbConnect();
  try {
    const scan = await prepareDuckDbScan(conn, plan(metadata([s]), [task(a1), task(b), task(c), task(a2)]));
    expect(count(scan.sql, 'read_parquet(')).toBe(3);
    expect(count(scan.sql, 'schema = MAP')).toBe(0);
    expect(count(scan.sql, 'struct_pack')).toBe(1);
    expect(scan.sql).toContain(`'${a1.filePath}', '${a2.filePath}'`);
    expect(scan.sql).not.toMatch(/iceberg_scan|httpfs/);
    expect(scan.columns.map((x) => [x.name, x.fieldId])).toEqual([
      ['id', 1],
      ['label', 2],
      ['st', 3],
    ]);
    const rows = (await conn.runAndReadAll(`${scan.sql} ORDER BY id`)).getRowObjectsJS();
    expect(rows).toEqual([
      { id: 1n, label: 'a', st: { x: 1 } },
      { id: 2n, label: 'b', st: { x: 2 } },
      { id: 3n, label: 'c', st: { x: 3 } },
      { id: 4n, label: 'd', st: { x: 4 } },
    ]);
    await scan.release();
  } finally {
    conn.closeSync();
  }
});

test('a file whose column names differ only by case is read with a field-id schema', async () => {
  // duckdb-iceberg's case_sensitive_names table: columns user_id and uSeR_Id
  const c = loadCorpusCase('duckdb-case-sensitive-names');
  const conn = await duckdbConnect();
  try {
    const scan = await prepareDuckDbScan(conn, await planScan({ metadata: c.metadata, io: c.io }));
    expect(count(scan.sql, 'schema = MAP')).toBe(1);
    expect(scan.columns.map((x) => x.name)).toEqual(['user_id', 'uSeR_Id_1']);
    expect((await conn.runAndReadAll(`${scan.sql} ORDER BY 1`)).getRowsJS()).toEqual([
      [1n, 'user_1'],
      [2n, 'user_2'],
      [3n, 'user_3'],
    ]);
    await scan.release();
  } finally {
    conn.closeSync();
  }
});

test('the row filter is pushed into the Parquet scan', async () => {
  const s = schema([{ id: 1, name: 'id', required: true, type: 'long' }]);
  const f = await writeParquet(`${dir}/filter.parquet`, `SELECT range AS id FROM range(100)`, '{id: 1}');
  const filter = bind(parsePredicate('id >= 90'), s);
  const conn = await duckdbConnect();
  try {
    const scan = await prepareDuckDbScan(conn, plan(metadata([s]), [task(f, { residual: filter })], { filter }));
    const explain = (await conn.runAndReadAll(`EXPLAIN ${scan.sql}`)).getRowObjectsJS().map((r) => String(r.explain_value)).join('\n');
    expect(explain).toMatch(/READ_PARQUET[\s\S]*Filters:[\s\S]*id>=90/);
    const n = (await conn.runAndReadAll(`SELECT count(*) AS n FROM (${scan.sql})`)).getRowObjectsJS()[0]!.n;
    expect(n).toBe(10n);
    await scan.release();
  } finally {
    conn.closeSync();
  }
});

test('helper tables for deletes exist until release', async () => {
  const s = schema([{ id: 1, name: 'k', required: false, type: 'int' }]);
  const f = await writeParquet(`${dir}/h.parquet`, `SELECT range::INTEGER AS k FROM range(10)`, '{k: 1}');
  const pd = await writePositionDeletes(`${dir}/h-pd.parquet`, [[f.filePath, 1]]);
  const eq = await writeEqualityDeletes(`${dir}/h-eq.parquet`, `SELECT 5::INTEGER AS k`, '{k: 1}', [1]);
  const conn = await duckdbConnect();
  try {
    const scan = await prepareDuckDbScan(conn, plan(metadata([s]), [task(f, { seq: 1n, positionDeletes: [deleteRef(pd, 2n)], equalityDeletes: [deleteRef(eq, 2n)] })]));
    expect(scan.helperTables.length).toBeGreaterThanOrEqual(3);
    const rows = (await conn.runAndReadAll(`${scan.sql} ORDER BY k`)).getRowObjectsJS().map((r) => r.k);
    expect(rows).toEqual([0, 2, 3, 4, 6, 7, 8, 9]);
    const tables = async (): Promise<number> =>
      Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE '__lake_%'`)).getRowObjectsJS()[0]!.n);
    expect(await tables()).toBe(scan.helperTables.length);
    await scan.release();
    expect(await tables()).toBe(0);
  } finally {
    conn.closeSync();
  }
});

test('name=value directories are not taken for columns (no Hive partitioning)', async () => {
  const s = schema([
    { id: 1, name: 'k', required: true, type: 'int' },
    { id: 2, name: 'v', required: false, type: 'string' },
  ]);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(`${dir}/k=999/v=from_path`, { recursive: true });
  const f = await writeParquet(`${dir}/k=999/v=from_path/data.parquet`, `SELECT 1::INTEGER AS k, 'from_file' AS v`, '{k: 1, v: 2}');
  const conn = await duckdbConnect();
  try {
    const scan = await prepareDuckDbScan(conn, plan(metadata([s]), [task(f)]));
    expect((await conn.runAndReadAll(scan.sql)).getRowsJS()).toEqual([[1, 'from_file']]);
    await scan.release();
  } finally {
    conn.closeSync();
  }
});

test('only files with position deletes go through the anti-join; the others, equality deletes and filters still apply', async () => {
  const s = schema([
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'v', required: false, type: 'string' },
  ]);
  // ids 0..9 in p (position deletes), 10..19 in e (equality deletes), 20..29 in n (none), 30..39 in r (renamed column: another group)
  const p = await writeParquet(`${dir}/mix-p.parquet`, `SELECT range AS id, 'p' || range AS v FROM range(0, 10)`, '{id: 1, v: 2}');
  const e = await writeParquet(`${dir}/mix-e.parquet`, `SELECT range AS id, 'e' || range AS v FROM range(10, 20)`, '{id: 1, v: 2}');
  const n = await writeParquet(`${dir}/mix-n.parquet`, `SELECT range AS id, 'n' || range AS v FROM range(20, 30)`, '{id: 1, v: 2}');
  const r = await writeParquet(`${dir}/mix-r.parquet`, `SELECT range AS ident, 'r' || range AS v FROM range(30, 40)`, '{ident: 1, v: 2}');
  // position 3 of p and positions 0 and 9 of r; the rows of e with id 12 or 25 (25 is in n, written before: not deleted)
  const pd = await writePositionDeletes(`${dir}/mix-pd.parquet`, [[p.filePath, 3], [r.filePath, 0], [r.filePath, 9]]);
  const eq = await writeEqualityDeletes(`${dir}/mix-eq.parquet`, `SELECT * FROM (VALUES (12::BIGINT), (25::BIGINT)) AS t(id)`, '{id: 1}', [1]);
  const tasks = [
    task(p, { seq: 1n, positionDeletes: [deleteRef(pd, 2n)] }),
    task(e, { seq: 1n, equalityDeletes: [deleteRef(eq, 2n)] }),
    task(n, { seq: 3n, equalityDeletes: [] }),
    task(r, { seq: 1n, positionDeletes: [deleteRef(pd, 2n)], equalityDeletes: [deleteRef(eq, 2n)] }),
  ];
  const expected = [...Array(40).keys()].filter((i) => ![3, 12, 30, 39].includes(i));
  const conn = await duckdbConnect();
  try {
    const all = await prepareDuckDbScan(conn, plan(metadata([s]), tasks));
    // one anti-join for the position deletes (over p and r only) and one for the equality deletes
    expect(count(all.sql, 'ANTI JOIN')).toBe(2);
    const call = (f: string): string => new RegExp(`read_parquet\\(\\[[^\\]]*${f}[^\\]]*\\][^)]*\\)`).exec(all.sql)![0];
    expect(call('mix-p')).toContain('file_row_number = true');
    expect(call('mix-r')).toContain('file_row_number = true');
    expect(call('mix-e')).toBe(call('mix-n'));
    expect(call('mix-e')).not.toContain('file_row_number');
    const rows = (await conn.runAndReadAll(`${all.sql} ORDER BY id`)).getRowObjectsJS();
    expect(rows.map((x) => Number(x.id))).toEqual(expected);
    expect(rows.every((x) => String(x.v).slice(1) === String(x.id))).toBe(true);
    await all.release();

    const none = await prepareDuckDbScan(conn, plan(metadata([s]), tasks, { projected: [] }));
    expect((await conn.runAndReadAll(`SELECT count(*) AS c FROM (${none.sql})`)).getRowObjectsJS()[0]!.c).toBe(BigInt(expected.length));
    await none.release();

    const filter = bind(parsePredicate('id >= 9 AND id < 31'), s);
    const filtered = await prepareDuckDbScan(conn, plan(metadata([s]), tasks, { filter }));
    const ids = (await conn.runAndReadAll(`${filtered.sql} ORDER BY id`)).getRowObjectsJS().map((x) => Number(x.id));
    expect(ids).toEqual(expected.filter((i) => i >= 9 && i < 31));
    await filtered.release();
  } finally {
    conn.closeSync();
  }
});
