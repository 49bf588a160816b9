/**
 * Partition evolution as an operation: collects partition field additions, removals and renames
 * and stages them as `add-spec` + `set-default-spec` (or only `set-default-spec` when an
 * equivalent spec exists) with the requirements `assert-default-spec-id` and
 * `assert-last-assigned-partition-id`. The rules are in `src/spec/partition-spec-update.ts`.
 *
 * Old data keeps the spec it was written with; new writes use the new default spec. If another
 * writer changed the schema or the default spec before this commit landed, the changes are
 * re-applied to the new default spec only when the columns and partition fields they name are
 * still the same (same ids); otherwise the commit fails with COMMIT_CONFLICT.
 */
import { LakeError } from '../errors.js';
import {
  type PartitionSpecChange,
  type PartitionSpecUpdateOptions,
  type PartitionSpecUpdateResult,
  applyPartitionSpecChanges,
  parsePartitionTerm,
  partitionSpecUpdateContext,
} from '../spec/partition-spec-update.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { Transform } from '../spec/transforms.js';
import type { TableUpdate } from '../spec/updates.js';
import { requirementsFor } from './requirements-for.js';
import type { CommitResult, PendingUpdate, StagedChange, TableHandle } from './staged-change.js';
import { checkSameColumns } from './update-schema.js';

export interface PlannedSpecUpdate {
  result: PartitionSpecUpdateResult;
  updates: TableUpdate[];
}

/** The updates that apply `changes` to the table's default spec (pure); none when nothing changes. */
export function planPartitionSpecUpdate(base: TableMetadata, changes: readonly PartitionSpecChange[], options: PartitionSpecUpdateOptions = {}): PlannedSpecUpdate {
  const result = applyPartitionSpecChanges(partitionSpecUpdateContext(base), changes, options);
  if (!result.changed) return { result, updates: [] };
  const updates: TableUpdate[] = result.existing
    ? [{ action: 'set-default-spec', specId: result.spec.specId }]
    : [{ action: 'add-spec', spec: result.spec }, { action: 'set-default-spec', specId: -1 }];
  return { result, updates };
}

function columnsNamed(c: PartitionSpecChange): string[] {
  if (c.op === 'add-partition') return [c.source];
  if (c.op === 'remove-partition' && 'source' in c) return [c.source];
  return [];
}

function fieldsNamed(c: PartitionSpecChange): string[] {
  if (c.op === 'rename-partition') return [c.name];
  if (c.op === 'remove-partition' && !('source' in c)) return [c.name];
  return [];
}

export class UpdatePartitionSpec implements PendingUpdate {
  readonly operationName = 'update-partition-spec';
  readonly targetBranch = undefined;
  private readonly changes: PartitionSpecChange[] = [];
  private options: PartitionSpecUpdateOptions = {};

  constructor(private readonly table: TableHandle) {}

  /**
   * Adds a partition field: a term text (`bucket(16, id)`, `day(ts)`, `name`) or a column with a
   * transform. The name defaults to Iceberg's (`id_bucket_16`, `ts_day`, the column name).
   */
  addField(term: string | { source: string; transform?: Transform | string }, name?: string): this {
    const t = typeof term === 'string' ? parsePartitionTerm(term) : term;
    const c: PartitionSpecChange = { op: 'add-partition', source: t.source };
    if (t.transform !== undefined) c.transform = t.transform;
    if (name !== undefined) c.name = name;
    return this.add(c);
  }

  addIdentity(column: string): this {
    return this.add({ op: 'add-partition', source: column });
  }

  /** Removes a partition field by its name, or by its term when the text has parentheses (`day(ts)`). */
  removeField(nameOrTerm: string | { source: string; transform?: Transform | string }): this {
    if (typeof nameOrTerm === 'string' && !nameOrTerm.includes('(')) return this.add({ op: 'remove-partition', name: nameOrTerm });
    const t = typeof nameOrTerm === 'string' ? parsePartitionTerm(nameOrTerm) : nameOrTerm;
    return this.add(t.transform === undefined ? { op: 'remove-partition', source: t.source } : { op: 'remove-partition', source: t.source, transform: t.transform });
  }

  renameField(name: string, newName: string): this {
    return this.add({ op: 'rename-partition', name, newName });
  }

  apply(changes: readonly PartitionSpecChange[]): this {
    for (const c of changes) this.add(c);
    return this;
  }

  caseSensitive(value: boolean): this {
    this.options = { caseSensitive: value };
    return this;
  }

  pending(): readonly PartitionSpecChange[] {
    return this.changes;
  }

  /** The new spec against the table as loaded, without committing. */
  preview(): PartitionSpecUpdateResult {
    return applyPartitionSpecChanges(partitionSpecUpdateContext(this.table.metadata), this.changes, this.options);
  }

  commit(): Promise<CommitResult> {
    return this.table.committer.commit(this);
  }

  writtenFiles(): string[] {
    return [];
  }

  async stage(base: TableMetadata): Promise<StagedChange> {
    const start = this.table.metadata;
    const caseSensitive = this.options.caseSensitive ?? true;
    checkSameColumns(partitionSpecUpdateContext(start).schema, partitionSpecUpdateContext(base).schema, this.changes.flatMap(columnsNamed), caseSensitive, 'the table');
    if (start.defaultSpecId !== base.defaultSpecId) {
      const before = start.partitionSpecs.find((s) => s.specId === start.defaultSpecId);
      const now = base.partitionSpecs.find((s) => s.specId === base.defaultSpecId);
      for (const name of this.changes.flatMap(fieldsNamed)) {
        const a = before?.fields.find((f) => f.name === name);
        const b = now?.fields.find((f) => f.name === name);
        if (a !== undefined && a.fieldId !== b?.fieldId) {
          throw new LakeError(
            'COMMIT_CONFLICT',
            `the partition spec changed while this change was being committed (spec ${start.defaultSpecId} -> ${base.defaultSpecId}): partition field ${name} ${b === undefined ? 'is gone' : 'is a different field'}; nothing was changed`,
            { context: { field: name, startSpecId: start.defaultSpecId, currentSpecId: base.defaultSpecId } },
          );
        }
      }
    }
    const { updates } = planPartitionSpecUpdate(base, this.changes, this.options);
    return { updates, requirements: requirementsFor(base, updates), files: [], conflictChecks: [] };
  }

  private add(c: PartitionSpecChange): this {
    this.changes.push(c);
    return this;
  }
}
