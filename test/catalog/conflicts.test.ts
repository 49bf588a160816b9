/**
 * Conflict validation of concurrent commits (catalog/conflict-validation.ts): an operation is
 * created (its starting snapshot fixed), another writer commits, then the operation commits.
 * "Racing" cases also let the other writer land between the operation's staging and its
 * compare-and-swap, so the conflict is found on the retry.
 */
import { describe, expect, it } from 'vitest';
import { equal, lessThan } from '../../src/expressions/index.js';
import { isLakeError } from '../../src/errors.js';
import { FileContent } from '../../src/spec/data-file.js';
import { categorySpec, fakeFile, listAll, livePaths, testSchema, twoWriters } from './helpers.js';

async function setup(options: { partitioned?: boolean; properties?: Record<string, string>; formatVersion?: 2 | 3 } = {}) {
  const w = twoWriters();
  await w.a.createNamespace('db');
  const t = await w.a.createTable('db.t', {
    schema: testSchema(),
    ...(options.partitioned ? { partitionSpec: categorySpec() } : {}),
    ...(options.properties ? { properties: options.properties } : {}),
    ...(options.formatVersion ? { formatVersion: options.formatVersion } : {}),
  });
  await t.newAppend().appendFile(fakeFile('memory://d/low.parquet', { ids: [1n, 50n], partition: options.partitioned ? ['a'] : [] })).commit();
  await t.newAppend().appendFile(fakeFile('memory://d/high.parquet', { ids: [500n, 600n], partition: options.partitioned ? ['b'] : [] })).commit();
  const other = await w.b.loadTable('db.t');
  return { ...w, t, other };
}

async function conflictOf(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(isLakeError(e, 'COMMIT_CONFLICT')).toBe(true);
  return e as { message: string; context: Record<string, unknown>; retryable: boolean };
}

describe('overwrite by filter racing appends', () => {
  it('fails under serializable isolation when the racing append added rows matching the filter, naming the snapshot and file', async () => {
    const { t, other } = await setup();
    const op = t.newOverwrite().overwriteByRowFilter(lessThan('id', 100n)).addFile(fakeFile('memory://d/low2.parquet', { ids: [1n, 40n] }));
    const racing = await other.newAppend().appendFile(fakeFile('memory://d/race.parquet', { ids: [60n, 70n] })).commit();
    const e = await conflictOf(op.commit());
    expect(e.retryable).toBe(false);
    expect(e.context.conflictingSnapshotId).toBe(racing.snapshot!.snapshotId);
    expect(e.message).toContain(String(racing.snapshot!.snapshotId));
    expect(e.message).toContain('memory://d/race.parquet');
    await t.refresh();
    expect(await livePaths(t)).toEqual(['memory://d/high.parquet', 'memory://d/low.parquet', 'memory://d/race.parquet']);
  });

  it('fails the same way when the append lands between staging and publishing (found on the retry)', async () => {
    const { t, other, io } = await setup();
    let racingId: bigint | undefined;
    io.inject({
      action: 'delay',
      method: 'writeIfAbsent',
      location: /\/v4\.metadata\.json$/,
      wait: async () => {
        racingId = (await other.newAppend().appendFile(fakeFile('memory://d/race.parquet', { ids: [60n, 70n] })).commit()).snapshot!.snapshotId;
      },
    });
    const op = t.newOverwrite().overwriteByRowFilter(lessThan('id', 100n)).addFile(fakeFile('memory://d/low2.parquet', { ids: [1n, 40n] }));
    const e = await conflictOf(op.commit());
    expect(e.context.conflictingSnapshotId).toBe(racingId);
    // Certainly not committed: everything the overwrite wrote is gone again.
    for (const f of op.writtenFiles()) expect(await io.exists(f)).toBe(false);
  });

  it('succeeds when the racing rows do not match the filter', async () => {
    const { t, other } = await setup();
    const op = t.newOverwrite().overwriteByRowFilter(lessThan('id', 100n)).addFile(fakeFile('memory://d/low2.parquet', { ids: [1n, 40n] }));
    await other.newAppend().appendFile(fakeFile('memory://d/race.parquet', { ids: [700n, 800n] })).commit();
    const r = await op.commit();
    expect(r.snapshot!.summary!.operation).toBe('overwrite');
    expect(await livePaths(t)).toEqual(['memory://d/high.parquet', 'memory://d/low2.parquet', 'memory://d/race.parquet']);
  });

  it('succeeds under snapshot isolation (write.update.isolation-level=snapshot, or per operation)', async () => {
    const { t, other } = await setup({ properties: { 'write.update.isolation-level': 'snapshot' } });
    const op = t.newOverwrite().overwriteByRowFilter(lessThan('id', 100n)).addFile(fakeFile('memory://d/low2.parquet', { ids: [1n, 40n] }));
    await other.newAppend().appendFile(fakeFile('memory://d/race.parquet', { ids: [60n, 70n] })).commit();
    await op.commit();
    // No conflict; the filter applies to the table as it is when the overwrite lands, racing file included.
    expect(await livePaths(t)).toEqual(['memory://d/high.parquet', 'memory://d/low2.parquet']);

    const s2 = await setup();
    const op2 = s2.t.newOverwrite().overwriteByRowFilter(lessThan('id', 100n)).isolationLevel('snapshot');
    await s2.other.newAppend().appendFile(fakeFile('memory://d/race.parquet', { ids: [60n, 70n] })).commit();
    await expect(op2.commit()).resolves.toBeDefined();
    // A delete-only overwrite reads write.delete.isolation-level.
    const s3 = await setup({ properties: { 'write.delete.isolation-level': 'snapshot' } });
    const op3 = s3.t.newOverwrite().overwriteByRowFilter(lessThan('id', 100n));
    await s3.other.newAppend().appendFile(fakeFile('memory://d/race.parquet', { ids: [60n, 70n] })).commit();
    await expect(op3.commit()).resolves.toBeDefined();
  });

  it('fails at both levels when a concurrent commit removed data in scope', async () => {
    const { t, other } = await setup({ properties: { 'write.update.isolation-level': 'snapshot' } });
    const op = t.newOverwrite().overwriteByRowFilter(lessThan('id', 100n)).addFile(fakeFile('memory://d/low2.parquet', { ids: [1n, 40n] }));
    const removal = await other.newDelete().deleteFile('memory://d/low.parquet').commit();
    const e = await conflictOf(op.commit());
    expect(e.context.conflictingSnapshotId).toBe(removal.snapshot!.snapshotId);
    expect(e.context.file).toBe('memory://d/low.parquet');
  });
});

describe('replace partitions racing appends', () => {
  it('fails when the racing append wrote to a replaced partition, succeeds for another partition', async () => {
    const s = await setup({ partitioned: true });
    const op = s.t.newReplacePartitions().addFile(fakeFile('memory://d/a-new.parquet', { partition: ['a'] }));
    const racing = await s.other.newAppend().appendFile(fakeFile('memory://d/a-race.parquet', { partition: ['a'] })).commit();
    const e = await conflictOf(op.commit());
    expect(e.context.conflictingSnapshotId).toBe(racing.snapshot!.snapshotId);

    const s2 = await setup({ partitioned: true });
    const op2 = s2.t.newReplacePartitions().addFile(fakeFile('memory://d/a-new.parquet', { partition: ['a'] }));
    await s2.other.newAppend().appendFile(fakeFile('memory://d/c-race.parquet', { partition: ['c'] })).commit();
    await op2.commit();
    expect(await livePaths(s2.t)).toEqual(['memory://d/a-new.parquet', 'memory://d/c-race.parquet', 'memory://d/high.parquet']);
  });
});

describe('compaction (replace) racing deletes', () => {
  it('fails cleanly when a delete removed one of its inputs', async () => {
    const { t, other, io, warehouse } = await setup();
    const op = t
      .newRewrite()
      .deleteFile('memory://d/low.parquet')
      .deleteFile('memory://d/high.parquet')
      .addFile(fakeFile('memory://d/compacted.parquet', { ids: [1n, 151n] }))
      .useStartingSequenceNumber();
    const del = await other.newDelete().deleteFile('memory://d/high.parquet').commit();
    const before = await listAll(io, `${warehouse}/`);
    const e = await conflictOf(op.commit());
    expect(e.context.conflictingSnapshotId).toBe(del.snapshot!.snapshotId);
    expect(e.context.file).toBe('memory://d/high.parquet');
    expect(e.message).toMatch(/rewrite on branch main conflicts with snapshot \d+ \(delete\)/);
    await t.refresh();
    expect(t.metadata.currentSnapshotId).toBe(del.snapshot!.snapshotId);
    expect(await livePaths(t)).toEqual(['memory://d/low.parquet']);
    // Nothing of the failed rewrite is left behind.
    expect(await listAll(io, `${warehouse}/`)).toEqual(before);
  });

  it('fails when an input received new position deletes; equality deletes are fine when the sequence number is kept', async () => {
    const s = await setup();
    const op = s.t.newRewrite().deleteFile('memory://d/low.parquet').addFile(fakeFile('memory://d/low2.parquet', { ids: [1n, 50n] }));
    const pos = fakeFile('memory://d/pos.parquet', { content: FileContent.POSITION_DELETES, referencedDataFile: 'memory://d/low.parquet', records: 1 });
    const rd = await s.other.newRowDelta().addDeletes(pos).commit();
    const e = await conflictOf(op.commit());
    expect(e.context.conflictingSnapshotId).toBe(rd.snapshot!.snapshotId);
    expect(e.context.file).toBe('memory://d/pos.parquet');

    const s2 = await setup();
    const keep = s2.t.newRewrite().deleteFile('memory://d/low.parquet').addFile(fakeFile('memory://d/low2.parquet', { ids: [1n, 50n] })).useStartingSequenceNumber();
    const plain = s2.t.newRewrite().deleteFile('memory://d/low.parquet').addFile(fakeFile('memory://d/low3.parquet', { ids: [1n, 50n] }));
    const eq = fakeFile('memory://d/eq.parquet', { content: FileContent.EQUALITY_DELETES, equalityIds: [1], records: 1 });
    await s2.other.newRowDelta().addDeletes(eq).commit();
    await conflictOf(plain.commit());
    await expect(keep.commit()).resolves.toMatchObject({ snapshot: expect.anything() });
  });
});

describe('deletes and row deltas', () => {
  it('a delete by path fails when the file was removed concurrently; a delete by filter always applies', async () => {
    const { t, other } = await setup();
    const byPath = t.newDelete().deleteFile('memory://d/low.parquet');
    const byFilter = t.newDelete().deleteFromRowFilter(lessThan('id', 100n));
    const first = await other.newDelete().deleteFile('memory://d/low.parquet').commit();
    const e = await conflictOf(byPath.commit());
    expect(e.context.conflictingSnapshotId).toBe(first.snapshot!.snapshotId);
    await expect(byFilter.commit()).resolves.toBeDefined();
  });

  it('a row delta fails when the data file its deletes refer to was removed', async () => {
    const { t, other } = await setup();
    const op = t.newRowDelta().addDeletes(fakeFile('memory://d/pos.parquet', { content: FileContent.POSITION_DELETES, referencedDataFile: 'memory://d/low.parquet', records: 1 }));
    const compaction = await other.newRewrite().deleteFile('memory://d/low.parquet').addFile(fakeFile('memory://d/low2.parquet', { ids: [1n, 50n] })).commit();
    const e = await conflictOf(op.commit());
    expect(e.context.conflictingSnapshotId).toBe(compaction.snapshot!.snapshotId);
  });

  it('a row delta under serializable isolation fails on concurrent data in its scope, under snapshot isolation it does not', async () => {
    const s = await setup();
    const eq = () => fakeFile('memory://d/eq.parquet', { content: FileContent.EQUALITY_DELETES, equalityIds: [1], records: 1, ids: [5n, 5n] });
    const strict = s.t.newRowDelta().addDeletes(eq()).conflictDetectionFilter(lessThan('id', 100n));
    const loose = s.t.newRowDelta().addDeletes(eq()).conflictDetectionFilter(lessThan('id', 100n)).isolationLevel('snapshot');
    await s.other.newAppend().appendFile(fakeFile('memory://d/race.parquet', { ids: [10n, 20n] })).commit();
    await conflictOf(strict.commit());
    await expect(loose.commit()).resolves.toBeDefined();
  });

  it('two writers adding a deletion vector for the same data file: the second fails', async () => {
    const { t, other } = await setup({ formatVersion: 3 });
    const dv = (path: string) => {
      const f = fakeFile(path, { content: FileContent.POSITION_DELETES, referencedDataFile: 'memory://d/low.parquet', records: 1, fileFormat: 'PUFFIN' });
      f.contentOffset = 4;
      f.contentSizeInBytes = 20;
      return f;
    };
    const mine = t.newRowDelta().addDeletes(dv('memory://d/dv1.puffin')).isolationLevel('snapshot').conflictDetectionFilter(equal('id', 3n));
    const theirs = await other.newRowDelta().addDeletes(dv('memory://d/dv2.puffin')).commit();
    const e = await conflictOf(mine.commit());
    expect(e.context.conflictingSnapshotId).toBe(theirs.snapshot!.snapshotId);
    expect(e.message).toContain('deletion vector');
  });
});

describe('history that cannot be validated, and branches', () => {
  it('fails when the branch no longer descends from the starting snapshot', async () => {
    const { t, other } = await setup();
    const first = t.metadata.snapshots[0]!.snapshotId;
    const op = t.newOverwrite().overwriteByRowFilter(lessThan('id', 100n));
    await other.rollbackTo(first);
    await other.newAppend().appendFile(fakeFile('memory://d/x.parquet', { ids: [900n, 901n] })).commit();
    const e = await conflictOf(op.commit());
    expect(e.message).toContain('no longer descends from the starting snapshot');
  });

  it('validates against the operation\'s own branch only', async () => {
    const { t, other } = await setup();
    await t.createBranch('dev');
    await t.refresh();
    const op = t.newOverwrite().overwriteByRowFilter(lessThan('id', 100n)).toBranch('dev');
    await other.refresh();
    await other.newAppend().appendFile(fakeFile('memory://d/main-race.parquet', { ids: [60n, 70n] })).commit();
    const r = await op.commit();
    expect(t.metadata.refs.get('dev')!.snapshotId).toBe(r.snapshot!.snapshotId);
    expect(await livePaths(t, r.snapshot)).toEqual(['memory://d/high.parquet']);
  });
});
