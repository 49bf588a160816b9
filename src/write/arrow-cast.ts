/**
 * Casting input columns to the table schema, by NAME, in SQL (the rows stay in DuckDB).
 *
 * Inputs are described as DuckDB-typed source columns: Arrow batches as ingested by
 * `lake_arrow_scan` (see src/parquet/writer-arrow-scan.ts), or files read by `read_parquet`,
 * `read_csv` and `read_json` (src/write/file-input.ts). The same rules apply to all:
 * - every table column is matched to the source column of the same name (exactly, else the one
 *   column whose name matches ignoring case); nested struct fields likewise;
 * - types must be equal or a widening Iceberg allows or that loses nothing: int8/16/32 and
 *   uint8/16 -> int; those and int64/uint32 -> long; float -> double; decimal(p,s) ->
 *   decimal(P,s) with p <= P; seconds/millis/micros -> timestamp; any unit -> timestamp_ns;
 *   dictionary strings -> string; fixed-size binary(16) -> uuid; any binary -> binary;
 *   timestamps keep their zone-ness (timestamp vs timestamptz), as PyIceberg requires;
 * - a missing optional column is written as null (or as its v3 `write-default`); a missing
 *   required column without a write default, a source column the table does not have, an
 *   incompatible type, and nulls in a required column are INVALID_INPUT errors naming the column
 *   (nulls are counted by a query before anything is written).
 * Text inputs (CSV read as all-VARCHAR) and JSON are cast leniently (any value that converts),
 * and every value that does not convert is found by a TRY_CAST query before writing.
 */
import * as arrow from 'apache-arrow';
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { LakeError } from '../errors.js';
import { quoteIdentifier, quoteString, sqlLiteral } from '../expressions/duckdb-sql.js';
import { duckdbType, writtenFields } from '../parquet/duckdb-types.js';
import { CHECK_ERROR_PREFIX } from '../parquet/writer.js';
import { type Ingest, ingestOf, scanColumnName } from '../parquet/writer-arrow-scan.js';
import type { Schema } from '../spec/schema.js';
import { valueFromJson } from '../spec/single-value.js';
import { type IcebergType, type NestedField, type PrimitiveType, isPrimitive, typeToString } from '../spec/types.js';

/** A column of the input relation: its name, DuckDB type and SQL expression. */
export interface SourceColumn {
  name: string;
  type: DuckDBType;
  sql: string;
}

/**
 * `typed`: types must match or widen (Arrow, Parquet inputs). `text`: every column is VARCHAR
 * (CSV) and converts to the column type. `lenient`: any type that converts (JSON).
 */
export type CastMode = 'typed' | 'text' | 'lenient';

export interface CastCheck {
  /** Full column name. */
  column: string;
  /** The top-level table column the check belongs to. */
  top: string;
  /** What a violating row means, for the error message. */
  problem: string;
  /** A boolean SQL expression over the source relation, true for a violating row. */
  sql: string;
  /** An expression giving a sample offending value (as text) for the message, if any. */
  sample?: string;
}

export interface CastPlan {
  /** One entry per written table column, in table order: the cast expression over the source relation. */
  columns: { field: NestedField; sql: string }[];
  /** What the input is called in messages. */
  inputName: string;
  /** Checks of convertibility, run over the source relation (text and lenient modes). */
  conversionChecks: CastCheck[];
  /** Null checks of required fields, run over the cast relation (column names = table names). */
  requiredChecks: CastCheck[];
}

export interface PlanCastOptions {
  mode?: CastMode;
  /** What the input is called in messages (`input`, a file name). */
  inputName?: string;
  /** The table's format version (write defaults apply from v3). */
  formatVersion?: number;
}

function invalid(message: string, context: Record<string, unknown>): LakeError {
  return new LakeError('INVALID_INPUT', message, { context });
}

function describeType(t: DuckDBType): string {
  return t.toString();
}

const INT_RANK: Partial<Record<DuckDBTypeId, { bits: number; signed: boolean }>> = {
  [DuckDBTypeId.TINYINT]: { bits: 8, signed: true },
  [DuckDBTypeId.SMALLINT]: { bits: 16, signed: true },
  [DuckDBTypeId.INTEGER]: { bits: 32, signed: true },
  [DuckDBTypeId.BIGINT]: { bits: 64, signed: true },
  [DuckDBTypeId.UTINYINT]: { bits: 8, signed: false },
  [DuckDBTypeId.USMALLINT]: { bits: 16, signed: false },
  [DuckDBTypeId.UINTEGER]: { bits: 32, signed: false },
  [DuckDBTypeId.UBIGINT]: { bits: 64, signed: false },
};

/** Whether a typed source column converts to the primitive type without loss. */
function typedCompatible(src: DuckDBType, t: PrimitiveType): boolean {
  const id = src.typeId;
  const int = INT_RANK[id];
  switch (t.kind) {
    case 'boolean':
      return id === DuckDBTypeId.BOOLEAN;
    case 'int':
      return int !== undefined && (int.signed ? int.bits <= 32 : int.bits <= 16);
    case 'long':
      return int !== undefined && (int.signed ? int.bits <= 64 : int.bits <= 32);
    case 'float':
      return id === DuckDBTypeId.FLOAT;
    case 'double':
      return id === DuckDBTypeId.FLOAT || id === DuckDBTypeId.DOUBLE;
    case 'decimal': {
      if (id !== DuckDBTypeId.DECIMAL) return false;
      const d = src as unknown as { width: number; scale: number };
      return d.scale === t.scale && d.width - d.scale <= t.precision - t.scale;
    }
    case 'date':
      return id === DuckDBTypeId.DATE;
    case 'time':
      return id === DuckDBTypeId.TIME;
    case 'timestamp':
      return id === DuckDBTypeId.TIMESTAMP || id === DuckDBTypeId.TIMESTAMP_S || id === DuckDBTypeId.TIMESTAMP_MS;
    case 'timestamptz':
      return id === DuckDBTypeId.TIMESTAMP_TZ;
    case 'timestamptz_ns':
      // Zoned Arrow nanosecond timestamps arrive as TIMESTAMP_NS marked with their zone (arrowSource).
      return id === DuckDBTypeId.TIMESTAMP_TZ || (id === DuckDBTypeId.TIMESTAMP_NS && src.toString() === 'TIMESTAMP_NS WITH TIME ZONE');
    case 'fixed':
      return id === DuckDBTypeId.BLOB;
    case 'timestamp_ns':
      return id === DuckDBTypeId.TIMESTAMP || id === DuckDBTypeId.TIMESTAMP_S || id === DuckDBTypeId.TIMESTAMP_MS || id === DuckDBTypeId.TIMESTAMP_NS;
    case 'string':
      return id === DuckDBTypeId.VARCHAR || id === DuckDBTypeId.ENUM;
    case 'uuid':
      return id === DuckDBTypeId.UUID;
    case 'binary':
      return id === DuckDBTypeId.BLOB;
    default:
      return false;
  }
}

/** Why a typed column is refused, when a clearer hint than "incompatible" exists. */
function typedHint(src: DuckDBType, t: PrimitiveType): string {
  const id = src.typeId;
  if ((t.kind === 'timestamp' || t.kind === 'timestamptz') && id === DuckDBTypeId.TIMESTAMP_NS) {
    return ': nanosecond values would be truncated to microseconds; cast them first';
  }
  if (t.kind === 'timestamp' && id === DuckDBTypeId.TIMESTAMP_TZ) return ': the input has a time zone but the column is timestamp (without zone)';
  if (t.kind === 'timestamptz' && (id === DuckDBTypeId.TIMESTAMP || id === DuckDBTypeId.TIMESTAMP_MS || id === DuckDBTypeId.TIMESTAMP_S)) {
    return ': the input has no time zone but the column is timestamptz (give the Arrow timestamps a zone, e.g. UTC)';
  }
  if ((t.kind === 'int' || t.kind === 'long') && INT_RANK[id] !== undefined) return ': the values may not fit (narrowing)';
  if (t.kind === 'decimal' && id === DuckDBTypeId.DECIMAL) return ': decimals must keep their scale and not lose integer digits';
  return '';
}

function sqlNull(t: IcebergType): string {
  return `CAST(NULL AS ${duckdbType(t)})`;
}

function defaultSql(field: NestedField, formatVersion: number): string | undefined {
  if (formatVersion < 3 || field.writeDefault === undefined || field.writeDefault === null) return undefined;
  if (!isPrimitive(field.type)) return undefined;
  return `CAST(${sqlLiteral(field.type, valueFromJson(field.type, field.writeDefault))} AS ${duckdbType(field.type)})`;
}

function structEntries(t: DuckDBType): { name: string; type: DuckDBType }[] {
  const s = t as unknown as { entryNames: readonly string[]; entryTypes: readonly DuckDBType[] };
  return s.entryNames.map((name, i) => ({ name, type: s.entryTypes[i]! }));
}

/** Finds the source entry for a target name: exact, else the single case-insensitive match. */
function matchName<T extends { name: string }>(entries: readonly T[], name: string): T | undefined {
  const exact = entries.find((e) => e.name === name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  const hits = entries.filter((e) => e.name.toLowerCase() === lower);
  return hits.length === 1 ? hits[0] : undefined;
}

class Planner {
  readonly conversionChecks: CastCheck[] = [];
  readonly requiredChecks: CastCheck[] = [];
  private lambdaDepth = 0;

  constructor(
    readonly mode: CastMode,
    readonly inputName: string,
    readonly formatVersion: number,
  ) {}

  /** The SQL converting `src` (of DuckDB type `srcType`) to the Iceberg type `t`; `path` names the column. */
  cast(srcSql: string, srcType: DuckDBType, t: IcebergType, path: string, topLevel: boolean): string {
    if (srcType.typeId === DuckDBTypeId.SQLNULL) return sqlNull(t);
    if (isPrimitive(t)) return this.castPrimitive(srcSql, srcType, t, path, topLevel);
    const target = duckdbType(t);
    if (this.mode !== 'typed') {
      // JSON objects and arrays: DuckDB casts nested values by name, recursively.
      if (topLevel) this.conversionCheck(srcSql, target, path);
      return `CAST(${srcSql} AS ${target})`;
    }
    switch (t.kind) {
      case 'struct': {
        if (srcType.typeId !== DuckDBTypeId.STRUCT) throw this.incompatible(path, srcType, t);
        const entries = structEntries(srcType);
        const used = new Set<string>();
        const parts = writtenFields(t.fields).map((f) => {
          const e = matchName(entries, f.name);
          const childPath = `${path}.${f.name}`;
          if (e === undefined) return `${quoteIdentifier(f.name)} := ${this.missing(f, childPath)}`;
          used.add(e.name);
          const child = this.cast(`struct_extract(${srcSql}, ${quoteString(e.name)})`, e.type, f.type, childPath, false);
          return `${quoteIdentifier(f.name)} := ${child}`;
        });
        const extra = entries.filter((e) => !used.has(e.name)).map((e) => `${path}.${e.name}`);
        if (extra.length > 0) throw this.unknownColumns(extra);
        return `CASE WHEN ${srcSql} IS NULL THEN NULL ELSE struct_pack(${parts.join(', ')}) END`;
      }
      case 'list': {
        if (srcType.typeId !== DuckDBTypeId.LIST && srcType.typeId !== DuckDBTypeId.ARRAY) throw this.incompatible(path, srcType, t);
        const elemType = (srcType as unknown as { valueType: DuckDBType }).valueType;
        const x = this.lambdaVar();
        const elem = this.cast(x, elemType, t.element, `${path}.element`, false);
        this.lambdaDepth--;
        return elem === x && srcType.typeId === DuckDBTypeId.LIST ? srcSql : `list_transform(${srcSql}, lambda ${x}: ${elem})`;
      }
      case 'map': {
        if (srcType.typeId !== DuckDBTypeId.MAP) throw this.incompatible(path, srcType, t);
        const m = srcType as unknown as { keyType: DuckDBType; valueType: DuckDBType };
        const e = this.lambdaVar();
        const k = this.cast(`${e}.key`, m.keyType, t.key, `${path}.key`, false);
        const v = this.cast(`${e}.value`, m.valueType, t.value, `${path}.value`, false);
        this.lambdaDepth--;
        if (k === `${e}.key` && v === `${e}.value`) return srcSql;
        return `map_from_entries(list_transform(map_entries(${srcSql}), lambda ${e}: struct_pack(key := ${k}, value := ${v})))`;
      }
    }
  }

  private lambdaVar(): string {
    return `__lake_x${this.lambdaDepth++}`;
  }

  private castPrimitive(srcSql: string, srcType: DuckDBType, t: PrimitiveType, path: string, topLevel: boolean): string {
    if (t.kind === 'fixed') {
      // Every fixed[L] value must be exactly L bytes (nested values included).
      const v = this.castPrimitiveValue(srcSql, srcType, t, path, topLevel);
      const msg = quoteString(`${CHECK_ERROR_PREFIX}column ${path} of ${this.inputName} has values that are not ${t.length} bytes long (fixed[${t.length}])`);
      return `(CASE WHEN octet_length(${v}) <> ${t.length} THEN error(${msg}) ELSE ${v} END)`;
    }
    return this.castPrimitiveValue(srcSql, srcType, t, path, topLevel);
  }

  private castPrimitiveValue(srcSql: string, srcType: DuckDBType, t: PrimitiveType, path: string, topLevel: boolean): string {
    const target = duckdbType(t);
    const id = srcType.typeId;
    if (this.mode === 'typed' || (this.mode === 'lenient' && !this.isText(srcType))) {
      if (typedCompatible(srcType, t)) return this.widen(srcSql, srcType, t);
      if (this.mode === 'typed') throw this.incompatible(path, srcType, t);
    }
    // Text and lenient modes: convert whatever converts; find what does not before writing.
    if (t.kind === 'timestamptz' && (id === DuckDBTypeId.TIMESTAMP || id === DuckDBTypeId.TIMESTAMP_MS || id === DuckDBTypeId.TIMESTAMP_S)) {
      // A zoneless timestamp read from text is taken as UTC, independent of the session zone.
      return `timezone('UTC', CAST(${srcSql} AS TIMESTAMP))`;
    }
    if (topLevel) this.conversionCheck(srcSql, target, path);
    return `CAST(${srcSql} AS ${target})`;
  }

  private isText(t: DuckDBType): boolean {
    return t.typeId === DuckDBTypeId.VARCHAR;
  }

  private widen(srcSql: string, srcType: DuckDBType, t: PrimitiveType): string {
    const target = duckdbType(t);
    if (srcType.toString() === target) return srcSql;
    return `CAST(${srcSql} AS ${target})`;
  }

  private conversionCheck(srcSql: string, target: string, path: string): void {
    this.conversionChecks.push({
      column: path,
      top: path,
      problem: `values that are not ${target}`,
      sql: `(${srcSql}) IS NOT NULL AND TRY_CAST(${srcSql} AS ${target}) IS NULL`,
      sample: `CAST(${srcSql} AS VARCHAR)`,
    });
  }

  missing(f: NestedField, path: string): string {
    const d = defaultSql(f, this.formatVersion);
    if (d !== undefined) return d;
    if (f.required) {
      throw invalid(`${this.inputName} has no column ${path}, which is required by the table (and has no write default)`, {
        column: path,
        input: this.inputName,
      });
    }
    return sqlNull(f.type);
  }

  incompatible(path: string, src: DuckDBType, t: IcebergType): LakeError {
    return invalid(
      `column ${path} of ${this.inputName} has type ${describeType(src)}, which cannot be written to the table's ${typeToString(t)} column${isPrimitive(t) ? typedHint(src, t) : ''}`,
      { column: path, input: this.inputName, inputType: describeType(src), tableType: typeToString(t) },
    );
  }

  unknownColumns(names: string[]): LakeError {
    return invalid(`${this.inputName} has column${names.length > 1 ? 's' : ''} ${names.join(', ')} that the table does not have`, {
      columns: names,
      input: this.inputName,
    });
  }

  /** Null checks of required fields over the cast relation, nested ones included. */
  addRequiredChecks(field: NestedField, sql: string, path: string): void {
    const before = this.requiredChecks.length;
    if (field.required) this.requiredChecks.push({ column: path, top: field.name, problem: 'null values in a required column', sql: `${sql} IS NULL` });
    this.nestedRequiredChecks(field.type, sql, path);
    for (const c of this.requiredChecks.slice(before)) c.top = field.name;
  }

  private nestedRequiredChecks(t: IcebergType, sql: string, path: string): void {
    if (isPrimitive(t)) return;
    switch (t.kind) {
      case 'struct':
        for (const f of writtenFields(t.fields)) {
          const child = `struct_extract(${sql}, ${quoteString(f.name)})`;
          if (f.required) {
            this.requiredChecks.push({ column: `${path}.${f.name}`, top: '', problem: 'null values in a required field', sql: `${sql} IS NOT NULL AND ${child} IS NULL` });
          }
          this.nestedRequiredChecks(f.type, child, `${path}.${f.name}`);
        }
        return;
      case 'list':
        if (t.elementRequired) {
          this.requiredChecks.push({ column: `${path}.element`, top: '', problem: 'null list elements where elements are required', sql: `len(list_filter(${sql}, lambda __e: __e IS NULL)) > 0` });
        }
        if (!isPrimitive(t.element)) {
          // Deeper required fields inside list elements: flatten one level and check each element.
          const inner = new Planner(this.mode, this.inputName, this.formatVersion);
          inner.nestedRequiredChecks(t.element, '__e', `${path}.element`);
          for (const c of inner.requiredChecks) {
            this.requiredChecks.push({ ...c, sql: `len(list_filter(${sql}, lambda __e: ${c.sql})) > 0` });
          }
        }
        return;
      case 'map':
        if (t.valueRequired) {
          this.requiredChecks.push({ column: `${path}.value`, top: '', problem: 'null map values where values are required', sql: `len(list_filter(map_values(${sql}), lambda __e: __e IS NULL)) > 0` });
        }
        return;
    }
  }
}

/**
 * Plans the cast of a relation with the given source columns to the table schema (written columns
 * only: `unknown`-typed columns are not written). Throws INVALID_INPUT for a missing required
 * column, an unknown source column or an incompatible type, naming the column.
 */
export function planCast(source: readonly SourceColumn[], schema: Schema, options: PlanCastOptions = {}): CastPlan {
  const planner = new Planner(options.mode ?? 'typed', options.inputName ?? 'the input', options.formatVersion ?? 2);
  const used = new Set<string>();
  const columns = writtenFields(schema.fields).map((f) => {
    const src = matchName(source, f.name);
    if (src === undefined) return { field: f, sql: planner.missing(f, f.name) };
    used.add(src.name);
    return { field: f, sql: planner.cast(src.sql, src.type, f.type, f.name, true) };
  });
  // Columns the table has but does not write (unknown type) may be present in the input.
  const ignorable = new Set(schema.fields.filter((f) => f.type.kind === 'unknown').map((f) => f.name.toLowerCase()));
  const extra = source.filter((s) => !used.has(s.name) && !ignorable.has(s.name.toLowerCase())).map((s) => s.name);
  if (extra.length > 0) throw planner.unknownColumns(extra);
  for (const c of columns) planner.addRequiredChecks(c.field, quoteIdentifier(c.field.name), c.field.name);
  return { columns, inputName: planner.inputName, conversionChecks: planner.conversionChecks, requiredChecks: planner.requiredChecks };
}


function failWhen(checks: readonly CastCheck[], inputName: string, value: string): string {
  if (checks.length === 0) return value;
  const arms = checks.map((c) => {
    const msg = quoteString(`${CHECK_ERROR_PREFIX}column ${c.column} of ${inputName} has ${c.problem}`);
    const sample = c.sample === undefined ? msg : `${msg} || ' (e.g. ' || coalesce(${c.sample}, 'null') || ')'`;
    return `WHEN ${c.sql} THEN error(${sample})`;
  });
  return `CASE ${arms.join(' ')} ELSE ${value} END`;
}

/**
 * The cast of a source relation to the table columns, with every check folded into the query:
 * a value that does not convert, or a null where the table requires a value, makes the query
 * fail with a message naming the column (DuckDB's `error()`), so a write fails before any file is
 * placed. Output columns are named as the table's written columns.
 */
export function checkedCastSql(plan: CastPlan, sourceSql: string): string {
  const inner = plan.columns
    .map((c) => {
      const checks = plan.conversionChecks.filter((k) => k.top === c.field.name);
      return `${failWhen(checks, plan.inputName, c.sql)} AS ${quoteIdentifier(c.field.name)}`;
    })
    .join(', ');
  const outer = plan.columns
    .map((c) => {
      const col = quoteIdentifier(c.field.name);
      return `${failWhen(plan.requiredChecks.filter((k) => k.top === c.field.name), plan.inputName, col)} AS ${col}`;
    })
    .join(', ');
  return `SELECT ${outer} FROM (SELECT ${inner} FROM (${sourceSql}) __lake_src) __lake_cast`;
}

// ---- Arrow inputs ----

export interface ArrowSourcePlan {
  /** How each Arrow column is ingested (one per schema field, in order). */
  ingests: Ingest[];
  /** The source columns over `lake_arrow_scan` (normalised: zoned timestamps, time units, Date64). */
  columns: SourceColumn[];
}

/**
 * The source columns of Arrow input with the given schema: each Arrow column as ingested, with
 * the Arrow-specific normalisation done in SQL (timestamps with a zone become TIMESTAMPTZ, 32-bit
 * times TIME, millisecond dates DATE). `uuidColumns` names columns whose 16-byte binaries are UUIDs.
 */
export function arrowSource(schema: arrow.Schema, uuidColumns: ReadonlySet<string> = new Set()): ArrowSourcePlan {
  const ingests: Ingest[] = [];
  const columns: SourceColumn[] = [];
  const T = arrow.Type;
  schema.fields.forEach((f, j) => {
    const ingest = ingestOf(f.type, f.name, uuidColumns.has(f.name));
    ingests.push(ingest);
    const raw = quoteIdentifier(scanColumnName(j));
    let sql = raw;
    let type = ingest.type;
    if (f.type.typeId === T.Timestamp && (f.type as arrow.Timestamp).timezone) {
      // Arrow stores zoned timestamps as UTC instants whatever the zone.
      sql = `timezone('UTC', CAST(${raw} AS TIMESTAMP))`;
      type = { typeId: DuckDBTypeId.TIMESTAMP_TZ, toString: () => 'TIMESTAMP WITH TIME ZONE' } as DuckDBType;
      if ((f.type as arrow.Timestamp).unit === arrow.TimeUnit.NANOSECOND) {
        type = { typeId: DuckDBTypeId.TIMESTAMP_NS, toString: () => 'TIMESTAMP_NS WITH TIME ZONE' } as DuckDBType;
        sql = raw;
      }
    } else if (f.type.typeId === T.Time && (f.type as arrow.Time).bitWidth === 32) {
      const unit = (f.type as arrow.Time).unit === arrow.TimeUnit.SECOND ? 'to_seconds' : 'to_milliseconds';
      sql = `CAST(TIME '00:00:00' + ${unit}(${raw}) AS TIME)`;
      type = { typeId: DuckDBTypeId.TIME, toString: () => 'TIME' } as DuckDBType;
    } else if (f.type.typeId === T.Date && (f.type as arrow.Date_).unit === arrow.DateUnit.MILLISECOND) {
      sql = `CAST(${raw} AS DATE)`;
      type = { typeId: DuckDBTypeId.DATE, toString: () => 'DATE' } as DuckDBType;
    }
    columns.push({ name: f.name, type, sql });
  });
  return { ingests, columns };
}

/** Names of Iceberg uuid columns (top level), so 16-byte Arrow binaries are ingested as UUID. */
export function uuidColumnNames(schema: Schema): Set<string> {
  const out = new Set<string>();
  for (const f of schema.fields) if (f.type.kind === 'uuid') out.add(f.name);
  return out;
}
