/**
 * Snapshots and snapshot references (spec "Snapshots", "Snapshot References", JSON in Appendix C),
 * history helpers (ancestry, time travel through the snapshot log) and the standard snapshot
 * summary fields (Appendix F "Optional Snapshot Summary Fields").
 */
import { LakeError, type LakeErrorCode } from '../errors.js';
import { JsonFields, describe, setOwn } from '../util/json.js';
import type { TableMetadata } from './table-metadata.js';

/** Snapshot operations the spec defines. */
export const SNAPSHOT_OPERATIONS = ['append', 'replace', 'overwrite', 'delete'] as const;
export type SnapshotOperation = (typeof SNAPSHOT_OPERATIONS)[number];

/** Snapshot summary: the operation plus string fields (Appendix F lists the standard ones). */
export type SnapshotSummary = { operation: SnapshotOperation } & { [key: string]: string };

export interface Snapshot {
  snapshotId: bigint;
  parentSnapshotId?: bigint;
  /** 0 for v1 snapshots (Appendix E). */
  sequenceNumber: bigint;
  timestampMs: number;
  manifestList?: string;
  /** v1 only, deprecated: manifest paths embedded instead of a manifest list. */
  manifests?: string[];
  /** Absent only for old v1 snapshots written without a summary. */
  summary?: SnapshotSummary;
  schemaId?: number;
  /** v3 row lineage: first row id assigned by this snapshot. */
  firstRowId?: bigint;
  /** v3 row lineage: upper bound of rows assigned ids by this snapshot. */
  addedRows?: bigint;
  /** v3: id of the encryption key that encrypts the manifest list key metadata. */
  keyId?: string;
}

export type SnapshotRefType = 'branch' | 'tag';

export interface SnapshotRef {
  snapshotId: bigint;
  type: SnapshotRefType;
  /** Branches only. */
  minSnapshotsToKeep?: number;
  /** Branches only. */
  maxSnapshotAgeMs?: bigint;
  /** Not for `main`. */
  maxRefAgeMs?: bigint;
}

export const MAIN_BRANCH = 'main';

export function isSnapshotOperation(s: string): s is SnapshotOperation {
  return (SNAPSHOT_OPERATIONS as readonly string[]).includes(s);
}

/** Parses the Appendix C JSON form of a snapshot. */
export function parseSnapshot(json: unknown, code: LakeErrorCode = 'INVALID_METADATA'): Snapshot {
  const pre = new JsonFields(json, 'snapshot', code);
  const id = pre.long('snapshot-id');
  const f = new JsonFields(json, `snapshot ${id}`, code);
  const s: Snapshot = {
    snapshotId: id,
    sequenceNumber: f.optLong('sequence-number') ?? 0n,
    timestampMs: f.safeLong('timestamp-ms'),
  };
  const parent = f.optLong('parent-snapshot-id');
  if (parent !== undefined) s.parentSnapshotId = parent;
  if (f.has('summary')) {
    const raw = f.strMap('summary');
    if (Object.keys(raw).length > 0) {
      // Like the reference implementation: a summary without an operation reads as overwrite.
      const op = raw.operation ?? 'overwrite';
      if (!isSnapshotOperation(op)) {
        f.fail(`unknown operation "${op}" (expected one of ${SNAPSHOT_OPERATIONS.join(', ')})`);
      }
      const summary = { operation: op } as SnapshotSummary;
      for (const [k, v] of Object.entries(raw)) if (k !== 'operation') setOwn(summary, k, v);
      s.summary = summary;
    }
  } else if (Object.prototype.hasOwnProperty.call(f.obj, 'summary') && f.obj.summary !== null) {
    f.fail(`summary must be an object, got ${describe(f.obj.summary)}`);
  }
  if (f.has('manifest-list')) s.manifestList = f.str('manifest-list');
  else if (f.has('manifests')) s.manifests = f.strList('manifests');
  else f.fail('missing "manifest-list" (or, in v1, "manifests")');
  const schemaId = f.optInt('schema-id');
  if (schemaId !== undefined) s.schemaId = schemaId;
  const firstRowId = f.optLong('first-row-id');
  if (firstRowId !== undefined) s.firstRowId = firstRowId;
  const addedRows = f.optLong('added-rows');
  if (addedRows !== undefined) s.addedRows = addedRows;
  const keyId = f.optStr('key-id');
  if (keyId !== undefined) s.keyId = keyId;
  return s;
}

/** The Appendix C JSON form, keys in the reference implementation's order. */
export function snapshotToJson(s: Snapshot): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  // The reference implementation omits a zero sequence number (v1 and upgraded-from-v1 snapshots).
  if (s.sequenceNumber > 0n) o['sequence-number'] = s.sequenceNumber;
  o['snapshot-id'] = s.snapshotId;
  if (s.parentSnapshotId !== undefined) o['parent-snapshot-id'] = s.parentSnapshotId;
  o['timestamp-ms'] = s.timestampMs;
  if (s.summary !== undefined) {
    const summary: Record<string, string> = { operation: s.summary.operation };
    for (const [k, v] of Object.entries(s.summary)) if (k !== 'operation') setOwn(summary, k, v);
    o.summary = summary;
  }
  if (s.manifestList !== undefined) o['manifest-list'] = s.manifestList;
  else o.manifests = [...(s.manifests ?? [])];
  if (s.schemaId !== undefined) o['schema-id'] = s.schemaId;
  if (s.firstRowId !== undefined) o['first-row-id'] = s.firstRowId;
  if (s.addedRows !== undefined) o['added-rows'] = s.addedRows;
  if (s.keyId !== undefined) o['key-id'] = s.keyId;
  return o;
}

/** Checks the retention settings of a ref as the reference implementation's builder does. */
export function validateSnapshotRef(ref: SnapshotRef, name: string, code: LakeErrorCode = 'INVALID_METADATA'): void {
  const bad = (msg: string): never => {
    throw new LakeError(code, `snapshot ref "${name}": ${msg}`);
  };
  if (ref.type !== 'branch' && ref.type !== 'tag') bad(`type must be "branch" or "tag", got ${describe(ref.type)}`);
  if (ref.minSnapshotsToKeep !== undefined) {
    if (ref.type === 'tag') bad('tags do not support min-snapshots-to-keep');
    if (!(ref.minSnapshotsToKeep > 0)) bad(`min-snapshots-to-keep must be greater than 0, got ${ref.minSnapshotsToKeep}`);
  }
  if (ref.maxSnapshotAgeMs !== undefined) {
    if (ref.type === 'tag') bad('tags do not support max-snapshot-age-ms');
    if (!(ref.maxSnapshotAgeMs > 0n)) bad(`max-snapshot-age-ms must be greater than 0, got ${ref.maxSnapshotAgeMs}`);
  }
  if (ref.maxRefAgeMs !== undefined && !(ref.maxRefAgeMs > 0n)) {
    bad(`max-ref-age-ms must be greater than 0, got ${ref.maxRefAgeMs}`);
  }
}

/** Parses a snapshot reference object (`refs` values, and the body of `set-snapshot-ref`). */
export function parseSnapshotRef(json: unknown, name: string, code: LakeErrorCode = 'INVALID_METADATA'): SnapshotRef {
  const f = new JsonFields(json, `snapshot ref "${name}"`, code);
  const rawType = f.str('type').toLowerCase();
  const type: SnapshotRefType = rawType === 'branch' || rawType === 'tag' ? rawType : f.fail(`type must be "branch" or "tag", got "${rawType}"`);
  const ref: SnapshotRef = { snapshotId: f.long('snapshot-id'), type };
  const min = f.optInt('min-snapshots-to-keep');
  if (min !== undefined) ref.minSnapshotsToKeep = min;
  const maxSnap = f.optLong('max-snapshot-age-ms');
  if (maxSnap !== undefined) ref.maxSnapshotAgeMs = maxSnap;
  const maxRef = f.optLong('max-ref-age-ms');
  if (maxRef !== undefined) ref.maxRefAgeMs = maxRef;
  validateSnapshotRef(ref, name, code);
  return ref;
}

export function snapshotRefToJson(ref: SnapshotRef): Record<string, unknown> {
  const o: Record<string, unknown> = { 'snapshot-id': ref.snapshotId, type: ref.type };
  if (ref.minSnapshotsToKeep !== undefined) o['min-snapshots-to-keep'] = ref.minSnapshotsToKeep;
  if (ref.maxSnapshotAgeMs !== undefined) o['max-snapshot-age-ms'] = ref.maxSnapshotAgeMs;
  if (ref.maxRefAgeMs !== undefined) o['max-ref-age-ms'] = ref.maxRefAgeMs;
  return o;
}

export function snapshotRefsEqual(a: SnapshotRef, b: SnapshotRef): boolean {
  return (
    a.snapshotId === b.snapshotId &&
    a.type === b.type &&
    a.minSnapshotsToKeep === b.minSnapshotsToKeep &&
    a.maxSnapshotAgeMs === b.maxSnapshotAgeMs &&
    a.maxRefAgeMs === b.maxRefAgeMs
  );
}

/**
 * A new snapshot id as spec Appendix F recommends and the reference implementation does: a random
 * (type 4) UUID whose two 64-bit halves are XORed, masked to a positive signed 64-bit value.
 * `exists` lets the caller avoid ids already in the table (a new one is drawn on collision).
 */
export function newSnapshotId(options: { exists?: (id: bigint) => boolean } = {}): bigint {
  for (let attempt = 0; attempt < 100; attempt++) {
    const b = new Uint8Array(16);
    globalThis.crypto.getRandomValues(b);
    b[6] = (b[6]! & 0x0f) | 0x40; // UUID version 4
    b[8] = (b[8]! & 0x3f) | 0x80; // IETF variant
    const view = new DataView(b.buffer);
    const id = (view.getBigUint64(0) ^ view.getBigUint64(8)) & 0x7fffffffffffffffn;
    if (id !== 0n && !(options.exists?.(id) ?? false)) return id;
  }
  throw new LakeError('INTERNAL', 'could not draw an unused snapshot id');
}

// ---------------------------------------------------------------------------------------------
// History helpers

type History = Pick<TableMetadata, 'snapshots' | 'snapshotLog' | 'refs'>;

function findSnapshot(m: Pick<TableMetadata, 'snapshots'>, id: bigint): Snapshot | undefined {
  return m.snapshots.find((s) => s.snapshotId === id);
}

/**
 * The snapshot and its ancestors, newest first, following `parent-snapshot-id` until a snapshot
 * has no parent or its parent is no longer in the metadata (expired). Throws SNAPSHOT_NOT_FOUND
 * when the starting snapshot does not exist.
 */
export function ancestorsOf(m: Pick<TableMetadata, 'snapshots'>, snapshotId: bigint): Snapshot[] {
  const byId = new Map(m.snapshots.map((s) => [s.snapshotId, s] as const));
  const start = byId.get(snapshotId);
  if (start === undefined) {
    throw new LakeError('SNAPSHOT_NOT_FOUND', `snapshot ${snapshotId} does not exist`, { context: { snapshotId } });
  }
  const out: Snapshot[] = [];
  const seen = new Set<bigint>();
  for (let s: Snapshot | undefined = start; s !== undefined; ) {
    if (seen.has(s.snapshotId)) {
      throw new LakeError('INVALID_METADATA', `snapshot ancestry has a cycle at snapshot ${s.snapshotId}`);
    }
    seen.add(s.snapshotId);
    out.push(s);
    s = s.parentSnapshotId === undefined ? undefined : byId.get(s.parentSnapshotId);
  }
  return out;
}

/** True when `ancestorId` is `snapshotId` itself or one of its ancestors. */
export function isAncestorOf(m: Pick<TableMetadata, 'snapshots'>, snapshotId: bigint, ancestorId: bigint): boolean {
  return ancestorsOf(m, snapshotId).some((s) => s.snapshotId === ancestorId);
}

/**
 * Snapshots from `latestId` back to, but excluding, `oldestId` (newest first). With `oldestId`
 * undefined, the whole ancestry. If `oldestId` is not an ancestor, the whole ancestry is returned,
 * as the reference implementation's `SnapshotUtil.ancestorsBetween` does.
 */
export function ancestorsBetween(m: Pick<TableMetadata, 'snapshots'>, latestId: bigint, oldestId: bigint | undefined): Snapshot[] {
  const out: Snapshot[] = [];
  for (const s of ancestorsOf(m, latestId)) {
    if (oldestId !== undefined && s.snapshotId === oldestId) break;
    out.push(s);
  }
  return out;
}

/** The snapshot a branch or tag points at; undefined when there is no such ref. */
export function snapshotForRef(m: History, refName: string): Snapshot | undefined {
  const ref = m.refs.get(refName);
  if (ref === undefined) return undefined;
  const s = findSnapshot(m, ref.snapshotId);
  if (s === undefined) {
    throw new LakeError('INVALID_METADATA', `ref "${refName}" points at missing snapshot ${ref.snapshotId}`);
  }
  return s;
}

/**
 * The snapshot that was current at `timestampMs`: the last snapshot-log entry at or before that
 * time (spec Appendix F "Point in Time Reads"). Throws SNAPSHOT_NOT_FOUND when the log has no such
 * entry.
 */
export function snapshotAsOf(m: History, timestampMs: number): Snapshot {
  let id: bigint | undefined;
  for (const e of m.snapshotLog) if (e.timestampMs <= timestampMs) id = e.snapshotId;
  if (id === undefined) {
    const first = m.snapshotLog[0];
    throw new LakeError(
      'SNAPSHOT_NOT_FOUND',
      first === undefined
        ? `no snapshot as of ${new Date(timestampMs).toISOString()}: the table's snapshot log is empty`
        : `no snapshot as of ${new Date(timestampMs).toISOString()}: the oldest snapshot-log entry is at ${new Date(first.timestampMs).toISOString()}`,
      { context: { timestampMs } },
    );
  }
  const s = findSnapshot(m, id);
  if (s === undefined) {
    throw new LakeError('SNAPSHOT_NOT_FOUND', `snapshot ${id}, current as of ${new Date(timestampMs).toISOString()}, has expired`, {
      context: { timestampMs, snapshotId: id },
    });
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Snapshot summary (Appendix F, and the reference implementation's SnapshotSummary)

export const SummaryField = {
  ADDED_DATA_FILES: 'added-data-files',
  DELETED_DATA_FILES: 'deleted-data-files',
  TOTAL_DATA_FILES: 'total-data-files',
  ADDED_DELETE_FILES: 'added-delete-files',
  ADDED_EQUALITY_DELETE_FILES: 'added-equality-delete-files',
  REMOVED_EQUALITY_DELETE_FILES: 'removed-equality-delete-files',
  ADDED_POSITION_DELETE_FILES: 'added-position-delete-files',
  REMOVED_POSITION_DELETE_FILES: 'removed-position-delete-files',
  ADDED_DVS: 'added-dvs',
  REMOVED_DVS: 'removed-dvs',
  REMOVED_DELETE_FILES: 'removed-delete-files',
  TOTAL_DELETE_FILES: 'total-delete-files',
  ADDED_RECORDS: 'added-records',
  DELETED_RECORDS: 'deleted-records',
  TOTAL_RECORDS: 'total-records',
  ADDED_FILES_SIZE: 'added-files-size',
  REMOVED_FILES_SIZE: 'removed-files-size',
  TOTAL_FILES_SIZE: 'total-files-size',
  ADDED_POSITION_DELETES: 'added-position-deletes',
  REMOVED_POSITION_DELETES: 'removed-position-deletes',
  TOTAL_POSITION_DELETES: 'total-position-deletes',
  ADDED_EQUALITY_DELETES: 'added-equality-deletes',
  REMOVED_EQUALITY_DELETES: 'removed-equality-deletes',
  TOTAL_EQUALITY_DELETES: 'total-equality-deletes',
  DELETED_DUPLICATE_FILES: 'deleted-duplicate-files',
  CHANGED_PARTITION_COUNT: 'changed-partition-count',
  PARTITION_SUMMARIES_INCLUDED: 'partition-summaries-included',
  CHANGED_PARTITION_PREFIX: 'partitions.',
  MANIFESTS_CREATED: 'manifests-created',
  MANIFESTS_KEPT: 'manifests-kept',
  MANIFESTS_REPLACED: 'manifests-replaced',
  ENTRIES_PROCESSED: 'entries-processed',
  WAP_ID: 'wap.id',
  PUBLISHED_WAP_ID: 'published-wap-id',
  SOURCE_SNAPSHOT_ID: 'source-snapshot-id',
  ENGINE_NAME: 'engine-name',
  ENGINE_VERSION: 'engine-version',
} as const;

/** Counts of what one snapshot changed. Every field defaults to 0; zero counts are not written. */
export interface SnapshotChangeCounts {
  addedDataFiles?: number;
  deletedDataFiles?: number;
  addedEqualityDeleteFiles?: number;
  removedEqualityDeleteFiles?: number;
  addedPositionDeleteFiles?: number;
  removedPositionDeleteFiles?: number;
  addedDVs?: number;
  removedDVs?: number;
  /** Defaults to equality + position delete files + DVs added. */
  addedDeleteFiles?: number;
  /** Defaults to equality + position delete files + DVs removed. */
  removedDeleteFiles?: number;
  addedRecords?: number | bigint;
  deletedRecords?: number | bigint;
  addedFilesSize?: number | bigint;
  removedFilesSize?: number | bigint;
  addedPositionDeletes?: number | bigint;
  removedPositionDeletes?: number | bigint;
  addedEqualityDeletes?: number | bigint;
  removedEqualityDeletes?: number | bigint;
}

export interface SnapshotSummaryOptions {
  operation: SnapshotOperation;
  counts: SnapshotChangeCounts;
  /**
   * The head of the branch being committed to, before this snapshot; undefined when the branch is
   * new (totals then start at 0). A previous snapshot without a summary gives no totals, as in the
   * reference implementation.
   */
  previous: Snapshot | undefined;
  /** Per changed partition (keyed by partition path, e.g. `ts_day=2026-11-20`), that partition's counts. */
  partitions?: ReadonlyMap<string, SnapshotChangeCounts>;
  /**
   * Number of changed partitions when `partitions` is not given; omit when unknown (the field is
   * then not written).
   */
  changedPartitionCount?: number;
  /** Table property `write.summary.partition-limit`: per-partition summaries are written when at most this many partitions changed. Default 0. */
  partitionSummaryLimit?: number;
  deletedDuplicateFiles?: number;
  manifestsCreated?: number;
  manifestsKept?: number;
  manifestsReplaced?: number;
  entriesProcessed?: number;
  /** Additional fields (engine-name, an idempotency key, ...); written after the operation. */
  extra?: Record<string, string>;
}

function big(v: number | bigint | undefined): bigint {
  return v === undefined ? 0n : BigInt(v);
}

/** The metric fields for one set of counts, in the reference implementation's order. */
export function summaryMetricFields(c: SnapshotChangeCounts): [string, string][] {
  const addedDelete = c.addedDeleteFiles ?? (c.addedEqualityDeleteFiles ?? 0) + (c.addedPositionDeleteFiles ?? 0) + (c.addedDVs ?? 0);
  const removedDelete =
    c.removedDeleteFiles ?? (c.removedEqualityDeleteFiles ?? 0) + (c.removedPositionDeleteFiles ?? 0) + (c.removedDVs ?? 0);
  const pairs: [string, bigint][] = [
    [SummaryField.ADDED_DATA_FILES, big(c.addedDataFiles)],
    [SummaryField.DELETED_DATA_FILES, big(c.deletedDataFiles)],
    [SummaryField.ADDED_EQUALITY_DELETE_FILES, big(c.addedEqualityDeleteFiles)],
    [SummaryField.REMOVED_EQUALITY_DELETE_FILES, big(c.removedEqualityDeleteFiles)],
    [SummaryField.ADDED_POSITION_DELETE_FILES, big(c.addedPositionDeleteFiles)],
    [SummaryField.REMOVED_POSITION_DELETE_FILES, big(c.removedPositionDeleteFiles)],
    [SummaryField.ADDED_DELETE_FILES, big(addedDelete)],
    [SummaryField.REMOVED_DELETE_FILES, big(removedDelete)],
    [SummaryField.ADDED_DVS, big(c.addedDVs)],
    [SummaryField.REMOVED_DVS, big(c.removedDVs)],
    [SummaryField.ADDED_RECORDS, big(c.addedRecords)],
    [SummaryField.DELETED_RECORDS, big(c.deletedRecords)],
    [SummaryField.ADDED_FILES_SIZE, big(c.addedFilesSize)],
    [SummaryField.REMOVED_FILES_SIZE, big(c.removedFilesSize)],
    [SummaryField.ADDED_POSITION_DELETES, big(c.addedPositionDeletes)],
    [SummaryField.REMOVED_POSITION_DELETES, big(c.removedPositionDeletes)],
    [SummaryField.ADDED_EQUALITY_DELETES, big(c.addedEqualityDeletes)],
    [SummaryField.REMOVED_EQUALITY_DELETES, big(c.removedEqualityDeletes)],
  ];
  for (const [k, v] of pairs) {
    if (v < 0n) throw new LakeError('INVALID_INPUT', `snapshot summary count ${k} must not be negative, got ${v}`);
  }
  return pairs.filter(([, v]) => v > 0n).map(([k, v]) => [k, v.toString()]);
}

const TOTALS: [total: string, added: string, removed: string][] = [
  [SummaryField.TOTAL_RECORDS, SummaryField.ADDED_RECORDS, SummaryField.DELETED_RECORDS],
  [SummaryField.TOTAL_FILES_SIZE, SummaryField.ADDED_FILES_SIZE, SummaryField.REMOVED_FILES_SIZE],
  [SummaryField.TOTAL_DATA_FILES, SummaryField.ADDED_DATA_FILES, SummaryField.DELETED_DATA_FILES],
  [SummaryField.TOTAL_DELETE_FILES, SummaryField.ADDED_DELETE_FILES, SummaryField.REMOVED_DELETE_FILES],
  [SummaryField.TOTAL_POSITION_DELETES, SummaryField.ADDED_POSITION_DELETES, SummaryField.REMOVED_POSITION_DELETES],
  [SummaryField.TOTAL_EQUALITY_DELETES, SummaryField.ADDED_EQUALITY_DELETES, SummaryField.REMOVED_EQUALITY_DELETES],
];

function parseCount(s: string | undefined): bigint | undefined {
  if (s === undefined || !/^-?\d+$/.test(s.trim())) return undefined;
  return BigInt(s.trim());
}

/**
 * Builds a snapshot summary from counts, with the `total-*` fields carried forward from the
 * previous snapshot's summary exactly as the reference implementation's SnapshotProducer does:
 * a total is written only when the previous summary has it (or there is no previous snapshot, when
 * totals start at 0), it parses as an integer, and the new total is not negative.
 */
export function buildSnapshotSummary(options: SnapshotSummaryOptions): SnapshotSummary {
  const summary = { operation: options.operation } as SnapshotSummary;
  const put = (k: string, v: string): void => setOwn(summary, k, v);
  for (const [k, v] of Object.entries(options.extra ?? {})) if (k !== 'operation') put(k, v);
  const counted = (k: string, v: number | undefined): void => {
    if (v !== undefined && v > 0) put(k, String(v));
  };
  counted(SummaryField.MANIFESTS_CREATED, options.manifestsCreated);
  counted(SummaryField.MANIFESTS_KEPT, options.manifestsKept);
  counted(SummaryField.MANIFESTS_REPLACED, options.manifestsReplaced);
  counted(SummaryField.ENTRIES_PROCESSED, options.entriesProcessed);
  for (const [k, v] of summaryMetricFields(options.counts)) put(k, v);
  counted(SummaryField.DELETED_DUPLICATE_FILES, options.deletedDuplicateFiles);

  const partitions = options.partitions;
  const changed = partitions !== undefined ? partitions.size : options.changedPartitionCount;
  if (changed !== undefined) put(SummaryField.CHANGED_PARTITION_COUNT, String(changed));
  const limit = options.partitionSummaryLimit ?? 0;
  if (partitions !== undefined && partitions.size > 0 && partitions.size <= limit) {
    put(SummaryField.PARTITION_SUMMARIES_INCLUDED, 'true');
    for (const [path, counts] of partitions) {
      // The unpartitioned path is empty and gets no per-partition entry.
      if (path !== '') put(SummaryField.CHANGED_PARTITION_PREFIX + path, summaryMetricFields(counts).map(([k, v]) => `${k}=${v}`).join(','));
    }
  }

  const previous: Record<string, string> =
    options.previous === undefined
      ? Object.fromEntries(TOTALS.map(([t]) => [t, '0']))
      : ((options.previous.summary as Record<string, string> | undefined) ?? {});
  for (const [total, added, removed] of TOTALS) {
    let t = parseCount(previous[total]);
    if (t === undefined) continue;
    const a = parseCount(summary[added]);
    if (t >= 0n && a !== undefined) t += a;
    const r = parseCount(summary[removed]);
    if (t >= 0n && r !== undefined) t -= r;
    if (t >= 0n) put(total, t.toString());
  }
  return summary;
}
