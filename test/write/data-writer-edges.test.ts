/**
 * writeDataFiles at its edges: inputs with batches of no rows, and the shared DuckDB instance's spill
 * directory and memory limit. NaN counts of every row group, the sign of zero and transforms whose
 * result leaves the source type's range are tested in data-writer.test.ts.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { UNPARTITIONED } from '../../src/spec/partition-spec.js';
import { LocalStorage } from '../../src/storage/local.js';
import { duckdbConfig } from '../../src/util/duckdb.js';
import { writeDataFiles, type WriteTable } from '../../src/write/data-writer.js';
import { arrowColumn, arrowTable, listObjects, query, schemaOf, testDirectory } from './data-writer-fixtures.js';

const local = new LocalStorage({ fsync: false });
const { loc } = testDirectory('lake-writer-edges-');

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('inputs with batches of no rows', () => {
  const schema = schemaOf([
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
  ]);
  // Arrow JS builds this table's only batch with Vectors where Data children are expected
  const empty = () => new arrow.Table({ id: arrow.vectorFromArray([], new arrow.Int64()), name: arrow.vectorFromArray([], new arrow.Utf8()) });
  const some = (k: number) =>
    arrowTable({ id: arrowColumn({ kind: 'long' }, Array.from({ length: k }, (_, i) => BigInt(i))), name: arrowColumn({ kind: 'string' }, Array.from({ length: k }, (_, i) => `n${i}`)) }, { id: false });

  it('write no file for an input of no rows', async () => {
    const table: WriteTable = { schema, spec: UNPARTITIONED, location: loc() };
    expect(empty().batches[0]!.numRows).toBe(0);
    for (const input of [empty(), empty().batches[0]!, empty().batches, (async function* () { yield* empty().batches; })()]) {
      expect(await writeDataFiles({ table, storage: local, input })).toEqual([]);
    }
    expect(await listObjects(local, table.location)).toEqual([]);
  });

  it('skip empty batches among others, streamed and staged', async () => {
    for (const streaming of [true, false]) {
      const table: WriteTable = { schema, spec: UNPARTITIONED, location: loc() };
      const batches = [...empty().batches, ...some(3).batches, ...empty().batches, ...some(2).batches];
      const files = await writeDataFiles({ table, storage: local, input: batches, streaming });
      expect(files.reduce((s, f) => s + f.recordCount, 0)).toBe(5);
    }
  });

  it('still refuse an input schema that cannot be written', async () => {
    const table: WriteTable = { schema, spec: UNPARTITIONED, location: loc() };
    const bad = new arrow.Table({ id: arrow.vectorFromArray([], new arrow.Utf8()) });
    const err = await errorOf(writeDataFiles({ table, storage: local, input: bad }));
    expect(isLakeError(err, 'INVALID_INPUT'), String(err)).toBe(true);
    expect((err as Error).message).toContain('column id');
  });
});

describe('the shared DuckDB instance', () => {
  it('spills under the OS temp directory (or LAKE_DUCKDB_TEMP_DIR), never the working directory', async () => {
    const [row] = await query("SELECT current_setting('temp_directory') AS t, current_setting('memory_limit') AS m");
    const dir = String(row!.t);
    expect(path.isAbsolute(dir), dir).toBe(true);
    const expected = process.env.LAKE_DUCKDB_TEMP_DIR ?? os.tmpdir();
    expect(dir.startsWith(expected), `${dir} under ${expected}`).toBe(true);
    expect(dir.startsWith(process.cwd()), `${dir} outside ${process.cwd()}`).toBe(false);
    expect(duckdbConfig({ LAKE_DUCKDB_TEMP_DIR: '/var/spill' }).temp_directory).toBe('/var/spill');
  });

  it('has a memory limit of half the memory by default, LAKE_DUCKDB_MEMORY_LIMIT when set', async () => {
    const [row] = await query("SELECT current_setting('memory_limit') AS m");
    const text = String(row!.m);
    const gib = Number(/([\d.]+) GiB/.exec(text)?.[1] ?? /([\d.]+) MiB/.exec(text)?.[1]) / (text.includes('MiB') ? 1024 : 1);
    if (process.env.LAKE_DUCKDB_MEMORY_LIMIT === undefined) {
      const half = os.totalmem() / 2 / 2 ** 30;
      expect(gib).toBeGreaterThan(0);
      expect(gib).toBeLessThanOrEqual(half + 0.01);
    }
    expect(duckdbConfig({ LAKE_DUCKDB_MEMORY_LIMIT: '3GB' }).memory_limit).toBe('3GB');
    expect(duckdbConfig({}).memory_limit).toMatch(/^\d+MiB$/);
  });
});
