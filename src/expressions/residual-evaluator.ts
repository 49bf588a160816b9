/**
 * Residuals (Iceberg's ResidualEvaluator): the part of a row filter that still has to be applied
 * to the rows of a file, given the file's partition tuple. A predicate whose strict projection holds
 * for the partition is true for every row there; one whose inclusive projection fails is false for
 * every row there; anything else stays. A residual of `true` means the file needs no row filter.
 * NOT is pushed down first, so that "never TRUE" may stand in for a predicate (see expression.ts).
 */
import type { PartitionValues } from '../spec/data-file.js';
import type { PartitionSpec } from '../spec/partition-spec.js';
import { type BoundExpression, type BoundPredicate, alwaysFalse, alwaysTrue, mapPredicates, rewriteNot } from './expression.js';
import { type Evaluate, compilePredicate, compileTree, partitionPositions } from './evaluator.js';
import { projectPredicate } from './projection.js';

interface LeafPlan {
  /** Any of these holding for the partition makes the predicate true for all its rows. */
  strict: Evaluate<PartitionValues>[];
  /** Any of these failing for the partition makes the predicate false for all its rows. */
  inclusive: Evaluate<PartitionValues>[];
}

export class ResidualEvaluator {
  private readonly plans = new Map<BoundPredicate, LeafPlan>();

  /** `expr` is bound to the table schema; `spec` is the spec the files were written with. */
  private readonly expr: BoundExpression;

  constructor(
    expr: BoundExpression,
    private readonly spec: PartitionSpec,
  ) {
    this.expr = rewriteNot(expr);
    const positions = partitionPositions(spec);
    const compile = (e: BoundExpression): Evaluate<PartitionValues> =>
      compileTree<BoundPredicate, PartitionValues>(e, (q) => {
        const i = positions.get(q.ref.fieldId)!;
        return compilePredicate<PartitionValues>(q, (t) => t[i]);
      });
    mapPredicates<BoundPredicate, BoundPredicate>(this.expr, (p) => {
      if (this.plans.has(p)) return p;
      const plan: LeafPlan = { strict: [], inclusive: [] };
      for (const f of spec.fields) {
        if (f.sourceId !== p.ref.fieldId || (f.sourceIds !== undefined && f.sourceIds.length > 1)) continue;
        const s = projectPredicate(p, f, 'strict');
        if (s !== undefined) plan.strict.push(compile(s));
        const i = projectPredicate(p, f, 'inclusive');
        if (i !== undefined) plan.inclusive.push(compile(i));
      }
      if (plan.strict.length > 0 || plan.inclusive.length > 0) this.plans.set(p, plan);
      return p;
    });
  }

  /** The filter that remains for rows of a file with this partition tuple (spec field order). */
  residualFor(partition: PartitionValues): BoundExpression {
    if (this.plans.size === 0) return this.expr;
    return mapPredicates<BoundPredicate, BoundPredicate>(this.expr, (p) => {
      const plan = this.plans.get(p);
      if (plan === undefined) return p;
      for (const s of plan.strict) if (s(partition)) return alwaysTrue();
      for (const i of plan.inclusive) if (!i(partition)) return alwaysFalse();
      return p;
    });
  }

  get partitionSpec(): PartitionSpec {
    return this.spec;
  }
}
