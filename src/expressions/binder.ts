/**
 * Binding: resolves column names to field ids and converts literals to the columns' types
 * (Iceberg's `Binder`). The result refers to columns only by field id, so it stays correct for data
 * files written under older schemas (renamed, reordered, promoted columns).
 */
import { LakeError } from '../errors.js';
import { type IndexedField, type Schema, indexSchema } from '../spec/schema.js';
import { isPrimitive, typeToString } from '../spec/types.js';
import {
  type BoundExpression,
  type BoundPredicate,
  type BoundReference,
  type LiteralOp,
  type UnboundExpression,
  type UnboundPredicate,
  alwaysFalse,
  alwaysTrue,
  and,
  isUnaryOp,
  mapPredicates,
  rewriteNot,
} from './expression.js';
import { type Conversion, convertLiteral, describeLiteral } from './literals.js';
import { isFloatingType, keyFor } from './ordering.js';

export interface BindOptions {
  /** Match column names exactly (default true); otherwise a unique case-insensitive match. */
  caseSensitive?: boolean;
}

/**
 * Binds an expression to a schema. Throws LakeError INVALID_INPUT for unknown columns and bad
 * literals.
 *
 * NOT is pushed down to the predicates first (`rewriteNot`), so the result has no NOT: binding
 * folds some predicates into constants (`int_col = 2.5` is never TRUE, and FALSE only where the
 * column is not null), which is exact only where no NOT is applied above them. To negate a filter,
 * negate the unbound expression and bind that.
 */
export function bind(expr: UnboundExpression, schema: Schema, options: BindOptions = {}): BoundExpression {
  const resolver = new ColumnResolver(schema, options.caseSensitive ?? true);
  return mapPredicates<UnboundPredicate, BoundPredicate>(rewriteNot(expr), (p) => bindPredicate(p, resolver.resolve(p.column)));
}

/** Resolves a column name to a bound reference, with suggestions for unknown names. */
export class ColumnResolver {
  private readonly index: Map<number, IndexedField>;
  private readonly byPath = new Map<string, IndexedField>();

  constructor(
    readonly schema: Schema,
    readonly caseSensitive: boolean,
  ) {
    this.index = indexSchema(schema);
    for (const e of this.index.values()) this.byPath.set(e.path, e);
  }

  resolve(name: string): BoundReference {
    let entry = this.byPath.get(name);
    if (entry === undefined && !this.caseSensitive) {
      const lower = name.toLowerCase();
      const hits = [...this.byPath.values()].filter((e) => e.path.toLowerCase() === lower);
      if (hits.length > 1) {
        throw new LakeError('INVALID_INPUT', `column name "${name}" is ambiguous: ${hits.map((h) => h.path).join(', ')}`, {
          context: { column: name, candidates: hits.map((h) => h.path) },
        });
      }
      entry = hits[0];
    }
    if (entry === undefined) throw this.unknown(name);
    const f = entry.field;
    if (!isPrimitive(f.type)) {
      throw new LakeError('INVALID_INPUT', `column "${entry.path}" has type ${typeToString(f.type)}; filters need a primitive column`, {
        context: { column: entry.path, type: typeToString(f.type) },
      });
    }
    // only struct nesting is addressable: list elements and map entries are many values per row
    for (const pid of entry.parents) {
      const parent = this.index.get(pid)!.field;
      if (parent.type.kind !== 'struct') {
        throw new LakeError('UNSUPPORTED_FEATURE', `cannot filter on "${entry.path}": it is inside a ${parent.type.kind}`, {
          context: { column: entry.path },
        });
      }
    }
    const required = f.required && entry.parents.every((pid) => this.index.get(pid)!.field.required);
    return { fieldId: f.id, name: entry.path, type: f.type, required, nested: entry.parents.length > 0 };
  }

  private unknown(name: string): LakeError {
    const paths = [...this.byPath.values()]
      .filter((e) => e.parents.every((pid) => this.index.get(pid)!.field.type.kind === 'struct'))
      .map((e) => e.path);
    const lower = name.toLowerCase();
    const scored = paths
      .map((p) => ({ p, d: editDistance(lower, p.toLowerCase()) }))
      .filter(({ p, d }) => d <= Math.max(2, Math.floor(name.length / 3)) || p.toLowerCase().includes(lower) || lower.includes(p.toLowerCase()))
      .sort((a, b) => a.d - b.d || a.p.localeCompare(b.p))
      .slice(0, 5)
      .map(({ p }) => p);
    const hint =
      scored.length > 0
        ? `; did you mean ${scored.map((p) => `"${p}"`).join(', ')}?`
        : `; columns are ${paths.slice(0, 20).map((p) => `"${p}"`).join(', ')}${paths.length > 20 ? ', ...' : ''}`;
    return new LakeError('INVALID_INPUT', `unknown column "${name}"${hint}`, { context: { column: name, suggestions: scored } });
  }
}

function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Binds one predicate against a resolved column. */
export function bindPredicate(p: UnboundPredicate, ref: BoundReference): BoundExpression {
  const type = ref.type;
  if (isUnaryOp(p.op)) {
    switch (p.op) {
      case 'isNull':
        if (ref.required) return alwaysFalse();
        if (type.kind === 'unknown') return alwaysTrue();
        return { op: 'isNull', ref };
      case 'notNull':
        if (ref.required) return alwaysTrue();
        if (type.kind === 'unknown') return alwaysFalse();
        return { op: 'notNull', ref };
      default:
        if (!isFloatingType(type)) {
          throw new LakeError('INVALID_INPUT', `IS ${p.op === 'isNaN' ? '' : 'NOT '}NAN needs a float or double column; "${ref.name}" is ${typeToString(type)}`, {
            context: { column: ref.name, type: typeToString(type) },
          });
        }
        return { op: p.op, ref };
    }
  }
  if (p.op === 'in' || p.op === 'notIn') {
    const values = (p as { values: readonly unknown[] }).values as Parameters<typeof convertLiteral>[0][];
    return bindSet(p.op, ref, values.map((v) => convertLiteral(v, type, ref.name)));
  }
  const value = (p as { value: unknown }).value as Parameters<typeof convertLiteral>[0];
  if ((p.op === 'startsWith' || p.op === 'notStartsWith') && type.kind !== 'string') {
    throw new LakeError('INVALID_INPUT', `starts-with (LIKE 'prefix%') needs a string column; "${ref.name}" is ${typeToString(type)}`, {
      context: { column: ref.name, type: typeToString(type) },
    });
  }
  if ((p.op === 'startsWith' || p.op === 'notStartsWith') && typeof value !== 'string') {
    throw new LakeError('INVALID_INPUT', `starts-with needs a string prefix, got ${describeLiteral(value)}`, { context: { column: ref.name } });
  }
  return bindComparison(p.op as LiteralOp, ref, convertLiteral(value, type, ref.name));
}

/** TRUE for every non-null value (UNKNOWN, hence not selected, for null). */
function notNullRef(ref: BoundReference): BoundExpression {
  return ref.required ? alwaysTrue() : { op: 'notNull', ref };
}

/**
 * Binds a comparison whose literal converted to `c`. Literals no column value can equal fold to
 * constants; as NOT was pushed down first, "UNKNOWN for null" may become FALSE for null.
 */
function bindComparison(op: LiteralOp, ref: BoundReference, c: Conversion): BoundExpression {
  const floating = isFloatingType(ref.type);
  switch (c.kind) {
    case 'exact':
      return { op, ref, value: c.value };
    case 'aboveMax':
      // every value is below the literal, except NaN, which sorts above everything
      if (op === 'lt' || op === 'ltEq') return floating ? and<BoundPredicate>(notNullRef(ref), { op: 'notNaN', ref }) : notNullRef(ref);
      return op === 'notEq' ? notNullRef(ref) : floating && (op === 'gt' || op === 'gtEq') ? { op: 'isNaN', ref } : alwaysFalse();
    case 'belowMin':
      // every value is above the literal
      return op === 'gt' || op === 'gtEq' || op === 'notEq' ? notNullRef(ref) : alwaysFalse();
    case 'between':
      // the literal sits strictly between two neighbouring values: no value equals it
      switch (op) {
        case 'lt':
        case 'ltEq':
          return { op: 'ltEq', ref, value: c.below };
        case 'gt':
        case 'gtEq':
          return { op: 'gtEq', ref, value: c.above };
        case 'eq':
          return alwaysFalse();
        case 'notEq':
          return notNullRef(ref);
        default:
          // starts-with literals are strings, which always convert exactly
          throw new LakeError('INTERNAL', `inexact literal for ${op}`);
      }
  }
}

function bindSet(op: 'in' | 'notIn', ref: BoundReference, conversions: Conversion[]): BoundExpression {
  const key = keyFor(ref.type) ?? ((v: unknown) => v);
  const seen = new Set<unknown>();
  const values: unknown[] = [];
  for (const c of conversions) {
    // values that no column value can equal never match (in) and never exclude (not in)
    if (c.kind !== 'exact') continue;
    const k = key(c.value);
    if (seen.has(k)) continue;
    seen.add(k);
    values.push(c.value);
  }
  if (values.length === 0) return op === 'in' ? alwaysFalse() : notNullRef(ref);
  if (values.length === 1) return { op: op === 'in' ? 'eq' : 'notEq', ref, value: values[0] };
  return { op, ref, values };
}
