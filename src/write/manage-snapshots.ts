/**
 * Branches, tags and rollback (the reference implementation's ManageSnapshots and
 * SetSnapshotOperation). Each change is checked against the table as it is when the commit lands:
 * a rollback target must be an ancestor of main's head then, a fast-forward target must descend
 * from the branch, and a new branch or tag must not exist yet.
 */
import { LakeError } from '../errors.js';
import { MAIN_BRANCH, type SnapshotRef, isAncestorOf, snapshotAsOf } from '../spec/snapshot.js';
import { type TableMetadata, snapshotById } from '../spec/table-metadata.js';
import type { TableUpdate } from '../spec/updates.js';
import { requirementsFor } from './requirements-for.js';
import type { CommitResult, PendingUpdate, StagedChange, TableHandle } from './staged-change.js';

/** Retention settings of a branch or tag. */
export interface RefRetention {
  minSnapshotsToKeep?: number;
  maxSnapshotAgeMs?: bigint;
  maxRefAgeMs?: bigint;
}

type Change = (m: TableMetadata) => TableUpdate[];

function invalid(message: string, context: Record<string, unknown> = {}): never {
  throw new LakeError('INVALID_INPUT', message, { context });
}

function requireSnapshot(m: TableMetadata, id: bigint): void {
  if (snapshotById(m, id) === undefined) throw new LakeError('SNAPSHOT_NOT_FOUND', `snapshot ${id} does not exist`, { context: { snapshotId: id } });
}

function requireRef(m: TableMetadata, name: string, type: SnapshotRef['type']): SnapshotRef {
  const ref = m.refs.get(name);
  if (ref === undefined) throw new LakeError('REF_NOT_FOUND', `${type} ${name} does not exist`, { context: { ref: name } });
  if (ref.type !== type) invalid(`${name} is a ${ref.type}, not a ${type}`, { ref: name });
  return ref;
}

function currentOrFail(m: TableMetadata, what: string): bigint {
  if (m.currentSnapshotId === undefined) throw new LakeError('SNAPSHOT_NOT_FOUND', `cannot ${what}: the table has no current snapshot`);
  return m.currentSnapshotId;
}

function setRef(name: string, ref: SnapshotRef): TableUpdate {
  return { action: 'set-snapshot-ref', refName: name, ...ref };
}

export class ManageSnapshots implements PendingUpdate {
  readonly operationName = 'manage-snapshots';
  readonly targetBranch = undefined;
  private readonly changes: Change[] = [];

  constructor(private readonly table: TableHandle) {}

  /** A new branch at `snapshotId` (default: the current snapshot). */
  createBranch(name: string, snapshotId?: bigint, retention: RefRetention = {}): this {
    this.changes.push((m) => {
      if (m.refs.has(name)) invalid(`ref ${name} already exists`, { ref: name });
      const id = snapshotId ?? currentOrFail(m, `create branch ${name}`);
      requireSnapshot(m, id);
      return [setRef(name, { snapshotId: id, type: 'branch', ...retention })];
    });
    return this;
  }

  /** A new tag at `snapshotId` (default: the current snapshot). */
  createTag(name: string, snapshotId?: bigint, retention: Pick<RefRetention, 'maxRefAgeMs'> = {}): this {
    this.changes.push((m) => {
      if (m.refs.has(name)) invalid(`ref ${name} already exists`, { ref: name });
      const id = snapshotId ?? currentOrFail(m, `create tag ${name}`);
      requireSnapshot(m, id);
      return [setRef(name, { snapshotId: id, type: 'tag', ...retention })];
    });
    return this;
  }

  /** Points an existing branch at another snapshot (any snapshot; see `fastForward` for the checked form). */
  replaceBranch(name: string, snapshotId: bigint): this {
    this.changes.push((m) => {
      const ref = requireRef(m, name, 'branch');
      requireSnapshot(m, snapshotId);
      return [setRef(name, { ...ref, snapshotId })];
    });
    return this;
  }

  replaceTag(name: string, snapshotId: bigint): this {
    this.changes.push((m) => {
      const ref = requireRef(m, name, 'tag');
      requireSnapshot(m, snapshotId);
      return [setRef(name, { ...ref, snapshotId })];
    });
    return this;
  }

  removeBranch(name: string): this {
    this.changes.push((m) => {
      if (name === MAIN_BRANCH) invalid('cannot remove the main branch');
      requireRef(m, name, 'branch');
      return [{ action: 'remove-snapshot-ref', refName: name }];
    });
    return this;
  }

  removeTag(name: string): this {
    this.changes.push((m) => {
      requireRef(m, name, 'tag');
      return [{ action: 'remove-snapshot-ref', refName: name }];
    });
    return this;
  }

  /** Moves `branch` to the head of `to` (a branch or tag), which must descend from it. */
  fastForward(branch: string, to: string): this {
    this.changes.push((m) => {
      const from = requireRef(m, branch, 'branch');
      const target = m.refs.get(to);
      if (target === undefined) throw new LakeError('REF_NOT_FOUND', `ref ${to} does not exist`, { context: { ref: to } });
      if (!isAncestorOf(m, target.snapshotId, from.snapshotId)) {
        invalid(`cannot fast-forward ${branch} to ${to}: snapshot ${from.snapshotId} of ${branch} is not an ancestor of ${to}'s snapshot ${target.snapshotId}`, {
          ref: branch,
        });
      }
      return [setRef(branch, { ...from, snapshotId: target.snapshotId })];
    });
    return this;
  }

  /** Makes `snapshotId` the current snapshot of main; it must be an ancestor of main's head. */
  rollbackTo(snapshotId: bigint): this {
    this.changes.push((m) => {
      requireSnapshot(m, snapshotId);
      const current = currentOrFail(m, 'roll back');
      if (!isAncestorOf(m, current, snapshotId)) {
        invalid(`cannot roll back to snapshot ${snapshotId}: it is not an ancestor of the current snapshot ${current}`, { snapshotId });
      }
      return [setRef(MAIN_BRANCH, { ...m.refs.get(MAIN_BRANCH)!, snapshotId })];
    });
    return this;
  }

  /** Rolls main back to the snapshot that was current at `timestampMs` (from the snapshot log). */
  rollbackToTime(timestampMs: number): this {
    this.changes.push((m) => {
      const target = snapshotAsOf(m, timestampMs).snapshotId;
      const current = currentOrFail(m, 'roll back');
      if (!isAncestorOf(m, current, target)) {
        invalid(`cannot roll back to ${new Date(timestampMs).toISOString()}: snapshot ${target}, current then, is not an ancestor of the current snapshot ${current}`, {
          snapshotId: target,
        });
      }
      return [setRef(MAIN_BRANCH, { ...m.refs.get(MAIN_BRANCH)!, snapshotId: target })];
    });
    return this;
  }

  /** Makes any existing snapshot the current one (also one that is not an ancestor). */
  setCurrentSnapshot(snapshotId: bigint): this {
    this.changes.push((m) => {
      requireSnapshot(m, snapshotId);
      return [setRef(MAIN_BRANCH, { ...(m.refs.get(MAIN_BRANCH) ?? { type: 'branch' as const }), snapshotId })];
    });
    return this;
  }

  commit(): Promise<CommitResult> {
    return this.table.committer.commit(this);
  }

  writtenFiles(): string[] {
    return [];
  }

  async stage(base: TableMetadata): Promise<StagedChange> {
    // Later changes see earlier ones (create a branch, then fast-forward it).
    const updates: TableUpdate[] = [];
    let view = base;
    for (const change of this.changes) {
      const u = change(view);
      updates.push(...u);
      view = preview(view, u);
    }
    return { updates, requirements: requirementsFor(base, updates), files: [], conflictChecks: [] };
  }
}

/** The refs after ref updates (enough for the checks of later changes). */
function preview(m: TableMetadata, updates: readonly TableUpdate[]): TableMetadata {
  const refs = new Map(m.refs);
  let current = m.currentSnapshotId;
  for (const u of updates) {
    if (u.action === 'set-snapshot-ref') {
      const { action: _a, refName, ...ref } = u;
      refs.set(refName, ref);
      if (refName === MAIN_BRANCH) current = ref.snapshotId;
    } else if (u.action === 'remove-snapshot-ref') refs.delete(u.refName);
  }
  const out: TableMetadata = { ...m, refs };
  if (current === undefined) delete out.currentSnapshotId;
  else out.currentSnapshotId = current;
  return out;
}
