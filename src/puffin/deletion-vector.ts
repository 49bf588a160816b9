/**
 * The Puffin `deletion-vector-v1` blob (Puffin spec "Blob types"): a 4-byte big-endian length of
 * magic + vector, the magic D1 D3 39 64, the positions as a 64-bit Roaring bitmap in the portable
 * format, and a big-endian CRC-32 of magic + vector.
 */
import { LakeError } from '../errors.js';
import { crc32 } from './crc32.js';
import { PositionSet } from './position-set.js';
import { decodeRoaring64, encodeRoaring64 } from './roaring.js';

export const DELETION_VECTOR_BLOB_TYPE = 'deletion-vector-v1';
export const DELETION_VECTOR_MAGIC = Uint8Array.of(0xd1, 0xd3, 0x39, 0x64);

export interface DecodeDeletionVectorOptions {
  /** The number of deleted rows the manifest records (`record_count` of the DV entry); checked when given. */
  expectedCardinality?: number;
  /** Used in error messages (the Puffin file and offset). */
  source?: string;
}

function fail(source: string | undefined, message: string): never {
  throw new LakeError('INVALID_METADATA', `${source === undefined ? '' : `${source}: `}invalid deletion vector: ${message}`, {
    context: source === undefined ? {} : { source },
  });
}

/** Decodes a deletion-vector-v1 blob into its positions. Throws INVALID_METADATA on any inconsistency. */
export function decodeDeletionVector(blob: Uint8Array, options: DecodeDeletionVectorOptions = {}): PositionSet {
  const src = options.source;
  if (blob.length < 12) fail(src, `${blob.length} bytes is too short (at least 12)`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const length = view.getUint32(0, false);
  if (length !== blob.length - 8) fail(src, `length field says ${length} bytes of magic and bitmap, but the blob has ${blob.length - 8}`);
  for (let i = 0; i < 4; i++) {
    if (blob[4 + i] !== DELETION_VECTOR_MAGIC[i]) {
      fail(src, `bad magic ${[...blob.subarray(4, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ')} (expected d1 d3 39 64)`);
    }
  }
  const expectedCrc = view.getUint32(4 + length, false);
  const actualCrc = crc32(blob, 4, 4 + length);
  if (expectedCrc !== actualCrc) fail(src, `CRC-32 mismatch: computed ${actualCrc.toString(16)}, stored ${expectedCrc.toString(16)}`);
  let set: PositionSet;
  try {
    set = decodeRoaring64(blob, { offset: 8, end: 4 + length, exact: true });
  } catch (e) {
    if (e instanceof LakeError) fail(src, e.message);
    throw e;
  }
  if (options.expectedCardinality !== undefined && set.cardinality !== options.expectedCardinality) {
    fail(src, `holds ${set.cardinality} positions, but its manifest entry records ${options.expectedCardinality}`);
  }
  return set;
}

/** Encodes positions as a deletion-vector-v1 blob, byte-identical to the reference implementation's. */
export function encodeDeletionVector(positions: PositionSet | Iterable<number | bigint>): Uint8Array {
  const set = positions instanceof PositionSet ? positions : PositionSet.of(positions);
  const bitmap = encodeRoaring64(set);
  const length = 4 + bitmap.length;
  const out = new Uint8Array(length + 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, length, false);
  out.set(DELETION_VECTOR_MAGIC, 4);
  out.set(bitmap, 8);
  view.setUint32(4 + length, crc32(out, 4, 4 + length), false);
  return out;
}
