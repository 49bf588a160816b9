/**
 * Upgrades a table's format version (v1 -> v2 -> v3, never down), as the reference
 * implementation's `upgradeFormatVersion`; the rules are in `src/spec/format-upgrade.ts`. The
 * upgrade is idempotent: if the table already has the version when the commit lands, nothing
 * changes.
 */
import { type FormatUpgradePlan, planFormatUpgrade } from '../spec/format-upgrade.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import { requirementsFor } from './requirements-for.js';
import type { CommitResult, PendingUpdate, StagedChange, TableHandle } from './staged-change.js';

export class UpgradeFormatVersion implements PendingUpdate {
  readonly operationName = 'upgrade-format-version';
  readonly targetBranch = undefined;

  constructor(
    private readonly table: TableHandle,
    private readonly formatVersion: number | string,
  ) {}

  /** What the upgrade does to the table as loaded (throws for a downgrade or an unknown version). */
  preview(): FormatUpgradePlan {
    return planFormatUpgrade(this.table.metadata, this.formatVersion);
  }

  commit(): Promise<CommitResult> {
    return this.table.committer.commit(this);
  }

  writtenFiles(): string[] {
    return [];
  }

  async stage(base: TableMetadata): Promise<StagedChange> {
    const { updates } = planFormatUpgrade(base, this.formatVersion);
    return { updates, requirements: requirementsFor(base, updates), files: [], conflictChecks: [] };
  }
}
