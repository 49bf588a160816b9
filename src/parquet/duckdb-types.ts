/**
 * Iceberg types as DuckDB types, and the `FIELD_IDS` clause of DuckDB's Parquet `COPY`, so that
 * every Parquet column DuckDB writes carries its Iceberg field id (struct fields, list elements,
 * map keys and values included; spec Appendix A "Parquet").
 *
 * DuckDB writes each type with the Parquet physical and logical type Appendix A asks for
 * (checked with `parquet_schema()` in test/parquet/writer.test.ts), except where it cannot:
 * - `fixed[L]`: DuckDB has no fixed-length binary type, so it cannot write FIXED_LEN_BYTE_ARRAY(L);
 * - `timestamptz_ns`: DuckDB has no zoned nanosecond type (it would write isAdjustedToUTC=false).
 * Files of tables with those columns are re-encoded after DuckDB's COPY (src/parquet/type-rewrite.ts).
 * `variant`, `geometry` and `geography` columns are not written by lake yet: they make a write
 * fail with UNSUPPORTED_FEATURE before anything is written.
 * Known deviation: DuckDB writes decimals of precision 19..37 as FIXED_LEN_BYTE_ARRAY(16) rather
 * than the minimal width (its DECIMAL storage above 18 digits is one 128-bit integer, and its
 * Parquet writer has no option for the width). Every Parquet reader (Java, PyIceberg/pyarrow,
 * DuckDB, Trino) reads them; the re-encoding above would give the minimal width, but costs a
 * second single-threaded pass over every file, so it is not used for decimals alone.
 * `unknown` columns are omitted from data files, as the spec requires.
 */
import { LakeError } from '../errors.js';
import { quoteIdentifier, quoteString } from '../expressions/duckdb-sql.js';
import type { Schema } from '../spec/schema.js';
import { type IcebergType, type NestedField, type PrimitiveType, isPrimitive, typeToString } from '../spec/types.js';

/** Why lake cannot write a column of this type, or undefined when it can. */
export function unwritableReason(t: IcebergType): string | undefined {
  if (isPrimitive(t)) {
    switch (t.kind) {
      case 'variant':
      case 'geometry':
      case 'geography':
        return `writing ${t.kind} columns is not supported yet`;
      default:
        return undefined;
    }
  }
  switch (t.kind) {
    case 'struct':
      for (const f of t.fields) {
        const r = unwritableReason(f.type);
        if (r !== undefined) return r;
      }
      return undefined;
    case 'list':
      return unwritableReason(t.element);
    case 'map':
      return unwritableReason(t.key) ?? unwritableReason(t.value);
  }
}

/** The columns of a schema that go into data files: all but `unknown`-typed ones (spec Appendix A). */
export function writtenFields(fields: readonly NestedField[]): NestedField[] {
  return fields.filter((f) => f.type.kind !== 'unknown');
}

/** Throws UNSUPPORTED_FEATURE naming the first column lake cannot write. */
export function checkWritableSchema(schema: Schema): void {
  const visit = (fields: readonly NestedField[], prefix: string): void => {
    for (const f of writtenFields(fields)) {
      const name = prefix === '' ? f.name : `${prefix}.${f.name}`;
      const t = f.type;
      if (t.kind === 'struct') {
        visit(t.fields, name);
        continue;
      }
      const reason = unwritableReason(t);
      if (reason !== undefined) {
        throw new LakeError('UNSUPPORTED_FEATURE', `cannot write column ${name} of type ${typeToString(t)}: ${reason}`, {
          context: { column: name, type: typeToString(t) },
        });
      }
    }
  };
  visit(schema.fields, '');
}

/** The DuckDB type of a primitive Iceberg type. */
export function duckdbPrimitiveType(t: PrimitiveType): string {
  switch (t.kind) {
    case 'boolean':
      return 'BOOLEAN';
    case 'int':
      return 'INTEGER';
    case 'long':
      return 'BIGINT';
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${t.precision},${t.scale})`;
    case 'date':
      return 'DATE';
    case 'time':
      return 'TIME';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return 'TIMESTAMP_NS';
    case 'string':
      return 'VARCHAR';
    case 'uuid':
      return 'UUID';
    case 'fixed':
    case 'binary':
    case 'geometry':
    case 'geography':
      return 'BLOB';
    case 'unknown':
      return 'INTEGER';
    case 'variant':
      throw new LakeError('UNSUPPORTED_FEATURE', 'variant has no DuckDB type in lake');
  }
}

/** The DuckDB type of an Iceberg type, nested types included (`STRUCT("a" INTEGER)`, `BIGINT[]`, `MAP(VARCHAR, INTEGER)`). */
export function duckdbType(t: IcebergType): string {
  switch (t.kind) {
    case 'struct':
      return `STRUCT(${writtenFields(t.fields)
        .map((f) => `${quoteIdentifier(f.name)} ${duckdbType(f.type)}`)
        .join(', ')})`;
    case 'list':
      return `${duckdbType(t.element)}[]`;
    case 'map':
      return `MAP(${duckdbType(t.key)}, ${duckdbType(t.value)})`;
    default:
      return duckdbPrimitiveType(t);
  }
}

function fieldIdsOf(t: IcebergType, id: number): string {
  switch (t.kind) {
    case 'struct': {
      const inner = writtenFields(t.fields).map((f) => `${quoteString(f.name)}: ${fieldIdsOf(f.type, f.id)}`);
      return `{__duckdb_field_id: ${id}${inner.length > 0 ? `, ${inner.join(', ')}` : ''}}`;
    }
    case 'list':
      return `{__duckdb_field_id: ${id}, element: ${fieldIdsOf(t.element, t.elementId)}}`;
    case 'map':
      return `{__duckdb_field_id: ${id}, key: ${fieldIdsOf(t.key, t.keyId)}, value: ${fieldIdsOf(t.value, t.valueId)}}`;
    default:
      return String(id);
  }
}

/**
 * The value of COPY's `FIELD_IDS` option for these top-level columns (written under their own
 * names): `{'id': 1, 'point': {__duckdb_field_id: 2, 'x': 3}, 'tags': {__duckdb_field_id: 4, element: 5}}`.
 */
export function fieldIdsOption(fields: readonly NestedField[]): string {
  return `{${writtenFields(fields)
    .map((f) => `${quoteString(f.name)}: ${fieldIdsOf(f.type, f.id)}`)
    .join(', ')}}`;
}
