/**
 * Parquet types DuckDB cannot write, written by re-encoding DuckDB's file with parquet-wasm.
 *
 * Appendix A of the spec maps `fixed(L)` to FIXED_LEN_BYTE_ARRAY(L) and `timestamptz_ns` to
 * TIMESTAMP(NANOS, isAdjustedToUTC=true). DuckDB has neither: it writes BLOB as BYTE_ARRAY and
 * its only nanosecond timestamp type has no zone (isAdjustedToUTC=false). A reader that follows
 * the file's physical type would read such files wrongly (the reference implementation reads a
 * BYTE_ARRAY column as a byte buffer, not as fixed bytes). So the files of a table with such
 * columns are written by DuckDB as usual (cast, checks, partitioning, sorting and rolling stay
 * DuckDB's), then each file is streamed through parquet-wasm (arrow-rs's writer) into a new file
 * with the table's Arrow schema (src/parquet/arrow-schema.ts): the same rows and row-group size,
 * the same codec, field ids on every column, FixedSizeBinary(L) and Timestamp(ns, UTC) where the
 * table has fixed and timestamptz_ns.
 * Differences from DuckDB's own files, for these tables only: uuid columns are FIXED_LEN_BYTE_ARRAY(16)
 * without the UUID logical type (parquet-wasm 0.8.0 does not write it; readers go by the Iceberg
 * type), decimals of precision 19..37 get the minimal width, required columns are REQUIRED, and
 * the compression level is the codec's default. Cost, measured with writeDataFiles on 1M rows
 * (long, 5000-value string, double, and a fixed[4] column, or the same bytes as binary for DuckDB
 * alone; zstd; 2 vCPU at load average 5-6, so noisy): 1.8-4.6 s and 4.8 MB re-encoded against
 * 0.4-1.7 s and 2.6 MB, so the re-encoding is used only when the table needs it.
 */
import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import { Writable } from 'node:stream';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm';
import { LakeError } from '../errors.js';
import type { ParquetCodec } from '../spec/properties.js';
import type { IcebergType, NestedField } from '../spec/types.js';
import { arrowSchema } from './arrow-schema.js';
import { writtenFields } from './duckdb-types.js';
import { readParquetBatches } from './reader.js';

/** Whether a column of this type needs a Parquet type DuckDB cannot write. */
function needsRewrite(t: IcebergType): boolean {
  switch (t.kind) {
    case 'fixed':
    case 'timestamptz_ns':
      return true;
    case 'struct':
      return t.fields.some((f) => needsRewrite(f.type));
    case 'list':
      return needsRewrite(t.element);
    case 'map':
      return needsRewrite(t.key) || needsRewrite(t.value);
    default:
      return false;
  }
}

/** Whether files with these columns must be re-encoded (see the module comment). */
export function needsTypeRewrite(fields: readonly NestedField[]): boolean {
  return writtenFields(fields).some((f) => needsRewrite(f.type));
}

const CODECS: Record<ParquetCodec, pw.Compression> = {
  zstd: pw.Compression.ZSTD,
  snappy: pw.Compression.SNAPPY,
  gzip: pw.Compression.GZIP,
  lz4: pw.Compression.LZ4_RAW,
  brotli: pw.Compression.BROTLI,
  uncompressed: pw.Compression.UNCOMPRESSED,
};

/** DuckDB's BYTE_ARRAY values as fixed-size binaries of `width` bytes (lengths were checked on input). */
function fixedFrom(data: arrow.Data, type: arrow.FixedSizeBinary): arrow.Data {
  const width = type.byteWidth;
  const values = new Uint8Array(data.length * width);
  const vector = new arrow.Vector([data]);
  const validity = new Uint8Array(Math.ceil(data.length / 8));
  let nulls = 0;
  for (let i = 0; i < data.length; i++) {
    const v = vector.get(i) as Uint8Array | null;
    if (v === null) {
      nulls++;
      continue;
    }
    if (v.length !== width) throw new LakeError('INTERNAL', `a fixed[${width}] value of ${v.length} bytes reached the Parquet writer`);
    values.set(v, i * width);
    validity[i >> 3]! |= 1 << (i & 7);
  }
  return arrow.makeData({ type, length: data.length, nullCount: nulls, nullBitmap: nulls === 0 ? undefined : validity, data: values });
}

/** `data` (as parquet-wasm read DuckDB's file) as Arrow data of the table's type `type`. */
function convert(data: arrow.Data, type: arrow.DataType): arrow.Data {
  const T = arrow.Type;
  if (type.typeId === T.FixedSizeBinary && (data.typeId === T.Binary || data.typeId === T.LargeBinary)) {
    return fixedFrom(data, type as arrow.FixedSizeBinary);
  }
  if (type.typeId === T.Struct || type.typeId === T.List || type.typeId === T.Map) {
    const kids = type.children;
    if (kids.length !== data.children.length) throw new LakeError('INTERNAL', `Parquet rewrite: ${String(data.type)} does not match ${String(type)}`);
    const children = data.children.map((c, j) => convert(c, kids[j]!.type));
    return data.clone(type, data.offset, data.length, data.nullCount, data.buffers, children);
  }
  // The same layout (only the zone, field names or metadata differ).
  return data.clone(type);
}

function toWasmBatch(batch: arrow.RecordBatch): pw.RecordBatch {
  const table = pw.Table.fromIPCStream(arrow.tableToIPC(new arrow.Table([batch]), 'stream'));
  try {
    const b = table.recordBatch(0);
    if (b === undefined) throw new LakeError('INTERNAL', 'Parquet rewrite: parquet-wasm returned no batch');
    return b;
  } finally {
    table.free();
  }
}

export interface RewriteTypesOptions {
  /** The local file DuckDB wrote; replaced by the re-encoded file. */
  path: string;
  /** The table's columns (as written). */
  fields: readonly NestedField[];
  codec: ParquetCodec;
  rowGroupRows: number;
}

/** Re-encodes a DuckDB-written file with the table's Parquet types (see the module comment). */
export async function rewriteParquetTypes(o: RewriteTypesOptions): Promise<void> {
  const fields = writtenFields(o.fields);
  const schema = arrowSchema({ fields });
  // No dictionary: with parquet-wasm 0.8.0's zstd, files were smaller without it (1M rows of long,
  // 5000-value string, double, 4-byte fixed at 122,880 rows a group: 4.4 MB against 7.8 MB; the
  // DuckDB original is 2.9 MB). (arrow-rs's dictionary would keep -0.0 and +0.0 apart anyway.)
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(CODECS[o.codec])
    .setMaxRowGroupSize(Math.max(1, Math.trunc(o.rowGroupRows)))
    .setDictionaryEnabled(false)
    .build();
  const batches = readParquetBatches({ path: o.path }, { batchSize: Math.max(1, Math.trunc(o.rowGroupRows)) })[Symbol.asyncIterator]();
  const input = new ReadableStream<pw.RecordBatch>({
    async pull(controller) {
      const next = await batches.next();
      if (next.done === true) {
        controller.close();
        return;
      }
      const b = next.value;
      if (b.numCols !== schema.fields.length) throw new LakeError('INTERNAL', `Parquet rewrite: ${o.path} has ${b.numCols} columns, the table ${schema.fields.length}`);
      const children = schema.fields.map((f, j) => convert(b.data.children[j]!, f.type));
      const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: b.numRows, nullCount: 0, children });
      controller.enqueue(toWasmBatch(new arrow.RecordBatch(schema, data)));
    },
  });
  const target = `${o.path}.rewrite`;
  try {
    const output = (await pw.transformParquetStream(input, props)) as ReadableStream<Uint8Array>;
    await output.pipeTo(Writable.toWeb(createWriteStream(target)) as WritableStream<Uint8Array>);
    await fs.rename(target, o.path);
  } catch (e) {
    await fs.rm(target, { force: true }).catch(() => undefined);
    if (e instanceof LakeError) throw e;
    throw new LakeError('INTERNAL', `re-encoding ${o.path} with the table's Parquet types failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
