/**
 * One writer process of the concurrent-append measurement (benchmarks/commit.ts):
 *
 *   node dist/benchmarks/commit-worker.js <warehouse> <ns.table> <worker> <commits> <rows>
 *
 * Each commit writes a small Parquet file of distinct rows with DuckDB (ids `worker * 1e6 + ...`,
 * Iceberg field ids 1..3), uploads it through lake's storage, and appends it. Prints one JSON line:
 * per-commit attempts, storage requests and times, and the failures (a retry budget exhausted).
 * S3 settings come from the standard AWS environment variables.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStoreCatalog } from '../catalog/object-store-catalog.js';
import { LakeError } from '../src/errors.js';
import { type DataFile, FileContent } from '../src/spec/data-file.js';
import { encodeValue } from '../src/spec/single-value.js';
import { InstrumentedStorage } from '../src/storage/instrumented.js';
import { joinLocation, toAbsoluteLocation } from '../src/storage/location.js';
import { storageFor } from '../src/storage/storage-for.js';
import { duckdbConnect } from '../src/util/duckdb.js';

export interface CommitRecord {
  attempts: number;
  /** Storage requests made by the commit call (the data file upload excluded). */
  requests: number;
  startMs: number;
  endMs: number;
}

export interface WorkerReport {
  worker: number;
  commits: CommitRecord[];
  failures: { code: string; message: string }[];
}

/** Row ids of one worker's commit: disjoint over workers and commits. */
export function firstRowId(worker: number, commit: number, rows: number): bigint {
  return BigInt(worker) * 1_000_000n + BigInt(commit * rows);
}

async function run(argv: string[]): Promise<WorkerReport> {
  const [warehouse, table, workerText, commitsText, rowsText] = argv;
  if (warehouse === undefined || table === undefined || workerText === undefined || commitsText === undefined || rowsText === undefined) {
    throw new Error('usage: commit-worker <warehouse> <ns.table> <worker> <commits> <rows>');
  }
  const worker = Number(workerText);
  const commits = Number(commitsText);
  const rows = Number(rowsText);
  const abs = toAbsoluteLocation(warehouse);
  const io = new InstrumentedStorage(storageFor(abs));
  const catalog = new ObjectStoreCatalog({ warehouse: abs, storage: io });
  const t = await catalog.loadTable(table);
  const duck = await duckdbConnect();
  const report: WorkerReport = { worker, commits: [], failures: [] };
  const tmp = join(tmpdir(), `lake-commit-worker-${randomUUID()}`);
  try {
    for (let i = 0; i < commits; i++) {
      const first = firstRowId(worker, i, rows);
      const local = `${tmp}-${i}.parquet`;
      await duck.run(
        `COPY (SELECT (${first} + range)::BIGINT AS id, 'w${worker}' AS category, (range * 0.5)::DOUBLE AS value FROM range(${rows}))
         TO '${local}' (FORMAT parquet, FIELD_IDS {id: 1, category: 2, value: 3})`,
      );
      const bytes = new Uint8Array(await readFile(local));
      await rm(local, { force: true });
      const location = joinLocation(t.location, 'data', `w${worker}-${i}-${randomUUID()}.parquet`);
      await io.write(location, bytes);
      const file: DataFile = {
        content: FileContent.DATA,
        filePath: location,
        fileFormat: 'PARQUET',
        specId: 0,
        partition: [],
        recordCount: rows,
        fileSizeInBytes: bytes.length,
        valueCounts: new Map([[1, rows], [2, rows], [3, rows]]),
        nullValueCounts: new Map([[1, 0], [2, 0], [3, 0]]),
        lowerBounds: new Map([[1, encodeValue({ kind: 'long' }, first)], [2, encodeValue({ kind: 'string' }, `w${worker}`)]]),
        upperBounds: new Map([[1, encodeValue({ kind: 'long' }, first + BigInt(rows - 1))], [2, encodeValue({ kind: 'string' }, `w${worker}`)]]),
      };
      const before = io.total;
      const startMs = Date.now();
      try {
        const result = await t.newAppend().appendFile(file).commit();
        report.commits.push({ attempts: result.attempts, requests: io.total - before, startMs, endMs: Date.now() });
      } catch (e) {
        report.failures.push({ code: e instanceof LakeError ? e.code : 'ERROR', message: (e as Error).message });
      }
    }
  } finally {
    duck.closeSync();
  }
  return report;
}

// Run only as a script, not when imported for its types.
if (process.argv[1] !== undefined && /commit-worker\.[jt]s$/.test(process.argv[1])) {
  run(process.argv.slice(2)).then(
    (report) => {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
