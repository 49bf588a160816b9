/**
 * File IO for reading a table: turns every path embedded in metadata (manifest lists, manifests,
 * data files, delete files) into a readable location, and reads it through lake's storage.
 *
 * Paths in metadata stay as written everywhere else: matching deletes to data files
 * (`referenced_data_file`, position delete `file_path` values) always compares the ORIGINAL
 * embedded paths; only reads go through `resolve`.
 *
 * Resolution, in order:
 * 1. Path remaps (`--path-remap FROM=TO`): an embedded path starting with FROM is read from TO +
 *    the rest of the path. The longest matching FROM wins. This serves tables whose files were
 *    moved (copied out of S3, checked into a repository with rewritten prefixes, ...).
 * 2. A path that is still relative (no URI scheme, not absolute) is resolved as spec "Path
 *    Resolution" says: joined to the table location with `/` when that location is absolute;
 *    otherwise (tables written with a relative location, as some test corpora are) against the
 *    working directory, as DuckDB reads such paths.
 * The storage backend is then picked from the resolved location (`storageFor`).
 */
import * as path from 'node:path';
import { LakeError } from '../errors.js';
import { type StorageForOptions, storageFor } from '../storage/storage-for.js';
import type { ObjectInfo, Storage } from '../storage/storage.js';

export interface PathRemap {
  /** Prefix of embedded paths, matched literally. */
  from: string;
  /** What replaces `from` when reading. */
  to: string;
}

export interface FileIOOptions {
  /** Prefix rewrites applied to embedded paths before reading (longest `from` wins). */
  remaps?: readonly PathRemap[];
  /** The table location, against which relative embedded paths resolve (spec "Path Resolution"). */
  tableLocation?: string;
  /** Directory that relative paths resolve against when the table location is not absolute. Default: the working directory. */
  baseDir?: string;
  /**
   * The storage to read a resolved location with. A Storage is used for every location; a function
   * picks one per location. Default: `storageFor(location, storageOptions)`.
   */
  storage?: Storage | ((location: string) => Storage);
  /** Options for the default `storageFor` (S3 endpoint, credentials, ...). */
  storageOptions?: StorageForOptions;
}

const URI_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/** True when a path starts with a URI scheme (`s3:`, `file:`, ...). A Windows drive letter is not a scheme here. */
function hasScheme(p: string): boolean {
  return URI_SCHEME.test(p) && !/^[a-zA-Z]:[\\/]/.test(p);
}

/**
 * Parses `FROM=TO` (the CLI form of a remap). The first `=` splits, so TO may contain `=`; FROM
 * may not be empty.
 */
export function parsePathRemap(text: string): PathRemap {
  const i = text.indexOf('=');
  if (i <= 0) {
    throw new LakeError('INVALID_INPUT', `path remap must look like FROM=TO, got "${text}"`, { context: { remap: text } });
  }
  return { from: text.slice(0, i), to: text.slice(i + 1) };
}

export class FileIO {
  private readonly remaps: PathRemap[];
  private readonly tableLocation: string | undefined;
  private readonly baseDir: string;
  private readonly pick: (location: string) => Storage;
  private readonly storages = new Map<string, Storage>();

  constructor(options: FileIOOptions = {}) {
    for (const r of options.remaps ?? []) {
      if (typeof r.from !== 'string' || r.from === '' || typeof r.to !== 'string') {
        throw new LakeError('INVALID_INPUT', `path remap needs a non-empty "from" and a "to"`, { context: { remap: r } });
      }
    }
    // longest prefix first, so a more specific remap wins over a general one
    this.remaps = [...(options.remaps ?? [])].sort((a, b) => b.from.length - a.from.length);
    this.tableLocation = options.tableLocation;
    this.baseDir = options.baseDir ?? process.cwd();
    const s = options.storage;
    if (s === undefined) {
      const so = options.storageOptions;
      // one backend per scheme: S3 clients are shared anyway, local and memory are stateless wrappers
      this.pick = (location) => {
        const key = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(location)?.[1]?.toLowerCase() ?? 'file';
        let st = this.storages.get(key);
        if (st === undefined) {
          st = storageFor(location, so);
          this.storages.set(key, st);
        }
        return st;
      };
    } else if (typeof s === 'function') this.pick = s;
    else this.pick = () => s;
  }

  /** A new FileIO with the same storage and remaps, and another table location. */
  withTableLocation(tableLocation: string | undefined): FileIO {
    return new FileIO({ remaps: this.remaps, tableLocation, baseDir: this.baseDir, storage: this.pick });
  }

  /** The remaps in the order they are tried. */
  get pathRemaps(): readonly PathRemap[] {
    return this.remaps;
  }

  /** The readable location of a path embedded in metadata (see the module comment). */
  resolve(embedded: string): string {
    let p = embedded;
    let remapped = false;
    for (const r of this.remaps) {
      if (p.startsWith(r.from)) {
        p = r.to + p.slice(r.from.length);
        remapped = true;
        break;
      }
    }
    if (hasScheme(p) || path.isAbsolute(p)) return p;
    const loc = this.tableLocation;
    if (!remapped && loc !== undefined && (hasScheme(loc) || path.isAbsolute(loc))) {
      // spec "Path Resolution": table location + '/' + relative path, without normalising separators
      return `${loc}/${p}`;
    }
    // a remap target or a table with a relative location: a place relative to the working directory
    return path.resolve(this.baseDir, p);
  }

  /** The storage backend for a resolved location. */
  storageFor(location: string): Storage {
    return this.pick(location);
  }

  /** Reads a whole object named by an embedded path. */
  async read(embedded: string): Promise<Uint8Array> {
    const loc = this.resolve(embedded);
    return this.withContext(embedded, loc, () => this.pick(loc).read(loc));
  }

  /** Reads `length` bytes at `offset` of an object named by an embedded path (fewer at its end). */
  async readRange(embedded: string, offset: number, length: number): Promise<Uint8Array> {
    const loc = this.resolve(embedded);
    return this.withContext(embedded, loc, () => this.pick(loc).readRange(loc, offset, length));
  }

  /** Size and modification time of an object named by an embedded path; undefined when it does not exist. */
  async head(embedded: string): Promise<ObjectInfo | undefined> {
    const loc = this.resolve(embedded);
    return this.withContext(embedded, loc, () => this.pick(loc).head(loc));
  }

  /** The local filesystem path of an embedded path when it resolves to local disk (DuckDB reads those directly). */
  localPath(embedded: string): string | undefined {
    const loc = this.resolve(embedded);
    return this.pick(loc).localPath(loc);
  }

  private async withContext<T>(embedded: string, location: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof LakeError && embedded !== location && e.context.embeddedPath === undefined) {
        // say which metadata path led here: a missing file after a remap is usually a wrong remap
        throw new LakeError(e.code, `${e.message} (embedded path ${embedded})`, {
          cause: e,
          retryable: e.retryable,
          context: { ...e.context, embeddedPath: embedded, location },
        });
      }
      throw e;
    }
  }
}
