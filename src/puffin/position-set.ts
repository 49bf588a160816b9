/**
 * A set of deleted row positions (non-negative 64-bit integers) in the layout deletion vectors use
 * (spec "Deletion Vectors", Puffin `deletion-vector-v1`): positions split into a 32-bit key (high
 * half) and a 32-bit sub-position, one 32-bit Roaring bitmap per key, each made of containers of
 * 2^16 values (array, bitmap or run), so that millions of positions stay compact and `has` is a
 * pair of binary searches and a probe.
 *
 * Positions are accepted as number or bigint and iterated as numbers: row positions of real files
 * stay far below 2^53. `toBigUint64Array` is exact for any position.
 */
import { LakeError } from '../errors.js';

/** Highest position a deletion vector may hold (the reference implementation's limit: key <= 2^31 - 2). */
export const MAX_POSITION = 0x7ffffffen * 0x100000000n + 0xffffffffn;

export const ARRAY_MAX = 4096;
export const BITMAP_WORDS = 2048; // 65536 bits as 32-bit words

export type Container =
  /** Sorted distinct 16-bit values; at most 4096 of them in the portable format. */
  | { kind: 'array'; values: Uint16Array }
  /** 65536 bits. */
  | { kind: 'bitmap'; words: Uint32Array; cardinality: number }
  /** Runs as (start, length - 1) pairs, sorted, not overlapping. */
  | { kind: 'run'; runs: Uint16Array; cardinality: number };

/** A 32-bit Roaring bitmap: containers keyed by the high 16 bits, ascending. */
export interface Bitmap32 {
  highs: number[];
  containers: Container[];
}

export function containerCardinality(c: Container): number {
  return c.kind === 'array' ? c.values.length : c.cardinality;
}

function containerHas(c: Container, low: number): boolean {
  switch (c.kind) {
    case 'array': {
      const v = c.values;
      let lo = 0;
      let hi = v.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const x = v[mid]!;
        if (x < low) lo = mid + 1;
        else if (x > low) hi = mid - 1;
        else return true;
      }
      return false;
    }
    case 'bitmap':
      return (c.words[low >>> 5]! & (1 << (low & 31))) !== 0;
    case 'run': {
      const r = c.runs;
      // last run whose start <= low
      let lo = 0;
      let hi = (r.length >>> 1) - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (r[mid * 2]! <= low) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return found >= 0 && low <= r[found * 2]! + r[found * 2 + 1]!;
    }
  }
}

/** Calls `fn` with every value of a container, ascending. */
export function forEachInContainer(c: Container, fn: (low: number) => void): void {
  switch (c.kind) {
    case 'array':
      for (let i = 0; i < c.values.length; i++) fn(c.values[i]!);
      return;
    case 'bitmap':
      for (let w = 0; w < BITMAP_WORDS; w++) {
        let word = c.words[w]!;
        while (word !== 0) {
          const t = word & -word;
          fn(w * 32 + (31 - Math.clz32(t)));
          word ^= t;
        }
      }
      return;
    case 'run':
      for (let i = 0; i < c.runs.length; i += 2) {
        const start = c.runs[i]!;
        const end = start + c.runs[i + 1]!;
        for (let v = start; v <= end; v++) fn(v);
      }
      return;
  }
}

function countRunsSorted(values: ArrayLike<number>, n: number): number {
  if (n === 0) return 0;
  let runs = 1;
  for (let i = 1; i < n; i++) if (values[i]! !== values[i - 1]! + 1) runs++;
  return runs;
}

/**
 * The container for sorted distinct 16-bit values, in the form the reference implementation
 * serializes after run-length encoding: an array (<= 4096 values) or a bitmap, replaced by runs
 * when those are strictly smaller (array: 2 bytes per value, bitmap: 8192 bytes, runs: 2 + 4 per run).
 */
export function containerFromSorted(values: ArrayLike<number>, n: number = values.length): Container {
  const runs = countRunsSorted(values, n);
  const baseSize = n <= ARRAY_MAX ? 2 * n : 8192;
  if (baseSize > 2 + 4 * runs) {
    const r = new Uint16Array(runs * 2);
    let k = 0;
    let start = values[0]!;
    let prev = start;
    for (let i = 1; i <= n; i++) {
      const v = i < n ? values[i]! : -2;
      if (v !== prev + 1) {
        r[k++] = start;
        r[k++] = prev - start;
        start = v;
      }
      prev = v;
    }
    return { kind: 'run', runs: r, cardinality: n };
  }
  if (n <= ARRAY_MAX) {
    const a = new Uint16Array(n);
    for (let i = 0; i < n; i++) a[i] = values[i]!;
    return { kind: 'array', values: a };
  }
  const words = new Uint32Array(BITMAP_WORDS);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    words[v >>> 5] = words[v >>> 5]! | (1 << (v & 31));
  }
  return { kind: 'bitmap', words, cardinality: n };
}

/** The same values in the canonical form (see `containerFromSorted`). */
export function canonicalContainer(c: Container): Container {
  const n = containerCardinality(c);
  const values = new Uint16Array(n);
  let i = 0;
  forEachInContainer(c, (v) => {
    values[i++] = v;
  });
  return containerFromSorted(values, n);
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkPosition(pos: number | bigint): void {
  if (typeof pos === 'number') {
    if (!Number.isInteger(pos) || pos < 0 || pos > Number.MAX_SAFE_INTEGER) {
      throw new LakeError('INVALID_INPUT', `row position must be a non-negative integer, got ${pos}`);
    }
  } else if (pos < 0n || pos > MAX_POSITION) {
    throw new LakeError('INVALID_INPUT', `row position ${pos} is outside [0, ${MAX_POSITION}]`);
  }
}

const TWO32 = 4294967296;

function split(pos: number | bigint): [key: number, low32: number] {
  if (typeof pos === 'number') return [Math.floor(pos / TWO32), pos % TWO32];
  return [Number(pos >> 32n), Number(pos & 0xffffffffn)];
}

export class PositionSet {
  /** 32-bit keys, ascending; `bitmaps[i]` holds the sub-positions of `keys[i]`. */
  private keys: number[] = [];
  private bitmaps: Bitmap32[] = [];
  private pending: number[] = [];
  private pendingBig: bigint[] = [];
  private card = 0;

  /** A set from 32-bit Roaring bitmaps keyed by the high 32 bits (as decoded from the portable format). */
  static fromBitmaps(entries: readonly { key: number; bitmap: Bitmap32 }[]): PositionSet {
    const s = new PositionSet();
    let last = -1;
    for (const e of entries) {
      if (!(e.key > last)) throw new LakeError('INVALID_INPUT', 'bitmap keys must be ascending');
      last = e.key;
      let n = 0;
      for (const c of e.bitmap.containers) n += containerCardinality(c);
      if (n === 0) continue;
      s.keys.push(e.key);
      s.bitmaps.push(e.bitmap);
      s.card += n;
    }
    return s;
  }

  /** A set holding the given positions (any order, duplicates allowed). */
  static of(positions: Iterable<number | bigint>): PositionSet {
    const s = new PositionSet();
    for (const p of positions) s.add(p);
    return s;
  }

  /** Adds a position (0 <= pos <= MAX_POSITION). */
  add(pos: number | bigint): this {
    checkPosition(pos);
    if (typeof pos === 'number') this.pending.push(pos);
    else if (pos <= BigInt(Number.MAX_SAFE_INTEGER)) this.pending.push(Number(pos));
    else this.pendingBig.push(pos);
    return this;
  }

  /** Adds every position in [start, end). */
  addRange(start: number, end: number): this {
    checkPosition(start);
    if (end > start) checkPosition(end - 1);
    for (let p = start; p < end; p++) this.pending.push(p);
    return this;
  }

  /** Adds every position of another set. */
  addAll(other: PositionSet): this {
    other.forEachKey((key, bitmap) => {
      const safe = key * TWO32 + 0xffffffff <= Number.MAX_SAFE_INTEGER;
      const base = key * TWO32;
      const bigBase = BigInt(key) << 32n;
      bitmap.containers.forEach((c, i) => {
        const hb = bitmap.highs[i]! * 65536;
        forEachInContainer(c, (low) => {
          if (safe) this.pending.push(base + hb + low);
          else this.pendingBig.push(bigBase + BigInt(hb + low));
        });
      });
    });
    return this;
  }

  get cardinality(): number {
    this.flush();
    return this.card;
  }

  get isEmpty(): boolean {
    return this.cardinality === 0;
  }

  has(pos: number | bigint): boolean {
    this.flush();
    if (typeof pos === 'number' ? pos < 0 || !Number.isInteger(pos) : pos < 0n) return false;
    const [key, low32] = split(pos);
    const ki = lowerBound(this.keys, key);
    if (ki >= this.keys.length || this.keys[ki] !== key) return false;
    const bm = this.bitmaps[ki]!;
    const high = low32 >>> 16;
    const ci = lowerBound(bm.highs, high);
    if (ci >= bm.highs.length || bm.highs[ci] !== high) return false;
    return containerHas(bm.containers[ci]!, low32 & 0xffff);
  }

  /** Calls `fn` with every position, ascending (as numbers: exact below 2^53). */
  forEach(fn: (pos: number) => void): void {
    this.forEachKey((key, bitmap) => {
      const base = key * TWO32;
      bitmap.containers.forEach((c, i) => {
        const hb = base + bitmap.highs[i]! * 65536;
        forEachInContainer(c, (low) => fn(hb + low));
      });
    });
  }

  *[Symbol.iterator](): IterableIterator<number> {
    const out: number[] = [];
    this.forEach((p) => out.push(p));
    yield* out;
  }

  /** Every position ascending, as numbers (exact below 2^53). */
  toArray(): number[] {
    const out: number[] = [];
    this.forEach((p) => out.push(p));
    return out;
  }

  /** Every position ascending, exactly. */
  toBigUint64Array(): BigUint64Array {
    this.flush();
    const out = new BigUint64Array(this.card);
    let i = 0;
    this.forEachKey((key, bitmap) => {
      const base = BigInt(key) << 32n;
      bitmap.containers.forEach((c, ci) => {
        const hb = bitmap.highs[ci]! * 65536;
        forEachInContainer(c, (low) => {
          out[i++] = base + BigInt(hb + low);
        });
      });
    });
    return out;
  }

  /** The 32-bit bitmaps by key, ascending (for serialization). */
  forEachKey(fn: (key: number, bitmap: Bitmap32) => void): void {
    this.flush();
    for (let i = 0; i < this.keys.length; i++) fn(this.keys[i]!, this.bitmaps[i]!);
  }

  /** Keys with their bitmaps, ascending. */
  entries(): { key: number; bitmap: Bitmap32 }[] {
    const out: { key: number; bitmap: Bitmap32 }[] = [];
    this.forEachKey((key, bitmap) => out.push({ key, bitmap }));
    return out;
  }

  /** Merges pending additions into the containers. */
  private flush(): void {
    if (this.pending.length === 0 && this.pendingBig.length === 0) return;
    // Positions as exact doubles (all below 2^53, big ones joined as key * 2^32 + low in two parts),
    // sorted numerically in a typed array: no per-position objects, even for millions of deletes.
    const small = Float64Array.from(this.pending);
    small.sort();
    const bigPairs = this.pendingBig.map((b) => [Number(b >> 32n), Number(b & 0xffffffffn)] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.pending = [];
    this.pendingBig = [];
    const n = small.length + bigPairs.length;
    const keyAt = (i: number): number => (i < small.length ? Math.floor(small[i]! / TWO32) : bigPairs[i - small.length]![0]);
    const lowAt = (i: number): number => (i < small.length ? small[i]! % TWO32 : bigPairs[i - small.length]![1]);
    let i = 0;
    while (i < n) {
      const key = keyAt(i);
      const ki = lowerBound(this.keys, key);
      if (this.keys[ki] !== key) {
        this.keys.splice(ki, 0, key);
        this.bitmaps.splice(ki, 0, { highs: [], containers: [] });
      }
      const bm = this.bitmaps[ki]!;
      while (i < n && keyAt(i) === key) {
        const high = lowAt(i) >>> 16;
        const lows: number[] = [];
        while (i < n && keyAt(i) === key && lowAt(i) >>> 16 === high) {
          const low = lowAt(i) & 0xffff;
          if (lows.length === 0 || lows[lows.length - 1] !== low) lows.push(low);
          i++;
        }
        const ci = lowerBound(bm.highs, high);
        let merged: number[];
        if (bm.highs[ci] === high) {
          const existing = bm.containers[ci]!;
          const seen = new Uint8Array(65536);
          forEachInContainer(existing, (v) => {
            seen[v] = 1;
          });
          for (const v of lows) seen[v] = 1;
          merged = [];
          for (let v = 0; v < 65536; v++) if (seen[v] === 1) merged.push(v);
          this.card -= containerCardinality(existing);
          bm.containers[ci] = containerFromSorted(merged);
        } else {
          merged = lows;
          bm.highs.splice(ci, 0, high);
          bm.containers.splice(ci, 0, containerFromSorted(merged));
        }
        this.card += merged.length;
      }
    }
  }
}
