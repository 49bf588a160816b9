import { describe, expect, it } from 'vitest';
import { equal, greaterThanOrEqual, lessThan } from '../../src/expressions/index.js';
import { readManifest } from '../../src/manifest/manifest.js';
import { EntryStatus } from '../../src/spec/data-file.js';
import { categorySpec, entriesOf, fakeFile, livePaths, manifestsOf, testSchema, twoWriters } from '../catalog/helpers.js';

async function setup(partitioned: boolean) {
  const w = twoWriters();
  await w.a.createNamespace('db');
  const t = await w.a.createTable('db.t', { schema: testSchema(), ...(partitioned ? { partitionSpec: categorySpec() } : {}) });
  return { ...w, t };
}

describe('OverwriteFiles', () => {
  it('removes the files of a filtered partition, rewriting only the manifests that held them', async () => {
    const { t } = await setup(true);
    await t
      .newAppend()
      .appendFile(fakeFile('memory://d/a1.parquet', { partition: ['a'], ids: [1n, 10n] }))
      .appendFile(fakeFile('memory://d/b1.parquet', { partition: ['b'], ids: [11n, 20n] }))
      .commit();
    const untouched = await t.newAppend().appendFile(fakeFile('memory://d/b2.parquet', { partition: ['b'], ids: [21n, 30n] })).commit();
    const r = await t
      .newOverwrite()
      .overwriteByRowFilter(equal('category', 'a'))
      .addFile(fakeFile('memory://d/a2.parquet', { partition: ['a'], ids: [100n, 104n] }))
      .commit();
    const snap = r.snapshot!;
    expect(snap.summary).toMatchObject({
      operation: 'overwrite',
      'added-data-files': '1',
      'deleted-data-files': '1',
      'added-records': '5',
      'deleted-records': '10',
      'total-data-files': '3',
      'total-records': '25',
      'changed-partition-count': '1',
    });
    expect(await livePaths(t)).toEqual(['memory://d/a2.parquet', 'memory://d/b1.parquet', 'memory://d/b2.parquet']);

    const manifests = await manifestsOf(t);
    expect(manifests).toHaveLength(3);
    // The manifest of the second append held nothing to remove: kept as it was.
    const kept = (await manifestsOf(t, untouched.snapshot!))[0]!;
    expect(manifests.some((m) => m.manifestPath === kept.manifestPath && m.sequenceNumber === 2n)).toBe(true);
    // The first append's manifest was rewritten: DELETED a1 (by this snapshot), EXISTING b1 with its sequence numbers.
    const rewritten = manifests.find((m) => m.addedSnapshotId === snap.snapshotId && m.deletedFilesCount === 1)!;
    expect(rewritten.existingFilesCount).toBe(1);
    const raw = readManifest(await t.io.read(rewritten.manifestPath)).entries;
    const byPath = new Map(raw.map((e) => [e.dataFile.filePath, e]));
    expect(byPath.get('memory://d/a1.parquet')).toMatchObject({ status: EntryStatus.DELETED, snapshotId: snap.snapshotId, sequenceNumber: 1n, fileSequenceNumber: 1n });
    expect(byPath.get('memory://d/b1.parquet')).toMatchObject({ status: EntryStatus.EXISTING, sequenceNumber: 1n, fileSequenceNumber: 1n });
    expect(byPath.get('memory://d/b1.parquet')!.snapshotId).toBe(t.metadata.snapshots[0]!.snapshotId);
    const a2 = (await entriesOf(t)).find((e) => e.dataFile.filePath === 'memory://d/a2.parquet')!;
    expect(a2.sequenceNumber).toBe(3n);
  });

  it('removes a data file whose metrics prove every row matches, and refuses one that matches only in part', async () => {
    const { t } = await setup(false);
    await t
      .newAppend()
      .appendFile(fakeFile('memory://d/low.parquet', { ids: [1n, 10n] }))
      .appendFile(fakeFile('memory://d/high.parquet', { ids: [200n, 300n] }))
      .commit();
    const r = await t.newOverwrite().overwriteByRowFilter(lessThan('id', 100n)).commit();
    expect(r.snapshot!.summary!.operation).toBe('delete');
    expect(await livePaths(t)).toEqual(['memory://d/high.parquet']);

    await t.newAppend().appendFile(fakeFile('memory://d/mixed.parquet', { ids: [250n, 350n] })).commit();
    const e = await t.newOverwrite().overwriteByRowFilter(lessThan('id', 260n)).commit().catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'INVALID_INPUT' });
    expect(String((e as Error).message)).toContain('only some of its rows match');
    expect(await livePaths(t)).toEqual(['memory://d/high.parquet', 'memory://d/mixed.parquet']);
  });

  it('removes files by path and names files that are not in the table', async () => {
    const { t } = await setup(false);
    await t.newAppend().appendFile(fakeFile('memory://d/a.parquet')).appendFile(fakeFile('memory://d/b.parquet')).commit();
    const r = await t.newOverwrite().deleteFile('memory://d/a.parquet').addFile(fakeFile('memory://d/c.parquet')).commit();
    expect(r.snapshot!.summary!.operation).toBe('overwrite');
    expect(await livePaths(t)).toEqual(['memory://d/b.parquet', 'memory://d/c.parquet']);
    await expect(t.newOverwrite().deleteFile('memory://d/nope.parquet').commit()).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('nope.parquet') });
  });

  it('an add-only overwrite is an append; validateAddedFilesMatchOverwriteFilter refuses files outside the filter', async () => {
    const { t } = await setup(true);
    const r = await t.newOverwrite().addFile(fakeFile('memory://d/a.parquet', { partition: ['a'] })).commit();
    expect(r.snapshot!.summary!.operation).toBe('append');
    await expect(
      t
        .newOverwrite()
        .overwriteByRowFilter(equal('category', 'a'))
        .addFile(fakeFile('memory://d/b.parquet', { partition: ['b'] }))
        .validateAddedFilesMatchOverwriteFilter()
        .commit(),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('b.parquet') });
    const ok = await t
      .newOverwrite()
      .overwriteByRowFilter(equal('category', 'a'))
      .addFile(fakeFile('memory://d/a2.parquet', { partition: ['a'] }))
      .validateAddedFilesMatchOverwriteFilter()
      .commit();
    expect(ok.snapshot!.summary!.operation).toBe('overwrite');
    expect(await livePaths(t)).toEqual(['memory://d/a2.parquet']);
  });

  it('drops manifests left without live files', async () => {
    const { t } = await setup(false);
    await t.newAppend().appendFile(fakeFile('memory://d/a.parquet', { ids: [1n, 5n] })).commit();
    await t.newAppend().appendFile(fakeFile('memory://d/b.parquet', { ids: [10n, 15n] })).commit();
    await t.newOverwrite().overwriteByRowFilter(greaterThanOrEqual('id', 10n)).commit();
    // This snapshot's rewritten manifest (only a DELETED entry) is kept for it ...
    expect((await manifestsOf(t)).map((m) => [m.addedFilesCount, m.existingFilesCount, m.deletedFilesCount])).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    // ... and dropped by the next commit that filters.
    await t.newDelete().deleteFromRowFilter(lessThan('id', 0n)).commit();
    expect((await manifestsOf(t)).map((m) => m.deletedFilesCount)).toEqual([0]);
  });
});

describe('ReplacePartitions', () => {
  it('replaces exactly the partitions of the added files', async () => {
    const { t } = await setup(true);
    await t
      .newAppend()
      .appendFile(fakeFile('memory://d/a.parquet', { partition: ['a'] }))
      .appendFile(fakeFile('memory://d/b.parquet', { partition: ['b'] }))
      .appendFile(fakeFile('memory://d/n.parquet', { partition: [null] }))
      .commit();
    const r = await t
      .newReplacePartitions()
      .addFile(fakeFile('memory://d/a-new.parquet', { partition: ['a'] }))
      .addFile(fakeFile('memory://d/n-new.parquet', { partition: [null] }))
      .commit();
    expect(r.snapshot!.summary).toMatchObject({ operation: 'overwrite', 'added-data-files': '2', 'deleted-data-files': '2' });
    expect(await livePaths(t)).toEqual(['memory://d/a-new.parquet', 'memory://d/b.parquet', 'memory://d/n-new.parquet']);
  });

  it('replaces the whole table when the spec is unpartitioned', async () => {
    const { t } = await setup(false);
    await t.newAppend().appendFile(fakeFile('memory://d/a.parquet')).appendFile(fakeFile('memory://d/b.parquet')).commit();
    await t.newReplacePartitions().addFile(fakeFile('memory://d/c.parquet')).commit();
    expect(await livePaths(t)).toEqual(['memory://d/c.parquet']);
  });
});
