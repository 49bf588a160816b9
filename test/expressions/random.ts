/**
 * Seeded random values, predicates and files for the property tests. Values cluster around the
 * places where bugs live: zero, the epoch, day/month/year boundaries, range limits, NaN, -0,
 * surrogate pairs and truncated bounds.
 */
import { type BoundExpression, type BoundPredicate, type BoundReference, ColumnResolver, and, not, or } from '../../src/expressions/index.js';
import type { DataFile, FieldSummary } from '../../src/spec/data-file.js';
import { compareFloats, compareStrings, compareUuidsSigned, compareValues, encodeValue } from '../../src/spec/single-value.js';
import type { PrimitiveType } from '../../src/spec/types.js';
import { schema } from './fixtures.js';

export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  /** mulberry32 */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const DAY = 86_400_000_000n;
const HOUR = 3_600_000_000n;
const UUIDS = [
  '00000000-0000-0000-0000-000000000000',
  '00000000-0000-0000-0000-000000000001',
  '7fffffff-ffff-ffff-ffff-ffffffffffff',
  '80000000-0000-0000-0000-000000000000',
  'c0000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];
const CHARS = ['a', 'b', 'c', 'z', '😀', '\uE000', 'é'];
const DOUBLES = [-2.5, -1, -0, 0, 0.5, 1, 1.5, 2, 1e300, -Infinity, Infinity];

/** Day numbers around 1970 and around month/year starts (1969-01-01 is -365, 1971-01-01 is 365). */
function someDay(r: Rng): number {
  return r.pick([r.int(-40, 40), r.int(-400, -330), r.int(330, 400), r.pick([-366, -365, -334, -32, -31, -1, 0, 1, 31, 59, 365])]);
}

function someMicros(r: Rng): bigint {
  const base = BigInt(someDay(r)) * DAY + BigInt(r.int(0, 23)) * HOUR;
  return base + BigInt(r.pick([0, 0, 1, -1, r.int(-3_600_000_000, 3_600_000_000)]));
}

/** A non-null value of the column's type (NaN included for floats when `allowNaN`). */
export function someValue(r: Rng, type: PrimitiveType, allowNaN = true): unknown {
  switch (type.kind) {
    case 'boolean':
      return r.chance(0.5);
    case 'int':
      return r.pick([r.int(-30, 30), r.int(-30, 30), r.pick([-11, -10, -9, 9, 10, 11]), -2147483648 + r.int(0, 12), 2147483647 - r.int(0, 12)]);
    case 'long':
      return r.chance(0.9) ? BigInt(r.int(-30, 30)) : r.chance(0.5) ? -(2n ** 63n) + BigInt(r.int(0, 20)) : 2n ** 63n - 1n - BigInt(r.int(0, 20));
    case 'decimal':
      return BigInt(r.pick([r.int(-300, 300), r.pick([-100, -51, -50, -49, -1, 0, 1, 49, 50, 51, 100])]));
    case 'float':
      if (allowNaN && r.chance(0.1)) return NaN;
      return Math.fround(r.pick(DOUBLES.filter((d) => d !== 1e300)));
    case 'double':
      if (allowNaN && r.chance(0.1)) return NaN;
      return r.pick(DOUBLES);
    case 'date':
      return someDay(r);
    case 'time':
      return BigInt(r.int(0, 23)) * HOUR + BigInt(r.pick([0, 1, 999_999, 59_000_000]));
    case 'timestamp':
    case 'timestamptz':
      return someMicros(r);
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return someMicros(r) * 1000n + BigInt(r.pick([0, 0, 1, -1]));
    case 'string': {
      let s = '';
      const n = r.int(0, 4);
      for (let k = 0; k < n; k++) s += r.pick(CHARS);
      return s;
    }
    case 'uuid':
      return r.pick(UUIDS);
    case 'binary': {
      const n = r.int(0, 3);
      return new Uint8Array(Array.from({ length: n }, () => r.pick([0, 1, 2, 255])));
    }
    case 'fixed':
      return new Uint8Array(Array.from({ length: type.length }, () => r.pick([0, 1, 255])));
    default:
      throw new Error(`no generator for ${type.kind}`);
  }
}

/** Columns used by the property tests (`id` is required, the others optional). */
export const COLUMNS = ['id', 'i', 'name', 'd', 'ts', 'tstz', 'tsn', 'price', 'dbl', 'f', 'b', 'u', 'flag', 't', 'fx'];
const resolver = new ColumnResolver(schema, true);
export const REFS: Record<string, BoundReference> = Object.fromEntries(COLUMNS.map((c) => [c, resolver.resolve(c)]));

export type TestRow = Map<number, unknown>;

export function someRow(r: Rng, nullChance = 0.15): TestRow {
  const row = new Map<number, unknown>();
  for (const c of COLUMNS) {
    const ref = REFS[c]!;
    row.set(ref.fieldId, !ref.required && r.chance(nullChance) ? null : someValue(r, ref.type));
  }
  return row;
}

/** A random predicate on one column, with literals drawn like the values. */
export function somePredicate(r: Rng, ref: BoundReference): BoundPredicate {
  const type = ref.type;
  const ops: BoundPredicate['op'][] = ['isNull', 'notNull', 'lt', 'ltEq', 'gt', 'gtEq', 'eq', 'notEq', 'in', 'notIn'];
  if (type.kind === 'float' || type.kind === 'double') ops.push('isNaN', 'notNaN');
  if (type.kind === 'string') ops.push('startsWith', 'notStartsWith', 'startsWith');
  const op = r.pick(ops);
  switch (op) {
    case 'isNull':
    case 'notNull':
    case 'isNaN':
    case 'notNaN':
      return { op, ref };
    case 'in':
    case 'notIn': {
      const values: unknown[] = [];
      const n = r.int(2, 4);
      for (let k = 0; k < n; k++) values.push(someValue(r, type, false));
      // distinct values, as binding produces them
      const same = (a: unknown, b: unknown): boolean => (a instanceof Uint8Array ? compareValues(type, a, b) === 0 : a === b);
      const distinct = values.filter((v, k) => values.findIndex((w) => same(v, w)) === k);
      if (distinct.length < 2) return { op: op === 'in' ? 'eq' : 'notEq', ref, value: distinct[0] };
      return { op, ref, values: distinct };
    }
    default:
      return { op, ref, value: someValue(r, type, false) };
  }
}

/** A random expression over a few columns with AND, OR and NOT. */
export function someExpression(r: Rng, columns: readonly string[], depth = 2): BoundExpression {
  if (depth === 0 || r.chance(0.4)) return somePredicate(r, REFS[r.pick(columns)]!);
  const a = someExpression(r, columns, depth - 1);
  const b = someExpression(r, columns, depth - 1);
  switch (r.int(0, 3)) {
    case 0:
      return and(a, b);
    case 1:
      return or(a, b);
    case 2:
      return not(a);
    default:
      return and(a, not(b));
  }
}

// ---- honest metrics, as a spec-following writer produces them ----

function isNaNValue(v: unknown): boolean {
  return typeof v === 'number' && Number.isNaN(v);
}

/** Spec order for bounds: -0 before +0 for floats; UUIDs in the chosen order. */
function boundOrder(type: PrimitiveType, signedUuids: boolean): (a: unknown, b: unknown) => number {
  if (type.kind === 'float' || type.kind === 'double') return (a, b) => compareFloats(a as number, b as number);
  if (type.kind === 'uuid' && signedUuids) return (a, b) => compareUuidsSigned(a as string, b as string);
  return (a, b) => compareValues(type, a, b);
}

/** The smallest string greater than every string starting with `prefix`, or undefined. */
function incrementString(prefix: string): string | undefined {
  const cps = [...prefix];
  while (cps.length > 0) {
    const cp = cps.pop()!.codePointAt(0)!;
    let next = cp + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return cps.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

function incrementBytes(prefix: Uint8Array): Uint8Array | undefined {
  const out = prefix.slice();
  for (let k = out.length - 1; k >= 0; k--) {
    if (out[k]! < 255) {
      out[k]!++;
      return out.slice(0, k + 1);
    }
  }
  return undefined;
}

export interface MetricsOptions {
  /** Truncate string and binary bounds to this many code points / bytes. */
  truncate?: number;
  dropNaNCounts?: boolean;
  dropNullCounts?: boolean;
  dropBounds?: boolean;
  signedUuids?: boolean;
}

/** A data file holding `rows`, with metrics for every column computed as a writer would. */
export function fileOf(rows: TestRow[], opts: MetricsOptions = {}): DataFile {
  const f: DataFile = {
    content: 0,
    filePath: 'mem://f.parquet',
    fileFormat: 'PARQUET',
    specId: 0,
    partition: [],
    recordCount: rows.length,
    fileSizeInBytes: 1,
    valueCounts: new Map(),
    nullValueCounts: opts.dropNullCounts ? undefined : new Map(),
    nanValueCounts: opts.dropNaNCounts ? undefined : new Map(),
    lowerBounds: new Map(),
    upperBounds: new Map(),
  };
  for (const c of COLUMNS) {
    const ref = REFS[c]!;
    const id = ref.fieldId;
    const values = rows.map((row) => row.get(id));
    f.valueCounts!.set(id, values.length);
    f.nullValueCounts?.set(id, values.filter((v) => v === null || v === undefined).length);
    if (ref.type.kind === 'float' || ref.type.kind === 'double') f.nanValueCounts?.set(id, values.filter(isNaNValue).length);
    const present = values.filter((v) => v !== null && v !== undefined && !isNaNValue(v));
    if (present.length === 0 || opts.dropBounds) continue;
    const order = boundOrder(ref.type, opts.signedUuids ?? false);
    let lower = present.reduce((a, b) => (order(a, b) <= 0 ? a : b));
    let upper: unknown = present.reduce((a, b) => (order(a, b) >= 0 ? a : b));
    if (opts.truncate !== undefined && ref.type.kind === 'string') {
      const n = opts.truncate;
      lower = [...(lower as string)].slice(0, n).join('');
      const u = upper as string;
      if ([...u].length > n) upper = incrementString([...u].slice(0, n).join(''));
    }
    if (opts.truncate !== undefined && ref.type.kind === 'binary') {
      const n = opts.truncate;
      lower = (lower as Uint8Array).slice(0, n);
      const u = upper as Uint8Array;
      if (u.length > n) upper = incrementBytes(u.slice(0, n));
    }
    f.lowerBounds!.set(id, encodeValue(ref.type, lower));
    if (upper !== undefined) f.upperBounds!.set(id, encodeValue(ref.type, upper));
  }
  return f;
}

/** Partition field summaries of a set of partition tuples, as a manifest list writer produces them. */
export function summariesOf(tuples: unknown[][], types: PrimitiveType[]): FieldSummary[] {
  return types.map((type, k) => {
    const values = tuples.map((t) => t[k]);
    const s: FieldSummary = { containsNull: values.some((v) => v === null || v === undefined) };
    if (type.kind === 'float' || type.kind === 'double') s.containsNan = values.some(isNaNValue);
    const present = values.filter((v) => v !== null && v !== undefined && !isNaNValue(v));
    if (present.length > 0) {
      const order = boundOrder(type, false);
      s.lowerBound = encodeValue(type, present.reduce((a, b) => (order(a, b) <= 0 ? a : b)));
      s.upperBound = encodeValue(type, present.reduce((a, b) => (order(a, b) >= 0 ? a : b)));
    }
    return s;
  });
}

export { compareStrings };
