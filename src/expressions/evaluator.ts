/**
 * Evaluation of bound expressions on values: rows (the Arrow read path's row filter) and partition
 * tuples (planning). Expressions are compiled once into closures, so evaluating a row allocates
 * nothing.
 *
 * Semantics are SQL's (see expression.ts): NOT is pushed down first (`rewriteNot`), after which a
 * predicate that is UNKNOWN (a comparison on a null value) can be treated as false, so each compiled
 * predicate answers "is it TRUE?". The null and NaN tests are true or false, never unknown.
 */
import type { PartitionSpec } from '../spec/partition-spec.js';
import type { PartitionValues } from '../spec/data-file.js';
import { type AndExpr, type BoundExpression, type BoundPredicate, type BoundReference, type HasOp, type LogicalExpr, type NotExpr, type OrExpr, rewriteNot } from './expression.js';
import { comparatorFor, keyFor, normalizerFor } from './ordering.js';

export type Evaluate<A> = (arg: A) => boolean;

/**
 * Compiles the logical skeleton of an expression, with `leaf` compiling each predicate. NOT is
 * compiled as a plain negation, which is only right for two-valued leaves: callers rewrite NOT away
 * first (`rewriteNot`).
 */
export function compileTree<P extends HasOp, A>(expr: LogicalExpr<P>, leaf: (p: P) => Evaluate<A>): Evaluate<A> {
  const op = (expr as HasOp).op;
  switch (op) {
    case 'true':
      return () => true;
    case 'false':
      return () => false;
    case 'not': {
      const c = compileTree((expr as NotExpr<P>).child, leaf);
      return (a) => !c(a);
    }
    case 'and': {
      const l = compileTree((expr as AndExpr<P>).left, leaf);
      const r = compileTree((expr as AndExpr<P>).right, leaf);
      return (a) => l(a) && r(a);
    }
    case 'or': {
      const l = compileTree((expr as OrExpr<P>).left, leaf);
      const r = compileTree((expr as OrExpr<P>).right, leaf);
      return (a) => l(a) || r(a);
    }
    default:
      return leaf(expr as P);
  }
}

/** Compiles one predicate over a value getter. */
export function compilePredicate<A>(p: BoundPredicate, get: (a: A) => unknown): Evaluate<A> {
  const test = valueTest(p);
  const norm = normalizerFor(p.ref.type);
  if (norm === undefined) return (a) => test(get(a));
  return (a) => test(norm(get(a)));
}

/**
 * The predicate as a test on one value of its column (already in the column's representation):
 * true when the predicate is TRUE, false when it is FALSE or UNKNOWN.
 */
export function valueTest(p: BoundPredicate): (v: unknown) => boolean {
  const type = p.ref.type;
  switch (p.op) {
    case 'isNull':
      return (v) => v === null || v === undefined;
    case 'notNull':
      return (v) => v !== null && v !== undefined;
    case 'isNaN':
      return (v) => typeof v === 'number' && v !== v;
    case 'notNaN':
      return (v) => !(typeof v === 'number' && v !== v);
    case 'in':
    case 'notIn': {
      const key = keyFor(type);
      const set = new Set(key ? p.values.map(key) : p.values);
      const member = key ? (v: unknown) => set.has(key(v)) : (v: unknown) => set.has(v);
      return p.op === 'in' ? (v) => v !== null && v !== undefined && member(v) : (v) => v !== null && v !== undefined && !member(v);
    }
    case 'startsWith': {
      const prefix = p.value as string;
      return (v) => typeof v === 'string' && v.startsWith(prefix);
    }
    case 'notStartsWith': {
      const prefix = p.value as string;
      return (v) => typeof v === 'string' && !v.startsWith(prefix);
    }
    default: {
      // the comparator orders NaN above every number, as SQL engines do
      const cmp = comparatorFor(type);
      const lit = p.value;
      switch (p.op) {
        case 'lt':
          return (v) => v !== null && v !== undefined && cmp(v, lit) < 0;
        case 'ltEq':
          return (v) => v !== null && v !== undefined && cmp(v, lit) <= 0;
        case 'gt':
          return (v) => v !== null && v !== undefined && cmp(v, lit) > 0;
        case 'gtEq':
          return (v) => v !== null && v !== undefined && cmp(v, lit) >= 0;
        case 'eq':
          return (v) => v !== null && v !== undefined && cmp(v, lit) === 0;
        case 'notEq':
          return (v) => v !== null && v !== undefined && cmp(v, lit) !== 0;
      }
    }
  }
}

/** A row: values keyed by field id (object or Map), in lake's in-memory representation. */
export type Row = Readonly<Record<number, unknown>> | ReadonlyMap<number, unknown>;

/**
 * Compiles a row filter. `get` reads a field's value from a row (default: `row[fieldId]`, or
 * `row.get(fieldId)` for a Map); nested struct fields are read by their own field id.
 */
export function rowEvaluator<R = Row>(expr: BoundExpression, get?: (row: R, ref: BoundReference) => unknown): Evaluate<R> {
  const read =
    get ??
    ((row: R, ref: BoundReference): unknown =>
      row instanceof Map ? (row as ReadonlyMap<number, unknown>).get(ref.fieldId) : (row as Readonly<Record<number, unknown>>)[ref.fieldId]);
  return compileTree<BoundPredicate, R>(rewriteNot(expr), (p) => {
    const ref = p.ref;
    return compilePredicate<R>(p, (row) => read(row, ref));
  });
}

/** Evaluates a bound expression on one row (compile once with `rowEvaluator` for many rows). */
export function evaluateRow(expr: BoundExpression, row: Row): boolean {
  return rowEvaluator(expr)(row);
}

/**
 * Compiles a partition filter: an expression over partition fields (from `projectInclusive` or
 * `projectStrict`) tested on a file's partition tuple (values in spec field order).
 */
export function partitionEvaluator(partitionExpr: BoundExpression, spec: PartitionSpec): Evaluate<PartitionValues> {
  const pos = partitionPositions(spec);
  return compileTree<BoundPredicate, PartitionValues>(rewriteNot(partitionExpr), (p) => {
    const i = pos.get(p.ref.fieldId);
    if (i === undefined) throw new Error(`partition field ${p.ref.fieldId} (${p.ref.name}) is not in spec ${spec.specId}`);
    return compilePredicate<PartitionValues>(p, (tuple) => tuple[i]);
  });
}

/** Partition field id -> position in the spec (and in partition tuples and field summaries). */
export function partitionPositions(spec: PartitionSpec): Map<number, number> {
  const pos = new Map<number, number>();
  spec.fields.forEach((f, i) => pos.set(f.fieldId, i));
  return pos;
}
