/**
 * Avro object container files (Avro 1.11 spec, "Object Container Files"), synchronous and in memory:
 * a header (magic `Obj\x01`, key-value metadata with `avro.schema` and `avro.codec`, a 16-byte sync
 * marker) followed by blocks of records, each ended by the sync marker.
 *
 * Codecs: `null` and `deflate` (raw RFC 1951 deflate, as Java's Avro writes it) for reading and
 * writing. Files compressed with other codecs are refused with UNSUPPORTED_FEATURE.
 *
 * Records are decoded and encoded with avsc compiled types (see avro-schema.ts); this module only
 * frames them.
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Type } from 'avsc';
import { Cursor, type Read } from './avro-decoder.js';
import { LakeError } from '../errors.js';

export type AvroCodec = 'null' | 'deflate';

const MAGIC = [0x4f, 0x62, 0x6a, 0x01]; // "Obj\x01"
const SYNC_SIZE = 16;
/** Java's Avro writer starts a new block after ~64 KB; readers do not care, it bounds memory per block. */
const BLOCK_TARGET_BYTES = 64 * 1024;

export interface AvroFileHeader {
  /** Key-value metadata, values decoded as UTF-8 (Iceberg only stores strings there). */
  metadata: Record<string, string>;
  /** The writer schema, as the JSON text stored in `avro.schema`. */
  schemaJson: string;
  codec: AvroCodec;
  sync: Uint8Array;
  /** Offset of the first data block. */
  dataStart: number;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function invalid(message: string, cause?: unknown): LakeError {
  return new LakeError('INVALID_METADATA', message, cause === undefined ? {} : { cause });
}

/** Reads a zig-zag varint long as a JS number (block counts and sizes; never near 2^53). */
function readVarLong(buf: Buffer, state: { pos: number }): number {
  let pos = state.pos;
  let shift = 1;
  let n = 0;
  let b: number;
  do {
    if (pos >= buf.length) throw invalid('Avro file is truncated');
    b = buf[pos++]!;
    n += (b & 0x7f) * shift;
    shift *= 128;
    if (shift > 2 ** 63) throw invalid('Avro file has a malformed long');
  } while (b & 0x80);
  state.pos = pos;
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

function writeVarLong(n: number, out: number[]): void {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

function describeMagic(buf: Buffer): string {
  if (buf.length >= 4 && buf.toString('latin1', 0, 4) === 'AGS1') {
    return 'it is encrypted (AES-GCM stream, magic "AGS1"); encrypted manifests and manifest lists are not supported';
  }
  return 'it is not an Avro object container file (bad magic)';
}

/**
 * The last header's key-value bytes and what they decoded to: the manifests of one table usually
 * carry the same metadata (schema, spec, format version), so reading many of them decodes it once
 * and hands the same schema text to compileSchema (whose cache lookup then needs no new hash).
 */
let lastMeta: { bytes: Buffer; metadata: Record<string, string> } | undefined;

/** Offset just past the key-value metadata (the varint-framed pairs and their end marker). */
function skipMetadata(buf: Buffer, state: { pos: number }): void {
  for (;;) {
    let count = readVarLong(buf, state);
    if (count === 0) return;
    if (count < 0) {
      count = -count;
      readVarLong(buf, state);
    }
    for (let i = 0; i < 2 * count; i++) {
      const len = readVarLong(buf, state);
      if (len < 0 || state.pos + len > buf.length) throw invalid('Avro header is truncated');
      state.pos += len;
    }
  }
}

function decodeMetadata(buf: Buffer, state: { pos: number }): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (;;) {
    let count = readVarLong(buf, state);
    if (count === 0) break;
    if (count < 0) {
      count = -count;
      readVarLong(buf, state); // block size in bytes, unused
    }
    for (let i = 0; i < count; i++) {
      const klen = readVarLong(buf, state);
      if (klen < 0 || state.pos + klen > buf.length) throw invalid('Avro header is truncated');
      const key = buf.toString('utf8', state.pos, state.pos + klen);
      state.pos += klen;
      const vlen = readVarLong(buf, state);
      if (vlen < 0 || state.pos + vlen > buf.length) throw invalid('Avro header is truncated');
      metadata[key] = textDecoder.decode(buf.subarray(state.pos, state.pos + vlen));
      state.pos += vlen;
    }
  }
  return metadata;
}

/** Parses the header of an Avro object container file. */
export function readAvroHeader(bytes: Uint8Array): AvroFileHeader {
  const buf = asBuffer(bytes);
  if (buf.length < 4 || MAGIC.some((m, i) => buf[i] !== m)) {
    const reason = describeMagic(buf);
    const code = reason.startsWith('it is encrypted') ? 'UNSUPPORTED_FEATURE' : 'INVALID_METADATA';
    throw new LakeError(code, `cannot read Avro file: ${reason}`);
  }
  const state = { pos: 4 };
  skipMetadata(buf, state);
  const metaBytes = buf.subarray(4, state.pos);
  let metadata: Record<string, string>;
  if (lastMeta !== undefined && lastMeta.bytes.equals(metaBytes)) metadata = { ...lastMeta.metadata };
  else {
    state.pos = 4;
    metadata = decodeMetadata(buf, state);
    lastMeta = { bytes: Buffer.from(metaBytes), metadata: { ...metadata } };
  }
  if (state.pos + SYNC_SIZE > buf.length) throw invalid('Avro header is truncated');
  const sync = buf.subarray(state.pos, state.pos + SYNC_SIZE);
  const schemaJson = metadata['avro.schema'];
  if (schemaJson === undefined) throw invalid('Avro file has no avro.schema in its header');
  const codecName = metadata['avro.codec'] ?? 'null';
  let codec: AvroCodec;
  if (codecName === 'null' || codecName === 'deflate') codec = codecName;
  else {
    throw new LakeError('UNSUPPORTED_FEATURE', `Avro codec "${codecName}" is not supported (lake reads null and deflate)`, {
      context: { codec: codecName },
    });
  }
  return { metadata, schemaJson, codec, sync, dataStart: state.pos + SYNC_SIZE };
}

/**
 * Decodes every record of the file with `read` (compiled from the writer schema, see
 * avro-schema.ts). Byte strings in the result are views on `bytes` or on a decompressed block.
 */
export function readAvroRecords(
  bytes: Uint8Array,
  header: AvroFileHeader,
  read: Read,
  /** Keys of key/value arrays to decode (see Cursor.keys). */
  keys?: ReadonlySet<unknown> | null,
): unknown[] {
  const buf = asBuffer(bytes);
  const out: unknown[] = [];
  const state = { pos: header.dataStart };
  const sync = header.sync;
  while (state.pos < buf.length) {
    const count = readVarLong(buf, state);
    const size = readVarLong(buf, state);
    if (count < 0 || size < 0 || state.pos + size + SYNC_SIZE > buf.length) throw invalid('Avro file is truncated');
    let block = buf.subarray(state.pos, state.pos + size);
    state.pos += size;
    for (let i = 0; i < SYNC_SIZE; i++) {
      if (buf[state.pos + i] !== sync[i]) throw invalid('Avro file is corrupt: sync marker mismatch');
    }
    state.pos += SYNC_SIZE;
    if (header.codec === 'deflate') {
      try {
        // One output chunk for typical blocks: fewer allocations and no concatenation.
        block = inflateRawSync(block, { chunkSize: Math.min(Math.max(block.length * 8, 64 * 1024), 16 * 1024 * 1024) });
      } catch (e) {
        throw invalid('Avro file is corrupt: a deflate block does not decompress', e);
      }
    }
    const cursor = new Cursor(block, 0, keys);
    for (let i = 0; i < count; i++) {
      try {
        out.push(read(cursor));
      } catch (e) {
        if (e instanceof LakeError) throw e;
        throw invalid(`Avro file is corrupt: ${(e as Error).message}`, e);
      }
    }
    const pos = cursor.pos;
    if (pos !== block.length) throw invalid('Avro file is corrupt: a block has trailing bytes');
  }
  return out;
}

export interface WriteAvroFileOptions {
  /** Writer schema JSON text, stored as `avro.schema`. */
  schemaJson: string;
  /** avsc type equivalent to the schema (same binary layout) used to encode `records`. */
  type: Type;
  records: readonly unknown[];
  /** Extra key-value metadata (Iceberg keys). */
  metadata: Record<string, string>;
  codec: AvroCodec;
  /** Fixed sync marker (16 bytes) for reproducible output; random otherwise. */
  sync?: Uint8Array;
}

/** Encodes an Avro object container file. */
export function writeAvroFile(opts: WriteAvroFileOptions): Uint8Array {
  if (opts.codec !== 'null' && opts.codec !== 'deflate') {
    throw new LakeError('UNSUPPORTED_FEATURE', `Avro codec "${String(opts.codec)}" is not supported for writing (use null or deflate)`);
  }
  const sync = opts.sync ?? randomBytes(SYNC_SIZE);
  if (sync.length !== SYNC_SIZE) throw new LakeError('INVALID_INPUT', 'Avro sync marker must be 16 bytes');

  const chunks: Uint8Array[] = [];
  const head: number[] = [...MAGIC];
  const meta: [string, string][] = [
    ...Object.entries(opts.metadata),
    ['avro.schema', opts.schemaJson],
    ['avro.codec', opts.codec],
  ];
  writeVarLong(meta.length, head);
  chunks.push(Uint8Array.from(head));
  for (const [k, v] of meta) {
    const kb = Buffer.from(k, 'utf8');
    const vb = Buffer.from(v, 'utf8');
    const lens: number[] = [];
    writeVarLong(kb.length, lens);
    chunks.push(Uint8Array.from(lens), kb);
    lens.length = 0;
    writeVarLong(vb.length, lens);
    chunks.push(Uint8Array.from(lens), vb);
  }
  chunks.push(Uint8Array.of(0), sync);

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    let data = Buffer.concat(pending, pendingBytes);
    if (opts.codec === 'deflate') data = deflateRawSync(data);
    const lens: number[] = [];
    writeVarLong(pending.length, lens);
    writeVarLong(data.length, lens);
    chunks.push(Uint8Array.from(lens), data, sync);
    pending = [];
    pendingBytes = 0;
  };
  for (const record of opts.records) {
    let encoded: Buffer;
    try {
      encoded = opts.type.toBuffer(record);
    } catch (e) {
      throw new LakeError('INVALID_INPUT', `cannot encode Avro record: ${(e as Error).message}`, { cause: e });
    }
    pending.push(encoded);
    pendingBytes += encoded.length;
    if (pendingBytes >= BLOCK_TARGET_BYTES) flush();
  }
  flush();
  return Buffer.concat(chunks);
}
