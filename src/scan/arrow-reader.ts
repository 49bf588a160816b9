/**
 * The Arrow read path: a scan plan -> Arrow JS record batches in the plan's schema, with column
 * projection by field id (field-projection.ts), residual row filters, position deletes, deletion
 * vectors and equality deletes applied.
 *
 * Memory stays bounded: files are read one after another and each file batch by batch
 * (parquet-wasm streams row groups; see src/parquet/reader.ts); only the delete sets of the files
 * being read are held, and each delete file's set is dropped once the last task that uses it is
 * done. Files on S3 (or in memory) are read through the local file cache (file-cache.ts).
 *
 * Arrow types follow arrow-reader-types.ts (uuid as FixedSizeBinary(16), timestamps in µs or ns
 * with "UTC" for the zoned types, decimals as Decimal128).
 */
import { open } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import { LakeError } from '../errors.js';
import { type BoundExpression, type BoundReference, referencedFieldIds, rowEvaluator } from '../expressions/index.js';
import { type ParquetFooter, readParquetFooter } from '../parquet/footer.js';
import { DEFAULT_BATCH_SIZE, readParquetBatches } from '../parquet/reader.js';
import type { PositionSet } from '../puffin/position-set.js';
import { type DataFile, FileContent } from '../spec/data-file.js';
import { type NameMapping, nameMappingOf } from '../spec/name-mapping.js';
import { bytesToHex } from '../spec/single-value.js';
import type { IcebergType, NestedField } from '../spec/types.js';
import { arrowSchema, arrowType, isValid, valueReader } from './arrow-reader-types.js';
import { convertColumn, take } from './arrow-reader-kernels.js';
import { DELETE_FILE_PATH_FIELD_ID, DELETE_FILE_POS_FIELD_ID } from './delete-file-index.js';
import { type FileProjection, type ScanColumns, identityPartitionConstants, projectFile, scanColumns, selectFields } from './field-projection.js';
import { type FileCache, type LocalFile, localFileFor } from './file-cache.js';
import { FileIO } from './file-io.js';
import { PositionDeleteLoader, type PositionDeleteRows, type ReadPositionDeleteFile } from './position-deletes.js';
import type { FileScanTask, ScanPlan } from './scan-task.js';

export interface ReadArrowOptions {
  /** Reads the plan's files (default `plan.io`). */
  io?: FileIO;
  /** Rows per batch (default 65536). Batches can be smaller: deletes and filters remove rows. */
  batchSize?: number;
  /** Cache for files not on local disk (default: the process-wide cache, see file-cache.ts). */
  cache?: FileCache;
  /** Accept deletion vectors stored as bare blobs (old DuckDB); default false, as the reference readers. */
  allowBareDeletionVectors?: boolean;
  /** Skip the residual row filter (return every live row of the planned files). Default false. */
  skipResidualFilter?: boolean;
}

/** The columns a plan reads and returns (see `scanColumns`). */
export function planColumns(plan: Pick<ScanPlan, 'schema' | 'projectedFieldIds' | 'filter' | 'tasks' | 'metadata'>): ScanColumns {
  const equality = new Set<number>();
  for (const t of plan.tasks) for (const d of t.equalityDeletes) for (const id of d.file.equalityIds ?? []) equality.add(id);
  return scanColumns({
    schema: plan.schema,
    projectedFieldIds: plan.projectedFieldIds,
    filterFieldIds: referencedFieldIds(plan.filter),
    equalityFieldIds: equality,
    schemas: plan.metadata.schemas,
  });
}

/** The Arrow schema of what `readArrow` returns for a plan. */
export function arrowSchemaOf(plan: Pick<ScanPlan, 'schema' | 'projectedFieldIds'>): arrow.Schema {
  return arrowSchema(selectFields(plan.schema, plan.projectedFieldIds));
}

function ioOf(plan: ScanPlan, options: ReadArrowOptions): FileIO {
  const io = options.io ?? (plan as { io?: FileIO }).io;
  if (io === undefined) throw new LakeError('INVALID_INPUT', 'readArrow needs a FileIO (plan.io or options.io)');
  return io;
}

/** `readArrow(plan, options)`, or `readArrow(plan, io, options)` with the FileIO given apart. */
function argsOf(ioOrOptions: FileIO | ReadArrowOptions | undefined, options: ReadArrowOptions | undefined): ReadArrowOptions {
  if (ioOrOptions instanceof FileIO) return { ...(options ?? {}), io: ioOrOptions };
  return ioOrOptions ?? options ?? {};
}

/**
 * Reads a scan plan as Arrow record batches in the plan's projected schema. The plan's files are
 * read with `plan.io` unless a FileIO is given (as the second argument or `options.io`).
 */
export async function* readArrow(plan: ScanPlan, ioOrOptions?: FileIO | ReadArrowOptions, maybeOptions?: ReadArrowOptions): AsyncGenerator<arrow.RecordBatch> {
  const options = argsOf(ioOrOptions, maybeOptions);
  const io = ioOf(plan, options);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const columns = planColumns(plan);
  const outSchema = arrowSchema(columns.output);
  const nameMapping = nameMappingOf(plan.metadata.properties);
  const ctx: ReadContext = { io, batchSize, nameMapping, ...(options.cache === undefined ? {} : { cache: options.cache }) };
  const positions = new PositionDeleteLoader({
    io,
    readPositionDeleteFile: positionDeleteReader(ctx),
    allowBareDeletionVectors: options.allowBareDeletionVectors ?? false,
  });
  const equality = new EqualityDeleteLoader(ctx, columns.read, plan.tasks);
  for (const task of plan.tasks) {
    yield* readTask(task, ctx, columns, outSchema, positions, equality, options.skipResidualFilter ? undefined : task.residual);
    equality.done(task);
  }
}

/** Reads a whole plan into one Arrow table (mind the memory: prefer `readArrow` for large scans). */
export async function toArrowTable(plan: ScanPlan, ioOrOptions?: FileIO | ReadArrowOptions, maybeOptions?: ReadArrowOptions): Promise<arrow.Table> {
  const batches: arrow.RecordBatch[] = [];
  for await (const b of readArrow(plan, argsOf(ioOrOptions, maybeOptions))) batches.push(b);
  if (batches.length === 0) return new arrow.Table(arrowSchemaOf(plan));
  return new arrow.Table(batches);
}

// -------------------------------------------------------------------------------------------------
// One data file
// -------------------------------------------------------------------------------------------------

interface ReadContext {
  io: FileIO;
  cache?: FileCache;
  batchSize: number;
  nameMapping: NameMapping | undefined;
}

async function openFile(ctx: ReadContext, file: DataFile): Promise<LocalFile> {
  return localFileFor(ctx.io, file.filePath, { size: file.fileSizeInBytes, ...(ctx.cache === undefined ? {} : { cache: ctx.cache }) });
}

/** Reads the footer of a local Parquet file. */
export async function readLocalFooter(path: string, where = path): Promise<ParquetFooter> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new LakeError(code === 'ENOENT' ? 'NOT_FOUND' : 'STORAGE_ERROR', `cannot open ${where}${where === path ? '' : ` (read from ${path})`}: ${(e as Error).message}`, {
      cause: e,
      context: { file: where, path },
    });
  }
  try {
    const { size } = await fh.stat();
    return await readParquetFooter(
      async (offset, length) => {
        const buf = new Uint8Array(length);
        let filled = 0;
        while (filled < length) {
          const { bytesRead } = await fh.read(buf, filled, length - filled, offset + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return buf.subarray(0, filled);
      },
      size,
      where,
    );
  } finally {
    await fh.close();
  }
}

/**
 * Streams one Parquet file converted to `fields` (projection by field id, promotions, defaults):
 * batches of converted columns, in read order, with the file row position of each batch's first row.
 */
async function* projectedBatches(
  path: string,
  footer: ParquetFooter,
  projection: FileProjection,
  batchSize: number,
  where: string,
): AsyncGenerator<{ columns: arrow.Data[]; length: number; firstRow: number }> {
  let firstRow = 0;
  if (projection.fileColumns.length === 0) {
    // only constants: rows are counted, not read
    for (let left = footer.numRows; left > 0; ) {
      const n = Math.min(batchSize, left);
      yield { columns: projection.columns.map((p) => convertColumn(p, undefined, n)), length: n, firstRow };
      firstRow += n;
      left -= n;
    }
    return;
  }
  const names = projection.fileColumns.map((n) => n.name);
  for await (const batch of readParquetBatches({ path }, { columns: names, batchSize, where })) {
    const n = batch.numRows;
    const byName = new Map<string, arrow.Data>();
    batch.schema.fields.forEach((f, i) => byName.set(f.name, batch.data.children[i]!));
    const columns = projection.columns.map((p) => {
      if (p.kind === 'constant') return convertColumn(p, undefined, n);
      const data = byName.get(p.node.name);
      if (data === undefined) throw new LakeError('INTERNAL', `column ${p.node.name} of ${where} was not read`);
      return convertColumn(p, data, n);
    });
    yield { columns, length: n, firstRow };
    firstRow += n;
  }
}

async function* readTask(
  task: FileScanTask,
  ctx: ReadContext,
  columns: ScanColumns,
  outSchema: arrow.Schema,
  positionLoader: PositionDeleteLoader,
  equalityLoader: EqualityDeleteLoader,
  residual: BoundExpression | undefined,
): AsyncGenerator<arrow.RecordBatch> {
  const dataFile = task.dataFile;
  const where = dataFile.filePath;
  if (dataFile.fileFormat !== 'PARQUET') {
    throw new LakeError('UNSUPPORTED_FEATURE', `data file ${where} is ${dataFile.fileFormat}; lake reads Parquet data files`);
  }
  const [positionSet, equalitySets] = await Promise.all([positionLoader.forTask(task), equalityLoader.forTask(task)]);
  const deleted = positionSet === undefined || positionSet.isEmpty ? undefined : sortedPositions(positionSet);
  const filter = residual === undefined || residual.op === 'true' ? undefined : residual;
  if (filter?.op === 'false') return;
  const file = await openFile(ctx, dataFile);
  try {
    const footer = await readLocalFooter(file.path, where);
    const projection = projectFile({
      fields: columns.read,
      footer,
      ...(ctx.nameMapping === undefined ? {} : { nameMapping: ctx.nameMapping }),
      partitionConstants: identityPartitionConstants(task.spec, dataFile.partition),
      where,
    });
    let cursor = 0; // index into `deleted`
    for await (const { columns: data, length, firstRow } of projectedBatches(file.path, footer, projection, ctx.batchSize, where)) {
      const getters = filter !== undefined || equalitySets.length > 0 ? rowGetters(columns.read, data) : undefined;
      const test = filter === undefined ? undefined : rowEvaluator<number>(filter, (row, ref: BoundReference) => getters!.get(ref.fieldId)?.(row) ?? null);
      const eqKeys = equalitySets.map((s) => ({ set: s, key: keyFunction(s.ids, getters!) }));
      const keep = new Int32Array(length);
      let k = 0;
      for (let i = 0; i < length; i++) {
        if (deleted !== undefined) {
          const pos = firstRow + i;
          while (cursor < deleted.length && deleted[cursor]! < pos) cursor++;
          if (cursor < deleted.length && deleted[cursor] === pos) continue;
        }
        if (eqKeys.length > 0 && eqKeys.some((e) => e.set.keys.has(e.key(i)))) continue;
        if (test !== undefined && !test(i)) continue;
        keep[k++] = i;
      }
      if (k === 0) continue;
      const selected = k === length ? data : data.map((d) => take(d, keep.subarray(0, k)));
      yield outputBatch(outSchema, columns, selected, k);
    }
  } finally {
    file.release();
  }
}

function sortedPositions(set: PositionSet): Float64Array {
  // PositionSet iterates ascending
  return Float64Array.from(set.toArray());
}

/** The output batch: read columns in output order, structs pruned to the output selection. */
function outputBatch(schema: arrow.Schema, columns: ScanColumns, data: arrow.Data[], length: number): arrow.RecordBatch {
  const readIndex = new Map(columns.read.map((f, i) => [f.id, i] as const));
  const children = columns.output.map((f) => {
    const i = readIndex.get(f.id)!;
    const d = data[i]!;
    const readField = columns.read[i]!;
    return readField === f ? d : pruneTo(d, readField.type, f.type);
  });
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children });
  return new arrow.RecordBatch(schema, struct);
}

/** Keeps the struct fields of `to` out of data of type `from` (a superset). */
function pruneTo(d: arrow.Data, from: IcebergType, to: IcebergType): arrow.Data {
  if (from.kind !== 'struct' || to.kind !== 'struct') return d;
  const children = to.fields.map((f) => {
    const i = from.fields.findIndex((x) => x.id === f.id);
    return pruneTo(d.children[i]!, from.fields[i]!.type, f.type);
  });
  return arrow.makeData({ type: arrowType(to) as arrow.Struct, length: d.length, nullCount: d.nullCount, nullBitmap: d.nullBitmap, children });
}

/** Value getters (lake representation) by field id for the primitive fields of the read columns, nested structs included. */
function rowGetters(fields: readonly NestedField[], data: readonly arrow.Data[]): Map<number, (i: number) => unknown> {
  const out = new Map<number, (i: number) => unknown>();
  const visit = (f: NestedField, d: arrow.Data, parentValid: ((i: number) => boolean) | undefined): void => {
    const t = f.type;
    if (t.kind === 'struct') {
      const valid = (i: number): boolean => (parentValid === undefined || parentValid(i)) && isValid(d, i);
      t.fields.forEach((c, ci) => visit(c, d.children[ci]!, valid));
      return;
    }
    if (t.kind === 'list' || t.kind === 'map' || t.kind === 'variant') return;
    const read = valueReader(d, t);
    out.set(f.id, parentValid === undefined ? read : (i) => (parentValid(i) ? read(i) : null));
  };
  fields.forEach((f, i) => visit(f, data[i]!, undefined));
  return out;
}

// -------------------------------------------------------------------------------------------------
// Equality deletes
// -------------------------------------------------------------------------------------------------

interface EqualitySet {
  ids: number[];
  keys: Set<string>;
}

/**
 * A key for a tuple of values: the same for values that are equal under the spec's equality
 * (null equals null), different otherwise. Parts are length-prefixed so no two tuples collide.
 */
function keyPart(v: unknown): string {
  if (v === null || v === undefined) return 'n';
  let s: string;
  switch (typeof v) {
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
      s = Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v);
      break;
    case 'bigint':
      s = v.toString();
      break;
    case 'string':
      s = v;
      break;
    default:
      s = v instanceof Uint8Array ? bytesToHex(v) : String(v);
  }
  return `${s.length}:${s}`;
}

function keyFunction(ids: readonly number[], getters: ReadonlyMap<number, (i: number) => unknown>): (i: number) => string {
  const gets = ids.map((id) => {
    const g = getters.get(id);
    if (g === undefined) throw new LakeError('INTERNAL', `equality delete column ${id} was not read`);
    return g;
  });
  if (gets.length === 1) {
    const g = gets[0]!;
    return (i) => keyPart(g(i));
  }
  return (i) => gets.map((g) => keyPart(g(i))).join('|');
}

/** Reads equality delete files into key sets, each once, dropping a set when no remaining task needs it. */
class EqualityDeleteLoader {
  private readonly sets = new Map<string, Promise<EqualitySet>>();
  private readonly remaining = new Map<string, number>();

  constructor(
    private readonly ctx: ReadContext,
    private readonly readFields: readonly NestedField[],
    tasks: readonly FileScanTask[],
  ) {
    for (const t of tasks) for (const d of t.equalityDeletes) this.remaining.set(d.file.filePath, (this.remaining.get(d.file.filePath) ?? 0) + 1);
  }

  forTask(task: FileScanTask): Promise<EqualitySet[]> {
    return Promise.all(
      task.equalityDeletes.map((d) => {
        let p = this.sets.get(d.file.filePath);
        if (p === undefined) {
          p = this.load(d.file);
          this.sets.set(d.file.filePath, p);
        }
        return p;
      }),
    );
  }

  /** A task is finished: forget sets no later task uses. */
  done(task: FileScanTask): void {
    for (const d of task.equalityDeletes) {
      const n = (this.remaining.get(d.file.filePath) ?? 1) - 1;
      if (n <= 0) {
        this.remaining.delete(d.file.filePath);
        this.sets.delete(d.file.filePath);
      } else this.remaining.set(d.file.filePath, n);
    }
  }

  private async load(file: DataFile): Promise<EqualitySet> {
    if (file.content !== FileContent.EQUALITY_DELETES) throw new LakeError('INVALID_INPUT', `${file.filePath} is not an equality delete file`);
    if (file.fileFormat !== 'PARQUET') {
      throw new LakeError('UNSUPPORTED_FEATURE', `equality delete file ${file.filePath} is ${file.fileFormat}; lake reads Parquet delete files`);
    }
    const ids = file.equalityIds ?? [];
    if (ids.length === 0) throw new LakeError('INVALID_METADATA', `equality delete file ${file.filePath} has no equality_ids`);
    const fields = selectFields({ fields: [...this.readFields] }, ids);
    const local = await openFile(this.ctx, file);
    const keys = new Set<string>();
    try {
      const footer = await readLocalFooter(local.path, file.filePath);
      const projection = projectFile({
        fields,
        footer,
        ...(this.ctx.nameMapping === undefined ? {} : { nameMapping: this.ctx.nameMapping }),
        where: `equality delete file ${file.filePath}`,
      });
      for await (const { columns: data, length } of projectedBatches(local.path, footer, projection, this.ctx.batchSize, file.filePath)) {
        const key = keyFunction(ids, rowGetters(fields, data));
        for (let i = 0; i < length; i++) keys.add(key(i));
      }
    } finally {
      local.release();
    }
    return { ids: [...ids], keys };
  }
}

// -------------------------------------------------------------------------------------------------
// Position delete files
// -------------------------------------------------------------------------------------------------

const POSITION_DELETE_FIELDS: NestedField[] = [
  { id: DELETE_FILE_PATH_FIELD_ID, name: 'file_path', required: true, type: { kind: 'string' } },
  { id: DELETE_FILE_POS_FIELD_ID, name: 'pos', required: true, type: { kind: 'long' } },
];

/** Position delete files without field ids are read by the spec's column names. */
const POSITION_DELETE_MAPPING: NameMapping = [
  { fieldId: DELETE_FILE_PATH_FIELD_ID, names: ['file_path'] },
  { fieldId: DELETE_FILE_POS_FIELD_ID, names: ['pos'] },
];

/** Reads `file_path` and `pos` of a Parquet position delete file with parquet-wasm. */
function positionDeleteReader(ctx: ReadContext): ReadPositionDeleteFile {
  return async ({ file, dataFilePath }) => {
    const local = await openFile(ctx, file);
    const filePaths: string[] = [];
    const positions: bigint[] = [];
    try {
      const footer = await readLocalFooter(local.path, file.filePath);
      const projection = projectFile({ fields: POSITION_DELETE_FIELDS, footer, nameMapping: POSITION_DELETE_MAPPING, where: `position delete file ${file.filePath}` });
      for await (const { columns: data, length } of projectedBatches(local.path, footer, projection, ctx.batchSize, file.filePath)) {
        const path = valueReader(data[0]!, { kind: 'string' });
        const pos = data[1]!.values as BigInt64Array;
        for (let i = 0; i < length; i++) {
          const p = path(i) as string;
          if (dataFilePath !== undefined && p !== dataFilePath) continue;
          filePaths.push(p);
          positions.push(pos[i]!);
        }
      }
    } finally {
      local.release();
    }
    return { filePaths, positions } satisfies PositionDeleteRows;
  };
}

