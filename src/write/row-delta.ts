/**
 * Row-level changes (the reference implementation's BaseRowDelta): adds delete files (position
 * deletes, deletion vectors, equality deletes) and data files, and may remove data or delete files,
 * in one snapshot — the commit of merge-on-read deletes, updates and merges.
 *
 * Validation: data files the new deletes refer to (`referenced_data_file` of position deletes and
 * deletion vectors, plus `validateDataFilesExist`) must still be in the table; no concurrent
 * deletion vector for a data file this change adds one for. By isolation level (`isolationLevel`,
 * else the table property for `isolationFor`, default `delete` when no data files are added and
 * `update` otherwise): serializable also fails when data files that may hold rows matching the
 * conflict-detection filter were added; both levels fail when delete files in that scope were added
 * and when removed data files received new deletes.
 */
import type { UnboundExpression } from '../expressions/index.js';
import { type DataFile, FileContent } from '../spec/data-file.js';
import { isolationLevel as isolationProperty } from '../spec/properties.js';
import type { SnapshotOperation } from '../spec/snapshot.js';
import { isDeletionVector } from './change-summary.js';
import { type RemovalOutcome, MergingSnapshotProducer } from './merging-snapshot-producer.js';
import type { ConflictCheck } from './staged-change.js';

export class RowDelta extends MergingSnapshotProducer {
  readonly operationName = 'row-delta';
  private conflictFilter: UnboundExpression | undefined;
  private readonly referenced = new Set<string>();
  private checkNewData: boolean | undefined;
  private checkNewDeletes: boolean | undefined;

  addRows(file: DataFile): this {
    this.newData.add(file);
    return this;
  }

  addDeletes(file: DataFile): this {
    this.newDeletes.add(file);
    return this;
  }

  /** Removes a data file (copy-on-write parts of a merge). */
  removeRows(file: DataFile | string): this {
    this.removeFile(file, 'data');
    return this;
  }

  /** Removes a delete file (e.g. a deletion vector replaced by a merged one). */
  removeDeletes(file: DataFile | string): this {
    this.removeFile(file, 'deletes');
    return this;
  }

  /** These data files must still be in the table when the commit lands. */
  validateDataFilesExist(paths: Iterable<string>): this {
    for (const p of paths) this.referenced.add(p);
    return this;
  }

  /** Restricts which concurrent files count as conflicts (default: the whole table). */
  conflictDetectionFilter(filter: UnboundExpression): this {
    this.conflictFilter = filter;
    return this;
  }

  /** Fail on concurrently added data files in scope, whatever the isolation level. */
  validateNoConflictingDataFiles(): this {
    this.checkNewData = true;
    return this;
  }

  /** Fail on concurrently added delete files in scope (the default at both isolation levels). */
  validateNoConflictingDeleteFiles(): this {
    this.checkNewDeletes = true;
    return this;
  }

  protected operation(): SnapshotOperation {
    const addsData = this.newData.size > 0;
    const addsDeletes = this.newDeletes.size > 0;
    if (addsData && !addsDeletes && this.dataToRemove.paths.size === 0) return 'append';
    if (addsDeletes && !addsData) return 'delete';
    return 'overwrite';
  }

  protected conflictChecks(outcome: RemovalOutcome): ConflictCheck[] {
    const level = this.isolation ?? isolationProperty(outcome.base.properties, this.isolationOperation ?? (this.newData.size > 0 ? 'update' : 'delete'));
    const required = new Set([...this.referenced, ...this.dataToRemove.paths, ...this.deletesToRemove.paths]);
    const dvTargets: string[] = [];
    for (const f of this.newDeletes.files) {
      if (f.content === FileContent.POSITION_DELETES && f.referencedDataFile !== undefined) {
        required.add(f.referencedDataFile);
        if (isDeletionVector(f)) dvTargets.push(f.referencedDataFile);
      }
    }
    const check: ConflictCheck = this.check({
      isolationLevel: level,
      failOnNewData: this.checkNewData ?? level === 'serializable',
      failOnNewDeleteFiles: this.checkNewDeletes ?? true,
      requiredFiles: [...required],
      noNewDeletesFor: outcome.removed.map((e) => e.dataFile).filter((f) => f.content === FileContent.DATA),
      noNewDeletionVectorsFor: dvTargets,
      missingFiles: outcome.missing,
    });
    if (this.conflictFilter !== undefined) check.filter = this.conflictFilter;
    return [check];
  }
}
