/**
 * Roaring bitmap "portable" serialization (RoaringFormatSpec), 32-bit and its 64-bit extension, as
 * deletion vectors store positions (Puffin spec `deletion-vector-v1`):
 *
 * 64-bit: bitmap count (8 bytes LE), then per bitmap, ascending by key: key (4 bytes LE) and a
 * 32-bit Roaring bitmap.
 * 32-bit: a cookie (12347 with run containers, container count - 1 in the high 16 bits, then a
 * run-flag bitset; or 12346 followed by the container count), per container its 16-bit key and
 * cardinality - 1, container offsets (omitted when there are run containers and fewer than 4
 * containers), then the containers: runs (count, then start/length-1 pairs), bitmaps (8192 bytes)
 * for more than 4096 values, arrays of 16-bit values otherwise. Everything little-endian.
 *
 * Encoding matches the reference implementation byte for byte: keys 0..max are all written (empty
 * bitmaps fill gaps, as its dense bitmap array does), and containers take the form its
 * run-length encoding picks (see `containerFromSorted`).
 */
import { LakeError } from '../errors.js';
import {
  ARRAY_MAX,
  BITMAP_WORDS,
  type Bitmap32,
  type Container,
  PositionSet,
  canonicalContainer,
  containerCardinality,
} from './position-set.js';

const SERIAL_COOKIE = 12347;
const SERIAL_COOKIE_NO_RUNCONTAINER = 12346;
const NO_OFFSET_THRESHOLD = 4;
/** Largest key the reference implementation accepts (positions up to 2^63 - 2^32 - 1). */
export const MAX_KEY = 0x7ffffffe;

function corrupt(message: string): LakeError {
  return new LakeError('INVALID_METADATA', `invalid Roaring bitmap: ${message}`);
}

class Reader {
  pos: number;
  constructor(
    readonly view: DataView,
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.end) throw corrupt(`truncated ${what} (needs ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left)`);
  }
  u16(): number {
    this.need(2, 'value');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(what = 'value'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
}

function u16Copy(r: Reader, count: number, what: string): Uint16Array {
  r.need(count * 2, what);
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = r.view.getUint16(r.pos + i * 2, true);
  r.pos += count * 2;
  return out;
}

function readBitmap32(r: Reader): Bitmap32 {
  const cookie = r.u32('cookie');
  let size: number;
  let runFlags: Uint8Array | undefined;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1;
    const n = (size + 7) >>> 3;
    r.need(n, 'run container flags');
    runFlags = r.bytes.subarray(r.pos, r.pos + n);
    r.pos += n;
  } else if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    size = r.u32('container count');
  } else {
    throw corrupt(`unknown cookie ${cookie}`);
  }
  if (size > 65536) throw corrupt(`${size} containers (at most 65536)`);
  const highs: number[] = new Array(size);
  const cards: number[] = new Array(size);
  for (let i = 0; i < size; i++) {
    highs[i] = r.u16();
    cards[i] = r.u16() + 1;
    if (i > 0 && highs[i]! <= highs[i - 1]!) throw corrupt('container keys are not ascending');
  }
  if (runFlags === undefined || size >= NO_OFFSET_THRESHOLD) {
    r.need(4 * size, 'container offsets');
    r.pos += 4 * size;
  }
  const containers: Container[] = new Array(size);
  for (let i = 0; i < size; i++) {
    const isRun = runFlags !== undefined && (runFlags[i >>> 3]! & (1 << (i & 7))) !== 0;
    if (isRun) {
      const nruns = r.u16();
      const runs = u16Copy(r, nruns * 2, 'run container');
      let card = 0;
      let prevEnd = -1;
      for (let k = 0; k < runs.length; k += 2) {
        const start = runs[k]!;
        const end = start + runs[k + 1]!;
        if (end > 0xffff || start <= prevEnd) throw corrupt('run container has overlapping or out-of-range runs');
        prevEnd = end;
        card += runs[k + 1]! + 1;
      }
      if (card !== cards[i]) throw corrupt(`run container holds ${card} values, its header says ${cards[i]}`);
      containers[i] = { kind: 'run', runs, cardinality: card };
    } else if (cards[i]! > ARRAY_MAX) {
      r.need(BITMAP_WORDS * 4, 'bitmap container');
      const words = new Uint32Array(BITMAP_WORDS);
      let card = 0;
      for (let w = 0; w < BITMAP_WORDS; w++) {
        const word = r.view.getUint32(r.pos + w * 4, true);
        words[w] = word;
        let x = word;
        x -= (x >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        card += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
      }
      r.pos += BITMAP_WORDS * 4;
      if (card !== cards[i]) throw corrupt(`bitmap container holds ${card} values, its header says ${cards[i]}`);
      containers[i] = { kind: 'bitmap', words, cardinality: card };
    } else {
      const values = u16Copy(r, cards[i]!, 'array container');
      for (let k = 1; k < values.length; k++) if (values[k]! <= values[k - 1]!) throw corrupt('array container values are not ascending');
      containers[i] = { kind: 'array', values };
    }
  }
  return { highs, containers };
}

/** Decodes a 32-bit Roaring bitmap; returns it and the offset just after it. */
export function decodeRoaring32(bytes: Uint8Array, offset = 0, end = bytes.length): { bitmap: Bitmap32; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(view, bytes, offset, end);
  const bitmap = readBitmap32(r);
  return { bitmap, end: r.pos };
}

/**
 * Decodes the 64-bit portable format. Keys must be ascending and at most MAX_KEY (the reference
 * implementation rejects larger keys, e.g. the "64maphighvals" vector, as "Invalid unsigned key").
 * With `exact`, bytes after the last bitmap are an error.
 */
export function decodeRoaring64(bytes: Uint8Array, options: { offset?: number; end?: number; exact?: boolean } = {}): PositionSet {
  const end = options.end ?? bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(view, bytes, options.offset ?? 0, end);
  const count = r.u64('bitmap count');
  if (count > 0x7fffffffn) throw corrupt(`bitmap count ${count} is too large`);
  const entries: { key: number; bitmap: Bitmap32 }[] = [];
  let last = -1;
  for (let i = 0; i < Number(count); i++) {
    const key = r.u32('bitmap key');
    if (key > 0x7fffffff) throw corrupt(`invalid unsigned key ${key} (keys above 2^31 - 1 are not supported)`);
    if (key > MAX_KEY) throw corrupt(`key ${key} is too large (at most ${MAX_KEY})`);
    if (key <= last) throw corrupt('keys must be sorted in ascending order');
    last = key;
    entries.push({ key, bitmap: readBitmap32(r) });
  }
  if (options.exact === true && r.pos !== end) throw corrupt(`${end - r.pos} unexpected bytes after the last bitmap`);
  return PositionSet.fromBitmaps(entries);
}

function containerSize(c: Container): number {
  return c.kind === 'array' ? 2 * c.values.length : c.kind === 'bitmap' ? 8192 : 2 + 2 * c.runs.length;
}

/** Size of a 32-bit bitmap in the portable format. */
function bitmap32Size(containers: readonly Container[]): number {
  const size = containers.length;
  const hasRun = containers.some((c) => c.kind === 'run');
  let n = hasRun ? 4 + ((size + 7) >>> 3) : 8;
  n += 4 * size;
  if (!hasRun || size >= NO_OFFSET_THRESHOLD) n += 4 * size;
  for (const c of containers) n += containerSize(c);
  return n;
}

function writeBitmap32(view: DataView, out: Uint8Array, pos: number, highs: readonly number[], containers: readonly Container[]): number {
  const size = containers.length;
  const hasRun = containers.some((c) => c.kind === 'run');
  let startOffset: number;
  if (hasRun) {
    view.setUint32(pos, (SERIAL_COOKIE | ((size - 1) << 16)) >>> 0, true);
    pos += 4;
    const flagBytes = (size + 7) >>> 3;
    for (let i = 0; i < size; i++) if (containers[i]!.kind === 'run') out[pos + (i >>> 3)] = out[pos + (i >>> 3)]! | (1 << (i & 7));
    pos += flagBytes;
    startOffset = size < NO_OFFSET_THRESHOLD ? 4 + 4 * size + flagBytes : 4 + 8 * size + flagBytes;
  } else {
    view.setUint32(pos, SERIAL_COOKIE_NO_RUNCONTAINER, true);
    view.setUint32(pos + 4, size, true);
    pos += 8;
    startOffset = 8 + 8 * size;
  }
  for (let i = 0; i < size; i++) {
    view.setUint16(pos, highs[i]!, true);
    view.setUint16(pos + 2, containerCardinality(containers[i]!) - 1, true);
    pos += 4;
  }
  if (!hasRun || size >= NO_OFFSET_THRESHOLD) {
    for (const c of containers) {
      view.setUint32(pos, startOffset, true);
      pos += 4;
      startOffset += containerSize(c);
    }
  }
  for (const c of containers) {
    if (c.kind === 'array') {
      for (let k = 0; k < c.values.length; k++) view.setUint16(pos + 2 * k, c.values[k]!, true);
      pos += 2 * c.values.length;
    } else if (c.kind === 'bitmap') {
      for (let w = 0; w < BITMAP_WORDS; w++) view.setUint32(pos + 4 * w, c.words[w]!, true);
      pos += 8192;
    } else {
      view.setUint16(pos, c.runs.length >>> 1, true);
      pos += 2;
      for (let k = 0; k < c.runs.length; k++) view.setUint16(pos + 2 * k, c.runs[k]!, true);
      pos += 2 * c.runs.length;
    }
  }
  return pos;
}

/** Encodes a position set in the 64-bit portable format, as the reference implementation does. */
export function encodeRoaring64(set: PositionSet): Uint8Array {
  const entries = set.entries();
  const maxKey = entries.length === 0 ? -1 : entries[entries.length - 1]!.key;
  if (maxKey > MAX_KEY) throw new LakeError('INVALID_INPUT', `position key ${maxKey} is above the supported maximum ${MAX_KEY}`);
  // Dense keys 0..maxKey as the reference implementation writes them; a set with a few huge keys
  // (which it would write as billions of empty bitmaps) is written sparse, which the format allows.
  const dense = maxKey + 1 <= entries.length + 4096;
  const keys: number[] = dense ? Array.from({ length: maxKey + 1 }, (_, k) => k) : entries.map((e) => e.key);
  const byKey = new Map<number, { highs: number[]; containers: Container[] }>();
  for (const e of entries) byKey.set(e.key, { highs: e.bitmap.highs, containers: e.bitmap.containers.map(canonicalContainer) });
  let total = 8;
  for (const k of keys) total += 4 + bitmap32Size(byKey.get(k)?.containers ?? []);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(keys.length), true);
  let pos = 8;
  for (const k of keys) {
    view.setUint32(pos, k, true);
    pos += 4;
    const b = byKey.get(k);
    pos = writeBitmap32(view, out, pos, b?.highs ?? [], b?.containers ?? []);
  }
  return out;
}
