/**
 * `lake` on an S3 warehouse (the test MinIO): `--warehouse s3://bucket/prefix` with the standard
 * AWS environment variables and `--s3-path-style`, the whole cycle of create, commit, time travel,
 * query, refs and reading the table by its s3:// location; bad input leaves the objects as they were.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Storage } from '../../src/storage/s3.js';
import { type TestS3, testS3 } from '../support/s3.js';
import { ensureBuilt, expectOneLineError, runLake, tempDir, type RunResult } from './support.js';

let s3: TestS3;
let dir: string;
let warehouse: string;

const lake = (...args: string[]): Promise<RunResult> => runLake([...args, '--warehouse', warehouse, '--s3-path-style'], { env: s3.env });
async function ok(...args: string[]): Promise<string> {
  const r = await lake(...args);
  if (r.code !== 0) throw new Error(`lake ${args.join(' ')} exited with ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Every object under a location with a hash of its bytes: equal listings mean nothing changed. */
async function objects(storage: S3Storage, location: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(location)) out.push(`${o.location} ${createHash('sha256').update(await storage.read(o.location)).digest('hex')}`);
  return out.sort();
}

beforeAll(async () => {
  s3 = testS3();
  await ensureBuilt();
  dir = await tempDir('lake-cli-s3-');
  warehouse = `${s3.root}/wh`;
}, 300_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('lake on an S3 warehouse', () => {
  it('creates, commits, time-travels, queries, tags and reads by location', async () => {
    await ok('create', 'db.t', '--schema', 'id long not null, ts timestamptz, v double', '--partition', 'day(ts), bucket(2, id)');
    const a = path.join(dir, 'a.csv');
    await fs.writeFile(a, 'id,ts,v\n1,2026-01-01T00:00:00Z,1.5\n2,2026-01-02T00:00:00Z,2.5\n');
    const b = path.join(dir, 'b.ndjson');
    await fs.writeFile(b, '{"id": 3, "ts": "2026-01-03T00:00:00Z", "v": 3.5}\n');
    const first = JSON.parse(await ok('commit', 'db.t', a, '--json')) as { 'snapshot-id': string; 'added-records': number };
    expect(first['added-records']).toBe(2);
    const second = JSON.parse(await ok('commit', 'db.t', b, '--json')) as { 'snapshot-id': string };

    expect((await objects(s3.storage, `${warehouse}/db/t/data/`)).length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(await ok('tables', '--json'))).toEqual(['db.t']);
    expect(JSON.parse(await ok('time-travel', 'db.t', '--snapshot', first['snapshot-id'], '--sql', 'SELECT count(*) AS n, sum(v) AS s FROM t', '--json'))).toEqual([{ n: 2, s: 4 }]);
    expect(JSON.parse(await ok('query', 'SELECT count(*) AS n FROM db.t', '--json'))).toEqual([{ n: 3 }]);
    await ok('tag', 'db.t', 'first', '--snapshot', first['snapshot-id']);
    expect(JSON.parse(await ok('time-travel', 'db.t', '--ref', 'first', '--sql', 'SELECT max(id) AS m FROM db.t', '--json'))).toEqual([{ m: 2 }]);

    const snapshots = JSON.parse(await ok('snapshots', `${warehouse}/db/t`, '--json')) as { 'snapshot-id': string }[];
    expect(snapshots.map((s) => s['snapshot-id'])).toEqual([first['snapshot-id'], second['snapshot-id']]);
    const described = JSON.parse(await ok('describe', `${warehouse}/db/t`, '--json')) as { location: string; refs: Record<string, unknown> };
    expect(described.location).toBe(`${warehouse}/db/t`);
    expect(Object.keys(described.refs).sort()).toEqual(['first', 'main']);
    expect(JSON.parse(await ok('time-travel', `${warehouse}/db/t`, '--ref', 'main', '--sql', 'SELECT count(*) AS n FROM t', '--json'))).toEqual([{ n: 3 }]);
  });

  it('bad input leaves every object of the table as it was', async () => {
    const before = await objects(s3.storage, `${warehouse}/db/t/`);
    const bad = path.join(dir, 'bad.csv');
    await fs.writeFile(bad, 'id,ts,v\nnot-a-number,2026-01-01T00:00:00Z,1\n');
    const r = await lake('commit', 'db.t', bad);
    expect(r.code).toBe(3);
    expectOneLineError(r, 'INVALID_INPUT');
    const missing = await lake('time-travel', 'db.t', '--snapshot', '1');
    expect(missing.code).toBe(7);
    expect(await objects(s3.storage, `${warehouse}/db/t/`)).toEqual(before);
  });

  it('an S3 error without credentials is one line with what to do', async () => {
    const r = await runLake(['tables', '--warehouse', `${s3.root}/other`, '--s3-path-style'], {
      env: { ...s3.env, AWS_ACCESS_KEY_ID: 'wrong', AWS_SECRET_ACCESS_KEY: 'wrong' },
    });
    expect(r.code).not.toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error [A-Z_]+: .+ — .+/);
  });
});
