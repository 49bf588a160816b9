/**
 * Manifest contents as data (spec "Manifests", "Manifest Entry Fields", "Data File Fields",
 * "Manifest Lists"). The Avro codecs in src/manifest/ read and write exactly these shapes.
 *
 * 64-bit identities (snapshot ids, sequence numbers, row ids) are bigint. Counts and sizes are
 * numbers: they count real rows and bytes and stay far below 2^53.
 */

export const FileContent = { DATA: 0, POSITION_DELETES: 1, EQUALITY_DELETES: 2 } as const;
export type FileContent = (typeof FileContent)[keyof typeof FileContent];

export const ManifestContent = { DATA: 0, DELETES: 1 } as const;
export type ManifestContent = (typeof ManifestContent)[keyof typeof ManifestContent];

export const EntryStatus = { EXISTING: 0, ADDED: 1, DELETED: 2 } as const;
export type EntryStatus = (typeof EntryStatus)[keyof typeof EntryStatus];

export type FileFormat = 'PARQUET' | 'AVRO' | 'ORC' | 'PUFFIN';

/**
 * Partition tuple of a file: one value per field of its partition spec, in spec field order,
 * in lake's in-memory value representation (see src/spec/types.ts), null for a null partition.
 */
export type PartitionValues = unknown[];

export interface DataFile {
  content: FileContent;
  filePath: string;
  fileFormat: FileFormat;
  /** Id of the partition spec the `partition` tuple belongs to (the manifest's `partition-spec-id`). */
  specId: number;
  partition: PartitionValues;
  recordCount: number;
  fileSizeInBytes: number;
  /** Metrics keyed by field id. Absent map = not written; an absent key = no metric for that column. */
  columnSizes?: Map<number, number>;
  valueCounts?: Map<number, number>;
  nullValueCounts?: Map<number, number>;
  nanValueCounts?: Map<number, number>;
  /** Bounds in the Appendix D binary single-value form, kept as bytes (decode with the column type). */
  lowerBounds?: Map<number, Uint8Array>;
  upperBounds?: Map<number, Uint8Array>;
  keyMetadata?: Uint8Array;
  splitOffsets?: number[];
  /** Field ids of an equality delete file's key columns. */
  equalityIds?: number[];
  sortOrderId?: number;
  /** v3 row lineage. */
  firstRowId?: bigint;
  /** Position deletes / deletion vectors: the single data file they apply to. */
  referencedDataFile?: string;
  /** v3 deletion vectors: the blob's offset and length inside the Puffin file. */
  contentOffset?: number;
  contentSizeInBytes?: number;
}

export interface ManifestEntry {
  status: EntryStatus;
  /** After inheritance on read this is always set (null in the file means: the manifest's snapshot). */
  snapshotId?: bigint;
  /** Data sequence number; after inheritance on read always set for v2+ tables. */
  sequenceNumber?: bigint;
  /** File sequence number; after inheritance on read always set for v2+ tables. */
  fileSequenceNumber?: bigint;
  dataFile: DataFile;
}

/** Per-partition-field summary in a manifest list entry. */
export interface FieldSummary {
  containsNull: boolean;
  containsNan?: boolean;
  /** Appendix D binary form of the partition field's result type. */
  lowerBound?: Uint8Array;
  upperBound?: Uint8Array;
}

/** One entry of a manifest list. */
export interface ManifestFile {
  manifestPath: string;
  manifestLength: number;
  partitionSpecId: number;
  content: ManifestContent;
  /** v1 manifests have none; readers treat them as 0. */
  sequenceNumber: bigint;
  minSequenceNumber: bigint;
  addedSnapshotId: bigint;
  /** Optional in v1 manifest lists; always written by lake. */
  addedFilesCount?: number;
  existingFilesCount?: number;
  deletedFilesCount?: number;
  addedRowsCount?: number;
  existingRowsCount?: number;
  deletedRowsCount?: number;
  partitions?: FieldSummary[];
  keyMetadata?: Uint8Array;
  /** v3 row lineage. */
  firstRowId?: bigint;
}
