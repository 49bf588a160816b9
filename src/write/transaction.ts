/**
 * Several operations committed as ONE new metadata file (e.g. a schema change and an append).
 *
 * Operations are created from the transaction (`newAppend()`, ...) or added with `add()`; they are
 * built against the table as it was when the transaction began and staged in that order on every
 * attempt: each against the metadata the previous ones produce, each one's requirements checked
 * there. The combined change carries every operation's conflict checks (evaluated against what
 * others committed since the transaction began) and the requirements of all updates against the
 * base. Operations of a transaction are not committed on their own.
 */
import { LakeError } from '../errors.js';
import { checkRequirements } from '../spec/requirements.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import { applyUpdates, type TableUpdate } from '../spec/updates.js';
import { AppendFiles } from './append-files.js';
import { DeleteFiles } from './delete-files.js';
import { ManageSnapshots } from './manage-snapshots.js';
import { MetadataUpdate } from './metadata-update.js';
import { OverwriteFiles } from './overwrite-files.js';
import { ReplacePartitions } from './replace-partitions.js';
import { requirementsFor } from './requirements-for.js';
import { RewriteFiles } from './rewrite-files.js';
import { RowDelta } from './row-delta.js';
import type { CommitResult, ConflictCheck, PendingUpdate, StageContext, StagedChange, TableHandle } from './staged-change.js';
import { UpdateProperties } from './update-properties.js';

export class Transaction implements PendingUpdate {
  readonly operationName = 'transaction';
  private readonly ops: PendingUpdate[] = [];
  private key: string | undefined;
  /** The handle operations of this transaction are built with: their commit() is refused. */
  readonly handle: TableHandle;

  constructor(private readonly table: TableHandle) {
    this.handle = {
      metadata: table.metadata,
      io: table.io,
      committer: {
        commit: (update) =>
          Promise.reject(
            new LakeError('INVALID_INPUT', `the ${update.operationName} operation is part of a transaction: commit the transaction instead`),
          ),
      },
    };
  }

  get targetBranch(): string | undefined {
    return this.ops.find((o) => o.targetBranch !== undefined)?.targetBranch;
  }

  /** Adds an operation built with `handle` (e.g. a schema update); operations run in the order added. */
  add<T extends PendingUpdate>(op: T): T {
    this.ops.push(op);
    return op;
  }

  newAppend(): AppendFiles {
    return this.add(new AppendFiles(this.handle));
  }

  newOverwrite(): OverwriteFiles {
    return this.add(new OverwriteFiles(this.handle));
  }

  newReplacePartitions(): ReplacePartitions {
    return this.add(new ReplacePartitions(this.handle));
  }

  newRewrite(): RewriteFiles {
    return this.add(new RewriteFiles(this.handle));
  }

  newDelete(): DeleteFiles {
    return this.add(new DeleteFiles(this.handle));
  }

  newRowDelta(): RowDelta {
    return this.add(new RowDelta(this.handle));
  }

  updateProperties(): UpdateProperties {
    return this.add(new UpdateProperties(this.handle));
  }

  manageSnapshots(): ManageSnapshots {
    return this.add(new ManageSnapshots(this.handle));
  }

  /** Metadata updates with requirements derived from the transaction's starting metadata. */
  updateMetadata(updates: readonly TableUpdate[], operationName?: string): MetadataUpdate {
    return this.add(MetadataUpdate.derived(this.handle, updates, operationName));
  }

  idempotencyKey(key: string): this {
    if (typeof key !== 'string' || key === '') throw new LakeError('INVALID_INPUT', 'idempotency key must be a non-empty string');
    this.key = key;
    return this;
  }

  commit(): Promise<CommitResult> {
    return this.table.committer.commit(this, this.key === undefined ? {} : { idempotencyKey: this.key });
  }

  writtenFiles(): string[] {
    return this.ops.flatMap((o) => o.writtenFiles());
  }

  async prepare(metadata: TableMetadata, ctx: StageContext): Promise<void> {
    // Best effort: an operation that needs an earlier one's changes (a new spec) prepares while staging.
    await Promise.all(this.ops.map((o) => o.prepare?.(metadata, ctx).catch(() => undefined)));
  }

  async stage(base: TableMetadata, ctx: StageContext): Promise<StagedChange> {
    let m = base;
    const updates: TableUpdate[] = [];
    const files: string[] = [];
    const conflictChecks: ConflictCheck[] = [];
    let commitId: string | undefined;
    for (const op of this.ops) {
      const staged = await op.stage(m, ctx);
      checkRequirements(m, staged.requirements);
      m = applyUpdates(m, staged.updates, { nowMs: ctx.nowMs });
      updates.push(...staged.updates);
      files.push(...staged.files);
      conflictChecks.push(...staged.conflictChecks);
      commitId ??= staged.commitId;
    }
    const out: StagedChange = { updates, requirements: requirementsFor(base, updates), files, conflictChecks };
    if (commitId !== undefined) out.commitId = commitId;
    return out;
  }
}
