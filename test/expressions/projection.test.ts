import { describe, expect, it } from 'vitest';
import {
  type BoundExpression,
  bind,
  expressionToString,
  parsePredicate,
  projectInclusive,
  projectStrict,
} from '../../src/expressions/index.js';
import type { PartitionField, PartitionSpec } from '../../src/spec/partition-spec.js';
import { parseTransform } from '../../src/spec/transforms.js';
import { schema } from './fixtures.js';

const ids: Record<string, number> = { id: 1, i: 2, name: 3, d: 4, ts: 5, tstz: 6, price: 7, f: 8, dbl: 9, u: 10, b: 11, tsn: 15 };

function spec(...fields: [transform: string, source: string, name?: string][]): PartitionSpec {
  return {
    specId: 1,
    fields: fields.map(([t, source, name], k): PartitionField => ({ sourceId: ids[source]!, fieldId: 1000 + k, name: name ?? 'p', transform: parseTransform(t) })),
  };
}

const bound = (text: string): BoundExpression => bind(parsePredicate(text), schema);
const incl = (text: string, s: PartitionSpec): string => expressionToString(projectInclusive(bound(text), s));
const strict = (text: string, s: PartitionSpec): string => expressionToString(projectStrict(bound(text), s));

describe('projection: identity', () => {
  const s = spec(['identity', 'i']);
  it('keeps every predicate', () => {
    expect(incl('i = 5', s)).toBe('p = 5');
    expect(incl('i < 5 AND i >= -3', s)).toBe('p < 5 and p >= -3');
    expect(incl('i IN (1, 2)', s)).toBe('p in (1, 2)');
    expect(incl('i IS NULL', s)).toBe('p is null');
    expect(strict('i != 5', s)).toBe('p != 5');
    expect(strict('i NOT IN (1, 2)', s)).toBe('p not in (1, 2)');
  });
  it('pushes NOT down first', () => {
    expect(expressionToString(projectInclusive(bind({ op: 'not', child: { op: 'eq', column: 'i', value: 5 } }, schema), s))).toBe('p != 5');
  });
  it('makes unrelated predicates true (inclusive) or false (strict)', () => {
    expect(incl("name = 'x'", s)).toBe('true');
    expect(strict("name = 'x'", s)).toBe('false');
    expect(incl("i = 1 OR name = 'x'", s)).toBe('true');
    expect(incl("i = 1 AND name = 'x'", s)).toBe('p = 1');
    expect(strict("i = 1 OR name = 'x'", s)).toBe('p = 1');
    expect(strict("i = 1 AND name = 'x'", s)).toBe('false');
  });
  it('keeps NaN checks on float partitions', () => {
    const sf = spec(['identity', 'dbl']);
    expect(incl('dbl IS NAN', sf)).toBe('is_nan(p)');
    expect(strict('dbl IS NOT NAN', sf)).toBe('not_nan(p)');
  });
});

describe('projection: bucket', () => {
  const s = spec(['bucket[16]', 'id']);
  it('projects equality and IN (inclusive), inequality and NOT IN (strict)', () => {
    // Appendix B: hash(34L) = 2017239379, and 2017239379 % 16 = 3
    expect(incl('id = 34', s)).toBe('p = 3');
    expect(incl('id IN (34, 35)', s)).toMatch(/^p in \(3, \d+\)$/);
    expect(incl('id IN (34, 34)', s)).toBe('p = 3');
    expect(incl('id < 34', s)).toBe('true');
    expect(incl('id != 34', s)).toBe('true');
    expect(strict('id != 34', s)).toBe('p != 3');
    expect(strict('id = 34', s)).toBe('false');
    expect(strict('id > 34', s)).toBe('false');
    expect(incl('id IS NOT NULL', s)).toBe('true'); // id is required: bound to true
  });
  it('hashes strings per Appendix B', () => {
    // hash("iceberg") = 1210000089, and 1210000089 % 16 = 9
    expect(incl("name = 'iceberg'", spec(['bucket[16]', 'name']))).toBe('p = 9');
    expect(incl('name IS NULL', spec(['bucket[16]', 'name']))).toBe('p is null');
  });
});

describe('projection: truncate', () => {
  it('ints, with negative values rounding down', () => {
    const s = spec(['truncate[8]', 'i']);
    expect(incl('i < 5', s)).toBe('p <= 0');
    expect(incl('i < 0', s)).toBe('p <= -8');
    expect(incl('i <= 0', s)).toBe('p <= 0');
    expect(incl('i > -1', s)).toBe('p >= 0');
    expect(incl('i >= -1', s)).toBe('p >= -8');
    expect(incl('i = -1', s)).toBe('p = -8');
    expect(incl('i IN (1, 5, 9)', s)).toBe('p in (0, 8)');
    expect(incl('i != 5', s)).toBe('true');
    expect(strict('i < 5', s)).toBe('p < 0');
    expect(strict('i <= 7', s)).toBe('p < 8');
    expect(strict('i > 7', s)).toBe('p > 0');
    expect(strict('i >= 8', s)).toBe('p > 0');
    expect(strict('i >= -8', s)).toBe('p > -16');
    expect(strict('i = 5', s)).toBe('false');
    expect(strict('i != 5', s)).toBe('p != 0');
    expect(strict('i NOT IN (1, 15)', s)).toBe('p not in (0, 8)');
  });
  it('ints at the ends of the range', () => {
    const s = spec(['truncate[8]', 'i']);
    expect(incl('i < -2147483648', s)).toBe('false');
    expect(incl('i > 2147483647', s)).toBe('false');
    expect(strict('i <= 2147483647', s)).toBe('p is not null');
    expect(strict('i >= -2147483648', s)).toBe('p is not null');
  });
  it('ints whose truncation wraps around below the minimum', () => {
    // 2^32 is not a multiple of 10: -2147483648 ... -2147483641 truncate to -2147483650, which
    // wraps around (as the reference implementation computes it) to 2147483646
    const s = spec(['truncate[10]', 'i']);
    expect(incl('i < 5', s)).toBe('p <= 0 or p = 2147483646');
    expect(incl('i = -2147483647', s)).toBe('p = 2147483646');
    expect(incl('i = -2147483640', s)).toBe('p = -2147483640');
    expect(incl('i >= -2147483647', s)).toBe('p >= -2147483640 or p = 2147483646');
    expect(incl('i >= -2147483640', s)).toBe('p >= -2147483640');
    expect(incl('i > 5', s)).toBe('p >= 0');
    expect(incl('i IN (-2147483641, 5)', s)).toBe('p = 0 or p = 2147483646');
    expect(strict('i != 5', s)).toBe('p != 0 and p != 2147483646');
    expect(strict('i > 9', s)).toBe('p > 0 and p != 2147483646');
    expect(strict('i < -2147483641', s)).toBe('false');
    expect(strict('i > -2147483645', s)).toBe('p >= -2147483640 and p != 2147483646');
  });
  it('longs', () => {
    const s = spec(['truncate[16]', 'id']);
    expect(incl('id > 123456789012345', s)).toBe('p >= 123456789012336');
    expect(incl('id < -5', s)).toBe('p <= -16');
    expect(strict('id <= 123456789012349', s)).toBe('p < 123456789012336');
    const w10 = spec(['truncate[10]', 'id']);
    expect(incl('id < -5', w10)).toBe('p <= -10 or p = 9223372036854775806');
  });
  it('decimals, with the width in units of the scale', () => {
    const s = spec(['truncate[50]', 'price']);
    expect(incl('price < 10.65', s)).toBe('p <= 10.50');
    expect(incl('price = 10.65', s)).toBe('p = 10.50');
    expect(incl('price > -0.01', s)).toBe('p >= 0.00');
    expect(incl('price >= -0.01', s)).toBe('p >= -0.50');
    expect(strict('price >= 10.50', s)).toBe('p > 10.00');
  });
  it('strings, including starts-with by prefix length', () => {
    const s = spec(['truncate[3]', 'name']);
    expect(incl("name LIKE 'ab%'", s)).toBe("p starts with 'ab'");
    expect(incl("name LIKE 'abc%'", s)).toBe("p = 'abc'");
    expect(incl("name LIKE 'abcd%'", s)).toBe("p = 'abc'");
    expect(strict("name LIKE 'ab%'", s)).toBe("p starts with 'ab'");
    expect(strict("name LIKE 'abc%'", s)).toBe("p = 'abc'");
    expect(strict("name LIKE 'abcd%'", s)).toBe('false');
    expect(incl("name NOT LIKE 'ab%'", s)).toBe("p not starts with 'ab'");
    expect(incl("name NOT LIKE 'abc%'", s)).toBe("p != 'abc'");
    expect(incl("name NOT LIKE 'abcd%'", s)).toBe('true');
    expect(strict("name NOT LIKE 'abcd%'", s)).toBe("p not starts with 'abc'");
    expect(incl("name < 'abcd'", s)).toBe("p <= 'abc'");
    expect(incl("name > 'abcd'", s)).toBe("p >= 'abc'");
    expect(strict("name < 'abcd'", s)).toBe("p < 'abc'");
    expect(strict("name >= 'abcd'", s)).toBe("p > 'abc'");
    expect(incl("name = 'abcdef'", s)).toBe("p = 'abc'");
    expect(strict("name = 'abcdef'", s)).toBe('false');
    expect(strict("name != 'abcdef'", s)).toBe("p != 'abc'");
    expect(incl("name IN ('abcd', 'abce', 'x')", s)).toBe("p in ('abc', 'x')");
  });
  it('strings count code points, not UTF-16 units', () => {
    const s = spec(['truncate[2]', 'name']);
    expect(incl("name = '😀😀😀'", s)).toBe("p = '😀😀'");
    expect(incl("name LIKE '😀%'", s)).toBe("p starts with '😀'");
    expect(incl("name LIKE '😀😀%'", s)).toBe("p = '😀😀'");
  });
  it('binary', () => {
    const s = spec(['truncate[2]', 'b']);
    expect(incl("b = X'010203'", s)).toBe("p = X'0102'");
    expect(incl("b <= X'0102FF'", s)).toBe("p <= X'0102'");
    expect(strict("b > X'0102FF'", s)).toBe("p > X'0102'");
  });
});

describe('projection: year, month, day, hour', () => {
  it('day(timestamp) at day boundaries', () => {
    const s = spec(['day', 'ts']);
    expect(incl("ts > '2024-01-01T10:00:00'", s)).toBe("p >= '2024-01-01'");
    expect(incl("ts >= '2024-01-01'", s)).toBe("p >= '2024-01-01'");
    expect(incl("ts < '2024-01-01'", s)).toBe("p <= '2023-12-31'");
    expect(incl("ts <= '2024-01-01'", s)).toBe("p <= '2024-01-01'");
    expect(incl("ts = '2024-01-01T10:00:00'", s)).toBe("p = '2024-01-01'");
    expect(incl("ts != '2024-01-01T10:00:00'", s)).toBe('true');
    expect(strict("ts > '2024-01-01T10:00:00'", s)).toBe("p > '2024-01-01'");
    expect(strict("ts >= '2024-01-01'", s)).toBe("p > '2023-12-31'");
    expect(strict("ts < '2024-01-01'", s)).toBe("p < '2024-01-01'");
    expect(strict("ts <= '2024-01-01T23:59:59.999999'", s)).toBe("p < '2024-01-02'");
    expect(strict("ts = '2024-01-01'", s)).toBe('false');
    expect(strict("ts != '2024-01-01T10:00:00'", s)).toBe("p != '2024-01-01'");
    expect(incl('ts IS NULL', s)).toBe('p is null');
  });

  it('widens inclusive projections before 1970 for the old off-by-one', () => {
    const s = spec(['day', 'ts']);
    // day(1969-12-31T23:59:59.999999) = -1, which old writers stored as 0
    expect(incl("ts < '1970-01-01'", s)).toBe("p <= '1970-01-01'");
    expect(incl("ts = '1969-12-31T10:00:00'", s)).toBe("p in ('1969-12-31', '1970-01-01')");
    expect(incl("ts IN ('1969-12-31T10:00:00', '2024-01-01T00:00:00')", s)).toBe("p in ('1969-12-31', '1970-01-01', '2024-01-01')");
    expect(incl("ts > '1969-12-31T10:00:00'", s)).toBe("p >= '1969-12-31'");
    expect(incl("ts < '1969-12-30T10:00:00'", s)).toBe("p <= '1969-12-31'");
    // and narrows strict ones
    expect(strict("ts > '1969-12-31T10:00:00'", s)).toBe("p > '1970-01-01'");
    expect(strict("ts >= '1969-12-31'", s)).toBe("p > '1969-12-31'");
    expect(strict("ts != '1969-12-31T10:00:00'", s)).toBe("p not in ('1969-12-31', '1970-01-01')");
    expect(strict("ts < '1969-12-31'", s)).toBe("p < '1969-12-31'");
  });

  it('hour(timestamp)', () => {
    const s = spec(['hour', 'ts']);
    // 2024-01-01 is day 19723: hour 19723 * 24 + 10 = 473362
    expect(incl("ts = '2024-01-01T10:30:00'", s)).toBe('p = 473362');
    expect(incl("ts < '1970-01-01'", s)).toBe('p <= 0');
    expect(incl("ts < '1969-12-31T22:00:00'", s)).toBe('p <= -2');
    expect(strict("ts >= '2024-01-01T10:00:00'", s)).toBe('p > 473361');
  });

  it('month and year of dates and timestamps', () => {
    // 2024-02 is month (2024 - 1970) * 12 + 1 = 649
    expect(incl("d < '2024-03-01'", spec(['month', 'd']))).toBe('p <= 649');
    expect(incl("ts < '2024-03-01'", spec(['month', 'ts']))).toBe('p <= 649');
    expect(incl("d IN ('1969-12-15', '2024-01-01')", spec(['month', 'd']))).toBe('p in (-1, 0, 648)');
    expect(incl("d >= '1969-06-01'", spec(['year', 'd']))).toBe('p >= -1');
    expect(incl("d <= '1969-06-01'", spec(['year', 'd']))).toBe('p <= 0');
    expect(incl("tsn > '2024-06-01T00:00:00'", spec(['year', 'tsn']))).toBe('p >= 54');
    expect(strict("d >= '2025-01-01'", spec(['year', 'd']))).toBe('p > 54');
    expect(strict("d > '1969-06-01'", spec(['year', 'd']))).toBe('p > 0');
  });

  it('day(date) is the date: no correction', () => {
    const s = spec(['day', 'd']);
    expect(incl("d < '1970-01-01'", s)).toBe("p <= '1969-12-31'");
    expect(incl("d = '1969-12-31'", s)).toBe("p = '1969-12-31'");
    expect(strict("d > '1969-12-30'", s)).toBe("p > '1969-12-30'");
  });

  it('combines several fields on one source: AND for inclusive, OR for strict', () => {
    const s = spec(['day', 'ts', 'day'], ['hour', 'ts', 'hour']);
    expect(incl("ts = '2024-01-01T10:30:00'", s)).toBe("day = '2024-01-01' and hour = 473362");
    expect(strict("ts > '2024-01-01T10:00:00'", s)).toBe("day > '2024-01-01' or hour > 473362");
  });
});

describe('projection: void and unknown transforms', () => {
  it('are true for inclusive and false for strict', () => {
    expect(incl("name = 'x'", spec(['void', 'name']))).toBe('true');
    expect(strict("name = 'x'", spec(['void', 'name']))).toBe('false');
    expect(incl('i = 1', spec(['zorder', 'i']))).toBe('true');
    expect(strict('i = 1', spec(['zorder', 'i']))).toBe('false');
    expect(incl('i = 1', spec(['void', 'i'], ['identity', 'i', 'q']))).toBe('q = 1');
  });
});
