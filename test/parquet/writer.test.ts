/**
 * The Parquet writer: every primitive type round-trips through `writeDataFiles` and reads back in
 * DuckDB with the values written; every column (struct fields, list elements, map keys and values)
 * carries its Iceberg field id and the Parquet types of spec Appendix A.
 */
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { quoteIdentifier, quoteString } from '../../src/expressions/duckdb-sql.js';
import { arrowSchema } from '../../src/parquet/arrow-schema.js';
import { readParquetBatches } from '../../src/parquet/reader.js';
import { UNPARTITIONED, buildPartitionSpec } from '../../src/spec/partition-spec.js';
import { decodeValue } from '../../src/spec/single-value.js';
import type { PrimitiveType } from '../../src/spec/types.js';
import { LocalStorage } from '../../src/storage/local.js';
import { writeDataFiles } from '../../src/write/data-writer.js';
import { identitySql, partitionValueFromSql } from '../../src/write/partition-router.js';
import { arrowColumn, arrowTable, listObjects, query, schemaOf, tempDir } from '../write/data-writer-fixtures.js';

const storage = new LocalStorage({ fsync: false });
let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir();
});
afterAll(async () => root.cleanup());

let tableCounter = 0;
const nextLocation = () => `${root.dir}/t${tableCounter++}`;

/** Per Iceberg type: sample values (lake representation) and the expected Parquet schema entry. */
const PRIMITIVES: { type: PrimitiveType; typeJson: string; values: unknown[]; physical: string; logical: RegExp | null; typeLength?: string }[] = [
  { type: { kind: 'boolean' }, typeJson: 'boolean', values: [true, false, null], physical: 'BOOLEAN', logical: null },
  { type: { kind: 'int' }, typeJson: 'int', values: [0, -1, 2147483647, -2147483648, null], physical: 'INT32', logical: null },
  { type: { kind: 'long' }, typeJson: 'long', values: [0n, -1n, 9223372036854775807n, -9223372036854775808n, null], physical: 'INT64', logical: null },
  { type: { kind: 'float' }, typeJson: 'float', values: [1.5, -0, Infinity, -3.25, null], physical: 'FLOAT', logical: null },
  { type: { kind: 'double' }, typeJson: 'double', values: [0.1, -1e300, -Infinity, 5e-324, null], physical: 'DOUBLE', logical: null },
  { type: { kind: 'decimal', precision: 9, scale: 2 }, typeJson: 'decimal(9, 2)', values: [12345n, -1n, 999999999n, -999999999n, null], physical: 'INT32', logical: /DecimalType\(scale=2, precision=9\)/ },
  { type: { kind: 'decimal', precision: 18, scale: 3 }, typeJson: 'decimal(18, 3)', values: [1n, -(10n ** 17n), 10n ** 18n - 1n, null], physical: 'INT64', logical: /DecimalType\(scale=3, precision=18\)/ },
  { type: { kind: 'decimal', precision: 38, scale: 10 }, typeJson: 'decimal(38, 10)', values: [10n ** 37n, -(10n ** 38n) + 1n, 0n, null], physical: 'FIXED_LEN_BYTE_ARRAY', logical: /DecimalType\(scale=10, precision=38\)/, typeLength: '16' },
  { type: { kind: 'date' }, typeJson: 'date', values: [0, -1, 19000, -719162, 2932896, null], physical: 'INT32', logical: null },
  { type: { kind: 'time' }, typeJson: 'time', values: [0n, 86399999999n, 3600000001n, null], physical: 'INT64', logical: /TimeType\(isAdjustedToUTC=0, unit=TimeUnit\(.*MICROS=MicroSeconds/ },
  { type: { kind: 'timestamp' }, typeJson: 'timestamp', values: [0n, -1n, 1700000000123456n, -62135596800000000n, null], physical: 'INT64', logical: /TimestampType\(isAdjustedToUTC=0, unit=TimeUnit\(.*MICROS=MicroSeconds/ },
  { type: { kind: 'timestamptz' }, typeJson: 'timestamptz', values: [0n, -1n, 1700000000123456n, -86400000001n, null], physical: 'INT64', logical: /TimestampType\(isAdjustedToUTC=1, unit=TimeUnit\(.*MICROS=MicroSeconds/ },
  { type: { kind: 'timestamp_ns' }, typeJson: 'timestamp_ns', values: [0n, -1n, 1700000000123456789n, -1000000000000000001n, null], physical: 'INT64', logical: /TimestampType\(isAdjustedToUTC=0, unit=TimeUnit\(.*NANOS=NanoSeconds/ },
  { type: { kind: 'string' }, typeJson: 'string', values: ['', 'héllo', '😀 emoji', 'a'.repeat(100), null], physical: 'BYTE_ARRAY', logical: null },
  { type: { kind: 'uuid' }, typeJson: 'uuid', values: ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '123e4567-e89b-12d3-a456-426614174000', '80000000-0000-0000-0000-000000000001', null], physical: 'FIXED_LEN_BYTE_ARRAY', logical: /UUIDType/, typeLength: '16' },
  { type: { kind: 'binary' }, typeJson: 'binary', values: [new Uint8Array([]), new Uint8Array([0, 255, 1]), new Uint8Array(40).fill(7), null], physical: 'BYTE_ARRAY', logical: null },
];

const ROWS = 12;
const cycle = (values: unknown[]): unknown[] => Array.from({ length: ROWS }, (_, i) => values[i % values.length]);

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || (a === 0 && b === 0 && Object.is(a, b));
  return a === b;
}

describe('every primitive type', () => {
  it('round-trips through the writer and reads back in DuckDB with field ids and Appendix A types', async () => {
    const fields = PRIMITIVES.map((p, i) => ({ id: i + 1, name: `c_${p.typeJson.replace(/\W+/g, '_')}`, required: false, type: p.typeJson }));
    const schema = schemaOf(fields);
    const columns: Record<string, arrow.Data> = {};
    PRIMITIVES.forEach((p, i) => (columns[fields[i]!.name] = arrowColumn(p.type, cycle(p.values))));
    const location = nextLocation();
    const files = await writeDataFiles({
      table: { schema, spec: UNPARTITIONED, location, properties: {}, formatVersion: 3 },
      storage,
      input: arrowTable(columns),
    });
    expect(files).toHaveLength(1);
    const file = files[0]!;
    expect(file.recordCount).toBe(ROWS);
    expect(file.filePath.startsWith(`${location}/data/`)).toBe(true);
    expect(file.filePath).toMatch(/\/[0-9a-f-]{36}-0\.parquet$/);

    const parquetSchema = await query(`SELECT name, type, type_length, field_id, logical_type, converted_type FROM parquet_schema(${quoteString(file.filePath)})`);
    PRIMITIVES.forEach((p, i) => {
      const entry = parquetSchema.find((r) => r.name === fields[i]!.name);
      expect(entry, fields[i]!.name).toBeDefined();
      expect(Number(entry!.field_id)).toBe(i + 1);
      expect(entry!.type).toBe(p.physical);
      if (p.typeLength !== undefined) expect(String(entry!.type_length)).toBe(p.typeLength);
      if (p.logical !== null) expect(String(entry!.logical_type)).toMatch(p.logical);
      if (p.type.kind === 'string') expect(entry!.converted_type).toBe('UTF8');
    });

    // Values read back equal the values written (compared in lake's representation).
    const select = PRIMITIVES.map((p, i) => `${identitySql(p.type, quoteIdentifier(fields[i]!.name))} AS v${i}`).join(', ');
    const rows = await query(`SELECT ${select} FROM read_parquet(${quoteString(file.filePath)}, hive_partitioning = false)`);
    expect(rows).toHaveLength(ROWS);
    PRIMITIVES.forEach((p, i) => {
      const expected = cycle(p.values);
      const actual = rows.map((r) => partitionValueFromSql({ kind: 'identity' }, p.type, r[`v${i}`]));
      actual.forEach((a, row) => expect(sameValue(a, expected[row] ?? null), `${p.typeJson} row ${row}: ${String(a)} vs ${String(expected[row])}`).toBe(true));
    });
  });

  it('omits v3 unknown columns from data files', async () => {
    const schema = schemaOf([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'u', required: false, type: 'unknown' },
    ]);
    const files = await writeDataFiles({
      table: { schema, spec: UNPARTITIONED, location: nextLocation(), formatVersion: 3 },
      storage,
      input: arrowTable({ id: arrowColumn({ kind: 'long' }, [1n, 2n]) }, { id: false }),
    });
    const cols = await query(`SELECT name FROM parquet_schema(${quoteString(files[0]!.filePath)}) WHERE name <> 'duckdb_schema'`);
    expect(cols.map((c) => c.name)).toEqual(['id']);
  });

  // fixed[L] and timestamptz_ns: DuckDB writes the file, parquet-wasm re-encodes it (src/parquet/type-rewrite.ts)
  const REENCODED: typeof PRIMITIVES = [
    { type: { kind: 'fixed', length: 4 }, typeJson: 'fixed[4]', values: [new Uint8Array([0, 0, 0, 0]), new Uint8Array([255, 1, 2, 3]), new Uint8Array([1, 2, 3, 4]), null], physical: 'FIXED_LEN_BYTE_ARRAY', logical: null, typeLength: '4' },
    { type: { kind: 'timestamptz_ns' }, typeJson: 'timestamptz_ns', values: [0n, -1n, 1700000000123456789n, -1000000000000000001n, null], physical: 'INT64', logical: /TimestampType\(isAdjustedToUTC=1, unit=TimeUnit\(.*NANOS=NanoSeconds/ },
  ];

  it('writes fixed[L] and timestamptz_ns as Appendix A asks (with every other type in the same file), with field ids, values and metrics', async () => {
    const all = [...PRIMITIVES, ...REENCODED];
    const fields = all.map((p, i) => ({ id: i + 1, name: `c_${p.typeJson.replace(/\W+/g, '_')}`, required: p.type.kind === 'fixed', type: p.typeJson }));
    const schema = schemaOf(fields);
    const columns: Record<string, arrow.Data> = {};
    all.forEach((p, i) => (columns[fields[i]!.name] = arrowColumn(p.type, cycle(p.type.kind === 'fixed' ? p.values.filter((v) => v !== null) : p.values))));
    const files = await writeDataFiles({
      table: { schema, spec: UNPARTITIONED, location: nextLocation(), properties: {}, formatVersion: 3 },
      storage,
      input: arrowTable(columns, { [fields[PRIMITIVES.length]!.name]: false }),
    });
    expect(files).toHaveLength(1);
    const file = files[0]!;
    expect(file.recordCount).toBe(ROWS);
    const parquetSchema = await query(`SELECT name, type, type_length, field_id, logical_type, repetition_type FROM parquet_schema(${quoteString(file.filePath)})`);
    all.forEach((p, i) => {
      const entry = parquetSchema.find((r) => r.name === fields[i]!.name);
      expect(entry, fields[i]!.name).toBeDefined();
      expect(Number(entry!.field_id)).toBe(i + 1);
      expect(entry!.type, fields[i]!.name).toBe(p.physical);
      if (p.typeLength !== undefined) expect(String(entry!.type_length)).toBe(p.typeLength);
      // parquet-wasm 0.8.0 writes uuid without the UUID logical type (see src/parquet/type-rewrite.ts)
      if (p.logical !== null && p.type.kind !== 'uuid') expect(String(entry!.logical_type), fields[i]!.name).toMatch(p.logical);
      expect(entry!.repetition_type).toBe(fields[i]!.required ? 'REQUIRED' : 'OPTIONAL');
    });
    // uuid: DuckDB reads a FIXED_LEN_BYTE_ARRAY(16) without the UUID logical type as BLOB
    const uuidText = (col: string) => `CASE WHEN ${col} IS NULL THEN NULL ELSE CAST(CAST(hex(${col}) AS UUID) AS VARCHAR) END`;
    const select = all.map((p, i) => `${p.type.kind === 'uuid' ? uuidText(quoteIdentifier(fields[i]!.name)) : identitySql(p.type, quoteIdentifier(fields[i]!.name))} AS v${i}`).join(', ');
    const rows = await query(`SELECT ${select} FROM read_parquet(${quoteString(file.filePath)}, hive_partitioning = false)`);
    // timestamptz_ns: DuckDB 1.5 reads TIMESTAMP(NANOS, isAdjustedToUTC) as microsecond TIMESTAMPTZ;
    // lake's reader (parquet-wasm) gives the nanoseconds
    const batches: arrow.RecordBatch[] = [];
    for await (const b of readParquetBatches({ path: file.filePath })) batches.push(b);
    const nsName = fields[PRIMITIVES.length + 1]!.name;
    const nsValues = new arrow.Table(batches).getChild(nsName)!;
    expect(String(nsValues.type)).toBe('Timestamp<NANOSECOND, UTC>');
    const raw = nsValues.data.flatMap((d) => Array.from({ length: d.length }, (_x, r) => (d.getValid(r) ? (d.values as BigInt64Array)[r]! : null)));
    expect(raw).toEqual(cycle(REENCODED[1]!.values));
    all.forEach((p, i) => {
      if (p.type.kind === 'timestamptz_ns') return;
      const expected = cycle(p.type.kind === 'fixed' ? p.values.filter((v) => v !== null) : p.values);
      const actual = rows.map((r) => (p.type.kind === 'uuid' ? r[`v${i}`] : partitionValueFromSql({ kind: 'identity' }, p.type, r[`v${i}`])));
      actual.forEach((a, row) => expect(sameValue(a, expected[row] ?? null), `${p.typeJson} row ${row}: ${String(a)} vs ${String(expected[row])}`).toBe(true));
    });
    // metrics from the re-encoded footer
    const fx = PRIMITIVES.length + 1;
    expect(file.valueCounts!.get(fx)).toBe(ROWS);
    expect(file.nullValueCounts!.get(fx)).toBe(0);
    expect([...decodeValue({ kind: 'fixed', length: 4 }, file.lowerBounds!.get(fx)!) as Uint8Array]).toEqual([0, 0, 0, 0]);
    expect([...decodeValue({ kind: 'fixed', length: 4 }, file.upperBounds!.get(fx)!) as Uint8Array]).toEqual([255, 1, 2, 3]);
    const ns = PRIMITIVES.length + 2;
    expect(file.nullValueCounts!.get(ns)).toBe(cycle(REENCODED[1]!.values).filter((v) => v === null).length);
    expect(decodeValue({ kind: 'timestamptz_ns' }, file.lowerBounds!.get(ns)!)).toBe(-1000000000000000001n);
    expect(decodeValue({ kind: 'timestamptz_ns' }, file.upperBounds!.get(ns)!)).toBe(1700000000123456789n);
    const fl = PRIMITIVES.findIndex((p) => p.type.kind === 'float') + 1;
    expect(file.nanValueCounts!.get(fl)).toBe(0);
  });

  it('refuses fixed[L] values of another length, before writing anything', async () => {
    const location = nextLocation();
    const schema = schemaOf([{ id: 1, name: 'c', required: false, type: 'fixed[4]' }]);
    const input = arrowTable({ c: arrowColumn({ kind: 'binary' }, [new Uint8Array([1, 2, 3, 4]), new Uint8Array([1, 2, 3])]) });
    const err = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location, formatVersion: 3 }, storage, input }).catch((e: unknown) => e);
    expect(isLakeError(err, 'INVALID_INPUT'), String(err)).toBe(true);
    expect((err as Error).message).toContain('column c');
    expect((err as Error).message).toContain('4 bytes');
    expect(await listObjects(storage, location)).toEqual([]);
  });

  it('refuses column types lake does not write yet, before writing anything', async () => {
    const location = nextLocation();
    const schema = schemaOf([{ id: 1, name: 'c', required: false, type: 'variant' }]);
    const err = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location, formatVersion: 3 }, storage, input: arrowTable({ c: arrowColumn({ kind: 'binary' }, [null]) }) }).catch((e: unknown) => e);
    expect(isLakeError(err, 'UNSUPPORTED_FEATURE'), String(err)).toBe(true);
    expect((err as Error).message).toContain('column c');
    expect(await listObjects(storage, location)).toEqual([]);
  });
});

describe('nested types', () => {
  const schema = schemaOf([
    { id: 1, name: 'id', required: true, type: 'long' },
    {
      id: 2,
      name: 'point',
      required: false,
      type: { type: 'struct', fields: [{ id: 10, name: 'x', required: true, type: 'int' }, { id: 11, name: 'label', required: false, type: 'string' }] },
    },
    { id: 3, name: 'tags', required: false, type: { type: 'list', 'element-id': 12, element: 'long', 'element-required': false } },
    { id: 4, name: 'attrs', required: false, type: { type: 'map', 'key-id': 13, key: 'string', 'value-id': 14, value: 'double', 'value-required': false } },
    {
      id: 5,
      name: 'events',
      required: false,
      type: {
        type: 'list',
        'element-id': 15,
        'element-required': true,
        element: {
          type: 'struct',
          fields: [
            { id: 16, name: 'kind', required: false, type: 'string' },
            { id: 17, name: 'refs', required: false, type: { type: 'list', 'element-id': 18, element: 'string', 'element-required': false } },
          ],
        },
      },
    },
  ]);

  function input(): arrow.Table {
    const s = arrowSchema(schema);
    const field = (name: string) => s.fields.find((f) => f.name === name)!;
    const id = arrow.vectorFromArray([1n, 2n, 3n, 4n], field('id').type);
    const point = arrow.vectorFromArray([{ x: 1, label: 'a' }, null, { x: -5, label: null }, { x: 7, label: 'longer than twelve bytes' }], field('point').type);
    const tags = arrow.vectorFromArray([[1n, 2n], null, [], [3n, null, 4n]], field('tags').type);
    const attrs = arrow.vectorFromArray([new Map([['a', 1.5], ['b', null]]), null, new Map(), new Map([['a key longer than 12', -2]])], field('attrs').type);
    const events = arrow.vectorFromArray(
      [[{ kind: 'click', refs: ['x', 'y'] }], [], null, [{ kind: null, refs: null }, { kind: 'view', refs: ['a long reference string'] }]],
      field('events').type,
    );
    return new arrow.Table(s, arrow.makeData({ type: new arrow.Struct(s.fields), length: 4, children: [id.data[0]!, point.data[0]!, tags.data[0]!, attrs.data[0]!, events.data[0]!] }) as never);
  }

  it('carries field ids on struct fields, list elements and map keys and values, and the values read back', async () => {
    const t = input();
    const files = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location: nextLocation() }, storage, input: t });
    const f = quoteString(files[0]!.filePath);
    const ps = await query(`SELECT name, field_id, repetition_type, converted_type FROM parquet_schema(${f})`);
    const ids = (name: string) => ps.filter((r) => r.name === name).map((r) => (r.field_id === null ? null : Number(r.field_id)));
    expect(ids('id')).toEqual([1]);
    expect(ids('point')).toEqual([2]);
    expect(ids('x')).toEqual([10]);
    expect(ids('label')).toEqual([11]);
    expect(ids('tags')).toEqual([3]);
    expect(ids('attrs')).toEqual([4]);
    expect(ids('key')).toEqual([13]);
    expect(ids('value')).toEqual([14]);
    expect(ids('events')).toEqual([5]);
    expect(ids('kind')).toEqual([16]);
    expect(ids('refs')).toEqual([17]);
    // list elements: tags (12), events (15) and refs (18), in schema order
    expect(ids('element')).toEqual([12, 15, 18]);
    // three-level lists: the repeated group has no id
    expect(ids('list')).toEqual([null, null, null]);
    expect(ps.find((r) => r.name === 'tags')!.converted_type).toBe('LIST');
    expect(ps.find((r) => r.name === 'attrs')!.converted_type).toBe('MAP');

    const rows = await query(
      `SELECT id, to_json(point)::VARCHAR AS point, to_json(tags)::VARCHAR AS tags, to_json(attrs)::VARCHAR AS attrs, to_json(events)::VARCHAR AS events FROM read_parquet(${f}, hive_partitioning = false) ORDER BY id`,
    );
    expect(rows.map((r) => [r.point, r.tags, r.attrs, r.events])).toEqual([
      ['{"x":1,"label":"a"}', '[1,2]', '{"a":1.5,"b":null}', '[{"kind":"click","refs":["x","y"]}]'],
      [null, null, null, '[]'],
      ['{"x":-5,"label":null}', '[]', '{}', null],
      ['{"x":7,"label":"longer than twelve bytes"}', '[3,null,4]', '{"a key longer than 12":-2.0}', '[{"kind":null,"refs":null},{"kind":"view","refs":["a long reference string"]}]'],
    ]);
  });

  it('refuses a null in a required struct field, naming it', async () => {
    const s = arrowSchema(schema);
    const t = input();
    const bad = arrow.vectorFromArray([{ x: null, label: 'a' }, null, null, null], s.fields[1]!.type);
    const cols = t.data[0]!.children.map((c, i) => (i === 1 ? bad.data[0]! : c));
    const table = new arrow.Table(s, arrow.makeData({ type: new arrow.Struct(s.fields), length: 4, children: cols }) as never);
    const location = nextLocation();
    const err = await writeDataFiles({ table: { schema, spec: UNPARTITIONED, location }, storage, input: table }).catch((e: unknown) => e);
    expect(isLakeError(err, 'INVALID_INPUT'), String(err)).toBe(true);
    expect((err as Error).message).toContain('point.x');
    expect(await listObjects(storage, location)).toEqual([]);
  });
});

describe('Iceberg <-> Arrow schemas', () => {
  it('round-trip with field ids on every level and required fields non-nullable', async () => {
    const { icebergSchemaOfArrow, arrowFieldId } = await import('../../src/parquet/arrow-schema.js');
    const { typesEqual } = await import('../../src/spec/types.js');
    const schema = schemaOf([
      ...PRIMITIVES.map((p, i) => ({ id: i + 1, name: `c${i}`, required: i % 2 === 0, type: p.typeJson })),
      { id: 100, name: 's', required: true, type: { type: 'struct', fields: [{ id: 101, name: 'x', required: false, type: 'fixed[3]' }] } },
      { id: 102, name: 'l', required: false, type: { type: 'list', 'element-id': 103, element: 'timestamptz_ns', 'element-required': true } },
      { id: 104, name: 'm', required: false, type: { type: 'map', 'key-id': 105, key: 'string', 'value-id': 106, value: { type: 'list', 'element-id': 107, element: 'int', 'element-required': false }, 'value-required': false } },
    ]);
    const a = arrowSchema(schema);
    expect(a.fields.map(arrowFieldId)).toEqual(schema.fields.map((f) => f.id));
    expect(a.fields[0]!.nullable).toBe(false);
    expect(a.fields[1]!.nullable).toBe(true);
    const back = icebergSchemaOfArrow(a);
    schema.fields.forEach((f, i) => expect(typesEqual(back.fields[i]!.type, f.type), f.name).toBe(true));
    expect(back.fields.map((f) => [f.id, f.name, f.required])).toEqual(schema.fields.map((f) => [f.id, f.name, f.required]));
    // without ids, ids can be assigned parent first
    let next = 1;
    const plain = new arrow.Schema([new arrow.Field('a', new arrow.List(new arrow.Field('item', new arrow.Int16(), true)), true)]);
    const assigned = icebergSchemaOfArrow(plain, { nextId: () => next++ });
    expect(assigned.fields[0]!.id).toBe(1);
    expect(assigned.fields[0]!.type).toEqual({ kind: 'list', elementId: 2, elementRequired: false, element: { kind: 'int' } });
    expect(() => icebergSchemaOfArrow(plain)).toThrow(/PARQUET:field_id/);
  });
});

describe('fixed[L] and timestamptz_ns inside nested types and partitioned tables (re-encoded files)', () => {
  const schema = schemaOf([
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'key', required: false, type: 'fixed[3]' },
    { id: 3, name: 'at', required: false, type: 'timestamptz_ns' },
    { id: 4, name: 's', required: false, type: { type: 'struct', fields: [{ id: 10, name: 'fx', required: true, type: 'fixed[2]' }, { id: 11, name: 'n', required: false, type: 'int' }] } },
    // (zoned timestamps inside nested Arrow types are not accepted by the input cast yet)
    { id: 5, name: 'times', required: false, type: { type: 'list', 'element-id': 12, element: 'fixed[2]', 'element-required': false } },
    { id: 6, name: 'm', required: false, type: { type: 'map', 'key-id': 13, key: 'string', 'value-id': 14, value: 'fixed[1]', 'value-required': false } },
  ]);
  const DAY = 86_400_000_000_000n;

  it('writes FIXED_LEN_BYTE_ARRAY(L) and TIMESTAMP(NANOS, UTC) at every level, one file per partition, and the values read back exactly', async () => {
    const s = arrowSchema(schema);
    const field = (name: string) => s.fields.find((f) => f.name === name)!;
    const b = (...v: number[]) => new Uint8Array(v);
    const n = 4;
    const cols = [
      arrow.vectorFromArray([1n, 2n, 3n, 4n], field('id').type),
      arrow.vectorFromArray([b(1, 2, 3), b(1, 2, 3), null, b(9, 9, 9)], field('key').type),
      arrow.vectorFromArray([0n, DAY + 1n, -1n, null].map((v) => (v === null ? null : Number(v / 1_000_000n))), field('at').type),
      arrow.vectorFromArray([{ fx: b(0, 255), n: 1 }, null, { fx: b(7, 7), n: null }, { fx: b(1, 1), n: 4 }], field('s').type),
      arrow.vectorFromArray([[], null, [b(5, 5), null], [b(6, 6)]], field('times').type),
      arrow.vectorFromArray([new Map([['a', b(1)], ['b', null]]), null, new Map(), new Map([['c', b(255)]])], field('m').type),
    ].map((v) => v.data[0]!);
    // exact nanoseconds (vectorFromArray takes milliseconds): overwrite the timestamp values (the null's slot too)
    (cols[2]!.values as BigInt64Array).set([0n, DAY + 1n, -1n, 0n]);
    const input = new arrow.Table(s, arrow.makeData({ type: new arrow.Struct(s.fields), length: n, children: cols }) as never);
    const spec = buildPartitionSpec(schema, [
      { source: 'key', transform: 'identity' },
      { source: 'at', transform: 'day' },
    ]).spec;
    const files = await writeDataFiles({ table: { schema, spec, location: nextLocation(), formatVersion: 3 }, storage, input });
    expect(files.map((f) => f.recordCount).sort()).toEqual([1, 1, 1, 1]);
    const rows: Record<string, unknown>[] = [];
    for (const f of files) {
      const ps = await query(`SELECT name, field_id, type, type_length, logical_type FROM parquet_schema(${quoteString(f.filePath)})`);
      const entry = (id: number) => ps.find((r) => Number(r.field_id) === id)!;
      expect([entry(2).type, String(entry(2).type_length)]).toEqual(['FIXED_LEN_BYTE_ARRAY', '3']);
      expect([entry(10).type, String(entry(10).type_length)]).toEqual(['FIXED_LEN_BYTE_ARRAY', '2']);
      expect([entry(14).type, String(entry(14).type_length)]).toEqual(['FIXED_LEN_BYTE_ARRAY', '1']);
      expect([entry(12).type, String(entry(12).type_length)]).toEqual(['FIXED_LEN_BYTE_ARRAY', '2']);
      expect(String(entry(3).logical_type)).toMatch(/TimestampType\(isAdjustedToUTC=1, unit=TimeUnit\(.*NANOS=NanoSeconds/);
      for await (const batch of readParquetBatches({ path: f.filePath })) {
        for (let r = 0; r < batch.numRows; r++) {
          const get = (name: string) => batch.getChild(name)!;
          const nanos = (d: arrow.Data, i: number) => (d.getValid(i) ? (d.values as BigInt64Array)[i]! : null);
          const list = get('times').data[0]!;
          const offs = list.valueOffsets as Int32Array;
          const m = get('m').get(r) as arrow.MapRow | null;
          const st = get('s').get(r) as { fx: Uint8Array; n: number | null } | null;
          rows.push({
            id: get('id').get(r),
            key: get('key').get(r) === null ? null : [...(get('key').get(r) as Uint8Array)],
            at: nanos(get('at').data[0]!, r),
            s: st === null ? null : { fx: [...st.fx], n: st.n },
            times: list.getValid(r) ? Array.from({ length: offs[r + 1]! - offs[r]! }, (_x, k) => { const v = (get('times').get(r) as arrow.Vector).get(k) as Uint8Array | null; return v === null ? null : [...v]; }) : null,
            m: m === null ? null : Object.fromEntries([...m].map(([k, v]) => [k, v === null ? null : [...(v as Uint8Array)]])),
            partition: f.partition,
          });
        }
      }
    }
    rows.sort((x, y) => Number(x.id) - Number(y.id));
    expect(rows.map(({ partition: _p, ...r }) => r)).toEqual([
      { id: 1n, key: [1, 2, 3], at: 0n, s: { fx: [0, 255], n: 1 }, times: [], m: { a: [1], b: null } },
      { id: 2n, key: [1, 2, 3], at: DAY + 1n, s: null, times: null, m: null },
      { id: 3n, key: null, at: -1n, s: { fx: [7, 7], n: null }, times: [[5, 5], null], m: {} },
      { id: 4n, key: [9, 9, 9], at: null, s: { fx: [1, 1], n: 4 }, times: [[6, 6]], m: { c: [255] } },
    ]);
    // partition values: the fixed bytes and the day of the nanosecond instant (-1 ns is the day before 1970-01-01)
    expect(rows.map((r) => (r.partition as unknown[]).map((v) => (v instanceof Uint8Array ? [...v] : v)))).toEqual([
      [[1, 2, 3], 0],
      [[1, 2, 3], 1],
      [null, -1],
      [[9, 9, 9], null],
    ]);
  });
});
