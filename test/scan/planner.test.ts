/**
 * Scan planning with filters: partition pruning (manifest summaries, inclusive projection through
 * identity, day, bucket transforms, across partition evolution and renames), metrics pruning, the
 * plan's counts, residuals, projection and filter forms. Where the data allows, the files a
 * plan keeps are checked against the files that really hold matching rows (DuckDB over each file).
 */
import { describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { bind, equal, expressionToString, parsePredicate } from '../../src/expressions/index.js';
import { planScan } from '../../src/scan/planner.js';
import { filesWithMatchingRows } from './oracle.js';
import { loadCorpusCase } from './support.js';

async function plan(name: string, filter?: string) {
  const c = loadCorpusCase(name);
  return planScan({ metadata: c.metadata, io: c.io, ...(filter === undefined ? {} : { filter }) });
}

/** Plans with the filter and checks the kept files are exactly those holding matching rows. */
async function exactPruning(name: string, filter: string, sql: string = filter) {
  const all = await plan(name);
  const p = await plan(name, filter);
  const kept = p.tasks.map((t) => t.dataFile.filePath).sort();
  expect(kept).toEqual(await filesWithMatchingRows(all, sql));
  expect(p.stats.dataFilesSelected).toBe(kept.length);
  expect(p.stats.dataFilesTotal - p.stats.dataFilesPrunedByPartition! - p.stats.dataFilesPrunedByMetrics!).toBe(kept.length);
  return p;
}

describe('pruning on corpus tables', () => {
  test('duckdb-uuid: uuid = 1571effb-... keeps one file of 5 rows (metrics)', async () => {
    const p = await exactPruning('duckdb-uuid', "uuid = '1571effb-facd-42a3-90e9-0af522e9b6c2'");
    expect(p.tasks.length).toBe(1);
    expect(p.tasks[0]!.dataFile.recordCount).toBe(5);
    expect(p.stats.dataFilesTotal).toBe(2);
    expect(p.stats.dataFilesPrunedByMetrics).toBe(1);
  });

  test('trino-identity-int-date: identity partitions on int and date', async () => {
    let p = await exactPruning('trino-identity-int-date', 'c1 = 1');
    expect([p.tasks.length, p.stats.dataFilesPrunedByPartition]).toEqual([4, 2]);
    p = await exactPruning('trino-identity-int-date', "c2 = '2025-03-03'");
    expect(p.tasks.length).toBe(2);
    p = await exactPruning('trino-identity-int-date', "c1 = 2 AND c2 > '2025-03-03'");
    expect(p.tasks.length).toBe(1);
    p = await exactPruning('trino-identity-int-date', "c1 IN (1, 2) OR c2 < '2025-03-02'");
    expect(p.tasks.length).toBe(6);
    p = await exactPruning('trino-identity-int-date', "NOT (c2 <= '2025-03-04')");
    expect(p.tasks.length).toBe(1);
  });

  test('trino-identity-int-date: a value outside the manifest summaries skips the manifest unread', async () => {
    const p = await plan('trino-identity-int-date', 'c1 = 3');
    expect(p.tasks).toEqual([]);
    expect(p.stats.dataManifestsTotal).toBe(1);
    expect(p.stats.dataManifestsScanned).toBe(0);
    expect(p.stats.dataFilesTotal).toBe(0);
  });

  test('trino-day-timestamptz: day(ts) projection, null partition', async () => {
    let p = await exactPruning('trino-day-timestamptz', "c2 >= '2025-03-03T00:00:00+00:00' AND c2 < '2025-03-04T00:00:00+00:00'");
    expect(p.tasks.map((t) => t.dataFile.partition)).toEqual([[20150]]);
    p = await exactPruning('trino-day-timestamptz', 'c2 IS NULL');
    expect(p.tasks.map((t) => t.dataFile.partition)).toEqual([[null]]);
    p = await exactPruning('trino-day-timestamptz', 'c2 IS NOT NULL');
    expect(p.tasks.length).toBe(2);
  });

  test('trino-partition-evolution: files of both specs are pruned, each with its own spec', async () => {
    let p = await exactPruning('trino-partition-evolution', 'c3 = 2.0');
    expect(p.tasks.length).toBeGreaterThanOrEqual(1);
    p = await exactPruning('trino-partition-evolution', "c1 = 2 AND c2 = '2025-03-04'");
    expect(p.tasks.length).toBe(1);
  });

  test('duckdb-partition-evolution-date-string: the old-spec manifest is skipped by its summary', async () => {
    const p = await exactPruning('duckdb-partition-evolution-date-string', "event_date = '2024-01-04'");
    expect(p.tasks.length).toBe(2);
    expect(p.stats.dataManifestsTotal).toBe(2);
    expect(p.stats.dataManifestsScanned).toBe(1);
    const q = await exactPruning('duckdb-partition-evolution-date-string', "event_type = 'view'");
    expect(q.tasks.length).toBe(2);
  });

  test('duckdb-all-null-file: IS NULL / IS NOT NULL prune by null counts', async () => {
    let p = await exactPruning('duckdb-all-null-file', 'value IS NOT NULL');
    expect([p.tasks.length, p.stats.dataFilesPrunedByMetrics]).toEqual([2, 1]);
    p = await exactPruning('duckdb-all-null-file', 'value IS NULL');
    expect([p.tasks.length, p.stats.dataFilesPrunedByMetrics]).toEqual([2, 1]);
  });

  test('duckdb-v1-deprecated-fields: a v1 snapshot listing manifests directly is planned and pruned', async () => {
    const c = loadCorpusCase('duckdb-v1-deprecated-fields');
    expect(c.metadata.snapshots[0]!.manifestList).toBeUndefined();
    const p = await plan('duckdb-v1-deprecated-fields', "category = 'beta'");
    expect(p.tasks.map((t) => [t.dataFile.partition, t.dataFile.recordCount, t.dataSequenceNumber])).toEqual([[['beta'], 1, 0n]]);
    expect(p.stats.dataFilesPrunedByPartition).toBe(1);
  });

  test('icebird-spark-rename-column: a renamed partition source column filters by field id; bucket projection', async () => {
    let p = await plan('icebird-spark-rename-column', "event_date = '2022-01-01'");
    expect(p.tasks.map((t) => t.dataFile.recordCount)).toEqual([2]);
    expect(p.stats.dataFilesPrunedByPartition).toBe(2);
    p = await plan('icebird-spark-rename-column', 'event_date IS NULL');
    expect(p.tasks.map((t) => t.dataFile.partition[1])).toEqual([null]);
    // bucket[4](id): the file whose rows have id 4 is the only candidate for id = 4
    const all = await plan('icebird-spark-rename-column');
    const holding4 = await filesWithMatchingRows(all, 'id = 4');
    p = await plan('icebird-spark-rename-column', 'id = 4');
    expect(p.tasks.map((t) => t.dataFile.filePath)).toEqual(holding4);
  });
});

describe('plan shape', () => {
  test('residuals drop what the partition decides', async () => {
    const p = await plan('trino-identity-int-date', 'c1 = 1 AND c3 > 0');
    expect(p.tasks.length).toBe(4);
    for (const t of p.tasks) expect(expressionToString(t.residual)).toBe(expressionToString(bind(parsePredicate('c3 > 0'), p.schema)));
    const none = await plan('trino-identity-int-date');
    for (const t of none.tasks) expect(t.residual).toEqual({ op: 'true' });
  });

  test('filters as text, unbound or bound expressions give the same plan', async () => {
    const c = loadCorpusCase('trino-identity-int-date');
    const schema = c.metadata.schemas[0]!;
    const a = await planScan({ metadata: c.metadata, io: c.io, filter: 'c1 = 2' });
    const b = await planScan({ metadata: c.metadata, io: c.io, filter: equal('c1', 2) });
    const d = await planScan({ metadata: c.metadata, io: c.io, filter: bind(equal('c1', 2), schema) });
    const paths = (p: typeof a) => p.tasks.map((t) => t.dataFile.filePath);
    expect(paths(b)).toEqual(paths(a));
    expect(paths(d)).toEqual(paths(a));
    expect(paths(a).length).toBe(2);
  });

  test('column projection by name, case sensitivity, unknown columns', async () => {
    const c = loadCorpusCase('trino-identity-int-date');
    const p = await planScan({ metadata: c.metadata, io: c.io, columns: ['c3', 'c1'] });
    expect(p.projectedFieldIds).toEqual([3, 1]);
    expect((await planScan({ metadata: c.metadata, io: c.io })).projectedFieldIds).toEqual([1, 2, 3]);
    await expect(planScan({ metadata: c.metadata, io: c.io, columns: ['C1'] })).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_INPUT'));
    expect((await planScan({ metadata: c.metadata, io: c.io, columns: ['C1'], caseSensitive: false })).projectedFieldIds).toEqual([1]);
    expect((await planScan({ metadata: c.metadata, io: c.io, filter: 'C1 = 1', caseSensitive: false })).tasks.length).toBe(4);
    await expect(planScan({ metadata: c.metadata, io: c.io, filter: 'nope = 1' })).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_INPUT'));
  });

  test('nested columns project by dotted path', async () => {
    const c = loadCorpusCase('spark-map-struct');
    const p = await planScan({ metadata: c.metadata, io: c.io, columns: ['col1.nested_string'] });
    expect(p.projectedFieldIds.length).toBe(1);
    expect(p.schema.fields.find((f) => f.name === 'col1')).toBeDefined();
  });

  test('a filter that is always false plans nothing and reads nothing', async () => {
    const c = loadCorpusCase('trino-identity-int-date');
    let reads = 0;
    const io = c.io;
    const counting = Object.create(io) as typeof io;
    counting.read = async (p: string) => (reads++, io.read(p));
    const p = await planScan({ metadata: c.metadata, io: counting, filter: 'c1 IS NULL AND c1 IS NOT NULL' });
    expect(p.tasks).toEqual([]);
    expect(reads).toBeLessThanOrEqual(1);
  });

  test('manifests are read with bounded concurrency and each once', async () => {
    const c = loadCorpusCase('duckdb-all-null-file');
    const seen: string[] = [];
    let active = 0;
    let peak = 0;
    const io = c.io;
    const counting = Object.create(io) as typeof io;
    counting.read = async (p: string) => {
      seen.push(p);
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      try {
        return await io.read(p);
      } finally {
        active--;
      }
    };
    const p = await planScan({ metadata: c.metadata, io: counting, concurrency: 2 });
    expect(p.tasks.length).toBe(3);
    expect(peak).toBeLessThanOrEqual(2);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(1 + p.stats.manifestsScanned);
  });
});
