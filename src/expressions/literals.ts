/**
 * Literal conversion: a user's literal to a column's type, exactly.
 *
 * Follows the conversions of Iceberg's reference implementation (`Literals`): integers convert to
 * every numeric type and to date (days), time and timestamps (microseconds, also for `_ns` columns);
 * strings convert to every type they can spell (ISO dates and timestamps, decimals, uuids, hex
 * bytes); a value beyond the column's range is "above max" / "below min" so that binding turns
 * the predicate into a constant (`int_col < 3000000000` is true for every non-null value).
 *
 * Where the reference implementation would round (a decimal literal with more digits than the
 * column's scale, a timestamp finer than the column's precision, a fraction against an integer
 * column, a timestamp against a date column) lake keeps the comparison exact instead: the literal
 * lies `between` two neighbouring column values and the binder rewrites the predicate
 * (`x < 2.5` on an int column is `x <= 2`, `x = 2.5` is false). Float columns round to the
 * nearest float as the reference implementation does, so that `f = 0.1` finds a stored `0.1f`.
 */
import { LakeError } from '../errors.js';
import {
  MICROS_PER_DAY,
  NANOS_PER_DAY,
  NANOS_PER_MICRO,
  daysToIsoDate,
  floorDiv,
  formatTimestampNanos,
  isoDateToDays,
  isoTimeToMicros,
  microsToIsoTime,
  parseIsoTimestamp,
} from '../spec/date-time.js';
import { decimalToPlainString } from '../spec/single-value.js';
import { type PrimitiveType, primitiveToString } from '../spec/types.js';
import type { LiteralValue, TypedLiteral } from './expression.js';

export type Conversion =
  /** The literal is exactly this value of the column's type. */
  | { readonly kind: 'exact'; readonly value: unknown }
  /** The literal lies strictly between two neighbouring values of the column's type. */
  | { readonly kind: 'between'; readonly below: unknown; readonly above: unknown }
  /** The literal is above every value of the column's type. */
  | { readonly kind: 'aboveMax' }
  /** The literal is below every value of the column's type. */
  | { readonly kind: 'belowMin' };

const ABOVE_MAX: Conversion = Object.freeze({ kind: 'aboveMax' });
const BELOW_MIN: Conversion = Object.freeze({ kind: 'belowMin' });

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const FLOAT_MAX = 3.4028234663852886e38;

/** An exact decimal number: unscaled * 10^-scale (scale may be negative after an exponent). */
interface Decimal {
  unscaled: bigint;
  scale: number;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses decimal text (`-12.50`, `.5`, `1e-3`) exactly, or returns undefined. */
export function parseDecimalText(text: string): { unscaled: bigint; scale: number } | undefined {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) return undefined;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart === '' && fracPart === '') return undefined;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 10000) return undefined;
  let unscaled = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, '') || '0');
  if (m[1] === '-') unscaled = -unscaled;
  return { unscaled, scale: fracPart.length - exp };
}

/** Human form of a literal for messages (`'abc'`, `DATE '2024-01-01'`, `X'0A'`). */
export function describeLiteral(v: LiteralValue): string {
  if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return `X'${hex(v)}'`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (v.kind === 'decimal') return v.text;
  return `${v.kind.toUpperCase()} '${v.text}'`;
}

function literalKind(v: LiteralValue): string {
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'bigint') return 'an integer';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  if (v instanceof Uint8Array) return 'binary';
  if (v instanceof Date) return 'a timestamp';
  return v.kind === 'decimal' ? 'a number' : `a ${v.kind}`;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s.toUpperCase();
}

/** Error for a literal that has no meaning in the column's type. */
export function mismatch(column: string, type: PrimitiveType, v: LiteralValue, why?: string): LakeError {
  const t = primitiveToString(type);
  return new LakeError(
    'INVALID_INPUT',
    `cannot compare column "${column}" of type ${t} with ${describeLiteral(v)} (${literalKind(v)})${why ? `: ${why}` : ''}`,
    { context: { column, type: t, literal: describeLiteral(v) } },
  );
}

/**
 * Converts a literal to `type` (the type of column `column`, named in errors).
 * Throws LakeError INVALID_INPUT when the literal cannot mean a value of that type.
 */
export function convertLiteral(v: LiteralValue, type: PrimitiveType, column: string): Conversion {
  if (v === null || v === undefined) {
    throw new LakeError('INVALID_INPUT', `cannot compare column "${column}" with NULL; use IS NULL or IS NOT NULL`, { context: { column } });
  }
  const fail = (why?: string): never => {
    throw mismatch(column, type, v, why);
  };
  if ((typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && /^\s*[+-]?nan\s*$/i.test(v) && (type.kind === 'float' || type.kind === 'double'))) {
    throw new LakeError('INVALID_INPUT', `cannot compare column "${column}" with NaN; use IS NAN or IS NOT NAN`, { context: { column } });
  }
  switch (type.kind) {
    case 'boolean':
      if (typeof v === 'boolean') return exact(v);
      if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return exact(v.trim().toLowerCase() === 'true');
      return fail();
    case 'int':
    case 'long': {
      const d = numericOf(v) ?? fail();
      if (d === 'inf' || d === '-inf') return d === 'inf' ? ABOVE_MAX : BELOW_MIN;
      const c = toInteger(d);
      return type.kind === 'int' ? inRange(c, INT32_MIN, INT32_MAX, Number) : inRange(c, INT64_MIN, INT64_MAX);
    }
    case 'float':
    case 'double': {
      const n = floatOf(v) ?? fail();
      if (type.kind === 'double' || !Number.isFinite(n)) return exact(n);
      if (n > FLOAT_MAX) return { kind: 'between', below: FLOAT_MAX, above: Infinity };
      if (n < -FLOAT_MAX) return { kind: 'between', below: -Infinity, above: -FLOAT_MAX };
      return exact(Math.fround(n));
    }
    case 'decimal': {
      const d = numericOf(v) ?? fail();
      if (d === 'inf' || d === '-inf') return d === 'inf' ? ABOVE_MAX : BELOW_MIN;
      const limit = 10n ** BigInt(type.precision) - 1n;
      return inRange(rescale(d, type.scale), -limit, limit);
    }
    case 'date':
      return dateOf(v, type, column);
    case 'time': {
      if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
        return inRange(exact(BigInt(v)), 0n, MICROS_PER_DAY - 1n);
      }
      const text = textOf(v, 'time');
      if (text === undefined) return fail();
      try {
        return exact(isoTimeToMicros(text));
      } catch (e) {
        return fail(errorText(e));
      }
    }
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return timestampOf(v, type, column);
    case 'string':
      if (typeof v === 'string') return exact(v);
      return fail('string columns compare with quoted strings');
    case 'uuid': {
      if (v instanceof Uint8Array) {
        if (v.length !== 16) return fail('a uuid has 16 bytes');
        const h = hex(v).toLowerCase();
        return exact(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
      }
      const text = textOf(v, 'uuid');
      if (text === undefined) return fail();
      const t = text.trim().toLowerCase();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(t)) return fail('expected a uuid such as 123e4567-e89b-12d3-a456-426614174000');
      return exact(t);
    }
    case 'fixed':
    case 'binary': {
      let bytes: Uint8Array;
      if (v instanceof Uint8Array) bytes = v;
      else if (typeof v === 'string') bytes = parseHex(v) ?? fail("binary literals are written as hex: X'0A1B' or '0a1b'");
      else return fail();
      if (type.kind === 'fixed' && bytes.length !== type.length) return fail(`a ${primitiveToString(type)} value has ${type.length} bytes, this literal has ${bytes.length}`);
      return exact(bytes);
    }
    default:
      throw new LakeError('UNSUPPORTED_FEATURE', `filters on column "${column}" of type ${primitiveToString(type)} support only IS NULL and IS NOT NULL`, {
        context: { column, type: primitiveToString(type) },
      });
  }
}

function exact(value: unknown): Conversion {
  return { kind: 'exact', value };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function parseHex(s: string): Uint8Array | undefined {
  const t = s.trim();
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) return undefined;
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Text of a string literal or of a typed literal of the accepted kind. */
function textOf(v: LiteralValue, kind: TypedLiteral['kind']): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date) && v.kind === kind) return v.text;
  return undefined;
}

/** A numeric literal as an exact decimal, or an infinity; undefined when it is not numeric. */
function numericOf(v: LiteralValue): Decimal | 'inf' | '-inf' | undefined {
  if (typeof v === 'bigint') return { unscaled: v, scale: 0 };
  if (typeof v === 'number') {
    if (v === Infinity) return 'inf';
    if (v === -Infinity) return '-inf';
    // the shortest text that reads back as this double: what the user wrote, in practice
    return parseDecimalText(String(v));
  }
  if (typeof v === 'string') {
    const inf = infinityOf(v);
    if (inf !== undefined) return inf > 0 ? 'inf' : '-inf';
    return parseDecimalText(v);
  }
  if (typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date) && v.kind === 'decimal') return parseDecimalText(v.text);
  return undefined;
}

function infinityOf(s: string): number | undefined {
  const m = /^([+-]?)(inf|infinity)$/i.exec(s.trim());
  if (!m) return undefined;
  return m[1] === '-' ? -Infinity : Infinity;
}

function floatOf(v: LiteralValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    if (/^[+-]?nan$/i.test(v.trim())) return undefined;
    const inf = infinityOf(v);
    if (inf !== undefined) return inf;
    return parseDecimalText(v) === undefined ? undefined : Number(v.trim());
  }
  if (typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date) && v.kind === 'decimal') {
    return parseDecimalText(v.text) === undefined ? undefined : Number(v.text.trim());
  }
  return undefined;
}

/** Exact integer, or the two integers around a fraction. */
function toInteger(d: Decimal): Conversion {
  return rescale(d, 0);
}

/** The decimal at `scale`: exact when no non-zero digit is lost, else the neighbours. */
function rescale(d: Decimal, scale: number): Conversion {
  if (d.scale <= scale) return exact(d.unscaled * 10n ** BigInt(scale - d.scale));
  const div = 10n ** BigInt(d.scale - scale);
  const q = floorDiv(d.unscaled, div);
  if (q * div === d.unscaled) return exact(q);
  return { kind: 'between', below: q, above: q + 1n };
}

/** Applies a range to an exact or between conversion of bigints; `out` maps the result values. */
function inRange(c: Conversion, min: bigint, max: bigint, out: (b: bigint) => unknown = (b) => b): Conversion {
  if (c.kind === 'exact') {
    const x = c.value as bigint;
    if (x > max) return ABOVE_MAX;
    if (x < min) return BELOW_MIN;
    return exact(out(x));
  }
  if (c.kind === 'between') {
    const below = c.below as bigint;
    const above = c.above as bigint;
    if (below >= max) return ABOVE_MAX;
    if (above <= min) return BELOW_MIN;
    return { kind: 'between', below: out(below), above: out(above) };
  }
  return c;
}

function isTypedText(v: LiteralValue, ...kinds: TypedLiteral['kind'][]): v is TypedLiteral {
  return typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date) && kinds.includes(v.kind);
}

function dateOf(v: LiteralValue, type: PrimitiveType, column: string): Conversion {
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
    return inRange(exact(BigInt(v)), INT32_MIN, INT32_MAX, Number);
  }
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) throw mismatch(column, type, v);
    return instantToDays(BigInt(ms) * 1_000_000n);
  }
  const text = typeof v === 'string' ? v : isTypedText(v, 'date', 'timestamp', 'timestamptz') ? v.text : undefined;
  if (text === undefined) throw mismatch(column, type, v);
  if (!isTypedText(v, 'timestamp', 'timestamptz') && /^\s*[+-]?\d+-\d+-\d+\s*$/.test(text)) {
    try {
      return exact(isoDateToDays(text));
    } catch (e) {
      throw mismatch(column, type, v, errorText(e));
    }
  }
  try {
    return instantToDays(parseIsoTimestamp(text).nanos);
  } catch (e) {
    throw mismatch(column, type, v, errorText(e));
  }
}

function instantToDays(nanos: bigint): Conversion {
  const day = floorDiv(nanos, NANOS_PER_DAY);
  const c: Conversion = day * NANOS_PER_DAY === nanos ? exact(day) : { kind: 'between', below: day, above: day + 1n };
  return inRange(c, INT32_MIN, INT32_MAX, Number);
}

function timestampOf(v: LiteralValue, type: PrimitiveType, column: string): Conversion {
  const nanosType = type.kind === 'timestamp_ns' || type.kind === 'timestamptz_ns';
  const zoned = type.kind === 'timestamptz' || type.kind === 'timestamptz_ns';
  let nanos: bigint;
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
    // integers are microseconds, also for nanosecond columns (as in the reference implementation)
    nanos = BigInt(v) * NANOS_PER_MICRO;
  } else if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) throw mismatch(column, type, v);
    nanos = BigInt(ms) * 1_000_000n;
  } else {
    const text = typeof v === 'string' ? v : isTypedText(v, 'date', 'timestamp', 'timestamptz') ? v.text : undefined;
    if (text === undefined) throw mismatch(column, type, v);
    try {
      if (/^\s*[+-]?\d+-\d+-\d+\s*$/.test(text)) {
        nanos = BigInt(isoDateToDays(text)) * NANOS_PER_DAY;
      } else {
        const p = parseIsoTimestamp(text);
        if (!zoned && p.offsetSeconds !== undefined && p.offsetSeconds !== 0) {
          throw new Error(`column "${column}" is a timestamp without time zone; write the local time without an offset`);
        }
        nanos = p.nanos;
      }
    } catch (e) {
      throw mismatch(column, type, v, errorText(e));
    }
  }
  if (nanosType) return inRange(exact(nanos), INT64_MIN, INT64_MAX);
  const micros = floorDiv(nanos, NANOS_PER_MICRO);
  const c: Conversion = micros * NANOS_PER_MICRO === nanos ? exact(micros) : { kind: 'between', below: micros, above: micros + 1n };
  return inRange(c, INT64_MIN, INT64_MAX);
}

/**
 * Renders a value of `type` (lake's in-memory representation) as text for messages:
 * ISO dates and timestamps, decimal text, hex bytes.
 */
export function formatValue(type: PrimitiveType, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (type.kind) {
    case 'date':
      return daysToIsoDate(value as number);
    case 'time':
      return microsToIsoTime(BigInt(value as bigint));
    case 'timestamp':
    case 'timestamptz':
      return formatTimestampNanos(BigInt(value as bigint) * NANOS_PER_MICRO, { fraction: 'trim', utc: type.kind === 'timestamptz' });
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return formatTimestampNanos(BigInt(value as bigint), { fraction: 'trim', utc: type.kind === 'timestamptz_ns' });
    case 'decimal':
      return decimalToPlainString(BigInt(value as bigint), type.scale);
    case 'fixed':
    case 'binary':
      return value instanceof Uint8Array ? hex(value) : String(value);
    default:
      return String(value);
  }
}
