/**
 * Which snapshot a read uses (time travel), and which schema its rows come out in.
 *
 * Selectors: the current snapshot; a snapshot id; a point in time (spec Appendix F "Point in Time
 * Reads": the newest snapshot-log entry at or before T, never parent lineage); a tag or branch name.
 *
 * Schema choice follows the reference implementation's data scans (SnapshotScan.useSnapshot /
 * useRef with useSnapshotSchema, SnapshotUtil.schemaFor):
 * - current snapshot, `main`, or any other branch: the table's current schema (a branch is where
 *   new commits go, so it is read with the schema they would be written with);
 * - snapshot id, timestamp, tag: the schema the snapshot was written with (`schema-id`), or the
 *   current schema when the snapshot records none (old v1 writers).
 */
import { LakeError } from '../errors.js';
import { parseIsoTimestamp } from '../spec/date-time.js';
import type { Schema } from '../spec/schema.js';
import { MAIN_BRANCH, type Snapshot, type SnapshotRefType } from '../spec/snapshot.js';
import { type TableMetadata, currentSchema, schemaById } from '../spec/table-metadata.js';
import { sameId } from '../manifest/snapshot-id.js';

export type SnapshotSelector =
  | { kind: 'current' }
  | { kind: 'snapshot-id'; snapshotId: bigint }
  /** Milliseconds since the epoch, a Date, or text accepted by `parseTimestampMs`. */
  | { kind: 'as-of'; timestamp: number | Date | string }
  /** A tag or a branch. */
  | { kind: 'ref'; name: string };

export interface SelectedSnapshot {
  /** Undefined only for the current snapshot of a table without one (an empty read). */
  snapshot: Snapshot | undefined;
  /** The schema rows are produced in (see the module comment). */
  schema: Schema;
  /** How the snapshot was chosen. */
  selectedBy: 'current' | 'snapshot-id' | 'as-of' | 'tag' | 'branch';
  /** The ref name for tag/branch selection. */
  ref?: string;
  /** For `as-of`: the instant asked for, in ms since the epoch. */
  asOfMs?: number;
}

/** Shorthands: `{ snapshotId }`, `{ asOf }`, `{ ref }`, or undefined for the current snapshot. */
export type SnapshotSelectorInput =
  | SnapshotSelector
  | { snapshotId: bigint | string | number }
  | { asOf: number | Date | string }
  | { ref: string }
  | undefined;

/** Normalises the shorthands to a SnapshotSelector. */
export function toSnapshotSelector(input: SnapshotSelectorInput): SnapshotSelector {
  if (input === undefined) return { kind: 'current' };
  if ('kind' in input) return input;
  if ('snapshotId' in input) return { kind: 'snapshot-id', snapshotId: parseSnapshotId(input.snapshotId) };
  if ('asOf' in input) return { kind: 'as-of', timestamp: input.asOf };
  if ('ref' in input) return { kind: 'ref', name: input.ref };
  throw new LakeError('INVALID_INPUT', 'a snapshot selector needs one of snapshotId, asOf or ref');
}

function parseSnapshotId(v: bigint | string | number): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new LakeError('INVALID_INPUT', `snapshot id ${v} is not an exact integer: pass it as a string or bigint`);
    return BigInt(v);
  }
  const t = v.trim();
  if (!/^-?\d+$/.test(t)) throw new LakeError('INVALID_INPUT', `snapshot id must be an integer, got "${v}"`);
  return BigInt(t);
}

/**
 * Parses a point in time: epoch milliseconds (digits, optionally negative), or ISO-8601 date-time
 * (`2024-01-02T03:04:05.678Z`, an offset like `+02:00`, or no zone meaning UTC), or an ISO date
 * (midnight UTC). Returns ms since the epoch.
 */
export function parseTimestampMs(text: string): number {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) {
    const n = Number(t);
    if (!Number.isSafeInteger(n)) throw new LakeError('INVALID_INPUT', `timestamp ${t} ms is out of range`);
    return n;
  }
  const normalized = /^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00` : t.replace(' ', 'T');
  try {
    const { nanos } = parseIsoTimestamp(normalized);
    // floor to whole milliseconds: a snapshot committed within the same millisecond is "at or before"
    const ms = nanos / 1_000_000n - (nanos % 1_000_000n < 0n ? 1n : 0n);
    return Number(ms);
  } catch {
    const d = Date.parse(t);
    if (Number.isFinite(d)) return d;
    throw new LakeError('INVALID_INPUT', `"${text}" is neither epoch milliseconds nor an ISO-8601 timestamp`, { context: { timestamp: text } });
  }
}

function toMs(ts: number | Date | string): number {
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts)) throw new LakeError('INVALID_INPUT', `timestamp ${ts} is not a number of milliseconds`);
    return Math.floor(ts);
  }
  if (ts instanceof Date) {
    const n = ts.getTime();
    if (!Number.isFinite(n)) throw new LakeError('INVALID_INPUT', 'invalid Date');
    return n;
  }
  return parseTimestampMs(ts);
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString() : `${ms} ms`;
}

function snapshotSchema(m: TableMetadata, s: Snapshot): Schema {
  if (s.schemaId === undefined) return currentSchema(m);
  const schema = schemaById(m, s.schemaId);
  if (schema === undefined) {
    throw new LakeError('INVALID_METADATA', `snapshot ${s.snapshotId} names schema ${s.schemaId}, which the table metadata does not have`, {
      context: { snapshotId: s.snapshotId, schemaId: s.schemaId },
    });
  }
  return schema;
}

function findSnapshot(m: TableMetadata, id: bigint): Snapshot | undefined {
  return m.snapshots.find((s) => sameId(s.snapshotId, id));
}

function describeIds(m: TableMetadata): string {
  const ids = m.snapshots.map((s) => s.snapshotId.toString());
  if (ids.length === 0) return 'the table has no snapshots';
  const shown = ids.length > 10 ? [...ids.slice(0, 5), '...', ...ids.slice(-5)] : ids;
  return `known snapshots: ${shown.join(', ')}`;
}

function describeRefs(m: TableMetadata): string {
  if (m.refs.size === 0) return 'the table has no branches or tags';
  const parts = [...m.refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, r]) => `${name} (${r.type})`);
  return `existing refs: ${parts.join(', ')}`;
}

/** Resolves a selector against table metadata. Errors: SNAPSHOT_NOT_FOUND, REF_NOT_FOUND, INVALID_INPUT. */
export function selectSnapshot(metadata: TableMetadata, input: SnapshotSelectorInput): SelectedSnapshot {
  const selector = toSnapshotSelector(input);
  switch (selector.kind) {
    case 'current': {
      const id = metadata.currentSnapshotId;
      if (id === undefined) return { snapshot: undefined, schema: currentSchema(metadata), selectedBy: 'current' };
      const s = findSnapshot(metadata, id);
      if (s === undefined) {
        throw new LakeError('INVALID_METADATA', `current-snapshot-id ${id} is not among the table's snapshots`, { context: { snapshotId: id } });
      }
      return { snapshot: s, schema: currentSchema(metadata), selectedBy: 'current' };
    }
    case 'snapshot-id': {
      const s = findSnapshot(metadata, selector.snapshotId);
      if (s === undefined) {
        throw new LakeError('SNAPSHOT_NOT_FOUND', `snapshot ${selector.snapshotId} does not exist (${describeIds(metadata)})`, {
          context: { snapshotId: selector.snapshotId },
        });
      }
      return { snapshot: s, schema: snapshotSchema(metadata, s), selectedBy: 'snapshot-id' };
    }
    case 'as-of': {
      const t = toMs(selector.timestamp);
      const log = metadata.snapshotLog;
      // the newest entry at or before t; among equal timestamps the later entry was current last
      let best: { timestampMs: number; snapshotId: bigint } | undefined;
      for (const e of log) if (e.timestampMs <= t && (best === undefined || e.timestampMs >= best.timestampMs)) best = e;
      if (best === undefined) {
        let earliest: number | undefined;
        for (const e of log) if (earliest === undefined || e.timestampMs < earliest) earliest = e.timestampMs;
        const why =
          earliest === undefined
            ? metadata.snapshots.length === 0
              ? 'the table has no snapshots'
              : "the table's snapshot log is empty, so no point-in-time read is possible"
            : `the earliest snapshot-log entry is at ${iso(earliest)} (${earliest} ms)`;
        throw new LakeError('SNAPSHOT_NOT_FOUND', `no snapshot as of ${iso(t)}: ${why}`, {
          context: { timestampMs: t, ...(earliest === undefined ? {} : { earliestMs: earliest }) },
        });
      }
      const s = findSnapshot(metadata, best.snapshotId);
      if (s === undefined) {
        throw new LakeError(
          'SNAPSHOT_NOT_FOUND',
          `snapshot ${best.snapshotId}, current as of ${iso(t)} per the snapshot log, has expired and can no longer be read`,
          { context: { timestampMs: t, snapshotId: best.snapshotId } },
        );
      }
      return { snapshot: s, schema: snapshotSchema(metadata, s), selectedBy: 'as-of', asOfMs: t };
    }
    case 'ref': {
      const name = selector.name;
      const ref = metadata.refs.get(name);
      if (ref === undefined) {
        // `main` is implied by a current snapshot in v1 metadata written without refs
        if (name === MAIN_BRANCH && metadata.currentSnapshotId !== undefined) {
          const cur = selectSnapshot(metadata, { kind: 'current' });
          return { ...cur, selectedBy: 'branch', ref: name };
        }
        throw new LakeError('REF_NOT_FOUND', `no branch or tag named "${name}" (${describeRefs(metadata)})`, {
          context: { ref: name, refs: [...metadata.refs.keys()] },
        });
      }
      const s = findSnapshot(metadata, ref.snapshotId);
      if (s === undefined) {
        throw new LakeError('INVALID_METADATA', `${ref.type} "${name}" points at snapshot ${ref.snapshotId}, which does not exist`, {
          context: { ref: name, snapshotId: ref.snapshotId },
        });
      }
      const type: SnapshotRefType = ref.type;
      return {
        snapshot: s,
        schema: type === 'tag' ? snapshotSchema(metadata, s) : currentSchema(metadata),
        selectedBy: type,
        ref: name,
      };
    }
  }
}
