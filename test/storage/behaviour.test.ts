/**
 * One behaviour suite, run against every storage backend: memory, local disk and MinIO (or the S3
 * server named by LAKE_TEST_S3_ENDPOINT). It checks the guarantees documented on the Storage interface.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakeError, isLakeError } from '../../src/errors.js';
import { LOCAL_TEMP_PREFIX, LocalStorage } from '../../src/storage/local.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { ObjectInfo, Storage } from '../../src/storage/storage.js';
import { testS3 } from '../support/s3.js';

interface Rig {
  storage: Storage;
  /** Location under which this suite may write, without trailing slash. */
  root: string;
  cleanup(): Promise<void>;
}

const backends: Array<{ name: string; isS3?: boolean; isLocal?: boolean; open(): Promise<Rig> }> = [
  {
    name: 'memory',
    async open() {
      const store = `behaviour-${randomUUID()}`;
      return { storage: new MemoryStorage(), root: `memory://${store}/t`, cleanup: async () => MemoryStorage.clear(store) };
    },
  },
  {
    name: 'local disk',
    isLocal: true,
    async open() {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-behaviour-'));
      return { storage: new LocalStorage(), root: `${dir}/t`, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'local disk via file:// URIs',
    isLocal: true,
    async open() {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-behaviour-'));
      return { storage: new LocalStorage(), root: `file://${dir}/t`, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'MinIO (S3)',
    isS3: true,
    async open() {
      const s3 = testS3();
      return {
        storage: s3.storage,
        root: s3.root,
        cleanup: async () => {
          const all: string[] = [];
          for await (const o of s3.storage.list(`${s3.root}/`)) all.push(o.location);
          await s3.storage.deleteMany(all);
        },
      };
    },
  },
];

const enc = new TextEncoder();
const dec = new TextDecoder();

async function listAll(storage: Storage, prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of storage.list(prefix)) out.push(o);
  return out;
}

async function errorOf(p: Promise<unknown>): Promise<LakeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LakeError) return e;
    throw new Error(`expected a LakeError, got ${String(e)}`);
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Deterministic pseudo-random bytes (xorshift), so a mismatch can never come from two random sources agreeing. */
function patternBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

for (const backend of backends) {
  describe(`storage behaviour: ${backend.name}`, () => {
    let rig: Rig;
    let storage: Storage;
    let root: string;

    beforeAll(async () => {
      rig = await backend.open();
      storage = rig.storage;
      root = rig.root;
    });
    afterAll(async () => {
      await rig?.cleanup();
    });

    it('writes and reads back bytes and UTF-8 strings, and replaces on write', async () => {
      const bytes = new Uint8Array([0, 1, 2, 250, 255]);
      await storage.write(`${root}/rw/bytes.bin`, bytes);
      expect(await storage.read(`${root}/rw/bytes.bin`)).toEqual(bytes);

      await storage.write(`${root}/rw/text.json`, '{"name":"Zoë ✓"}');
      expect(dec.decode(await storage.read(`${root}/rw/text.json`))).toBe('{"name":"Zoë ✓"}');

      await storage.write(`${root}/rw/text.json`, 'second');
      expect(dec.decode(await storage.read(`${root}/rw/text.json`))).toBe('second');

      await storage.write(`${root}/rw/empty`, new Uint8Array(0));
      expect((await storage.read(`${root}/rw/empty`)).length).toBe(0);
      expect((await storage.head(`${root}/rw/empty`))?.size).toBe(0);
    });

    it('does not alias the caller’s buffer', async () => {
      const bytes = new Uint8Array([1, 2, 3]);
      await storage.write(`${root}/alias/x`, bytes);
      bytes[0] = 99;
      const back = await storage.read(`${root}/alias/x`);
      expect([...back]).toEqual([1, 2, 3]);
      back[1] = 77;
      expect([...(await storage.read(`${root}/alias/x`))]).toEqual([1, 2, 3]);
    });

    it('reports missing objects: NOT_FOUND from read and readRange, undefined from head, false from exists', async () => {
      const missing = `${root}/missing/nothing-here.bin`;
      expect((await errorOf(storage.read(missing))).code).toBe('NOT_FOUND');
      expect((await errorOf(storage.readRange(missing, 0, 10))).code).toBe('NOT_FOUND');
      expect((await errorOf(storage.readRange(missing, 0, 0))).code).toBe('NOT_FOUND');
      expect(await storage.head(missing)).toBeUndefined();
      expect(await storage.exists(missing)).toBe(false);
    });

    it('reads byte ranges, clipped at the end of the object', async () => {
      const data = patternBytes(1024, 7);
      const loc = `${root}/range/data.bin`;
      await storage.write(loc, data);
      expect(await storage.readRange(loc, 0, 10)).toEqual(data.slice(0, 10));
      expect(await storage.readRange(loc, 100, 50)).toEqual(data.slice(100, 150));
      expect(await storage.readRange(loc, 1000, 100)).toEqual(data.slice(1000, 1024));
      expect(await storage.readRange(loc, 1023, 1)).toEqual(data.slice(1023));
      expect((await storage.readRange(loc, 1024, 10)).length).toBe(0);
      expect((await storage.readRange(loc, 5000, 10)).length).toBe(0);
      expect((await storage.readRange(loc, 5, 0)).length).toBe(0);
      expect((await errorOf(storage.readRange(loc, -1, 5))).code).toBe('INVALID_INPUT');
    });

    it('heads an object: size, modification time, existence', async () => {
      const loc = `${root}/head/obj.bin`;
      const before = Date.now();
      await storage.write(loc, patternBytes(4321, 3));
      const info = await storage.head(loc);
      expect(info?.location).toBe(loc);
      expect(info?.size).toBe(4321);
      expect(info?.lastModified).toBeInstanceOf(Date);
      // Stores round modification times to the second.
      expect(info!.lastModified!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 2000);
      expect(await storage.exists(loc)).toBe(true);
      // A "directory" is not an object.
      expect(await storage.head(`${root}/head`)).toBeUndefined();
    });

    it('lists by string prefix, recursively, in the form it was given', async () => {
      const base = `${root}/list`;
      const files: Record<string, number> = { 'a/b/c.txt': 3, 'a/bc.txt': 4, 'ab.txt': 5, 'z/deep/er/file.txt': 6 };
      for (const [name, size] of Object.entries(files)) await storage.write(`${base}/${name}`, 'x'.repeat(size));
      const names = async (prefix: string) =>
        (await listAll(storage, prefix)).map((o) => o.location.slice(base.length + 1)).sort();

      expect(await names(`${base}/a/b`)).toEqual(['a/b/c.txt', 'a/bc.txt']);
      expect(await names(`${base}/a/b/`)).toEqual(['a/b/c.txt']);
      expect(await names(`${base}/a/`)).toEqual(['a/b/c.txt', 'a/bc.txt']);
      expect(await names(`${base}/a`)).toEqual(['a/b/c.txt', 'a/bc.txt', 'ab.txt']);
      expect(await names(`${base}/`)).toEqual(['a/b/c.txt', 'a/bc.txt', 'ab.txt', 'z/deep/er/file.txt']);
      expect(await names(`${base}/z/deep/er/file.txt`)).toEqual(['z/deep/er/file.txt']);
      expect(await names(`${base}/nothing/`)).toEqual([]);
      expect(await names(`${root}/no-such-dir/x`)).toEqual([]);

      const listed = await listAll(storage, `${base}/`);
      for (const o of listed) {
        expect(o.size).toBe(files[o.location.slice(base.length + 1)]);
        expect(o.location.startsWith(base)).toBe(true);
      }
    });

    it('lists more than 1000 objects (S3 pagination)', { timeout: 300_000 }, async () => {
      const base = `${root}/many`;
      const n = 1100;
      const expected = Array.from({ length: n }, (_, i) => `${base}/obj-${String(i).padStart(5, '0')}`);
      const queue = [...expected];
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          for (let loc = queue.pop(); loc !== undefined; loc = queue.pop()) await storage.write(loc, loc);
        }),
      );
      const listed = await listAll(storage, `${base}/`);
      const locations = listed.map((o) => o.location);
      expect(new Set(locations).size).toBe(n);
      expect(locations.sort()).toEqual(expected);
      for (const o of listed) expect(o.size).toBe(enc.encode(o.location).length);
    });

    it('deletes idempotently, one at a time and in batches', async () => {
      const base = `${root}/del`;
      await storage.write(`${base}/one`, '1');
      await storage.delete(`${base}/one`);
      expect(await storage.exists(`${base}/one`)).toBe(false);
      await storage.delete(`${base}/one`);
      await storage.delete(`${base}/never-existed`);

      const many = Array.from({ length: 25 }, (_, i) => `${base}/batch/${i}`);
      for (const l of many) await storage.write(l, 'b');
      await storage.write(`${base}/keep`, 'k');
      await storage.deleteMany([...many, `${base}/batch/missing`]);
      expect(await listAll(storage, `${base}/batch/`)).toEqual([]);
      expect(await storage.exists(`${base}/keep`)).toBe(true);
      await storage.deleteMany([]);
    });

    it('streams a large object (multipart on S3) and reads it back intact', { timeout: 300_000 }, async () => {
      const loc = `${root}/stream/large.bin`;
      const total = 20 * 1024 * 1024 + 123;
      const hash = createHash('sha256');
      async function* source(): AsyncGenerator<Uint8Array> {
        // Odd-sized chunks, and one reused buffer: the backend must copy what it keeps.
        const buf = new Uint8Array(777_777);
        let sent = 0;
        let seed = 1;
        while (sent < total) {
          const n = Math.min(buf.length, total - sent);
          buf.set(patternBytes(n, seed++).subarray(0, n));
          const chunk = buf.subarray(0, n);
          hash.update(chunk);
          sent += n;
          yield chunk;
        }
      }
      const { size } = await storage.writeStream(loc, source());
      expect(size).toBe(total);
      const info = await storage.head(loc);
      expect(info?.size).toBe(total);
      if (backend.isS3) expect(info?.etag).toMatch(/-3"?$/); // 8 MiB parts: 3 parts
      const back = await storage.read(loc);
      expect(back.length).toBe(total);
      expect(createHash('sha256').update(back).digest('hex')).toBe(hash.digest('hex'));
      expect(await storage.readRange(loc, 9 * 1024 * 1024 - 5, 10)).toEqual(back.slice(9 * 1024 * 1024 - 5, 9 * 1024 * 1024 + 5));
    });

    it('streams from a Node Readable', async () => {
      const loc = `${root}/stream/readable.txt`;
      const { size } = await storage.writeStream(loc, Readable.from([Buffer.from('hello '), Buffer.from('world')]));
      expect(size).toBe(11);
      expect(dec.decode(await storage.read(loc))).toBe('hello world');
    });

    it('a stream that fails midway leaves the previous object untouched', { timeout: 300_000 }, async () => {
      const loc = `${root}/stream/failing.bin`;
      await storage.write(loc, 'old content');
      const broke = new Error('source broke');
      async function* failing(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 12; i++) yield patternBytes(1024 * 1024, i + 1);
        throw broke;
      }
      // The source's own error reaches the caller unchanged.
      await expect(storage.writeStream(loc, failing())).rejects.toBe(broke);
      expect(dec.decode(await storage.read(loc))).toBe('old content');
      await expect(storage.writeStream(`${root}/stream/never.bin`, failing())).rejects.toBe(broke);
      expect(await storage.exists(`${root}/stream/never.bin`)).toBe(false);
    });

    it('writeIfAbsent creates once, then fails with ALREADY_EXISTS and keeps the first content', async () => {
      const loc = `${root}/cas/v1.metadata.json`;
      await storage.writeIfAbsent(loc, 'first');
      const err = await errorOf(storage.writeIfAbsent(loc, 'second'));
      expect(err.code).toBe('ALREADY_EXISTS');
      expect(dec.decode(await storage.read(loc))).toBe('first');
      // And over an object made by a plain write.
      await storage.write(`${root}/cas/plain`, 'plain');
      expect((await errorOf(storage.writeIfAbsent(`${root}/cas/plain`, 'x'))).code).toBe('ALREADY_EXISTS');
      expect(dec.decode(await storage.read(`${root}/cas/plain`))).toBe('plain');
    });

    it('16 concurrent writeIfAbsent calls on one key: exactly one winner, 15 ALREADY_EXISTS', { timeout: 120_000 }, async () => {
      for (let round = 0; round < 5; round++) {
        const loc = `${root}/race/round-${round}/v2.metadata.json`;
        const payloads = Array.from({ length: 16 }, (_, i) => `writer-${i}-${randomBytes(8).toString('hex')}`);
        const results = await Promise.allSettled(payloads.map((p) => storage.writeIfAbsent(loc, p)));
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(15);
        for (const l of losers) expect(isLakeError(l.reason, 'ALREADY_EXISTS')).toBe(true);
        expect(dec.decode(await storage.read(loc))).toBe(payloads[winners[0]!]);
      }
    });

    if (backend.isLocal) {
      it('leaves no temp files behind', async () => {
        const dir = storage.localPath(`${root}/cas`)!;
        const names = await fs.readdir(dir);
        expect(names.filter((n) => n.startsWith(LOCAL_TEMP_PREFIX))).toEqual([]);
        const streamDir = storage.localPath(`${root}/stream`)!;
        expect((await fs.readdir(streamDir)).filter((n) => n.startsWith(LOCAL_TEMP_PREFIX))).toEqual([]);
      });
    }
  });
}
