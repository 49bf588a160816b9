/**
 * DataFiles for existing Parquet files (add-files): columns mapped by field id or by name mapping,
 * metrics from the footer, partition values from the statistics, and the files that cannot be
 * added refused with the file and column named.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { quoteString } from '../../src/expressions/duckdb-sql.js';
import { nameMappingFromSchema } from '../../src/spec/name-mapping.js';
import { buildPartitionSpec, UNPARTITIONED } from '../../src/spec/partition-spec.js';
import { decodeValue } from '../../src/spec/single-value.js';
import { LocalStorage } from '../../src/storage/local.js';
import { writeDataFiles } from '../../src/write/data-writer.js';
import { dataFilesForExistingFiles } from '../../src/write/existing-files.js';
import { runPython } from '../support/pyiceberg.js';
import { testS3 } from '../support/s3.js';
import { arrowColumn, arrowTable, query, schemaOf, tempDir } from './data-writer-fixtures.js';

const storage = new LocalStorage({ fsync: false });
let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir();
});
afterAll(async () => root.cleanup());

const schema = schemaOf([
  { id: 1, name: 'id', required: true, type: 'long' },
  { id: 2, name: 'ts', required: false, type: 'timestamp' },
  { id: 3, name: 'name', required: false, type: 'string' },
  { id: 4, name: 'p', required: false, type: { type: 'struct', fields: [{ id: 5, name: 'x', required: false, type: 'double' }] } },
]);
const daySpec = buildPartitionSpec(schema, [{ source: 'ts', transform: 'day' }]).spec;

async function duckFile(name: string, select: string, fieldIds?: string): Promise<string> {
  const p = path.join(root.dir, name);
  await query(`COPY (${select}) TO ${quoteString(p)} (FORMAT parquet${fieldIds === undefined ? '' : `, FIELD_IDS ${fieldIds}`})`);
  return p;
}

async function expectRefused(p: Promise<unknown>, ...fragments: string[]): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLakeError(err, 'INVALID_INPUT'), `expected INVALID_INPUT, got ${String(err)}`).toBe(true);
  for (const f of fragments) expect((err as Error).message).toContain(f);
}

describe('existing files', () => {
  it('get the same DataFile as lake wrote for them (field ids), partition from statistics', async () => {
    const input = arrowTable(
      {
        id: arrowColumn({ kind: 'long' }, [1n, 2n, 3n, 4n]),
        ts: arrowColumn({ kind: 'timestamp' }, [0n, 3_600_000_000n, 86_400_000_000n, -1n]),
        name: arrowColumn({ kind: 'string' }, ['a', null, 'a string longer than sixteen', 'b']),
      },
      { id: false },
    );
    const written = await writeDataFiles({ table: { schema, spec: daySpec, location: `${root.dir}/w` }, storage, input });
    expect(written).toHaveLength(3);
    const added = await dataFilesForExistingFiles({ table: { schema, spec: daySpec, location: `${root.dir}/w` }, storage, files: written.map((f) => f.filePath) });
    expect(added.nameMappingToStore).toBeUndefined();
    for (const [i, a] of added.dataFiles.entries()) {
      const w = written[i]!;
      expect(a.filePath).toBe(w.filePath);
      expect(a.partition).toEqual(w.partition);
      expect(a.recordCount).toBe(w.recordCount);
      expect(a.fileSizeInBytes).toBe(w.fileSizeInBytes);
      expect(a.columnSizes).toEqual(w.columnSizes);
      expect(a.valueCounts).toEqual(w.valueCounts);
      expect(a.nullValueCounts).toEqual(w.nullValueCounts);
      expect(a.lowerBounds).toEqual(w.lowerBounds);
      expect(a.upperBounds).toEqual(w.upperBounds);
      expect(a.splitOffsets).toEqual(w.splitOffsets);
      // footer-only metrics carry no NaN counts and no sort order
      expect(a.nanValueCounts!.size).toBe(0);
      expect(a.sortOrderId).toBeUndefined();
    }
  });

  it('map files without field ids by name (the name mapping to store is returned)', async () => {
    const f = await duckFile(
      'noids.parquet',
      `SELECT 'x' || range AS name, {'x': range / 2} AS p, TIMESTAMP '2024-05-01 10:00:00' + to_minutes(range) AS ts, CAST(range AS INTEGER) AS id FROM range(100)`,
    );
    const r = await dataFilesForExistingFiles({ table: { schema, spec: daySpec, location: root.dir }, storage, files: [f] });
    expect(r.nameMappingToStore).toEqual(nameMappingFromSchema(schema));
    const df = r.dataFiles[0]!;
    expect(df.partition).toEqual([19844]);
    expect(df.recordCount).toBe(100);
    // int in the file, long in the table: bounds encoded as long
    expect(df.lowerBounds!.get(1)).toHaveLength(8);
    expect(decodeValue({ kind: 'long' }, df.upperBounds!.get(1)!)).toBe(99n);
    expect(decodeValue({ kind: 'double' }, df.upperBounds!.get(5)!)).toBe(49.5);
    expect(df.valueCounts!.get(3)).toBe(100);
    // a stored name mapping with aliases is used as is
    const aliased = await duckFile('alias.parquet', `SELECT 1::BIGINT AS ident, 'a' AS label`);
    const withAlias = await dataFilesForExistingFiles({
      table: { schema, spec: UNPARTITIONED, location: root.dir, properties: { 'schema.name-mapping.default': JSON.stringify([{ 'field-id': 1, names: ['id', 'ident'] }, { 'field-id': 3, names: ['name', 'label'] }]) } },
      storage,
      files: [aliased],
    });
    expect(withAlias.nameMappingToStore).toBeUndefined();
    expect([...withAlias.dataFiles[0]!.valueCounts!.keys()].sort()).toEqual([1, 3]);
  });

  it('map a file written by pyarrow with PARQUET:field_id metadata', async () => {
    const f = path.join(root.dir, 'pyarrow.parquet');
    await runPython(
      `
import pyarrow as pa, pyarrow.parquet as pq
def main(inp):
    md = lambda i: {b"PARQUET:field_id": str(i).encode()}
    schema = pa.schema([pa.field("id", pa.int64(), False, md(1)), pa.field("ts", pa.timestamp("ms"), True, md(2)), pa.field("name", pa.large_string(), True, md(3))])
    t = pa.table({"id": [5, 6], "ts": [1700000000000, 1700000001000], "name": ["q", None]}, schema=schema)
    pq.write_table(t, inp["path"])
`,
      { path: f },
    );
    const r = await dataFilesForExistingFiles({ table: { schema, spec: daySpec, location: root.dir }, storage, files: [f] });
    const df = r.dataFiles[0]!;
    expect(df.partition).toEqual([19675]);
    expect(decodeValue({ kind: 'timestamp' }, df.lowerBounds!.get(2)!)).toBe(1700000000000000n);
    expect(df.nullValueCounts!.get(3)).toBe(1);
  });

  it('refuse files that cannot be mapped, mistyped, span partitions or break required columns', async () => {
    const table = { schema, spec: daySpec, location: root.dir };
    const refuse = (f: string, ...fragments: string[]) => expectRefused(dataFilesForExistingFiles({ table, storage, files: [f] }), f, ...fragments);
    await refuse(await duckFile('extra.parquet', `SELECT 1::BIGINT AS id, 'x' AS color`), 'column color', 'does not map');
    await refuse(await duckFile('mistyped.parquet', `SELECT 'one' AS id`), 'column id', 'BYTE_ARRAY', 'long');
    await refuse(await duckFile('noreq.parquet', `SELECT 'x' AS name`), 'no column id', 'requires');
    await refuse(await duckFile('nulls.parquet', `SELECT CASE WHEN range = 1 THEN NULL ELSE range END::BIGINT AS id FROM range(3)`), 'id', 'null values');
    await refuse(
      await duckFile('span.parquet', `SELECT range::BIGINT AS id, TIMESTAMP '2024-01-01 12:00:00' + to_hours(range * 12) AS ts FROM range(3)`),
      'column ts',
      'more than one',
    );
    await refuse(
      await duckFile('halfnull.parquet', `SELECT range::BIGINT AS id, CASE WHEN range = 0 THEN NULL ELSE TIMESTAMP '2024-01-01' END AS ts FROM range(3)`),
      'column ts',
      'null and non-null',
    );
    await refuse(await duckFile('wrongid.parquet', `SELECT 1::BIGINT AS id, 2::BIGINT AS other`, `{id: 1, other: 99}`), 'other', 'not a column');
    const bucket = { schema, spec: buildPartitionSpec(schema, [{ source: 'id', transform: 'bucket[4]' }]).spec, location: root.dir };
    await expectRefused(
      dataFilesForExistingFiles({ table: bucket, storage, files: [await duckFile('two-ids.parquet', `SELECT range::BIGINT AS id FROM range(2)`)] }),
      'more than one bucket[4]',
    );
    const one = await dataFilesForExistingFiles({ table: bucket, storage, files: [await duckFile('one-id.parquet', `SELECT 34::BIGINT AS id FROM range(5)`)] });
    expect(one.dataFiles[0]!.partition).toEqual([3]);
    await expectRefused(dataFilesForExistingFiles({ table, storage, files: [path.join(root.dir, 'nope.parquet')] }), 'nope.parquet', 'does not exist');
    const notParquet = path.join(root.dir, 'text.parquet');
    await (await import('node:fs/promises')).writeFile(notParquet, 'hello, this is not a parquet file at all');
    await expectRefused(dataFilesForExistingFiles({ table, storage, files: [notParquet] }), 'text.parquet', 'not a Parquet file');
  });

  it('read footers from S3 (MinIO)', async () => {
    const s3 = testS3();
    const local = await duckFile('for-s3.parquet', `SELECT range::BIGINT AS id, TIMESTAMP '2024-03-03 01:00:00' AS ts FROM range(1000)`, '{id: 1, ts: 2}');
    const location = `${s3.root}/import/a.parquet`;
    await s3.storage.write(location, new Uint8Array(await (await import('node:fs/promises')).readFile(local)));
    const r = await dataFilesForExistingFiles({ table: { schema, spec: daySpec, location: s3.root }, storage: s3.storage, files: [location] });
    expect(r.dataFiles[0]!.partition).toEqual([19785]);
    expect(r.dataFiles[0]!.recordCount).toBe(1000);
    expect(decodeValue({ kind: 'long' }, r.dataFiles[0]!.upperBounds!.get(1)!)).toBe(999n);
    await expectRefused(dataFilesForExistingFiles({ table: { schema, spec: daySpec, location: s3.root }, storage: s3.storage, files: [`${s3.root}/import/missing.parquet`] }), 'missing.parquet', 'does not exist');
  });
});
