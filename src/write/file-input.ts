/**
 * Writing CSV, NDJSON and Parquet input files (the CLI's `lake commit <files>`) as data files of a
 * table. DuckDB reads the inputs itself (`read_csv`, `read_json`, `read_parquet`), so rows never
 * pass through JS; they are cast to the table schema with the same rules and errors as Arrow
 * input (src/write/arrow-cast.ts), partitioned, sorted and written by the same pipeline
 * (src/write/data-writer.ts).
 * - Parquet: typed columns, matched by name, widened where Iceberg allows.
 * - CSV: read as text with a header row; each value must convert to its column's type (checked
 *   with one TRY_CAST query before anything is written; the error names the column and a value).
 *   Timestamps without an offset are taken as UTC for timestamptz columns.
 * - NDJSON: one JSON object per line; values are converted leniently like CSV, objects and arrays
 *   cast to structs, lists and maps by name.
 * Missing or unreadable input files are INVALID_INPUT errors naming the file.
 */
import { constants as fsConstants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { LakeError } from '../errors.js';
import { quoteString } from '../expressions/duckdb-sql.js';
import type { DataFile } from '../spec/data-file.js';
import { duckdbConnect } from '../util/duckdb.js';
import { type CastMode, type SourceColumn } from './arrow-cast.js';
import { type WriteOptionsBase, writeRelation } from './data-writer.js';
import { quoteIdentifier } from '../expressions/duckdb-sql.js';

export type InputFormat = 'parquet' | 'csv' | 'ndjson';

export interface CsvOptions {
  /** Field delimiter (default `,`). */
  delimiter?: string;
  /** Whether the first line names the columns (default true; without it columns are `column0`, ...). */
  header?: boolean;
  /** The text that means null (default: empty field). */
  nullString?: string;
  quote?: string;
  escape?: string;
}

export interface WriteFilesOptions extends WriteOptionsBase {
  /** Input files: local paths (or `file://` locations). */
  files: readonly string[];
  /** The format of every file; default: from each file's extension (`.parquet`, `.csv`, `.ndjson`/`.jsonl`/`.json`). */
  format?: InputFormat;
  csv?: CsvOptions;
}

/** The input format of a file from its extension (compressed `.csv.gz` and `.ndjson.gz` included). */
export function inputFormatOf(file: string): InputFormat {
  const name = file.toLowerCase().replace(/\.(gz|zst|zstd)$/, '');
  if (name.endsWith('.parquet') || name.endsWith('.parq') || name.endsWith('.pq')) return 'parquet';
  if (name.endsWith('.csv') || name.endsWith('.tsv') || name.endsWith('.txt')) return 'csv';
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl') || name.endsWith('.json')) return 'ndjson';
  throw new LakeError('INVALID_INPUT', `cannot tell the format of ${file} from its extension; give the format (parquet, csv or ndjson)`, {
    context: { file },
  });
}

function localPathOf(file: string): string {
  if (/^file:/i.test(file)) return new URL(file).pathname;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(file)) {
    throw new LakeError('INVALID_INPUT', `input files must be local files, got ${file}`, { context: { file } });
  }
  return path.resolve(file);
}

/** Fails with INVALID_INPUT naming the first input file that is missing or unreadable. */
async function checkReadable(files: readonly string[]): Promise<string[]> {
  if (files.length === 0) throw new LakeError('INVALID_INPUT', 'no input files given');
  const out: string[] = [];
  for (const f of files) {
    const p = localPathOf(f);
    try {
      const st = await fs.stat(p);
      if (!st.isFile()) throw new LakeError('INVALID_INPUT', `input ${f} is not a file`, { context: { file: f } });
      await fs.access(p, fsConstants.R_OK);
    } catch (e) {
      if (e instanceof LakeError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be read (${code ?? (e as Error).message})`;
      throw new LakeError('INVALID_INPUT', `input file ${f} ${why}`, { context: { file: f }, cause: e });
    }
    out.push(p);
  }
  return out;
}

function csvOptions(o: CsvOptions | undefined): string {
  const parts = [`header = ${o?.header === false ? 'false' : 'true'}`, 'all_varchar = true', 'union_by_name = true', 'hive_partitioning = false'];
  if (o?.delimiter !== undefined) parts.push(`delim = ${quoteString(o.delimiter)}`);
  if (o?.nullString !== undefined) parts.push(`nullstr = ${quoteString(o.nullString)}`);
  if (o?.quote !== undefined) parts.push(`quote = ${quoteString(o.quote)}`);
  if (o?.escape !== undefined) parts.push(`escape = ${quoteString(o.escape)}`);
  return parts.join(', ');
}

/** The DuckDB table function reading files of one format. */
export function readerSql(format: InputFormat, paths: readonly string[], csv?: CsvOptions): string {
  const list = `[${paths.map(quoteString).join(', ')}]`;
  switch (format) {
    case 'parquet':
      return `read_parquet(${list}, union_by_name = true, hive_partitioning = false)`;
    case 'csv':
      return `read_csv(${list}, ${csvOptions(csv)})`;
    case 'ndjson':
      return `read_json(${list}, format = 'newline_delimited', union_by_name = true, hive_partitioning = false)`;
  }
}

function modeOf(format: InputFormat): CastMode {
  return format === 'parquet' ? 'typed' : format === 'csv' ? 'text' : 'lenient';
}

/** The columns (names and DuckDB types) a reader produces, without reading the rows. */
async function describe(sql: string): Promise<SourceColumn[]> {
  const conn = await duckdbConnect();
  try {
    const prepared = await conn.prepare(`SELECT * FROM ${sql}`);
    const out: SourceColumn[] = [];
    for (let i = 0; i < prepared.columnCount; i++) {
      const name = prepared.columnName(i);
      out.push({ name, type: prepared.columnType(i), sql: quoteIdentifier(name) });
    }
    return out;
  } finally {
    conn.closeSync();
  }
}

function readError(file: string, format: InputFormat, e: unknown): LakeError {
  const first = ((e as Error).message ?? String(e)).split('\n')[0];
  return new LakeError('INVALID_INPUT', `input file ${file} cannot be read as ${format}: ${first}`, { context: { file, format }, cause: e });
}

/**
 * Writes the rows of input files as data files of the table (nothing is committed). All files of
 * one call must have the same format; their columns are matched to the table by name.
 */
export async function writeDataFilesFromFiles(options: WriteFilesOptions): Promise<DataFile[]> {
  const paths = await checkReadable(options.files);
  const formats = options.files.map((f) => options.format ?? inputFormatOf(f));
  const format = formats[0]!;
  const mixed = options.files.find((_f, i) => formats[i] !== format);
  if (mixed !== undefined) {
    throw new LakeError('INVALID_INPUT', `input files have different formats (${format} and ${inputFormatOf(mixed)}); commit them separately or give one format`, {
      context: { file: mixed },
    });
  }
  const sql = readerSql(format, paths, options.csv);
  let columns: SourceColumn[];
  try {
    columns = await describe(sql);
  } catch (e) {
    // Name the file that cannot be read.
    for (let i = 0; i < paths.length; i++) {
      try {
        await describe(readerSql(format, [paths[i]!], options.csv));
      } catch (inner) {
        throw readError(options.files[i]!, format, inner);
      }
    }
    throw readError(options.files.join(', '), format, e);
  }
  const inputName = options.files.length === 1 ? `input file ${options.files[0]}` : `the input files (${options.files.length})`;
  try {
    // Parquet is cheap to read twice (partition pass, then COPY); CSV and JSON are parsed once into a stage.
    return await writeRelation({ ...options, sourceSql: `SELECT * FROM ${sql}`, sourceColumns: columns, mode: modeOf(format), inputName, stage: format !== 'parquet' });
  } catch (e) {
    if (e instanceof LakeError && e.code === 'INVALID_INPUT' && /cannot be written: (IO|Invalid Input) Error/.test(e.message)) {
      // A file that fails only when its rows are read (a truncated or malformed file).
      for (let i = 0; i < paths.length; i++) {
        const conn = await duckdbConnect();
        try {
          await conn.run(`SELECT count(*) FROM ${readerSql(format, [paths[i]!], options.csv)}`);
        } catch (inner) {
          throw readError(options.files[i]!, format, inner);
        } finally {
          conn.closeSync();
        }
      }
    }
    throw e;
  }
}
