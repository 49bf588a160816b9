import { describe, expect, it } from 'vitest';
import { equal, greaterThan } from '../../src/expressions/index.js';
import { readManifest } from '../../src/manifest/manifest.js';
import { EntryStatus } from '../../src/spec/data-file.js';
import { categorySpec, entriesOf, fakeFile, livePaths, manifestsOf, testSchema, twoWriters } from '../catalog/helpers.js';

async function setup(partitioned = false) {
  const w = twoWriters();
  await w.a.createNamespace('db');
  const t = await w.a.createTable('db.t', { schema: testSchema(), ...(partitioned ? { partitionSpec: categorySpec() } : {}) });
  return { ...w, t };
}

describe('RewriteFiles', () => {
  it('replaces files in a `replace` snapshot with the same records', async () => {
    const { t } = await setup();
    await t.newAppend().appendFile(fakeFile('memory://d/a.parquet', { ids: [1n, 10n] })).commit();
    await t.newAppend().appendFile(fakeFile('memory://d/b.parquet', { ids: [11n, 20n] })).commit();
    const r = await t
      .newRewrite()
      .deleteFile('memory://d/a.parquet')
      .deleteFile('memory://d/b.parquet')
      .addFile(fakeFile('memory://d/ab.parquet', { ids: [1n, 20n] }))
      .commit();
    expect(r.snapshot!.summary).toMatchObject({
      operation: 'replace',
      'added-data-files': '1',
      'deleted-data-files': '2',
      'added-records': '20',
      'deleted-records': '20',
      'total-data-files': '1',
      'total-records': '20',
    });
    expect(await livePaths(t)).toEqual(['memory://d/ab.parquet']);
    const ab = (await entriesOf(t)).find((e) => e.dataFile.filePath === 'memory://d/ab.parquet')!;
    expect(ab.sequenceNumber).toBe(3n);
  });

  it('keeps a given data sequence number for the new files (the file sequence number is the commit\'s)', async () => {
    const { t } = await setup();
    await t.newAppend().appendFile(fakeFile('memory://d/a.parquet', { ids: [1n, 10n] })).commit();
    const op = t.newRewrite().deleteFile('memory://d/a.parquet').addFile(fakeFile('memory://d/a2.parquet', { ids: [1n, 10n] })).useStartingSequenceNumber();
    await t.newAppend().appendFile(fakeFile('memory://d/b.parquet')).commit();
    const r = await op.commit();
    expect(r.snapshot!.sequenceNumber).toBe(3n);
    const manifest = (await manifestsOf(t)).find((m) => m.addedSnapshotId === r.snapshot!.snapshotId && m.addedFilesCount === 1)!;
    const raw = readManifest(await t.io.read(manifest.manifestPath)).entries;
    expect(raw[0]).toMatchObject({ status: EntryStatus.ADDED, sequenceNumber: 1n, fileSequenceNumber: undefined });
    const a2 = (await entriesOf(t)).find((e) => e.dataFile.filePath === 'memory://d/a2.parquet')!;
    expect([a2.sequenceNumber, a2.fileSequenceNumber]).toEqual([1n, 3n]);
  });

  it('refuses a rewrite that adds records, replaces nothing, or names a file not in the table', async () => {
    const { t } = await setup();
    await t.newAppend().appendFile(fakeFile('memory://d/a.parquet', { ids: [1n, 10n] })).commit();
    await expect(t.newRewrite().deleteFile('memory://d/a.parquet').addFile(fakeFile('memory://d/big.parquet', { ids: [1n, 11n] })).commit()).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('adds 11 records but replaces only 10'),
    });
    await expect(t.newRewrite().addFile(fakeFile('memory://d/x.parquet')).commit()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(t.newRewrite().deleteFile('memory://d/gone.parquet').commit()).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('gone.parquet'),
    });
    expect(t.metadata.snapshots).toHaveLength(1);
  });
});

describe('DeleteFiles', () => {
  it('deletes by path and by a filter that covers whole files', async () => {
    const { t } = await setup(true);
    await t
      .newAppend()
      .appendFile(fakeFile('memory://d/a.parquet', { partition: ['a'], ids: [1n, 10n] }))
      .appendFile(fakeFile('memory://d/b.parquet', { partition: ['b'], ids: [11n, 20n] }))
      .appendFile(fakeFile('memory://d/c.parquet', { partition: ['c'], ids: [21n, 30n] }))
      .commit();
    const r1 = await t.newDelete().deleteFile('memory://d/a.parquet').commit();
    expect(r1.snapshot!.summary).toMatchObject({ operation: 'delete', 'deleted-data-files': '1', 'deleted-records': '10', 'total-records': '20' });
    const r2 = await t.newDelete().deleteFromRowFilter(equal('category', 'b')).commit();
    expect(r2.snapshot!.summary!['deleted-data-files']).toBe('1');
    expect(await livePaths(t)).toEqual(['memory://d/c.parquet']);
    // A filter matching nothing still commits an (empty) delete, as the reference implementation does.
    const r3 = await t.newDelete().deleteFromRowFilter(equal('category', 'zzz')).commit();
    expect(r3.snapshot!.summary!['deleted-data-files']).toBeUndefined();
  });

  it('refuses to drop a file that matches the filter only in part', async () => {
    const { t } = await setup();
    await t.newAppend().appendFile(fakeFile('memory://d/a.parquet', { ids: [1n, 10n] })).commit();
    await expect(t.newDelete().deleteFromRowFilter(greaterThan('id', 5n)).commit()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(t.newDelete().deleteFile('memory://d/other.parquet').commit()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await livePaths(t)).toEqual(['memory://d/a.parquet']);
  });
});
