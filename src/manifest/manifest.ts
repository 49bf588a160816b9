/**
 * Manifests (spec "Manifests", "Manifest Entry Fields", "Data File Fields", "Sequence Number
 * Inheritance", "First Row ID Inheritance"): Avro files listing data or delete files of one
 * partition spec, with their partition tuples, metrics and tracking information.
 *
 * Writing follows the reference implementation's ManifestWriter: ADDED entries carry the writing
 * snapshot's id and null sequence numbers (inherited from the manifest list once the commit's
 * sequence number is known), unless a data sequence number is given explicitly; EXISTING and
 * DELETED entries keep theirs. The returned `ManifestFile` has `UNASSIGNED_SEQUENCE_NUMBER` until
 * `writeManifestList` assigns the commit's.
 *
 * Reading applies inheritance from the manifest list entry when one is given, decodes v1, v2 and
 * v3 layouts (and writers that omit field ids, such as BigQuery), and returns partition tuples in
 * the order of the partition spec's fields.
 */
import { LakeError } from '../errors.js';
import {
  type DataFile,
  EntryStatus,
  FileContent,
  type FileFormat,
  type ManifestContent,
  type ManifestEntry,
  type ManifestFile,
} from '../spec/data-file.js';
import { type PartitionSpec, parsePartitionSpec, partitionFieldToJson } from '../spec/partition-spec.js';
import { type Schema, parseSchema, schemaToJson } from '../spec/schema.js';
import { parseJson, stringifyJson } from '../util/json.js';
import { type AvroCodec, readAvroHeader, readAvroRecords, writeAvroFile } from './avro-file.js';
import { type CompiledSchema, compileSchema } from './avro-schema.js';
import { partitionSummaries } from './partition-summary.js';
import { type PartitionDecoder, decodePartition, partitionDecoder, partitionEncoder } from './partition-tuple.js';
import { partitionFieldTypes } from './partition-types.js';
import { type FormatVersion, MANIFEST_ENTRY_CATALOGUE, manifestEntrySchema, partitionRecordSchema } from './schemas.js';
import { sameId, toSigned64 } from './snapshot-id.js';

/** Stand-in sequence number of a manifest not yet committed; `writeManifestList` replaces it. */
export const UNASSIGNED_SEQUENCE_NUMBER = -1n;

/** v1 data files carried a block size; the reference implementation always writes this default. */
const V1_DEFAULT_BLOCK_SIZE = 64 * 1024 * 1024;

export type ManifestContentName = 'data' | 'deletes';

const FILE_FORMATS: Record<string, FileFormat> = Object.assign(Object.create(null) as Record<string, FileFormat>, { PARQUET: 'PARQUET', AVRO: 'AVRO', ORC: 'ORC', PUFFIN: 'PUFFIN' });

function invalidInput(message: string, context?: Record<string, unknown>): LakeError {
  return new LakeError('INVALID_INPUT', message, context === undefined ? {} : { context });
}

function invalidMetadata(message: string, context?: Record<string, unknown>): LakeError {
  return new LakeError('INVALID_METADATA', message, context === undefined ? {} : { context });
}

// ---------------------------------------------------------------------------------------------
// Key-value metadata
// ---------------------------------------------------------------------------------------------

/** What a manifest's Avro key-value metadata says about it. */
export class ManifestMetadata {
  /** Every key-value pair as written (including `avro.schema` and `avro.codec`). */
  readonly keyValue: Readonly<Record<string, string>>;
  readonly codec: AvroCodec;
  /** `format-version`, or inferred from the Avro layout when a writer did not record it. */
  readonly formatVersion: FormatVersion;
  /** `content`; 'data' when absent (v1 manifests hold only data files). */
  readonly content: ManifestContentName;
  /** `partition-spec-id`, when written. */
  readonly specId: number | undefined;
  private readonly schemaIdKey: number | undefined;
  private parsedSchema: Schema | undefined | null = null;
  private parsedSpec: PartitionSpec | undefined | null = null;

  constructor(keyValue: Record<string, string>, codec: AvroCodec, formatVersion: FormatVersion) {
    this.keyValue = keyValue;
    this.codec = codec;
    this.formatVersion = formatVersion;
    const content = keyValue.content;
    if (content !== undefined && content !== 'data' && content !== 'deletes') {
      throw invalidMetadata(`manifest content must be "data" or "deletes", got "${content}"`);
    }
    this.content = content ?? 'data';
    this.specId = optionalInt(keyValue['partition-spec-id'], 'partition-spec-id');
    this.schemaIdKey = optionalInt(keyValue['schema-id'], 'schema-id');
  }

  /** `schema-id`, or the id inside the `schema` JSON when a writer did not store the key. */
  get schemaId(): number | undefined {
    return this.schemaIdKey ?? this.schema?.schemaId;
  }

  /** The table schema the manifest was written with (`schema`), parsed on first use. */
  get schema(): Schema | undefined {
    if (this.parsedSchema === null) {
      const text = this.keyValue.schema;
      this.parsedSchema = text === undefined ? undefined : parseSchema(parseJson(text));
    }
    return this.parsedSchema;
  }

  /** The partition spec the manifest was written with (`partition-spec` fields + `partition-spec-id`). */
  get spec(): PartitionSpec | undefined {
    if (this.parsedSpec === null) {
      const text = this.keyValue['partition-spec'];
      this.parsedSpec = text === undefined ? undefined : parsePartitionSpec(parseJson(text), this.specId ?? 0);
    }
    return this.parsedSpec;
  }
}

function optionalInt(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw invalidMetadata(`manifest ${what} must be an integer, got "${text}"`);
  return Number(text);
}

function inferFormatVersion(keyValue: Record<string, string>, compiled: CompiledSchema): FormatVersion {
  const v = keyValue['format-version'];
  if (v !== undefined) {
    const n = Number(v);
    if (n === 1 || n === 2 || n === 3) return n;
    throw new LakeError('UNSUPPORTED_FEATURE', `manifest format-version ${v} is not supported (lake reads 1, 2 and 3)`);
  }
  const p = compiled.present;
  if (p.has('data_file.first_row_id') || p.has('data_file.content_offset')) return 3;
  if (p.has('sequence_number') || p.has('data_file.content')) return 2;
  return 1;
}

function headerAndSchema(bytes: Uint8Array) {
  const header = readAvroHeader(bytes);
  const compiled = compileSchema(header.schemaJson, MANIFEST_ENTRY_CATALOGUE);
  if (!compiled.present.has('data_file') || !compiled.present.has('status')) {
    throw invalidMetadata('not a manifest: the Avro schema has no status and data_file fields');
  }
  const metadata = new ManifestMetadata(header.metadata, header.codec, inferFormatVersion(header.metadata, compiled));
  return { header, compiled, metadata };
}

/** Reads only the header of a manifest: its key-value metadata. */
export function readManifestMetadata(bytes: Uint8Array): ManifestMetadata {
  return headerAndSchema(bytes).metadata;
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

export interface ReadManifestOptions {
  /**
   * The manifest's entry in the manifest list. When given, null snapshot ids, sequence numbers
   * and first row ids are inherited from it (spec "Sequence Number Inheritance", "First Row ID
   * Inheritance"); without it entries are returned as written (v1 sequence numbers default to 0).
   */
  manifestFile?: ManifestFile;
  /**
   * The partition spec with the manifest's spec id (from table metadata). Partition tuples follow
   * its field order; fields are matched by field id, then by name, then by position. Defaults to
   * the spec stored in the manifest, then to the Avro field order.
   */
  spec?: PartitionSpec;
  /** The table schema: partition values are converted to its (possibly promoted) types. */
  schema?: Schema;
  /**
   * Column metrics to decode (column sizes, value/null/NaN counts, bounds): 'all' (default),
   * 'none', or only the columns with these field ids, as the reference implementation's readers
   * select stats columns. Planning a scan needs only the columns its filter references, and
   * skipping the rest keeps reading many manifests fast. Maps of unselected metrics are left out.
   */
  stats?: 'all' | 'none' | readonly number[];
}

export interface ManifestContents {
  metadata: ManifestMetadata;
  entries: ManifestEntry[];
}

interface RawKV {
  key: unknown;
  value: unknown;
}

/** A metrics map as decoded: a Map, or key/value records (writers whose items are nullable). */
type RawMap = Map<unknown, unknown> | (RawKV | null)[] | null | undefined;

interface RawDataFile {
  content?: number | null;
  file_path?: string | null;
  file_format?: string | null;
  partition?: Record<string, unknown> | null;
  record_count?: number | null;
  file_size_in_bytes?: number | null;
  column_sizes?: RawMap;
  value_counts?: RawMap;
  null_value_counts?: RawMap;
  nan_value_counts?: RawMap;
  lower_bounds?: RawMap;
  upper_bounds?: RawMap;
  key_metadata?: Uint8Array | null;
  split_offsets?: (number | null)[] | null;
  equality_ids?: (number | null)[] | null;
  sort_order_id?: number | null;
  first_row_id?: bigint | number | null;
  referenced_data_file?: string | null;
  content_offset?: number | null;
  content_size_in_bytes?: number | null;
}

interface RawEntry {
  status?: number | null;
  snapshot_id?: bigint | number | null;
  sequence_number?: bigint | number | null;
  file_sequence_number?: bigint | number | null;
  data_file?: RawDataFile | null;
}

function toBig(v: bigint | number | null | undefined): bigint | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** Which column metrics to decode: every column, none, or the columns with these field ids. */
type StatsSelection = 'all' | 'none' | ReadonlySet<number>;

function numberMap(raw: RawMap, stats: StatsSelection): Map<number, number> | undefined {
  if (raw === null || raw === undefined || stats === 'none') return undefined;
  // Keys are Avro ints and values longs decoded as numbers, selected by the decoder: the model's shape.
  if (raw instanceof Map) return raw as Map<number, number>;
  const m = new Map<number, number>();
  for (const kv of raw) {
    if (kv === null || kv.key === null || kv.value === null) continue;
    const key = Number(kv.key);
    if (stats === 'all' || stats.has(key)) m.set(key, Number(kv.value));
  }
  return m;
}

function bytesMap(raw: RawMap, stats: StatsSelection): Map<number, Uint8Array> | undefined {
  if (raw === null || raw === undefined || stats === 'none') return undefined;
  if (raw instanceof Map) return raw as Map<number, Uint8Array>;
  const m = new Map<number, Uint8Array>();
  for (const kv of raw) {
    if (kv === null || kv.key === null || kv.value === null) continue;
    const key = Number(kv.key);
    if (stats === 'all' || stats.has(key)) m.set(key, kv.value as Uint8Array);
  }
  return m;
}

function numberList(arr: (number | null)[] | null | undefined): number[] | undefined {
  if (arr === null || arr === undefined) return undefined;
  const out: number[] = [];
  for (const v of arr) if (v !== null) out.push(Number(v));
  return out;
}

function fileFormat(text: string | null | undefined): FileFormat {
  if (text === null || text === undefined) throw invalidMetadata('data file without file_format');
  return FILE_FORMATS[text] ?? FILE_FORMATS[text.toUpperCase()] ?? (text.toUpperCase() as FileFormat);
}

function toDataFile(raw: RawDataFile, specId: number, dec: PartitionDecoder, stats: StatsSelection): DataFile {
  const content = raw.content ?? 0;
  if (content !== 0 && content !== 1 && content !== 2) throw invalidMetadata(`data file content must be 0, 1 or 2, got ${content}`);
  if (raw.file_path === null || raw.file_path === undefined) throw invalidMetadata('data file without file_path');
  if (raw.record_count === null || raw.record_count === undefined) throw invalidMetadata(`data file ${raw.file_path} without record_count`);
  const df: DataFile = {
    content: content as FileContent,
    filePath: raw.file_path,
    fileFormat: fileFormat(raw.file_format),
    specId,
    partition: decodePartition(raw.partition, dec),
    recordCount: raw.record_count,
    fileSizeInBytes: raw.file_size_in_bytes ?? 0,
    columnSizes: numberMap(raw.column_sizes, stats),
    valueCounts: numberMap(raw.value_counts, stats),
    nullValueCounts: numberMap(raw.null_value_counts, stats),
    nanValueCounts: numberMap(raw.nan_value_counts, stats),
    lowerBounds: bytesMap(raw.lower_bounds, stats),
    upperBounds: bytesMap(raw.upper_bounds, stats),
    keyMetadata: raw.key_metadata ?? undefined,
    splitOffsets: numberList(raw.split_offsets),
    equalityIds: numberList(raw.equality_ids),
    sortOrderId: raw.sort_order_id ?? undefined,
    firstRowId: toBig(raw.first_row_id),
    referencedDataFile: raw.referenced_data_file ?? undefined,
    contentOffset: raw.content_offset ?? undefined,
    contentSizeInBytes: raw.content_size_in_bytes ?? undefined,
  };
  return df;
}

/**
 * Reads a manifest: its key-value metadata and its entries, with inheritance applied when the
 * manifest list entry is given (see `ReadManifestOptions`). Byte arrays in the result (bounds, key
 * metadata) may share memory with `bytes` or with a decompressed block.
 */
export function readManifest(bytes: Uint8Array, options: ReadManifestOptions = {}): ManifestContents {
  const { header, compiled, metadata } = headerAndSchema(bytes);
  const mf = options.manifestFile;
  const spec = options.spec ?? (compiled.partitionSlots.length > 0 ? safeSpec(metadata) : undefined);
  if (options.spec !== undefined) {
    const fileSpecId = mf?.partitionSpecId ?? metadata.specId;
    if (fileSpecId !== undefined && fileSpecId !== options.spec.specId) {
      throw invalidInput(`manifest was written with partition spec ${fileSpecId}, but spec ${options.spec.specId} was given`);
    }
  }
  const specId = mf?.partitionSpecId ?? metadata.specId ?? options.spec?.specId ?? 0;
  const dec = partitionDecoder(compiled.partitionSlots, spec, options.schema);
  const stats: StatsSelection =
    options.stats === undefined || options.stats === 'all' ? 'all' : options.stats === 'none' ? 'none' : new Set(options.stats);
  const raws = readAvroRecords(bytes, header, compiled.read, stats === 'all' ? undefined : stats === 'none' ? null : stats) as RawEntry[];

  // Inheritance (the reference implementation's InheritableMetadataFactory and ManifestReader).
  const inheritSnapshot = mf?.addedSnapshotId;
  const seq = mf !== undefined && mf.sequenceNumber >= 0n ? mf.sequenceNumber : undefined;
  const v1Default = metadata.formatVersion === 1 && mf === undefined ? 0n : undefined;
  let nextRowId = mf?.firstRowId;
  const clearRowIds = mf !== undefined && mf.firstRowId === undefined && metadata.formatVersion >= 3;

  const entries: ManifestEntry[] = new Array(raws.length);
  for (let i = 0; i < raws.length; i++) {
    const raw = raws[i]!;
    const status = raw.status;
    if (status !== 0 && status !== 1 && status !== 2) throw invalidMetadata(`manifest entry status must be 0, 1 or 2, got ${String(status)}`);
    if (raw.data_file === null || raw.data_file === undefined) throw invalidMetadata('manifest entry without data_file');
    const dataFile = toDataFile(raw.data_file, specId, dec, stats);
    let snapshotId = toBig(raw.snapshot_id);
    let sequenceNumber = toBig(raw.sequence_number);
    let fileSequenceNumber = toBig(raw.file_sequence_number);
    if (snapshotId === undefined) snapshotId = inheritSnapshot;
    if (seq !== undefined) {
      if (sequenceNumber === undefined && (seq === 0n || status === EntryStatus.ADDED)) sequenceNumber = seq;
      if (fileSequenceNumber === undefined && (seq === 0n || status === EntryStatus.ADDED)) fileSequenceNumber = seq;
    } else if (v1Default !== undefined) {
      sequenceNumber ??= v1Default;
      fileSequenceNumber ??= v1Default;
    }
    if (nextRowId !== undefined) {
      if (status !== EntryStatus.DELETED && dataFile.content === FileContent.DATA && dataFile.firstRowId === undefined) {
        dataFile.firstRowId = nextRowId;
        nextRowId += BigInt(dataFile.recordCount);
      }
    } else if (clearRowIds) {
      // A committed manifest without a first_row_id predates row lineage: its files have no row ids.
      dataFile.firstRowId = undefined;
    }
    entries[i] = { status, snapshotId, sequenceNumber, fileSequenceNumber, dataFile };
  }
  return { metadata, entries };
}

function safeSpec(metadata: ManifestMetadata): PartitionSpec | undefined {
  try {
    return metadata.spec;
  } catch {
    // A malformed partition-spec key must not make the entries unreadable: fall back to Avro order.
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

export interface WriteManifestOptions {
  formatVersion: FormatVersion;
  /** Table schema when the manifest is written (stored as `schema`, source of partition types). */
  schema: Schema;
  /** Partition spec of every entry (stored as `partition-spec` and `partition-spec-id`). */
  spec: PartitionSpec;
  /** Data files or delete files; default 'data'. v1 manifests hold only data files. */
  content?: ManifestContentName;
  /** The snapshot writing the manifest: written for ADDED entries, and the manifest's added_snapshot_id. */
  snapshotId: bigint;
  entries: readonly ManifestEntry[];
  /** Location the manifest will be stored at (the returned ManifestFile's manifestPath). */
  manifestPath: string;
  /** Default 'deflate'. */
  codec?: AvroCodec;
  /** Fixed 16-byte Avro sync marker, for reproducible bytes. */
  sync?: Uint8Array;
}

export interface WrittenManifest {
  bytes: Uint8Array;
  /** The manifest's entry for the manifest list (sequence numbers UNASSIGNED until the list is written). */
  manifestFile: ManifestFile;
}

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function kvArray(m: Map<number, number> | undefined): RawKV[] | null {
  if (m === undefined) return null;
  const out: RawKV[] = [];
  for (const [key, value] of m) out.push({ key, value });
  return out;
}

function kvBytes(m: Map<number, Uint8Array> | undefined): RawKV[] | null {
  if (m === undefined) return null;
  const out: RawKV[] = [];
  for (const [key, value] of m) out.push({ key, value: toBuffer(value) });
  return out;
}

function checkCount(v: number, what: string, file: string): number {
  if (!Number.isSafeInteger(v) || v < 0) throw invalidInput(`${what} of ${file} must be a non-negative integer, got ${v}`);
  return v;
}

/**
 * Writes a manifest. Entries are validated against the format version and the manifest's content
 * and spec; nothing is written for bad input (a LakeError with code INVALID_INPUT is thrown).
 */
export function writeManifest(options: WriteManifestOptions): WrittenManifest {
  const { formatVersion: version, schema, spec, entries } = options;
  if (version !== 1 && version !== 2 && version !== 3) throw invalidInput(`unsupported format version ${String(version)}`);
  const contentName = options.content ?? 'data';
  if (contentName !== 'data' && contentName !== 'deletes') throw invalidInput(`manifest content must be "data" or "deletes"`);
  if (version === 1 && contentName === 'deletes') throw invalidInput('v1 tables cannot have delete manifests');
  const snapshotId = toSigned64(options.snapshotId, 'snapshot id');

  const fieldTypes = partitionFieldTypes(spec, schema);
  const partitionSchema = partitionRecordSchema(spec.fields.map((f, i) => ({ name: f.name, fieldId: f.fieldId, type: fieldTypes[i] })));
  const schemaJson = JSON.stringify(manifestEntrySchema(version, partitionSchema));
  const compiled = compileSchema(schemaJson, MANIFEST_ENTRY_CATALOGUE);
  const encoders = spec.fields.map((f, i) => partitionEncoder(fieldTypes[i], f.name));
  const props = compiled.partitionSlots.map((s) => s.prop);

  let added = 0, existing = 0, deleted = 0;
  let addedRows = 0, existingRows = 0, deletedRows = 0;
  let minSeq: bigint | undefined;
  const records = entries.map((e, idx) => {
    const df = e.dataFile;
    const where = df?.filePath ?? `entry ${idx}`;
    if (df === undefined || df === null) throw invalidInput(`manifest entry ${idx} has no data file`);
    if (e.status !== EntryStatus.ADDED && e.status !== EntryStatus.EXISTING && e.status !== EntryStatus.DELETED) {
      throw invalidInput(`manifest entry for ${where} has invalid status ${String(e.status)}`);
    }
    if (typeof df.filePath !== 'string' || df.filePath === '') throw invalidInput(`manifest entry ${idx} has no file path`);
    const isData = df.content === FileContent.DATA;
    if (df.content !== FileContent.DATA && df.content !== FileContent.POSITION_DELETES && df.content !== FileContent.EQUALITY_DELETES) {
      throw invalidInput(`${where}: invalid content ${String(df.content)}`);
    }
    if ((contentName === 'data') !== isData) {
      throw invalidInput(`${where}: a ${contentName} manifest cannot hold ${isData ? 'data' : 'delete'} files`);
    }
    if (df.specId !== spec.specId) {
      throw invalidInput(`${where} belongs to partition spec ${df.specId}, but the manifest is for spec ${spec.specId}`);
    }
    if (!Array.isArray(df.partition) || df.partition.length !== spec.fields.length) {
      throw invalidInput(`${where}: partition tuple must have ${spec.fields.length} values`);
    }
    if (version < 3 && (df.contentOffset !== undefined || df.contentSizeInBytes !== undefined)) {
      throw invalidInput(`${where}: deletion vector offsets need format version 3`);
    }
    if (version < 3 && df.firstRowId !== undefined) throw invalidInput(`${where}: first_row_id needs format version 3`);
    if (version === 1 && (df.equalityIds !== undefined || df.referencedDataFile !== undefined)) {
      throw invalidInput(`${where}: equality ids and referenced data files need format version 2`);
    }
    if (
      df.content !== FileContent.POSITION_DELETES &&
      (df.referencedDataFile !== undefined || df.contentOffset !== undefined || df.contentSizeInBytes !== undefined)
    ) {
      throw invalidInput(`${where}: only position delete files reference a data file or a blob`);
    }
    if ((df.contentOffset === undefined) !== (df.contentSizeInBytes === undefined)) {
      throw invalidInput(`${where}: content offset and content size go together`);
    }
    if (df.content === FileContent.EQUALITY_DELETES && (df.equalityIds === undefined || df.equalityIds.length === 0)) {
      throw invalidInput(`${where}: an equality delete file needs equality ids`);
    }
    const recordCount = checkCount(df.recordCount, 'record count', where);
    checkCount(df.fileSizeInBytes, 'file size', where);

    // Tracking fields, as the reference implementation writes them.
    let entrySnapshot: bigint | null;
    let dataSeq: bigint | null;
    let fileSeq: bigint | null;
    if (e.status === EntryStatus.ADDED) {
      entrySnapshot = e.snapshotId ?? snapshotId;
      dataSeq = e.sequenceNumber !== undefined && e.sequenceNumber >= 0n ? e.sequenceNumber : null;
      // The file sequence number of an added file is always the committing snapshot's.
      fileSeq = null;
      if (dataSeq === null && !sameId(entrySnapshot, snapshotId)) {
        throw invalidInput(`${where}: added by snapshot ${entrySnapshot} without a sequence number, cannot be added by snapshot ${options.snapshotId}`);
      }
      added++;
      addedRows += recordCount;
    } else {
      entrySnapshot = e.snapshotId ?? (e.status === EntryStatus.DELETED ? snapshotId : null);
      if (entrySnapshot === null) throw invalidInput(`${where}: an EXISTING entry needs the snapshot id that added the file`);
      dataSeq = e.sequenceNumber ?? null;
      fileSeq = e.fileSequenceNumber ?? null;
      if (version >= 2 && dataSeq === null) {
        throw invalidInput(`${where}: only ADDED entries may have a null sequence number`);
      }
      if (e.status === EntryStatus.EXISTING) {
        existing++;
        existingRows += recordCount;
      } else {
        deleted++;
        deletedRows += recordCount;
      }
    }
    if (e.status !== EntryStatus.DELETED && dataSeq !== null && (minSeq === undefined || dataSeq < minSeq)) minSeq = dataSeq;

    const partition: Record<string, unknown> = {};
    for (let i = 0; i < encoders.length; i++) partition[props[i]!] = df.partition[i] === null || df.partition[i] === undefined ? null : encoders[i]!(df.partition[i]);

    return {
      status: e.status,
      snapshot_id: toSigned64(entrySnapshot, 'snapshot id'),
      sequence_number: dataSeq,
      file_sequence_number: fileSeq,
      data_file: {
        content: df.content,
        file_path: df.filePath,
        file_format: df.fileFormat,
        partition,
        record_count: recordCount,
        file_size_in_bytes: df.fileSizeInBytes,
        block_size_in_bytes: V1_DEFAULT_BLOCK_SIZE,
        column_sizes: kvArray(df.columnSizes),
        value_counts: kvArray(df.valueCounts),
        null_value_counts: kvArray(df.nullValueCounts),
        nan_value_counts: kvArray(df.nanValueCounts),
        lower_bounds: kvBytes(df.lowerBounds),
        upper_bounds: kvBytes(df.upperBounds),
        key_metadata: df.keyMetadata === undefined ? null : toBuffer(df.keyMetadata),
        split_offsets: df.splitOffsets ?? null,
        equality_ids: df.equalityIds ?? null,
        sort_order_id: df.sortOrderId ?? null,
        // Row ids belong to data files only (spec "First Row ID Inheritance").
        first_row_id: isData ? (df.firstRowId ?? null) : null,
        referenced_data_file: df.referencedDataFile ?? null,
        content_offset: df.contentOffset ?? null,
        content_size_in_bytes: df.contentSizeInBytes ?? null,
      },
    };
  });

  const keyValue: Record<string, string> = {
    schema: stringifyJson(schemaToJson(schema)),
    'schema-id': String(schema.schemaId),
    'partition-spec': stringifyJson(spec.fields.map(partitionFieldToJson)),
    'partition-spec-id': String(spec.specId),
    'format-version': String(version),
  };
  if (version >= 2) keyValue.content = contentName;

  const bytes = writeAvroFile({
    schemaJson,
    type: compiled.type,
    records,
    metadata: keyValue,
    codec: options.codec ?? 'deflate',
    ...(options.sync === undefined ? {} : { sync: options.sync }),
  });

  const manifestFile: ManifestFile = {
    manifestPath: options.manifestPath,
    manifestLength: bytes.length,
    partitionSpecId: spec.specId,
    content: (contentName === 'data' ? 0 : 1) as ManifestContent,
    sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER,
    minSequenceNumber: minSeq ?? UNASSIGNED_SEQUENCE_NUMBER,
    addedSnapshotId: options.snapshotId,
    addedFilesCount: added,
    existingFilesCount: existing,
    deletedFilesCount: deleted,
    addedRowsCount: addedRows,
    existingRowsCount: existingRows,
    deletedRowsCount: deletedRows,
    partitions: partitionSummaries(
      fieldTypes,
      entries.map((e) => e.dataFile.partition),
    ),
  };
  return { bytes, manifestFile };
}
