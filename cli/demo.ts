/**
 * `npm run demo`: a short tour of lake on `./warehouse`. Every step runs the `lake` command
 * in-process (the same code as `npx lake ...`) and prints the command line before its output:
 * create a table partitioned by day and bucket, commit three batches of generated CSV and NDJSON
 * files, list the snapshots, time-travel to the first, tag it, and query through DuckDB.
 * The demo table (`demo.events`) is dropped and created again on every run.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { openCatalog } from '../catalog/index.js';
import { type CliIO } from './context.js';
import { runCli } from './program.js';
import { snapshotsOldestFirst } from './render.js';

const TABLE = 'demo.events';
const WAREHOUSE = './warehouse';

/** How a shell would need the argument written. */
function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_./=:@%+,-]+$/.test(arg)) return arg;
  if (!/["$`\\!]/.test(arg)) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

const io: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTTY: false,
  env: process.env,
};

/** Runs `lake <args>`, printing the command first; stops the demo on failure. */
async function lake(title: string, args: string[]): Promise<void> {
  // Say which warehouse only when the environment would pick another one.
  const shown = process.env.LAKE_WAREHOUSE !== undefined ? [...args, '--warehouse', WAREHOUSE] : args;
  process.stdout.write(`\n## ${title}\n$ npx lake ${shown.map(shellQuote).join(' ')}\n`);
  const code = await runCli([...args, '--warehouse', WAREHOUSE], io);
  if (code !== 0) {
    process.stderr.write(`demo: the step "${title}" failed with exit code ${code}\n`);
    process.exit(code);
  }
}

/** A small deterministic random sequence, so every run shows the same data. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Row {
  id: number;
  ts: string;
  kind: string;
  amount: number | null;
}

function batch(day: number, firstId: number, count: number, seed: number): Row[] {
  const next = random(seed);
  const kinds = ['view', 'click', 'purchase'];
  return Array.from({ length: count }, (_v, i) => {
    const kind = kinds[Math.floor(next() * kinds.length)]!;
    const seconds = Math.floor(next() * 86_400);
    const ts = new Date(Date.UTC(2026, 0, day, 0, 0, seconds)).toISOString();
    return { id: firstId + i, ts, kind, amount: kind === 'purchase' ? Math.round(next() * 10_000) / 100 : null };
  });
}

async function main(): Promise<void> {
  const input = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-demo-'));
  try {
    const files = [
      { name: 'events-2026-01-01.csv', rows: batch(1, 1, 8, 1) },
      { name: 'events-2026-01-02.ndjson', rows: batch(2, 101, 6, 2) },
      { name: 'events-2026-01-03.csv', rows: batch(3, 201, 7, 3) },
    ];
    for (const f of files) {
      const text = f.name.endsWith('.csv')
        ? ['id,ts,kind,amount', ...f.rows.map((r) => `${r.id},${r.ts},${r.kind},${r.amount ?? ''}`)].join('\n')
        : f.rows.map((r) => JSON.stringify(r)).join('\n');
      await fs.writeFile(path.join(input, f.name), `${text}\n`);
    }
    process.stdout.write(`lake demo: warehouse ${path.resolve(WAREHOUSE)}, input files in ${input}\n`);

    const catalog = openCatalog({ warehouse: WAREHOUSE });
    if (await catalog.tableExists(TABLE)) await lake('Start fresh: drop the demo table from an earlier run', ['drop', TABLE, '--purge']);
    await lake('Create a table partitioned by day(ts) and bucket(4, id)', [
      'create',
      TABLE,
      '--schema',
      'id long not null, ts timestamptz not null, kind string, amount double',
      '--partition',
      'day(ts), bucket(4, id)',
    ]);
    for (const [i, f] of files.entries()) {
      await lake(`Commit batch ${i + 1} (${f.rows.length} rows, ${f.name.endsWith('.csv') ? 'CSV' : 'NDJSON'})`, ['commit', TABLE, path.join(input, f.name)]);
    }
    await lake('List the snapshots', ['snapshots', TABLE]);

    const table = await catalog.loadTable(TABLE);
    const first = snapshotsOldestFirst(table.metadata)[0]!.snapshotId.toString();
    await lake('Time-travel to the first snapshot', ['time-travel', TABLE, '--snapshot', first]);
    await lake('Tag the first snapshot', ['tag', TABLE, 'first-batch', '--snapshot', first]);
    await lake('Query the tagged snapshot with SQL (the table is t)', ['time-travel', TABLE, '--ref', 'first-batch', '--sql', 'SELECT count(*) AS rows, min(ts) AS first, max(ts) AS last FROM t']);
    await lake('Query the current snapshot through DuckDB', [
      'query',
      `SELECT kind, count(*) AS events, round(sum(amount), 2) AS revenue FROM ${TABLE} GROUP BY kind ORDER BY kind`,
    ]);
    await lake('Where the rows went: one file per day and bucket (the files metadata table)', [
      'query',
      `SELECT partition, record_count FROM ${TABLE}$files ORDER BY file_path`,
    ]);
    process.stdout.write(`\nDone. Try: npx lake describe ${TABLE}\n`);
  } finally {
    await fs.rm(input, { recursive: true, force: true });
  }
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
await main();
process.exit(0);
