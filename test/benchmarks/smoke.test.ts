/**
 * The benchmarks still run: `node dist/benchmarks/main.js --smoke` (built by `npm test`'s pretest)
 * runs P1-P4 in their tiny mode. This checks that each one completes and that its peers agree on
 * what was measured (same rows, same files planned); it asserts no timing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const main = path.join(root, 'dist', 'benchmarks', 'main.js');

let out = '';

beforeAll(async () => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run the build first (npm test builds it)`);
  const r = await run(process.execPath, [main, '--smoke'], { cwd: root, maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
  out = r.stdout;
}, 660_000);

const lines = () => out.split('\n');

describe('benchmarks in smoke mode', () => {
  it('every benchmark ran to its end', () => {
    for (const name of ['append', 'commit', 'planning', 'scan']) expect(out).toMatch(new RegExp(`^\\(${name}: [\\d.]+ s\\)$`, 'm'));
  });

  it('P1: each variant wrote every row, and lake is compared with DuckDB and PyIceberg', () => {
    // "<variant> <partitioning>" -> files written
    const files = new Map(
      lines()
        .filter((l) => /^(duckdb|lake-arrow(-any)?|lake-parquet|pyiceberg)\s+(none|day)\s+\d+/.test(l))
        .map((l) => {
          const [variant, partitioning, , , written] = l.trim().split(/\s+/);
          return [`${variant} ${partitioning}`, Number(written)] as const;
        }),
    );
    for (const v of ['duckdb', 'lake-arrow', 'lake-arrow-any', 'lake-parquet', 'pyiceberg']) expect(files.get(`${v} none`)).toBe(1);
    // by day: the same number of partitions for every writer
    expect(files.get('duckdb day')).toBeGreaterThan(1);
    for (const v of ['lake-arrow', 'lake-parquet', 'pyiceberg']) expect(files.get(`${v} day`)).toBe(files.get('duckdb day'));
    expect(out).toMatch(/lake-arrow \/ pyiceberg \(none\): [\d.]+x/);
  });

  it('P2: concurrent commits finished without failures and report storage requests per commit', () => {
    const latency = lines().find((l) => l.startsWith('local disk, one 100-row append'))!;
    expect(latency).toMatch(/ratio append \/ raw round trip [\d.]+x median/);
    expect(Number(/storage requests per append (\d+)/.exec(latency)![1])).toBeGreaterThan(0);
    const line = lines().find((l) => l.startsWith('local disk: '))!;
    expect(line).toMatch(/failures 0/);
    expect(line).toMatch(/median storage requests per append commit \d+/);
  });

  it('P3: lake and PyIceberg plan the same files, with and without the filter', () => {
    const plans = lines().filter((l) => /^\s+.+lake .+ files\).+PyIceberg .+ files\)/.test(l));
    expect(plans).toHaveLength(2);
    for (const l of plans) {
      const counts = [...l.matchAll(/, (\d+) files\)/g)].map((m) => Number(m[1]));
      expect(counts).toHaveLength(2);
      expect(counts[0]).toBe(counts[1]);
    }
    expect(out).not.toContain('FILE COUNTS DIFFER');
  });

  it('P4: the delete snapshot reads exactly the rows left after its deletes, on narrow and wide tables', () => {
    const head = /P4 scan: (\d+) rows in \d+ Parquet files; the delete snapshot removes (\d+) rows/.exec(out)!;
    const [rows, deleted] = [Number(head[1]), Number(head[2])];
    expect(deleted).toBeGreaterThan(0);
    const rowsOf = (snapshot: string) => lines().filter((l) => l.trim().startsWith(snapshot)).map((l) => Number(/rows\s+(\d+)/.exec(l)![1]));
    expect(rowsOf('no deletes')).toEqual([rows, rows]);
    expect(rowsOf('1% position-deleted')).toEqual([rows - deleted, rows - deleted]);
  });
});
