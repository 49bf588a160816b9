/**
 * Table metadata updates in the Iceberg REST `TableUpdate` wire shapes, and `applyUpdates`: the one
 * pure metadata transition every catalog uses. Semantics follow the reference implementation's
 * `TableMetadata.Builder` (apache/iceberg core), with the differences noted at `applyUpdates`.
 */
import { LakeError } from '../errors.js';
import { JsonFields, describe, setOwn, stringifyJson } from '../util/json.js';
import { type PartitionSpec, parsePartitionSpec, partitionSpecToJson } from './partition-spec.js';
import { type Schema, highestFieldId, indexSchema, parseSchema, schemaToJson } from './schema.js';
import {
  MAIN_BRANCH,
  type Snapshot,
  type SnapshotRef,
  type SnapshotRefType,
  parseSnapshot,
  snapshotRefsEqual,
  snapshotToJson,
  validateSnapshotRef,
} from './snapshot.js';
import { type SortOrder, parseSortOrder, sortOrderToJson } from './sort-order.js';
import {
  type PartitionStatisticsFile,
  type StatisticsFile,
  parsePartitionStatisticsFile,
  parseStatisticsFile,
  partitionStatisticsFileToJson,
  statisticsFileToJson,
} from './statistics.js';
import {
  DEFAULT_FORMAT_VERSION,
  type EncryptedKey,
  type FormatVersion,
  MAX_FORMAT_VERSION,
  type SnapshotLogEntry,
  type TableMetadata,
  checkSchemaCompatibility,
  checkSortOrderAgainstSchema,
  checkSpecAgainstSchema,
  encryptedKeyToJson,
  lastAssignedPartitionFieldId,
  parseEncryptedKey,
  validateTableMetadata,
} from './table-metadata.js';
import { transformToString } from './transforms.js';
import { fieldToJson } from './types.js';

export type TableUpdate =
  /** Only for new tables: changing the uuid of an existing table is refused. */
  | { action: 'assign-uuid'; uuid: string }
  | { action: 'upgrade-format-version'; formatVersion: number }
  /** `lastColumnId` is the deprecated wire field; it is written but not used (computed from the schema). */
  | { action: 'add-schema'; schema: Schema; lastColumnId?: number }
  /** `-1` selects the schema added last in the same batch of updates. */
  | { action: 'set-current-schema'; schemaId: number }
  | { action: 'add-spec'; spec: PartitionSpec }
  /** `-1` selects the spec added last. */
  | { action: 'set-default-spec'; specId: number }
  | { action: 'add-sort-order'; sortOrder: SortOrder }
  /** `-1` selects the sort order added last. */
  | { action: 'set-default-sort-order'; sortOrderId: number }
  | { action: 'add-snapshot'; snapshot: Snapshot }
  | ({ action: 'set-snapshot-ref'; refName: string } & SnapshotRef)
  | { action: 'remove-snapshots'; snapshotIds: bigint[] }
  | { action: 'remove-snapshot-ref'; refName: string }
  | { action: 'set-location'; location: string }
  | { action: 'set-properties'; updates: Record<string, string> }
  | { action: 'remove-properties'; removals: string[] }
  | { action: 'set-statistics'; statistics: StatisticsFile }
  | { action: 'remove-statistics'; snapshotId: bigint }
  | { action: 'set-partition-statistics'; partitionStatistics: PartitionStatisticsFile }
  | { action: 'remove-partition-statistics'; snapshotId: bigint }
  | { action: 'remove-partition-specs'; specIds: number[] }
  | { action: 'remove-schemas'; schemaIds: number[] }
  | { action: 'add-encryption-key'; encryptionKey: EncryptedKey }
  | { action: 'remove-encryption-key'; keyId: string };

export type TableUpdateAction = TableUpdate['action'];

export const TABLE_UPDATE_ACTIONS: readonly TableUpdateAction[] = [
  'assign-uuid',
  'upgrade-format-version',
  'add-schema',
  'set-current-schema',
  'add-spec',
  'set-default-spec',
  'add-sort-order',
  'set-default-sort-order',
  'add-snapshot',
  'set-snapshot-ref',
  'remove-snapshots',
  'remove-snapshot-ref',
  'set-location',
  'set-properties',
  'remove-properties',
  'set-statistics',
  'remove-statistics',
  'set-partition-statistics',
  'remove-partition-statistics',
  'remove-partition-specs',
  'remove-schemas',
  'add-encryption-key',
  'remove-encryption-key',
];

/** `-1`: "the one added last" in set-current-schema, set-default-spec and set-default-sort-order. */
export const LAST_ADDED = -1;

// ---------------------------------------------------------------------------------------------
// Wire form

/** The REST wire JSON of an update (stringify with `stringifyJson` to keep 64-bit ids exact). */
export function tableUpdateToJson(u: TableUpdate): Record<string, unknown> {
  switch (u.action) {
    case 'assign-uuid':
      return { action: u.action, uuid: u.uuid };
    case 'upgrade-format-version':
      return { action: u.action, 'format-version': u.formatVersion };
    case 'add-schema':
      return { action: u.action, schema: schemaToJson(u.schema), 'last-column-id': u.lastColumnId ?? highestFieldId(u.schema) };
    case 'set-current-schema':
      return { action: u.action, 'schema-id': u.schemaId };
    case 'add-spec':
      return { action: u.action, spec: partitionSpecToJson(u.spec) };
    case 'set-default-spec':
      return { action: u.action, 'spec-id': u.specId };
    case 'add-sort-order':
      return { action: u.action, 'sort-order': sortOrderToJson(u.sortOrder) };
    case 'set-default-sort-order':
      return { action: u.action, 'sort-order-id': u.sortOrderId };
    case 'add-snapshot':
      return { action: u.action, snapshot: snapshotToJson(u.snapshot) };
    case 'set-snapshot-ref': {
      const o: Record<string, unknown> = { action: u.action, 'ref-name': u.refName, 'snapshot-id': u.snapshotId, type: u.type };
      if (u.minSnapshotsToKeep !== undefined) o['min-snapshots-to-keep'] = u.minSnapshotsToKeep;
      if (u.maxSnapshotAgeMs !== undefined) o['max-snapshot-age-ms'] = u.maxSnapshotAgeMs;
      if (u.maxRefAgeMs !== undefined) o['max-ref-age-ms'] = u.maxRefAgeMs;
      return o;
    }
    case 'remove-snapshots':
      return { action: u.action, 'snapshot-ids': [...u.snapshotIds] };
    case 'remove-snapshot-ref':
      return { action: u.action, 'ref-name': u.refName };
    case 'set-location':
      return { action: u.action, location: u.location };
    case 'set-properties': {
      const updates: Record<string, string> = {};
      for (const [k, v] of Object.entries(u.updates)) setOwn(updates, k, v);
      return { action: u.action, updates };
    }
    case 'remove-properties':
      return { action: u.action, removals: [...u.removals] };
    case 'set-statistics':
      // `snapshot-id` is deprecated on the wire but still written, as the reference implementation does.
      return { action: u.action, 'snapshot-id': u.statistics.snapshotId, statistics: statisticsFileToJson(u.statistics) };
    case 'remove-statistics':
      return { action: u.action, 'snapshot-id': u.snapshotId };
    case 'set-partition-statistics':
      return { action: u.action, 'partition-statistics': partitionStatisticsFileToJson(u.partitionStatistics) };
    case 'remove-partition-statistics':
      return { action: u.action, 'snapshot-id': u.snapshotId };
    case 'remove-partition-specs':
      return { action: u.action, 'spec-ids': [...u.specIds] };
    case 'remove-schemas':
      return { action: u.action, 'schema-ids': [...u.schemaIds] };
    case 'add-encryption-key':
      return { action: u.action, 'encryption-key': encryptedKeyToJson(u.encryptionKey) };
    case 'remove-encryption-key':
      return { action: u.action, 'key-id': u.keyId };
  }
}

/** Errors in wire input are INVALID_INPUT, also when raised by the shared spec parsers. */
function asInput<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LakeError && e.code === 'INVALID_METADATA') {
      throw new LakeError('INVALID_INPUT', `${what}: ${e.message}`, { cause: e, context: e.context });
    }
    throw e;
  }
}

/** Parses the REST wire JSON of an update (parsed with `parseJson`, so ids are exact). Bad input is INVALID_INPUT. */
export function tableUpdateFromJson(json: unknown): TableUpdate {
  const head = new JsonFields(json, 'table update', 'INVALID_INPUT');
  const action = head.str('action').toLowerCase();
  const f = new JsonFields(json, `table update ${action}`, 'INVALID_INPUT');
  const where = `table update ${action}`;
  switch (action) {
    case 'assign-uuid':
      return { action, uuid: f.str('uuid') };
    case 'upgrade-format-version':
      return { action, formatVersion: f.int('format-version') };
    case 'add-schema': {
      if (!f.has('schema')) f.fail('missing required field "schema"');
      const schema = asInput(where, () => parseSchema(f.obj.schema));
      const last = f.optInt('last-column-id');
      return last === undefined ? { action, schema } : { action, schema, lastColumnId: last };
    }
    case 'set-current-schema':
      return { action, schemaId: f.int('schema-id') };
    case 'add-spec':
      if (!f.has('spec')) f.fail('missing required field "spec"');
      return { action, spec: asInput(where, () => parsePartitionSpec(f.obj.spec)) };
    case 'set-default-spec':
      return { action, specId: f.int('spec-id') };
    case 'add-sort-order':
      if (!f.has('sort-order')) f.fail('missing required field "sort-order"');
      return { action, sortOrder: asInput(where, () => parseSortOrder(f.obj['sort-order'])) };
    case 'set-default-sort-order':
      return { action, sortOrderId: f.int('sort-order-id') };
    case 'add-snapshot':
      if (!f.has('snapshot')) f.fail('missing required field "snapshot"');
      return { action, snapshot: parseSnapshot(f.obj.snapshot, 'INVALID_INPUT') };
    case 'set-snapshot-ref': {
      const rawType = f.str('type').toLowerCase();
      const type: SnapshotRefType = rawType === 'branch' || rawType === 'tag' ? rawType : f.fail(`type must be "branch" or "tag", got "${rawType}"`);
      const u: TableUpdate = { action, refName: f.str('ref-name'), snapshotId: f.long('snapshot-id'), type };
      const min = f.optInt('min-snapshots-to-keep');
      if (min !== undefined) u.minSnapshotsToKeep = min;
      const maxSnap = f.optLong('max-snapshot-age-ms');
      if (maxSnap !== undefined) u.maxSnapshotAgeMs = maxSnap;
      const maxRef = f.optLong('max-ref-age-ms');
      if (maxRef !== undefined) u.maxRefAgeMs = maxRef;
      validateSnapshotRef(u, u.refName, 'INVALID_INPUT');
      return u;
    }
    case 'remove-snapshots':
      return { action, snapshotIds: f.longList('snapshot-ids') };
    case 'remove-snapshot-ref':
      return { action, refName: f.str('ref-name') };
    case 'set-location':
      return { action, location: f.str('location') };
    case 'set-properties':
      // The REST spec says `updates`; early writers used `updated`, which is still read.
      return { action, updates: f.has('updates') ? f.strMap('updates') : f.strMap('updated') };
    case 'remove-properties':
      return { action, removals: f.has('removals') ? f.strList('removals') : f.strList('removed') };
    case 'set-statistics': {
      if (!f.has('statistics')) f.fail('missing required field "statistics"');
      const statistics = parseStatisticsFile(f.obj.statistics, 'INVALID_INPUT');
      const legacyId = f.optLong('snapshot-id');
      if (legacyId !== undefined && legacyId !== statistics.snapshotId) {
        f.fail(`snapshot-id ${legacyId} does not match statistics.snapshot-id ${statistics.snapshotId}`);
      }
      return { action, statistics };
    }
    case 'remove-statistics':
      return { action, snapshotId: f.long('snapshot-id') };
    case 'set-partition-statistics':
      if (!f.has('partition-statistics')) f.fail('missing required field "partition-statistics"');
      return { action, partitionStatistics: parsePartitionStatisticsFile(f.obj['partition-statistics'], 'INVALID_INPUT') };
    case 'remove-partition-statistics':
      return { action, snapshotId: f.long('snapshot-id') };
    case 'remove-partition-specs':
      return { action, specIds: f.intList('spec-ids') };
    case 'remove-schemas':
      return { action, schemaIds: f.intList('schema-ids') };
    case 'add-encryption-key':
      if (!f.has('encryption-key')) f.fail('missing required field "encryption-key"');
      return { action, encryptionKey: parseEncryptedKey(f.obj['encryption-key'], 'INVALID_INPUT') };
    case 'remove-encryption-key':
      return { action, keyId: f.str('key-id') };
    default:
      return head.fail(`unknown action ${describe(action)} (expected one of ${TABLE_UPDATE_ACTIONS.join(', ')})`);
  }
}

// ---------------------------------------------------------------------------------------------
// applyUpdates

export interface ApplyUpdatesOptions {
  /** Time of the change, for `last-updated-ms` and rollback entries in `snapshot-log`. Default `Date.now()`. */
  nowMs?: number;
}

function invalid(message: string, context: Record<string, unknown> = {}): never {
  throw new LakeError('INVALID_INPUT', message, { context });
}

/** Java's `Schema.sameSchema`: same fields (names, ids, types, docs, defaults) and identifier fields. */
function sameSchema(a: Schema, b: Schema): boolean {
  return (
    stringifyJson(a.fields.map(fieldToJson)) === stringifyJson(b.fields.map(fieldToJson)) &&
    stringifyJson(a.identifierFieldIds) === stringifyJson(b.identifierFieldIds)
  );
}

function sourceIdsOf(f: { sourceId: number; sourceIds?: number[] }): number[] {
  return f.sourceIds ?? [f.sourceId];
}

/** Java's `PartitionSpec.compatibleWith`: same fields in order (source ids, transform, name). */
function compatibleSpecs(a: PartitionSpec, b: PartitionSpec): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every((f, i) => {
      const g = b.fields[i]!;
      return stringifyJson(sourceIdsOf(f)) === stringifyJson(sourceIdsOf(g)) && transformToString(f.transform) === transformToString(g.transform) && f.name === g.name;
    })
  );
}

/** Java's `SortOrder.sameOrder`: equal fields. */
function sameOrder(a: SortOrder, b: SortOrder): boolean {
  const key = (o: SortOrder): string =>
    stringifyJson(o.fields.map((f) => [sourceIdsOf(f), transformToString(f.transform), f.direction, f.nullOrder]));
  return key(a) === key(b);
}

function emptyMetadata(formatVersion: FormatVersion): TableMetadata {
  const m: TableMetadata = {
    formatVersion,
    tableUuid: globalThis.crypto.randomUUID(),
    location: '',
    lastSequenceNumber: 0n,
    lastUpdatedMs: 0,
    lastColumnId: 0,
    schemas: [],
    currentSchemaId: 0,
    partitionSpecs: [],
    defaultSpecId: 0,
    lastPartitionId: 0,
    properties: {},
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [],
    defaultSortOrderId: 0,
    refs: new Map(),
    statistics: [],
    partitionStatistics: [],
    encryptionKeys: [],
  };
  if (formatVersion >= 3) m.nextRowId = 0n;
  return m;
}

/**
 * Applies updates to table metadata and returns the new metadata; the input is not modified.
 * With `metadata` undefined the updates create a table (format version from the first
 * `upgrade-format-version`, default 2; a random uuid unless `assign-uuid` is given), as the
 * reference implementation's REST handler does for create transactions.
 *
 * As the reference implementation's `TableMetadata.Builder`:
 * - `add-schema` reuses the id of an identical schema, else takes the next id; `last-column-id`
 *   becomes the highest field id if that is higher; v3 types and defaults are refused before v3.
 * - `add-spec` reuses an equivalent spec (same source ids, transforms and names); v1 specs need
 *   sequential field ids from 1000; from v2 on a partition field id already used by another spec
 *   must denote the same source and transform. `last-partition-id` follows the highest field id.
 * - `add-sort-order` reuses an equal order (the unsorted order is always id 0).
 * - `add-snapshot` refuses a duplicate id, a missing parent, and (v2+) a sequence number not above
 *   `last-sequence-number`, then sets `last-sequence-number`. v3: `first-row-id` defaults to the
 *   table's `next-row-id`, must not be below it, and `next-row-id` advances past `added-rows`.
 * - `set-snapshot-ref` on `main` sets `current-snapshot-id` and appends to `snapshot-log` (at the
 *   snapshot's time when it was added in the same batch, otherwise at `nowMs`); snapshots that were
 *   made current and then replaced within the batch are left out of the log.
 * - `remove-snapshots` drops the snapshots, their statistics and every ref pointing at them, and
 *   prunes `snapshot-log` so it has no gap (entries before a removed snapshot are dropped).
 * - `upgrade-format-version` never downgrades; upgrading to v3 starts `next-row-id` at 0.
 * - No effective change returns the input metadata itself; otherwise `last-updated-ms` = `nowMs`.
 * - `metadata-log` is not touched: the catalog adds the previous file with `withMetadataLogEntry`.
 *
 * Differences, on purpose: `assign-uuid` cannot change an existing table's uuid; `-1` in
 * set-current-schema / set-default-spec / set-default-sort-order also selects an existing schema,
 * spec or order that the preceding add-* resolved to; default spec and sort order ids must exist.
 *
 * Invalid updates throw INVALID_INPUT (UNSUPPORTED_FEATURE for a format version above 3). A snapshot
 * whose sequence number or first row id is behind the table's throws COMMIT_CONFLICT with
 * `retryable: true`: the change was staged against older metadata and must be re-staged.
 */
export function applyUpdates(metadata: TableMetadata | undefined, updates: readonly TableUpdate[], options: ApplyUpdatesOptions = {}): TableMetadata {
  const nowMs = options.nowMs ?? Date.now();
  let formatVersion: FormatVersion = DEFAULT_FORMAT_VERSION;
  if (metadata === undefined) {
    const up = updates.find((u) => u.action === 'upgrade-format-version');
    if (up !== undefined) formatVersion = checkedVersion(up.formatVersion);
  }
  const b = new Builder(metadata ?? emptyMetadata(formatVersion), metadata === undefined, nowMs);
  updates.forEach((u, i) => {
    try {
      b.apply(u);
    } catch (e) {
      if (e instanceof LakeError) {
        throw new LakeError(e.code, `update ${i} (${u.action}): ${e.message}`, { cause: e, retryable: e.retryable, context: { ...e.context, update: i, action: u.action } });
      }
      throw e;
    }
  });
  return b.build(metadata);
}

function checkedVersion(v: number): FormatVersion {
  if (!Number.isInteger(v) || v < 1) invalid(`invalid format version ${v}`);
  if (v > MAX_FORMAT_VERSION) {
    throw new LakeError('UNSUPPORTED_FEATURE', `format version ${v} is not supported (lake writes format versions 1, 2 and 3)`, {
      context: { formatVersion: v },
    });
  }
  return v as FormatVersion;
}

class Builder {
  private readonly m: TableMetadata;
  /** Effective changes, in order (no-op updates are not recorded). */
  private readonly changes: TableUpdate[] = [];
  private lastAddedSchemaId: number | undefined;
  private lastAddedSpecId: number | undefined;
  private lastAddedOrderId: number | undefined;
  private readonly addedSnapshotIds = new Set<bigint>();

  constructor(
    base: TableMetadata,
    private readonly creating: boolean,
    private readonly nowMs: number,
  ) {
    this.m = {
      ...base,
      schemas: [...base.schemas],
      partitionSpecs: [...base.partitionSpecs],
      sortOrders: [...base.sortOrders],
      properties: { ...base.properties },
      snapshots: [...base.snapshots],
      snapshotLog: [...base.snapshotLog],
      metadataLog: [...base.metadataLog],
      refs: new Map(base.refs),
      statistics: [...base.statistics],
      partitionStatistics: [...base.partitionStatistics],
      encryptionKeys: [...base.encryptionKeys],
    };
  }

  private changed(u: TableUpdate): void {
    this.changes.push(u);
  }

  private currentSchemaOrFail(what: string): Schema {
    const s = this.m.schemas.find((x) => x.schemaId === this.m.currentSchemaId);
    if (s === undefined) invalid(`cannot ${what} before a schema is added`);
    return s;
  }

  apply(u: TableUpdate): void {
    const m = this.m;
    switch (u.action) {
      case 'assign-uuid': {
        if (typeof u.uuid !== 'string' || u.uuid === '') invalid('uuid must be a non-empty string');
        if (m.tableUuid?.toLowerCase() === u.uuid.toLowerCase()) return;
        if (!this.creating && m.tableUuid !== undefined) {
          invalid(`cannot change the uuid of existing table ${m.tableUuid} to ${u.uuid}`, { tableUuid: m.tableUuid });
        }
        m.tableUuid = u.uuid;
        return this.changed(u);
      }
      case 'upgrade-format-version': {
        const v = checkedVersion(u.formatVersion);
        if (v < m.formatVersion) invalid(`cannot downgrade a v${m.formatVersion} table to v${v}`);
        if (v === m.formatVersion) return;
        m.formatVersion = v;
        // Row lineage starts at 0 when a table is upgraded to v3 (spec "Row Lineage for Upgraded Tables").
        if (v >= 3 && m.nextRowId === undefined) m.nextRowId = 0n;
        return this.changed(u);
      }
      case 'add-schema':
        return this.addSchema(u);
      case 'set-current-schema': {
        let id = u.schemaId;
        if (id === LAST_ADDED) {
          if (this.lastAddedSchemaId === undefined) invalid('cannot set the last added schema: no schema has been added');
          id = this.lastAddedSchemaId;
        }
        if (id === m.currentSchemaId && m.schemas.some((s) => s.schemaId === id)) return;
        if (!m.schemas.some((s) => s.schemaId === id)) invalid(`cannot set current schema to unknown schema ${id}`);
        m.currentSchemaId = id;
        return this.changed({ action: u.action, schemaId: id });
      }
      case 'add-spec':
        return this.addSpec(u.spec);
      case 'set-default-spec': {
        let id = u.specId;
        if (id === LAST_ADDED) {
          if (this.lastAddedSpecId === undefined) invalid('cannot set the last added partition spec: no spec has been added');
          id = this.lastAddedSpecId;
        }
        if (id === m.defaultSpecId && m.partitionSpecs.some((s) => s.specId === id)) return;
        if (!m.partitionSpecs.some((s) => s.specId === id)) invalid(`cannot set default partition spec to unknown spec ${id}`);
        m.defaultSpecId = id;
        return this.changed({ action: u.action, specId: id });
      }
      case 'add-sort-order':
        return this.addSortOrder(u.sortOrder);
      case 'set-default-sort-order': {
        let id = u.sortOrderId;
        if (id === LAST_ADDED) {
          if (this.lastAddedOrderId === undefined) invalid('cannot set the last added sort order: no sort order has been added');
          id = this.lastAddedOrderId;
        }
        if (id === m.defaultSortOrderId && m.sortOrders.some((o) => o.orderId === id)) return;
        if (!m.sortOrders.some((o) => o.orderId === id)) invalid(`cannot set default sort order to unknown sort order ${id}`);
        m.defaultSortOrderId = id;
        return this.changed({ action: u.action, sortOrderId: id });
      }
      case 'add-snapshot':
        return this.addSnapshot(u.snapshot);
      case 'set-snapshot-ref':
        return this.setRef(u);
      case 'remove-snapshots':
        return this.removeSnapshots(u.snapshotIds);
      case 'remove-snapshot-ref':
        return this.removeRef(u.refName);
      case 'set-location': {
        if (typeof u.location !== 'string' || u.location.trim() === '') invalid('location must be a non-empty string');
        let loc = u.location;
        while (loc.length > 1 && loc.endsWith('/') && !loc.endsWith('://')) loc = loc.slice(0, -1);
        if (loc === m.location) return;
        m.location = loc;
        return this.changed(u);
      }
      case 'set-properties': {
        const entries = Object.entries(u.updates);
        if (entries.length === 0) return;
        for (const [k, v] of entries) {
          if (typeof v !== 'string') invalid(`property ${k} must be a string, got ${describe(v)}`);
          setOwn(m.properties, k, v);
        }
        return this.changed(u);
      }
      case 'remove-properties': {
        if (u.removals.length === 0) return;
        for (const k of u.removals) delete m.properties[k];
        return this.changed(u);
      }
      case 'set-statistics': {
        const i = m.statistics.findIndex((s) => s.snapshotId === u.statistics.snapshotId);
        if (i >= 0) m.statistics[i] = u.statistics;
        else m.statistics.push(u.statistics);
        return this.changed(u);
      }
      case 'remove-statistics': {
        const before = m.statistics.length;
        m.statistics = m.statistics.filter((s) => s.snapshotId !== u.snapshotId);
        if (m.statistics.length !== before) this.changed(u);
        return;
      }
      case 'set-partition-statistics': {
        const i = m.partitionStatistics.findIndex((s) => s.snapshotId === u.partitionStatistics.snapshotId);
        if (i >= 0) m.partitionStatistics[i] = u.partitionStatistics;
        else m.partitionStatistics.push(u.partitionStatistics);
        return this.changed(u);
      }
      case 'remove-partition-statistics': {
        const before = m.partitionStatistics.length;
        m.partitionStatistics = m.partitionStatistics.filter((s) => s.snapshotId !== u.snapshotId);
        if (m.partitionStatistics.length !== before) this.changed(u);
        return;
      }
      case 'remove-partition-specs': {
        if (u.specIds.includes(m.defaultSpecId)) invalid(`cannot remove the default partition spec ${m.defaultSpecId}`);
        if (u.specIds.length === 0) return;
        m.partitionSpecs = m.partitionSpecs.filter((s) => !u.specIds.includes(s.specId));
        return this.changed(u);
      }
      case 'remove-schemas': {
        if (u.schemaIds.includes(m.currentSchemaId)) invalid(`cannot remove the current schema ${m.currentSchemaId}`);
        if (u.schemaIds.length === 0) return;
        m.schemas = m.schemas.filter((s) => !u.schemaIds.includes(s.schemaId));
        return this.changed(u);
      }
      case 'add-encryption-key': {
        if (m.encryptionKeys.some((k) => k.keyId === u.encryptionKey.keyId)) return;
        m.encryptionKeys.push(u.encryptionKey);
        return this.changed(u);
      }
      case 'remove-encryption-key': {
        const before = m.encryptionKeys.length;
        m.encryptionKeys = m.encryptionKeys.filter((k) => k.keyId !== u.keyId);
        if (m.encryptionKeys.length !== before) this.changed(u);
        return;
      }
      default: {
        const unknown: { action?: unknown } = u;
        invalid(`unknown update action ${describe(unknown.action)}`);
      }
    }
  }

  private addSchema(u: Extract<TableUpdate, { action: 'add-schema' }>): void {
    const m = this.m;
    const schema = u.schema;
    try {
      indexSchema(schema);
    } catch (e) {
      invalid(`invalid schema: ${(e as Error).message}`);
    }
    const fieldIds = new Set(indexSchema(schema).keys());
    for (const id of schema.identifierFieldIds) {
      if (!fieldIds.has(id)) invalid(`identifier field id ${id} is not a field of the schema`);
    }
    checkSchemaCompatibility(schema, m.formatVersion, 'INVALID_INPUT');
    const newLastColumnId = Math.max(m.lastColumnId, highestFieldId(schema));

    let newId = m.currentSchemaId;
    let existing: Schema | undefined;
    for (const s of m.schemas) {
      if (sameSchema(s, schema)) {
        existing = s;
        break;
      }
      if (s.schemaId >= newId) newId = s.schemaId + 1;
    }
    if (existing !== undefined) newId = existing.schemaId;
    this.lastAddedSchemaId = newId;
    if (existing !== undefined && newLastColumnId === m.lastColumnId) return;
    m.lastColumnId = newLastColumnId;
    const added: Schema = { ...schema, schemaId: newId };
    if (existing === undefined) m.schemas.push(added);
    this.changed({ action: 'add-schema', schema: existing ?? added, lastColumnId: newLastColumnId });
  }

  private addSpec(spec: PartitionSpec): void {
    const m = this.m;
    let newId = 0;
    for (const s of m.partitionSpecs) {
      if (compatibleSpecs(spec, s)) {
        this.lastAddedSpecId = s.specId;
        return;
      }
      if (s.specId >= newId) newId = s.specId + 1;
    }
    const schema = this.currentSchemaOrFail('add a partition spec');
    checkSpecAgainstSchema(spec, schema, 'INVALID_INPUT', 'partition spec');
    const names = new Set<string>();
    const ids = new Set<number>();
    spec.fields.forEach((f, i) => {
      if (names.has(f.name)) invalid(`partition spec uses the field name "${f.name}" more than once`);
      names.add(f.name);
      if (ids.has(f.fieldId)) invalid(`partition spec uses the field id ${f.fieldId} more than once`);
      ids.add(f.fieldId);
      if (m.formatVersion === 1 && f.fieldId !== 1000 + i) {
        invalid(`v1 partition specs need sequential field ids from 1000, but field ${i} ("${f.name}") has id ${f.fieldId}`);
      }
    });
    if (m.formatVersion > 1) {
      // Partition field ids are unique across all specs of a v2 table (spec "Partitioning").
      for (const f of spec.fields) {
        for (const s of m.partitionSpecs) {
          const other = s.fields.find((g) => g.fieldId === f.fieldId);
          if (
            other !== undefined &&
            (stringifyJson(sourceIdsOf(other)) !== stringifyJson(sourceIdsOf(f)) || transformToString(other.transform) !== transformToString(f.transform))
          ) {
            invalid(
              `partition field id ${f.fieldId} ("${f.name}", ${transformToString(f.transform)} of ${sourceIdsOf(f).join(',')}) is already used by spec ${s.specId} for "${other.name}" (${transformToString(other.transform)} of ${sourceIdsOf(other).join(',')})`,
            );
          }
        }
      }
    }
    const added: PartitionSpec = { specId: newId, fields: spec.fields.map((f) => ({ ...f })) };
    m.partitionSpecs.push(added);
    m.lastPartitionId = Math.max(m.lastPartitionId, lastAssignedPartitionFieldId(added));
    this.lastAddedSpecId = newId;
    this.changed({ action: 'add-spec', spec: added });
  }

  private addSortOrder(order: SortOrder): void {
    const m = this.m;
    let newId: number;
    if (order.fields.length === 0) {
      newId = 0;
    } else {
      newId = 1;
      for (const o of m.sortOrders) {
        if (sameOrder(o, order)) {
          newId = o.orderId;
          break;
        }
        if (o.orderId >= newId) newId = o.orderId + 1;
      }
    }
    this.lastAddedOrderId = newId;
    if (m.sortOrders.some((o) => o.orderId === newId)) return;
    const schema = this.currentSchemaOrFail('add a sort order');
    checkSortOrderAgainstSchema(order, schema, 'INVALID_INPUT', 'sort order');
    const added: SortOrder = { orderId: newId, fields: order.fields.map((f) => ({ ...f })) };
    m.sortOrders.push(added);
    this.changed({ action: 'add-sort-order', sortOrder: added });
  }

  private addSnapshot(snapshot: Snapshot): void {
    const m = this.m;
    const id = snapshot.snapshotId;
    if (m.schemas.length === 0) invalid('cannot add a snapshot before a schema is added');
    if (m.partitionSpecs.length === 0) invalid('cannot add a snapshot before a partition spec is added');
    if (m.sortOrders.length === 0) invalid('cannot add a snapshot before a sort order is added');
    if (m.snapshots.some((s) => s.snapshotId === id)) invalid(`snapshot ${id} already exists`, { snapshotId: id });
    if (snapshot.parentSnapshotId !== undefined && !m.snapshots.some((s) => s.snapshotId === snapshot.parentSnapshotId)) {
      invalid(`parent snapshot ${snapshot.parentSnapshotId} of snapshot ${id} does not exist`, { snapshotId: id, parentSnapshotId: snapshot.parentSnapshotId });
    }
    if (snapshot.manifestList === undefined && m.formatVersion > 1) invalid(`snapshot ${id} has no manifest-list (required from v2 on)`);
    if (m.formatVersion === 1) {
      if (snapshot.sequenceNumber !== 0n) invalid(`snapshot ${id} has sequence number ${snapshot.sequenceNumber}, but v1 snapshots have none (0)`);
    } else if (snapshot.sequenceNumber <= m.lastSequenceNumber) {
      throw new LakeError(
        'COMMIT_CONFLICT',
        `cannot add snapshot ${id} with sequence number ${snapshot.sequenceNumber}: the table's last sequence number is already ${m.lastSequenceNumber}`,
        { retryable: true, context: { snapshotId: id, sequenceNumber: snapshot.sequenceNumber, lastSequenceNumber: m.lastSequenceNumber } },
      );
    }
    let added = snapshot;
    if (m.formatVersion >= 3) {
      const next = m.nextRowId ?? 0n;
      if (snapshot.addedRows === undefined) invalid(`snapshot ${id} has no added-rows (required from v3 on)`);
      if (snapshot.addedRows < 0n) invalid(`snapshot ${id} has negative added-rows ${snapshot.addedRows}`);
      if (snapshot.firstRowId === undefined) {
        added = { ...snapshot, firstRowId: next };
      } else if (snapshot.firstRowId < next) {
        throw new LakeError('COMMIT_CONFLICT', `cannot add snapshot ${id}: first-row-id ${snapshot.firstRowId} is behind the table's next-row-id ${next}`, {
          retryable: true,
          context: { snapshotId: id, firstRowId: snapshot.firstRowId, nextRowId: next },
        });
      }
      m.nextRowId = added.firstRowId! + snapshot.addedRows;
    }
    if (m.formatVersion > 1) m.lastSequenceNumber = snapshot.sequenceNumber;
    m.snapshots.push(added);
    this.addedSnapshotIds.add(id);
    this.changed({ action: 'add-snapshot', snapshot: added });
  }

  private setRef(u: Extract<TableUpdate, { action: 'set-snapshot-ref' }>): void {
    const m = this.m;
    const ref: SnapshotRef = { snapshotId: u.snapshotId, type: u.type };
    if (u.minSnapshotsToKeep !== undefined) ref.minSnapshotsToKeep = u.minSnapshotsToKeep;
    if (u.maxSnapshotAgeMs !== undefined) ref.maxSnapshotAgeMs = u.maxSnapshotAgeMs;
    if (u.maxRefAgeMs !== undefined) ref.maxRefAgeMs = u.maxRefAgeMs;
    if (typeof u.refName !== 'string' || u.refName === '') invalid('ref-name must be a non-empty string');
    validateSnapshotRef(ref, u.refName, 'INVALID_INPUT');
    const existing = m.refs.get(u.refName);
    if (existing !== undefined && snapshotRefsEqual(existing, ref)) return;
    const snapshot = m.snapshots.find((s) => s.snapshotId === ref.snapshotId);
    if (snapshot === undefined) invalid(`cannot set ${u.refName} to unknown snapshot ${ref.snapshotId}`, { snapshotId: ref.snapshotId });
    if (u.refName === MAIN_BRANCH) {
      if (ref.type !== 'branch') invalid('cannot set main to a tag, it must be a branch');
      m.currentSnapshotId = ref.snapshotId;
      // A rollback to an existing snapshot is logged at the time of the change.
      const time = this.addedSnapshotIds.has(ref.snapshotId) ? snapshot.timestampMs : this.nowMs;
      m.snapshotLog.push({ timestampMs: time, snapshotId: ref.snapshotId });
    }
    m.refs.set(u.refName, ref);
    this.changed({ action: 'set-snapshot-ref', refName: u.refName, ...ref });
  }

  private removeRef(name: string): void {
    const m = this.m;
    if (name === MAIN_BRANCH) delete m.currentSnapshotId;
    if (m.refs.delete(name)) this.changed({ action: 'remove-snapshot-ref', refName: name });
  }

  private removeSnapshots(ids: readonly bigint[]): void {
    const m = this.m;
    const remove = new Set(ids);
    const removed: bigint[] = [];
    m.snapshots = m.snapshots.filter((s) => {
      if (!remove.has(s.snapshotId)) return true;
      removed.push(s.snapshotId);
      return false;
    });
    if (removed.length === 0) return;
    const gone = new Set(removed);
    m.statistics = m.statistics.filter((s) => !gone.has(s.snapshotId));
    m.partitionStatistics = m.partitionStatistics.filter((s) => !gone.has(s.snapshotId));
    this.changed({ action: 'remove-snapshots', snapshotIds: removed });
    for (const [name, ref] of [...m.refs]) if (gone.has(ref.snapshotId)) this.removeRef(name);
  }

  /** The reference implementation's `updateSnapshotLog`. */
  private snapshotLog(): SnapshotLogEntry[] {
    const m = this.m;
    const added = new Set<bigint>();
    const intermediate = new Set<bigint>();
    for (const c of this.changes) {
      if (c.action === 'add-snapshot') added.add(c.snapshot.snapshotId);
      else if (c.action === 'set-snapshot-ref' && c.refName === MAIN_BRANCH && added.has(c.snapshotId) && c.snapshotId !== m.currentSnapshotId) {
        intermediate.add(c.snapshotId);
      }
    }
    const hasRemoved = this.changes.some((c) => c.action === 'remove-snapshots');
    if (intermediate.size === 0 && !hasRemoved) return m.snapshotLog;
    const live = new Set(m.snapshots.map((s) => s.snapshotId));
    let log: SnapshotLogEntry[] = [];
    for (const e of m.snapshotLog) {
      if (live.has(e.snapshotId)) {
        if (!intermediate.has(e.snapshotId)) log.push(e);
      } else if (hasRemoved) {
        // A removed snapshot drops the history before it: otherwise the log would claim that the
        // next snapshot was current during the removed one's time.
        log = [];
      }
    }
    if (m.currentSnapshotId !== undefined && live.has(m.currentSnapshotId) && log[log.length - 1]?.snapshotId !== m.currentSnapshotId) {
      invalid('cannot set invalid snapshot log: the latest entry is not the current snapshot');
    }
    return log;
  }

  build(base: TableMetadata | undefined): TableMetadata {
    if (base !== undefined && this.changes.length === 0) return base;
    const m = this.m;
    m.snapshotLog = this.snapshotLog();
    m.lastUpdatedMs = this.nowMs;
    if (m.location === '') invalid('the table has no location (set-location is required when creating a table)');
    if (m.schemas.length === 0) invalid('the table has no schema (add-schema is required when creating a table)');
    if (m.partitionSpecs.length === 0) invalid('the table has no partition spec (add-spec is required when creating a table)');
    if (m.sortOrders.length === 0) invalid('the table has no sort order (add-sort-order is required when creating a table)');
    if (m.formatVersion < 3) delete m.nextRowId;
    validateTableMetadata(m, 'INVALID_INPUT');
    return m;
  }
}
