/**
 * The common part of every operation that adds a snapshot (the reference implementation's
 * SnapshotProducer): per attempt it takes the head of the target branch in the fresh base as the
 * parent, asks the operation for the new snapshot's manifests, writes the manifest list
 * (`snap-<id>-<attempt>-<uuid>.avro`) with the next sequence number, and stages `add-snapshot` +
 * `set-snapshot-ref`. The snapshot id stays the same over attempts (the new manifests record it);
 * the sequence number, parent, timestamp and, in v3, first row id are assigned per attempt.
 */
import { LakeError } from '../errors.js';
import { writeManifestList } from '../manifest/manifest-list.js';
import type { ManifestFile } from '../spec/data-file.js';
import { summaryPartitionLimit } from '../spec/properties.js';
import {
  MAIN_BRANCH,
  type Snapshot,
  type SnapshotOperation,
  buildSnapshotSummary,
  newSnapshotId,
  snapshotForRef,
} from '../spec/snapshot.js';
import { type TableMetadata, currentSnapshot, nextSequenceNumber, snapshotById } from '../spec/table-metadata.js';
import type { TableUpdate } from '../spec/updates.js';
import type { ChangeSummary } from './change-summary.js';
import { COMMIT_ID_PROPERTY, IDEMPOTENCY_KEY_PROPERTY } from './commit-id.js';
import { rememberManifestList } from './manifest-reader.js';
import { ManifestNamer, manifestListLocation } from './metadata-locations.js';
import { requirementsFor } from './requirements-for.js';
import type { CommitResult, ConflictCheck, PendingUpdate, StageContext, StagedChange, TableHandle } from './staged-change.js';

/** What an operation contributes to one attempt. */
export interface ProducedSnapshot {
  manifests: ManifestFile[];
  summary: ChangeSummary;
  conflictChecks: ConflictCheck[];
  /** Files written by the operation that the manifests reference (new and rewritten manifests). */
  files: string[];
}

/**
 * The snapshot a branch's next commit builds on: the branch head, or for a branch that does not
 * exist yet the current snapshot of `main` (the new branch forks from it).
 */
export function branchHead(metadata: TableMetadata, branch: string): Snapshot | undefined {
  const ref = metadata.refs.get(branch);
  if (ref === undefined) return currentSnapshot(metadata);
  if (ref.type !== 'branch') {
    throw new LakeError('INVALID_INPUT', `${branch} is a tag, not a branch: snapshots are committed to branches`, { context: { ref: branch } });
  }
  return snapshotForRef(metadata, branch);
}

const RESERVED_SUMMARY_KEYS = new Set(['operation', COMMIT_ID_PROPERTY, IDEMPOTENCY_KEY_PROPERTY]);

export abstract class SnapshotProducer implements PendingUpdate {
  abstract readonly operationName: string;
  /** Id of the snapshot this operation adds, the same in every attempt. */
  readonly snapshotId: bigint;
  protected branch: string = MAIN_BRANCH;
  protected startingSnapshotId: bigint | undefined;
  private startingExplicit = false;
  protected caseSensitive = true;
  protected readonly namer = new ManifestNamer();
  private readonly written = new Set<string>();
  private readonly extraSummary: Record<string, string> = {};
  private key: string | undefined;

  constructor(protected readonly table: TableHandle) {
    const ids = new Set(table.metadata.snapshots.map((s) => s.snapshotId));
    this.snapshotId = newSnapshotId({ exists: (id) => ids.has(id) });
    this.startingSnapshotId = branchHead(table.metadata, this.branch)?.snapshotId;
  }

  get targetBranch(): string {
    return this.branch;
  }

  /** Commits to `branch` instead of `main` (a branch that does not exist is created from main's head). */
  toBranch(branch: string): this {
    if (typeof branch !== 'string' || branch === '') throw new LakeError('INVALID_INPUT', 'branch name must be a non-empty string');
    this.branch = branch;
    if (!this.startingExplicit) this.startingSnapshotId = branchHead(this.table.metadata, branch)?.snapshotId;
    return this;
  }

  /**
   * Validates concurrent changes from this snapshot on (default: the branch head when the
   * operation was created, which is what the caller read).
   */
  validateFromSnapshot(snapshotId: bigint): this {
    this.startingSnapshotId = snapshotId;
    this.startingExplicit = true;
    return this;
  }

  caseSensitiveMatching(caseSensitive: boolean): this {
    this.caseSensitive = caseSensitive;
    return this;
  }

  /** Adds a custom snapshot summary property. */
  set(key: string, value: string): this {
    if (RESERVED_SUMMARY_KEYS.has(key)) throw new LakeError('INVALID_INPUT', `snapshot summary property ${key} is set by lake`, { context: { key } });
    this.extraSummary[key] = String(value);
    return this;
  }

  /** Records `key` in the summary; a commit whose key is already in the branch's ancestry is not repeated. */
  idempotencyKey(key: string): this {
    if (typeof key !== 'string' || key === '') throw new LakeError('INVALID_INPUT', 'idempotency key must be a non-empty string');
    this.key = key;
    return this;
  }

  commit(): Promise<CommitResult> {
    return this.table.committer.commit(this, this.key === undefined ? {} : { idempotencyKey: this.key });
  }

  writtenFiles(): string[] {
    return [...this.written];
  }

  protected readonly track = (location: string): void => {
    this.written.add(location);
  };

  /** The snapshot operation (`append`, `overwrite`, `replace`, `delete`). */
  protected abstract operation(): SnapshotOperation;

  /** The new snapshot's manifests and what they change, against `base` with `parent` as the branch head. */
  protected abstract produce(base: TableMetadata, parent: Snapshot | undefined, ctx: StageContext): Promise<ProducedSnapshot>;

  /** Hook for checks on the finished summary (a rewrite must not add records). */
  protected checkSummary(_summary: ChangeSummary): void {}

  async stage(base: TableMetadata, ctx: StageContext): Promise<StagedChange> {
    const parent = branchHead(base, this.branch);
    if (snapshotById(base, this.snapshotId) !== undefined) {
      throw new LakeError('INTERNAL', `snapshot id ${this.snapshotId} is already used by the table`, { context: { snapshotId: this.snapshotId } });
    }
    const produced = await this.produce(base, parent, ctx);
    this.checkSummary(produced.summary);
    const sequenceNumber = nextSequenceNumber(base);
    const listLocation = manifestListLocation(base, this.snapshotId, ctx.attempt);
    const list = writeManifestList({
      formatVersion: base.formatVersion,
      snapshotId: this.snapshotId,
      parentSnapshotId: parent?.snapshotId ?? null,
      sequenceNumber,
      ...(base.formatVersion >= 3 ? { firstRowId: base.nextRowId ?? 0n } : {}),
      manifests: produced.manifests,
    });
    this.track(listLocation);
    await ctx.io.write(listLocation, list.bytes);
    rememberManifestList(listLocation, list.manifests);

    const extra: Record<string, string> = { ...this.extraSummary, [COMMIT_ID_PROPERTY]: ctx.commitId };
    const key = ctx.idempotencyKey ?? this.key;
    if (key !== undefined) extra[IDEMPOTENCY_KEY_PROPERTY] = key;
    const summary = buildSnapshotSummary({
      operation: this.operation(),
      counts: produced.summary.totals,
      previous: parent,
      partitions: produced.summary.partitions,
      partitionSummaryLimit: summaryPartitionLimit(base.properties),
      extra,
    });
    const snapshot: Snapshot = {
      snapshotId: this.snapshotId,
      sequenceNumber,
      timestampMs: ctx.nowMs,
      manifestList: listLocation,
      summary,
      schemaId: base.currentSchemaId,
    };
    if (parent !== undefined) snapshot.parentSnapshotId = parent.snapshotId;
    if (base.formatVersion >= 3) {
      snapshot.firstRowId = base.nextRowId ?? 0n;
      snapshot.addedRows = list.nextRowId! - snapshot.firstRowId;
    }
    const existing = base.refs.get(this.branch);
    const updates: TableUpdate[] = [
      { action: 'add-snapshot', snapshot },
      { ...existing, action: 'set-snapshot-ref', refName: this.branch, type: 'branch', snapshotId: this.snapshotId },
    ];
    return {
      updates,
      requirements: requirementsFor(base, updates),
      files: [...produced.files, listLocation],
      conflictChecks: produced.conflictChecks,
      commitId: ctx.commitId,
    };
  }
}
