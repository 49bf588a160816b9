/** Picks the storage backend for a location. */
import { LocalStorage, type LocalStorageOptions } from './local.js';
import { schemeOf } from './location.js';
import { MemoryStorage, type MemoryStorageOptions } from './memory.js';
import { S3Storage, type S3StorageOptions } from './s3.js';
import type { Storage } from './storage.js';

export interface StorageForOptions {
  /** S3 settings; unset ones come from the standard AWS environment variables (see `resolveS3Options`). */
  s3?: S3StorageOptions;
  local?: LocalStorageOptions;
  memory?: MemoryStorageOptions;
}

/**
 * The backend for `uri`: plain paths and `file:` URIs -> local disk, `s3://` (`s3a://`, `s3n://`) -> S3,
 * `memory://` -> in-memory. Other schemes throw `UNSUPPORTED_FEATURE`. S3 clients are shared per
 * endpoint configuration, so calling this per operation is cheap.
 */
export function storageFor(uri: string, options: StorageForOptions = {}): Storage {
  switch (schemeOf(uri)) {
    case 'file':
      return new LocalStorage(options.local);
    case 's3':
      return new S3Storage(options.s3);
    case 'memory':
      return new MemoryStorage(options.memory);
  }
}
