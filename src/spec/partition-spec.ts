/**
 * Partition specs (spec "Partitioning", JSON in Appendix C): parsing and printing, the partition
 * struct type, partition paths, grouping keys for partition tuples, equivalence, validation
 * against a schema, and building new specs with Iceberg's default field names and ids.
 */
import { LakeError } from '../errors.js';
import { type Schema, type IndexedField, findFieldByName, indexSchema } from './schema.js';
import { utf8Bytes } from './single-value.js';
import {
  type Transform,
  bindTransform,
  canTransform,
  defaultPartitionName,
  humanString,
  parseTransform,
  transformResultType,
  transformToString,
} from './transforms.js';
import { type NestedField, type PrimitiveType, type StructType, isPrimitive, typeToString } from './types.js';

export interface PartitionField {
  /** Source column id (for single-argument transforms). */
  sourceId: number;
  /** v3 multi-argument transforms: all source ids (then `sourceId` is the first). */
  sourceIds?: number[];
  fieldId: number;
  name: string;
  transform: Transform;
}

export interface PartitionSpec {
  specId: number;
  fields: PartitionField[];
}

/** v1 tables did not store partition field ids; the reference implementation assigned 1000, 1001, ... */
export const PARTITION_DATA_ID_START = 1000;

export const UNPARTITIONED: PartitionSpec = Object.freeze({ specId: 0, fields: [] }) as PartitionSpec;

export function isUnpartitioned(spec: PartitionSpec): boolean {
  return spec.fields.every((f) => f.transform.kind === 'void');
}

function parseField(json: unknown, index: number): PartitionField {
  if (json === null || typeof json !== 'object') throw new LakeError('INVALID_METADATA', 'partition field must be an object');
  const o = json as Record<string, unknown>;
  const sourceIds = Array.isArray(o['source-ids']) ? (o['source-ids'] as unknown[]).map(Number) : undefined;
  const sourceId = o['source-id'] !== undefined ? Number(o['source-id']) : sourceIds?.[0];
  if (sourceId === undefined || Number.isNaN(sourceId)) throw new LakeError('INVALID_METADATA', 'partition field without source-id');
  if (typeof o.name !== 'string') throw new LakeError('INVALID_METADATA', 'partition field without name');
  if (typeof o.transform !== 'string') throw new LakeError('INVALID_METADATA', `partition field ${o.name} without transform`);
  const f: PartitionField = {
    sourceId,
    fieldId: o['field-id'] !== undefined ? Number(o['field-id']) : PARTITION_DATA_ID_START + index,
    name: o.name,
    transform: parseTransform(o.transform),
  };
  if (sourceIds !== undefined && (sourceIds.length > 1 || o['source-id'] === undefined)) f.sourceIds = sourceIds;
  return f;
}

/** Parses a partition spec object, or the bare v1 field list (then `specId` is used). */
export function parsePartitionSpec(json: unknown, specId = 0): PartitionSpec {
  if (Array.isArray(json)) return { specId, fields: json.map(parseField) };
  if (json === null || typeof json !== 'object') throw new LakeError('INVALID_METADATA', 'partition spec must be an object');
  const o = json as Record<string, unknown>;
  if (!Array.isArray(o.fields)) throw new LakeError('INVALID_METADATA', 'partition spec without fields');
  return { specId: o['spec-id'] === undefined ? specId : Number(o['spec-id']), fields: o.fields.map(parseField) };
}

export function partitionFieldToJson(f: PartitionField): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (f.sourceIds !== undefined && f.sourceIds.length > 1) o['source-ids'] = [...f.sourceIds];
  else o['source-id'] = f.sourceId;
  o['field-id'] = f.fieldId;
  o.name = f.name;
  o.transform = transformToString(f.transform);
  return o;
}

export function partitionSpecToJson(spec: PartitionSpec): Record<string, unknown> {
  return { 'spec-id': spec.specId, fields: spec.fields.map(partitionFieldToJson) };
}

// ---- partition type and values ----

/**
 * The source column type of a partition field: `unknown` when the column no longer exists in the
 * schema (a historical spec), as the reference implementation does.
 */
export function partitionSourceType(field: PartitionField, schema: Schema | Map<number, IndexedField>): PrimitiveType {
  const idx = schema instanceof Map ? schema : indexSchema(schema);
  const source = idx.get(field.sourceId)?.field.type;
  if (source === undefined) return { kind: 'unknown' };
  if (!isPrimitive(source)) {
    if (field.transform.kind === 'void') return { kind: 'unknown' };
    throw new LakeError(
      'INVALID_METADATA',
      `partition field ${field.name} has a non-primitive source column ${field.sourceId} (${typeToString(source)})`,
    );
  }
  return source;
}

/**
 * The struct of partition values (the `partition` field of manifest entries): one optional field
 * per partition field, with the partition field id and name and the transform's result type.
 */
export function partitionType(spec: PartitionSpec, schema: Schema): StructType {
  const idx = indexSchema(schema);
  const fields: NestedField[] = spec.fields.map((f) => ({
    id: f.fieldId,
    name: f.name,
    required: false,
    type: transformResultType(f.transform, partitionSourceType(f, idx)),
  }));
  return { kind: 'struct', fields };
}

/**
 * A function computing the partition tuple of a row: `valueOf(sourceId)` returns the row's value
 * of a source column (in lake's value representation), and the result holds one partition value
 * per spec field. Binding resolves types and transforms once for many rows.
 */
export function bindPartitionSpec(spec: PartitionSpec, schema: Schema): (valueOf: (sourceId: number) => unknown) => unknown[] {
  const idx = indexSchema(schema);
  const parts = spec.fields.map((f) => {
    const source = partitionSourceType(f, idx);
    if (source.kind === 'unknown' && f.transform.kind !== 'void') {
      throw new LakeError('INVALID_INPUT', `partition field ${f.name}: source column ${f.sourceId} is not in the schema`);
    }
    return { sourceId: f.sourceId, apply: bindTransform(f.transform, source) };
  });
  return (valueOf) => parts.map((p) => p.apply(valueOf(p.sourceId)));
}

/**
 * Escapes a partition path segment as Java's `URLEncoder.encode(s, UTF_8)` does, which the
 * reference implementation uses for partition paths: letters, digits and `.-*_` stay, a space
 * becomes `+`, every other byte of the UTF-8 form becomes `%XX`.
 */
export function escapePartitionPathSegment(s: string): string {
  if (/^[A-Za-z0-9.\-*_]*$/.test(s)) return s;
  let out = '';
  for (const b of utf8Bytes(s)) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2e || b === 0x2d || b === 0x2a || b === 0x5f) {
      out += String.fromCharCode(b);
    } else if (b === 0x20) {
      out += '+';
    } else {
      out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/**
 * The partition path of a partition tuple (`ts_day=2026-11-20/id_bucket=3`), as the reference
 * implementation's `PartitionSpec.partitionToPath` writes it. Empty for an unpartitioned spec.
 */
export function partitionPath(spec: PartitionSpec, schema: Schema, values: readonly unknown[]): string {
  if (values.length !== spec.fields.length) {
    throw new LakeError('INVALID_INPUT', `partition tuple has ${values.length} values but spec ${spec.specId} has ${spec.fields.length} fields`);
  }
  const idx = indexSchema(schema);
  return spec.fields
    .map((f, i) => {
      const text = humanString(f.transform, partitionSourceType(f, idx), values[i]);
      return `${escapePartitionPathSegment(f.name)}=${escapePartitionPathSegment(text)}`;
    })
    .join('/');
}

function keyPart(v: unknown): string {
  if (v === null || v === undefined) return 'N';
  switch (typeof v) {
    case 'boolean':
      return v ? 'T' : 'F';
    case 'number':
      // Floats are equal by bit pattern with NaNs normalised (spec "Scan Planning" note 3):
      // -0 and 0 differ, every NaN is the same.
      return Object.is(v, -0) ? 'd-0' : `d${v}`;
    case 'bigint':
      return `i${v}`;
    case 'string':
      return `s${JSON.stringify(v)}`;
  }
  if (v instanceof Uint8Array) return `x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  throw new LakeError('INVALID_INPUT', `cannot use ${typeof v} as a partition value`);
}

/**
 * A string key identifying a partition tuple, for grouping rows and files by partition: two tuples
 * get the same key exactly when they are equal partition values.
 */
export function partitionKey(values: readonly unknown[]): string {
  return values.map(keyPart).join('|');
}

export function partitionValuesEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && partitionKey(a) === partitionKey(b);
}

// ---- equivalence and validation ----

/**
 * Spec equivalence (spec "Partitioning"): the same number of fields and, field by field, the same
 * source column ids, transform and name. Spec ids and partition field ids are ignored.
 */
export function specsEquivalent(a: PartitionSpec, b: PartitionSpec): boolean {
  if (a.fields.length !== b.fields.length) return false;
  return a.fields.every((f, i) => {
    const g = b.fields[i]!;
    return (
      sourceIdsOf(f).join(',') === sourceIdsOf(g).join(',') &&
      transformToString(f.transform) === transformToString(g.transform) &&
      f.name === g.name
    );
  });
}

function sourceIdsOf(f: PartitionField): number[] {
  return f.sourceIds ?? [f.sourceId];
}

/** The highest partition field id used by any of the specs (999 when there is none, so the next is 1000). */
export function highestPartitionFieldId(specs: readonly PartitionSpec[]): number {
  let max = PARTITION_DATA_ID_START - 1;
  for (const s of specs) for (const f of s.fields) if (f.fieldId > max) max = f.fieldId;
  return max;
}

export interface ValidatePartitionSpecOptions {
  /**
   * The spec was read from table metadata rather than being created now. Its source columns may
   * have been dropped since, and, as the reference implementation does when loading, any field
   * may carry the name of its own source column.
   */
  existing?: boolean;
  /** Compare partition names with column names case-sensitively (default true). */
  caseSensitive?: boolean;
}

/**
 * Checks a partition spec against a schema as the reference implementation does: partition field
 * ids and names are unique and names non-empty; every non-void source column exists, is
 * primitive, is not inside a list or map, and suits the transform; a partition name is not the
 * name of a different column (identity and void fields may use their own column's name); a column
 * is not partitioned twice by the same transform or by two time transforms.
 * Throws `LakeError('INVALID_METADATA')` for an existing spec, `INVALID_INPUT` for a new one.
 */
export function validatePartitionSpec(spec: PartitionSpec, schema: Schema, options: ValidatePartitionSpecOptions = {}): void {
  const existing = options.existing ?? false;
  const caseSensitive = options.caseSensitive ?? true;
  const code = existing ? 'INVALID_METADATA' : 'INVALID_INPUT';
  const fail = (msg: string): never => {
    throw new LakeError(code, `invalid partition spec ${spec.specId}: ${msg}`);
  };
  const idx = indexSchema(schema);
  const names = new Set<string>();
  const ids = new Set<number>();
  const dedup = new Map<string, PartitionField>();
  for (const f of spec.fields) {
    if (ids.has(f.fieldId)) fail(`partition field id ${f.fieldId} is used more than once`);
    ids.add(f.fieldId);
    if (f.name === '') fail('a partition field has an empty name');
    if (names.has(f.name)) fail(`partition name "${f.name}" is used more than once`);
    names.add(f.name);

    const column = findFieldByName(schema, f.name, caseSensitive);
    const nameMayMatchSource = existing || f.transform.kind === 'identity' || f.transform.kind === 'void';
    if (column !== undefined) {
      if (!nameMayMatchSource) {
        fail(`partition name "${f.name}" is the name of a column; ${transformToString(f.transform)} partitions need another name`);
      } else if (column.id !== f.sourceId && idx.has(f.sourceId)) {
        fail(`partition name "${f.name}" is the name of a different column (id ${column.id})`);
      }
    }

    if (f.transform.kind === 'void') continue;
    for (const sourceId of sourceIdsOf(f)) {
      const entry = idx.get(sourceId);
      if (entry === undefined) {
        if (existing) continue;
        fail(`source column ${sourceId} of partition field ${f.name} is not in the schema`);
      } else {
        const type = entry.field.type;
        if (!isPrimitive(type)) fail(`cannot partition by non-primitive column ${entry.path} (${typeToString(type)})`);
        else if (f.transform.kind !== 'unknown' && !canTransform(f.transform, type)) {
          fail(`transform ${transformToString(f.transform)} cannot be applied to column ${entry.path} of type ${typeToString(type)}`);
        }
        for (const parentId of entry.parents) {
          const parent = idx.get(parentId)!;
          if (parent.field.type.kind !== 'struct') fail(`cannot partition by ${entry.path}: it is inside a ${parent.field.type.kind}`);
        }
      }
    }
    if (!existing) {
      const k = f.transform.kind;
      const family = k === 'year' || k === 'month' || k === 'day' || k === 'hour' ? 'time' : transformToString(f.transform);
      const key = `${sourceIdsOf(f).join(',')}:${family}`;
      const other = dedup.get(key);
      if (other !== undefined) {
        fail(`partition field ${f.name} (${transformToString(f.transform)}) is redundant with ${other.name} (${transformToString(other.transform)})`);
      }
      dedup.set(key, f);
    }
  }
}

// ---- building ----

export interface PartitionFieldRequest {
  /** Source column: its id or its full dotted name. */
  source: number | string;
  transform: Transform | string;
  /** Partition field name; defaults to Iceberg's default name for the transform (`id_bucket`, `ts_day`). */
  name?: string;
}

export interface BuildPartitionSpecOptions {
  specId?: number;
  /** The table's `last-partition-id`; new field ids continue after it (default 999, so the first is 1000). */
  lastPartitionId?: number;
  /** Earlier specs of the table: a field equal to one of theirs (source, transform, name) reuses its id. */
  reuseFrom?: readonly PartitionSpec[];
  caseSensitive?: boolean;
}

/**
 * Builds and validates a new partition spec, naming fields by Iceberg's defaults and assigning
 * field ids after `lastPartitionId` (reusing the id of an equal field of an earlier spec, as the
 * spec requires). Returns the spec and the new last partition id.
 */
export function buildPartitionSpec(
  schema: Schema,
  requests: readonly PartitionFieldRequest[],
  options: BuildPartitionSpecOptions = {},
): { spec: PartitionSpec; lastPartitionId: number } {
  const idx = indexSchema(schema);
  const caseSensitive = options.caseSensitive ?? true;
  let last = options.lastPartitionId ?? PARTITION_DATA_ID_START - 1;
  const fields: PartitionField[] = [];
  for (const r of requests) {
    const entry =
      typeof r.source === 'number'
        ? idx.get(r.source)
        : [...idx.values()].find((e) => e.field === findFieldByName(schema, r.source as string, caseSensitive));
    if (entry === undefined) throw new LakeError('INVALID_INPUT', `cannot find source column ${JSON.stringify(r.source)} in the schema`);
    const transform = typeof r.transform === 'string' ? parseTransform(r.transform) : r.transform;
    if (transform.kind === 'unknown') throw new LakeError('INVALID_INPUT', `unknown partition transform "${transform.text}"`);
    const name = r.name ?? defaultPartitionName(transform, entry.path);
    const sourceId = entry.field.id;
    const reused = options.reuseFrom
      ?.flatMap((s) => s.fields)
      .find((f) => f.sourceId === sourceId && f.sourceIds === undefined && f.name === name && transformToString(f.transform) === transformToString(transform));
    fields.push({ sourceId, fieldId: reused?.fieldId ?? ++last, name, transform });
  }
  const spec: PartitionSpec = { specId: options.specId ?? 0, fields };
  validatePartitionSpec(spec, schema, { caseSensitive });
  return { spec, lastPartitionId: Math.max(last, ...fields.map((f) => f.fieldId)) };
}
