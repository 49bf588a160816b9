/**
 * 32-bit Murmur3 hash, x86 variant, seed 0 (spec Appendix B), and the per-type hash rules the
 * bucket transform uses. Results are signed 32-bit integers, as Java's `HashCode.asInt()` returns.
 */
import { LakeError } from '../errors.js';
import type { PrimitiveType } from './types.js';
import { nanosToMicros } from './date-time.js';
import { decimalToBytes, toBigIntValue, toIntValue, uuidToBytes } from './single-value.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Murmur3 x86 32-bit of a byte array with seed 0. */
export function murmur3Hash32(bytes: Uint8Array, seed = 0): number {
  return hashRange(bytes, bytes.length, seed);
}

/** Murmur3 of the first `len` bytes. */
function hashRange(bytes: Uint8Array, len: number, seed: number): number {
  let h = seed | 0;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    h = mixH(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  }
  const rem = len & 3;
  if (rem > 0) {
    let k = bytes[blocks]!;
    if (rem > 1) k ^= bytes[blocks + 1]! << 8;
    if (rem > 2) k ^= bytes[blocks + 2]! << 16;
    h ^= mixK(k);
  }
  return fmix(h, len);
}

/**
 * Hash of a long given as its low and high 32-bit halves (8 little-endian bytes). Exported for
 * callers that already hold a long as two 32-bit words (DuckDB vector memory), so no bigint is made.
 */
export function hashLongHalves(lo: number, hi: number): number {
  let h = mixH(0, lo | 0);
  h = mixH(h, hi | 0);
  return fmix(h, 8);
}

/** `hashLong(v)`: Murmur3 of the 8 little-endian bytes of a 64-bit integer. */
export function hashLong(v: bigint): number {
  const x = BigInt.asIntN(64, v);
  return hashLongHalves(Number(BigInt.asIntN(32, x)), Number(BigInt.asIntN(32, x >> 32n)));
}

/** `hashInt(v)`: ints hash as longs (spec Appendix B note 1), so promotion keeps bucket values. */
export function hashInt(v: number): number {
  return hashLongHalves(v | 0, v < 0 ? -1 : 0);
}

export function hashBytes(bytes: Uint8Array): number {
  return murmur3Hash32(bytes);
}

let utf8Scratch = new Uint8Array(256);

/**
 * Murmur3 of the UTF-8 bytes of the string, unpaired surrogates encoded as `?` as Java does.
 * Encodes into a reused buffer: bucketing strings is on the write path of every row.
 */
export function hashString(s: string): number {
  if (utf8Scratch.length < s.length * 3) utf8Scratch = new Uint8Array(s.length * 3 + 64);
  const out = utf8Scratch;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      const d = c <= 0xdbff && i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if ((d & 0xfc00) === 0xdc00) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        out[n++] = 0xf0 | (cp >> 18);
        out[n++] = 0x80 | ((cp >> 12) & 0x3f);
        out[n++] = 0x80 | ((cp >> 6) & 0x3f);
        out[n++] = 0x80 | (cp & 0x3f);
        i++;
      } else {
        out[n++] = 0x3f;
      }
    }
  }
  return hashRange(out, n, 0);
}

const scratch = new DataView(new ArrayBuffer(8));

/** `hashLong(doubleToLongBits(v))` with NaN canonicalised and -0.0 hashed as 0.0 (note 5). */
export function hashDouble(v: number): number {
  if (Number.isNaN(v)) return hashLongHalves(0, 0x7ff80000);
  if (v === 0) return hashLongHalves(0, 0);
  scratch.setFloat64(0, v, true);
  return hashLongHalves(scratch.getUint32(0, true), scratch.getUint32(4, true));
}

/** Floats hash as the same value widened to double, so float -> double promotion keeps hashes. */
export function hashFloat(v: number): number {
  return hashDouble(v);
}

/** Decimals hash the minimal two's-complement big-endian bytes of the unscaled value. */
export function hashDecimal(unscaled: bigint): number {
  return murmur3Hash32(decimalToBytes(unscaled));
}

export function hashUuid(uuid: string): number {
  return murmur3Hash32(uuidToBytes(uuid));
}

/**
 * The Appendix B hash of a value of the given type, in lake's value representation (see types.ts).
 * `null` for a null value or the `unknown` type.
 */
export function hashValue(type: PrimitiveType, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'unknown':
      return null;
    case 'boolean':
      if (typeof value !== 'boolean') break;
      return hashInt(value ? 1 : 0);
    case 'int':
    case 'date':
      return hashInt(toIntValue(value, type.kind));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return hashLong(toBigIntValue(value, type.kind));
    case 'timestamp_ns':
    case 'timestamptz_ns':
      // Nanosecond timestamps hash as micros so both precisions bucket alike (note 3).
      return hashLong(nanosToMicros(toBigIntValue(value, type.kind)));
    case 'float':
    case 'double':
      if (typeof value !== 'number') break;
      return hashDouble(value);
    case 'decimal':
      return hashDecimal(toBigIntValue(value, 'decimal'));
    case 'string':
      if (typeof value !== 'string') break;
      return hashString(value);
    case 'uuid':
      if (typeof value !== 'string') break;
      return hashUuid(value);
    case 'fixed':
    case 'binary':
      if (!(value instanceof Uint8Array)) break;
      return murmur3Hash32(value);
    case 'variant':
    case 'geometry':
    case 'geography':
      throw new LakeError('INVALID_INPUT', `no 32-bit hash is defined for type ${type.kind}`);
  }
  throw new LakeError('INVALID_INPUT', `cannot hash ${describe(value)} as ${type.kind}`);
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return 'a byte array';
  return `${typeof v} ${String(v)}`;
}
