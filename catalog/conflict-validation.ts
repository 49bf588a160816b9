/**
 * The one place that decides whether what others committed conflicts with a staged change.
 *
 * A `ConflictCheck` (declared by the operation) is evaluated against every snapshot added to its
 * branch after the operation's starting snapshot, oldest first, reading only the manifests those
 * snapshots added, as the reference implementation's MergingSnapshotProducer validations do
 * (validateAddedDataFiles, validateNoNewDeleteFiles, validateDeletedDataFiles,
 * validateDataFilesExist, validateNoNewDeletesForDataFiles, validateAddedDVs). A conflict is a
 * COMMIT_CONFLICT (not retryable) naming the conflicting snapshot and file.
 */
import { LakeError } from '../src/errors.js';
import { sameId } from '../src/manifest/snapshot-id.js';
import { type DataFile, EntryStatus, FileContent, type ManifestEntry, ManifestContent } from '../src/spec/data-file.js';
import { isUnpartitioned, partitionKey } from '../src/spec/partition-spec.js';
import { type Snapshot, type SnapshotOperation, ancestorsBetween, isAncestorOf } from '../src/spec/snapshot.js';
import { type TableMetadata, specById } from '../src/spec/table-metadata.js';
import type { Storage } from '../src/storage/storage.js';
import { expressionToString } from '../src/expressions/index.js';
import { isDeletionVector } from '../src/write/change-summary.js';
import { manifestEntries, snapshotManifests } from '../src/write/manifest-reader.js';
import { RowFilterMatcher } from '../src/write/row-filter-matcher.js';
import { branchHead } from '../src/write/snapshot-producer.js';
import type { ConflictCheck } from '../src/write/staged-change.js';

/** Operations that can add data files, remove files, or add delete files (the reference implementation's sets). */
const ADDS_DATA: ReadonlySet<SnapshotOperation> = new Set(['append', 'overwrite']);
const REMOVES_FILES: ReadonlySet<SnapshotOperation> = new Set(['overwrite', 'replace', 'delete']);
const ADDS_DELETES: ReadonlySet<SnapshotOperation> = new Set(['overwrite', 'delete']);
const ADDS_DVS: ReadonlySet<SnapshotOperation> = new Set(['overwrite', 'delete', 'replace']);

function conflict(check: ConflictCheck, snapshot: Snapshot, what: string, file: string): never {
  const op = snapshot.summary?.operation ?? 'overwrite';
  throw new LakeError(
    'COMMIT_CONFLICT',
    `${check.operation} on branch ${check.branch} conflicts with snapshot ${snapshot.snapshotId} (${op}), committed since snapshot ${
      check.startingSnapshotId ?? '(none)'
    }: it ${what} ${file}`,
    {
      context: {
        conflictingSnapshotId: snapshot.snapshotId,
        conflictingOperation: op,
        file,
        operation: check.operation,
        branch: check.branch,
        startingSnapshotId: check.startingSnapshotId,
      },
    },
  );
}

/** The files in scope of the check: a partition set, a row filter, or the whole table. */
function scopeOf(check: ConflictCheck, metadata: TableMetadata): { test: (f: DataFile) => boolean; text: string } {
  if (check.partitions !== undefined) {
    const keys = new Set(check.partitions.map((p) => `${p.specId}|${partitionKey(p.values)}`));
    return {
      test: (f) => {
        if (keys.has(`${f.specId}|${partitionKey(f.partition)}`)) return true;
        // An equality delete file without partition applies to every partition.
        const spec = specById(metadata, f.specId);
        return f.content === FileContent.EQUALITY_DELETES && spec !== undefined && isUnpartitioned(spec);
      },
      text: `the replaced partitions`,
    };
  }
  if (check.filter !== undefined) {
    const matcher = new RowFilterMatcher(metadata, check.filter);
    return { test: (f) => matcher.mayMatch(f), text: `rows matching ${expressionToString(check.filter)}` };
  }
  return { test: () => true, text: 'the table' };
}

/** Whether a new delete file must be applied to a data file (spec "Scan Planning"). */
function deleteApplies(del: DataFile, data: DataFile, metadata: TableMetadata, ignoreEquality: boolean): boolean {
  if (del.content === FileContent.POSITION_DELETES) {
    if (del.referencedDataFile !== undefined) return del.referencedDataFile === data.filePath;
    return del.specId === data.specId && partitionKey(del.partition) === partitionKey(data.partition);
  }
  if (ignoreEquality) return false;
  const spec = specById(metadata, del.specId);
  if (spec !== undefined && isUnpartitioned(spec)) return true;
  return del.specId === data.specId && partitionKey(del.partition) === partitionKey(data.partition);
}

/**
 * The snapshots committed to the check's branch since its start, oldest first. Throws
 * COMMIT_CONFLICT when the branch no longer descends from the start (rolled back, replaced or the
 * start expired): what happened in between cannot be validated.
 */
export function snapshotsSince(metadata: TableMetadata, check: ConflictCheck): Snapshot[] {
  const head = branchHead(metadata, check.branch);
  if (head === undefined) return [];
  if (check.startingSnapshotId !== undefined && !isAncestorOf(metadata, head.snapshotId, check.startingSnapshotId)) {
    throw new LakeError(
      'COMMIT_CONFLICT',
      `${check.operation} on branch ${check.branch} cannot be validated: the branch head ${head.snapshotId} no longer descends from the starting snapshot ${check.startingSnapshotId} (rolled back, replaced or expired)`,
      { context: { operation: check.operation, branch: check.branch, startingSnapshotId: check.startingSnapshotId, head: head.snapshotId } },
    );
  }
  return ancestorsBetween(metadata, head.snapshotId, check.startingSnapshotId).reverse();
}

export async function validateConflicts(io: Storage, metadata: TableMetadata, check: ConflictCheck): Promise<void> {
  const history = snapshotsSince(metadata, check);
  const required = new Set(check.requiredFiles ?? []);
  const partial = new Set(check.partiallyMatchingFiles ?? []);
  const dvTargets = new Set(check.noNewDeletionVectorsFor ?? []);
  const protectedFiles = check.noNewDeletesFor ?? [];
  const wantsNewDeletes = check.failOnNewDeleteFiles === true || protectedFiles.length > 0 || dvTargets.size > 0;
  const scope = check.failOnNewData || check.failOnRemovedData || check.failOnNewDeleteFiles ? scopeOf(check, metadata) : undefined;

  for (const snapshot of history) {
    const op = snapshot.summary?.operation ?? 'overwrite';
    const readData = (ADDS_DATA.has(op) && (check.failOnNewData || partial.size > 0)) || (REMOVES_FILES.has(op) && (required.size > 0 || check.failOnRemovedData));
    const readDeletes = (ADDS_DELETES.has(op) && wantsNewDeletes) || (ADDS_DVS.has(op) && dvTargets.size > 0) || (REMOVES_FILES.has(op) && required.size > 0);
    if (!readData && !readDeletes) continue;
    const added = (await snapshotManifests(io, snapshot)).filter((m) => sameId(m.addedSnapshotId, snapshot.snapshotId));
    for (const manifest of added) {
      const isData = manifest.content === ManifestContent.DATA;
      if (isData ? !readData : !readDeletes) continue;
      const entries = await manifestEntries(io, manifest, metadata);
      for (const e of entries) {
        if (!sameId(e.snapshotId, snapshot.snapshotId)) continue;
        if (isData) checkDataEntry(check, snapshot, op, e, { required, partial, scope });
        else checkDeleteEntry(check, snapshot, op, e, { required, dvTargets, protectedFiles, scope, metadata });
      }
    }
  }

  // Nothing committed meanwhile explains these: the request itself was wrong.
  const missing = check.missingFiles ?? [];
  if (missing.length > 0) {
    throw new LakeError('INVALID_INPUT', `${check.operation}: ${missing.length === 1 ? 'file' : 'files'} not in the table: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`, {
      context: { operation: check.operation, files: missing },
    });
  }
  if (partial.size > 0) {
    const first = [...partial][0]!;
    throw new LakeError(
      'INVALID_INPUT',
      `${check.operation}: cannot remove ${first}${partial.size > 1 ? ` (and ${partial.size - 1} more)` : ''}: only some of its rows match the filter; such files must be rewritten or get row-level deletes`,
      { context: { operation: check.operation, files: [...partial] } },
    );
  }
}

interface DataState {
  required: Set<string>;
  partial: Set<string>;
  scope: { test: (f: DataFile) => boolean; text: string } | undefined;
}

function checkDataEntry(check: ConflictCheck, snapshot: Snapshot, op: SnapshotOperation, e: ManifestEntry, s: DataState): void {
  const file = e.dataFile;
  if (e.status === EntryStatus.ADDED && ADDS_DATA.has(op)) {
    if (s.partial.has(file.filePath)) conflict(check, snapshot, 'added the partly matching data file', file.filePath);
    if (check.failOnNewData && s.scope!.test(file)) {
      conflict(check, snapshot, `added data that may hold ${s.scope!.text} (isolation ${check.isolationLevel ?? 'serializable'}):`, file.filePath);
    }
  } else if (e.status === EntryStatus.DELETED && REMOVES_FILES.has(op)) {
    if (s.required.has(file.filePath)) conflict(check, snapshot, 'removed a file this change needs:', file.filePath);
    if (check.failOnRemovedData && s.scope!.test(file)) conflict(check, snapshot, `removed data holding ${s.scope!.text}:`, file.filePath);
  }
}

interface DeleteState {
  required: Set<string>;
  dvTargets: Set<string>;
  protectedFiles: DataFile[];
  scope: { test: (f: DataFile) => boolean; text: string } | undefined;
  metadata: TableMetadata;
}

function checkDeleteEntry(check: ConflictCheck, snapshot: Snapshot, op: SnapshotOperation, e: ManifestEntry, s: DeleteState): void {
  const file = e.dataFile;
  if (e.status === EntryStatus.DELETED) {
    if (REMOVES_FILES.has(op) && s.required.has(file.filePath)) conflict(check, snapshot, 'removed a file this change needs:', file.filePath);
    return;
  }
  if (e.status !== EntryStatus.ADDED) return;
  if (ADDS_DVS.has(op) && isDeletionVector(file) && file.referencedDataFile !== undefined && s.dvTargets.has(file.referencedDataFile)) {
    conflict(check, snapshot, `added a deletion vector for ${file.referencedDataFile}:`, file.filePath);
  }
  if (!ADDS_DELETES.has(op)) return;
  if (check.failOnNewDeleteFiles && s.scope!.test(file)) conflict(check, snapshot, `added deletes that may apply to ${s.scope!.text}:`, file.filePath);
  for (const data of s.protectedFiles) {
    if (deleteApplies(file, data, s.metadata, check.ignoreEqualityDeletes === true)) {
      conflict(check, snapshot, `added deletes for ${data.filePath}, which this change removes:`, file.filePath);
    }
  }
}
