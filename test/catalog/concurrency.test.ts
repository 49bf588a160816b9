/**
 * Eight OS processes each commit 25 appends of distinct rows (real Parquet files written with
 * DuckDB) to one table, at default retry settings, on local disk and on MinIO. Afterwards the table
 * must have exactly 200 new snapshots in one linear chain, and every row must be present exactly
 * once. The writers run the compiled benchmarks/commit-worker.ts (`npm test` builds first).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ConcurrentAppendResult, runConcurrentAppends } from '../../benchmarks/commit.js';
import { ObjectStoreCatalog } from '../../catalog/object-store-catalog.js';
import type { Table } from '../../catalog/table.js';
import { MAIN_BRANCH, ancestorsOf } from '../../src/spec/snapshot.js';
import type { Storage } from '../../src/storage/storage.js';
import { duckdbConnect } from '../../src/util/duckdb.js';
import { testS3 } from '../support/s3.js';
import { livePaths } from './helpers.js';

const PROCESSES = 8;
const COMMITS = 25;
const ROWS = 4;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'lake-concurrency-'));
  dirs.push(d);
  return d;
}

/** Local paths of the files (downloaded first when they are not on local disk). */
async function localCopies(io: Storage, paths: string[]): Promise<string[]> {
  const local = paths.map((p) => io.localPath(p));
  if (local.every((p) => p !== undefined)) return local as string[];
  const dir = await tempDir();
  return Promise.all(
    paths.map(async (p, i) => {
      const out = join(dir, `f${i}.parquet`);
      await writeFile(out, await io.read(p));
      return out;
    }),
  );
}

async function check(result: ConcurrentAppendResult, table: Table, label: string): Promise<void> {
  const failures = result.reports.flatMap((r) => r.failures.map((f) => `writer ${r.worker}: ${f.code} ${f.message}`));
  expect(failures).toEqual([]);
  expect(result.reports.every((r) => r.commits.length === COMMITS)).toBe(true);

  const m = table.metadata;
  const total = PROCESSES * COMMITS;
  expect(m.snapshots).toHaveLength(total);
  // One linear chain: the head's ancestry holds every snapshot, sequence numbers total..1.
  const chain = ancestorsOf(m, m.refs.get(MAIN_BRANCH)!.snapshotId);
  expect(chain).toHaveLength(total);
  expect(chain.map((s) => s.sequenceNumber)).toEqual(Array.from({ length: total }, (_, i) => BigInt(total - i)));
  expect(chain[total - 1]!.parentSnapshotId).toBeUndefined();
  expect(m.lastSequenceNumber).toBe(BigInt(total));
  expect(table.metadataLocation).toMatch(new RegExp(`/v${total + 1}\\.metadata\\.json$`));
  expect(chain.every((s) => s.summary?.operation === 'append' && s.summary['added-data-files'] === '1')).toBe(true);
  expect(chain[0]!.summary!['total-records']).toBe(String(total * ROWS));

  // Every row exactly once: the live files hold exactly the rows the writers wrote.
  const files = await livePaths(table);
  expect(files).toHaveLength(total);
  const local = await localCopies(table.io, files);
  const db = await duckdbConnect();
  try {
    const list = local.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ');
    const actual = `SELECT id FROM read_parquet([${list}])`;
    const expected = `SELECT w * 1000000 + c * ${ROWS} + r AS id FROM range(${PROCESSES}) t1(w), range(${COMMITS}) t2(c), range(${ROWS}) t3(r)`;
    const reader = await db.runAndReadAll(
      `SELECT (SELECT count(*) FROM (${actual})) AS n, (SELECT count(DISTINCT id) FROM (${actual})) AS d,
              (SELECT count(*) FROM ((${expected}) EXCEPT ALL (${actual}))) AS missing,
              (SELECT count(*) FROM ((${actual}) EXCEPT ALL (${expected}))) AS extra`,
    );
    const [n, d, missing, extra] = reader.getRows()[0]!.map((v) => Number(v));
    expect({ n, d, missing, extra }).toEqual({ n: total * ROWS, d: total * ROWS, missing: 0, extra: 0 });
  } finally {
    db.closeSync();
  }

  const attempts = result.reports.flatMap((r) => r.commits.map((c) => c.attempts));
  console.log(
    `[concurrency] ${label}: ${PROCESSES} processes x ${COMMITS} appends in ${(result.wallMs / 1000).toFixed(1)} s = ${result.commitsPerSecond.toFixed(1)} commits/s; ` +
      `attempts per commit: max ${result.maxAttempts}, mean ${(attempts.reduce((a, b) => a + b, 0) / attempts.length).toFixed(2)}; ` +
      `median storage requests per append commit: ${result.medianRequests}`,
  );
}

describe('concurrent appends from 8 processes', () => {
  it('local disk: 200 snapshots in one chain, every row exactly once, no retry budget exhausted', async () => {
    const warehouse = join(await tempDir(), 'wh');
    const result = await runConcurrentAppends({ warehouse, processes: PROCESSES, commits: COMMITS, rows: ROWS });
    const table = await new ObjectStoreCatalog({ warehouse }).loadTable(result.table);
    await check(result, table, 'local disk');
  }, 600_000);

  it('MinIO: 200 snapshots in one chain, every row exactly once, no retry budget exhausted', async () => {
    const s3 = testS3();
    const warehouse = `${s3.root}/wh`;
    const env = { ...s3.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const result = await runConcurrentAppends({ warehouse, processes: PROCESSES, commits: COMMITS, rows: ROWS, env, storage: s3.storage });
    const table = await new ObjectStoreCatalog({ warehouse, storage: s3.storage }).loadTable(result.table);
    await check(result, table, 'MinIO');
  }, 600_000);
});
