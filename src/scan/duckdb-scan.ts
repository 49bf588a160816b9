/**
 * The DuckDB read path: a scan plan -> one DuckDB SELECT over the planned files, using no DuckDB
 * extension (httpfs and iceberg are not needed): only `read_parquet`.
 *
 * - Data files are grouped so that files read the same way share one `read_parquet([...])` call.
 *   Files with Parquet field ids are read with `read_parquet(..., schema = MAP {field_id: {name,
 *   type, default_value}})`, so DuckDB itself resolves renamed, reordered, added, dropped and
 *   re-added top-level columns by id and promotes types. DuckDB matches fields *inside* structs by
 *   name, so where a file's nested fields differ from the read schema (renamed, re-added, a default
 *   needed, a conversion DuckDB would do differently), the column is declared with the file's own
 *   nested layout and rebuilt in SQL (`struct_pack`, `list_transform`, `map_from_entries`).
 *   Files without field ids are read by column name through the table's name mapping. Columns a
 *   file lacks become constants: identity partition values, `initial-default`s or NULL
 *   (field-projection.ts decides which).
 * - Position delete files (read by DuckDB directly) and deletion vectors (decoded in JS, appended)
 *   fill a table of keys (file index, position) packed in one BIGINT; the rows of the files that
 *   have position deletes are removed by an anti-join on that key, while files without any are
 *   read apart and never probe it (a hash probe per row costs about as much as reading a column).
 *   Measured no faster on DuckDB 1.5 (5M rows, 1 % deleted): two-column keys, NOT IN / NOT EXISTS,
 *   a primary key on the positions, one SELECT per file, per-file bitmaps (`get_bit`, boolean
 *   lists) and 64-row block masks joined by block; a POSITIONAL JOIN with a keep-flag table is
 *   fast for one column but runs on one thread.
 * - Equality deletes fill one table per set of equality field ids with the key columns, the
 *   delete's data sequence number and partition; rows are removed by an anti-join on the keys
 *   (`IS NOT DISTINCT FROM`: null equals null, as the spec says) guarded by the spec's rule: data
 *   sequence number < delete sequence number, and the same partition unless the delete is global.
 * - The plan's row filter is rendered with `toDuckDbSql` and pushed down by DuckDB.
 * Files that are not on local disk are fetched into the local file cache first (file-cache.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { BIGINT, DuckDBDataChunk } from '@duckdb/node-api';
import pLimit from 'p-limit';
import { LakeError } from '../errors.js';
import { quoteIdentifier, quoteString, toDuckDbSql } from '../expressions/index.js';
import { type DataFile, FileContent } from '../spec/data-file.js';
import { type NameMapping, nameMappingOf } from '../spec/name-mapping.js';
import { type PartitionSpec, isUnpartitioned, partitionKey } from '../spec/partition-spec.js';
import type { IcebergType, NestedField, PrimitiveType } from '../spec/types.js';
import { planColumns, readLocalFooter } from './arrow-reader.js';
import { isDeletionVector } from './delete-file-index.js';
import { duckdbLiteral, duckdbType } from './duckdb-types.js';
import type { ParquetSchemaNode } from '../parquet/footer.js';
import { type FileProjection, type Projection, type StoredType, identityPartitionConstants, projectFile, selectFields } from './field-projection.js';
import { type FileCache, type LocalFile, localFileFor } from './file-cache.js';
import type { FileIO } from './file-io.js';
import { PositionDeleteLoader } from './position-deletes.js';
import type { FileScanTask, ScanPlan } from './scan-task.js';

export interface DuckDbScanOptions {
  /** Reads the plan's files (default `plan.io`). */
  io?: FileIO;
  /** Cache for files not on local disk (default: the process-wide cache). */
  cache?: FileCache;
  /** Accept deletion vectors stored as bare blobs (old DuckDB); default false. */
  allowBareDeletionVectors?: boolean;
  /**
   * Where helper tables (deleted positions, equality delete keys) are created, as `catalog.schema`.
   * Default: temporary tables of the connection.
   */
  tableSchema?: string;
  /** Apply the plan's row filter (default true). */
  applyFilter?: boolean;
  /** Data files whose footers are read at once (default 16). */
  concurrency?: number;
}

export interface DuckDbScanColumn {
  /** The column name in the result (the field name; names equal but for case get `_1`, `_2`, ... as DuckDB does). */
  name: string;
  fieldId: number;
  type: IcebergType;
}

export interface DuckDbScan {
  /** A SELECT statement that returns the plan's rows (deletes applied, filter applied). */
  sql: string;
  columns: DuckDbScanColumn[];
  /** Qualified names of the helper tables the SQL reads. */
  helperTables: string[];
  /** Drops the helper tables and lets the file cache evict the files again. */
  release(): Promise<void>;
}

let scanCounter = 0;

const FILE_COL = '"__lake_file"';
const KEY_COL = '"__lake_key"';
/** Row positions below 2^40 per file, file indexes below 2^23: the pair packs into one BIGINT. */
const KEY_SHIFT = 40;

function readCol(i: number): string {
  return `"__lake_${i}"`;
}

/** Prepares a plan as DuckDB SQL on `conn` (helper tables are created on it). */
export async function prepareDuckDbScan(conn: DuckDBConnection, plan: ScanPlan, options: DuckDbScanOptions = {}): Promise<DuckDbScan> {
  const io = options.io ?? (plan as { io?: FileIO }).io;
  if (io === undefined) throw new LakeError('INVALID_INPUT', 'prepareDuckDbScan needs a FileIO (plan.io or options.io)');
  const columns = planColumns(plan);
  const outColumns = outputColumns(columns.output);
  const id = `${process.pid}_${++scanCounter}`;
  const helpers: string[] = [];
  const files: LocalFile[] = [];
  const qualify = (name: string): string => (options.tableSchema === undefined ? quoteIdentifier(name) : `${options.tableSchema}.${quoteIdentifier(name)}`);
  const createTable = (name: string): string => (options.tableSchema === undefined ? `CREATE TEMP TABLE ${quoteIdentifier(name)}` : `CREATE TABLE ${qualify(name)}`);
  const release = async (): Promise<void> => {
    for (const f of files.splice(0)) f.release();
    for (const t of helpers.splice(0)) await conn.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  };
  try {
    if (plan.tasks.length === 0) {
      const cols = outColumns.map((c) => `${duckdbLiteral(c.type, null)} AS ${quoteIdentifier(c.name)}`);
      const sql = `SELECT ${cols.length === 0 ? '1 AS "__lake_row"' : cols.join(', ')} WHERE false`;
      return { sql, columns: outColumns, helperTables: [], release };
    }
    const nameMapping = nameMappingOf(plan.metadata.properties);
    const cacheOpt = options.cache === undefined ? {} : { cache: options.cache };
    const open = async (file: DataFile): Promise<LocalFile> => {
      const f = await localFileFor(io, file.filePath, { size: file.fileSizeInBytes, ...cacheOpt });
      files.push(f);
      return f;
    };

    const hasPositionDeletes = plan.tasks.some((t) => t.positionDeletes.length > 0);
    const hasEqualityDeletes = plan.tasks.some((t) => t.equalityDeletes.length > 0);
    const needFile = hasEqualityDeletes;

    // 1. data files: local copies, footers, projections, grouped by how they are read
    const limit = pLimit(Math.max(1, options.concurrency ?? 16));
    const reads = await Promise.all(
      plan.tasks.map((task) =>
        limit(async () => {
          const dataFile = task.dataFile;
          if (dataFile.fileFormat !== 'PARQUET') {
            throw new LakeError('UNSUPPORTED_FEATURE', `data file ${dataFile.filePath} is ${dataFile.fileFormat}; lake reads Parquet data files`);
          }
          const local = await open(dataFile);
          const footer = await readLocalFooter(local.path, dataFile.filePath);
          const projection = projectFile({
            fields: columns.read,
            footer,
            ...(nameMapping === undefined ? {} : { nameMapping }),
            partitionConstants: identityPartitionConstants(task.spec, dataFile.partition),
            where: dataFile.filePath,
          });
          return { task, path: local.path, read: fileRead(projection, footer.root) };
        }),
      ),
    );
    // files with position deletes are read apart: only their rows go through the anti-join
    const groups = new Map<string, { read: FileRead; deletes: boolean; paths: string[]; tasks: FileScanTask[] }>();
    for (const r of reads) {
      const deletes = r.task.positionDeletes.length > 0;
      const key = `${deletes}\n${r.read.key}`;
      let g = groups.get(key);
      if (g === undefined) {
        g = { read: r.read, deletes, paths: [], tasks: [] };
        groups.set(key, g);
      }
      g.paths.push(r.path);
      g.tasks.push(r.task);
    }
    const fileIndex = new Map<FileScanTask, number>();
    const withDeletes: string[] = [];
    const selects: string[] = [];
    let base = 0;
    for (const g of groups.values()) {
      g.tasks.forEach((t, j) => fileIndex.set(t, base + j));
      (g.deletes ? withDeletes : selects).push(groupSql(g.read, g.paths, base, needFile, g.deletes));
      base += g.paths.length;
    }

    // 2. position deletes and deletion vectors -> (file index, position)
    const joins: string[] = [];
    if (hasPositionDeletes) {
      const posTable = `__lake_pos_${id}`;
      await conn.run(`${createTable(posTable)} (k BIGINT)`);
      helpers.push(qualify(posTable));
      await loadPositionDeletes(conn, plan, io, fileIndex, qualify(posTable), options, open, createTable, qualify, helpers, id);
      // the same columns as the groups without deletes (groupSql's order), the key dropped
      const cols = columns.read.map((_, i) => `__lake_d.${readCol(i)}`);
      if (needFile) cols.push(`__lake_d.${FILE_COL}`);
      if (cols.length === 0) cols.push('1 AS "__lake_row"');
      selects.unshift(
        `SELECT ${cols.join(', ')} FROM (${unionAll(withDeletes)}) AS __lake_d\n` + `ANTI JOIN ${qualify(posTable)} AS __lake_p ON __lake_p.k = __lake_d.${KEY_COL}`,
      );
    }

    // 3. equality deletes -> key tables guarded by sequence numbers and partitions
    if (hasEqualityDeletes) {
      const filesTable = `__lake_files_${id}`;
      await conn.run(`${createTable(filesTable)} (f BIGINT, seq BIGINT, part VARCHAR)`);
      helpers.push(qualify(filesTable));
      const rows = plan.tasks.map((t) => `(${fileIndex.get(t)}, ${t.dataSequenceNumber}, ${quoteString(partitionScope(t.spec, t.dataFile.partition))})`);
      for (let i = 0; i < rows.length; i += 1000) await conn.run(`INSERT INTO ${qualify(filesTable)} VALUES ${rows.slice(i, i + 1000).join(', ')}`);
      joins.push(`JOIN ${qualify(filesTable)} AS __lake_fi ON __lake_fi.f = d.${FILE_COL}`);
      const eqJoins = await loadEqualityDeletes(conn, plan, columns.read, nameMapping, open, createTable, qualify, helpers, id);
      joins.push(...eqJoins);
    }

    // 4. the statement
    const pathOf = columnPaths(columns.read);
    const filter =
      options.applyFilter === false || plan.filter.op === 'true'
        ? undefined
        : toDuckDbSql(plan.filter, (fieldId) => {
            const p = pathOf.get(fieldId);
            if (p === undefined) throw new LakeError('INTERNAL', `filter column ${fieldId} is not read`);
            return { sql: `d.${p}` };
          });
    const readIndex = new Map(columns.read.map((f, i) => [f.id, i] as const));
    const outExprs = columns.output.map((f, k) => {
      const i = readIndex.get(f.id)!;
      const src = `d.${readCol(i)}`;
      const readField = columns.read[i]!;
      const expr = readField === f ? src : pruneStructSql(src, readField.type, f.type);
      return `${expr} AS ${quoteIdentifier(outColumns[k]!.name)}`;
    });
    // a view needs a column: a plan that projects none (e.g. for counting) gets a constant one
    if (outExprs.length === 0) outExprs.push('1 AS "__lake_row"');
    const union = unionAll(selects);
    const sql =
      `SELECT ${outExprs.join(', ')}\nFROM (${union}) AS d` +
      (joins.length > 0 ? `\n${joins.join('\n')}` : '') +
      (filter === undefined ? '' : `\nWHERE ${filter}`);
    return { sql, columns: outColumns, helperTables: [...helpers], release };
  } catch (e) {
    await release();
    throw e;
  }
}

function unionAll(selects: readonly string[]): string {
  return selects.length === 1 ? selects[0]! : selects.map((s) => `(${s})`).join('\nUNION ALL\n');
}

/** Output names: field names, with DuckDB's `_1`, `_2` suffixes for names equal but for case. */
function outputColumns(fields: readonly NestedField[]): DuckDbScanColumn[] {
  const seen = new Set<string>();
  return fields.map((f) => {
    let name = f.name;
    for (let n = 1; seen.has(name.toLowerCase()); n++) name = `${f.name}_${n}`;
    seen.add(name.toLowerCase());
    return { name, fieldId: f.id, type: f.type };
  });
}

/** SQL paths (`"__lake_0"."a"."b"`) of every primitive field reachable through structs. */
function columnPaths(fields: readonly NestedField[]): Map<number, string> {
  const out = new Map<number, string>();
  const visit = (f: NestedField, path: string): void => {
    out.set(f.id, path);
    if (f.type.kind === 'struct') for (const c of f.type.fields) visit(c, `${path}.${quoteIdentifier(c.name)}`);
  };
  fields.forEach((f, i) => visit(f, readCol(i)));
  return out;
}

function pruneStructSql(src: string, from: IcebergType, to: IcebergType): string {
  if (from.kind !== 'struct' || to.kind !== 'struct') return src;
  const parts = to.fields.map((f) => {
    const inner = from.fields.find((x) => x.id === f.id)!;
    return `${quoteIdentifier(f.name)} := ${pruneStructSql(`${src}.${quoteIdentifier(f.name)}`, inner.type, f.type)}`;
  });
  return `CASE WHEN ${src} IS NULL THEN NULL ELSE struct_pack(${parts.join(', ')}) END`;
}

/** A partition scope for equality deletes: spec id and partition tuple. */
function partitionScope(spec: PartitionSpec, partition: readonly unknown[]): string {
  return `${spec.specId}/${partitionKey(partition)}`;
}

// -------------------------------------------------------------------------------------------------
// Reading one file: schema entries and expressions
// -------------------------------------------------------------------------------------------------

interface FileRead {
  /** `ids`: read_parquet with a field-id schema; `names`: columns selected by name (name mapping). */
  mode: 'ids' | 'names';
  /** Schema MAP entries (`ids` mode). */
  entries: string[];
  /** One expression per read field, over the source columns. */
  exprs: string[];
  /** Files with the same key are read by the same statement. */
  key: string;
}

function fileRead(projection: FileProjection, root: ParquetSchemaNode): FileRead {
  // Columns are selected by their names in the file where DuckDB names them unambiguously: then
  // DuckDB estimates the scan's size from the footers and plans the delete joins well (with a
  // `schema` parameter it estimates 1000 rows a file and builds hash tables on the wrong side).
  const mode = projection.byNameMapping || namesUnique(root) ? 'names' : 'ids';
  const entries: string[] = [];
  const exprs = projection.columns.map((p, i) => {
    if (p.kind === 'constant') return duckdbLiteral(p.type, p.value);
    if (mode === 'names') {
      const src = quoteIdentifier(p.node.name);
      return exactLayout(p) ? castColumn(p, src) : convertSql(p, src, 0);
    }
    const src = `"__lake_s${i}"`;
    const direct = compatible(p, true);
    const type = direct ? duckdbType(p.field.type) : fileType(p);
    entries.push(`${p.node.fieldId}: {name: ${quoteString(`__lake_s${i}`)}, type: ${quoteString(type)}, default_value: NULL}`);
    return direct ? src : convertSql(p, src, 0);
  });
  return { mode, entries, exprs, key: `${mode}\n${entries.join('\n')}\n${exprs.join('\n')}` };
}

/** DuckDB names columns case-insensitively: names that differ only by case get renamed. */
function namesUnique(root: ParquetSchemaNode): boolean {
  const seen = new Set<string>();
  for (const c of root.children) {
    const k = c.name.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}

/**
 * True when DuckDB reads the file column, as it is, with exactly the read type: the same nested
 * layout (names, order, no extra or missing fields) and the same leaf types. A top-level
 * primitive may still need a cast (castColumn).
 */
function exactLayout(p: Projection, topLevel = true): boolean {
  switch (p.kind) {
    case 'constant':
      return false;
    case 'column':
      return topLevel || naturalType(p.stored) === duckdbType(p.type);
    case 'struct':
      return (
        p.children.length === p.node.children.length &&
        p.children.every((c, k) => c.kind !== 'constant' && c.node === p.node.children[k] && c.node.name === c.field.name && exactLayout(c, false))
      );
    case 'list':
      return exactLayout(p.element, false);
    case 'map':
      return exactLayout(p.key, false) && exactLayout(p.value, false);
  }
}

function castColumn(p: Projection, src: string): string {
  if (p.kind !== 'column') return src;
  return naturalType(p.stored) === duckdbType(p.type) ? src : convertPrimitiveSql(p.stored, p.type, src);
}

/** The type DuckDB reads a stored column as, where it is certain; undefined otherwise (then SQL converts). */
function naturalType(stored: StoredType): string | undefined {
  const s = stored.type;
  if (stored.narrow === true || stored.unit === 'MILLIS' || stored.unit === 'NANOS' || stored.unit === 'INT96') return undefined;
  switch (s.kind) {
    case 'time': // TIME_MICROS adjusted to UTC reads as TIMETZ
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'unknown':
    case 'variant':
    case 'geometry':
    case 'geography':
      return undefined;
    default:
      return duckdbType(s);
  }
}

function groupSql(read: FileRead, paths: readonly string[], base: number, needFile: boolean, needPos: boolean): string {
  const list = `[${paths.map(quoteString).join(', ')}]`;
  // Iceberg data files often sit in `name=value` directories; DuckDB must not turn those into columns
  const args = [list, 'hive_partitioning = false'];
  if (read.mode === 'ids' && read.entries.length > 0) args.push(`schema = MAP {${read.entries.join(', ')}}`);
  if (needPos) args.push('file_row_number = true');
  const cols = read.exprs.map((e, i) => `${e} AS ${readCol(i)}`);
  if (needFile) cols.push(`CAST(file_index AS BIGINT) + ${base} AS ${FILE_COL}`);
  // one BIGINT key (file index << 40 | row position) makes the anti-join a single-column hash join
  if (needPos) cols.push(`((CAST(file_index AS BIGINT) + ${base}) << ${KEY_SHIFT}) | file_row_number AS ${KEY_COL}`);
  if (cols.length === 0) cols.push('1 AS "__lake_row"');
  return `SELECT ${cols.join(', ')} FROM read_parquet(${args.join(', ')})`;
}

/**
 * Whether DuckDB reads the stored column exactly as the read type when told the read type: the
 * same type, or a promotion DuckDB's cast performs exactly; inside structs also the same field
 * names (DuckDB matches nested fields by name) and no defaults to fill.
 */
function compatible(p: Projection, topLevel: boolean): boolean {
  switch (p.kind) {
    case 'constant':
      return false;
    case 'column':
      return (topLevel || p.node.name === p.field.name) && castsExactly(p.stored, p.type);
    case 'struct': {
      if (!topLevel && p.node.name !== p.field.name) return false;
      const names = new Set(p.node.children.map((c) => c.name));
      return p.children.every((c) => (c.kind === 'constant' ? c.value === null && !names.has(c.field.name) : compatible(c, false)));
    }
    case 'list':
      return (topLevel || p.node.name === p.field.name) && p.element.kind !== 'constant' && compatibleInner(p.element);
    case 'map':
      return (topLevel || p.node.name === p.field.name) && p.key.kind !== 'constant' && p.value.kind !== 'constant' && compatibleInner(p.key) && compatibleInner(p.value);
  }
}

/** List elements and map keys/values are matched by position, not name. */
function compatibleInner(p: Projection): boolean {
  return p.kind === 'column' ? castsExactly(p.stored, p.type) : compatible(p, true);
}

function castsExactly(stored: StoredType, target: PrimitiveType): boolean {
  const s = stored.type;
  if (stored.unit === 'INT96') return target.kind === 'timestamp';
  switch (target.kind) {
    case 'long':
      return s.kind === 'long' || s.kind === 'int';
    case 'double':
      return s.kind === 'double' || s.kind === 'float';
    case 'decimal':
      return s.kind === 'decimal' && s.scale === target.scale && s.precision <= target.precision;
    case 'timestamp':
    case 'timestamp_ns':
      return s.kind === target.kind || s.kind === 'date';
    case 'timestamptz_ns':
      return false;
    case 'fixed':
      return s.kind === 'fixed' && s.length === target.length;
    case 'geometry':
    case 'geography':
      return s.kind === 'binary';
    default:
      return s.kind === target.kind;
  }
}

/** The DuckDB type DuckDB gives a stored column (used to declare a file's own nested layout). */
function storedDuckdbType(stored: StoredType): string {
  const s = stored.type;
  if (stored.unit === 'INT96') return 'TIMESTAMP';
  switch (s.kind) {
    case 'timestamptz_ns':
      return 'TIMESTAMP_NS';
    default:
      return duckdbType(s);
  }
}

/** The declared type of a column in the file's own layout (file names inside structs). */
function fileType(p: Projection): string {
  switch (p.kind) {
    case 'constant':
      throw new LakeError('INTERNAL', 'a constant has no file type');
    case 'column':
      return storedDuckdbType(p.stored);
    case 'struct': {
      const used = p.children.filter((c) => c.kind !== 'constant');
      if (used.length === 0) {
        // only the struct's null-ness is needed: declare one leaf column of it
        const leaf = p.node.children.find((c) => c.element.type !== undefined);
        if (leaf === undefined) throw new LakeError('UNSUPPORTED_FEATURE', `cannot read struct ${p.node.path.join('.')} without any primitive field`);
        return `STRUCT(${quoteIdentifier(leaf.name)} BLOB)`;
      }
      return `STRUCT(${used.map((c) => `${quoteIdentifier((c as Exclude<Projection, { kind: 'constant' }>).node.name)} ${fileType(c)}`).join(', ')})`;
    }
    case 'list':
      return `${fileType(p.element)}[]`;
    case 'map':
      return `MAP(${fileType(p.key)}, ${fileType(p.value)})`;
  }
}

/** SQL converting a source expression in the file's layout into the read type. */
function convertSql(p: Projection, src: string, depth: number): string {
  switch (p.kind) {
    case 'constant':
      return duckdbLiteral(p.type, p.value);
    case 'column':
      return convertPrimitiveSql(p.stored, p.type, src);
    case 'struct': {
      const parts = p.children.map((c) => {
        const value = c.kind === 'constant' ? duckdbLiteral(c.type, c.value) : convertSql(c, `${src}.${quoteIdentifier(c.node.name)}`, depth);
        return `${quoteIdentifier(c.field.name)} := ${value}`;
      });
      return `CASE WHEN ${src} IS NULL THEN NULL ELSE struct_pack(${parts.join(', ')}) END`;
    }
    case 'list': {
      const x = `__lake_x${depth}`;
      return `CAST(list_transform(${src}, ${x} -> ${convertSql(p.element, x, depth + 1)}) AS ${duckdbType(p.type)})`;
    }
    case 'map': {
      const e = `__lake_e${depth}`;
      const key = convertSql(p.key, `${e}.key`, depth + 1);
      const value = convertSql(p.value, `${e}.value`, depth + 1);
      return `CAST(map_from_entries(list_transform(map_entries(${src}), ${e} -> struct_pack(key := ${key}, value := ${value}))) AS ${duckdbType(p.type)})`;
    }
  }
}

function convertPrimitiveSql(stored: StoredType, t: PrimitiveType, src: string): string {
  const s = stored.type;
  const type = duckdbType(t);
  const timestampLike = (k: string): boolean => k === 'timestamp' || k === 'timestamptz' || k === 'timestamp_ns' || k === 'timestamptz_ns';
  switch (t.kind) {
    case 'unknown':
      return 'CAST(NULL AS INTEGER)';
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      if (s.kind === 'date') return `CAST(${src} AS ${type})`;
      if (!timestampLike(s.kind)) break;
      // through the epoch, so that no session time zone takes part in the conversion
      if (t.kind === 'timestamp') return `make_timestamp(epoch_us(${src}))`;
      if (t.kind === 'timestamptz') return `timezone('UTC', make_timestamp(epoch_us(${src})))`;
      return `make_timestamp_ns(epoch_ns(${src}))`;
    }
    case 'string':
      return s.kind === 'binary' ? `decode(${src})` : `CAST(${src} AS VARCHAR)`;
    case 'binary':
    case 'geometry':
    case 'geography':
      if (s.kind === 'string') return `encode(${src})`;
      if (s.kind === 'uuid') return `unhex(replace(CAST(${src} AS VARCHAR), '-', ''))`;
      return `CAST(${src} AS BLOB)`;
    case 'uuid':
      return s.kind === 'uuid' ? src : `CAST(hex(${src}) AS UUID)`;
    case 'fixed':
      return s.kind === 'uuid' ? `unhex(replace(CAST(${src} AS VARCHAR), '-', ''))` : src;
    default:
      return `CAST(${src} AS ${type})`;
  }
  return `CAST(${src} AS ${type})`;
}

// -------------------------------------------------------------------------------------------------
// Deletes
// -------------------------------------------------------------------------------------------------

async function loadPositionDeletes(
  conn: DuckDBConnection,
  plan: ScanPlan,
  io: FileIO,
  fileIndex: ReadonlyMap<FileScanTask, number>,
  posTable: string,
  options: DuckDbScanOptions,
  open: (file: DataFile) => Promise<LocalFile>,
  createTable: (name: string) => string,
  qualify: (name: string) => string,
  helpers: string[],
  id: string,
): Promise<void> {
  // deletion vectors: decoded here, appended in chunks
  const dvLoader = new PositionDeleteLoader({ io, allowBareDeletionVectors: options.allowBareDeletionVectors ?? false });
  let chunk: bigint[] = [];
  const flushTarget = parseTarget(posTable);
  const appender = await conn.createAppender(flushTarget.table, flushTarget.schema, flushTarget.catalog);
  const flush = (): void => {
    if (chunk.length === 0) return;
    const data = DuckDBDataChunk.create([BIGINT], chunk.length);
    data.setColumns([chunk]);
    appender.appendDataChunk(data);
    chunk = [];
  };
  // position delete files: which (delete file, data file) pairs apply, read by DuckDB below
  const scope: string[] = [];
  const deleteFiles = new Map<string, string>(); // delete file path -> local path
  try {
    for (const task of plan.tasks) {
      const f = fileIndex.get(task)!;
      const dvs = task.positionDeletes.filter((d) => isDeletionVector(d.file));
      for (const d of task.positionDeletes) {
        if (isDeletionVector(d.file)) continue;
        if (d.file.fileFormat !== 'PARQUET') {
          throw new LakeError('UNSUPPORTED_FEATURE', `position delete file ${d.file.filePath} is ${d.file.fileFormat}; lake reads Parquet delete files`);
        }
        let local = deleteFiles.get(d.file.filePath);
        if (local === undefined) {
          local = (await open(d.file)).path;
          deleteFiles.set(d.file.filePath, local);
        }
        scope.push(`(${quoteString(local)}, ${quoteString(task.dataFile.filePath)}, ${f})`);
      }
      if (dvs.length === 0) continue;
      const set = await dvLoader.forTask({ dataFile: task.dataFile, positionDeletes: dvs });
      if (set === undefined) continue;
      const base = BigInt(f) << BigInt(KEY_SHIFT);
      set.forEach((pos) => {
        chunk.push(base | BigInt(pos));
        if (chunk.length === 2048) flush();
      });
    }
    flush();
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  if (scope.length > 0) {
    const scopeTable = `__lake_scope_${id}`;
    await conn.run(`${createTable(scopeTable)} (del VARCHAR, path VARCHAR, f BIGINT)`);
    helpers.push(qualify(scopeTable));
    for (let i = 0; i < scope.length; i += 1000) await conn.run(`INSERT INTO ${qualify(scopeTable)} VALUES ${scope.slice(i, i + 1000).join(', ')}`);
    const list = `[${[...deleteFiles.values()].map(quoteString).join(', ')}]`;
    await conn.run(
      `INSERT INTO ${posTable} SELECT (s.f << ${KEY_SHIFT}) | x.pos FROM read_parquet(${list}, filename = true, hive_partitioning = false) AS x ` +
        `JOIN ${qualify(scopeTable)} AS s ON s.del = x.filename AND s.path = x.file_path`,
    );
  }
}

/** Splits `catalog.schema."table"` / `"table"` into the appender's arguments. */
function parseTarget(qualified: string): { catalog: string | null; schema: string | null; table: string } {
  const m = /^(?:(.+)\.)?"((?:[^"]|"")*)"$/.exec(qualified);
  if (!m) throw new LakeError('INTERNAL', `cannot parse table name ${qualified}`);
  const table = m[2]!.replaceAll('""', '"');
  if (m[1] === undefined) return { catalog: 'temp', schema: 'main', table };
  const parts = m[1].split('.');
  const unq = (s: string): string => s.replace(/^"(.*)"$/, '$1').replaceAll('""', '"');
  return parts.length === 2 ? { catalog: unq(parts[0]!), schema: unq(parts[1]!), table } : { catalog: null, schema: unq(parts[0]!), table };
}

async function loadEqualityDeletes(
  conn: DuckDBConnection,
  plan: ScanPlan,
  readFields: readonly NestedField[],
  nameMapping: NameMapping | undefined,
  open: (file: DataFile) => Promise<LocalFile>,
  createTable: (name: string) => string,
  qualify: (name: string) => string,
  helpers: string[],
  id: string,
): Promise<string[]> {
  // distinct delete files with their sequence number, grouped by equality field ids
  const byIds = new Map<string, { ids: number[]; files: Map<string, { file: DataFile; seq: bigint }> }>();
  for (const t of plan.tasks) {
    for (const d of t.equalityDeletes) {
      if (d.file.content !== FileContent.EQUALITY_DELETES) throw new LakeError('INVALID_INPUT', `${d.file.filePath} is not an equality delete file`);
      const ids = d.file.equalityIds ?? [];
      if (ids.length === 0) throw new LakeError('INVALID_METADATA', `equality delete file ${d.file.filePath} has no equality_ids`);
      const key = ids.join(',');
      let g = byIds.get(key);
      if (g === undefined) {
        g = { ids: [...ids], files: new Map() };
        byIds.set(key, g);
      }
      g.files.set(d.file.filePath, { file: d.file, seq: d.dataSequenceNumber });
    }
  }
  const dataPaths = columnPaths(readFields);
  const specs = new Map(plan.metadata.partitionSpecs.map((s) => [s.specId, s] as const));
  const joins: string[] = [];
  let j = 0;
  for (const g of byIds.values()) {
    const table = `__lake_eq_${id}_${j}`;
    const alias = `__lake_e${j}`;
    j++;
    const fields = selectFields({ fields: [...readFields] }, g.ids);
    const deletePaths = columnPaths(fields);
    const keyTypes = g.ids.map((fid) => typeOfId(readFields, fid));
    const cols = keyTypes.map((t, k) => `k${k} ${duckdbType(t)}`);
    await conn.run(`${createTable(table)} (${cols.join(', ')}, seq BIGINT, part VARCHAR, is_global BOOLEAN)`);
    helpers.push(qualify(table));
    for (const { file, seq } of g.files.values()) {
      if (file.fileFormat !== 'PARQUET') {
        throw new LakeError('UNSUPPORTED_FEATURE', `equality delete file ${file.filePath} is ${file.fileFormat}; lake reads Parquet delete files`);
      }
      const local = await open(file);
      const footer = await readLocalFooter(local.path, file.filePath);
      const projection = projectFile({
        fields,
        footer,
        ...(nameMapping === undefined ? {} : { nameMapping }),
        where: `equality delete file ${file.filePath}`,
      });
      const read = fileRead(projection, footer.root);
      const spec = specs.get(file.specId);
      const global = spec === undefined || isUnpartitioned(spec);
      const part = spec === undefined ? '' : partitionScope(spec, file.partition);
      const keys = g.ids.map((fid) => `x.${deletePaths.get(fid)!}`);
      await conn.run(
        `INSERT INTO ${qualify(table)} SELECT ${keys.join(', ')}, ${seq}, ${quoteString(part)}, ${global} ` +
          `FROM (${groupSql(read, [local.path], 0, false, false)}) AS x`,
      );
    }
    const conds = g.ids.map((fid, k) => `${alias}.k${k} IS NOT DISTINCT FROM d.${dataPaths.get(fid)!}`);
    conds.push(`__lake_fi.seq < ${alias}.seq`, `(${alias}.is_global OR ${alias}.part = __lake_fi.part)`);
    joins.push(`ANTI JOIN ${qualify(table)} AS ${alias} ON ${conds.join(' AND ')}`);
  }
  return joins;
}

function typeOfId(fields: readonly NestedField[], id: number): IcebergType {
  for (const f of fields) {
    if (f.id === id) return f.type;
    if (f.type.kind === 'struct') {
      try {
        return typeOfId(f.type.fields, id);
      } catch {
        // not below this field
      }
    }
  }
  throw new LakeError('INTERNAL', `field ${id} is not read`);
}
