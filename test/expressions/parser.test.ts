import { describe, expect, it } from 'vitest';
import { LakeError } from '../../src/errors.js';
import { thrown } from '../support/errors.js';
import {
  type UnboundExpression,
  alwaysFalse,
  alwaysTrue,
  and,
  bind,
  equal,
  evaluateRow,
  greaterThan,
  greaterThanOrEqual,
  isIn,
  isNan,
  isNull,
  lessThan,
  lessThanOrEqual,
  notEqual,
  notIn,
  notNan,
  notNull,
  notStartsWith,
  or,
  parsePredicate,
  startsWith,
} from '../../src/expressions/index.js';
import { days, micros, schema } from './fixtures.js';

const p = parsePredicate;

function parseError(text: string): LakeError {
  return thrown(() => parsePredicate(text), text);
}

describe('parsePredicate: valid filters', () => {
  const cases: [string, UnboundExpression][] = [
    ['id = 5', equal('id', 5n)],
    ['id == 5', equal('id', 5n)],
    ['5 = id', equal('id', 5n)],
    ['5 < id', greaterThan('id', 5n)],
    ['5 >= id', lessThanOrEqual('id', 5n)],
    ['id < 5', lessThan('id', 5n)],
    ['id <= 5', lessThanOrEqual('id', 5n)],
    ['id > 5', greaterThan('id', 5n)],
    ['id >= 5', greaterThanOrEqual('id', 5n)],
    ['id = -5', equal('id', -5n)],
    ['id = - 5', equal('id', -5n)],
    ['id = +5', equal('id', 5n)],
    ['price > -1.5e3', greaterThan('price', { kind: 'decimal', text: '-1.5e3' })],
    ['price < .5', lessThan('price', { kind: 'decimal', text: '.5' })],
    ['price = 12.50', equal('price', { kind: 'decimal', text: '12.50' })],
    ['id = 123456789012345678901234567890', equal('id', 123456789012345678901234567890n)],
    ["name = 'it''s'", equal('name', "it's")],
    ["name = ''", equal('name', '')],
    ["name = 'a \"quoted\" word'", equal('name', 'a "quoted" word')],
    ['"odd name" = \'x\'', equal('odd name', 'x')],
    ['"a""b" = 1', equal('a"b', 1n)],
    ['`back tick` = 1', equal('back tick', 1n)],
    ['s.x = 1', equal('s.x', 1n)],
    ['"s"."x" = 1', equal('s.x', 1n)],
    ['date = DATE \'2024-01-01\'', equal('date', { kind: 'date', text: '2024-01-01' })],
    ["ts >= TIMESTAMP '2024-01-01 10:00:00'", greaterThanOrEqual('ts', { kind: 'timestamp', text: '2024-01-01 10:00:00' })],
    ["ts < timestamptz '2024-01-01T10:00:00+01:00'", lessThan('ts', { kind: 'timestamptz', text: '2024-01-01T10:00:00+01:00' })],
    ["ts < TIMESTAMP WITH TIME ZONE '2024-01-01 10:00Z'", lessThan('ts', { kind: 'timestamptz', text: '2024-01-01 10:00Z' })],
    ["t = TIME '10:00'", equal('t', { kind: 'time', text: '10:00' })],
    ["u = UUID 'f79c3e09-677c-4bbd-a479-3f349cb785e7'", equal('u', { kind: 'uuid', text: 'f79c3e09-677c-4bbd-a479-3f349cb785e7' })],
    ["b = X'0A0b'", equal('b', new Uint8Array([10, 11]))],
    ["d = '2024-01-01'", equal('d', '2024-01-01')],
    ['flag = TRUE', equal('flag', true)],
    ['flag = false', equal('flag', false)],
    ['flag', equal('flag', true)],
    ['NOT flag', equal('flag', false)],
    ['flag IS TRUE', and(notNull('flag'), equal('flag', true))],
    ['flag IS NOT TRUE', or(isNull('flag'), notEqual('flag', true))],
    ['NOT flag IS FALSE', or(isNull('flag'), notEqual('flag', false))],
    ['TRUE', alwaysTrue()],
    ['FALSE', alwaysFalse()],
    ['NOT TRUE', alwaysFalse()],
    ['NULL', alwaysFalse()],
    ['NOT NULL', alwaysFalse()],
    ['NULL IS NULL', alwaysTrue()],
    ['5 IS NULL', alwaysFalse()],
    ['x = NULL', alwaysFalse()],
    ['NOT (x = NULL)', alwaysFalse()],
    // NOT is resolved while parsing
    ['x != 5', notEqual('x', 5n)],
    ['x <> 5', notEqual('x', 5n)],
    ['NOT x = 5', notEqual('x', 5n)],
    ['NOT x != 5', equal('x', 5n)],
    ['NOT x < 5', greaterThanOrEqual('x', 5n)],
    ['NOT x >= 5', lessThan('x', 5n)],
    ['NOT (x = 1 OR y IS NULL)', and(notEqual('x', 1n), notNull('y'))],
    ['NOT (x = 1 AND y = 2)', or(notEqual('x', 1n), notEqual('y', 2n))],
    ['NOT NOT x = 1', equal('x', 1n)],
    ['x IS NULL', isNull('x')],
    ['x IS NOT NULL', notNull('x')],
    ['NOT x IS NULL', notNull('x')],
    ['x IS NAN', isNan('x')],
    ['x is not nan', notNan('x')],
    ['x IN (1, 2, 3)', isIn('x', [1n, 2n, 3n])],
    ["x IN ('a')", isIn('x', ['a'])],
    ['x NOT IN (1, 2)', notIn('x', [1n, 2n])],
    ['NOT x IN (1, 2)', notIn('x', [1n, 2n])],
    ['x IN (1, NULL)', isIn('x', [1n])],
    ['x IN (NULL)', alwaysFalse()],
    ['x NOT IN (1, NULL)', alwaysFalse()],
    ["name LIKE 'ab%'", startsWith('name', 'ab')],
    ["name LIKE 'ab%%'", startsWith('name', 'ab')],
    ["name NOT LIKE 'ab%'", notStartsWith('name', 'ab')],
    ["name LIKE 'abc'", equal('name', 'abc')],
    ["name LIKE '%'", startsWith('name', '')],
    ["name NOT LIKE '%'", notStartsWith('name', '')],
    ["name LIKE 'a!%b%' ESCAPE '!'", startsWith('name', 'a%b')],
    ["name LIKE 'a\\_b%' ESCAPE '\\'", startsWith('name', 'a_b')],
    ['price BETWEEN 1.5 AND 2', and(greaterThanOrEqual('price', { kind: 'decimal', text: '1.5' }), lessThanOrEqual('price', 2n))],
    ['price NOT BETWEEN 1 AND 2', or(lessThan('price', 1n), greaterThan('price', 2n))],
    ['a = 1 OR b = 2 AND c = 3', or(equal('a', 1n), and(equal('b', 2n), equal('c', 3n)))],
    ['(a = 1 OR b = 2) AND c = 3', and(or(equal('a', 1n), equal('b', 2n)), equal('c', 3n))],
    ["a is not null and b in (1) or c like 'x%'", or(and(notNull('a'), isIn('b', [1n])), startsWith('c', 'x'))],
    ['  a\n =\t1  ', equal('a', 1n)],
    ['x BETWEEN 1 AND 3 AND y = 2', and(and(greaterThanOrEqual('x', 1n), lessThanOrEqual('x', 3n)), equal('y', 2n))],
  ];
  for (const [text, expected] of cases) {
    it(text, () => expect(p(text)).toEqual(expected));
  }
});

describe('parsePredicate: errors', () => {
  const syntax: [string, number, string][] = [
    ['', 1, 'empty'],
    ['   ', 1, 'empty'],
    ['id =', 5, 'expected a column or a literal'],
    ['id = 5 AND', 11, 'expected a column, a literal or "("'],
    ['(id = 5', 8, 'expected ")" to close the "(" at position 1'],
    ["id = 'abc", 6, 'unterminated string'],
    ['"abc = 1', 1, 'unterminated quoted column name'],
    ['id @ 5', 4, 'unexpected character "@"'],
    ['id = 5 5', 8, 'expected AND, OR or the end of the filter'],
    ['id IN ()', 8, 'expected a literal in the IN list'],
    ['id IN (1, 2', 12, 'expected "," or ")"'],
    ['id IN 1', 7, 'expected "(" after IN'],
    ['id BETWEEN 1 5', 14, 'expected AND in BETWEEN'],
    ["b = X'ABC'", 6, 'even number of hex digits'],
    ['NOT', 4, 'expected a column, a literal or "("'],
    ['id = 12abc', 8, 'unexpected "a" after number 12'],
    ['5', 1, 'a literal alone is not a condition'],
    ['id IS 5', 7, 'expected NULL, NAN, TRUE or FALSE after IS'],
    ['and = 1', 1, 'expected a column, a literal or "("'],
    ['id NOT 5', 8, 'expected IN, LIKE or BETWEEN after NOT'],
    ["name LIKE 5", 11, 'expected a quoted pattern after LIKE'],
    ['id = )', 6, 'expected a column or a literal'],
    ['s. = 1', 4, 'expected a field name after "."'],
    ['"" = 1', 1, 'empty quoted column name'],
  ];
  for (const [text, pos, message] of syntax) {
    it(`syntax: ${JSON.stringify(text)}`, () => {
      const err = parseError(text);
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toContain(`syntax error at position ${pos}`);
      expect(err.message).toContain(message);
      expect(err.context.position).toBe(pos);
    });
  }

  it('points at the error with a caret', () => {
    const err = parseError('a = 1 AND b = ');
    expect(err.message.split('\n')).toEqual(['syntax error at position 15: expected a column or a literal after = but found the end of the input', '  a = 1 AND b = ', `  ${' '.repeat(14)}^`]);
  });

  const unsupported: [string, string][] = [
    ['a = b', 'comparing two columns'],
    ['1 = 2', 'comparing two literals'],
    ["lower(name) = 'a'", 'functions such as lower(...)'],
    ["name ILIKE 'a%'", 'ILIKE'],
    ["name LIKE '%ab'", "only prefix patterns"],
    ["name LIKE 'a_c%'", 'only prefix patterns'],
    ["name LIKE 'a%b'", 'only prefix patterns'],
    ['1 IN (1, 2)', 'IN needs a column'],
    ['x IN (1, y)', 'IN lists hold literals only'],
  ];
  for (const [text, message] of unsupported) {
    it(`unsupported: ${text}`, () => {
      const err = parseError(text);
      expect(err.code).toBe('UNSUPPORTED_FEATURE');
      expect(err.message).toContain(message);
    });
  }
});

describe('parsePredicate: SQL semantics end to end', () => {
  // rows keyed by field id: i (2), name (3), d (4), ts (5), price (7), dbl (9)
  const rows = [
    { 2: 1, 3: 'apple', 4: days('2024-01-01'), 5: micros('2024-01-01T10:00:00'), 7: 150n, 9: 1.5, 13: true },
    { 2: 2, 3: 'banana', 4: days('2024-01-02'), 5: micros('2024-01-02T00:00:00'), 7: 250n, 9: NaN, 13: false },
    { 2: null, 3: null, 4: null, 5: null, 7: null, 9: null },
    { 2: 5, 3: 'apricot', 4: days('1969-12-31'), 5: micros('1969-12-31T23:59:59'), 7: -100n, 9: -0 },
  ];
  const select = (text: string): number[] => {
    const e = bind(p(text), schema);
    return rows.flatMap((r, i) => (evaluateRow(e, r) ? [i] : []));
  };
  it('filters like SQL does', () => {
    expect(select('i != 1')).toEqual([1, 3]);
    expect(select('NOT i = 1')).toEqual([1, 3]);
    expect(select('i = 1 OR NOT i = 1')).toEqual([0, 1, 3]);
    expect(select('i NOT IN (1, 2)')).toEqual([3]);
    expect(select('i NOT IN (1, NULL)')).toEqual([]);
    expect(select("name LIKE 'ap%'")).toEqual([0, 3]);
    expect(select("name NOT LIKE 'ap%'")).toEqual([1]);
    expect(select("d >= '2024-01-01'")).toEqual([0, 1]);
    expect(select("d < DATE '1970-01-01'")).toEqual([3]);
    expect(select("ts > '2024-01-01 10:00:00'")).toEqual([1]);
    expect(select("ts BETWEEN '1969-12-31' AND '2024-01-01T10:00:00'")).toEqual([0, 3]);
    expect(select('price > 1.5')).toEqual([1]);
    expect(select('price >= 1.5')).toEqual([0, 1]);
    expect(select('price < 0')).toEqual([3]);
    // NaN sorts above every number, as in DuckDB
    expect(select('dbl > 0')).toEqual([0, 1]);
    expect(select('dbl < 2')).toEqual([0, 3]);
    expect(select('dbl IS NAN')).toEqual([1]);
    expect(select('flag')).toEqual([0]);
    expect(select('NOT flag')).toEqual([1]);
    expect(select('flag IS NOT TRUE')).toEqual([1, 2, 3]);
    expect(select('NOT (flag IS TRUE)')).toEqual([1, 2, 3]);
    expect(select('flag IS FALSE OR flag IS NULL')).toEqual([1, 2, 3]);
    expect(select('NOT (flag OR i = 5)')).toEqual([1]);
    expect(select('dbl IS NOT NAN')).toEqual([0, 2, 3]);
    expect(select('dbl = 0')).toEqual([3]);
    expect(select('i IS NULL OR name = \'banana\'')).toEqual([1, 2]);
  });
});
