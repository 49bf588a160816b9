/**
 * Shared pieces of the catalog and producer tests: a small schema, partition spec, and DataFile
 * entries with real-looking metrics (counts and bounds in the spec's binary form).
 */
import { type DataFile, FileContent } from '../../src/spec/data-file.js';
import type { PartitionSpec } from '../../src/spec/partition-spec.js';
import type { Schema } from '../../src/spec/schema.js';
import { encodeValue } from '../../src/spec/single-value.js';

/** id: long (required), category: string, value: double. After table creation the ids stay 1, 2, 3. */
export function testSchema(): Schema {
  return {
    schemaId: 0,
    identifierFieldIds: [],
    fields: [
      { id: 1, name: 'id', required: true, type: { kind: 'long' } },
      { id: 2, name: 'category', required: false, type: { kind: 'string' } },
      { id: 3, name: 'value', required: false, type: { kind: 'double' } },
    ],
  };
}

/** Identity partitioning on `category` (field id 1000 after creation). */
export function categorySpec(): PartitionSpec {
  return { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'category', transform: { kind: 'identity' } }] };
}

export interface FileOptions {
  specId?: number;
  partition?: unknown[];
  /** Inclusive id range of the rows (gives record count and bounds). */
  ids?: [bigint, bigint];
  records?: number;
  size?: number;
  content?: FileContent;
  referencedDataFile?: string;
  equalityIds?: number[];
  fileFormat?: DataFile['fileFormat'];
}

let counter = 0;

/** A data (or delete) file entry; bounds of `id` when `ids` is given. */
export function fakeFile(path: string, o: FileOptions = {}): DataFile {
  const [lo, hi] = o.ids ?? [BigInt(counter), BigInt(counter + 9)];
  counter += 10;
  const records = o.records ?? Number(hi - lo + 1n);
  const f: DataFile = {
    content: o.content ?? FileContent.DATA,
    filePath: path,
    fileFormat: o.fileFormat ?? 'PARQUET',
    specId: o.specId ?? 0,
    partition: o.partition ?? [],
    recordCount: records,
    fileSizeInBytes: o.size ?? 1000 + records,
  };
  if (f.content === FileContent.DATA) {
    f.valueCounts = new Map([[1, records]]);
    f.nullValueCounts = new Map([[1, 0]]);
    f.lowerBounds = new Map([[1, encodeValue({ kind: 'long' }, lo)]]);
    f.upperBounds = new Map([[1, encodeValue({ kind: 'long' }, hi)]]);
  }
  if (o.referencedDataFile !== undefined) f.referencedDataFile = o.referencedDataFile;
  if (o.equalityIds !== undefined) f.equalityIds = o.equalityIds;
  return f;
}
