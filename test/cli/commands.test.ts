/**
 * Every `lake` command through the built executable (`node dist/cli/main.js`) on a local
 * warehouse: text and `--json` output, exit codes, shared options after the command name, one
 * snapshot per commit, time travel by id, time, tag and branch, SQL naming the table `t` or
 * `ns.table`, queries over several tables and metadata tables, refs and rollback, idempotent
 * commits across two invocations, and drop.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.js';
import { duckdbConnect } from '../../src/util/duckdb.js';
import { ensureBuilt, fingerprint, lakeIn, okIn, runLake, tempDir, type RunResult } from './support.js';

let dir: string;
let warehouse: string;
let lake: (...args: string[]) => Promise<RunResult>;
let ok: (...args: string[]) => Promise<string>;
const json = async <T = unknown>(...args: string[]): Promise<T> => JSON.parse(await ok(...args, '--json')) as T;

interface SnapshotJson {
  'snapshot-id': string;
  'parent-snapshot-id': string | null;
  'sequence-number': number;
  'timestamp-ms': number;
  operation: string;
  summary: Record<string, string>;
}

const SCHEMA = 'id long not null, ts timestamptz, day date, region string, amount double, big long';
const BIG = '9007199254740993'; // 2^53 + 1: not a safe JSON number

async function write(name: string, text: string): Promise<string> {
  const p = path.join(dir, name);
  await fs.writeFile(p, text);
  return p;
}

function csv(rows: (string | number | null)[][]): string {
  return ['id,ts,day,region,amount,big', ...rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(','))].join('\n') + '\n';
}

beforeAll(async () => {
  await ensureBuilt();
  dir = await tempDir();
  warehouse = path.join(dir, 'wh');
  lake = lakeIn(warehouse);
  ok = okIn(warehouse);
}, 300_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('lake create and tables', () => {
  it('creates a partitioned table, its namespace included, and prints the schema', async () => {
    const out = await ok('create', 'db.events', '--schema', SCHEMA, '--partition', 'day(ts), bucket(4, id)', '--property', 'owner=analytics');
    expect(out.split('\n').slice(0, 3)).toEqual([`created table db.events (format v2) at ${path.join(warehouse, 'db', 'events')}`, '  1  id      long         required', '  2  ts      timestamptz']);
    expect(out).toContain('partitioned by: ts_day = day(ts) [1000], id_bucket = bucket(4, id) [1001]');
    const d = await json<{ properties: Record<string, string>; 'partition-specs': { fields: { name: string; transform: string }[] }[] }>('describe', 'db.events');
    expect(d.properties.owner).toBe('analytics');
    expect(d['partition-specs'][0]!.fields.map((f) => [f.name, f.transform])).toEqual([
      ['ts_day', 'day'],
      ['id_bucket', 'bucket[4]'],
    ]);
  });

  it('creates every transform and multi-level namespaces; --json gives the table JSON', async () => {
    const j = await json<{ table: string; 'format-version': number; schema: { fields: { name: string; type: unknown; required: boolean }[] }; 'partition-spec': { fields: { name: string; transform: string }[] } }>(
      'create',
      'org.sales.orders',
      '--schema',
      'id int not null, sku string, price decimal(9,2), ts timestamp, d date, t2 timestamptz, code fixed[4], tags list<string>',
      '--partition',
      'identity(sku), truncate(3, price), bucket(8, id), year(ts), month(d), hour(t2)',
      '--format-version',
      '3',
    );
    expect(j.table).toBe('org.sales.orders');
    expect(j['format-version']).toBe(3);
    expect(j.schema.fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ['id', 'int', true],
      ['sku', 'string', false],
      ['price', 'decimal(9, 2)', false],
      ['ts', 'timestamp', false],
      ['d', 'date', false],
      ['t2', 'timestamptz', false],
      ['code', 'fixed[4]', false],
      ['tags', { type: 'list', 'element-id': 9, element: 'string', 'element-required': false }, false],
    ]);
    expect(j['partition-spec'].fields.map((f) => `${f.name}:${f.transform}`)).toEqual(['sku:identity', 'price_trunc:truncate[3]', 'id_bucket:bucket[8]', 'ts_year:year', 'd_month:month', 't2_hour:hour']);
    expect(await json('tables', 'org.sales')).toEqual(['org.sales.orders']);
  });

  it('lists tables of the whole warehouse or of one namespace, as text and JSON', async () => {
    await ok('create', 'db.other', '--schema', 'id long');
    expect(await json('tables')).toEqual(['db.events', 'db.other', 'org.sales.orders']);
    expect((await ok('tables', 'db')).trim().split('\n')).toEqual(['db.events', 'db.other']);
  });

  it('refuses an existing table and a bad schema with one-line errors', async () => {
    const exists = await lake('create', 'db.events', '--schema', 'id long');
    expect(exists.code).toBe(10);
    expect(exists.stderr).toMatch(/^error TABLE_ALREADY_EXISTS: table db\.events already exists — /);
    const badType = await lake('create', 'db.bad', '--schema', 'id lng');
    expect(badType.code).toBe(3);
    expect(badType.stderr).toMatch(/^error INVALID_INPUT: .*unknown column type "lng"/);
    const badTerm = await lake('create', 'db.bad', '--schema', 'id long', '--partition', 'day(nope)');
    expect(badTerm.code).toBe(3);
    expect(await json('tables', 'db')).toEqual(['db.events', 'db.other']);
  });
});

describe('lake commit, snapshots, time-travel, query', () => {
  const snapshotIds: string[] = [];

  it('commits CSV and NDJSON files, one snapshot per invocation, with the --json shape', async () => {
    const a = await write(
      'a.csv',
      csv([
        [1, '2026-01-01T10:00:00Z', '2026-01-01', 'eu', 1.5, BIG],
        [2, '2026-01-01T11:00:00Z', '2026-01-01', 'us', 2.5, 7],
        [3, '2026-01-02T12:00:00Z', '2026-01-02', null, null, null],
      ]),
    );
    const first = await json<Record<string, unknown>>('commit', 'db.events', a);
    expect(Object.keys(first).sort()).toEqual(['added-data-files', 'added-records', 'operation', 'snapshot-id']);
    expect(first).toMatchObject({ operation: 'append', 'added-records': 3 });
    expect(first['added-data-files']).toBeGreaterThanOrEqual(2); // two days at least
    expect(first['snapshot-id']).toMatch(/^-?\d+$/);
    snapshotIds.push(first['snapshot-id'] as string);

    const b = await write('b.ndjson', ['{"id": 4, "ts": "2026-01-03T00:00:00Z", "day": "2026-01-03", "region": "eu", "amount": 4}', '{"id": 5, "region": "apac"}'].join('\n'));
    const c = await write('c.data', '{"id": 6, "ts": "2026-01-03T01:00:00Z", "region": "us", "amount": 6.25}\n');
    // Several files (formats from the extension or --format) are one snapshot.
    const second = await json<Record<string, unknown>>('commit', 'db.events', b, '--format', 'ndjson');
    snapshotIds.push(second['snapshot-id'] as string);
    const third = await json<Record<string, unknown>>('commit', 'db.events', c, '--format', 'ndjson');
    snapshotIds.push(third['snapshot-id'] as string);
    expect(second['added-records']).toBe(2);
    expect(third['added-records']).toBe(1);

    const two = await write('d.csv', csv([[7, '2026-01-04T00:00:00Z', '2026-01-04', 'eu', 7, 7]]));
    const three = await write('e.csv', csv([[8, '2026-01-04T00:00:00Z', '2026-01-04', 'us', 8, 8]]));
    const multi = await json<Record<string, unknown>>('commit', 'db.events', two, three);
    expect(multi['added-records']).toBe(2);
    snapshotIds.push(multi['snapshot-id'] as string);

    const text = await ok('commit', 'db.events', await write('f.csv', csv([[9, '2026-01-05T00:00:00Z', '2026-01-05', 'eu', 9, 9]])));
    expect(text).toMatch(/^db\.events: committed snapshot -?\d+ \(append\): 1 records in 1 data file added; 9 records in total\n$/);
    snapshotIds.push(/snapshot (-?\d+)/.exec(text)![1]!);
  });

  it('lake snapshots --json lists snapshots oldest first with string ids and standard summaries', async () => {
    const list = await json<SnapshotJson[]>('snapshots', 'db.events');
    expect(list.map((s) => s['snapshot-id'])).toEqual(snapshotIds);
    expect(list.map((s) => s['parent-snapshot-id'])).toEqual([null, ...snapshotIds.slice(0, -1)]);
    expect(list.map((s) => s['sequence-number'])).toEqual([1, 2, 3, 4, 5]);
    for (const s of list) {
      expect(Object.keys(s).sort()).toEqual(['operation', 'parent-snapshot-id', 'sequence-number', 'snapshot-id', 'summary', 'timestamp-ms']);
      expect(typeof s['timestamp-ms']).toBe('number');
      expect(s.operation).toBe('append');
      for (const k of ['added-data-files', 'added-records', 'added-files-size', 'total-records', 'total-data-files', 'total-files-size', 'total-delete-files']) expect(s.summary[k]).toMatch(/^\d+$/);
    }
    expect(list.map((s) => Number(s.summary['total-records']))).toEqual([3, 5, 6, 8, 9]);
    const text = await ok('snapshots', 'db.events');
    expect(text.split('\n')[0]).toMatch(/^snapshot-id\s+parent\s+seq\s+timestamp\s+operation\s+records\s+refs$/);
    expect(text).toContain(`${snapshotIds[4]}`);
  });

  it('time-travel prints the first N rows, or JSON rows with safe numbers, ISO dates and timestamps', async () => {
    const rows = await json<Record<string, unknown>[]>('time-travel', 'db.events', '--snapshot', snapshotIds[0]!);
    expect(rows.sort((x, y) => Number(x.id) - Number(y.id))).toEqual([
      { id: 1, ts: '2026-01-01T10:00:00.000000+00:00', day: '2026-01-01', region: 'eu', amount: 1.5, big: BIG },
      { id: 2, ts: '2026-01-01T11:00:00.000000+00:00', day: '2026-01-01', region: 'us', amount: 2.5, big: 7 },
      { id: 3, ts: '2026-01-02T12:00:00.000000+00:00', day: '2026-01-02', region: null, amount: null, big: null },
    ]);
    const limited = await json<unknown[]>('time-travel', 'db.events', '--snapshot', snapshotIds[4]!, '--limit', '4');
    expect(limited).toHaveLength(4);
    const dflt = await ok('time-travel', 'db.events', '--snapshot', snapshotIds[4]!);
    expect(dflt.split('\n')[0]).toBe(`-- db.events at snapshot ${snapshotIds[4]} (${new Date((await json<SnapshotJson[]>('snapshots', 'db.events'))[4]!['timestamp-ms']).toISOString()}, append)`);
    expect(dflt).toContain('(9 rows)');
  });

  it('time-travel --sql names the table t or ns.table; --as-of takes ISO-8601 or epoch ms', async () => {
    const viaT = await json('time-travel', 'db.events', '--snapshot', snapshotIds[1]!, '--sql', 'SELECT count(*) AS n, sum(id) AS s FROM t');
    const viaName = await json('time-travel', 'db.events', '--snapshot', snapshotIds[1]!, '--sql', 'SELECT count(*) AS n, sum(id) AS s FROM db.events');
    expect(viaT).toEqual([{ n: 5, s: 15 }]);
    expect(viaName).toEqual(viaT);
    const list = await json<SnapshotJson[]>('snapshots', 'db.events');
    const at = list[2]!['timestamp-ms'];
    expect(await json('time-travel', 'db.events', '--as-of', String(at), '--sql', 'SELECT count(*) AS n FROM t')).toEqual([{ n: 6 }]);
    expect(await json('time-travel', 'db.events', '--as-of', new Date(at).toISOString(), '--sql', 'SELECT count(*) AS n FROM t')).toEqual([{ n: 6 }]);
    const before = await lake('time-travel', 'db.events', '--as-of', '2000-01-01T00:00:00Z');
    expect(before.code).toBe(7);
    expect(before.stderr).toMatch(/^error SNAPSHOT_NOT_FOUND: no snapshot as of 2000-01-01T00:00:00.000Z/);
  });

  it('lake query runs SQL over several tables and metadata tables, named ns.table', async () => {
    await ok('commit', 'db.other', await write('o.csv', 'id\n1\n2\n4\n100\n'));
    const joined = await json('query', 'SELECT count(*) AS n, sum(e.amount) AS total FROM db.events e JOIN db.other o ON e.id = o.id');
    expect(joined).toEqual([{ n: 3, total: 8 }]);
    const quoted = await json('query', 'SELECT count(*) AS n FROM "db"."other"');
    expect(quoted).toEqual([{ n: 4 }]);
    const meta = await json('query', `SELECT count(*) AS n, max(snapshot_id) FILTER (WHERE parent_id IS NULL) AS first FROM db.events$snapshots`);
    expect(meta).toEqual([{ n: 5, first: Number(snapshotIds[0]) > Number.MAX_SAFE_INTEGER ? snapshotIds[0] : Number(snapshotIds[0]) }]);
    const text = await ok('query', "SELECT region, count(*) AS n FROM db.events WHERE region IN ('eu', 'us') GROUP BY region ORDER BY region");
    expect(text).toBe(['region | n', '-------+--', 'eu     | 4', 'us     | 3', '(2 rows)', ''].join('\n'));
    const missing = await lake('query', 'SELECT * FROM db.nope');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^error INVALID_INPUT: SQL failed: .*nope/);
    expect(missing.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
  });

  it('describe prints schema, specs, sort order, properties, current snapshot, refs and location', async () => {
    const text = await ok('describe', 'db.events');
    for (const line of [
      'table db.events',
      `location: ${path.join(warehouse, 'db', 'events')}`,
      '  0 (default): ts_day = day(ts) [1000], id_bucket = bucket(4, id) [1001]',
      'sort order 0: unsorted',
      '  owner = analytics',
      `  main (branch) -> ${snapshotIds[4]}`,
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).toMatch(new RegExp(`current snapshot: ${snapshotIds[4]} \\(append, .*, 9 rows, \\d+ data files\\)`));
    const j = await json<Record<string, unknown>>('describe', 'db.events');
    expect(Object.keys(j).sort()).toEqual(['current-snapshot', 'default-spec-id', 'format-version', 'location', 'metadata-location', 'partition-specs', 'properties', 'refs', 'schema', 'sort-order', 'table', 'table-uuid']);
    expect(j.refs).toEqual({ main: { type: 'branch', 'snapshot-id': snapshotIds[4] } });
    expect((j['current-snapshot'] as SnapshotJson)['snapshot-id']).toBe(snapshotIds[4]);
  });
});

describe('refs, rollback, idempotency, drop', () => {
  let ids: string[];

  beforeAll(async () => {
    await ok('create', 'db.refs', '--schema', 'id long not null, v string', '--partition', 'v');
    ids = [];
    for (let i = 1; i <= 3; i++) {
      const j = await json<{ 'snapshot-id': string }>('commit', 'db.refs', await write(`r${i}.csv`, `id,v\n${i},x${i}\n`));
      ids.push(j['snapshot-id']);
      // distinct commit times for --as-of
      await new Promise((r) => setTimeout(r, 20));
    }
  }, 120_000);

  const count = async (...selector: string[]): Promise<number> =>
    ((await json<{ n: number }[]>('time-travel', 'db.refs', ...selector, '--sql', 'SELECT count(*) AS n FROM t'))[0]!).n;

  it('tags a snapshot, reads it by tag, moves and drops the tag', async () => {
    expect(await json('tag', 'db.refs', 'v1', '--snapshot', ids[0]!)).toEqual({ table: 'db.refs', ref: 'v1', type: 'tag', 'snapshot-id': ids[0] });
    expect(await count('--ref', 'v1')).toBe(1);
    expect(await ok('tag', 'db.refs', 'latest')).toBe(`tag latest of db.refs -> snapshot ${ids[2]}\n`);
    expect(await ok('tag', 'db.refs', 'v1', '--snapshot', ids[1]!, '--replace')).toBe(`tag v1 of db.refs -> snapshot ${ids[1]}\n`);
    expect(await count('--ref', 'v1')).toBe(2);
    const again = await lake('tag', 'db.refs', 'v1');
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/^error INVALID_INPUT: ref v1 already exists/);
    await ok('tag', 'db.refs', 'latest', '--drop');
    const gone = await lake('time-travel', 'db.refs', '--ref', 'latest');
    expect(gone.code).toBe(8);
    expect(gone.stderr).toMatch(/^error REF_NOT_FOUND: /);
  });

  it('writes to a branch without touching main', async () => {
    expect(await json('branch', 'db.refs', 'dev')).toEqual({ table: 'db.refs', ref: 'dev', type: 'branch', 'snapshot-id': ids[2] });
    const r = await json<{ 'snapshot-id': string }>('commit', 'db.refs', await write('dev.csv', 'id,v\n10,dev\n11,dev\n'), '--branch', 'dev');
    const d = await json<{ refs: Record<string, { 'snapshot-id': string }> }>('describe', 'db.refs');
    expect(d.refs.main!['snapshot-id']).toBe(ids[2]);
    expect(d.refs.dev!['snapshot-id']).toBe(r['snapshot-id']);
    expect(await count('--ref', 'main')).toBe(3);
    expect(await count('--ref', 'dev')).toBe(5);
    expect(await json('query', 'SELECT count(*) AS n FROM db.refs')).toEqual([{ n: 3 }]);
    // A tag is not a branch to commit to; nothing is written.
    const before = await fingerprint(path.join(warehouse, 'db', 'refs'));
    const toTag = await lake('commit', 'db.refs', await write('tag.csv', 'id,v\n1,a\n'), '--branch', 'v1');
    expect(toTag.code).toBe(3);
    expect(await fingerprint(path.join(warehouse, 'db', 'refs'))).toEqual(before);
  });

  it('rolls main back to an ancestor only, or to the snapshot current at a time', async () => {
    const d = await json<{ refs: Record<string, { 'snapshot-id': string }> }>('describe', 'db.refs');
    const devHead = d.refs.dev!['snapshot-id'];
    const before = await fingerprint(path.join(warehouse, 'db', 'refs', 'metadata'));
    const notAncestor = await lake('rollback', 'db.refs', '--snapshot', devHead);
    expect(notAncestor.code).toBe(3);
    expect(notAncestor.stderr).toMatch(/^error INVALID_INPUT: cannot roll back to snapshot -?\d+: it is not an ancestor of the current snapshot/);
    expect(await fingerprint(path.join(warehouse, 'db', 'refs', 'metadata'))).toEqual(before);

    const list = await json<SnapshotJson[]>('snapshots', 'db.refs');
    const second = list.find((s) => s['snapshot-id'] === ids[1])!;
    expect(await json('rollback', 'db.refs', '--as-of', new Date(second['timestamp-ms']).toISOString())).toEqual({ table: 'db.refs', 'snapshot-id': ids[1], 'previous-snapshot-id': ids[2] });
    expect(await count('--ref', 'main')).toBe(2);
    expect(await ok('rollback', 'db.refs', '--snapshot', ids[0]!)).toBe(`rolled db.refs back to snapshot ${ids[0]} (was ${ids[1]})\n`);
    expect(await json('query', 'SELECT count(*) AS n FROM db.refs')).toEqual([{ n: 1 }]);
    const both = await lake('rollback', 'db.refs', '--snapshot', ids[0]!, '--as-of', '0');
    expect(both.code).toBe(3);
  });

  it('an idempotency key makes a second invocation return the same snapshot and write nothing', async () => {
    const input = await write('idem.csv', 'id,v\n50,k\n51,k\n');
    const first = await json<{ 'snapshot-id': string }>('commit', 'db.refs', input, '--idempotency-key', 'load-2026-01-01');
    const table = path.join(warehouse, 'db', 'refs');
    const before = await fingerprint(table);
    const second = await json<Record<string, unknown>>('commit', 'db.refs', input, '--idempotency-key', 'load-2026-01-01');
    expect(second).toEqual({ 'snapshot-id': first['snapshot-id'], operation: 'append', 'added-records': 2, 'added-data-files': 1 });
    expect(await fingerprint(table)).toEqual(before);
    const text = await ok('commit', 'db.refs', input, '--idempotency-key', 'load-2026-01-01');
    expect(text).toBe(`db.refs: snapshot ${first['snapshot-id']} already carries idempotency key load-2026-01-01; nothing new was committed\n`);
    const other = await json<{ 'snapshot-id': string }>('commit', 'db.refs', input, '--idempotency-key', 'load-2026-01-02');
    expect(other['snapshot-id']).not.toBe(first['snapshot-id']);
  });

  it('drops a table, keeping or purging its files', async () => {
    await ok('create', 'db.gone', '--schema', 'id long');
    await ok('commit', 'db.gone', await write('g.csv', 'id\n1\n'));
    expect(await json('drop', 'db.gone')).toEqual({ table: 'db.gone', dropped: true, purged: false });
    expect(await json('tables', 'db')).not.toContain('db.gone');
    const kept = await fingerprint(path.join(warehouse, 'db', 'gone', 'data'));
    expect(Object.keys(kept).length).toBe(1);
    const missing = await lake('describe', 'db.gone');
    expect(missing.code).toBe(5);

    await ok('create', 'db.purged', '--schema', 'id long');
    await ok('commit', 'db.purged', await write('p.csv', 'id\n1\n'));
    expect(await ok('drop', 'db.purged', '--purge')).toBe('dropped table db.purged and deleted its files\n');
    const left = Object.keys(await fingerprint(path.join(warehouse, 'db', 'purged')));
    // Only the tombstone that seals the name stays.
    expect(left.filter((f) => !/^metadata\/v\d+\.metadata\.json$/.test(f))).toEqual([]);
    expect((await lake('drop', 'db.purged')).code).toBe(5);
  });
});

describe('overwrite and add-files through lake commit', () => {
  beforeAll(async () => {
    await ok('create', 'db.ow', '--schema', 'id long not null, cat string, v int', '--partition', 'cat');
    await ok('commit', 'db.ow', await write('ow1.csv', 'id,cat,v\n1,a,1\n2,a,2\n3,b,3\n4,b,4\n5,b,\n6,c,6\n'));
  }, 60_000);

  const rows = async (): Promise<unknown[]> => json('query', 'SELECT id, cat, v FROM db.ow ORDER BY id');

  it('--mode overwrite --where removes matching rows (NULL predicate rows kept) and adds the new data in one snapshot', async () => {
    const r = await json<Record<string, unknown>>('commit', 'db.ow', await write('ow2.csv', 'id,cat,v\n10,a,10\n'), '--mode', 'overwrite', '--where', "v >= 3 OR cat = 'a'");
    expect(r).toMatchObject({ operation: 'overwrite', 'added-records': 2, 'added-data-files': 2 });
    expect(await rows()).toEqual([
      { id: 5, cat: 'b', v: null },
      { id: 10, cat: 'a', v: 10 },
    ]);
    const last = (await json<SnapshotJson[]>('snapshots', 'db.ow')).at(-1)!;
    expect(last.summary).toMatchObject({ 'deleted-data-files': '3', 'deleted-records': '6', 'total-records': '2' });
  });

  it('--mode overwrite without --where replaces the partitions the data touches', async () => {
    await ok('commit', 'db.ow', await write('ow3.csv', 'id,cat,v\n20,c,20\n21,d,21\n'));
    const r = await json<Record<string, unknown>>('commit', 'db.ow', await write('ow4.csv', 'id,cat,v\n30,c,30\n'), '--mode', 'overwrite');
    expect(r).toMatchObject({ operation: 'overwrite', 'added-records': 1 });
    expect(await rows()).toEqual([
      { id: 5, cat: 'b', v: null },
      { id: 10, cat: 'a', v: 10 },
      { id: 21, cat: 'd', v: 21 },
      { id: 30, cat: 'c', v: 30 },
    ]);
  });

  it('--add-files registers Parquet files without rewriting them', async () => {
    const file = path.join(dir, 'existing-e.parquet');
    const conn = await duckdbConnect();
    try {
      await conn.run(`COPY (SELECT 40::BIGINT AS id, 'e' AS cat, 40::INTEGER AS v UNION ALL SELECT 41, 'e', NULL) TO '${file}' (FORMAT parquet)`);
    } finally {
      conn.closeSync();
    }
    const bytes = await fs.readFile(file);
    const r = await json<Record<string, unknown>>('commit', 'db.ow', file, '--add-files');
    expect(r).toMatchObject({ operation: 'append', 'added-records': 2, 'added-data-files': 1 });
    const files = await json<{ file_path: string; record_count: number }[]>('query', "SELECT file_path, record_count FROM db.ow$files WHERE file_path LIKE '%existing-e.parquet'");
    expect(files).toEqual([{ file_path: file, record_count: 2 }]);
    expect(await fs.readFile(file)).toEqual(bytes);
    expect(await json('query', "SELECT id, v FROM db.ow WHERE cat = 'e' ORDER BY id")).toEqual([
      { id: 40, v: 40 },
      { id: 41, v: null },
    ]);
    const d = await json<{ properties: Record<string, string> }>('describe', 'db.ow');
    expect(JSON.parse(d.properties['schema.name-mapping.default']!)).toEqual([
      { 'field-id': 1, names: ['id'] },
      { 'field-id': 2, names: ['cat'] },
      { 'field-id': 3, names: ['v'] },
    ]);
  });
});

describe('help and shared options', () => {
  it('every command has --help listing the shared options, exit 0', async () => {
    // In-process (the same program the executable runs): twelve process starts would only cost time.
    for (const cmd of ['create', 'commit', 'tables', 'tag', 'branch', 'rollback', 'drop', 'time-travel', 'query', 'snapshots', 'describe', 'evolve']) {
      let out = '';
      const code = await runCli([cmd, '--help'], { out: (t) => (out += t), err: (t) => (out += t), errIsTTY: false, env: {} });
      expect(code, cmd).toBe(0);
      for (const o of ['--warehouse', '--s3-path-style', '--json', '--debug']) expect(out, `${cmd} ${o}`).toContain(o);
    }
    const help = await runLake(['commit', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: lake commit \[options\] <table> <files\.\.\.>/);
    const version = await runLake(['--version']);
    expect(version).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('takes the warehouse from $LAKE_WAREHOUSE, else ./warehouse', async () => {
    const env = await runLake(['tables', '--json'], { env: { LAKE_WAREHOUSE: warehouse } });
    expect(JSON.parse(env.stdout)).toContain('db.events');
    const cwd = await tempDir();
    try {
      await fs.cp(warehouse, path.join(cwd, 'warehouse'), { recursive: true });
      const local = await runLake(['tables', 'db', '--json'], { cwd });
      expect(JSON.parse(local.stdout)).toContain('db.events');
    } finally {
      await fs.rm(cwd, { recursive: true, force: true });
    }
  });

  it('lake evolve is wired in with the shared options', async () => {
    const out = await json<{ schema: { fields: { name: string }[] } }>('evolve', 'db.other', 'add-column', 'note', 'string');
    expect(out.schema.fields.map((f) => f.name)).toEqual(['id', 'note']);
  });

  it('shows no progress on stderr when stderr is not a terminal', async () => {
    const r = await lake('commit', 'db.other', await write('quiet.csv', 'id,note\n7,x\n'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });
});
