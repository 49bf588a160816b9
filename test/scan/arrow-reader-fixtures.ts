/**
 * Test fixtures for the readers: Parquet files written with DuckDB (`COPY ... FIELD_IDS`), position
 * delete files, deletion vectors in Puffin files, hand-built scan plans, and reading one plan
 * through both readers into the same JSON rows.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BoundExpression, alwaysTrue } from '../../src/expressions/index.js';
import { writePuffin } from '../../src/puffin/puffin-file.js';
import { DELETION_VECTOR_BLOB_TYPE, encodeDeletionVector } from '../../src/puffin/deletion-vector.js';
import { readArrow } from '../../src/scan/arrow-reader.js';
import { createSqlSession } from '../../src/scan/duckdb-session.js';
import { selectFields } from '../../src/scan/field-projection.js';
import { FileIO } from '../../src/scan/file-io.js';
import { type JsonRowValue, arrowToJsonRows, toJsonRows } from '../../src/scan/row-format.js';
import type { DeleteFileRef, FileScanTask, ScanPlan } from '../../src/scan/scan-task.js';
import { type DataFile, FileContent } from '../../src/spec/data-file.js';
import { type PartitionSpec, UNPARTITIONED } from '../../src/spec/partition-spec.js';
import { type Schema, parseSchema } from '../../src/spec/schema.js';
import type { TableMetadata } from '../../src/spec/table-metadata.js';
import { duckdbConnect } from '../../src/util/duckdb.js';

export async function tempDir(prefix = 'lake-reader-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs SQL on a fresh connection of the shared DuckDB instance. */
export async function duck(sql: string): Promise<void> {
  const conn = await duckdbConnect();
  try {
    await conn.run(sql);
  } finally {
    conn.closeSync();
  }
}

/**
 * Writes `SELECT ...` to a Parquet file with DuckDB and returns its DataFile. `fieldIds` is DuckDB's
 * FIELD_IDS struct literal (`{a: 1, s: {__duckdb_field_id: 2, x: 3}}`), or undefined for a file
 * without field ids.
 */
export async function writeParquet(path: string, select: string, fieldIds?: string, extra: Partial<DataFile> = {}): Promise<DataFile> {
  const opts = ['FORMAT parquet', ...(fieldIds === undefined ? [] : [`FIELD_IDS ${fieldIds}`])];
  await duck(`COPY (${select}) TO '${path}' (${opts.join(', ')})`);
  const conn = await duckdbConnect();
  let count: number;
  try {
    const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path}')`);
    count = Number(r.getRowObjectsJS()[0]!.n);
  } finally {
    conn.closeSync();
  }
  return {
    content: FileContent.DATA,
    filePath: path,
    fileFormat: 'PARQUET',
    specId: 0,
    partition: [],
    recordCount: count,
    fileSizeInBytes: (await stat(path)).size,
    ...extra,
  };
}

/** A Parquet position delete file (`file_path`, `pos` with the spec's field ids). */
export async function writePositionDeletes(path: string, entries: readonly [string, number][]): Promise<DataFile> {
  const values = entries.map(([p, pos]) => `('${p.replaceAll("'", "''")}', ${pos}::BIGINT)`).join(', ');
  return writeParquet(
    path,
    `SELECT * FROM (VALUES ${values}) AS t(file_path, pos) ORDER BY file_path, pos`,
    '{file_path: 2147483546, pos: 2147483545}',
    { content: FileContent.POSITION_DELETES },
  );
}

/** A Puffin file with one deletion vector for `dataFile`. */
export async function writeDeletionVector(path: string, dataFile: string, positions: readonly number[]): Promise<DataFile> {
  const written = writePuffin({ blobs: [{ type: DELETION_VECTOR_BLOB_TYPE, fields: [2147483545], data: encodeDeletionVector(positions), properties: { 'referenced-data-file': dataFile, cardinality: String(new Set(positions).size) } }] });
  await writeFile(path, written.bytes);
  const blob = written.blobs[0]!;
  return {
    content: FileContent.POSITION_DELETES,
    filePath: path,
    fileFormat: 'PUFFIN',
    specId: 0,
    partition: [],
    recordCount: new Set(positions).size,
    fileSizeInBytes: written.bytes.length,
    referencedDataFile: dataFile,
    contentOffset: Number(blob.offset),
    contentSizeInBytes: Number(blob.length),
  };
}

/** An equality delete file with the given field ids as keys. */
export async function writeEqualityDeletes(path: string, select: string, fieldIds: string, equalityIds: number[], extra: Partial<DataFile> = {}): Promise<DataFile> {
  return writeParquet(path, select, fieldIds, { content: FileContent.EQUALITY_DELETES, equalityIds, ...extra });
}

export function schema(fields: unknown[], schemaId = 0): Schema {
  return parseSchema({ type: 'struct', 'schema-id': schemaId, fields });
}

export function metadata(schemas: Schema[], options: { properties?: Record<string, string>; specs?: PartitionSpec[]; formatVersion?: 1 | 2 | 3 } = {}): TableMetadata {
  const last = schemas[schemas.length - 1]!;
  return {
    formatVersion: options.formatVersion ?? 2,
    location: '/tmp/table',
    lastSequenceNumber: 0n,
    lastUpdatedMs: 0,
    lastColumnId: 1000,
    schemas,
    currentSchemaId: last.schemaId,
    partitionSpecs: options.specs ?? [UNPARTITIONED],
    defaultSpecId: 0,
    lastPartitionId: 999,
    properties: options.properties ?? {},
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [{ orderId: 0, fields: [] }],
    defaultSortOrderId: 0,
    refs: new Map(),
    statistics: [],
    partitionStatistics: [],
    encryptionKeys: [],
  } as TableMetadata;
}

export function task(dataFile: DataFile, options: { seq?: bigint; spec?: PartitionSpec; positionDeletes?: DeleteFileRef[]; equalityDeletes?: DeleteFileRef[]; residual?: BoundExpression } = {}): FileScanTask {
  return {
    dataFile,
    dataSequenceNumber: options.seq ?? 1n,
    spec: options.spec ?? UNPARTITIONED,
    positionDeletes: options.positionDeletes ?? [],
    equalityDeletes: options.equalityDeletes ?? [],
    residual: options.residual ?? alwaysTrue(),
  };
}

export function deleteRef(file: DataFile, seq: bigint): DeleteFileRef {
  return { file, dataSequenceNumber: seq };
}

export function plan(meta: TableMetadata, tasks: FileScanTask[], options: { schema?: Schema; projected?: number[]; filter?: BoundExpression; io?: FileIO } = {}): ScanPlan {
  const s = options.schema ?? meta.schemas[meta.schemas.length - 1]!;
  return {
    metadata: meta,
    io: options.io ?? new FileIO(),
    snapshot: undefined,
    schema: s,
    projectedFieldIds: options.projected ?? s.fields.map((f) => f.id),
    filter: options.filter ?? alwaysTrue(),
    tasks,
    stats: {
      manifestsTotal: 0,
      manifestsScanned: 0,
      dataManifestsTotal: 0,
      dataManifestsScanned: 0,
      deleteManifestsTotal: 0,
      deleteManifestsScanned: 0,
      dataFilesTotal: tasks.length,
      dataFilesSelected: tasks.length,
      dataFilesPrunedByPartition: 0,
      dataFilesPrunedByMetrics: 0,
      deleteFilesTotal: 0,
      deleteFilesSelected: 0,
    },
  };
}

export interface ReadOptions {
  batchSize?: number;
  allowBareDeletionVectors?: boolean;
}

/** Rows of a plan through the Arrow reader, as JSON objects. */
export async function arrowRows(p: ScanPlan, options: ReadOptions = {}): Promise<Record<string, JsonRowValue>[]> {
  const fields = selectFields(p.schema, p.projectedFieldIds);
  const batches = [];
  for await (const b of readArrow(p, options)) batches.push(b);
  return arrowToJsonRows(batches, fields);
}

/** Rows of a plan through DuckDB (a session view), as JSON objects. */
export async function duckdbRows(p: ScanPlan, options: ReadOptions = {}, sql = 'SELECT * FROM t'): Promise<Record<string, JsonRowValue>[]> {
  const session = await createSqlSession(options.allowBareDeletionVectors === undefined ? {} : { allowBareDeletionVectors: options.allowBareDeletionVectors });
  try {
    await session.registerTable('t', p);
    return toJsonRows(await session.query(sql));
  } finally {
    await session.close();
  }
}

/** Rows sorted by their JSON text, so both readers' outputs compare regardless of order. */
export function sorted(rows: readonly Record<string, JsonRowValue>[]): Record<string, JsonRowValue>[] {
  return [...rows].sort((a, b) => {
    const x = JSON.stringify(a);
    const y = JSON.stringify(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Reads a plan through both readers and returns both row sets, sorted. */
export async function bothRows(p: ScanPlan, options: ReadOptions = {}): Promise<{ arrow: Record<string, JsonRowValue>[]; duckdb: Record<string, JsonRowValue>[] }> {
  return { arrow: sorted(await arrowRows(p, options)), duckdb: sorted(await duckdbRows(p, options)) };
}
