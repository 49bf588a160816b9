/**
 * Table requirements (the `assert-*` objects of the Iceberg REST `TableRequirement` wire shape):
 * what must still hold in the current table metadata for a staged change to be committed.
 * Semantics as the reference implementation's `UpdateRequirement`.
 */
import { LakeError } from '../errors.js';
import { JsonFields, describe } from '../util/json.js';
import type { TableMetadata } from './table-metadata.js';

export type TableRequirement =
  /** The table must not exist yet (create transactions). */
  | { type: 'assert-create' }
  | { type: 'assert-table-uuid'; uuid: string }
  /** The branch or tag must point at `snapshotId`; with `null`, the ref must not exist. */
  | { type: 'assert-ref-snapshot-id'; ref: string; snapshotId: bigint | null }
  | { type: 'assert-last-assigned-field-id'; lastAssignedFieldId: number }
  | { type: 'assert-current-schema-id'; currentSchemaId: number }
  | { type: 'assert-last-assigned-partition-id'; lastAssignedPartitionId: number }
  | { type: 'assert-default-spec-id'; defaultSpecId: number }
  | { type: 'assert-default-sort-order-id'; defaultSortOrderId: number };

export type TableRequirementType = TableRequirement['type'];

export const TABLE_REQUIREMENT_TYPES: readonly TableRequirementType[] = [
  'assert-create',
  'assert-table-uuid',
  'assert-ref-snapshot-id',
  'assert-last-assigned-field-id',
  'assert-current-schema-id',
  'assert-last-assigned-partition-id',
  'assert-default-spec-id',
  'assert-default-sort-order-id',
];

/** The REST wire JSON of a requirement. */
export function tableRequirementToJson(r: TableRequirement): Record<string, unknown> {
  switch (r.type) {
    case 'assert-create':
      return { type: r.type };
    case 'assert-table-uuid':
      return { type: r.type, uuid: r.uuid };
    case 'assert-ref-snapshot-id':
      return { type: r.type, ref: r.ref, 'snapshot-id': r.snapshotId };
    case 'assert-last-assigned-field-id':
      return { type: r.type, 'last-assigned-field-id': r.lastAssignedFieldId };
    case 'assert-current-schema-id':
      return { type: r.type, 'current-schema-id': r.currentSchemaId };
    case 'assert-last-assigned-partition-id':
      return { type: r.type, 'last-assigned-partition-id': r.lastAssignedPartitionId };
    case 'assert-default-spec-id':
      return { type: r.type, 'default-spec-id': r.defaultSpecId };
    case 'assert-default-sort-order-id':
      return { type: r.type, 'default-sort-order-id': r.defaultSortOrderId };
  }
}

/** Parses the REST wire JSON of a requirement (parsed with `parseJson`, so ids are exact). Bad input is INVALID_INPUT. */
export function tableRequirementFromJson(json: unknown): TableRequirement {
  const f = new JsonFields(json, 'table requirement', 'INVALID_INPUT');
  const type = f.str('type').toLowerCase();
  const g = new JsonFields(json, `table requirement ${type}`, 'INVALID_INPUT');
  switch (type) {
    case 'assert-create':
      return { type };
    case 'assert-table-uuid':
      return { type, uuid: g.str('uuid') };
    case 'assert-ref-snapshot-id':
      // `snapshot-id` is required on the wire, but null means "the ref must not exist".
      return { type, ref: g.str('ref'), snapshotId: g.optLong('snapshot-id') ?? null };
    case 'assert-last-assigned-field-id':
      return { type, lastAssignedFieldId: g.int('last-assigned-field-id') };
    case 'assert-current-schema-id':
      return { type, currentSchemaId: g.int('current-schema-id') };
    case 'assert-last-assigned-partition-id':
      return { type, lastAssignedPartitionId: g.int('last-assigned-partition-id') };
    case 'assert-default-spec-id':
      return { type, defaultSpecId: g.int('default-spec-id') };
    case 'assert-default-sort-order-id':
      return { type, defaultSortOrderId: g.int('default-sort-order-id') };
    default:
      return f.fail(`unknown requirement type ${describe(type)} (expected one of ${TABLE_REQUIREMENT_TYPES.join(', ')})`);
  }
}

function failed(r: TableRequirement, message: string, expected: unknown, actual: unknown): never {
  throw new LakeError('REQUIREMENT_FAILED', `requirement ${r.type} failed: ${message}`, {
    context: { requirement: r.type, expected, actual },
  });
}

/**
 * Checks requirements against the current metadata (`undefined` when the table does not exist).
 * Throws LakeError REQUIREMENT_FAILED naming the requirement and the actual value; its context
 * holds `{ requirement, expected, actual }`.
 */
export function checkRequirements(metadata: TableMetadata | undefined, requirements: readonly TableRequirement[]): void {
  for (const r of requirements) checkRequirement(metadata, r);
}

function checkRequirement(m: TableMetadata | undefined, r: TableRequirement): void {
  if (r.type === 'assert-create') {
    if (m !== undefined) failed(r, 'the table already exists', 'no table', m.tableUuid ?? 'a table');
    return;
  }
  if (m === undefined) {
    // Like the reference implementation, these two also hold for a table that is being created.
    if (r.type === 'assert-last-assigned-field-id' || r.type === 'assert-last-assigned-partition-id') return;
    failed(r, 'the table does not exist', 'a table', 'no table');
  }
  switch (r.type) {
    case 'assert-table-uuid':
      if (m.tableUuid === undefined || r.uuid.toLowerCase() !== m.tableUuid.toLowerCase()) {
        failed(r, `table uuid is ${m.tableUuid ?? 'not set'}, expected ${r.uuid}`, r.uuid, m.tableUuid ?? null);
      }
      return;
    case 'assert-ref-snapshot-id': {
      const ref = m.refs.get(r.ref);
      if (ref !== undefined) {
        if (r.snapshotId === null) failed(r, `${ref.type} ${r.ref} was created concurrently (it points at snapshot ${ref.snapshotId})`, null, ref.snapshotId);
        if (r.snapshotId !== ref.snapshotId) {
          failed(r, `${ref.type} ${r.ref} has changed: it points at snapshot ${ref.snapshotId}, expected ${r.snapshotId}`, r.snapshotId, ref.snapshotId);
        }
      } else if (r.snapshotId !== null) {
        failed(r, `branch or tag ${r.ref} is missing, expected it at snapshot ${r.snapshotId}`, r.snapshotId, null);
      }
      return;
    }
    case 'assert-last-assigned-field-id':
      if (m.lastColumnId !== r.lastAssignedFieldId) {
        failed(r, `last assigned field id is ${m.lastColumnId}, expected ${r.lastAssignedFieldId}`, r.lastAssignedFieldId, m.lastColumnId);
      }
      return;
    case 'assert-current-schema-id':
      if (m.currentSchemaId !== r.currentSchemaId) {
        failed(r, `current schema id is ${m.currentSchemaId}, expected ${r.currentSchemaId}`, r.currentSchemaId, m.currentSchemaId);
      }
      return;
    case 'assert-last-assigned-partition-id':
      if (m.lastPartitionId !== r.lastAssignedPartitionId) {
        failed(r, `last assigned partition id is ${m.lastPartitionId}, expected ${r.lastAssignedPartitionId}`, r.lastAssignedPartitionId, m.lastPartitionId);
      }
      return;
    case 'assert-default-spec-id':
      if (m.defaultSpecId !== r.defaultSpecId) {
        failed(r, `default partition spec id is ${m.defaultSpecId}, expected ${r.defaultSpecId}`, r.defaultSpecId, m.defaultSpecId);
      }
      return;
    case 'assert-default-sort-order-id':
      if (m.defaultSortOrderId !== r.defaultSortOrderId) {
        failed(r, `default sort order id is ${m.defaultSortOrderId}, expected ${r.defaultSortOrderId}`, r.defaultSortOrderId, m.defaultSortOrderId);
      }
      return;
  }
}
