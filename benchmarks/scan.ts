/**
 * P4: SQL over an Iceberg snapshot through lake's DuckDB reader vs DuckDB's raw `read_parquet`
 * over the same files, in the same run and the same DuckDB instance.
 *
 * The table is built on local disk: Parquet data files written with DuckDB (`COPY ... FIELD_IDS`,
 * 6 columns: id, ts, category, amount, user_id, note), real Iceberg v2 metadata written with
 * lake's manifest writers, and two snapshots: the append, and a delete that removes 1 % of the
 * rows with one file-scoped position delete file per data file (as Spark's merge-on-read writes
 * them), and a third snapshot (off the append) with the delete files of every 10th data file only,
 * the common case of deletes touching a few files. Each snapshot is planned with `planScan` and registered as a view (`createSqlSession`);
 * the time to do that is reported apart ("prepare"). Then the same queries run, interleaved, over
 * the view and over `read_parquet([files])`:
 * - narrow: `count(*), sum(amount)`;
 * - wide: every column aggregated.
 * The ratios printed are lake / raw of the median query times. Goals: <= 1.1x with no deletes,
 * <= 1.5x with position deletes (the raw query reads the same files without deletes).
 *
 * Run: `npm run bench`, or after `npm run build`: `node dist/benchmarks/scan.js [--smoke]
 * [--rows N] [--files N] [--runs N] [--explain]` (smoke: 100k rows in 4 files, 1 run; explain: print
 * DuckDB's profile of each lake query).
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeManifest, writeManifestList } from '../src/manifest/index.js';
import { createSqlSession } from '../src/scan/duckdb-session.js';
import { FileIO } from '../src/scan/file-io.js';
import { planScan } from '../src/scan/planner.js';
import { type DataFile, EntryStatus, FileContent, type ManifestEntry } from '../src/spec/data-file.js';
import { parseSchema } from '../src/spec/schema.js';
import type { Snapshot } from '../src/spec/snapshot.js';
import { type TableMetadata, newTableMetadata } from '../src/spec/table-metadata.js';
import { duckdbConnect } from '../src/util/duckdb.js';

export interface ScanBenchOptions {
  rows: number;
  files: number;
  runs: number;
  /** Where to build the table (default: a new temp directory, removed afterwards). */
  dir?: string;
  /** Print DuckDB's profile (`EXPLAIN ANALYZE`) of each lake query once. */
  explain?: boolean;
}

const QUERIES: Record<string, string> = {
  narrow: 'SELECT count(*), sum(amount) FROM {t}',
  wide: 'SELECT count(*), sum(id), max(ts), sum(length(category)), sum(amount), sum(user_id), sum(length(note)) FROM {t}',
};

const FIELD_IDS = '{id: 1, ts: 2, category: 3, amount: 4, user_id: 5, note: 6}';

function q(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

interface Table {
  metadata: TableMetadata;
  dataFiles: string[];
  deletedRows: number;
  appendSnapshot: bigint;
  deleteSnapshot: bigint;
  /** Deletes 1 % of the rows of every 10th data file only (a snapshot off the append, not on main). */
  sparseDeleteSnapshot: bigint;
}

/** Writes the data files, the delete files and the metadata of the two snapshots. */
async function buildTable(dir: string, rows: number, files: number): Promise<Table> {
  const conn = await duckdbConnect();
  const dataDir = path.join(dir, 'data');
  await fs.mkdir(dataDir, { recursive: true });
  await fs.mkdir(path.join(dir, 'metadata'), { recursive: true });
  const per = Math.ceil(rows / files);
  const dataFiles: DataFile[] = [];
  const deleteFiles: DataFile[] = [];
  let deletedRows = 0;
  try {
    for (let f = 0; f < files; f++) {
      const lo = f * per;
      const hi = Math.min(rows, lo + per);
      const file = path.join(dataDir, `00000-${f}-data.parquet`);
      await conn.run(
        `COPY (SELECT range AS id,
            TIMESTAMP '2024-01-01' + to_microseconds(range * 6000000 + (hash(range) % 1000000)::BIGINT) AS ts,
            'category_' || lpad(((hash(range, 1) % 50)::INTEGER)::VARCHAR, 2, '0') AS category,
            round(((hash(range, 2) % 10000000)::BIGINT) / 100.0, 2)::DOUBLE AS amount,
            (hash(range, 3) % 1000000)::INTEGER AS user_id,
            CASE WHEN hash(range, 4) % 10 = 0 THEN NULL ELSE md5(range::VARCHAR)[1:15 + (hash(range, 5) % 11)::INTEGER] END AS note
          FROM range(${lo}, ${hi}))
         TO ${q(file)} (FORMAT parquet, COMPRESSION zstd, FIELD_IDS ${FIELD_IDS})`,
      );
      const size = (await fs.stat(file)).size;
      dataFiles.push({ content: FileContent.DATA, filePath: file, fileFormat: 'PARQUET', specId: 0, partition: [], recordCount: hi - lo, fileSizeInBytes: size });
      // 1 % of the rows, chosen by a hash of the id, deleted by position (file-scoped delete file)
      const del = path.join(dataDir, `00001-${f}-deletes.parquet`);
      await conn.run(
        `COPY (SELECT ${q(file)} AS file_path, file_row_number AS pos FROM read_parquet(${q(file)}, file_row_number = true)
               WHERE hash(id, 7) % 100 = 0 ORDER BY pos)
         TO ${q(del)} (FORMAT parquet, FIELD_IDS {file_path: 2147483546, pos: 2147483545})`,
      );
      const n = Number((await conn.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${q(del)})`)).getRowObjectsJS()[0]!.n);
      deletedRows += n;
      deleteFiles.push({
        content: FileContent.POSITION_DELETES,
        filePath: del,
        fileFormat: 'PARQUET',
        specId: 0,
        partition: [],
        recordCount: n,
        fileSizeInBytes: (await fs.stat(del)).size,
        referencedDataFile: file,
      });
    }
  } finally {
    conn.closeSync();
  }

  const schema = parseSchema({
    type: 'struct',
    'schema-id': 0,
    fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'ts', required: false, type: 'timestamp' },
      { id: 3, name: 'category', required: false, type: 'string' },
      { id: 4, name: 'amount', required: false, type: 'double' },
      { id: 5, name: 'user_id', required: false, type: 'int' },
      { id: 6, name: 'note', required: false, type: 'string' },
    ],
  });
  const base = newTableMetadata({ location: dir, formatVersion: 2, schema, nowMs: 1_704_067_200_000 });
  const spec = base.partitionSpecs[0]!;
  const tableSchema = base.schemas[0]!;
  const s1 = 1_111_111_111n;
  const s2 = 2_222_222_222n;
  const dataManifest = writeManifest({
    formatVersion: 2,
    schema: tableSchema,
    spec,
    snapshotId: s1,
    entries: dataFiles.map((dataFile): ManifestEntry => ({ status: EntryStatus.ADDED, snapshotId: s1, dataFile })),
    manifestPath: path.join(dir, 'metadata', 'data-m0.avro'),
  });
  await fs.writeFile(dataManifest.manifestFile.manifestPath, dataManifest.bytes);
  const deleteManifest = writeManifest({
    formatVersion: 2,
    schema: tableSchema,
    spec,
    content: 'deletes',
    snapshotId: s2,
    entries: deleteFiles.map((dataFile): ManifestEntry => ({ status: EntryStatus.ADDED, snapshotId: s2, dataFile })),
    manifestPath: path.join(dir, 'metadata', 'deletes-m0.avro'),
  });
  await fs.writeFile(deleteManifest.manifestFile.manifestPath, deleteManifest.bytes);
  const list1 = writeManifestList({ formatVersion: 2, snapshotId: s1, sequenceNumber: 1n, manifests: [dataManifest.manifestFile] });
  const list1Path = path.join(dir, 'metadata', `snap-${s1}-1.avro`);
  await fs.writeFile(list1Path, list1.bytes);
  const dataManifestAt1 = { ...dataManifest.manifestFile, sequenceNumber: 1n, minSequenceNumber: 1n };
  const list2 = writeManifestList({ formatVersion: 2, snapshotId: s2, parentSnapshotId: s1, sequenceNumber: 2n, manifests: [dataManifestAt1, deleteManifest.manifestFile] });
  const list2Path = path.join(dir, 'metadata', `snap-${s2}-1.avro`);
  await fs.writeFile(list2Path, list2.bytes);
  const s3 = 3_333_333_333n;
  const sparseManifest = writeManifest({
    formatVersion: 2,
    schema: tableSchema,
    spec,
    content: 'deletes',
    snapshotId: s3,
    entries: deleteFiles.filter((_, f) => f % 10 === 0).map((dataFile): ManifestEntry => ({ status: EntryStatus.ADDED, snapshotId: s3, dataFile })),
    manifestPath: path.join(dir, 'metadata', 'deletes-sparse-m0.avro'),
  });
  await fs.writeFile(sparseManifest.manifestFile.manifestPath, sparseManifest.bytes);
  const list3 = writeManifestList({ formatVersion: 2, snapshotId: s3, parentSnapshotId: s1, sequenceNumber: 3n, manifests: [dataManifestAt1, sparseManifest.manifestFile] });
  const list3Path = path.join(dir, 'metadata', `snap-${s3}-1.avro`);
  await fs.writeFile(list3Path, list3.bytes);
  const snap = (snapshotId: bigint, seq: bigint, manifestList: string, operation: 'append' | 'delete', parent?: bigint): Snapshot => ({
    snapshotId,
    ...(parent === undefined ? {} : { parentSnapshotId: parent }),
    sequenceNumber: seq,
    timestampMs: 1_704_067_300_000 + Number(seq),
    manifestList,
    schemaId: 0,
    summary: { operation },
  });
  const snapshots = [snap(s1, 1n, list1Path, 'append'), snap(s2, 2n, list2Path, 'delete', s1), snap(s3, 3n, list3Path, 'delete', s1)];
  const metadata: TableMetadata = {
    ...base,
    lastSequenceNumber: 3n,
    currentSnapshotId: s2,
    snapshots,
    snapshotLog: snapshots.map((s) => ({ timestampMs: s.timestampMs, snapshotId: s.snapshotId })),
    refs: new Map([['main', { snapshotId: s2, type: 'branch' }]]),
  };
  return { metadata, dataFiles: dataFiles.map((d) => d.filePath), deletedRows, appendSnapshot: s1, deleteSnapshot: s2, sparseDeleteSnapshot: s3 };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface ScanCaseResult {
  snapshot: 'no deletes' | '1% position-deleted' | '1% in 1/10 of files';
  query: string;
  rows: number;
  prepareMs: number;
  lakeMs: number[];
  rawMs: number[];
  ratio: number;
}

export interface ScanBenchReport {
  rows: number;
  files: number;
  deletedRows: number;
  cases: ScanCaseResult[];
}

export async function benchScan(options: ScanBenchOptions): Promise<ScanBenchReport> {
  const dir = options.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'lake-bench-scan-')));
  try {
    const table = await buildTable(dir, options.rows, options.files);
    const raw = `read_parquet([${table.dataFiles.map(q).join(', ')}])`;
    const cases: ScanCaseResult[] = [];
    for (const [label, snapshotId] of [
      ['no deletes', table.appendSnapshot],
      ['1% position-deleted', table.deleteSnapshot],
      ['1% in 1/10 of files', table.sparseDeleteSnapshot],
    ] as const) {
      const session = await createSqlSession();
      try {
        const t0 = performance.now();
        const plan = await planScan({ metadata: table.metadata, io: new FileIO({ tableLocation: dir }), snapshot: { snapshotId } });
        await session.registerTable('bench.t', plan);
        const prepareMs = performance.now() - t0;
        for (const [name, sql] of Object.entries(QUERIES)) {
          const lakeSql = sql.replace('{t}', 'bench.t');
          const rawSql = sql.replace('{t}', raw);
          const lakeMs: number[] = [];
          const rawMs: number[] = [];
          let rows = 0;
          // a warm-up of each, then interleaved runs, each starting with the other one in turn
          await session.query(lakeSql);
          await session.query(rawSql);
          if (options.explain === true) console.log(String((await session.query(`EXPLAIN ANALYZE ${lakeSql}`)).rows[0]![1]));
          for (let r = 0; r < options.runs; r++) {
            const order = r % 2 === 0 ? (['lake', 'raw'] as const) : (['raw', 'lake'] as const);
            for (const which of order) {
              const t = performance.now();
              const result = await session.query(which === 'lake' ? lakeSql : rawSql);
              const ms = performance.now() - t;
              if (which === 'lake') {
                lakeMs.push(ms);
                rows = Number(result.rows[0]![0]);
              } else rawMs.push(ms);
            }
          }
          cases.push({ snapshot: label, query: name, rows, prepareMs, lakeMs, rawMs, ratio: median(lakeMs) / median(rawMs) });
        }
      } finally {
        await session.close();
      }
    }
    return { rows: options.rows, files: options.files, deletedRows: table.deletedRows, cases };
  } finally {
    if (options.dir === undefined) await fs.rm(dir, { recursive: true, force: true });
  }
}

function flag(argv: readonly string[], name: string): number | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer`);
  return n;
}

export function printScanReport(report: ScanBenchReport): void {
  console.log(`P4 scan: ${report.rows} rows in ${report.files} Parquet files; the delete snapshot removes ${report.deletedRows} rows (${((100 * report.deletedRows) / report.rows).toFixed(2)} %)`);
  for (const c of report.cases) {
    const goal = c.snapshot === 'no deletes' ? 1.1 : 1.5;
    console.log(
      `  ${c.snapshot.padEnd(20)} ${c.query.padEnd(6)} rows ${String(c.rows).padStart(9)}  prepare ${c.prepareMs.toFixed(0).padStart(5)} ms  ` +
        `lake ${median(c.lakeMs).toFixed(1).padStart(7)} ms  raw read_parquet ${median(c.rawMs).toFixed(1).padStart(7)} ms  ` +
        `ratio ${c.ratio.toFixed(2)}x (goal <= ${goal}x${c.ratio <= goal ? '' : ', MISSED'})`,
    );
  }
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<ScanBenchReport> {
  const smoke = argv.includes('--smoke');
  const options: ScanBenchOptions = {
    rows: flag(argv, '--rows') ?? (smoke ? 100_000 : 5_000_000),
    files: flag(argv, '--files') ?? (smoke ? 4 : 20),
    runs: flag(argv, '--runs') ?? (smoke ? 1 : 7),
    explain: argv.includes('--explain'),
  };
  const report = await benchScan(options);
  printScanReport(report);
  return report;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
