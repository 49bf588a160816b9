/**
 * Manifest lists (spec "Manifest Lists", "First Row ID Assignment"): one Avro file per snapshot
 * attempt listing its manifests with counts, sequence numbers and partition summaries.
 *
 * Writing follows the reference implementation's ManifestListWriter: manifests written by this
 * snapshot get the snapshot's sequence number in place of UNASSIGNED_SEQUENCE_NUMBER; in v3, data
 * manifests without a first_row_id are assigned one, starting at the snapshot's first-row-id and
 * advancing by each manifest's added + existing row counts. Key-value metadata: `snapshot-id`,
 * `parent-snapshot-id` ("null" for none), `sequence-number` (v2+), `first-row-id` (v3),
 * `format-version`.
 *
 * Reading fills the spec's defaults for v1 lists: content 0 (data), sequence numbers 0; missing
 * counts stay undefined ("assumed to be non-zero").
 */
import { LakeError } from '../errors.js';
import { type FieldSummary, ManifestContent, type ManifestFile } from '../spec/data-file.js';
import { type AvroCodec, readAvroHeader, readAvroRecords, writeAvroFile } from './avro-file.js';
import { compileSchema } from './avro-schema.js';
import { UNASSIGNED_SEQUENCE_NUMBER } from './manifest.js';
import { type FormatVersion, MANIFEST_LIST_CATALOGUE, MANIFEST_LIST_SCHEMAS } from './schemas.js';
import { sameId, toSigned64 } from './snapshot-id.js';

function invalidInput(message: string): LakeError {
  return new LakeError('INVALID_INPUT', message);
}

function invalidMetadata(message: string): LakeError {
  return new LakeError('INVALID_METADATA', message);
}

export interface ManifestList {
  /** `format-version`, or inferred from the Avro layout (DuckDB and BigQuery write none). */
  formatVersion: FormatVersion;
  /** `snapshot-id`, `parent-snapshot-id`, `sequence-number`, `first-row-id` when written. */
  snapshotId?: bigint;
  parentSnapshotId?: bigint;
  sequenceNumber?: bigint;
  firstRowId?: bigint;
  /** Every key-value pair as written. */
  keyValue: Record<string, string>;
  manifests: ManifestFile[];
}

interface RawSummary {
  contains_null?: boolean | null;
  contains_nan?: boolean | null;
  lower_bound?: Uint8Array | null;
  upper_bound?: Uint8Array | null;
}

interface RawManifestFile {
  manifest_path?: string | null;
  manifest_length?: number | null;
  partition_spec_id?: number | null;
  content?: number | null;
  sequence_number?: bigint | number | null;
  min_sequence_number?: bigint | number | null;
  added_snapshot_id?: bigint | number | null;
  added_files_count?: number | null;
  existing_files_count?: number | null;
  deleted_files_count?: number | null;
  added_rows_count?: number | null;
  existing_rows_count?: number | null;
  deleted_rows_count?: number | null;
  partitions?: (RawSummary | null)[] | null;
  key_metadata?: Uint8Array | null;
  first_row_id?: bigint | number | null;
}


function toBig(v: bigint | number | null | undefined): bigint | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'bigint' ? v : BigInt(v);
}

function optionalBigInt(text: string | undefined, what: string): bigint | undefined {
  if (text === undefined || text === 'null') return undefined;
  if (!/^-?\d+$/.test(text.trim())) throw invalidMetadata(`manifest list ${what} must be an integer, got "${text}"`);
  return BigInt(text.trim());
}

function toSummary(raw: RawSummary): FieldSummary {
  const s: FieldSummary = { containsNull: raw.contains_null === true };
  if (raw.contains_nan !== null && raw.contains_nan !== undefined) s.containsNan = raw.contains_nan;
  if (raw.lower_bound !== null && raw.lower_bound !== undefined) s.lowerBound = raw.lower_bound;
  if (raw.upper_bound !== null && raw.upper_bound !== undefined) s.upperBound = raw.upper_bound;
  return s;
}

function toManifestFile(raw: RawManifestFile): ManifestFile {
  if (raw.manifest_path === null || raw.manifest_path === undefined) throw invalidMetadata('manifest list entry without manifest_path');
  const where = raw.manifest_path;
  if (raw.manifest_length === null || raw.manifest_length === undefined) throw invalidMetadata(`${where}: no manifest_length`);
  if (raw.partition_spec_id === null || raw.partition_spec_id === undefined) throw invalidMetadata(`${where}: no partition_spec_id`);
  const addedSnapshotId = toBig(raw.added_snapshot_id);
  if (addedSnapshotId === undefined) throw invalidMetadata(`${where}: no added_snapshot_id`);
  const content = raw.content ?? ManifestContent.DATA;
  if (content !== 0 && content !== 1) throw invalidMetadata(`${where}: manifest content must be 0 or 1, got ${content}`);
  const mf: ManifestFile = {
    manifestPath: raw.manifest_path,
    manifestLength: raw.manifest_length,
    partitionSpecId: raw.partition_spec_id,
    content: content as ManifestContent,
    // v1 lists have no sequence numbers: the spec says read them as 0.
    sequenceNumber: toBig(raw.sequence_number) ?? 0n,
    minSequenceNumber: toBig(raw.min_sequence_number) ?? 0n,
    addedSnapshotId,
    addedFilesCount: raw.added_files_count ?? undefined,
    existingFilesCount: raw.existing_files_count ?? undefined,
    deletedFilesCount: raw.deleted_files_count ?? undefined,
    addedRowsCount: raw.added_rows_count ?? undefined,
    existingRowsCount: raw.existing_rows_count ?? undefined,
    deletedRowsCount: raw.deleted_rows_count ?? undefined,
    partitions: raw.partitions === null || raw.partitions === undefined ? undefined : raw.partitions.filter((p) => p !== null).map(toSummary),
    keyMetadata: raw.key_metadata ?? undefined,
    firstRowId: toBig(raw.first_row_id),
  };
  return mf;
}

/** Reads a manifest list. Encrypted lists fail with UNSUPPORTED_FEATURE. */
export function readManifestList(bytes: Uint8Array): ManifestList {
  const header = readAvroHeader(bytes);
  const compiled = compileSchema(header.schemaJson, MANIFEST_LIST_CATALOGUE);
  const p = compiled.present;
  if (!p.has('manifest_path')) throw invalidMetadata('not a manifest list: the Avro schema has no manifest_path field');
  const kv = header.metadata;
  let formatVersion: FormatVersion;
  if (kv['format-version'] !== undefined) {
    const n = Number(kv['format-version']);
    if (n !== 1 && n !== 2 && n !== 3) {
      throw new LakeError('UNSUPPORTED_FEATURE', `manifest list format-version ${kv['format-version']} is not supported (lake reads 1, 2 and 3)`);
    }
    formatVersion = n;
  } else formatVersion = p.has('first_row_id') ? 3 : p.has('sequence_number') ? 2 : 1;

  const raws = readAvroRecords(bytes, header, compiled.read) as RawManifestFile[];
  const list: ManifestList = { formatVersion, keyValue: kv, manifests: raws.map(toManifestFile) };
  const snapshotId = optionalBigInt(kv['snapshot-id'], 'snapshot-id');
  const parentSnapshotId = optionalBigInt(kv['parent-snapshot-id'], 'parent-snapshot-id');
  const sequenceNumber = optionalBigInt(kv['sequence-number'], 'sequence-number');
  const firstRowId = optionalBigInt(kv['first-row-id'], 'first-row-id');
  if (snapshotId !== undefined) list.snapshotId = snapshotId;
  if (parentSnapshotId !== undefined) list.parentSnapshotId = parentSnapshotId;
  if (sequenceNumber !== undefined) list.sequenceNumber = sequenceNumber;
  if (firstRowId !== undefined) list.firstRowId = firstRowId;
  return list;
}

export interface WriteManifestListOptions {
  formatVersion: FormatVersion;
  snapshotId: bigint;
  parentSnapshotId?: bigint | null;
  /** The snapshot's sequence number (v2+); replaces UNASSIGNED_SEQUENCE_NUMBER of its own manifests. */
  sequenceNumber?: bigint;
  /** The snapshot's first-row-id (v3): the first row id assigned to data manifests that have none. */
  firstRowId?: bigint;
  manifests: readonly ManifestFile[];
  /** Default 'deflate'. */
  codec?: AvroCodec;
  /** Fixed 16-byte Avro sync marker, for reproducible bytes. */
  sync?: Uint8Array;
}

export interface WrittenManifestList {
  bytes: Uint8Array;
  /** The manifests as written: sequence numbers and (v3) first row ids assigned. */
  manifests: ManifestFile[];
  /**
   * v3: the first row id after the last one assigned here. `nextRowId - firstRowId` is the
   * snapshot's `added-rows`, and the table's new `next-row-id`.
   */
  nextRowId?: bigint;
}

function requireCount(v: number | undefined, what: string, where: string): number {
  if (v === undefined) throw invalidInput(`${where}: ${what} is required in v2+ manifest lists`);
  if (!Number.isSafeInteger(v) || v < 0) throw invalidInput(`${where}: ${what} must be a non-negative integer`);
  return v;
}

/** Writes a manifest list. Nothing is written for bad input (INVALID_INPUT). */
export function writeManifestList(options: WriteManifestListOptions): WrittenManifestList {
  const version = options.formatVersion;
  if (version !== 1 && version !== 2 && version !== 3) throw invalidInput(`unsupported format version ${String(version)}`);
  toSigned64(options.snapshotId, 'snapshot id');
  const parent = options.parentSnapshotId ?? undefined;
  if (parent !== undefined) toSigned64(parent, 'parent snapshot id');
  const seq = options.sequenceNumber;
  if (version >= 2 && (seq === undefined || seq < 0n)) throw invalidInput('a v2+ manifest list needs the snapshot sequence number');
  if (version === 3 && options.firstRowId === undefined) throw invalidInput('a v3 manifest list needs the snapshot first-row-id');
  let nextRowId = options.firstRowId;

  const written: ManifestFile[] = [];
  const records = options.manifests.map((m) => {
    const where = m.manifestPath;
    if (version === 1 && m.content !== ManifestContent.DATA) throw invalidInput(`${where}: v1 tables cannot have delete manifests`);
    const out: ManifestFile = { ...m };
    if (version >= 2) {
      for (const key of ['sequenceNumber', 'minSequenceNumber'] as const) {
        if (m[key] === UNASSIGNED_SEQUENCE_NUMBER) {
          // Only this snapshot's own new manifests may still be unassigned.
          if (!sameId(m.addedSnapshotId, options.snapshotId)) {
            throw invalidInput(`${where}: unassigned sequence number for a manifest from snapshot ${m.addedSnapshotId}`);
          }
          out[key] = seq!;
        } else if (m[key] < 0n) throw invalidInput(`${where}: invalid ${key} ${m[key]}`);
      }
      requireCount(m.addedFilesCount, 'added_files_count', where);
      requireCount(m.existingFilesCount, 'existing_files_count', where);
      requireCount(m.deletedFilesCount, 'deleted_files_count', where);
      requireCount(m.addedRowsCount, 'added_rows_count', where);
      requireCount(m.existingRowsCount, 'existing_rows_count', where);
      requireCount(m.deletedRowsCount, 'deleted_rows_count', where);
    }
    if (version === 3) {
      if (m.content !== ManifestContent.DATA) delete out.firstRowId;
      else if (m.firstRowId === undefined) {
        out.firstRowId = nextRowId!;
        // Room for existing rows too: files from before row lineage have no first_row_id yet.
        nextRowId = nextRowId! + BigInt(m.existingRowsCount!) + BigInt(m.addedRowsCount!);
      }
    } else delete out.firstRowId;
    written.push(out);
    return {
      manifest_path: out.manifestPath,
      manifest_length: out.manifestLength,
      partition_spec_id: out.partitionSpecId,
      content: out.content,
      sequence_number: out.sequenceNumber,
      min_sequence_number: out.minSequenceNumber,
      added_snapshot_id: toSigned64(out.addedSnapshotId, 'added snapshot id'),
      added_files_count: out.addedFilesCount ?? null,
      existing_files_count: out.existingFilesCount ?? null,
      deleted_files_count: out.deletedFilesCount ?? null,
      added_rows_count: out.addedRowsCount ?? null,
      existing_rows_count: out.existingRowsCount ?? null,
      deleted_rows_count: out.deletedRowsCount ?? null,
      partitions:
        out.partitions === undefined
          ? null
          : out.partitions.map((s) => ({
              contains_null: s.containsNull,
              contains_nan: s.containsNan ?? null,
              lower_bound: s.lowerBound === undefined ? null : Buffer.from(s.lowerBound),
              upper_bound: s.upperBound === undefined ? null : Buffer.from(s.upperBound),
            })),
      key_metadata: out.keyMetadata === undefined ? null : Buffer.from(out.keyMetadata),
      first_row_id: out.firstRowId ?? null,
    };
  });

  const keyValue: Record<string, string> = {
    'snapshot-id': String(options.snapshotId),
    'parent-snapshot-id': parent === undefined ? 'null' : String(parent),
  };
  if (version >= 2) keyValue['sequence-number'] = String(seq);
  if (version === 3) keyValue['first-row-id'] = String(options.firstRowId);
  keyValue['format-version'] = String(version);

  const schemaJson = JSON.stringify(MANIFEST_LIST_SCHEMAS[version]);
  const compiled = compileSchema(schemaJson, MANIFEST_LIST_CATALOGUE);
  const bytes = writeAvroFile({
    schemaJson,
    type: compiled.type,
    records,
    metadata: keyValue,
    codec: options.codec ?? 'deflate',
    ...(options.sync === undefined ? {} : { sync: options.sync }),
  });
  const result: WrittenManifestList = { bytes, manifests: written };
  if (version === 3) result.nextRowId = nextRowId!;
  return result;
}
