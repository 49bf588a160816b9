/**
 * The instrumented wrapper: request counts, and each kind of injected fault doing what it claims
 * (fail before sending: nothing lands; lose the response: the write lands, the caller sees
 * OUTCOME_UNKNOWN; delay: the request waits).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LakeError, isLakeError } from '../../src/errors.js';
import { InstrumentedStorage } from '../../src/storage/instrumented.js';
import { MemoryStorage } from '../../src/storage/memory.js';

const dec = new TextDecoder();

function fresh(record = false): { s: InstrumentedStorage; root: string } {
  return { s: new InstrumentedStorage(new MemoryStorage(), { record }), root: `memory://instr-${randomUUID()}/t` };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('InstrumentedStorage counts', () => {
  it('counts calls per method and in total, and resets', async () => {
    const { s, root } = fresh(true);
    await s.write(`${root}/a`, 'a');
    await s.writeIfAbsent(`${root}/b`, 'b');
    await s.read(`${root}/a`);
    await s.readRange(`${root}/a`, 0, 1);
    await s.head(`${root}/a`);
    await s.exists(`${root}/zz`);
    for await (const _ of s.list(`${root}/`)) void _;
    await s.delete(`${root}/a`);
    await s.deleteMany([`${root}/b`]);
    await failure(s.read(`${root}/a`));
    expect(s.counts).toEqual({
      read: 2,
      readRange: 1,
      write: 1,
      writeStream: 0,
      writeIfAbsent: 1,
      head: 1,
      exists: 1,
      list: 1,
      delete: 1,
      deleteMany: 1,
    });
    expect(s.total).toBe(10);
    expect(s.calls.map((c) => `${c.method}:${c.outcome}`)).toContain('read:error');
    expect(s.calls[0]).toEqual({ method: 'write', location: `${root}/a`, outcome: 'ok' });
    const before = s.resetCounts();
    expect(before.read).toBe(2);
    expect(s.total).toBe(0);
    expect(s.calls).toEqual([]);
  });

  it('passes storeId, localPath and scheme through', () => {
    const { s, root } = fresh();
    expect(s.scheme).toBe('memory');
    expect(s.storeId(`${root}/x`)).toBe(new MemoryStorage().storeId(`${root}/x`));
    expect(s.localPath(`${root}/x`)).toBeUndefined();
  });
});

describe('InstrumentedStorage faults', () => {
  it('fail: the request never lands, and the rule fires once by default', async () => {
    const { s, root } = fresh();
    const h = s.inject({ action: 'fail', method: 'writeIfAbsent' });
    const e = await failure(s.writeIfAbsent(`${root}/v1`, 'x'));
    expect(isLakeError(e, 'STORAGE_ERROR')).toBe(true);
    expect((e as LakeError).retryable).toBe(true);
    expect(await s.inner.exists(`${root}/v1`)).toBe(false);
    expect(h.fired).toBe(1);
    await s.writeIfAbsent(`${root}/v1`, 'y');
    expect(dec.decode(await s.inner.read(`${root}/v1`))).toBe('y');
  });

  it('lose-response: the write lands but the caller gets OUTCOME_UNKNOWN', async () => {
    const { s, root } = fresh();
    s.inject({ action: 'lose-response', method: 'writeIfAbsent', location: /v2\.metadata\.json$/ });
    await s.writeIfAbsent(`${root}/v1.metadata.json`, 'one'); // does not match
    const e = await failure(s.writeIfAbsent(`${root}/v2.metadata.json`, 'two'));
    expect(isLakeError(e, 'OUTCOME_UNKNOWN')).toBe(true);
    expect(dec.decode(await s.inner.read(`${root}/v2.metadata.json`))).toBe('two');
    // A retry of the same create now finds the object: the reason a committer must read back, not retry.
    expect(isLakeError(await failure(s.writeIfAbsent(`${root}/v2.metadata.json`, 'two')), 'ALREADY_EXISTS')).toBe(true);
  });

  it('lose-response on a read is a retryable STORAGE_ERROR', async () => {
    const { s, root } = fresh();
    await s.write(`${root}/r`, 'r');
    s.inject({ action: 'lose-response', method: ['read', 'readRange'] });
    expect(isLakeError(await failure(s.read(`${root}/r`)), 'STORAGE_ERROR')).toBe(true);
  });

  it('skip and times select which matching requests fail; custom errors are thrown as given', async () => {
    const { s, root } = fresh();
    const h = s.inject({
      action: 'fail',
      method: 'write',
      location: (l) => l.includes('/data/'),
      skip: 1,
      times: 2,
      error: (m, l) => new LakeError('STORAGE_ERROR', `custom ${m} ${l}`),
    });
    await s.write(`${root}/data/0`, '0'); // skipped
    await s.write(`${root}/meta/0`, 'm'); // does not match
    expect(String(await failure(s.write(`${root}/data/1`, '1')))).toContain(`custom write ${root}/data/1`);
    await failure(s.write(`${root}/data/2`, '2'));
    await s.write(`${root}/data/3`, '3'); // rule used up
    expect(h.fired).toBe(2);
    const names: string[] = [];
    for await (const o of s.inner.list(`${root}/`)) names.push(o.location.slice(root.length + 1));
    expect(names.sort()).toEqual(['data/0', 'data/3', 'meta/0']);
  });

  it('times: Infinity fails every match until removed', async () => {
    const { s, root } = fresh();
    const h = s.inject({ action: 'fail', method: 'head', times: Infinity });
    for (let i = 0; i < 5; i++) await failure(s.head(`${root}/x`));
    expect(h.fired).toBe(5);
    h.remove();
    expect(await s.head(`${root}/x`)).toBeUndefined();
  });

  it('delay holds a request for delayMs, or until wait() settles', async () => {
    const { s, root } = fresh();
    s.inject({ action: 'delay', method: 'write', delayMs: 150 });
    const t0 = performance.now();
    await s.write(`${root}/slow`, 's');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    s.inject({ action: 'delay', method: 'writeIfAbsent', wait: () => gate });
    let landed = false;
    const pending = s.writeIfAbsent(`${root}/held`, 'h').then(() => (landed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(landed).toBe(false);
    expect(await s.inner.exists(`${root}/held`)).toBe(false);
    release();
    await pending;
    expect(landed).toBe(true);
  });

  it('a fault on list fails the listing', async () => {
    const { s, root } = fresh();
    await s.write(`${root}/a`, 'a');
    s.inject({ action: 'fail', method: 'list' });
    const iterate = async () => {
      for await (const _ of s.list(`${root}/`)) void _;
    };
    expect(isLakeError(await failure(iterate()), 'STORAGE_ERROR')).toBe(true);
    await iterate();
  });
});
