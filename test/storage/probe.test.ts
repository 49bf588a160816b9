/**
 * The conditional-write probe: it passes on stores that enforce If-None-Match (memory, local disk,
 * MinIO) and refuses s3rver, a real S3 server that ignores the header.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
// s3rver ships no type declarations.
// @ts-expect-error untyped module
import S3rver from 's3rver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LakeError } from '../../src/errors.js';
import { InstrumentedStorage } from '../../src/storage/instrumented.js';
import { LocalStorage } from '../../src/storage/local.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { PROBE_KEY_PREFIX, clearConditionalWriteProbeCache, probeConditionalWrites } from '../../src/storage/probe.js';
import { S3Storage } from '../../src/storage/s3.js';
import type { Storage } from '../../src/storage/storage.js';
import { freePort } from '../support/minio.js';
import { testS3 } from '../support/s3.js';

async function locations(storage: Storage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(prefix)) out.push(o.location);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<LakeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LakeError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => clearConditionalWriteProbeCache());

describe('conditional-write probe on stores that enforce it', () => {
  it('passes on memory storage and removes its probe object', async () => {
    const storage = new InstrumentedStorage(new MemoryStorage());
    const root = `memory://probe-${randomUUID()}/wh`;
    await probeConditionalWrites(storage, root);
    expect(storage.counts.writeIfAbsent).toBe(2);
    expect(await locations(storage, `${root}/`)).toEqual([]);
  });

  it('passes on local disk', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-probe-'));
    try {
      await probeConditionalWrites(new LocalStorage(), dir);
      expect(await fs.readdir(dir)).toEqual([]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('passes on MinIO, once per bucket: a second probe sends no request', async () => {
    const s3 = testS3();
    const storage = new InstrumentedStorage(s3.storage);
    await probeConditionalWrites(storage, s3.root);
    expect(storage.counts.writeIfAbsent).toBe(2);
    expect(storage.counts.delete).toBe(1);
    await probeConditionalWrites(storage, `${s3.root}/elsewhere`);
    expect(storage.total).toBe(3);
    expect((await locations(s3.storage, `${s3.root}/`)).filter((l) => l.includes(PROBE_KEY_PREFIX))).toEqual([]);
  });

  it('does not cache a transient failure', async () => {
    const storage = new InstrumentedStorage(new MemoryStorage());
    const root = `memory://probe-${randomUUID()}/wh`;
    storage.inject({ action: 'fail', method: 'writeIfAbsent' });
    expect((await rejection(probeConditionalWrites(storage, root))).code).toBe('STORAGE_ERROR');
    await probeConditionalWrites(storage, root);
  });

  it('refuses a store whose creates silently overwrite', async () => {
    const inner = new MemoryStorage();
    const overwriting: Storage = Object.assign(Object.create(inner) as MemoryStorage, {
      writeIfAbsent: (location: string, data: string | Uint8Array) => inner.write(location, data),
    });
    const err = await rejection(probeConditionalWrites(overwriting, `memory://probe-${randomUUID()}/wh`));
    expect(err.code).toBe('CONDITIONAL_WRITES_UNSUPPORTED');
  });
});

describe('conditional-write probe on s3rver (ignores If-None-Match)', () => {
  let server: { close(): Promise<void> };
  let dir: string;
  let storage: S3Storage;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-s3rver-'));
    const port = await freePort();
    server = new S3rver({ port, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'wh' }] });
    await (server as unknown as { run(): Promise<unknown> }).run();
    storage = new S3Storage({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
  });
  afterAll(async () => {
    await server?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('s3rver really lets a second conditional PUT overwrite (the premise)', async () => {
    await storage.writeIfAbsent('s3://wh/premise/key', 'one');
    await storage.writeIfAbsent('s3://wh/premise/key', 'two');
    expect(new TextDecoder().decode(await storage.read('s3://wh/premise/key'))).toBe('two');
  });

  it('the probe refuses it with CONDITIONAL_WRITES_UNSUPPORTED, and cleans up', async () => {
    const err = await rejection(probeConditionalWrites(storage, 's3://wh/warehouse'));
    expect(err.code).toBe('CONDITIONAL_WRITES_UNSUPPORTED');
    expect(err.message).toMatch(/ignores If-None-Match/);
    expect(err.message).toMatch(/requires conditional writes/);
    expect(await locations(storage, 's3://wh/warehouse/')).toEqual([]);
  });

  it('the refusal is cached per endpoint and bucket', async () => {
    const counted = new InstrumentedStorage(storage);
    expect((await rejection(probeConditionalWrites(counted, 's3://wh/a'))).code).toBe('CONDITIONAL_WRITES_UNSUPPORTED');
    expect(counted.total).toBe(3);
    expect((await rejection(probeConditionalWrites(counted, 's3://wh/b'))).code).toBe('CONDITIONAL_WRITES_UNSUPPORTED');
    expect(counted.total).toBe(3);
  });
});
