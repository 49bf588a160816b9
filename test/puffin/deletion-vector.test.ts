/**
 * deletion-vector-v1 blobs and the 64-bit Roaring portable format against the reference
 * implementation's golden files (corpus vectors-dv-roaring, expectations from its
 * TestBitmapPositionDeleteIndex / TestRoaringPositionBitmap, listed in CASES.md).
 */
import { describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { PositionSet, crc32, decodeDeletionVector, decodeRoaring64, encodeDeletionVector, encodeRoaring64 } from '../../src/puffin/index.js';
import { vector } from './support.js';

const range = (start: number, end: number): number[] => Array.from({ length: end - start }, (_, i) => start + i);
const TWO32 = 2 ** 32;

const GOLDENS: [file: string, positions: number[]][] = [
  ['empty-position-index.bin', []],
  ['small-alternating-values-position-index.bin', [1, 3, 5, 7, 9]],
  ['small-and-large-values-position-index.bin', [100, 101, 2147483747, 2147483748]],
  [
    'all-container-types-position-index.bin',
    [
      5,
      7,
      ...range(65537, 66536),
      ...range(131073, 196607),
      TWO32 + 10,
      TWO32 + 20,
      ...range(TWO32 + 65546, TWO32 + 66036),
      ...range(TWO32 + 131073, TWO32 + 196607),
    ],
  ],
];

describe('deletion-vector-v1 goldens', () => {
  for (const [file, positions] of GOLDENS) {
    test(`${file}: decodes to the expected positions and re-encodes byte for byte`, () => {
      const bytes = vector(`vectors-dv-roaring/${file}`);
      const set = decodeDeletionVector(bytes);
      expect(set.cardinality).toBe(positions.length);
      expect(set.toArray()).toEqual(positions);
      for (const p of positions.slice(0, 50)) expect(set.has(p)).toBe(true);
      expect(set.has(positions.length === 0 ? 0 : positions[positions.length - 1]! + 1)).toBe(false);
      expect(Buffer.from(encodeDeletionVector(set)).equals(Buffer.from(bytes))).toBe(true);
      // built from the positions alone (not from the decoded containers), the encoding is the same
      expect(Buffer.from(encodeDeletionVector(positions)).equals(Buffer.from(bytes))).toBe(true);
    });
  }

  test('all-container-types has 132561 positions, as the reference test says', () => {
    expect(decodeDeletionVector(vector('vectors-dv-roaring/all-container-types-position-index.bin')).cardinality).toBe(132561);
  });

  test('cardinality is checked against the manifest record count', () => {
    const bytes = vector('vectors-dv-roaring/small-alternating-values-position-index.bin');
    expect(decodeDeletionVector(bytes, { expectedCardinality: 5 }).cardinality).toBe(5);
    expect(() => decodeDeletionVector(bytes, { expectedCardinality: 6 })).toThrow(/records 6/);
  });

  test('a flipped bit fails the CRC; a bad length or magic is rejected', () => {
    const bytes = vector('vectors-dv-roaring/small-alternating-values-position-index.bin');
    const flipped = bytes.slice();
    flipped[20] = flipped[20]! ^ 1;
    expect(() => decodeDeletionVector(flipped)).toThrow(/CRC-32/);
    const badLength = bytes.slice();
    badLength[3] = badLength[3]! + 1;
    expect(() => decodeDeletionVector(badLength)).toThrow(/length field/);
    const badMagic = bytes.slice();
    badMagic[4] = 0;
    expect(() => decodeDeletionVector(badMagic)).toThrow(/magic/);
    expect(() => decodeDeletionVector(bytes.subarray(0, 8))).toThrow(/too short/);
  });

  test('the blob layout: big-endian length, magic, bitmap, big-endian CRC over magic + bitmap', () => {
    const blob = encodeDeletionVector([1, 3, 5, 7, 9]);
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    expect(view.getUint32(0, false)).toBe(blob.length - 8);
    expect([...blob.subarray(4, 8)]).toEqual([0xd1, 0xd3, 0x39, 0x64]);
    expect(view.getUint32(blob.length - 4, false)).toBe(crc32(blob, 4, blob.length - 4));
  });
});

describe('64-bit Roaring portable format (raw vectors)', () => {
  test('64map32bitvals = {0..9}', () => {
    expect(decodeRoaring64(vector('vectors-dv-roaring/64map32bitvals.bin'), { exact: true }).toArray()).toEqual(range(0, 10));
  });

  test('64mapempty = {}', () => {
    expect(decodeRoaring64(vector('vectors-dv-roaring/64mapempty.bin'), { exact: true }).cardinality).toBe(0);
  });

  test('64mapspreadvals: 10 keys with 10 values each', () => {
    const s = decodeRoaring64(vector('vectors-dv-roaring/64mapspreadvals.bin'), { exact: true });
    const all = s.toArray();
    expect(all.length).toBe(100);
    expect(all.slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect(all[all.length - 1]).toBe(38654705673);
    expect(all.reduce((a, b) => a + b, 0)).toBe(1932735283650);
    expect(new Set(all.map((p) => Math.floor(p / TWO32)))).toEqual(new Set(range(0, 10)));
    // and it round-trips through lake's encoder
    expect(decodeRoaring64(encodeRoaring64(s), { exact: true }).toArray()).toEqual(all);
  });

  test('64maphighvals is rejected: its keys are above the supported maximum', () => {
    let err: unknown;
    try {
      decodeRoaring64(vector('vectors-dv-roaring/64maphighvals.bin'));
    } catch (e) {
      err = e;
    }
    expect(isLakeError(err, 'INVALID_METADATA')).toBe(true);
    expect(String(err)).toMatch(/invalid unsigned key/i);
  });

  test('truncated input and unsorted keys are errors, never a partial set', () => {
    const bytes = vector('vectors-dv-roaring/64mapspreadvals.bin');
    expect(() => decodeRoaring64(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
    expect(() => decodeRoaring64(bytes, { end: bytes.length - 1, exact: true })).toThrow(/truncated|unexpected/);
    const twice = new Uint8Array(8 + 2 * 12);
    const v = new DataView(twice.buffer);
    v.setBigUint64(0, 2n, true);
    for (const at of [8, 20]) {
      v.setUint32(at, 3, true); // the same key twice
      v.setUint32(at + 4, 12346, true);
      v.setUint32(at + 8, 0, true);
    }
    expect(() => decodeRoaring64(twice)).toThrow(/ascending/);
  });
});

describe('PositionSet', () => {
  test('random positions: has, iteration order, cardinality and round-trip through every container kind', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const positions = new Set<number>();
    for (let i = 0; i < 3000; i++) positions.add(Math.floor(rnd() * 200_000)); // sparse: arrays
    for (let i = 70_000; i < 75_000; i++) positions.add(i); // one run
    for (let i = 140_000; i < 150_000; i += 2) positions.add(i); // dense alternating: a bitmap
    positions.add(5 * TWO32 + 7); // another key
    const sorted = [...positions].sort((a, b) => a - b);
    const s = PositionSet.of([...positions].reverse());
    expect(s.cardinality).toBe(sorted.length);
    expect(s.toArray()).toEqual(sorted);
    for (let p = 0; p < 200_000; p += 97) expect(s.has(p)).toBe(positions.has(p));
    expect(s.has(5n * 2n ** 32n + 7n)).toBe(true);
    expect(s.has(-1)).toBe(false);
    const back = decodeDeletionVector(encodeDeletionVector(s));
    expect(back.toArray()).toEqual(sorted);
    expect([...back.toBigUint64Array()].map(Number)).toEqual(sorted);
  });

  test('adding to a set that already has containers merges', () => {
    const s = PositionSet.of([1, 2, 3]);
    expect(s.has(2)).toBe(true);
    s.add(2).add(10).addRange(100, 105);
    expect(s.toArray()).toEqual([1, 2, 3, 10, 100, 101, 102, 103, 104]);
    const t = new PositionSet().addAll(s).add(7n);
    expect(t.toArray()).toEqual([1, 2, 3, 7, 10, 100, 101, 102, 103, 104]);
  });

  test('positions outside [0, 2^63 - 2^32 - 1] and non-integers are refused', () => {
    expect(() => new PositionSet().add(-1)).toThrow();
    expect(() => new PositionSet().add(1.5)).toThrow();
    expect(() => new PositionSet().add(2n ** 63n)).toThrow();
  });
});
