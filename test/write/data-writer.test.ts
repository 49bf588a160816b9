/**
 * writeDataFiles end to end: casting by name and the errors for bad input (with nothing left in
 * storage), file rolling at a small target measured on the written files, sorting within files,
 * async inputs in segments, write defaults, location providers, failure cleanup, and S3 (MinIO).
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { quoteString } from '../../src/expressions/duckdb-sql.js';
import { buildPartitionSpec, UNPARTITIONED } from '../../src/spec/partition-spec.js';
import { buildSortOrder } from '../../src/spec/sort-order.js';
import { decodeValue } from '../../src/spec/single-value.js';
import { InstrumentedStorage } from '../../src/storage/instrumented.js';
import { LocalStorage } from '../../src/storage/local.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { Storage } from '../../src/storage/storage.js';
import { writeDataFiles, type WriteTable } from '../../src/write/data-writer.js';
import { dataLocation, locationProvider, objectStorageHash } from '../../src/write/location-provider.js';
import { testS3 } from '../support/s3.js';
import { arrowColumn, arrowTable, listObjects, query, rng, schemaOf, tempDir, testDirectory } from './data-writer-fixtures.js';

const local = new LocalStorage({ fsync: false });
const { loc } = testDirectory();

const schema = schemaOf([
  { id: 1, name: 'id', required: true, type: 'long' },
  { id: 2, name: 'ts', required: false, type: 'timestamp' },
  { id: 3, name: 'name', required: false, type: 'string' },
  { id: 4, name: 'amount', required: false, type: 'double' },
]);

function rows(count: number, seed = 1, start = 0): arrow.Table {
  const r = rng(seed);
  return arrowTable(
    {
      id: arrowColumn({ kind: 'long' }, Array.from({ length: count }, (_, i) => BigInt(start + i))),
      ts: arrowColumn({ kind: 'timestamp' }, Array.from({ length: count }, (_, i) => BigInt(1_700_000_000_000_000 + (start + i) * 60_000_000))),
      name: arrowColumn({ kind: 'string' }, Array.from({ length: count }, () => (r() < 0.1 ? null : `name-${Math.floor(r() * 1e6).toString(36)}`))),
      amount: arrowColumn({ kind: 'double' }, Array.from({ length: count }, () => Math.round(r() * 1e6) / 100)),
    },
    { id: false },
  );
}

async function expectInvalid(p: Promise<unknown>, ...fragments: string[]): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLakeError(err, 'INVALID_INPUT'), `expected INVALID_INPUT, got ${String(err)}`).toBe(true);
  for (const f of fragments) expect((err as Error).message).toContain(f);
}

describe('casting by name', () => {
  it('accepts columns in any order, widened types and missing optional columns', async () => {
    const location = loc();
    const input = arrowTable(
      {
        amount: arrow.makeData({ type: new arrow.Float32(), length: 3, data: Float32Array.of(1.5, 2.5, 3.5) }) as arrow.Data,
        id: arrow.makeData({ type: new arrow.Int32(), length: 3, data: Int32Array.of(1, 2, 3) }) as arrow.Data,
        ts: arrow.makeData({ type: new arrow.TimestampMillisecond(), length: 3, data: BigInt64Array.of(1000n, -1n, 0n) }) as arrow.Data,
      },
      { id: false },
    );
    const files = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location }, storage: local, input });
    const got = await query(`SELECT id, epoch_us(ts) AS ts, name, amount, typeof(id) AS t FROM read_parquet(${quoteString(files[0]!.filePath)}) ORDER BY id`);
    expect(got.map((r) => [r.id, r.ts, r.name, r.amount, r.t])).toEqual([
      [1n, 1_000_000n, null, 1.5, 'BIGINT'],
      [2n, -1000n, null, 2.5, 'BIGINT'],
      [3n, 0n, null, 3.5, 'BIGINT'],
    ]);
  });

  it('accepts dictionary strings, large strings and sliced tables', async () => {
    const location = loc();
    const dict = arrow.vectorFromArray(['a', 'bb', null, 'a longer dictionary value!', 'a'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
    const base = arrowTable(
      {
        id: arrowColumn({ kind: 'long' }, [1n, 2n, 3n, 4n, 5n]),
        name: dict.data[0]!,
      },
      { id: false },
    );
    const sliced = base.slice(1, 5);
    const files = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location }, storage: local, input: sliced });
    const got = await query(`SELECT id, name FROM read_parquet(${quoteString(files[0]!.filePath)}) ORDER BY id`);
    expect(got.map((r) => [r.id, r.name])).toEqual([
      [2n, 'bb'],
      [3n, null],
      [4n, 'a longer dictionary value!'],
      [5n, 'a'],
    ]);
  });

  it('refuses bad input with a clear error and writes nothing', async () => {
    const table: WriteTable = { schema, spec: buildPartitionSpec(schema, [{ source: 'ts', transform: 'day' }]).spec, location: loc() };
    const base = { table, storage: local };
    // incompatible type
    await expectInvalid(
      writeDataFiles({ ...base, input: arrowTable({ id: arrowColumn({ kind: 'string' }, ['1']) }) }),
      'column id',
      'VARCHAR',
      'long',
    );
    // narrowing
    await expectInvalid(
      writeDataFiles({ ...base, input: arrowTable({ id: arrowColumn({ kind: 'long' }, [1n]), amount: arrow.makeData({ type: new arrow.Int64(), length: 1, data: BigInt64Array.of(1n) }) as arrow.Data }) }),
      'column amount',
    );
    // missing required column
    await expectInvalid(writeDataFiles({ ...base, input: arrowTable({ name: arrowColumn({ kind: 'string' }, ['x']) }) }), 'no column id', 'required');
    // unknown column
    await expectInvalid(
      writeDataFiles({ ...base, input: arrowTable({ id: arrowColumn({ kind: 'long' }, [1n]), extra: arrowColumn({ kind: 'int' }, [1]) }) }),
      'extra',
      'does not have',
    );
    // nulls in a required column, also when they come in a late batch of an async input
    await expectInvalid(
      writeDataFiles({ ...base, input: arrowTable({ id: arrowColumn({ kind: 'long' }, [5n, null, 7n]) }) }),
      'column id',
      'null values',
    );
    async function* lateNull() {
      for (let i = 0; i < 5; i++) yield rows(500, i, i * 500).batches[0]!;
      const bad = arrowTable({ id: arrowColumn({ kind: 'long' }, [1n, null]), ts: arrowColumn({ kind: 'timestamp' }, [1n, 2n]), name: arrowColumn({ kind: 'string' }, ['a', 'b']), amount: arrowColumn({ kind: 'double' }, [1, 2]) });
      yield new arrow.RecordBatch(rows(1).schema, bad.batches[0]!.data);
    }
    await expectInvalid(writeDataFiles({ ...base, input: lateNull(), segmentBytes: 4096 }), 'column id', 'null values');
    // timestamp units that would lose precision, and zone mismatches
    await expectInvalid(
      writeDataFiles({ ...base, input: arrowTable({ id: arrowColumn({ kind: 'long' }, [1n]), ts: arrowColumn({ kind: 'timestamp_ns' }, [1n]) }, { id: false }) }),
      'column ts',
      'nanosecond',
    );
    await expectInvalid(
      writeDataFiles({ ...base, input: arrowTable({ id: arrowColumn({ kind: 'long' }, [1n]), ts: arrowColumn({ kind: 'timestamptz' }, [1n]) }, { id: false }) }),
      'column ts',
      'time zone',
    );
    // batches with different schemas
    async function* mixed() {
      yield rows(10).batches[0]!;
      yield arrowTable({ id: arrowColumn({ kind: 'long' }, [1n]) }, { id: false }).batches[0]!;
    }
    await expectInvalid(writeDataFiles({ ...base, input: mixed() }), 'different schemas');
    expect(await listObjects(local, table.location)).toEqual([]);
  });

  it('fills missing columns with v3 write defaults', async () => {
    const v3 = schemaOf([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'region', required: true, type: 'string', 'initial-default': 'eu', 'write-default': 'us' },
      { id: 3, name: 'score', required: false, type: 'int', 'write-default': 7 },
    ]);
    const files = await writeDataFiles({
      table: { schema: v3, spec: UNPARTITIONED, location: loc(), formatVersion: 3 },
      storage: local,
      input: arrowTable({ id: arrowColumn({ kind: 'long' }, [1n, 2n]) }, { id: false }),
    });
    const got = await query(`SELECT id, region, score FROM read_parquet(${quoteString(files[0]!.filePath)}) ORDER BY id`);
    expect(got.map((r) => [r.id, r.region, r.score])).toEqual([
      [1n, 'us', 7],
      [2n, 'us', 7],
    ]);
  });
});

describe('files', () => {
  for (const streaming of [false, true]) it(`roll at a small target size measured on the written file (${streaming ? 'streamed' : 'staged'})`, async () => {
    const location = loc();
    const target = 40 * 1024;
    const files = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location }, storage: local, input: rows(60_000), targetFileSizeBytes: target, streaming });
    expect(files.length).toBeGreaterThanOrEqual(4);
    expect(files.reduce((s, f) => s + f.recordCount, 0)).toBe(60_000);
    const groups = await query(
      `SELECT file_name, max(total_compressed_size) AS biggest FROM (SELECT file_name, row_group_id, sum(total_compressed_size) AS total_compressed_size FROM parquet_metadata([${files.map((f) => quoteString(f.filePath)).join(', ')}]) GROUP BY ALL) GROUP BY ALL`,
    );
    const biggestGroup = Math.max(...groups.map((g) => Number(g.biggest)));
    const sizes = files.map((f) => f.fileSizeInBytes).sort((a, b) => a - b);
    // Files close once they reach the target (checked after each row group), so all but the
    // last are at least the target and none is more than a row group (plus footer) past it.
    expect(sizes.slice(1).every((s) => s >= target)).toBe(true);
    expect(sizes.every((s) => s <= target + biggestGroup + 4096)).toBe(true);
    const ids = await query(`SELECT count(DISTINCT id) AS n, min(id) AS lo, max(id) AS hi FROM read_parquet([${files.map((f) => quoteString(f.filePath)).join(', ')}])`);
    expect(ids[0]).toEqual({ n: 60000n, lo: 0n, hi: 59999n });
  });

  for (const streaming of [false, true]) it(`roll per partition, the table property read leniently (${streaming ? 'streamed' : 'staged'})`, async () => {
    const location = loc();
    const spec = buildPartitionSpec(schema, [{ source: 'id', transform: 'bucket[2]' }]).spec;
    const files = await writeDataFiles({
      table: { schema, spec, location, properties: { 'write.target-file-size-bytes': String(32 * 1024) } },
      storage: local,
      input: rows(50_000),
      streaming,
    });
    const perPartition = new Map<number, number>();
    for (const f of files) perPartition.set(f.partition[0] as number, (perPartition.get(f.partition[0] as number) ?? 0) + 1);
    expect([...perPartition.keys()].sort()).toEqual([0, 1]);
    expect([...perPartition.values()].every((c) => c >= 2)).toBe(true);
    expect(files.reduce((s, f) => s + f.recordCount, 0)).toBe(50_000);
  });

  for (const streaming of [false, true]) it(`are sorted by the table sort order and record its id (${streaming ? 'streamed' : 'staged'})`, async () => {
    const order = buildSortOrder(schema, [{ source: 'name', direction: 'desc', nullOrder: 'nulls-first' }, { source: 'id' }], { orderId: 3 });
    const spec = buildPartitionSpec(schema, [{ source: 'ts', transform: 'hour' }]).spec;
    const files = await writeDataFiles({ table: { schema, spec, sortOrder: order, location: loc() }, storage: local, input: rows(5000, 9), streaming });
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      expect(f.sortOrderId).toBe(3);
      const got = await query(`SELECT name, id FROM read_parquet(${quoteString(f.filePath)}, hive_partitioning = false)`);
      const expected = [...got].sort((a, b) => {
        if (a.name === null || b.name === null) return a.name === b.name ? Number((a.id as bigint) - (b.id as bigint)) : a.name === null ? -1 : 1;
        if (a.name !== b.name) return (a.name as string) < (b.name as string) ? 1 : -1;
        return Number((a.id as bigint) - (b.id as bigint));
      });
      expect(got).toEqual(expected);
    }
    // sort: false leaves the order alone and records the unsorted order
    const unsorted = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, sortOrder: order, location: loc() }, storage: local, input: rows(100), sort: false });
    expect(unsorted[0]!.sortOrderId).toBe(0);
  });

  it('preserveOrder: false writes the same rows and metrics in any order; sorted tables stay sorted', async () => {
    // Many batches, so several scan threads have chunks to take.
    const input = new arrow.Table(Array.from({ length: 12 }, (_, i) => rows(5000, i, i * 5000).batches[0]!));
    const base = { table: { schema, spec: UNPARTITIONED, location: loc() }, storage: local, input };
    const [kept] = await writeDataFiles(base);
    const [free] = await writeDataFiles({ ...base, table: { ...base.table, location: loc() }, preserveOrder: false });
    const read = async (p: string, order: string) => query(`SELECT id, ts, name, amount FROM read_parquet(${quoteString(p)}) ${order}`);
    expect(await read(kept!.filePath, '')).toEqual(await read(kept!.filePath, 'ORDER BY id'));
    expect(await read(free!.filePath, 'ORDER BY id')).toEqual(await read(kept!.filePath, 'ORDER BY id'));
    for (const k of ['recordCount', 'valueCounts', 'nullValueCounts', 'nanValueCounts', 'lowerBounds', 'upperBounds'] as const) expect(free![k]).toEqual(kept![k]);
    const order = buildSortOrder(schema, [{ source: 'name', direction: 'desc', nullOrder: 'nulls-first' }, { source: 'id' }], { orderId: 3 });
    const [sorted] = await writeDataFiles({ ...base, table: { ...base.table, sortOrder: order, location: loc() }, preserveOrder: false });
    expect(await read(sorted!.filePath, '')).toEqual(await read(sorted!.filePath, 'ORDER BY name DESC NULLS FIRST, id'));
  });

  it('stream synchronous iterables lazily (unpartitioned tables)', async () => {
    let produced = 0;
    function* batches() {
      for (let i = 0; i < 30; i++) {
        produced++;
        yield rows(2000, i, i * 2000).batches[0]!;
      }
    }
    const it = batches();
    const files = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location: loc() }, storage: local, input: { [Symbol.iterator]: () => it } });
    expect(produced).toBe(30);
    expect(files.reduce((s, f) => s + f.recordCount, 0)).toBe(60_000);
    function* mixed() {
      yield rows(10).batches[0]!;
      yield arrowTable({ id: arrowColumn({ kind: 'long' }, [1n]) }, { id: false }).batches[0]!;
    }
    const location = loc();
    await expectInvalid(writeDataFiles({ table: { schema, spec: UNPARTITIONED, location }, storage: local, input: mixed() }), 'different schemas');
    expect(await listObjects(local, location)).toEqual([]);
  });

  it('stream async inputs in segments', async () => {
    async function* batches() {
      for (let i = 0; i < 20; i++) yield rows(1000, i, i * 1000).batches[0]!;
    }
    const files = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location: loc() }, storage: local, input: batches(), segmentBytes: 16 * 1024 });
    expect(files.reduce((s, f) => s + f.recordCount, 0)).toBe(20_000);
    const got = await query(`SELECT count(DISTINCT id) AS n FROM read_parquet([${files.map((f) => quoteString(f.filePath)).join(', ')}])`);
    expect(got[0]!.n).toBe(20000n);
    expect(await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location: loc() }, storage: local, input: (async function* () {})() })).toEqual([]);
  });

  it('are placed by the object-storage location provider and write.data.path', async () => {
    const location = loc();
    const spec = buildPartitionSpec(schema, [{ source: 'ts', transform: 'day' }]).spec;
    const files = await writeDataFiles({
      table: { schema, spec, location, properties: { 'write.object-storage.enabled': 'true' } },
      storage: local,
      input: rows(10),
    });
    const f = files[0]!;
    const name = f.filePath.split('/').pop()!;
    const part = 'ts_day=2023-11-14';
    expect(f.filePath).toBe(`${location}/data/${objectStorageHash(`${part}/${name}`)}/${part}/${name}`);
    expect(objectStorageHash('a/b.parquet')).toMatch(/^[01]{4}\/[01]{4}\/[01]{4}\/[01]{8}$/);
    expect(dataLocation('s3://b/t', { 'write.data.path': 's3://other/d/' })).toBe('s3://other/d');
    expect(dataLocation('s3://b/t/', { 'write.data.path': 'elsewhere' })).toBe('s3://b/t/elsewhere');
    const flat = locationProvider('s3://b/t', { 'write.object-storage.enabled': 'true', 'write.object-storage.partitioned-paths': 'false' });
    expect(flat.newDataLocation(spec, schema, [19675], 'x.parquet')).toBe(`s3://b/t/data/${objectStorageHash('x.parquet')}-x.parquet`);
    const custom = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location: loc(), properties: { 'write.data.path': `${location}/custom` } }, storage: local, input: rows(3) });
    expect(custom[0]!.filePath.startsWith(`${location}/custom/`)).toBe(true);
  });

  it('are all deleted when a write fails half way', async () => {
    const location = loc();
    const storage = new InstrumentedStorage(new MemoryStorage());
    let uploads = 0;
    const faulty: Storage = new Proxy(storage, {
      get(target, prop, receiver) {
        if (prop === 'writeStream') {
          return async (l: string, s: never) => {
            if (++uploads === 3) throw new Error('injected upload failure');
            return target.writeStream(l, s);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const mem = `memory://fail-${Date.now()}/t`;
    const spec = buildPartitionSpec(schema, [{ source: 'ts', transform: 'hour' }]).spec;
    const err = await writeDataFiles({ table: { schema, spec, location: mem }, storage: faulty, input: rows(3000), uploadConcurrency: 1 }).catch((e: unknown) => e);
    expect(String(err)).toContain('injected upload failure');
    expect(uploads).toBeGreaterThanOrEqual(3);
    expect(await listObjects(storage, mem)).toEqual([]);
    void location;
  });
});

describe('S3 (MinIO)', () => {
  it('uploads the files from a local staging directory and leaves nothing behind on failure', async () => {
    const s3 = testS3();
    const location = `${s3.root}/tbl`;
    const spec = buildPartitionSpec(schema, [{ source: 'ts', transform: 'day' }]).spec;
    const { dir, cleanup } = await tempDir('lake-staging-');
    try {
      const files = await writeDataFiles({ table: { schema, spec, location }, storage: s3.storage, input: rows(4000), stagingDirectory: dir });
      expect(files.length).toBeGreaterThan(1);
      const listed = await listObjects(s3.storage, `${location}/data/`);
      expect(listed).toEqual(files.map((f) => f.filePath).sort());
      for (const f of files.slice(0, 2)) {
        const head = await s3.storage.head(f.filePath);
        expect(head?.size).toBe(f.fileSizeInBytes);
        const bytes = await s3.storage.read(f.filePath);
        expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
        expect(decodeValue({ kind: 'long' }, f.lowerBounds!.get(1)!)).toBeTypeOf('bigint');
      }
      expect(await (await import('node:fs/promises')).readdir(dir)).toEqual([]);
      // a failing write leaves no objects
      const bad = `${s3.root}/bad`;
      await expectInvalid(writeDataFiles({ table: { schema, spec, location: bad }, storage: s3.storage, input: arrowTable({ id: arrowColumn({ kind: 'long' }, [1n, null]) }) }), 'null');
      expect(await listObjects(s3.storage, bad)).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});

describe('float columns', () => {
  const fschema = schemaOf([
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'd', required: false, type: 'double' },
    { id: 3, name: 'f', required: false, type: 'float' },
  ]);
  const floatRows = (d: number[], f: number[]) =>
    arrowTable({ id: arrowColumn({ kind: 'long' }, d.map((_x, i) => BigInt(i))), d: arrowColumn({ kind: 'double' }, d), f: arrowColumn({ kind: 'float' }, f) }, { id: false });
  const double = (b: Uint8Array | undefined) => (b === undefined ? undefined : (decodeValue({ kind: 'double' }, b) as number));

  // DuckDB's RETURN_STATS has_nan describes the last row group only; the counts must not depend on it.
  for (const streaming of [false, true]) it(`count NaNs of every row group, also when only the first holds any (${streaming ? 'streamed' : 'staged'})`, async () => {
    const count = 5000;
    const d = Array.from({ length: count }, (_x, i) => (i < 2048 && i % 13 === 0 ? NaN : i * 1.5));
    const f = Array.from({ length: count }, (_x, i) => (i >= 2048 && i < 4096 && i % 7 === 0 ? NaN : i));
    const [file, ...rest] = await writeDataFiles({ table: { schema: fschema, spec: UNPARTITIONED, location: loc() }, storage: local, input: floatRows(d, f).batches, streaming, rowGroupRows: 2048 });
    expect(rest).toEqual([]);
    const groups = await query(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata(${quoteString(file!.filePath)})`);
    expect(Number(groups[0]!.n)).toBe(3);
    const [actual] = await query(`SELECT count(*) FILTER (WHERE isnan(d)) AS d, count(*) FILTER (WHERE isnan(f)) AS f FROM read_parquet(${quoteString(file!.filePath)})`);
    expect(file!.nanValueCounts!.get(2)).toBe(Number(actual!.d));
    expect(file!.nanValueCounts!.get(3)).toBe(Number(actual!.f));
    expect(file!.nanValueCounts!.get(2)).toBe(d.filter(Number.isNaN).length);
    expect(file!.nanValueCounts!.get(3)).toBe(f.filter(Number.isNaN).length);
    // bounds over the non-NaN values of every row group
    expect(double(file!.lowerBounds!.get(2))).toBe(1.5);
    expect(double(file!.upperBounds!.get(2))).toBe((count - 1) * 1.5);
  });

  it('keep the sign of zero (few distinct values, where a dictionary would merge -0.0 and +0.0), with -0.0 as the lower and +0.0 as the upper bound', async () => {
    const d = Array.from({ length: 3000 }, (_x, i) => [-0, 0, 1.5][i % 3]!);
    const f = Array.from({ length: 3000 }, (_x, i) => [0, -2.5, -0][i % 3]!);
    const zeros = Array.from({ length: 3000 }, (_x, i) => (i % 2 === 0 ? 0 : -0));
    // with a fixed[2] column the file is re-encoded after DuckDB's COPY (src/parquet/type-rewrite.ts)
    const withFixed = schemaOf([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'd', required: false, type: 'double' },
      { id: 3, name: 'f', required: false, type: 'float' },
      { id: 4, name: 'fx', required: false, type: 'fixed[2]' },
    ]);
    const fixedRows = (dv: number[], fv: number[]) => {
      const t = floatRows(dv, fv);
      return arrowTable({ id: t.getChild('id')!.data[0]!, d: t.getChild('d')!.data[0]!, f: t.getChild('f')!.data[0]!, fx: arrowColumn({ kind: 'fixed', length: 2 }, dv.map(() => new Uint8Array([1, 2]))) }, { id: false });
    };
    for (const [dv, fv, reencoded] of [[d, f, false], [zeros, zeros, false], [d, f, true], [zeros, zeros, true]] as const) {
      const table = { schema: reencoded ? withFixed : fschema, spec: UNPARTITIONED, location: loc() };
      const [file] = await writeDataFiles({ table, storage: local, input: reencoded ? fixedRows([...dv], [...fv]) : floatRows([...dv], [...fv]) });
      const got = await query(`SELECT d, f FROM read_parquet(${quoteString(file!.filePath)}) ORDER BY id`);
      const sign = (v: number) => (Object.is(v, -0) || v < 0 ? '-' : '+');
      expect(got.map((r) => sign(r.d as number)).join('')).toBe(dv.map(sign).join(''));
      expect(got.map((r) => sign(r.f as number)).join('')).toBe(fv.map(sign).join(''));
      expect(Object.is(double(file!.lowerBounds!.get(2)), -0)).toBe(true);
      expect(Object.is(decodeValue({ kind: 'float' }, file!.upperBounds!.get(3)!), 0)).toBe(true);
    }
  });

  it('leave dictionary encoding on for tables without float columns', async () => {
    const [file] = await writeDataFiles({ table: { schema: schemaOf([{ id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 's', required: false, type: 'string' }]), spec: UNPARTITIONED, location: loc() }, storage: local, input: arrowTable({ id: arrowColumn({ kind: 'long' }, Array.from({ length: 3000 }, (_x, i) => BigInt(i))), s: arrowColumn({ kind: 'string' }, Array.from({ length: 3000 }, (_x, i) => `v${i % 3}`)) }, { id: false }) });
    const [meta] = await query(`SELECT encodings FROM parquet_metadata(${quoteString(file!.filePath)}) WHERE path_in_schema = 's'`);
    expect(String(meta!.encodings)).toContain('DICTIONARY');
  });
});

describe('batches of no rows in the middle of an input', () => {
  const empty = () => rows(0).batches;
  const inputs = () => [...rows(1500, 3, 0).batches, ...empty(), ...rows(1000, 4, 1500).batches, ...empty()];
  const specs = {
    unpartitioned: UNPARTITIONED,
    'by day': buildPartitionSpec(schema, [{ source: 'ts', transform: 'day' }]).spec,
    'by name': buildPartitionSpec(schema, [{ source: 'name', transform: 'truncate[2]' }]).spec,
  };
  for (const [what, spec] of Object.entries(specs)) {
    it(`are skipped: every other row written once (${what}; streamed, staged and async)`, async () => {
      expect(empty().length).toBe(1);
      expect(empty()[0]!.numRows).toBe(0);
      for (const mode of ['streamed', 'staged', 'async'] as const) {
        const input = mode === 'async' ? (async function* () { yield* inputs(); })() : inputs();
        const location = loc();
        const files = await writeDataFiles({ table: { schema, spec, location }, storage: local, input, streaming: mode === 'streamed' });
        const ids = await query(`SELECT id FROM read_parquet([${files.map((f) => quoteString(f.filePath)).join(', ')}]) ORDER BY id`);
        expect(ids.map((r) => Number(r.id)), `${what}, ${mode}`).toEqual(Array.from({ length: 2500 }, (_x, i) => i));
      }
    });
  }
});

describe('truncate of decimals', () => {
  const dschema = schemaOf([
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'amount', required: false, type: 'decimal(3, 1)' },
  ]);
  const spec = buildPartitionSpec(dschema, [{ source: 'amount', transform: 'truncate[10]' }]).spec;
  const input = (values: (bigint | null)[]) => arrowTable({ id: arrowColumn({ kind: 'long' }, values.map((_x, i) => BigInt(i))), amount: arrowColumn({ kind: 'decimal', precision: 3, scale: 1 }, values) }, { id: false });

  for (const streaming of [false, true]) it(`refuses a value whose truncation leaves the decimal's precision, writing nothing (${streaming ? 'streamed' : 'staged'})`, async () => {
    const location = loc();
    // -99.9 truncates to -100.0: four digits in a decimal(3, 1)
    await expectInvalid(writeDataFiles({ table: { schema: dschema, spec, location }, storage: local, input: input([15n, -999n, null]).batches, streaming }), 'partition field', 'truncate[10]', 'amount', '-99.9');
    expect(await listObjects(local, location)).toEqual([]);
    // -99.0 truncates to -99.0 (fits); 99.9 to 99.0
    const files = await writeDataFiles({ table: { schema: dschema, spec, location }, storage: local, input: input([-990n, 999n, -1n, null]).batches, streaming });
    expect(files.map((f) => f.partition[0]).sort()).toEqual([-990n, -10n, 990n, null].sort());
  });
});
