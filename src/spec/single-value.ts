/**
 * Single values (spec Appendix D): the binary form used for bounds and partition summaries, the
 * JSON form used for defaults, and Iceberg's ordering of values of each type. Values are in lake's
 * in-memory representation (see the header of types.ts).
 */
import { LakeError } from '../errors.js';
import {
  daysToIsoDate,
  daysToMicros,
  daysToNanos,
  isoDateToDays,
  isoTimeToMicros,
  isoTimestampToMicros,
  isoTimestampToNanos,
  isoTimestamptzToMicros,
  isoTimestamptzToNanos,
  microsToIsoTime,
  microsToIsoTimestamp,
  microsToIsoTimestamptz,
  nanosToIsoTimestamp,
  nanosToIsoTimestamptz,
} from './date-time.js';
import { type IcebergType, type PrimitiveType, isPrimitive, primitiveToString, typeToString } from './types.js';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function invalid(message: string): LakeError {
  return new LakeError('INVALID_INPUT', message);
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `bytes[${v.length}]`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  if (v instanceof Map) return 'a Map';
  if (Array.isArray(v)) return 'an array';
  return `${typeof v} ${String(v)}`;
}

// ---- value coercion ----

/** A 32-bit integer value (int, date) from a number or bigint; throws on anything else. */
export function toIntValue(v: unknown, what = 'int'): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX) return v;
  if (typeof v === 'bigint' && v >= BigInt(INT32_MIN) && v <= BigInt(INT32_MAX)) return Number(v);
  throw invalid(`expected a 32-bit integer for ${what}, got ${show(v)}`);
}

/** A 64-bit integer value (long, time, timestamps, decimal unscaled) from a bigint or a safe integer. */
export function toBigIntValue(v: unknown, what = 'long'): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw invalid(`expected a bigint for ${what}, got ${show(v)}`);
}

function toLongValue(v: unknown, what: string): bigint {
  const b = toBigIntValue(v, what);
  if (b < INT64_MIN || b > INT64_MAX) throw invalid(`${what} value ${b} does not fit in 64 bits`);
  return b;
}

// ---- UTF-8 ----

const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string; unpaired surrogates become `?`, as Java's encoder writes them. */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(ANY_SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '?') : s);
}

/** Decodes UTF-8, refusing malformed input. */
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch (e) {
    throw new LakeError('INVALID_METADATA', 'string value is not valid UTF-8', { cause: e });
  }
}

// ---- hex ----

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw invalid(`invalid hexadecimal string ${show(hex)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// ---- UUID ----

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The canonical (lowercase, dashed) form of a UUID string; throws when it is not one. */
export function normalizeUuid(s: string): string {
  if (!UUID_RE.test(s)) throw invalid(`invalid UUID ${show(s)}`);
  return s.toLowerCase();
}

/** 16 big-endian bytes of a UUID (spec Appendix B note 4). */
export function uuidToBytes(s: string): Uint8Array {
  return hexToBytes(normalizeUuid(s).replace(/-/g, ''));
}

export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new LakeError('INVALID_METADATA', `a UUID needs 16 bytes, got ${bytes.length}`);
  const h = bytesToHex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---- decimals ----

/** Minimal two's-complement big-endian bytes of an integer (Java's `BigInteger.toByteArray`). */
export function decimalToBytes(unscaled: bigint): Uint8Array {
  const out: number[] = [];
  let n = unscaled;
  for (;;) {
    const byte = Number(n & 0xffn);
    out.push(byte);
    n >>= 8n;
    if ((n === 0n && (byte & 0x80) === 0) || (n === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out.reverse());
}

/** Two's-complement big-endian bytes of any length to an integer. */
export function decimalFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw new LakeError('INVALID_METADATA', 'a decimal value needs at least one byte');
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes[0]! & 0x80) n -= 1n << BigInt(8 * bytes.length);
  return n;
}

/** Bytes of the Avro `fixed` that holds any decimal of this precision (Java's `decimalRequiredBytes`). */
export function decimalRequiredBytes(precision: number): number {
  if (!Number.isInteger(precision) || precision < 1 || precision > 38) throw invalid(`invalid decimal precision ${precision}`);
  const max = 10n ** BigInt(precision) - 1n;
  let n = 1;
  while ((1n << BigInt(8 * n - 1)) <= max) n++;
  return n;
}

/** The unscaled value sign-extended to exactly `size` big-endian bytes (Avro `fixed` decimals). */
export function decimalToFixedBytes(unscaled: bigint, size: number): Uint8Array {
  const minimal = decimalToBytes(unscaled);
  if (minimal.length > size) throw invalid(`decimal unscaled value ${unscaled} does not fit in ${size} bytes`);
  const out = new Uint8Array(size).fill(unscaled < 0n ? 0xff : 0);
  out.set(minimal, size - minimal.length);
  return out;
}

/** Throws unless the unscaled value has at most `precision` digits. */
export function checkDecimalPrecision(unscaled: bigint, precision: number, scale: number): void {
  const abs = unscaled < 0n ? -unscaled : unscaled;
  if (abs >= 10n ** BigInt(precision)) {
    throw invalid(`value ${decimalToPlainString(unscaled, scale)} does not fit decimal(${precision},${scale})`);
  }
}

/** Plain decimal notation (Java's `BigDecimal.toPlainString`): `14.20`, `-0.05`, `200` for scale -2. */
export function decimalToPlainString(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  if (scale <= 0) {
    if (unscaled !== 0n) digits += '0'.repeat(-scale);
    return (neg ? '-' : '') + digits;
  }
  digits = digits.padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
}

/**
 * Java's `BigDecimal.toString`: plain when the scale is not negative and the adjusted exponent is
 * at least -6, otherwise scientific with the exponent always signed (`2E+20`, `1.5E-7`).
 */
export function decimalToString(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const coeff = (neg ? -unscaled : unscaled).toString();
  const adjusted = coeff.length - 1 - scale;
  if (scale >= 0 && adjusted >= -6) return decimalToPlainString(unscaled, scale);
  const mantissa = coeff.length > 1 ? `${coeff[0]}.${coeff.slice(1)}` : coeff;
  return `${neg ? '-' : ''}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses decimal text (`14.20`, `-3`, `2E+20`, `1.5e-3`) to an unscaled value at `scale`. Text
 * with fewer fraction digits is scaled up; more digits are accepted only if they are zeros, so a
 * value is never rounded.
 */
export function parseDecimal(text: string, scale: number): bigint {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) throw invalid(`invalid decimal ${show(text)}`);
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  let unscaled = BigInt(`${intPart}${fracPart}` || '0');
  const textScale = fracPart.length - exp;
  if (textScale <= scale) {
    unscaled *= 10n ** BigInt(scale - textScale);
  } else {
    const div = 10n ** BigInt(textScale - scale);
    if (unscaled % div !== 0n) throw invalid(`decimal ${show(text)} has more than ${scale} fraction digits`);
    unscaled /= div;
  }
  return m[1] === '-' ? -unscaled : unscaled;
}

// ---- binary single-value form ----

function le(size: number): [Uint8Array, DataView] {
  const b = new Uint8Array(size);
  return [b, new DataView(b.buffer)];
}

function encodeInt(v: number): Uint8Array {
  const [b, dv] = le(4);
  dv.setInt32(0, v, true);
  return b;
}

function encodeLong(v: bigint): Uint8Array {
  const [b, dv] = le(8);
  dv.setBigInt64(0, v, true);
  return b;
}

/**
 * Appendix D binary form of a value: little-endian ints, longs, floats and doubles, UTF-8 strings,
 * 16 big-endian bytes for UUIDs, minimal two's-complement big-endian bytes for decimals, raw bytes
 * for fixed, binary, geometry and geography.
 */
export function encodeValue(type: PrimitiveType, value: unknown): Uint8Array {
  if (value === null || value === undefined) throw invalid(`cannot encode a null ${primitiveToString(type)} value`);
  switch (type.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') break;
      return Uint8Array.of(value ? 1 : 0);
    case 'int':
    case 'date':
      return encodeInt(toIntValue(value, type.kind));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return encodeLong(toLongValue(value, type.kind));
    case 'float': {
      if (typeof value !== 'number') break;
      const [b, dv] = le(4);
      dv.setFloat32(0, value, true);
      return b;
    }
    case 'double': {
      if (typeof value !== 'number') break;
      const [b, dv] = le(8);
      dv.setFloat64(0, value, true);
      return b;
    }
    case 'decimal': {
      const unscaled = toBigIntValue(value, 'decimal');
      checkDecimalPrecision(unscaled, type.precision, type.scale);
      return decimalToBytes(unscaled);
    }
    case 'string':
      if (typeof value !== 'string') break;
      return utf8Bytes(value);
    case 'uuid':
      if (typeof value !== 'string') break;
      return uuidToBytes(value);
    case 'fixed':
      if (!(value instanceof Uint8Array)) break;
      if (value.length !== type.length) throw invalid(`fixed[${type.length}] value has ${value.length} bytes`);
      return value.slice();
    case 'binary':
    case 'geometry':
    case 'geography':
      if (!(value instanceof Uint8Array)) break;
      return value.slice();
    case 'unknown':
    case 'variant':
      throw new LakeError('UNSUPPORTED_FEATURE', `type ${type.kind} has no binary single-value form`);
  }
  throw invalid(`cannot encode ${show(value)} as ${primitiveToString(type)}`);
}

function badLength(type: PrimitiveType, bytes: Uint8Array, expected: string): LakeError {
  return new LakeError(
    'INVALID_METADATA',
    `a ${primitiveToString(type)} value needs ${expected} bytes, got ${bytes.length} (${bytesToHex(bytes.subarray(0, 32))})`,
  );
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** An 8-byte long, or a 4-byte value of the type it was promoted from (int, date), widened. */
function longOrPromoted(type: PrimitiveType, bytes: Uint8Array, widen: (v: number) => bigint): bigint {
  if (bytes.length === 4) return widen(view(bytes).getInt32(0, true));
  if (bytes.length !== 8) throw badLength(type, bytes, '4 or 8');
  return view(bytes).getBigInt64(0, true);
}

/**
 * Decodes the Appendix D binary form. Bounds written before a type promotion decode as the
 * promoted type (spec "Schema Evolution"): 4 bytes for `long` are an int, 4 bytes for `double` a
 * float, 4 bytes for `timestamp`/`timestamp_ns` a date (start of that day), and decimals of any
 * length. `unknown` decodes to null.
 */
export function decodeValue(type: PrimitiveType, bytes: Uint8Array): unknown {
  const n = bytes.length;
  switch (type.kind) {
    case 'unknown':
      return null;
    case 'boolean':
      if (n !== 1) throw badLength(type, bytes, '1');
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      if (n !== 4) throw badLength(type, bytes, '4');
      return view(bytes).getInt32(0, true);
    case 'long':
      return longOrPromoted(type, bytes, BigInt);
    case 'time':
    case 'timestamptz':
    case 'timestamptz_ns':
      if (n !== 8) throw badLength(type, bytes, '8');
      return view(bytes).getBigInt64(0, true);
    case 'timestamp':
      return longOrPromoted(type, bytes, daysToMicros);
    case 'timestamp_ns':
      return longOrPromoted(type, bytes, daysToNanos);
    case 'float':
      if (n !== 4) throw badLength(type, bytes, '4');
      return view(bytes).getFloat32(0, true);
    case 'double':
      if (n === 4) return view(bytes).getFloat32(0, true);
      if (n !== 8) throw badLength(type, bytes, '4 or 8');
      return view(bytes).getFloat64(0, true);
    case 'decimal':
      return decimalFromBytes(bytes);
    case 'string':
      return utf8Decode(bytes);
    case 'uuid':
      return uuidFromBytes(bytes);
    case 'fixed':
    case 'binary':
    case 'geometry':
    case 'geography':
      return bytes.slice();
    case 'variant':
      throw new LakeError('UNSUPPORTED_FEATURE', 'variant bounds are not supported');
  }
}

// ---- ordering ----

function cmp<T extends number | bigint | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const nanScratch = new DataView(new ArrayBuffer(8));

function signBit(x: number): boolean {
  nanScratch.setFloat64(0, x);
  return (nanScratch.getUint8(0) & 0x80) !== 0;
}

/** Spec sort order for floats: -NaN < -Infinity < -value < -0 < 0 < value < Infinity < NaN. */
export function compareFloats(a: number, b: number): number {
  const aNaN = a !== a;
  const bNaN = b !== b;
  if (aNaN || bNaN) {
    const ra = aNaN ? (signBit(a) ? -1 : 1) : 0;
    const rb = bNaN ? (signBit(b) ? -1 : 1) : 0;
    return cmp(ra, rb);
  }
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === 0) {
    const na = Object.is(a, -0);
    const nb = Object.is(b, -0);
    return na === nb ? 0 : na ? -1 : 1;
  }
  return 0;
}

/**
 * Strings in Unicode code point order, which is also UTF-8 byte order. JS compares UTF-16 code
 * units, which puts U+E000..U+FFFF after supplementary characters; lifting surrogates above that
 * range restores code point order.
 */
export function compareStrings(a: string, b: string): number {
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x < y ? -1 : 1;
  }
  return cmp(a.length, b.length);
}

/** Unsigned lexicographic byte order; a prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return cmp(a.length, b.length);
}

/**
 * UUIDs in the order of their 16 big-endian bytes, unsigned (RFC 9562, and the order Parquet uses
 * for the min/max statistics that become Iceberg bounds). The canonical lowercase strings sort the
 * same way.
 */
export function compareUuids(a: string, b: string): number {
  return cmp(a.toLowerCase(), b.toLowerCase());
}

/**
 * The order of `java.util.UUID.compareTo`: most- then least-significant 64 bits, each as a SIGNED
 * long. Java Iceberg compares UUID bounds and partition summaries this way, so metadata written by
 * it may carry min/max chosen in this order; filters on uuid columns stay correct only when they
 * accept a file that either order would accept.
 */
export function compareUuidsSigned(a: string, b: string): number {
  const ha = normalizeUuid(a).replace(/-/g, '');
  const hb = normalizeUuid(b).replace(/-/g, '');
  const s = (h: string, i: number): bigint => BigInt.asIntN(64, BigInt(`0x${h.slice(i, i + 16)}`));
  return cmp(s(ha, 0), s(hb, 0)) || cmp(s(ha, 16), s(hb, 16));
}

/**
 * Iceberg's ordering of two non-null values of a primitive type: numbers and temporal values
 * numerically, floats in the spec's total order, strings by code point, uuid/fixed/binary by
 * unsigned bytes, false < true. Returns a negative number, zero or a positive number.
 */
export function compareValues(type: PrimitiveType, a: unknown, b: unknown): number {
  switch (type.kind) {
    case 'boolean':
      if (typeof a !== 'boolean' || typeof b !== 'boolean') break;
      return cmp(Number(a), Number(b));
    case 'int':
    case 'date':
      if (typeof a === 'number' && typeof b === 'number') return cmp(a, b);
      return cmp(toIntValue(a, type.kind), toIntValue(b, type.kind));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'decimal':
      if (typeof a === 'bigint' && typeof b === 'bigint') return cmp(a, b);
      return cmp(toBigIntValue(a, type.kind), toBigIntValue(b, type.kind));
    case 'float':
    case 'double':
      if (typeof a !== 'number' || typeof b !== 'number') break;
      return compareFloats(a, b);
    case 'string':
      if (typeof a !== 'string' || typeof b !== 'string') break;
      return compareStrings(a, b);
    case 'uuid':
      if (typeof a !== 'string' || typeof b !== 'string') break;
      return compareUuids(a, b);
    case 'fixed':
    case 'binary':
      if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) break;
      return compareBytes(a, b);
    case 'unknown':
    case 'variant':
    case 'geometry':
    case 'geography':
      throw new LakeError('UNSUPPORTED_FEATURE', `values of type ${type.kind} have no order`);
  }
  throw invalid(`cannot compare ${show(a)} and ${show(b)} as ${primitiveToString(type)}`);
}

// ---- JSON single-value form ----

function jsonNumber(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  // Jackson writes non-finite numbers as these strings.
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw invalid(`expected a JSON number for ${what}, got ${show(v)}`);
}

function jsonString(v: unknown, type: IcebergType): string {
  if (typeof v !== 'string') throw invalid(`expected a JSON string for ${typeToString(type)}, got ${show(v)}`);
  return v;
}

function floatToJson(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/**
 * The Appendix D JSON form of a value. Longs (and time/timestamp values' inputs) come out as
 * bigint where the JSON form is a number, so the JSON writer must print bigint as a plain number;
 * decimals are strings with exactly `scale` fraction digits (`2E+20` for a negative scale);
 * fixed/binary are lowercase hex; structs are objects keyed by field id (null fields omitted);
 * maps are `{keys, values}`. Null is null.
 */
export function valueToJson(type: IcebergType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (!isPrimitive(type)) return nestedToJson(type, value);
  switch (type.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') break;
      return value;
    case 'int':
      return toIntValue(value, 'int');
    case 'long':
      return toLongValue(value, 'long');
    case 'float':
      if (typeof value !== 'number') break;
      return floatToJson(Math.fround(value));
    case 'double':
      if (typeof value !== 'number') break;
      return floatToJson(value);
    case 'decimal': {
      const unscaled = toBigIntValue(value, 'decimal');
      checkDecimalPrecision(unscaled, type.precision, type.scale);
      return type.scale >= 0 ? decimalToPlainString(unscaled, type.scale) : decimalToString(unscaled, type.scale);
    }
    case 'date':
      return daysToIsoDate(toIntValue(value, 'date'));
    case 'time':
      return microsToIsoTime(toLongValue(value, 'time'));
    case 'timestamp':
      return microsToIsoTimestamp(toLongValue(value, 'timestamp'));
    case 'timestamptz':
      return microsToIsoTimestamptz(toLongValue(value, 'timestamptz'));
    case 'timestamp_ns':
      return nanosToIsoTimestamp(toLongValue(value, 'timestamp_ns'));
    case 'timestamptz_ns':
      return nanosToIsoTimestamptz(toLongValue(value, 'timestamptz_ns'));
    case 'string':
      if (typeof value !== 'string') break;
      return value;
    case 'uuid':
      if (typeof value !== 'string') break;
      return normalizeUuid(value);
    case 'fixed':
      if (!(value instanceof Uint8Array)) break;
      if (value.length !== type.length) throw invalid(`fixed[${type.length}] value has ${value.length} bytes`);
      return bytesToHex(value);
    case 'binary':
      if (!(value instanceof Uint8Array)) break;
      return bytesToHex(value);
    case 'unknown':
    case 'variant':
      throw invalid(`a ${type.kind} value must be null`);
    case 'geometry':
    case 'geography':
      throw new LakeError('UNSUPPORTED_FEATURE', `JSON (WKT) values of type ${type.kind} are not supported yet`);
  }
  throw invalid(`cannot write ${show(value)} as a ${primitiveToString(type)} JSON value`);
}

function nestedToJson(type: Exclude<IcebergType, PrimitiveType>, value: unknown): unknown {
  switch (type.kind) {
    case 'struct': {
      const get = structGetter(value, type);
      const out: Record<string, unknown> = {};
      for (const f of type.fields) {
        const v = get(f.id);
        if (v !== null && v !== undefined) out[String(f.id)] = valueToJson(f.type, v);
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) throw invalid(`expected an array for ${typeToString(type)}, got ${show(value)}`);
      return value.map((e) => valueToJson(type.element, e));
    case 'map': {
      if (!(value instanceof Map)) throw invalid(`expected a Map for ${typeToString(type)}, got ${show(value)}`);
      const keys: unknown[] = [];
      const values: unknown[] = [];
      for (const [k, v] of value) {
        keys.push(valueToJson(type.key, k));
        values.push(valueToJson(type.value, v));
      }
      return { keys, values };
    }
  }
}

function structGetter(value: unknown, type: IcebergType): (id: number) => unknown {
  if (value instanceof Map) return (id) => value.get(id);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array)) {
    const o = value as Record<string, unknown>;
    return (id) => o[String(id)];
  }
  throw invalid(`expected a Map keyed by field id for ${typeToString(type)}, got ${show(value)}`);
}

/**
 * Reads the Appendix D JSON form into lake's value representation (structs become
 * `Map<fieldId, value>` holding the fields present, lists arrays, maps `Map`). Integers must be
 * exact: a JSON number beyond 2^53 must arrive as bigint from a bigint-preserving parser.
 */
export function valueFromJson(type: IcebergType, json: unknown): unknown {
  if (json === null || json === undefined) return null;
  if (!isPrimitive(type)) return nestedFromJson(type, json);
  switch (type.kind) {
    case 'boolean':
      if (typeof json !== 'boolean') throw invalid(`expected a JSON boolean, got ${show(json)}`);
      return json;
    case 'int':
      return toIntValue(json, 'int');
    case 'long':
      if (typeof json === 'number' && !Number.isSafeInteger(json)) {
        throw invalid(`long value ${json} is not an exact integer (parse JSON with bigint support)`);
      }
      return toLongValue(json, 'long');
    case 'float':
      return Math.fround(jsonNumber(json, 'float'));
    case 'double':
      return jsonNumber(json, 'double');
    case 'decimal': {
      const unscaled = parseDecimal(jsonString(json, type), type.scale);
      checkDecimalPrecision(unscaled, type.precision, type.scale);
      return unscaled;
    }
    case 'date':
      return isoDateToDays(jsonString(json, type));
    case 'time':
      return isoTimeToMicros(jsonString(json, type));
    case 'timestamp':
      return isoTimestampToMicros(jsonString(json, type));
    case 'timestamptz':
      return isoTimestamptzToMicros(jsonString(json, type));
    case 'timestamp_ns':
      return isoTimestampToNanos(jsonString(json, type));
    case 'timestamptz_ns':
      return isoTimestamptzToNanos(jsonString(json, type));
    case 'string':
      return jsonString(json, type);
    case 'uuid':
      return normalizeUuid(jsonString(json, type));
    case 'fixed': {
      const bytes = hexToBytes(jsonString(json, type));
      if (bytes.length !== type.length) throw invalid(`fixed[${type.length}] value has ${bytes.length} bytes`);
      return bytes;
    }
    case 'binary':
      return hexToBytes(jsonString(json, type));
    case 'unknown':
    case 'variant':
      throw invalid(`a ${type.kind} value must be null, got ${show(json)}`);
    case 'geometry':
    case 'geography':
      throw new LakeError('UNSUPPORTED_FEATURE', `JSON (WKT) values of type ${type.kind} are not supported yet`);
  }
}

function nestedFromJson(type: Exclude<IcebergType, PrimitiveType>, json: unknown): unknown {
  switch (type.kind) {
    case 'struct': {
      if (typeof json !== 'object' || Array.isArray(json)) throw invalid(`expected a JSON object for ${typeToString(type)}, got ${show(json)}`);
      const o = json as Record<string, unknown>;
      const out = new Map<number, unknown>();
      for (const f of type.fields) {
        const key = String(f.id);
        if (key in o) {
          const v = valueFromJson(f.type, o[key]);
          if (v !== null) out.set(f.id, v);
        }
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(json)) throw invalid(`expected a JSON array for ${typeToString(type)}, got ${show(json)}`);
      return json.map((e) => valueFromJson(type.element, e));
    case 'map': {
      const o = json as Record<string, unknown>;
      if (typeof json !== 'object' || !Array.isArray(o.keys) || !Array.isArray(o.values)) {
        throw invalid(`expected {"keys": [...], "values": [...]} for ${typeToString(type)}, got ${show(json)}`);
      }
      if (o.keys.length !== o.values.length) throw invalid(`map JSON has ${o.keys.length} keys but ${o.values.length} values`);
      const out = new Map<unknown, unknown>();
      o.keys.forEach((k, i) => out.set(valueFromJson(type.key, k), valueFromJson(type.value, (o.values as unknown[])[i])));
      return out;
    }
  }
}
