/**
 * Writing Parquet data files with DuckDB's `COPY ... TO ... (FORMAT parquet, ...)`.
 *
 * Why DuckDB (measured on this machine, 2 vCPU, 5M rows x 6 columns: long, timestamp, string with
 * 50 values, double, int, string of 15-25 bytes with 10% nulls; medians of interleaved runs):
 * - DuckDB COPY of rows already in DuckDB: 2.6 s (1.9M rows/s, zstd level 3, both cores) and
 *   the smallest files (126 MiB); parquet-wasm streaming: 6.4 s (0.78M rows/s, single-threaded,
 *   zstd level 1 only, 145 MiB); hyparquet-writer: 24 s.
 * - From Arrow JS, the bottleneck is moving strings into the engine: lake's `lake_arrow_scan`
 *   (src/parquet/writer-arrow-scan.ts) moves the 5M rows into DuckDB in 1.2-1.8 s, so Arrow ->
 *   Parquet through DuckDB is ~4-4.5 s against 6.4 s for parquet-wasm.
 * - One statement gives everything Iceberg needs: field ids on every column (`FIELD_IDS`, nested
 *   included), row-group size, rolling at a file size measured on the written file
 *   (`FILE_SIZE_BYTES`), partitioned output (`PARTITION_BY`), and per-file statistics
 *   (`RETURN_STATS`, which also reports `has_nan` per column).
 * - Input files (CSV, NDJSON, Parquet) are read by DuckDB itself, so their rows never enter JS.
 * End to end (benchmarks/append.ts, same data, each variant in its own process, medians of 3
 * interleaved rounds at load average 2-5 on this 2-vCPU machine; lake's times include the append
 * commit): unpartitioned, DuckDB COPY 1.9 s, lake from Arrow 3.8 s (0.51x), lake from the
 * Parquet file 2.0 s (0.93x), PyIceberg append 2.6 s; partitioned by day, DuckDB 5.8 s, lake from
 * Arrow 8.0 s (0.73x), from Parquet 6.5 s (0.89x), PyIceberg 8.7 s. From Arrow the gap is moving
 * the rows into DuckDB (about 1.5 s of the 3.8 s).
 * Where lake-from-Arrow's time goes (5M rows unpartitioned, `LAKE_WRITE_PROFILE=1`, idle machine):
 * staging 1.8-2.7 s (the Arrow scan alone 0.5 s; the casts, identities here, cost nothing
 * measurable: the rest is DuckDB appending to the temporary table on the scan's one thread),
 * COPY 2.0-2.2 s, row-size sample, footer metrics and the rename under 0.2 s together.
 * `preserveOrder: false` (src/write/data-writer.ts) lets the scan feed both cores while staging
 * (rows land in any order): 2.4-3.2 s in all, median 2.73 s against 3.4-3.7 s, 4 interleaved runs.
 * Streaming instead of staging with both cores was faster still (2.2-2.5 s, peak RSS 540 MB
 * against 950 MB) but rolls files imprecisely at small targets, so it is not used.
 * Rerun: `npm run bench` (or `node dist/benchmarks/append.js [--runs N]`), and the engine
 * comparison in ../shared/research/parquet-engines-measured.md.
 * Bounds are not taken from RETURN_STATS (min/max come back as text) but decoded exactly from the
 * written footer (src/parquet/metrics.ts).
 */
import * as fs from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakeError } from '../errors.js';
import { quoteIdentifier, quoteString } from '../expressions/duckdb-sql.js';
import type { ParquetCodec } from '../spec/properties.js';
import type { IcebergType, NestedField } from '../spec/types.js';
import { fieldIdsOption } from './duckdb-types.js';

/** Prefix of messages raised by `error()` checks inside write queries. */
export const CHECK_ERROR_PREFIX = 'lake check: ';

export interface CopyToParquetOptions {
  connection: DuckDBConnection;
  /** A query producing the written columns (named as the table columns) and, with `partitionBy`, the partition columns. */
  query: string;
  /** A local directory for the output (created; DuckDB names the files `data_<n>.parquet`). */
  directory: string;
  /** The written columns, for `FIELD_IDS`. */
  fields: readonly NestedField[];
  codec: ParquetCodec;
  compressionLevel?: number;
  /** Roll to a new file once the current one reaches this size (checked after each row group). */
  targetFileSizeBytes?: number;
  rowGroupRows?: number;
  /** Columns of the query to partition the output by (one sub-directory per value; not written to the files). */
  partitionBy?: readonly string[];
}

export interface CopiedFile {
  /** Local path of the written file. */
  path: string;
  recordCount: number;
  fileSizeInBytes: number;
  /** The values of the `partitionBy` columns of this file as DuckDB prints them, in `partitionBy` order, joined by `partitionKeySeparator`. */
  partitionKey?: string;
  /** `has_nan` per column path (`a`, `s.x`), for float and double columns. */
  hasNan: Map<string, boolean>;
  /** Set when the file was re-encoded after the COPY (its footer statistics are not DuckDB's). */
  reencoded?: boolean;
}

/** Separates the values of several partition columns in `CopiedFile.partitionKey`. */
export const partitionKeySeparator = '\u0001';

const CODECS: Record<ParquetCodec, string> = {
  zstd: 'zstd',
  snappy: 'snappy',
  gzip: 'gzip',
  lz4: 'lz4',
  brotli: 'brotli',
  uncompressed: 'uncompressed',
};

/** Splits a RETURN_STATS column key (`"s"."x"`) into its path. */
export function parseStatsColumnKey(key: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < key.length) {
    if (key[i] === '"') {
      let s = '';
      i++;
      while (i < key.length) {
        if (key[i] === '"' && key[i + 1] === '"') {
          s += '"';
          i += 2;
        } else if (key[i] === '"') {
          i++;
          break;
        } else {
          s += key[i++];
        }
      }
      out.push(s);
    } else {
      let s = '';
      while (i < key.length && key[i] !== '.') s += key[i++];
      out.push(s);
    }
    if (key[i] === '.') i++;
  }
  return out;
}

type KV = { key: unknown; value: unknown }[];

function entries(v: unknown): KV {
  if (Array.isArray(v)) return v as KV;
  if (v !== null && typeof v === 'object' && Array.isArray((v as { entries?: unknown }).entries)) return (v as { entries: KV }).entries;
  return [];
}

/**
 * Whether any written column (nested ones included) is a float or double. DuckDB's dictionary
 * encoding compares values with `==`, so -0.0 and +0.0 share one dictionary entry and every zero of
 * a column chunk comes back with the sign of the first one written; the Iceberg value is the
 * exact float, sign included. DuckDB has no per-column encoding option, so `DICTIONARY_SIZE_LIMIT 0`
 * (no dictionary for any column of the file) is set for tables with float or double columns only.
 * Cost, measured with DuckDB 1.5.6 on 2M rows (long, timestamp, 50-value string, double, int,
 * 15-25 byte string; zstd): 39.0 MiB against 37.5 MiB, COPY time unchanged within noise. Rerun:
 * `COPY t TO 'x.parquet' (FORMAT parquet, COMPRESSION zstd[, DICTIONARY_SIZE_LIMIT 0])`.
 */
export function hasFloatColumn(fields: readonly NestedField[]): boolean {
  const visit = (t: IcebergType): boolean => {
    switch (t.kind) {
      case 'float':
      case 'double':
        return true;
      case 'struct':
        return t.fields.some((f) => visit(f.type));
      case 'list':
        return visit(t.element);
      case 'map':
        return visit(t.key) || visit(t.value);
      default:
        return false;
    }
  };
  return fields.some((f) => visit(f.type));
}

/** Runs the COPY and returns the files it wrote with DuckDB's per-file statistics. */
export async function copyToParquet(o: CopyToParquetOptions): Promise<CopiedFile[]> {
  await fs.mkdir(o.directory, { recursive: true });
  const options = [
    'FORMAT parquet',
    `COMPRESSION ${CODECS[o.codec]}`,
    `FIELD_IDS ${fieldIdsOption(o.fields)}`,
    'RETURN_STATS',
    'OVERWRITE_OR_IGNORE',
  ];
  if (hasFloatColumn(o.fields)) options.push('DICTIONARY_SIZE_LIMIT 0');
  if (o.compressionLevel !== undefined) options.push(`COMPRESSION_LEVEL ${Math.trunc(o.compressionLevel)}`);
  if (o.rowGroupRows !== undefined) options.push(`ROW_GROUP_SIZE ${Math.max(1, Math.trunc(o.rowGroupRows))}`);
  if (o.partitionBy !== undefined) {
    options.push(`PARTITION_BY (${o.partitionBy.map(quoteIdentifier).join(', ')})`);
  } else {
    // A directory target with a size limit: DuckDB rolls to data_1.parquet, data_2.parquet, ...
    options.push(`FILE_SIZE_BYTES ${Math.max(1, Math.trunc(o.targetFileSizeBytes ?? 2 ** 52))}`);
  }
  const sql = `COPY (${o.query}) TO ${quoteString(o.directory)} (${options.join(', ')})`;
  let rows: Record<string, unknown>[];
  try {
    const t0 = performance.now();
    const reader = await o.connection.runAndReadAll(sql);
    const t1 = performance.now();
    rows = reader.getRowObjectsJS() as Record<string, unknown>[];
    if (process.env.LAKE_WRITE_PROFILE === '1') process.stderr.write(`[lake write]   COPY ${(t1 - t0).toFixed(0)} ms, stats ${(performance.now() - t1).toFixed(0)} ms, ${rows.length} files\n`);
  } catch (e) {
    throw duckdbWriteError(e);
  }
  return rows.map((r) => {
    const hasNan = new Map<string, boolean>();
    for (const { key, value } of entries(r.column_statistics)) {
      const path = parseStatsColumnKey(String(key)).join('.');
      for (const stat of entries(value)) if (stat.key === 'has_nan') hasNan.set(path, String(stat.value) === 'true');
    }
    const file: CopiedFile = {
      path: String(r.filename),
      recordCount: Number(r.count),
      fileSizeInBytes: Number(r.file_size_bytes),
      hasNan,
    };
    const keys = entries(r.partition_keys);
    if (o.partitionBy !== undefined) {
      const byName = new Map(keys.map((k) => [String(k.key), k.value === null || k.value === undefined ? 'NULL' : String(k.value)]));
      file.partitionKey = o.partitionBy.map((c) => byName.get(c) ?? 'NULL').join(partitionKeySeparator);
    }
    return file;
  });
}

/** A DuckDB error during a write, as a LakeError (bad values are the input's fault). */
export function duckdbWriteError(e: unknown): LakeError {
  if (e instanceof LakeError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const first = message.split('\n')[0] ?? message;
  // A check folded into the write query (see src/write/arrow-cast.ts) failed: the input is bad.
  const check = first.indexOf(CHECK_ERROR_PREFIX);
  if (check >= 0) return new LakeError('INVALID_INPUT', first.slice(check + CHECK_ERROR_PREFIX.length), { cause: e });
  if (/^(Conversion|Invalid Input|Constraint|Out of Range|Binder|Parser|IO) Error/i.test(first)) {
    return new LakeError('INVALID_INPUT', `the input cannot be written: ${first}`, { cause: e });
  }
  return new LakeError('INTERNAL', `writing Parquet with DuckDB failed: ${first}`, { cause: e });
}
