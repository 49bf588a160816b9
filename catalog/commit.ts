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
import type { CommitPriority, TableOperations, TableState } from './table-operations.js';

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
  /** Take part in the priority claims of busy tables (default true; see `TableOperations.priority`). */
  fairness?: boolean;
}

export interface RetryInfo {
  attempt: number;
  error: LakeError;
  delayMs: number;
}

/** A writer that lost this many races claims priority (see `TableOperations.priority`). */
const PRIORITY_AFTER_RETRIES = 1;
/** Pause between looks at another writer's priority claim. */
const PRIORITY_POLL_MS = 20;
/** Longest pause between looks at a claim. */
const MAX_POLL_MS = 250;
/** Typical duration of a publishing attempt per table in this process (moving average). */
const attemptTimes = new WeakMap<TableOperations, number>();
/** Longest wait of a new priority holder for attempts begun before its claim. */
const MAX_SETTLE_MS = 2_000;

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
  let attemptStart = 0;

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
        // The look at a priority claim runs alongside the refresh, so it adds no latency.
        const refreshing = ops.refresh();
        const turning: Promise<Turn> =
          ops.priority === undefined || options.fairness === false
            ? Promise.resolve({ holdsPriority: false, waited: false })
            : awaitTurn(ops.priority, {
                commitId,
                wantsPriority: retries >= PRIORITY_AFTER_RETRIES,
                holdsPriority,
                settleMs: attemptTimes.get(ops) ?? PRIORITY_POLL_MS,
                deadline: started + settings.totalTimeoutMs,
                sleep,
                random,
                now,
              });
        // Settle both, so a claim taken while the refresh failed is still known (and released).
        const [fresh, turn] = await Promise.allSettled([refreshing, turning]);
        if (turn.status === 'rejected') throw turn.reason;
        holdsPriority = turn.value.holdsPriority;
        if (fresh.status === 'rejected') throw fresh.reason;
        state = turn.value.waited ? await ops.refresh() : fresh.value;

        if (snapshotsWithCommitId(state.metadata, commitId).length > 0) return await finish(state, true);
        if (options.idempotencyKey !== undefined && update.targetBranch !== undefined) {
          const existing = snapshotWithIdempotencyKey(state.metadata, update.targetBranch, options.idempotencyKey);
          if (existing !== undefined) {
            if (!uncertain) await cleanup(new Set());
            return { metadata: state.metadata, metadataLocation: state.metadataLocation, snapshot: existing, attempts: attempt, alreadyCommitted: true };
          }
        }

        const c = ctx(attempt);
        attemptStart = now();
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
        recordAttemptTime(ops, now() - attemptStart);
        return await finish(landed, false);
      } catch (e) {
        const failure = classify(e, publishing);
        if (failure === 'fatal') throw e;
        if (publishing) recordAttemptTime(ops, now() - attemptStart);
        if (failure === 'uncertain') uncertain = true;
        retries++;
        // A priority holder has no crowd to spread out from (the others pause): it waits like a first retry.
        const delay = retryDelayMs(settings, holdsPriority ? 1 : retries, random);
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

interface Turn {
  holdsPriority: boolean;
  waited: boolean;
}

interface TurnOptions {
  commitId: string;
  wantsPriority: boolean;
  holdsPriority: boolean;
  /** How long this writer's last attempt took. */
  settleMs: number;
  deadline: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/**
 * Fairness on busy tables (see `TableOperations.priority`): a writer that lost a race claims
 * priority, and once it holds the claim waits about one attempt's time so that attempts begun
 * before the claim settle; every other writer pauses while a claim is live. Returns whether this
 * writer holds the claim and whether it waited (then the base must be refreshed).
 */
async function awaitTurn(priority: CommitPriority, o: TurnOptions): Promise<Turn> {
  let holds = o.holdsPriority;
  let claimedNow = false;
  const tryClaim = async (): Promise<void> => {
    if (o.wantsPriority && !holds) claimedNow = holds = await priority.claim(o.commitId);
  };
  await tryClaim();
  let waited = false;
  let unclaimable = 0;
  while (!holds && o.now() < o.deadline) {
    if (!(await priority.heldByOther(o.commitId, o.now()))) {
      // No live claim: go, or take the claim first. Losing that race means another writer has it now.
      await tryClaim();
      if (holds || !o.wantsPriority || ++unclaimable >= 3) break;
      continue;
    }
    waited = true;
    // Look about twice per attempt of a writer here: often enough to go soon, rarely enough not to load the store.
    await o.sleep(Math.min(MAX_POLL_MS, Math.max(PRIORITY_POLL_MS, o.settleMs / 2)) * (0.5 + o.random()));
    await tryClaim();
  }
  if (claimedNow) {
    waited = true;
    await o.sleep(Math.min(MAX_SETTLE_MS, Math.max(PRIORITY_POLL_MS, o.settleMs)));
  }
  return { holdsPriority: holds, waited };
}

function recordAttemptTime(ops: TableOperations, ms: number): void {
  const prev = attemptTimes.get(ops);
  attemptTimes.set(ops, prev === undefined ? ms : prev * 0.7 + ms * 0.3);
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
