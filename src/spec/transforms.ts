/**
 * Partition transforms (spec "Partition Transforms"): parsing and printing, which source types
 * each accepts, result types, applying them to values, order preservation, and the human strings
 * used in partition paths.
 */
import { LakeError } from '../errors.js';
import {
  civilFromDays,
  daysToMonths,
  daysToYears,
  formatTimestampNanos,
  javaPad4,
  microsToDays,
  microsToHours,
  microsToJavaLocalTime,
  microsToMonths,
  microsToYears,
  nanosToDays,
  nanosToHours,
  nanosToMonths,
  nanosToYears,
} from './date-time.js';
import { hashValue } from './murmur3.js';
import { decimalToString, normalizeUuid, toBigIntValue, toIntValue } from './single-value.js';
import { type PrimitiveType, primitiveToString } from './types.js';

export type Transform =
  | { kind: 'identity' }
  | { kind: 'bucket'; n: number }
  | { kind: 'truncate'; width: number }
  | { kind: 'year' }
  | { kind: 'month' }
  | { kind: 'day' }
  | { kind: 'hour' }
  | { kind: 'void' }
  /** A transform this version does not know; kept verbatim and ignored for filtering (spec: required in v3). */
  | { kind: 'unknown'; text: string };

/** Parses `identity`, `bucket[16]`, `truncate[4]`, `year`, ... Unknown names parse to `unknown`. */
export function parseTransform(text: string): Transform {
  const s = text.trim();
  const lower = s.toLowerCase();
  switch (lower) {
    case 'identity':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'void':
      return { kind: lower };
  }
  const m = /^(bucket|truncate)\s*\[\s*(\d+)\s*\]$/i.exec(s);
  if (m) {
    const n = Number(m[2]);
    if (!(n > 0)) throw new LakeError('INVALID_METADATA', `transform parameter must be positive in "${text}"`);
    return m[1]!.toLowerCase() === 'bucket' ? { kind: 'bucket', n } : { kind: 'truncate', width: n };
  }
  return { kind: 'unknown', text: s };
}

export function transformToString(t: Transform): string {
  switch (t.kind) {
    case 'bucket':
      return `bucket[${t.n}]`;
    case 'truncate':
      return `truncate[${t.width}]`;
    case 'unknown':
      return t.text;
    default:
      return t.kind;
  }
}

// ---- value-level behaviour ----

/** Whether the transform can be applied to a source column of this type (spec "Partition Transforms"). */
export function canTransform(t: Transform, source: PrimitiveType): boolean {
  switch (t.kind) {
    case 'identity':
      // The reference implementation also refuses variant: it has no single-value form or order.
      return source.kind !== 'variant' && source.kind !== 'geometry' && source.kind !== 'geography';
    case 'bucket':
      return BUCKET_SOURCES.has(source.kind);
    case 'truncate':
      return TRUNCATE_SOURCES.has(source.kind);
    case 'year':
    case 'month':
    case 'day':
      return source.kind === 'date' || TIMESTAMP_KINDS.has(source.kind);
    case 'hour':
      return TIMESTAMP_KINDS.has(source.kind);
    case 'void':
    case 'unknown':
      return true;
  }
}

const TIMESTAMP_KINDS: ReadonlySet<string> = new Set(['timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns']);
const BUCKET_SOURCES: ReadonlySet<string> = new Set([
  'int', 'long', 'decimal', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns',
  'string', 'uuid', 'fixed', 'binary',
]);
const TRUNCATE_SOURCES: ReadonlySet<string> = new Set(['int', 'long', 'decimal', 'string', 'binary']);

/**
 * The type of the partition values the transform produces. An unknown transform's result type is
 * not known; like the reference implementation lake treats it as `string`.
 */
export function transformResultType(t: Transform, source: PrimitiveType): PrimitiveType {
  switch (t.kind) {
    case 'bucket':
    case 'year':
    case 'month':
    case 'hour':
      return { kind: 'int' };
    case 'day':
      return { kind: 'date' };
    case 'identity':
    case 'truncate':
    case 'void':
      return source;
    case 'unknown':
      return { kind: 'string' };
  }
}

function cannot(t: Transform, source: PrimitiveType): LakeError {
  return new LakeError('INVALID_INPUT', `transform ${transformToString(t)} cannot be applied to type ${primitiveToString(source)}`);
}

/**
 * A function applying the transform to values of the source type (null in, null out); binding
 * once and calling many times avoids dispatching per value.
 */
export function bindTransform(t: Transform, source: PrimitiveType): (value: unknown) => unknown {
  if (!canTransform(t, source)) throw cannot(t, source);
  const nullSafe =
    (f: (v: unknown) => unknown) =>
    (v: unknown): unknown =>
      v === null || v === undefined ? null : f(v);
  switch (t.kind) {
    case 'identity':
      return (v) => (v === undefined ? null : v);
    case 'void':
      return () => null;
    case 'bucket': {
      const n = t.n;
      return nullSafe((v) => (hashValue(source, v)! & 0x7fffffff) % n);
    }
    case 'truncate':
      return nullSafe(truncator(t.width, source));
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
      return nullSafe(timeExtractor(t.kind, source));
    case 'unknown':
      throw new LakeError('UNSUPPORTED_FEATURE', `cannot apply unknown transform "${t.text}"`);
  }
}

/** Applies the transform to one source value (null in, null out). */
export function applyTransform(t: Transform, source: PrimitiveType, value: unknown): unknown {
  return bindTransform(t, source)(value);
}

function truncator(width: number, source: PrimitiveType): (v: unknown) => unknown {
  switch (source.kind) {
    case 'int':
      // 32-bit arithmetic exactly as the reference implementation does it, wrap-around included.
      return (v) => {
        const x = toIntValue(v, 'int');
        return (x - ((((x % width) + width) | 0) % width)) | 0;
      };
    case 'long': {
      const w = BigInt(width);
      return (v) => {
        const x = toBigIntValue(v, 'long');
        return BigInt.asIntN(64, x - (BigInt.asIntN(64, (x % w) + w) % w));
      };
    }
    case 'decimal': {
      // The width applies to the unscaled value: W=50 at scale 2 truncates to multiples of 0.50.
      const w = BigInt(width);
      return (v) => {
        const x = toBigIntValue(v, 'decimal');
        return x - (((x % w) + w) % w);
      };
    }
    case 'string':
      return (v) => {
        if (typeof v !== 'string') throw new LakeError('INVALID_INPUT', `expected a string, got ${typeof v}`);
        return truncateString(v, width);
      };
    case 'binary':
      return (v) => {
        if (!(v instanceof Uint8Array)) throw new LakeError('INVALID_INPUT', `expected bytes, got ${typeof v}`);
        return v.length <= width ? v : v.slice(0, width);
      };
    default:
      throw cannot({ kind: 'truncate', width }, source);
  }
}

/** The first `length` code points of a string; a surrogate pair is never split. */
export function truncateString(s: string, length: number): string {
  if (s.length <= length) return s;
  let units = 0;
  let points = 0;
  while (units < s.length && points < length) {
    const c = s.charCodeAt(units);
    const pair = c >= 0xd800 && c <= 0xdbff && units + 1 < s.length && (s.charCodeAt(units + 1) & 0xfc00) === 0xdc00;
    units += pair ? 2 : 1;
    points++;
  }
  return s.slice(0, units);
}

function timeExtractor(kind: 'year' | 'month' | 'day' | 'hour', source: PrimitiveType): (v: unknown) => number {
  if (source.kind === 'date') {
    switch (kind) {
      case 'year':
        return (v) => daysToYears(toIntValue(v, 'date'));
      case 'month':
        return (v) => daysToMonths(toIntValue(v, 'date'));
      case 'day':
        return (v) => toIntValue(v, 'date');
      case 'hour':
        throw cannot({ kind }, source);
    }
  }
  const nanos = source.kind === 'timestamp_ns' || source.kind === 'timestamptz_ns';
  const what = source.kind;
  switch (kind) {
    case 'year':
      return nanos ? (v) => nanosToYears(toBigIntValue(v, what)) : (v) => microsToYears(toBigIntValue(v, what));
    case 'month':
      return nanos ? (v) => nanosToMonths(toBigIntValue(v, what)) : (v) => microsToMonths(toBigIntValue(v, what));
    case 'day':
      return nanos ? (v) => nanosToDays(toBigIntValue(v, what)) : (v) => microsToDays(toBigIntValue(v, what));
    case 'hour':
      return nanos ? (v) => nanosToHours(toBigIntValue(v, what)) : (v) => microsToHours(toBigIntValue(v, what));
  }
}

/** Whether a < b implies apply(a) <= apply(b). */
export function preservesOrder(t: Transform): boolean {
  switch (t.kind) {
    case 'identity':
    case 'truncate':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
      return true;
    default:
      return false;
  }
}

const GRANULARITY_HOURS: Record<string, number> = { hour: 1, day: 24, month: 24 * 31, year: 24 * 366 };

/**
 * Whether data ordered by transform `a` is also ordered by transform `b` (so sorting by `day(ts)`
 * satisfies `month(ts)` but not `hour(ts)`). For truncate the answer depends on the source type:
 * a string or binary prefix of length W1 orders every shorter prefix, while numbers truncated to
 * W1 are ordered for W2 only when W1 divides W2. Without `source` only equal widths are accepted.
 */
export function satisfiesOrderOf(a: Transform, b: Transform, source?: PrimitiveType): boolean {
  if (transformsEqual(a, b)) return true;
  switch (a.kind) {
    case 'identity':
      return preservesOrder(b);
    case 'truncate': {
      if (b.kind !== 'truncate') return false;
      if (source === undefined) return false;
      if (source.kind === 'string' || source.kind === 'binary') return b.width <= a.width;
      return b.width % a.width === 0;
    }
    case 'year':
    case 'month':
    case 'day':
    case 'hour': {
      const other = GRANULARITY_HOURS[b.kind];
      return other !== undefined && GRANULARITY_HOURS[a.kind]! <= other;
    }
    default:
      return false;
  }
}

export function transformsEqual(a: Transform, b: Transform): boolean {
  return transformToString(a) === transformToString(b);
}

/**
 * The partition value as it appears in a partition path (Java's `Transform.toHumanString`):
 * `2026` for year, `2026-11` for month, `2026-11-20` for day and identity dates, `2026-11-20-13`
 * for hour, ISO local date-times for timestamps (`+00:00` appended for tz types), Java's number
 * formats for floats and decimals, base64 for fixed and binary, and `null` for null.
 */
export function humanString(t: Transform, source: PrimitiveType, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (t.kind) {
    case 'year':
      return javaPad4(1970 + toIntValue(value, 'year'));
    case 'month': {
      const m = toIntValue(value, 'month');
      return `${javaPad4(1970 + Math.floor(m / 12))}-${String(((m % 12) + 12) % 12 + 1).padStart(2, '0')}`;
    }
    case 'day':
      return humanDay(toIntValue(value, 'day'));
    case 'hour': {
      const h = toIntValue(value, 'hour');
      const days = Math.floor(h / 24);
      return `${humanDay(days)}-${String(h - days * 24).padStart(2, '0')}`;
    }
    case 'bucket':
      return String(toIntValue(value, 'bucket'));
    case 'void':
      return 'null';
    case 'identity':
    case 'truncate':
      return humanValue(source, value);
    case 'unknown':
      return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : String(value);
  }
}

/** `%04d-%02d-%02d` of the day, as Java's `TransformUtil.humanDay` prints it. */
function humanDay(days: number): string {
  const c = civilFromDays(days);
  return `${javaPad4(c.year)}-${String(c.month).padStart(2, '0')}-${String(c.day).padStart(2, '0')}`;
}

function humanValue(type: PrimitiveType, value: unknown): string {
  switch (type.kind) {
    case 'date':
      return humanDay(toIntValue(value, 'date'));
    case 'time':
      return microsToJavaLocalTime(toBigIntValue(value, 'time'));
    case 'timestamp':
    case 'timestamptz':
      return formatTimestampNanos(toBigIntValue(value, type.kind) * 1000n, { fraction: 'trim', utc: type.kind === 'timestamptz' });
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return formatTimestampNanos(toBigIntValue(value, type.kind), { fraction: 'trim', utc: type.kind === 'timestamptz_ns' });
    case 'fixed':
    case 'binary':
      if (!(value instanceof Uint8Array)) break;
      return Buffer.from(value).toString('base64');
    case 'float':
      if (typeof value !== 'number') break;
      return javaFloatToString(value);
    case 'double':
      if (typeof value !== 'number') break;
      return javaDoubleToString(value);
    case 'decimal':
      return decimalToString(toBigIntValue(value, 'decimal'), type.scale);
    case 'uuid':
      if (typeof value !== 'string') break;
      return normalizeUuid(value);
    case 'int':
      return String(toIntValue(value, 'int'));
    case 'long':
      return String(toBigIntValue(value, 'long'));
    case 'boolean':
    case 'string':
      return String(value);
    default:
      if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
      return String(value);
  }
  throw new LakeError('INVALID_INPUT', `cannot format ${typeof value} as ${primitiveToString(type)}`);
}

/** Java's `Double.toString` (JDK 19+: shortest digits that round-trip, at least two). */
export function javaDoubleToString(v: number): string {
  if (!Number.isFinite(v) || v === 0) return specialJava(v);
  let digits = v.toExponential();
  if (!/\d\.\d/.test(digits)) digits = v.toExponential(1);
  return javaFormat(digits);
}

/** Java's `Float.toString` of a float32 value (shortest digits that round-trip as float32). */
export function javaFloatToString(v: number): string {
  const f = Math.fround(v);
  if (!Number.isFinite(f) || f === 0) return specialJava(f);
  let p = 1;
  while (p < 9 && Math.fround(Number(f.toPrecision(p))) !== f) p++;
  return javaFormat(f.toExponential(Math.max(p, 2) - 1));
}

function specialJava(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return Object.is(v, -0) ? '-0.0' : '0.0';
}

/** Formats JS exponential notation (`-1.2345e+7`) the way Java prints doubles. */
function javaFormat(exponential: string): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exponential)!;
  const sign = m[1]!;
  const digits = (m[2]! + (m[3] ?? '')).replace(/0+$/, '') || '0';
  const exp = Number(m[4]);
  if (exp >= -3 && exp < 7) {
    // Plain notation for 1e-3 <= |v| < 1e7, with at least one fraction digit.
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1) || '0';
      return `${sign}${intPart}.${frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exp}`;
}

/**
 * Default name of a partition field created with a new spec (Java's `PartitionSpec.Builder`, used
 * by Spark and Trino at table creation): identity keeps the source name, `id_bucket`, `name_trunc`,
 * `ts_year`, `ts_month`, `ts_day`, `ts_hour`, `col_null` for void.
 */
export function defaultPartitionName(t: Transform, sourceName: string): string {
  switch (t.kind) {
    case 'identity':
      return sourceName;
    case 'bucket':
      return `${sourceName}_bucket`;
    case 'truncate':
      return `${sourceName}_trunc`;
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
      return `${sourceName}_${t.kind}`;
    case 'void':
      return `${sourceName}_null`;
    case 'unknown':
      throw new LakeError('INVALID_INPUT', `cannot name a partition field with unknown transform "${t.text}"`);
  }
}

/**
 * Default name of a partition field added by partition evolution (Java's `UpdatePartitionSpec`):
 * as `defaultPartitionName`, but bucket and truncate carry their parameter (`id_bucket_16`,
 * `name_trunc_4`).
 */
export function evolvedPartitionName(t: Transform, sourceName: string): string {
  if (t.kind === 'bucket') return `${sourceName}_bucket_${t.n}`;
  if (t.kind === 'truncate') return `${sourceName}_trunc_${t.width}`;
  return defaultPartitionName(t, sourceName);
}
