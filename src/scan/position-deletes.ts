/**
 * The deleted row positions of a task's data file, shared by both readers: deletion vectors are
 * read here (Puffin `deletion-vector-v1` blobs, by range read), and position delete files
 * (Parquet: `file_path`, `pos`, optional `row`) through a small function the reader injects (DuckDB
 * or parquet-wasm), so this module needs no Parquet reader of its own.
 *
 * Each delete file is read once per loader, however many data files it applies to; rows for other
 * data files are ignored, as the spec says. `file_path` values are compared with the data file's
 * path as written in metadata (never remapped).
 */
import pLimit from 'p-limit';
import { LakeError } from '../errors.js';
import { PositionSet } from '../puffin/position-set.js';
import { decodeDeletionVector } from '../puffin/deletion-vector.js';
import { hasPuffinMagic } from '../puffin/puffin-file.js';
import { type DataFile, FileContent } from '../spec/data-file.js';
import { isDeletionVector } from './delete-file-index.js';
import type { FileIO } from './file-io.js';
import type { FileScanTask } from './scan-task.js';

/** The two columns of a position delete file, in file order (any columnar or array form). */
export interface PositionDeleteRows {
  filePaths: ArrayLike<string>;
  positions: ArrayLike<number | bigint>;
}

/**
 * Reads the `file_path` (field id 2147483546) and `pos` (2147483545) columns of a position delete
 * file. `location` is the resolved location (remaps applied); `localPath` is set when it is on
 * local disk. `dataFilePath`, when given, is the only data file whose rows are needed: a reader
 * may push it down as a filter (rows for other files are ignored anyway).
 */
export type ReadPositionDeleteFile = (args: {
  location: string;
  localPath: string | undefined;
  file: DataFile;
  io: FileIO;
  dataFilePath?: string;
}) => Promise<PositionDeleteRows>;

export interface PositionDeleteLoaderOptions {
  io: FileIO;
  /** Needed when a plan has position delete files (not only deletion vectors). */
  readPositionDeleteFile?: ReadPositionDeleteFile;
  /**
   * Accept a deletion vector stored as a bare blob (no Puffin file around it), as old DuckDB
   * versions wrote. Default false: such a file is rejected, as the reference readers do.
   */
  allowBareDeletionVectors?: boolean;
  /** Delete files read at once (default 8). */
  concurrency?: number;
}

/** Reads one deletion vector (a DV entry of a delete manifest) into its positions. */
export async function readDeletionVector(
  io: FileIO,
  file: DataFile,
  options: { allowBareDeletionVectors?: boolean; puffinChecked?: Map<string, Promise<boolean>> } = {},
): Promise<PositionSet> {
  if (!isDeletionVector(file)) throw new LakeError('INVALID_INPUT', `${file.filePath} is not a deletion vector`);
  const offset = file.contentOffset;
  const size = file.contentSizeInBytes;
  const where = `deletion vector in ${file.filePath}`;
  if (offset === undefined || size === undefined) {
    throw new LakeError('INVALID_METADATA', `${where} has no content_offset / content_size_in_bytes`, { context: { filePath: file.filePath } });
  }
  if (options.allowBareDeletionVectors !== true) {
    // A blob inside a Puffin file starts after the 4-byte magic; check the magic once per file.
    const cache = options.puffinChecked;
    let check = cache?.get(file.filePath);
    if (check === undefined) {
      check = offset < 4 ? Promise.resolve(false) : io.readRange(file.filePath, 0, 4).then((b) => hasPuffinMagic(b));
      cache?.set(file.filePath, check);
    }
    if (!(await check)) {
      throw new LakeError(
        'INVALID_METADATA',
        `${where} is not a valid Puffin file (no PFA1 magic): a bare deletion-vector blob as old DuckDB versions wrote; ` +
          'set allowBareDeletionVectors to read it anyway',
        { context: { filePath: file.filePath } },
      );
    }
  }
  const blob = await io.readRange(file.filePath, offset, size);
  if (blob.length !== size) {
    throw new LakeError('INVALID_METADATA', `${where}: blob at ${offset} of ${size} bytes extends past the end of the file`, {
      context: { filePath: file.filePath },
    });
  }
  return decodeDeletionVector(blob, { expectedCardinality: file.recordCount, source: `${file.filePath} at offset ${offset}` });
}

function toNumber(v: number | bigint, where: string): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (!Number.isSafeInteger(n) || n < 0) throw new LakeError('INVALID_METADATA', `${where}: position ${String(v)} is not a valid row position`);
  return n;
}

/** Loads and caches deleted positions for the tasks of a plan. */
export class PositionDeleteLoader {
  private readonly io: FileIO;
  private readonly read: ReadPositionDeleteFile | undefined;
  private readonly allowBare: boolean;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly files = new Map<string, Promise<Map<string, number[]>>>();
  private readonly dvs = new Map<string, Promise<PositionSet>>();
  private readonly puffinChecked = new Map<string, Promise<boolean>>();

  constructor(options: PositionDeleteLoaderOptions) {
    this.io = options.io;
    this.read = options.readPositionDeleteFile;
    this.allowBare = options.allowBareDeletionVectors ?? false;
    this.limit = pLimit(Math.max(1, options.concurrency ?? 8));
  }

  /** The deleted positions of the task's data file, or undefined when no position deletes apply. */
  async forTask(task: Pick<FileScanTask, 'dataFile' | 'positionDeletes'>): Promise<PositionSet | undefined> {
    const deletes = task.positionDeletes;
    if (deletes.length === 0) return undefined;
    const path = task.dataFile.filePath;
    const parts = await Promise.all(deletes.map((d) => this.positionsIn(d.file, path)));
    if (parts.length === 1 && parts[0] instanceof PositionSet) return parts[0];
    const set = new PositionSet();
    for (const p of parts) {
      if (p instanceof PositionSet) set.addAll(p);
      else for (const pos of p) set.add(pos);
    }
    return set;
  }

  /** Positions of `dataFilePath` deleted by one delete file (a DV's set, or the rows of a position delete file). */
  private async positionsIn(file: DataFile, dataFilePath: string): Promise<PositionSet | readonly number[]> {
    if (file.content !== FileContent.POSITION_DELETES) {
      throw new LakeError('INVALID_INPUT', `${file.filePath} is not a position delete file`);
    }
    if (isDeletionVector(file)) {
      if (file.referencedDataFile !== dataFilePath) {
        throw new LakeError('INVALID_INPUT', `deletion vector in ${file.filePath} is for ${file.referencedDataFile}, not ${dataFilePath}`);
      }
      const key = `${file.filePath}#${file.contentOffset}`;
      let p = this.dvs.get(key);
      if (p === undefined) {
        p = this.limit(() => readDeletionVector(this.io, file, { allowBareDeletionVectors: this.allowBare, puffinChecked: this.puffinChecked }));
        this.dvs.set(key, p);
      }
      return p;
    }
    if (file.fileFormat !== 'PARQUET') {
      throw new LakeError('UNSUPPORTED_FEATURE', `position delete file ${file.filePath} is ${file.fileFormat}; lake reads Parquet delete files`);
    }
    const byPath = await this.loadFile(file, file.referencedDataFile !== undefined ? dataFilePath : undefined);
    return byPath.get(dataFilePath) ?? [];
  }

  private loadFile(file: DataFile, dataFilePath: string | undefined): Promise<Map<string, number[]>> {
    let p = this.files.get(file.filePath);
    if (p === undefined) {
      const read = this.read;
      if (read === undefined) {
        throw new LakeError('INVALID_INPUT', `position delete file ${file.filePath} needs a readPositionDeleteFile function to be read`);
      }
      p = this.limit(async () => {
        const location = this.io.resolve(file.filePath);
        const rows = await read({ location, localPath: this.io.localPath(file.filePath), file, io: this.io, ...(dataFilePath === undefined ? {} : { dataFilePath }) });
        if (rows.filePaths.length !== rows.positions.length) {
          throw new LakeError('INVALID_METADATA', `position delete file ${file.filePath}: file_path and pos columns differ in length`);
        }
        const out = new Map<string, number[]>();
        let lastPath: string | undefined;
        let lastList: number[] | undefined;
        for (let i = 0; i < rows.filePaths.length; i++) {
          const fp = rows.filePaths[i]!;
          if (fp !== lastPath) {
            lastPath = fp;
            lastList = out.get(fp);
            if (lastList === undefined) {
              lastList = [];
              out.set(fp, lastList);
            }
          }
          lastList!.push(toNumber(rows.positions[i]!, `position delete file ${file.filePath}`));
        }
        return out;
      });
      this.files.set(file.filePath, p);
    }
    return p;
  }
}

/** The deleted positions of one task's data file (see PositionDeleteLoader; use a loader to share reads across tasks). */
export async function loadPositionDeletes(task: Pick<FileScanTask, 'dataFile' | 'positionDeletes'>, options: PositionDeleteLoaderOptions): Promise<PositionSet | undefined> {
  return new PositionDeleteLoader(options).forTask(task);
}
