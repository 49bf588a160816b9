/**
 * Counts of what a snapshot adds and removes, overall and per partition, as the reference
 * implementation's `SnapshotSummary.Builder` collects them; `buildSnapshotSummary` turns them into
 * the summary fields.
 */
import { type DataFile, FileContent } from '../spec/data-file.js';
import { partitionPath } from '../spec/partition-spec.js';
import type { SnapshotChangeCounts } from '../spec/snapshot.js';
import { type TableMetadata, currentSchema, specById } from '../spec/table-metadata.js';

type Counts = Required<
  Pick<
    SnapshotChangeCounts,
    | 'addedDataFiles'
    | 'deletedDataFiles'
    | 'addedEqualityDeleteFiles'
    | 'removedEqualityDeleteFiles'
    | 'addedPositionDeleteFiles'
    | 'removedPositionDeleteFiles'
    | 'addedDVs'
    | 'removedDVs'
  >
> & {
  addedRecords: bigint;
  deletedRecords: bigint;
  addedFilesSize: bigint;
  removedFilesSize: bigint;
  addedPositionDeletes: bigint;
  removedPositionDeletes: bigint;
  addedEqualityDeletes: bigint;
  removedEqualityDeletes: bigint;
};

function zero(): Counts {
  return {
    addedDataFiles: 0,
    deletedDataFiles: 0,
    addedEqualityDeleteFiles: 0,
    removedEqualityDeleteFiles: 0,
    addedPositionDeleteFiles: 0,
    removedPositionDeleteFiles: 0,
    addedDVs: 0,
    removedDVs: 0,
    addedRecords: 0n,
    deletedRecords: 0n,
    addedFilesSize: 0n,
    removedFilesSize: 0n,
    addedPositionDeletes: 0n,
    removedPositionDeletes: 0n,
    addedEqualityDeletes: 0n,
    removedEqualityDeletes: 0n,
  };
}

/** A deletion vector is a position delete stored as a Puffin blob. */
export function isDeletionVector(f: DataFile): boolean {
  return f.content === FileContent.POSITION_DELETES && f.fileFormat === 'PUFFIN';
}

function count(c: Counts, f: DataFile, added: boolean): void {
  const records = BigInt(f.recordCount);
  const size = BigInt(f.fileSizeInBytes);
  if (added) c.addedFilesSize += size;
  else c.removedFilesSize += size;
  switch (f.content) {
    case FileContent.DATA:
      if (added) {
        c.addedDataFiles++;
        c.addedRecords += records;
      } else {
        c.deletedDataFiles++;
        c.deletedRecords += records;
      }
      return;
    case FileContent.POSITION_DELETES:
      if (isDeletionVector(f)) {
        if (added) c.addedDVs++;
        else c.removedDVs++;
      } else if (added) c.addedPositionDeleteFiles++;
      else c.removedPositionDeleteFiles++;
      if (added) c.addedPositionDeletes += records;
      else c.removedPositionDeletes += records;
      return;
    case FileContent.EQUALITY_DELETES:
      if (added) {
        c.addedEqualityDeleteFiles++;
        c.addedEqualityDeletes += records;
      } else {
        c.removedEqualityDeleteFiles++;
        c.removedEqualityDeletes += records;
      }
      return;
  }
}

export class ChangeSummary {
  readonly totals: Counts = zero();
  readonly partitions = new Map<string, Counts>();

  constructor(private readonly metadata: TableMetadata) {}

  added(file: DataFile): void {
    this.record(file, true);
  }

  removed(file: DataFile): void {
    this.record(file, false);
  }

  /** A copy that keeps counting on its own (per-attempt counts on top of the prepared ones). */
  fork(): ChangeSummary {
    const c = new ChangeSummary(this.metadata);
    Object.assign(c.totals, this.totals);
    for (const [k, v] of this.partitions) c.partitions.set(k, { ...v });
    return c;
  }

  private record(file: DataFile, added: boolean): void {
    count(this.totals, file, added);
    const spec = specById(this.metadata, file.specId);
    const path = spec === undefined ? '' : partitionPath(spec, currentSchema(this.metadata), file.partition);
    let p = this.partitions.get(path);
    if (p === undefined) {
      p = zero();
      this.partitions.set(path, p);
    }
    count(p, file, added);
  }
}
