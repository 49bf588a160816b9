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

export interface ScanPlanStats {
  manifestsTotal: number;
  manifestsScanned: number;
  dataFilesTotal: number;
  dataFilesSelected: number;
  deleteFilesTotal: number;
  deleteFilesSelected: number;
}

export interface ScanPlan {
  metadata: TableMetadata;
  /** The snapshot read; undefined for a table without snapshots (an empty plan). */
  snapshot: Snapshot | undefined;
  /** The schema rows are produced in: the snapshot's schema for time travel by id/timestamp, per spec. */
  schema: Schema;
  /** Field ids of the projected columns, in output order. */
  projectedFieldIds: number[];
  /** The bound row filter (alwaysTrue when none). */
  filter: BoundExpression;
  tasks: FileScanTask[];
  stats: ScanPlanStats;
}
