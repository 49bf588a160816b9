/**
 * Shared pieces of the bound-based evaluators (metrics and manifest summaries): per-call caches of
 * decoded bounds, literal sets sorted for range checks, and the comparators a bound may have been
 * chosen with.
 */
import { compareUuidsSigned, decodeValue } from '../spec/single-value.js';
import type { PrimitiveType } from '../spec/types.js';
import type { BoundPredicate } from './expression.js';
import { type Comparator, comparatorFor, keyFor } from './ordering.js';

/**
 * The orders in which a writer may have chosen min/max bounds for a type. UUID bounds are ordered
 * by unsigned bytes per spec, but Java Iceberg has written them in `java.util.UUID` (signed) order.
 * For equality and set membership, "is the literal within the bounds" answered in each order is
 * right for bounds chosen in that order: an inclusive check accepts a file if either order accepts
 * it, a strict check needs both. Ranges (`<`, `>=`, ...) are unsigned, which bounds in signed order
 * cannot answer: see `rangeNeedsOrder`.
 */
export function boundOrders(type: PrimitiveType): Comparator[] {
  const natural = comparatorFor(type);
  if (type.kind === 'uuid') return [natural, compareUuidsSigned as Comparator];
  return [natural];
}

/** True when bounds of this type cannot decide range predicates (UUIDs, see `boundOrders`). */
export function rangeNeedsOrder(p: BoundPredicate): boolean {
  return p.ref.type.kind === 'uuid' && (p.op === 'lt' || p.op === 'ltEq' || p.op === 'gt' || p.op === 'gtEq');
}

const scratch = new DataView(new ArrayBuffer(8));

function int32At(b: Uint8Array): number {
  return b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24);
}

/**
 * A 64-bit little-endian integer as a number when it is exactly representable, else as a bigint.
 * Evaluators compare bounds with `<` / `>`, which are exact across number and bigint, and this
 * avoids a BigInt per bound in the common case.
 */
function int64At(b: Uint8Array): number | bigint {
  const lo = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  const hi = b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24);
  if (hi >= -0x200000 && hi < 0x200000) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function asciiAt(b: Uint8Array): string | undefined {
  if (b.length > 64) return undefined;
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c >= 0x80) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Decodes a bound, or undefined when it is absent or malformed (then it says nothing). Common
 * types are decoded without allocating; long-like values may come back as numbers (see `int64At`).
 */
export function decodeBound(type: PrimitiveType, bytes: Uint8Array | undefined): unknown {
  if (bytes === undefined) return undefined;
  const n = bytes.length;
  switch (type.kind) {
    case 'int':
    case 'date':
      if (n === 4) return int32At(bytes);
      break;
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      if (n === 8) return int64At(bytes);
      break;
    case 'double':
      if (n === 8) {
        for (let i = 0; i < 8; i++) scratch.setUint8(i, bytes[i]!);
        return scratch.getFloat64(0, true);
      }
      break;
    case 'float':
      if (n === 4) {
        for (let i = 0; i < 4; i++) scratch.setUint8(i, bytes[i]!);
        return scratch.getFloat32(0, true);
      }
      break;
    case 'string': {
      const s = asciiAt(bytes);
      if (s !== undefined) return s;
      break;
    }
  }
  try {
    const v = decodeValue(type, bytes);
    return v === null ? undefined : v;
  } catch {
    return undefined;
  }
}

/**
 * Decoded bounds of the columns one evaluator reads, cached for one `eval` call: each column's
 * bound is decoded at most once per file, and nothing is allocated per call.
 */
export class BoundCache {
  private readonly values: unknown[];
  private readonly stamps: number[];
  private generation = 0;

  constructor(slots: number) {
    this.values = new Array<unknown>(slots).fill(undefined);
    this.stamps = new Array<number>(slots).fill(-1);
  }

  /** Starts a new file: every cached bound becomes stale. */
  next(): void {
    this.generation++;
  }

  get(slot: number, type: PrimitiveType, bytes: Uint8Array | undefined): unknown {
    if (this.stamps[slot] === this.generation) return this.values[slot];
    const v = decodeBound(type, bytes);
    this.values[slot] = v;
    this.stamps[slot] = this.generation;
    return v;
  }

  /** Whether the slot is already decoded for the current file. */
  has(slot: number): boolean {
    return this.stamps[slot] === this.generation;
  }

  cached(slot: number): unknown {
    return this.values[slot];
  }

  set(slot: number, value: unknown): void {
    this.values[slot] = value;
    this.stamps[slot] = this.generation;
  }
}

/**
 * A bigint literal as a number when exact, so that comparing it with bounds decoded as numbers
 * (see `int64At`) does not mix types in the common case.
 */
export function fastLiteral(v: unknown): unknown {
  return typeof v === 'bigint' && v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** Literal values of a set predicate, sorted by `cmp`, for "any literal within [lower, upper]". */
export function sortedValues(p: BoundPredicate & { values: readonly unknown[] }, cmp: Comparator): unknown[] {
  return [...p.values].sort(cmp);
}

/** Membership in a set predicate's literals under the type's equality (byte arrays by content). */
export function literalSet(p: BoundPredicate & { values: readonly unknown[] }): (v: unknown) => boolean {
  const key = keyFor(p.ref.type) ?? ((v: unknown) => v);
  const set = new Set(p.values.map(key));
  return (v) => set.has(key(v));
}

/** Whether some value of `sorted` lies within [lower, upper] (either bound may be undefined). */
export function anyWithin(sorted: readonly unknown[], cmp: Comparator, lower: unknown, upper: unknown): boolean {
  // first index whose value is >= lower
  let lo = 0;
  let hi = sorted.length;
  if (lower !== undefined) {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(sorted[mid], lower) < 0) lo = mid + 1;
      else hi = mid;
    }
  }
  if (lo >= sorted.length) return false;
  return upper === undefined || cmp(sorted[lo], upper) <= 0;
}

export function isNaNValue(v: unknown): boolean {
  return typeof v === 'number' && v !== v;
}

/** Compares the first `prefix.length` UTF-16 units of `s` with `prefix`, in code point order. */
export function comparePrefix(s: string, prefix: string, cmp: (a: string, b: string) => number): number {
  return cmp(s.length > prefix.length ? s.slice(0, prefix.length) : s, prefix);
}
