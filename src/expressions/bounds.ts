/**
 * Shared pieces of the bound-based evaluators (metrics and manifest summaries): per-call caches of
 * decoded bounds, literal sets sorted for range checks, and the comparators a bound may have been
 * chosen with.
 */
import { compareUuidsSigned, decodeValue } from '../spec/single-value.js';
import type { PrimitiveType } from '../spec/types.js';
import type { BoundPredicate } from './expression.js';
import { type Comparator, comparatorFor } from './ordering.js';

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

/** Decodes a bound, or undefined when it is absent or malformed (then it says nothing). */
export function decodeBound(type: PrimitiveType, bytes: Uint8Array | undefined): unknown {
  if (bytes === undefined) return undefined;
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

  get(slot: number, type: PrimitiveType, bytes: () => Uint8Array | undefined): unknown {
    if (this.stamps[slot] === this.generation) return this.values[slot];
    const v = decodeBound(type, bytes());
    this.values[slot] = v;
    this.stamps[slot] = this.generation;
    return v;
  }
}

/** Literal values of a set predicate, sorted by `cmp`, for "any literal within [lower, upper]". */
export function sortedValues(p: BoundPredicate & { values: readonly unknown[] }, cmp: Comparator): unknown[] {
  return [...p.values].sort(cmp);
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
