/**
 * Parquet -> Arrow JS record batches with parquet-wasm (the fastest route measured on this kind of
 * machine; see docs or `../shared/research/parquet-engines-measured.md`).
 *
 * Batches are streamed: parquet-wasm decodes one batch at a time into wasm memory, each batch is
 * copied into JS Arrow through the C data interface (arrow-js-ffi) and its wasm memory freed at
 * once, so memory stays bounded by the batch size whatever the file size. Column projection uses
 * `ParquetFile.stream({ columns })` (in parquet-wasm 0.8.0 `readParquet` ignores `columns`).
 */
import { openAsBlob } from 'node:fs';
import type { RecordBatch } from 'apache-arrow';
import { parseRecordBatch, parseSchema } from 'arrow-js-ffi';
import * as pw from 'parquet-wasm';
import { LakeError } from '../errors.js';

/** Where the Parquet bytes are: a local file (read lazily, range by range), bytes in memory, or a Blob. */
export type ParquetInput = { path: string } | { bytes: Uint8Array } | { blob: Blob };

export interface ReadParquetBatchesOptions {
  /**
   * Top-level columns to read, by name (a struct, list or map column reads every leaf below it).
   * Default: every column. An unknown name is an error.
   */
  columns?: readonly string[];
  /** Rows per batch (default 65536). */
  batchSize?: number;
  /** Only these row groups (default all). */
  rowGroups?: readonly number[];
  /** Names the file in error messages. */
  where?: string;
}

export const DEFAULT_BATCH_SIZE = 65536;

async function toBlob(input: ParquetInput): Promise<Blob> {
  if ('blob' in input) return input.blob;
  if ('bytes' in input) return new Blob([input.bytes]);
  return openAsBlob(input.path);
}

function describeInput(input: ParquetInput, where?: string): string {
  if (where !== undefined) return where;
  return 'path' in input ? input.path : 'Parquet data';
}

/**
 * Streams a Parquet file as Arrow JS record batches. Stopping early (breaking out of the loop)
 * cancels the stream and frees the wasm side.
 */
export async function* readParquetBatches(input: ParquetInput, options: ReadParquetBatchesOptions = {}): AsyncGenerator<RecordBatch> {
  const where = describeInput(input, options.where);
  let file: pw.ParquetFile;
  try {
    file = await pw.ParquetFile.fromFile(await toBlob(input));
  } catch (e) {
    throw wrap(e, `cannot open ${where} as Parquet`, where);
  }
  let stream: ReadableStream<pw.RecordBatch> | undefined;
  let finished = false;
  try {
    const readOptions: pw.ReaderOptions = { batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE };
    if (options.columns !== undefined) {
      // parquet-wasm 0.8.0 aborts inside wasm (poisoning the module) on an unknown column: check first
      const names = topLevelNames(file);
      const unknown = options.columns.filter((c) => !names.has(c));
      if (unknown.length > 0) {
        finished = true;
        throw new LakeError('INVALID_INPUT', `${where} has no column ${unknown.map((c) => JSON.stringify(c)).join(', ')}`, {
          context: { file: where, columns: unknown },
        });
      }
      readOptions.columns = [...options.columns];
    }
    if (options.rowGroups !== undefined) readOptions.rowGroups = [...options.rowGroups];
    try {
      stream = (await file.stream(readOptions)) as ReadableStream<pw.RecordBatch>;
    } catch (e) {
      finished = true;
      throw wrap(e, `cannot read ${where}`, where);
    }
    const reader = stream.getReader();
    try {
      for (;;) {
        let next: { done: true; value?: undefined } | { done: false; value: pw.RecordBatch };
        try {
          next = (await reader.read()) as typeof next;
        } catch (e) {
          finished = true;
          throw wrap(e, `cannot decode ${where}`, where);
        }
        if (next.done) {
          finished = true;
          break;
        }
        yield toJsBatch(next.value);
      }
    } finally {
      reader.releaseLock();
    }
  } finally {
    // parquet-wasm 0.8.0's stream never settles `cancel()`, and freeing the file while the stream
    // may still be fetching ahead crashes the wasm module: a stream left early is dropped and its
    // wasm objects are released by their finalizers when collected.
    if (finished) file.free();
  }
}

function topLevelNames(file: pw.ParquetFile): Set<string> {
  const schema = file.schema();
  const ffi = schema.intoFFI(); // consumes `schema`
  try {
    return new Set(parseSchema(pw.wasmMemory().buffer, ffi.addr()).fields.map((f: { name: string }) => f.name));
  } finally {
    ffi.free();
  }
}

/** Copies a wasm record batch into JS Arrow and frees the wasm memory it used. */
function toJsBatch(batch: pw.RecordBatch): RecordBatch {
  const ffi = batch.intoFFI(); // consumes `batch`
  try {
    return parseRecordBatch(pw.wasmMemory().buffer, ffi.arrayAddr(), ffi.schemaAddr(), true);
  } finally {
    ffi.free();
  }
}

function wrap(e: unknown, message: string, where: string): LakeError {
  if (e instanceof LakeError) return e;
  const text = e instanceof Error ? e.message : String(e);
  return new LakeError('INVALID_METADATA', `${message}: ${text}`, { cause: e, context: { file: where } });
}
