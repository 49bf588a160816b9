import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { hashDouble, hashFloat, hashInt, hashLong, hashString, hashValue, murmur3Hash32 } from '../../src/spec/murmur3.js';
import { hexToBytes, parseDecimal, utf8Bytes } from '../../src/spec/single-value.js';
import { type PrimitiveType, parsePrimitiveType } from '../../src/spec/types.js';
import { valueFromText } from '../support/values.js';

const VECTORS = new URL('../../../shared/conformance/spec-vectors.md', import.meta.url).pathname;

function readVectors(): string {
  if (!existsSync(VECTORS)) {
    throw new Error(`conformance corpus missing: ${VECTORS} (the spec test vectors live beside the repository)`);
  }
  return readFileSync(VECTORS, 'utf8');
}

interface HashVector {
  typeText: string;
  input: string;
  hash: number;
}

/** Every `value ￫ hash` pair of the Appendix B tables in spec-vectors.md. */
function appendixBVectors(): HashVector[] {
  const text = readVectors();
  const start = text.indexOf('### Appendix B');
  const end = text.indexOf('## Truncate transform');
  expect(start).toBeGreaterThan(0);
  const out: HashVector[] = [];
  for (const line of text.slice(start, end).split('\n')) {
    const type = /^\|\s*\*\*`([^`]+)`\*\*/.exec(line);
    if (!type) continue;
    const lastCell = line.split('|').at(-2)!;
    for (const m of lastCell.matchAll(/`([^`]+)`\s*￫\s*`(-?\d+)`/g)) {
      out.push({ typeText: type[1]!, input: m[1]!, hash: Number(m[2]) });
    }
  }
  return out;
}

function vectorValue(typeText: string, input: string): [PrimitiveType, unknown] {
  switch (typeText) {
    case 'long':
      return [{ kind: 'long' }, BigInt(input.replace(/L$/, ''))];
    case 'decimal(P,S)': {
      const scale = input.split('.')[1]?.length ?? 0;
      return [{ kind: 'decimal', precision: 9, scale }, parseDecimal(input, scale)];
    }
    case 'int':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'string':
    case 'uuid': {
      const type = parsePrimitiveType(typeText);
      return [type, valueFromText(type, input)];
    }
    case 'fixed(L)':
      return [{ kind: 'fixed', length: 4 }, hexToBytes(input.replace(/ /g, ''))];
    case 'binary':
      return [{ kind: 'binary' }, hexToBytes(input.replace(/ /g, ''))];
    case 'boolean':
      return [{ kind: 'boolean' }, input === 'true'];
    case 'float':
      return [{ kind: 'float' }, Math.fround(Number(input.replace(/F$/, '')))];
    case 'double':
      return [{ kind: 'double' }, Number(input.replace(/D$/, ''))];
    default:
      throw new Error(`unexpected type in Appendix B table: ${typeText}`);
  }
}

describe('murmur3 x86 32-bit, seed 0', () => {
  it('matches reference hashes of raw bytes for every tail length', () => {
    // Reference values from Python's `mmh3.hash(data, 0)`.
    const enc = new TextEncoder();
    expect(murmur3Hash32(new Uint8Array(0))).toBe(0);
    expect(murmur3Hash32(enc.encode('a'))).toBe(1009084850);
    expect(murmur3Hash32(enc.encode('ab'))).toBe(-1681926305);
    expect(murmur3Hash32(enc.encode('abc'))).toBe(-1277324294);
    expect(murmur3Hash32(enc.encode('abcd'))).toBe(1139631978);
    expect(murmur3Hash32(enc.encode('abcde'))).toBe(-392455434);
    expect(murmur3Hash32(enc.encode('The quick brown fox jumps over the lazy dog'))).toBe(776992547);
    expect(murmur3Hash32(Uint8Array.from({ length: 256 }, (_, i) => i))).toBe(-469103018);
  });

  it('hashes a byte view by its own bytes, not the whole buffer', () => {
    const buf = Uint8Array.from([9, 9, 0, 1, 2, 3, 9]);
    expect(murmur3Hash32(buf.subarray(2, 6))).toBe(-188683207);
  });

  describe('every Appendix B test vector in spec-vectors.md', () => {
    const vectors = appendixBVectors();
    it('finds all 24 vectors of both tables', () => {
      expect(vectors.length).toBe(24);
    });
    for (const v of vectors) {
      it(`${v.typeText}: ${v.input} -> ${v.hash}`, () => {
        const [type, value] = vectorValue(v.typeText, v.input);
        expect(hashValue(type, value)).toBe(v.hash);
      });
    }
  });

  it('hashes ints as longs for every int, including negatives and extremes', () => {
    for (const v of [0, 1, -1, 34, -34, 2147483647, -2147483648, 123456789]) {
      expect(hashInt(v)).toBe(hashLong(BigInt(v)));
    }
    expect(hashLong(34n)).toBe(2017239379);
  });

  it('wraps longs to 64 bits and keeps the extremes distinct', () => {
    expect(hashLong(-(1n << 63n))).not.toBe(hashLong((1n << 63n) - 1n));
    expect(hashLong(1n << 64n)).toBe(hashLong(0n));
  });

  it('canonicalises NaN and negative zero for floats and doubles', () => {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setUint32(0, 0x7ff00000);
    dv.setUint32(4, 1);
    const otherNaN = dv.getFloat64(0);
    expect(Number.isNaN(otherNaN)).toBe(true);
    expect(hashDouble(otherNaN)).toBe(hashDouble(NaN));
    expect(hashDouble(NaN)).toBe(hashLong(0x7ff8000000000000n));
    expect(hashDouble(-0)).toBe(hashDouble(0));
    expect(hashFloat(Math.fround(1.1))).toBe(hashDouble(Math.fround(1.1)));
    // A float hashes as its own (widened) value, so 1.1f differs from the double 1.1.
    expect(hashFloat(Math.fround(1.1))).not.toBe(hashDouble(1.1));
  });

  it('hashes timestamp_ns as micros, flooring before the epoch', () => {
    const ns: PrimitiveType = { kind: 'timestamp_ns' };
    const us: PrimitiveType = { kind: 'timestamp' };
    expect(hashValue(ns, -1n)).toBe(hashValue(us, -1n));
    expect(hashValue(ns, -1000n)).toBe(hashValue(us, -1n));
    expect(hashValue(ns, -1001n)).toBe(hashValue(us, -2n));
    expect(hashValue(ns, 1_999n)).toBe(hashValue(us, 1n));
  });

  it('hashes strings as their UTF-8 bytes for every kind of character', () => {
    const pieces = ['a', 'é', '中', '\uFFFF', '\uE000', '😀', '\uD800', '\uDC00', '\u0000', '\u07FF', '\u0800', 'z'];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 500; i++) {
      const s = Array.from({ length: next() % 40 }, () => pieces[next() % pieces.length]).join('');
      expect(hashString(s), JSON.stringify(s)).toBe(murmur3Hash32(utf8Bytes(s)));
    }
    expect(hashString('x'.repeat(5000))).toBe(murmur3Hash32(new TextEncoder().encode('x'.repeat(5000))));
  });

  it('encodes unpaired surrogates as "?" like Java', () => {
    expect(hashValue({ kind: 'string' }, 'a\uD800b')).toBe(hashValue({ kind: 'string' }, 'a?b'));
    expect(hashValue({ kind: 'string' }, '😀')).toBe(murmur3Hash32(Uint8Array.from([0xf0, 0x9f, 0x98, 0x80])));
  });

  it('returns null for null values and the unknown type, and refuses mismatched values', () => {
    expect(hashValue({ kind: 'int' }, null)).toBeNull();
    expect(hashValue({ kind: 'unknown' }, 1)).toBeNull();
    expect(() => hashValue({ kind: 'string' }, 5)).toThrow(/cannot hash number 5 as string/);
    let caught: unknown;
    try {
      hashValue({ kind: 'variant' }, 'x');
    } catch (e) {
      caught = e;
    }
    expect(isLakeError(caught, 'INVALID_INPUT')).toBe(true);
    expect(() => hashValue(parsePrimitiveType('decimal(9,2)'), 1.5)).toThrow(/expected a bigint for decimal/);
  });
});
