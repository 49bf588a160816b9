/**
 * Several evolution changes (schema, partition spec, sort order, properties, format version)
 * committed as one new table version, as `lake evolve` does. The changes run in the order given:
 * consecutive changes of one kind form one operation (one new schema, one new spec), and each
 * operation sees what the earlier ones did, so `add-column c` then `add-partition day(c)` works,
 * and so does `drop-partition c_day` then `drop-column c` (a partition source column can only be
 * dropped once its partition field is gone). The whole list is validated before anything is
 * written; one invalid change refuses all of them.
 */
import type { EvolutionChange, EvolutionOptions } from '../spec/evolution-changes.js';
import { evolutionKind } from '../spec/evolution-changes.js';
import type { PartitionSpecChange } from '../spec/partition-spec-update.js';
import { checkRequirements } from '../spec/requirements.js';
import type { SchemaChange } from '../spec/schema-update.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import { type TableUpdate, applyUpdates } from '../spec/updates.js';
import type { PendingUpdate, TableHandle } from './staged-change.js';
import { Transaction } from './transaction.js';
import { ReplaceSortOrder } from './replace-sort-order.js';
import { UpdatePartitionSpec } from './update-partition-spec.js';
import { UpdateProperties } from './update-properties.js';
import { UpdateSchema } from './update-schema.js';
import { UpgradeFormatVersion } from './upgrade-format.js';

/** The operations for a change list, in order (consecutive changes of one kind grouped). */
export function evolutionOperations(handle: TableHandle, changes: readonly EvolutionChange[], options: EvolutionOptions = {}): PendingUpdate[] {
  const ops: PendingUpdate[] = [];
  let i = 0;
  while (i < changes.length) {
    const kind = evolutionKind(changes[i]!);
    let j = i;
    while (j < changes.length && evolutionKind(changes[j]!) === kind) j += 1;
    const group = changes.slice(i, j);
    i = j;
    switch (kind) {
      case 'schema': {
        const op = new UpdateSchema(handle).apply(group as SchemaChange[]);
        if (options.caseSensitive !== undefined) op.caseSensitive(options.caseSensitive);
        if (options.allowIncompatibleChanges) op.allowIncompatibleChanges();
        ops.push(op);
        break;
      }
      case 'partition-spec': {
        const op = new UpdatePartitionSpec(handle).apply(group as PartitionSpecChange[]);
        if (options.caseSensitive !== undefined) op.caseSensitive(options.caseSensitive);
        ops.push(op);
        break;
      }
      case 'sort-order':
        // Each set-sort replaces the order: the last one of the group is the one that counts.
        for (const c of group) {
          if (c.op !== 'set-sort') continue;
          const op = new ReplaceSortOrder(handle);
          if (options.caseSensitive !== undefined) op.caseSensitive(options.caseSensitive);
          if (typeof c.order === 'string') op.fromText(c.order);
          else for (const f of c.order) op.field(f);
          ops.push(op);
        }
        break;
      case 'properties': {
        const op = new UpdateProperties(handle);
        for (const c of group) {
          if (c.op === 'set-property') op.set(c.key, c.value);
          else if (c.op === 'unset-property') op.remove(c.key);
        }
        ops.push(op);
        break;
      }
      case 'format-version':
        for (const c of group) if (c.op === 'upgrade') ops.push(new UpgradeFormatVersion(handle, c.formatVersion));
        break;
    }
  }
  return ops;
}

/** One transaction holding the operations of a change list; `commit()` makes one new table version. */
export function newEvolution(handle: TableHandle, changes: readonly EvolutionChange[], options: EvolutionOptions = {}): Transaction {
  const tx = new Transaction(handle);
  for (const op of evolutionOperations(tx.handle, changes, options)) tx.add(op);
  return tx;
}

export interface EvolutionPreview {
  /** The table metadata the changes would produce (unchanged metadata when they change nothing). */
  metadata: TableMetadata;
  updates: TableUpdate[];
}

/**
 * Applies a change list to metadata without committing or writing anything (for `--dry-run` and
 * for printing the result): validates every change exactly as the commit will.
 */
export async function previewEvolution(handle: TableHandle, changes: readonly EvolutionChange[], options: EvolutionOptions = {}, nowMs = Date.now()): Promise<EvolutionPreview> {
  let m = handle.metadata;
  const updates: TableUpdate[] = [];
  for (const op of evolutionOperations(handle, changes, options)) {
    const staged = await op.stage(m, { io: handle.io, attempt: 1, commitId: 'preview', nowMs });
    checkRequirements(m, staged.requirements);
    m = applyUpdates(m, staged.updates, { nowMs });
    updates.push(...staged.updates);
  }
  return { metadata: m, updates };
}
