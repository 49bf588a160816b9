/**
 * The low-level layer each catalog implements for one table (as the reference implementation's
 * TableOperations): load the current metadata and its location, and publish new metadata with
 * compare-and-swap semantics. Everything above it (the commit driver, conflict validation, the
 * Table API) is shared, so SQL and REST catalogs plug in by implementing this interface.
 */
import type { TableMetadata } from '../src/spec/table-metadata.js';
import type { Storage } from '../src/storage/storage.js';

/** A version of a table's metadata as the catalog knows it. */
export interface TableState {
  metadata: TableMetadata;
  metadataLocation: string;
  /** Catalog-specific version token (the object-store catalog: N of `v<N>.metadata.json`). */
  version: number;
}

export interface CommitAttemptOptions {
  /** The commit id embedded in the change's snapshot summaries, to recognise it on read-back. */
  commitId?: string;
}

export interface TableOperations {
  /** Storage for the table's files (manifests, manifest lists, data). */
  readonly io: Storage;
  /** The table's name for messages (`ns.table` or a location). */
  readonly name: string;
  /** The last state loaded or committed by this object, if any. */
  current(): TableState | undefined;
  /** Loads the newest version. Throws TABLE_NOT_FOUND when the table does not exist (any more). */
  refresh(): Promise<TableState>;
  /**
   * Publishes `updated` as the version after `base`, only if `base` is still current. The catalog
   * adds `base` to `metadata-log`. Outcomes:
   * - resolves with the new state: the commit landed (also when a lost response was resolved by
   *   reading the version back);
   * - COMMIT_CONFLICT, `retryable: true`: another writer published first; nothing of this attempt
   *   landed;
   * - OUTCOME_UNKNOWN, `retryable: true`: the write's answer was lost and the version was still
   *   absent when read back; it may yet appear, so the attempt's files must be kept;
   * - COMMIT_STATE_UNKNOWN: it could not be determined whether the commit landed;
   * - other errors: the commit did not land.
   */
  commit(base: TableState, updated: TableMetadata, options?: CommitAttemptOptions): Promise<TableState>;
  /**
   * Optional fairness hint for contended tables (see docs/commit-protocol.md): a writer that lost
   * several races claims priority; others pause before new attempts while a live claim exists.
   */
  priority?: CommitPriority;
}

export interface CommitPriority {
  /** Tries to take the claim; false when another writer holds a live one. */
  claim(commitId: string): Promise<boolean>;
  /** True when another writer holds a live claim (`nowMs`: the caller's clock, for the lease). */
  heldByOther(commitId: string, nowMs: number): Promise<boolean>;
  release(commitId: string): Promise<void>;
}
