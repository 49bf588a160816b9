/**
 * The commit driver: the one loop that turns a staged change into a new table version by
 * optimistic concurrency, for every catalog (see docs/commit-protocol.md).
 *
 * Per attempt: refresh the base; stop if this commit (its commit id) or its idempotency key is
 * already in the table; stage the change against the base; evaluate its conflict checks against
 * what others committed since it started; check its requirements; apply its updates; publish with
 * the catalog's compare-and-swap. Only "another writer won" and retryable storage failures are
 * retried, with exponential backoff and jitter from the table's `commit.retry.*` properties.
 *
 * Files written for the commit are deleted only when the commit certainly did not land: after a
 * success, those of the other attempts; after a definite failure, all. When any attempt's outcome
 * stayed unknown, nothing is deleted, and a final failure is COMMIT_STATE_UNKNOWN.
 */
import { LakeError, isLakeError } from '../src/errors.js';
import type { CommitRetrySettings } from '../src/spec/properties.js';
import { checkRequirements } from '../src/spec/requirements.js';
import type { Snapshot } from '../src/spec/snapshot.js';
import { applyUpdates } from '../src/spec/updates.js';
import { newCommitId, snapshotWithIdempotencyKey, snapshotsWithCommitId } from '../src/write/commit-id.js';
import type { CommitResult, PendingUpdate, StageContext } from '../src/write/staged-change.js';
import { validateConflicts } from './conflict-validation.js';
import { retryDelayMs, retrySettings } from './retry-policy.js';
import type { TableOperations, TableState } from './table-operations.js';

export interface CommitDriverOptions {
  idempotencyKey?: string;
  /** Overrides of the table's `commit.retry.*` settings. */
  retry?: Partial<CommitRetrySettings>;
  /** Clock, sleep and randomness, replaceable in tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told about every attempt that failed and will be retried. */
  onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  attempt: number;
  error: LakeError;
  delayMs: number;
}

/** Retries after this many lost races claim priority (see `TableOperations.priority`). */
const PRIORITY_AFTER_RETRIES = 2;
/** Pause between looks at another writer's priority claim. */
const PRIORITY_POLL_MS = 20;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Failure = 'lost-race' | 'uncertain' | 'transient' | 'fatal';

function classify(e: unknown, duringPublish: boolean): Failure {
  if (!(e instanceof LakeError)) return 'fatal';
  if (e.code === 'COMMIT_CONFLICT' && e.retryable) return 'lost-race';
  if (e.code === 'OUTCOME_UNKNOWN' && duringPublish) return 'uncertain';
  // A lost answer to a write that is not the commit point only leaves a stray file of ours.
  if (e.code === 'OUTCOME_UNKNOWN' || (e.code === 'STORAGE_ERROR' && e.retryable)) return 'transient';
  return 'fatal';
}

export async function commitUpdate(ops: TableOperations, update: PendingUpdate, options: CommitDriverOptions = {}): Promise<CommitResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const commitId = newCommitId();
  const started = now();
  const ctx = (attempt: number): StageContext => {
    const c: StageContext = { io: ops.io, attempt, commitId, nowMs: now() };
    if (options.idempotencyKey !== undefined) c.idempotencyKey = options.idempotencyKey;
    return c;
  };

  let state = ops.current() ?? (await ops.refresh());
  const settings = retrySettings(state.metadata.properties, options.retry);
  const attemptFiles: string[][] = [];
  let uncertain = false;
  let attempt = 0;
  let retries = 0;
  let holdsPriority = false;

  const cleanup = async (keep: ReadonlySet<string>): Promise<void> => {
    const doomed = update.writtenFiles().filter((f) => !keep.has(f));
    if (doomed.length > 0) await ops.io.deleteMany(doomed).catch(() => undefined);
  };

  /** The result once the commit is in `landed`; deletes files of attempts that did not land. */
  const finish = async (landed: TableState, already: boolean): Promise<CommitResult> => {
    const ours = snapshotsWithCommitId(landed.metadata, commitId);
    const snapshot = pickSnapshot(landed, ours, update.targetBranch);
    const lists = new Set(ours.map((s) => s.manifestList).filter((l): l is string => l !== undefined));
    const winner = attemptFiles.find((files) => files.some((f) => lists.has(f)));
    if (winner !== undefined || ours.length === 0) await cleanup(new Set(winner ?? attemptFiles[attemptFiles.length - 1] ?? []));
    const result: CommitResult = { metadata: landed.metadata, metadataLocation: landed.metadataLocation, attempts: attempt, alreadyCommitted: already };
    if (snapshot !== undefined) result.snapshot = snapshot;
    return result;
  };

  try {
    try {
      await update.prepare?.(state.metadata, ctx(0));
    } catch (e) {
      if (classify(e, false) === 'fatal') throw e;
      // A transient failure while preparing: staging prepares again.
    }
    for (;;) {
      attempt++;
      let publishing = false;
      try {
        const previous = state;
        state = await ops.refresh();
        if (ops.priority !== undefined) {
          if (retries >= PRIORITY_AFTER_RETRIES && !holdsPriority) holdsPriority = await ops.priority.claim(commitId);
          // Someone else committed meanwhile: the table is busy, so defer to a writer that claimed priority.
          if (!holdsPriority && (retries > 0 || state.version !== previous.version)) {
            let paused = false;
            while (await ops.priority.heldByOther(commitId)) {
              paused = true;
              if (now() - started > settings.totalTimeoutMs) break;
              await sleep(PRIORITY_POLL_MS * (0.5 + random()));
            }
            if (paused) state = await ops.refresh();
          }
        }

        if (snapshotsWithCommitId(state.metadata, commitId).length > 0) return await finish(state, true);
        if (options.idempotencyKey !== undefined && update.targetBranch !== undefined) {
          const existing = snapshotWithIdempotencyKey(state.metadata, update.targetBranch, options.idempotencyKey);
          if (existing !== undefined) {
            if (!uncertain) await cleanup(new Set());
            return { metadata: state.metadata, metadataLocation: state.metadataLocation, snapshot: existing, attempts: attempt, alreadyCommitted: true };
          }
        }

        const c = ctx(attempt);
        const staged = await update.stage(state.metadata, c);
        attemptFiles.push(staged.files);
        for (const check of staged.conflictChecks) await validateConflicts(ops.io, state.metadata, check);
        checkRequirements(state.metadata, staged.requirements);
        const updated = applyUpdates(state.metadata, staged.updates, { nowMs: c.nowMs });
        if (updated === state.metadata) {
          // Nothing changes (e.g. a property set to the value it has): no new version.
          if (!uncertain) await cleanup(new Set());
          return { metadata: state.metadata, metadataLocation: state.metadataLocation, attempts: attempt, alreadyCommitted: false };
        }
        publishing = true;
        const landed = await ops.commit(state, updated, { commitId });
        return await finish(landed, false);
      } catch (e) {
        const failure = classify(e, publishing);
        if (failure === 'fatal') throw e;
        if (failure === 'uncertain') uncertain = true;
        retries++;
        const delay = holdsPriority ? 0 : retryDelayMs(settings, retries, random);
        if (retries > settings.numRetries || now() - started + delay > settings.totalTimeoutMs) {
          const err = e as LakeError;
          throw new LakeError(err.code, `${err.message} (gave up after ${attempt} attempts)`, {
            cause: err,
            retryable: err.retryable,
            context: { ...err.context, attempts: attempt, table: ops.name },
          });
        }
        options.onRetry?.({ attempt, error: e as LakeError, delayMs: delay });
        if (delay > 0) await sleep(delay);
      }
    }
  } catch (e) {
    if (uncertain || isLakeError(e, 'COMMIT_STATE_UNKNOWN')) {
      // Some attempt may still land: every file stays, and the caller must not assume failure.
      if (isLakeError(e, 'COMMIT_STATE_UNKNOWN')) throw e;
      throw new LakeError(
        'COMMIT_STATE_UNKNOWN',
        `commit to ${ops.name} may or may not have landed: an attempt's metadata write ended without an answer and the commit then failed (${(e as Error).message}); its files were kept`,
        { cause: e, context: { table: ops.name, commitId } },
      );
    }
    await cleanup(new Set());
    throw e;
  } finally {
    if (holdsPriority) await ops.priority!.release(commitId).catch(() => undefined);
  }
}

/** The snapshot a commit result reports: this commit's snapshot at the head of its branch, else its last one. */
function pickSnapshot(state: TableState, ours: Snapshot[], branch: string | undefined): Snapshot | undefined {
  if (branch !== undefined) {
    const head = state.metadata.refs.get(branch)?.snapshotId;
    const atHead = ours.find((s) => s.snapshotId === head);
    if (atHead !== undefined) return atHead;
  }
  return ours[ours.length - 1];
}
