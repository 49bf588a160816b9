/**
 * A metadata change given as REST `TableUpdate`s with the requirements they were built under
 * (e.g. `add-schema` + `set-current-schema` with `assert-current-schema-id` and
 * `assert-last-assigned-field-id`). The requirements are checked against the table at commit time,
 * so a change built from metadata that has since changed fails with REQUIREMENT_FAILED instead of
 * being applied to a table it was not made for. Schema and partition evolution build on this.
 */
import type { TableRequirement } from '../spec/requirements.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { TableUpdate } from '../spec/updates.js';
import { requirementsFor } from './requirements-for.js';
import type { CommitResult, PendingUpdate, StagedChange, TableHandle } from './staged-change.js';

export class MetadataUpdate implements PendingUpdate {
  readonly operationName: string;
  readonly targetBranch = undefined;

  constructor(
    private readonly table: TableHandle,
    private readonly updates: readonly TableUpdate[],
    private readonly requirements: readonly TableRequirement[],
    operationName = 'update-metadata',
  ) {
    this.operationName = operationName;
  }

  /**
   * Updates with the requirements the reference implementation derives for them from the metadata
   * they were built against (the table's metadata when `table` was loaded).
   */
  static derived(table: TableHandle, updates: readonly TableUpdate[], operationName?: string): MetadataUpdate {
    return new MetadataUpdate(table, updates, requirementsFor(table.metadata, updates), operationName);
  }

  commit(): Promise<CommitResult> {
    return this.table.committer.commit(this);
  }

  writtenFiles(): string[] {
    return [];
  }

  async stage(_base: TableMetadata): Promise<StagedChange> {
    return { updates: [...this.updates], requirements: [...this.requirements], files: [], conflictChecks: [] };
  }
}
