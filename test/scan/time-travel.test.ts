/**
 * Time travel: choosing a snapshot by id, point in time (snapshot log), tag or branch, the schema
 * each choice reads with, and the errors for what does not exist.
 */
import { describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { planScan } from '../../src/scan/planner.js';
import { parseTimestampMs, selectSnapshot } from '../../src/scan/snapshot-selector.js';
import type { TableMetadata } from '../../src/spec/table-metadata.js';
import { countRows } from './oracle.js';
import { loadCorpusCase } from './support.js';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('spark-branch-tag-pos-delete (branch "test-branch", tag "EOW-01")', () => {
  const c = loadCorpusCase('spark-branch-tag-pos-delete');
  const m = c.metadata;
  const log = m.snapshotLog;

  test('by ref: branch, tag and main', async () => {
    const branch = selectSnapshot(m, { ref: 'test-branch' });
    expect(branch.snapshot?.snapshotId).toBe(7558608030923099867n);
    expect(branch.selectedBy).toBe('branch');
    const tag = selectSnapshot(m, { ref: 'EOW-01' });
    expect(tag.snapshot?.snapshotId).toBe(293191470325800019n);
    expect(tag.selectedBy).toBe('tag');
    expect(selectSnapshot(m, { ref: 'main' }).snapshot?.snapshotId).toBe(m.currentSnapshotId);
    // the rows each ref reads (expectations from the corpus)
    expect(await countRows(await planScan({ metadata: m, io: c.io, snapshot: { ref: 'test-branch' } }))).toBe(9999);
    expect(await countRows(await planScan({ metadata: m, io: c.io, snapshot: { ref: 'EOW-01' } }))).toBe(10000);
    const plan = await planScan({ metadata: m, io: c.io, snapshot: { ref: 'EOW-01' } });
    expect(plan.ref).toBe('EOW-01');
    expect(plan.selectedBy).toBe('tag');
  });

  test('an unknown ref names the refs that exist', () => {
    const e = errorOf(() => selectSnapshot(m, { ref: 'nope' }));
    expect(isLakeError(e, 'REF_NOT_FOUND')).toBe(true);
    expect(String(e)).toContain('EOW-01 (tag)');
    expect(String(e)).toContain('test-branch (branch)');
    expect(String(e)).toContain('main (branch)');
  });

  test('as of a time: the newest snapshot-log entry at or before it', () => {
    for (let i = 0; i < log.length; i++) {
      const e = log[i]!;
      expect(selectSnapshot(m, { asOf: e.timestampMs }).snapshot?.snapshotId).toBe(e.snapshotId);
      if (i > 0) expect(selectSnapshot(m, { asOf: e.timestampMs - 1 }).snapshot?.snapshotId).toBe(log[i - 1]!.snapshotId);
    }
    expect(selectSnapshot(m, { asOf: Date.parse('2100-01-01T00:00:00Z') }).snapshot?.snapshotId).toBe(m.currentSnapshotId);
    // ISO text and epoch-millisecond text select the same snapshot
    const third = log[2]!;
    const iso = new Date(third.timestampMs).toISOString();
    expect(selectSnapshot(m, { asOf: iso }).snapshot?.snapshotId).toBe(third.snapshotId);
    expect(selectSnapshot(m, { asOf: String(third.timestampMs) }).snapshot?.snapshotId).toBe(third.snapshotId);
    expect(selectSnapshot(m, { asOf: new Date(third.timestampMs) }).selectedBy).toBe('as-of');
  });

  test('as of a time before the first snapshot: SNAPSHOT_NOT_FOUND naming the earliest entry', () => {
    const first = log[0]!;
    const e = errorOf(() => selectSnapshot(m, { asOf: first.timestampMs - 1 }));
    expect(isLakeError(e, 'SNAPSHOT_NOT_FOUND')).toBe(true);
    expect(String(e)).toContain(new Date(first.timestampMs).toISOString());
    expect((e as { context: Record<string, unknown> }).context.earliestMs).toBe(first.timestampMs);
  });

  test('by snapshot id; an unknown id is SNAPSHOT_NOT_FOUND', async () => {
    const s = selectSnapshot(m, { snapshotId: '5231658854638766100' });
    expect(s.snapshot?.snapshotId).toBe(5231658854638766100n);
    expect(await countRows(await planScan({ metadata: m, io: c.io, snapshot: { snapshotId: 5231658854638766100n } }))).toBe(10000);
    const e = errorOf(() => selectSnapshot(m, { snapshotId: 42n }));
    expect(isLakeError(e, 'SNAPSHOT_NOT_FOUND')).toBe(true);
    expect(String(e)).toContain('154324552338474173');
    expect(isLakeError(errorOf(() => selectSnapshot(m, { snapshotId: 'abc' })), 'INVALID_INPUT')).toBe(true);
  });
});

describe('which schema a time-travel read uses', () => {
  const c = loadCorpusCase('icebird-spark-bunnies'); // schema 0, then schema 1 adds breed_name_length
  const m = c.metadata;
  const [first, , last] = m.snapshots;
  const withRefs: TableMetadata = {
    ...m,
    refs: new Map([
      ...m.refs,
      ['old-tag', { snapshotId: first!.snapshotId, type: 'tag' }],
      ['old-branch', { snapshotId: first!.snapshotId, type: 'branch' }],
    ]),
  };
  const columns = (s: { schema: { fields: { name: string }[] } }) => s.schema.fields.map((f) => f.name);

  test('current snapshot and branches: the current schema', () => {
    expect(columns(selectSnapshot(withRefs, undefined))).toContain('breed_name_length');
    expect(columns(selectSnapshot(withRefs, { ref: 'old-branch' }))).toContain('breed_name_length');
  });

  test('snapshot id, time and tag: the snapshot\'s own schema', () => {
    expect(columns(selectSnapshot(withRefs, { snapshotId: first!.snapshotId }))).not.toContain('breed_name_length');
    expect(columns(selectSnapshot(withRefs, { asOf: first!.timestampMs }))).not.toContain('breed_name_length');
    expect(columns(selectSnapshot(withRefs, { ref: 'old-tag' }))).not.toContain('breed_name_length');
    expect(columns(selectSnapshot(withRefs, { snapshotId: last!.snapshotId }))).toContain('breed_name_length');
  });

  test('a plan carries the schema and binds its filter to it', async () => {
    const plan = await planScan({ metadata: withRefs, io: c.io, snapshot: { snapshotId: first!.snapshotId } });
    expect(plan.schema.schemaId).toBe(0);
    expect(plan.projectedFieldIds.length).toBe(8);
    await expect(
      planScan({ metadata: withRefs, io: c.io, snapshot: { snapshotId: first!.snapshotId }, filter: 'breed_name_length > 3' }),
    ).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_INPUT'));
    const current = await planScan({ metadata: withRefs, io: c.io, filter: 'breed_name_length > 3' });
    expect(current.tasks.length).toBe(1);
  });
});

describe('edge cases', () => {
  test('a table without snapshots: the current read is empty, time travel fails clearly', async () => {
    const c = loadCorpusCase('duckdb-timestamptz-ns-v3-empty');
    const plan = await planScan({ metadata: c.metadata, io: c.io });
    expect(plan.snapshot).toBeUndefined();
    expect(plan.tasks).toEqual([]);
    const e = errorOf(() => selectSnapshot(c.metadata, { asOf: Date.now() }));
    expect(isLakeError(e, 'SNAPSHOT_NOT_FOUND')).toBe(true);
    expect(String(e)).toContain('no snapshots');
    expect(isLakeError(errorOf(() => selectSnapshot(c.metadata, { ref: 'main' })), 'REF_NOT_FOUND')).toBe(true);
  });

  test('a snapshot-log entry whose snapshot expired: SNAPSHOT_NOT_FOUND saying so', () => {
    const c = loadCorpusCase('trino-expired-snapshots');
    const m: TableMetadata = { ...c.metadata, snapshotLog: [{ timestampMs: 1000, snapshotId: 77n }, ...c.metadata.snapshotLog] };
    const e = errorOf(() => selectSnapshot(m, { asOf: 1500 }));
    expect(isLakeError(e, 'SNAPSHOT_NOT_FOUND')).toBe(true);
    expect(String(e)).toMatch(/snapshot 77.*expired/);
  });

  test('parseTimestampMs: epoch ms, ISO with zone, ISO without zone (UTC), dates', () => {
    expect(parseTimestampMs('1713951998102')).toBe(1713951998102);
    expect(parseTimestampMs('2024-04-24T09:46:38.102Z')).toBe(1713951998102);
    expect(parseTimestampMs('2024-04-24T11:46:38.102+02:00')).toBe(1713951998102);
    expect(parseTimestampMs('2024-04-24 09:46:38.102')).toBe(1713951998102);
    expect(parseTimestampMs('2024-04-24T09:46:38.1029Z')).toBe(1713951998102); // floors to the millisecond
    expect(parseTimestampMs('2024-04-24')).toBe(Date.parse('2024-04-24T00:00:00Z'));
    expect(parseTimestampMs('1969-12-31T23:59:59.9995Z')).toBe(-1);
    expect(isLakeError(errorOf(() => parseTimestampMs('yesterday')), 'INVALID_INPUT')).toBe(true);
  });
});
