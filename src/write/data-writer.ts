/**
 * The data-file writer: rows in (Arrow batches, or any relation DuckDB can read), Parquet data
 * files out, with `DataFile` entries ready for a snapshot producer to commit.
 *
 * Pipeline, all in one DuckDB connection (rows never come back into JS):
 * 1. plan the cast of the input to the table schema by name (src/write/arrow-cast.ts): schema
 *    mismatches fail before DuckDB or storage is touched; value checks (nulls in required
 *    columns, text that does not convert) are folded into the query with DuckDB's `error()`;
 * 2. add the partition values (hidden partitioning, src/write/partition-router.ts) and either
 *    stage the rows in a temporary DuckDB table or stream them (see below);
 * 3. COPY to Parquet (src/parquet/writer.ts) in a local staging directory, sorted by the table's
 *    sort order: unpartitioned tables roll at the target size measured on the written file;
 *    integer-valued partitions are one `PARTITION_BY` COPY whose files over the target are split;
 *    other partition values get an integer id (one pass to find the partitions first);
 * 4. read each written footer for the Iceberg metrics (src/parquet/metrics.ts) and move the files
 *    to their final locations (`rename` on local disk, `writeStream` otherwise).
 * Nothing is placed until every COPY has succeeded; on any failure the staging directory and every
 * file placed so far are deleted and the error rethrown.
 *
 * Memory: a lazy iterable of batches streams into the COPY when the table is unpartitioned or
 * partitioned by integer-valued transforms (bucket, year, month, day, hour, identity/truncate of
 * integers, dates, times, timestamps): DuckDB pulls the batches as it writes row groups, so memory
 * stays bounded whatever the input size (a partition file over the target is split afterwards).
 * Otherwise (a Table or RecordBatch, already in memory; string, binary or float partition values;
 * async inputs) the rows are staged in DuckDB first: JS holds one segment of an async input at a
 * time and DuckDB keeps at most its `memory_limit` in RAM, spilling the rest to its temporary
 * directory. See `WriteDataFilesOptions.streaming` for the measured trade-off.
 * DuckDB bounds the number of open partition writers (`partitioned_write_max_open_files`).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import pLimit from 'p-limit';
import { LakeError } from '../errors.js';
import { quoteIdentifier, quoteString } from '../expressions/duckdb-sql.js';
import { checkWritableSchema, writtenFields } from '../parquet/duckdb-types.js';
import { type FloatColumnStats, fileMetrics, floatColumnsMaybeNaN, metricsModes } from '../parquet/metrics.js';
import { decodeParquetFooter } from '../parquet/metrics-footer.js';
import { needsTypeRewrite, rewriteParquetTypes } from '../parquet/type-rewrite.js';
import { copyToParquet, duckdbWriteError, partitionKeySeparator, type CopiedFile } from '../parquet/writer.js';
import { type ArrowBatchSource, openArrowScan, registerArrowScan } from '../parquet/writer-arrow-scan.js';
import { type DataFile, FileContent } from '../spec/data-file.js';
import { type PartitionSpec, isUnpartitioned } from '../spec/partition-spec.js';
import {
  type Properties,
  PropertyDefaults,
  TableProperty,
  intProperty,
  parquetCompressionCodec,
} from '../spec/properties.js';
import { type Schema, indexSchema } from '../spec/schema.js';
import type { SortOrder } from '../spec/sort-order.js';
import { type TableMetadata, currentSchema, defaultSortOrder, defaultSpec } from '../spec/table-metadata.js';
import { type IcebergType, isPrimitive } from '../spec/types.js';
import type { Storage } from '../storage/storage.js';
import { duckdbConnect, duckdbInstance } from '../util/duckdb.js';
import { type CastMode, type CastPlan, type SourceColumn, arrowSource, checkedCastSql, planCast, uuidColumnNames } from './arrow-cast.js';
import { DataFileNamer, locationProvider } from './location-provider.js';
import { type PartitionColumn, columnPathSql, partitionColumns, partitionValueFromSql, registerWriteFunctions, resultSqlType } from './partition-router.js';
import { isSorted, orderBySql } from './sort.js';

/** The parts of a table a write needs (or pass `metadata`). */
export interface WriteTable {
  schema: Schema;
  spec: PartitionSpec;
  sortOrder?: SortOrder;
  properties?: Properties;
  /** The table location (data goes to `<location>/data` unless `write.data.path` says otherwise). */
  location: string;
  formatVersion?: number;
}

export type ArrowInput = arrow.Table | arrow.RecordBatch | Iterable<arrow.RecordBatch> | AsyncIterable<arrow.RecordBatch>;

export interface WriteOptionsBase {
  /** The table's metadata: its current schema, default spec and default sort order are used. */
  metadata?: TableMetadata;
  /** Or the parts of the table explicitly. */
  table?: WriteTable;
  storage: Storage;
  /**
   * Roll files at this size in bytes (any positive value). Default: the table's
   * `write.target-file-size-bytes`, read leniently (any positive value), else 512 MB.
   */
  targetFileSizeBytes?: number;
  /** Rows per Parquet row group. Default: from `write.parquet.row-group-size-bytes` (128 MB) and the row size, at most 1,048,576. */
  rowGroupRows?: number;
  /** Sort rows within files by the table's sort order (default true when the table has one). */
  sort?: boolean;
  /** The uuid in the file names (`<writeId>-<k>.parquet`); default a random one. */
  writeId?: string;
  /** Where files are staged before upload to non-local storage (default: the OS temp directory). */
  stagingDirectory?: string;
  /** Parallel uploads to non-local storage (default 4). */
  uploadConcurrency?: number;
}

export interface WriteDataFilesOptions extends WriteOptionsBase {
  input: ArrowInput;
  /**
   * Stream a synchronous input straight into the COPY instead of staging it in DuckDB first
   * (unpartitioned tables and integer-valued partitions only). Default: true for lazy iterables
   * of batches (memory stays bounded whatever their size), false for a Table or RecordBatch,
   * which are in memory already: staging lets DuckDB encode with all cores, measured here about
   * 2x faster under load (5M rows: 7.8-12.1 s staged against 19-23.5 s streamed at load average
   * 11; about equal on an idle machine).
   */
  streaming?: boolean;
  /**
   * Keep the input's row order in the written files (default true). False lets an unsorted,
   * unpartitioned, staged write move the Arrow rows into DuckDB with every core, in any order
   * (Iceberg gives no meaning to row order in a file without a sort order): 5M rows, `node
   * dist/benchmarks/append.js` data, median 2.7 s against 3.4-3.7 s on this 2-core machine. No
   * effect on sorted or partitioned tables or on streamed writes.
   */
  preserveOrder?: boolean;
  /**
   * For async inputs: rows are moved into DuckDB in segments of about this many bytes of Arrow
   * data (default 64 MiB), so JS holds at most one segment.
   */
  segmentBytes?: number;
}

interface ResolvedTable {
  schema: Schema;
  spec: PartitionSpec;
  sortOrder: SortOrder | undefined;
  properties: Properties;
  location: string;
  formatVersion: number;
}

export function resolveWriteTable(o: { metadata?: TableMetadata; table?: WriteTable }): ResolvedTable {
  if (o.metadata !== undefined) {
    const m = o.metadata;
    return {
      schema: currentSchema(m),
      spec: defaultSpec(m),
      sortOrder: defaultSortOrder(m),
      properties: m.properties,
      location: m.location,
      formatVersion: m.formatVersion,
    };
  }
  if (o.table === undefined) throw new LakeError('INVALID_INPUT', 'writeDataFiles needs `metadata` or `table`');
  const t = o.table;
  return { schema: t.schema, spec: t.spec, sortOrder: t.sortOrder, properties: t.properties ?? {}, location: t.location, formatVersion: t.formatVersion ?? 2 };
}

/** `write.target-file-size-bytes` read leniently: any positive value (tests roll files at a few KB). */
export function writeTargetFileSize(props: Properties, override?: number): number {
  if (override !== undefined) {
    if (!(override > 0)) throw new LakeError('INVALID_INPUT', `targetFileSizeBytes must be positive, got ${override}`);
    return override;
  }
  return intProperty(props, TableProperty.TARGET_FILE_SIZE_BYTES, PropertyDefaults.TARGET_FILE_SIZE_BYTES, 1, Number.MAX_SAFE_INTEGER);
}

/** `LAKE_WRITE_PROFILE=1` prints the time of each write step to stderr. */
const PROFILE = process.env.LAKE_WRITE_PROFILE === '1';
let lastMark = 0;
function mark(step: string): void {
  if (!PROFILE) return;
  const now = performance.now();
  if (lastMark !== 0) process.stderr.write(`[lake write] ${step}: ${(now - lastMark).toFixed(0)} ms\n`);
  lastMark = now;
}

const ROW_GROUP_SIZE_BYTES = 'write.parquet.row-group-size-bytes';
const COMPRESSION_LEVEL = 'write.parquet.compression-level';
/** DuckDB's default row group size; larger groups made COPY slower here (2.8 s against 2.2 s for 5M rows). */
const MAX_ROW_GROUP_ROWS = 122_880;
/** DuckDB builds row groups from whole 2048-row vectors. */
const MIN_ROW_GROUP_ROWS = 2048;

/** Writes Arrow input as Parquet data files of the table; returns their DataFile entries (nothing committed). */
export async function writeDataFiles(options: WriteDataFilesOptions): Promise<DataFile[]> {
  const table = resolveWriteTable(options);
  checkWritableSchema(table.schema);
  // One iterator over the input for the whole write: generators can be iterated only once.
  const sync = isSyncInput(options.input) ? syncBatches(options.input) : undefined;
  const async = sync === undefined ? batchIterator(options.input) : undefined;
  let firstSchema: arrow.Schema | undefined;
  // Batches of no rows are skipped: they hold nothing to write, and Arrow JS builds some of them
  // with Vectors where Data children are expected (`new Table({ id: vectorFromArray([]) })`).
  const pull = async (): Promise<arrow.RecordBatch | undefined> => {
    for (;;) {
      const r = sync !== undefined ? sync.next() : await async!.next();
      if (r.done) return undefined;
      firstSchema ??= r.value.schema;
      if (r.value.numRows > 0) return r.value;
    }
  };
  const first = await pull();
  if (first === undefined) {
    // No rows: nothing is written, but a schema that cannot be written is still refused.
    if (firstSchema !== undefined) planArrowCast(firstSchema, table);
    return [];
  }
  const arrowSchema = first.schema;
  const { plan, cast } = planArrowCast(arrowSchema, table);
  const sourceSelect = (scanSql: string): string => `SELECT ${plan.columns.map((c) => `${c.sql} AS ${quoteIdentifier(c.name)}`).join(', ')} FROM ${scanSql}`;
  const lazy = !(options.input instanceof arrow.Table || options.input instanceof arrow.RecordBatch);
  // See `WriteDataFilesOptions.preserveOrder` (staged writes only). Only the staging runs in any order: a parallel
  // COPY rolls files less precisely at the target size, and partitioned writes made DuckDB open
  // more files per partition (day-partitioned benchmark: 380-440 files instead of 355).
  const anyOrder = options.preserveOrder === false && !(options.sort !== false && isSorted(table.sortOrder)) && isUnpartitioned(table.spec);
  if (sync !== undefined && (options.streaming ?? lazy) && (isUnpartitioned(table.spec) || partitionsByPrintedValues(table.spec, table.schema))) {
    // Streaming: DuckDB pulls the batches as it writes, so JS never holds the input; DuckDB holds
    // only open row groups (and, for sorted tables, its sort, which spills to disk).
    let pending: arrow.RecordBatch | undefined = first;
    const source: ArrowBatchSource = {
      schema: arrowSchema,
      next: () => {
        if (pending !== undefined) {
          const b = pending;
          pending = undefined;
          return b;
        }
        for (;;) {
          const r = sync.next();
          if (r.done) return undefined;
          if (r.value.numRows === 0) continue;
          checkSameSchema(arrowSchema, r.value.schema);
          return r.value;
        }
      },
    };
    const rowBytes = Math.max(1, Math.ceil(batchBytes(first) / Math.max(1, first.numRows)));
    return withWriteSession(async (session) => {
      const scan = openArrowScan(source, plan.ingests);
      try {
        return await session.writeQuery(cast, sourceSelect(scan.sql), table, options, rowBytes);
      } catch (e) {
        throw scan.error() ?? e;
      } finally {
        scan.close();
      }
    });
  }
  return withWriteSession(async (session) => {
    if (anyOrder) await session.setPreserveOrder(false);
    const scanOptions = { threads: anyOrder ? os.availableParallelism() : 1 };
    const segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    let pending: arrow.RecordBatch | undefined = first;
    let done = false;
    let stageCreated = false;
    while (!done) {
      // Collect one segment of batches (all of them for synchronous inputs).
      const queue: arrow.RecordBatch[] = [];
      let bytes = 0;
      if (pending !== undefined) {
        queue.push(pending);
        bytes += batchBytes(pending);
        pending = undefined;
      }
      while (sync !== undefined || bytes < segmentBytes) {
        const b = await pull();
        if (b === undefined) {
          done = true;
          break;
        }
        checkSameSchema(arrowSchema, b.schema);
        queue.push(b);
        bytes += batchBytes(b);
      }
      let i = 0;
      const source: ArrowBatchSource = { schema: arrowSchema, next: () => queue[i++] };
      const scan = openArrowScan(source, plan.ingests, scanOptions);
      try {
        await session.stage(cast, sourceSelect(scan.sql), table, stageCreated);
        stageCreated = true;
      } catch (e) {
        throw scan.error() ?? e;
      } finally {
        scan.close();
      }
    }
    if (anyOrder) await session.setPreserveOrder(true);
    return session.writeStaged(table, options);
  });
}

/** The ingest plan of Arrow input with this schema and its cast to the table (validated before DuckDB or storage is touched). */
function planArrowCast(arrowSchema: arrow.Schema, table: ResolvedTable): { plan: ReturnType<typeof arrowSource>; cast: CastPlan } {
  const plan = arrowSource(arrowSchema, uuidColumnNames(table.schema));
  const names = new Set<string>();
  for (const c of plan.columns) {
    if (names.has(c.name)) throw new LakeError('INVALID_INPUT', `the Arrow input has two columns named ${c.name}`, { context: { column: c.name } });
    names.add(c.name);
  }
  const cast = planCast(
    plan.columns.map((c) => ({ ...c, sql: quoteIdentifier(c.name) })),
    table.schema,
    { mode: 'typed', inputName: 'the Arrow input', formatVersion: table.formatVersion },
  );
  return { plan, cast };
}

/** The batches of a synchronous input, pulled lazily. */
function syncBatches(input: ArrowInput): Iterator<arrow.RecordBatch> {
  if (input instanceof arrow.Table) return input.batches[Symbol.iterator]();
  if (input instanceof arrow.RecordBatch) return [input][Symbol.iterator]();
  return (input as Iterable<arrow.RecordBatch>)[Symbol.iterator]();
}

function isSyncInput(input: ArrowInput): boolean {
  return input instanceof arrow.Table || input instanceof arrow.RecordBatch || Symbol.iterator in (input as object);
}

async function* batchIteratorOf(input: ArrowInput): AsyncGenerator<arrow.RecordBatch> {
  if (input instanceof arrow.Table) {
    for (const b of input.batches) yield b;
  } else if (input instanceof arrow.RecordBatch) {
    yield input;
  } else if (Symbol.asyncIterator in (input as object)) {
    for await (const b of input as AsyncIterable<arrow.RecordBatch>) yield b;
  } else {
    for (const b of input as Iterable<arrow.RecordBatch>) yield b;
  }
}

function batchIterator(input: ArrowInput): AsyncGenerator<arrow.RecordBatch> {
  if (!(input instanceof arrow.Table || input instanceof arrow.RecordBatch || Symbol.asyncIterator in (input as object) || Symbol.iterator in (input as object))) {
    throw new LakeError('INVALID_INPUT', 'the input must be an Arrow Table, a RecordBatch, or an (async) iterable of RecordBatches');
  }
  return batchIteratorOf(input);
}

function batchBytes(b: arrow.RecordBatch): number {
  let n = 0;
  const visit = (d: arrow.Data): void => {
    n += d.values?.byteLength ?? 0;
    n += d.valueOffsets?.byteLength ?? 0;
    n += d.nullBitmap?.byteLength ?? 0;
    for (const c of d.children ?? []) visit(c);
  };
  visit(b.data);
  return n;
}

function checkSameSchema(expected: arrow.Schema, actual: arrow.Schema): void {
  const a = expected.fields.map((f) => `${f.name}:${String(f.type)}`).join(',');
  const b = actual.fields.map((f) => `${f.name}:${String(f.type)}`).join(',');
  if (a !== b) throw new LakeError('INVALID_INPUT', `record batches have different schemas: [${a}] and then [${b}]`);
}

// ---- the write session: staging, COPY, metrics, placement ----

const STAGE = '__lake_stage';

/** SQL of a column of the cast relation by field id (top-level or inside structs). */
function columnSqlFor(schema: Schema): (fieldId: number) => string {
  const idx = indexSchema(schema);
  return (fieldId) => {
    const e = idx.get(fieldId);
    if (e === undefined) throw new LakeError('INVALID_INPUT', `column ${fieldId} is not in the schema`);
    const names = [...e.parents.map((p) => idx.get(p)!.field.name), e.field.name];
    return columnPathSql(names);
  };
}

/** Rows to write: a staged temporary table, or a query read as the write runs. */
type WriteSource = { kind: 'stage' } | { kind: 'query'; sql: string };

const PRINTABLE_PARTITION_TYPES = new Set(['INTEGER', 'BIGINT', 'HUGEINT', 'BOOLEAN']);

/**
 * Whether every partition value of the spec is an integer or a boolean: DuckDB prints those
 * unambiguously in its partition keys (NULL is not a number), so a COPY can partition by them
 * directly and its files map back to partition tuples without a first pass over the rows.
 */
export function partitionsByPrintedValues(spec: PartitionSpec, schema: Schema): boolean {
  if (isUnpartitioned(spec)) return false;
  return partitionColumns(spec, schema, columnSqlFor(schema)).every((c) => PRINTABLE_PARTITION_TYPES.has(resultSqlType(c.transform, c.source)));
}

function parsePrinted(c: PartitionColumn, text: string): unknown {
  if (text === 'NULL') return null;
  switch (resultSqlType(c.transform, c.source)) {
    case 'INTEGER':
      return partitionValueFromSql(c.transform, c.source, Number(text));
    case 'BOOLEAN':
      return partitionValueFromSql(c.transform, c.source, text === 'true');
    default:
      return partitionValueFromSql(c.transform, c.source, BigInt(text));
  }
}

export class WriteSession {
  private readonly stageName = `${STAGE}_${randomUUID().replace(/-/g, '')}`;
  private readonly partsName = `${this.stageName}_parts`;

  constructor(
    readonly connection: DuckDBConnection,
    readonly instance: DuckDBInstance,
  ) {}

  /** The rows of `sourceSql` cast to the table (checks folded in) with their partition values. */
  private withPartitions(cast: CastPlan, sourceSql: string, table: ResolvedTable): string {
    const parts = isUnpartitioned(table.spec) ? [] : partitionColumns(table.spec, table.schema, columnSqlFor(table.schema));
    const withParts = parts.length === 0 ? '*' : `*, ${parts.map((p) => `${p.sql} AS ${p.name}`).join(', ')}`;
    return `SELECT ${withParts} FROM (${checkedCastSql(cast, sourceSql)}) __lake_checked`;
  }

  /**
   * Casts and checks the rows of `sourceSql` and appends them to the stage table with their
   * partition values (the first call creates it). A check that fails aborts the statement, so
   * bad input never reaches a file.
   */
  async stage(cast: CastPlan, sourceSql: string, table: ResolvedTable, append: boolean): Promise<void> {
    const select = this.withPartitions(cast, sourceSql, table);
    const sql = append ? `INSERT INTO ${this.stageName} ${select}` : `CREATE TEMP TABLE ${this.stageName} AS ${select}`;
    mark('start');
    await this.run(sql);
    mark('stage (ingest, cast, checks, partition values)');
  }

  /**
   * DuckDB's `preserve_insertion_order` for this connection only. Off, a single-threaded source
   * like the Arrow scan feeds every core, and the rows land in any order: only for writes that
   * are not sorted (Iceberg gives no meaning to row order in a file without a sort order).
   */
  async setPreserveOrder(preserve: boolean): Promise<void> {
    await this.run(`SET SESSION preserve_insertion_order = ${preserve}`);
  }

  private async run(sql: string): Promise<void> {
    try {
      await this.connection.run(sql);
    } catch (e) {
      throw duckdbWriteError(e);
    }
  }

  private async one(sql: string): Promise<Record<string, unknown>> {
    try {
      const reader = await this.connection.runAndReadAll(sql);
      return (reader.getRowObjectsJS()[0] ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw duckdbWriteError(e);
    }
  }

  private async rows(sql: string): Promise<Record<string, unknown>[]> {
    try {
      const reader = await this.connection.runAndReadAll(sql);
      return reader.getRowObjects() as Record<string, unknown>[];
    } catch (e) {
      throw duckdbWriteError(e);
    }
  }

  /** Estimated uncompressed bytes per row, from the first rows (for row-group sizes and splitting partitions). */
  private async rowBytes(relation: string, table: ResolvedTable): Promise<number> {
    const fields = writtenFields(table.schema.fields);
    const items = fields.map((f, i) => `${widthSql(f.type, quoteIdentifier(f.name))} AS w${i}`);
    const row = await this.one(`SELECT ${items.join(', ')} FROM (SELECT * FROM ${relation} LIMIT 20000) __lake_sample`);
    let bytes = 0;
    fields.forEach((_f, i) => (bytes += Number(row[`w${i}`] ?? 0)));
    return Math.max(1, bytes);
  }

  /** Writes staged rows (`writeStaged`) or the rows of a query (`writeQuery`) as data files. */
  async writeStaged(table: ResolvedTable, options: WriteOptionsBase): Promise<DataFile[]> {
    return this.write(table, options, { kind: 'stage' });
  }

  /**
   * Writes the rows of `sourceSql` cast by `cast` without staging them. The source is read by
   * the COPY (and, for partitions with string, binary or float values, once before to find them);
   * a one-shot source (an Arrow scan) must come with `rowBytes`, the estimated bytes per row, and a
   * table that is unpartitioned or `partitionsByPrintedValues`.
   */
  async writeQuery(cast: CastPlan, sourceSql: string, table: ResolvedTable, options: WriteOptionsBase, rowBytes?: number): Promise<DataFile[]> {
    mark('start');
    return this.write(table, options, { kind: 'query', sql: this.withPartitions(cast, sourceSql, table) }, rowBytes);
  }

  private async write(table: ResolvedTable, options: WriteOptionsBase, source: WriteSource, rowBytesHint?: number): Promise<DataFile[]> {
    const relation = source.kind === 'stage' ? this.stageName : `(${source.sql})`;
    const props = table.properties;
    const target = writeTargetFileSize(props, options.targetFileSizeBytes);
    const rowBytes = rowBytesHint ?? (await this.rowBytes(relation, table));
    mark('row size');
    const rowGroupBytes = intProperty(props, ROW_GROUP_SIZE_BYTES, 128 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER);
    const rowGroupRows =
      options.rowGroupRows ?? Math.max(MIN_ROW_GROUP_ROWS, Math.min(MAX_ROW_GROUP_ROWS, Math.floor(Math.min(rowGroupBytes, target) / rowBytes)));
    const codec = parquetCompressionCodec(props);
    const level = props[COMPRESSION_LEVEL] === undefined ? undefined : intProperty(props, COMPRESSION_LEVEL, 3, -131072, 22);
    const sorted = options.sort !== false && isSorted(table.sortOrder);
    const orderBy = sorted ? orderBySql(table.sortOrder, table.schema, columnSqlFor(table.schema)) : undefined;
    const fields = writtenFields(table.schema.fields);
    const columns = fields.map((f) => `s.${quoteIdentifier(f.name)}`).join(', ');
    const provider = locationProvider(table.location, props);
    const namer = new DataFileNamer(options.writeId);
    const localData = options.storage.localPath(provider.dataLocation);
    const stagingRoot =
      localData !== undefined
        ? path.join(localData, `.lake-tmp-${namer.writeId}`)
        : path.join(options.stagingDirectory ?? os.tmpdir(), `lake-write-${namer.writeId}`);
    const placed: string[] = [];
    const sortedQuery = (q: string): string => (orderBy === undefined ? q : `SELECT * FROM (${q}) __lake_q ORDER BY ${orderBy}`);
    try {
      const copies: { files: CopiedFile[]; partition: unknown[] | undefined; byKey?: Map<string, unknown[]> }[] = [];
      const copyBase = { connection: this.connection, fields, codec, compressionLevel: level, rowGroupRows };
      if (isUnpartitioned(table.spec)) {
        const files = await copyToParquet({ ...copyBase, query: sortedQuery(`SELECT ${columns} FROM ${relation} s`), directory: path.join(stagingRoot, 'all'), targetFileSizeBytes: target });
        copies.push({ files, partition: [] });
      } else if (partitionsByPrintedValues(table.spec, table.schema)) {
        // One pass: partition by the printed values; files over the target are split afterwards.
        const pcols = partitionColumns(table.spec, table.schema, columnSqlFor(table.schema));
        const pnames = pcols.map((c) => c.name);
        const files = await copyToParquet({
          ...copyBase,
          query: sortedQuery(`SELECT ${columns}, ${pnames.map((c) => `s.${c}`).join(', ')} FROM ${relation} s`),
          directory: path.join(stagingRoot, 'parts'),
          partitionBy: pnames,
        });
        let split = 0;
        for (const f of files) {
          const values = (f.partitionKey ?? '').split(partitionKeySeparator).map((text, i) => parsePrinted(pcols[i]!, text));
          if (f.fileSizeInBytes > target && f.recordCount > rowGroupRows) {
            const parts = await copyToParquet({
              ...copyBase,
              query: `SELECT * FROM read_parquet(${quoteString(f.path)}, hive_partitioning = false)`,
              directory: path.join(stagingRoot, `split${split++}`),
              targetFileSizeBytes: target,
            });
            await fs.rm(f.path, { force: true });
            copies.push({ files: parts, partition: values });
          } else {
            copies.push({ files: [f], partition: values });
          }
        }
      } else {
        const parts = await this.partitions(table, relation);
        mark('partitions');
        // Partitions whose uncompressed size may exceed the target get their own rolling COPY.
        const big = parts.filter((p) => p.rows * rowBytes > target);
        const small = parts.filter((p) => p.rows * rowBytes <= target);
        const pcols = partitionColumns(table.spec, table.schema, columnSqlFor(table.schema));
        const pnames = pcols.map((c) => c.name);
        const joined = `${relation} s JOIN ${this.partsName} p ON ${pnames.map((c) => `s.${c} IS NOT DISTINCT FROM p.${c}`).join(' AND ')}`;
        // String, binary and float partition values: files are partitioned by an integer id joined in.
        if (small.length > 0) {
          const except = big.length === 0 ? '' : ` WHERE p.__lake_pid NOT IN (${big.map((p) => p.id).join(', ')})`;
          const files = await copyToParquet({
            ...copyBase,
            query: sortedQuery(`SELECT ${columns}, p.__lake_pid FROM ${joined}${except}`),
            directory: path.join(stagingRoot, 'parts'),
            partitionBy: ['__lake_pid'],
          });
          copies.push({ files, partition: undefined, byKey: new Map(parts.map((p) => [String(p.id), p.values])) });
        }
        for (const p of big) {
          const files = await copyToParquet({
            ...copyBase,
            query: sortedQuery(`SELECT ${columns} FROM ${joined} WHERE p.__lake_pid = ${p.id}`),
            directory: path.join(stagingRoot, `p${p.id}`),
            targetFileSizeBytes: target,
          });
          copies.push({ files, partition: p.values });
        }
      }
      if (needsTypeRewrite(fields)) {
        // fixed[L] and timestamptz_ns: Parquet types DuckDB cannot write (src/parquet/type-rewrite.ts).
        for (const c of copies) {
          for (const f of c.files) {
            if (f.recordCount === 0) continue;
            await rewriteParquetTypes({ path: f.path, fields, codec, rowGroupRows });
            f.reencoded = true;
          }
        }
      }
      mark('copy');
      const modes = metricsModes({ schema: table.schema, properties: props, sortOrder: sorted ? table.sortOrder : undefined });
      const out: { staged: string; dataFile: DataFile }[] = [];
      // Footers one file at a time (NaN queries share the connection), then the moves in parallel.
      for (const c of copies) {
        for (const f of c.files) {
          if (f.recordCount === 0) continue;
          const partition = c.partition ?? c.byKey?.get(f.partitionKey ?? '');
          if (partition === undefined) throw new LakeError('INTERNAL', `cannot tell the partition of ${f.path} (key ${f.partitionKey})`);
          const location = provider.newDataLocation(table.spec, table.schema, partition, namer.nextName());
          out.push({ staged: f.path, dataFile: await this.dataFileFor(f, location, partition, table, modes, sorted) });
        }
      }
      mark('metrics');
      const limit = pLimit(options.uploadConcurrency ?? (localData !== undefined ? 16 : 4));
      const settled = await Promise.allSettled(out.map((o) => limit(() => placeFile(options.storage, o.staged, o.dataFile.filePath, placed))));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      mark('place');
      return out.map((o) => o.dataFile);
    } catch (e) {
      await options.storage.deleteMany(placed).catch(() => undefined);
      throw e;
    } finally {
      await fs.rm(stagingRoot, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** The distinct partition tuples of the rows with their row counts and ids (this pass also runs every check). */
  private async partitions(table: ResolvedTable, relation: string): Promise<{ id: number; rows: number; values: unknown[] }[]> {
    const cols = partitionColumns(table.spec, table.schema, columnSqlFor(table.schema));
    const pcols = cols.map((c) => c.name);
    await this.run(
      `CREATE TEMP TABLE ${this.partsName} AS SELECT ${pcols.join(', ')}, count(*) AS __lake_rows, CAST(row_number() OVER () AS INTEGER) AS __lake_pid FROM ${relation} __lake_r GROUP BY ALL`,
    );
    const rows = await this.rows(`SELECT * FROM ${this.partsName}`);
    return rows.map((r) => ({
      id: Number(r.__lake_pid),
      rows: Number(r.__lake_rows),
      values: cols.map((c) => partitionValueFromSql(c.transform, c.source, r[c.name])),
    }));
  }

  private async dataFileFor(
    f: CopiedFile,
    location: string,
    partition: unknown[],
    table: ResolvedTable,
    modes: ReturnType<typeof metricsModes>,
    sorted: boolean,
  ): Promise<DataFile> {
    const { bytes, size } = await readTail(f.path);
    const footer = decodeParquetFooter(bytes, f.path);
    const floatStats = await this.floatStats(f, table.schema, floatColumnsMaybeNaN(footer));
    const m = fileMetrics({ footer, schema: table.schema, modes, floatStats });
    if (m.recordCount !== f.recordCount) throw new LakeError('INTERNAL', `${f.path}: footer has ${m.recordCount} rows, DuckDB reported ${f.recordCount}`);
    return {
      content: FileContent.DATA,
      filePath: location,
      fileFormat: 'PARQUET',
      specId: table.spec.specId,
      partition,
      recordCount: m.recordCount,
      fileSizeInBytes: size,
      columnSizes: m.columnSizes,
      valueCounts: m.valueCounts,
      nullValueCounts: m.nullValueCounts,
      nanValueCounts: m.nanValueCounts,
      lowerBounds: m.lowerBounds,
      upperBounds: m.upperBounds,
      splitOffsets: m.splitOffsets,
      sortOrderId: sorted ? table.sortOrder!.orderId : 0,
    };
  }

  /**
   * NaN counts of the float and double columns of a written file (not inside lists or maps): 0
   * when neither DuckDB's `has_nan` nor the footer (`maybeNaN`: a row group without min/max)
   * points to a NaN, else counted with one query over the file, which also gives the NaN-free
   * bounds (DuckDB writes no min/max for a column chunk holding NaN). `has_nan` alone is not
   * enough: DuckDB reports it for the last row group of the file only. Re-encoded files are
   * always counted (their footer is not DuckDB's).
   */
  private async floatStats(f: CopiedFile, schema: Schema, maybeNaN: ReadonlySet<number>): Promise<Map<number, FloatColumnStats>> {
    const out = new Map<number, FloatColumnStats>();
    const withNan: { id: number; sql: string }[] = [];
    const idx = indexSchema(schema);
    for (const [id, e] of idx) {
      if (e.field.type.kind !== 'float' && e.field.type.kind !== 'double') continue;
      if (e.parents.some((p) => idx.get(p)!.field.type.kind !== 'struct')) continue;
      const names = [...e.parents.map((p) => idx.get(p)!.field.name), e.field.name];
      const has = f.hasNan.get(names.join('.'));
      if (has === true || maybeNaN.has(id) || f.reencoded === true) withNan.push({ id, sql: columnPathSql(names) });
      else out.set(id, { nanCount: 0 });
    }
    if (withNan.length > 0) {
      const items = withNan.flatMap((c, i) => [
        `count(*) FILTER (WHERE isnan(${c.sql})) AS n${i}`,
        `min(${c.sql}) FILTER (WHERE NOT isnan(${c.sql})) AS lo${i}`,
        `max(${c.sql}) FILTER (WHERE NOT isnan(${c.sql})) AS hi${i}`,
      ]);
      const row = await this.one(`SELECT ${items.join(', ')} FROM read_parquet(${quoteString(f.path)}, hive_partitioning = false)`);
      withNan.forEach((c, i) => {
        const lo = row[`lo${i}`];
        const hi = row[`hi${i}`];
        out.set(c.id, {
          nanCount: Number(row[`n${i}`]),
          bounds: { lower: lo === null || lo === undefined ? undefined : Number(lo), upper: hi === null || hi === undefined ? undefined : Number(hi) },
        });
      });
    }
    return out;
  }
}

/** Average width in bytes of a column's values, for size estimates (strings measured, others by type). */
function widthSql(t: IcebergType, col: string): string {
  if (isPrimitive(t)) {
    switch (t.kind) {
      case 'string':
        return `coalesce(avg(strlen(${col})), 0) + 4`;
      case 'binary':
      case 'fixed':
        return `coalesce(avg(octet_length(${col})), 0) + 4`;
      case 'boolean':
        return '1';
      case 'int':
      case 'date':
      case 'float':
        return '4';
      case 'decimal':
        return t.precision <= 9 ? '4' : t.precision <= 18 ? '8' : '16';
      case 'uuid':
        return '16';
      default:
        return '8';
    }
  }
  // Nested values: measured through their text form (rare enough not to matter for speed).
  return `coalesce(avg(strlen(CAST(${col} AS VARCHAR))), 0)`;
}

async function readTail(file: string): Promise<{ bytes: Uint8Array; size: number }> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const want = Math.min(size, 64 * 1024);
    const buf = new Uint8Array(want);
    await fh.read(buf, 0, want, size - want);
    if (want < 12) return { bytes: buf, size };
    const len = new DataView(buf.buffer).getUint32(want - 8, true);
    if (len + 8 <= want || len + 8 > size) return { bytes: buf, size };
    const full = new Uint8Array(len + 8);
    await fh.read(full, 0, len + 8, size - len - 8);
    return { bytes: full, size };
  } finally {
    await fh.close();
  }
}

/** Moves a staged file to its final location: rename on local disk, upload otherwise. */
async function placeFile(storage: Storage, staged: string, location: string, placed: string[]): Promise<void> {
  const local = storage.localPath(location);
  if (local !== undefined) {
    await fs.mkdir(path.dirname(local), { recursive: true });
    const fh = await fs.open(staged, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    placed.push(location);
    await fs.rename(staged, local);
    return;
  }
  placed.push(location);
  await storage.writeStream(location, createReadStream(staged));
  await fs.rm(staged, { force: true });
}

/** Runs `fn` with a fresh DuckDB connection set up for writing (UTC session, lake's functions). */
export async function withWriteSession<T>(fn: (session: WriteSession) => Promise<T>): Promise<T> {
  const instance = await duckdbInstance();
  const connection = await duckdbConnect();
  try {
    await registerWriteFunctions(instance, connection);
    await registerArrowScan(instance, connection);
    await connection.run("SET TimeZone = 'UTC'");
    return await fn(new WriteSession(connection, instance));
  } finally {
    connection.closeSync();
  }
}

/**
 * Writes any relation DuckDB can read (used by file inputs): cast, check, partition, write.
 * `stage` materialises the cast rows first (for sources that are costly to read twice, like CSV);
 * otherwise the source is read by the COPY itself (and once more to find the partitions).
 */
export async function writeRelation(
  options: WriteOptionsBase & { sourceSql: string; sourceColumns: SourceColumn[]; mode: CastMode; inputName: string; stage: boolean },
): Promise<DataFile[]> {
  const table = resolveWriteTable(options);
  checkWritableSchema(table.schema);
  const cast = planCast(options.sourceColumns, table.schema, { mode: options.mode, inputName: options.inputName, formatVersion: table.formatVersion });
  return withWriteSession(async (session) => {
    if (!options.stage) return session.writeQuery(cast, options.sourceSql, table, options);
    await session.stage(cast, options.sourceSql, table, false);
    return session.writeStaged(table, options);
  });
}
