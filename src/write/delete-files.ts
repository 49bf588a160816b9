/**
 * Delete (the reference implementation's StreamingDelete): removes data files by path or every
 * data file whose rows all match a filter, in one `delete` snapshot. Files named by path must still
 * be in the table when the commit lands; removal by filter applies to whatever the table holds then
 * (spec "Commit Conflict Resolution and Retry"). A data file that matches the filter only in part
 * cannot be removed whole and fails the commit.
 */
import type { UnboundExpression } from '../expressions/index.js';
import type { DataFile } from '../spec/data-file.js';
import type { SnapshotOperation } from '../spec/snapshot.js';
import { type RemovalOutcome, MergingSnapshotProducer } from './merging-snapshot-producer.js';
import type { ConflictCheck } from './staged-change.js';

export class DeleteFiles extends MergingSnapshotProducer {
  readonly operationName = 'delete';

  deleteFile(file: DataFile | string): this {
    this.removeFile(file, 'data');
    return this;
  }

  deleteFromRowFilter(filter: UnboundExpression): this {
    this.dataToRemove.rowFilter = filter;
    this.deletesToRemove.rowFilter = filter;
    return this;
  }

  protected operation(): SnapshotOperation {
    return 'delete';
  }

  protected conflictChecks(outcome: RemovalOutcome): ConflictCheck[] {
    return [
      this.check({
        requiredFiles: [...this.dataToRemove.paths],
        missingFiles: outcome.missing,
        partiallyMatchingFiles: outcome.partial,
      }),
    ];
  }
}
