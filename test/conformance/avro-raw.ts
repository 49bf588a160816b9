/**
 * An independent view of Avro files for the "fields kept" checks: records decoded by avsc straight
 * from the writer schema (no Iceberg interpretation, no inheritance), longs as exact bigints. Fields
 * lake's reader does not model show up here, so a field lake's writer drops cannot go unnoticed.
 */
import { inflateRawSync } from 'node:zlib';
import avro from 'avsc';
import { readAvroHeader } from '../../src/manifest/avro-file.js';

/** Avro longs as the reference implementation reads them: zig-zag varints, low 64 bits, as bigint. */
const EXACT_LONG = avro.types.LongType.__with(
  {
    fromBuffer: (varint: Buffer) => {
      let u = 0n;
      for (let i = 0; i < varint.length; i++) u |= BigInt(varint[i]! & 0x7f) << BigInt(7 * i);
      u = BigInt.asUintN(64, u);
      return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
    },
    toBuffer: (n: bigint) => {
      // zig-zag varint, for defaults in writer schemas
      let z = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
      const out: number[] = [];
      while (z >= 0x80n) {
        out.push(Number(z & 0x7fn) | 0x80);
        z >>= 7n;
      }
      out.push(Number(z));
      return Buffer.from(out);
    },
    fromJSON: (x: unknown) => BigInt(x as number),
    toJSON: (x: bigint) => Number(x),
    isValid: (x: unknown) => typeof x === 'bigint',
    compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
  },
  true,
);

function varint(buf: Buffer, state: { pos: number }): number {
  let n = 0;
  let shift = 1;
  let b: number;
  do {
    b = buf[state.pos++]!;
    n += (b & 0x7f) * shift;
    shift *= 128;
  } while (b & 0x80);
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** The schema with every `long` type, also the `{"type": "long"}` form some writers use, by name (so EXACT_LONG applies). */
function longsByName(t: unknown): unknown {
  if (Array.isArray(t)) return t.map(longsByName);
  if (t === null || typeof t !== 'object') return t;
  const o = t as Record<string, unknown>;
  switch (o.type) {
    case 'long':
      return 'long';
    case 'record':
      return { ...o, fields: (o.fields as Record<string, unknown>[]).map((f) => ({ ...f, type: longsByName(f.type) })) };
    case 'array':
      return { ...o, items: longsByName(o.items) };
    case 'map':
      return { ...o, values: longsByName(o.values) };
    default:
      return o;
  }
}

/** Every record of an Avro object container file, decoded by avsc with the file's own schema. */
export function decodeAvroRaw(bytes: Uint8Array): unknown[] {
  const header = readAvroHeader(bytes);
  const schema = longsByName(JSON.parse(header.schemaJson)) as avro.Schema;
  const type = avro.Type.forSchema(schema, { registry: { long: EXACT_LONG }, wrapUnions: false });
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const state = { pos: header.dataStart };
  const out: unknown[] = [];
  while (state.pos < buf.length) {
    const count = varint(buf, state);
    const size = varint(buf, state);
    let block = buf.subarray(state.pos, state.pos + size);
    state.pos += size + 16; // block, then the sync marker
    if (header.codec === 'deflate') block = inflateRawSync(block);
    let pos = 0;
    for (let i = 0; i < count; i++) {
      const r = type.decode(block, pos);
      out.push(r.value);
      pos = r.offset;
    }
  }
  return out;
}

/**
 * Manifest-list fields the spec renamed (same field ids 504-506): older writers use the first name,
 * lake writes the second.
 */
const RENAMED: Record<string, string> = {
  added_data_files_count: 'added_files_count',
  existing_data_files_count: 'existing_files_count',
  deleted_data_files_count: 'deleted_files_count',
};

function isKeyValueArray(v: unknown[]): boolean {
  return v.some((x) => x !== null && typeof x === 'object' && 'key' in x && 'value' in x);
}

/**
 * Values of `original` (a raw record) that `written` does not have, as `path: original -> written`
 * lines. Nulls in the original are skipped (inherited values may be written explicitly); key/value
 * arrays (Iceberg maps) compare by key; the `partition` record compares by position (writers name
 * its fields differently).
 */
export function lostAvroFields(original: unknown, written: unknown, path = '$', out: string[] = []): string[] {
  if (original === null || original === undefined) return out;
  const text = (v: unknown): string =>
    v === undefined ? 'absent' : v === null ? 'null' : Buffer.isBuffer(v) ? `0x${v.toString('hex')}` : typeof v === 'object' ? 'object' : String(v);
  if (Buffer.isBuffer(original)) {
    if (!Buffer.isBuffer(written) || !original.equals(written)) out.push(`${path}: ${text(original)} -> ${text(written)}`);
    return out;
  }
  if (Array.isArray(original)) {
    if (!Array.isArray(written)) {
      out.push(`${path}: array -> ${text(written)}`);
      return out;
    }
    if (isKeyValueArray(original)) {
      const byKey = new Map<string, unknown>();
      for (const kv of written as ({ key: unknown; value: unknown } | null)[]) if (kv !== null) byKey.set(String(kv.key), kv.value);
      for (const kv of original as ({ key: unknown; value: unknown } | null)[]) {
        if (kv === null || kv.value === null) continue;
        lostAvroFields(kv.value, byKey.get(String(kv.key)), `${path}{${String(kv.key)}}`, out);
      }
      return out;
    }
    if (original.length !== written.length) out.push(`${path}: ${original.length} items -> ${written.length}`);
    else original.forEach((x, i) => lostAvroFields(x, written[i], `${path}[${i}]`, out));
    return out;
  }
  if (typeof original === 'object') {
    if (written === null || typeof written !== 'object') {
      out.push(`${path}: object -> ${text(written)}`);
      return out;
    }
    const o = original as Record<string, unknown>;
    const w = written as Record<string, unknown>;
    if (path.endsWith('.partition')) {
      const ov = Object.values(o);
      const wv = Object.values(w);
      ov.forEach((x, i) => lostAvroFields(x, wv[i], `${path}[${i}]`, out));
      return out;
    }
    for (const [k, v] of Object.entries(o)) {
      const name = k in w ? k : (RENAMED[k] ?? k);
      lostAvroFields(v, w[name], `${path}.${k}`, out);
    }
    return out;
  }
  if (text(original) !== text(written)) out.push(`${path}: ${text(original)} -> ${text(written)}`);
  return out;
}
