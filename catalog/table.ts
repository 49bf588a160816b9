/**
 * A table: its current metadata, and the operations that change it. Operations stage changes
 * (src/write); `commit()` on an operation hands it to this table, whose catalog commits it with the
 * shared commit driver. Operations take `DataFile`s, so data-level APIs (append an Arrow table,
 * overwrite where, scan) are built on top by writing files first and committing them here.
 */
import { LakeError } from '../src/errors.js';
import type { PartitionSpec } from '../src/spec/partition-spec.js';
import type { Schema } from '../src/spec/schema.js';
import type { Snapshot } from '../src/spec/snapshot.js';
import { type TableMetadata, currentSchema, currentSnapshot, defaultSpec, snapshotById } from '../src/spec/table-metadata.js';
import type { TableUpdate } from '../src/spec/updates.js';
import type { Storage } from '../src/storage/storage.js';
import { AppendFiles } from '../src/write/append-files.js';
import { DeleteFiles } from '../src/write/delete-files.js';
import { ManageSnapshots, type RefRetention } from '../src/write/manage-snapshots.js';
import { MetadataUpdate } from '../src/write/metadata-update.js';
import { OverwriteFiles } from '../src/write/overwrite-files.js';
import { ReplacePartitions } from '../src/write/replace-partitions.js';
import { RewriteFiles } from '../src/write/rewrite-files.js';
import { RowDelta } from '../src/write/row-delta.js';
import type { CommitOptions, CommitResult, Committer, PendingUpdate, TableHandle } from '../src/write/staged-change.js';
import { Transaction } from '../src/write/transaction.js';
import { UpdateProperties } from '../src/write/update-properties.js';
import { type CommitDriverOptions, commitUpdate } from './commit.js';
import type { TableIdentifier } from './identifier.js';
import type { TableOperations, TableState } from './table-operations.js';
import type { ArrowInput } from '../src/write/data-writer.js';
import {
  type AddFilesOptions,
  type CommitFilesOptions,
  type OverwriteOptions,
  type ScanOptions,
  TableScan,
  type WriteOptions,
  type WriteResult,
  addExistingFiles,
  appendArrow,
  commitFiles,
  overwriteArrow,
} from './table-writes.js';

export interface TableOptions {
  identifier?: TableIdentifier;
  /** A table opened from a location without a catalog cannot commit. */
  readOnly?: boolean;
  /** Defaults for every commit of this table (retry overrides, clock; mostly for tests). */
  commitOptions?: Omit<CommitDriverOptions, 'idempotencyKey'>;
}

export class Table implements Committer {
  readonly identifier: TableIdentifier | undefined;
  readonly readOnly: boolean;
  private state: TableState;
  private readonly commitOptions: Omit<CommitDriverOptions, 'idempotencyKey'>;

  constructor(
    /** `ns.table`, or the location of a table opened without a catalog. */
    readonly name: string,
    readonly operations: TableOperations,
    state: TableState,
    options: TableOptions = {},
  ) {
    this.state = state;
    this.identifier = options.identifier;
    this.readOnly = options.readOnly ?? false;
    this.commitOptions = options.commitOptions ?? {};
  }

  get metadata(): TableMetadata {
    return this.state.metadata;
  }

  get metadataLocation(): string {
    return this.state.metadataLocation;
  }

  get io(): Storage {
    return this.operations.io;
  }

  get location(): string {
    return this.state.metadata.location;
  }

  get properties(): Readonly<Record<string, string>> {
    return this.state.metadata.properties;
  }

  schema(): Schema {
    return currentSchema(this.metadata);
  }

  spec(): PartitionSpec {
    return defaultSpec(this.metadata);
  }

  currentSnapshot(): Snapshot | undefined {
    return currentSnapshot(this.metadata);
  }

  snapshot(snapshotId: bigint): Snapshot | undefined {
    return snapshotById(this.metadata, snapshotId);
  }

  /** Loads the newest metadata. */
  async refresh(): Promise<this> {
    this.state = await this.operations.refresh();
    return this;
  }

  /** Commits an operation created from this table (operations call this from their `commit()`). */
  async commit(update: PendingUpdate, options: CommitOptions = {}): Promise<CommitResult> {
    if (this.readOnly) {
      throw new LakeError('UNSUPPORTED_FEATURE', `${this.name} was opened from a location without a catalog and is read-only`, { context: { table: this.name } });
    }
    const driver: CommitDriverOptions = { ...this.commitOptions };
    if (options.idempotencyKey !== undefined) driver.idempotencyKey = options.idempotencyKey;
    const result = await commitUpdate(this.operations, update, driver);
    this.state = this.operations.current() ?? this.state;
    return result;
  }

  private handle(): TableHandle {
    return { metadata: this.metadata, io: this.io, committer: this };
  }

  newAppend(): AppendFiles {
    return new AppendFiles(this.handle());
  }

  newOverwrite(): OverwriteFiles {
    return new OverwriteFiles(this.handle());
  }

  newReplacePartitions(): ReplacePartitions {
    return new ReplacePartitions(this.handle());
  }

  newRewrite(): RewriteFiles {
    return new RewriteFiles(this.handle());
  }

  newDelete(): DeleteFiles {
    return new DeleteFiles(this.handle());
  }

  newRowDelta(): RowDelta {
    return new RowDelta(this.handle());
  }

  newTransaction(): Transaction {
    return new Transaction(this.handle());
  }

  updateProperties(): UpdateProperties {
    return new UpdateProperties(this.handle());
  }

  manageSnapshots(): ManageSnapshots {
    return new ManageSnapshots(this.handle());
  }

  /** Raw metadata updates, with requirements derived from this table's current metadata. */
  updateMetadata(updates: readonly TableUpdate[], operationName?: string): MetadataUpdate {
    return MetadataUpdate.derived(this.handle(), updates, operationName);
  }

  setProperties(properties: Record<string, string>): Promise<CommitResult> {
    return this.updateProperties().setAll(properties).commit();
  }

  removeProperties(keys: Iterable<string>): Promise<CommitResult> {
    const op = this.updateProperties();
    for (const k of keys) op.remove(k);
    return op.commit();
  }

  createBranch(name: string, snapshotId?: bigint, retention?: RefRetention): Promise<CommitResult> {
    return this.manageSnapshots().createBranch(name, snapshotId, retention).commit();
  }

  createTag(name: string, snapshotId?: bigint, retention?: Pick<RefRetention, 'maxRefAgeMs'>): Promise<CommitResult> {
    return this.manageSnapshots().createTag(name, snapshotId, retention).commit();
  }

  replaceBranch(name: string, snapshotId: bigint): Promise<CommitResult> {
    return this.manageSnapshots().replaceBranch(name, snapshotId).commit();
  }

  replaceTag(name: string, snapshotId: bigint): Promise<CommitResult> {
    return this.manageSnapshots().replaceTag(name, snapshotId).commit();
  }

  dropBranch(name: string): Promise<CommitResult> {
    return this.manageSnapshots().removeBranch(name).commit();
  }

  dropTag(name: string): Promise<CommitResult> {
    return this.manageSnapshots().removeTag(name).commit();
  }

  fastForward(branch: string, to: string): Promise<CommitResult> {
    return this.manageSnapshots().fastForward(branch, to).commit();
  }

  /** Rolls main back to an ancestor of its current snapshot. */
  rollbackTo(snapshotId: bigint): Promise<CommitResult> {
    return this.manageSnapshots().rollbackTo(snapshotId).commit();
  }

  /** Rolls main back to the snapshot that was current at `timestampMs`. */
  rollbackToTime(timestampMs: number): Promise<CommitResult> {
    return this.manageSnapshots().rollbackToTime(timestampMs).commit();
  }

  setCurrentSnapshot(snapshotId: bigint): Promise<CommitResult> {
    return this.manageSnapshots().setCurrentSnapshot(snapshotId).commit();
  }

  // ---- data-level operations (catalog/table-writes.ts) ----

  /** Appends Arrow data as one `append` snapshot. */
  append(input: ArrowInput, options?: WriteOptions): Promise<WriteResult> {
    return appendArrow(this, input, options);
  }

  /** Replaces the rows matching `where` (or, without it, the partitions the data touches) with Arrow data, in one snapshot. */
  overwrite(input: ArrowInput, options?: OverwriteOptions): Promise<WriteResult> {
    return overwriteArrow(this, input, options);
  }

  /** Adds existing Parquet files without rewriting them. */
  addFiles(files: readonly string[], options?: AddFilesOptions): Promise<WriteResult> {
    return addExistingFiles(this, files, options);
  }

  /** Commits CSV, NDJSON or Parquet input files as one snapshot (what `lake commit` does). */
  commitFiles(files: readonly string[], options?: CommitFilesOptions): Promise<WriteResult> {
    return commitFiles(this, files, options);
  }

  /** A scan of the current snapshot, or of the one chosen by `snapshotId`, `asOf` or `ref`. */
  scan(options?: ScanOptions): TableScan {
    return new TableScan(this, options);
  }
}
