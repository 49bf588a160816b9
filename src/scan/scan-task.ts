/**
 * The output of scan planning and the input of every reader (Arrow and DuckDB): one task per data
 * file, carrying exactly the delete files that apply to it under the spec's rules (spec "Scan
 * Planning"), so readers never decide which deletes apply.
 */
import type { DataFile } from '../spec/data-file.js';
import type { PartitionSpec } from '../spec/partition-spec.js';
import type { Schema } from '../spec/schema.js';
import type { Snapshot } from '../spec/snapshot.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { BoundExpression } from '../expressions/index.js';
import type { FileIO } from './file-io.js';

/** A delete file (position delete file, deletion vector or equality delete file) with its sequence numbers. */
export interface DeleteFileRef {
  file: DataFile;
  /** Data sequence number of the delete file (after inheritance). */
  dataSequenceNumber: bigint;
}

export interface FileScanTask {
  /** The data file; `filePath` as written in the manifest (resolve it with the plan's `io`). */
  dataFile: DataFile;
  /** Data sequence number of the data file (after inheritance; 0 for v1). */
  dataSequenceNumber: bigint;
  /** The partition spec the file was written with. */
  spec: PartitionSpec;
  /** Position deletes and deletion vectors that apply to this file. */
  positionDeletes: DeleteFileRef[];
  /** Equality deletes that apply to this file (data seq < delete seq; same partition or global). */
  equalityDeletes: DeleteFileRef[];
  /** What is left of the row filter after partition pruning, for this file's partition. */
  residual: BoundExpression;
}

/** What planning read and pruned; counts are exact (tests assert them). Optional fields are always set by `planScan`. */
export interface ScanPlanStats {
  /** Data + delete manifests in the snapshot. */
  manifestsTotal: number;
  /** Data + delete manifests read (the rest were pruned by partition summaries or file counts). */
  manifestsScanned: number;
  dataManifestsTotal?: number;
  dataManifestsScanned?: number;
  deleteManifestsTotal?: number;
  deleteManifestsScanned?: number;
  /** Live (ADDED or EXISTING) data files in the data manifests read. */
  dataFilesTotal: number;
  /** Data files planned as tasks. */
  dataFilesSelected: number;
  /** Data files dropped because their partition cannot match the filter (inclusive projection). */
  dataFilesPrunedByPartition?: number;
  /** Data files dropped because their column metrics show no row can match the filter. */
  dataFilesPrunedByMetrics?: number;
  /** Live delete files in the delete manifests read. */
  deleteFilesTotal: number;
  /** Distinct delete files that apply to at least one task. */
  deleteFilesSelected: number;
}

export interface ScanPlan {
  metadata: TableMetadata;
  /** Resolves and reads every path of the plan (remaps applied); paths in tasks are as written in metadata. */
  io: FileIO;
  /** The snapshot read; undefined for a table without snapshots (an empty plan). */
  snapshot: Snapshot | undefined;
  /** How the snapshot was chosen (see snapshot-selector.ts). */
  selectedBy?: 'current' | 'snapshot-id' | 'as-of' | 'tag' | 'branch';
  /** The branch or tag name when selected by ref. */
  ref?: string;
  /**
   * The schema rows are produced in: the table's current schema for the current snapshot and
   * branches; the snapshot's own schema for time travel by id, timestamp or tag.
   */
  schema: Schema;
  /** Field ids of the projected columns, in output order. */
  projectedFieldIds: number[];
  /** The bound row filter (alwaysTrue when none). */
  filter: BoundExpression;
  tasks: FileScanTask[];
  /**
   * Every delete file some task uses, once each (read a position delete file once even when it
   * applies to many data files).
   */
  deleteFiles?: DeleteFileRef[];
  stats: ScanPlanStats;
}
