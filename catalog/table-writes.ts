/**
 * Data-level operations of a table, on top of the file-level producers (src/write): append Arrow
 * data, overwrite by filter, dynamic partition overwrite, add existing Parquet files, commit input
 * files (the CLI's `lake commit`), and scans with time travel. Each write is ONE snapshot committed
 * through the catalog's protocol (catalog/commit.ts): data files are written first, then an
 * operation stages them and the commit driver publishes it.
 *
 * Overwrite by filter (`where`) is copy-on-write, as the reference implementation's Spark writes
 * do it: the files of the branch head that may hold matching rows are planned; those whose rows
 * all match (strict partition projection or strict metrics) are removed whole; the others are
 * rewritten without the matching rows (rows for which the predicate is NULL are kept: SQL
 * three-valued logic); the new data is added; all in one `overwrite` snapshot whose conflict check
 * is the predicate (serializable isolation unless the table or the call says `snapshot`).
 *
 * Files written for a write that does not land are deleted, unless the outcome is unknown
 * (COMMIT_STATE_UNKNOWN keeps everything). Existing files added with add-files are never deleted.
 *
 * The writers and readers (DuckDB, Arrow, parquet-wasm) are loaded when first used, so opening a
 * catalog or a table for metadata work (the CLI's `snapshots`, `describe`, `tag`, ...) stays quick.
 */
import type * as arrow from 'apache-arrow';
import { LakeError, isLakeError } from '../src/errors.js';
import { type Expression, type UnboundExpression, parsePredicate } from '../src/expressions/index.js';
import type { DataFile } from '../src/spec/data-file.js';
import { serializeNameMapping } from '../src/spec/name-mapping.js';
import { type IsolationLevel, TableProperty } from '../src/spec/properties.js';
import { MAIN_BRANCH, type Snapshot, type SnapshotOperation } from '../src/spec/snapshot.js';
import type { TableMetadata } from '../src/spec/table-metadata.js';
import { schemeOf, toAbsoluteLocation } from '../src/storage/location.js';
import type { S3StorageOptions } from '../src/storage/s3.js';
import type { Storage } from '../src/storage/storage.js';
import { storageFor } from '../src/storage/storage-for.js';
import { FileIO, type PathRemap, parsePathRemap } from '../src/scan/file-io.js';
import { planScan } from '../src/scan/planner.js';
import type { ReadArrowOptions } from '../src/scan/arrow-reader.js';
import type { QueryResult } from '../src/scan/row-format.js';
import type { ScanPlan } from '../src/scan/scan-task.js';
import type { SnapshotSelectorInput } from '../src/scan/snapshot-selector.js';
import { snapshotWithIdempotencyKey } from '../src/write/commit-id.js';
import type { ArrowInput } from '../src/write/data-writer.js';
import type { CsvOptions, InputFormat } from '../src/write/file-input.js';
import { RowFilterMatcher } from '../src/write/row-filter-matcher.js';
import { branchHead, type SnapshotProducer } from '../src/write/snapshot-producer.js';
import type { CommitResult } from '../src/write/staged-change.js';
import type { Transaction } from '../src/write/transaction.js';
import { tableIdentifierToString } from './identifier.js';
import type { Table } from './table.js';

// ---------------------------------------------------------------------------------------------
// Options and results

/** What a write reports while it runs (the CLI shows it on a terminal). */
export interface WriteProgress {
  phase: 'write' | 'rewrite' | 'commit';
  /** Human-readable detail (`3 input files`, `2 data files to rewrite`, ...). */
  detail: string;
}

export interface WriteOptions {
  /** Commit to this branch (default `main`); a branch that does not exist is created from main's head. */
  branch?: string;
  /** A commit whose key is already in the branch's ancestry returns that snapshot instead (nothing is written). */
  idempotencyKey?: string;
  /** Extra snapshot summary properties. */
  snapshotProperties?: Record<string, string>;
  /** Isolation level of overwrites (default: the table's `write.update.isolation-level`, else serializable). */
  isolationLevel?: IsolationLevel;
  /** Match column names (in `where`) exactly (default true). */
  caseSensitive?: boolean;
  /** Roll data files at this size (default: the table's `write.target-file-size-bytes`). */
  targetFileSizeBytes?: number;
  /**
   * Keep the input's row order in the written files (default true). `false` lets an unsorted,
   * unpartitioned table's rows be staged with every core, in any order (Iceberg promises no row
   * order within an unsorted file); see `WriteDataFilesOptions.preserveOrder`.
   */
  preserveOrder?: boolean;
  onProgress?: (progress: WriteProgress) => void;
}

export interface OverwriteOptions extends WriteOptions {
  /**
   * Replace the rows matching this predicate (SQL-style text such as `day = DATE '2024-01-02'`
   * or `id < 10 AND region IN ('eu', 'us')`, or an unbound expression). Without it: dynamic
   * partition overwrite (the partitions the new data touches are replaced).
   */
  where?: string | UnboundExpression;
}

export interface AddFilesOptions extends OverwriteOptions {
  /** `append` (default) or `overwrite` (with `where`: by filter; without: dynamic partition overwrite). */
  mode?: 'append' | 'overwrite';
  /** S3 settings for reading the files' footers when they are not on the table's storage. */
  s3?: S3StorageOptions;
}

export interface CommitFilesOptions extends AddFilesOptions {
  /** The input format (default: from each file's extension). */
  format?: InputFormat;
  csv?: CsvOptions;
  /** Register the files as they are (Parquet only) instead of writing their rows as new data files. */
  addFiles?: boolean;
}

export interface WriteResult extends CommitResult {
  /** The committed snapshot's operation (`append`, `overwrite`, `delete`), or of the existing snapshot. */
  operation: SnapshotOperation | undefined;
  /** The data files of the new data (written, or added as they were). */
  dataFiles: DataFile[];
  /** Data files removed from the table (whole-file removals and files that were rewritten). */
  removedFiles: string[];
  /** Files written with the rows kept from partly matching files. */
  rewrittenFiles: DataFile[];
}

// ---------------------------------------------------------------------------------------------
// File IO for a table

export interface TableIOOptions {
  /** Embedded paths starting with `from` are read from `to` (`FROM=TO` text or objects). */
  pathRemaps?: readonly (PathRemap | string)[];
  /** S3 settings for locations that are not on the table's own storage. */
  s3?: S3StorageOptions;
}

function schemeOrUndefined(location: string): ReturnType<typeof schemeOf> | undefined {
  try {
    return schemeOf(location);
  } catch {
    return undefined;
  }
}

/** A FileIO that reads a table's files with the table's storage (and remaps, and other backends when paths lead elsewhere). */
export function tableFileIO(table: Pick<Table, 'io' | 'metadata'>, options: TableIOOptions = {}): FileIO {
  // A location lake has no backend for (gs://, abfss://, ...) is fine while every path read is
  // remapped elsewhere; a path that still leads there fails when it is read.
  const own = schemeOrUndefined(table.metadata.location);
  const others = new Map<string, Storage>();
  const remaps = (options.pathRemaps ?? []).map((r) => (typeof r === 'string' ? parsePathRemap(r) : r));
  return new FileIO({
    remaps,
    tableLocation: table.metadata.location,
    storage: (location: string): Storage => {
      const scheme = schemeOf(location);
      if (scheme === own) return table.io;
      let s = others.get(scheme);
      if (s === undefined) {
        s = storageFor(location, options.s3 === undefined ? {} : { s3: options.s3 });
        others.set(scheme, s);
      }
      return s;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Writes

type Mode = { kind: 'append' } | { kind: 'overwrite-where'; where: UnboundExpression } | { kind: 'replace-partitions' };

interface Produced {
  dataFiles: DataFile[];
  /** Files this write created (deleted again when the commit does not land). */
  written: DataFile[];
  nameMappingToStore?: Parameters<typeof serializeNameMapping>[0];
}

function modeOf(o: { mode?: 'append' | 'overwrite'; where?: string | UnboundExpression }, defaultMode: 'append' | 'overwrite'): Mode {
  const mode = o.mode ?? defaultMode;
  if (mode !== 'append' && mode !== 'overwrite') throw new LakeError('INVALID_INPUT', `mode must be append or overwrite, got ${String(mode)}`);
  if (mode === 'append') {
    if (o.where !== undefined) throw new LakeError('INVALID_INPUT', 'a where predicate replaces rows: use it with mode overwrite');
    return { kind: 'append' };
  }
  if (o.where === undefined) return { kind: 'replace-partitions' };
  if (typeof o.where === 'string') {
    if (o.where.trim() === '') throw new LakeError('INVALID_INPUT', 'the where predicate is empty');
    return { kind: 'overwrite-where', where: parsePredicate(o.where) as UnboundExpression };
  }
  return { kind: 'overwrite-where', where: o.where };
}

function checkWritable(table: Table, o: WriteOptions): string {
  if (table.readOnly) {
    throw new LakeError('UNSUPPORTED_FEATURE', `${table.name} was opened from a location without a catalog and is read-only`, { context: { table: table.name } });
  }
  const branch = o.branch ?? MAIN_BRANCH;
  if (typeof branch !== 'string' || branch === '') throw new LakeError('INVALID_INPUT', 'branch name must be a non-empty string');
  if (o.idempotencyKey !== undefined && (typeof o.idempotencyKey !== 'string' || o.idempotencyKey === '')) {
    throw new LakeError('INVALID_INPUT', 'idempotency key must be a non-empty string');
  }
  // A tag is refused before anything is written.
  branchHead(table.metadata, branch);
  return branch;
}

function resultOf(commit: CommitResult, extra: Omit<WriteResult, keyof CommitResult | 'operation'>): WriteResult {
  return { ...commit, operation: commit.snapshot?.summary?.operation, ...extra };
}

async function deleteQuietly(storage: Storage, files: readonly DataFile[]): Promise<void> {
  if (files.length > 0) await storage.deleteMany(files.map((f) => f.filePath)).catch(() => undefined);
}

/**
 * The one write path: refuse bad options before writing, return an existing snapshot for a known
 * idempotency key, produce the data files, plan and rewrite for `where`, stage, commit, clean up.
 */
async function writeAndCommit(table: Table, mode: Mode, o: WriteOptions, produce: (metadata: TableMetadata) => Promise<Produced>): Promise<WriteResult> {
  const branch = checkWritable(table, o);
  const base = table.metadata;
  const progress = o.onProgress ?? (() => undefined);
  if (o.idempotencyKey !== undefined) {
    const existing = snapshotWithIdempotencyKey(base, branch, o.idempotencyKey);
    if (existing !== undefined) {
      return resultOf(
        { metadata: base, metadataLocation: table.metadataLocation, snapshot: existing, attempts: 0, alreadyCommitted: true },
        { dataFiles: [], removedFiles: [], rewrittenFiles: [] },
      );
    }
  }
  // The filter is parsed and bound before any file is written.
  const matcher = mode.kind === 'overwrite-where' ? new RowFilterMatcher(base, mode.where, o.caseSensitive ?? true) : undefined;
  const head = branchHead(base, branch);

  const produced = await produce(base);
  const written: DataFile[] = [...produced.written];
  const removed: string[] = [];
  let rewritten: DataFile[] = [];
  try {
    if (matcher !== undefined && head !== undefined) {
      const io = tableFileIO(table);
      const plan = await planScan({ metadata: base, io, snapshot: { snapshotId: head.snapshotId }, filter: matcher.bound, caseSensitive: o.caseSensitive ?? true });
      const partial = plan.tasks.filter((t) => !matcher.mustMatch(t.dataFile));
      for (const t of plan.tasks) removed.push(t.dataFile.filePath);
      if (partial.length > 0) {
        progress({ phase: 'rewrite', detail: `${partial.length} data ${partial.length === 1 ? 'file matches' : 'files match'} in part` });
        const { rewriteRowsWithout } = await import('../src/write/rewrite-rows.js');
        rewritten = await rewriteRowsWithout({
          metadata: base,
          tasks: partial,
          io,
          storage: table.io,
          filter: matcher.bound,
          ...(o.targetFileSizeBytes === undefined ? {} : { targetFileSizeBytes: o.targetFileSizeBytes }),
        });
        written.push(...rewritten);
      }
    }

    const tx: Transaction | undefined = produced.nameMappingToStore === undefined ? undefined : table.newTransaction();
    if (tx !== undefined) tx.updateProperties().set(TableProperty.DEFAULT_NAME_MAPPING, serializeNameMapping(produced.nameMappingToStore!));
    const factory = tx ?? table;
    let op: SnapshotProducer;
    if (mode.kind === 'append') {
      op = factory.newAppend().appendFiles(produced.dataFiles);
    } else if (mode.kind === 'replace-partitions') {
      const rp = factory.newReplacePartitions().addFiles(produced.dataFiles);
      if (o.isolationLevel !== undefined) rp.isolationLevel(o.isolationLevel);
      op = rp;
    } else {
      const ow = factory.newOverwrite().addFiles([...produced.dataFiles, ...rewritten]).conflictDetectionFilter(mode.where);
      for (const p of removed) ow.deleteFile(p);
      if (o.isolationLevel !== undefined) ow.isolationLevel(o.isolationLevel);
      op = ow;
    }
    if (branch !== MAIN_BRANCH) op.toBranch(branch);
    // Concurrent commits are validated from the snapshot the files to replace were planned on.
    if (head !== undefined && mode.kind !== 'append') op.validateFromSnapshot(head.snapshotId);
    if (o.caseSensitive === false) op.caseSensitiveMatching(false);
    for (const [k, v] of Object.entries(o.snapshotProperties ?? {})) op.set(k, v);
    if (o.idempotencyKey !== undefined) (tx ?? op).idempotencyKey(o.idempotencyKey);

    const n = produced.dataFiles.length + rewritten.length;
    progress({ phase: 'commit', detail: `${n} data ${n === 1 ? 'file' : 'files'}` });
    const commit = await (tx ?? op).commit();
    if (commit.alreadyCommitted && commit.snapshot !== undefined && commit.snapshot.snapshotId !== op.snapshotId) {
      // Another commit with the same idempotency key landed first: ours is not needed.
      await deleteQuietly(table.io, written);
      return resultOf(commit, { dataFiles: [], removedFiles: [], rewrittenFiles: [] });
    }
    return resultOf(commit, { dataFiles: produced.dataFiles, removedFiles: removed, rewrittenFiles: rewritten });
  } catch (e) {
    if (!isLakeError(e, 'COMMIT_STATE_UNKNOWN')) await deleteQuietly(table.io, written);
    throw e;
  }
}

function writeOptionsOf(o: WriteOptions): { targetFileSizeBytes?: number; preserveOrder?: boolean } {
  return {
    ...(o.targetFileSizeBytes === undefined ? {} : { targetFileSizeBytes: o.targetFileSizeBytes }),
    ...(o.preserveOrder === undefined ? {} : { preserveOrder: o.preserveOrder }),
  };
}

/**
 * The input without batches of no rows (Arrow builds such batches without child data, which the
 * writer cannot take); an input of no rows writes no file.
 */
function withoutEmptyBatches(arrow: typeof import('apache-arrow'), input: ArrowInput): ArrowInput {
  if (input instanceof arrow.Table) return input.batches.every((b) => b.numRows > 0) ? input : input.batches.filter((b) => b.numRows > 0);
  if (input instanceof arrow.RecordBatch) return input.numRows > 0 ? input : [];
  if (Symbol.asyncIterator in (input as object)) {
    const source = input as AsyncIterable<arrow.RecordBatch>;
    return (async function* () {
      for await (const b of source) if (b.numRows > 0) yield b;
    })();
  }
  if (Symbol.iterator in (input as object)) {
    const source = input as Iterable<arrow.RecordBatch>;
    return (function* () {
      for (const b of source) if (b.numRows > 0) yield b;
    })();
  }
  throw new LakeError('INVALID_INPUT', 'the input must be an Arrow Table, a RecordBatch, or an (async) iterable of RecordBatches');
}

async function writeArrow(table: Table, metadata: TableMetadata, input: ArrowInput, options: WriteOptions): Promise<Produced> {
  options.onProgress?.({ phase: 'write', detail: 'Arrow input' });
  const [arrow, { writeDataFiles }] = await Promise.all([import('apache-arrow'), import('../src/write/data-writer.js')]);
  const files = await writeDataFiles({ metadata, storage: table.io, input: withoutEmptyBatches(arrow, input), ...writeOptionsOf(options) });
  return { dataFiles: files, written: files };
}

/** Appends Arrow data (a Table, a RecordBatch, or an (async) iterable of batches) as one `append` snapshot. */
export async function appendArrow(table: Table, input: ArrowInput, options: WriteOptions = {}): Promise<WriteResult> {
  return writeAndCommit(table, { kind: 'append' }, options, (metadata) => writeArrow(table, metadata, input, options));
}

/**
 * Replaces rows with Arrow data in one snapshot: with `where`, the rows matching it (overwrite by
 * filter); without, every partition the new data touches (dynamic partition overwrite; the whole
 * table when it is unpartitioned).
 */
export async function overwriteArrow(table: Table, input: ArrowInput, options: OverwriteOptions = {}): Promise<WriteResult> {
  return writeAndCommit(table, modeOf({ ...options, mode: 'overwrite' }, 'overwrite'), options, (metadata) => writeArrow(table, metadata, input, options));
}

function existingFilesStorage(table: Table, locations: readonly string[], s3: S3StorageOptions | undefined): Storage {
  const schemes = new Set(locations.map((l) => schemeOf(l)));
  if (schemes.size > 1) throw new LakeError('INVALID_INPUT', 'the files to add must all be on the same storage (all local, or all on S3)');
  const scheme = [...schemes][0]!;
  if (scheme === schemeOf(table.metadata.location)) return table.io;
  return storageFor(locations[0]!, s3 === undefined ? {} : { s3 });
}

/** Adds existing Parquet files to the table without rewriting them (metrics from their footers). */
export async function addExistingFiles(table: Table, files: readonly string[], options: AddFilesOptions = {}): Promise<WriteResult> {
  if (!Array.isArray(files) || files.length === 0) throw new LakeError('INVALID_INPUT', 'no files to add');
  return writeAndCommit(table, modeOf(options, 'append'), options, async (metadata) => {
    const locations = files.map((f) => toAbsoluteLocation(f));
    options.onProgress?.({ phase: 'write', detail: `reading the footers of ${locations.length} files` });
    const { dataFilesForExistingFiles } = await import('../src/write/existing-files.js');
    const result = await dataFilesForExistingFiles({ metadata, storage: existingFilesStorage(table, locations, options.s3), files: locations });
    const out: Produced = { dataFiles: result.dataFiles, written: [] };
    if (result.nameMappingToStore !== undefined) out.nameMappingToStore = result.nameMappingToStore;
    return out;
  });
}

/**
 * Commits input files (CSV, NDJSON or Parquet; or, with `addFiles`, Parquet files as they are) as
 * ONE snapshot, whatever their number: append, overwrite by `where`, or dynamic partition overwrite.
 */
export async function commitFiles(table: Table, files: readonly string[], options: CommitFilesOptions = {}): Promise<WriteResult> {
  if (options.addFiles) {
    if (options.format !== undefined && options.format !== 'parquet') {
      throw new LakeError('INVALID_INPUT', `only Parquet files can be added as they are, not ${options.format}`);
    }
    return addExistingFiles(table, files, options);
  }
  if (!Array.isArray(files) || files.length === 0) throw new LakeError('INVALID_INPUT', 'no input files given');
  return writeAndCommit(table, modeOf(options, 'append'), options, async (metadata) => {
    options.onProgress?.({ phase: 'write', detail: `${files.length} input ${files.length === 1 ? 'file' : 'files'}` });
    const { writeDataFilesFromFiles } = await import('../src/write/file-input.js');
    const written = await writeDataFilesFromFiles({
      metadata,
      storage: table.io,
      files,
      ...(options.format === undefined ? {} : { format: options.format }),
      ...(options.csv === undefined ? {} : { csv: options.csv }),
      ...writeOptionsOf(options),
    });
    return { dataFiles: written, written };
  });
}

// ---------------------------------------------------------------------------------------------
// Scans

export interface ScanOptions extends TableIOOptions {
  /** Read this snapshot (time travel by id). */
  snapshotId?: bigint | string | number;
  /** Read the snapshot current at this time: epoch ms, a Date, or ISO-8601 text. */
  asOf?: number | Date | string;
  /** Read the head of this branch or tag. */
  ref?: string;
  /** Row filter: SQL-style text or an expression. */
  filter?: string | Expression;
  /** Columns to return (dotted names for nested fields); default all top-level columns. */
  columns?: readonly string[];
  caseSensitive?: boolean;
  /** Reads the table's files (default: the table's storage, with `pathRemaps`). */
  io?: FileIO;
}

function selectorOf(o: ScanOptions): SnapshotSelectorInput {
  const given = [o.snapshotId !== undefined, o.asOf !== undefined, o.ref !== undefined].filter(Boolean).length;
  if (given > 1) throw new LakeError('INVALID_INPUT', 'choose one of snapshotId, asOf and ref');
  if (o.snapshotId !== undefined) return { snapshotId: o.snapshotId };
  if (o.asOf !== undefined) return { asOf: o.asOf };
  if (o.ref !== undefined) return { ref: o.ref };
  return undefined;
}

/**
 * A scan of one snapshot of a table. Planning happens once, on first use; the rows come out as
 * Arrow (`toArrow`, `batches`) or through SQL (`sql`), with deletes applied either way.
 */
export class TableScan {
  private planned: Promise<ScanPlan> | undefined;
  private readonly selector: SnapshotSelectorInput;

  constructor(
    readonly table: Table,
    readonly options: ScanOptions = {},
  ) {
    this.selector = selectorOf(options);
  }

  /** The scan plan: the snapshot read, its schema, and one task per data file with its deletes. */
  plan(): Promise<ScanPlan> {
    this.planned ??= (async () => {
      const o = this.options;
      const io = o.io ?? tableFileIO(this.table, o);
      return planScan({
        metadata: this.table.metadata,
        io,
        snapshot: this.selector,
        ...(o.filter === undefined ? {} : { filter: o.filter }),
        ...(o.columns === undefined ? {} : { columns: o.columns }),
        ...(o.caseSensitive === undefined ? {} : { caseSensitive: o.caseSensitive }),
      });
    })();
    return this.planned;
  }

  /** The snapshot the scan reads (undefined for a table without snapshots). */
  async snapshot(): Promise<Snapshot | undefined> {
    return (await this.plan()).snapshot;
  }

  /** The rows as Arrow record batches (streamed file by file). */
  async *batches(options: Omit<ReadArrowOptions, 'io'> = {}): AsyncGenerator<arrow.RecordBatch> {
    const [plan, { readArrow }] = await Promise.all([this.plan(), import('../src/scan/arrow-reader.js')]);
    yield* readArrow(plan, { ...options, io: plan.io });
  }

  /** Every row as one Arrow table. */
  async toArrow(options: Omit<ReadArrowOptions, 'io'> = {}): Promise<arrow.Table> {
    const [plan, { toArrowTable }] = await Promise.all([this.plan(), import('../src/scan/arrow-reader.js')]);
    return toArrowTable(plan, { ...options, io: plan.io });
  }

  /**
   * Runs SQL over the scanned snapshot through DuckDB. The table is named `t`, and also by its
   * `ns.table` name when it came from a catalog (and by any `names` given).
   */
  async sql(query: string, options: { names?: readonly string[] } = {}): Promise<QueryResult> {
    const [plan, { createSqlSession }] = await Promise.all([this.plan(), import('../src/scan/duckdb-session.js')]);
    const session = await createSqlSession();
    try {
      const names = new Set(['t', ...(options.names ?? [])]);
      if (this.table.identifier !== undefined) names.add(tableIdentifierToString(this.table.identifier));
      for (const n of names) await session.registerTable(n, plan);
      return await session.query(query);
    } finally {
      await session.close();
    }
  }
}
