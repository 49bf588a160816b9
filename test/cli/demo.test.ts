/**
 * `npm run demo` (the built `cli/demo.js`) in a fresh working directory: every step prints its
 * `npx lake` command line and output, the table lands in ./warehouse, and a second run starts over
 * (drops and recreates the demo table) with the same result.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoJs, ensureBuilt, okIn, runNode, tempDir } from './support.js';

let cwd: string;

beforeAll(async () => {
  await ensureBuilt();
  cwd = await tempDir('lake-demo-test-');
}, 300_000);

afterAll(async () => {
  await fs.rm(cwd, { recursive: true, force: true });
});

const STEPS = [
  /^\$ npx lake create demo\.events --schema "id long not null, ts timestamptz not null, kind string, amount double" --partition "day\(ts\), bucket\(4, id\)"$/,
  /^\$ npx lake commit demo\.events \S+events-2026-01-01\.csv$/,
  /^\$ npx lake commit demo\.events \S+events-2026-01-02\.ndjson$/,
  /^\$ npx lake commit demo\.events \S+events-2026-01-03\.csv$/,
  /^\$ npx lake snapshots demo\.events$/,
  /^\$ npx lake time-travel demo\.events --snapshot -?\d+$/,
  /^\$ npx lake tag demo\.events first-batch --snapshot -?\d+$/,
  /^\$ npx lake time-travel demo\.events --ref first-batch --sql "SELECT count\(\*\) AS rows, .* FROM t"$/,
  /^\$ npx lake query "SELECT kind, count\(\*\) AS events, .* FROM demo\.events GROUP BY kind ORDER BY kind"$/,
  /^\$ npx lake query 'SELECT partition, record_count FROM demo\.events\$files ORDER BY file_path'$/,
];

function commandLines(out: string): string[] {
  return out.split('\n').filter((l) => l.startsWith('$ npx lake'));
}

describe('npm run demo', () => {
  it('runs every step on ./warehouse, printing each command line', async () => {
    const r = await runNode([demoJs()], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = commandLines(r.stdout);
    expect(lines).toHaveLength(STEPS.length);
    STEPS.forEach((re, i) => expect(lines[i]).toMatch(re));
    expect(r.stdout).toContain('8 records in');
    expect(r.stdout).toMatch(/\(8 rows\)/); // the first snapshot
    expect(r.stdout).toMatch(/^rows \| first/m);
    // the table is a real table in ./warehouse that the CLI reads
    const snapshots = JSON.parse(await okIn(path.join(cwd, 'warehouse'))('snapshots', 'demo.events', '--json')) as unknown[];
    expect(snapshots).toHaveLength(3);
  });

  it('starts over on a second run', async () => {
    const r = await runNode([demoJs()], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const lines = commandLines(r.stdout);
    expect(lines[0]).toBe('$ npx lake drop demo.events --purge');
    STEPS.forEach((re, i) => expect(lines[i + 1]).toMatch(re));
    const ok = okIn(path.join(cwd, 'warehouse'));
    expect(JSON.parse(await ok('snapshots', 'demo.events', '--json'))).toHaveLength(3);
    expect(JSON.parse(await ok('query', 'SELECT count(*) AS n FROM demo.events', '--json'))).toEqual([{ n: 21 }]);
  });
});
