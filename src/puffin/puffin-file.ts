/**
 * Puffin files (Puffin spec): `Magic Blob1 ... BlobN Footer`, where the footer is
 * `Magic FooterPayload FooterPayloadSize Flags Magic`, the magic is `PFA1`, sizes and flags are
 * 4-byte little-endian, and the payload is UTF-8 JSON (`FileMetadata`: blobs with type, fields,
 * snapshot-id, sequence-number, offset, length, optional compression-codec and properties),
 * LZ4-compressed when flag bit 0 is set.
 *
 * Compression: blobs may be `zstd` or `lz4` compressed (deletion vectors never are). Node 20 ships
 * neither decoder, so reading a compressed blob or footer needs a `decompress` function from the
 * caller; without one it fails with UNSUPPORTED_FEATURE naming the codec.
 */
import { LakeError } from '../errors.js';
import { JsonFields, parseJson, stringifyJson } from '../util/json.js';

export const PUFFIN_MAGIC = Uint8Array.of(0x50, 0x46, 0x41, 0x31);
/** Bytes after the footer payload: payload size, flags, magic. */
const FOOTER_TRAILER = 12;

export interface PuffinBlobMetadata {
  type: string;
  /** Field ids the blob was computed for. */
  fields: number[];
  /** -1 when not known at write time (deletion vectors). */
  snapshotId: bigint;
  sequenceNumber: bigint;
  offset: number;
  /** Stored length (after compression). */
  length: number;
  compressionCodec?: string;
  properties: Record<string, string>;
}

export interface PuffinFileMetadata {
  blobs: PuffinBlobMetadata[];
  properties: Record<string, string>;
}

/** Decompresses a blob or the footer payload written with `codec` (`zstd`, `lz4`). */
export type PuffinDecompressor = (codec: string, data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export interface PuffinReadOptions {
  decompress?: PuffinDecompressor;
  /** Used in error messages. */
  source?: string;
}

/** Random access to a Puffin file. */
export interface PuffinSource {
  size: number;
  readRange(offset: number, length: number): Promise<Uint8Array>;
}

function invalid(source: string | undefined, message: string): LakeError {
  return new LakeError('INVALID_METADATA', `${source === undefined ? '' : `${source}: `}not a valid Puffin file: ${message}`, {
    context: source === undefined ? {} : { source },
  });
}

/** True when `bytes` has the Puffin magic at `offset`. */
export function hasPuffinMagic(bytes: Uint8Array, offset = 0): boolean {
  if (offset < 0 || offset + 4 > bytes.length) return false;
  for (let i = 0; i < 4; i++) if (bytes[offset + i] !== PUFFIN_MAGIC[i]) return false;
  return true;
}

async function decompressWith(options: PuffinReadOptions, codec: string, data: Uint8Array, what: string): Promise<Uint8Array> {
  const c = codec.toLowerCase();
  if (c !== 'zstd' && c !== 'lz4') {
    throw new LakeError('UNSUPPORTED_FEATURE', `${what} uses compression codec "${codec}", which the Puffin spec does not define`, {
      context: { codec },
    });
  }
  if (options.decompress === undefined) {
    throw new LakeError(
      'UNSUPPORTED_FEATURE',
      `${what} is ${c}-compressed, and lake has no ${c} decoder on Node 20 (pass a "decompress" function to read it)`,
      { context: { codec: c, ...(options.source === undefined ? {} : { source: options.source }) } },
    );
  }
  return options.decompress(c, data);
}

function parseFileMetadata(text: string, source: string | undefined): PuffinFileMetadata {
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (e) {
    throw invalid(source, `footer payload is not JSON (${(e as Error).message})`);
  }
  const what = source === undefined ? 'Puffin footer' : `Puffin footer of ${source}`;
  const f = new JsonFields(json, what);
  const blobs = f.list('blobs').map((b, i) => {
    const bf = new JsonFields(b, `${what}: blob ${i}`);
    const blob: PuffinBlobMetadata = {
      type: bf.str('type'),
      fields: bf.list('fields').map((x) => {
        if (typeof x !== 'number' || !Number.isInteger(x)) bf.fail('"fields" must be a list of integers');
        return x as number;
      }),
      snapshotId: bf.long('snapshot-id'),
      sequenceNumber: bf.long('sequence-number'),
      offset: bf.safeLong('offset'),
      length: bf.safeLong('length'),
      properties: bf.optStrMap('properties') ?? {},
    };
    const codec = bf.optStr('compression-codec');
    if (codec !== undefined) blob.compressionCodec = codec;
    if (blob.offset < 0 || blob.length < 0) bf.fail('offset and length must not be negative');
    return blob;
  });
  return { blobs, properties: f.optStrMap('properties') ?? {} };
}

/**
 * Parses the footer from the end of a file. `tail` holds the last `tail.length` bytes of a file of
 * `fileSize` bytes. Returns undefined when `tail` is too short to hold the whole footer, with the
 * number of bytes needed.
 */
export async function parsePuffinFooter(
  tail: Uint8Array,
  fileSize: number,
  options: PuffinReadOptions = {},
): Promise<{ metadata: PuffinFileMetadata; footerStart: number } | { needed: number }> {
  const src = options.source;
  if (fileSize < 4 + 4 + FOOTER_TRAILER) throw invalid(src, `${fileSize} bytes is too short for a Puffin file`);
  if (tail.length < FOOTER_TRAILER) return { needed: FOOTER_TRAILER };
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const t = tail.length;
  if (!hasPuffinMagic(tail, t - 4)) throw invalid(src, 'no PFA1 magic at the end');
  const payloadSize = view.getInt32(t - FOOTER_TRAILER, true);
  const flags = view.getUint32(t - 8, true);
  if (payloadSize < 0) throw invalid(src, `negative footer payload size ${payloadSize}`);
  const footerSize = 4 + payloadSize + FOOTER_TRAILER;
  const footerStart = fileSize - footerSize;
  if (footerStart < 4) throw invalid(src, `footer payload size ${payloadSize} does not fit in ${fileSize} bytes`);
  if (t < footerSize) return { needed: footerSize };
  const base = t - footerSize;
  if (!hasPuffinMagic(tail, base)) throw invalid(src, 'no PFA1 magic at the start of the footer');
  if ((flags & ~1) !== 0) {
    throw new LakeError('UNSUPPORTED_FEATURE', `${src === undefined ? '' : `${src}: `}Puffin footer has unknown flags ${flags}`);
  }
  let payload = tail.subarray(base + 4, base + 4 + payloadSize);
  if ((flags & 1) !== 0) payload = await decompressWith(options, 'lz4', payload, 'the Puffin footer');
  const text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
  const metadata = parseFileMetadata(text, src);
  for (const b of metadata.blobs) {
    if (b.offset < 4 || b.offset + b.length > footerStart) {
      throw invalid(src, `blob ${b.type} at [${b.offset}, ${b.offset + b.length}) lies outside the blob area [4, ${footerStart})`);
    }
  }
  return { metadata, footerStart };
}

/** Reads the footer of a Puffin file through random access (usually one or two range reads). */
export async function readPuffinMetadata(source: PuffinSource, options: PuffinReadOptions = {}): Promise<PuffinFileMetadata> {
  const guess = Math.min(source.size, 16 * 1024);
  let tail = await source.readRange(source.size - guess, guess);
  let r = await parsePuffinFooter(tail, source.size, options);
  if ('needed' in r) {
    const n = Math.min(source.size, r.needed);
    tail = await source.readRange(source.size - n, n);
    r = await parsePuffinFooter(tail, source.size, options);
    if ('needed' in r) throw invalid(options.source, 'footer is larger than the file');
  }
  const head = await source.readRange(0, 4);
  if (!hasPuffinMagic(head)) throw invalid(options.source, 'no PFA1 magic at the start');
  return r.metadata;
}

/** Reads a whole Puffin file held in memory: its metadata. */
export async function readPuffin(bytes: Uint8Array, options: PuffinReadOptions = {}): Promise<PuffinFileMetadata> {
  if (!hasPuffinMagic(bytes)) throw invalid(options.source, 'no PFA1 magic at the start');
  const r = await parsePuffinFooter(bytes, bytes.length, options);
  if ('needed' in r) throw invalid(options.source, 'truncated footer');
  return r.metadata;
}

/** The (decompressed) contents of a blob, from the file bytes or through random access. */
export async function readPuffinBlob(
  file: Uint8Array | PuffinSource,
  blob: Pick<PuffinBlobMetadata, 'offset' | 'length' | 'compressionCodec' | 'type'>,
  options: PuffinReadOptions = {},
): Promise<Uint8Array> {
  let data: Uint8Array;
  if (file instanceof Uint8Array) {
    if (blob.offset + blob.length > file.length) throw invalid(options.source, `blob ${blob.type} extends past the end of the file`);
    data = file.subarray(blob.offset, blob.offset + blob.length);
  } else {
    data = await file.readRange(blob.offset, blob.length);
    if (data.length !== blob.length) throw invalid(options.source, `blob ${blob.type} extends past the end of the file`);
  }
  if (blob.compressionCodec === undefined) return data;
  return decompressWith(options, blob.compressionCodec, data, `blob ${blob.type}`);
}

export interface PuffinBlobInput {
  type: string;
  fields: number[];
  /** Default -1 (unknown at write time, as deletion vectors require). */
  snapshotId?: bigint;
  sequenceNumber?: bigint;
  /** Stored as is: lake writes blobs uncompressed. */
  data: Uint8Array;
  properties?: Record<string, string>;
}

export interface WritePuffinOptions {
  blobs: readonly PuffinBlobInput[];
  /** File properties; `created-by` is recommended by the spec. */
  properties?: Record<string, string>;
}

export interface WrittenPuffin {
  bytes: Uint8Array;
  /** The blobs as recorded in the footer, with their offsets and lengths. */
  blobs: PuffinBlobMetadata[];
}

/** Writes a Puffin file with uncompressed blobs and an uncompressed footer. */
export function writePuffin(options: WritePuffinOptions): WrittenPuffin {
  const blobs: PuffinBlobMetadata[] = [];
  let offset = 4;
  for (const b of options.blobs) {
    if (typeof b.type !== 'string' || b.type === '') throw new LakeError('INVALID_INPUT', 'a Puffin blob needs a type');
    for (const id of b.fields) {
      if (!Number.isInteger(id)) throw new LakeError('INVALID_INPUT', `Puffin blob field ids must be integers, got ${id}`);
    }
    blobs.push({
      type: b.type,
      fields: [...b.fields],
      snapshotId: b.snapshotId ?? -1n,
      sequenceNumber: b.sequenceNumber ?? -1n,
      offset,
      length: b.data.length,
      properties: { ...(b.properties ?? {}) },
    });
    offset += b.data.length;
  }
  const json: Record<string, unknown> = {
    blobs: blobs.map((b) => {
      const o: Record<string, unknown> = {
        type: b.type,
        fields: b.fields,
        'snapshot-id': b.snapshotId,
        'sequence-number': b.sequenceNumber,
        offset: b.offset,
        length: b.length,
      };
      if (Object.keys(b.properties).length > 0) o.properties = b.properties;
      return o;
    }),
  };
  // empty properties are omitted, as the reference writer does
  if (Object.keys(options.properties ?? {}).length > 0) json.properties = { ...options.properties };
  const payload = new TextEncoder().encode(stringifyJson(json));
  const total = offset + 4 + payload.length + FOOTER_TRAILER;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(PUFFIN_MAGIC, 0);
  let pos = 4;
  for (const b of options.blobs) {
    out.set(b.data, pos);
    pos += b.data.length;
  }
  out.set(PUFFIN_MAGIC, pos);
  pos += 4;
  out.set(payload, pos);
  pos += payload.length;
  view.setInt32(pos, payload.length, true);
  view.setUint32(pos + 4, 0, true);
  out.set(PUFFIN_MAGIC, pos + 8);
  return { bytes: out, blobs };
}
