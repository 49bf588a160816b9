/**
 * Commit identity recorded in snapshot summaries.
 *
 * Every commit embeds a random `lake.commit-id` in the summaries of the snapshots it adds. When a
 * metadata write ends without an answer, the catalog reads the version back and looks for this id;
 * every attempt also checks the table for it first, so a write that landed late is never applied a
 * second time. A caller may add `lake.idempotency-key`: a commit whose key is already in the target
 * branch's ancestry returns that snapshot instead of committing again (safe re-runs of a job).
 */
import { randomUUID } from 'node:crypto';
import { ancestorsOf, type Snapshot } from '../spec/snapshot.js';
import type { TableMetadata } from '../spec/table-metadata.js';

export const COMMIT_ID_PROPERTY = 'lake.commit-id';
export const IDEMPOTENCY_KEY_PROPERTY = 'lake.idempotency-key';

export function newCommitId(): string {
  return randomUUID();
}

/** Snapshots of the table (any branch) that carry this commit id, oldest first. */
export function snapshotsWithCommitId(metadata: TableMetadata, commitId: string): Snapshot[] {
  return metadata.snapshots.filter((s) => s.summary?.[COMMIT_ID_PROPERTY] === commitId);
}

/**
 * The newest snapshot in the ancestry of `branch` whose summary carries the idempotency key, or
 * undefined. A branch that does not exist yet would fork from main's head: that ancestry counts.
 */
export function snapshotWithIdempotencyKey(metadata: TableMetadata, branch: string, key: string): Snapshot | undefined {
  const head = metadata.refs.get(branch)?.snapshotId ?? metadata.currentSnapshotId;
  if (head === undefined) return undefined;
  return ancestorsOf(metadata, head).find((s) => s.summary?.[IDEMPOTENCY_KEY_PROPERTY] === key);
}
