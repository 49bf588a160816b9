/**
 * Dynamic partition overwrite (the reference implementation's BaseReplacePartitions): the added
 * files replace every file in the partitions they belong to (all files when the spec is
 * unpartitioned), as one `overwrite` snapshot.
 *
 * Validation (isolation level from `isolationLevel`, else `write.update.isolation-level` or the
 * property chosen with `isolationFor`): serializable fails when a concurrent commit added data to
 * a replaced partition; both levels fail when a concurrent commit added delete files to, or
 * removed data files from, a replaced partition.
 */
import type { DataFile } from '../spec/data-file.js';
import { isUnpartitioned, partitionKey } from '../spec/partition-spec.js';
import { isolationLevel as isolationProperty } from '../spec/properties.js';
import type { SnapshotOperation } from '../spec/snapshot.js';
import { specById } from '../spec/table-metadata.js';
import { type RemovalOutcome, MergingSnapshotProducer } from './merging-snapshot-producer.js';
import type { ConflictCheck, PartitionRef } from './staged-change.js';

export class ReplacePartitions extends MergingSnapshotProducer {
  readonly operationName = 'replace-partitions';

  addFile(file: DataFile): this {
    this.newData.add(file);
    const spec = specById(this.table.metadata, file.specId);
    const sel = [this.dataToRemove, this.deletesToRemove];
    if (spec === undefined || isUnpartitioned(spec)) {
      for (const s of sel) s.all = true;
    } else {
      for (const s of sel) {
        let keys = s.partitions.get(file.specId);
        if (keys === undefined) {
          keys = new Set();
          s.partitions.set(file.specId, keys);
        }
        keys.add(partitionKey(file.partition));
      }
    }
    return this;
  }

  addFiles(files: Iterable<DataFile>): this {
    for (const f of files) this.addFile(f);
    return this;
  }

  protected operation(): SnapshotOperation {
    return 'overwrite';
  }

  private replacedPartitions(): PartitionRef[] {
    const seen = new Set<string>();
    const refs: PartitionRef[] = [];
    for (const f of this.newData.files) {
      const k = `${f.specId}|${partitionKey(f.partition)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      refs.push({ specId: f.specId, values: f.partition });
    }
    return refs;
  }

  protected conflictChecks(outcome: RemovalOutcome): ConflictCheck[] {
    const level = this.isolation ?? isolationProperty(outcome.base.properties, this.isolationOperation ?? 'update');
    const check: ConflictCheck = this.check({
      isolationLevel: level,
      failOnNewData: level === 'serializable',
      failOnNewDeleteFiles: true,
      failOnRemovedData: true,
    });
    if (!this.dataToRemove.all) check.partitions = this.replacedPartitions();
    return [check];
  }
}
