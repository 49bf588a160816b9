/**
 * P3: scan planning of a large table, lake vs PyIceberg's `plan_files` on the same table in the
 * same run.
 *
 * The table is synthesized on local disk with lake's manifest writer: format v2, partitioned by
 * day(ts), one manifest per day (as daily appends leave them), 100 data files per manifest with
 * realistic metrics (value/null/NaN counts, column sizes and bounds for four columns). Plans:
 * no filter (every file), and a selective partition filter (one day: one manifest of 1000).
 *
 * Run: `npm run bench` (all benchmarks), or after `npm run build`:
 * `node dist/benchmarks/planning.js [--smoke]` (smoke: 10 manifests of 10 files).
 * PyIceberg is taken from `.cache/venv` (created by `npm test`'s global setup); without it the
 * lake figures are printed alone.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeManifest, writeManifestList } from '../src/manifest/index.js';
import { FileIO } from '../src/scan/file-io.js';
import { planScan } from '../src/scan/planner.js';
import { type DataFile, EntryStatus, FileContent, type ManifestEntry, type ManifestFile } from '../src/spec/data-file.js';
import { daysToMicros } from '../src/spec/date-time.js';
import { parseTransform } from '../src/spec/transforms.js';
import { encodeValue } from '../src/spec/single-value.js';
import { type Snapshot } from '../src/spec/snapshot.js';
import { type TableMetadata, newTableMetadata, serializeTableMetadata } from '../src/spec/table-metadata.js';

const run = promisify(execFile);

export interface PlanningBenchOptions {
  manifests: number;
  filesPerManifest: number;
  runs: number;
  /** Where to build the table (default: a new temp directory, removed afterwards). */
  dir?: string;
}

const FIRST_DAY = 19723; // 2024-01-01

/** Writes the synthetic table; returns its metadata file and the day the selective filter picks. */
export async function synthesizeTable(dir: string, manifests: number, filesPerManifest: number): Promise<{ metadataFile: string; metadata: TableMetadata }> {
  const base = newTableMetadata({
    location: dir,
    formatVersion: 2,
    schema: {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [
        { id: 1, name: 'id', required: true, type: { kind: 'long' } },
        { id: 2, name: 'ts', required: false, type: { kind: 'timestamp' } },
        { id: 3, name: 'category', required: false, type: { kind: 'string' } },
        { id: 4, name: 'value', required: false, type: { kind: 'double' } },
      ],
    },
    spec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'ts_day', transform: parseTransform('day') }] },
    nowMs: 1_704_067_200_000,
  });
  const schema = base.schemas[0]!;
  const spec = base.partitionSpecs[0]!;
  const snapshotId = 4_242_424_242_424_242n;
  await fs.mkdir(path.join(dir, 'metadata'), { recursive: true });
  const written: ManifestFile[] = [];
  const rows = 100_000;
  let nextId = 0n;
  for (let m = 0; m < manifests; m++) {
    const day = FIRST_DAY + m;
    const dayStart = daysToMicros(day);
    const entries: ManifestEntry[] = [];
    for (let f = 0; f < filesPerManifest; f++) {
      const lo = dayStart + BigInt(f) * 600_000_000n;
      const df: DataFile = {
        content: FileContent.DATA,
        filePath: `${dir}/data/ts_day=${day}/00000-${m}-${f}-0b7a7f4e-5d0c-4a55-9a71-3f2f1b9c${String(f).padStart(4, '0')}.parquet`,
        fileFormat: 'PARQUET',
        specId: 0,
        partition: [day],
        recordCount: rows,
        fileSizeInBytes: 48_000_000 + f,
        columnSizes: new Map([[1, 800_000], [2, 700_000], [3, 300_000], [4, 790_000]]),
        valueCounts: new Map([[1, rows], [2, rows], [3, rows], [4, rows]]),
        nullValueCounts: new Map([[1, 0], [2, 0], [3, 17], [4, 3]]),
        nanValueCounts: new Map([[4, 0]]),
        lowerBounds: new Map([
          [1, encodeValue({ kind: 'long' }, nextId)],
          [2, encodeValue({ kind: 'timestamp' }, lo)],
          [3, encodeValue({ kind: 'string' }, 'apparel')],
          [4, encodeValue({ kind: 'double' }, -1000.5)],
        ]),
        upperBounds: new Map([
          [1, encodeValue({ kind: 'long' }, nextId + BigInt(rows - 1))],
          [2, encodeValue({ kind: 'timestamp' }, lo + 599_999_999n)],
          [3, encodeValue({ kind: 'string' }, 'toys')],
          [4, encodeValue({ kind: 'double' }, 99_999.25)],
        ]),
        splitOffsets: [4],
        sortOrderId: 0,
      };
      nextId += BigInt(rows);
      entries.push({ status: EntryStatus.ADDED, snapshotId, dataFile: df });
    }
    const manifestPath = `${dir}/metadata/bench-m${m}.avro`;
    const w = writeManifest({ formatVersion: 2, schema, spec, snapshotId, entries, manifestPath });
    await fs.writeFile(manifestPath, w.bytes);
    written.push(w.manifestFile);
  }
  const manifestList = `${dir}/metadata/snap-${snapshotId}-1-bench.avro`;
  const list = writeManifestList({ formatVersion: 2, snapshotId, sequenceNumber: 1n, manifests: written });
  await fs.writeFile(manifestList, list.bytes);
  const total = manifests * filesPerManifest;
  const snapshot: Snapshot = {
    snapshotId,
    sequenceNumber: 1n,
    timestampMs: 1_704_067_300_000,
    manifestList,
    schemaId: 0,
    summary: {
      operation: 'append',
      'added-data-files': String(total),
      'total-data-files': String(total),
      'added-records': String(total * rows),
      'total-records': String(total * rows),
    },
  };
  const metadata: TableMetadata = {
    ...base,
    lastSequenceNumber: 1n,
    lastUpdatedMs: snapshot.timestampMs,
    currentSnapshotId: snapshotId,
    snapshots: [snapshot],
    snapshotLog: [{ timestampMs: snapshot.timestampMs, snapshotId }],
    refs: new Map([['main', { snapshotId, type: 'branch' }]]),
  };
  const metadataFile = `${dir}/metadata/v1.metadata.json`;
  await fs.writeFile(metadataFile, serializeTableMetadata(metadata));
  return { metadataFile, metadata };
}

function selectiveDay(manifests: number): string {
  const day = FIRST_DAY + Math.floor(manifests / 2);
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

export interface PlanningResult {
  files: number;
  /** Every run in ms, the first one cold. */
  timesMs: number[];
}

function best(r: PlanningResult): number {
  return Math.min(...r.timesMs);
}

async function timeLake(metadata: TableMetadata, filter: string | undefined, runs: number): Promise<PlanningResult> {
  const timesMs: number[] = [];
  let files = 0;
  for (let i = 0; i < runs; i++) {
    const io = new FileIO({ tableLocation: metadata.location });
    const t0 = performance.now();
    const plan = await planScan({ metadata, io, ...(filter === undefined ? {} : { filter }) });
    timesMs.push(performance.now() - t0);
    files = plan.tasks.length;
  }
  return { files, timesMs };
}

function repoRoot(): string {
  // benchmarks/planning.ts or dist/benchmarks/planning.js
  let d = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(d, 'package.json')) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

async function timePyIceberg(metadataFile: string, filter: string | undefined, runs: number): Promise<PlanningResult | string> {
  const root = repoRoot();
  const python = path.join(root, '.cache', 'venv', 'bin', 'python');
  if (!existsSync(python)) return `no PyIceberg virtualenv at ${python} (run npm test once to create it)`;
  const script = path.join(root, 'benchmarks', 'python', 'plan_files.py');
  try {
    const { stdout } = await run(python, [script, metadataFile, String(runs), filter ?? ''], { maxBuffer: 16 * 1024 * 1024 });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as { files: number; times_ms: number[] };
    return { files: r.files, timesMs: r.times_ms };
  } catch (e) {
    return `PyIceberg failed: ${(e as Error).message.split('\n')[0]}`;
  }
}

export interface PlanningBenchReport {
  dataFiles: number;
  manifests: number;
  cases: { name: string; lake: PlanningResult; pyiceberg: PlanningResult | string }[];
}

export async function benchPlanning(options: PlanningBenchOptions): Promise<PlanningBenchReport> {
  const dir = options.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'lake-bench-planning-')));
  try {
    const { metadataFile, metadata } = await synthesizeTable(dir, options.manifests, options.filesPerManifest);
    const day = selectiveDay(options.manifests);
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const cases: { name: string; lake?: string; py?: string }[] = [
      { name: 'no filter' },
      { name: `ts in ${day} (one partition)`, lake: `ts >= '${day}T00:00:00' AND ts < '${next}T00:00:00'`, py: `ts >= '${day}T00:00:00' and ts < '${next}T00:00:00'` },
    ];
    const out: PlanningBenchReport = { dataFiles: options.manifests * options.filesPerManifest, manifests: options.manifests, cases: [] };
    for (const c of cases) {
      // a selective plan takes milliseconds: more runs give a steadier best time on a busy machine
      const runs = c.lake === undefined ? options.runs : options.runs * 4;
      const lake = await timeLake(metadata, c.lake, runs);
      const pyiceberg = await timePyIceberg(metadataFile, c.py, runs);
      out.cases.push({ name: c.name, lake, pyiceberg });
    }
    return out;
  } finally {
    if (options.dir === undefined) await fs.rm(dir, { recursive: true, force: true });
  }
}

function fmt(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

export function printPlanningReport(r: PlanningBenchReport, log: (line: string) => void = console.log): void {
  log(`P3 planning: ${r.dataFiles} data files in ${r.manifests} manifests (best of runs; cold = first run)`);
  for (const c of r.cases) {
    const lakeBest = best(c.lake);
    let line = `  ${c.name.padEnd(34)} lake ${fmt(lakeBest).padStart(9)} (cold ${fmt(c.lake.timesMs[0]!)}, ${c.lake.files} files)`;
    if (typeof c.pyiceberg === 'string') line += `   PyIceberg: ${c.pyiceberg}`;
    else {
      const py = best(c.pyiceberg);
      line += `   PyIceberg ${fmt(py).padStart(9)} (cold ${fmt(c.pyiceberg.timesMs[0]!)}, ${c.pyiceberg.files} files)   ratio ${(py / lakeBest).toFixed(1)}x`;
      if (c.pyiceberg.files !== c.lake.files) line += `   FILE COUNTS DIFFER`;
    }
    log(line);
  }
}

/** Entry point: `--smoke` runs a tiny table once. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<PlanningBenchReport> {
  const smoke = argv.includes('--smoke');
  const report = await benchPlanning(smoke ? { manifests: 10, filesPerManifest: 10, runs: 1 } : { manifests: 1000, filesPerManifest: 100, runs: 5 });
  printPlanningReport(report);
  return report;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
