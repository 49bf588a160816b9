/**
 * Value order and equality used by every evaluator, per Iceberg type, on lake's in-memory values.
 *
 * - Floats compare as IEEE numbers (-0 equals +0) with NaN above everything, as DuckDB, Spark and
 *   PostgreSQL compare them in SQL.
 * - Strings compare by Unicode code point, which is the UTF-8 byte order that Parquet and Iceberg
 *   bounds use (JS `<` compares UTF-16 units and disagrees above U+FFFF).
 * - Binary, fixed and uuid compare as unsigned bytes (uuid strings are lowercase and dashed, so
 *   string order is byte order).
 * - Long-like values are bigint; a plain number is accepted too (an `int` column promoted to
 *   `long` keeps numbers in old partition tuples), see `normalizerFor`.
 */
import { compareBytes, compareStrings } from '../spec/single-value.js';
import type { PrimitiveType } from '../spec/types.js';

export type Comparator = (a: unknown, b: unknown) => number;

function compareNumbers(a: unknown, b: unknown): number {
  const x = a as number;
  const y = b as number;
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  // at least one NaN: NaN sorts last
  const xn = Number.isNaN(x);
  const yn = Number.isNaN(y);
  return xn === yn ? 0 : xn ? 1 : -1;
}

/** Works for bigint, and for a mix of bigint and number (JS relational operators accept both). */
function compareBigints(a: unknown, b: unknown): number {
  const x = a as bigint;
  const y = b as bigint;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareBooleans(a: unknown, b: unknown): number {
  return a === b ? 0 : a ? 1 : -1;
}

/** The total order of a primitive type's values (nulls are handled by callers). */
export function comparatorFor(type: PrimitiveType): Comparator {
  if (isLongLike(type)) return compareBigints;
  switch (type.kind) {
    case 'boolean':
      return compareBooleans;
    case 'int':
    case 'date':
    case 'float':
    case 'double':
      return compareNumbers;
    case 'string':
    case 'uuid':
      return compareStrings as Comparator;
    case 'fixed':
    case 'binary':
    case 'geometry':
    case 'geography':
      return compareBytes as Comparator;
    default:
      return () => {
        throw new Error(`values of type ${type.kind} have no order`);
      };
  }
}

export function isFloatingType(type: PrimitiveType): boolean {
  return type.kind === 'float' || type.kind === 'double';
}

/** Types whose values are held as `bigint`: longs, times and timestamps, unscaled decimals. */
export function isLongLike(type: PrimitiveType): boolean {
  switch (type.kind) {
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'decimal':
      return true;
    default:
      return false;
  }
}

/**
 * A function that brings a value read from older metadata into the representation of `type`
 * (numbers for bigint-typed columns after int -> long promotion), or undefined when none is needed.
 */
export function normalizerFor(type: PrimitiveType): ((v: unknown) => unknown) | undefined {
  if (isLongLike(type)) {
    return (v) => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : v);
  }
  if (type.kind === 'int' || type.kind === 'date') {
    return (v) => (typeof v === 'bigint' ? Number(v) : v);
  }
  return undefined;
}

/**
 * A key with JS `Set`/`Map` equality matching the type's equality: byte arrays become strings,
 * everything else is its own key (`Set` already treats -0 and +0 as equal, and bigints by value).
 */
export function keyFor(type: PrimitiveType): ((v: unknown) => unknown) | undefined {
  switch (type.kind) {
    case 'fixed':
    case 'binary':
    case 'geometry':
    case 'geography':
      return (v) => (v instanceof Uint8Array ? bytesKey(v) : v);
    default:
      return normalizerFor(type);
  }
}

function bytesKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Number of Unicode code points in a string. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
