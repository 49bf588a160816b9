/**
 * P2 commit latency and throughput, and storage requests per append commit.
 *
 *   npm run bench -- --only commit [--smoke] [--latency-runs N] [--latency-rows N]
 *   npm run build && node dist/benchmarks/commit.js [--smoke] ...
 *   npm run build && node dist/benchmarks/commit-minio.js [--smoke] ...   (the same against a local MinIO)
 *
 * On local disk and, when `LAKE_BENCH_S3_WAREHOUSE=s3://bucket/prefix` is set (with the AWS_*
 * variables pointing at the store), on S3 (`commit-minio.js` starts MinIO from `.cache/minio` and
 * sets both):
 * - single small append: one writer appends a small Arrow table (default 100 rows) with
 *   `table.append` (Parquet file written and uploaded, then the commit), 30 times after 3
 *   warm-ups. Side by side, in the same loop and through the same storage backend, the baseline:
 *   a raw PUT then GET of an object as large as the appended data file. Prints median and p95 of
 *   both, the ratio append / raw round trip, and the storage requests per append (the data file
 *   upload included);
 * - contention: N writer processes (default 8) each commit C appends (default 25) of distinct rows
 *   to one table. Reports commits per second over the whole run (first commit start to last commit
 *   end), attempts per commit, and the median number of storage requests per append commit,
 *   contended and for a single writer.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ObjectStoreCatalog } from '../catalog/object-store-catalog.js';
import * as arrow from 'apache-arrow';
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

export interface AppendLatencyOptions {
  /** Measured appends (default 30). */
  runs?: number;
  /** Appends (and round trips) run first and not measured (default 3). */
  warmups?: number;
  /** Rows per append (default 100). */
  rows?: number;
  /** Storage of the warehouse (default: its backend from the environment). */
  storage?: Storage;
}

export interface AppendLatencyResult {
  rows: number;
  /** Size of the appended data files (the raw round trip moves an object of the first one's size). */
  dataFileBytes: number;
  appendMs: number[];
  rawMs: number[];
  /** Storage requests per append, the data file upload included. */
  requests: number[];
  /** The requests of the last append by method, e.g. `{ write: 2, read: 1, ... }`. */
  lastRequestMix: Record<string, number>;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

function smallBatch(first: number, rows: number): arrow.Table {
  return arrow.tableFromArrays({
    id: BigInt64Array.from({ length: rows }, (_, i) => BigInt(first + i)),
    category: Array.from({ length: rows }, (_, i) => `c${(first + i) % 7}`),
    value: Float64Array.from({ length: rows }, (_, i) => (first + i) * 0.5),
  });
}

/**
 * Latency of one small append by a single writer (`table.append`: data file written, uploaded and
 * committed), and side by side the raw PUT + GET of an object of the data file's size through the
 * same storage, alternating which runs first.
 */
export async function smallAppendLatency(warehouse: string, options: AppendLatencyOptions = {}): Promise<AppendLatencyResult> {
  const runs = options.runs ?? 30;
  const warmups = options.warmups ?? 3;
  const rows = options.rows ?? 100;
  const abs = toAbsoluteLocation(warehouse);
  const backend = options.storage ?? storageFor(abs);
  const io = new InstrumentedStorage(backend);
  const catalog = new ObjectStoreCatalog({ warehouse: abs, storage: io });
  await catalog.createNamespace('latency');
  const table = await catalog.createTable('latency.appends', { schema: BENCH_SCHEMA });
  const rawLocation = joinLocation(abs, 'latency-raw', 'object.bin');
  let payload: Uint8Array | undefined;
  const result: AppendLatencyResult = { rows, dataFileBytes: 0, appendMs: [], rawMs: [], requests: [], lastRequestMix: {} };
  for (let i = 0; i < warmups + runs; i++) {
    const measured = i >= warmups;
    const append = async (): Promise<void> => {
      const batch = smallBatch(i * rows, rows);
      const before = io.total;
      const countsBefore = { ...io.counts };
      const t0 = performance.now();
      const written = await table.append(batch);
      const ms = performance.now() - t0;
      if (written.dataFiles.length !== 1) throw new Error(`a ${rows}-row append wrote ${written.dataFiles.length} data files, expected 1`);
      if (payload === undefined) {
        result.dataFileBytes = written.dataFiles[0]!.fileSizeInBytes;
        payload = new Uint8Array(randomBytes(result.dataFileBytes));
      }
      if (measured) {
        result.appendMs.push(ms);
        result.requests.push(io.total - before);
        result.lastRequestMix = {};
        for (const [m, n] of Object.entries(io.counts)) if (n > countsBefore[m as keyof typeof countsBefore]) result.lastRequestMix[m] = n - countsBefore[m as keyof typeof countsBefore];
      }
    };
    const raw = async (): Promise<void> => {
      const t0 = performance.now();
      await backend.write(rawLocation, payload!);
      const back = await backend.read(rawLocation);
      const ms = performance.now() - t0;
      if (back.length !== payload!.length) throw new Error(`raw round trip read ${back.length} bytes, wrote ${payload!.length}`);
      if (measured) result.rawMs.push(ms);
    };
    // the first append sizes the raw object; afterwards each pair starts with the other one in turn
    if (payload === undefined || i % 2 === 0) {
      await append();
      await raw();
    } else {
      await raw();
      await append();
    }
  }
  return result;
}

function latencyLine(label: string, r: AppendLatencyResult): string {
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  const [a50, a95, r50, r95] = [median(r.appendMs), percentile(r.appendMs, 95), median(r.rawMs), percentile(r.rawMs, 95)];
  return (
    `${label}, one ${r.rows}-row append (${r.appendMs.length} runs): median ${ms(a50)}, p95 ${ms(a95)}; ` +
    `raw PUT+GET of ${r.dataFileBytes} bytes: median ${ms(r50)}, p95 ${ms(r95)}; ` +
    `ratio append / raw round trip ${(a50 / r50).toFixed(1)}x median, ${(a95 / r95).toFixed(1)}x p95; ` +
    `storage requests per append ${median(r.requests)} (median, data file upload included; min ${Math.min(...r.requests)}, max ${Math.max(...r.requests)}; last: ${Object.entries(r.lastRequestMix).map(([m, n]) => `${m} ${n}`).join(', ')})`
  );
}

function line(label: string, r: ConcurrentAppendResult, processes: number): string {
  return `${label}: ${processes} processes x ${r.reports[0]?.commits.length ?? 0} appends: ${r.commitsPerSecond.toFixed(1)} commits/s, ${(r.wallMs / 1000).toFixed(1)} s, max attempts ${r.maxAttempts}, failures ${r.failures}, median storage requests per append commit ${r.medianRequests}`;
}

function intFlag(argv: readonly string[], name: string): number | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer`);
  return n;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const smoke = argv.includes('--smoke');
  const processes = smoke ? 2 : 8;
  const commits = smoke ? 3 : 25;
  const latency: AppendLatencyOptions = {
    runs: intFlag(argv, '--latency-runs') ?? (smoke ? 3 : 30),
    warmups: smoke ? 1 : 3,
    rows: intFlag(argv, '--latency-rows') ?? 100,
  };
  const dir = await mkdtemp(join(tmpdir(), 'lake-bench-commit-'));
  try {
    console.log(latencyLine('local disk', await smallAppendLatency(join(dir, 'latency'), latency)));
    const local = await runConcurrentAppends({ warehouse: join(dir, 'wh'), processes, commits, rows: 4 });
    console.log(line('local disk', local, processes));
    console.log(`local disk, one writer: median storage requests per append commit ${await singleWriterRequests(join(dir, 'single'), smoke ? 3 : 20)}`);
    const s3 = process.env.LAKE_BENCH_S3_WAREHOUSE;
    if (s3 !== undefined && s3 !== '') {
      const run = `${s3.replace(/\/+$/, '')}/run-${Date.now()}`;
      console.log(latencyLine('S3', await smallAppendLatency(`${run}-latency`, latency)));
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

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
