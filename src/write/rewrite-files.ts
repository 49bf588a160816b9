/**
 * Rewrite (the reference implementation's BaseRewriteFiles): replaces files with files holding the
 * same rows (compaction, format changes) in one `replace` snapshot. A rewrite may keep the data
 * sequence number its inputs were read at (`dataSequenceNumber`, `useStartingSequenceNumber`), so
 * that equality deletes committed meanwhile still apply to the rewritten rows.
 *
 * Validation: every replaced file must still be in the table, and no delete file that applies to a
 * replaced data file may have been added since the start (with a kept sequence number, equality
 * deletes still apply to the new files and are not conflicts).
 */
import { LakeError } from '../errors.js';
import { type DataFile, FileContent } from '../spec/data-file.js';
import type { SnapshotOperation } from '../spec/snapshot.js';
import { snapshotById } from '../spec/table-metadata.js';
import type { ChangeSummary } from './change-summary.js';
import { type RemovalOutcome, MergingSnapshotProducer } from './merging-snapshot-producer.js';
import type { ConflictCheck } from './staged-change.js';

export class RewriteFiles extends MergingSnapshotProducer {
  readonly operationName = 'rewrite';
  private inputsMissing = false;

  /** Replaces a data file. */
  deleteFile(file: DataFile | string): this {
    this.removeFile(file, 'data');
    return this;
  }

  addFile(file: DataFile): this {
    this.newData.add(file);
    return this;
  }

  /** Replaces a delete file (rewriting position deletes). */
  deleteDeleteFile(file: DataFile | string): this {
    this.removeFile(file, 'deletes');
    return this;
  }

  addDeleteFile(file: DataFile): this {
    this.newDeletes.add(file);
    return this;
  }

  /** Writes this data sequence number for the new data files instead of inheriting the commit's. */
  dataSequenceNumber(sequenceNumber: bigint): this {
    if (typeof sequenceNumber !== 'bigint' || sequenceNumber < 0n) throw new LakeError('INVALID_INPUT', 'data sequence number must be a non-negative bigint');
    this.newDataSequenceNumber = sequenceNumber;
    return this;
  }

  /** Keeps the sequence number of the snapshot the rewrite started from (the inputs' snapshot). */
  useStartingSequenceNumber(): this {
    const start = this.startingSnapshotId === undefined ? undefined : snapshotById(this.table.metadata, this.startingSnapshotId);
    if (start === undefined) throw new LakeError('INVALID_INPUT', 'the rewrite has no starting snapshot to take a sequence number from');
    return this.dataSequenceNumber(start.sequenceNumber);
  }

  protected operation(): SnapshotOperation {
    return 'replace';
  }

  protected override checkSummary(summary: ChangeSummary): void {
    // With inputs missing the counts say nothing; the conflict check reports why they are missing.
    if (this.inputsMissing) return;
    const { addedRecords, deletedRecords } = summary.totals;
    // Fewer added than replaced rows is fine (rows already deleted by delete files); more is not a rewrite.
    if (addedRecords > deletedRecords) {
      throw new LakeError('INVALID_INPUT', `invalid rewrite: it adds ${addedRecords} records but replaces only ${deletedRecords}`, {
        context: { addedRecords, deletedRecords },
      });
    }
  }

  protected conflictChecks(outcome: RemovalOutcome): ConflictCheck[] {
    this.inputsMissing = outcome.missing.length > 0;
    if (this.dataToRemove.paths.size === 0 && this.deletesToRemove.paths.size === 0) {
      throw new LakeError('INVALID_INPUT', 'a rewrite must replace at least one file');
    }
    return [
      this.check({
        requiredFiles: [...this.dataToRemove.paths, ...this.deletesToRemove.paths],
        noNewDeletesFor: outcome.removed.map((e) => e.dataFile).filter((f) => f.content === FileContent.DATA),
        ignoreEqualityDeletes: this.newDataSequenceNumber !== undefined,
        missingFiles: outcome.missing,
      }),
    ];
  }
}
