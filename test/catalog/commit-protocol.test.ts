/**
 * The commit driver and the object-store commit point under failures: lost answers, writes that
 * land late, unreadable versions, exhausted retry budgets, transient errors, idempotency keys, the
 * metadata log, and the conditional-write probe.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CommitDriverOptions } from '../../catalog/commit.js';
import { ObjectStoreCatalog } from '../../catalog/object-store-catalog.js';
import { retryDelayMs } from '../../catalog/retry-policy.js';
import { LakeError, isLakeError } from '../../src/errors.js';
import { InstrumentedStorage } from '../../src/storage/instrumented.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { clearConditionalWriteProbeCache } from '../../src/storage/probe.js';
import type { Storage, WriteSource } from '../../src/storage/storage.js';
import { fakeFile, listAll, livePaths, testSchema, twoWriters } from './helpers.js';

async function setup(commitOptions?: Omit<CommitDriverOptions, 'idempotencyKey'>, properties: Record<string, string> = {}) {
  const w = twoWriters(commitOptions);
  await w.a.createNamespace('db');
  const t = await w.a.createTable('db.t', { schema: testSchema(), properties });
  await t.newAppend().appendFile(fakeFile('memory://d/first.parquet')).commit();
  return { ...w, t };
}

const outcomeUnknown = (method: string, location: string): Error =>
  new LakeError('OUTCOME_UNKNOWN', `simulated timeout: ${method} of ${location}`, { context: { location } });

describe('ambiguous outcomes of the metadata write', () => {
  it('a response lost after the write landed is resolved as a success, and the append is not applied twice', async () => {
    const { t, io, b } = await setup();
    const fault = io.inject({ action: 'lose-response', method: 'writeIfAbsent', location: /\/v3\.metadata\.json$/ });
    const op = t.newAppend().appendFile(fakeFile('memory://d/second.parquet'));
    const r = await op.commit();
    expect(fault.fired).toBe(1);
    expect(r.attempts).toBe(1);
    expect(r.alreadyCommitted).toBe(false);
    expect(r.metadataLocation).toMatch(/\/v3\.metadata\.json$/);
    const fresh = await b.loadTable('db.t');
    expect(fresh.metadataLocation).toMatch(/\/v3\.metadata\.json$/);
    expect(fresh.metadata.snapshots).toHaveLength(2);
    expect(await livePaths(fresh)).toEqual(['memory://d/first.parquet', 'memory://d/second.parquet']);
    for (const f of op.writtenFiles()) expect(await io.exists(f)).toBe(true);
  });

  it('a write that did not land is retried; the retry commits once and the first attempt\'s list is deleted', async () => {
    const { t, io, b } = await setup();
    io.inject({ action: 'fail', method: 'writeIfAbsent', location: /\/v3\.metadata\.json$/, error: outcomeUnknown });
    const op = t.newAppend().appendFile(fakeFile('memory://d/second.parquet'));
    const r = await op.commit();
    expect(r.attempts).toBe(2);
    const lists = op.writtenFiles().filter((f) => f.includes('/snap-'));
    expect(lists).toHaveLength(2);
    expect(await io.exists(lists[0]!)).toBe(false);
    expect(r.snapshot!.manifestList).toBe(lists[1]);
    expect((await b.loadTable('db.t')).metadata.snapshots).toHaveLength(2);
  });

  it('a write that lands after its answer was lost is found by its commit id on the next attempt', async () => {
    const store = `late-${randomUUID()}`;
    const warehouse = `memory://${store}/wh`;
    const late = new LateLandingStorage(new MemoryStorage(), /\/v3\.metadata\.json$/);
    // The write lands while the driver waits before retrying.
    const cat = new ObjectStoreCatalog({ warehouse, storage: late, commitOptions: { sleep: () => late.land() } });
    await cat.createNamespace('db');
    const t = await cat.createTable('db.t', { schema: testSchema() });
    await t.newAppend().appendFile(fakeFile('memory://d/first.parquet')).commit();
    const op = t.newAppend().appendFile(fakeFile('memory://d/second.parquet'));
    const r = await op.commit();
    expect(late.landed).toBe(true);
    expect(r.alreadyCommitted).toBe(true);
    expect(r.attempts).toBe(2);
    const fresh = await new ObjectStoreCatalog({ warehouse, storage: new MemoryStorage() }).loadTable('db.t');
    expect(fresh.metadata.snapshots).toHaveLength(2);
    expect(fresh.metadataLocation).toMatch(/\/v3\.metadata\.json$/);
    // Only the first attempt staged; its files are the committed ones.
    expect(op.writtenFiles().filter((f) => f.includes('/snap-'))).toEqual([r.snapshot!.manifestList]);
    expect(await livePaths(fresh)).toEqual(['memory://d/first.parquet', 'memory://d/second.parquet']);
  });

  it('raises COMMIT_STATE_UNKNOWN and keeps every file when the version cannot be read back', async () => {
    const { t, io } = await setup();
    io.inject({
      action: 'lose-response',
      method: 'writeIfAbsent',
      location: /\/v3\.metadata\.json$/,
      error: (method, location) => {
        // From now on the version cannot be read.
        io.inject({ action: 'fail', method: 'read', location, times: Infinity });
        return outcomeUnknown(method, location);
      },
    });
    const op = t.newAppend().appendFile(fakeFile('memory://d/second.parquet'));
    const e = await op.commit().catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'COMMIT_STATE_UNKNOWN' });
    expect(op.writtenFiles().length).toBeGreaterThan(0);
    for (const f of op.writtenFiles()) expect(await io.exists(f)).toBe(true);
  });

  it('raises COMMIT_STATE_UNKNOWN (files kept) when the retries run out after an unanswered write', async () => {
    const { t, io } = await setup(undefined, { 'commit.retry.num-retries': '1' });
    io.inject({ action: 'fail', method: 'writeIfAbsent', location: /\/v3\.metadata\.json$/, error: outcomeUnknown, times: Infinity });
    const op = t.newAppend().appendFile(fakeFile('memory://d/second.parquet'));
    const e = await op.commit().catch((x: unknown) => x);
    expect(isLakeError(e, 'COMMIT_STATE_UNKNOWN')).toBe(true);
    for (const f of op.writtenFiles()) expect(await io.exists(f)).toBe(true);
  });
});

describe('retries', () => {
  it('gives up after commit.retry.num-retries lost races, waiting with backoff, and deletes what it wrote', async () => {
    const waits: number[] = [];
    const { t, io, b, warehouse } = await setup({ sleep: async (ms) => void waits.push(ms), random: () => 0, fairness: false }, { 'commit.retry.num-retries': '2' });
    const rival = await b.loadTable('db.t');
    let n = 0;
    io.inject({
      action: 'delay',
      method: 'writeIfAbsent',
      location: /\/v\d+\.metadata\.json$/,
      times: Infinity,
      wait: () => rival.newAppend().appendFile(fakeFile(`memory://d/rival-${n++}.parquet`)).commit(),
    });
    const op = t.newAppend().appendFile(fakeFile('memory://d/mine.parquet'));
    const before = await listAll(io, `${warehouse}/`);
    const e = await op.commit().catch((x: unknown) => x);
    expect(isLakeError(e, 'COMMIT_CONFLICT')).toBe(true);
    expect((e as LakeError).message).toContain('gave up after 3 attempts');
    expect((e as LakeError).context.attempts).toBe(3);
    expect(waits).toEqual([100, 200]);
    // The rival's three commits stay; none of this operation's files do.
    const after = await listAll(io, `${warehouse}/`);
    for (const f of op.writtenFiles()) expect(after).not.toContain(f);
    expect(after.filter((f) => !before.includes(f)).every((f) => !op.writtenFiles().includes(f))).toBe(true);
    await t.refresh();
    expect(t.metadata.snapshots).toHaveLength(4);
  });

  it('stops at commit.retry.total-timeout-ms', async () => {
    let clock = Date.now();
    const waits: number[] = [];
    const { t, io, b } = await setup(
      { now: () => clock, sleep: async (ms) => void (waits.push(ms), (clock += ms)), random: () => 0, fairness: false },
      { 'commit.retry.total-timeout-ms': '250' },
    );
    const rival = await b.loadTable('db.t');
    let n = 0;
    io.inject({ action: 'delay', method: 'writeIfAbsent', location: /\/v\d+\.metadata\.json$/, times: Infinity, wait: () => rival.newAppend().appendFile(fakeFile(`memory://d/r${n++}.parquet`)).commit() });
    const e = await t.newAppend().appendFile(fakeFile('memory://d/mine.parquet')).commit().catch((x: unknown) => x);
    expect(isLakeError(e, 'COMMIT_CONFLICT')).toBe(true);
    // 100 ms, then 200 ms would pass the 250 ms budget.
    expect(waits).toEqual([100]);
    expect((e as LakeError).context.attempts).toBe(2);
  });

  it('a writer that lost a race claims priority and releases it when done', async () => {
    const { t, io, b } = await setup();
    const rival = await b.loadTable('db.t');
    io.inject({ action: 'delay', method: 'writeIfAbsent', location: /\/v3\.metadata\.json$/, wait: () => rival.newAppend().appendFile(fakeFile('memory://d/rival.parquet')).commit() });
    const r = await t.newAppend().appendFile(fakeFile('memory://d/mine.parquet')).commit();
    expect(r.attempts).toBe(2);
    const claims = io.calls.filter((c) => c.location.endsWith('/.lake-commit-priority'));
    expect(claims.map((c) => c.method)).toContain('writeIfAbsent');
    expect(claims[claims.length - 1]!.method).toBe('delete');
    expect(await io.exists(claims[0]!.location)).toBe(false);
  });

  it('a writer pauses while another holds priority, and breaks a claim whose holder is gone', async () => {
    let clock = Date.now();
    const start = clock;
    const { t, io } = await setup({ now: () => clock, sleep: async (ms) => void (clock += ms) });
    const claim = `${t.metadataLocation.slice(0, t.metadataLocation.lastIndexOf('/'))}/.lake-commit-priority`;
    await io.write(claim, 'someone-else');
    const r = await t.newAppend().appendFile(fakeFile('memory://d/mine.parquet')).commit();
    expect(r.attempts).toBe(1);
    // It waited out the lease (5 s on its own clock) before breaking the claim.
    expect(clock - start).toBeGreaterThan(5_000);
    expect(await io.exists(claim)).toBe(false);
  });

  it('retries a transient storage failure of a manifest-list write', async () => {
    const { t, io } = await setup();
    io.inject({ action: 'fail', method: 'write', location: /\/snap-/ });
    const r = await t.newAppend().appendFile(fakeFile('memory://d/second.parquet')).commit();
    expect(r.attempts).toBe(2);
    expect(await livePaths(t)).toEqual(['memory://d/first.parquet', 'memory://d/second.parquet']);
  });

  it('does not retry a failed requirement', async () => {
    const retried: number[] = [];
    const { t, io } = await setup({ sleep: async () => {}, onRetry: (i) => void retried.push(i.attempt) });
    const op = t.updateMetadata([{ action: 'set-current-schema', schemaId: 0 }]);
    const stale = new (op.constructor as typeof import('../../src/write/metadata-update.js').MetadataUpdate)(
      { metadata: t.metadata, io: t.io, committer: t },
      [{ action: 'set-properties', updates: { a: 'b' } }],
      [{ type: 'assert-current-schema-id', currentSchemaId: 7 }],
    );
    const writes = io.counts.writeIfAbsent;
    await expect(stale.commit()).rejects.toMatchObject({ code: 'REQUIREMENT_FAILED' });
    expect(retried).toEqual([]);
    expect(io.counts.writeIfAbsent).toBe(writes);
  });

  it('backoff: min * 2^(n-1) plus up to half again, never below min-wait nor above max-wait', () => {
    const s = { numRetries: 4, minWaitMs: 100, maxWaitMs: 60_000, totalTimeoutMs: 1_800_000 };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(s, n, () => 0))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(s, n, () => 0.999999))).toEqual([150, 300, 600, 1200]);
    expect(retryDelayMs({ ...s, maxWaitMs: 500 }, 4, () => 0.5)).toBe(500);
    expect(retryDelayMs(s, 30, () => 0)).toBe(60_000);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(s, 1 + (i % 4), Math.random);
      const base = 100 * 2 ** (i % 4);
      expect(d).toBeGreaterThanOrEqual(base);
      expect(d).toBeLessThanOrEqual(base * 1.5);
    }
  });
});

describe('idempotency keys', () => {
  it('a second invocation with the same key returns the first snapshot instead of committing again', async () => {
    const { t, b, io } = await setup();
    const first = await t.newAppend().appendFile(fakeFile('memory://d/job.parquet')).idempotencyKey('job-42').commit();
    expect(first.snapshot!.summary!['lake.idempotency-key']).toBe('job-42');
    // A new invocation: another catalog object, the same job run again with its own new file.
    const again = (await b.loadTable('db.t')).newAppend().appendFile(fakeFile('memory://d/job-rerun.parquet')).idempotencyKey('job-42');
    const r = await again.commit();
    expect(r.alreadyCommitted).toBe(true);
    expect(r.snapshot!.snapshotId).toBe(first.snapshot!.snapshotId);
    await t.refresh();
    expect(t.metadata.snapshots).toHaveLength(2);
    expect(await livePaths(t)).toEqual(['memory://d/first.parquet', 'memory://d/job.parquet']);
    for (const f of again.writtenFiles()) expect(await io.exists(f)).toBe(false);
    const other = await t.newAppend().appendFile(fakeFile('memory://d/job-43.parquet')).idempotencyKey('job-43').commit();
    expect(other.alreadyCommitted).toBe(false);
  });

  it('applies to transactions and to the branch the change targets', async () => {
    const { t } = await setup();
    const tx = t.newTransaction().idempotencyKey('tx-1');
    tx.newAppend().appendFile(fakeFile('memory://d/tx.parquet'));
    const r1 = await tx.commit();
    const tx2 = t.newTransaction().idempotencyKey('tx-1');
    tx2.newAppend().appendFile(fakeFile('memory://d/tx-again.parquet'));
    expect((await tx2.commit()).alreadyCommitted).toBe(true);
    // A new branch forks from main, whose ancestry has the key.
    const onDev = await t.newAppend().appendFile(fakeFile('memory://d/dev.parquet')).toBranch('dev').idempotencyKey('tx-1').commit();
    expect(onDev.alreadyCommitted).toBe(true);
    expect(onDev.snapshot!.snapshotId).toBe(r1.snapshot!.snapshotId);
    const fresh = await t.newAppend().appendFile(fakeFile('memory://d/dev2.parquet')).toBranch('dev2').idempotencyKey('other').commit();
    expect(fresh.alreadyCommitted).toBe(false);
  });
});

describe('metadata files', () => {
  it('keeps at most write.metadata.previous-versions-max log entries, deleting the rest when asked', async () => {
    const { t, io } = await setup(undefined, { 'write.metadata.previous-versions-max': '3', 'write.metadata.delete-after-commit.enabled': 'true' });
    for (let i = 0; i < 5; i++) await t.newAppend().appendFile(fakeFile(`memory://d/f${i}.parquet`)).commit();
    expect(t.metadataLocation).toMatch(/\/v7\.metadata\.json$/);
    expect(t.metadata.metadataLog.map((e) => e.metadataFile.replace(/.*\//, ''))).toEqual(['v4.metadata.json', 'v5.metadata.json', 'v6.metadata.json']);
    const dir = t.metadataLocation.slice(0, t.metadataLocation.lastIndexOf('/') + 1);
    const versions = (await listAll(io, dir)).filter((f) => /\/v\d+\.metadata\.json$/.test(f)).map((f) => f.replace(/.*\//, ''));
    expect(versions.sort()).toEqual(['v4.metadata.json', 'v5.metadata.json', 'v6.metadata.json', 'v7.metadata.json']);
    expect(new TextDecoder().decode(await io.read(`${dir}version-hint.text`))).toBe('7');
  });
});

describe('conditional-write probe', () => {
  it('refuses an S3 store that ignores If-None-Match, before writing anything of the catalog', async () => {
    clearConditionalWriteProbeCache();
    const fake = new IgnoresConditions(new MemoryStorage(), `probe-${randomUUID()}`);
    const cat = new ObjectStoreCatalog({ warehouse: 's3://bucket/wh', storage: fake });
    await expect(cat.createNamespace('db')).rejects.toMatchObject({ code: 'CONDITIONAL_WRITES_UNSUPPORTED' });
    expect(await cat.namespaceExists('db')).toBe(false);
    clearConditionalWriteProbeCache();
  });
});

/** Storage whose first matching atomic create lands only when `land()` is called, after its caller was told OUTCOME_UNKNOWN. */
class LateLandingStorage extends InstrumentedStorage {
  private pending: { location: string; data: WriteSource } | undefined;
  landed = false;
  private armed = true;

  constructor(
    inner: Storage,
    private readonly pattern: RegExp,
  ) {
    super(inner);
  }

  override async writeIfAbsent(location: string, data: WriteSource): Promise<void> {
    if (this.armed && this.pattern.test(location)) {
      this.armed = false;
      this.pending = { location, data };
      throw outcomeUnknown('writeIfAbsent', location);
    }
    return super.writeIfAbsent(location, data);
  }

  async land(): Promise<void> {
    if (this.pending === undefined) return;
    const { location, data } = this.pending;
    this.pending = undefined;
    await this.inner.writeIfAbsent(location, data);
    this.landed = true;
  }
}

/** An "S3" store (memory underneath) whose conditional create silently overwrites, as broken gateways do. */
class IgnoresConditions extends InstrumentedStorage {
  override readonly scheme = 's3' as const;
  constructor(
    inner: Storage,
    private readonly store: string,
  ) {
    super(inner);
  }
  private map(location: string): string {
    return location.replace(/^s3:\/\/bucket\//, `memory://${this.store}/`);
  }
  override storeId(): string {
    return `s3-fake-${this.store}`;
  }
  override writeIfAbsent(location: string, data: WriteSource): Promise<void> {
    return this.inner.write(this.map(location), data);
  }
  override write(location: string, data: WriteSource): Promise<void> {
    return this.inner.write(this.map(location), data);
  }
  override exists(location: string): Promise<boolean> {
    return this.inner.exists(this.map(location));
  }
  override delete(location: string): Promise<void> {
    return this.inner.delete(this.map(location));
  }
}
