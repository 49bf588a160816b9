/**
 * Hidden partitioning in SQL: the partition transforms as DuckDB expressions over columns already
 * cast to the table schema, so rows are routed inside DuckDB and never cross into JS.
 *
 * identity, void, year, month, day, hour and truncate are plain SQL with the spec's arithmetic
 * (floor division for dates before 1970, positive remainders, Java's 32/64-bit wrap-around for
 * truncate). Bucket needs Murmur3 (Appendix B); it is a JS scalar UDF working on DuckDB's raw
 * vectors: integers and temporal values are hashed from the vector memory with 32-bit JS
 * arithmetic, UUIDs from their 128-bit form, strings and binary from their bytes (one native call
 * per string longer than 12 bytes). Measured here on 5M BIGINT rows (`SELECT sum(bucket) FROM
 * range(5000000)`): 0.43 s through the UDF against 0.10 s for DuckDB's own `hash()`, so bucketing
 * adds well under 0.1 us per row; a pure-SQL Murmur3 would need every intermediate hash state
 * repeated in the expression tree. Results equal `applyTransform` (test/write/partition-router.test.ts).
 *
 * Partition values come out of SQL in forms that convert exactly to lake's value representation:
 * INTEGER for int/date/day/year/month/hour/bucket, BIGINT for long/time/timestamps (micros or
 * nanos), HUGEINT for decimals (the unscaled value), VARCHAR for strings and UUIDs, BLOB for binary.
 */
import { DuckDBScalarFunction, type DuckDBConnection, type DuckDBInstance, type DuckDBType, BIGINT, BLOB, HUGEINT, INTEGER, UUID, VARCHAR } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { LakeError } from '../errors.js';
import { quoteIdentifier, quoteString, sqlLiteral } from '../expressions/duckdb-sql.js';
import { duckdbPrimitiveType } from '../parquet/duckdb-types.js';
import { CHECK_ERROR_PREFIX } from '../parquet/writer.js';
import { type PartitionSpec, partitionSourceType } from '../spec/partition-spec.js';
import { type Schema, indexSchema } from '../spec/schema.js';
import { type Transform, canTransform, transformToString } from '../spec/transforms.js';
import { type PrimitiveType, primitiveToString } from '../spec/types.js';
import { hashLongHalves, murmur3Hash32 } from '../spec/murmur3.js';

// ---- Murmur3 on raw vector memory ----

const outHashes = new Int32Array(4096);
const outValidity = new Uint8Array(512);
const uuidScratch = new Uint8Array(16);

/** Copies the input validity to the output (null in, null out); returns the input validity or null when all rows are valid. */
function validityOf(input: duckdb.Vector, n: number): Uint8Array | null {
  const v = duckdb.vector_get_validity(input, Math.ceil(n / 64) * 8);
  return v && v.length > 0 ? v : null;
}

function writeOutput(output: duckdb.Vector, n: number, valid: Uint8Array | null): void {
  duckdb.copy_data_to_vector(output, 0, outHashes.buffer, 0, n * 4);
  if (valid !== null) {
    duckdb.vector_ensure_validity_writable(output);
    const bytes = Math.ceil(n / 8);
    outValidity.set(valid.subarray(0, bytes));
    duckdb.copy_data_to_vector_validity(output, 0, outValidity.buffer, 0, Math.ceil(n / 64) * 8);
  }
}

const isValid = (valid: Uint8Array | null, i: number): boolean => valid === null || (valid[i >> 3]! & (1 << (i & 7))) !== 0;

function hashLongs(input: duckdb.DataChunk, output: duckdb.Vector): void {
  const n = duckdb.data_chunk_get_size(input);
  const vec = duckdb.data_chunk_get_vector(input, 0);
  const data = duckdb.vector_get_data(vec, n * 8);
  const words = new Int32Array(data.buffer, data.byteOffset, n * 2);
  for (let i = 0; i < n; i++) outHashes[i] = hashLongHalves(words[2 * i]!, words[2 * i + 1]!);
  writeOutput(output, n, validityOf(vec, n));
}

/** Hash of the bytes of each string_t (VARCHAR or BLOB vector). */
function hashStrings(input: duckdb.DataChunk, output: duckdb.Vector): void {
  const n = duckdb.data_chunk_get_size(input);
  const vec = duckdb.data_chunk_get_vector(input, 0);
  const data = duckdb.vector_get_data(vec, n * 16);
  const valid = validityOf(vec, n);
  const view = new DataView(data.buffer, data.byteOffset, n * 16);
  for (let i = 0; i < n; i++) {
    if (!isValid(valid, i)) continue;
    const len = view.getUint32(i * 16, true);
    const bytes =
      len <= 12
        ? data.subarray(i * 16 + 4, i * 16 + 4 + len)
        : duckdb.get_data_from_pointer(data.buffer as ArrayBuffer, data.byteOffset + i * 16 + 8, len);
    outHashes[i] = murmur3Hash32(bytes);
  }
  writeOutput(output, n, valid);
}

/** Hash of DuckDB UUIDs: a hugeint holding the big-endian value with the top bit flipped. */
function hashUuids(input: duckdb.DataChunk, output: duckdb.Vector): void {
  const n = duckdb.data_chunk_get_size(input);
  const vec = duckdb.data_chunk_get_vector(input, 0);
  const data = duckdb.vector_get_data(vec, n * 16);
  const valid = validityOf(vec, n);
  for (let i = 0; i < n; i++) {
    if (!isValid(valid, i)) continue;
    const b = i * 16;
    // lower 8 bytes (LE) are the last 8 bytes of the UUID; upper 8 bytes (LE) the first 8, sign-flipped
    for (let k = 0; k < 8; k++) {
      uuidScratch[15 - k] = data[b + k]!;
      uuidScratch[7 - k] = data[b + 8 + k]!;
    }
    uuidScratch[0] = uuidScratch[0]! ^ 0x80;
    outHashes[i] = murmur3Hash32(uuidScratch);
  }
  writeOutput(output, n, valid);
}

/** Hash of decimals given as their unscaled HUGEINT: the minimal two's-complement big-endian bytes. */
function hashUnscaled(input: duckdb.DataChunk, output: duckdb.Vector): void {
  const n = duckdb.data_chunk_get_size(input);
  const vec = duckdb.data_chunk_get_vector(input, 0);
  const data = duckdb.vector_get_data(vec, n * 16);
  const valid = validityOf(vec, n);
  const be = new Uint8Array(16);
  for (let i = 0; i < n; i++) {
    if (!isValid(valid, i)) continue;
    const b = i * 16;
    for (let k = 0; k < 16; k++) be[15 - k] = data[b + k]!;
    // Drop leading bytes that only repeat the sign.
    let start = 0;
    while (start < 15 && ((be[start] === 0 && (be[start + 1]! & 0x80) === 0) || (be[start] === 0xff && (be[start + 1]! & 0x80) !== 0))) start++;
    outHashes[i] = murmur3Hash32(be.subarray(start));
  }
  writeOutput(output, n, valid);
}

const registered = new WeakMap<DuckDBInstance, Promise<void>>();

function scalar(name: string, param: DuckDBType, main: (input: duckdb.DataChunk, output: duckdb.Vector) => void): DuckDBScalarFunction {
  const fn = DuckDBScalarFunction.create({ name, returnType: INTEGER, parameterTypes: [param], mainFunction: () => undefined });
  // Raw handles: the wrapper would materialise every input value as a JS object.
  duckdb.scalar_function_set_function(fn.scalar_function, (_info, input, output) => main(input, output));
  return fn;
}

/**
 * Registers lake's hash functions on a DuckDB instance (once; functions live in the instance's
 * catalog): `lake_hash_long(BIGINT)`, `lake_hash_bytes(BLOB)`, `lake_hash_string(VARCHAR)`,
 * `lake_hash_uuid(UUID)`, `lake_hash_unscaled(HUGEINT)`, each the Appendix B hash as INTEGER.
 */
export function registerWriteFunctions(instance: DuckDBInstance, connection: DuckDBConnection): Promise<void> {
  let p = registered.get(instance);
  if (p === undefined) {
    p = (async () => {
      connection.registerScalarFunction(scalar('lake_hash_long', BIGINT, hashLongs));
      connection.registerScalarFunction(scalar('lake_hash_bytes', BLOB, hashStrings));
      connection.registerScalarFunction(scalar('lake_hash_string', VARCHAR, hashStrings));
      connection.registerScalarFunction(scalar('lake_hash_uuid', UUID, hashUuids));
      connection.registerScalarFunction(scalar('lake_hash_unscaled', HUGEINT, hashUnscaled));
    })();
    registered.set(instance, p);
  }
  return p;
}

// ---- transforms as SQL ----

/** floor(x / d) for BIGINT x and a positive constant d. */
function floorDiv(x: string, d: string): string {
  return `((${x}) // ${d} - CASE WHEN (${x}) % ${d} < 0 THEN 1 ELSE 0 END)`;
}

/** Java's 32-bit wrap-around of a BIGINT expression. */
function wrap32(e: string): string {
  return `CAST(((((${e}) + 2147483648) % 4294967296) + 4294967296) % 4294967296 - 2147483648 AS INTEGER)`;
}

/** Java's 64-bit wrap-around of a HUGEINT expression. */
function wrap64(e: string): string {
  const two64 = '18446744073709551616::HUGEINT';
  return `CAST(((((${e}) + 9223372036854775808::HUGEINT) % ${two64}) + ${two64}) % ${two64} - 9223372036854775808::HUGEINT AS BIGINT)`;
}

/** Micros (or nanos for the _ns types) since the epoch as BIGINT, independent of the session time zone. */
function epochUnits(source: PrimitiveType, col: string): string {
  switch (source.kind) {
    case 'timestamp':
    case 'timestamptz':
      return `epoch_us(${col})`;
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return `epoch_ns(${col})`;
    default:
      throw new Error(`not a timestamp: ${source.kind}`);
  }
}

function unitsPerDay(source: PrimitiveType): string {
  return source.kind === 'timestamp_ns' || source.kind === 'timestamptz_ns' ? '86400000000000' : '86400000000';
}

function daysSql(source: PrimitiveType, col: string): string {
  if (source.kind === 'date') return `CAST((${col}) - DATE '1970-01-01' AS BIGINT)`;
  return floorDiv(epochUnits(source, col), unitsPerDay(source));
}

/** The value of a column in the partition-value form of its type (see the file comment). */
export function identitySql(source: PrimitiveType, col: string): string {
  switch (source.kind) {
    case 'date':
      return `CAST(${daysSql(source, col)} AS INTEGER)`;
    case 'time':
      return `epoch_us(${col})`;
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return epochUnits(source, col);
    case 'decimal':
      return unscaledSql(col);
    case 'uuid':
      return `CAST(${col} AS VARCHAR)`;
    default:
      return col;
  }
}

/** The unscaled value of a DECIMAL as HUGEINT (exact: DuckDB prints decimals with all scale digits). */
export function unscaledSql(col: string): string {
  return `CAST(replace(CAST(${col} AS VARCHAR), '.', '') AS HUGEINT)`;
}

/** The Appendix B hash of a column as INTEGER. */
export function hashSql(source: PrimitiveType, col: string): string {
  switch (source.kind) {
    case 'int':
    case 'long':
      return `lake_hash_long(CAST(${col} AS BIGINT))`;
    case 'date':
      return `lake_hash_long(${daysSql(source, col)})`;
    case 'time':
      return `lake_hash_long(epoch_us(${col}))`;
    case 'timestamp':
    case 'timestamptz':
      return `lake_hash_long(epoch_us(${col}))`;
    case 'timestamp_ns':
    case 'timestamptz_ns':
      // Nanosecond timestamps hash as micros (Appendix B note).
      return `lake_hash_long(${floorDiv(`epoch_ns(${col})`, '1000')})`;
    case 'string':
      return `lake_hash_string(${col})`;
    case 'binary':
    case 'fixed':
      return `lake_hash_bytes(${col})`;
    case 'uuid':
      return `lake_hash_uuid(${col})`;
    case 'decimal':
      return `lake_hash_unscaled(${unscaledSql(col)})`;
    default:
      throw new LakeError('INVALID_INPUT', `bucket cannot be applied to ${primitiveToString(source)}`);
  }
}

/**
 * The SQL of a transform applied to a column expression `col` of the source type (already the
 * table's DuckDB type), producing the partition value in the form described in the file comment.
 */
export function transformSql(t: Transform, source: PrimitiveType, col: string): string {
  if (t.kind === 'unknown') throw new LakeError('UNSUPPORTED_FEATURE', `cannot write with unknown transform "${t.text}"`);
  if (!canTransform(t, source)) {
    throw new LakeError('INVALID_INPUT', `transform ${transformToString(t)} cannot be applied to ${primitiveToString(source)}`);
  }
  switch (t.kind) {
    case 'identity':
      return identitySql(source, col);
    case 'void':
      return `CAST(NULL AS ${resultSqlType(t, source)})`;
    case 'bucket':
      return `CAST((${hashSql(source, col)} & 2147483647) % ${t.n} AS INTEGER)`;
    case 'day':
      return `CAST(${daysSql(source, col)} AS INTEGER)`;
    case 'hour':
      return `CAST(${floorDiv(epochUnits(source, col), source.kind.endsWith('_ns') ? '3600000000000' : '3600000000')} AS INTEGER)`;
    case 'year':
    case 'month': {
      const date = source.kind === 'date' ? col : `(DATE '1970-01-01' + CAST(${daysSql(source, col)} AS INTEGER))`;
      return t.kind === 'year'
        ? `CAST(year(${date}) - 1970 AS INTEGER)`
        : `CAST((year(${date}) - 1970) * 12 + month(${date}) - 1 AS INTEGER)`;
    }
    case 'truncate': {
      const w = t.width;
      switch (source.kind) {
        case 'int': {
          const x = `CAST(${col} AS BIGINT)`;
          const m = wrap32(`(${x} % ${w}) + ${w}`);
          return wrap32(`${x} - (CAST(${m} AS BIGINT) % ${w})`);
        }
        case 'long': {
          const x = `CAST(${col} AS HUGEINT)`;
          const m = wrap64(`(${x} % ${w}) + ${w}`);
          return wrap64(`${x} - (CAST(${m} AS HUGEINT) % ${w})`);
        }
        case 'decimal': {
          const u = unscaledSql(col);
          return `(${u} - (((${u} % ${w}) + ${w}) % ${w}))`;
        }
        case 'string':
          return `left(${col}, ${w})`;
        case 'binary':
          return `(${col})[1:${w}]`;
        default:
          throw new LakeError('INVALID_INPUT', `truncate cannot be applied to ${primitiveToString(source)}`);
      }
    }
  }
}

/** The DuckDB type of a transform's SQL result. */
export function resultSqlType(t: Transform, source: PrimitiveType): string {
  switch (t.kind) {
    case 'bucket':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
      return 'INTEGER';
    default:
      switch (source.kind) {
        case 'boolean':
          return 'BOOLEAN';
        case 'int':
        case 'date':
        case 'unknown':
          return 'INTEGER';
        case 'long':
        case 'time':
        case 'timestamp':
        case 'timestamptz':
        case 'timestamp_ns':
        case 'timestamptz_ns':
          return 'BIGINT';
        case 'float':
          return 'FLOAT';
        case 'double':
          return 'DOUBLE';
        case 'decimal':
          return 'HUGEINT';
        case 'string':
        case 'uuid':
          return 'VARCHAR';
        default:
          return 'BLOB';
      }
  }
}

/** A partition value read back from DuckDB (see the forms above) in lake's value representation. */
export function partitionValueFromSql(t: Transform, source: PrimitiveType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const sqlType = resultSqlType(t, source);
  switch (sqlType) {
    case 'INTEGER':
      return Number(v);
    case 'BIGINT':
    case 'HUGEINT':
      return typeof v === 'bigint' ? v : BigInt(v as number);
    case 'FLOAT':
    case 'DOUBLE':
      return Number(v);
    case 'BOOLEAN':
      return Boolean(v);
    case 'VARCHAR':
      return String(v);
    default: {
      const bytes = (v as { bytes?: Uint8Array }).bytes;
      if (bytes instanceof Uint8Array) return bytes.slice();
      if (v instanceof Uint8Array) return v.slice();
      throw new LakeError('INTERNAL', `unexpected partition value ${String(v)} for ${transformToString(t)}`);
    }
  }
}

export interface PartitionColumn {
  /** Output column name (`__lake_p0`, ...). */
  name: string;
  sql: string;
  transform: Transform;
  source: PrimitiveType;
}

/**
 * The partition columns of a spec as SQL over the table's columns; `columnSql(id)` gives the SQL
 * of a source column (already cast to the table type). Refuses unknown transforms (writers must
 * not commit data with them).
 */
export function partitionColumns(spec: PartitionSpec, schema: Schema, columnSql: (fieldId: number) => string): PartitionColumn[] {
  const idx = indexSchema(schema);
  return spec.fields.map((f, i) => {
    const source = partitionSourceType(f, idx);
    if (f.transform.kind === 'unknown') {
      throw new LakeError('UNSUPPORTED_FEATURE', `cannot write to partition spec ${spec.specId}: field ${f.name} has unknown transform "${f.transform.text}"`);
    }
    if (source.kind === 'unknown' && f.transform.kind !== 'void') {
      throw new LakeError('INVALID_INPUT', `partition field ${f.name}: source column ${f.sourceId} is not in the schema`);
    }
    let sql = f.transform.kind === 'void' ? `CAST(NULL AS ${resultSqlType(f.transform, source)})` : transformSql(f.transform, source, columnSql(f.sourceId));
    if (f.transform.kind === 'truncate' && source.kind === 'decimal') {
      sql = checkedDecimalTruncate(sql, source.precision, columnSql(f.sourceId), `partition field ${f.name}: ${transformToString(f.transform)} of column ${idx.get(f.sourceId)?.path ?? f.sourceId} (${primitiveToString(source)})`);
    }
    return { name: `__lake_p${i}`, sql, transform: f.transform, source };
  });
}

/**
 * Truncating a decimal rounds towards negative infinity, so values near the negative end of the
 * precision (-999 in decimal(3, 0) with truncate[10]) give a partition value with one digit more
 * than the column's precision: the partition value, typed decimal(P, S) like its source, cannot be
 * stored. Such rows fail the write (INVALID_INPUT through `error()`, before any file is placed).
 */
function checkedDecimalTruncate(sql: string, precision: number, col: string, what: string): string {
  const limit = `CAST('1${'0'.repeat(precision)}' AS HUGEINT)`;
  const msg = quoteString(`${CHECK_ERROR_PREFIX}${what} gives a value that does not fit the column's precision of ${precision} digits, for the value `);
  return `(CASE WHEN abs(${sql}) >= ${limit} THEN error(${msg} || CAST(${col} AS VARCHAR)) ELSE ${sql} END)`;
}

/** SQL that evaluates a transform on a literal value (tests and partition checks). */
export function transformLiteralSql(t: Transform, source: PrimitiveType, value: unknown): string {
  const lit = value === null || value === undefined ? `CAST(NULL AS ${duckdbPrimitiveType(source)})` : sqlLiteral(source, value);
  return transformSql(t, source, `(${lit})`);
}

/** A column path as SQL: `"a"` for a top-level column, `struct_extract("a", 'b')` for a struct field. */
export function columnPathSql(path: readonly string[]): string {
  let out = quoteIdentifier(path[0]!);
  for (const p of path.slice(1)) out = `struct_extract(${out}, ${quoteString(p)})`;
  return out;
}
