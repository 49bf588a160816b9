/**
 * Puffin files and the deletion-vector-v1 blob: reader and writer, the 64-bit Roaring portable
 * format, and the position set deletion vectors decode to.
 */
export { crc32 } from './crc32.js';
export {
  DELETION_VECTOR_BLOB_TYPE,
  DELETION_VECTOR_MAGIC,
  type DecodeDeletionVectorOptions,
  decodeDeletionVector,
  encodeDeletionVector,
} from './deletion-vector.js';
export { type Bitmap32, type Container, MAX_POSITION, PositionSet } from './position-set.js';
export {
  PUFFIN_MAGIC,
  type PuffinBlobInput,
  type PuffinBlobMetadata,
  type PuffinDecompressor,
  type PuffinFileMetadata,
  type PuffinReadOptions,
  type PuffinSource,
  type WritePuffinOptions,
  type WrittenPuffin,
  hasPuffinMagic,
  parsePuffinFooter,
  readPuffin,
  readPuffinBlob,
  readPuffinMetadata,
  writePuffin,
} from './puffin-file.js';
export { MAX_KEY, decodeRoaring32, decodeRoaring64, encodeRoaring64 } from './roaring.js';
