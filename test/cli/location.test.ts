/**
 * Read commands on a table given by its location (a folder or one metadata file) rather than a
 * catalog name, including a table whose files were moved: copied elsewhere, the original deleted,
 * and read with `--path-remap FROM=TO`.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, expectOneLineError, okIn, runLake, tempDir } from './support.js';

let dir: string;
let original: string;
let moved: string;
let ids: string[];

beforeAll(async () => {
  await ensureBuilt();
  dir = await tempDir('lake-cli-location-');
  const warehouse = path.join(dir, 'wh');
  const ok = okIn(warehouse);
  await ok('create', 'db.t', '--schema', 'id long not null, day date, s string', '--partition', 'day');
  ids = [];
  for (const [i, rows] of [['1,2026-01-01,a', '2,2026-01-02,b'], ['3,2026-01-02,c']].entries()) {
    const f = path.join(dir, `in${i}.csv`);
    await fs.writeFile(f, ['id,day,s', ...rows].join('\n') + '\n');
    ids.push((JSON.parse(await ok('commit', 'db.t', f, '--json')) as { 'snapshot-id': string })['snapshot-id']);
  }
  await ok('tag', 'db.t', 'first', '--snapshot', ids[0]!);
  // Move the table: copy its folder elsewhere and delete the original.
  original = path.join(warehouse, 'db', 't');
  moved = path.join(dir, 'elsewhere', 't-copy');
  await fs.cp(original, moved, { recursive: true });
  await fs.rm(warehouse, { recursive: true, force: true });
}, 300_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const remap = (): string[] => ['--path-remap', `${original}=${moved}`];

describe('reading a table by location', () => {
  it('metadata commands read the moved folder or one metadata file as it is', async () => {
    const snapshots = JSON.parse((await runLake(['snapshots', moved, '--json'])).stdout) as { 'snapshot-id': string }[];
    expect(snapshots.map((s) => s['snapshot-id'])).toEqual(ids);
    const d = JSON.parse((await runLake(['describe', path.join(moved, 'metadata', 'v4.metadata.json'), '--json'])).stdout) as { table: string; location: string; refs: Record<string, unknown> };
    // v4 = create, two commits, the tag
    expect(d.location).toBe(original);
    expect(Object.keys(d.refs).sort()).toEqual(['first', 'main']);
    const text = (await runLake(['describe', moved])).stdout;
    expect(text.split('\n')[0]).toBe(`table ${moved}`);
  });

  it('time-travel reads the moved files through --path-remap, by id, tag and time', async () => {
    const rows = await runLake(['time-travel', moved, '--snapshot', ids[0]!, '--json', ...remap()]);
    expect(rows.code, rows.stderr).toBe(0);
    expect(JSON.parse(rows.stdout).sort((a: { id: number }, b: { id: number }) => a.id - b.id)).toEqual([
      { id: 1, day: '2026-01-01', s: 'a' },
      { id: 2, day: '2026-01-02', s: 'b' },
    ]);
    const byTag = await runLake(['time-travel', moved, '--ref', 'first', '--sql', 'SELECT count(*) AS n FROM t', '--json', ...remap()]);
    expect(JSON.parse(byTag.stdout)).toEqual([{ n: 2 }]);
    const now = await runLake(['time-travel', path.join(moved, 'metadata', 'v4.metadata.json'), '--as-of', String(Date.now()), '--sql', 'SELECT sum(id) AS s FROM t', '--json', ...remap()]);
    expect(JSON.parse(now.stdout)).toEqual([{ s: 6 }]);
  });

  it('without the remap the moved data files are missing: one clear error', async () => {
    const r = await runLake(['time-travel', moved, '--ref', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(original);
    expect(r.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error [A-Z_]+: /);
  });

  it('a location without a table, and writes to a location, are refused', async () => {
    const none = await runLake(['snapshots', path.join(dir, 'nothing-here')]);
    expect(none.code).toBe(5);
    expectOneLineError(none, 'TABLE_NOT_FOUND');
    const f = path.join(dir, 'w.csv');
    await fs.writeFile(f, 'id,day,s\n9,2026-01-09,z\n');
    const write = await runLake(['commit', moved, f]);
    expect(write.code).toBe(19);
    expectOneLineError(write, 'UNSUPPORTED_FEATURE');
    expect(write.stderr).toMatch(/read-only/);
  });
});
