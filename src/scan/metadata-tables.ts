/**
 * Metadata tables as rows, with the columns of the reference implementation's metadata tables
 * (what Spark and Trino show as `t.snapshots`, `t.history`, `t.refs`, `t.files`, `t.manifests`,
 * `t.partitions`): snapshots, history, refs, files (data_files, delete_files), manifests and
 * partitions of a snapshot. The DuckDB reader exposes them as SQL views.
 *
 * Each table comes with its column types (Iceberg types), so a reader can create typed columns.
 * Values use lake's in-memory representation (src/spec/types.ts): long -> bigint, timestamptz ->
 * bigint microseconds, struct -> Map<field id, value> (null fields absent), map -> Map, list ->
 * array, binary -> Uint8Array; null for absent values.
 */
import pLimit from 'p-limit';
import { LakeError } from '../errors.js';
import { decodeBound } from '../expressions/bounds.js';
import { formatValue } from '../expressions/literals.js';
import { readManifest } from '../manifest/index.js';
import { type DataFile, EntryStatus, FileContent, type FieldSummary, ManifestContent, type ManifestFile } from '../spec/data-file.js';
import { type PartitionSpec, partitionKey, partitionType } from '../spec/partition-spec.js';
import { type Schema, indexSchema } from '../spec/schema.js';
import { ancestorsOf } from '../spec/snapshot.js';
import { type TableMetadata, currentSchema } from '../spec/table-metadata.js';
import { type IcebergType, type NestedField, type PrimitiveType, type StructType, isPrimitive } from '../spec/types.js';
import { FileIO } from './file-io.js';
import { snapshotManifests } from './planner.js';
import { type SnapshotSelectorInput, selectSnapshot } from './snapshot-selector.js';

export const METADATA_TABLE_NAMES = ['snapshots', 'history', 'refs', 'files', 'data_files', 'delete_files', 'manifests', 'partitions'] as const;
export type MetadataTableName = (typeof METADATA_TABLE_NAMES)[number];

export interface MetadataColumn {
  name: string;
  type: IcebergType;
  required: boolean;
}

export interface MetadataTable {
  name: MetadataTableName;
  columns: MetadataColumn[];
  /** One object per row, keyed by column name. */
  rows: Record<string, unknown>[];
}

const T = {
  int: { kind: 'int' } as PrimitiveType,
  long: { kind: 'long' } as PrimitiveType,
  string: { kind: 'string' } as PrimitiveType,
  boolean: { kind: 'boolean' } as PrimitiveType,
  binary: { kind: 'binary' } as PrimitiveType,
  timestamptz: { kind: 'timestamptz' } as PrimitiveType,
};

// field ids of nested types only need to be unique within a column's type
function mapType(key: IcebergType, value: IcebergType, valueRequired = false): IcebergType {
  return { kind: 'map', keyId: 1, key, valueId: 2, value, valueRequired };
}

function listType(element: IcebergType, elementRequired = false): IcebergType {
  return { kind: 'list', elementId: 1, element, elementRequired };
}

function col(name: string, type: IcebergType, required = false): MetadataColumn {
  return { name, type, required };
}

function msToMicros(ms: number): bigint {
  return BigInt(ms) * 1000n;
}

/** `snapshots`: one row per snapshot, oldest first. */
export function snapshotsTable(metadata: TableMetadata): MetadataTable {
  const snaps = [...metadata.snapshots].sort((a, b) => a.timestampMs - b.timestampMs);
  return {
    name: 'snapshots',
    columns: [
      col('committed_at', T.timestamptz, true),
      col('snapshot_id', T.long, true),
      col('parent_id', T.long),
      col('operation', T.string),
      col('manifest_list', T.string),
      col('summary', mapType(T.string, T.string)),
    ],
    rows: snaps.map((s) => ({
      committed_at: msToMicros(s.timestampMs),
      snapshot_id: s.snapshotId,
      parent_id: s.parentSnapshotId ?? null,
      operation: s.summary?.operation ?? null,
      manifest_list: s.manifestList ?? null,
      summary: s.summary === undefined ? null : new Map(Object.entries(s.summary)),
    })),
  };
}

/** `history`: the snapshot log (which snapshot was current when), with whether each is an ancestor of the current snapshot. */
export function historyTable(metadata: TableMetadata): MetadataTable {
  const ancestors = new Set<bigint>();
  if (metadata.currentSnapshotId !== undefined && metadata.snapshots.some((s) => s.snapshotId === metadata.currentSnapshotId)) {
    for (const s of ancestorsOf(metadata, metadata.currentSnapshotId)) ancestors.add(s.snapshotId);
  }
  const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s] as const));
  return {
    name: 'history',
    columns: [col('made_current_at', T.timestamptz, true), col('snapshot_id', T.long, true), col('parent_id', T.long), col('is_current_ancestor', T.boolean, true)],
    rows: metadata.snapshotLog.map((e) => ({
      made_current_at: msToMicros(e.timestampMs),
      snapshot_id: e.snapshotId,
      parent_id: byId.get(e.snapshotId)?.parentSnapshotId ?? null,
      is_current_ancestor: ancestors.has(e.snapshotId),
    })),
  };
}

/** `refs`: branches and tags, by name. */
export function refsTable(metadata: TableMetadata): MetadataTable {
  const refs = [...metadata.refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    name: 'refs',
    columns: [
      col('name', T.string, true),
      col('type', T.string, true),
      col('snapshot_id', T.long, true),
      col('max_reference_age_in_ms', T.long),
      col('min_snapshots_to_keep', T.int),
      col('max_snapshot_age_in_ms', T.long),
    ],
    rows: refs.map(([name, r]) => ({
      name,
      type: r.type.toUpperCase(),
      snapshot_id: r.snapshotId,
      max_reference_age_in_ms: r.maxRefAgeMs ?? null,
      min_snapshots_to_keep: r.minSnapshotsToKeep ?? null,
      max_snapshot_age_in_ms: r.maxSnapshotAgeMs ?? null,
    })),
  };
}

/**
 * The table's partition struct across all specs (the reference implementation's
 * `Partitioning.partitionType`): every partition field of every spec, by field id, once.
 */
export function unifiedPartitionType(metadata: TableMetadata, schema: Schema = currentSchema(metadata)): StructType {
  const fields = new Map<number, NestedField>();
  const specs = [...metadata.partitionSpecs].sort((a, b) => a.specId - b.specId);
  for (const spec of specs) {
    let t: StructType;
    try {
      t = partitionType(spec, schema);
    } catch {
      continue; // a historical spec whose source column type is no longer known
    }
    for (const f of t.fields) if (!fields.has(f.id)) fields.set(f.id, f);
  }
  return { kind: 'struct', fields: [...fields.values()] };
}

function partitionStruct(spec: PartitionSpec, values: readonly unknown[]): Map<number, unknown> {
  const m = new Map<number, unknown>();
  spec.fields.forEach((f, i) => {
    const v = values[i];
    if (v !== null && v !== undefined) m.set(f.fieldId, v);
  });
  return m;
}

export interface SnapshotTableOptions {
  metadata: TableMetadata;
  io?: FileIO;
  /** Default: the current snapshot. */
  snapshot?: SnapshotSelectorInput;
  /** Manifests read at once (default 16). */
  concurrency?: number;
}

interface LiveFile {
  file: DataFile;
  spec: PartitionSpec;
  snapshotId: bigint | undefined;
  sequenceNumber: bigint | undefined;
}

async function liveFiles(options: SnapshotTableOptions): Promise<{ files: LiveFile[]; manifests: ManifestFile[] }> {
  const { metadata } = options;
  const io = options.io ?? new FileIO({ tableLocation: metadata.location });
  const { snapshot } = selectSnapshot(metadata, options.snapshot);
  if (snapshot === undefined) return { files: [], manifests: [] };
  const manifests = await snapshotManifests(io, snapshot);
  const schema = currentSchema(metadata);
  const limit = pLimit(Math.max(1, options.concurrency ?? 16));
  const groups = await Promise.all(
    manifests.map((m) =>
      limit(async () => {
        const spec = metadata.partitionSpecs.find((s) => s.specId === m.manifest.partitionSpecId);
        if (spec === undefined) {
          throw new LakeError('INVALID_METADATA', `manifest ${m.manifest.manifestPath} uses partition spec ${m.manifest.partitionSpecId}, which the table does not have`);
        }
        const bytes = m.bytes ?? (await io.read(m.manifest.manifestPath));
        const { entries } = readManifest(bytes, { manifestFile: m.manifest, spec, schema });
        return entries
          .filter((e) => e.status !== EntryStatus.DELETED)
          .map((e) => ({ file: e.dataFile, spec, snapshotId: e.snapshotId, sequenceNumber: e.sequenceNumber }));
      }),
    ),
  );
  return { files: groups.flat(), manifests: manifests.map((m) => m.manifest) };
}

const READABLE_METRICS: IcebergType = {
  kind: 'struct',
  fields: [
    { id: 1, name: 'column_size', required: false, type: T.long },
    { id: 2, name: 'value_count', required: false, type: T.long },
    { id: 3, name: 'null_value_count', required: false, type: T.long },
    { id: 4, name: 'nan_value_count', required: false, type: T.long },
    { id: 5, name: 'lower_bound', required: false, type: T.string },
    { id: 6, name: 'upper_bound', required: false, type: T.string },
  ],
};

function longMap(m: Map<number, number> | undefined): Map<number, bigint> | null {
  if (m === undefined) return null;
  const out = new Map<number, bigint>();
  for (const [k, v] of m) out.set(k, BigInt(v));
  return out;
}

/** Per column (by name): its metrics with bounds decoded and rendered as text. */
function readableMetrics(file: DataFile, columns: Map<number, { name: string; type: PrimitiveType }>): Map<string, Map<number, unknown>> {
  const out = new Map<string, Map<number, unknown>>();
  for (const [id, c] of columns) {
    const m = new Map<number, unknown>();
    const put = (k: number, v: unknown) => {
      if (v !== undefined && v !== null) m.set(k, v);
    };
    const n = (map: Map<number, number> | undefined) => {
      const v = map?.get(id);
      return v === undefined ? undefined : BigInt(v);
    };
    put(1, n(file.columnSizes));
    put(2, n(file.valueCounts));
    put(3, n(file.nullValueCounts));
    put(4, n(file.nanValueCounts));
    const lo = decodeBound(c.type, file.lowerBounds?.get(id));
    const hi = decodeBound(c.type, file.upperBounds?.get(id));
    // formatValue renders dates and timestamps as ISO text; long-like bounds may decode as numbers, which it accepts
    if (lo !== undefined) put(5, formatValue(c.type, lo));
    if (hi !== undefined) put(6, formatValue(c.type, hi));
    if (m.size > 0) out.set(c.name, m);
  }
  return out;
}

/** `files` (and `data_files`, `delete_files`): the live data and delete files of a snapshot. */
export async function filesTable(options: SnapshotTableOptions & { content?: 'all' | 'data' | 'deletes' }): Promise<MetadataTable> {
  const { metadata } = options;
  const schema = selectSnapshot(metadata, options.snapshot).schema;
  const partition = unifiedPartitionType(metadata);
  const primitiveColumns = new Map<number, { name: string; type: PrimitiveType }>();
  for (const [id, e] of indexSchema(schema)) if (isPrimitive(e.field.type)) primitiveColumns.set(id, { name: e.path, type: e.field.type });
  const content = options.content ?? 'all';
  const { files } = await liveFiles(options);
  const selected = files.filter((f) => (content === 'all' ? true : content === 'data' ? f.file.content === FileContent.DATA : f.file.content !== FileContent.DATA));
  const columns: MetadataColumn[] = [
    col('content', T.int, true),
    col('file_path', T.string, true),
    col('file_format', T.string, true),
    col('spec_id', T.int, true),
  ];
  if (partition.fields.length > 0) columns.push(col('partition', partition, true));
  columns.push(
    col('record_count', T.long, true),
    col('file_size_in_bytes', T.long, true),
    col('column_sizes', mapType(T.int, T.long)),
    col('value_counts', mapType(T.int, T.long)),
    col('null_value_counts', mapType(T.int, T.long)),
    col('nan_value_counts', mapType(T.int, T.long)),
    col('lower_bounds', mapType(T.int, T.binary)),
    col('upper_bounds', mapType(T.int, T.binary)),
    col('key_metadata', T.binary),
    col('split_offsets', listType(T.long)),
    col('equality_ids', listType(T.int)),
    col('sort_order_id', T.int),
    col('first_row_id', T.long),
    col('referenced_data_file', T.string),
    col('content_offset', T.long),
    col('content_size_in_bytes', T.long),
    col('readable_metrics', mapType(T.string, READABLE_METRICS)),
  );
  const rows = selected.map(({ file: f, spec }) => {
    const row: Record<string, unknown> = {
      content: f.content,
      file_path: f.filePath,
      file_format: f.fileFormat,
      spec_id: f.specId,
    };
    if (partition.fields.length > 0) row.partition = partitionStruct(spec, f.partition);
    Object.assign(row, {
      record_count: BigInt(f.recordCount),
      file_size_in_bytes: BigInt(f.fileSizeInBytes),
      column_sizes: longMap(f.columnSizes),
      value_counts: longMap(f.valueCounts),
      null_value_counts: longMap(f.nullValueCounts),
      nan_value_counts: longMap(f.nanValueCounts),
      lower_bounds: f.lowerBounds ?? null,
      upper_bounds: f.upperBounds ?? null,
      key_metadata: f.keyMetadata ?? null,
      split_offsets: f.splitOffsets?.map((x) => BigInt(x)) ?? null,
      equality_ids: f.equalityIds ?? null,
      sort_order_id: f.sortOrderId ?? null,
      first_row_id: f.firstRowId ?? null,
      referenced_data_file: f.referencedDataFile ?? null,
      content_offset: f.contentOffset === undefined ? null : BigInt(f.contentOffset),
      content_size_in_bytes: f.contentSizeInBytes === undefined ? null : BigInt(f.contentSizeInBytes),
      readable_metrics: f.content === FileContent.DATA ? readableMetrics(f, primitiveColumns) : null,
    });
    return row;
  });
  return { name: content === 'all' ? 'files' : content === 'data' ? 'data_files' : 'delete_files', columns, rows };
}

const PARTITION_SUMMARY: IcebergType = {
  kind: 'struct',
  fields: [
    { id: 1, name: 'contains_null', required: true, type: T.boolean },
    { id: 2, name: 'contains_nan', required: false, type: T.boolean },
    { id: 3, name: 'lower_bound', required: false, type: T.string },
    { id: 4, name: 'upper_bound', required: false, type: T.string },
  ],
};

function summaryRow(s: FieldSummary, type: PrimitiveType | undefined): Map<number, unknown> {
  const m = new Map<number, unknown>([[1, s.containsNull]]);
  if (s.containsNan !== undefined) m.set(2, s.containsNan);
  const render = (b: Uint8Array | undefined): string | undefined => {
    if (b === undefined || type === undefined) return undefined;
    const v = decodeBound(type, b);
    if (v === undefined) return undefined;
    return formatValue(type, v);
  };
  const lo = render(s.lowerBound);
  const hi = render(s.upperBound);
  if (lo !== undefined) m.set(3, lo);
  if (hi !== undefined) m.set(4, hi);
  return m;
}

/** `manifests`: the manifests of a snapshot with file counts and partition summaries. */
export async function manifestsTable(options: SnapshotTableOptions): Promise<MetadataTable> {
  const { metadata } = options;
  const io = options.io ?? new FileIO({ tableLocation: metadata.location });
  const { snapshot } = selectSnapshot(metadata, options.snapshot);
  const manifests = snapshot === undefined ? [] : (await snapshotManifests(io, snapshot)).map((m) => m.manifest);
  const schema = currentSchema(metadata);
  const rows = manifests.map((m) => {
    const spec = metadata.partitionSpecs.find((s) => s.specId === m.partitionSpecId);
    let types: (PrimitiveType | undefined)[] = [];
    if (spec !== undefined) {
      try {
        types = partitionType(spec, schema).fields.map((f) => (isPrimitive(f.type) ? f.type : undefined));
      } catch {
        types = [];
      }
    }
    const isData = m.content === ManifestContent.DATA;
    const n = (v: number | undefined) => (v === undefined ? null : v);
    return {
      content: m.content,
      path: m.manifestPath,
      length: BigInt(m.manifestLength),
      partition_spec_id: m.partitionSpecId,
      added_snapshot_id: m.addedSnapshotId,
      added_data_files_count: isData ? n(m.addedFilesCount) : 0,
      existing_data_files_count: isData ? n(m.existingFilesCount) : 0,
      deleted_data_files_count: isData ? n(m.deletedFilesCount) : 0,
      added_delete_files_count: isData ? 0 : n(m.addedFilesCount),
      existing_delete_files_count: isData ? 0 : n(m.existingFilesCount),
      deleted_delete_files_count: isData ? 0 : n(m.deletedFilesCount),
      partition_summaries: m.partitions === undefined ? null : m.partitions.map((s, i) => summaryRow(s, types[i])),
    };
  });
  return {
    name: 'manifests',
    columns: [
      col('content', T.int, true),
      col('path', T.string, true),
      col('length', T.long, true),
      col('partition_spec_id', T.int, true),
      col('added_snapshot_id', T.long, true),
      col('added_data_files_count', T.int),
      col('existing_data_files_count', T.int),
      col('deleted_data_files_count', T.int),
      col('added_delete_files_count', T.int),
      col('existing_delete_files_count', T.int),
      col('deleted_delete_files_count', T.int),
      col('partition_summaries', listType(PARTITION_SUMMARY)),
    ],
    rows,
  };
}

/**
 * `partitions`: per partition (spec and values) of a snapshot, its live data rows and files and
 * its delete files and deleted records, with the latest snapshot that added a file to it.
 * Unpartitioned tables get one row without the partition and spec_id columns.
 */
export async function partitionsTable(options: SnapshotTableOptions): Promise<MetadataTable> {
  const { metadata } = options;
  const partition = unifiedPartitionType(metadata);
  const partitioned = partition.fields.length > 0;
  const { files } = await liveFiles(options);
  const snapshotTimes = new Map(metadata.snapshots.map((s) => [s.snapshotId, s.timestampMs] as const));
  interface Agg {
    partition: Map<number, unknown>;
    specId: number;
    recordCount: bigint;
    fileCount: number;
    size: bigint;
    posRecords: bigint;
    posFiles: number;
    eqRecords: bigint;
    eqFiles: number;
    lastMs: number | undefined;
    lastSnapshot: bigint | undefined;
  }
  const groups = new Map<string, Agg>();
  for (const { file: f, spec, snapshotId } of files) {
    const key = partitioned ? `${f.specId}:${partitionKey(f.partition)}` : '';
    let g = groups.get(key);
    if (g === undefined) {
      g = {
        partition: partitionStruct(spec, f.partition),
        specId: f.specId,
        recordCount: 0n,
        fileCount: 0,
        size: 0n,
        posRecords: 0n,
        posFiles: 0,
        eqRecords: 0n,
        eqFiles: 0,
        lastMs: undefined,
        lastSnapshot: undefined,
      };
      groups.set(key, g);
    }
    if (f.content === FileContent.DATA) {
      g.recordCount += BigInt(f.recordCount);
      g.fileCount++;
      g.size += BigInt(f.fileSizeInBytes);
    } else if (f.content === FileContent.POSITION_DELETES) {
      g.posRecords += BigInt(f.recordCount);
      g.posFiles++;
    } else {
      g.eqRecords += BigInt(f.recordCount);
      g.eqFiles++;
    }
    const t = snapshotId === undefined ? undefined : snapshotTimes.get(snapshotId);
    if (t !== undefined && (g.lastMs === undefined || t > g.lastMs)) {
      g.lastMs = t;
      g.lastSnapshot = snapshotId;
    }
  }
  const columns: MetadataColumn[] = [];
  if (partitioned) columns.push(col('partition', partition, true), col('spec_id', T.int, true));
  columns.push(
    col('record_count', T.long, true),
    col('file_count', T.int, true),
    col('total_data_file_size_in_bytes', T.long, true),
    col('position_delete_record_count', T.long, true),
    col('position_delete_file_count', T.int, true),
    col('equality_delete_record_count', T.long, true),
    col('equality_delete_file_count', T.int, true),
    col('last_updated_at', T.timestamptz),
    col('last_updated_snapshot_id', T.long),
  );
  const rows = [...groups.values()].map((g) => {
    const row: Record<string, unknown> = {};
    if (partitioned) {
      row.partition = g.partition;
      row.spec_id = g.specId;
    }
    Object.assign(row, {
      record_count: g.recordCount,
      file_count: g.fileCount,
      total_data_file_size_in_bytes: g.size,
      position_delete_record_count: g.posRecords,
      position_delete_file_count: g.posFiles,
      equality_delete_record_count: g.eqRecords,
      equality_delete_file_count: g.eqFiles,
      last_updated_at: g.lastMs === undefined ? null : msToMicros(g.lastMs),
      last_updated_snapshot_id: g.lastSnapshot ?? null,
    });
    return row;
  });
  return { name: 'partitions', columns, rows };
}

/** Any metadata table by name. */
export async function metadataTable(name: MetadataTableName, options: SnapshotTableOptions): Promise<MetadataTable> {
  switch (name) {
    case 'snapshots':
      return snapshotsTable(options.metadata);
    case 'history':
      return historyTable(options.metadata);
    case 'refs':
      return refsTable(options.metadata);
    case 'files':
      return filesTable(options);
    case 'data_files':
      return filesTable({ ...options, content: 'data' });
    case 'delete_files':
      return filesTable({ ...options, content: 'deletes' });
    case 'manifests':
      return manifestsTable(options);
    case 'partitions':
      return partitionsTable(options);
    default:
      throw new LakeError('INVALID_INPUT', `unknown metadata table "${String(name)}" (one of ${METADATA_TABLE_NAMES.join(', ')})`);
  }
}
