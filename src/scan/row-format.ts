/**
 * Rendering query results (DuckDB values) as JSON rows and as a plain text table for the CLI.
 *
 * JSON value rules (`--json`):
 *   integers -> numbers, except 64/128-bit values outside ±(2^53 - 1), which become strings;
 *   decimals -> exact strings (`"12.30"`); float/double -> numbers, NaN and infinities as strings;
 *   date -> `"YYYY-MM-DD"`; time -> `"HH:MM:SS.ffffff"`; timestamp -> `"YYYY-MM-DDTHH:MM:SS.ffffff"`
 *   (nanosecond types with 9 digits); timestamptz -> the same in UTC with `"+00:00"` (the spec's
 *   JSON single-value forms); uuid -> `"xxxxxxxx-..."`; binary/fixed -> lowercase hex;
 *   struct -> object; list -> array; map -> object when every key is a string, otherwise an array
 *   of `{"key", "value"}`; NULL -> null.
 */
import {
  DuckDBArrayValue,
  DuckDBBitValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimeNSValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeTZValue,
  DuckDBTimeValue,
  DuckDBUUIDValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import * as arrow from 'apache-arrow';
import { daysToIsoDate, formatTimestampNanos, NANOS_PER_MICRO } from '../spec/date-time.js';
import { bytesToHex, decimalToPlainString } from '../spec/single-value.js';
import type { IcebergType, NestedField, PrimitiveType } from '../spec/types.js';
import { isValid, valueReader } from './arrow-reader-types.js';

export interface ResultColumn {
  name: string;
  /** DuckDB type name (`BIGINT`, `DECIMAL(15,2)`, `STRUCT(...)`, ...). */
  type: string;
}

/** A query result: column names and types, and rows of DuckDB values. */
export interface QueryResult {
  columns: ResultColumn[];
  rows: DuckDBValue[][];
}

export type JsonRowValue = null | boolean | number | string | JsonRowValue[] | { [key: string]: JsonRowValue };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function bigintJson(v: bigint): number | string {
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString();
}

function floatJson(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

function timeOfDay(nanos: bigint, digits: 6 | 9): string {
  const secs = nanos / 1_000_000_000n;
  const frac = nanos % 1_000_000_000n;
  const pad = (n: bigint | number, w: number): string => String(n).padStart(w, '0');
  const h = secs / 3600n;
  const m = (secs / 60n) % 60n;
  const s = secs % 60n;
  const f = digits === 6 ? pad(frac / 1000n, 6) : pad(frac, 9);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${f}`;
}

function timestampText(nanos: bigint, digits: 6 | 9, utc: boolean, finite: boolean): string {
  if (!finite) return nanos > 0n ? 'infinity' : '-infinity';
  return formatTimestampNanos(nanos, { fraction: digits === 6 ? 'micros' : 'nanos', utc });
}

/** One DuckDB value as JSON (see the module comment for the rules). */
export function jsonValue(v: DuckDBValue): JsonRowValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      return floatJson(v);
    case 'bigint':
      return bigintJson(v);
    default:
      break;
  }
  if (v instanceof DuckDBDecimalValue) return decimalToPlainString(v.value, v.scale);
  if (v instanceof DuckDBDateValue) {
    if (!v.isFinite) return v.days > 0 ? 'infinity' : '-infinity';
    return daysToIsoDate(v.days);
  }
  if (v instanceof DuckDBTimestampTZValue) return timestampText(v.micros * NANOS_PER_MICRO, 6, true, v.isFinite);
  if (v instanceof DuckDBTimestampValue) return timestampText(v.micros * NANOS_PER_MICRO, 6, false, v.isFinite);
  if (v instanceof DuckDBTimestampNanosecondsValue) return timestampText(v.nanos, 9, false, v.isFinite);
  if (v instanceof DuckDBTimestampMillisecondsValue) return timestampText(v.millis * 1_000_000n, 6, false, v.isFinite);
  if (v instanceof DuckDBTimestampSecondsValue) return timestampText(v.seconds * 1_000_000_000n, 6, false, v.isFinite);
  if (v instanceof DuckDBTimeValue) return timeOfDay(v.micros * NANOS_PER_MICRO, 6);
  if (v instanceof DuckDBTimeNSValue) return timeOfDay(v.nanos, 9);
  if (v instanceof DuckDBBlobValue) return bytesToHex(v.bytes);
  if (v instanceof DuckDBUUIDValue) return v.toString();
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) return v.items.map(jsonValue);
  if (v instanceof DuckDBStructValue) {
    const out: Record<string, JsonRowValue> = {};
    for (const [k, x] of Object.entries(v.entries)) out[k] = jsonValue(x);
    return out;
  }
  if (v instanceof DuckDBMapValue) {
    if (v.entries.every((e) => typeof e.key === 'string')) {
      const out: Record<string, JsonRowValue> = {};
      for (const e of v.entries) out[e.key as string] = jsonValue(e.value);
      return out;
    }
    return v.entries.map((e) => ({ key: jsonValue(e.key), value: jsonValue(e.value) }));
  }
  if (v instanceof DuckDBIntervalValue || v instanceof DuckDBTimeTZValue || v instanceof DuckDBBitValue) return v.toString();
  return String(v);
}

/** Rows as objects keyed by column name (later duplicate names overwrite earlier ones, as in JSON). */
export function toJsonRows(result: QueryResult): Record<string, JsonRowValue>[] {
  return result.rows.map((row) => {
    const out: Record<string, JsonRowValue> = {};
    result.columns.forEach((c, i) => {
      out[c.name] = jsonValue(row[i] ?? null);
    });
    return out;
  });
}

/** The JSON text of the rows (an array of row objects). */
export function formatJson(result: QueryResult, options: { indent?: number } = {}): string {
  return JSON.stringify(toJsonRows(result), null, options.indent);
}

/** One value as table cell text: JSON rules, strings unquoted, NULL as `NULL`, nested values as JSON. */
export function cellText(v: DuckDBValue): string {
  const j = jsonValue(v);
  if (j === null) return 'NULL';
  if (typeof j === 'string') return j;
  if (typeof j === 'number' || typeof j === 'boolean') return String(j);
  return JSON.stringify(j);
}

export interface TextTableOptions {
  /** Longest cell text shown; longer text ends with `…` (default 60). */
  maxWidth?: number;
  /** Append a `(N rows)` line (default true). */
  footer?: boolean;
}

/** A plain text table: a header line, a rule, one line per row, and a row count. */
export function formatTextTable(result: QueryResult, options: TextTableOptions = {}): string {
  const maxWidth = Math.max(3, options.maxWidth ?? 60);
  const clip = (s: string): string => {
    const flat = s.replace(/[\r\n\t]/g, ' ');
    return [...flat].length > maxWidth ? `${[...flat].slice(0, maxWidth - 1).join('')}…` : flat;
  };
  const header = result.columns.map((c) => clip(c.name));
  const body = result.rows.map((r) => result.columns.map((_c, i) => clip(cellText(r[i] ?? null))));
  const len = (s: string): number => [...s].length;
  const widths = header.map((h, i) => Math.max(len(h), ...body.map((r) => len(r[i]!))));
  const line = (cells: string[]): string => cells.map((c, i) => c + ' '.repeat(widths[i]! - len(c))).join(' | ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('-+-')];
  for (const r of body) out.push(line(r));
  if (options.footer ?? true) out.push(`(${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'})`);
  return out.join('\n');
}

// -------------------------------------------------------------------------------------------------
// Arrow results (the Arrow read path) under the same JSON rules
// -------------------------------------------------------------------------------------------------

/** A JSON reader for column `data` of Iceberg type `t` (as `readArrow` returns it): `(i) => JSON value`. */
export function arrowJsonReader(data: arrow.Data, t: IcebergType): (i: number) => JsonRowValue {
  const valid = (i: number): boolean => isValid(data, i);
  switch (t.kind) {
    case 'struct': {
      const children = t.fields.map((f, k) => ({ name: f.name, read: arrowJsonReader(data.children[k]!, f.type) }));
      return (i) => {
        if (!valid(i)) return null;
        const out: Record<string, JsonRowValue> = {};
        for (const c of children) out[c.name] = c.read(i);
        return out;
      };
    }
    case 'list': {
      const offsets = data.valueOffsets as Int32Array;
      const read = arrowJsonReader(data.children[0]!, t.element);
      return (i) => {
        if (!valid(i)) return null;
        const out: JsonRowValue[] = [];
        for (let k = offsets[i]!; k < offsets[i + 1]!; k++) out.push(read(k));
        return out;
      };
    }
    case 'map': {
      const offsets = data.valueOffsets as Int32Array;
      const entries = data.children[0]!;
      const key = arrowJsonReader(entries.children[0]!, t.key);
      const value = arrowJsonReader(entries.children[1]!, t.value);
      return (i) => {
        if (!valid(i)) return null;
        const pairs: { key: JsonRowValue; value: JsonRowValue }[] = [];
        for (let k = offsets[i]!; k < offsets[i + 1]!; k++) pairs.push({ key: key(k), value: value(k) });
        if (t.key.kind === 'string') {
          const out: Record<string, JsonRowValue> = {};
          for (const p of pairs) out[p.key as string] = p.value;
          return out;
        }
        return pairs;
      };
    }
    default: {
      const read = valueReader(data, t);
      return (i) => lakeValueJson(t, read(i));
    }
  }
}

/** A primitive value in lake's representation as JSON (the same rules as DuckDB values above). */
export function lakeValueJson(t: PrimitiveType, v: unknown): JsonRowValue {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'boolean':
    case 'string':
    case 'uuid':
      return v as boolean | string;
    case 'int':
    case 'date':
      return t.kind === 'date' ? daysToIsoDate(v as number) : (v as number);
    case 'float':
    case 'double':
      return floatJson(v as number);
    case 'long':
      return bigintJson(BigInt(v as bigint));
    case 'decimal':
      return decimalToPlainString(BigInt(v as bigint), t.scale);
    case 'time':
      return timeOfDay(BigInt(v as bigint) * NANOS_PER_MICRO, 6);
    case 'timestamp':
    case 'timestamptz':
      return timestampText(BigInt(v as bigint) * NANOS_PER_MICRO, 6, t.kind === 'timestamptz', true);
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return timestampText(BigInt(v as bigint), 9, t.kind === 'timestamptz_ns', true);
    case 'fixed':
    case 'binary':
    case 'geometry':
    case 'geography':
      return bytesToHex(v as Uint8Array);
    default:
      return String(v);
  }
}

/** Rows of Arrow batches (or a table) as JSON objects; `fields` are the Iceberg fields of the columns, in order. */
export function arrowToJsonRows(source: arrow.Table | arrow.RecordBatch | readonly arrow.RecordBatch[], fields: readonly NestedField[]): Record<string, JsonRowValue>[] {
  const batches = source instanceof arrow.Table ? source.batches : source instanceof arrow.RecordBatch ? [source] : source;
  const out: Record<string, JsonRowValue>[] = [];
  for (const b of batches) {
    const readers = fields.map((f, k) => ({ name: f.name, read: arrowJsonReader(b.data.children[k]!, f.type) }));
    for (let i = 0; i < b.numRows; i++) {
      const row: Record<string, JsonRowValue> = {};
      for (const r of readers) row[r.name] = r.read(i);
      out.push(row);
    }
  }
  return out;
}
