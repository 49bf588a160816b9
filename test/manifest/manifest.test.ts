/**
 * Manifests written and read back: every partition value type, null partitions, metrics maps,
 * partition summaries, inheritance of snapshot ids, sequence numbers and first row ids, v1/v2/v3
 * layouts, codecs, and refusal of bad input.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { readAvroHeader, writeAvroFile } from '../../src/manifest/avro-file.js';
import { compileSchema } from '../../src/manifest/avro-schema.js';
import {
  UNASSIGNED_SEQUENCE_NUMBER,
  readManifest,
  readManifestList,
  readManifestMetadata,
  sameId,
  writeManifest,
  writeManifestList,
} from '../../src/manifest/index.js';
import { MANIFEST_ENTRY_CATALOGUE, manifestEntrySchema, partitionRecordSchema } from '../../src/manifest/schemas.js';
import { thrown } from '../support/errors.js';
import { encodeAvroHeader } from '../support/avro-header.js';
import { type DataFile, EntryStatus, FileContent, type ManifestEntry, type ManifestFile } from '../../src/spec/data-file.js';
import { type PartitionSpec, parsePartitionSpec } from '../../src/spec/partition-spec.js';
import { type Schema, parseSchema } from '../../src/spec/schema.js';
import { applyTransform } from '../../src/spec/transforms.js';
import { decodeValue, encodeValue } from '../../src/spec/single-value.js';
import type { PrimitiveType } from '../../src/spec/types.js';

const SCHEMA: Schema = parseSchema({
  type: 'struct',
  'schema-id': 3,
  fields: [
    { id: 1, name: 'b', required: false, type: 'boolean' },
    { id: 2, name: 'i', required: false, type: 'int' },
    { id: 3, name: 'l', required: false, type: 'long' },
    { id: 4, name: 'f', required: false, type: 'float' },
    { id: 5, name: 'd', required: false, type: 'double' },
    { id: 6, name: 'dec9', required: false, type: 'decimal(9, 2)' },
    { id: 7, name: 'dec38', required: false, type: 'decimal(38, 10)' },
    { id: 8, name: 'date', required: false, type: 'date' },
    { id: 9, name: 'time', required: false, type: 'time' },
    { id: 10, name: 'ts', required: false, type: 'timestamp' },
    { id: 11, name: 'tstz', required: false, type: 'timestamptz' },
    { id: 12, name: 's', required: false, type: 'string' },
    { id: 13, name: 'u', required: false, type: 'uuid' },
    { id: 14, name: 'fx', required: false, type: 'fixed[3]' },
    { id: 15, name: 'bin', required: false, type: 'binary' },
    { id: 16, name: 'dec9b', required: false, type: 'decimal(9, 2)' },
    { id: 17, name: 'u2', required: false, type: 'uuid' },
  ],
});

/** identity on every primitive type, then the other transforms. */
const SPEC: PartitionSpec = parsePartitionSpec({
  'spec-id': 4,
  fields: [
    ...SCHEMA.fields.map((f, i) => ({ 'source-id': f.id, 'field-id': 1000 + i, name: f.name, transform: 'identity' })),
    { 'source-id': 3, 'field-id': 1100, name: 'l_bucket', transform: 'bucket[16]' },
    { 'source-id': 12, 'field-id': 1101, name: 's_trunc', transform: 'truncate[2]' },
    { 'source-id': 6, 'field-id': 1102, name: 'dec9_trunc', transform: 'truncate[10]' },
    { 'source-id': 10, 'field-id': 1103, name: 'ts_day', transform: 'day' },
    { 'source-id': 11, 'field-id': 1104, name: 'tstz_hour', transform: 'hour' },
    { 'source-id': 8, 'field-id': 1105, name: 'date_month', transform: 'month' },
    { 'source-id': 8, 'field-id': 1106, name: 'date-year!', transform: 'year' },
    { 'source-id': 2, 'field-id': 1107, name: 'i_void', transform: 'void' },
  ],
});

const ROW_A: Record<number, unknown> = {
  1: true,
  2: -7,
  3: -(1n << 63n),
  4: 1.5,
  5: -0,
  6: 12345n,
  7: -(10n ** 37n) + 1n,
  8: 19000,
  9: 3_600_000_000n,
  10: 1_700_000_000_123_456n,
  11: -1n,
  12: 'héllo',
  13: 'f79c3e09-677c-4bbd-a479-3f349cb785e7',
  14: Uint8Array.of(1, 2, 3),
  15: Uint8Array.of(),
  16: -5n,
  17: '00000000-0000-0000-0000-000000000001',
};

const ROW_B: Record<number, unknown> = {
  1: false,
  2: 2147483647,
  3: (1n << 63n) - 1n,
  4: NaN,
  5: 0,
  6: -99n,
  7: 10n ** 37n,
  8: -1,
  9: 0n,
  10: 0n,
  11: 86_400_000_000n,
  12: '',
  13: '00000000-0000-0000-0000-000000000000',
  14: Uint8Array.of(255, 0, 0),
  15: Uint8Array.of(0, 255),
  16: 7n,
  17: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
};

function sourceType(id: number): PrimitiveType {
  return SCHEMA.fields.find((f) => f.id === id)!.type as PrimitiveType;
}

/** The partition tuple of a row, computed with the spec's transforms. */
function partitionOf(row: Record<number, unknown> | null): unknown[] {
  return SPEC.fields.map((f) => (row === null ? null : applyTransform(f.transform, sourceType(f.sourceId), row[f.sourceId] ?? null)));
}

function dataFile(path: string, partition: unknown[], extra: Partial<DataFile> = {}): DataFile {
  return {
    content: FileContent.DATA,
    filePath: path,
    fileFormat: 'PARQUET',
    specId: SPEC.specId,
    partition,
    recordCount: 10,
    fileSizeInBytes: 1234,
    ...extra,
  };
}

function added(df: DataFile): ManifestEntry {
  return { status: EntryStatus.ADDED, dataFile: df };
}

const SNAPSHOT = 9876543210123456789n; // above int64 max, as in the corpus

function committed(mf: ManifestFile, seq: bigint): ManifestFile {
  return {
    ...mf,
    sequenceNumber: mf.sequenceNumber === UNASSIGNED_SEQUENCE_NUMBER ? seq : mf.sequenceNumber,
    minSequenceNumber: mf.minSequenceNumber === UNASSIGNED_SEQUENCE_NUMBER ? seq : mf.minSequenceNumber,
  };
}

function expectLakeError(fn: () => unknown, code: string, message?: RegExp): void {
  const err = thrown(fn);
  expect(err.code).toBe(code);
  if (message) expect(err.message).toMatch(message);
}

describe('partition values of every type', () => {
  const entries = [
    added(
      dataFile('s3://b/t/data/a.parquet', partitionOf(ROW_A), {
        columnSizes: new Map([
          [1, 10],
          [12, 2 ** 40],
        ]),
        valueCounts: new Map([[1, 10]]),
        nullValueCounts: new Map([[1, 0]]),
        nanValueCounts: new Map([[4, 3]]),
        lowerBounds: new Map([[2, encodeValue({ kind: 'int' }, -7)]]),
        upperBounds: new Map([[2, encodeValue({ kind: 'int' }, 9)]]),
        keyMetadata: Uint8Array.of(9, 9),
        splitOffsets: [4, 1000],
        sortOrderId: 1,
      }),
    ),
    added(dataFile('s3://b/t/data/b.parquet', partitionOf(ROW_B), { recordCount: 5 })),
    added(dataFile('s3://b/t/data/null.parquet', partitionOf(null), { recordCount: 1 })),
  ];

  for (const formatVersion of [1, 2, 3] as const) {
    for (const codec of ['deflate', 'null'] as const) {
      it(`round-trips in v${formatVersion} with codec ${codec}`, () => {
        const w = writeManifest({
          formatVersion,
          schema: SCHEMA,
          spec: SPEC,
          snapshotId: SNAPSHOT,
          entries,
          manifestPath: 's3://b/t/metadata/m0.avro',
          codec,
        });
        expect(readAvroHeader(w.bytes).codec).toBe(codec);
        const mf = committed(w.manifestFile, 7n);
        const back = readManifest(w.bytes, { manifestFile: mf, spec: SPEC, schema: SCHEMA });
        // v1 files have no sequence number columns: ADDED entries inherit the list's, like v2+.
        const expected = entries.map((e) => ({ ...e, snapshotId: SNAPSHOT, sequenceNumber: 7n, fileSequenceNumber: 7n }));
        // Ids come back as their signed 64-bit pattern.
        for (const e of back.entries) expect(sameId(e.snapshotId, SNAPSHOT)).toBe(true);
        expect(back.entries.map((e) => ({ ...e, snapshotId: SNAPSHOT }))).toEqual(expected);
        expect(back.entries[0]!.dataFile.partition).toEqual(partitionOf(ROW_A));
        expect(back.entries[2]!.dataFile.partition.every((v) => v === null)).toBe(true);

        const md = back.metadata;
        expect(md.formatVersion).toBe(formatVersion);
        expect(md.content).toBe('data');
        expect(md.specId).toBe(4);
        expect(md.schemaId).toBe(3);
        expect(md.schema).toEqual(SCHEMA);
        expect(md.spec).toEqual(SPEC);
        expect(md.keyValue['format-version']).toBe(String(formatVersion));
        expect('content' in md.keyValue).toBe(formatVersion >= 2);
      });
    }
  }

  it('decodes without the spec and schema from the Avro types alone', () => {
    const w = writeManifest({ formatVersion: 2, schema: SCHEMA, spec: SPEC, snapshotId: 1n, entries, manifestPath: 'm.avro' });
    const back = readManifest(w.bytes);
    expect(back.entries[0]!.dataFile.partition).toEqual(partitionOf(ROW_A));
    expect(back.entries[1]!.dataFile.partition).toEqual(partitionOf(ROW_B));
  });

  it('writes the Avro types the spec and the reference implementation use', () => {
    const w = writeManifest({ formatVersion: 2, schema: SCHEMA, spec: SPEC, snapshotId: 1n, entries, manifestPath: 'm.avro' });
    const schema = JSON.parse(readAvroHeader(w.bytes).schemaJson);
    expect(schema.name).toBe('manifest_entry');
    const dataFileRecord = schema.fields.find((f: { name: string }) => f.name === 'data_file');
    expect(dataFileRecord['field-id']).toBe(2);
    expect(dataFileRecord.type.name).toBe('r2');
    const df = Object.fromEntries(dataFileRecord.type.fields.map((f: { name: string }) => [f.name, f]));
    expect(df.column_sizes.type[1]).toEqual({
      type: 'array',
      items: {
        type: 'record',
        name: 'k117_v118',
        fields: [
          { name: 'key', type: 'int', 'field-id': 117 },
          { name: 'value', type: 'long', 'field-id': 118 },
        ],
      },
      logicalType: 'map',
    });
    expect(df.split_offsets.type[1]).toEqual({ type: 'array', items: 'long', 'element-id': 133 });
    const p = Object.fromEntries(df.partition.type.fields.map((f: { name: string }) => [f.name, f]));
    expect(df.partition.type.name).toBe('r102');
    expect(p.dec9.type[1]).toEqual({ type: 'fixed', name: 'decimal_9_2', size: 4, logicalType: 'decimal', precision: 9, scale: 2 });
    expect(p.dec9b.type[1]).toBe('decimal_9_2'); // a named type is defined once, then referenced
    expect(p.dec38.type[1]).toMatchObject({ type: 'fixed', size: 16, precision: 38, scale: 10 });
    expect(p.u.type[1]).toEqual({ type: 'fixed', name: 'uuid_fixed', size: 16, logicalType: 'uuid' });
    expect(p.u2.type[1]).toBe('uuid_fixed');
    expect(p.fx.type[1]).toEqual({ type: 'fixed', name: 'fixed_3', size: 3 });
    expect(p.date.type[1]).toEqual({ type: 'int', logicalType: 'date' });
    expect(p.ts_day.type[1]).toEqual({ type: 'int', logicalType: 'date' });
    expect(p.time.type[1]).toEqual({ type: 'long', logicalType: 'time-micros' });
    expect(p.ts.type[1]).toEqual({ type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false });
    expect(p.tstz.type[1]).toEqual({ type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true });
    expect(p.bin.type[1]).toBe('bytes');
    expect(p.l_bucket.type[1]).toBe('int');
    expect(p.l_bucket['field-id']).toBe(1100);
    expect(p.date_x2Dyear_x21).toMatchObject({ 'field-id': 1106, 'iceberg-field-name': 'date-year!' });
    for (const f of df.partition.type.fields) expect(f.default).toBeNull();
    // A standard Avro library parses the schema.
    expect(() => avro.Type.forSchema(schema, { registry: {} })).not.toThrow();
  });

  it('summarizes partitions: nulls, NaNs, bounds in the single-value form', () => {
    const w = writeManifest({ formatVersion: 2, schema: SCHEMA, spec: SPEC, snapshotId: 1n, entries, manifestPath: 'm.avro' });
    const parts = w.manifestFile.partitions!;
    expect(parts).toHaveLength(SPEC.fields.length);
    const at = (name: string) => {
      const i = SPEC.fields.findIndex((f) => f.name === name);
      const t = sourceType(SPEC.fields[i]!.sourceId);
      return { s: parts[i]!, t };
    };
    for (const s of parts) expect(s.containsNull).toBe(true); // the third file has a null partition
    const f = at('f');
    expect(f.s.containsNan).toBe(true);
    expect(decodeValue(f.t, f.s.lowerBound!)).toBe(1.5); // NaN is not a bound
    expect(decodeValue(f.t, f.s.upperBound!)).toBe(1.5);
    const d = at('d');
    expect(d.s.containsNan).toBe(false);
    expect(Object.is(decodeValue(d.t, d.s.lowerBound!), -0)).toBe(true); // -0.0 sorts before +0.0
    expect(Object.is(decodeValue(d.t, d.s.upperBound!), 0)).toBe(true);
    const l = at('l');
    expect(decodeValue(l.t, l.s.lowerBound!)).toBe(-(1n << 63n));
    expect(decodeValue(l.t, l.s.upperBound!)).toBe((1n << 63n) - 1n);
    const s = at('s');
    expect(decodeValue(s.t, s.s.lowerBound!)).toBe('');
    expect(decodeValue(s.t, s.s.upperBound!)).toBe('héllo');
    const dec = at('dec9');
    expect(dec.s.lowerBound).toEqual(Uint8Array.of(0x9d)); // -99: minimal two's complement
    expect(decodeValue(dec.t, dec.s.upperBound!)).toBe(12345n);
    const v = at('i_void');
    expect(v.s).toEqual({ containsNull: true, containsNan: false });
    expect(w.manifestFile).toMatchObject({
      partitionSpecId: 4,
      content: 0,
      addedFilesCount: 3,
      existingFilesCount: 0,
      deletedFilesCount: 0,
      addedRowsCount: 16,
      existingRowsCount: 0,
      deletedRowsCount: 0,
      sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER,
      minSequenceNumber: UNASSIGNED_SEQUENCE_NUMBER,
      addedSnapshotId: 1n,
      manifestPath: 'm.avro',
      manifestLength: w.bytes.length,
    });
  });

  it('refuses partition values of the wrong type and writes nothing', () => {
    const bad = partitionOf(ROW_A);
    bad[1] = 'seven';
    expectLakeError(
      () => writeManifest({ formatVersion: 2, schema: SCHEMA, spec: SPEC, snapshotId: 1n, entries: [added(dataFile('x', bad))], manifestPath: 'm' }),
      'INVALID_INPUT',
      /partition field i/,
    );
    const wide = partitionOf(ROW_A);
    wide[5] = 10n ** 9n; // does not fit decimal(9,2)
    expectLakeError(
      () => writeManifest({ formatVersion: 2, schema: SCHEMA, spec: SPEC, snapshotId: 1n, entries: [added(dataFile('x', wide))], manifestPath: 'm' }),
      'INVALID_INPUT',
    );
    expectLakeError(
      () =>
        writeManifest({ formatVersion: 2, schema: SCHEMA, spec: SPEC, snapshotId: 1n, entries: [added(dataFile('x', [1]))], manifestPath: 'm' }),
      'INVALID_INPUT',
      /partition tuple must have/,
    );
  });
});

const UNPARTITIONED: PartitionSpec = { specId: 0, fields: [] };
const SMALL: Schema = parseSchema({ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'x', required: true, type: 'long' }] });

function simple(path: string, extra: Partial<DataFile> = {}): DataFile {
  return { content: FileContent.DATA, filePath: path, fileFormat: 'PARQUET', specId: 0, partition: [], recordCount: 10, fileSizeInBytes: 100, ...extra };
}

describe('sequence number and snapshot id inheritance', () => {
  const entries: ManifestEntry[] = [
    { status: EntryStatus.ADDED, dataFile: simple('new.parquet') },
    { status: EntryStatus.ADDED, sequenceNumber: 3n, dataFile: simple('old-data.parquet') },
    { status: EntryStatus.EXISTING, snapshotId: 11n, sequenceNumber: 2n, fileSequenceNumber: 2n, dataFile: simple('kept.parquet') },
    { status: EntryStatus.DELETED, snapshotId: 20n, sequenceNumber: 1n, fileSequenceNumber: 1n, dataFile: simple('gone.parquet') },
  ];
  const w = writeManifest({ formatVersion: 2, schema: SMALL, spec: UNPARTITIONED, snapshotId: 20n, entries, manifestPath: 'm.avro' });

  it('writes new entries with null sequence numbers and the writing snapshot id', () => {
    const raw = readManifest(w.bytes).entries;
    expect(raw.map((e) => [e.snapshotId, e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [20n, undefined, undefined],
      [20n, 3n, undefined],
      [11n, 2n, 2n],
      [20n, 1n, 1n],
    ]);
    // The lowest data sequence number of live files that have one.
    expect(w.manifestFile.minSequenceNumber).toBe(2n);
    expect(w.manifestFile.sequenceNumber).toBe(UNASSIGNED_SEQUENCE_NUMBER);
  });

  it('inherits from the manifest list entry: only ADDED entries take its sequence number', () => {
    const back = readManifest(w.bytes, { manifestFile: committed(w.manifestFile, 9n) }).entries;
    expect(back.map((e) => [e.status, e.snapshotId, e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [EntryStatus.ADDED, 20n, 9n, 9n],
      [EntryStatus.ADDED, 20n, 3n, 9n],
      [EntryStatus.EXISTING, 11n, 2n, 2n],
      [EntryStatus.DELETED, 20n, 1n, 1n],
    ]);
    for (const e of back) expect(e.dataFile.specId).toBe(0);
  });

  it('inherits null snapshot ids, and a v1-style sequence number 0 for every status', () => {
    // A v2 manifest with null snapshot ids and sequence numbers, as some writers produce it.
    const schemaJson = JSON.stringify(manifestEntrySchema(2, partitionRecordSchema([])));
    const compiled = compileSchema(schemaJson, MANIFEST_ENTRY_CATALOGUE);
    const bytes = writeAvroFile({
      schemaJson,
      type: compiled.type,
      records: [rawV2Entry('a', {}, 1), rawV2Entry('b', {}, 0)],
      metadata: { 'format-version': '2', content: 'data' },
      codec: 'null',
    });
    const base: ManifestFile = {
      manifestPath: 'm', manifestLength: bytes.length, partitionSpecId: 0, content: 0,
      sequenceNumber: 0n, minSequenceNumber: 0n, addedSnapshotId: 77n,
    };
    const zero = readManifest(bytes, { manifestFile: base }).entries;
    expect(zero.map((e) => [e.snapshotId, e.sequenceNumber, e.fileSequenceNumber, e.dataFile.fileFormat])).toEqual([
      [77n, 0n, 0n, 'PARQUET'],
      [77n, 0n, 0n, 'PARQUET'],
    ]);
    const five = readManifest(bytes, { manifestFile: { ...base, sequenceNumber: 5n } }).entries;
    expect(five.map((e) => [e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [5n, 5n],
      [undefined, undefined], // an EXISTING entry never inherits a non-zero sequence number
    ]);
  });

  it('reads v1 manifests with sequence numbers 0', () => {
    const v1 = writeManifest({ formatVersion: 1, schema: SMALL, spec: UNPARTITIONED, snapshotId: 5n, entries: [entries[0]!], manifestPath: 'm' });
    const md = readManifestMetadata(v1.bytes);
    expect(md.formatVersion).toBe(1);
    expect(md.content).toBe('data');
    const schema = JSON.parse(readAvroHeader(v1.bytes).schemaJson);
    const df = schema.fields.find((f: { name: string }) => f.name === 'data_file').type.fields.map((f: { name: string }) => f.name);
    expect(df).toContain('block_size_in_bytes');
    expect(df).not.toContain('content');
    expect(schema.fields.map((f: { name: string }) => f.name)).toEqual(['status', 'snapshot_id', 'data_file']);
    const e = readManifest(v1.bytes).entries[0]!;
    expect([e.snapshotId, e.sequenceNumber, e.fileSequenceNumber]).toEqual([5n, 0n, 0n]);
  });

  it('refuses entries that cannot inherit correctly', () => {
    expectLakeError(
      () =>
        writeManifest({
          formatVersion: 2, schema: SMALL, spec: UNPARTITIONED, snapshotId: 20n, manifestPath: 'm',
          entries: [{ status: EntryStatus.EXISTING, snapshotId: 1n, dataFile: simple('a') }],
        }),
      'INVALID_INPUT',
      /only ADDED entries may have a null sequence number/,
    );
    expectLakeError(
      () =>
        writeManifest({
          formatVersion: 2, schema: SMALL, spec: UNPARTITIONED, snapshotId: 20n, manifestPath: 'm',
          entries: [{ status: EntryStatus.ADDED, snapshotId: 19n, dataFile: simple('a') }],
        }),
      'INVALID_INPUT',
      /without a sequence number/,
    );
    expectLakeError(
      () =>
        writeManifest({
          formatVersion: 2, schema: SMALL, spec: UNPARTITIONED, snapshotId: 20n, manifestPath: 'm',
          entries: [{ status: EntryStatus.EXISTING, sequenceNumber: 1n, dataFile: simple('a') }],
        }),
      'INVALID_INPUT',
      /snapshot id/,
    );
  });
});

describe('first row id inheritance (v3)', () => {
  const entries: ManifestEntry[] = [
    { status: EntryStatus.EXISTING, snapshotId: 1n, sequenceNumber: 1n, fileSequenceNumber: 1n, dataFile: simple('data1', { recordCount: 25, firstRowId: 800n }) },
    { status: EntryStatus.ADDED, dataFile: simple('data2', { recordCount: 50 }) },
    { status: EntryStatus.DELETED, snapshotId: 2n, sequenceNumber: 1n, fileSequenceNumber: 1n, dataFile: simple('gone', { recordCount: 7 }) },
    { status: EntryStatus.ADDED, dataFile: simple('data3', { recordCount: 50 }) },
  ];
  const w = writeManifest({ formatVersion: 3, schema: SMALL, spec: UNPARTITIONED, snapshotId: 2n, entries, manifestPath: 'm' });

  it('assigns row ids to files without one, in file order, from the manifest first_row_id', () => {
    const mf = { ...committed(w.manifestFile, 4n), firstRowId: 1000n };
    const back = readManifest(w.bytes, { manifestFile: mf }).entries;
    // The spec's row lineage example: data2 -> 1000, data3 -> 1050; deleted files take no ids.
    expect(back.map((e) => e.dataFile.firstRowId)).toEqual([800n, 1000n, undefined, 1050n]);
    // Read back and written again, the assigned ids are kept.
    const again = writeManifest({ formatVersion: 3, schema: SMALL, spec: UNPARTITIONED, snapshotId: 2n, entries: back, manifestPath: 'm' });
    expect(readManifest(again.bytes).entries.map((e) => e.dataFile.firstRowId)).toEqual([800n, 1000n, undefined, 1050n]);
  });

  it('gives no row ids when the manifest has no first_row_id (written before row lineage)', () => {
    const back = readManifest(w.bytes, { manifestFile: committed(w.manifestFile, 4n) }).entries;
    expect(back.map((e) => e.dataFile.firstRowId)).toEqual([undefined, undefined, undefined, undefined]);
    // Without a manifest list entry, values are returned as written.
    expect(readManifest(w.bytes).entries.map((e) => e.dataFile.firstRowId)).toEqual([800n, undefined, undefined, undefined]);
  });

  it('never writes row ids for delete files, and keeps v3 deletion vector fields', () => {
    const dv: DataFile = simple('dv.puffin', {
      content: FileContent.POSITION_DELETES,
      fileFormat: 'PUFFIN',
      recordCount: 3,
      referencedDataFile: 'data2',
      contentOffset: 4,
      contentSizeInBytes: 60,
    });
    const d = writeManifest({ formatVersion: 3, schema: SMALL, spec: UNPARTITIONED, content: 'deletes', snapshotId: 2n, entries: [added(dv)], manifestPath: 'd' });
    expect(d.manifestFile.content).toBe(1);
    const back = readManifest(d.bytes, { manifestFile: { ...committed(d.manifestFile, 5n) } });
    expect(back.metadata.content).toBe('deletes');
    expect(back.entries[0]!.dataFile).toEqual(dv);
  });
});

describe('validation', () => {
  const base = { schema: SMALL, spec: UNPARTITIONED, snapshotId: 1n, manifestPath: 'm' };
  it('keeps data and delete files apart, and v1 without deletes', () => {
    const del = simple('d', { content: FileContent.POSITION_DELETES });
    expectLakeError(() => writeManifest({ ...base, formatVersion: 2, entries: [added(del)] }), 'INVALID_INPUT', /data manifest cannot hold delete/);
    expectLakeError(() => writeManifest({ ...base, formatVersion: 2, content: 'deletes', entries: [added(simple('x'))] }), 'INVALID_INPUT');
    expectLakeError(() => writeManifest({ ...base, formatVersion: 1, content: 'deletes', entries: [] }), 'INVALID_INPUT', /v1/);
    const eq = simple('e', { content: FileContent.EQUALITY_DELETES });
    expectLakeError(() => writeManifest({ ...base, formatVersion: 2, content: 'deletes', entries: [added(eq)] }), 'INVALID_INPUT', /equality ids/);
  });

  it('refuses files of another spec and v3-only fields in older versions', () => {
    expectLakeError(() => writeManifest({ ...base, formatVersion: 2, entries: [added(simple('x', { specId: 3 }))] }), 'INVALID_INPUT', /spec 3/);
    const dv = simple('dv', { content: FileContent.POSITION_DELETES, contentOffset: 1, contentSizeInBytes: 2, referencedDataFile: 'x' });
    expectLakeError(() => writeManifest({ ...base, formatVersion: 2, content: 'deletes', entries: [added(dv)] }), 'INVALID_INPUT', /version 3/);
    expectLakeError(() => writeManifest({ ...base, formatVersion: 2, entries: [added(simple('x', { firstRowId: 1n }))] }), 'INVALID_INPUT');
  });

  it('refuses ids that do not fit 64 bits', () => {
    expectLakeError(() => writeManifest({ ...base, formatVersion: 2, snapshotId: 1n << 64n, entries: [] }), 'INVALID_INPUT', /64 bits/);
  });

  it('reports a file that is not a manifest', () => {
    expectLakeError(() => readManifest(Uint8Array.from([1, 2, 3, 4, 5])), 'INVALID_METADATA');
    const w = writeManifest({ ...base, formatVersion: 2, entries: [added(simple('x'))] });
    expectLakeError(() => readManifest(w.bytes.subarray(0, w.bytes.length - 20)), 'INVALID_METADATA');
    expectLakeError(() => readManifest(w.bytes, { spec: { specId: 9, fields: [] } }), 'INVALID_INPUT', /spec 0/);
  });
});

describe('partition fields matched to the spec', () => {
  const schema = parseSchema({
    type: 'struct',
    fields: [
      { id: 1, name: 'a', required: false, type: 'int' },
      { id: 2, name: 'b', required: false, type: 'string' },
    ],
  });
  const spec: PartitionSpec = parsePartitionSpec({
    'spec-id': 1,
    fields: [
      { 'source-id': 1, 'field-id': 1000, name: 'a', transform: 'identity' },
      { 'source-id': 2, 'field-id': 1001, name: 'b', transform: 'identity' },
    ],
  });
  const entry = added({ ...simple('f'), specId: 1, partition: [5, 'x'] });

  /** A manifest whose partition struct was written in another order, with or without ids. */
  function foreign(opts: { ids: boolean; names: [string, string] }): Uint8Array {
    const partition = {
      type: 'record',
      name: 'r102',
      fields: [
        { name: opts.names[0], type: ['null', 'string'], ...(opts.ids ? { 'field-id': 1001 } : {}) },
        { name: opts.names[1], type: ['null', 'int'], ...(opts.ids ? { 'field-id': 1000 } : {}) },
      ],
    };
    const schemaJson = JSON.stringify(manifestEntrySchema(2, partition));
    const compiled = compileSchema(schemaJson, MANIFEST_ENTRY_CATALOGUE);
    return writeAvroFile({ schemaJson, type: compiled.type, records: [rawV2Entry('f', { p0: 'x', p1: 5 })], metadata: {}, codec: 'null' });
  }

  it('by field id', () => {
    const back = readManifest(foreign({ ids: true, names: ['zz', 'yy'] }), { spec, schema });
    expect(back.entries[0]!.dataFile.partition).toEqual([5, 'x']);
  });

  it('by name when a writer stored no ids', () => {
    const back = readManifest(foreign({ ids: false, names: ['b', 'a'] }), { spec, schema });
    expect(back.entries[0]!.dataFile.partition).toEqual([5, 'x']);
  });

  it('by position when neither ids nor names match', () => {
    const back = readManifest(foreign({ ids: false, names: ['q', 'r'] }), { spec, schema });
    // Positions map spec field 0 to Avro field 0: the writer's order is trusted.
    expect(back.entries[0]!.dataFile.partition).toEqual(['x', 5]);
  });

  it('converts values to promoted types of the table schema', () => {
    const w = writeManifest({ formatVersion: 2, schema, spec, snapshotId: 1n, entries: [entry], manifestPath: 'm' });
    const promoted = parseSchema({
      type: 'struct',
      fields: [
        { id: 1, name: 'a', required: false, type: 'long' },
        { id: 2, name: 'b', required: false, type: 'string' },
      ],
    });
    expect(readManifest(w.bytes, { spec, schema: promoted }).entries[0]!.dataFile.partition).toEqual([5n, 'x']);
  });
});

/** A v2 manifest entry as avsc encodes it with a compiled manifest schema (null ids and sequence numbers). */
function rawV2Entry(path: string, partition: Record<string, unknown>, status = 1): Record<string, unknown> {
  return {
    status,
    snapshot_id: null,
    sequence_number: null,
    file_sequence_number: null,
    data_file: {
      content: 0, file_path: path, file_format: 'parquet', partition, record_count: 1, file_size_in_bytes: 1,
      column_sizes: null, value_counts: null, null_value_counts: null, nan_value_counts: null, lower_bounds: null,
      upper_bounds: null, key_metadata: null, split_offsets: null, equality_ids: null, sort_order_id: null, referenced_data_file: null,
    },
  };
}

describe('writers that store no field ids', () => {
  /** The same file with every `field-id`/`element-id` removed from its Avro schema (BigQuery writes none). */
  function withoutIds(bytes: Uint8Array): Uint8Array {
    const header = readAvroHeader(bytes);
    const stripped = JSON.stringify(JSON.parse(header.schemaJson), (k, v) => (k === 'field-id' || k === 'element-id' ? undefined : v));
    const meta: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(header.metadata)) meta[k] = Buffer.from(k === 'avro.schema' ? stripped : v);
    const head = encodeAvroHeader(meta, header.sync);
    expect(stripped).not.toContain('field-id');
    return Buffer.concat([head, Buffer.from(bytes.subarray(header.dataStart))]);
  }

  it('reads manifests by field name', () => {
    const entries = [
      added(dataFile('s3://b/t/data/a.parquet', partitionOf(ROW_A), { valueCounts: new Map([[1, 10]]), lowerBounds: new Map([[2, Uint8Array.of(1, 2, 3, 4)]]) })),
      added(dataFile('s3://b/t/data/b.parquet', partitionOf(null))),
    ];
    const w = writeManifest({ formatVersion: 2, schema: SCHEMA, spec: SPEC, snapshotId: 1n, entries, manifestPath: 'm', codec: 'null' });
    const mf = committed(w.manifestFile, 3n);
    const expected = readManifest(w.bytes, { manifestFile: mf, spec: SPEC, schema: SCHEMA }).entries;
    const back = readManifest(withoutIds(w.bytes), { manifestFile: mf, spec: SPEC, schema: SCHEMA });
    expect(back.entries).toEqual(expected);
    expect(back.entries[0]!.dataFile.partition).toEqual(partitionOf(ROW_A));
  });

  it('reads manifest lists by field name', () => {
    const w = writeManifest({ formatVersion: 2, schema: SCHEMA, spec: SPEC, snapshotId: 1n, entries: [], manifestPath: 'm' });
    const list = writeManifestList({ formatVersion: 2, snapshotId: 1n, sequenceNumber: 4n, manifests: [w.manifestFile], codec: 'null' });
    expect(readManifestList(withoutIds(list.bytes)).manifests).toEqual(list.manifests);
  });
});
