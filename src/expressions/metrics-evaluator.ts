/**
 * Column-metrics evaluators for data and delete files (spec "Scan Planning", "Field-level Metrics"):
 *
 * - `InclusiveMetricsEvaluator.eval(file)`: false only when no row of the file can match (the
 *   file can be skipped);
 * - `StrictMetricsEvaluator.eval(file)`: true only when every row of the file must match (the
 *   file can be dropped whole by a delete or overwrite).
 *
 * Both read value, null and NaN counts and the lower/upper bounds (Appendix D bytes, decoded with
 * the bound column's type, which handles promoted types). Bounds may be truncated (strings and
 * binary): a truncated lower bound is a prefix of the true minimum and a truncated upper bound is
 * incremented, so both stay valid bounds, and the starts-with checks compare only prefix-length
 * slices. NaN is never a bound (a NaN found in one is treated as "no bound"), and NaN sorts above
 * every number, so `x > 5` may match a file whose bounds stop at 5 but which holds NaN. Rows where
 * a predicate is UNKNOWN (null values) never count as matching. The logic follows Iceberg's
 * InclusiveMetricsEvaluator and StrictMetricsEvaluator, adjusted to these SQL semantics.
 */
import type { DataFile } from '../spec/data-file.js';
import { compareStrings } from '../spec/single-value.js';
import { type BoundExpression, type BoundPredicate, type BoundReference, rewriteNot } from './expression.js';
import { type Evaluate, compileTree } from './evaluator.js';
import { BoundCache, anyWithin, boundOrders, comparePrefix, fastLiteral, isNaNValue, literalSet, rangeNeedsOrder, sortedValues } from './bounds.js';
import { type Comparator, isFloatingType } from './ordering.js';

/** Counts and cached bounds of one file, for one evaluation. */
class FileStats {
  file!: DataFile;
  private readonly slots = new Map<number, number>();
  private readonly lowers: BoundCache;
  private readonly uppers: BoundCache;

  constructor(refs: BoundReference[]) {
    for (const r of refs) if (!this.slots.has(r.fieldId)) this.slots.set(r.fieldId, this.slots.size);
    this.lowers = new BoundCache(this.slots.size);
    this.uppers = new BoundCache(this.slots.size);
  }

  reset(file: DataFile): void {
    this.file = file;
    this.lowers.next();
    this.uppers.next();
  }

  slotOf(ref: BoundReference): number {
    return this.slots.get(ref.fieldId)!;
  }

  lower(ref: BoundReference, slot: number): unknown {
    const c = this.lowers;
    return c.has(slot) ? c.cached(slot) : c.get(slot, ref.type, this.file.lowerBounds?.get(ref.fieldId));
  }

  upper(ref: BoundReference, slot: number): unknown {
    const c = this.uppers;
    return c.has(slot) ? c.cached(slot) : c.get(slot, ref.type, this.file.upperBounds?.get(ref.fieldId));
  }

  /** True unless the null count says there is no null. */
  mayContainNull(id: number): boolean {
    const n = this.file.nullValueCounts?.get(id);
    return n === undefined || n !== 0;
  }

  containsNullsOnly(id: number): boolean {
    const v = this.file.valueCounts?.get(id);
    const n = this.file.nullValueCounts?.get(id);
    return v !== undefined && n !== undefined && v - n === 0;
  }

  mayContainNaN(id: number): boolean {
    const n = this.file.nanValueCounts?.get(id);
    return n === undefined || n !== 0;
  }

  containsNaNsOnly(id: number): boolean {
    const n = this.file.nanValueCounts?.get(id);
    const v = this.file.valueCounts?.get(id);
    return n !== undefined && v !== undefined && n === v;
  }
}

function collectRefs(e: BoundExpression, out: BoundReference[]): BoundReference[] {
  switch (e.op) {
    case 'true':
    case 'false':
      return out;
    case 'not':
      return collectRefs(e.child, out);
    case 'and':
    case 'or':
      collectRefs(e.left, out);
      return collectRefs(e.right, out);
    default:
      out.push(e.ref);
      return out;
  }
}

/** Combines the answers under each order a bound may have been chosen in. */
function perOrder(p: BoundPredicate, make: (cmp: Comparator) => Evaluate<FileStats>, combine: 'any' | 'all'): Evaluate<FileStats> {
  if (rangeNeedsOrder(p)) {
    // only the counts can help
    const id = p.ref.fieldId;
    return combine === 'any' ? (s) => !s.containsNullsOnly(id) : () => false;
  }
  const fns = boundOrders(p.ref.type).map(make);
  if (fns.length === 1) return fns[0]!;
  return combine === 'any' ? (s) => fns.some((f) => f(s)) : (s) => fns.every((f) => f(s));
}

// ---------------------------------------------------------------------------------------------

/** Decides from a file's column metrics whether any of its rows might match the expression. */
export class InclusiveMetricsEvaluator {
  private readonly stats: FileStats;
  private readonly root: Evaluate<FileStats>;

  /** `expr` is bound to the table schema (field ids); NOTs are rewritten away here. */
  constructor(expr: BoundExpression) {
    const e = rewriteNot(expr);
    this.stats = new FileStats(collectRefs(e, []));
    this.root = compileTree<BoundPredicate, FileStats>(e, (p) => perOrder(p, (cmp) => inclusiveLeaf(p, cmp, this.stats.slotOf(p.ref)), 'any'));
  }

  /** False when no row of `file` can match; true when some might. */
  eval(file: DataFile): boolean {
    if (file.recordCount === 0) return false;
    if (file.recordCount < 0) return true;
    this.stats.reset(file);
    return this.root(this.stats);
  }
}

function inclusiveLeaf(p: BoundPredicate, cmp: Comparator, slot: number): Evaluate<FileStats> {
  const ref = p.ref;
  const id = ref.fieldId;
  const floating = isFloatingType(ref.type);
  const noValues = (s: FileStats): boolean => s.containsNullsOnly(id) || s.containsNaNsOnly(id);
  /** The file's only value, when min == max and there are no nulls or NaNs. */
  const uniqueValue = (s: FileStats): unknown => {
    if (s.mayContainNull(id)) return undefined;
    const lower = s.lower(ref, slot);
    const upper = s.upper(ref, slot);
    if (lower === undefined || upper === undefined || isNaNValue(lower) || isNaNValue(upper)) return undefined;
    if (floating && s.mayContainNaN(id)) return undefined;
    return cmp(lower, upper) === 0 ? lower : undefined;
  };
  switch (p.op) {
    case 'isNull':
      return (s) => s.mayContainNull(id);
    case 'notNull':
      return (s) => !s.containsNullsOnly(id);
    case 'isNaN':
      return (s) => !s.containsNullsOnly(id) && s.mayContainNaN(id);
    case 'notNaN':
      return (s) => !s.containsNaNsOnly(id);
    // bounds first: they decide most files, and the counts cost map lookups
    case 'lt':
    case 'ltEq': {
      const lit = fastLiteral(p.value);
      const strict = p.op === 'lt';
      return (s) => {
        const lower = s.lower(ref, slot);
        if (lower !== undefined && !isNaNValue(lower)) {
          const c = cmp(lower, lit);
          if (strict ? c >= 0 : c > 0) return false;
        }
        return !noValues(s);
      };
    }
    case 'gt':
    case 'gtEq': {
      const lit = fastLiteral(p.value);
      const strict = p.op === 'gt';
      return (s) => {
        // NaN is above every literal, and bounds leave it out
        if (floating && s.mayContainNaN(id)) return !s.containsNullsOnly(id);
        const upper = s.upper(ref, slot);
        if (upper !== undefined) {
          const c = cmp(upper, lit);
          if (strict ? c <= 0 : c < 0) return false;
        }
        return !s.containsNullsOnly(id);
      };
    }
    case 'eq': {
      const lit = fastLiteral(p.value);
      return (s) => {
        const lower = s.lower(ref, slot);
        if (lower !== undefined && !isNaNValue(lower) && cmp(lower, lit) > 0) return false;
        const upper = s.upper(ref, slot);
        if (upper !== undefined && cmp(upper, lit) < 0) return false;
        return !noValues(s);
      };
    }
    case 'notEq': {
      const lit = p.value;
      // bounds are not necessarily values in the file, except when min == max
      return (s) => {
        if (s.containsNullsOnly(id)) return false;
        const v = uniqueValue(s);
        return v === undefined || cmp(v, lit) !== 0;
      };
    }
    case 'in': {
      const sorted = sortedValues(p, cmp);
      return (s) => {
        if (noValues(s)) return false;
        const lower = s.lower(ref, slot);
        if (lower === undefined || isNaNValue(lower)) return true;
        return anyWithin(sorted, cmp, lower, s.upper(ref, slot));
      };
    }
    case 'notIn': {
      const isLiteral = literalSet(p);
      return (s) => {
        if (s.containsNullsOnly(id)) return false;
        const v = uniqueValue(s);
        return v === undefined || !isLiteral(v);
      };
    }
    case 'startsWith': {
      const prefix = p.value as string;
      return (s) => {
        if (s.containsNullsOnly(id)) return false;
        const lower = s.lower(ref, slot) as string | undefined;
        if (lower === undefined) return true;
        if (comparePrefix(lower, prefix, compareStrings) > 0) return false;
        const upper = s.upper(ref, slot) as string | undefined;
        return upper === undefined || comparePrefix(upper, prefix, compareStrings) >= 0;
      };
    }
    case 'notStartsWith': {
      const prefix = p.value as string;
      // cannot match when both bounds start with the prefix: then every non-null value does
      return (s) => {
        if (s.containsNullsOnly(id)) return false;
        const lower = s.lower(ref, slot) as string | undefined;
        const upper = s.upper(ref, slot) as string | undefined;
        if (lower === undefined || upper === undefined) return true;
        return !(lower.startsWith(prefix) && upper.startsWith(prefix));
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** Decides from a file's column metrics whether every one of its rows must match the expression. */
export class StrictMetricsEvaluator {
  private readonly stats: FileStats;
  private readonly root: Evaluate<FileStats>;

  /** `expr` is bound to the table schema (field ids); NOTs are rewritten away here. */
  constructor(expr: BoundExpression) {
    const e = rewriteNot(expr);
    this.stats = new FileStats(collectRefs(e, []));
    this.root = compileTree<BoundPredicate, FileStats>(e, (p) => perOrder(p, (cmp) => strictLeaf(p, cmp, this.stats.slotOf(p.ref)), 'all'));
  }

  /** True when every row of `file` must match; false when some might not. */
  eval(file: DataFile): boolean {
    if (file.recordCount <= 0) return true;
    this.stats.reset(file);
    return this.root(this.stats);
  }
}

function strictLeaf(p: BoundPredicate, cmp: Comparator, slot: number): Evaluate<FileStats> {
  const ref = p.ref;
  const id = ref.fieldId;
  const floating = isFloatingType(ref.type);
  // a null parent struct hides values from a nested column's counts: never guarantee anything
  const nested = ref.nested;
  // missing counts mean "unknown", so these are conservative (the reference implementation
  // assumes no nulls or NaNs when a count map lacks the column); a null row is never TRUE
  const maybeNullOrNaN = (s: FileStats): boolean => s.mayContainNull(id) || (floating && s.mayContainNaN(id));
  switch (p.op) {
    case 'isNull':
      return (s) => !nested && s.containsNullsOnly(id);
    case 'notNull':
      return (s) => !nested && !s.mayContainNull(id);
    case 'isNaN':
      return (s) => s.containsNaNsOnly(id);
    case 'notNaN':
      return (s) => !s.mayContainNaN(id) || s.containsNullsOnly(id);
    case 'lt':
    case 'ltEq': {
      const lit = p.value;
      const strict = p.op === 'lt';
      return (s) => {
        if (nested || maybeNullOrNaN(s)) return false;
        const upper = s.upper(ref, slot);
        if (upper === undefined || isNaNValue(upper)) return false;
        const c = cmp(upper, lit);
        return strict ? c < 0 : c <= 0;
      };
    }
    case 'gt':
    case 'gtEq': {
      const lit = p.value;
      const strict = p.op === 'gt';
      // NaN rows match (NaN is above every literal), so only nulls spoil the guarantee
      return (s) => {
        if (nested || s.mayContainNull(id)) return false;
        const lower = s.lower(ref, slot);
        if (lower === undefined || isNaNValue(lower)) return false;
        const c = cmp(lower, lit);
        return strict ? c > 0 : c >= 0;
      };
    }
    case 'eq': {
      const lit = p.value;
      return (s) => {
        if (nested || maybeNullOrNaN(s)) return false;
        const lower = s.lower(ref, slot);
        const upper = s.upper(ref, slot);
        if (lower === undefined || upper === undefined) return false;
        return cmp(lower, lit) === 0 && cmp(upper, lit) === 0;
      };
    }
    case 'notEq': {
      const lit = p.value;
      return (s) => {
        if (nested || s.mayContainNull(id)) return false;
        if (s.containsNaNsOnly(id)) return true;
        const lower = s.lower(ref, slot);
        if (lower !== undefined) {
          if (isNaNValue(lower)) return false;
          if (cmp(lower, lit) > 0) return true;
        }
        const upper = s.upper(ref, slot);
        return upper !== undefined && !isNaNValue(upper) && cmp(upper, lit) < 0;
      };
    }
    case 'in': {
      const isLiteral = literalSet(p);
      return (s) => {
        if (nested || maybeNullOrNaN(s)) return false;
        const lower = s.lower(ref, slot);
        const upper = s.upper(ref, slot);
        if (lower === undefined || upper === undefined) return false;
        return cmp(lower, upper) === 0 && isLiteral(lower);
      };
    }
    case 'notIn': {
      const sorted = sortedValues(p, cmp);
      return (s) => {
        if (nested || s.mayContainNull(id)) return false;
        if (s.containsNaNsOnly(id)) return true;
        const lower = s.lower(ref, slot);
        if (lower !== undefined && isNaNValue(lower)) return false;
        const upper = s.upper(ref, slot);
        if (upper !== undefined && isNaNValue(upper)) return false;
        // no literal within the file's range: every row differs from all of them
        return (lower !== undefined || upper !== undefined) && !anyWithin(sorted, cmp, lower, upper);
      };
    }
    case 'startsWith': {
      const prefix = p.value as string;
      return (s) => {
        if (nested || s.mayContainNull(id)) return false;
        const lower = s.lower(ref, slot) as string | undefined;
        const upper = s.upper(ref, slot) as string | undefined;
        if (lower === undefined || upper === undefined) return false;
        // strings starting with the prefix form one interval: both ends in it puts all rows in it
        return lower.startsWith(prefix) && upper.startsWith(prefix);
      };
    }
    case 'notStartsWith': {
      const prefix = p.value as string;
      return (s) => {
        if (nested || s.mayContainNull(id)) return false;
        const lower = s.lower(ref, slot) as string | undefined;
        if (lower !== undefined && comparePrefix(lower, prefix, compareStrings) > 0) return true;
        const upper = s.upper(ref, slot) as string | undefined;
        return upper !== undefined && comparePrefix(upper, prefix, compareStrings) < 0;
      };
    }
  }
}
