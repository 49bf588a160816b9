/**
 * Renders a bound expression as a DuckDB SQL condition, so the DuckDB read path can push a scan
 * filter down. lake's predicates have SQL semantics (three-valued logic, NaN above every number,
 * see expression.ts), which are DuckDB's own, so most predicates render as themselves. The null
 * and NaN tests never return NULL. Literals carry their exact type: `DATE`, `TIME`, `TIMESTAMP`,
 * `TIMESTAMPTZ` (UTC), `TIMESTAMP_NS`, `DECIMAL(p,s)`, `FLOAT`/`DOUBLE` (shortest round-trip text),
 * `UUID`, and `from_hex(...)` blobs.
 */
import { NANOS_PER_MICRO, daysToIsoDate, formatTimestampNanos, microsToIsoTime } from '../spec/date-time.js';
import { bytesToHex, decimalToPlainString } from '../spec/single-value.js';
import type { PrimitiveType } from '../spec/types.js';
import { type BoundExpression, type BoundPredicate, type BoundReference, rewriteNot } from './expression.js';

/**
 * The column for a field id: a plain name (quoted here), or `{ sql }` with a ready SQL expression
 * (for example a nested struct field `"s"."x"`).
 */
export type ColumnForFieldId = (fieldId: number, ref: BoundReference) => string | { sql: string };

/** Double-quotes an identifier for DuckDB. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Single-quotes a string literal for DuckDB (standard SQL escaping, no backslash escapes). */
export function quoteString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** Renders `expr` as a DuckDB boolean expression. */
export function toDuckDbSql(expr: BoundExpression, column: ColumnForFieldId): string {
  return render(rewriteNot(expr), column, false);
}

function render(e: BoundExpression, column: ColumnForFieldId, nestedInAnd: boolean): string {
  switch (e.op) {
    case 'true':
      return 'TRUE';
    case 'false':
      return 'FALSE';
    case 'not':
      // rewriteNot leaves none; SQL's NOT is the same three-valued NOT anyway
      return `(NOT ${render(e.child, column, false)})`;
    case 'and': {
      const s = `${render(e.left, column, true)} AND ${render(e.right, column, true)}`;
      return nestedInAnd ? s : `(${s})`;
    }
    case 'or':
      return `(${render(e.left, column, false)} OR ${render(e.right, column, false)})`;
    default:
      return renderPredicate(e, column);
  }
}

function columnSql(ref: BoundReference, column: ColumnForFieldId): string {
  const c = column(ref.fieldId, ref);
  return typeof c === 'string' ? quoteIdentifier(c) : c.sql;
}

function renderPredicate(p: BoundPredicate, column: ColumnForFieldId): string {
  const c = columnSql(p.ref, column);
  const type = p.ref.type;
  switch (p.op) {
    case 'isNull':
      return `${c} IS NULL`;
    case 'notNull':
      return `${c} IS NOT NULL`;
    case 'isNaN':
      return `(${c} IS NOT NULL AND isnan(${c}))`;
    case 'notNaN':
      return `(${c} IS NULL OR NOT isnan(${c}))`;
    case 'in':
      return `${c} IN (${p.values.map((v) => sqlLiteral(type, v)).join(', ')})`;
    case 'notIn':
      return `${c} NOT IN (${p.values.map((v) => sqlLiteral(type, v)).join(', ')})`;
    case 'startsWith':
      return `starts_with(${c}, ${quoteString(p.value as string)})`;
    case 'notStartsWith':
      return `NOT starts_with(${c}, ${quoteString(p.value as string)})`;
    case 'eq':
      return `${c} = ${sqlLiteral(type, p.value)}`;
    case 'notEq':
      return `${c} <> ${sqlLiteral(type, p.value)}`;
    case 'lt':
      return `${c} < ${sqlLiteral(type, p.value)}`;
    case 'ltEq':
      return `${c} <= ${sqlLiteral(type, p.value)}`;
    case 'gt':
      return `${c} > ${sqlLiteral(type, p.value)}`;
    case 'gtEq':
      return `${c} >= ${sqlLiteral(type, p.value)}`;
  }
}

const MIN_PLAIN_DAYS = -719162; // 0001-01-01
const MAX_PLAIN_DAYS = 2932896; // 9999-12-31

/** A typed DuckDB literal for a value of `type` (lake's in-memory representation). */
export function sqlLiteral(type: PrimitiveType, value: unknown): string {
  switch (type.kind) {
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'int':
      return `CAST(${String(value)} AS INTEGER)`;
    case 'long':
      return `CAST(${String(value)} AS BIGINT)`;
    case 'float':
    case 'double':
      return `CAST('${floatText(value as number)}' AS ${type.kind === 'float' ? 'FLOAT' : 'DOUBLE'})`;
    case 'decimal':
      return `CAST('${decimalToPlainString(BigInt(value as bigint), type.scale)}' AS DECIMAL(${type.precision},${type.scale}))`;
    case 'date': {
      const days = value as number;
      if (days >= MIN_PLAIN_DAYS && days <= MAX_PLAIN_DAYS) return `DATE '${daysToIsoDate(days)}'`;
      return `CAST(DATE '1970-01-01' + CAST(${days} AS INTEGER) AS DATE)`;
    }
    case 'time':
      return `TIME '${microsToIsoTime(BigInt(value as bigint))}'`;
    case 'timestamp':
    case 'timestamptz': {
      const micros = BigInt(value as bigint);
      const tz = type.kind === 'timestamptz';
      if (inPlainRange(micros * NANOS_PER_MICRO)) {
        const text = formatTimestampNanos(micros * NANOS_PER_MICRO, { fraction: 'micros', utc: false }).replace('T', ' ');
        return tz ? `TIMESTAMPTZ '${text}+00'` : `TIMESTAMP '${text}'`;
      }
      return tz ? `CAST(make_timestamp(CAST(${micros} AS BIGINT)) AS TIMESTAMPTZ)` : `make_timestamp(CAST(${micros} AS BIGINT))`;
    }
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const nanos = BigInt(value as bigint);
      const text = formatTimestampNanos(nanos, { fraction: 'nanos', utc: false }).replace('T', ' ');
      // DuckDB reads both as TIMESTAMP_NS (it has no zoned nanosecond type); values are UTC
      return `CAST('${text}' AS TIMESTAMP_NS)`;
    }
    case 'string':
      return quoteString(value as string);
    case 'uuid':
      return `CAST(${quoteString(value as string)} AS UUID)`;
    case 'fixed':
    case 'binary':
      return `from_hex('${bytesToHex(value as Uint8Array)}')`;
    default:
      throw new Error(`no SQL literal for type ${type.kind}`);
  }
}

function inPlainRange(nanos: bigint): boolean {
  const day = Number(nanos / 86_400_000_000_000n);
  return day >= MIN_PLAIN_DAYS && day <= MAX_PLAIN_DAYS;
}

function floatText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return String(v);
}
