import { describe, expect, it } from 'vitest';
import { LakeError } from '../../src/errors.js';
import { thrown } from '../support/errors.js';
import {
  type BoundExpression,
  type LiteralValue,
  type UnboundExpression,
  and,
  bind,
  equal,
  expressionToString,
  greaterThan,
  greaterThanOrEqual,
  isIn,
  isNan,
  isNull,
  lessThan,
  lessThanOrEqual,
  not,
  notEqual,
  notIn,
  notNull,
  startsWith,
} from '../../src/expressions/index.js';
import { days, micros, schema } from './fixtures.js';

const b = (e: UnboundExpression, caseSensitive = true): BoundExpression => bind(e, schema, { caseSensitive });

/** The bound literal of a single bound predicate. */
function value(e: BoundExpression): unknown {
  if (!('value' in e)) throw new Error(`not a literal predicate: ${expressionToString(e)}`);
  return e.value;
}

function bindError(e: UnboundExpression): LakeError {
  return thrown(() => b(e), 'binding');
}

describe('bind: columns', () => {
  it('resolves names to field ids and types', () => {
    const e = b(equal('name', 'abc'));
    expect(e).toEqual({ op: 'eq', ref: { fieldId: 3, name: 'name', type: { kind: 'string' }, required: false, nested: false }, value: 'abc' });
  });

  it('names an unknown column and suggests close names', () => {
    const err = bindError(equal('nam', 'x'));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('unknown column "nam"');
    expect(err.message).toContain('"name"');
    expect(err.context.suggestions).toContain('name');
  });

  it('lists the columns when nothing is close', () => {
    const err = bindError(equal('zzzzzzzzzzzz', 1));
    expect(err.message).toContain('columns are');
    expect(err.message).toContain('"price"');
  });

  it('matches case-insensitively only when asked', () => {
    expect(bindError(equal('NAME', 'x')).message).toContain('did you mean "name"');
    expect((b(equal('NAME', 'x'), false) as { ref: { fieldId: number } }).ref.fieldId).toBe(3);
    expect((b(equal('mixed', 1), false) as { ref: { fieldId: number } }).ref.fieldId).toBe(22);
  });

  it('binds struct fields by dotted name, and refuses list elements and structs', () => {
    const e = b(equal('s.x', 1)) as { ref: { fieldId: number; nested: boolean; required: boolean } };
    expect(e.ref).toMatchObject({ fieldId: 17, nested: true, required: false });
    expect(bindError(equal('tags.element', 'a')).code).toBe('UNSUPPORTED_FEATURE');
    expect(bindError(equal('s', 1)).message).toContain('primitive');
  });

  it('folds null checks of required columns (all ancestors required)', () => {
    expect(b(isNull('id'))).toEqual({ op: 'false' });
    expect(b(notNull('id'))).toEqual({ op: 'true' });
    expect(b(isNull('rs.z'))).toEqual({ op: 'false' });
    // s is optional, so s.x can be null although x is required
    expect(b(isNull('s.x')).op).toBe('isNull');
  });

  it('checks operators against column types', () => {
    expect(bindError(isNan('i')).message).toContain('float or double');
    expect(b(isNan('dbl')).op).toBe('isNaN');
    expect(bindError(startsWith('i', 'a')).message).toContain('string column');
  });

  it('keeps the logical structure', () => {
    const e = b(and(equal('i', 1), not(equal('name', 'x'))));
    // NOT is pushed down while binding
    expect(expressionToString(e)).toBe("i = 1 and name != 'x'");
  });
});

describe('bind: literal conversion', () => {
  const conv = (column: string, v: LiteralValue): unknown => value(b(equal(column, v)));

  it('integers', () => {
    expect(conv('i', 5)).toBe(5);
    expect(conv('i', 5n)).toBe(5);
    expect(conv('i', '42')).toBe(42);
    expect(conv('id', 5)).toBe(5n);
    expect(conv('id', '9223372036854775807')).toBe(9223372036854775807n);
    expect(conv('id', { kind: 'decimal', text: '7.000' })).toBe(7n);
  });

  it('values beyond an integer range become constants, as in the reference implementation', () => {
    // optional int column: "every value is below 3000000000" means "not null"
    expect(b(lessThan('i', 3000000000))).toEqual({ op: 'notNull', ref: expect.objectContaining({ fieldId: 2 }) });
    expect(b(lessThanOrEqual('i', 3000000000n)).op).toBe('notNull');
    expect(b(greaterThan('i', 3000000000))).toEqual({ op: 'false' });
    expect(b(equal('i', 3000000000))).toEqual({ op: 'false' });
    // != is UNKNOWN for null, so it selects the non-null values
    expect(b(notEqual('i', 3000000000)).op).toBe('notNull');
    expect(b(notEqual('id', 2n ** 63n))).toEqual({ op: 'true' });
    expect(b(greaterThan('i', -3000000000)).op).toBe('notNull');
    expect(b(lessThan('i', -3000000000))).toEqual({ op: 'false' });
    // required long column: a literal above 2^63-1 makes x < lit always true
    expect(b(lessThan('id', 2n ** 63n))).toEqual({ op: 'true' });
    expect(b(equal('id', 2n ** 63n))).toEqual({ op: 'false' });
    expect(b(isIn('i', [3000000000, 4000000000]))).toEqual({ op: 'false' });
    expect(b(notIn('i', [3000000000, 4000000000])).op).toBe('notNull');
    expect(value(b(isIn('i', [3000000000, 7])))).toBe(7);
  });

  it('fractions against integer columns stay exact', () => {
    expect(b(lessThan('i', 2.5))).toMatchObject({ op: 'ltEq', value: 2 });
    expect(b(lessThanOrEqual('i', 2.5))).toMatchObject({ op: 'ltEq', value: 2 });
    expect(b(greaterThan('i', 2.5))).toMatchObject({ op: 'gtEq', value: 3 });
    expect(b(greaterThanOrEqual('i', -2.5))).toMatchObject({ op: 'gtEq', value: -2 });
    expect(b(lessThan('i', -2.5))).toMatchObject({ op: 'ltEq', value: -3 });
    expect(b(equal('i', 2.5))).toEqual({ op: 'false' });
    expect(b(notEqual('i', 2.5)).op).toBe('notNull');
    expect(b(isIn('id', [1.5, 2]))).toMatchObject({ op: 'eq', value: 2n });
  });

  it('decimals keep their scale and compare exactly', () => {
    expect(conv('price', '12.5')).toBe(1250n);
    expect(conv('price', 12.5)).toBe(1250n);
    expect(conv('price', 3)).toBe(300n);
    expect(conv('price', { kind: 'decimal', text: '-0.01' })).toBe(-1n);
    expect(conv('price', '1.2300')).toBe(123n);
    expect(b(lessThan('price', '1.005'))).toMatchObject({ op: 'ltEq', value: 100n });
    expect(b(greaterThan('price', '1.005'))).toMatchObject({ op: 'gtEq', value: 101n });
    expect(b(greaterThan('price', '-1.005'))).toMatchObject({ op: 'gtEq', value: -100n });
    expect(b(equal('price', '1.005'))).toEqual({ op: 'false' });
    // decimal(9,2) holds at most 9999999.99
    expect(b(lessThan('price', '10000000')).op).toBe('notNull');
    expect(b(greaterThan('price', '9999999.995'))).toEqual({ op: 'false' });
    expect(bindError(equal('price', 'abc')).message).toMatch(/column "price" of type decimal\(9, ?2\)/);
  });

  it('floats round to the nearest float; doubles are exact', () => {
    expect(conv('f', 0.1)).toBe(Math.fround(0.1));
    expect(conv('f', '0.1')).toBe(Math.fround(0.1));
    expect(conv('dbl', 0.1)).toBe(0.1);
    expect(conv('dbl', 5n)).toBe(5);
    expect(conv('dbl', '-Infinity')).toBe(-Infinity);
    // beyond the float range, but finite: between the largest float and infinity
    expect(b(lessThan('f', 1e39))).toMatchObject({ op: 'ltEq', value: 3.4028234663852886e38 });
    expect(b(equal('f', 1e39))).toEqual({ op: 'false' });
    expect(b(greaterThan('f', 1e39))).toMatchObject({ op: 'gtEq', value: Infinity });
  });

  it('refuses NaN literals and points to IS NAN', () => {
    expect(bindError(equal('dbl', NaN)).message).toContain('IS NAN');
    expect(bindError(equal('dbl', 'NaN')).message).toContain('IS NAN');
  });

  it('dates from ISO strings, typed literals, integers and Date objects', () => {
    expect(conv('d', '2024-01-01')).toBe(days('2024-01-01'));
    expect(conv('d', { kind: 'date', text: '1969-12-31' })).toBe(-1);
    expect(conv('d', 19723)).toBe(19723);
    expect(conv('d', new Date('2024-01-01T00:00:00Z'))).toBe(days('2024-01-01'));
    expect(conv('d', '2024-01-01T00:00:00')).toBe(days('2024-01-01'));
    // a timestamp inside a day lies between two dates
    expect(b(lessThan('d', '2024-01-01T10:00:00'))).toMatchObject({ op: 'ltEq', value: days('2024-01-01') });
    expect(b(greaterThan('d', '1969-12-31 23:00:00'))).toMatchObject({ op: 'gtEq', value: 0 });
    expect(b(equal('d', '2024-01-01T10:00:00'))).toEqual({ op: 'false' });
    expect(bindError(equal('d', '2024-02-30')).message).toContain('day 30 is out of range');
    expect(bindError(equal('d', 'yesterday')).message).toContain('column "d" of type date');
  });

  it('timestamps from ISO strings with T or space, dates, offsets and integers', () => {
    expect(conv('ts', '2024-01-01T10:00:00')).toBe(micros('2024-01-01T10:00:00'));
    expect(conv('ts', '2024-01-01 10:00:00')).toBe(micros('2024-01-01T10:00:00'));
    expect(conv('ts', '2024-01-01 10:00')).toBe(micros('2024-01-01T10:00:00'));
    expect(conv('ts', '2024-01-01')).toBe(micros('2024-01-01T00:00:00'));
    expect(conv('ts', '1969-12-31T23:59:59.999999')).toBe(-1n);
    expect(conv('ts', { kind: 'timestamp', text: '2024-01-01 10:00:00.5' })).toBe(micros('2024-01-01T10:00:00.500'));
    expect(conv('ts', 1000n)).toBe(1000n);
    expect(conv('ts', '2024-01-01T10:00:00Z')).toBe(micros('2024-01-01T10:00:00'));
    expect(bindError(equal('ts', '2024-01-01T10:00:00+02:00')).message).toContain('without time zone');
    expect(conv('tstz', '2024-01-01T10:00:00+02:00')).toBe(micros('2024-01-01T08:00:00'));
    expect(conv('tstz', '2024-01-01 10:00:00-0130')).toBe(micros('2024-01-01T11:30:00'));
    expect(conv('tstz', '2024-01-01T10:00:00')).toBe(micros('2024-01-01T10:00:00'));
    expect(conv('tstz', new Date('2024-01-01T10:00:00.123Z'))).toBe(micros('2024-01-01T10:00:00.123'));
    // finer than microseconds: between two microsecond values
    expect(b(lessThan('ts', '1970-01-01T00:00:00.0000015'))).toMatchObject({ op: 'ltEq', value: 1n });
    expect(b(greaterThan('ts', '1969-12-31T23:59:59.9999995'))).toMatchObject({ op: 'gtEq', value: 0n });
    expect(conv('tsn', '1970-01-01T00:00:00.000000001')).toBe(1n);
    // integers are microseconds, also for nanosecond columns
    expect(conv('tsn', 5n)).toBe(5000n);
    expect(conv('tstzn', '2024-01-01T00:00:00+01:00')).toBe(micros('2023-12-31T23:00:00') * 1000n);
    expect(bindError(equal('ts', true)).code).toBe('INVALID_INPUT');
  });

  it('times', () => {
    expect(conv('t', '10:00')).toBe(36_000_000_000n);
    expect(conv('t', { kind: 'time', text: '23:59:59.999999' })).toBe(86_399_999_999n);
    expect(b(lessThan('t', 86_400_000_000n)).op).toBe('notNull');
    expect(bindError(equal('t', '25:00')).message).toContain('hour 25');
  });

  it('uuids, binary, fixed, booleans and strings', () => {
    expect(conv('u', 'F79C3E09-677C-4BBD-A479-3F349CB785E7')).toBe('f79c3e09-677c-4bbd-a479-3f349cb785e7');
    expect(conv('u', { kind: 'uuid', text: 'f79c3e09-677c-4bbd-a479-3f349cb785e7' })).toBe('f79c3e09-677c-4bbd-a479-3f349cb785e7');
    expect(bindError(equal('u', 'not-a-uuid')).message).toContain('expected a uuid');
    expect(conv('b', '0a0B')).toEqual(new Uint8Array([10, 11]));
    expect(conv('b', new Uint8Array([1, 2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
    expect(bindError(equal('b', 'xyz')).message).toContain('hex');
    expect(conv('fx', 'deadbeef')).toEqual(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
    expect(bindError(equal('fx', 'dead')).message).toContain('4 bytes');
    expect(conv('flag', true)).toBe(true);
    expect(conv('flag', 'FALSE')).toBe(false);
    expect(bindError(equal('flag', 1)).message).toContain('of type boolean');
    expect(conv('name', "it's")).toBe("it's");
  });

  it('names column, type and literal in type mismatches', () => {
    const err = bindError(equal('name', 42));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('"name"');
    expect(err.message).toContain('string');
    expect(err.message).toContain('42');
    expect(err.context).toMatchObject({ column: 'name', type: 'string', literal: '42' });
  });

  it('dedupes IN lists and turns single values into equality', () => {
    expect(b(isIn('i', [1, 1n, 2]))).toMatchObject({ op: 'in', values: [1, 2] });
    expect(b(isIn('i', [1, 1]))).toMatchObject({ op: 'eq', value: 1 });
    expect(b(notIn('b', ['0a', new Uint8Array([10])]))).toMatchObject({ op: 'notEq' });
    expect(b(isIn('i', [1.5, 2.5]))).toEqual({ op: 'false' });
  });
});
