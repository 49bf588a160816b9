export type { ObjectInfo, Storage, StreamSource, WriteSource } from './storage.js';
export {
  joinLocation,
  parseLocation,
  schemeOf,
  toAbsoluteLocation,
  type FileLocation,
  type MemoryLocation,
  type ParsedLocation,
  type S3Location,
  type StorageScheme,
} from './location.js';
export { LocalStorage, LOCAL_TEMP_PREFIX, type LocalStorageOptions } from './local.js';
export { MemoryStorage, type MemoryStorageOptions } from './memory.js';
export { S3Storage, closeSharedS3Clients, resolveS3Options, type S3ConnectionOptions, type S3Credentials, type S3StorageOptions } from './s3.js';
export { storageFor, type StorageForOptions } from './storage-for.js';
export { probeConditionalWrites, clearConditionalWriteProbeCache, PROBE_KEY_PREFIX } from './probe.js';
export {
  InstrumentedStorage,
  STORAGE_METHODS,
  type FaultAction,
  type FaultHandle,
  type FaultRule,
  type InstrumentedStorageOptions,
  type StorageCall,
  type StorageMethod,
} from './instrumented.js';
