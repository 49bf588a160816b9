/**
 * Bad input to `lake` never changes a table: for each kind (wrong column types, a missing required
 * column, missing, unreadable and corrupt input files, an unknown table, snapshot or ref, a bad
 * predicate, files that cannot be added) the command exits with the error's own code, prints ONE
 * line `error <CODE>: <message> — <what to do>` without a stack trace, and the table's folder
 * (metadata and data) is byte-for-byte what it was. `--debug` adds the stack trace.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../cli/errors.js';
import { duckdbConnect } from '../../src/util/duckdb.js';
import { ensureBuilt, expectOneLineError, fingerprint, lakeIn, okIn, tempDir, type RunResult } from './support.js';

let dir: string;
let warehouse: string;
let tableDir: string;
let lake: (...args: string[]) => Promise<RunResult>;
let firstSnapshot: string;

async function write(name: string, text: string | Uint8Array): Promise<string> {
  const p = path.join(dir, name);
  await fs.writeFile(p, text);
  return p;
}

beforeAll(async () => {
  await ensureBuilt();
  dir = await tempDir('lake-cli-bad-');
  warehouse = path.join(dir, 'wh');
  tableDir = path.join(warehouse, 'db', 't');
  lake = lakeIn(warehouse);
  const ok = okIn(warehouse);
  await ok('create', 'db.t', '--schema', 'id long not null, ts timestamptz, n int, s string', '--partition', 'day(ts)');
  const out = await ok('commit', 'db.t', await write('good.csv', 'id,ts,n,s\n1,2026-01-01T00:00:00Z,1,a\n2,2026-01-02T00:00:00Z,2,b\n'), '--json');
  firstSnapshot = (JSON.parse(out) as { 'snapshot-id': string })['snapshot-id'];
}, 300_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Runs a failing command and checks the error line, the exit code, and that the table is untouched. */
async function refused(code: keyof typeof EXIT_CODES, message: RegExp, ...args: string[]): Promise<RunResult> {
  const before = await fingerprint(tableDir);
  const r = await lake(...args);
  expect(r.code, r.stderr).toBe(EXIT_CODES[code]);
  expectOneLineError(r, code);
  expect(r.stderr).toMatch(message);
  expect(r.stdout).toBe('');
  expect(await fingerprint(tableDir)).toEqual(before);
  return r;
}

describe('bad input leaves the table byte-for-byte unchanged', () => {
  it('wrong column types (CSV, NDJSON and Parquet)', async () => {
    await refused('INVALID_INPUT', /column n of input file .*types\.csv has values that are not INTEGER \(e\.g\. x\)/, 'commit', 'db.t', await write('types.csv', 'id,ts,n,s\n3,2026-01-01T00:00:00Z,x,c\n'));
    await refused('INVALID_INPUT', /id|ts/, 'commit', 'db.t', await write('types.ndjson', '{"id": 4, "ts": "not a time"}\n'));
    const pq = path.join(dir, 'types.parquet');
    const conn = await duckdbConnect();
    try {
      await conn.run(`COPY (SELECT 'five' AS id) TO '${pq}' (FORMAT parquet)`);
    } finally {
      conn.closeSync();
    }
    await refused('INVALID_INPUT', /\bid\b/, 'commit', 'db.t', pq);
  });

  it('a missing required column', async () => {
    await refused('INVALID_INPUT', /\bid\b.*required|required.*\bid\b/i, 'commit', 'db.t', await write('noid.csv', 'ts,n,s\n2026-01-01T00:00:00Z,3,c\n'));
    await refused('INVALID_INPUT', /\bid\b/, 'commit', 'db.t', await write('nullid.csv', 'id,ts,n,s\n,2026-01-01T00:00:00Z,3,c\n'));
  });

  it('missing, unreadable and corrupt input files', async () => {
    await refused('INVALID_INPUT', /input file .*nope\.csv does not exist/, 'commit', 'db.t', path.join(dir, 'nope.csv'));
    await refused('INVALID_INPUT', /is not a file/, 'commit', 'db.t', await fs.mkdir(path.join(dir, 'folder.csv'), { recursive: true }).then(() => path.join(dir, 'folder.csv')));
    await refused('INVALID_INPUT', /corrupt\.parquet cannot be read as parquet/, 'commit', 'db.t', await write('corrupt.parquet', new Uint8Array([80, 65, 82, 49, 1, 2, 3, 4, 5])));
    await refused('INVALID_INPUT', /format of .*\.xyz/, 'commit', 'db.t', await write('data.xyz', 'id\n1\n'));
    // one good file and one missing file: nothing at all is committed
    await refused('INVALID_INPUT', /missing\.csv does not exist/, 'commit', 'db.t', await write('good2.csv', 'id\n5\n'), path.join(dir, 'missing.csv'));
  });

  it('an unknown table, snapshot or ref', async () => {
    await refused('TABLE_NOT_FOUND', /db\.nope/, 'commit', 'db.nope', await write('ok.csv', 'id\n9\n'));
    await refused('TABLE_NOT_FOUND', /db\.nope/, 'time-travel', 'db.nope', '--snapshot', firstSnapshot);
    await refused('SNAPSHOT_NOT_FOUND', /snapshot 12345 does not exist/, 'time-travel', 'db.t', '--snapshot', '12345');
    await refused('SNAPSHOT_NOT_FOUND', /snapshot 12345 does not exist/, 'tag', 'db.t', 'v1', '--snapshot', '12345');
    await refused('SNAPSHOT_NOT_FOUND', /snapshot 12345 does not exist/, 'rollback', 'db.t', '--snapshot', '12345');
    await refused('SNAPSHOT_NOT_FOUND', /no snapshot as of 1970/, 'rollback', 'db.t', '--as-of', '0');
    await refused('REF_NOT_FOUND', /no branch or tag named "nope"/, 'time-travel', 'db.t', '--ref', 'nope');
    await refused('REF_NOT_FOUND', /tag nope does not exist/, 'tag', 'db.t', 'nope', '--drop');
    await refused('INVALID_INPUT', /snapshot id must be an integer/, 'time-travel', 'db.t', '--snapshot', 'abc');
    await refused('INVALID_IDENTIFIER', /.+/, 'describe', 'db..t');
  });

  it('a bad predicate', async () => {
    const data = await write('new.csv', 'id,ts,n,s\n7,2026-01-01T00:00:00Z,7,g\n');
    await refused('INVALID_INPUT', /nope/, 'commit', 'db.t', data, '--mode', 'overwrite', '--where', 'nope = 1');
    await refused('INVALID_INPUT', /.+/, 'commit', 'db.t', data, '--mode', 'overwrite', '--where', 'n = = 1');
    await refused('INVALID_INPUT', /.+/, 'commit', 'db.t', data, '--mode', 'overwrite', '--where', "n = 'text'");
    await refused('INVALID_INPUT', /use it with mode overwrite/, 'commit', 'db.t', data, '--where', 'n = 1');
  });

  it('files that cannot be added as they are', async () => {
    const pq = path.join(dir, 'wrong-type.parquet');
    const conn = await duckdbConnect();
    try {
      await conn.run(`COPY (SELECT 'x' AS id, TIMESTAMPTZ '2026-01-01 00:00:00+00' AS ts) TO '${pq}' (FORMAT parquet)`);
    } finally {
      conn.closeSync();
    }
    await refused('INVALID_INPUT', /cannot add .*wrong-type\.parquet: column id/, 'commit', 'db.t', pq, '--add-files');
    await refused('INVALID_INPUT', /only Parquet files can be added/, 'commit', 'db.t', await write('add.csv', 'id\n1\n'), '--add-files', '--format', 'csv');
  });

  it('command-line mistakes are USAGE errors', async () => {
    await refused('USAGE', /option '--mode <mode>' argument 'replace' is invalid/, 'commit', 'db.t', 'x.csv', '--mode', 'replace');
    await refused('USAGE', /unknown option '--frobnicate'/, 'snapshots', 'db.t', '--frobnicate');
    await refused('USAGE', /missing required argument 'files'/, 'commit', 'db.t');
    await refused('INVALID_INPUT', /exactly one of --snapshot, --as-of and --ref/, 'time-travel', 'db.t');
  });

  it('--debug adds the stack trace after the error line', async () => {
    const r = await lake('time-travel', 'db.t', '--snapshot', '12345', '--debug');
    expect(r.code).toBe(EXIT_CODES.SNAPSHOT_NOT_FOUND);
    const lines = r.stderr.split('\n');
    expect(lines[0]).toMatch(/^error SNAPSHOT_NOT_FOUND: /);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  it('the table still reads as before', async () => {
    const r = await lake('query', 'SELECT id, n, s FROM db.t ORDER BY id', '--json');
    expect(JSON.parse(r.stdout)).toEqual([
      { id: 1, n: 1, s: 'a' },
      { id: 2, n: 2, s: 'b' },
    ]);
  });
});
