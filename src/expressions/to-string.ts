/**
 * Readable text of an expression, for messages, logs and `--json` output (not meant to be parsed
 * back: literals print in their human form, not as typed SQL).
 */
import type { Expression, HasOp, LogicalExpr } from './expression.js';
import { describeLiteral, formatValue } from './literals.js';

const SYMBOL: Record<string, string> = { lt: '<', ltEq: '<=', gt: '>', gtEq: '>=', eq: '=', notEq: '!=' };

type AnyPredicate = {
  op: string;
  column?: string;
  ref?: { name: string; type: Parameters<typeof formatValue>[0] };
  value?: unknown;
  values?: readonly unknown[];
};

export function expressionToString(e: Expression): string {
  return show(e as LogicalExpr<HasOp>, 0);
}

/** Precedence: 0 = or, 1 = and, 2 = not/atom. */
function show(e: LogicalExpr<HasOp>, parent: number): string {
  switch (e.op) {
    case 'true':
      return 'true';
    case 'false':
      return 'false';
    case 'not':
      return `not(${show((e as { child: LogicalExpr<HasOp> }).child, 0)})`;
    case 'and':
    case 'or': {
      const prec = e.op === 'or' ? 0 : 1;
      const b = e as { left: LogicalExpr<HasOp>; right: LogicalExpr<HasOp> };
      const s = `${show(b.left, prec)} ${e.op} ${show(b.right, prec)}`;
      return parent > prec ? `(${s})` : s;
    }
    default:
      return predicate(e as AnyPredicate);
  }
}

function predicate(p: AnyPredicate): string {
  const name = p.ref ? p.ref.name : p.column!;
  const col = /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
  const lit = (v: unknown): string => {
    if (!p.ref) return describeLiteral(v as Parameters<typeof describeLiteral>[0]);
    const text = formatValue(p.ref.type, v);
    if (v instanceof Uint8Array) return `X'${text}'`;
    return typeof v === 'string' || typeof v === 'object' || p.ref.type.kind.startsWith('time') || p.ref.type.kind === 'date' ? `'${text.replaceAll("'", "''")}'` : text;
  };
  switch (p.op) {
    case 'isNull':
      return `${col} is null`;
    case 'notNull':
      return `${col} is not null`;
    case 'isNaN':
      return `is_nan(${col})`;
    case 'notNaN':
      return `not_nan(${col})`;
    case 'startsWith':
      return `${col} starts with ${lit(p.value)}`;
    case 'notStartsWith':
      return `${col} not starts with ${lit(p.value)}`;
    case 'in':
      return `${col} in (${p.values!.map(lit).join(', ')})`;
    case 'notIn':
      return `${col} not in (${p.values!.map(lit).join(', ')})`;
    default:
      return `${col} ${SYMBOL[p.op] ?? p.op} ${lit(p.value)}`;
  }
}
