/**
 * The contract between operations and catalogs: operations STAGE a change, catalogs COMMIT it.
 *
 * An operation (append, overwrite, schema change, a transaction of several, ...) is a
 * `PendingUpdate`. The catalog's commit driver calls `stage(base)` once per attempt against the
 * freshest table metadata; the operation returns the metadata updates to apply, the requirements
 * that must hold, the files it wrote, and declarative conflict checks that the catalog evaluates
 * against the snapshots committed since the operation started. Operations never commit and never
 * decide whether someone else committed: one place (catalog/commit.ts) does.
 */
import type { UnboundExpression } from '../expressions/index.js';
import type { DataFile } from '../spec/data-file.js';
import type { IsolationLevel } from '../spec/properties.js';
import type { TableRequirement } from '../spec/requirements.js';
import type { Snapshot } from '../spec/snapshot.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { TableUpdate } from '../spec/updates.js';
import type { Storage } from '../storage/storage.js';

/** What an operation may use while staging one attempt. */
export interface StageContext {
  /** Storage of the table's files (manifests, manifest lists). */
  io: Storage;
  /** 1 for the first attempt, then 2, 3, ... (used in manifest-list names). */
  attempt: number;
  /** Random id of this commit, the same for every attempt; embedded in snapshot summaries as `lake.commit-id`. */
  commitId: string;
  /** Caller-chosen key recorded as `lake.idempotency-key` (see the commit protocol docs). */
  idempotencyKey?: string;
  /** Time of the attempt (snapshot timestamps). */
  nowMs: number;
}

/**
 * Which part of the table a conflict check looks at: rows matching a filter (bound against the
 * table's current schema), or whole partitions of a spec. Neither = the whole table.
 */
export interface PartitionRef {
  specId: number;
  /** Partition tuple in lake's value representation. */
  values: unknown[];
}

/**
 * A declarative conflict check: what must not have happened on `branch` since
 * `startingSnapshotId`. The catalog evaluates it against every snapshot committed after the start,
 * as the reference implementation's MergingSnapshotProducer validations do.
 */
export interface ConflictCheck {
  /** Operation name for messages (`overwrite`, `replace-partitions`, `rewrite`, ...). */
  operation: string;
  branch: string;
  /** Head of `branch` when the operation started (undefined: the branch had no snapshot). */
  startingSnapshotId: bigint | undefined;
  isolationLevel?: IsolationLevel;
  /** Restricts the data/delete checks to files that may hold rows matching this filter. */
  filter?: UnboundExpression;
  /** Restricts the data/delete checks to these partitions (replace-partitions). */
  partitions?: PartitionRef[];
  /** Fail when data files were added in scope (serializable isolation). */
  failOnNewData?: boolean;
  /** Fail when delete files that may apply to rows in scope were added. */
  failOnNewDeleteFiles?: boolean;
  /** Fail when data files in scope were removed (deleted, overwritten or compacted away). */
  failOnRemovedData?: boolean;
  /** Files (data or delete) that must not have been removed since the start. */
  requiredFiles?: string[];
  /** Data files that must not have received new delete files since the start. */
  noNewDeletesFor?: DataFile[];
  /** With `noNewDeletesFor`: only position deletes and deletion vectors count (rewrites that keep sequence numbers). */
  ignoreEqualityDeletes?: boolean;
  /** Data files this change adds deletion vectors for: a concurrent deletion vector for one of them conflicts. */
  noNewDeletionVectorsFor?: string[];
  /**
   * Files the operation meant to remove but did not find in the base. If no snapshot since the
   * start removed them, they were never in the table (as of the start): an input error.
   */
  missingFiles?: string[];
  /**
   * Data files that a remove-by-filter found only partly matching (they cannot be dropped whole).
   * Unless a concurrent commit explains them (added since the start), an input error.
   */
  partiallyMatchingFiles?: string[];
}

export interface StagedChange {
  updates: TableUpdate[];
  requirements: TableRequirement[];
  /**
   * Every file written by the operation that this staged change references (new and filtered
   * manifests, the manifest list). Files the operation wrote that are not listed here are deleted
   * once the commit landed with this staged change.
   */
  files: string[];
  conflictChecks: ConflictCheck[];
  /** Set when the change adds snapshots whose summary carries `StageContext.commitId`. */
  commitId?: string;
}

/** An operation that can be committed by a catalog. */
export interface PendingUpdate {
  /** Short name for messages (`append`, `overwrite`, `transaction`, ...). */
  readonly operationName: string;
  /** The branch whose ancestry holds this change's snapshot (idempotency checks); undefined for metadata-only changes. */
  readonly targetBranch: string | undefined;
  /**
   * Writes what does not depend on the base (manifests of new files), once, before the first
   * attempt. Optional: `stage` prepares lazily when this was not called or the base needs it redone.
   */
  prepare?(metadata: TableMetadata, ctx: StageContext): Promise<void>;
  /** Builds the change against `base`, writing only what changes per attempt. */
  stage(base: TableMetadata, ctx: StageContext): Promise<StagedChange>;
  /** Every file this operation has written so far, over all attempts. */
  writtenFiles(): string[];
}

/** Options of one commit. */
export interface CommitOptions {
  idempotencyKey?: string;
}

export interface CommitResult {
  /** Table metadata after the commit (or the current metadata when nothing was committed). */
  metadata: TableMetadata;
  metadataLocation: string;
  /** The last snapshot the commit added to its branch, if any. */
  snapshot?: Snapshot;
  /** Attempts made (1 when the first one landed). */
  attempts: number;
  /**
   * True when nothing new was committed because the change was already in the table: its
   * idempotency key was in the branch's ancestry, or an earlier attempt whose response was lost
   * had landed.
   */
  alreadyCommitted: boolean;
}

/** Commits pending updates (a table, or a transaction collecting operations). */
export interface Committer {
  commit(update: PendingUpdate, options?: CommitOptions): Promise<CommitResult>;
}

/** What an operation needs from the table it was created on. */
export interface TableHandle {
  /** The metadata the operation was created from: its starting point for validation and requirements. */
  metadata: TableMetadata;
  io: Storage;
  committer: Committer;
}
