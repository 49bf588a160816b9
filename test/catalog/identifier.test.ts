import { describe, expect, it } from 'vitest';
import { ObjectStoreCatalog } from '../../catalog/object-store-catalog.js';
import { parseNamespace, parseTableIdentifier } from '../../catalog/identifier.js';
import { isLakeError } from '../../src/errors.js';
import { InstrumentedStorage } from '../../src/storage/instrumented.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { testSchema } from './helpers.js';

const INVALID_TABLES: unknown[] = [
  '',
  'table',
  'db.',
  '.t',
  'db..t',
  'db/x.t',
  'db.t/x',
  'db.t\\x',
  '..\\..\\etc.passwd',
  ['db', '..'],
  ['..', 't'],
  ['db', '.'],
  ['db', 'a/b'],
  ['db', ''],
  [],
  ['db'],
  'db.t\u0000',
  'db.t\n',
  'db.\u007ft',
  `db.${'x'.repeat(256)}`,
  `db.${'é'.repeat(128)}`,
  { namespace: 'db', name: 't' },
  { namespace: ['db'], name: '../t' },
  { namespace: [], name: 't' },
  ['db', 7],
  42,
];

describe('identifiers', () => {
  it('parses valid forms', () => {
    expect(parseTableIdentifier('db.t')).toEqual({ namespace: ['db'], name: 't' });
    expect(parseTableIdentifier('a.b.c.t')).toEqual({ namespace: ['a', 'b', 'c'], name: 't' });
    expect(parseTableIdentifier(['a.b', 't x'])).toEqual({ namespace: ['a.b'], name: 't x' });
    expect(parseTableIdentifier({ namespace: ['db'], name: 'Ünïcode-表' })).toEqual({ namespace: ['db'], name: 'Ünïcode-表' });
    expect(parseNamespace('a.b')).toEqual(['a', 'b']);
    expect(parseTableIdentifier(`db.${'x'.repeat(255)}`).name).toHaveLength(255);
  });

  it.each(INVALID_TABLES.map((v) => [JSON.stringify(v), v]))('rejects table identifier %s', (_name, v) => {
    let err: unknown;
    try {
      parseTableIdentifier(v as string);
    } catch (e) {
      err = e;
    }
    expect(isLakeError(err, 'INVALID_IDENTIFIER')).toBe(true);
  });

  it('catalog calls with invalid identifiers fail before any storage request', async () => {
    const io = new InstrumentedStorage(new MemoryStorage());
    const cat = new ObjectStoreCatalog({ warehouse: 'memory://ident/wh', storage: io });
    const calls: (() => Promise<unknown>)[] = [
      () => cat.createNamespace('a/../b'),
      () => cat.createNamespace(''),
      () => cat.createNamespace(['ok', '..']),
      () => cat.listNamespaces('x\u0001'),
      () => cat.loadNamespaceProperties('..'),
      () => cat.namespaceExists('a\\b'),
      () => cat.dropNamespace('.'),
      () => cat.createTable('db.../x', { schema: testSchema() }),
      () => cat.createTable(['db', '../../escape'], { schema: testSchema() }),
      () => cat.loadTable('db.'),
      () => cat.tableExists('t'),
      () => cat.listTables(''),
      () => cat.dropTable('db./', { purge: true }),
      () => cat.renameTable('db.t', 'db.\u0000'),
      () => cat.renameTable('..', 'db.t'),
      () => cat.registerTable(`db.${'y'.repeat(300)}`, 'memory://ident/wh/x.metadata.json'),
    ];
    for (const call of calls) {
      const e = await call().then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isLakeError(e, 'INVALID_IDENTIFIER')).toBe(true);
    }
    expect(io.total).toBe(0);
  });
});
