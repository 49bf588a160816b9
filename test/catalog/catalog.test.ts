/**
 * The catalog behaviour suite, run against every backend: memory, local disk and MinIO.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ObjectStoreCatalog } from '../../catalog/object-store-catalog.js';
import { openTableAt } from '../../catalog/static-table.js';
import { isLakeError } from '../../src/errors.js';
import { LocalStorage } from '../../src/storage/local.js';
import { joinLocation } from '../../src/storage/location.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { Storage } from '../../src/storage/storage.js';
import { testS3 } from '../support/s3.js';
import { categorySpec, fakeFile, listAll, livePaths, testSchema } from './helpers.js';

interface Backend {
  name: string;
  /** A fresh, empty warehouse and the storage to reach it. */
  make(): Promise<{ warehouse: string; storage: Storage }>;
}

const tempDirs: string[] = [];
afterAll(async () => {
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
});

const backends: Backend[] = [
  { name: 'memory', make: async () => ({ warehouse: `memory://cat-${randomUUID()}/wh`, storage: new MemoryStorage() }) },
  {
    name: 'local disk',
    make: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'lake-catalog-'));
      tempDirs.push(dir);
      return { warehouse: join(dir, 'wh'), storage: new LocalStorage() };
    },
  },
  {
    name: 'MinIO',
    make: async () => {
      const s3 = testS3();
      return { warehouse: `${s3.root}/wh`, storage: s3.storage };
    },
  },
];

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return isLakeError(e) ? e.code : String(e);
  }
}

describe.each(backends)('object-store catalog on $name', (backend) => {
  async function catalog() {
    const { warehouse, storage } = await backend.make();
    return { cat: new ObjectStoreCatalog({ warehouse, storage }), warehouse, storage };
  }
  const data = (cat: ObjectStoreCatalog, name: string) => joinLocation(cat.warehouse, 'files', name);

  it('namespaces: create with properties, nest, list, load, exists, drop only when empty', async () => {
    const { cat } = await catalog();
    await cat.createNamespace('sales', { properties: { owner: 'ana', comment: 'q3' } });
    await cat.createNamespace(['sales', 'eu']);
    await cat.createNamespace('hr');
    expect(await code(cat.createNamespace('sales'))).toBe('NAMESPACE_ALREADY_EXISTS');
    expect(await code(cat.createNamespace('nope.child'))).toBe('NAMESPACE_NOT_FOUND');
    expect(await cat.listNamespaces()).toEqual([['hr'], ['sales']]);
    expect(await cat.listNamespaces('sales')).toEqual([['sales', 'eu']]);
    expect(await cat.loadNamespaceProperties('sales')).toEqual({ owner: 'ana', comment: 'q3' });
    expect(await cat.namespaceExists('sales.eu')).toBe(true);
    expect(await cat.namespaceExists('sales.us')).toBe(false);
    expect(await code(cat.loadNamespaceProperties('x'))).toBe('NAMESPACE_NOT_FOUND');
    expect(await code(cat.dropNamespace('sales'))).toBe('NAMESPACE_NOT_EMPTY');
    await cat.createTable('hr.people', { schema: testSchema() });
    expect(await code(cat.dropNamespace('hr'))).toBe('NAMESPACE_NOT_EMPTY');
    await cat.dropTable('hr.people');
    await cat.dropNamespace('hr');
    await cat.dropNamespace('sales.eu');
    expect(await cat.listNamespaces()).toEqual([['sales']]);
    expect(await code(cat.dropNamespace('hr'))).toBe('NAMESPACE_NOT_FOUND');
  });

  it('tables: create with spec, sort order, properties and format version; load, exists, list', async () => {
    const { cat } = await catalog();
    await cat.createNamespace('db');
    const t = await cat.createTable('db.events', {
      schema: testSchema(),
      partitionSpec: categorySpec(),
      sortOrder: { orderId: 1, fields: [{ sourceId: 1, transform: { kind: 'identity' }, direction: 'asc', nullOrder: 'nulls-first' }] },
      properties: { 'write.target-file-size-bytes': '134217728', team: 'x' },
      formatVersion: 3,
    });
    expect(t.metadata.formatVersion).toBe(3);
    expect(t.location).toBe(joinLocation(cat.warehouse, 'db', 'events'));
    expect(t.metadataLocation).toBe(`${t.location}/metadata/v1.metadata.json`);
    expect(t.spec().fields.map((f) => f.name)).toEqual(['category']);
    expect(t.metadata.defaultSortOrderId).toBe(1);
    expect(t.properties.team).toBe('x');
    await cat.createTable('db.other', { schema: testSchema() });
    expect(await code(cat.createTable('db.events', { schema: testSchema() }))).toBe('TABLE_ALREADY_EXISTS');
    expect(await code(cat.createTable('nope.t', { schema: testSchema() }))).toBe('NAMESPACE_NOT_FOUND');
    expect(await cat.tableExists('db.events')).toBe(true);
    expect(await cat.tableExists('db.missing')).toBe(false);
    expect(await code(cat.loadTable('db.missing'))).toBe('TABLE_NOT_FOUND');
    expect((await cat.listTables('db')).map((i) => i.name)).toEqual(['events', 'other']);
    await t.newAppend().appendFile(fakeFile(data(cat, 'a.parquet'), { partition: ['a'] })).commit();
    const loaded = await cat.loadTable(['db', 'events']);
    expect(loaded.metadataLocation).toMatch(/\/v2\.metadata\.json$/);
    expect(loaded.currentSnapshot()!.summary!['added-data-files']).toBe('1');
  });

  it('finds the newest version from a stale, missing or broken hint', async () => {
    const { cat, storage } = await catalog();
    await cat.createNamespace('db');
    const t = await cat.createTable('db.t', { schema: testSchema() });
    for (let i = 0; i < 3; i++) await t.newAppend().appendFile(fakeFile(data(cat, `f${i}.parquet`))).commit();
    const hint = `${t.location}/metadata/version-hint.text`;
    expect(new TextDecoder().decode(await storage.read(hint))).toBe('4');
    await storage.write(hint, '2');
    expect((await cat.loadTable('db.t')).metadataLocation).toMatch(/\/v4\.metadata\.json$/);
    await storage.write(hint, 'garbage');
    expect((await cat.loadTable('db.t')).metadataLocation).toMatch(/\/v4\.metadata\.json$/);
    await storage.delete(hint);
    expect((await cat.loadTable('db.t')).metadataLocation).toMatch(/\/v4\.metadata\.json$/);
  });

  it('drop without purge keeps the files; the name can be used again; a stale writer cannot commit', async () => {
    const { cat, storage } = await catalog();
    await cat.createNamespace('db');
    const t = await cat.createTable('db.t', { schema: testSchema() });
    await storage.write(data(cat, 'a.parquet'), 'parquet bytes');
    await t.newAppend().appendFile(fakeFile(data(cat, 'a.parquet'))).commit();
    const last = t.metadataLocation;
    const stale = await cat.loadTable('db.t');
    await cat.dropTable('db.t');
    expect(await cat.tableExists('db.t')).toBe(false);
    expect(await cat.listTables('db')).toEqual([]);
    expect(await storage.exists(last)).toBe(true);
    expect(await storage.exists(data(cat, 'a.parquet'))).toBe(true);
    expect(await code(stale.newAppend().appendFile(fakeFile(data(cat, 'b.parquet'))).commit())).toBe('TABLE_NOT_FOUND');
    expect(await code(cat.dropTable('db.t'))).toBe('TABLE_NOT_FOUND');
    // The kept metadata can be registered again, and the old name reused.
    const back = await cat.registerTable('db.restored', last);
    expect(await livePaths(back)).toEqual([data(cat, 'a.parquet')]);
    const again = await cat.createTable('db.t', { schema: testSchema() });
    expect(again.metadata.snapshots).toHaveLength(0);
    expect(again.metadataLocation).toMatch(/\/v4\.metadata\.json$/);
  });

  it('drop with purge deletes the table\'s files, also at a custom location, and nothing else', async () => {
    const { cat, storage } = await catalog();
    await cat.createNamespace('db');
    const custom = joinLocation(cat.warehouse, 'elsewhere', 'events');
    const t = await cat.createTable('db.t', { schema: testSchema(), location: custom });
    expect(t.location).toBe(custom);
    const f1 = joinLocation(custom, 'data', 'a.parquet');
    const f2 = joinLocation(custom, 'data', 'b.parquet');
    const neighbour = joinLocation(custom, 'data', 'not-ours.parquet');
    for (const f of [f1, f2, neighbour]) await storage.write(f, 'x');
    await t.newAppend().appendFile(fakeFile(f1)).commit();
    await t.newOverwrite().deleteFile(f1).addFile(fakeFile(f2)).commit();
    const metaDir = `${custom}/metadata/`;
    expect((await listAll(storage, metaDir)).length).toBeGreaterThan(0);
    await cat.dropTable('db.t', { purge: true });
    expect(await storage.exists(f1)).toBe(false);
    expect(await storage.exists(f2)).toBe(false);
    expect(await storage.exists(neighbour)).toBe(true);
    expect(await listAll(storage, metaDir)).toEqual([]);
    // The table's own folder keeps only the tombstone that seals the dropped table.
    expect((await listAll(storage, `${cat.tableFolder({ namespace: ['db'], name: 't' })}/`)).map((f) => f.replace(/.*\//, ''))).toEqual(['v4.metadata.json']);
  });

  it('rename moves the table entry; the data stays readable; the old name stays reserved', async () => {
    const { cat } = await catalog();
    await cat.createNamespace('db');
    await cat.createNamespace('archive');
    const t = await cat.createTable('db.t', { schema: testSchema() });
    await t.newAppend().appendFile(fakeFile(data(cat, 'a.parquet'))).commit();
    const stale = await cat.loadTable('db.t');
    await cat.renameTable('db.t', 'archive.t2');
    expect(await cat.tableExists('db.t')).toBe(false);
    const moved = await cat.loadTable('archive.t2');
    expect(await livePaths(moved)).toEqual([data(cat, 'a.parquet')]);
    expect(moved.location).toBe(t.location);
    await moved.newAppend().appendFile(fakeFile(data(cat, 'b.parquet'))).commit();
    expect(await code(stale.newAppend().appendFile(fakeFile(data(cat, 'c.parquet'))).commit())).toBe('TABLE_NOT_FOUND');
    expect(await code(cat.createTable('db.t', { schema: testSchema() }))).toBe('INVALID_INPUT');
    await cat.createTable('db.u', { schema: testSchema() });
    expect(await code(cat.renameTable('archive.t2', 'db.u'))).toBe('TABLE_ALREADY_EXISTS');
    expect(await cat.tableExists('archive.t2')).toBe(true);
    expect(await code(cat.renameTable('archive.t2', 'missing.x'))).toBe('NAMESPACE_NOT_FOUND');
  });

  it('registers a metadata file and opens tables by location without a catalog (read-only)', async () => {
    const { cat } = await catalog();
    await cat.createNamespace('db');
    const t = await cat.createTable('db.t', { schema: testSchema() });
    await t.newAppend().appendFile(fakeFile(data(cat, 'a.parquet'))).commit();
    await t.newAppend().appendFile(fakeFile(data(cat, 'b.parquet'))).commit();
    const reg = await cat.registerTable('db.copy', t.metadataLocation);
    expect(reg.metadata.snapshots).toHaveLength(2);
    expect(await code(cat.registerTable('db.copy', t.metadataLocation))).toBe('TABLE_ALREADY_EXISTS');
    expect(await code(cat.registerTable('db.x', `${t.location}/metadata/v99.metadata.json`))).toBe('NOT_FOUND');

    const byDir = await openTableAt(t.location, { storage: cat.io });
    expect(byDir.metadataLocation).toBe(t.metadataLocation);
    expect(byDir.readOnly).toBe(true);
    const first = t.metadata.metadataLog[0]!.metadataFile;
    const byFile = await openTableAt(first, { storage: cat.io });
    expect(byFile.metadata.snapshots).toHaveLength(0);
    expect(await code(byDir.newAppend().appendFile(fakeFile(data(cat, 'c.parquet'))).commit())).toBe('UNSUPPORTED_FEATURE');
    expect(await code(openTableAt(joinLocation(cat.warehouse, 'nothing', 'here'), { storage: cat.io }))).toBe('TABLE_NOT_FOUND');
  });
});
