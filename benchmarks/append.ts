/**
 * P1 append: rows into an unpartitioned and a day-partitioned table, lake against the limit
 * (DuckDB COPY of the same rows, already in DuckDB, to Parquet) and against PyIceberg `append`,
 * in the same run.
 *
 * Data: 5M rows x 6 columns (long id, timestamp ts, string category with 50 values, double
 * amount, int user_id, string note of 15-25 characters with 10% nulls), generated with a seeded
 * PRNG as Arrow in JS. The parent writes it once to `input.parquet` (and `input.csv`); then every
 * variant runs in its own process, so each process's peak RSS is its own:
 * - `duckdb`: the rows loaded into a DuckDB table (not timed), then `COPY` to zstd Parquet with
 *   field ids (`PARTITION_BY` the day for the partitioned table);
 * - `lake-arrow`: the Arrow table regenerated in JS (not timed), then `writeDataFiles` + append
 *   commit through the object-store catalog; `lake-arrow-any` the same with `preserveOrder: false`
 *   (unpartitioned only: the option changes nothing for partitioned tables);
 * - `lake-parquet` / `lake-csv`: `writeDataFilesFromFiles` of the input file + append commit;
 * - `pyiceberg`: `pq.read_table` of the input (not timed), then `table.append` (SqlCatalog on
 *   SQLite, local warehouse), run by `.cache/venv/bin/python benchmarks/python/append.py`
 *   (`LAKE_BENCH_PYTHON` names another Python; PyIceberg's partitioned append needs the
 *   optional `pyiceberg-core` package, without which the day-partitioned PyIceberg run is skipped
 *   and says so).
 * Variants run interleaved, the order rotating per round; the medians of the rounds are
 * reported with rows/s, the ratios to DuckDB and PyIceberg, and peak RSS (with the RSS before the
 * timed part, i.e. the input held in memory, in parentheses). Goals: lake >= 0.7x DuckDB and
 * >= 1.5x PyIceberg.
 *
 * Run: `npm run bench`, or after `npm run build`:
 * `node dist/benchmarks/append.js [--smoke] [--rows N] [--runs N]` (smoke: 100k rows, 1 round).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { ObjectStoreCatalog } from '../catalog/object-store-catalog.js';
import { openArrowScan } from '../src/parquet/writer-arrow-scan.js';
import { buildPartitionSpec, type PartitionSpec } from '../src/spec/partition-spec.js';
import { parseSchema, type Schema } from '../src/spec/schema.js';
import { duckdbConnect, duckdbInstance } from '../src/util/duckdb.js';
import { arrowSource } from '../src/write/arrow-cast.js';
import { withWriteSession, writeDataFiles } from '../src/write/data-writer.js';
import { writeDataFilesFromFiles } from '../src/write/file-input.js';

export const APPEND_SCHEMA: Schema = parseSchema({
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: false, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamp' },
    { id: 3, name: 'category', required: false, type: 'string' },
    { id: 4, name: 'amount', required: false, type: 'double' },
    { id: 5, name: 'user_id', required: false, type: 'int' },
    { id: 6, name: 'note', required: false, type: 'string' },
  ],
});

/** The benchmark rows as Arrow: deterministic for a seed, built column by column from typed arrays. */
export function benchTable(rows: number, seed = 42, batchRows = 131_072): arrow.Table {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const enc = new TextEncoder();
  const cats = Array.from({ length: 50 }, (_, i) => enc.encode(`category_${String(i).padStart(2, '0')}`));
  const alpha = enc.encode('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_');
  const base = BigInt(Date.UTC(2024, 0, 1)) * 1000n;
  const fields = [
    new arrow.Field('id', new arrow.Int64(), true),
    new arrow.Field('ts', new arrow.TimestampMicrosecond(), true),
    new arrow.Field('category', new arrow.Utf8(), true),
    new arrow.Field('amount', new arrow.Float64(), true),
    new arrow.Field('user_id', new arrow.Int32(), true),
    new arrow.Field('note', new arrow.Utf8(), true),
  ];
  const schema = new arrow.Schema(fields);
  const batches: arrow.RecordBatch[] = [];
  for (let off = 0; off < rows; off += batchRows) {
    const n = Math.min(batchRows, rows - off);
    const id = new BigInt64Array(n);
    const ts = new BigInt64Array(n);
    const amount = new Float64Array(n);
    const uid = new Int32Array(n);
    const cOff = new Int32Array(n + 1);
    const cData = new Uint8Array(n * 11);
    const nOff = new Int32Array(n + 1);
    const nData = new Uint8Array(n * 25);
    const nBits = new Uint8Array(Math.ceil(n / 8));
    let nPos = 0;
    let nulls = 0;
    for (let i = 0; i < n; i++) {
      const r = off + i;
      id[i] = BigInt(r);
      ts[i] = base + BigInt(r) * 6_000_000n + BigInt(Math.floor(rnd() * 1e6));
      cData.set(cats[Math.floor(rnd() * 50)]!, i * 11);
      cOff[i + 1] = (i + 1) * 11;
      amount[i] = Math.round(rnd() * 1e7) / 100;
      uid[i] = Math.floor(rnd() * 1e6);
      if (rnd() < 0.1) {
        nulls++;
      } else {
        nBits[i >> 3]! |= 1 << (i & 7);
        const len = 15 + Math.floor(rnd() * 11);
        for (let k = 0; k < len; k++) nData[nPos++] = alpha[Math.floor(rnd() * 63)]!;
      }
      nOff[i + 1] = nPos;
    }
    const children = [
      arrow.makeData({ type: new arrow.Int64(), length: n, data: id }),
      arrow.makeData({ type: new arrow.TimestampMicrosecond(), length: n, data: ts }),
      arrow.makeData({ type: new arrow.Utf8(), length: n, valueOffsets: cOff, data: cData }),
      arrow.makeData({ type: new arrow.Float64(), length: n, data: amount }),
      arrow.makeData({ type: new arrow.Int32(), length: n, data: uid }),
      arrow.makeData({ type: new arrow.Utf8(), length: n, valueOffsets: nOff, data: nData.subarray(0, nPos), nullBitmap: nBits, nullCount: nulls }),
    ];
    batches.push(new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: n, children: children as arrow.Data[] })));
  }
  return new arrow.Table(batches);
}

function q(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

const FIELD_IDS = '{id: 1, ts: 2, category: 3, amount: 4, user_id: 5, note: 6}';

/** Writes the rows once as the shared inputs: zstd Parquet (no field ids) and CSV with a header. */
async function writeInputs(dir: string, rows: number): Promise<{ parquet: string; csv: string }> {
  const table = benchTable(rows);
  const parquet = path.join(dir, 'input.parquet');
  const csv = path.join(dir, 'input.csv');
  const plan = arrowSource(table.schema);
  let i = 0;
  const scan = openArrowScan({ schema: table.schema, next: () => table.batches[i++] }, plan.ingests);
  try {
    await withWriteSession(async (s) => {
      const cols = plan.columns.map((c) => `${c.sql} AS "${c.name}"`).join(', ');
      await s.connection.run(`COPY (SELECT ${cols} FROM ${scan.sql}) TO ${q(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
      await s.connection.run(`COPY (SELECT * FROM read_parquet(${q(parquet)})) TO ${q(csv)} (FORMAT csv, HEADER)`);
    });
  } finally {
    scan.close();
  }
  return { parquet, csv };
}

type Variant = 'duckdb' | 'lake-arrow' | 'lake-arrow-any' | 'lake-parquet' | 'lake-csv' | 'pyiceberg';
type Partitioning = 'none' | 'day';

interface ChildResult {
  ms: number;
  rows: number;
  files: number;
  peak_rss_kb: number;
  base_rss_kb: number;
}

function specFor(p: Partitioning): PartitionSpec | undefined {
  return p === 'day' ? buildPartitionSpec(APPEND_SCHEMA, [{ source: 'ts', transform: 'day' }]).spec : undefined;
}

/**
 * Peak RSS of this process in KB: `VmHWM`. (`getrusage`'s maxrss is not used: a process spawned
 * by a bigger one starts with its parent's value.)
 */
async function maxRssKb(): Promise<number> {
  const status = await fs.readFile('/proc/self/status', 'utf8').catch(() => '');
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
  return m ? Number(m[1]) : process.resourceUsage().maxRSS;
}

/** One measurement in this process (the child side). */
async function runChild(variant: Variant, partitioning: Partitioning, input: string, work: string, rows: number): Promise<ChildResult> {
  await duckdbInstance();
  if (variant === 'duckdb') {
    const c = await duckdbConnect();
    try {
      await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${q(input)})`);
      const base = await maxRssKb();
      const out = path.join(work, 'out');
      const t0 = performance.now();
      const sql =
        partitioning === 'day'
          ? `COPY (SELECT *, CAST(ts AS DATE) AS ts_day FROM t) TO ${q(out)} (FORMAT parquet, COMPRESSION zstd, FIELD_IDS ${FIELD_IDS}, PARTITION_BY (ts_day), RETURN_STATS)`
          : `COPY t TO ${q(out)} (FORMAT parquet, COMPRESSION zstd, FIELD_IDS ${FIELD_IDS}, FILE_SIZE_BYTES 536870912, RETURN_STATS)`;
      const r = await c.runAndReadAll(sql);
      const ms = performance.now() - t0;
      const stats = r.getRowObjectsJS();
      return { ms, rows: stats.reduce((n, s) => n + Number(s.count), 0), files: stats.length, peak_rss_kb: await maxRssKb(), base_rss_kb: base };
    } finally {
      c.closeSync();
    }
  }
  const catalog = new ObjectStoreCatalog({ warehouse: path.join(work, 'warehouse') });
  await catalog.createNamespace(['bench']);
  const spec = specFor(partitioning);
  const table = await catalog.createTable('bench.append', spec === undefined ? { schema: APPEND_SCHEMA } : { schema: APPEND_SCHEMA, partitionSpec: spec });
  const data = variant === 'lake-arrow' || variant === 'lake-arrow-any' ? benchTable(rows) : undefined;
  const base = await maxRssKb();
  const t0 = performance.now();
  const files =
    data !== undefined
      ? await writeDataFiles({ metadata: table.metadata, storage: table.io, input: data, ...(variant === 'lake-arrow-any' ? { preserveOrder: false } : {}) })
      : await writeDataFilesFromFiles({ metadata: table.metadata, storage: table.io, files: [input] });
  await table.newAppend().appendFiles(files).commit();
  const ms = performance.now() - t0;
  return { ms, rows: files.reduce((n, f) => n + f.recordCount, 0), files: files.length, peak_rss_kb: await maxRssKb(), base_rss_kb: base };
}

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

function runProcess(cmd: string, args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-5).join('\n')}`));
        return;
      }
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface AppendBenchRow {
  variant: Variant;
  partitioning: Partitioning;
  ms: number;
  rowsPerSecond: number;
  files: number;
  peakRssMb: number;
  baseRssMb: number;
}

export interface AppendBenchReport {
  rows: number;
  runs: number;
  results: AppendBenchRow[];
  ratios: Record<string, number>;
  skipped: string[];
}

function flag(argv: readonly string[], name: string): number | undefined {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : undefined;
}

/** Entry point: `main(['--smoke'])`, `main({ smoke: true })` or command-line flags. */
export async function main(args: readonly string[] | { smoke?: boolean; rows?: number; runs?: number } = process.argv.slice(2)): Promise<AppendBenchReport | undefined> {
  const argv: readonly string[] = Array.isArray(args)
    ? args
    : [
        ...((args as { smoke?: boolean }).smoke ? ['--smoke'] : []),
        ...((args as { rows?: number }).rows !== undefined ? ['--rows', String((args as { rows: number }).rows)] : []),
        ...((args as { runs?: number }).runs !== undefined ? ['--runs', String((args as { runs: number }).runs)] : []),
      ];
  if (argv[0] === '--child') {
    const [, variant, partitioning, input, work, rows] = argv;
    const r = await runChild(variant as Variant, partitioning as Partitioning, input!, work!, Number(rows));
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return undefined;
  }
  const smoke = argv.includes('--smoke');
  const rows = flag(argv, '--rows') ?? (smoke ? 100_000 : 5_000_000);
  const runs = flag(argv, '--runs') ?? (smoke ? 1 : 3);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-bench-append-'));
  const skipped: string[] = [];
  try {
    const inputs = await writeInputs(dir, rows);
    const python = process.env.LAKE_BENCH_PYTHON ?? path.join(repoRoot(), '.cache', 'venv', 'bin', 'python');
    const script = path.join(repoRoot(), 'benchmarks', 'python', 'append.py');
    const hasPython = existsSync(python);
    if (!hasPython) skipped.push(`pyiceberg: no virtualenv at ${python} (run the tests once to create it)`);
    const variants: Variant[] = ['duckdb', 'lake-arrow', 'lake-arrow-any', 'lake-parquet', ...(smoke ? [] : (['lake-csv'] as Variant[])), ...(hasPython ? (['pyiceberg'] as Variant[]) : [])];
    const plan: [Variant, Partitioning][] = [];
    for (const p of ['none', 'day'] as Partitioning[]) for (const v of variants) if (v !== 'lake-arrow-any' || p === 'none') plan.push([v, p]);
    const samples = new Map<string, ChildResult[]>();
    const self = fileURLToPath(import.meta.url);
    for (let round = 0; round < runs; round++) {
      const order = plan.map((_, i) => plan[(i + round * 3) % plan.length]!);
      for (const [variant, partitioning] of order) {
        const work = await fs.mkdtemp(path.join(dir, `${variant}-${partitioning}-`));
        const input = variant === 'lake-csv' ? inputs.csv : inputs.parquet;
        let r: ChildResult;
        try {
          r =
            variant === 'pyiceberg'
              ? await runProcess(python, [script, inputs.parquet, work, partitioning])
              : await runProcess(process.execPath, [self, '--child', variant, partitioning, input, work, String(rows)]);
        } catch (e) {
          // PyIceberg's partitioned append needs the optional pyiceberg-core package.
          if (variant === 'pyiceberg' && /pyiceberg_core needs to be installed/.test(String(e))) {
            const why = `pyiceberg (${partitioning}): PyIceberg's partitioned append needs pyiceberg-core (>=0.10.1,<0.11), which ${python} lacks; set LAKE_BENCH_PYTHON to a Python that has it`;
            if (!skipped.includes(why)) skipped.push(why);
            await fs.rm(work, { recursive: true, force: true });
            continue;
          }
          throw e;
        }
        if (r.rows !== rows) throw new Error(`${variant} (${partitioning}) wrote ${r.rows} rows, expected ${rows}`);
        const key = `${variant}/${partitioning}`;
        samples.set(key, [...(samples.get(key) ?? []), r]);
        await fs.rm(work, { recursive: true, force: true });
      }
    }
    const results: AppendBenchRow[] = plan.filter(([v, p]) => samples.has(`${v}/${p}`)).map(([variant, partitioning]) => {
      const s = samples.get(`${variant}/${partitioning}`)!;
      const ms = median(s.map((x) => x.ms));
      return {
        variant,
        partitioning,
        ms,
        rowsPerSecond: rows / (ms / 1000),
        files: s[0]!.files,
        peakRssMb: median(s.map((x) => x.peak_rss_kb)) / 1024,
        baseRssMb: median(s.map((x) => x.base_rss_kb)) / 1024,
      };
    });
    const ratios: Record<string, number> = {};
    const by = (v: Variant, p: Partitioning) => results.find((r) => r.variant === v && r.partitioning === p);
    for (const p of ['none', 'day'] as Partitioning[]) {
      for (const lake of ['lake-arrow', 'lake-arrow-any', 'lake-parquet'] as Variant[]) {
        const l = by(lake, p);
        const d = by('duckdb', p);
        const py = by('pyiceberg', p);
        if (l && d) ratios[`${lake} / duckdb (${p})`] = l.rowsPerSecond / d.rowsPerSecond;
        if (l && py) ratios[`${lake} / pyiceberg (${p})`] = l.rowsPerSecond / py.rowsPerSecond;
      }
    }
    console.log(`P1 append: ${rows.toLocaleString('en-US')} rows x 6 columns, median of ${runs} round(s), each variant in its own process`);
    console.log('variant        partition        ms      rows/s   files   peak RSS MB (input held)');
    for (const r of results) {
      console.log(
        `${r.variant.padEnd(14)} ${r.partitioning.padEnd(9)} ${r.ms.toFixed(0).padStart(8)} ${(r.rowsPerSecond / 1e6).toFixed(2).padStart(9)}M ${String(r.files).padStart(7)}   ${r.peakRssMb.toFixed(0).padStart(5)} (${r.baseRssMb.toFixed(0)})`,
      );
    }
    for (const [k, v] of Object.entries(ratios)) console.log(`  ${k}: ${v.toFixed(2)}x`);
    for (const s of skipped) console.log(`  skipped ${s}`);
    return { rows, runs, results, ratios, skipped };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
