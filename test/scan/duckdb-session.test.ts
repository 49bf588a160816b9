/**
 * SQL sessions: table naming (`t`, `ns.table`, multi-level namespaces), metadata tables,
 * isolation between sessions, and the JSON and text rendering of results.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { createSqlSession, splitTableName } from '../../src/scan/duckdb-session.js';
import { filesTable, snapshotsTable } from '../../src/scan/metadata-tables.js';
import { planScan } from '../../src/scan/planner.js';
import { formatJson, formatTextTable, toJsonRows } from '../../src/scan/row-format.js';
import type { ScanPlan } from '../../src/scan/scan-task.js';
import { loadCorpusCase } from './support.js';

let plan: ScanPlan;
const bunnies = loadCorpusCase('icebird-spark-bunnies');
beforeAll(async () => {
  plan = await planScan({ metadata: bunnies.metadata, io: bunnies.io });
});

describe('naming', () => {
  test('splitTableName splits at the last dot', () => {
    expect(splitTableName('t')).toEqual({ schema: undefined, table: 't' });
    expect(splitTableName('ns.table')).toEqual({ schema: 'ns', table: 'table' });
    expect(splitTableName('a.b.table')).toEqual({ schema: 'a.b', table: 'table' });
    expect(() => splitTableName(' ')).toThrow();
  });

  test('t, ns.table, "ns.table", "a.b".table and "a.b.table" all name the registered tables', async () => {
    const s = await createSqlSession();
    try {
      await s.registerTable('t', plan);
      await s.registerTable('ns.bunnies', plan);
      await s.registerTable('a.b.bunnies', plan);
      const counts = [];
      for (const from of ['t', 'ns.bunnies', '"ns.bunnies"', '"a.b".bunnies', '"a.b.bunnies"']) {
        counts.push((await s.query(`SELECT count(*)::INTEGER FROM ${from}`)).rows[0]![0]);
      }
      expect(counts).toEqual([20, 20, 20, 20, 20]);
      expect(s.names()).toEqual(['t', 'ns.bunnies', 'a.b.bunnies']);
      // the same query through the table name and through the view agree on the data, not only the count
      const a = await s.query('SELECT sum("Lifespan") AS l, sum("Popularity Rank") AS p, sum(breed_name_length) AS b FROM ns.bunnies');
      expect(toJsonRows(a)).toEqual([{ l: 154, p: 230, b: 205 }]);
    } finally {
      await s.close();
    }
  });

  test('metadata tables are queryable as ns.table$snapshots and ns.table$files', async () => {
    const s = await createSqlSession();
    try {
      await s.registerTable('ns.bunnies', plan);
      await s.registerMetadataTable('ns.bunnies', snapshotsTable(bunnies.metadata));
      await s.registerMetadataTable('ns.bunnies', await filesTable({ metadata: bunnies.metadata, io: bunnies.io }));
      const snaps = toJsonRows(await s.query('SELECT CAST(snapshot_id AS VARCHAR) AS id, operation FROM ns.bunnies$snapshots ORDER BY committed_at'));
      expect(snaps.map((r) => r.id)).toEqual(bunnies.metadata.snapshots.map((x) => x.snapshotId.toString()));
      const files = await s.query('SELECT sum(record_count) FILTER (WHERE content = 0) AS data_rows, count(*) AS n FROM "ns.bunnies$files"');
      const live = plan.tasks.reduce((n, t) => n + t.dataFile.recordCount, 0);
      expect(toJsonRows(files)[0]!.data_rows).toBe(live);
    } finally {
      await s.close();
    }
  });

  test('sessions do not see each other, and a closed session drops its names', async () => {
    const one = await createSqlSession();
    const two = await createSqlSession();
    try {
      await one.registerTable('ns.only_one', plan);
      await expect(two.query('SELECT * FROM ns.only_one')).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_INPUT') && /only_one/.test((e as Error).message));
      const db = one.database;
      await one.close();
      await expect(one.query('SELECT 1')).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_INPUT'));
      const attached = await two.query(`SELECT count(*)::INTEGER FROM duckdb_databases() WHERE database_name = '${db}'`);
      expect(attached.rows[0]![0]).toBe(0);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('rendering', () => {
  let s: Awaited<ReturnType<typeof createSqlSession>>;
  beforeAll(async () => {
    s = await createSqlSession();
  });
  afterAll(async () => s.close());

  test('JSON values follow the documented rules', async () => {
    const r = await s.query(`SELECT
      9007199254740991::BIGINT AS safe, 9007199254740993::BIGINT AS unsafe, (-9223372036854775807 - 1)::BIGINT AS min,
      170141183460469231731687303715884105727::HUGEINT AS huge, 42::INTEGER AS i, 1.5::FLOAT AS f,
      'NaN'::DOUBLE AS nan, '-Infinity'::DOUBLE AS ninf, 12.30::DECIMAL(5,2) AS dec, -0.05::DECIMAL(3,2) AS neg,
      DATE '2024-02-03' AS d, DATE '0011-03-05' AS old, TIME '01:02:03.000004' AS tm,
      TIMESTAMP '2024-02-03 04:05:06.789' AS ts, TIMESTAMPTZ '2024-02-03 04:05:06+02' AS tz,
      '2024-02-03 04:05:06.123456789'::TIMESTAMP_NS AS ns, from_hex('00ff10') AS blob,
      UUID 'f79c3e09-677c-4bbd-a479-3f349cb785e7' AS u, [1, NULL, 3] AS list, {'x': 1, 'y': 'z'} AS st,
      MAP {'a': 1} AS smap, MAP {1: 'x'} AS imap, NULL AS n, true AS b, 'text' AS s`);
    expect(toJsonRows(r)).toEqual([
      {
        safe: 9007199254740991,
        unsafe: '9007199254740993',
        min: '-9223372036854775808',
        huge: '170141183460469231731687303715884105727',
        i: 42,
        f: 1.5,
        nan: 'NaN',
        ninf: '-Infinity',
        dec: '12.30',
        neg: '-0.05',
        d: '2024-02-03',
        old: '0011-03-05',
        tm: '01:02:03.000004',
        ts: '2024-02-03T04:05:06.789000',
        tz: '2024-02-03T02:05:06.000000+00:00',
        ns: '2024-02-03T04:05:06.123456789',
        blob: '00ff10',
        u: 'f79c3e09-677c-4bbd-a479-3f349cb785e7',
        list: [1, null, 3],
        st: { x: 1, y: 'z' },
        smap: { a: 1 },
        imap: [{ key: 1, value: 'x' }],
        n: null,
        b: true,
        s: 'text',
      },
    ]);
    expect(JSON.parse(formatJson(r))).toEqual(toJsonRows(r));
  });

  test('the text table pads columns, prints NULL, clips long cells and counts rows', async () => {
    const r = await s.query(`SELECT * FROM (VALUES (1, 'a', NULL), (22, '${'x'.repeat(70)}', [1, 2])) AS t(id, name, l)`);
    expect(formatTextTable(r, { maxWidth: 10 })).toBe(
      ['id | name       | l', '---+------------+------', '1  | a          | NULL', `22 | ${'x'.repeat(9)}… | [1,2]`, '(2 rows)'].join('\n'),
    );
    expect(formatTextTable(await s.query('SELECT 1 AS one'), { footer: false })).toBe('one\n---\n1');
  });

  test('SQL errors are INVALID_INPUT with the message of the engine', async () => {
    await expect(s.query('SELECT * FROM no_such_table')).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_INPUT') && /no_such_table/.test((e as Error).message));
  });
});
