/**
 * Overwrite (the reference implementation's BaseOverwriteFiles): removes files by path or every
 * file whose rows all match a filter, and adds new files, in one `overwrite` snapshot.
 *
 * Validation of concurrent commits, per isolation level (`isolationLevel`, or the table property
 * `write.<operation>.isolation-level`; the operation is `update` when files are added and `delete`
 * otherwise, or as set with `isolationFor`):
 * - serializable (default): no data files added since the start that may hold rows matching the
 *   conflict-detection filter (default: the overwrite filter, or the whole table for removals by
 *   path only);
 * - both levels: files removed by path still exist; with a filter, no delete files added and no data
 *   files removed in its scope; removed data files received no new deletes.
 */
import { LakeError } from '../errors.js';
import type { UnboundExpression } from '../expressions/index.js';
import { type DataFile, FileContent } from '../spec/data-file.js';
import { isolationLevel as isolationProperty } from '../spec/properties.js';
import type { SnapshotOperation } from '../spec/snapshot.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import { type RemovalOutcome, MergingSnapshotProducer } from './merging-snapshot-producer.js';
import { RowFilterMatcher } from './row-filter-matcher.js';
import type { ConflictCheck } from './staged-change.js';

export class OverwriteFiles extends MergingSnapshotProducer {
  readonly operationName = 'overwrite';
  private conflictFilter: UnboundExpression | undefined;
  private checkAddedMatchFilter = false;

  /** Removes every file whose rows all match `filter` (a data file matching only in part fails the commit). */
  overwriteByRowFilter(filter: UnboundExpression): this {
    this.dataToRemove.rowFilter = filter;
    this.deletesToRemove.rowFilter = filter;
    return this;
  }

  addFile(file: DataFile): this {
    this.newData.add(file);
    return this;
  }

  addFiles(files: Iterable<DataFile>): this {
    for (const f of files) this.newData.add(f);
    return this;
  }

  /** Removes a data file (it must still be in the table when the commit lands). */
  deleteFile(file: DataFile | string): this {
    this.removeFile(file, 'data');
    return this;
  }

  /** Fails the commit when an added file may hold rows outside the overwrite filter. */
  validateAddedFilesMatchOverwriteFilter(): this {
    this.checkAddedMatchFilter = true;
    return this;
  }

  /** Narrows which concurrent files count as conflicts (default: the overwrite filter). */
  conflictDetectionFilter(filter: UnboundExpression): this {
    this.conflictFilter = filter;
    return this;
  }

  protected operation(): SnapshotOperation {
    const deletes = this.dataToRemove.rowFilter !== undefined || this.dataToRemove.paths.size > 0;
    const adds = this.newData.size > 0;
    if (deletes && !adds) return 'delete';
    if (adds && !deletes) return 'append';
    return 'overwrite';
  }

  private checkAddedFiles(base: TableMetadata): void {
    const filter = this.dataToRemove.rowFilter;
    if (!this.checkAddedMatchFilter || filter === undefined) return;
    const matcher = new RowFilterMatcher(base, filter, this.caseSensitive);
    for (const f of this.newData.files) {
      if (!(matcher.mayMatch(f) && matcher.mustMatch(f))) {
        throw new LakeError('INVALID_INPUT', `cannot add ${f.filePath}: it may hold rows that do not match the overwrite filter`, { context: { file: f.filePath } });
      }
    }
  }

  protected conflictChecks(outcome: RemovalOutcome): ConflictCheck[] {
    const { base } = outcome;
    this.checkAddedFiles(base);
    const level = this.isolation ?? isolationProperty(base.properties, this.isolationOperation ?? (this.newData.size > 0 ? 'update' : 'delete'));
    const rowFilter = this.dataToRemove.rowFilter;
    const filter = this.conflictFilter ?? (rowFilter !== undefined && this.dataToRemove.paths.size === 0 ? rowFilter : undefined);
    const scoped = this.conflictFilter !== undefined || rowFilter !== undefined;
    const check: ConflictCheck = this.check({
      isolationLevel: level,
      failOnNewData: level === 'serializable',
      failOnNewDeleteFiles: scoped,
      failOnRemovedData: scoped,
      requiredFiles: [...this.dataToRemove.paths],
      noNewDeletesFor: outcome.removed.map((e) => e.dataFile).filter((f) => f.content === FileContent.DATA),
      missingFiles: outcome.missing,
      partiallyMatchingFiles: outcome.partial,
    });
    if (filter !== undefined) check.filter = filter;
    return [check];
  }
}
