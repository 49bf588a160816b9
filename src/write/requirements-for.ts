/**
 * The requirements a batch of updates needs to be applied safely to a table, derived from the
 * metadata the updates were built against (as the reference implementation's
 * `UpdateRequirements.forUpdateTable`): the table is still the same table, refs that are moved
 * still point where they did, and schema / spec / sort-order changes were made from the current
 * ones.
 */
import type { TableRequirement } from '../spec/requirements.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { TableUpdate } from '../spec/updates.js';

export function requirementsFor(base: TableMetadata, updates: readonly TableUpdate[]): TableRequirement[] {
  const out: TableRequirement[] = [];
  const seen = new Set<string>();
  const add = (key: string, r: TableRequirement): void => {
    if (seen.has(key)) return;
    seen.add(key);
    out.push(r);
  };
  if (base.tableUuid !== undefined) add('uuid', { type: 'assert-table-uuid', uuid: base.tableUuid });
  for (const u of updates) {
    switch (u.action) {
      case 'add-schema':
        add('field-id', { type: 'assert-last-assigned-field-id', lastAssignedFieldId: base.lastColumnId });
        break;
      case 'set-current-schema':
        add('schema', { type: 'assert-current-schema-id', currentSchemaId: base.currentSchemaId });
        break;
      case 'add-spec':
        add('partition-id', { type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: base.lastPartitionId });
        break;
      case 'set-default-spec':
        add('spec', { type: 'assert-default-spec-id', defaultSpecId: base.defaultSpecId });
        break;
      case 'set-default-sort-order':
        add('sort-order', { type: 'assert-default-sort-order-id', defaultSortOrderId: base.defaultSortOrderId });
        break;
      case 'set-snapshot-ref':
      case 'remove-snapshot-ref':
        add(`ref:${u.refName}`, { type: 'assert-ref-snapshot-id', ref: u.refName, snapshotId: base.refs.get(u.refName)?.snapshotId ?? null });
        break;
      default:
        break;
    }
  }
  return out;
}
