/**
 * A decoder for the Avro binary encoding, compiled once per normalized writer schema (see
 * avro-schema.ts), that builds lake's shapes directly.
 *
 * Why not avsc's decoder: scan planning reads every manifest of a snapshot, and each entry carries
 * up to six metrics maps keyed by column. avsc materializes every key/value pair as a record
 * object and every byte string as a Buffer, then lake converts them again; measured on 1,000
 * manifests of 100 entries with 20-column metrics, that cost more than the whole planning budget.
 * This decoder reads key/value arrays straight into a `Map` (whole, or only the keys a scan needs,
 * skipping the others without allocating), reads byte strings as views on the block, and
 * everything else as avsc would (records as objects keyed by field name, unions unwrapped, `long`
 * as number or bigint per the normalized schema). avsc still writes, and the tests check that both
 * decoders agree on every manifest of the corpus.
 */
import { LakeError } from '../errors.js';

export class Cursor {
  buf: Buffer;
  pos: number;
  /**
   * Which keys of key/value arrays (Iceberg maps) to decode: all (undefined), none (null: the
   * arrays are skipped and read as undefined), or those in the set.
   */
  keys: ReadonlySet<unknown> | null | undefined;
  /** The same selection as a bitmap over small int keys (field ids), for the hot loop. */
  keyBits: Uint8Array | undefined;
  constructor(buf: Buffer, pos = 0, keys?: ReadonlySet<unknown> | null) {
    this.buf = buf;
    this.pos = pos;
    this.keys = keys;
    this.keyBits = keys ? keyBitmap(keys) : undefined;
  }
}

const bitmaps = new WeakMap<ReadonlySet<unknown>, Uint8Array | undefined>();

function keyBitmap(keys: ReadonlySet<unknown>): Uint8Array | undefined {
  if (bitmaps.has(keys)) return bitmaps.get(keys);
  let bits: Uint8Array | undefined;
  let max = -1;
  for (const k of keys) {
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k > 1_000_000) {
      max = -2;
      break;
    }
    if (k > max) max = k;
  }
  if (max >= -1) {
    bits = new Uint8Array(max + 1);
    for (const k of keys) bits[k as number] = 1;
  }
  bitmaps.set(keys, bits);
  return bits;
}

export type Read = (c: Cursor) => unknown;

function truncated(): LakeError {
  return new LakeError('INVALID_METADATA', 'Avro data is truncated or corrupt');
}

/** Zig-zag varint as a JS number; exact below 2^53, otherwise refused. */
export function readLongNumber(c: Cursor): number {
  const b = c.buf;
  let p = c.pos;
  let x = b[p++]!;
  let n = x & 0x7f;
  if (x & 0x80) {
    x = b[p++]!;
    n |= (x & 0x7f) << 7;
    if (x & 0x80) {
      x = b[p++]!;
      n |= (x & 0x7f) << 14;
      if (x & 0x80) {
        x = b[p++]!;
        n |= (x & 0x7f) << 21;
        if (x & 0x80) {
          // Beyond 28 bits: continue in float arithmetic, exact up to 2^53.
          let f = n;
          let scale = 268435456; // 2^28
          do {
            if (p >= b.length) throw truncated();
            x = b[p++]!;
            f += (x & 0x7f) * scale;
            scale *= 128;
          } while (x & 0x80);
          if (f > 2 ** 53) throw new LakeError('INVALID_METADATA', 'Avro long does not fit a JS number (a count above 2^53)');
          c.pos = p;
          return f % 2 === 0 ? f / 2 : -(f + 1) / 2;
        }
      }
    }
  }
  if (p > b.length) throw truncated();
  c.pos = p;
  return (n >>> 1) ^ -(n & 1);
}

/** Zig-zag varint as a signed 64-bit bigint. */
export function readLongBigInt(c: Cursor): bigint {
  const b = c.buf;
  const start = c.pos;
  // Up to 7 bytes (49 bits) fit a number exactly: the common case.
  let p = start;
  let f = 0;
  let scale = 1;
  let x: number;
  do {
    if (p >= b.length) throw truncated();
    x = b[p++]!;
    if (p - start > 7) break;
    f += (x & 0x7f) * scale;
    scale *= 128;
  } while (x & 0x80);
  if (p - start <= 7 && !(x & 0x80)) {
    c.pos = p;
    return BigInt(f % 2 === 0 ? f / 2 : -(f + 1) / 2);
  }
  let u = 0n;
  let shift = 0n;
  p = start;
  do {
    if (p >= b.length || shift > 63n) throw truncated();
    x = b[p++]!;
    u |= BigInt(x & 0x7f) << shift;
    shift += 7n;
  } while (x & 0x80);
  c.pos = p;
  u = BigInt.asUintN(64, u);
  return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
}

const readNull: Read = () => null;
const readBoolean: Read = (c) => {
  if (c.pos >= c.buf.length) throw truncated();
  return c.buf[c.pos++] !== 0;
};
const readFloat: Read = (c) => {
  const v = c.buf.readFloatLE(c.pos);
  c.pos += 4;
  return v;
};
const readDouble: Read = (c) => {
  const v = c.buf.readDoubleLE(c.pos);
  c.pos += 8;
  return v;
};
const readString: Read = (c) => {
  const len = readLongNumber(c);
  const end = c.pos + len;
  if (len < 0 || end > c.buf.length) throw truncated();
  const s = c.buf.toString('utf8', c.pos, end);
  c.pos = end;
  return s;
};
/** Byte strings are views on the block (no copy). */
const readBytes: Read = (c) => {
  const len = readLongNumber(c);
  const end = c.pos + len;
  if (len < 0 || end > c.buf.length) throw truncated();
  const v = new Uint8Array(c.buf.buffer, c.buf.byteOffset + c.pos, len);
  c.pos = end;
  return v;
};

function readFixed(size: number): Read {
  return (c) => {
    const end = c.pos + size;
    if (end > c.buf.length) throw truncated();
    const v = new Uint8Array(c.buf.buffer, c.buf.byteOffset + c.pos, size);
    c.pos = end;
    return v;
  };
}

/** Avro array blocks: a count (negative: followed by a byte size), items, until a zero count. */
function blockCount(c: Cursor): number {
  let n = readLongNumber(c);
  if (n < 0) {
    n = -n;
    readLongNumber(c);
  }
  return n;
}

type JsonObject = Record<string, unknown>;

type Skip = (c: Cursor) => void;

const skipVarint: Skip = (c) => {
  const b = c.buf;
  let p = c.pos;
  while (b[p++]! & 0x80) {
    if (p >= b.length) throw truncated();
  }
  c.pos = p;
};

const skipLengthPrefixed: Skip = (c) => {
  const len = readLongNumber(c);
  c.pos += len;
  if (len < 0 || c.pos > c.buf.length) throw truncated();
};

/** Skips an array of (varint, varint) or (varint, bytes) pairs. */
function skipVarintPairs(c: Cursor, valueIsBytes: boolean): void {
  const b = c.buf;
  for (let n = blockCount(c); n !== 0; n = blockCount(c)) {
    let p = c.pos;
    for (let i = 0; i < n; i++) {
      while (b[p++]! & 0x80);
      if (valueIsBytes) {
        c.pos = p;
        const len = readLongNumber(c);
        p = c.pos + len;
      } else {
        while (b[p++]! & 0x80);
      }
      if (p > b.length) throw truncated();
    }
    c.pos = p;
  }
}

function isKeyValueRecord(t: unknown): t is JsonObject {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return false;
  const o = t as JsonObject;
  const fields = o.fields as JsonObject[] | undefined;
  return o.type === 'record' && Array.isArray(fields) && fields.length === 2 && fields[0]!.name === 'key' && fields[1]!.name === 'value';
}

/**
 * Compiles a reader for a normalized schema (the JSON avro-schema.ts hands to avsc): named types
 * are inlined, longs are `long` (number) or `bigintLong` (the registry name of the bigint type).
 */
export function compileReader(schema: unknown, bigintLong: string): Read {
  const isVarint = (t: unknown): boolean => t === 'int' || t === 'long' || t === bigintLong;
  const compile = (t: unknown): Read => {
    if (Array.isArray(t)) {
      const branches = t.map(compile);
      if (branches.length === 2 && t[0] === 'null') {
        const other = branches[1]!;
        return (c) => (readLongNumber(c) === 0 ? null : other(c));
      }
      return (c) => {
        const i = readLongNumber(c);
        const r = branches[i];
        if (r === undefined) throw new LakeError('INVALID_METADATA', `Avro union index ${i} out of range`);
        return r(c);
      };
    }
    if (typeof t === 'string') {
      switch (t) {
        case 'null':
          return readNull;
        case 'boolean':
          return readBoolean;
        case 'int':
        case 'long':
          return readLongNumber;
        case 'float':
          return readFloat;
        case 'double':
          return readDouble;
        case 'bytes':
          return readBytes;
        case 'string':
          return readString;
        default:
          if (t === bigintLong) return readLongBigInt;
          throw new LakeError('INVALID_METADATA', `unsupported Avro type ${t}`);
      }
    }
    const o = t as JsonObject;
    switch (o.type) {
      case 'record':
        return compileRecord(o);
      case 'fixed':
        return readFixed(o.size as number);
      case 'enum':
        return readLongNumber;
      case 'array': {
        if (isKeyValueRecord(o.items)) {
          // An Iceberg map stored as an array of key/value records: straight into a Map, with only
          // the keys the cursor selects.
          const fields = o.items.fields as JsonObject[];
          const readKey = compile(fields[0]!.type);
          const readValue = compile(fields[1]!.type);
          const skipKey = compileSkip(fields[0]!.type);
          const skipValue = compileSkip(fields[1]!.type);
          // The metrics maps: int keys with long or bytes values, skipped in one tight loop.
          const valueIsBytes = fields[1]!.type === 'bytes';
          const varintPairs = isVarint(fields[0]!.type) && (valueIsBytes || isVarint(fields[1]!.type));
          return (c) => {
            const keys = c.keys;
            if (keys === null) {
              if (varintPairs) skipVarintPairs(c, valueIsBytes);
              else {
                for (let n = blockCount(c); n !== 0; n = blockCount(c)) {
                  for (let i = 0; i < n; i++) {
                    skipKey(c);
                    skipValue(c);
                  }
                }
              }
              return undefined;
            }
            const m = new Map<unknown, unknown>();
            if (varintPairs) {
              // Int keys (field ids, nearly always one byte): read and tested inline; unselected
              // values skipped without decoding.
              const b = c.buf;
              const bits = c.keyBits;
              for (let n = blockCount(c); n !== 0; n = blockCount(c)) {
                let p = c.pos;
                for (let i = 0; i < n; i++) {
                  let x = b[p]!;
                  let k: number;
                  if (x < 0x80) {
                    k = (x >>> 1) ^ -(x & 1);
                    p++;
                  } else {
                    c.pos = p;
                    k = readLongNumber(c);
                    p = c.pos;
                  }
                  if (keys !== undefined && (bits !== undefined ? bits[k] !== 1 : !keys.has(k))) {
                    if (valueIsBytes) {
                      x = b[p]!;
                      if (x < 0x80) {
                        if (x & 1) throw truncated(); // a negative length
                        p += 1 + (x >>> 1);
                      } else {
                        c.pos = p;
                        const len = readLongNumber(c);
                        p = c.pos + len;
                      }
                    } else while (b[p++]! & 0x80);
                    continue;
                  }
                  c.pos = p;
                  const v = readValue(c);
                  p = c.pos;
                  if (v !== null) m.set(k, v);
                }
                if (p > b.length) throw truncated();
                c.pos = p;
              }
              return m;
            }
            for (let n = blockCount(c); n !== 0; n = blockCount(c)) {
              for (let i = 0; i < n; i++) {
                const k = readKey(c);
                if (keys !== undefined && !keys.has(k)) {
                  skipValue(c);
                  continue;
                }
                const v = readValue(c);
                if (k !== null && v !== null) m.set(k, v);
              }
            }
            return m;
          };
        }
        const items = compile(o.items);
        return (c) => {
          const out: unknown[] = [];
          for (let n = blockCount(c); n !== 0; n = blockCount(c)) for (let i = 0; i < n; i++) out.push(items(c));
          return out;
        };
      }
      case 'map': {
        const values = compile(o.values);
        return (c) => {
          const out: Record<string, unknown> = {};
          for (let n = blockCount(c); n !== 0; n = blockCount(c)) {
            for (let i = 0; i < n; i++) {
              const k = readString(c) as string;
              out[k] = values(c);
            }
          }
          return out;
        };
      }
      default:
        if (typeof o.type === 'string' || Array.isArray(o.type)) return compile(o.type);
        throw new LakeError('INVALID_METADATA', `unsupported Avro type ${JSON.stringify(o.type)}`);
    }
  };

  const compileRecord = (o: JsonObject): Read => {
    const fields = o.fields as JsonObject[];
    const readers = fields.map((f) => compile(f.type));
    // Generated once per schema: an object literal in field order keeps one hidden class and
    // monomorphic property stores (the way avsc compiles its records).
    const body = fields.map((f, i) => `${JSON.stringify(f.name)}: r[${i}](c)`).join(', ');
    return new Function('r', `return function readRecord(c) { return { ${body} }; };`)(readers) as Read;
  };

  /** Skips a value without decoding it. */
  const compileSkip = (t: unknown): Skip => {
    if (Array.isArray(t)) {
      const branches = t.map(compileSkip);
      return (c) => {
        const i = readLongNumber(c);
        const s = branches[i];
        if (s === undefined) throw new LakeError('INVALID_METADATA', `Avro union index ${i} out of range`);
        s(c);
      };
    }
    if (typeof t === 'string') {
      switch (t) {
        case 'null':
          return () => {};
        case 'boolean':
          return (c) => {
            c.pos += 1;
          };
        case 'float':
          return (c) => {
            c.pos += 4;
          };
        case 'double':
          return (c) => {
            c.pos += 8;
          };
        case 'bytes':
        case 'string':
          return skipLengthPrefixed;
        default:
          return skipVarint; // int, long, the bigint long
      }
    }
    const read = compile(t);
    return (c) => {
      read(c);
    };
  };

  return compile(schema);
}
