/**
 * Local-disk storage. Every write goes to a temp file in the target directory and is published in one
 * step, so readers never see a partial object:
 * - `write`/`writeStream`: temp file, fsync, `rename()` over the target, fsync of the directory;
 * - `writeIfAbsent`: temp file, fsync, `link()` to the target (the kernel refuses an existing name
 *   with EEXIST, which is the atomic create), unlink of the temp, fsync of the directory.
 * `link()` is atomic across processes on POSIX filesystems, which `open(O_EXCL)` + write is not
 * (a reader could see the half-written file).
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import pLimit from 'p-limit';
import { LakeError } from '../errors.js';
import { parseFileLocation } from './location.js';
import { checkRange, chunksOf, toBytes } from './source.js';
import type { ObjectInfo, Storage, StreamSource, WriteSource } from './storage.js';

/** Names of temp files of unfinished writes; `list` skips them. */
export const LOCAL_TEMP_PREFIX = '.lake-tmp-';

export interface LocalStorageOptions {
  /**
   * fsync files and directories so that a published object survives a crash (default true).
   * Turning it off only makes sense for throwaway data.
   */
  fsync?: boolean;
}

export class LocalStorage implements Storage {
  readonly scheme = 'file' as const;
  private readonly fsync: boolean;

  constructor(options: LocalStorageOptions = {}) {
    this.fsync = options.fsync ?? true;
  }

  localPath(location: string): string | undefined {
    try {
      return parseFileLocation(location).path;
    } catch {
      return undefined;
    }
  }

  storeId(): string {
    return 'file:';
  }

  async read(location: string): Promise<Uint8Array> {
    const p = parseFileLocation(location).path;
    try {
      return new Uint8Array(await fs.readFile(p));
    } catch (e) {
      throw readError(e, location);
    }
  }

  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(location, offset, length);
    const p = parseFileLocation(location).path;
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(p, 'r');
    } catch (e) {
      throw readError(e, location);
    }
    try {
      const buf = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await fh.read(buf, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === length ? buf : buf.subarray(0, filled);
    } catch (e) {
      throw readError(e, location);
    } finally {
      await fh.close();
    }
  }

  async write(location: string, data: WriteSource): Promise<void> {
    const bytes = toBytes(data);
    await this.publish(location, async (fh) => {
      await fh.writeFile(bytes);
    }, 'replace');
  }

  async writeStream(location: string, source: StreamSource): Promise<{ size: number }> {
    let size = 0;
    await this.publish(location, async (fh) => {
      for await (const chunk of chunksOf(source)) {
        let written = 0;
        while (written < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, written, chunk.length - written);
          written += bytesWritten;
        }
        size += chunk.length;
      }
    }, 'replace');
    return { size };
  }

  async writeIfAbsent(location: string, data: WriteSource): Promise<void> {
    const bytes = toBytes(data);
    await this.publish(location, async (fh) => {
      await fh.writeFile(bytes);
    }, 'create');
  }

  async head(location: string): Promise<ObjectInfo | undefined> {
    const p = parseFileLocation(location).path;
    try {
      const st = await fs.stat(p);
      if (!st.isFile()) return undefined;
      return { location, size: st.size, lastModified: st.mtime };
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw storageError(e, 'head', location);
    }
  }

  async exists(location: string): Promise<boolean> {
    return (await this.head(location)) !== undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const { path: prefixPath, base } = parseFileLocation(prefix);
    // Walk from the directory that holds everything the prefix can match, descending only into
    // directories that can contain a match.
    const start = prefixPath.endsWith('/') ? prefixPath : path.dirname(prefixPath);
    const stack: string[] = [start];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (isMissing(e)) continue;
        throw storageError(e, 'list', base + dir);
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const subdirs: string[] = [];
      for (const entry of entries) {
        if (entry.name.startsWith(LOCAL_TEMP_PREFIX)) continue;
        const full = dir.endsWith('/') ? dir + entry.name : `${dir}/${entry.name}`;
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          const st = await fs.stat(full).catch(() => undefined);
          isDir = st?.isDirectory() ?? false;
          isFile = st?.isFile() ?? false;
        }
        if (isDir) {
          const asDir = `${full}/`;
          if (asDir.startsWith(prefixPath) || prefixPath.startsWith(asDir)) subdirs.push(full);
        } else if (isFile && full.startsWith(prefixPath)) {
          let st: import('node:fs').Stats;
          try {
            st = await fs.stat(full);
          } catch (e) {
            if (isMissing(e)) continue; // deleted while listing
            throw storageError(e, 'list', base + full);
          }
          yield { location: base + full, size: st.size, lastModified: st.mtime };
        }
      }
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
    }
  }

  async delete(location: string): Promise<void> {
    const p = parseFileLocation(location).path;
    try {
      await fs.unlink(p);
    } catch (e) {
      // A directory is not an object, so deleting one (like deleting nothing) is a no-op.
      if (isMissing(e) || (await isDirectory(p))) return;
      throw storageError(e, 'delete', location);
    }
  }

  async deleteMany(locations: Iterable<string>): Promise<void> {
    const limit = pLimit(16);
    await Promise.all([...locations].map((l) => limit(() => this.delete(l))));
  }

  /**
   * Writes to a temp file beside the target, then publishes it: `replace` renames over the target,
   * `create` links it (EEXIST: the target exists, nothing is changed).
   */
  private async publish(location: string, fill: (fh: fs.FileHandle) => Promise<void>, mode: 'replace' | 'create'): Promise<void> {
    const target = parseFileLocation(location).path;
    if (target.endsWith('/')) {
      throw new LakeError('INVALID_INPUT', `an object location cannot end with '/': ${location}`, { context: { location } });
    }
    const dir = path.dirname(target);
    try {
      await fs.mkdir(dir, { recursive: true });
    } catch (e) {
      throw storageError(e, 'write', location);
    }
    const temp = path.join(dir, `${LOCAL_TEMP_PREFIX}${randomUUID()}`);
    let tempExists = false;
    try {
      const fh = await fs.open(temp, 'wx', 0o644);
      tempExists = true;
      try {
        await fill(fh);
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      if (mode === 'replace') {
        await fs.rename(temp, target);
        tempExists = false;
      } else {
        try {
          await fs.link(temp, target);
        } catch (e) {
          if (code(e) === 'EEXIST') {
            throw new LakeError('ALREADY_EXISTS', `object already exists: ${location}`, { context: { location } });
          }
          if (code(e) === 'EPERM' || code(e) === 'ENOTSUP' || code(e) === 'EOPNOTSUPP' || code(e) === 'ENOSYS') {
            throw new LakeError(
              'CONDITIONAL_WRITES_UNSUPPORTED',
              `the filesystem holding ${dir} does not support hard links, which lake needs for atomic creates`,
              { context: { location }, cause: e },
            );
          }
          throw e;
        }
      }
    } catch (e) {
      // Filesystem errors carry a syscall; anything else (a failing source stream) passes through as is.
      if (e instanceof LakeError || !(typeof e === 'object' && e !== null && 'syscall' in e)) throw e;
      throw storageError(e, 'write', location);
    } finally {
      if (tempExists) await fs.unlink(temp).catch(() => {});
    }
    if (this.fsync) await syncDirectory(dir);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    // Some filesystems refuse fsync on directories; the data itself is already synced.
    if (code(e) !== 'EINVAL' && code(e) !== 'EISDIR' && code(e) !== 'EBADF') throw storageError(e, 'fsync', dir);
  } finally {
    await fh?.close();
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function code(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function isMissing(e: unknown): boolean {
  const c = code(e);
  return c === 'ENOENT' || c === 'ENOTDIR';
}

function readError(e: unknown, location: string): LakeError {
  if (e instanceof LakeError) return e;
  if (isMissing(e) || code(e) === 'EISDIR') {
    return new LakeError('NOT_FOUND', `object not found: ${location}`, { context: { location }, cause: e });
  }
  return storageError(e, 'read', location);
}

function storageError(e: unknown, op: string, location: string): LakeError {
  const c = code(e);
  return new LakeError('STORAGE_ERROR', `local ${op} failed for ${location}: ${e instanceof Error ? e.message : String(e)}`, {
    retryable: c === 'EMFILE' || c === 'ENFILE' || c === 'EAGAIN' || c === 'EBUSY',
    context: { location, operation: op, errno: c },
    cause: e,
  });
}
