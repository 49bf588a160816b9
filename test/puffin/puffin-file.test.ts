/**
 * Puffin files: the reference implementation's samples (corpus vectors-puffin-v1), DV Puffin files
 * from iceberg-go and Trino (corpus), and lake's writer.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import {
  decodeDeletionVector,
  encodeDeletionVector,
  readPuffin,
  readPuffinBlob,
  readPuffinMetadata,
  writePuffin,
} from '../../src/puffin/index.js';
import { CORPUS } from '../manifest/corpus.js';
import { vector } from './support.js';

const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

/** zstd through the system `zstd` tool, to check the decompression hook with real compressed blobs. */
function zstdCli(codec: string, data: Uint8Array): Uint8Array {
  if (codec !== 'zstd') throw new Error(`unexpected codec ${codec}`);
  const r = spawnSync('zstd', ['-d', '-c', '-q'], { input: data });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}
const hasZstd = spawnSync('zstd', ['--version']).status === 0;

describe('reference samples (vectors-puffin-v1)', () => {
  test('empty file: no blobs, no properties', async () => {
    const m = await readPuffin(vector('vectors-puffin-v1/empty-puffin-uncompressed.bin'));
    expect(m).toEqual({ blobs: [], properties: {} });
  });

  test('uncompressed sample: two blobs with their metadata and contents', async () => {
    const bytes = vector('vectors-puffin-v1/sample-metric-data-uncompressed.bin');
    const m = await readPuffin(bytes);
    expect(m.properties).toEqual({ 'created-by': 'Test 1234' });
    expect(m.blobs.map((b) => [b.type, b.fields, b.snapshotId, b.sequenceNumber, b.offset, b.length])).toEqual([
      ['some-blob', [1], 2n, 1n, 4, 9],
      ['some-other-blob', [2], 2n, 1n, 13, 83],
    ]);
    expect(utf8(await readPuffinBlob(bytes, m.blobs[0]!))).toBe('abcdefghi');
    expect(utf8(await readPuffinBlob(bytes, m.blobs[1]!))).toMatch(/^some blob \u0000 binary data/);
  });

  test('zstd sample: metadata reads; blobs need a zstd decoder and say so', async () => {
    const bytes = vector('vectors-puffin-v1/sample-metric-data-compressed-zstd.bin');
    const m = await readPuffin(bytes);
    expect(m.blobs.map((b) => b.compressionCodec)).toEqual(['zstd', 'zstd']);
    let err: unknown;
    try {
      await readPuffinBlob(bytes, m.blobs[0]!);
    } catch (e) {
      err = e;
    }
    expect(isLakeError(err, 'UNSUPPORTED_FEATURE')).toBe(true);
    expect(String(err)).toMatch(/zstd/);
  });

  test.runIf(hasZstd)('zstd sample with a decoder: the same contents as the uncompressed sample', async () => {
    const plain = vector('vectors-puffin-v1/sample-metric-data-uncompressed.bin');
    const pm = await readPuffin(plain);
    const bytes = vector('vectors-puffin-v1/sample-metric-data-compressed-zstd.bin');
    const m = await readPuffin(bytes);
    for (let i = 0; i < 2; i++) {
      const got = await readPuffinBlob(bytes, m.blobs[i]!, { decompress: zstdCli });
      expect(utf8(got)).toBe(utf8(await readPuffinBlob(plain, pm.blobs[i]!)));
    }
  });

  test('random access reads the same metadata as whole-file reads', async () => {
    const bytes = vector('vectors-puffin-v1/sample-metric-data-uncompressed.bin');
    let reads = 0;
    const source = { size: bytes.length, readRange: async (o: number, n: number) => (reads++, bytes.slice(o, o + n)) };
    expect(await readPuffinMetadata(source)).toEqual(await readPuffin(bytes));
    expect(reads).toBeLessThanOrEqual(3);
  });

  test('corrupt files are rejected with INVALID_METADATA', async () => {
    const bytes = vector('vectors-puffin-v1/sample-metric-data-uncompressed.bin');
    const noHead = bytes.slice();
    noHead[0] = 0;
    await expect(readPuffin(noHead)).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA'));
    const noTail = bytes.slice();
    noTail[noTail.length - 1] = 0;
    await expect(readPuffin(noTail)).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA'));
    await expect(readPuffin(bytes.subarray(0, 10))).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA'));
  });
});

describe('deletion vector Puffin files', () => {
  const dvBlobs = async (rel: string) => {
    const bytes = vector(rel);
    const m = await readPuffin(bytes);
    return Promise.all(
      m.blobs.map(async (b) => {
        expect(b.type).toBe('deletion-vector-v1');
        expect(b.compressionCodec).toBeUndefined();
        const set = decodeDeletionVector(await readPuffinBlob(bytes, b), { expectedCardinality: Number(b.properties.cardinality) });
        return { file: b.properties['referenced-data-file'], positions: set.toArray(), snapshotId: b.snapshotId, sequenceNumber: b.sequenceNumber };
      }),
    );
  };

  test('iceberg-go single-blob-dv.puffin (Java-authored)', async () => {
    expect(await dvBlobs('vectors-dv-puffin-iceberg-go/single-blob-dv.puffin')).toEqual([
      { file: 's3://warehouse/db/table/data/00000-0-abc.parquet', positions: [1, 3, 5, 7, 9], snapshotId: -1n, sequenceNumber: -1n },
    ]);
  });

  test('iceberg-go multi-blob-dv.puffin (Java-authored)', async () => {
    expect((await dvBlobs('vectors-dv-puffin-iceberg-go/multi-blob-dv.puffin')).map((b) => [b.file, b.positions])).toEqual([
      ['s3://warehouse/db/table/data/file-001.parquet', [0, 100, 200]],
      ['s3://warehouse/db/table/data/file-002.parquet', [50, 150]],
    ]);
  });

  test('iceberg-go deletion-vector-v1.puffin (Go-authored)', async () => {
    expect(await dvBlobs('vectors-dv-puffin-iceberg-go/deletion-vector-v1.puffin')).toEqual([
      { file: 'data/test.parquet', positions: [1, 3, 5, 7, 9], snapshotId: -1n, sequenceNumber: -1n },
    ]);
  });

  test('Trino DV files (trino-deletion-vectors-v3): the first holds {0, 3, 6}', async () => {
    const dir = join(CORPUS, 'trino-deletion-vectors-v3', 'data');
    const files = readdirSync(dir).filter((f) => f.endsWith('.puffin')).sort();
    expect(files.length).toBe(2);
    const first = await dvBlobs(`trino-deletion-vectors-v3/data/${files.find((f) => f.includes('00010'))!}`);
    expect(first.map((b) => b.positions)).toEqual([[0, 3, 6]]);
    const second = await dvBlobs(`trino-deletion-vectors-v3/data/${files.find((f) => f.includes('00012'))!}`);
    expect(second.length).toBe(2);
    // the merged DV of the first data file holds the earlier deletes too (c1 % 3 = 0, then c1 % 3 = 1)
    const merged = second.find((b) => b.positions.includes(0))!;
    expect(merged.positions).toEqual([0, 1, 3, 4, 6, 7]);
  });
});

describe('writing', () => {
  test('a written file reads back: blobs, offsets, properties, -1 ids for DVs', async () => {
    const dv1 = encodeDeletionVector([0, 5, 9]);
    const dv2 = encodeDeletionVector([2 ** 33 + 1]);
    const w = writePuffin({
      blobs: [
        { type: 'deletion-vector-v1', fields: [2147483645], data: dv1, properties: { 'referenced-data-file': 's3://b/t/data/a.parquet', cardinality: '3' } },
        { type: 'deletion-vector-v1', fields: [2147483645], data: dv2, properties: { 'referenced-data-file': 's3://b/t/data/b.parquet', cardinality: '1' } },
      ],
      properties: { 'created-by': 'lake' },
    });
    const m = await readPuffin(w.bytes);
    expect(m.blobs).toEqual(w.blobs);
    expect(m.blobs.map((b) => [b.offset, b.length, b.snapshotId])).toEqual([
      [4, dv1.length, -1n],
      [4 + dv1.length, dv2.length, -1n],
    ]);
    expect(m.properties).toEqual({ 'created-by': 'lake' });
    expect(decodeDeletionVector(await readPuffinBlob(w.bytes, m.blobs[1]!)).toArray()).toEqual([2 ** 33 + 1]);
    // the footer JSON uses the spec's key names
    const footer = utf8(w.bytes.subarray(4 + dv1.length + dv2.length + 4, w.bytes.length - 12));
    expect(JSON.parse(footer).blobs[0]).toMatchObject({ 'snapshot-id': -1, 'sequence-number': -1, offset: 4, fields: [2147483645] });
  });

  test('an empty file matches the reference empty sample byte for byte', () => {
    expect(Buffer.from(writePuffin({ blobs: [] }).bytes).equals(Buffer.from(vector('vectors-puffin-v1/empty-puffin-uncompressed.bin')))).toBe(true);
  });
});
