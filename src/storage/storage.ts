/**
 * Object storage as lake needs it. One interface, three backends (local disk, S3, memory).
 *
 * Locations are absolute: a plain absolute path or `file:///...` for local disk, `s3://bucket/key`
 * for S3 (also accepted: `s3a://`, `s3n://`), `memory://<store>/<key>` for the in-memory store.
 *
 * Guarantees every backend gives:
 * - Objects are immutable once visible: a reader sees either no object or the whole object, never a
 *   partial write (local writes go to a temp file in the same directory and are published with
 *   `link()`/`rename()`; S3 objects appear atomically).
 * - `writeIfAbsent` is an atomic create: of any number of concurrent calls on one location, exactly
 *   one succeeds and the others fail with `ALREADY_EXISTS`. This is lake's commit point.
 *   Local: temp file + fsync + `link()` (EEXIST = lost) + fsync of the directory.
 *   S3: `PutObject` with `If-None-Match: *`; 412 -> `ALREADY_EXISTS`; 409 (ConditionalRequestConflict)
 *   -> `STORAGE_ERROR` with `retryable: true` (a concurrent conditional write; this one did not land).
 * - A write that ends without a definite answer (timeout, connection reset, 5xx after the request was
 *   sent) fails with `OUTCOME_UNKNOWN`: the object may or may not exist. It is never reported as a
 *   success or as a definite failure.
 * - `read`/`readRange`/`head` of a missing object: `read`/`readRange` throw `NOT_FOUND`, `head` returns undefined.
 * - `readRange(location, offset, length)` returns the bytes from `offset` to `offset + length` or to
 *   the end of the object, whichever comes first (empty at or past the end).
 * - `delete` of a missing object succeeds (idempotent).
 * - `list(prefix)` yields every object whose location starts with `prefix` (recursive, no directories),
 *   in no guaranteed order. `prefix` is a string prefix, not a directory: `.../data/a` also matches
 *   `.../data/ab.parquet`; end it with `/` to list one "directory". Temp files of unfinished local
 *   writes are never listed.
 * - Locations are taken literally (no percent-decoding): an object's name is the location's text.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  /** Absolute location, in the same form `list` was given. */
  location: string;
  size: number;
  lastModified?: Date;
  /** Entity tag where the store has one (S3; a multipart upload's ends in `-<parts>`). */
  etag?: string;
}

export type WriteSource = Uint8Array | string;
export type StreamSource = AsyncIterable<Uint8Array> | Readable;

export interface Storage {
  /** `file`, `s3` or `memory`. */
  readonly scheme: 'file' | 's3' | 'memory';
  read(location: string): Promise<Uint8Array>;
  readRange(location: string, offset: number, length: number): Promise<Uint8Array>;
  /** Creates or replaces an object. */
  write(location: string, data: WriteSource): Promise<void>;
  /** Creates or replaces a large object from a stream (multipart on S3); resolves to its size. */
  writeStream(location: string, source: StreamSource): Promise<{ size: number }>;
  /** Atomic create; see the guarantees above. */
  writeIfAbsent(location: string, data: WriteSource): Promise<void>;
  head(location: string): Promise<ObjectInfo | undefined>;
  exists(location: string): Promise<boolean>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(location: string): Promise<void>;
  /** Deletes many objects (batched on S3: up to 1000 per request); missing ones are ignored. */
  deleteMany(locations: Iterable<string>): Promise<void>;
  /**
   * Names the physical store that holds a location (for S3: endpoint and bucket). Locations with the
   * same id share conditional-write behaviour, so the conditional-write probe runs once per id.
   */
  storeId(location: string): string;
  /** For local storage, the filesystem path of a location (DuckDB reads it directly); otherwise undefined. */
  localPath(location: string): string | undefined;
}
