/**
 * In-memory storage for unit tests: `memory://<store>/<key>`. Stores live in a process-wide registry,
 * so two `MemoryStorage` instances see the same objects, as two clients of one bucket do.
 * Objects are copied in and out (callers cannot mutate a stored object), become visible in one step,
 * and `writeIfAbsent` checks and inserts without yielding, so it is atomic within the process.
 */
import { createHash } from 'node:crypto';
import { LakeError } from '../errors.js';
import { parseMemoryLocation } from './location.js';
import { checkRange, chunksOf, toBytes } from './source.js';
import type { ObjectInfo, Storage, StreamSource, WriteSource } from './storage.js';

interface MemoryObject {
  data: Uint8Array;
  lastModified: Date;
  etag: string;
}

type Registry = Map<string, Map<string, MemoryObject>>;

const defaultRegistry: Registry = new Map();

export interface MemoryStorageOptions {
  /** A private registry instead of the process-wide one (isolates tests that reuse store names). */
  registry?: Map<string, Map<string, unknown>>;
}

export class MemoryStorage implements Storage {
  readonly scheme = 'memory' as const;
  private readonly registry: Registry;

  constructor(options: MemoryStorageOptions = {}) {
    this.registry = (options.registry as Registry | undefined) ?? defaultRegistry;
  }

  /** Removes one store, or every store of the process-wide registry. */
  static clear(store?: string): void {
    if (store === undefined) defaultRegistry.clear();
    else defaultRegistry.delete(store);
  }

  localPath(): string | undefined {
    return undefined;
  }

  storeId(location: string): string {
    return `memory://${parseMemoryLocation(location).store}`;
  }

  async read(location: string): Promise<Uint8Array> {
    await tick();
    return this.get(location).data.slice();
  }

  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(location, offset, length);
    await tick();
    const { data } = this.get(location);
    return data.slice(Math.min(offset, data.length), Math.min(offset + length, data.length));
  }

  async write(location: string, data: WriteSource): Promise<void> {
    const bytes = toBytes(data).slice();
    await tick();
    this.put(location, bytes);
  }

  async writeStream(location: string, source: StreamSource): Promise<{ size: number }> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of chunksOf(source)) {
      chunks.push(chunk.slice());
      size += chunk.length;
    }
    const data = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      data.set(c, at);
      at += c.length;
    }
    this.put(location, data);
    return { size };
  }

  async writeIfAbsent(location: string, data: WriteSource): Promise<void> {
    const bytes = toBytes(data).slice();
    await tick();
    const { store, key } = parseMemoryLocation(location);
    // Check and insert in one synchronous step: nothing else can run in between.
    if (this.registry.get(store)?.has(key)) {
      throw new LakeError('ALREADY_EXISTS', `object already exists: ${location}`, { context: { location } });
    }
    this.put(location, bytes);
  }

  async head(location: string): Promise<ObjectInfo | undefined> {
    await tick();
    const { store, key } = parseMemoryLocation(location);
    const obj = this.registry.get(store)?.get(key);
    return obj && { location, size: obj.data.length, lastModified: obj.lastModified, etag: obj.etag };
  }

  async exists(location: string): Promise<boolean> {
    return (await this.head(location)) !== undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    await tick();
    const { store, key: keyPrefix } = parseMemoryLocation(prefix);
    const objects = this.registry.get(store);
    if (!objects) return;
    const base = `memory://${store}/`;
    // Snapshot the matching keys first, so writes during iteration cannot disturb it.
    const matches = [...objects.entries()].filter(([k]) => k.startsWith(keyPrefix)).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [k, obj] of matches) {
      yield { location: base + k, size: obj.data.length, lastModified: obj.lastModified, etag: obj.etag };
    }
  }

  async delete(location: string): Promise<void> {
    await tick();
    const { store, key } = parseMemoryLocation(location);
    this.registry.get(store)?.delete(key);
  }

  async deleteMany(locations: Iterable<string>): Promise<void> {
    for (const l of locations) await this.delete(l);
  }

  private get(location: string): MemoryObject {
    const { store, key } = parseMemoryLocation(location);
    const obj = this.registry.get(store)?.get(key);
    if (!obj) throw new LakeError('NOT_FOUND', `object not found: ${location}`, { context: { location } });
    return obj;
  }

  private put(location: string, data: Uint8Array): void {
    const { store, key } = parseMemoryLocation(location);
    if (key === '' || key.endsWith('/')) {
      throw new LakeError('INVALID_INPUT', `not an object location: ${location}`, { context: { location } });
    }
    let objects = this.registry.get(store);
    if (!objects) {
      objects = new Map();
      this.registry.set(store, objects);
    }
    objects.set(key, { data, lastModified: new Date(), etag: createHash('md5').update(data).digest('hex') });
  }
}

/** Yields to the event loop once, so concurrent callers interleave as they would against a real store. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
