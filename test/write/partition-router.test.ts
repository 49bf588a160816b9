/**
 * Hidden partitioning in SQL equals the spec's transforms (`applyTransform`) for every transform
 * and source type, nulls and pre-1970 values included; and a partitioned write puts every row in
 * the file of its partition, under the partition path of the reference implementation.
 */
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteString, sqlLiteral } from '../../src/expressions/duckdb-sql.js';
import { duckdbPrimitiveType } from '../../src/parquet/duckdb-types.js';
import { buildPartitionSpec, partitionPath } from '../../src/spec/partition-spec.js';
import { type Transform, applyTransform, parseTransform, transformToString } from '../../src/spec/transforms.js';
import type { PrimitiveType } from '../../src/spec/types.js';
import { LocalStorage } from '../../src/storage/local.js';
import { withWriteSession, writeDataFiles } from '../../src/write/data-writer.js';
import { partitionValueFromSql, transformSql } from '../../src/write/partition-router.js';
import { arrowColumn, arrowTable, query, rng, schemaOf, tempDir } from './data-writer-fixtures.js';

const VALUES: Record<string, unknown[]> = {
  int: [0, 1, -1, 9, -9, 10, -10, 34, 2147483647, -2147483648, 123456789, null],
  long: [0n, 1n, -1n, 34n, 9223372036854775807n, -9223372036854775808n, -1234567890123n, null],
  decimal: [0n, 1n, -1n, 1065n, -1065n, 1450n, 10n ** 20n, -(10n ** 20n) + 7n, null],
  date: [0, 1, -1, -365, -719162, 17486, 2932896, 19723, -25567, null],
  time: [0n, 1n, 3600000000n, 86399999999n, 43200123456n, null],
  timestamp: [0n, 1n, -1n, 1700000000123456n, -1n * 86400000000n - 1n, -62135596800000000n, 253402300799999999n, -3600000000n, null],
  timestamptz: [0n, -1n, 1700000000123456n, -86400000000n, -86400000001n, null],
  timestamp_ns: [0n, -1n, 1700000000123456789n, -1000n, -999n, -1001n, -86400000000000n - 1n, null],
  string: ['', 'a', 'iceberg', 'héllo wörld', '😀😀😀x', 'abc', 'a longer string than twelve', null],
  uuid: ['f79c3e09-677c-4bbd-a479-3f349cb785e7', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '80000000-0000-0000-7fff-ffffffffffff', null],
  binary: [new Uint8Array([]), new Uint8Array([0, 1, 2, 3]), new Uint8Array([255, 254]), new Uint8Array(30).fill(9), null],
  boolean: [true, false, null],
  float: [1.5, -0, 0, -2.25, Infinity, null],
  double: [1.5, -0, 0, -1e300, 5e-324, null],
};

const TYPES: Record<string, PrimitiveType> = {
  int: { kind: 'int' },
  long: { kind: 'long' },
  decimal: { kind: 'decimal', precision: 38, scale: 2 },
  date: { kind: 'date' },
  time: { kind: 'time' },
  timestamp: { kind: 'timestamp' },
  timestamptz: { kind: 'timestamptz' },
  timestamp_ns: { kind: 'timestamp_ns' },
  string: { kind: 'string' },
  uuid: { kind: 'uuid' },
  binary: { kind: 'binary' },
  boolean: { kind: 'boolean' },
  float: { kind: 'float' },
  double: { kind: 'double' },
};

const CASES: { transform: string; types: string[] }[] = [
  { transform: 'identity', types: Object.keys(TYPES) },
  { transform: 'void', types: ['int', 'string', 'timestamp'] },
  ...[1, 7, 16, 1000].map((n) => ({ transform: `bucket[${n}]`, types: ['int', 'long', 'decimal', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'string', 'uuid', 'binary'] })),
  ...[1, 3, 10, 50].map((w) => ({ transform: `truncate[${w}]`, types: ['int', 'long', 'decimal', 'string', 'binary'] })),
  { transform: 'truncate[2147483647]', types: ['int', 'long'] },
  { transform: 'year', types: ['date', 'timestamp', 'timestamptz', 'timestamp_ns'] },
  { transform: 'month', types: ['date', 'timestamp', 'timestamptz', 'timestamp_ns'] },
  { transform: 'day', types: ['date', 'timestamp', 'timestamptz', 'timestamp_ns'] },
  { transform: 'hour', types: ['timestamp', 'timestamptz', 'timestamp_ns'] },
];

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  return Object.is(a, b) || a === b;
}

async function sqlTransform(t: Transform, type: PrimitiveType, values: unknown[]): Promise<unknown[]> {
  const rows = values.map((v, i) => `(${i}, ${v === null ? `CAST(NULL AS ${duckdbPrimitiveType(type)})` : `CAST(${sqlLiteral(type, v)} AS ${duckdbPrimitiveType(type)})`})`);
  return withWriteSession(async (s) => {
    const r = await s.connection.runAndReadAll(`SELECT i, ${transformSql(t, type, 'c')} AS p FROM (VALUES ${rows.join(', ')}) v(i, c) ORDER BY i`);
    return (r.getRowObjects() as Record<string, unknown>[]).map((row) => partitionValueFromSql(t, type, row.p));
  });
}

describe('transforms in SQL', () => {
  for (const c of CASES) {
    for (const typeName of c.types) {
      it(`${c.transform}(${typeName}) equals applyTransform`, async () => {
        const t = parseTransform(c.transform);
        const type = TYPES[typeName]!;
        const values = VALUES[typeName]!;
        const actual = await sqlTransform(t, type, values);
        const expected = values.map((v) => applyTransform(t, type, v));
        values.forEach((v, i) => expect(same(actual[i], expected[i]), `${transformToString(t)}(${String(v)}): ${String(actual[i])} vs ${String(expected[i])}`).toBe(true));
      });
    }
  }

  it('bucket equals applyTransform on many random longs and strings', async () => {
    const r = rng(7);
    const longs = Array.from({ length: 3000 }, () => BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 32)) * BigInt(Math.floor(r() * 2 ** 32)) - 2n ** 62n));
    const strings = Array.from({ length: 3000 }, (_, i) => `key-${i}-${Math.floor(r() * 1e9).toString(36)}${i % 3 === 0 ? '-with-a-tail' : ''}`);
    const t = parseTransform('bucket[97]');
    const a = await sqlTransform(t, { kind: 'long' }, longs);
    expect(a).toEqual(longs.map((v) => applyTransform(t, { kind: 'long' }, v)));
    const b = await sqlTransform(t, { kind: 'string' }, strings);
    expect(b).toEqual(strings.map((v) => applyTransform(t, { kind: 'string' }, v)));
  });
});

describe('partitioned writes', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    root = await tempDir();
  });
  afterAll(async () => root.cleanup());

  for (const [label, requests] of [
    ['strings and integers (joined partition ids)', [
      { source: 'ts', transform: 'day' },
      { source: 'id', transform: 'bucket[4]' },
      { source: 'name', transform: 'truncate[2]' },
      { source: 'flag', transform: 'identity' },
      { source: 'd', transform: 'month' },
    ]],
    ['integers and booleans only (partitioned by the values directly)', [
      { source: 'ts', transform: 'day' },
      { source: 'flag', transform: 'identity' },
      { source: 'id', transform: 'bucket[3]' },
      { source: 'd', transform: 'year' },
    ]],
  ] as const) {
  it(`put every row in the file of its partition, under the reference partition path: ${label}`, async () => {
    const schema = schemaOf([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'ts', required: false, type: 'timestamp' },
      { id: 3, name: 'name', required: false, type: 'string' },
      { id: 4, name: 'flag', required: false, type: 'boolean' },
      { id: 5, name: 'd', required: false, type: 'date' },
    ]);
    const { spec } = buildPartitionSpec(schema, requests.map((r) => ({ ...r })));
    const colOf: Record<string, string> = { ts: 'ts', id: 'id', name: 'name', flag: 'flag', d: 'd' };
    const typeOf: Record<string, PrimitiveType> = { ts: { kind: 'timestamp' }, id: { kind: 'long' }, name: { kind: 'string' }, flag: { kind: 'boolean' }, d: { kind: 'date' } };
    const r = rng(11);
    const n = 1200;
    const ids = Array.from({ length: n }, (_, i) => BigInt(i) - 1500n);
    const ts = Array.from({ length: n }, (_, i) => (i % 97 === 0 ? null : BigInt(Math.floor((r() - 0.5) * 10 * 86400e6))));
    const names = Array.from({ length: n }, (_, i) => (i % 89 === 0 ? null : ['ab', 'abc', 'b', 'é/x', 'a b', 'zz=z'][i % 6]!));
    const flags = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i % 2 === 0));
    const dates = Array.from({ length: n }, (_, i) => (i % 31 === 0 ? null : Math.floor((r() - 0.5) * 200)));
    const input = arrowTable(
      {
        id: arrowColumn({ kind: 'long' }, ids),
        ts: arrowColumn({ kind: 'timestamp' }, ts),
        name: arrowColumn({ kind: 'string' }, names),
        flag: arrowColumn({ kind: 'boolean' }, flags),
        d: arrowColumn({ kind: 'date' }, dates),
      },
      { id: false },
    );
    const location = `${root.dir}/routed-${requests.length}`;
    const storage = new LocalStorage({ fsync: false });
    const files = await writeDataFiles({ table: { schema, spec, location }, storage, input });
    const keys = new Set<string>();
    let total = 0;
    for (const f of files) {
      const path = partitionPath(spec, schema, f.partition);
      expect(f.filePath).toBe(`${location}/data/${path}/${f.filePath.split('/').pop()}`);
      keys.add(path);
      const rows = await query(`SELECT id, epoch_us(ts) AS ts, name, flag, CAST(d - DATE '1970-01-01' AS INTEGER) AS d FROM read_parquet(${quoteString(f.filePath)}, hive_partitioning = false)`);
      expect(rows.length).toBe(f.recordCount);
      total += rows.length;
      for (const row of rows) {
        const tuple = requests.map((r, k) => {
          const v = row[colOf[r.source]!];
          return applyTransform(spec.fields[k]!.transform, typeOf[r.source]!, r.source === 'd' && v !== null ? Number(v) : v);
        });
        expect(tuple).toEqual(f.partition);
      }
    }
    expect(total).toBe(n);
    // One file per partition tuple present in the input (the target size is far away).
    const source: Record<string, unknown[]> = { ts, id: ids, name: names, flag: flags, d: dates };
    const distinct = new Set(ids.map((_id, i) => partitionPath(spec, schema, requests.map((r, k) => applyTransform(spec.fields[k]!.transform, typeOf[r.source]!, source[r.source]![i])))));
    expect(keys).toEqual(distinct);
    expect(files.length).toBe(distinct.size);
    expect([...keys].some((k) => k.includes('ts_day=null'))).toBe(true);
    expect([...keys].some((k) => k.includes('flag=null'))).toBe(true);
    expect([...keys].some((k) => /ts_day=1969-12-2\d/.test(k))).toBe(true);
    if (requests.length === 5) {
      // Escaped paths as Java's URLEncoder writes them (space as +, / and = percent-encoded).
      expect([...keys].some((k) => k.includes('name_trunc=a+'))).toBe(true);
      expect([...keys].some((k) => k.includes('name_trunc=%C3%A9%2F'))).toBe(true);
    }
  });
  }

  it('refuses a spec with an unknown transform', async () => {
    const schema = schemaOf([{ id: 1, name: 'id', required: true, type: 'long' }]);
    const spec = { specId: 3, fields: [{ sourceId: 1, fieldId: 1000, name: 'x', transform: parseTransform('zorder') }] };
    const err = await writeDataFiles({
      table: { schema, spec, location: `${root.dir}/unknown` },
      storage: new LocalStorage(),
      input: arrowTable({ id: arrowColumn({ kind: 'long' }, [1n]) }, { id: false }),
    }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('UNSUPPORTED_FEATURE');
    void arrow;
  });
});
