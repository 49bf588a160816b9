import { describe, expect, it } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { readManifest } from '../../src/manifest/manifest.js';
import { readManifestList } from '../../src/manifest/manifest-list.js';
import { EntryStatus, FileContent } from '../../src/spec/data-file.js';
import { COMMIT_ID_PROPERTY } from '../../src/write/commit-id.js';
import { categorySpec, entriesOf, fakeFile, listAll, manifestsOf, testSchema, twoWriters } from '../catalog/helpers.js';

async function setup(options: { partitioned?: boolean; properties?: Record<string, string>; formatVersion?: 1 | 2 | 3 } = {}) {
  const w = twoWriters();
  await w.a.createNamespace('db');
  const t = await w.a.createTable('db.t', {
    schema: testSchema(),
    ...(options.partitioned ? { partitionSpec: categorySpec() } : {}),
    ...(options.properties ? { properties: options.properties } : {}),
    ...(options.formatVersion ? { formatVersion: options.formatVersion } : {}),
  });
  return { ...w, t };
}

describe('AppendFiles (fast append)', () => {
  it('writes one manifest of ADDED entries with null sequence numbers, inherited from the list', async () => {
    const { t } = await setup();
    const r = await t.newAppend().appendFile(fakeFile('memory://d/a.parquet', { ids: [1n, 10n] })).appendFile(fakeFile('memory://d/b.parquet', { ids: [11n, 30n] })).commit();
    const snap = r.snapshot!;
    expect(snap.sequenceNumber).toBe(1n);
    expect(snap.parentSnapshotId).toBeUndefined();
    const manifests = await manifestsOf(t);
    expect(manifests).toHaveLength(1);
    expect(manifests[0]!.addedSnapshotId).toBe(snap.snapshotId);
    expect(manifests[0]!.sequenceNumber).toBe(1n);
    expect(manifests[0]!.addedFilesCount).toBe(2);
    expect(manifests[0]!.addedRowsCount).toBe(30);
    // As written: snapshot id set, sequence numbers null (inherited on read).
    const raw = readManifest(await t.io.read(manifests[0]!.manifestPath));
    expect(raw.entries.map((e) => [e.status, e.snapshotId, e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [EntryStatus.ADDED, snap.snapshotId, undefined, undefined],
      [EntryStatus.ADDED, snap.snapshotId, undefined, undefined],
    ]);
    const inherited = await entriesOf(t);
    expect(inherited.map((e) => [e.dataFile.filePath, e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      ['memory://d/a.parquet', 1n, 1n],
      ['memory://d/b.parquet', 1n, 1n],
    ]);
  });

  it('records the standard summary fields, totals carried forward, and the commit id', async () => {
    const { t } = await setup();
    const first = await t.newAppend().appendFile(fakeFile('memory://d/a.parquet', { ids: [1n, 10n], size: 700 })).commit();
    const second = await t.newAppend().appendFile(fakeFile('memory://d/b.parquet', { ids: [11n, 15n], size: 300 })).set('app', 'loader').commit();
    const s1 = first.snapshot!.summary!;
    expect(s1).toMatchObject({
      operation: 'append',
      'added-data-files': '1',
      'added-records': '10',
      'added-files-size': '700',
      'changed-partition-count': '1',
      'total-data-files': '1',
      'total-records': '10',
      'total-files-size': '700',
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-equality-deletes': '0',
    });
    expect(s1[COMMIT_ID_PROPERTY]).toMatch(/^[0-9a-f-]{36}$/);
    const s2 = second.snapshot!.summary!;
    expect(s2).toMatchObject({ app: 'loader', 'total-data-files': '2', 'total-records': '15', 'total-files-size': '1000' });
    expect(s2[COMMIT_ID_PROPERTY]).not.toBe(s1[COMMIT_ID_PROPERTY]);
  });

  it('lists new manifests first, then every manifest of the parent', async () => {
    const { t } = await setup();
    await t.newAppend().appendFile(fakeFile('memory://d/a.parquet')).commit();
    const before = await manifestsOf(t);
    const r = await t.newAppend().appendFile(fakeFile('memory://d/b.parquet')).commit();
    const after = await manifestsOf(t);
    expect(after).toHaveLength(2);
    expect(after[1]!.manifestPath).toBe(before[0]!.manifestPath);
    expect(after[1]!.sequenceNumber).toBe(1n);
    expect(after[0]!.sequenceNumber).toBe(2n);
    expect(r.snapshot!.parentSnapshotId).toBe(t.metadata.snapshots[0]!.snapshotId);
    const list = readManifestList(await t.io.read(r.snapshot!.manifestList!));
    expect(list.sequenceNumber).toBe(2n);
    expect(list.parentSnapshotId).toBe(r.snapshot!.parentSnapshotId);
  });

  it('writes per-partition summaries up to write.summary.partition-limit', async () => {
    const { t } = await setup({ partitioned: true, properties: { 'write.summary.partition-limit': '5' } });
    const r = await t
      .newAppend()
      .appendFile(fakeFile('memory://d/a1.parquet', { partition: ['a'], ids: [1n, 4n] }))
      .appendFile(fakeFile('memory://d/a2.parquet', { partition: ['a'], ids: [5n, 6n] }))
      .appendFile(fakeFile('memory://d/b.parquet', { partition: ['b'], ids: [7n, 7n] }))
      .commit();
    const s = r.snapshot!.summary!;
    expect(s['changed-partition-count']).toBe('2');
    expect(s['partition-summaries-included']).toBe('true');
    expect(s['partitions.category=a']).toContain('added-data-files=2');
    expect(s['partitions.category=a']).toContain('added-records=6');
    expect(s['partitions.category=b']).toContain('added-records=1');
  });

  it('re-stages on a lost race: the new manifest is written once, the list per attempt with a fresh sequence number', async () => {
    const { t, io, b } = await setup();
    const rival = await b.loadTable('db.t');
    io.inject({
      action: 'delay',
      method: 'writeIfAbsent',
      location: /\/v2\.metadata\.json$/,
      wait: () => rival.newAppend().appendFile(fakeFile('memory://d/rival.parquet')).commit(),
    });
    const op = t.newAppend().appendFile(fakeFile('memory://d/mine.parquet'));
    const r = await op.commit();
    expect(r.attempts).toBe(2);
    expect(r.snapshot!.sequenceNumber).toBe(2n);
    expect(t.metadata.snapshots.map((s) => s.sequenceNumber)).toEqual([1n, 2n]);
    const written = op.writtenFiles();
    const manifests = written.filter((f) => /-m\d+\.avro$/.test(f));
    const lists = written.filter((f) => /\/snap-/.test(f));
    expect(manifests).toHaveLength(1);
    expect(lists).toHaveLength(2);
    expect(lists[0]).toMatch(new RegExp(`snap-${op.snapshotId}-1-`));
    expect(lists[1]).toMatch(new RegExp(`snap-${op.snapshotId}-2-`));
    // The first attempt's list is deleted (that attempt certainly did not land); the rest is in use.
    expect(await t.io.exists(lists[0]!)).toBe(false);
    expect(r.snapshot!.manifestList).toBe(lists[1]);
    const entries = await entriesOf(t);
    const mine = entries.find((e) => e.dataFile.filePath === 'memory://d/mine.parquet')!;
    expect(mine.sequenceNumber).toBe(2n);
    expect((await manifestsOf(t)).map((m) => m.manifestPath)[0]).toBe(manifests[0]);
  });

  it('commits to a branch created from main, leaving main as it was', async () => {
    const { t } = await setup();
    const base = await t.newAppend().appendFile(fakeFile('memory://d/a.parquet')).commit();
    const r = await t.newAppend().appendFile(fakeFile('memory://d/b.parquet')).toBranch('dev').commit();
    expect(t.metadata.currentSnapshotId).toBe(base.snapshot!.snapshotId);
    expect(t.metadata.refs.get('dev')).toEqual({ snapshotId: r.snapshot!.snapshotId, type: 'branch' });
    expect(r.snapshot!.parentSnapshotId).toBe(base.snapshot!.snapshotId);
    const again = await t.newAppend().appendFile(fakeFile('memory://d/c.parquet')).toBranch('dev').commit();
    expect(again.snapshot!.parentSnapshotId).toBe(r.snapshot!.snapshotId);
    expect(again.snapshot!.summary!['total-data-files']).toBe('3');
    await t.createTag('v1');
    expect(() => t.newAppend().toBranch('v1')).toThrow(/v1 is a tag, not a branch/);
  });

  it('v1 tables get sequence number 0, v3 tables row lineage', async () => {
    const v1 = await setup({ formatVersion: 1 });
    const r1 = await v1.t.newAppend().appendFile(fakeFile('memory://d/a.parquet')).commit();
    expect(r1.snapshot!.sequenceNumber).toBe(0n);
    // v1 manifests carry no sequence numbers: they read as 0.
    expect((await entriesOf(v1.t))[0]!.sequenceNumber ?? 0n).toBe(0n);
    expect(readManifestList(await v1.t.io.read(r1.snapshot!.manifestList!)).formatVersion).toBe(1);

    const v3 = await setup({ formatVersion: 3 });
    const a = await v3.t.newAppend().appendFile(fakeFile('memory://d/a.parquet', { ids: [1n, 10n] })).commit();
    expect(a.snapshot!.firstRowId).toBe(0n);
    expect(a.snapshot!.addedRows).toBe(10n);
    const b = await v3.t.newAppend().appendFile(fakeFile('memory://d/b.parquet', { ids: [11n, 15n] })).commit();
    expect(b.snapshot!.firstRowId).toBe(10n);
    expect(b.snapshot!.addedRows).toBe(5n);
    expect(v3.t.metadata.nextRowId).toBe(15n);
    const entries = await entriesOf(v3.t);
    expect(entries.map((e) => [e.dataFile.filePath, e.dataFile.firstRowId])).toEqual([
      ['memory://d/b.parquet', 10n],
      ['memory://d/a.parquet', 0n],
    ]);
  });

  it('refuses bad files before writing anything', async () => {
    const { t, warehouse, io } = await setup();
    const before = await listAll(io, `${warehouse}/`);
    const cases = [
      t.newAppend().appendFile(fakeFile('memory://d/del.parquet', { content: FileContent.POSITION_DELETES })),
      t.newAppend().appendFile(fakeFile('memory://d/s.parquet', { specId: 7 })),
      t.newAppend().appendFile(fakeFile('memory://d/p.parquet', { partition: ['x'] })),
      t.newAppend().appendFile(fakeFile('memory://d/dup.parquet')).appendFile(fakeFile('memory://d/dup.parquet')),
    ];
    for (const op of cases) {
      const e = await op.commit().catch((x: unknown) => x);
      expect(isLakeError(e, 'INVALID_INPUT')).toBe(true);
    }
    expect(await listAll(io, `${warehouse}/`)).toEqual(before);
    expect(t.metadata.snapshots).toHaveLength(0);
  });
});
