/**
 * Interop with PyIceberg (an independent implementation): PyIceberg reads the manifest lists and
 * manifests lake writes (v1, v2, v3; partition values of every type; inheritance), and lake reads
 * the ones PyIceberg writes.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, readManifestList, sameId, writeManifest, writeManifestList } from '../../src/manifest/index.js';
import { type DataFile, EntryStatus, FileContent, type ManifestEntry, type ManifestFile } from '../../src/spec/data-file.js';
import { parsePartitionSpec } from '../../src/spec/partition-spec.js';
import { parseSchema } from '../../src/spec/schema.js';
import { decimalToString } from '../../src/spec/single-value.js';
import { runPython } from '../support/pyiceberg.js';

const READ_SCRIPT = `
from pyiceberg.io.pyarrow import PyArrowFileIO
from pyiceberg.manifest import read_manifest_list

def main(inp):
    io = PyArrowFileIO()
    out = []
    for mf in read_manifest_list(io.new_input(inp["list"])):
        entries = []
        for e in mf.fetch_manifest_entry(io, discard_deleted=False):
            d = e.data_file
            entries.append({
                "status": int(e.status), "snapshot_id": e.snapshot_id, "sequence_number": e.sequence_number,
                "file_sequence_number": e.file_sequence_number, "content": int(d.content), "file_path": d.file_path,
                "file_format": str(d.file_format.value), "record_count": d.record_count, "file_size_in_bytes": d.file_size_in_bytes,
                "partition": list(d.partition), "column_sizes": dict(d.column_sizes or {}), "value_counts": dict(d.value_counts or {}),
                "null_value_counts": dict(d.null_value_counts or {}), "nan_value_counts": dict(d.nan_value_counts or {}),
                "lower_bounds": dict(d.lower_bounds or {}), "upper_bounds": dict(d.upper_bounds or {}),
                "split_offsets": d.split_offsets, "equality_ids": d.equality_ids, "sort_order_id": d.sort_order_id,
            })
        out.append({
            "manifest_path": mf.manifest_path, "manifest_length": mf.manifest_length, "partition_spec_id": mf.partition_spec_id,
            "content": int(mf.content), "sequence_number": mf.sequence_number, "min_sequence_number": mf.min_sequence_number,
            "added_snapshot_id": mf.added_snapshot_id, "added_files_count": mf.added_files_count,
            "existing_files_count": mf.existing_files_count, "deleted_files_count": mf.deleted_files_count,
            "added_rows_count": mf.added_rows_count, "existing_rows_count": mf.existing_rows_count,
            "deleted_rows_count": mf.deleted_rows_count,
            "partitions": [[p.contains_null, p.contains_nan, p.lower_bound, p.upper_bound] for p in (mf.partitions or [])],
            "entries": entries,
        })
    return out
`;

const WRITE_SCRIPT = `
import uuid
from decimal import Decimal
from pyiceberg.io.pyarrow import PyArrowFileIO
from pyiceberg.manifest import write_manifest, write_manifest_list, DataFile, ManifestEntry, ManifestEntryStatus, DataFileContent, FileFormat
from pyiceberg.schema import Schema
from pyiceberg.types import NestedField, LongType, StringType, DecimalType, TimestamptzType, UUIDType
from pyiceberg.partitioning import PartitionSpec, PartitionField
from pyiceberg.transforms import IdentityTransform, BucketTransform, DayTransform, TruncateTransform
from pyiceberg.typedef import Record

def main(inp):
    io = PyArrowFileIO()
    schema = Schema(NestedField(1, "id", LongType(), required=False), NestedField(2, "s", StringType(), required=False),
                    NestedField(3, "dec", DecimalType(10, 2), required=False), NestedField(4, "ts", TimestamptzType(), required=False),
                    NestedField(5, "u", UUIDType(), required=False), schema_id=0)
    spec = PartitionSpec(PartitionField(1, 1000, IdentityTransform(), "id"), PartitionField(2, 1001, TruncateTransform(3), "s_trunc"),
                         PartitionField(3, 1002, IdentityTransform(), "dec"), PartitionField(4, 1003, DayTransform(), "ts_day"),
                         PartitionField(5, 1004, IdentityTransform(), "u"), PartitionField(1, 1005, BucketTransform(4), "id_bucket"), spec_id=0)
    files = []
    for i, part in enumerate([Record(7, "abc", Decimal("12.34"), 19000, uuid.UUID("f79c3e09-677c-4bbd-a479-3f349cb785e7"), 3),
                              Record(None, None, None, None, None, None)]):
        df = DataFile.from_args(content=DataFileContent.DATA, file_path=f"s3://b/t/data/{i}.parquet", file_format=FileFormat.PARQUET,
                                partition=part, record_count=10 + i, file_size_in_bytes=1000, column_sizes={1: 5}, value_counts={1: 10},
                                null_value_counts={1: i}, nan_value_counts={}, lower_bounds={1: b"\\x01" + b"\\x00" * 7},
                                upper_bounds={1: b"\\x09" + b"\\x00" * 7}, split_offsets=[4])
        df.spec_id = 0
        files.append(df)
    with write_manifest(format_version=2, spec=spec, schema=schema, output_file=io.new_output(inp["manifest"]),
                        snapshot_id=inp["snapshot"], avro_compression="deflate") as w:
        for df in files:
            w.add(ManifestEntry.from_args(status=ManifestEntryStatus.ADDED, snapshot_id=inp["snapshot"], data_file=df))
    mf = w.to_manifest_file()
    with write_manifest_list(format_version=2, output_file=io.new_output(inp["list"]), snapshot_id=inp["snapshot"],
                             parent_snapshot_id=None, sequence_number=3, avro_compression="deflate") as lw:
        lw.add_manifests([mf])
    return {"summaries": [[p.contains_null, p.contains_nan, p.lower_bound, p.upper_bound] for p in mf.partitions]}
`;

const SCHEMA = parseSchema({
  type: 'struct',
  'schema-id': 1,
  fields: [
    { id: 1, name: 'b', required: false, type: 'boolean' },
    { id: 2, name: 'i', required: false, type: 'int' },
    { id: 3, name: 'l', required: true, type: 'long' },
    { id: 4, name: 'f', required: false, type: 'float' },
    { id: 5, name: 'd', required: false, type: 'double' },
    { id: 6, name: 'dec', required: false, type: 'decimal(9, 2)' },
    { id: 7, name: 'dt', required: false, type: 'date' },
    { id: 8, name: 'ts', required: false, type: 'timestamptz' },
    { id: 9, name: 's', required: false, type: 'string' },
    { id: 10, name: 'u', required: false, type: 'uuid' },
    { id: 11, name: 'bin', required: false, type: 'binary' },
    { id: 12, name: 'fx', required: false, type: 'fixed[3]' },
    { id: 13, name: 't', required: false, type: 'time' },
  ],
});
const NAMES = ['b', 'i', 'l', 'f', 'd', 'dec', 'dt', 'ts', 's', 'u', 'bin', 'fx', 't'];
const SPEC = parsePartitionSpec({
  'spec-id': 2,
  fields: [
    ...NAMES.map((n, k) => ({ 'source-id': k + 1, 'field-id': 1000 + k, name: n, transform: 'identity' })),
    { 'source-id': 8, 'field-id': 1100, name: 'ts_day', transform: 'day' },
    { 'source-id': 3, 'field-id': 1101, name: 'l_bucket', transform: 'bucket[8]' },
    { 'source-id': 9, 'field-id': 1102, name: 's_trunc', transform: 'truncate[2]' },
  ],
});
const PARTITION = [
  true, 42, -9007199254740993n, 1.5, -2.25, 12345n, 19000, 1700000000123456n, 'héllo',
  'f79c3e09-677c-4bbd-a479-3f349cb785e7', Uint8Array.of(1, 2, 255), Uint8Array.of(7, 8, 9), 3600000000n, 19676, 5, 'hé',
];

/** A lake partition value as the PyIceberg script reports it (decimals as strings, small ints as numbers). */
function asPython(v: unknown, i: number): unknown {
  if (v === null) return null;
  if (i === 5) return decimalToString(v as bigint, 2);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  return v;
}

function num(v: unknown): unknown {
  return typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

function dataFile(path: string, partition: unknown[], extra: Partial<DataFile> = {}): DataFile {
  return {
    content: FileContent.DATA,
    filePath: path,
    fileFormat: 'PARQUET',
    specId: 2,
    partition,
    recordCount: 100,
    fileSizeInBytes: 4096,
    columnSizes: new Map([[1, 10], [3, 800]]),
    valueCounts: new Map([[1, 100], [3, 100]]),
    nullValueCounts: new Map([[1, 3], [3, 0]]),
    nanValueCounts: new Map([[4, 2]]),
    lowerBounds: new Map([[3, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)]]),
    upperBounds: new Map([[3, Uint8Array.of(9, 0, 0, 0, 0, 0, 0, 0)]]),
    splitOffsets: [4, 2048],
    sortOrderId: 0,
    ...extra,
  };
}

describe('PyIceberg interop', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-manifest-py-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  for (const formatVersion of [1, 2, 3] as const) {
    it(`PyIceberg reads the v${formatVersion} manifest list and manifests lake writes`, async () => {
      const snapshot = 9876543210123456789n;
      const entries: ManifestEntry[] = [
        { status: EntryStatus.ADDED, dataFile: dataFile('s3://b/t/data/a.parquet', PARTITION) },
        { status: EntryStatus.ADDED, dataFile: dataFile('s3://b/t/data/null.parquet', PARTITION.map(() => null), { recordCount: 7 }) },
        {
          status: EntryStatus.EXISTING,
          snapshotId: 5n,
          sequenceNumber: 1n,
          fileSequenceNumber: 1n,
          dataFile: dataFile('s3://b/t/data/old.parquet', PARTITION, { recordCount: 11 }),
        },
      ];
      const m0 = path.join(dir, `v${formatVersion}-m0.avro`);
      const data = writeManifest({ formatVersion, schema: SCHEMA, spec: SPEC, snapshotId: snapshot, entries, manifestPath: m0 });
      await fs.writeFile(m0, data.bytes);
      const manifests: ManifestFile[] = [data.manifestFile];
      if (formatVersion >= 2) {
        const m1 = path.join(dir, `v${formatVersion}-m1.avro`);
        const eq = dataFile('s3://b/t/data/eq.parquet', PARTITION, { content: FileContent.EQUALITY_DELETES, equalityIds: [3, 9], recordCount: 1 });
        const deletes = writeManifest({
          formatVersion, schema: SCHEMA, spec: SPEC, content: 'deletes', snapshotId: snapshot,
          entries: [{ status: EntryStatus.ADDED, dataFile: eq }], manifestPath: m1,
        });
        await fs.writeFile(m1, deletes.bytes);
        manifests.push(deletes.manifestFile);
      }
      const list = path.join(dir, `v${formatVersion}-list.avro`);
      const l = writeManifestList({ formatVersion, snapshotId: snapshot, parentSnapshotId: 5n, sequenceNumber: 7n, firstRowId: 1000n, manifests });
      await fs.writeFile(list, l.bytes);

      type PyEntry = Record<string, unknown> & { partition: unknown[] };
      const py = await runPython<Array<Record<string, unknown> & { entries: PyEntry[]; partitions: unknown[][] }>>(READ_SCRIPT, { list });
      expect(py).toHaveLength(manifests.length);
      const seq = formatVersion === 1 ? 0 : 7;
      for (const [k, mf] of l.manifests.entries()) {
        const p = py[k]!;
        expect(p.manifest_path).toBe(mf.manifestPath);
        expect(p.manifest_length).toBe(mf.manifestLength);
        expect(p.partition_spec_id).toBe(2);
        expect(p.content).toBe(mf.content);
        expect(p.sequence_number).toBe(seq);
        expect(sameId(BigInt(p.added_snapshot_id as number | bigint), snapshot)).toBe(true);
        expect([p.added_files_count, p.existing_files_count, p.deleted_files_count]).toEqual([
          mf.addedFilesCount, mf.existingFilesCount, mf.deletedFilesCount,
        ]);
        expect([p.added_rows_count, p.existing_rows_count, p.deleted_rows_count]).toEqual([
          mf.addedRowsCount, mf.existingRowsCount, mf.deletedRowsCount,
        ]);
        expect(p.partitions).toEqual(mf.partitions!.map((s) => [s.containsNull, s.containsNan, s.lowerBound, s.upperBound]));
      }
      // Entries of the data manifest, with inheritance applied by PyIceberg.
      const pe = py[0]!.entries;
      expect(pe.map((e) => [e.status, e.file_path, e.record_count])).toEqual(entries.map((e) => [e.status, e.dataFile.filePath, e.dataFile.recordCount]));
      expect(sameId(BigInt(pe[0]!.snapshot_id as number | bigint), snapshot)).toBe(true);
      expect(pe.map((e) => [e.sequence_number, e.file_sequence_number])).toEqual([
        [seq, seq],
        [seq, seq],
        formatVersion === 1 ? [0, 0] : [1, 1],
      ]);
      expect(pe[0]!.partition).toEqual(PARTITION.map(asPython));
      expect(pe[1]!.partition).toEqual(PARTITION.map(() => null));
      const df = entries[0]!.dataFile;
      expect(pe[0]).toMatchObject({
        file_format: 'PARQUET',
        file_size_in_bytes: 4096,
        column_sizes: Object.fromEntries(df.columnSizes!),
        value_counts: Object.fromEntries(df.valueCounts!),
        null_value_counts: Object.fromEntries(df.nullValueCounts!),
        nan_value_counts: Object.fromEntries(df.nanValueCounts!),
        lower_bounds: Object.fromEntries(df.lowerBounds!),
        upper_bounds: Object.fromEntries(df.upperBounds!),
        split_offsets: [4, 2048],
        sort_order_id: 0,
      });
      if (formatVersion >= 2) expect(py[1]!.entries[0]).toMatchObject({ content: 2, equality_ids: [3, 9] });
    });
  }

  it('lake reads the manifest list and manifest PyIceberg writes', async () => {
    const manifest = path.join(dir, 'py-m0.avro');
    const list = path.join(dir, 'py-list.avro');
    const py = await runPython<{ summaries: unknown[][] }>(WRITE_SCRIPT, { manifest, list, snapshot: 12345 });
    const l = readManifestList(await fs.readFile(list));
    expect(l.formatVersion).toBe(2);
    expect(l.snapshotId).toBe(12345n);
    expect(l.parentSnapshotId).toBeUndefined();
    expect(l.manifests).toHaveLength(1);
    const mf = l.manifests[0]!;
    expect(mf).toMatchObject({ manifestPath: manifest, partitionSpecId: 0, content: 0, sequenceNumber: 3n, addedSnapshotId: 12345n, addedFilesCount: 2, addedRowsCount: 21 });
    expect(mf.partitions!.map((s) => [s.containsNull, s.containsNan, s.lowerBound, s.upperBound])).toEqual(py.summaries);
    const r = readManifest(await fs.readFile(manifest), { manifestFile: mf });
    expect(r.metadata.formatVersion).toBe(2);
    expect(r.metadata.content).toBe('data');
    expect(r.metadata.schemaId).toBe(0);
    expect(r.metadata.spec?.fields.map((f) => f.name)).toEqual(['id', 's_trunc', 'dec', 'ts_day', 'u', 'id_bucket']);
    expect(r.entries.map((e) => [e.status, e.snapshotId, e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [EntryStatus.ADDED, 12345n, 3n, 3n],
      [EntryStatus.ADDED, 12345n, 3n, 3n],
    ]);
    expect(r.entries[0]!.dataFile.partition.map(num)).toEqual([7, 'abc', 1234, 19000, 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 3]);
    expect(r.entries[1]!.dataFile.partition).toEqual([null, null, null, null, null, null]);
    expect(r.entries[1]!.dataFile).toMatchObject({
      filePath: 's3://b/t/data/1.parquet',
      fileFormat: 'PARQUET',
      recordCount: 11,
      columnSizes: new Map([[1, 5]]),
      nullValueCounts: new Map([[1, 1]]),
      lowerBounds: new Map([[1, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)]]),
      splitOffsets: [4],
    });
  });
});
