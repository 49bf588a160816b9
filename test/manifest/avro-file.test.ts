/**
 * The Avro object container framing: files lake writes are standard container files (decoded here
 * by avsc's own stream decoder), blocks, sync markers, codecs, and corrupt input.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { readAvroHeader } from '../../src/manifest/avro-file.js';
import { readManifestList, writeManifestList } from '../../src/manifest/index.js';
import type { ManifestFile } from '../../src/spec/data-file.js';
import { thrown } from '../support/errors.js';
import { encodeAvroHeader } from '../support/avro-header.js';

function manifests(n: number): ManifestFile[] {
  return Array.from({ length: n }, (_, i) => ({
    manifestPath: `s3://bucket/table/metadata/${i.toString().padStart(6, '0')}-m0.avro`,
    manifestLength: 4000 + i,
    partitionSpecId: i % 3,
    content: (i % 2) as 0 | 1,
    sequenceNumber: BigInt(i + 1),
    minSequenceNumber: BigInt(i),
    addedSnapshotId: BigInt(1000 + i),
    addedFilesCount: i,
    existingFilesCount: 2 * i,
    deletedFilesCount: 0,
    addedRowsCount: 10 * i,
    existingRowsCount: 20 * i,
    deletedRowsCount: 0,
    partitions: [{ containsNull: i % 5 === 0, containsNan: false, lowerBound: Uint8Array.of(i & 255), upperBound: Uint8Array.of(255) }],
  }));
}

/** Decodes a container file with avsc's reference stream decoder. */
async function decodeWithAvsc(bytes: Uint8Array): Promise<{ codec: string; records: Record<string, unknown>[] }> {
  const decoder = new avro.streams.BlockDecoder();
  const records: Record<string, unknown>[] = [];
  let codec = '';
  decoder.on('metadata', (_type: unknown, c: string) => {
    codec = c;
  });
  decoder.on('data', (r: Record<string, unknown>) => records.push(r));
  await new Promise<void>((resolve, reject) => {
    decoder.on('end', resolve);
    decoder.on('error', reject);
    decoder.end(Buffer.from(bytes));
  });
  return { codec, records };
}

describe('Avro container files', () => {
  for (const codec of ['null', 'deflate'] as const) {
    it(`writes standard container files with several blocks (${codec})`, async () => {
      const many = manifests(3000);
      const w = writeManifestList({ formatVersion: 2, snapshotId: 5n, sequenceNumber: 3001n, manifests: many, codec });
      const header = readAvroHeader(w.bytes);
      // More than one block: a sync marker appears after the header and between blocks.
      const syncHex = Buffer.from(header.sync).toString('hex');
      const occurrences = Buffer.from(w.bytes).toString('hex').split(syncHex).length - 1;
      expect(occurrences).toBeGreaterThan(2);
      const decoded = await decodeWithAvsc(w.bytes);
      expect(decoded.codec).toBe(codec);
      expect(decoded.records).toHaveLength(3000);
      expect(decoded.records[2999]).toMatchObject({
        manifest_path: many[2999]!.manifestPath,
        manifest_length: 6999,
        partition_spec_id: 2999 % 3,
        sequence_number: 3000,
        added_snapshot_id: 3999,
      });
      expect(readManifestList(w.bytes).manifests).toEqual(many);
    });
  }

  it('writes identical bytes for identical input when the sync marker is fixed', () => {
    const sync = new Uint8Array(16).fill(7);
    const a = writeManifestList({ formatVersion: 2, snapshotId: 5n, sequenceNumber: 3n, manifests: manifests(3), sync });
    const b = writeManifestList({ formatVersion: 2, snapshotId: 5n, sequenceNumber: 3n, manifests: manifests(3), sync });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
  });

  it('detects corruption', () => {
    const w = writeManifestList({ formatVersion: 2, snapshotId: 5n, sequenceNumber: 3n, manifests: manifests(3), codec: 'deflate' });
    const bad = Uint8Array.from(w.bytes);
    bad[bad.length - 1] ^= 0xff; // last sync marker byte
    expect(thrown(() => readManifestList(bad)).message).toMatch(/sync marker/);
    expect(thrown(() => readManifestList(w.bytes.subarray(0, w.bytes.length - 30))).code).toBe('INVALID_METADATA');
    expect(thrown(() => readManifestList(Buffer.from('PAR1 not avro'))).code).toBe('INVALID_METADATA');
  });

  it('refuses codecs other than null and deflate with UNSUPPORTED_FEATURE', () => {
    for (const codec of ['snappy', 'zstandard']) {
      const bytes = encodeAvroHeader({
        'avro.schema': Buffer.from('{"type":"record","name":"manifest_file","fields":[]}'),
        'avro.codec': Buffer.from(codec),
      });
      const e = thrown(() => readManifestList(bytes));
      expect(e.code).toBe('UNSUPPORTED_FEATURE');
      expect(e.message).toContain(codec);
    }
  });
});
