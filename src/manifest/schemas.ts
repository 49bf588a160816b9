/**
 * Avro schemas of manifests and manifest lists, as data keyed by format version (spec "Manifests",
 * "Manifest Entry Fields", "Data File Fields", "Manifest Lists", Appendix A "Avro").
 *
 * Field order, record names (`manifest_entry`, `r2`, `r102`, `k117_v118`, `manifest_file`, `r508`),
 * docs and optionality follow what the reference implementation writes (V1Metadata, V2Metadata,
 * V3Metadata), so files written by lake look like the files every engine already reads. Maps with
 * int keys are arrays of key/value records with `logicalType: "map"`; every field carries its
 * Iceberg `field-id`, lists their `element-id`.
 *
 * The same data yields the read catalogues (avro-schema.ts `RecordSpec`): every field lake knows,
 * from every version, by id and canonical name.
 */
import { LakeError } from '../errors.js';
import type { PrimitiveType } from '../spec/types.js';
import { decimalRequiredBytes } from '../spec/single-value.js';
import type { FieldSpec, LongMode, RecordSpec } from './avro-schema.js';

export type FormatVersion = 1 | 2 | 3;

export type AvroSchema = string | AvroSchema[] | { [key: string]: unknown };

interface AvroField {
  name: string;
  type: AvroSchema;
  doc?: string;
  default?: unknown;
  'field-id': number;
  [key: string]: unknown;
}

function required(id: number, name: string, type: AvroSchema, doc?: string): AvroField {
  const f: Record<string, unknown> = { name, type };
  if (doc !== undefined) f.doc = doc;
  f['field-id'] = id;
  return f as AvroField;
}

function optional(id: number, name: string, type: AvroSchema, doc?: string): AvroField {
  const f: Record<string, unknown> = { name, type: ['null', type] };
  if (doc !== undefined) f.doc = doc;
  f.default = null;
  f['field-id'] = id;
  return f as AvroField;
}

function intMap(keyId: number, valueId: number, value: AvroSchema): AvroSchema {
  return {
    type: 'array',
    items: {
      type: 'record',
      name: `k${keyId}_v${valueId}`,
      fields: [
        { name: 'key', type: 'int', 'field-id': keyId },
        { name: 'value', type: value, 'field-id': valueId },
      ],
    },
    logicalType: 'map',
  };
}

function list(elementId: number, element: AvroSchema): AvroSchema {
  return { type: 'array', items: element, 'element-id': elementId };
}

// ---- data_file (field ids 100..145) ----

const F = {
  content: (req: boolean) =>
    (req ? required : optional)(134, 'content', 'int', 'Contents of the file: 0=data, 1=position deletes, 2=equality deletes'),
  filePath: () => required(100, 'file_path', 'string', 'Location URI with FS scheme'),
  fileFormat: () => required(101, 'file_format', 'string', 'File format name: avro, orc, or parquet'),
  partition: (p: AvroSchema, doc: boolean) =>
    required(102, 'partition', p, doc ? 'Partition data tuple, schema based on the partition spec' : undefined),
  recordCount: () => required(103, 'record_count', 'long', 'Number of records in the file'),
  fileSize: () => required(104, 'file_size_in_bytes', 'long', 'Total file size in bytes'),
  blockSize: () => required(105, 'block_size_in_bytes', 'long'),
  columnSizes: () => optional(108, 'column_sizes', intMap(117, 118, 'long'), 'Map of column id to total size on disk'),
  valueCounts: () =>
    optional(109, 'value_counts', intMap(119, 120, 'long'), 'Map of column id to total count, including null and NaN'),
  nullValueCounts: () => optional(110, 'null_value_counts', intMap(121, 122, 'long'), 'Map of column id to null value count'),
  nanValueCounts: () =>
    optional(137, 'nan_value_counts', intMap(138, 139, 'long'), 'Map of column id to number of NaN values in the column'),
  lowerBounds: () => optional(125, 'lower_bounds', intMap(126, 127, 'bytes'), 'Map of column id to lower bound'),
  upperBounds: () => optional(128, 'upper_bounds', intMap(129, 130, 'bytes'), 'Map of column id to upper bound'),
  keyMetadata: () => optional(131, 'key_metadata', 'bytes', 'Encryption key metadata blob'),
  splitOffsets: () => optional(132, 'split_offsets', list(133, 'long'), 'Splittable offsets'),
  equalityIds: () => optional(135, 'equality_ids', list(136, 'int'), 'Equality comparison field IDs'),
  sortOrderId: () => optional(140, 'sort_order_id', 'int', 'Sort order ID'),
  firstRowId: () => optional(142, 'first_row_id', 'long', 'The first row ID assigned to the first row in the data file'),
  referencedDataFile: () =>
    optional(
      143,
      'referenced_data_file',
      'string',
      'Fully qualified location (URI with FS scheme) of a data file that all deletes reference',
    ),
  contentOffset: () => optional(144, 'content_offset', 'long', 'The offset in the file where the content starts'),
  contentSize: () =>
    optional(145, 'content_size_in_bytes', 'long', 'The length of referenced content stored in the file'),
};

/** Column metrics, key metadata and split offsets: one run, in this order, in every version. */
function metricsFields(): AvroField[] {
  return [
    F.columnSizes(),
    F.valueCounts(),
    F.nullValueCounts(),
    F.nanValueCounts(),
    F.lowerBounds(),
    F.upperBounds(),
    F.keyMetadata(),
    F.splitOffsets(),
  ];
}

function dataFileFields(version: FormatVersion, partition: AvroSchema): AvroField[] {
  if (version === 1) {
    return [
      F.filePath(),
      F.fileFormat(),
      F.partition(partition, false),
      F.recordCount(),
      F.fileSize(),
      F.blockSize(),
      ...metricsFields(),
      F.sortOrderId(),
    ];
  }
  const fields = [
    F.content(true),
    F.filePath(),
    F.fileFormat(),
    F.partition(partition, true),
    F.recordCount(),
    F.fileSize(),
    ...metricsFields(),
    F.equalityIds(),
    F.sortOrderId(),
  ];
  if (version === 2) fields.push(F.referencedDataFile());
  else fields.push(F.firstRowId(), F.referencedDataFile(), F.contentOffset(), F.contentSize());
  return fields;
}

/** The `manifest_entry` Avro schema of a format version around a partition record schema. */
export function manifestEntrySchema(version: FormatVersion, partition: AvroSchema): AvroSchema {
  const dataFile = { type: 'record', name: 'r2', fields: dataFileFields(version, partition) };
  const fields: AvroField[] = [required(0, 'status', 'int'), optional(1, 'snapshot_id', 'long')];
  if (version >= 2) fields.push(optional(3, 'sequence_number', 'long'), optional(4, 'file_sequence_number', 'long'));
  fields.push(required(2, 'data_file', dataFile));
  return { type: 'record', name: 'manifest_entry', fields };
}

// ---- manifest_file (field ids 500..520) ----

const FIELD_SUMMARY: AvroSchema = {
  type: 'record',
  name: 'r508',
  fields: [
    required(509, 'contains_null', 'boolean', 'True if any file has a null partition value'),
    optional(518, 'contains_nan', 'boolean', 'True if any file has a nan partition value'),
    optional(510, 'lower_bound', 'bytes', 'Partition lower bound for all files'),
    optional(511, 'upper_bound', 'bytes', 'Partition upper bound for all files'),
  ],
};

const L = {
  path: () => required(500, 'manifest_path', 'string', 'Location URI with FS scheme'),
  length: () => required(501, 'manifest_length', 'long', 'Total file size in bytes'),
  specId: () => required(502, 'partition_spec_id', 'int', 'Spec ID used to write'),
  content: () => required(517, 'content', 'int', 'Contents of the manifest: 0=data, 1=deletes'),
  sequenceNumber: () => required(515, 'sequence_number', 'long', 'Sequence number when the manifest was added'),
  minSequenceNumber: () => required(516, 'min_sequence_number', 'long', 'Lowest sequence number in the manifest'),
  snapshotId: () => required(503, 'added_snapshot_id', 'long', 'Snapshot ID that added the manifest'),
  count: (req: boolean, id: number, name: string, type: string, doc: string) => (req ? required : optional)(id, name, type, doc),
  partitions: () => optional(507, 'partitions', list(508, FIELD_SUMMARY), 'Summary for each partition'),
  keyMetadata: () => optional(519, 'key_metadata', 'bytes', 'Encryption key metadata blob'),
  firstRowId: () => optional(520, 'first_row_id', 'long', 'Starting row ID to assign to new rows in ADDED data files'),
};

function counts(req: boolean, rows: boolean): AvroField[] {
  return rows
    ? [
        L.count(req, 512, 'added_rows_count', 'long', 'Added rows count'),
        L.count(req, 513, 'existing_rows_count', 'long', 'Existing rows count'),
        L.count(req, 514, 'deleted_rows_count', 'long', 'Deleted rows count'),
      ]
    : [
        L.count(req, 504, 'added_files_count', 'int', 'Added entry count'),
        L.count(req, 505, 'existing_files_count', 'int', 'Existing entry count'),
        L.count(req, 506, 'deleted_files_count', 'int', 'Deleted entry count'),
      ];
}

function manifestFileSchema(version: FormatVersion): AvroSchema {
  const fields: AvroField[] =
    version === 1
      ? [
          L.path(),
          L.length(),
          L.specId(),
          L.snapshotId(),
          ...counts(false, false),
          L.partitions(),
          ...counts(false, true),
          L.keyMetadata(),
        ]
      : [
          L.path(),
          L.length(),
          L.specId(),
          L.content(),
          L.sequenceNumber(),
          L.minSequenceNumber(),
          L.snapshotId(),
          ...counts(true, false),
          ...counts(true, true),
          L.partitions(),
          L.keyMetadata(),
        ];
  if (version === 3) fields.push(L.firstRowId());
  return { type: 'record', name: 'manifest_file', fields };
}

/** The `manifest_file` (manifest list) Avro schemas, by format version. */
export const MANIFEST_LIST_SCHEMAS: Readonly<Record<FormatVersion, AvroSchema>> = Object.freeze({
  1: manifestFileSchema(1),
  2: manifestFileSchema(2),
  3: manifestFileSchema(3),
});

// ---- partition record ----

export interface PartitionFieldSchemaInput {
  name: string;
  fieldId: number;
  /** Result type of the transform; undefined or `unknown` when not known (written as Avro null). */
  type: PrimitiveType | undefined;
}

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A valid Avro name for an Iceberg name (the reference implementation's `sanitize`, ASCII only). */
export function sanitizeAvroName(name: string): string {
  if (AVRO_NAME.test(name)) return name;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    const ok = i === 0 ? /[A-Za-z_]/.test(c) : /[A-Za-z0-9_]/.test(c);
    if (ok) out += c;
    else if (/[0-9]/.test(c)) out += `_${c}`;
    else out += `_x${c.charCodeAt(0).toString(16).toUpperCase()}`;
  }
  return out;
}

/** Avro schema of one partition value type; named types already defined are referenced by name. */
function partitionValueSchema(t: PrimitiveType | undefined, defined: Set<string>): AvroSchema {
  const named = (name: string, def: Record<string, unknown>): AvroSchema => {
    if (defined.has(name)) return name;
    defined.add(name);
    return { type: 'fixed', name, ...def };
  };
  if (t === undefined) return 'null';
  switch (t.kind) {
    case 'boolean':
      return 'boolean';
    case 'int':
      return 'int';
    case 'long':
      return 'long';
    case 'float':
      return 'float';
    case 'double':
      return 'double';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false };
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true };
    case 'timestamp_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': false };
    case 'timestamptz_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': true };
    case 'string':
      return 'string';
    case 'uuid':
      return named('uuid_fixed', { size: 16, logicalType: 'uuid' });
    case 'fixed':
      return named(`fixed_${t.length}`, { size: t.length });
    case 'binary':
    case 'geometry':
    case 'geography':
      return 'bytes';
    case 'decimal':
      return named(`decimal_${t.precision}_${t.scale}`, {
        size: decimalRequiredBytes(t.precision),
        logicalType: 'decimal',
        precision: t.precision,
        scale: t.scale,
      });
    case 'unknown':
      return 'null';
    case 'variant':
      throw new LakeError('INVALID_INPUT', 'a partition field cannot have type variant');
  }
}

/** The partition record (`r102`): one optional field per partition field, carrying its field id. */
export function partitionRecordSchema(fields: readonly PartitionFieldSchemaInput[]): AvroSchema {
  const defined = new Set<string>();
  return {
    type: 'record',
    name: 'r102',
    fields: fields.map((f) => {
      const value = partitionValueSchema(f.type, defined);
      const o: Record<string, unknown> = { name: sanitizeAvroName(f.name) };
      // An unknown-typed value is always null: the Avro null type, not a union with it.
      o.type = value === 'null' ? 'null' : ['null', value];
      o.default = null;
      o['field-id'] = f.fieldId;
      if (o.name !== f.name) o['iceberg-field-name'] = f.name;
      return o;
    }),
  };
}

// ---- read catalogues ----

/** Longs the model keeps as JS numbers (counts, sizes, offsets); all other longs are bigint. */
const NUMBER_LONGS = new Set([103, 104, 105, 117, 118, 119, 120, 121, 122, 126, 129, 138, 139, 132, 144, 145, 501, 512, 513, 514]);

function catalogue(records: AvroSchema[]): RecordSpec {
  const byId = new Map<number, FieldSpec>();
  const nested = new Map<number, AvroSchema[]>();
  const visitType = (t: AvroSchema, parentId: number): void => {
    if (typeof t === 'string') return;
    if (Array.isArray(t)) return t.forEach((b) => visitType(b, parentId));
    if (t.type === 'record') {
      const list = nested.get(parentId) ?? [];
      list.push(t);
      nested.set(parentId, list);
    } else if (t.type === 'array') visitType(t.items as AvroSchema, parentId);
  };
  for (const r of records) {
    for (const f of (r as { fields: AvroField[] }).fields) {
      const id = f['field-id'];
      if (!byId.has(id)) {
        const long: LongMode = NUMBER_LONGS.has(id) ? 'number' : 'bigint';
        const spec: FieldSpec = { name: f.name, id, long };
        if (id === 102) spec.partition = true;
        byId.set(id, spec);
      }
      if (id !== 102) visitType(f.type, id);
    }
  }
  for (const [id, recs] of nested) {
    const spec = byId.get(id)!;
    spec.record = catalogue(recs);
    // Map key/value records: fall back to position when a writer omits ids and names differ.
    if (spec.record.fields.length === 2 && spec.record.fields[0]!.name === 'key') spec.record.byPosition = true;
  }
  return { fields: [...byId.values()] };
}

const EMPTY_PARTITION: AvroSchema = { type: 'record', name: 'r102', fields: [] };

/** Catalogue of every manifest entry field of every version. */
export const MANIFEST_ENTRY_CATALOGUE: RecordSpec = catalogue([
  manifestEntrySchema(3, EMPTY_PARTITION),
  manifestEntrySchema(2, EMPTY_PARTITION),
  manifestEntrySchema(1, EMPTY_PARTITION),
]);

/** Catalogue of every manifest list field of every version. */
export const MANIFEST_LIST_CATALOGUE: RecordSpec = catalogue([
  MANIFEST_LIST_SCHEMAS[3],
  MANIFEST_LIST_SCHEMAS[2],
  MANIFEST_LIST_SCHEMAS[1],
]);
