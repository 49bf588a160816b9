/**
 * lake's Avro decoder against avsc's: both decode every Avro file of the conformance corpus to the
 * same values. And the stats selection that scan planning uses.
 */
import avro from 'avsc';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Cursor, bigIntReader, readLongBigInt } from '../../src/manifest/avro-decoder.js';
import { readAvroHeader, readAvroRecords } from '../../src/manifest/avro-file.js';
import { BIGINT_LONG_NAME, compileSchema } from '../../src/manifest/avro-schema.js';
import { readManifest, writeManifest } from '../../src/manifest/index.js';
import { MANIFEST_ENTRY_CATALOGUE, MANIFEST_LIST_CATALOGUE } from '../../src/manifest/schemas.js';
import { EntryStatus, FileContent, type ManifestEntry } from '../../src/spec/data-file.js';
import { parseSchema } from '../../src/spec/schema.js';
import { CORPUS } from './corpus.js';

function avroFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return avroFiles(p);
    return p.endsWith('.avro') && !n.includes('encrypted') ? [p] : [];
  });
}

/** Comparable form: Maps and key/value record arrays as pair lists, bytes as hex, records as plain objects. */
function canonical(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v instanceof Map) return [...v].map(([k, x]) => [canonical(k), canonical(x)]);
  if (Array.isArray(v)) {
    const kv = v.length > 0 && v.every((x) => x !== null && typeof x === 'object' && 'key' in x && 'value' in x && Object.keys(x).length === 2);
    if (kv) {
      return v
        .filter((x) => x.key !== null && x.value !== null)
        .map((x: { key: unknown; value: unknown }) => [canonical(x.key), canonical(x.value)]);
    }
    return v.map(canonical);
  }
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canonical(x)]));
  return v;
}

/**
 * 64-bit longs as the reference implementation's BinaryDecoder reads them: the low 64 bits of the
 * varint, zig-zag decoded (some writers emit over-long varints; see the last test).
 */
const JAVA_LONG = avro.types.LongType.__with(
  {
    fromBuffer: (varint: Buffer) => {
      let u = 0n;
      varint.forEach((b, i) => {
        u |= BigInt(b & 0x7f) << BigInt(7 * i);
      });
      u = BigInt.asUintN(64, u);
      return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
    },
    toBuffer: () => {
      throw new Error('decode only');
    },
    fromJSON: (x: unknown) => BigInt(x as number),
    toJSON: (x: bigint) => Number(x),
    isValid: (x: unknown) => typeof x === 'bigint',
    compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
  },
  true,
);

/** Decodes with avsc, block by block (the framing re-done here independently). */
function decodeWithAvsc(bytes: Buffer): unknown[] {
  const header = readAvroHeader(bytes);
  const isList = header.schemaJson.includes('"manifest_path"');
  const { normalized } = compileSchema(header.schemaJson, isList ? MANIFEST_LIST_CATALOGUE : MANIFEST_ENTRY_CATALOGUE);
  const type = avro.Type.forSchema(normalized as avro.Schema, { registry: { [BIGINT_LONG_NAME]: JAVA_LONG } });
  const out: unknown[] = [];
  const c = new Cursor(bytes, header.dataStart);
  const long = () => {
    let n = 0;
    let shift = 1;
    let b: number;
    do {
      b = bytes[c.pos++]!;
      n += (b & 0x7f) * shift;
      shift *= 128;
    } while (b & 0x80);
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  };
  while (c.pos < bytes.length) {
    const count = long();
    const size = long();
    let block = bytes.subarray(c.pos, c.pos + size);
    c.pos += size + 16;
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

describe('decoder agrees with avsc on the corpus', () => {
  const files = avroFiles(CORPUS);

  it('finds the corpus Avro files', () => {
    expect(files.length).toBeGreaterThan(200);
  });

  it('decodes every file to the same values', () => {
    for (const f of files) {
      const bytes = readFileSync(f);
      const header = readAvroHeader(bytes);
      const isList = header.schemaJson.includes('"manifest_path"');
      const compiled = compileSchema(header.schemaJson, isList ? MANIFEST_LIST_CATALOGUE : MANIFEST_ENTRY_CATALOGUE);
      const mine = canonical(readAvroRecords(bytes, header, compiled.read)) as Record<string, unknown>[];
      const theirs = canonical(decodeWithAvsc(bytes)) as Record<string, unknown>[];
      expect(mine, f).toEqual(theirs);
    }
  });

  it('selects column stats on every corpus manifest as filtering the full read would', () => {
    const pick = <V>(m: Map<number, V> | undefined, keep: number[]) => (m === undefined ? undefined : new Map([...m].filter(([k]) => keep.includes(k))));
    let checked = 0;
    for (const f of files) {
      const bytes = readFileSync(f);
      if (readAvroHeader(bytes).schemaJson.includes('"manifest_path"')) continue;
      const full = readManifest(bytes).entries;
      for (const keep of [[1], [2, 3]]) {
        const sel = readManifest(bytes, { stats: keep }).entries;
        expect(sel.map((e) => e.dataFile), f).toEqual(
          full.map((e) => ({
            ...e.dataFile,
            columnSizes: pick(e.dataFile.columnSizes, keep),
            valueCounts: pick(e.dataFile.valueCounts, keep),
            nullValueCounts: pick(e.dataFile.nullValueCounts, keep),
            nanValueCounts: pick(e.dataFile.nanValueCounts, keep),
            lowerBounds: pick(e.dataFile.lowerBounds, keep),
            upperBounds: pick(e.dataFile.upperBounds, keep),
          })),
        );
      }
      const none = readManifest(bytes, { stats: 'none' }).entries;
      expect(none.map((e) => [e.dataFile.filePath, e.dataFile.partition, e.dataFile.recordCount, e.dataFile.lowerBounds])).toEqual(
        full.map((e) => [e.dataFile.filePath, e.dataFile.partition, e.dataFile.recordCount, undefined]),
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('reads an over-long varint as the reference implementation does: its low 64 bits', () => {
    // The corpus file above writes 9876543210123456789 with an unbounded zig-zag, 65 bits:
    // 2 * 9876543210123456789 + 1. Java's BinaryDecoder keeps the low 64 bits.
    const zigzag = 2n * 9876543210123456789n + 1n;
    const bytes: number[] = [];
    for (let u = zigzag; ; u >>= 7n) {
      if (u < 0x80n) {
        bytes.push(Number(u));
        break;
      }
      bytes.push(Number(u & 0x7fn) | 0x80);
    }
    expect(bytes).toHaveLength(10);
    const low = BigInt.asUintN(64, zigzag);
    const javaValue = BigInt.asIntN(64, (low >> 1n) ^ -(low & 1n));
    expect(readLongBigInt(new Cursor(Buffer.from(bytes)))).toBe(javaValue);
    const f = join(CORPUS, 'duckdb-eqdel-bucket-partitioned/metadata/482c51b1-71ea-4508-b282-e2d753a5ef36-m0.avro');
    expect(readManifest(readFileSync(f)).entries[0]!.snapshotId).toBe(javaValue);
  });
});

describe('stats selection', () => {
  const schema = parseSchema({
    type: 'struct',
    'schema-id': 0,
    fields: [1, 2, 3].map((id) => ({ id, name: `c${id}`, required: false, type: 'long' })),
  });
  const long = (v: number) => Uint8Array.from({ length: 8 }, (_, k) => (k === 0 ? v : 0));
  const entries: ManifestEntry[] = [0, 1].map((i) => ({
    status: EntryStatus.ADDED,
    dataFile: {
      content: FileContent.DATA,
      filePath: `f${i}.parquet`,
      fileFormat: 'PARQUET',
      specId: 0,
      partition: [],
      recordCount: 10 + i,
      fileSizeInBytes: 100,
      columnSizes: new Map([[1, 5], [2, 6], [3, 7]]),
      valueCounts: new Map([[1, 10], [2, 10], [3, 10]]),
      nullValueCounts: new Map([[2, i]]),
      nanValueCounts: new Map(),
      lowerBounds: new Map([[1, long(1)], [2, long(200)], [3, long(3)]]),
      upperBounds: new Map([[1, long(9)], [2, long(201)], [3, long(33)]]),
      splitOffsets: [4],
      sortOrderId: 7,
    },
  }));
  const w = writeManifest({ formatVersion: 2, schema, spec: { specId: 0, fields: [] }, snapshotId: 3n, entries, manifestPath: 'm' });

  it("decodes every column's metrics by default", () => {
    expect(readManifest(w.bytes).entries.map((e) => e.dataFile)).toEqual(entries.map((e) => e.dataFile));
  });

  it('decodes no metrics with "none", and everything else the same', () => {
    const none = readManifest(w.bytes, { stats: 'none' }).entries;
    for (const [i, e] of none.entries()) {
      const { columnSizes, valueCounts, nullValueCounts, nanValueCounts, lowerBounds, upperBounds, ...rest } = entries[i]!.dataFile;
      expect(e.dataFile).toEqual(rest);
      expect(e.dataFile.lowerBounds).toBeUndefined();
      expect(e.dataFile.valueCounts).toBeUndefined();
    }
  });

  it('decodes only the selected columns', () => {
    for (const keep of [[1], [2], [3], [1, 3], [2, 9]]) {
      const sel = readManifest(w.bytes, { stats: keep }).entries;
      for (const [i, e] of sel.entries()) {
        const full = entries[i]!.dataFile;
        const pick = <V>(m: Map<number, V> | undefined) => new Map([...m!].filter(([k]) => keep.includes(k)));
        expect(e.dataFile, JSON.stringify(keep)).toEqual({
          ...full,
          columnSizes: pick(full.columnSizes),
          valueCounts: pick(full.valueCounts),
          nullValueCounts: pick(full.nullValueCounts),
          nanValueCounts: pick(full.nanValueCounts),
          lowerBounds: pick(full.lowerBounds),
          upperBounds: pick(full.upperBounds),
        });
      }
    }
  });
});

describe('64-bit longs', () => {
  /** Zig-zag varint bytes of a signed 64-bit value. */
  const varint = (v: bigint): number[] => {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    const out: number[] = [];
    for (;;) {
      if (u < 0x80n) {
        out.push(Number(u));
        return out;
      }
      out.push(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
  };
  const edge = [0n, -1n, 1n, 63n, -64n, 64n, (1n << 27n) - 1n, 1n << 27n, -(1n << 27n) - 1n, (1n << 31n) - 1n, 1n << 31n, -(1n << 31n)];
  const more = [1n << 32n, (1n << 53n) + 1n, -(1n << 53n) - 1n, 4_242_424_242_424_242n, 9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n];
  let seed = 12345;
  const random = (): bigint => {
    // xorshift over 64 bits: every bit pattern, both signs
    let x = BigInt(seed);
    x ^= (x << 13n) & 0xffffffffffffffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffffffffffffffffn;
    seed = Number(x & 0x7fffffffn) || 1;
    return BigInt.asIntN(64, x * 0x9e3779b97f4a7c15n);
  };

  it('decodes every width and sign, with repeated and alternating values read by one reader', () => {
    const values = [...edge, ...more, ...Array.from({ length: 2000 }, random)];
    // repeats and alternations exercise the reader's memory of the last value
    const sequence = values.flatMap((v, i) => [v, v, values[(i * 7) % values.length]!, v]);
    const bytes = Buffer.from(sequence.flatMap(varint));
    const read = bigIntReader();
    const c = new Cursor(bytes);
    const got = sequence.map(() => read(c));
    expect(c.pos).toBe(bytes.length);
    expect(got).toEqual(sequence);
    for (const v of [...edge, ...more]) expect(readLongBigInt(new Cursor(Buffer.from(varint(v))))).toBe(v);
  });

  it('refuses a varint longer than 10 bytes and a truncated one', () => {
    const eleven = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => readLongBigInt(new Cursor(eleven))).toThrow(/truncated or corrupt/);
    const cut = Buffer.from(varint(4_242_424_242_424_242n).slice(0, 5));
    expect(() => readLongBigInt(new Cursor(cut))).toThrow(/truncated or corrupt/);
  });
});

describe('Avro headers', () => {
  it('reads alternating headers correctly, and a caller changing one does not change the next', () => {
    const schema = parseSchema({ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: false, type: 'long' }] });
    const other = parseSchema({ type: 'struct', 'schema-id': 1, fields: [{ id: 1, name: 'a', required: false, type: 'long' }, { id: 2, name: 'b', required: false, type: 'string' }] });
    const write = (s: typeof schema) =>
      writeManifest({ formatVersion: 2, schema: s, spec: { specId: 0, fields: [] }, snapshotId: 5n, entries: [], manifestPath: 'm' }).bytes;
    const a = write(schema);
    const b = write(other);
    for (const bytes of [a, a, b, a, b, b]) {
      const h = readAvroHeader(bytes);
      expect(h.metadata['schema-id']).toBe(bytes === a ? '0' : '1');
      h.metadata['schema-id'] = 'changed';
    }
    expect(readAvroHeader(a).metadata['schema-id']).toBe('0');
  });
});
