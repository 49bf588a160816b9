/**
 * Column projection, defaults, partition constants, deletes and filters on hand-built plans over
 * files written here, checked through BOTH readers (Arrow and DuckDB) against the rows the spec
 * prescribes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bind, parsePredicate } from '../../src/expressions/index.js';
import { isLakeError } from '../../src/errors.js';
import type { PartitionSpec } from '../../src/spec/partition-spec.js';
import {
  arrowRows,
  bothRows,
  deleteRef,
  duckdbRows,
  metadata,
  plan,
  schema,
  sorted,
  task,
  tempDir,
  writeDeletionVector,
  writeEqualityDeletes,
  writeParquet,
  writePositionDeletes,
} from './arrow-reader-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

describe('schema evolution by field id', () => {
  // schema 0 as the old file was written; schema 1 after: id int->long, name renamed to label,
  // score float->double, d date->timestamp (v3), amt decimal(5,2)->decimal(10,2), a new `name`
  // column (new id 7), flag added with initial-default true, note added without default,
  // columns reordered
  const s0 = schema([
    { id: 1, name: 'id', required: true, type: 'int' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'score', required: false, type: 'float' },
    { id: 4, name: 'd', required: false, type: 'date' },
    { id: 5, name: 'amt', required: false, type: 'decimal(5, 2)' },
  ]);
  const s1 = schema(
    [
      { id: 3, name: 'score', required: false, type: 'double' },
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'label', required: false, type: 'string' },
      { id: 7, name: 'name', required: false, type: 'string' },
      { id: 4, name: 'd', required: false, type: 'timestamp' },
      { id: 5, name: 'amt', required: false, type: 'decimal(10, 2)' },
      { id: 8, name: 'flag', required: false, type: 'boolean', 'initial-default': true, 'write-default': true },
      { id: 9, name: 'note', required: false, type: 'string' },
    ],
    1,
  );

  test('old and new files read in the current schema, in both readers', async () => {
    const old = await writeParquet(
      `${dir}/evo-old.parquet`,
      `SELECT * FROM (VALUES (1, 'a', 1.5::FLOAT, DATE '2024-01-02', 1.25::DECIMAL(5,2)), (2, NULL, NULL, NULL, NULL)) AS t(id, name, score, d, amt)`,
      '{id: 1, name: 2, score: 3, d: 4, amt: 5}',
    );
    const fresh = await writeParquet(
      `${dir}/evo-new.parquet`,
      `SELECT 3::BIGINT AS id, 'c' AS label, 'n3' AS name, 2.25::DOUBLE AS score, TIMESTAMP '2024-05-06 07:08:09.123456' AS d, 12345678.90::DECIMAL(10,2) AS amt, false AS flag, 'x' AS note`,
      '{id: 1, label: 2, name: 7, score: 3, d: 4, amt: 5, flag: 8, note: 9}',
    );
    const m = metadata([s0, s1], { formatVersion: 3 });
    const p = plan(m, [task(old), task(fresh)]);
    const { arrow, duckdb } = await bothRows(p);
    const expected = sorted([
      { score: 1.5, id: 1, label: 'a', name: null, d: '2024-01-02T00:00:00.000000', amt: '1.25', flag: true, note: null },
      { score: null, id: 2, label: null, name: null, d: null, amt: null, flag: true, note: null },
      { score: 2.25, id: 3, label: 'c', name: 'n3', d: '2024-05-06T07:08:09.123456', amt: '12345678.90', flag: false, note: 'x' },
    ]);
    expect(arrow).toEqual(expected);
    expect(duckdb).toEqual(expected);
  });

  test('projection of a subset in a chosen order', async () => {
    const f = await writeParquet(`${dir}/evo-proj.parquet`, `SELECT 10 AS id, 'z' AS name`, '{id: 1, name: 2}');
    const p = plan(metadata([s0, s1], { formatVersion: 3 }), [task(f)], { projected: [8, 2, 1] });
    const { arrow, duckdb } = await bothRows(p);
    expect(arrow).toEqual([{ flag: true, label: 'z', id: 10 }]);
    expect(duckdb).toEqual(arrow);
  });

  test('a stored type that cannot be read as the schema type is an error', async () => {
    const f = await writeParquet(`${dir}/evo-bad.parquet`, `SELECT 'text' AS id`, '{id: 1}');
    const p = plan(metadata([s1], { formatVersion: 3 }), [task(f)]);
    await expect(arrowRows(p)).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA') && /cannot be read as field 1/.test((e as Error).message));
    await expect(duckdbRows(p)).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA'));
  });
});

describe('nested fields', () => {
  test('struct fields renamed, added with initial-default, dropped; lists and maps of structs', async () => {
    // file: s {x int (11), y string (12)}, l list<struct{a int (15)}> (13/14), m map<string, int> (16/17/18)
    const f = await writeParquet(
      `${dir}/nested.parquet`,
      `SELECT * FROM (VALUES (1, {'x': 1, 'y': 'p'}, [{'a': 1}, {'a': 2}], MAP {'k': 5}), (2, NULL, NULL, NULL), (3, {'x': NULL, 'y': NULL}, [], MAP {})) AS t(id, s, l, m)`,
      '{id: 1, s: {__duckdb_field_id: 10, x: 11, y: 12}, l: {__duckdb_field_id: 13, element: {__duckdb_field_id: 14, a: 15}}, m: {__duckdb_field_id: 16, key: 17, value: 18}}',
    );
    const current = schema([
      { id: 1, name: 'id', required: true, type: 'int' },
      {
        id: 10,
        name: 's',
        required: false,
        type: {
          type: 'struct',
          fields: [
            { id: 19, name: 'z', required: false, type: 'int', 'initial-default': 5, 'write-default': 5 },
            { id: 11, name: 'xx', required: false, type: 'long' },
          ],
        },
      },
      {
        id: 13,
        name: 'l',
        required: false,
        type: { type: 'list', 'element-id': 14, 'element-required': false, element: { type: 'struct', fields: [{ id: 15, name: 'b', required: false, type: 'int' }] } },
      },
      { id: 16, name: 'm', required: false, type: { type: 'map', 'key-id': 17, key: 'string', 'value-id': 18, 'value-required': false, value: 'long' } },
      {
        id: 20,
        name: 'added',
        required: false,
        'initial-default': {},
        type: { type: 'struct', fields: [{ id: 21, name: 'q', required: false, type: 'string', 'initial-default': 'dq', 'write-default': 'dq' }] },
      },
    ]);
    const p = plan(metadata([current], { formatVersion: 3 }), [task(f)]);
    const { arrow, duckdb } = await bothRows(p);
    const expected = sorted([
      { id: 1, s: { z: 5, xx: 1 }, l: [{ b: 1 }, { b: 2 }], m: { k: 5 }, added: { q: 'dq' } },
      { id: 2, s: null, l: null, m: null, added: { q: 'dq' } },
      { id: 3, s: { z: 5, xx: null }, l: [], m: {}, added: { q: 'dq' } },
    ]);
    expect(arrow).toEqual(expected);
    expect(duckdb).toEqual(expected);
  });
});

describe('name mapping', () => {
  test('a file without field ids is read through schema.name-mapping.default, aliases included', async () => {
    const f = await writeParquet(
      `${dir}/mapped.parquet`,
      `SELECT * FROM (VALUES (1, 'a', {'lat': 1.5::DOUBLE, 'lon': 2.5::DOUBLE}, [1, 2]::BIGINT[], 'gone')) AS t(old_id, nm, loc, tags, unmapped)`,
    );
    const s = schema([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'name', required: false, type: 'string' },
      { id: 3, name: 'location', required: false, type: { type: 'struct', fields: [{ id: 4, name: 'latitude', required: false, type: 'double' }, { id: 5, name: 'longitude', required: false, type: 'double' }] } },
      { id: 6, name: 'tags', required: false, type: { type: 'list', 'element-id': 7, 'element-required': false, element: 'long' } },
      { id: 8, name: 'missing', required: false, type: 'string' },
    ]);
    const mapping = JSON.stringify([
      { 'field-id': 1, names: ['id', 'old_id'] },
      { 'field-id': 2, names: ['name', 'nm'] },
      { 'field-id': 3, names: ['location', 'loc'], fields: [{ 'field-id': 4, names: ['lat'] }, { 'field-id': 5, names: ['lon'] }] },
      { 'field-id': 6, names: ['tags'], fields: [{ 'field-id': 7, names: ['element'] }] },
      { 'field-id': 8, names: [] },
    ]);
    const p = plan(metadata([s], { properties: { 'schema.name-mapping.default': mapping } }), [task(f)]);
    const { arrow, duckdb } = await bothRows(p);
    const expected = [{ id: 1, name: 'a', location: { latitude: 1.5, longitude: 2.5 }, tags: [1, 2], missing: null }];
    expect(arrow).toEqual(expected);
    expect(duckdb).toEqual(expected);
  });

  test('a file without field ids and a table without a name mapping is refused', async () => {
    const f = await writeParquet(`${dir}/unmapped.parquet`, `SELECT 1 AS id`);
    const p = plan(metadata([schema([{ id: 1, name: 'id', required: true, type: 'int' }])]), [task(f)]);
    await expect(arrowRows(p)).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA') && /name mapping/.test((e as Error).message));
    await expect(duckdbRows(p)).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA'));
  });
});

describe('identity partition values', () => {
  test('a column missing from the file reads as its identity partition value; present columns are read', async () => {
    const s = schema([
      { id: 1, name: 'v', required: true, type: 'int' },
      { id: 2, name: 'region', required: false, type: 'string' },
      { id: 3, name: 'day', required: false, type: 'date' },
    ]);
    const spec: PartitionSpec = {
      specId: 1,
      fields: [
        { sourceId: 2, fieldId: 1000, name: 'region', transform: { kind: 'identity' } },
        { sourceId: 3, fieldId: 1001, name: 'day', transform: { kind: 'identity' } },
      ],
    };
    // Hive-style files without partition columns, and one file that has them
    const f1 = await writeParquet(`${dir}/part-eu.parquet`, `SELECT range::INTEGER AS v FROM range(3)`, '{v: 1}', { specId: 1, partition: ['eu', 19000] });
    const f2 = await writeParquet(`${dir}/part-us.parquet`, `SELECT 7 AS v`, '{v: 1}', { specId: 1, partition: ['us', null] });
    const f3 = await writeParquet(`${dir}/part-in-file.parquet`, `SELECT 9 AS v, 'ap' AS region, DATE '2020-01-01' AS day`, '{v: 1, region: 2, day: 3}', { specId: 1, partition: ['ap', 18262] });
    const p = plan(metadata([s], { specs: [spec] }), [task(f1, { spec }), task(f2, { spec }), task(f3, { spec })]);
    const { arrow, duckdb } = await bothRows(p);
    const expected = sorted([
      { v: 0, region: 'eu', day: '2022-01-08' },
      { v: 1, region: 'eu', day: '2022-01-08' },
      { v: 2, region: 'eu', day: '2022-01-08' },
      { v: 7, region: 'us', day: null },
      { v: 9, region: 'ap', day: '2020-01-01' },
    ]);
    expect(arrow).toEqual(expected);
    expect(duckdb).toEqual(expected);
  });
});

describe('deletes', () => {
  const s = schema([
    { id: 1, name: 'k', required: false, type: 'int' },
    { id: 2, name: 's', required: false, type: 'string' },
  ]);

  test('position delete files and deletion vectors remove rows by position, across batch boundaries', async () => {
    const a = await writeParquet(`${dir}/pd-a.parquet`, `SELECT range::INTEGER AS k, 'a' || range AS s FROM range(20)`, '{k: 1, s: 2}');
    const b = await writeParquet(`${dir}/pd-b.parquet`, `SELECT (100 + range)::INTEGER AS k, 'b' || range AS s FROM range(10)`, '{k: 1, s: 2}');
    // one delete file with rows for both data files and for a file not in the scan
    const pd = await writePositionDeletes(`${dir}/pd-del.parquet`, [
      [a.filePath, 0],
      [a.filePath, 3],
      [a.filePath, 4],
      [a.filePath, 19],
      [b.filePath, 9],
      [`${dir}/other.parquet`, 1],
    ]);
    const dv = await writeDeletionVector(`${dir}/pd-dv.puffin`, b.filePath, [0, 5]);
    const p = plan(metadata([s]), [
      task(a, { seq: 1n, positionDeletes: [deleteRef(pd, 2n)] }),
      task(b, { seq: 1n, positionDeletes: [deleteRef(pd, 2n), deleteRef(dv, 3n)] }),
    ]);
    const keptA = [...Array(20).keys()].filter((i) => ![0, 3, 4, 19].includes(i));
    const keptB = [...Array(10).keys()].filter((i) => ![0, 5, 9].includes(i));
    const expected = sorted([...keptA.map((i) => ({ k: i, s: `a${i}` })), ...keptB.map((i) => ({ k: 100 + i, s: `b${i}` }))]);
    expect(sorted(await arrowRows(p, { batchSize: 3 }))).toEqual(expected);
    expect(sorted(await duckdbRows(p))).toEqual(expected);
  });

  test('equality deletes: null keys match null, and the sequence-number and partition rules hold', async () => {
    const spec: PartitionSpec = { specId: 1, fields: [{ sourceId: 2, fieldId: 1000, name: 's', transform: { kind: 'identity' } }] };
    const rows = `SELECT k::INTEGER AS k, s::VARCHAR AS s FROM (VALUES (1, NULL), (1, 'a'), (NULL, NULL), (2, 'b')) AS t(k, s)`;
    const older = await writeParquet(`${dir}/eq-old.parquet`, rows, '{k: 1, s: 2}');
    const newer = await writeParquet(`${dir}/eq-new.parquet`, rows, '{k: 1, s: 2}');
    const del = await writeEqualityDeletes(`${dir}/eq-del.parquet`, `SELECT k::INTEGER AS k, s::VARCHAR AS s FROM (VALUES (1, NULL), (NULL, NULL), (2, 'zz')) AS t(k, s)`, '{k: 1, s: 2}', [1, 2]);
    // unpartitioned: global. `older` (seq 1) gets the delete (seq 2); `newer` (seq 3) must not.
    const p = plan(metadata([s]), [task(older, { seq: 1n, equalityDeletes: [deleteRef(del, 2n)] }), task(newer, { seq: 3n })]);
    const all = [{ k: 1, s: null }, { k: 1, s: 'a' }, { k: null, s: null }, { k: 2, s: 'b' }];
    const expected = sorted([{ k: 1, s: 'a' }, { k: 2, s: 'b' }, ...all]);
    const { arrow, duckdb } = await bothRows(p);
    expect(arrow).toEqual(expected);
    expect(duckdb).toEqual(expected);

    // partitioned delete (partition s=null of spec 1) applies to the data file of that partition only
    const inNull = await writeParquet(`${dir}/eq-p-null.parquet`, `SELECT k::INTEGER AS k, s::VARCHAR AS s FROM (VALUES (1, NULL), (5, NULL)) AS t(k, s)`, '{k: 1, s: 2}', { specId: 1, partition: [null] });
    const inA = await writeParquet(`${dir}/eq-p-a.parquet`, `SELECT 1 AS k, 'a' AS s`, '{k: 1, s: 2}', { specId: 1, partition: ['a'] });
    const pdel = await writeEqualityDeletes(`${dir}/eq-p-del.parquet`, `SELECT 1::INTEGER AS k`, '{k: 1}', [1], { specId: 1, partition: [null] });
    const pp = plan(metadata([s], { specs: [spec] }), [task(inNull, { seq: 1n, spec, equalityDeletes: [deleteRef(pdel, 2n)] }), task(inA, { seq: 1n, spec })]);
    const both = await bothRows(pp);
    const expectedP = sorted([{ k: 5, s: null }, { k: 1, s: 'a' }]);
    expect(both.arrow).toEqual(expectedP);
    expect(both.duckdb).toEqual(expectedP);
  });

  test('an equality delete column dropped from the schema still applies', async () => {
    const s0 = schema([
      { id: 1, name: 'k', required: false, type: 'int' },
      { id: 2, name: 'gone', required: false, type: 'string' },
    ]);
    const s1 = schema([{ id: 1, name: 'k', required: false, type: 'int' }], 1);
    const f = await writeParquet(`${dir}/eq-drop.parquet`, `SELECT * FROM (VALUES (1, 'x'), (2, 'y')) AS t(k, gone)`, '{k: 1, gone: 2}');
    const del = await writeEqualityDeletes(`${dir}/eq-drop-del.parquet`, `SELECT 'y' AS gone`, '{gone: 2}', [2]);
    const p = plan(metadata([s0, s1]), [task(f, { seq: 1n, equalityDeletes: [deleteRef(del, 2n)] })]);
    const { arrow, duckdb } = await bothRows(p);
    expect(arrow).toEqual([{ k: 1 }]);
    expect(duckdb).toEqual([{ k: 1 }]);
  });
});

describe('filters', () => {
  test('the residual filter and the plan filter select rows in both readers', async () => {
    const s = schema([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'st', required: false, type: { type: 'struct', fields: [{ id: 3, name: 'x', required: false, type: 'int' }] } },
    ]);
    const f = await writeParquet(`${dir}/filter.parquet`, `SELECT range AS id, {'x': (range % 3)::INTEGER} AS st FROM range(10)`, '{id: 1, st: {__duckdb_field_id: 2, x: 3}}');
    const filter = bind(parsePredicate('id >= 4 AND st.x = 1'), s);
    const p = plan(metadata([s]), [task(f, { residual: filter })], { filter, projected: [1] });
    const { arrow, duckdb } = await bothRows(p);
    expect(arrow).toEqual([{ id: 4 }, { id: 7 }]);
    expect(duckdb).toEqual(arrow);
  });

  test('an empty plan has the plan schema and no rows', async () => {
    const s = schema([{ id: 1, name: 'id', required: true, type: 'long' }]);
    const p = plan(metadata([s]), []);
    expect(await arrowRows(p)).toEqual([]);
    expect(await duckdbRows(p, {}, 'SELECT count(*) AS n, typeof(max(id)) AS t FROM t')).toEqual([{ n: 0, t: 'BIGINT' }]);
  });
});
