/**
 * Iceberg types and values as DuckDB SQL: type names and constant literals for the DuckDB read path.
 *
 * Type mapping: boolean BOOLEAN; int INTEGER; long BIGINT; float FLOAT; double DOUBLE;
 * decimal(P,S) DECIMAL(P,S); date DATE; time TIME; timestamp TIMESTAMP; timestamptz TIMESTAMPTZ;
 * timestamp_ns and timestamptz_ns TIMESTAMP_NS (DuckDB has no zoned nanosecond type; the values
 * are UTC); string VARCHAR; uuid UUID; fixed[L] and binary BLOB; geometry and geography BLOB (WKB);
 * struct STRUCT; list T[]; map MAP(K, V); unknown reads as NULL.
 */
import { LakeError } from '../errors.js';
import { quoteIdentifier, sqlLiteral } from '../expressions/index.js';
import { duckdbPrimitiveType } from '../parquet/duckdb-types.js';
import type { IcebergType, PrimitiveType } from '../spec/types.js';

/**
 * The DuckDB type an Iceberg type is read as: primitives as the write path maps them
 * (src/parquet/duckdb-types.ts); struct types keep every field, `unknown` ones included (they
 * read as NULL), where data files omit them.
 */
export function duckdbType(t: IcebergType): string {
  switch (t.kind) {
    case 'variant':
      throw new LakeError('UNSUPPORTED_FEATURE', 'reading variant columns through DuckDB is not supported yet');
    case 'struct':
      return `STRUCT(${t.fields.map((f) => `${quoteIdentifier(f.name)} ${duckdbType(f.type)}`).join(', ')})`;
    case 'list':
      return `${duckdbType(t.element)}[]`;
    case 'map':
      return `MAP(${duckdbType(t.key)}, ${duckdbType(t.value)})`;
    default:
      return duckdbPrimitiveType(t);
  }
}

/** A constant of type `t` (lake's value representation; null allowed) as a typed DuckDB expression. */
export function duckdbLiteral(t: IcebergType, value: unknown): string {
  if (value === null || value === undefined || t.kind === 'unknown') return `CAST(NULL AS ${duckdbType(t)})`;
  switch (t.kind) {
    case 'struct': {
      const get = (id: number): unknown => (value instanceof Map ? value.get(id) : (value as Record<string, unknown>)[String(id)]) ?? null;
      return `struct_pack(${t.fields.map((f) => `${quoteIdentifier(f.name)} := ${duckdbLiteral(f.type, get(f.id))}`).join(', ')})`;
    }
    case 'list': {
      const items = value as unknown[];
      return `CAST([${items.map((v) => duckdbLiteral(t.element, v)).join(', ')}] AS ${duckdbType(t)})`;
    }
    case 'map': {
      const entries = [...(value as Map<unknown, unknown>)];
      return `CAST(MAP {${entries.map(([k, v]) => `${duckdbLiteral(t.key, k)}: ${duckdbLiteral(t.value, v)}`).join(', ')}} AS ${duckdbType(t)})`;
    }
    case 'timestamptz_ns':
      return sqlLiteral({ kind: 'timestamp_ns' }, value);
    case 'geometry':
    case 'geography':
      return sqlLiteral({ kind: 'binary' }, value);
    default:
      return sqlLiteral(t as PrimitiveType, value);
  }
}
