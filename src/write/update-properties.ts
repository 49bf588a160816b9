/**
 * Sets and removes table properties. Property changes merge into whatever the table holds when the
 * commit lands (no requirement on the base, as in the reference implementation); values lake
 * understands are validated first.
 */
import { LakeError } from '../errors.js';
import { RESERVED_PROPERTIES, validateTableProperties } from '../spec/properties.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { TableUpdate } from '../spec/updates.js';
import { requirementsFor } from './requirements-for.js';
import type { CommitResult, PendingUpdate, StagedChange, TableHandle } from './staged-change.js';

export class UpdateProperties implements PendingUpdate {
  readonly operationName = 'update-properties';
  readonly targetBranch = undefined;
  private readonly updates: Record<string, string> = {};
  private readonly removals = new Set<string>();

  constructor(private readonly table: TableHandle) {}

  set(key: string, value: string): this {
    if (typeof key !== 'string' || key === '') throw new LakeError('INVALID_INPUT', 'property key must be a non-empty string');
    if (typeof value !== 'string') throw new LakeError('INVALID_INPUT', `property ${key} must have a string value`, { context: { key } });
    if (RESERVED_PROPERTIES.has(key)) {
      throw new LakeError('INVALID_INPUT', `${key} is a reserved property${key === 'format-version' ? ' (upgrade the format version instead)' : ''}`, { context: { key } });
    }
    if (this.removals.has(key)) throw new LakeError('INVALID_INPUT', `property ${key} is both set and removed`, { context: { key } });
    this.updates[key] = value;
    return this;
  }

  setAll(props: Record<string, string>): this {
    for (const [k, v] of Object.entries(props)) this.set(k, v);
    return this;
  }

  remove(key: string): this {
    if (Object.prototype.hasOwnProperty.call(this.updates, key)) throw new LakeError('INVALID_INPUT', `property ${key} is both set and removed`, { context: { key } });
    this.removals.add(key);
    return this;
  }

  commit(): Promise<CommitResult> {
    return this.table.committer.commit(this);
  }

  writtenFiles(): string[] {
    return [];
  }

  async stage(base: TableMetadata): Promise<StagedChange> {
    const merged = { ...base.properties, ...this.updates };
    for (const k of this.removals) delete merged[k];
    validateTableProperties(merged);
    const updates: TableUpdate[] = [];
    if (Object.keys(this.updates).length > 0) updates.push({ action: 'set-properties', updates: { ...this.updates } });
    if (this.removals.size > 0) updates.push({ action: 'remove-properties', removals: [...this.removals] });
    return { updates, requirements: requirementsFor(base, updates), files: [], conflictChecks: [] };
  }
}
