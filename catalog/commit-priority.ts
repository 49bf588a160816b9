/**
 * An advisory priority claim for contended tables, kept as one small object next to the metadata.
 *
 * Optimistic commits with a bounded retry budget can starve a writer: when many writers commit back
 * to back, the one that lost a race is likely to lose the next one too. A writer that lost two
 * races creates the claim (atomic create, so there is one holder); writers that see a live claim
 * pause before starting new attempts until it is released. The claim only orders attempts: commits
 * stay correct without it (a writer that never sees it still commits by compare-and-swap), and a
 * claim whose holder vanished is broken after a lease measured on the observer's own clock.
 */
import type { ObjectInfo, Storage } from '../src/storage/storage.js';
import type { CommitPriority } from './table-operations.js';

export const PRIORITY_FILE = '.lake-commit-priority';
const DEFAULT_LEASE_MS = 5_000;

function identity(info: ObjectInfo): string {
  return `${info.lastModified?.getTime() ?? ''}|${info.size}|${info.etag ?? ''}`;
}

export class ObjectCommitPriority implements CommitPriority {
  private held: string | undefined;
  /** Claim identity -> when this process first saw it. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly io: Storage,
    private readonly location: string,
    private readonly leaseMs = DEFAULT_LEASE_MS,
  ) {}

  async claim(commitId: string): Promise<boolean> {
    try {
      await this.io.writeIfAbsent(this.location, commitId);
      this.held = commitId;
      return true;
    } catch {
      // Taken by another writer (or the store failed): no priority this time.
      return false;
    }
  }

  async heldByOther(commitId: string, nowMs: number): Promise<boolean> {
    if (this.held === commitId) return false;
    const info = await this.io.head(this.location).catch(() => undefined);
    if (info === undefined) return false;
    const id = identity(info);
    const first = this.seen.get(id) ?? nowMs;
    this.seen.set(id, first);
    if (this.seen.size > 64) this.seen.delete(this.seen.keys().next().value!);
    if (nowMs - first > this.leaseMs) {
      // The holder is gone (crashed, or stuck far longer than a commit takes): break the claim.
      await this.io.delete(this.location).catch(() => undefined);
      return false;
    }
    return true;
  }

  async release(commitId: string): Promise<void> {
    if (this.held !== commitId) return;
    this.held = undefined;
    await this.io.delete(this.location);
  }
}
