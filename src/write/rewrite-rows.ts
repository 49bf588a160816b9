/**
 * Copy-on-write of rows: the live rows of some data files that do NOT match a row filter, written
 * as new data files of the table (what an overwrite or delete by filter keeps from a file that
 * matches only in part).
 *
 * The files are read through the DuckDB read path (src/scan/duckdb-scan.ts), so columns resolve by
 * field id in the table's current schema and the files' position, deletion-vector and equality
 * deletes are applied; the kept rows go through the data-file writer (cast, partitioning by the
 * current spec, sorting, metrics) without coming back into JS.
 *
 * A row is kept when the filter is not TRUE for it: SQL three-valued logic, so rows for which the
 * filter is NULL (e.g. `x > 5` with `x` NULL) stay, exactly as `DELETE ... WHERE` leaves them.
 */
import { LakeError } from '../errors.js';
import { type BoundExpression, alwaysTrue, quoteIdentifier, toDuckDbSql } from '../expressions/index.js';
import type { DataFile } from '../spec/data-file.js';
import type { Schema } from '../spec/schema.js';
import { type TableMetadata, currentSchema } from '../spec/table-metadata.js';
import type { NestedField } from '../spec/types.js';
import type { Storage } from '../storage/storage.js';
import { prepareDuckDbScan } from '../scan/duckdb-scan.js';
import type { FileIO } from '../scan/file-io.js';
import type { DeleteFileRef, FileScanTask, ScanPlan } from '../scan/scan-task.js';
import { duckdbConnect } from '../util/duckdb.js';
import type { SourceColumn } from './arrow-cast.js';
import { type WriteOptionsBase, writeRelation } from './data-writer.js';

export interface RewriteRowsOptions extends Omit<WriteOptionsBase, 'metadata' | 'table' | 'storage'> {
  /** The table's metadata: rows are read and written in its current schema and default spec. */
  metadata: TableMetadata;
  /** The data files to rewrite, with the delete files that apply to them (from `planScan`). */
  tasks: readonly FileScanTask[];
  /** Reads the tasks' files (path remaps, S3 settings). */
  io: FileIO;
  /** Where the new files go. */
  storage: Storage;
  /** Rows for which this filter is TRUE are dropped; bound to the current schema. */
  filter: BoundExpression;
}

let rewriteCounter = 0;

/** SQL of every field reachable through structs, by field id: `"a"`, `"a"."b"`. */
function fieldPaths(fields: readonly NestedField[], top: ReadonlyMap<number, string>): Map<number, string> {
  const out = new Map<number, string>();
  const visit = (f: NestedField, sql: string): void => {
    out.set(f.id, sql);
    if (f.type.kind === 'struct') for (const c of f.type.fields) visit(c, `${sql}.${quoteIdentifier(c.name)}`);
  };
  for (const f of fields) visit(f, quoteIdentifier(top.get(f.id) ?? f.name));
  return out;
}

/** The DuckDB condition that keeps a row: the filter is FALSE or NULL for it. */
export function keptRowsSql(filter: BoundExpression, schema: Schema, columnNames: ReadonlyMap<number, string> = new Map()): string {
  const paths = fieldPaths(schema.fields, columnNames);
  const sql = toDuckDbSql(filter, (fieldId) => {
    const p = paths.get(fieldId);
    if (p === undefined) throw new LakeError('INVALID_INPUT', `the filter uses field ${fieldId}, which is not a column of the table (or sits inside a list or map)`);
    return { sql: p };
  });
  return `(${sql}) IS NOT TRUE`;
}

/**
 * Writes the rows of `tasks` that the filter does not match as new data files (nothing is
 * committed). Returns no files when every row matched.
 */
export async function rewriteRowsWithout(options: RewriteRowsOptions): Promise<DataFile[]> {
  if (options.tasks.length === 0) return [];
  const schema = currentSchema(options.metadata);
  const deleteFiles: DeleteFileRef[] = [];
  const seen = new Set<DataFile>();
  for (const t of options.tasks) {
    for (const d of [...t.positionDeletes, ...t.equalityDeletes]) {
      if (seen.has(d.file)) continue;
      seen.add(d.file);
      deleteFiles.push(d);
    }
  }
  const plan: ScanPlan = {
    metadata: options.metadata,
    io: options.io,
    snapshot: undefined,
    schema,
    projectedFieldIds: schema.fields.map((f) => f.id),
    filter: alwaysTrue(),
    tasks: [...options.tasks],
    deleteFiles,
    stats: {
      manifestsTotal: 0,
      manifestsScanned: 0,
      dataFilesTotal: options.tasks.length,
      dataFilesSelected: options.tasks.length,
      deleteFilesTotal: deleteFiles.length,
      deleteFilesSelected: deleteFiles.length,
    },
  };
  const conn = await duckdbConnect();
  // Helper tables and the view live in a database of their own, which the writer's connection
  // (another connection of the same DuckDB instance) can read.
  const database = quoteIdentifier(`lake_rewrite_${process.pid}_${++rewriteCounter}`);
  let release: (() => Promise<void>) | undefined;
  try {
    await conn.run(`ATTACH ':memory:' AS ${database}`);
    await conn.run(`SET TimeZone = 'UTC'`);
    const scan = await prepareDuckDbScan(conn, plan, { io: options.io, tableSchema: `${database}.main`, applyFilter: false });
    release = scan.release;
    const view = `${database}.main."rows"`;
    await conn.run(`CREATE VIEW ${view} AS ${scan.sql}`);
    const names = new Map(scan.columns.map((c) => [c.fieldId, c.name] as const));
    const kept = `SELECT * FROM ${view} WHERE ${keptRowsSql(options.filter, schema, names)}`;
    const prepared = await conn.prepare(kept);
    const sourceColumns: SourceColumn[] = [];
    for (let i = 0; i < prepared.columnCount; i++) {
      const name = prepared.columnName(i);
      sourceColumns.push({ name, type: prepared.columnType(i), sql: quoteIdentifier(name) });
    }
    const { metadata: _m, tasks: _t, io: _io, filter: _f, ...writeOptions } = options;
    const inputName = options.tasks.length === 1 ? `the rows kept from ${options.tasks[0]!.dataFile.filePath}` : `the rows kept from ${options.tasks.length} data files`;
    return await writeRelation({
      ...writeOptions,
      metadata: options.metadata,
      storage: options.storage,
      sourceSql: kept,
      sourceColumns,
      mode: 'typed',
      inputName,
      stage: false,
    });
  } finally {
    await release?.().catch(() => undefined);
    await conn.run(`DETACH DATABASE IF EXISTS ${database}`).catch(() => undefined);
    conn.closeSync();
  }
}
