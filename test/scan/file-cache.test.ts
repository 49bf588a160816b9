/**
 * The local cache of remote files: content addressing, size checks, one download for concurrent
 * requests, LRU eviction that spares held files, and a corpus table on MinIO read through it by
 * both readers.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir, stat, utimes } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { toArrowTable } from '../../src/scan/arrow-reader.js';
import { createSqlSession } from '../../src/scan/duckdb-session.js';
import { FileCache, localFileFor } from '../../src/scan/file-cache.js';
import { FileIO } from '../../src/scan/file-io.js';
import { planScan } from '../../src/scan/planner.js';
import { InstrumentedStorage } from '../../src/storage/instrumented.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { parseTableMetadata } from '../../src/spec/table-metadata.js';
import { testS3 } from '../support/s3.js';
import { tempDir } from './arrow-reader-fixtures.js';
import { CORPUS, loadCorpusCase } from './support.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('lake-cache-'));
});
afterAll(async () => cleanup());

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function store(): { storage: InstrumentedStorage; put: (key: string, data: Uint8Array) => Promise<string> } {
  const name = `cache-${Math.random().toString(36).slice(2)}`;
  const storage = new InstrumentedStorage(new MemoryStorage());
  return {
    storage,
    put: async (key, data) => {
      const loc = `memory://${name}/${key}`;
      await storage.inner.write(loc, data);
      return loc;
    },
  };
}

describe('FileCache', () => {
  test('fetches a file once, in ranges, and serves the same local copy afterwards', async () => {
    const cache = new FileCache({ dir: join(dir, 'c1'), chunkBytes: 64 * 1024 });
    const { storage, put } = store();
    const data = bytes(200_000, 1);
    const loc = await put('data/a.parquet', data);
    const first = await cache.acquire(storage, loc, { expectedSize: data.length });
    expect(new Uint8Array(await readFile(first.path))).toEqual(data);
    expect(first.path.endsWith('.parquet')).toBe(true);
    expect(storage.counts.readRange).toBe(4); // 200 000 bytes in 64 KiB ranges
    const second = await cache.acquire(storage, loc, { expectedSize: data.length });
    expect(second.path).toBe(first.path);
    expect(storage.counts.readRange).toBe(4);
    first.release();
    second.release();
  });

  test('the key depends on the store and the location', async () => {
    const cache = new FileCache({ dir: join(dir, 'c2') });
    const a = store();
    const b = store();
    const la = await a.put('x.parquet', bytes(10, 1));
    const lb = await b.put('x.parquet', bytes(10, 2));
    expect(cache.keyOf(a.storage, la)).not.toBe(cache.keyOf(b.storage, lb));
    const fa = await cache.acquire(a.storage, la);
    const fb = await cache.acquire(b.storage, lb);
    expect(new Uint8Array(await readFile(fa.path))).toEqual(bytes(10, 1));
    expect(new Uint8Array(await readFile(fb.path))).toEqual(bytes(10, 2));
  });

  test('concurrent requests for one file share one download', async () => {
    const cache = new FileCache({ dir: join(dir, 'c3') });
    const { storage, put } = store();
    const data = bytes(50_000, 3);
    const loc = await put('f.bin', data);
    const files = await Promise.all(Array.from({ length: 8 }, () => cache.acquire(storage, loc, { expectedSize: data.length })));
    expect(new Set(files.map((f) => f.path)).size).toBe(1);
    expect(storage.counts.readRange).toBe(1);
    expect((await readdir(cache.dir)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  test('a file whose size differs from the recorded size is refused, and a wrong cached copy replaced', async () => {
    const cache = new FileCache({ dir: join(dir, 'c4'), chunkBytes: 64 * 1024 });
    const { storage, put } = store();
    const data = bytes(1000, 4);
    const loc = await put('s.parquet', data);
    await expect(cache.acquire(storage, loc, { expectedSize: 999 })).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA') && /larger/.test((e as Error).message));
    await expect(cache.acquire(storage, loc, { expectedSize: 1001 })).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA') && /smaller/.test((e as Error).message));
    expect(await readdir(cache.dir)).toEqual([]); // nothing half-written is kept
    const ok = await cache.acquire(storage, loc, { expectedSize: 1000 });
    expect((await stat(ok.path)).size).toBe(1000);
  });

  test('a missing object is NOT_FOUND', async () => {
    const cache = new FileCache({ dir: join(dir, 'c5') });
    const { storage } = store();
    await expect(cache.acquire(storage, 'memory://nowhere/x.parquet')).rejects.toSatisfy((e) => isLakeError(e, 'NOT_FOUND'));
  });

  test('least recently used files are evicted past maxBytes; held files are kept', async () => {
    const cache = new FileCache({ dir: join(dir, 'c6'), maxBytes: 2500 });
    const { storage, put } = store();
    const locs = await Promise.all([0, 1, 2, 3].map((i) => put(`f${i}.bin`, bytes(1000, i))));
    const held = await cache.acquire(storage, locs[0]!, { expectedSize: 1000 });
    const f1 = await cache.acquire(storage, locs[1]!, { expectedSize: 1000 });
    f1.release();
    // make f1 the least recently used among the released files
    await utimes(f1.path, new Date(1000), new Date(1000));
    const f2 = await cache.acquire(storage, locs[2]!, { expectedSize: 1000 });
    f2.release();
    const f3 = await cache.acquire(storage, locs[3]!, { expectedSize: 1000 });
    f3.release();
    const names = await readdir(cache.dir);
    expect(names).toContain(relative(cache.dir, held.path)); // held although the oldest
    expect(names).not.toContain(relative(cache.dir, f1.path));
    expect(await cache.usage()).toBeLessThanOrEqual(2500);
    held.release();
  });

  test('the default directory comes from LAKE_CACHE_DIR', () => {
    const before = process.env.LAKE_CACHE_DIR;
    process.env.LAKE_CACHE_DIR = join(dir, 'from-env');
    try {
      expect(new FileCache().dir).toBe(join(dir, 'from-env'));
    } finally {
      if (before === undefined) delete process.env.LAKE_CACHE_DIR;
      else process.env.LAKE_CACHE_DIR = before;
    }
    expect(new FileCache({ dir: 'rel' }).dir).toBe(join(process.cwd(), 'rel'));
  });

  test('local files are used in place, not copied', async () => {
    const io = new FileIO();
    const f = await localFileFor(io, join(CORPUS, 'CASES.md'));
    expect(f.path).toBe(join(CORPUS, 'CASES.md'));
  });
});

describe('a table on S3 (MinIO) read through the cache', () => {
  test('trino-position-deletes uploaded to MinIO reads the same rows through both readers', async () => {
    const s3 = testS3();
    const c = loadCorpusCase('trino-position-deletes');
    // upload the case directory
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    for (const file of walk(c.dir)) await s3.storage.write(`${s3.root}/${relative(c.dir, file)}`, readFileSync(file));
    const metadata = parseTableMetadata(await s3.storage.read(`${s3.root}/${c.expected.metadata_file as string}`));
    const io = new FileIO({ remaps: [{ from: c.expected.embedded_path_prefix as string, to: s3.root }], storage: s3.storage });
    const cache = new FileCache({ dir: join(dir, 's3-cache') });
    const plan = await planScan({ metadata, io });
    expect(plan.tasks.some((t) => t.positionDeletes.length > 0)).toBe(true);

    const table = await toArrowTable(plan, { cache });
    const arrowSum = table.getChild('c1')!.toArray().reduce((s: number, v: number) => s + v, 0);
    expect([table.numRows, arrowSum]).toEqual([10, 75]);

    const session = await createSqlSession({ cache });
    try {
      await session.registerTable('granular.deletes', plan);
      const r = await session.query('SELECT count(*) AS n, sum(c1) AS s, sum(c2) AS s2 FROM granular.deletes');
      expect(r.rows[0]).toEqual([10n, 75n, 12552245n]);
    } finally {
      await session.close();
    }
    // every data and delete file came through the cache
    const cached = await readdir(cache.dir);
    expect(cached.length).toBe(plan.tasks.length + new Set(plan.tasks.flatMap((t) => t.positionDeletes.map((d) => d.file.filePath))).size);
  });
});
