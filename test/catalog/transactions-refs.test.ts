/**
 * Transactions (several operations in one metadata file) and snapshot references (branches,
 * tags, fast-forward, rollback).
 */
import { describe, expect, it } from 'vitest';
import type { Schema } from '../../src/spec/schema.js';
import type { TableUpdate } from '../../src/spec/updates.js';
import { fakeFile, listAll, livePaths, testSchema, twoWriters } from './helpers.js';

async function setup() {
  const w = twoWriters();
  await w.a.createNamespace('db');
  const t = await w.a.createTable('db.t', { schema: testSchema() });
  await t.newAppend().appendFile(fakeFile('memory://d/first.parquet')).commit();
  return { ...w, t };
}

function withColumn(schema: Schema, id: number, name: string): Schema {
  return { ...schema, fields: [...schema.fields, { id, name, required: false, type: { kind: 'string' } }] };
}

function addColumn(t: { schema(): Schema; metadata: { lastColumnId: number } }, name: string): TableUpdate[] {
  return [
    { action: 'add-schema', schema: withColumn(t.schema(), t.metadata.lastColumnId + 1, name) },
    { action: 'set-current-schema', schemaId: -1 },
  ];
}

describe('transactions', () => {
  it('commits a schema change and an append as one new metadata file', async () => {
    const { t } = await setup();
    const before = t.metadataLocation;
    const tx = t.newTransaction();
    tx.updateMetadata(addColumn(t, 'note'), 'update-schema');
    tx.newAppend().appendFile(fakeFile('memory://d/second.parquet'));
    tx.updateProperties().set('owner', 'etl');
    const r = await tx.commit();
    expect(before).toMatch(/\/v2\.metadata\.json$/);
    expect(r.metadataLocation).toMatch(/\/v3\.metadata\.json$/);
    expect(t.metadata.currentSchemaId).toBe(1);
    expect(t.schema().fields.map((f) => f.name)).toEqual(['id', 'category', 'value', 'note']);
    expect(r.snapshot!.schemaId).toBe(1);
    expect(t.properties.owner).toBe('etl');
    expect(await livePaths(t)).toEqual(['memory://d/first.parquet', 'memory://d/second.parquet']);
  });

  it('chains several snapshots of one transaction, all in one version', async () => {
    const { t } = await setup();
    const tx = t.newTransaction();
    tx.newAppend().appendFile(fakeFile('memory://d/a.parquet'));
    tx.newDelete().deleteFile('memory://d/first.parquet');
    const r = await tx.commit();
    expect(r.metadataLocation).toMatch(/\/v3\.metadata\.json$/);
    const [, s2, s3] = t.metadata.snapshots;
    expect(s3!.parentSnapshotId).toBe(s2!.snapshotId);
    expect([s2!.sequenceNumber, s3!.sequenceNumber]).toEqual([2n, 3n]);
    expect(s3!.summary!.operation).toBe('delete');
    expect(t.metadata.currentSnapshotId).toBe(s3!.snapshotId);
    expect(await livePaths(t)).toEqual(['memory://d/a.parquet']);
  });

  it('re-stages every operation on a lost race, against the new base', async () => {
    const { t, io, b } = await setup();
    const rival = await b.loadTable('db.t');
    io.inject({ action: 'delay', method: 'writeIfAbsent', location: /\/v3\.metadata\.json$/, wait: () => rival.newAppend().appendFile(fakeFile('memory://d/rival.parquet')).commit() });
    const tx = t.newTransaction();
    tx.newAppend().appendFile(fakeFile('memory://d/a.parquet'));
    tx.updateProperties().set('k', 'v');
    const r = await tx.commit();
    expect(r.attempts).toBe(2);
    expect(r.metadataLocation).toMatch(/\/v4\.metadata\.json$/);
    expect(await livePaths(t)).toEqual(['memory://d/a.parquet', 'memory://d/first.parquet', 'memory://d/rival.parquet']);
  });

  it('fails cleanly when a schema change was built on a schema that changed meanwhile', async () => {
    const { t, b, io, warehouse } = await setup();
    const tx = t.newTransaction();
    tx.updateMetadata(addColumn(t, 'mine'));
    const append = tx.newAppend().appendFile(fakeFile('memory://d/a.parquet'));
    const rival = await b.loadTable('db.t');
    await rival.updateMetadata(addColumn(rival, 'theirs')).commit();
    const files = await listAll(io, `${warehouse}/`);
    await expect(tx.commit()).rejects.toMatchObject({ code: 'REQUIREMENT_FAILED' });
    await t.refresh();
    expect(t.schema().fields.map((f) => f.name)).toEqual(['id', 'category', 'value', 'theirs']);
    expect(t.metadata.snapshots).toHaveLength(1);
    expect(await listAll(io, `${warehouse}/`)).toEqual(files);
    await expect(append.commit()).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('part of a transaction') });
  });
});

describe('branches, tags and rollback', () => {
  it('creates, moves and drops tags and branches', async () => {
    const { t } = await setup();
    const s1 = t.currentSnapshot()!.snapshotId;
    await t.createTag('v1');
    await t.createBranch('dev', s1, { minSnapshotsToKeep: 2 });
    expect(t.metadata.refs.get('v1')).toEqual({ snapshotId: s1, type: 'tag' });
    expect(t.metadata.refs.get('dev')).toEqual({ snapshotId: s1, type: 'branch', minSnapshotsToKeep: 2 });
    await expect(t.createTag('v1')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(t.createTag('v9', 123n)).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
    const s2 = (await t.newAppend().appendFile(fakeFile('memory://d/b.parquet')).commit()).snapshot!.snapshotId;
    await t.replaceTag('v1', s2);
    expect(t.metadata.refs.get('v1')!.snapshotId).toBe(s2);
    await t.replaceBranch('dev', s2);
    expect(t.metadata.refs.get('dev')).toEqual({ snapshotId: s2, type: 'branch', minSnapshotsToKeep: 2 });
    await expect(t.dropBranch('v1')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(t.dropBranch('main')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await t.dropTag('v1');
    await t.dropBranch('dev');
    expect([...t.metadata.refs.keys()]).toEqual(['main']);
    await expect(t.dropTag('v1')).rejects.toMatchObject({ code: 'REF_NOT_FOUND' });
  });

  it('fast-forwards a branch only to a descendant', async () => {
    const { t } = await setup();
    await t.createBranch('dev');
    const d = await t.newAppend().appendFile(fakeFile('memory://d/dev.parquet')).toBranch('dev').commit();
    await t.fastForward('main', 'dev');
    expect(t.metadata.currentSnapshotId).toBe(d.snapshot!.snapshotId);
    await t.newAppend().appendFile(fakeFile('memory://d/main.parquet')).commit();
    await t.newAppend().appendFile(fakeFile('memory://d/dev2.parquet')).toBranch('dev').commit();
    await expect(t.fastForward('main', 'dev')).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('not an ancestor') });
  });

  it('rolls main back to an ancestor, or to the snapshot current at a time', async () => {
    const { t } = await setup();
    const s1 = t.currentSnapshot()!;
    await new Promise((r) => setTimeout(r, 5));
    const s2 = (await t.newAppend().appendFile(fakeFile('memory://d/b.parquet')).commit()).snapshot!;
    await new Promise((r) => setTimeout(r, 5));
    await t.newAppend().appendFile(fakeFile('memory://d/c.parquet')).commit();
    await t.rollbackTo(s2.snapshotId);
    expect(t.metadata.currentSnapshotId).toBe(s2.snapshotId);
    expect(await livePaths(t)).toEqual(['memory://d/b.parquet', 'memory://d/first.parquet']);
    // The log records the rollback as a new entry.
    expect(t.metadata.snapshotLog.map((e) => e.snapshotId).slice(-1)).toEqual([s2.snapshotId]);
    await t.rollbackToTime(s1.timestampMs + 1);
    expect(t.metadata.currentSnapshotId).toBe(s1.snapshotId);
    // s2 is no longer an ancestor of main: a rollback to it is refused; setCurrentSnapshot is the unchecked form.
    await expect(t.rollbackTo(s2.snapshotId)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('not an ancestor') });
    await t.setCurrentSnapshot(s2.snapshotId);
    expect(t.metadata.currentSnapshotId).toBe(s2.snapshotId);
    await expect(t.rollbackToTime(s1.timestampMs - 60_000)).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
  });

  it('re-validates a rollback against the table as it is when the commit lands', async () => {
    const { t, b } = await setup();
    const s1 = t.currentSnapshot()!.snapshotId;
    const op = t.manageSnapshots().rollbackTo(s1);
    const rival = await b.loadTable('db.t');
    await rival.newAppend().appendFile(fakeFile('memory://d/rival.parquet')).commit();
    await op.commit();
    expect(t.metadata.currentSnapshotId).toBe(s1);
    expect(t.metadata.snapshots).toHaveLength(2);
  });
});
