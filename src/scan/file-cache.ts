/**
 * A local cache of immutable remote files (data files, delete files), so that engines that read
 * only local files (DuckDB without extensions, parquet-wasm through a file-backed Blob) can read
 * tables on S3: planned files are fetched through lake's Storage into a directory and read there.
 *
 * - Keyed by content address of the location: `sha256(store id + location)`; Iceberg never
 *   rewrites a file in place, so a cached copy stays valid.
 * - Size-checked: a download must have exactly the size the manifest records (`file_size_in_bytes`);
 *   a cached copy of another size is discarded and fetched again.
 * - Safe under concurrency: concurrent requests for one file in a process share one download;
 *   downloads go to a temp file in the cache directory that is renamed into place, so another
 *   process never sees a partial file.
 * - Bounded: when the total size passes `maxBytes`, least recently used files are deleted
 *   (use refreshes a file's modification time). Files a reader holds (`acquire` until `release`)
 *   are never evicted by this process.
 * - Directory: `options.dir`, else `$LAKE_CACHE_DIR`, else `.cache/lake-files` in the working directory.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import pLimit from 'p-limit';
import { LakeError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { FileIO } from './file-io.js';

export interface FileCacheOptions {
  /** Cache directory (default `$LAKE_CACHE_DIR`, else `<cwd>/.cache/lake-files`). */
  dir?: string;
  /** Total size the cache is kept under (default `$LAKE_CACHE_MAX_BYTES`, else 10 GiB). */
  maxBytes?: number;
  /** Bytes per range request when downloading (default 8 MiB). */
  chunkBytes?: number;
  /** Range requests in flight per download (default 4). */
  concurrency?: number;
}

/** A file available on local disk until `release()` is called. */
export interface LocalFile {
  path: string;
  /** Size in bytes when known. */
  size?: number;
  release(): void;
}

export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 ** 3;
const TEMP_PREFIX = '.tmp-';

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export class FileCache {
  readonly dir: string;
  readonly maxBytes: number;
  private readonly chunkBytes: number;
  private readonly concurrency: number;
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly pins = new Map<string, number>();
  private knownBytes: number | undefined;
  private evicting: Promise<void> | undefined;
  private ready: Promise<void> | undefined;

  constructor(options: FileCacheOptions = {}) {
    this.dir = path.resolve(options.dir ?? process.env.LAKE_CACHE_DIR ?? path.join(process.cwd(), '.cache', 'lake-files'));
    this.maxBytes = options.maxBytes ?? envNumber('LAKE_CACHE_MAX_BYTES') ?? DEFAULT_CACHE_MAX_BYTES;
    this.chunkBytes = Math.max(64 * 1024, options.chunkBytes ?? 8 * 1024 * 1024);
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** The cache file name of a location (content address of the location and its store). */
  keyOf(storage: Storage, location: string): string {
    const hash = createHash('sha256').update(storage.storeId(location)).update('\n').update(location).digest('hex').slice(0, 40);
    const ext = /\.([A-Za-z0-9]{1,12})$/.exec(location)?.[1];
    return ext === undefined ? hash : `${hash}.${ext.toLowerCase()}`;
  }

  /**
   * A local copy of the object at `location`, fetched when missing. `expectedSize` (the manifest's
   * `file_size_in_bytes`) is checked; without it the size comes from `head`. The file is kept from
   * eviction until `release()`.
   */
  async acquire(storage: Storage, location: string, options: { expectedSize?: number } = {}): Promise<LocalFile> {
    const key = this.keyOf(storage, location);
    this.pin(key);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.unpin(key);
    };
    try {
      const file = await this.ensure(key, storage, location, options.expectedSize);
      const size = options.expectedSize;
      return size === undefined ? { path: file, release } : { path: file, size, release };
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Total bytes of the files in the cache directory. */
  async usage(): Promise<number> {
    const files = await this.listFiles();
    return files.reduce((s, f) => s + f.size, 0);
  }

  /** Deletes least recently used files until the cache fits `maxBytes` (held files are kept). */
  async evict(): Promise<void> {
    this.evicting ??= this.doEvict().finally(() => {
      this.evicting = undefined;
    });
    return this.evicting;
  }

  /** Deletes every file not currently held. */
  async clear(): Promise<void> {
    for (const f of await this.listFiles()) {
      if (!this.pins.has(f.name)) await fs.rm(f.path, { force: true });
    }
    this.knownBytes = undefined;
  }

  private pin(key: string): void {
    this.pins.set(key, (this.pins.get(key) ?? 0) + 1);
  }

  private unpin(key: string): void {
    const n = (this.pins.get(key) ?? 1) - 1;
    if (n <= 0) this.pins.delete(key);
    else this.pins.set(key, n);
  }

  private async init(): Promise<void> {
    this.ready ??= fs.mkdir(this.dir, { recursive: true }).then(() => undefined);
    return this.ready;
  }

  private async ensure(key: string, storage: Storage, location: string, expectedSize: number | undefined): Promise<string> {
    await this.init();
    const target = path.join(this.dir, key);
    const hit = await fs.stat(target).catch(() => undefined);
    if (hit !== undefined && (expectedSize === undefined || hit.size === expectedSize)) {
      const now = new Date();
      await fs.utimes(target, now, now).catch(() => undefined); // LRU: mark as recently used
      return target;
    }
    let p = this.inflight.get(key);
    if (p === undefined) {
      p = this.download(storage, location, target, expectedSize).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async download(storage: Storage, location: string, target: string, expectedSize: number | undefined): Promise<string> {
    let size = expectedSize;
    if (size === undefined) {
      const info = await storage.head(location);
      if (info === undefined) throw new LakeError('NOT_FOUND', `object not found: ${location}`, { context: { location } });
      size = info.size;
    }
    const temp = path.join(this.dir, `${TEMP_PREFIX}${randomUUID()}`);
    const fh = await fs.open(temp, 'w');
    try {
      const limit = pLimit(this.concurrency);
      const chunks: Promise<void>[] = [];
      const last = Math.max(0, Math.ceil(size / this.chunkBytes) - 1);
      for (let c = 0; c <= last; c++) {
        const offset = c * this.chunkBytes;
        // the last request asks for one byte more: an object larger than recorded answers with it
        const length = c === last ? size - offset + 1 : this.chunkBytes;
        chunks.push(
          limit(async () => {
            const bytes = await storage.readRange(location, offset, length);
            const want = c === last ? size! - offset : length;
            if (bytes.length !== want) {
              throw new LakeError(
                'INVALID_METADATA',
                `${location} is ${bytes.length > want ? 'larger' : 'smaller'} than its recorded size ${size} bytes`,
                { context: { location, expectedSize: size } },
              );
            }
            let written = 0;
            while (written < bytes.length) {
              const { bytesWritten } = await fh.write(bytes, written, bytes.length - written, offset + written);
              written += bytesWritten;
            }
          }),
        );
      }
      await Promise.all(chunks);
      await fh.close();
      await fs.rename(temp, target);
    } catch (e) {
      await fh.close().catch(() => undefined);
      await fs.rm(temp, { force: true });
      throw e;
    }
    if (this.knownBytes !== undefined) this.knownBytes += size;
    await this.maybeEvict();
    return target;
  }

  private async maybeEvict(): Promise<void> {
    this.knownBytes ??= await this.usage();
    if (this.knownBytes > this.maxBytes) await this.evict();
  }

  private async doEvict(): Promise<void> {
    const files = await this.listFiles();
    let total = files.reduce((s, f) => s + f.size, 0);
    files.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const f of files) {
      if (total <= this.maxBytes) break;
      if (this.pins.has(f.name) || this.inflight.has(f.name)) continue;
      await fs.rm(f.path, { force: true });
      total -= f.size;
    }
    this.knownBytes = total;
  }

  private async listFiles(): Promise<{ name: string; path: string; size: number; mtimeMs: number }[]> {
    await this.init();
    const names = await fs.readdir(this.dir);
    const out: { name: string; path: string; size: number; mtimeMs: number }[] = [];
    for (const name of names) {
      if (name.startsWith(TEMP_PREFIX)) continue;
      const p = path.join(this.dir, name);
      const st = await fs.stat(p).catch(() => undefined);
      if (st?.isFile()) out.push({ name, path: p, size: st.size, mtimeMs: st.mtimeMs });
    }
    return out;
  }
}

const shared = new Map<string, FileCache>();

/** The process-wide cache for a directory (default directory as `FileCache` documents). */
export function defaultFileCache(options: FileCacheOptions = {}): FileCache {
  const probe = new FileCache(options);
  let c = shared.get(probe.dir);
  if (c === undefined) {
    c = probe;
    shared.set(probe.dir, c);
  }
  return c;
}

/**
 * A local path for a file named by an embedded metadata path: the file itself when it resolves to
 * local disk, otherwise a cached copy fetched through the file's storage.
 */
export async function localFileFor(io: FileIO, embeddedPath: string, options: { size?: number; cache?: FileCache } = {}): Promise<LocalFile> {
  const local = io.localPath(embeddedPath);
  if (local !== undefined) {
    return options.size === undefined ? { path: local, release: () => undefined } : { path: local, size: options.size, release: () => undefined };
  }
  const location = io.resolve(embeddedPath);
  const cache = options.cache ?? defaultFileCache();
  try {
    return await cache.acquire(io.storageFor(location), location, options.size === undefined ? {} : { expectedSize: options.size });
  } catch (e) {
    if (e instanceof LakeError && e.context.embeddedPath === undefined && embeddedPath !== location) {
      throw new LakeError(e.code, `${e.message} (embedded path ${embeddedPath})`, {
        cause: e,
        retryable: e.retryable,
        context: { ...e.context, embeddedPath, location },
      });
    }
    throw e;
  }
}
