/**
 * CSV, NDJSON and Parquet input files written as data files: read by DuckDB, cast to the table
 * schema with the same rules and errors as Arrow input, partitioned and rolled by the same
 * pipeline; missing, unreadable and malformed files are errors naming the file.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { quoteString } from '../../src/expressions/duckdb-sql.js';
import { buildPartitionSpec, UNPARTITIONED } from '../../src/spec/partition-spec.js';
import { LocalStorage } from '../../src/storage/local.js';
import { inputFormatOf, writeDataFilesFromFiles } from '../../src/write/file-input.js';
import { listObjects, query, schemaOf, testDirectory } from './data-writer-fixtures.js';

const storage = new LocalStorage({ fsync: false });
const { dir: rootDir, loc } = testDirectory();

const schema = schemaOf([
  { id: 1, name: 'id', required: true, type: 'long' },
  { id: 2, name: 'ts', required: false, type: 'timestamptz' },
  { id: 3, name: 'name', required: false, type: 'string' },
  { id: 4, name: 'amount', required: false, type: 'decimal(10, 2)' },
  { id: 5, name: 'day', required: false, type: 'date' },
  { id: 6, name: 'ok', required: false, type: 'boolean' },
]);
const spec = buildPartitionSpec(schema, [{ source: 'day', transform: 'month' }]).spec;

async function file(name: string, content: string): Promise<string> {
  const p = path.join(rootDir(), name);
  await fs.writeFile(p, content);
  return p;
}

async function expectInvalid(p: Promise<unknown>, ...fragments: string[]): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLakeError(err, 'INVALID_INPUT'), `expected INVALID_INPUT, got ${String(err)}`).toBe(true);
  for (const f of fragments) expect((err as Error).message).toContain(f);
}

async function readAll(files: { filePath: string }[]): Promise<Record<string, unknown>[]> {
  return query(
    `SELECT id, epoch_us(ts) AS ts, name, CAST(amount AS VARCHAR) AS amount, CAST(day AS VARCHAR) AS day, ok FROM read_parquet([${files.map((f) => quoteString(f.filePath)).join(', ')}], hive_partitioning = false) ORDER BY id`,
  );
}

describe('input files', () => {
  it('tells formats from extensions', () => {
    expect(inputFormatOf('a/b.parquet')).toBe('parquet');
    expect(inputFormatOf('x.CSV')).toBe('csv');
    expect(inputFormatOf('x.csv.gz')).toBe('csv');
    expect(inputFormatOf('x.jsonl')).toBe('ndjson');
    expect(() => inputFormatOf('x.xlsx')).toThrow(/format/);
  });

  it('writes CSV with values converted to the column types (columns in any order, partitioned)', async () => {
    const csv = await file(
      'a.csv',
      'name,id,ts,amount,day,ok\n' +
        'alpha,1,2024-01-31 23:59:59.123456,12.5,2024-01-31,true\n' +
        '"with, comma",2,2024-02-01T00:00:00+02:00,-0.01,2024-02-01,false\n' +
        ',3,,,1969-12-31,\n',
    );
    const files = await writeDataFilesFromFiles({ table: { schema, spec, location: loc() }, storage, files: [csv] });
    expect(files.map((f) => f.partition[0]).sort()).toEqual([-1, 648, 649]);
    const rows = await readAll(files);
    expect(rows.map((r) => [r.id, r.ts, r.name, r.amount, r.day, r.ok])).toEqual([
      [1n, 1706745599123456n, 'alpha', '12.50', '2024-01-31', true],
      [2n, 1706738400000000n, 'with, comma', '-0.01', '2024-02-01', false],
      [3n, null, null, null, '1969-12-31', null],
    ]);
  });

  it('writes NDJSON, nested values and several files at once', async () => {
    const nested = schemaOf([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'p', required: false, type: { type: 'struct', fields: [{ id: 3, name: 'x', required: false, type: 'double' }] } },
      { id: 4, name: 'tags', required: false, type: { type: 'list', 'element-id': 5, element: 'string', 'element-required': false } },
    ]);
    const a = await file('a.ndjson', '{"id": 1, "p": {"x": 1.5}, "tags": ["a", "b"]}\n{"id": 2, "tags": []}\n');
    const b = await file('b.jsonl', '{"id": 3, "p": null}\n');
    const files = await writeDataFilesFromFiles({ table: { schema: nested, spec: UNPARTITIONED, location: loc() }, storage, files: [a, b] });
    const rows = await query(`SELECT id, to_json(p)::VARCHAR AS p, to_json(tags)::VARCHAR AS tags FROM read_parquet(${quoteString(files[0]!.filePath)}) ORDER BY id`);
    expect(rows.map((r) => [r.id, r.p, r.tags])).toEqual([
      [1n, '{"x":1.5}', '["a","b"]'],
      [2n, null, '[]'],
      [3n, null, null],
    ]);
    const ids = await query(`SELECT field_id FROM parquet_schema(${quoteString(files[0]!.filePath)}) WHERE name IN ('x', 'element') ORDER BY field_id`);
    expect(ids.map((r) => Number(r.field_id))).toEqual([3, 5]);
  });

  it('writes Parquet input by name with widening, rolling at the target', async () => {
    const src = path.join(rootDir(), 'src.parquet');
    await query(
      `COPY (SELECT CAST(range AS INTEGER) AS id, 'n' || (range % 97) AS name, CAST(range % 1000 AS DECIMAL(6, 2)) AS amount, DATE '2020-01-01' + CAST(range % 400 AS INTEGER) AS day FROM range(40000)) TO ${quoteString(src)} (FORMAT parquet)`,
    );
    const files = await writeDataFilesFromFiles({ table: { schema, spec, location: loc() }, storage, files: [src], targetFileSizeBytes: 16 * 1024 });
    expect(files.reduce((s, f) => s + f.recordCount, 0)).toBe(40000);
    expect(new Set(files.map((f) => f.partition[0])).size).toBe(14);
    const got = await query(`SELECT count(*) AS n, sum(id) AS s, typeof(any_value(id)) AS t FROM read_parquet([${files.map((f) => quoteString(f.filePath)).join(', ')}])`);
    expect(got[0]).toEqual({ n: 40000n, s: 799980000n, t: 'BIGINT' });
  });

  it('refuses bad files and bad values naming the file or column, writing nothing', async () => {
    const location = loc();
    const base = { table: { schema, spec, location }, storage };
    await expectInvalid(writeDataFilesFromFiles({ ...base, files: [path.join(rootDir(), 'missing.csv')] }), 'missing.csv', 'does not exist');
    const notParquet = await file('fake.parquet', 'this is not parquet');
    await expectInvalid(writeDataFilesFromFiles({ ...base, files: [notParquet] }), 'fake.parquet');
    const badValue = await file('bad.csv', 'id,amount\n1,12.5\n2,lots\n');
    await expectInvalid(writeDataFilesFromFiles({ ...base, files: [badValue] }), 'column amount', 'lots');
    const noId = await file('noid.csv', 'name\nx\n');
    await expectInvalid(writeDataFilesFromFiles({ ...base, files: [noId] }), 'no column id');
    const nullId = await file('nullid.csv', 'id,name\n1,x\n,y\n');
    await expectInvalid(writeDataFilesFromFiles({ ...base, files: [nullId] }), 'column id', 'null');
    const extra = await file('extra.csv', 'id,color\n1,red\n');
    await expectInvalid(writeDataFilesFromFiles({ ...base, files: [extra] }), 'color');
    const typed = path.join(rootDir(), 'typed.parquet');
    await query(`COPY (SELECT 'x' AS id) TO ${quoteString(typed)} (FORMAT parquet)`);
    await expectInvalid(writeDataFilesFromFiles({ ...base, files: [typed] }), 'column id', 'VARCHAR');
    const good = await file('good.csv', 'id\n1\n');
    await expectInvalid(writeDataFilesFromFiles({ ...base, files: [good, notParquet] }), 'different formats');
    const badJson = await file('bad.ndjson', '{"id": 1}\n{"id": \n');
    await expectInvalid(writeDataFilesFromFiles({ ...base, files: [badJson] }), 'bad.ndjson');
    expect(await listObjects(storage, location)).toEqual([]);
  });
});
