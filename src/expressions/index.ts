/**
 * Filter expressions: model, binding, parsing, projection onto partitions, and the evaluators scan
 * planning and reading use.
 */
export type {
  AndExpr,
  BoundExpression,
  BoundLiteralPredicate,
  BoundPredicate,
  BoundReference,
  BoundSetPredicate,
  BoundUnaryPredicate,
  Expression,
  FalseExpr,
  HasOp,
  LiteralOp,
  LiteralValue,
  LogicalExpr,
  NotExpr,
  OrExpr,
  PredicateOp,
  SetOp,
  TrueExpr,
  TypedLiteral,
  UnaryOp,
  UnboundExpression,
  UnboundLiteralPredicate,
  UnboundPredicate,
  UnboundSetPredicate,
  UnboundUnaryPredicate,
} from './expression.js';
export {
  alwaysFalse,
  alwaysTrue,
  and,
  equal,
  greaterThan,
  greaterThanOrEqual,
  isIn,
  isNan,
  isNull,
  isPredicate,
  lessThan,
  lessThanOrEqual,
  mapPredicates,
  negatePredicate,
  not,
  notEqual,
  notIn,
  notNan,
  notNull,
  notStartsWith,
  or,
  referencedFieldIds,
  rewriteNot,
  startsWith,
} from './expression.js';
export { type BindOptions, ColumnResolver, bind, bindPredicate } from './binder.js';
export { type Conversion, convertLiteral, describeLiteral, formatValue } from './literals.js';
export { parsePredicate } from './parser.js';
export { type ProjectionMode, partitionReference, projectInclusive, projectPredicate, projectStrict } from './projection.js';
export { type Evaluate, type Row, evaluateRow, partitionEvaluator, partitionPositions, rowEvaluator } from './evaluator.js';
export { InclusiveMetricsEvaluator, StrictMetricsEvaluator } from './metrics-evaluator.js';
export { ManifestEvaluator } from './manifest-evaluator.js';
export { ResidualEvaluator } from './residual-evaluator.js';
export { type ColumnForFieldId, quoteIdentifier, quoteString, sqlLiteral, toDuckDbSql } from './duckdb-sql.js';
export { expressionToString } from './to-string.js';
