import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/manifest/manifest.js';
import { EntryStatus, FileContent, ManifestContent } from '../../src/spec/data-file.js';
import { entriesOf, fakeFile, livePaths, manifestsOf, testSchema, twoWriters } from '../catalog/helpers.js';

async function setup(formatVersion: 1 | 2 | 3 = 2) {
  const w = twoWriters();
  await w.a.createNamespace('db');
  const t = await w.a.createTable('db.t', { schema: testSchema(), formatVersion });
  await t.newAppend().appendFile(fakeFile('memory://d/a.parquet', { ids: [1n, 10n] })).commit();
  return { ...w, t };
}

function positionDeletes(path: string, target: string, records = 2) {
  return fakeFile(path, { content: FileContent.POSITION_DELETES, referencedDataFile: target, records });
}

function deletionVector(path: string, target: string, records = 2) {
  const f = fakeFile(path, { content: FileContent.POSITION_DELETES, referencedDataFile: target, records, fileFormat: 'PUFFIN' });
  f.contentOffset = 4;
  f.contentSizeInBytes = 40;
  return f;
}

describe('RowDelta', () => {
  it('adds position deletes in a delete manifest as a `delete` snapshot', async () => {
    const { t } = await setup();
    const r = await t.newRowDelta().addDeletes(positionDeletes('memory://d/a-pos.parquet', 'memory://d/a.parquet')).commit();
    expect(r.snapshot!.summary).toMatchObject({
      operation: 'delete',
      'added-position-delete-files': '1',
      'added-delete-files': '1',
      'added-position-deletes': '2',
      'total-delete-files': '1',
      'total-position-deletes': '2',
      'total-data-files': '1',
    });
    const manifests = await manifestsOf(t);
    const deletes = manifests.filter((m) => m.content === ManifestContent.DELETES);
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.sequenceNumber).toBe(2n);
    const raw = readManifest(await t.io.read(deletes[0]!.manifestPath));
    expect(raw.metadata.content).toBe('deletes');
    expect(raw.entries[0]).toMatchObject({ status: EntryStatus.ADDED, sequenceNumber: undefined });
    expect(raw.entries[0]!.dataFile.referencedDataFile).toBe('memory://d/a.parquet');
    const inherited = (await entriesOf(t)).find((e) => e.dataFile.content === FileContent.POSITION_DELETES)!;
    expect(inherited.sequenceNumber).toBe(2n);
  });

  it('adds equality deletes and data in one `overwrite` snapshot (an upsert)', async () => {
    const { t } = await setup();
    const eq = fakeFile('memory://d/eq.parquet', { content: FileContent.EQUALITY_DELETES, equalityIds: [1], records: 3 });
    const r = await t.newRowDelta().addDeletes(eq).addRows(fakeFile('memory://d/new.parquet', { ids: [1n, 3n] })).commit();
    expect(r.snapshot!.summary).toMatchObject({
      operation: 'overwrite',
      'added-equality-delete-files': '1',
      'added-equality-deletes': '3',
      'added-data-files': '1',
      'total-equality-deletes': '3',
    });
    expect(await livePaths(t)).toEqual(['memory://d/a.parquet', 'memory://d/eq.parquet', 'memory://d/new.parquet']);
  });

  it('can replace a delete file (removeDeletes)', async () => {
    const { t } = await setup();
    await t.newRowDelta().addDeletes(positionDeletes('memory://d/p1.parquet', 'memory://d/a.parquet')).commit();
    const r = await t
      .newRowDelta()
      .removeDeletes('memory://d/p1.parquet')
      .addDeletes(positionDeletes('memory://d/p2.parquet', 'memory://d/a.parquet', 3))
      .commit();
    expect(r.snapshot!.summary).toMatchObject({ 'removed-position-delete-files': '1', 'added-position-delete-files': '1', 'total-position-deletes': '3' });
    expect(await livePaths(t)).toEqual(['memory://d/a.parquet', 'memory://d/p2.parquet']);
  });

  it('follows the format version: no deletes in v1, no deletion vectors in v2, only deletion vectors for positions in v3', async () => {
    const v1 = await setup(1);
    await expect(v1.t.newRowDelta().addDeletes(positionDeletes('memory://d/p.parquet', 'memory://d/a.parquet')).commit()).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE' });
    const v2 = await setup(2);
    await expect(v2.t.newRowDelta().addDeletes(deletionVector('memory://d/dv.puffin', 'memory://d/a.parquet')).commit()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const v3 = await setup(3);
    await expect(v3.t.newRowDelta().addDeletes(positionDeletes('memory://d/p.parquet', 'memory://d/a.parquet')).commit()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const r = await v3.t.newRowDelta().addDeletes(deletionVector('memory://d/dv.puffin', 'memory://d/a.parquet')).commit();
    expect(r.snapshot!.summary).toMatchObject({ 'added-dvs': '1', 'added-position-deletes': '2' });
    expect(r.snapshot!.summary!['added-position-delete-files']).toBeUndefined();
    expect(v3.t.metadata.nextRowId).toBe(10n);
  });

  it('removing a data file that is not in the table fails; referenced files are checked against concurrent removals only', async () => {
    const { t } = await setup();
    await expect(t.newRowDelta().removeRows('memory://d/nope.parquet').commit()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    // As in the reference implementation, validateDataFilesExist looks at what others removed since
    // the start (see the conflict tests), not at the whole table.
    const r = await t.newRowDelta().addDeletes(positionDeletes('memory://d/p.parquet', 'memory://d/a.parquet')).validateDataFilesExist(['memory://d/a.parquet']).commit();
    expect(r.attempts).toBe(1);
  });
});
