/**
 * Filter expressions (the spec's "Scan Planning" predicates), unbound (columns by name, literals as
 * the user wrote them) and bound (columns by field id, literals in the column's type).
 *
 * Expressions are plain immutable objects with SQL semantics: a predicate on a null value is
 * UNKNOWN (except the null and NaN tests, which are true or false), AND/OR/NOT follow SQL's
 * three-valued logic, and a row is selected when the filter is TRUE. NaN orders above every other
 * float (as in DuckDB, Spark and PostgreSQL), so `x > 5` selects NaN and `x < 5` does not; literals
 * are never NaN. With these rules each predicate's negated form (`<` and `>=`, `=` and `!=`,
 * `in` and `not in`, ...) is exactly its NOT, so `rewriteNot` can push NOT down to the leaves,
 * which projections and metrics evaluators need.
 */
import type { PrimitiveType } from '../spec/types.js';

export type UnaryOp = 'isNull' | 'notNull' | 'isNaN' | 'notNaN';
export type LiteralOp = 'lt' | 'ltEq' | 'gt' | 'gtEq' | 'eq' | 'notEq' | 'startsWith' | 'notStartsWith';
export type SetOp = 'in' | 'notIn';
export type PredicateOp = UnaryOp | LiteralOp | SetOp;

/** A literal as written by a user: JS values, or text tagged with the SQL type it was written as. */
export type LiteralValue = boolean | number | bigint | string | Uint8Array | Date | TypedLiteral;

/**
 * Literal text with the SQL type keyword it was written with (`DATE '2024-01-01'`), or a number
 * kept as exact decimal text (`1.50`, `2e-3`) so that it converts to a decimal column without loss.
 */
export interface TypedLiteral {
  readonly kind: 'date' | 'time' | 'timestamp' | 'timestamptz' | 'decimal' | 'uuid';
  readonly text: string;
}

export interface TrueExpr {
  readonly op: 'true';
}
export interface FalseExpr {
  readonly op: 'false';
}
/** Anything with an operation tag: predicates of either kind. */
export interface HasOp {
  readonly op: string;
}
export interface NotExpr<P extends HasOp> {
  readonly op: 'not';
  readonly child: LogicalExpr<P>;
}
export interface AndExpr<P extends HasOp> {
  readonly op: 'and';
  readonly left: LogicalExpr<P>;
  readonly right: LogicalExpr<P>;
}
export interface OrExpr<P extends HasOp> {
  readonly op: 'or';
  readonly left: LogicalExpr<P>;
  readonly right: LogicalExpr<P>;
}
export type LogicalExpr<P extends HasOp> = TrueExpr | FalseExpr | NotExpr<P> | AndExpr<P> | OrExpr<P> | P;

// ---- unbound ----

export interface UnboundUnaryPredicate {
  readonly op: UnaryOp;
  readonly column: string;
}
export interface UnboundLiteralPredicate {
  readonly op: LiteralOp;
  readonly column: string;
  readonly value: LiteralValue;
}
export interface UnboundSetPredicate {
  readonly op: SetOp;
  readonly column: string;
  readonly values: readonly LiteralValue[];
}
export type UnboundPredicate = UnboundUnaryPredicate | UnboundLiteralPredicate | UnboundSetPredicate;
export type UnboundExpression = LogicalExpr<UnboundPredicate>;

// ---- bound ----

/** A column resolved against a schema (or a partition field resolved against a partition spec). */
export interface BoundReference {
  readonly fieldId: number;
  /** Full dotted name, for messages and SQL. */
  readonly name: string;
  readonly type: PrimitiveType;
  /** True when the field and every enclosing struct are required, so the value is never null. */
  readonly required: boolean;
  /** True when the field sits inside a struct (its metrics then say less, see the strict evaluator). */
  readonly nested: boolean;
}
export interface BoundUnaryPredicate {
  readonly op: UnaryOp;
  readonly ref: BoundReference;
}
export interface BoundLiteralPredicate {
  readonly op: LiteralOp;
  readonly ref: BoundReference;
  /** In lake's in-memory representation of `ref.type` (see src/spec/types.ts). */
  readonly value: unknown;
}
export interface BoundSetPredicate {
  readonly op: SetOp;
  readonly ref: BoundReference;
  /** Distinct values, at least two (binding turns one value into `eq` / `notEq`). */
  readonly values: readonly unknown[];
}
export type BoundPredicate = BoundUnaryPredicate | BoundLiteralPredicate | BoundSetPredicate;
export type BoundExpression = LogicalExpr<BoundPredicate>;

export type Expression = UnboundExpression | BoundExpression;

// ---- constructors ----

const TRUE: TrueExpr = Object.freeze({ op: 'true' });
const FALSE: FalseExpr = Object.freeze({ op: 'false' });

export function alwaysTrue(): TrueExpr {
  return TRUE;
}

export function alwaysFalse(): FalseExpr {
  return FALSE;
}

/** Conjunction, folding constants (`x AND false` is `false`, `x AND true` is `x`). */
export function and(...exprs: UnboundExpression[]): UnboundExpression;
export function and(...exprs: BoundExpression[]): BoundExpression;
export function and<P extends HasOp>(...exprs: LogicalExpr<P>[]): LogicalExpr<P>;
export function and<P extends HasOp>(...exprs: LogicalExpr<P>[]): LogicalExpr<P> {
  let out: LogicalExpr<P> = TRUE;
  for (const e of exprs) {
    if (e.op === 'false') return FALSE;
    if (e.op === 'true') continue;
    out = out.op === 'true' ? e : { op: 'and', left: out, right: e };
  }
  return out;
}

/** Disjunction, folding constants (`x OR true` is `true`, `x OR false` is `x`). */
export function or(...exprs: UnboundExpression[]): UnboundExpression;
export function or(...exprs: BoundExpression[]): BoundExpression;
export function or<P extends HasOp>(...exprs: LogicalExpr<P>[]): LogicalExpr<P>;
export function or<P extends HasOp>(...exprs: LogicalExpr<P>[]): LogicalExpr<P> {
  let out: LogicalExpr<P> = FALSE;
  for (const e of exprs) {
    if (e.op === 'true') return TRUE;
    if (e.op === 'false') continue;
    out = out.op === 'false' ? e : { op: 'or', left: out, right: e };
  }
  return out;
}

/** Negation, folding constants and double negation. */
export function not(e: UnboundExpression): UnboundExpression;
export function not(e: BoundExpression): BoundExpression;
export function not<P extends HasOp>(e: LogicalExpr<P>): LogicalExpr<P>;
export function not<P extends HasOp>(e: LogicalExpr<P>): LogicalExpr<P> {
  if (e.op === 'true') return FALSE;
  if (e.op === 'false') return TRUE;
  if (e.op === 'not') return (e as NotExpr<P>).child;
  return { op: 'not', child: e };
}

export function isNull(column: string): UnboundUnaryPredicate {
  return { op: 'isNull', column };
}
export function notNull(column: string): UnboundUnaryPredicate {
  return { op: 'notNull', column };
}
/** Matches NaN values of a float or double column. */
export function isNan(column: string): UnboundUnaryPredicate {
  return { op: 'isNaN', column };
}
export function notNan(column: string): UnboundUnaryPredicate {
  return { op: 'notNaN', column };
}
export function lessThan(column: string, value: LiteralValue): UnboundLiteralPredicate {
  return { op: 'lt', column, value };
}
export function lessThanOrEqual(column: string, value: LiteralValue): UnboundLiteralPredicate {
  return { op: 'ltEq', column, value };
}
export function greaterThan(column: string, value: LiteralValue): UnboundLiteralPredicate {
  return { op: 'gt', column, value };
}
export function greaterThanOrEqual(column: string, value: LiteralValue): UnboundLiteralPredicate {
  return { op: 'gtEq', column, value };
}
export function equal(column: string, value: LiteralValue): UnboundLiteralPredicate {
  return { op: 'eq', column, value };
}
export function notEqual(column: string, value: LiteralValue): UnboundLiteralPredicate {
  return { op: 'notEq', column, value };
}
export function startsWith(column: string, prefix: string): UnboundLiteralPredicate {
  return { op: 'startsWith', column, value: prefix };
}
export function notStartsWith(column: string, prefix: string): UnboundLiteralPredicate {
  return { op: 'notStartsWith', column, value: prefix };
}
export function isIn(column: string, values: readonly LiteralValue[]): UnboundSetPredicate {
  return { op: 'in', column, values: [...values] };
}
export function notIn(column: string, values: readonly LiteralValue[]): UnboundSetPredicate {
  return { op: 'notIn', column, values: [...values] };
}

// ---- structure ----

export function isPredicate<P extends HasOp>(e: LogicalExpr<P>): e is P {
  const op = (e as { op: string }).op;
  return op !== 'true' && op !== 'false' && op !== 'not' && op !== 'and' && op !== 'or';
}

export function isUnaryOp(op: string): op is UnaryOp {
  return op === 'isNull' || op === 'notNull' || op === 'isNaN' || op === 'notNaN';
}

export function isSetOp(op: string): op is SetOp {
  return op === 'in' || op === 'notIn';
}

const NEGATED: Record<PredicateOp, PredicateOp> = {
  isNull: 'notNull',
  notNull: 'isNull',
  isNaN: 'notNaN',
  notNaN: 'isNaN',
  lt: 'gtEq',
  ltEq: 'gt',
  gt: 'ltEq',
  gtEq: 'lt',
  eq: 'notEq',
  notEq: 'eq',
  startsWith: 'notStartsWith',
  notStartsWith: 'startsWith',
  in: 'notIn',
  notIn: 'in',
};

/** The operation that is TRUE exactly where the given one is FALSE (and UNKNOWN where it is UNKNOWN). */
export function negateOp<O extends PredicateOp>(op: O): O extends UnaryOp ? UnaryOp : O extends SetOp ? SetOp : LiteralOp {
  return NEGATED[op] as never;
}

/** The negated predicate (same shape, negated operation). */
export function negatePredicate<P extends { op: PredicateOp }>(p: P): P {
  return { ...p, op: NEGATED[p.op] };
}

/**
 * Pushes every NOT down to the predicates and removes it (De Morgan, then negated operations); the
 * result selects the same rows. Projections and metrics evaluators need NOT-free input: with no NOT
 * above them, an UNKNOWN leaf acts like FALSE, and "cannot decide" answers stay correct.
 */
export function rewriteNot<P extends { op: PredicateOp }>(e: LogicalExpr<P>): LogicalExpr<P> {
  return push(e, false);
}

function push<P extends { op: PredicateOp }>(e: LogicalExpr<P>, negate: boolean): LogicalExpr<P> {
  switch (e.op) {
    case 'true':
      return negate ? FALSE : TRUE;
    case 'false':
      return negate ? TRUE : FALSE;
    case 'not':
      return push((e as NotExpr<P>).child, !negate);
    case 'and': {
      const a = e as AndExpr<P>;
      return negate ? or(push(a.left, true), push(a.right, true)) : and(push(a.left, false), push(a.right, false));
    }
    case 'or': {
      const o = e as OrExpr<P>;
      return negate ? and(push(o.left, true), push(o.right, true)) : or(push(o.left, false), push(o.right, false));
    }
    default:
      return negate ? negatePredicate(e as P) : e;
  }
}

/** Field ids referenced by a bound expression. */
export function referencedFieldIds(e: BoundExpression, out: Set<number> = new Set()): Set<number> {
  switch (e.op) {
    case 'true':
    case 'false':
      return out;
    case 'not':
      return referencedFieldIds(e.child, out);
    case 'and':
    case 'or':
      referencedFieldIds(e.left, out);
      return referencedFieldIds(e.right, out);
    default:
      out.add(e.ref.fieldId);
      return out;
  }
}

/** Applies `fn` to every predicate, rebuilding the tree with constant folding. */
export function mapPredicates<P extends HasOp, Q extends HasOp>(e: LogicalExpr<P>, fn: (p: P) => LogicalExpr<Q>): LogicalExpr<Q> {
  const op = (e as { op: string }).op;
  switch (op) {
    case 'true':
      return TRUE;
    case 'false':
      return FALSE;
    case 'not':
      return not(mapPredicates((e as NotExpr<P>).child, fn));
    case 'and':
      return and(mapPredicates((e as AndExpr<P>).left, fn), mapPredicates((e as AndExpr<P>).right, fn));
    case 'or':
      return or(mapPredicates((e as OrExpr<P>).left, fn), mapPredicates((e as OrExpr<P>).right, fn));
    default:
      return fn(e as P);
  }
}
