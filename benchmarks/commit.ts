/**
 * Commit throughput under contention, and storage requests per append commit.
 *
 *   npm run build && node -e "import('./dist/benchmarks/commit.js').then(m => m.main([]))"
 *
 * Runs N writer processes (default 8) that each commit C appends (default 25) of distinct rows to
 * one table, on local disk and, when `LAKE_BENCH_S3_WAREHOUSE=s3://bucket/prefix` is set (with the
 * AWS_* variables pointing at the store), on S3. Reports commits per second over the whole run
 * (first commit start to last commit end), attempts per commit, and the median number of storage
 * requests per append commit, contended and for a single writer.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ObjectStoreCatalog } from '../catalog/object-store-catalog.js';
import type { Schema } from '../src/spec/schema.js';
import { InstrumentedStorage } from '../src/storage/instrumented.js';
import { joinLocation, toAbsoluteLocation } from '../src/storage/location.js';
import type { Storage } from '../src/storage/storage.js';
import { storageFor } from '../src/storage/storage-for.js';
import { type DataFile, FileContent } from '../src/spec/data-file.js';
import type { WorkerReport } from './commit-worker.js';

export const BENCH_SCHEMA: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'id', required: true, type: { kind: 'long' } },
    { id: 2, name: 'category', required: false, type: { kind: 'string' } },
    { id: 3, name: 'value', required: false, type: { kind: 'double' } },
  ],
};

/** The compiled worker script (the benchmarks are compiled to dist/ by tsc). */
export function workerScript(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, 'commit-worker.js');
  if (existsSync(sibling)) return sibling;
  return resolve(here, '..', 'dist', 'benchmarks', 'commit-worker.js');
}

export interface ConcurrentAppendOptions {
  warehouse: string;
  /** Default `bench.appends`. */
  table?: string;
  processes: number;
  commits: number;
  rows: number;
  /** Extra environment of the writer processes (AWS_* for S3). */
  env?: Record<string, string>;
  /** Storage for creating the table (default: the warehouse's backend from the environment). */
  storage?: Storage;
}

export interface ConcurrentAppendResult {
  table: string;
  reports: WorkerReport[];
  wallMs: number;
  commitsPerSecond: number;
  medianRequests: number;
  maxAttempts: number;
  failures: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function createTable(warehouse: string, table: string, storage?: Storage): Promise<void> {
  const catalog = new ObjectStoreCatalog(storage === undefined ? { warehouse } : { warehouse, storage });
  const ns = table.split('.').slice(0, -1);
  if (!(await catalog.namespaceExists(ns))) await catalog.createNamespace(ns);
  await catalog.createTable(table, { schema: BENCH_SCHEMA });
}

function runWorker(script: string, args: string[], env: Record<string, string>): Promise<WorkerReport> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`writer ${args[2]} exited with ${code}: ${err.trim()}`));
      try {
        resolvePromise(JSON.parse(out.trim().split('\n').pop()!) as WorkerReport);
      } catch {
        reject(new Error(`writer ${args[2]} printed no report: ${out}${err}`));
      }
    });
  });
}

/** Creates the table, runs the writer processes at once, and summarises their reports. */
export async function runConcurrentAppends(options: ConcurrentAppendOptions): Promise<ConcurrentAppendResult> {
  const table = options.table ?? 'bench.appends';
  const warehouse = toAbsoluteLocation(options.warehouse);
  await createTable(warehouse, table, options.storage);
  const script = workerScript();
  if (!existsSync(script)) throw new Error(`${script} is missing: build first (npm run build)`);
  const reports = await Promise.all(
    Array.from({ length: options.processes }, (_, w) =>
      runWorker(script, [warehouse, table, String(w), String(options.commits), String(options.rows)], options.env ?? {}),
    ),
  );
  const commits = reports.flatMap((r) => r.commits);
  const start = Math.min(...commits.map((c) => c.startMs));
  const end = Math.max(...commits.map((c) => c.endMs));
  const wallMs = Math.max(1, end - start);
  return {
    table,
    reports,
    wallMs,
    commitsPerSecond: (commits.length * 1000) / wallMs,
    medianRequests: median(commits.map((c) => c.requests)),
    maxAttempts: Math.max(0, ...commits.map((c) => c.attempts)),
    failures: reports.reduce((n, r) => n + r.failures.length, 0),
  };
}

/** Median storage requests of `commits` appends by one writer in this process (no contention). */
export async function singleWriterRequests(warehouse: string, commits: number, storage?: Storage): Promise<number> {
  const abs = toAbsoluteLocation(warehouse);
  const io = new InstrumentedStorage(storage ?? storageFor(abs));
  const catalog = new ObjectStoreCatalog({ warehouse: abs, storage: io });
  await catalog.createNamespace('single');
  const t = await catalog.createTable('single.appends', { schema: BENCH_SCHEMA });
  const counts: number[] = [];
  for (let i = 0; i < commits; i++) {
    const file: DataFile = {
      content: FileContent.DATA,
      filePath: joinLocation(t.location, 'data', `f${i}.parquet`),
      fileFormat: 'PARQUET',
      specId: 0,
      partition: [],
      recordCount: 10,
      fileSizeInBytes: 1000,
    };
    const before = io.total;
    await t.newAppend().appendFile(file).commit();
    counts.push(io.total - before);
  }
  return median(counts);
}

function line(label: string, r: ConcurrentAppendResult, processes: number): string {
  return `${label}: ${processes} processes x ${r.reports[0]?.commits.length ?? 0} appends: ${r.commitsPerSecond.toFixed(1)} commits/s, ${(r.wallMs / 1000).toFixed(1)} s, max attempts ${r.maxAttempts}, failures ${r.failures}, median storage requests per append commit ${r.medianRequests}`;
}

export async function main(argv: readonly string[]): Promise<void> {
  const smoke = argv.includes('--smoke');
  const processes = smoke ? 2 : 8;
  const commits = smoke ? 3 : 25;
  const dir = await mkdtemp(join(tmpdir(), 'lake-bench-commit-'));
  try {
    const local = await runConcurrentAppends({ warehouse: join(dir, 'wh'), processes, commits, rows: 4 });
    console.log(line('local disk', local, processes));
    console.log(`local disk, one writer: median storage requests per append commit ${await singleWriterRequests(join(dir, 'single'), smoke ? 3 : 20)}`);
    const s3 = process.env.LAKE_BENCH_S3_WAREHOUSE;
    if (s3 !== undefined && s3 !== '') {
      const run = `${s3.replace(/\/+$/, '')}/run-${Date.now()}`;
      const remote = await runConcurrentAppends({ warehouse: run, processes, commits, rows: 4 });
      console.log(line('S3', remote, processes));
      console.log(`S3, one writer: median storage requests per append commit ${await singleWriterRequests(`${run}-single`, smoke ? 3 : 20)}`);
    } else {
      console.log('S3: skipped (set LAKE_BENCH_S3_WAREHOUSE=s3://bucket/prefix and the AWS_* variables to measure it)');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
