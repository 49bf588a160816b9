/**
 * Projection of row predicates onto partition values (spec "Scan Planning").
 *
 * - Inclusive: if a row matches the row predicate, its partition tuple matches the projection.
 *   Used to select files and manifests. A predicate that cannot be projected becomes true.
 * - Strict: if a partition tuple matches the projection, every row of the partition matches the
 *   row predicate. Used for residuals and for overwrite/delete by filter (whole files). A
 *   predicate that cannot be projected becomes false.
 *
 * The rules per transform are Iceberg's (`project` / `projectStrict` of each transform, plus the
 * correction for dates and timestamps before 1970 written by Iceberg 0.10 and older, which put
 * negative values one unit too high).
 */
import type { PartitionField, PartitionSpec } from '../spec/partition-spec.js';
import type { Schema } from '../spec/schema.js';
import { type Transform, applyTransform, canTransform, transformResultType } from '../spec/transforms.js';
import type { PrimitiveType } from '../spec/types.js';
import {
  type BoundExpression,
  type BoundPredicate,
  type BoundReference,
  type LiteralOp,
  type SetOp,
  alwaysFalse,
  alwaysTrue,
  and,
  isUnaryOp,
  mapPredicates,
  or,
  rewriteNot,
} from './expression.js';
import { codePointLength, keyFor } from './ordering.js';

/**
 * Inclusive projection of a bound row predicate onto `spec`'s partition fields. The result refers
 * to partition fields by partition field id (evaluate it with `partitionEvaluator` or
 * `ManifestEvaluator`). The schema is not needed (bound references carry their types) and is
 * accepted for call sites that have it at hand.
 */
export function projectInclusive(expr: BoundExpression, spec: PartitionSpec, _schema?: Schema): BoundExpression {
  return projectExpression(expr, spec, 'inclusive');
}

/** Strict projection of a bound row predicate onto `spec`'s partition fields. */
export function projectStrict(expr: BoundExpression, spec: PartitionSpec, _schema?: Schema): BoundExpression {
  return projectExpression(expr, spec, 'strict');
}

/**
 * Several fields on one source (day(ts) and hour(ts), two buckets): inclusively every projection
 * must hold, strictly any one projection that holds guarantees the predicate. With no projection
 * the folds give true and false.
 */
function projectExpression(expr: BoundExpression, spec: PartitionSpec, mode: ProjectionMode): BoundExpression {
  const bySource = fieldsBySource(spec);
  return mapPredicates<BoundPredicate, BoundPredicate>(rewriteNot(expr), (p) => {
    const projections: BoundExpression[] = [];
    for (const f of bySource.get(p.ref.fieldId) ?? []) {
      const projected = projectPredicate(p, f, mode);
      if (projected !== undefined) projections.push(projected);
    }
    return mode === 'inclusive' ? and(...projections) : or(...projections);
  });
}

function fieldsBySource(spec: PartitionSpec): Map<number, PartitionField[]> {
  const m = new Map<number, PartitionField[]>();
  for (const f of spec.fields) {
    // multi-argument (v3) transforms have no projection rules yet: they never narrow a scan
    if (f.sourceIds !== undefined && f.sourceIds.length > 1) continue;
    const list = m.get(f.sourceId);
    if (list) list.push(f);
    else m.set(f.sourceId, [f]);
  }
  return m;
}

/** The reference to a partition field, typed with the transform's result type. */
export function partitionReference(field: PartitionField, sourceType: PrimitiveType): BoundReference {
  return { fieldId: field.fieldId, name: field.name, type: transformResultType(field.transform, sourceType), required: false, nested: false };
}

export type ProjectionMode = 'inclusive' | 'strict';

/**
 * Projects one predicate through one partition field, or returns undefined when the transform
 * gives no projection for it (then inclusive means true and strict means false).
 */
export function projectPredicate(p: BoundPredicate, field: PartitionField, mode: ProjectionMode): BoundExpression | undefined {
  const t = field.transform;
  const sourceType = p.ref.type;
  if (t.kind === 'void' || t.kind === 'unknown') return undefined;
  if (!canTransform(t, sourceType)) return undefined;
  const part = partitionReference(field, sourceType);
  const apply = (v: unknown): unknown => applyTransform(t, sourceType, v);
  if (isUnaryOp(p.op)) {
    // transforms map null to null and non-null to non-null; NaN survives only identity
    if ((p.op === 'isNaN' || p.op === 'notNaN') && t.kind !== 'identity') return undefined;
    return { op: p.op, ref: part };
  }
  switch (t.kind) {
    case 'identity':
      return 'values' in p ? setPredicate(p.op, part, p.values) : lit(p.op as LiteralOp, part, (p as { value: unknown }).value);
    case 'bucket':
      return projectBucket(p, part, apply, mode);
    case 'truncate':
      return projectTruncate(p, part, apply, t.width, mode);
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
      return projectTime(p, part, apply, t, mode);
  }
}

function setPredicate(op: SetOp, ref: BoundReference, values: readonly unknown[]): BoundExpression {
  const key = keyFor(ref.type) ?? ((v: unknown) => v);
  const seen = new Set<unknown>();
  const out: unknown[] = [];
  for (const v of values) {
    const k = key(v);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(v);
    }
  }
  if (out.length === 0) return op === 'in' ? alwaysFalse() : alwaysTrue();
  if (out.length === 1) return { op: op === 'in' ? 'eq' : 'notEq', ref, value: out[0] };
  return { op, ref, values: out };
}

function lit(op: LiteralOp, ref: BoundReference, value: unknown): BoundPredicate {
  return { op, ref, value };
}

function projectBucket(p: BoundPredicate, part: BoundReference, apply: (v: unknown) => unknown, mode: ProjectionMode): BoundExpression | undefined {
  if (p.op === 'in' || p.op === 'notIn') return projectSet(p.op, p.values, part, apply, mode);
  // ranges say nothing about a hash; equality only inclusively, inequality only strictly
  if (mode === 'inclusive') return p.op === 'eq' ? lit('eq', part, apply(p.value)) : undefined;
  return p.op === 'notEq' ? lit('notEq', part, apply(p.value)) : undefined;
}

/**
 * Set predicates through a transform `f`: inclusively `in` maps value by value, strictly `notIn`
 * does; the other pairing gives no projection.
 */
function projectSet(op: SetOp, values: readonly unknown[], part: BoundReference, f: (v: unknown) => unknown, mode: ProjectionMode): BoundExpression | undefined {
  if ((mode === 'inclusive') !== (op === 'in')) return undefined;
  return setPredicate(op, part, values.map(f));
}

/** Smallest and largest value of an integer-like type (int, date: number; others: bigint). */
function rangeOf(type: PrimitiveType): [unknown, unknown] {
  switch (type.kind) {
    case 'int':
    case 'date':
      return [-2147483648, 2147483647];
    case 'decimal': {
      const m = 10n ** BigInt(type.precision) - 1n;
      return [-m, m];
    }
    default:
      return [-(2n ** 63n), 2n ** 63n - 1n];
  }
}

/** The neighbour of an integer-like value, or undefined past the end of the type's range. */
function step(type: PrimitiveType, v: unknown, delta: 1 | -1): unknown {
  const [min, max] = rangeOf(type);
  if (v === (delta < 0 ? min : max)) return undefined;
  return typeof v === 'bigint' ? v + BigInt(delta) : (v as number) + delta;
}

/** Ranges of integer-like values, whose neighbours `v-1` and `v+1` tighten the bounds. */
function projectIntegerRange(p: BoundPredicate, part: BoundReference, f: (v: unknown) => unknown, mode: ProjectionMode): BoundExpression | undefined {
  const type = p.ref.type;
  return projectOrderedRange(p, part, f, mode, (v, delta) => step(type, v, delta));
}

/**
 * Ranges through an order-preserving transform `f`: `x < v` is `x <= v-1`, so inclusively
 * `f(x) <= f(v-1)`; strictly `f(x) < f(v)` guarantees `x < v`. `neighbour` gives `v-1` / `v+1`
 * (undefined past the end of the type's range); where values have no neighbour it returns `v`
 * itself, which keeps the projections sound but less tight.
 */
function projectOrderedRange(
  p: BoundPredicate,
  part: BoundReference,
  f: (v: unknown) => unknown,
  mode: ProjectionMode,
  neighbour: (v: unknown, delta: 1 | -1) => unknown,
): BoundExpression | undefined {
  if (p.op === 'in' || p.op === 'notIn') return projectSet(p.op, p.values, part, f, mode);
  if (isUnaryOp(p.op)) return undefined;
  const v = (p as { value: unknown }).value;
  if (mode === 'inclusive') {
    switch (p.op) {
      case 'lt': {
        const below = neighbour(v, -1);
        return below === undefined ? alwaysFalse() : lit('ltEq', part, f(below));
      }
      case 'ltEq':
        return lit('ltEq', part, f(v));
      case 'gt': {
        const above = neighbour(v, 1);
        return above === undefined ? alwaysFalse() : lit('gtEq', part, f(above));
      }
      case 'gtEq':
        return lit('gtEq', part, f(v));
      case 'eq':
        return lit('eq', part, f(v));
      default:
        return undefined;
    }
  }
  switch (p.op) {
    case 'lt':
      return lit('lt', part, f(v));
    case 'ltEq': {
      const above = neighbour(v, 1);
      return above === undefined ? { op: 'notNull', ref: part } : lit('lt', part, f(above));
    }
    case 'gt':
      return lit('gt', part, f(v));
    case 'gtEq': {
      const below = neighbour(v, -1);
      return below === undefined ? { op: 'notNull', ref: part } : lit('gt', part, f(below));
    }
    case 'notEq':
      return lit('notEq', part, f(v));
    default:
      // neighbouring values share a partition: equality is never guaranteed
      return undefined;
  }
}

/**
 * truncate[W] on int and long wraps around below the type's minimum, as the reference
 * implementation computes it: when W does not divide 2^32 (2^64), the few values just above the
 * minimum are stored under a large positive partition value. Projections keep those rows: the
 * inclusive one also accepts that partition value, the strict one never vouches for it.
 */
function projectTruncateInteger(p: BoundPredicate, part: BoundReference, f: (v: unknown) => unknown, width: number, mode: ProjectionMode): BoundExpression | undefined {
  const type = p.ref.type;
  const big = type.kind === 'long';
  const [min] = rangeOf(type);
  const w = big ? BigInt(width) : width;
  // distance from the minimum down to the multiple of W below it
  const r = big ? ((((min as bigint) % (w as bigint)) + (w as bigint)) % (w as bigint)) : (((min as number) % width) + width) % width;
  if (r === 0 || r === 0n) return projectIntegerRange(p, part, f, mode);
  // values from the minimum up to the first multiple of W all truncate to that multiple below the minimum
  const aboveZone = big ? (min as bigint) + (w as bigint) - (r as bigint) : (min as number) + width - (r as number);
  const zoneMax = big ? (aboveZone as bigint) - 1n : (aboveZone as number) - 1;
  const wrapped = f(min);
  const inZone = (v: unknown): boolean => (v as number | bigint) <= (zoneMax as number | bigint);
  const cmpOp = p.op;
  const v = 'value' in p ? p.value : undefined;
  if (mode === 'inclusive') {
    let base: BoundExpression | undefined;
    let zoneMatches: boolean;
    switch (cmpOp) {
      case 'lt':
      case 'ltEq': {
        const last = cmpOp === 'lt' ? step(type, v, -1) : v;
        zoneMatches = last !== undefined;
        base = last === undefined || inZone(last) ? alwaysFalse() : projectIntegerRange(p, part, f, mode);
        break;
      }
      case 'gt':
      case 'gtEq': {
        const first = cmpOp === 'gt' ? step(type, v, 1) : v;
        zoneMatches = first !== undefined && inZone(first);
        base = first !== undefined && inZone(first) ? lit('gtEq', part, aboveZone) : projectIntegerRange(p, part, f, mode);
        break;
      }
      case 'eq':
        zoneMatches = inZone(v);
        base = zoneMatches ? alwaysFalse() : lit('eq', part, f(v));
        break;
      case 'in': {
        const outside = p.values.filter((x) => !inZone(x));
        zoneMatches = outside.length !== p.values.length;
        base = setPredicate('in', part, outside.map(f));
        break;
      }
      default:
        return projectIntegerRange(p, part, f, mode);
    }
    if (base === undefined) return undefined;
    return zoneMatches ? or(base, lit('eq', part, wrapped)) : base;
  }
  let base: BoundExpression | undefined;
  switch (cmpOp) {
    case 'lt':
    case 'ltEq': {
      const bound = cmpOp === 'lt' ? v : step(type, v, 1);
      base = bound !== undefined && inZone(bound) ? alwaysFalse() : projectIntegerRange(p, part, f, mode);
      break;
    }
    case 'gt':
    case 'gtEq': {
      const bound = cmpOp === 'gt' ? v : step(type, v, -1);
      base = bound !== undefined && inZone(bound) ? lit('gtEq', part, aboveZone) : projectIntegerRange(p, part, f, mode);
      break;
    }
    default:
      base = projectIntegerRange(p, part, f, mode);
  }
  if (base === undefined) return undefined;
  return and<BoundPredicate>(base, lit('notEq', part, wrapped));
}

function projectTruncate(p: BoundPredicate, part: BoundReference, f: (v: unknown) => unknown, width: number, mode: ProjectionMode): BoundExpression | undefined {
  const kind = p.ref.type.kind;
  if (kind === 'int' || kind === 'long') return projectTruncateInteger(p, part, f, width, mode);
  if (kind === 'decimal') return projectIntegerRange(p, part, f, mode);
  if (p.op === 'startsWith' || p.op === 'notStartsWith') {
    const v = (p as { value: unknown }).value;
    const len = codePointLength(v as string);
    const positive = p.op === 'startsWith';
    if (len < width) return lit(p.op, part, v);
    if (len === width) return lit(positive ? 'eq' : 'notEq', part, v);
    // the prefix is longer than what partitions keep: every match lands in partition f(prefix)
    if (mode === 'inclusive') return positive ? lit('eq', part, f(v)) : undefined;
    return positive ? undefined : lit('notStartsWith', part, f(v));
  }
  // strings and binary: truncation keeps a prefix, so it preserves order but has no "v - 1"
  return projectOrderedRange(p, part, f, mode, (v) => v);
}

function projectTime(p: BoundPredicate, part: BoundReference, f: (v: unknown) => unknown, t: Transform, mode: ProjectionMode): BoundExpression | undefined {
  const projected = projectIntegerRange(p, part, f, mode);
  if (projected === undefined) return undefined;
  // day(date) is the date itself: the old bug only affected values that were computed
  if (t.kind === 'day' && p.ref.type.kind === 'date') return projected;
  return mode === 'inclusive' ? fixInclusiveTime(projected) : fixStrictTime(projected);
}

/**
 * Iceberg 0.10 and older wrote year/month/day/hour partition values of instants before 1970 one
 * higher than correct (day(1969-12-31T10:00) was 0, not -1). Widening the inclusive projection
 * over negative values keeps those files in scans.
 */
function fixInclusiveTime(e: BoundExpression): BoundExpression | undefined {
  if (e.op === 'true' || e.op === 'false') return e;
  const p = e as BoundPredicate;
  switch (p.op) {
    case 'lt':
    case 'ltEq': {
      const v = p.value as number;
      return v < 0 ? lit(p.op, p.ref, v + 1) : p;
    }
    case 'eq': {
      const v = p.value as number;
      return v < 0 ? setPredicate('in', p.ref, [v, v + 1]) : p;
    }
    case 'in': {
      const vs = p.values as number[];
      return vs.some((v) => v < 0) ? setPredicate('in', p.ref, vs.flatMap((v) => (v < 0 ? [v, v + 1] : [v]))) : p;
    }
    case 'notEq':
    case 'notIn':
      return undefined;
    default:
      return p;
  }
}

/** The strict counterpart: narrows bounds that old, too-high values could satisfy wrongly. */
function fixStrictTime(e: BoundExpression): BoundExpression | undefined {
  if (e.op === 'true' || e.op === 'false') return e;
  const p = e as BoundPredicate;
  switch (p.op) {
    case 'isNull':
    case 'notNull':
    case 'lt':
    case 'ltEq':
      return p;
    case 'gt':
    case 'gtEq': {
      const v = p.value as number;
      return v <= 0 ? lit(p.op, p.ref, v + 1) : p;
    }
    case 'notEq': {
      const v = p.value as number;
      return v < 0 ? setPredicate('notIn', p.ref, [v, v + 1]) : p;
    }
    case 'notIn': {
      const vs = p.values as number[];
      return vs.some((v) => v < 0) ? setPredicate('notIn', p.ref, vs.flatMap((v) => (v < 0 ? [v, v + 1] : [v]))) : p;
    }
    default:
      return undefined;
  }
}
