import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../src/util/json.js';
import {
  type Snapshot,
  type SnapshotSummary,
  ancestorsBetween,
  ancestorsOf,
  buildSnapshotSummary,
  isAncestorOf,
  newSnapshotId,
  parseSnapshot,
  parseSnapshotRef,
  snapshotAsOf,
  snapshotForRef,
  snapshotRefToJson,
  snapshotToJson,
} from '../../src/spec/snapshot.js';
import { type TableMetadata, parseTableMetadata } from '../../src/spec/table-metadata.js';
import { thrown } from '../support/errors.js';

const CORPUS = fileURLToPath(new URL('../../../shared/conformance', import.meta.url));

function corpusTable(caseName: string): TableMetadata {
  if (!existsSync(CORPUS)) throw new Error(`conformance corpus not found at ${CORPUS}`);
  const expected = JSON.parse(readFileSync(join(CORPUS, caseName, 'EXPECTED.json'), 'utf8')) as { metadata_file: string };
  return parseTableMetadata(readFileSync(join(CORPUS, caseName, expected.metadata_file)));
}

describe('snapshot JSON', () => {
  it('parses and writes every field, in the reference order', () => {
    const text =
      '{"sequence-number":7,"snapshot-id":9876543210123456789,"parent-snapshot-id":12,"timestamp-ms":1700000000000,"summary":{"operation":"delete","deleted-records":"3"},"manifest-list":"s3://b/snap.avro","schema-id":2,"first-row-id":100,"added-rows":5,"key-id":"k1"}';
    const s = parseSnapshot(parseJson(text));
    expect(s).toEqual({
      snapshotId: 9876543210123456789n,
      parentSnapshotId: 12n,
      sequenceNumber: 7n,
      timestampMs: 1700000000000,
      summary: { operation: 'delete', 'deleted-records': '3' },
      manifestList: 's3://b/snap.avro',
      schemaId: 2,
      firstRowId: 100n,
      addedRows: 5n,
      keyId: 'k1',
    });
    expect(stringifyJson(snapshotToJson(s))).toBe(text);
  });

  it('v1 snapshots: no sequence number, embedded manifests', () => {
    const s = parseSnapshot({ 'snapshot-id': 1, 'timestamp-ms': 5, manifests: ['a.avro'] });
    expect(s).toEqual({ snapshotId: 1n, sequenceNumber: 0n, timestampMs: 5, manifests: ['a.avro'] });
    expect(snapshotToJson(s)).toEqual({ 'snapshot-id': 1n, 'timestamp-ms': 5, manifests: ['a.avro'] });
  });

  it('rejects bad snapshots', () => {
    expect(thrown(() => parseSnapshot({ 'snapshot-id': 1, 'timestamp-ms': 5 })).message).toMatch(/snapshot 1: missing "manifest-list"/);
    expect(thrown(() => parseSnapshot({ 'timestamp-ms': 5, 'manifest-list': 'x' })).message).toMatch(/snapshot: missing required field "snapshot-id"/);
    expect(thrown(() => parseSnapshot({ 'snapshot-id': 1, 'timestamp-ms': 5, 'manifest-list': 'x', summary: { operation: 'append', n: 3 } })).message).toMatch(
      /value of "n" in "summary" must be a string/,
    );
    expect(thrown(() => parseSnapshot({ 'snapshot-id': 1, 'timestamp-ms': 5, 'manifest-list': 'x', summary: [] })).message).toMatch(/"summary" must be an object/);
    expect(thrown(() => parseSnapshot({ 'snapshot-id': 1, 'manifest-list': 'x' }, 'INVALID_INPUT')).code).toBe('INVALID_INPUT');
  });

  it('refs', () => {
    const r = parseSnapshotRef({ 'snapshot-id': 3, type: 'BRANCH', 'min-snapshots-to-keep': 2, 'max-snapshot-age-ms': 10, 'max-ref-age-ms': 9223372036854775807n }, 'b');
    expect(r).toEqual({ snapshotId: 3n, type: 'branch', minSnapshotsToKeep: 2, maxSnapshotAgeMs: 10n, maxRefAgeMs: 9223372036854775807n });
    expect(stringifyJson(snapshotRefToJson(r))).toBe('{"snapshot-id":3,"type":"branch","min-snapshots-to-keep":2,"max-snapshot-age-ms":10,"max-ref-age-ms":9223372036854775807}');
    expect(thrown(() => parseSnapshotRef({ 'snapshot-id': 3, type: 'tag', 'max-snapshot-age-ms': 1 }, 't')).message).toMatch(/snapshot ref "t": tags do not support max-snapshot-age-ms/);
    expect(thrown(() => parseSnapshotRef({ 'snapshot-id': 3, type: 'branch', 'min-snapshots-to-keep': 0 }, 'b')).message).toMatch(/min-snapshots-to-keep must be greater than 0/);
  });
});

/** A history: 1 <- 2 <- 3 (main), 2 <- 4 (branch dev), 5 whose parent 99 has expired; tag t1 on 1. */
function history(): TableMetadata {
  const snap = (id: number, parent: number | undefined, ts: number): Record<string, unknown> => {
    const s: Record<string, unknown> = { 'snapshot-id': id, 'sequence-number': id, 'timestamp-ms': ts, summary: { operation: 'append' }, 'manifest-list': `m${id}.avro` };
    if (parent !== undefined) s['parent-snapshot-id'] = parent;
    return s;
  };
  return parseTableMetadata(
    JSON.stringify({
      'format-version': 2,
      'table-uuid': 'u',
      location: '/t',
      'last-sequence-number': 5,
      'last-updated-ms': 6000,
      'last-column-id': 1,
      'current-schema-id': 0,
      schemas: [{ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: false, type: 'int' }] }],
      'default-spec-id': 0,
      'partition-specs': [{ 'spec-id': 0, fields: [] }],
      'last-partition-id': 999,
      'default-sort-order-id': 0,
      'sort-orders': [{ 'order-id': 0, fields: [] }],
      'current-snapshot-id': 3,
      refs: { main: { 'snapshot-id': 3, type: 'branch' }, dev: { 'snapshot-id': 4, type: 'branch' }, t1: { 'snapshot-id': 1, type: 'tag' } },
      snapshots: [snap(1, undefined, 1000), snap(2, 1, 2000), snap(3, 2, 3000), snap(4, 2, 3500), snap(5, 99, 4000)],
      'snapshot-log': [
        { 'timestamp-ms': 1000, 'snapshot-id': 1 },
        { 'timestamp-ms': 2000, 'snapshot-id': 2 },
        { 'timestamp-ms': 3000, 'snapshot-id': 3 },
      ],
    }),
  );
}

describe('history helpers', () => {
  const m = history();
  const ids = (s: Snapshot[]): bigint[] => s.map((x) => x.snapshotId);

  it('ancestorsOf walks parents newest first and stops at an expired parent', () => {
    expect(ids(ancestorsOf(m, 3n))).toEqual([3n, 2n, 1n]);
    expect(ids(ancestorsOf(m, 4n))).toEqual([4n, 2n, 1n]);
    expect(ids(ancestorsOf(m, 5n))).toEqual([5n]);
    const e = thrown(() => ancestorsOf(m, 42n));
    expect(e.code).toBe('SNAPSHOT_NOT_FOUND');
  });

  it('detects ancestry cycles', () => {
    const cyc = { snapshots: [{ ...m.snapshots[0]!, parentSnapshotId: 2n }, m.snapshots[1]!] };
    expect(thrown(() => ancestorsOf(cyc, 2n)).message).toMatch(/cycle/);
  });

  it('isAncestorOf and ancestorsBetween', () => {
    expect(isAncestorOf(m, 3n, 1n)).toBe(true);
    expect(isAncestorOf(m, 3n, 3n)).toBe(true);
    expect(isAncestorOf(m, 3n, 4n)).toBe(false);
    expect(ids(ancestorsBetween(m, 3n, 1n))).toEqual([3n, 2n]);
    expect(ids(ancestorsBetween(m, 3n, undefined))).toEqual([3n, 2n, 1n]);
    expect(ids(ancestorsBetween(m, 3n, 4n))).toEqual([3n, 2n, 1n]);
  });

  it('snapshotForRef', () => {
    expect(snapshotForRef(m, 'main')?.snapshotId).toBe(3n);
    expect(snapshotForRef(m, 'dev')?.snapshotId).toBe(4n);
    expect(snapshotForRef(m, 't1')?.snapshotId).toBe(1n);
    expect(snapshotForRef(m, 'nope')).toBeUndefined();
  });

  it('snapshotAsOf uses the snapshot log', () => {
    expect(snapshotAsOf(m, 2000).snapshotId).toBe(2n);
    expect(snapshotAsOf(m, 2999).snapshotId).toBe(2n);
    expect(snapshotAsOf(m, 10_000).snapshotId).toBe(3n);
    const early = thrown(() => snapshotAsOf(m, 999));
    expect(early.code).toBe('SNAPSHOT_NOT_FOUND');
    expect(early.message).toMatch(/no snapshot as of 1970-01-01T00:00:00.999Z: the oldest snapshot-log entry is at 1970-01-01T00:00:01.000Z/);
    expect(thrown(() => snapshotAsOf({ ...m, snapshotLog: [] }, 5000)).message).toMatch(/snapshot log is empty/);
    expect(thrown(() => snapshotAsOf({ ...m, snapshotLog: [{ timestampMs: 10, snapshotId: 77n }] }, 5000)).message).toMatch(/snapshot 77.*has expired/);
  });

  it('works on a real table with a branch and a tag (Spark)', () => {
    const t = corpusTable('spark-branch-tag-pos-delete');
    expect([...t.refs.keys()].sort()).toEqual(['EOW-01', 'main', 'test-branch']);
    expect(t.refs.get('EOW-01')?.type).toBe('tag');
    expect(snapshotForRef(t, 'main')?.snapshotId).toBe(t.currentSnapshotId);
    const branchHead = snapshotForRef(t, 'test-branch')!;
    const chain = ancestorsOf(t, branchHead.snapshotId);
    expect(chain[0]).toBe(branchHead);
    expect(chain.at(-1)?.parentSnapshotId).toBeUndefined();
    const last = t.snapshotLog.at(-1)!;
    expect(snapshotAsOf(t, last.timestampMs).snapshotId).toBe(last.snapshotId);
  });
});

describe('newSnapshotId', () => {
  it('draws positive 64-bit ids and avoids existing ones', () => {
    const ids = new Set<bigint>();
    for (let i = 0; i < 1000; i++) {
      const id = newSnapshotId();
      expect(id > 0n && id <= 0x7fffffffffffffffn).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
    // Most ids need more than 53 bits, which is why they are bigint.
    expect([...ids].filter((id) => id > BigInt(Number.MAX_SAFE_INTEGER)).length).toBeGreaterThan(900);
    let calls = 0;
    const id = newSnapshotId({ exists: () => ++calls < 3 });
    expect(calls).toBe(3);
    expect(id > 0n).toBe(true);
    expect(thrown(() => newSnapshotId({ exists: () => true })).code).toBe('INTERNAL');
  });
});

describe('buildSnapshotSummary', () => {
  it('starts totals at 0 for a new branch', () => {
    const s = buildSnapshotSummary({ operation: 'append', counts: { addedDataFiles: 2, addedRecords: 10, addedFilesSize: 2048 }, previous: undefined, changedPartitionCount: 1 });
    expect(s).toEqual({
      operation: 'append',
      'added-data-files': '2',
      'added-records': '10',
      'added-files-size': '2048',
      'changed-partition-count': '1',
      'total-records': '10',
      'total-files-size': '2048',
      'total-data-files': '2',
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-equality-deletes': '0',
    });
  });

  it('carries totals forward from the previous summary', () => {
    const previous = {
      summary: {
        operation: 'append',
        'total-records': '100',
        'total-files-size': '5000',
        'total-data-files': '4',
        'total-delete-files': '1',
        'total-position-deletes': '7',
        'total-equality-deletes': '0',
      } as SnapshotSummary,
    } as Snapshot;
    const s = buildSnapshotSummary({
      operation: 'overwrite',
      previous,
      counts: {
        addedDataFiles: 1,
        deletedDataFiles: 2,
        addedRecords: 30,
        deletedRecords: 50,
        addedFilesSize: 1000,
        removedFilesSize: 2500,
        addedPositionDeleteFiles: 1,
        addedPositionDeletes: 3,
        addedEqualityDeleteFiles: 1,
        addedEqualityDeletes: 4,
        removedPositionDeleteFiles: 1,
        removedPositionDeletes: 7,
        addedDVs: 1,
      },
      extra: { 'engine-name': 'lake', 'lake.commit-id': 'c1' },
    });
    expect(s['total-records']).toBe('80');
    expect(s['total-files-size']).toBe('3500');
    expect(s['total-data-files']).toBe('3');
    expect(s['added-delete-files']).toBe('3');
    expect(s['removed-delete-files']).toBe('1');
    expect(s['total-delete-files']).toBe('3');
    expect(s['total-position-deletes']).toBe('3');
    expect(s['total-equality-deletes']).toBe('4');
    expect(s['added-dvs']).toBe('1');
    expect(s['engine-name']).toBe('lake');
    expect(Object.keys(s).slice(0, 3)).toEqual(['operation', 'engine-name', 'lake.commit-id']);
    expect(s['changed-partition-count']).toBeUndefined();
  });

  it('omits totals it cannot compute, as the reference implementation does', () => {
    const counts = { addedDataFiles: 1, addedRecords: 5, deletedRecords: 50 };
    // Previous snapshot without a summary: no totals at all.
    const none = buildSnapshotSummary({ operation: 'append', counts, previous: { snapshotId: 1n, sequenceNumber: 1n, timestampMs: 0 } });
    expect(Object.keys(none).filter((k) => k.startsWith('total-'))).toEqual([]);
    // Missing, malformed and negative totals are left out; the others are still written.
    const prev = { summary: { operation: 'append', 'total-records': '10', 'total-data-files': 'many', 'total-files-size': '7' } as SnapshotSummary } as Snapshot;
    const s = buildSnapshotSummary({ operation: 'append', counts, previous: prev });
    expect(s['total-records']).toBeUndefined(); // 10 + 5 - 50 < 0
    expect(s['total-data-files']).toBeUndefined();
    expect(s['total-files-size']).toBe('7');
    expect(s['total-delete-files']).toBeUndefined();
    expect(thrown(() => buildSnapshotSummary({ operation: 'append', counts: { addedRecords: -1 }, previous: undefined })).message).toMatch(
      /added-records must not be negative/,
    );
  });

  it('writes per-partition summaries up to the limit', () => {
    const partitions = new Map([
      ['ts_day=2026-11-20', { addedDataFiles: 1, addedRecords: 3, addedFilesSize: 100 }],
      ['ts_day=2026-11-21', { addedDataFiles: 1, addedRecords: 2, addedFilesSize: 90 }],
    ]);
    const counts = { addedDataFiles: 2, addedRecords: 5, addedFilesSize: 190 };
    const under = buildSnapshotSummary({ operation: 'append', counts, previous: undefined, partitions, partitionSummaryLimit: 2 });
    expect(under['changed-partition-count']).toBe('2');
    expect(under['partition-summaries-included']).toBe('true');
    expect(under['partitions.ts_day=2026-11-20']).toBe('added-data-files=1,added-records=3,added-files-size=100');
    const over = buildSnapshotSummary({ operation: 'append', counts, previous: undefined, partitions, partitionSummaryLimit: 1 });
    expect(over['changed-partition-count']).toBe('2');
    expect(over['partition-summaries-included']).toBeUndefined();
    expect(Object.keys(over).some((k) => k.startsWith('partitions.'))).toBe(false);
  });

  it('reproduces the totals that Java-based writers recorded in the corpus', () => {
    if (!existsSync(CORPUS)) throw new Error(`conformance corpus not found at ${CORPUS}`);
    const cases = readdirSync(CORPUS).filter((c) => /^(spark|trino|icebird-spark|icebird-java)-/.test(c));
    let checked = 0;
    for (const c of cases) {
      const t = corpusTable(c);
      const byId = new Map(t.snapshots.map((s) => [s.snapshotId, s]));
      for (const s of t.snapshots) {
        if (s.summary === undefined || s.summary['total-records'] === undefined) continue;
        const previous = s.parentSnapshotId === undefined ? undefined : byId.get(s.parentSnapshotId);
        if (s.parentSnapshotId !== undefined && previous === undefined) continue; // parent expired
        const num = (k: string): number => Number(s.summary![k] ?? 0);
        const rebuilt = buildSnapshotSummary({
          operation: s.summary.operation,
          previous,
          counts: {
            addedDataFiles: num('added-data-files'),
            deletedDataFiles: num('deleted-data-files'),
            addedDeleteFiles: num('added-delete-files'),
            removedDeleteFiles: num('removed-delete-files'),
            addedRecords: num('added-records'),
            deletedRecords: num('deleted-records'),
            addedFilesSize: num('added-files-size'),
            removedFilesSize: num('removed-files-size'),
            addedPositionDeletes: num('added-position-deletes'),
            removedPositionDeletes: num('removed-position-deletes'),
            addedEqualityDeletes: num('added-equality-deletes'),
            removedEqualityDeletes: num('removed-equality-deletes'),
          },
        });
        for (const k of ['total-records', 'total-files-size', 'total-data-files', 'total-delete-files', 'total-position-deletes', 'total-equality-deletes']) {
          expect(rebuilt[k], `${c} snapshot ${s.snapshotId} ${k}`).toBe(s.summary[k]);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
