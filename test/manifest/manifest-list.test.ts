/**
 * Manifest lists: write/read per format version, sequence number assignment, v3 first_row_id
 * assignment (the spec's row lineage example), v1 defaults, the corpus's list vectors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAvroHeader } from '../../src/manifest/avro-file.js';
import {
  UNASSIGNED_SEQUENCE_NUMBER,
  readManifestList,
  sameId,
  writeManifestList,
} from '../../src/manifest/index.js';
import type { ManifestFile } from '../../src/spec/data-file.js';
import { CORPUS } from './corpus.js';
import { thrown } from '../support/errors.js';

function manifest(path: string, extra: Partial<ManifestFile> = {}): ManifestFile {
  return {
    manifestPath: path,
    manifestLength: 1000,
    partitionSpecId: 0,
    content: 0,
    sequenceNumber: 1n,
    minSequenceNumber: 1n,
    addedSnapshotId: 1n,
    addedFilesCount: 1,
    existingFilesCount: 0,
    deletedFilesCount: 0,
    addedRowsCount: 10,
    existingRowsCount: 0,
    deletedRowsCount: 0,
    partitions: [{ containsNull: false, containsNan: false, lowerBound: Uint8Array.of(1, 0, 0, 0), upperBound: Uint8Array.of(9, 0, 0, 0) }],
    ...extra,
  };
}

describe('writeManifestList / readManifestList', () => {
  it('assigns the snapshot sequence number to its own new manifests (v2)', () => {
    const mine = manifest('new.avro', { addedSnapshotId: 5n, sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER, minSequenceNumber: UNASSIGNED_SEQUENCE_NUMBER });
    const old = manifest('old.avro', { addedSnapshotId: 4n, sequenceNumber: 3n, minSequenceNumber: 2n, content: 1 });
    const w = writeManifestList({ formatVersion: 2, snapshotId: 5n, parentSnapshotId: 4n, sequenceNumber: 4n, manifests: [mine, old] });
    const list = readManifestList(w.bytes);
    expect(list.formatVersion).toBe(2);
    expect(list.snapshotId).toBe(5n);
    expect(list.parentSnapshotId).toBe(4n);
    expect(list.sequenceNumber).toBe(4n);
    expect(list.manifests).toEqual([{ ...mine, sequenceNumber: 4n, minSequenceNumber: 4n }, old]);
    expect(list.manifests).toEqual(w.manifests);
    expect(list.keyValue).toMatchObject({ 'snapshot-id': '5', 'parent-snapshot-id': '4', 'sequence-number': '4', 'format-version': '2' });
    const schema = JSON.parse(readAvroHeader(w.bytes).schemaJson);
    expect(schema.name).toBe('manifest_file');
    expect(schema.fields.map((f: { 'field-id': number }) => f['field-id'])).toEqual([
      500, 501, 502, 517, 515, 516, 503, 504, 505, 506, 512, 513, 514, 507, 519,
    ]);
    const partitions = schema.fields.find((f: { name: string }) => f.name === 'partitions');
    expect(partitions.type[1]).toMatchObject({ type: 'array', 'element-id': 508, items: { name: 'r508' } });
  });

  it('refuses an unassigned sequence number of another snapshot, and missing counts in v2', () => {
    const foreign = manifest('x.avro', { addedSnapshotId: 3n, sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER });
    expect(thrown(() => writeManifestList({ formatVersion: 2, snapshotId: 5n, sequenceNumber: 4n, manifests: [foreign] })).message).toMatch(
      /unassigned sequence number/,
    );
    const noCounts = manifest('x.avro', { addedRowsCount: undefined });
    expect(thrown(() => writeManifestList({ formatVersion: 2, snapshotId: 5n, sequenceNumber: 4n, manifests: [noCounts] })).code).toBe(
      'INVALID_INPUT',
    );
    expect(thrown(() => writeManifestList({ formatVersion: 2, snapshotId: 5n, manifests: [] })).message).toMatch(/sequence number/);
  });

  it('writes v1 lists without content and sequence numbers, and reads them with the defaults', () => {
    const m = manifest('a.avro', { sequenceNumber: 0n, minSequenceNumber: 0n });
    const w = writeManifestList({ formatVersion: 1, snapshotId: 9n, manifests: [m] });
    const schema = JSON.parse(readAvroHeader(w.bytes).schemaJson);
    const names = schema.fields.map((f: { name: string }) => f.name);
    expect(names).not.toContain('content');
    expect(names).not.toContain('sequence_number');
    const list = readManifestList(w.bytes);
    expect(list.formatVersion).toBe(1);
    expect(list.parentSnapshotId).toBeUndefined();
    expect(list.keyValue['parent-snapshot-id']).toBe('null');
    expect(list.manifests).toEqual([m]);
    // Counts are optional in v1: missing ones stay unknown.
    const sparse = writeManifestList({ formatVersion: 1, snapshotId: 9n, manifests: [manifest('b', { sequenceNumber: 0n, minSequenceNumber: 0n, addedFilesCount: undefined, addedRowsCount: undefined })] });
    expect(readManifestList(sparse.bytes).manifests[0]!.addedFilesCount).toBeUndefined();
    expect(thrown(() => writeManifestList({ formatVersion: 1, snapshotId: 9n, manifests: [manifest('d', { content: 1 })] })).message).toMatch(/v1/);
  });

  it('assigns first_row_id to v3 data manifests as in the spec row lineage example', () => {
    const existing = manifest('existing', { addedSnapshotId: 1n, addedRowsCount: 75, firstRowId: 925n });
    const added1 = manifest('added1', { addedSnapshotId: 7n, addedRowsCount: 100, existingRowsCount: 25, sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER, minSequenceNumber: UNASSIGNED_SEQUENCE_NUMBER });
    const deletes = manifest('deletes', { addedSnapshotId: 7n, content: 1, addedRowsCount: 3, sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER, minSequenceNumber: UNASSIGNED_SEQUENCE_NUMBER });
    const added2 = manifest('added2', { addedSnapshotId: 7n, addedRowsCount: 0, existingRowsCount: 100, sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER, minSequenceNumber: UNASSIGNED_SEQUENCE_NUMBER });
    const added3 = manifest('added3', { addedSnapshotId: 7n, addedRowsCount: 125, existingRowsCount: 25, sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER, minSequenceNumber: UNASSIGNED_SEQUENCE_NUMBER });
    const w = writeManifestList({
      formatVersion: 3,
      snapshotId: 7n,
      parentSnapshotId: 1n,
      sequenceNumber: 8n,
      firstRowId: 1000n,
      manifests: [existing, added1, deletes, added2, added3],
    });
    expect(w.manifests.map((m) => m.firstRowId)).toEqual([925n, 1000n, undefined, 1125n, 1225n]);
    expect(w.nextRowId).toBe(1375n);
    const list = readManifestList(w.bytes);
    expect(list.formatVersion).toBe(3);
    expect(list.firstRowId).toBe(1000n);
    expect(list.manifests).toEqual(w.manifests);
    expect(list.manifests.map((m) => m.sequenceNumber)).toEqual([1n, 8n, 8n, 8n, 8n]);
    expect(thrown(() => writeManifestList({ formatVersion: 3, snapshotId: 7n, sequenceNumber: 8n, manifests: [] })).message).toMatch(/first-row-id/);
  });

  it('stores ids above int64 max as their signed 64-bit pattern', () => {
    const id = 9876543210123456789n;
    const w = writeManifestList({ formatVersion: 2, snapshotId: id, sequenceNumber: 2n, manifests: [manifest('m', { addedSnapshotId: id })] });
    const list = readManifestList(w.bytes);
    expect(list.manifests[0]!.addedSnapshotId).toBe(BigInt.asIntN(64, id));
    expect(sameId(list.manifests[0]!.addedSnapshotId, id)).toBe(true);
    expect(list.snapshotId).toBe(id);
  });

  it('writes readable null and deflate codecs', () => {
    for (const codec of ['null', 'deflate'] as const) {
      const w = writeManifestList({ formatVersion: 2, snapshotId: 1n, sequenceNumber: 1n, manifests: [manifest('m')], codec });
      expect(readAvroHeader(w.bytes).codec).toBe(codec);
      expect(readManifestList(w.bytes).manifests).toEqual([manifest('m')]);
    }
  });
});

describe('manifest list vectors (vectors-manifest-list-avro)', () => {
  const dir = join(CORPUS, 'vectors-manifest-list-avro');

  for (const name of ['manifest-list-v2-1.avro', 'manifest-list-v2-2.avro']) {
    it(`reads ${name} (written by the reference implementation) and writes it back`, () => {
      const bytes = readFileSync(join(dir, name));
      const list = readManifestList(bytes);
      expect(list.formatVersion).toBe(2);
      expect(list.snapshotId).toBeTypeOf('bigint');
      expect(list.manifests.length).toBeGreaterThan(0);
      for (const m of list.manifests) {
        expect(m.manifestPath).toMatch(/\.avro$/);
        expect(m.manifestLength).toBeGreaterThan(0);
        expect(sameId(m.addedSnapshotId, list.snapshotId)).toBe(true);
        expect(m.sequenceNumber).toBe(list.sequenceNumber);
        expect(m.addedFilesCount).toBeTypeOf('number');
        expect(m.partitions).toEqual([]);
      }
      const again = writeManifestList({
        formatVersion: 2,
        snapshotId: list.snapshotId!,
        sequenceNumber: list.sequenceNumber!,
        manifests: list.manifests,
      });
      expect(readManifestList(again.bytes).manifests).toEqual(list.manifests);
    });
  }

  it('reads the v3 list written by DuckDB (no format-version key, no key_metadata field)', () => {
    const list = readManifestList(readFileSync(join(dir, 'duckdb_v3_manifest_list.avro')));
    expect(list.formatVersion).toBe(3);
    expect(list.manifests.map((m) => m.content)).toEqual([0, 1]);
    expect(list.manifests[0]!.firstRowId).toBe(0n);
    expect(list.manifests[0]!.addedRowsCount).toBe(100);
    for (const m of list.manifests) expect(m.keyMetadata).toBeUndefined();
  });

  it('refuses the encrypted v3 list with a clear error', () => {
    const e = thrown(() => readManifestList(readFileSync(join(dir, 'manifest-list-v3-encrypted.avro'))));
    expect(e.code).toBe('UNSUPPORTED_FEATURE');
    expect(e.message).toMatch(/encrypted/);
  });
});
