import { describe, expect, it } from 'vitest';
import {
  type BoundExpression,
  InclusiveMetricsEvaluator,
  ManifestEvaluator,
  ResidualEvaluator,
  StrictMetricsEvaluator,
  bind,
  equal,
  evaluateRow,
  expressionToString,
  isIn,
  parsePredicate,
  partitionEvaluator,
  projectInclusive,
  rowEvaluator,
} from '../../src/expressions/index.js';
import type { DataFile, FieldSummary } from '../../src/spec/data-file.js';
import type { PartitionSpec } from '../../src/spec/partition-spec.js';
import type { Schema } from '../../src/spec/schema.js';
import { encodeValue } from '../../src/spec/single-value.js';
import { parseTransform } from '../../src/spec/transforms.js';
import type { PrimitiveType } from '../../src/spec/types.js';
import { days, micros, schema } from './fixtures.js';

const bound = (text: string, s: Schema = schema): BoundExpression => bind(parsePredicate(text), s);

const typeOf = new Map<number, PrimitiveType>([
  [1, { kind: 'long' }],
  [2, { kind: 'int' }],
  [3, { kind: 'string' }],
  [9, { kind: 'double' }],
  [10, { kind: 'uuid' }],
  [18, { kind: 'string' }],
]);

interface ColumnStats {
  values?: number;
  nulls?: number;
  nans?: number;
  lower?: unknown;
  upper?: unknown;
}

/** A data file with metrics for the given columns (by field id). */
function file(recordCount: number, cols: Record<number, ColumnStats>): DataFile {
  const f: DataFile = {
    content: 0,
    filePath: 's3://bucket/data/f.parquet',
    fileFormat: 'PARQUET',
    specId: 0,
    partition: [],
    recordCount,
    fileSizeInBytes: 1000,
    valueCounts: new Map(),
    nullValueCounts: new Map(),
    nanValueCounts: new Map(),
    lowerBounds: new Map(),
    upperBounds: new Map(),
  };
  for (const [k, c] of Object.entries(cols)) {
    const id = Number(k);
    if (c.values !== undefined) f.valueCounts!.set(id, c.values);
    if (c.nulls !== undefined) f.nullValueCounts!.set(id, c.nulls);
    if (c.nans !== undefined) f.nanValueCounts!.set(id, c.nans);
    if (c.lower !== undefined) f.lowerBounds!.set(id, encodeValue(typeOf.get(id)!, c.lower));
    if (c.upper !== undefined) f.upperBounds!.set(id, encodeValue(typeOf.get(id)!, c.upper));
  }
  return f;
}

const mightMatch = (text: string, f: DataFile, s: Schema = schema): boolean => new InclusiveMetricsEvaluator(bound(text, s)).eval(f);
const mustMatch = (text: string, f: DataFile, s: Schema = schema): boolean => new StrictMetricsEvaluator(bound(text, s)).eval(f);

describe('InclusiveMetricsEvaluator', () => {
  const range = file(100, { 1: { values: 100, nulls: 0, lower: 10n, upper: 20n } });

  it('prunes by lower and upper bounds', () => {
    const cases: [string, boolean][] = [
      ['id < 10', false],
      ['id < 11', true],
      ['id <= 9', false],
      ['id <= 10', true],
      ['id > 20', false],
      ['id >= 20', true],
      ['id > 19', true],
      ['id = 5', false],
      ['id = 25', false],
      ['id = 15', true],
      ['id IN (1, 30)', false],
      ['id IN (1, 15, 30)', true],
      ['id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 21, 22)', false],
      ['id != 15', true],
      ['id NOT IN (10, 20)', true],
      ['id < 10 OR id > 20', false],
      ['id < 10 OR id = 12', true],
      ['id > 12 AND id < 14', true],
      ['id > 12 AND id > 30', false],
      ['NOT id < 30', false],
    ];
    for (const [text, want] of cases) expect([text, mightMatch(text, range)]).toEqual([text, want]);
  });

  it('uses min == max to prune inequality', () => {
    const one = file(10, { 1: { values: 10, nulls: 0, lower: 7n, upper: 7n } });
    expect(mightMatch('id != 7', one)).toBe(false);
    expect(mightMatch('id != 8', one)).toBe(true);
    expect(mightMatch('id NOT IN (7, 8)', one)).toBe(false);
    expect(mightMatch('id NOT IN (8, 9)', one)).toBe(true);
  });

  it('uses null counts', () => {
    const allNull = file(50, { 3: { values: 50, nulls: 50 } });
    expect(mightMatch("name = 'a'", allNull)).toBe(false);
    expect(mightMatch("name < 'a'", allNull)).toBe(false);
    expect(mightMatch("name LIKE 'a%'", allNull)).toBe(false);
    expect(mightMatch("name IN ('a', 'b')", allNull)).toBe(false);
    expect(mightMatch('name IS NULL', allNull)).toBe(true);
    expect(mightMatch('name IS NOT NULL', allNull)).toBe(false);
    const noNulls = file(50, { 3: { values: 50, nulls: 0 } });
    expect(mightMatch('name IS NULL', noNulls)).toBe(false);
    expect(mightMatch('name IS NOT NULL', noNulls)).toBe(true);
    // no counts at all: nothing is known
    const bare = file(50, {});
    expect(mightMatch('name IS NULL', bare)).toBe(true);
    expect(mightMatch("name = 'a'", bare)).toBe(true);
    expect(mightMatch('name IS NOT NULL', bare)).toBe(true);
  });

  it('uses NaN counts and ignores NaN bounds', () => {
    const allNaN = file(20, { 9: { values: 20, nulls: 0, nans: 20 } });
    expect(mightMatch('dbl < 5', allNaN)).toBe(false);
    expect(mightMatch('dbl = 5', allNaN)).toBe(false);
    expect(mightMatch('dbl IS NAN', allNaN)).toBe(true);
    expect(mightMatch('dbl IS NOT NAN', allNaN)).toBe(false);
    const noNaN = file(20, { 9: { values: 20, nulls: 0, nans: 0, lower: 1, upper: 2 } });
    expect(mightMatch('dbl IS NAN', noNaN)).toBe(false);
    expect(mightMatch('dbl > 2', noNaN)).toBe(false);
    expect(mightMatch('dbl >= 2', noNaN)).toBe(true);
    expect(mightMatch('dbl = 0', file(20, { 9: { values: 20, nulls: 0, nans: 0, lower: -0, upper: -0 } }))).toBe(true);
    const nanLower = file(20, { 9: { values: 20, nulls: 0, nans: 0, lower: NaN, upper: 2 } });
    expect(mightMatch('dbl < 1', nanLower)).toBe(true);
    expect(mightMatch('dbl > 3', nanLower)).toBe(false);
    // NaN sorts above every number: bounds without NaN do not rule out x > 3
    const someNaN = file(20, { 9: { values: 20, nulls: 0, nans: 1, lower: 1, upper: 2 } });
    expect(mightMatch('dbl > 3', someNaN)).toBe(true);
    expect(mightMatch('dbl < 0.5', someNaN)).toBe(false);
    const unknownNaN = file(20, { 9: { values: 20, nulls: 0, lower: 1, upper: 2 } });
    expect(mightMatch('dbl >= 3', unknownNaN)).toBe(true);
  });

  it('handles empty files and files without metrics', () => {
    expect(mightMatch('id = 1', file(0, {}))).toBe(false);
    expect(mightMatch('TRUE', file(0, {}))).toBe(false);
    const bare: DataFile = { content: 0, filePath: 'f', fileFormat: 'PARQUET', specId: 0, partition: [], recordCount: 3, fileSizeInBytes: 1 };
    expect(mightMatch('id = 1 AND name IS NULL AND dbl IS NAN', bare)).toBe(true);
  });

  it('starts-with against bounds, truncated ones included', () => {
    const f = file(10, { 3: { values: 10, nulls: 0, lower: 'abc', upper: 'abf' } });
    expect(mightMatch("name LIKE 'abd%'", f)).toBe(true);
    expect(mightMatch("name LIKE 'ab%'", f)).toBe(true);
    expect(mightMatch("name LIKE 'abz%'", f)).toBe(false);
    expect(mightMatch("name LIKE 'aa%'", f)).toBe(false);
    expect(mightMatch("name LIKE 'abcdef%'", f)).toBe(true);
    // a writer truncated 16-character bounds: lower is a prefix, upper was incremented
    const t = file(10, { 3: { values: 10, nulls: 0, lower: 'aaaaaaaaaaaaaaaa', upper: 'aaaaaaaaaaaaaaab' } });
    expect(mightMatch("name LIKE 'aaaaaaaaaaaaaaaaaaaa%'", t)).toBe(true);
    expect(mightMatch("name = 'aaaaaaaaaaaaaaaaaaaaaaaa'", t)).toBe(true);
    expect(mightMatch("name = 'aaaaaaaaaaaaaaab'", t)).toBe(true);
    expect(mightMatch("name = 'aaaaaaaaaaaaaaac'", t)).toBe(false);
    expect(mightMatch("name LIKE 'aaaaaaaaaaaaaaac%'", t)).toBe(false);
  });

  it('not-starts-with prunes only when both bounds share the prefix and there are no nulls', () => {
    const f = file(10, { 3: { values: 10, nulls: 0, lower: 'abc', upper: 'abf' } });
    expect(mightMatch("name NOT LIKE 'ab%'", f)).toBe(false);
    expect(mightMatch("name NOT LIKE 'abc%'", f)).toBe(true);
    // a null row is never selected, so nulls do not change that
    const withNulls = file(10, { 3: { values: 10, nulls: 1, lower: 'abc', upper: 'abf' } });
    expect(mightMatch("name NOT LIKE 'ab%'", withNulls)).toBe(false);
    expect(mightMatch("name NOT LIKE 'x%'", file(10, { 3: { values: 10, nulls: 10 } }))).toBe(false);
  });

  it('compares strings by code point, as UTF-8 bounds are ordered', () => {
    // U+E000 < U+1F600 in code points, although its UTF-16 unit 0xE000 is above 0xD83D
    const f = file(10, { 3: { values: 10, nulls: 0, lower: '\uE000', upper: '😀' } });
    expect(mightMatch("name = '\uFFFF'", f)).toBe(true);
    expect(mightMatch("name = 'z'", f)).toBe(false);
  });

  it('reads bounds written before a type promotion (int -> long)', () => {
    const promoted: Schema = { ...schema, fields: schema.fields.map((f) => (f.id === 2 ? { ...f, type: { kind: 'long' } } : f)) };
    const f = file(10, { 2: { values: 10, nulls: 0, lower: 1, upper: 5 } }); // 4-byte int bounds
    expect(f.lowerBounds!.get(2)!.length).toBe(4);
    expect(mightMatch('i = 3', f, promoted)).toBe(true);
    expect(mightMatch('i = 6', f, promoted)).toBe(false);
    expect(mightMatch('i < 1', f, promoted)).toBe(false);
  });

  it('accepts UUID bounds chosen in either unsigned or Java (signed) order', () => {
    // signed order puts 8000... first and 7fff... last
    const f = file(10, { 10: { values: 10, nulls: 0, lower: '80000000-0000-0000-0000-000000000000', upper: '7fffffff-0000-0000-0000-000000000000' } });
    expect(mightMatch("u = '00000000-0000-0000-0000-000000000001'", f)).toBe(true);
    const unsigned = file(10, { 10: { values: 10, nulls: 0, lower: '10000000-0000-0000-0000-000000000000', upper: '20000000-0000-0000-0000-000000000000' } });
    expect(mightMatch("u = '30000000-0000-0000-0000-000000000000'", unsigned)).toBe(false);
    expect(mightMatch("u = '18000000-0000-0000-0000-000000000000'", unsigned)).toBe(true);
  });

  it('treats undecodable bounds as absent', () => {
    const f = file(10, { 1: { values: 10, nulls: 0 } });
    f.lowerBounds!.set(1, new Uint8Array([1, 2, 3]));
    expect(mightMatch('id < 0', f)).toBe(true);
  });
});

describe('StrictMetricsEvaluator', () => {
  const range = file(100, { 1: { values: 100, nulls: 0, lower: 10n, upper: 20n } });

  it('decides from bounds when all rows must match', () => {
    const cases: [string, boolean][] = [
      ['id >= 10', true],
      ['id > 10', false],
      ['id > 9', true],
      ['id < 21', true],
      ['id <= 20', true],
      ['id < 20', false],
      ['id = 10', false],
      ['id != 25', true],
      ['id != 5', true],
      ['id != 15', false],
      ['id NOT IN (1, 30)', true],
      ['id NOT IN (1, 15)', false],
      ['id IN (10, 20)', false],
      ['id >= 10 AND id <= 20', true],
      ['id > 15 OR id <= 15', false],
      ['NOT id < 10', true],
    ];
    for (const [text, want] of cases) expect([text, mustMatch(text, range)]).toEqual([text, want]);
    const one = file(10, { 1: { values: 10, nulls: 0, lower: 7n, upper: 7n } });
    expect(mustMatch('id = 7', one)).toBe(true);
    expect(mustMatch('id IN (7, 8)', one)).toBe(true);
    expect(mustMatch('id IN (6, 8)', one)).toBe(false);
  });

  it('requires knowing there are no nulls (or NaNs for floats)', () => {
    const withNull = file(10, { 3: { values: 10, nulls: 1, lower: 'a', upper: 'b' } });
    expect(mustMatch("name < 'z'", withNull)).toBe(false);
    expect(mustMatch('name IS NOT NULL', withNull)).toBe(false);
    const unknownNulls = file(10, { 3: { values: 10, lower: 'a', upper: 'b' } });
    expect(mustMatch("name < 'z'", unknownNulls)).toBe(false);
    const noNull = file(10, { 3: { values: 10, nulls: 0, lower: 'a', upper: 'b' } });
    expect(mustMatch("name < 'z'", noNull)).toBe(true);
    expect(mustMatch('name IS NOT NULL', noNull)).toBe(true);
    const doubles = file(10, { 9: { values: 10, nulls: 0, lower: 1, upper: 2 } });
    expect(mustMatch('dbl < 5', doubles)).toBe(false); // NaN count unknown
    const counted = file(10, { 9: { values: 10, nulls: 0, nans: 0, lower: 1, upper: 2 } });
    expect(mustMatch('dbl < 5', counted)).toBe(true);
    expect(mustMatch('dbl IS NOT NAN', counted)).toBe(true);
  });

  it('handles all-null columns and empty files', () => {
    const allNull = file(10, { 3: { values: 10, nulls: 10 } });
    expect(mustMatch('name IS NULL', allNull)).toBe(true);
    expect(mustMatch("name = 'a'", allNull)).toBe(false);
    // null rows are never selected: != and NOT LIKE cannot vouch for them
    expect(mustMatch("name != 'a'", allNull)).toBe(false);
    expect(mustMatch("name NOT LIKE 'a%'", allNull)).toBe(false);
    expect(mustMatch("name != 'a'", file(10, { 3: { values: 10, nulls: 0, lower: 'b', upper: 'c' } }))).toBe(true);
    expect(mustMatch('id = 1', file(0, {}))).toBe(true);
  });

  it('starts-with', () => {
    const f = file(10, { 3: { values: 10, nulls: 0, lower: 'abc', upper: 'abd' } });
    expect(mustMatch("name LIKE 'ab%'", f)).toBe(true);
    expect(mustMatch("name LIKE 'abc%'", f)).toBe(false);
    expect(mustMatch("name NOT LIKE 'b%'", f)).toBe(true);
    expect(mustMatch("name NOT LIKE 'aa%'", f)).toBe(true);
    expect(mustMatch("name NOT LIKE 'abc%'", f)).toBe(false);
  });

  it('never guarantees nested columns', () => {
    const f = file(10, { 18: { values: 10, nulls: 0, lower: 'a', upper: 'b' } });
    expect(mustMatch("s.y < 'z'", f)).toBe(false);
    expect(mustMatch('s.y IS NOT NULL', f)).toBe(false);
  });

  it('needs UUID bounds to prove a claim in both orders, and never vouches for UUID ranges', () => {
    const f = file(10, { 10: { values: 10, nulls: 0, lower: '10000000-0000-0000-0000-000000000000', upper: '20000000-0000-0000-0000-000000000000' } });
    expect(mustMatch("u != '30000000-0000-0000-0000-000000000000'", f)).toBe(true);
    expect(mustMatch("u < '30000000-0000-0000-0000-000000000000'", f)).toBe(false);
    // signed-order bounds spanning everything: read unsigned they would wrongly exclude 0...01
    const signed = file(10, { 10: { values: 10, nulls: 0, lower: '80000000-0000-0000-0000-000000000000', upper: '7fffffff-0000-0000-0000-000000000000' } });
    expect(mustMatch("u != '00000000-0000-0000-0000-000000000001'", signed)).toBe(false);
    expect(mightMatch("u < '00000000-0000-0000-0000-000000000001'", signed)).toBe(true);
  });
});

describe('ManifestEvaluator and partition evaluation', () => {
  const spec: PartitionSpec = {
    specId: 3,
    fields: [
      { sourceId: 2, fieldId: 1000, name: 'i', transform: parseTransform('identity') },
      { sourceId: 5, fieldId: 1001, name: 'ts_day', transform: parseTransform('day') },
      { sourceId: 3, fieldId: 1002, name: 'name', transform: parseTransform('identity') },
      { sourceId: 9, fieldId: 1003, name: 'dbl', transform: parseTransform('identity') },
    ],
  };
  const summary = (type: PrimitiveType, lower: unknown, upper: unknown, containsNull = false, containsNan?: boolean): FieldSummary => {
    const s: FieldSummary = { containsNull };
    if (containsNan !== undefined) s.containsNan = containsNan;
    if (lower !== undefined) s.lowerBound = encodeValue(type, lower);
    if (upper !== undefined) s.upperBound = encodeValue(type, upper);
    return s;
  };
  const manifest = (i: FieldSummary, day: FieldSummary, name: FieldSummary, dbl: FieldSummary) => ({ partitions: [i, day, name, dbl] });
  const any = summary({ kind: 'string' }, undefined, undefined, true);
  const jan = summary({ kind: 'date' }, days('2024-01-01'), days('2024-01-31'));
  const ints = summary({ kind: 'int' }, 1, 10);
  const names = summary({ kind: 'string' }, 'apple', 'banana');
  const dbls = summary({ kind: 'double' }, 1, 2, false, false);
  const m = manifest(ints, jan, names, dbls);
  const may = (text: string, mf: { partitions?: FieldSummary[] } = m): boolean => ManifestEvaluator.forRowFilter(bound(text), spec).eval(mf);

  it('prunes by partition summaries through the projection', () => {
    const cases: [string, boolean][] = [
      ['i = 5', true],
      ['i = 11', false],
      ['i < 1', false],
      ['i > 10', false],
      ['i IN (0, 11)', false],
      ['i IN (0, 5)', true],
      ['i IS NULL', false],
      ['i IS NOT NULL', true],
      ["ts >= '2024-02-01'", false],
      ["ts > '2024-01-31T23:00:00'", true],
      ["ts < '2024-01-01'", false],
      ["ts = '2024-01-15T12:00:00'", true],
      ["name LIKE 'b%'", true],
      ["name LIKE 'c%'", false],
      ["name LIKE 'a%'", true],
      ["name < 'apple'", false],
      ["i = 5 AND name = 'cherry'", false],
      ["i = 11 OR name = 'banana'", true],
      ['dbl IS NAN', false],
      ['dbl > 2', false],
      ['id = 7', true], // not a partition source
    ];
    for (const [text, want] of cases) expect([text, may(text)]).toEqual([text, want]);
  });

  it('treats a summary without bounds but with nulls as all null', () => {
    const allNull = manifest(summary({ kind: 'int' }, undefined, undefined, true), jan, names, dbls);
    expect(may('i = 5', allNull)).toBe(false);
    expect(may('i < 5', allNull)).toBe(false);
    expect(may('i IS NOT NULL', allNull)).toBe(false);
    expect(may('i IS NULL', allNull)).toBe(true);
    const allNaN = manifest(ints, jan, any, summary({ kind: 'double' }, undefined, undefined, false, true));
    expect(may('dbl IS NOT NAN', allNaN)).toBe(false);
    expect(may('dbl IS NAN', allNaN)).toBe(true);
    expect(may('dbl < 5', allNaN)).toBe(false);
  });

  it('uses a single partition value to prune inequality', () => {
    const five = manifest(summary({ kind: 'int' }, 5, 5), jan, names, dbls);
    expect(may('i != 5', five)).toBe(false);
    expect(may('i NOT IN (4, 5)', five)).toBe(false);
    expect(may('i != 4', five)).toBe(true);
  });

  it('says "might match" without summaries or with undecodable bounds', () => {
    expect(may('i = 11', {})).toBe(true);
    const bad = { partitions: [{ containsNull: false, lowerBound: new Uint8Array([1]), upperBound: new Uint8Array([1]) }, jan, names, dbls] };
    expect(may('i = 11', bad)).toBe(true);
  });

  it('evaluates partition tuples with the same projection', () => {
    const ev = partitionEvaluator(projectInclusive(bound("ts >= '2024-01-15T10:00:00' AND i IN (1, 2)"), spec), spec);
    expect(ev([1, days('2024-01-15'), 'x', 1.5])).toBe(true);
    expect(ev([1, days('2024-01-14'), 'x', 1.5])).toBe(false);
    expect(ev([3, days('2024-01-16'), 'x', 1.5])).toBe(false);
    expect(ev([null, days('2024-01-16'), 'x', 1.5])).toBe(false);
  });
});

describe('ResidualEvaluator', () => {
  const spec: PartitionSpec = { specId: 1, fields: [{ sourceId: 5, fieldId: 1000, name: 'ts_day', transform: parseTransform('day') }] };

  it('drops predicates decided by the partition and keeps the rest', () => {
    const r = new ResidualEvaluator(bound("ts >= '2024-01-01T10:00:00' AND name = 'x'"), spec);
    expect(expressionToString(r.residualFor([days('2024-01-02')]))).toBe("name = 'x'");
    expect(expressionToString(r.residualFor([days('2024-01-01')]))).toBe("ts >= '2024-01-01T10:00:00' and name = 'x'");
    expect(expressionToString(r.residualFor([days('2023-12-31')]))).toBe('false');
  });

  it('handles OR and NOT', () => {
    const ident: PartitionSpec = { specId: 2, fields: [{ sourceId: 2, fieldId: 1000, name: 'i', transform: parseTransform('identity') }] };
    const r = new ResidualEvaluator(bound("i = 5 OR name = 'x'"), ident);
    expect(expressionToString(r.residualFor([5]))).toBe('true');
    expect(expressionToString(r.residualFor([6]))).toBe("name = 'x'");
    const n = new ResidualEvaluator(bind({ op: 'not', child: equal('i', 5) }, schema), ident);
    expect(expressionToString(n.residualFor([5]))).toBe('false');
    expect(expressionToString(n.residualFor([6]))).toBe('true');
  });

  it('returns the whole filter for unpartitioned specs', () => {
    const e = bound('i = 5');
    expect(new ResidualEvaluator(e, { specId: 0, fields: [] }).residualFor([])).toBe(e);
  });
});

describe('row evaluator', () => {
  it('reads rows as objects, Maps or through a getter', () => {
    const e = bound("i = 5 AND name LIKE 'ab%'");
    expect(evaluateRow(e, { 2: 5, 3: 'abc' })).toBe(true);
    expect(evaluateRow(e, new Map<number, unknown>([[2, 5], [3, 'xbc']]))).toBe(false);
    const byName = rowEvaluator<Record<string, unknown>>(e, (row, ref) => row[ref.name]);
    expect(byName({ i: 5, name: 'abd' })).toBe(true);
  });

  it('follows SQL: null never matches a comparison, NaN sorts above every number', () => {
    const ne = bind({ op: 'notEq', column: 'dbl', value: 1 }, schema);
    expect(evaluateRow(ne, { 9: null })).toBe(false);
    expect(evaluateRow(ne, { 9: NaN })).toBe(true);
    expect(evaluateRow(bind({ op: 'not', child: { op: 'eq', column: 'dbl', value: 1 } }, schema), { 9: null })).toBe(false);
    expect(evaluateRow(bound('dbl > 1'), { 9: NaN })).toBe(true);
    expect(evaluateRow(bound('dbl < 1'), { 9: NaN })).toBe(false);
    expect(evaluateRow(bound('dbl = 1'), { 9: NaN })).toBe(false);
    expect(evaluateRow(bound('dbl IS NOT NAN'), { 9: null })).toBe(true);
    expect(evaluateRow(bound('dbl = 0'), { 9: -0 })).toBe(true);
    expect(evaluateRow(bound('dbl IS NAN'), { 9: NaN })).toBe(true);
    expect(evaluateRow(bound('i < 5'), {})).toBe(false);
  });

  it('matches byte arrays and bigints by value, and accepts numbers for long columns', () => {
    expect(evaluateRow(bind(isIn('b', ['0102', '0304']), schema), { 11: new Uint8Array([3, 4]) })).toBe(true);
    expect(evaluateRow(bind(isIn('id', [1, 2]), schema), { 1: 2 })).toBe(true);
    expect(evaluateRow(bound('id > 1'), { 1: 2 })).toBe(true);
    expect(evaluateRow(bound("ts > '2024-01-01'"), { 5: micros('2024-01-02T00:00:00') })).toBe(true);
  });
});

describe('bound decoding', () => {
  it('decodes every common type exactly, without the general decoder', async () => {
    const { decodeBound } = await import('../../src/expressions/bounds.js');
    const same = (type: PrimitiveType, v: unknown): void => {
      const got = decodeBound(type, encodeValue(type, v));
      // long-like bounds may come back as exact numbers
      const norm = typeof got === 'number' && typeof v === 'bigint' ? BigInt(got) : got;
      expect([type.kind, norm]).toEqual([type.kind, v]);
    };
    for (const v of [0, -1, 2147483647, -2147483648, 12345]) same({ kind: 'int' }, v);
    for (const v of [0n, -1n, 2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 5n, 4294967296n, -4294967297n]) {
      same({ kind: 'long' }, v);
      same({ kind: 'timestamp' }, v);
    }
    for (const v of [0, -0, 1.5, -1e300, Infinity, 5e-324]) same({ kind: 'double' }, v);
    for (const v of [0, Math.fround(0.1), -Infinity]) same({ kind: 'float' }, v);
    for (const v of ['', 'abc', 'é😀', 'x'.repeat(100)]) same({ kind: 'string' }, v);
    same({ kind: 'decimal', precision: 9, scale: 2 }, -12345n);
    // promoted bounds (4-byte int under a long column) go through the general decoder
    expect(decodeBound({ kind: 'long' }, encodeValue({ kind: 'int' }, -7))).toBe(-7n);
    expect(decodeBound({ kind: 'long' }, new Uint8Array([1, 2, 3]))).toBeUndefined();
    expect(decodeBound({ kind: 'string' }, new Uint8Array([0xff]))).toBeUndefined();
  });
});
