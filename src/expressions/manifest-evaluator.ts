/**
 * Manifest pruning by partition summaries (spec "Manifest Lists": `partitions` field summaries):
 * whether a manifest might hold a file whose partition matches a partition predicate. Follows
 * Iceberg's ManifestEvaluator (a summary with nulls and no lower bound means every value is null,
 * or NaN), with SQL semantics for nulls and NaN as in metrics-evaluator.ts. A bound that does not
 * decode says nothing.
 */
import type { FieldSummary, ManifestFile } from '../spec/data-file.js';
import type { PartitionSpec } from '../spec/partition-spec.js';
import type { Schema } from '../spec/schema.js';
import { compareStrings } from '../spec/single-value.js';
import { type BoundExpression, type BoundPredicate, type BoundReference, rewriteNot } from './expression.js';
import { type Evaluate, compileTree, partitionPositions } from './evaluator.js';
import { BoundCache, anyWithin, boundOrders, comparePrefix, isNaNValue, literalSet, rangeNeedsOrder, sortedValues } from './bounds.js';
import { type Comparator, isFloatingType } from './ordering.js';
import { projectInclusive } from './projection.js';

class SummaryStats {
  summaries!: readonly FieldSummary[];
  private readonly lowers: BoundCache;
  private readonly uppers: BoundCache;

  constructor(slots: number) {
    this.lowers = new BoundCache(slots);
    this.uppers = new BoundCache(slots);
  }

  reset(summaries: readonly FieldSummary[]): void {
    this.summaries = summaries;
    this.lowers.next();
    this.uppers.next();
  }

  lower(pos: number, ref: BoundReference): unknown {
    const c = this.lowers;
    return c.has(pos) ? c.cached(pos) : c.get(pos, ref.type, this.summaries[pos]?.lowerBound);
  }

  upper(pos: number, ref: BoundReference): unknown {
    const c = this.uppers;
    return c.has(pos) ? c.cached(pos) : c.get(pos, ref.type, this.summaries[pos]?.upperBound);
  }
}

export class ManifestEvaluator {
  private readonly stats: SummaryStats;
  private readonly root: Evaluate<SummaryStats>;
  private readonly width: number;

  /**
   * `partitionExpr` is a predicate over `spec`'s partition fields (from `projectInclusive`, or a
   * partition filter bound to partition fields). The spec must be the one the manifest was written
   * with (`ManifestFile.partitionSpecId`).
   */
  constructor(partitionExpr: BoundExpression, spec: PartitionSpec) {
    const positions = partitionPositions(spec);
    this.width = spec.fields.length;
    this.stats = new SummaryStats(spec.fields.length);
    this.root = compileTree<BoundPredicate, SummaryStats>(rewriteNot(partitionExpr), (p) => {
      const pos = positions.get(p.ref.fieldId);
      if (pos === undefined) throw new Error(`partition field ${p.ref.fieldId} (${p.ref.name}) is not in spec ${spec.specId}`);
      if (rangeNeedsOrder(p)) {
        // bounds in an unknown order cannot decide a range: only "all null" can
        return (s) => !(s.summaries[pos]!.containsNull && s.summaries[pos]!.lowerBound === undefined);
      }
      const fns = boundOrders(p.ref.type).map((cmp) => manifestLeaf(p, pos, cmp));
      return fns.length === 1 ? fns[0]! : (s) => fns.some((f) => f(s));
    });
  }

  /** The evaluator for a row filter bound to the table schema, projected onto `spec`. */
  static forRowFilter(rowExpr: BoundExpression, spec: PartitionSpec, schema?: Schema): ManifestEvaluator {
    return new ManifestEvaluator(projectInclusive(rowExpr, spec, schema), spec);
  }

  /** False when no file in the manifest can match; true when some might. */
  eval(manifest: Pick<ManifestFile, 'partitions'>): boolean {
    const summaries = manifest.partitions;
    // no summaries (or summaries of another shape) say nothing
    if (summaries === undefined || summaries.length !== this.width) return true;
    this.stats.reset(summaries);
    return this.root(this.stats);
  }
}

function manifestLeaf(p: BoundPredicate, pos: number, cmp: Comparator): Evaluate<SummaryStats> {
  const ref = p.ref;
  const floating = isFloatingType(ref.type);
  const summary = (s: SummaryStats): FieldSummary => s.summaries[pos]!;
  /** containsNull is set and there is no lower bound: all values are null (or, for floats, NaN unless containsNan is false). */
  const allNull = (s: SummaryStats): boolean => {
    const f = summary(s);
    if (!(f.containsNull && f.lowerBound === undefined)) return false;
    return floating ? f.containsNan === false : true;
  };
  const uniqueValue = (s: SummaryStats): unknown => {
    const f = summary(s);
    if (f.containsNull) return undefined;
    if (floating && f.containsNan !== false) return undefined;
    const lower = s.lower(pos, ref);
    const upper = s.upper(pos, ref);
    if (lower === undefined || upper === undefined) return undefined;
    return cmp(lower, upper) === 0 ? lower : undefined;
  };
  switch (p.op) {
    case 'isNull':
      return (s) => summary(s).containsNull;
    case 'notNull':
      return (s) => !allNull(s);
    case 'isNaN':
      return (s) => summary(s).containsNan !== false && !allNull(s);
    case 'notNaN':
      // containsNan, no null and no lower bound: every value is NaN
      return (s) => {
        const f = summary(s);
        return !(f.containsNan === true && !f.containsNull && f.lowerBound === undefined);
      };
    case 'lt':
    case 'ltEq': {
      const lit = p.value;
      const strict = p.op === 'lt';
      return (s) => {
        if (summary(s).lowerBound === undefined) return false; // all null
        const lower = s.lower(pos, ref);
        if (lower === undefined || isNaNValue(lower)) return true;
        const c = cmp(lower, lit);
        return strict ? c < 0 : c <= 0;
      };
    }
    case 'gt':
    case 'gtEq': {
      const lit = p.value;
      const strict = p.op === 'gt';
      return (s) => {
        // NaN is above every literal, and summaries leave it out of the bounds
        if (floating && summary(s).containsNan !== false) return true;
        if (summary(s).upperBound === undefined) return false; // all null
        const upper = s.upper(pos, ref);
        if (upper === undefined) return true;
        const c = cmp(upper, lit);
        return strict ? c > 0 : c >= 0;
      };
    }
    case 'eq': {
      const lit = p.value;
      return (s) => {
        if (summary(s).lowerBound === undefined) return false; // all null
        const lower = s.lower(pos, ref);
        if (lower !== undefined && !isNaNValue(lower) && cmp(lower, lit) > 0) return false;
        const upper = s.upper(pos, ref);
        return upper === undefined || cmp(upper, lit) >= 0;
      };
    }
    case 'notEq': {
      const lit = p.value;
      return (s) => {
        const v = uniqueValue(s);
        return v === undefined || cmp(v, lit) !== 0;
      };
    }
    case 'in': {
      const sorted = sortedValues(p, cmp);
      return (s) => {
        if (summary(s).lowerBound === undefined) return false; // all null
        const lower = s.lower(pos, ref);
        if (lower === undefined || isNaNValue(lower)) return true;
        return anyWithin(sorted, cmp, lower, s.upper(pos, ref));
      };
    }
    case 'notIn': {
      const isLiteral = literalSet(p);
      return (s) => {
        const v = uniqueValue(s);
        return v === undefined || !isLiteral(v);
      };
    }
    case 'startsWith': {
      const prefix = p.value as string;
      return (s) => {
        if (summary(s).lowerBound === undefined) return false; // all null
        const lower = s.lower(pos, ref) as string | undefined;
        if (lower === undefined) return true;
        if (comparePrefix(lower, prefix, compareStrings) > 0) return false;
        const upper = s.upper(pos, ref) as string | undefined;
        return upper === undefined || comparePrefix(upper, prefix, compareStrings) >= 0;
      };
    }
    case 'notStartsWith': {
      const prefix = p.value as string;
      // cannot match when both bounds start with the prefix: then every non-null value does
      return (s) => {
        const lower = s.lower(pos, ref) as string | undefined;
        const upper = s.upper(pos, ref) as string | undefined;
        if (lower === undefined || upper === undefined) return true;
        return !(lower.startsWith(prefix) && upper.startsWith(prefix));
      };
    }
  }
}
