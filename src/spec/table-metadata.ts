/**
 * Table metadata (spec "Table Metadata", JSON in Appendix C, version rules in Appendix E): the
 * model, parsing of format v1, v2 and v3 files, serialization in the reference implementation's
 * field order, accessors, and the creation of new table metadata.
 *
 * Parsing mirrors apache/iceberg's `TableMetadataParser` (v1 defaults per Appendix E, `-1` as "no
 * current snapshot", an implied `main` branch) and the invariants its `TableMetadata` constructor
 * checks; every 64-bit value is a `bigint`, so ids beyond the signed 64-bit range round-trip exactly.
 */
import { LakeError, type LakeErrorCode } from '../errors.js';
import { JsonFields, decodeJsonBytes, describe, parseJson, setOwn, stringifyJson } from '../util/json.js';
import { type PartitionSpec, PARTITION_DATA_ID_START, parsePartitionSpec, partitionFieldToJson, partitionSpecToJson } from './partition-spec.js';
import {
  PropertyDefaults,
  RESERVED_PROPERTIES,
  TableProperty,
  formatVersionProperty,
  metadataPreviousVersionsMax,
  validateTableProperties,
} from './properties.js';
import { type Schema, indexSchema, parseSchema, schemaToJson } from './schema.js';
import { MAIN_BRANCH, type Snapshot, type SnapshotRef, parseSnapshot, parseSnapshotRef, snapshotRefToJson, snapshotToJson } from './snapshot.js';
import { type SortOrder, parseSortOrder, sortOrderToJson } from './sort-order.js';
import {
  type PartitionStatisticsFile,
  type StatisticsFile,
  parsePartitionStatisticsFile,
  parseStatisticsFile,
  partitionStatisticsFileToJson,
  statisticsFileToJson,
} from './statistics.js';
import { type IcebergType, type NestedField, isPrimitive, minFormatVersion, primitiveToString } from './types.js';

export type FormatVersion = 1 | 2 | 3;

/** Highest format version lake reads and writes. */
export const MAX_FORMAT_VERSION: FormatVersion = 3;
export const DEFAULT_FORMAT_VERSION: FormatVersion = 2;

export interface SnapshotLogEntry {
  timestampMs: number;
  snapshotId: bigint;
}

export interface MetadataLogEntry {
  timestampMs: number;
  metadataFile: string;
}

/** v3 `encryption-keys` entry. */
export interface EncryptedKey {
  keyId: string;
  /** Base64 encrypted key metadata. */
  encryptedKeyMetadata: string;
  encryptedById?: string;
  properties?: Record<string, string>;
}

export interface TableMetadata {
  formatVersion: FormatVersion;
  /** Optional only in v1 metadata. */
  tableUuid?: string;
  location: string;
  /** 0 in v1. */
  lastSequenceNumber: bigint;
  lastUpdatedMs: number;
  lastColumnId: number;
  schemas: Schema[];
  currentSchemaId: number;
  partitionSpecs: PartitionSpec[];
  defaultSpecId: number;
  lastPartitionId: number;
  properties: Record<string, string>;
  /** Undefined when the table has no current snapshot (`-1` or `null` in JSON). */
  currentSnapshotId?: bigint;
  snapshots: Snapshot[];
  snapshotLog: SnapshotLogEntry[];
  metadataLog: MetadataLogEntry[];
  sortOrders: SortOrder[];
  defaultSortOrderId: number;
  /** Branches and tags; `main` is present exactly when there is a current snapshot. */
  refs: Map<string, SnapshotRef>;
  statistics: StatisticsFile[];
  partitionStatistics: PartitionStatisticsFile[];
  /** v3 only: the next snapshot's `first-row-id`. */
  nextRowId?: bigint;
  /** v3: encryption keys (empty when none). */
  encryptionKeys: EncryptedKey[];
}

/** Highest partition field id in a spec, 999 for a spec without fields (as the reference implementation). */
export function lastAssignedPartitionFieldId(spec: PartitionSpec): number {
  let max = PARTITION_DATA_ID_START - 1;
  for (const f of spec.fields) if (f.fieldId > max) max = f.fieldId;
  return max;
}

// ---------------------------------------------------------------------------------------------
// Parsing

export interface ParseTableMetadataOptions {
  /** Used in error messages (e.g. the metadata file path). */
  source?: string;
}

/**
 * Parses a table metadata file: JSON text, or the file's bytes (gzip-compressed files are detected
 * by their magic bytes). Invalid metadata gives INVALID_METADATA; a format version above 3 gives
 * UNSUPPORTED_FEATURE.
 */
export function parseTableMetadata(input: string | Uint8Array, options: ParseTableMetadataOptions = {}): TableMetadata {
  try {
    const text = typeof input === 'string' ? input : decodeJsonBytes(input);
    return tableMetadataFromJson(parseJson(text));
  } catch (e) {
    if (options.source !== undefined && e instanceof LakeError) {
      throw new LakeError(e.code, `${options.source}: ${e.message}`, { cause: e, context: { ...e.context, source: options.source } });
    }
    throw e;
  }
}

function requireStructSchema(json: unknown, what: string): Schema {
  const f = new JsonFields(json, what);
  if (f.raw('type') !== 'struct') f.fail(`"type" must be "struct", got ${describe(f.raw('type'))}`);
  return parseSchema(json);
}

/** Builds the model from parsed JSON (see `parseTableMetadata`). */
export function tableMetadataFromJson(json: unknown): TableMetadata {
  const f = new JsonFields(json, 'table metadata');
  if (!f.has('format-version')) f.fail('missing required field "format-version"');
  const version = f.int('format-version');
  if (version > MAX_FORMAT_VERSION) {
    throw new LakeError('UNSUPPORTED_FEATURE', `table metadata format version ${version} is not supported (lake reads format versions 1, 2 and 3)`, {
      context: { formatVersion: version },
    });
  }
  if (version < 1) f.fail(`invalid format-version ${version}`);
  const formatVersion = version as FormatVersion;
  const v1 = formatVersion === 1;
  const missing = (key: string): never => f.fail(`missing required field "${key}" (required in format v${formatVersion})`);

  const tableUuid = f.optStr('table-uuid');
  const location = stripTrailingSlash(f.str('location'));
  const lastSequenceNumber = v1 ? 0n : f.long('last-sequence-number');
  const lastColumnId = f.int('last-column-id');

  // Schemas: `schemas` + `current-schema-id`, or (v1 only) the single `schema`.
  let schemas: Schema[];
  let currentSchemaId: number;
  if (f.has('schemas')) {
    currentSchemaId = f.int('current-schema-id');
    schemas = f.list('schemas').map((s, i) => requireStructSchema(s, `schema ${i} in "schemas"`));
    if (!schemas.some((s) => s.schemaId === currentSchemaId)) {
      f.fail(`current-schema-id ${currentSchemaId} not found in schemas (ids: ${schemas.map((s) => s.schemaId).join(', ') || 'none'})`);
    }
  } else {
    if (!v1) missing('schemas');
    if (!f.has('schema')) missing('schema');
    const schema = requireStructSchema(f.obj.schema, '"schema"');
    currentSchemaId = schema.schemaId;
    schemas = [schema];
  }

  // Partition specs: `partition-specs` + `default-spec-id`, or (v1 only) the bare `partition-spec` list.
  let partitionSpecs: PartitionSpec[];
  let defaultSpecId: number;
  if (f.has('partition-specs')) {
    defaultSpecId = f.int('default-spec-id');
    partitionSpecs = f.list('partition-specs').map((s) => parsePartitionSpec(s));
  } else {
    if (!v1) missing('partition-specs');
    if (!f.has('partition-spec')) missing('partition-spec');
    defaultSpecId = 0;
    partitionSpecs = [parsePartitionSpec(f.list('partition-spec'), 0)];
  }

  let lastPartitionId = f.optInt('last-partition-id');
  if (lastPartitionId === undefined) {
    if (!v1) missing('last-partition-id');
    lastPartitionId = Math.max(PARTITION_DATA_ID_START - 1, ...partitionSpecs.map(lastAssignedPartitionFieldId));
  }

  let sortOrders: SortOrder[];
  let defaultSortOrderId: number;
  if (f.has('sort-orders')) {
    defaultSortOrderId = f.int('default-sort-order-id');
    sortOrders = f.list('sort-orders').map((o) => parseSortOrder(o));
  } else {
    if (!v1) missing('sort-orders');
    sortOrders = [{ orderId: 0, fields: [] }];
    defaultSortOrderId = 0;
  }

  const properties = f.optStrMap('properties') ?? {};

  // -1 (written by v1/v2 writers) and null both mean "no current snapshot" (Appendix F).
  let currentSnapshotId = f.optLong('current-snapshot-id');
  if (currentSnapshotId === -1n) currentSnapshotId = undefined;

  const lastUpdatedMs = f.safeLong('last-updated-ms');
  const encryptionKeys = (f.optList('encryption-keys') ?? []).map((k) => parseEncryptedKey(k));

  const refs = new Map<string, SnapshotRef>();
  if (f.has('refs')) {
    const refsJson = f.raw('refs');
    if (typeof refsJson !== 'object' || Array.isArray(refsJson)) f.fail(`"refs" must be an object, got ${describe(refsJson)}`);
    for (const [name, r] of Object.entries(refsJson as Record<string, unknown>)) refs.set(name, parseSnapshotRef(r, name));
  }
  // "There is always a main branch reference pointing to the current-snapshot-id" (spec).
  if (currentSnapshotId !== undefined && !refs.has(MAIN_BRANCH)) refs.set(MAIN_BRANCH, { snapshotId: currentSnapshotId, type: 'branch' });

  const snapshots = (f.optList('snapshots') ?? []).map((s) => parseSnapshot(s));
  const statistics = (f.optList('statistics') ?? []).map((s) => parseStatisticsFile(s));
  const partitionStatistics = (f.optList('partition-statistics') ?? []).map((s) => parsePartitionStatisticsFile(s));
  const snapshotLog = (f.optList('snapshot-log') ?? []).map((e, i) => {
    const l = new JsonFields(e, `snapshot-log entry ${i}`);
    return { timestampMs: l.safeLong('timestamp-ms'), snapshotId: l.long('snapshot-id') };
  });
  const metadataLog = (f.optList('metadata-log') ?? []).map((e, i) => {
    const l = new JsonFields(e, `metadata-log entry ${i}`);
    return { timestampMs: l.safeLong('timestamp-ms'), metadataFile: l.str('metadata-file') };
  });

  const m: TableMetadata = {
    formatVersion,
    location,
    lastSequenceNumber,
    lastUpdatedMs,
    lastColumnId,
    schemas,
    currentSchemaId,
    partitionSpecs,
    defaultSpecId,
    lastPartitionId,
    properties,
    snapshots,
    snapshotLog,
    metadataLog,
    sortOrders,
    defaultSortOrderId,
    refs,
    statistics,
    partitionStatistics,
    encryptionKeys,
  };
  if (tableUuid !== undefined) m.tableUuid = tableUuid;
  if (currentSnapshotId !== undefined) m.currentSnapshotId = currentSnapshotId;
  if (formatVersion >= 3) {
    const next = f.optLong('next-row-id');
    // The spec requires next-row-id in v3, but v3 files written by duckdb-iceberg omit it; those
    // are read with the smallest value that keeps row ids unique (lake always writes the field).
    m.nextRowId = next ?? impliedNextRowId(snapshots);
    if (m.nextRowId < 0n) f.fail(`next-row-id must not be negative, got ${m.nextRowId}`);
  }
  validateTableMetadata(m);
  return m;
}

function impliedNextRowId(snapshots: Snapshot[]): bigint {
  let next = 0n;
  for (const s of snapshots) {
    if (s.firstRowId !== undefined) {
      const end = s.firstRowId + (s.addedRows ?? 0n);
      if (end > next) next = end;
    }
  }
  return next;
}

function stripTrailingSlash(location: string): string {
  let l = location;
  while (l.length > 1 && l.endsWith('/') && !l.endsWith('://')) l = l.slice(0, -1);
  return l;
}

export function parseEncryptedKey(json: unknown, code: LakeErrorCode = 'INVALID_METADATA'): EncryptedKey {
  const f = new JsonFields(json, 'encryption key', code);
  const k: EncryptedKey = { keyId: f.str('key-id'), encryptedKeyMetadata: f.str('encrypted-key-metadata') };
  const by = f.optStr('encrypted-by-id');
  if (by !== undefined) k.encryptedById = by;
  const props = f.optStrMap('properties');
  if (props !== undefined && Object.keys(props).length > 0) k.properties = props;
  return k;
}

export function encryptedKeyToJson(k: EncryptedKey): Record<string, unknown> {
  const o: Record<string, unknown> = { 'key-id': k.keyId, 'encrypted-key-metadata': k.encryptedKeyMetadata };
  if (k.encryptedById !== undefined) o['encrypted-by-id'] = k.encryptedById;
  if (k.properties !== undefined && Object.keys(k.properties).length > 0) o.properties = { ...k.properties };
  return o;
}

// ---------------------------------------------------------------------------------------------
// Invariants

const ONE_MINUTE = 60_000;

/**
 * Checks the invariants of table metadata that the reference implementation checks when it builds
 * metadata: required fields per version, unique ids, current schema / default spec / default sort
 * order present and compatible with the current schema, refs and the current snapshot pointing at
 * existing snapshots, sequence numbers, and time order of the logs (one minute of clock skew
 * tolerated). Throws LakeError with `code` (INVALID_METADATA by default).
 */
export function validateTableMetadata(m: TableMetadata, code: LakeErrorCode = 'INVALID_METADATA'): void {
  const fail = (msg: string): never => {
    throw new LakeError(code, `invalid table metadata: ${msg}`);
  };
  if (![1, 2, 3].includes(m.formatVersion)) fail(`unsupported format version ${String(m.formatVersion)}`);
  if (m.formatVersion > 1 && (m.tableUuid === undefined || m.tableUuid === '')) fail(`table-uuid is required in format v${m.formatVersion}`);
  if (typeof m.location !== 'string' || m.location === '') fail('location is required');
  if (m.formatVersion === 1 && m.lastSequenceNumber !== 0n) fail(`last-sequence-number must be 0 in v1, got ${m.lastSequenceNumber}`);
  if (m.lastSequenceNumber < 0n) fail(`last-sequence-number must not be negative, got ${m.lastSequenceNumber}`);
  if (m.formatVersion >= 3 && m.nextRowId === undefined) fail('next-row-id is required in format v3');

  unique(m.schemas.map((s) => s.schemaId), 'schema id', fail);
  unique(m.partitionSpecs.map((s) => s.specId), 'partition spec id', fail);
  unique(m.sortOrders.map((o) => o.orderId), 'sort order id', fail);
  const schema = m.schemas.find((s) => s.schemaId === m.currentSchemaId);
  if (schema === undefined) return fail(`current-schema-id ${m.currentSchemaId} not found in schemas`);
  const spec = m.partitionSpecs.find((s) => s.specId === m.defaultSpecId);
  if (spec === undefined) return fail(`default-spec-id ${m.defaultSpecId} not found in partition-specs`);
  const order = m.sortOrders.find((o) => o.orderId === m.defaultSortOrderId);
  if (order === undefined) return fail(`default-sort-order-id ${m.defaultSortOrderId} not found in sort-orders`);
  for (const s of m.schemas) {
    try {
      indexSchema(s);
    } catch (e) {
      fail(`schema ${s.schemaId}: ${(e as Error).message}`);
    }
  }
  checkSpecAgainstSchema(spec, schema, code, 'invalid table metadata: default partition spec');
  checkSortOrderAgainstSchema(order, schema, code, 'invalid table metadata: default sort order');

  const byId = new Map<bigint, Snapshot>();
  for (const s of m.snapshots) {
    if (byId.has(s.snapshotId)) fail(`duplicate snapshot id ${s.snapshotId}`);
    byId.set(s.snapshotId, s);
    if (s.sequenceNumber > m.lastSequenceNumber) {
      fail(`snapshot ${s.snapshotId} has sequence number ${s.sequenceNumber}, greater than last-sequence-number ${m.lastSequenceNumber}`);
    }
  }
  if (m.currentSnapshotId !== undefined && !byId.has(m.currentSnapshotId)) {
    fail(`current-snapshot-id ${m.currentSnapshotId} not found in snapshots`);
  }
  for (const [name, ref] of m.refs) {
    if (!byId.has(ref.snapshotId)) fail(`ref "${name}" points at snapshot ${ref.snapshotId}, which does not exist`);
  }
  const main = m.refs.get(MAIN_BRANCH);
  if (m.currentSnapshotId !== undefined) {
    if (main !== undefined && main.snapshotId !== m.currentSnapshotId) {
      fail(`current-snapshot-id ${m.currentSnapshotId} does not match the main branch (${main.snapshotId})`);
    }
    if (main !== undefined && main.type !== 'branch') fail('ref "main" must be a branch');
  } else if (main !== undefined) {
    fail(`main branch points at snapshot ${main.snapshotId} but there is no current snapshot`);
  }

  checkTimeOrder(m.snapshotLog, m.lastUpdatedMs, 'snapshot-log', fail);
  checkTimeOrder(m.metadataLog, m.lastUpdatedMs, 'metadata-log', fail);
}

function unique(ids: number[], what: string, fail: (msg: string) => never): void {
  const seen = new Set<number>();
  for (const id of ids) {
    if (seen.has(id)) fail(`duplicate ${what} ${id}`);
    seen.add(id);
  }
}

function checkTimeOrder(entries: { timestampMs: number }[], lastUpdatedMs: number, what: string, fail: (msg: string) => never): void {
  let last: number | undefined;
  for (const e of entries) {
    if (last !== undefined && e.timestampMs - last < -ONE_MINUTE) fail(`${what} entries are not in time order (${e.timestampMs} after ${last})`);
    last = e.timestampMs;
  }
  if (last !== undefined && lastUpdatedMs - last < -ONE_MINUTE) {
    fail(`last-updated-ms ${lastUpdatedMs} is before the latest ${what} entry at ${last}`);
  }
}

/** Source columns of a spec must exist in the schema and be primitive (void fields excepted). */
export function checkSpecAgainstSchema(spec: PartitionSpec, schema: Schema, code: LakeErrorCode, prefix: string): void {
  const index = indexSchema(schema);
  for (const field of spec.fields) {
    if (field.transform.kind === 'void') continue;
    for (const id of field.sourceIds ?? [field.sourceId]) {
      const source = index.get(id);
      if (source === undefined) {
        throw new LakeError(code, `${prefix} ${spec.specId}: partition field "${field.name}" refers to missing source column ${id}`);
      }
      if (!isPrimitive(source.field.type)) {
        throw new LakeError(code, `${prefix} ${spec.specId}: cannot partition by non-primitive column ${source.path}`);
      }
    }
  }
}

/** Source columns of a sort order must exist in the schema and be primitive. */
export function checkSortOrderAgainstSchema(order: SortOrder, schema: Schema, code: LakeErrorCode, prefix: string): void {
  const index = indexSchema(schema);
  for (const field of order.fields) {
    for (const id of field.sourceIds ?? [field.sourceId]) {
      const source = index.get(id);
      if (source === undefined) throw new LakeError(code, `${prefix} ${order.orderId}: sort field refers to missing source column ${id}`);
      if (!isPrimitive(source.field.type)) {
        throw new LakeError(code, `${prefix} ${order.orderId}: cannot sort by non-primitive column ${source.path}`);
      }
    }
  }
}

/** Types and defaults a schema may use in a format version (the reference implementation's `Schema.checkCompatibility`). */
export function checkSchemaCompatibility(schema: Schema, formatVersion: number, code: LakeErrorCode = 'INVALID_INPUT'): void {
  const problems: string[] = [];
  for (const { field, path } of indexSchema(schema).values()) {
    if (isPrimitive(field.type)) {
      const min = minFormatVersion(field.type);
      if (formatVersion < min) problems.push(`${path}: type ${primitiveToString(field.type)} is not supported until v${min}`);
    }
    if (field.initialDefault !== undefined && field.initialDefault !== null && formatVersion < 3) {
      problems.push(`${path}: a non-null initial-default is not supported until v3`);
    }
  }
  if (problems.length > 0) throw new LakeError(code, `invalid schema for format v${formatVersion}: ${problems.join('; ')}`);
}


// ---------------------------------------------------------------------------------------------
// Serialization

/** The JSON object of the metadata, keys in the order the reference implementation writes them. */
export function tableMetadataToJson(m: TableMetadata): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  o['format-version'] = m.formatVersion;
  if (m.tableUuid !== undefined) o['table-uuid'] = m.tableUuid;
  o.location = m.location;
  if (m.formatVersion > 1) o['last-sequence-number'] = m.lastSequenceNumber;
  o['last-updated-ms'] = m.lastUpdatedMs;
  o['last-column-id'] = m.lastColumnId;
  // v1 readers only know `schema` and `partition-spec`, so v1 metadata keeps writing them.
  if (m.formatVersion === 1) o.schema = schemaToJson(currentSchema(m));
  o['current-schema-id'] = m.currentSchemaId;
  o.schemas = m.schemas.map(schemaToJson);
  if (m.formatVersion === 1) o['partition-spec'] = defaultSpec(m).fields.map(partitionFieldToJson);
  o['default-spec-id'] = m.defaultSpecId;
  o['partition-specs'] = m.partitionSpecs.map(partitionSpecToJson);
  o['last-partition-id'] = m.lastPartitionId;
  o['default-sort-order-id'] = m.defaultSortOrderId;
  o['sort-orders'] = m.sortOrders.map(sortOrderToJson);
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.properties)) setOwn(props, k, v);
  o.properties = props;
  // v1/v2 readers expect -1 for "no current snapshot"; from v3 on it is null (Appendix F).
  o['current-snapshot-id'] = m.currentSnapshotId ?? (m.formatVersion >= 3 ? null : -1);
  if (m.formatVersion >= 3) o['next-row-id'] = m.nextRowId ?? 0n;
  if (m.encryptionKeys.length > 0) o['encryption-keys'] = m.encryptionKeys.map(encryptedKeyToJson);
  const refs: Record<string, unknown> = {};
  for (const [name, ref] of m.refs) setOwn(refs, name, snapshotRefToJson(ref));
  o.refs = refs;
  o.snapshots = m.snapshots.map(snapshotToJson);
  o.statistics = m.statistics.map(statisticsFileToJson);
  o['partition-statistics'] = m.partitionStatistics.map(partitionStatisticsFileToJson);
  o['snapshot-log'] = m.snapshotLog.map((e) => ({ 'timestamp-ms': e.timestampMs, 'snapshot-id': e.snapshotId }));
  o['metadata-log'] = m.metadataLog.map((e) => ({ 'timestamp-ms': e.timestampMs, 'metadata-file': e.metadataFile }));
  return o;
}

export interface SerializeOptions {
  /** Pretty-print with this indentation; compact (as the reference implementation writes) when absent. */
  indent?: number;
}

/** Metadata JSON text for any supported format version; reading it back gives an equal model. */
export function serializeTableMetadata(m: TableMetadata, options: SerializeOptions = {}): string {
  return stringifyJson(tableMetadataToJson(m), options.indent === undefined ? {} : { indent: options.indent });
}

// ---------------------------------------------------------------------------------------------
// Accessors

export function schemaById(m: TableMetadata, schemaId: number): Schema | undefined {
  return m.schemas.find((s) => s.schemaId === schemaId);
}

export function currentSchema(m: TableMetadata): Schema {
  const s = schemaById(m, m.currentSchemaId);
  if (s === undefined) throw new LakeError('INVALID_METADATA', `current schema ${m.currentSchemaId} not found`);
  return s;
}

export function specById(m: TableMetadata, specId: number): PartitionSpec | undefined {
  return m.partitionSpecs.find((s) => s.specId === specId);
}

export function defaultSpec(m: TableMetadata): PartitionSpec {
  const s = specById(m, m.defaultSpecId);
  if (s === undefined) throw new LakeError('INVALID_METADATA', `default partition spec ${m.defaultSpecId} not found`);
  return s;
}

export function sortOrderById(m: TableMetadata, orderId: number): SortOrder | undefined {
  return m.sortOrders.find((o) => o.orderId === orderId);
}

export function defaultSortOrder(m: TableMetadata): SortOrder {
  const o = sortOrderById(m, m.defaultSortOrderId);
  if (o === undefined) throw new LakeError('INVALID_METADATA', `default sort order ${m.defaultSortOrderId} not found`);
  return o;
}

export function snapshotById(m: TableMetadata, snapshotId: bigint): Snapshot | undefined {
  return m.snapshots.find((s) => s.snapshotId === snapshotId);
}

/** The current snapshot (head of `main`), or undefined for a table without snapshots. */
export function currentSnapshot(m: TableMetadata): Snapshot | undefined {
  return m.currentSnapshotId === undefined ? undefined : snapshotById(m, m.currentSnapshotId);
}

/** A table property, or `defaultValue` when it is not set. */
export function property(m: TableMetadata, key: string, defaultValue: string): string;
export function property(m: TableMetadata, key: string, defaultValue?: string): string | undefined;
export function property(m: TableMetadata, key: string, defaultValue?: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(m.properties, key) ? m.properties[key] : defaultValue;
}

/** The sequence number the next snapshot gets: last + 1 in v2 and later, always 0 in v1. */
export function nextSequenceNumber(m: TableMetadata): bigint {
  return m.formatVersion > 1 ? m.lastSequenceNumber + 1n : 0n;
}

// ---------------------------------------------------------------------------------------------
// Metadata log

/**
 * Adds the previous metadata file to `metadata-log`, keeping at most `maxEntries` entries (oldest
 * dropped first). `maxEntries` defaults to the table property `write.metadata.previous-versions-max`
 * (100). `timestampMs` is the previous file's `last-updated-ms`. Returns new metadata.
 */
export function withMetadataLogEntry(m: TableMetadata, previousFile: string, timestampMs: number, maxEntries?: number): TableMetadata {
  const max = Math.max(1, maxEntries ?? metadataPreviousVersionsMax(m.properties));
  const kept = m.metadataLog.length >= max ? m.metadataLog.slice(m.metadataLog.length - max + 1) : [...m.metadataLog];
  kept.push({ timestampMs, metadataFile: previousFile });
  return { ...m, metadataLog: kept };
}

// ---------------------------------------------------------------------------------------------
// New tables

export interface NewTableMetadataOptions {
  /** The schema; field ids are reassigned (1..n), so any ids that are unique will do. */
  schema: Schema;
  /** Partition spec whose source ids refer to `schema`'s ids; field ids are reassigned from 1000. Unpartitioned when absent. */
  spec?: PartitionSpec;
  /** Sort order whose source ids refer to `schema`'s ids. Unsorted when absent. */
  sortOrder?: SortOrder;
  location: string;
  /** Table properties; `format-version` chooses the format version and is not stored, like other reserved properties. */
  properties?: Record<string, string>;
  /** Format version, when not given by the `format-version` property. Default 2. */
  formatVersion?: FormatVersion;
  /** Default: a random UUID. */
  tableUuid?: string;
  /** Default: `Date.now()`. */
  nowMs?: number;
}

/** Result of `assignFreshIds`. */
export interface FreshSchema {
  schema: Schema;
  /** Highest id assigned. */
  lastColumnId: number;
  /** Old field id -> new field id. */
  idMap: Map<number, number>;
}

/**
 * Reassigns every field id from 1 up, in the order of the reference implementation's
 * `TypeUtil.assignFreshIds`: the fields of a struct get consecutive ids first, then the nested
 * types of those fields are visited in order (list element id, map key and value ids likewise).
 */
export function assignFreshIds(schema: Schema, options: { schemaId?: number; nextId?: () => number } = {}): FreshSchema {
  let last = 0;
  const next = options.nextId ?? (() => ++last);
  const idMap = new Map<number, number>();
  const ambiguous = new Set<number>();
  const record = (oldId: number, newId: number): number => {
    if (idMap.has(oldId)) ambiguous.add(oldId);
    idMap.set(oldId, newId);
    if (newId > last) last = newId;
    return newId;
  };
  const visit = (t: IcebergType): IcebergType => {
    if (isPrimitive(t)) return t;
    switch (t.kind) {
      case 'struct': {
        const ids = t.fields.map((fl) => record(fl.id, next()));
        return { kind: 'struct', fields: t.fields.map((fl, i): NestedField => ({ ...fl, id: ids[i]!, type: visit(fl.type) })) };
      }
      case 'list': {
        const elementId = record(t.elementId, next());
        return { ...t, elementId, element: visit(t.element) };
      }
      case 'map': {
        const keyId = record(t.keyId, next());
        const valueId = record(t.valueId, next());
        return { ...t, keyId, valueId, key: visit(t.key), value: visit(t.value) };
      }
    }
  };
  const struct = visit({ kind: 'struct', fields: schema.fields }) as { kind: 'struct'; fields: NestedField[] };
  for (const id of ambiguous) idMap.delete(id);
  const identifierFieldIds = schema.identifierFieldIds.map((id) => {
    const n = idMap.get(id);
    if (n === undefined) throw new LakeError('INVALID_INPUT', `identifier field id ${id} does not identify exactly one column of the schema`);
    return n;
  });
  return { schema: { schemaId: options.schemaId ?? 0, fields: struct.fields, identifierFieldIds }, lastColumnId: last, idMap };
}

function mapSourceId(idMap: Map<number, number>, id: number, what: string): number {
  const n = idMap.get(id);
  if (n === undefined) throw new LakeError('INVALID_INPUT', `${what} refers to source column ${id}, which does not identify exactly one column of the schema`);
  return n;
}

function randomUuid(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * Metadata for a new table, as the reference implementation's `TableMetadata.newTableMetadata`:
 * fresh column ids, the spec and sort order rebuilt against them (partition field ids from 1000,
 * spec id 0, sort order id 1 or 0 when unsorted), `last-partition-id` 999 when unpartitioned, the
 * format version from the `format-version` property (default 2) and a random table UUID.
 */
export function newTableMetadata(options: NewTableMetadataOptions): TableMetadata {
  const rawProps = options.properties ?? {};
  const propVersion = formatVersionProperty(rawProps);
  if (propVersion !== undefined && options.formatVersion !== undefined && propVersion !== options.formatVersion) {
    throw new LakeError('INVALID_INPUT', `format version ${options.formatVersion} conflicts with table property format-version=${propVersion}`);
  }
  const formatVersion = options.formatVersion ?? propVersion ?? DEFAULT_FORMAT_VERSION;
  if (![1, 2, 3].includes(formatVersion)) {
    throw new LakeError('UNSUPPORTED_FEATURE', `format version ${String(formatVersion)} is not supported (lake writes format versions 1, 2 and 3)`);
  }
  if (typeof options.location !== 'string' || options.location.trim() === '') throw new LakeError('INVALID_INPUT', 'table location is required');

  const properties: Record<string, string> = {};
  // Like the reference implementation, new tables record the Parquet codec they are written with.
  properties[TableProperty.PARQUET_COMPRESSION] = PropertyDefaults.PARQUET_COMPRESSION;
  for (const [k, v] of Object.entries(rawProps)) if (!RESERVED_PROPERTIES.has(k)) setOwn(properties, k, v);
  validateTableProperties(properties);

  const fresh = assignFreshIds(options.schema);
  const schema = fresh.schema;
  checkSchemaCompatibility(schema, formatVersion);

  const inSpec = options.spec ?? { specId: 0, fields: [] };
  const spec: PartitionSpec = {
    specId: 0,
    fields: inSpec.fields.map((pf, i) => {
      const out = { ...pf, sourceId: mapSourceId(fresh.idMap, pf.sourceId, `partition field "${pf.name}"`), fieldId: PARTITION_DATA_ID_START + i };
      if (pf.sourceIds !== undefined) out.sourceIds = pf.sourceIds.map((id) => mapSourceId(fresh.idMap, id, `partition field "${pf.name}"`));
      return out;
    }),
  };
  const names = new Set<string>();
  for (const pf of spec.fields) {
    if (names.has(pf.name)) throw new LakeError('INVALID_INPUT', `duplicate partition field name "${pf.name}"`);
    names.add(pf.name);
  }
  checkSpecAgainstSchema(spec, schema, 'INVALID_INPUT', 'partition spec');

  const inOrder = options.sortOrder ?? { orderId: 0, fields: [] };
  const sortOrder: SortOrder = {
    orderId: inOrder.fields.length === 0 ? 0 : 1,
    fields: inOrder.fields.map((sf) => {
      const out = { ...sf, sourceId: mapSourceId(fresh.idMap, sf.sourceId, 'sort field') };
      if (sf.sourceIds !== undefined) out.sourceIds = sf.sourceIds.map((id) => mapSourceId(fresh.idMap, id, 'sort field'));
      return out;
    }),
  };
  checkSortOrderAgainstSchema(sortOrder, schema, 'INVALID_INPUT', 'sort order');

  const m: TableMetadata = {
    formatVersion,
    tableUuid: options.tableUuid ?? randomUuid(),
    location: stripTrailingSlash(options.location),
    lastSequenceNumber: 0n,
    lastUpdatedMs: options.nowMs ?? Date.now(),
    lastColumnId: fresh.lastColumnId,
    schemas: [schema],
    currentSchemaId: schema.schemaId,
    partitionSpecs: [spec],
    defaultSpecId: 0,
    lastPartitionId: lastAssignedPartitionFieldId(spec),
    properties,
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [sortOrder],
    defaultSortOrderId: sortOrder.orderId,
    refs: new Map(),
    statistics: [],
    partitionStatistics: [],
    encryptionKeys: [],
  };
  if (formatVersion >= 3) m.nextRowId = 0n;
  validateTableMetadata(m, 'INVALID_INPUT');
  return m;
}
