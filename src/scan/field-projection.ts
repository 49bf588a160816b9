/**
 * Column projection (spec "Column Projection", "Default values", Appendix A "Parquet"): how the
 * columns a scan reads map onto one data file's Parquet columns.
 *
 * Columns are matched by field id. A file written without field ids is matched through the
 * table's name mapping (`schema.name-mapping.default`). A field the file does not have reads as,
 * in order: the file's identity-partition value from metadata, the field's `initial-default`, or
 * null. Stored types are promoted to the read type (int -> long, float -> double, decimal
 * precision widening, date -> timestamp), and a column of type `unknown` always reads as null.
 *
 * The result is a tree (`Projection`) that both readers render: the Arrow reader converts record
 * batches with it, the DuckDB reader turns it into SQL.
 */
import { LakeError } from '../errors.js';
import { type ParquetFooter, type ParquetSchemaNode, isGroup } from '../parquet/footer.js';
import type { NameMapping, MappedField } from '../spec/name-mapping.js';
import type { Schema } from '../spec/schema.js';
import { valueFromJson } from '../spec/single-value.js';
import {
  type IcebergType,
  type ListType,
  type MapType,
  type NestedField,
  type PrimitiveType,
  type StructType,
  isPrimitive,
  primitiveToString,
  typeToString,
} from '../spec/types.js';

/** How a Parquet leaf column stores its values, as an Iceberg type plus the time unit where one applies. */
export interface StoredType {
  type: PrimitiveType;
  /** For timestamp-like columns: the stored unit (`INT96` = legacy 12-byte nanosecond timestamps). */
  unit?: 'MILLIS' | 'MICROS' | 'NANOS' | 'INT96';
  /** An int stored with a narrower or unsigned integer annotation (INT(8), INT(16), UINT_*). */
  narrow?: true;
}

export type Projection = ColumnProjection | StructProjection | ListProjection | MapProjection | ConstantProjection;

interface ProjectionBase {
  /** The field as the scan reads it (name, id, type of the read schema). */
  field: NestedField;
}

/** A primitive read from a Parquet leaf column. */
export interface ColumnProjection extends ProjectionBase {
  kind: 'column';
  type: PrimitiveType;
  node: ParquetSchemaNode;
  stored: StoredType;
}

export interface StructProjection extends ProjectionBase {
  kind: 'struct';
  type: StructType;
  node: ParquetSchemaNode;
  /** One per field of `type`, in its order. */
  children: Projection[];
}

export interface ListProjection extends ProjectionBase {
  kind: 'list';
  type: ListType;
  node: ParquetSchemaNode;
  element: Projection;
}

export interface MapProjection extends ProjectionBase {
  kind: 'map';
  type: MapType;
  node: ParquetSchemaNode;
  key: Projection;
  value: Projection;
}

/** A field the file does not have: the same value (lake's in-memory representation) on every row. */
export interface ConstantProjection extends ProjectionBase {
  kind: 'constant';
  type: IcebergType;
  /** null, or a value of `type` (structs as `Map<fieldId, value>`). */
  value: unknown;
  source: 'partition' | 'default' | 'null';
}

export interface FileProjection {
  /** One per read field, in read order. */
  columns: Projection[];
  /** Top-level Parquet columns the projection reads, in file order. */
  fileColumns: ParquetSchemaNode[];
  /** True when ids came from the name mapping (the file has none). */
  byNameMapping: boolean;
}

export interface ProjectFileOptions {
  /** Top-level fields to read (possibly pruned structs), in output order. */
  fields: readonly NestedField[];
  footer: Pick<ParquetFooter, 'root' | 'hasFieldIds'>;
  /** The table's `schema.name-mapping.default`, for files without field ids. */
  nameMapping?: NameMapping;
  /** Values of identity-partitioned source fields for this file, by source field id. */
  partitionConstants?: ReadonlyMap<number, unknown>;
  /** Names the file in error messages. */
  where?: string;
}

// -------------------------------------------------------------------------------------------------
// Stored types
// -------------------------------------------------------------------------------------------------

/** The Iceberg type a Parquet leaf column stores (Appendix A), before any promotion. */
export function storedType(node: ParquetSchemaNode): StoredType | undefined {
  const e = node.element;
  const logical = e.logical_type as { type?: string; unit?: string; isAdjustedToUTC?: boolean; precision?: number; scale?: number } | undefined;
  const converted = e.converted_type;
  const decimal = (): PrimitiveType => ({
    kind: 'decimal',
    precision: Number(logical?.type === 'DECIMAL' ? logical.precision : e.precision),
    scale: Number((logical?.type === 'DECIMAL' ? logical.scale : e.scale) ?? 0),
  });
  const isDecimal = logical?.type === 'DECIMAL' || converted === 'DECIMAL';
  switch (e.type) {
    case 'BOOLEAN':
      return { type: { kind: 'boolean' } };
    case 'INT32':
      if (isDecimal) return { type: decimal() };
      if (logical?.type === 'DATE' || converted === 'DATE') return { type: { kind: 'date' } };
      if (logical?.type === 'TIME' || converted === 'TIME_MILLIS') return { type: { kind: 'time' }, unit: 'MILLIS' };
      if ((logical?.type === 'INTEGER' && (logical as { bitWidth?: number; isSigned?: boolean }).bitWidth !== 32) || (logical?.type === 'INTEGER' && (logical as { isSigned?: boolean }).isSigned === false) || /^(U?INT_(8|16)|UINT_32)$/.test(String(converted))) {
        return { type: { kind: 'int' }, narrow: true };
      }
      return { type: { kind: 'int' } };
    case 'INT64': {
      if (isDecimal) return { type: decimal() };
      if (logical?.type === 'TIMESTAMP') {
        const unit = logical.unit as 'MILLIS' | 'MICROS' | 'NANOS';
        const utc = logical.isAdjustedToUTC === true;
        if (unit === 'NANOS') return { type: { kind: utc ? 'timestamptz_ns' : 'timestamp_ns' }, unit };
        return { type: { kind: utc ? 'timestamptz' : 'timestamp' }, unit };
      }
      if (converted === 'TIMESTAMP_MICROS') return { type: { kind: 'timestamptz' }, unit: 'MICROS' };
      if (converted === 'TIMESTAMP_MILLIS') return { type: { kind: 'timestamptz' }, unit: 'MILLIS' };
      if (logical?.type === 'TIME') return { type: { kind: 'time' }, unit: logical.unit as 'MICROS' | 'NANOS' };
      if (converted === 'TIME_MICROS') return { type: { kind: 'time' }, unit: 'MICROS' };
      return { type: { kind: 'long' } };
    }
    case 'INT96':
      return { type: { kind: 'timestamp' }, unit: 'INT96' };
    case 'FLOAT':
      return { type: { kind: 'float' } };
    case 'DOUBLE':
      return { type: { kind: 'double' } };
    case 'BYTE_ARRAY':
      if (isDecimal) return { type: decimal() };
      if (logical?.type === 'STRING' || logical?.type === 'JSON' || logical?.type === 'ENUM' || converted === 'UTF8' || converted === 'JSON' || converted === 'ENUM') {
        return { type: { kind: 'string' } };
      }
      if (logical?.type === 'GEOMETRY') return { type: { kind: 'geometry' } };
      if (logical?.type === 'GEOGRAPHY') return { type: { kind: 'geography' } };
      return { type: { kind: 'binary' } };
    case 'FIXED_LEN_BYTE_ARRAY':
      if (isDecimal) return { type: decimal() };
      if (logical?.type === 'UUID') return { type: { kind: 'uuid' } };
      return { type: { kind: 'fixed', length: Number(e.type_length) } };
    default:
      return undefined;
  }
}

/**
 * Whether values stored as `stored` can be read as `target`: the same type, an allowed promotion
 * (spec "Schema Evolution"), or the same values in another physical form that writers use
 * (timestamps in another unit or INT96, strings without the UTF8 annotation, uuids without the UUID
 * annotation, timestamps with the other UTC flag).
 */
export function canRead(stored: StoredType, target: PrimitiveType): boolean {
  const s = stored.type;
  switch (target.kind) {
    case 'unknown':
      return true;
    case 'boolean':
    case 'int':
    case 'float':
    case 'date':
    case 'string':
      return s.kind === target.kind || (target.kind === 'string' && s.kind === 'binary');
    case 'long':
      return s.kind === 'long' || s.kind === 'int';
    case 'double':
      return s.kind === 'double' || s.kind === 'float';
    case 'decimal':
      return s.kind === 'decimal' && s.scale === target.scale && s.precision <= target.precision;
    case 'time':
      return s.kind === 'time';
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return s.kind === 'date' || s.kind === 'timestamp' || s.kind === 'timestamptz' || s.kind === 'timestamp_ns' || s.kind === 'timestamptz_ns';
    case 'uuid':
      return s.kind === 'uuid' || (s.kind === 'fixed' && s.length === 16);
    case 'fixed':
      return (s.kind === 'fixed' && s.length === target.length) || (s.kind === 'uuid' && target.length === 16);
    case 'binary':
      return s.kind === 'binary' || s.kind === 'fixed' || s.kind === 'string' || s.kind === 'uuid';
    case 'geometry':
    case 'geography':
      return s.kind === target.kind || s.kind === 'binary';
    case 'variant':
      return false;
  }
}

// -------------------------------------------------------------------------------------------------
// Projection
// -------------------------------------------------------------------------------------------------

/** Maps the read fields onto one file's columns. */
export function projectFile(options: ProjectFileOptions): FileProjection {
  const where = options.where ?? 'data file';
  const root = options.footer.root;
  let byNameMapping = false;
  let ids: IdLookup;
  if (options.footer.hasFieldIds) {
    ids = fieldIdLookup;
  } else if (options.nameMapping !== undefined) {
    ids = nameMappingLookup(options.nameMapping);
    byNameMapping = true;
  } else {
    throw new LakeError(
      'INVALID_METADATA',
      `${where} has no Parquet field ids and the table has no name mapping (schema.name-mapping.default) to read it with`,
      { context: { file: where } },
    );
  }
  const constants = options.partitionConstants ?? new Map<number, unknown>();
  const ctx: Ctx = { ids, constants, where };
  const topLevel = ids(root, options.nameMapping);
  const used = new Set<ParquetSchemaNode>();
  const columns = options.fields.map((f) => {
    const node = topLevel.get(f.id);
    if (node !== undefined && f.type.kind !== 'unknown') used.add(node);
    return project(f, node, ctx, topLevel.mapping(f.id));
  });
  return { columns, fileColumns: root.children.filter((n) => used.has(n)), byNameMapping };
}

interface Ctx {
  ids: IdLookup;
  constants: ReadonlyMap<number, unknown>;
  where: string;
}

/** Children of a struct-like group by field id, plus the name-mapping entry for a child id. */
interface ChildIndex {
  get(id: number): ParquetSchemaNode | undefined;
  mapping(id: number): MappedField[] | undefined;
}

type IdLookup = (group: ParquetSchemaNode, mapping: MappedField[] | undefined) => ChildIndex;

const NO_MAPPING = (): undefined => undefined;

const fieldIdLookup: IdLookup = (group) => {
  const byId = new Map<number, ParquetSchemaNode>();
  for (const c of group.children) if (c.fieldId !== undefined && !byId.has(c.fieldId)) byId.set(c.fieldId, c);
  return { get: (id) => byId.get(id), mapping: NO_MAPPING };
};

function nameMappingLookup(root: NameMapping): IdLookup {
  return (group, mapping) => {
    const fields = mapping ?? (group.path.length === 0 ? root : undefined);
    const byId = new Map<number, ParquetSchemaNode>();
    const nested = new Map<number, MappedField[] | undefined>();
    for (const c of group.children) {
      const m = fields?.find((f) => f.names.includes(c.name));
      if (m?.fieldId !== undefined && !byId.has(m.fieldId)) {
        byId.set(m.fieldId, c);
        nested.set(m.fieldId, m.fields);
      }
    }
    return { get: (id) => byId.get(id), mapping: (id) => nested.get(id) };
  };
}

function project(field: NestedField, node: ParquetSchemaNode | undefined, ctx: Ctx, mapping: MappedField[] | undefined): Projection {
  if (node === undefined || field.type.kind === 'unknown') return missing(field, ctx);
  const t = field.type;
  if (isPrimitive(t)) {
    if (isGroup(node)) throw mismatch(field, node, ctx, 'a group');
    const stored = storedType(node);
    if (stored === undefined || !canRead(stored, t)) {
      throw mismatch(field, node, ctx, stored === undefined ? `physical type ${String(node.element.type)}` : primitiveToString(stored.type));
    }
    return { kind: 'column', field, type: t, node, stored };
  }
  if (!isGroup(node)) throw mismatch(field, node, ctx, 'a primitive column');
  switch (t.kind) {
    case 'struct': {
      const index = ctx.ids(node, mapping);
      const children = t.fields.map((f) => project(f, index.get(f.id), ctx, index.mapping(f.id)));
      return { kind: 'struct', field, type: t, node, children };
    }
    case 'list': {
      const elementNode = listElement(node);
      if (elementNode === undefined) throw mismatch(field, node, ctx, 'a group that is not a list');
      const elementField: NestedField = { id: t.elementId, name: 'element', required: t.elementRequired, type: t.element };
      // the element is matched by position, as the reference reader does: some writers give it other ids
      const elementMapping = mapping?.find((m) => m.names.includes('element'));
      return { kind: 'list', field, type: t, node, element: project(elementField, elementNode, ctx, elementMapping?.fields) };
    }
    case 'map': {
      const kv = mapKeyValue(node);
      if (kv === undefined) throw mismatch(field, node, ctx, 'a group that is not a map');
      const keyField: NestedField = { id: t.keyId, name: 'key', required: true, type: t.key };
      const valueField: NestedField = { id: t.valueId, name: 'value', required: t.valueRequired, type: t.value };
      const keyMapping = mapping?.find((m) => m.names.includes('key'));
      const valueMapping = mapping?.find((m) => m.names.includes('value'));
      return {
        kind: 'map',
        field,
        type: t,
        node,
        key: project(keyField, kv.key, ctx, keyMapping?.fields),
        value: project(valueField, kv.value, ctx, valueMapping?.fields),
      };
    }
  }
}

function mismatch(field: NestedField, node: ParquetSchemaNode, ctx: Ctx, what: string): LakeError {
  return new LakeError(
    'INVALID_METADATA',
    `column ${node.path.join('.')} of ${ctx.where} is ${what} and cannot be read as field ${field.id} (${field.name}: ${typeToString(field.type)})`,
    { context: { file: ctx.where, fieldId: field.id, column: node.path.join('.') } },
  );
}

/** The value of a field the file does not have (spec "Column Projection"). */
function missing(field: NestedField, ctx: Ctx): ConstantProjection {
  if (field.type.kind !== 'unknown' && ctx.constants.has(field.id)) {
    return { kind: 'constant', field, type: field.type, value: coerceConstant(field.type, ctx.constants.get(field.id)), source: 'partition' };
  }
  // A required field without a column and a default reads as null, as the spec's projection rules
  // say ("return null in all other cases") and other readers do for name-mapped files.
  const value = initialDefault(field);
  return { kind: 'constant', field, type: field.type, value, source: value === null ? 'null' : 'default' };
}

/**
 * A field's `initial-default` in lake's value representation, or null. A struct's non-null
 * default is a struct of its fields' own defaults (spec "Default values").
 */
export function initialDefault(field: NestedField): unknown {
  const json = field.initialDefault;
  if (json === undefined || json === null) return null;
  const t = field.type;
  if (t.kind === 'unknown' || t.kind === 'variant' || t.kind === 'geometry' || t.kind === 'geography') return null;
  if (t.kind === 'struct') {
    const out = new Map<number, unknown>();
    for (const f of t.fields) {
      const v = initialDefault(f);
      if (v !== null) out.set(f.id, v);
    }
    return out;
  }
  return valueFromJson(t, json);
}

/** Partition values as read from manifests may predate a promotion (an int value for a long field). */
function coerceConstant(type: IcebergType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type.kind === 'long' || type.kind === 'time' || type.kind === 'timestamp' || type.kind === 'timestamptz') {
    return typeof value === 'number' ? BigInt(value) : value;
  }
  if (type.kind === 'decimal' && typeof value === 'number') return BigInt(value);
  return value;
}

/**
 * The element node of a Parquet list: the 3-level form `<list> { repeated group list { element } }`
 * and the legacy 2-level forms (spec Appendix A and Parquet's backward-compatibility rules).
 */
export function listElement(node: ParquetSchemaNode): ParquetSchemaNode | undefined {
  if (node.children.length !== 1) return undefined;
  const repeated = node.children[0]!;
  if (repeated.repetition !== 'REPEATED') return undefined;
  if (!isGroup(repeated)) return repeated; // repeated primitive: the element itself
  if (repeated.children.length !== 1) return repeated; // repeated group of several fields: a struct element
  if (repeated.name === 'array' || repeated.name === `${node.name}_tuple`) return repeated;
  return repeated.children[0];
}

/** The key and value nodes of a Parquet map `<map> { repeated group key_value { key; value } }`. */
export function mapKeyValue(node: ParquetSchemaNode): { entries: ParquetSchemaNode; key: ParquetSchemaNode; value: ParquetSchemaNode | undefined } | undefined {
  if (node.children.length !== 1) return undefined;
  const entries = node.children[0]!;
  if (entries.repetition !== 'REPEATED' || !isGroup(entries) || entries.children.length < 1 || entries.children.length > 2) return undefined;
  return { entries, key: entries.children[0]!, value: entries.children[1] };
}

// -------------------------------------------------------------------------------------------------
// Read schemas
// -------------------------------------------------------------------------------------------------

/**
 * The top-level fields of `schema` needed to produce the given field ids: a top-level id selects
 * the whole field; a nested id selects its enclosing structs pruned to what is selected
 * (as the reference implementation's `TypeUtil.select`). Output order follows `ids` for top-level
 * fields; fields named only through nested ids come where first named.
 */
export function selectFields(schema: Pick<Schema, 'fields'>, ids: readonly number[]): NestedField[] {
  const wanted = new Set(ids);
  const order: number[] = [];
  const selected = new Map<number, NestedField>();
  const prune = (f: NestedField): NestedField | undefined => {
    if (wanted.has(f.id)) return f;
    const t = f.type;
    if (t.kind !== 'struct') {
      // lists and maps are selected whole when anything below them is
      return containsAny(t, wanted) ? f : undefined;
    }
    const fields = t.fields.map(prune).filter((x): x is NestedField => x !== undefined);
    if (fields.length === 0) return undefined;
    return { ...f, type: { kind: 'struct', fields } };
  };
  const byTopId = new Map(schema.fields.map((f) => [f.id, f] as const));
  for (const id of ids) {
    const top = byTopId.get(id);
    if (top !== undefined && !selected.has(id)) {
      selected.set(id, top);
      order.push(id);
    }
  }
  for (const f of schema.fields) {
    if (selected.has(f.id)) continue;
    const p = prune(f);
    if (p !== undefined) {
      selected.set(f.id, p);
      order.push(f.id);
    }
  }
  return order.map((id) => selected.get(id)!);
}

function containsAny(t: IcebergType, ids: ReadonlySet<number>): boolean {
  switch (t.kind) {
    case 'struct':
      return t.fields.some((f) => ids.has(f.id) || containsAny(f.type, ids));
    case 'list':
      return ids.has(t.elementId) || containsAny(t.element, ids);
    case 'map':
      return ids.has(t.keyId) || ids.has(t.valueId) || containsAny(t.key, ids) || containsAny(t.value, ids);
    default:
      return false;
  }
}

/** Merges two selections of the same top-level field (union of selected struct fields, schema order kept). */
export function mergeFields(a: NestedField, b: NestedField): NestedField {
  if (a.type.kind !== 'struct' || b.type.kind !== 'struct') return a.type === b.type ? a : fullest(a, b);
  const bById = new Map(b.type.fields.map((f) => [f.id, f] as const));
  const fields: NestedField[] = [];
  for (const f of a.type.fields) {
    const other = bById.get(f.id);
    fields.push(other === undefined ? f : mergeFields(f, other));
    bById.delete(f.id);
  }
  fields.push(...bById.values());
  return { ...a, type: { kind: 'struct', fields } };
}

function fullest(a: NestedField, b: NestedField): NestedField {
  return typeToString(a.type).length >= typeToString(b.type).length ? a : b;
}

// -------------------------------------------------------------------------------------------------
// What a scan reads
// -------------------------------------------------------------------------------------------------

/** The plan parts that decide which columns a scan reads. */
export interface ScanColumnsInput {
  schema: Pick<Schema, 'fields'>;
  projectedFieldIds: readonly number[];
  /** Field ids the row filter references. */
  filterFieldIds?: Iterable<number>;
  /** Equality delete key field ids of every equality delete file the scan applies. */
  equalityFieldIds?: Iterable<number>;
  /** Every schema of the table, to find equality delete columns dropped since (spec "Equality Delete Files"). */
  schemas?: readonly Pick<Schema, 'fields'>[];
}

export interface ScanColumns {
  /** The fields the scan returns, in output order. */
  output: NestedField[];
  /** The fields read from each data file: the output, plus what filters and equality deletes need. */
  read: NestedField[];
}

/**
 * The output and read fields of a scan. An equality delete column no longer in the scan schema
 * is read with its type from the newest schema that still has it: the spec requires dropped
 * delete columns to keep applying.
 */
export function scanColumns(input: ScanColumnsInput): ScanColumns {
  const output = selectFields(input.schema, input.projectedFieldIds);
  const read = new Map<number, NestedField>(output.map((f) => [f.id, f]));
  const inSchema = new Set<number>();
  const known = indexIds(input.schema.fields);
  const extra = [...(input.filterFieldIds ?? []), ...(input.equalityFieldIds ?? [])];
  const missingIds: number[] = [];
  for (const id of extra) {
    if (known.has(id)) inSchema.add(id);
    else missingIds.push(id);
  }
  const add = (f: NestedField): void => {
    const prev = read.get(f.id);
    read.set(f.id, prev === undefined ? f : mergeFields(prev, f));
  };
  if (inSchema.size > 0) selectFields(input.schema, [...inSchema]).forEach(add);
  for (const id of new Set(missingIds)) {
    const older = [...(input.schemas ?? [])].reverse().find((s) => indexIds(s.fields).has(id));
    if (older === undefined) {
      throw new LakeError('INVALID_METADATA', `field id ${id} (an equality delete column) is in no schema of the table`, { context: { fieldId: id } });
    }
    selectFields(older, [id]).forEach(add);
  }
  return { output, read: [...read.values()] };
}

function indexIds(fields: readonly NestedField[]): Set<number> {
  const out = new Set<number>();
  const visit = (t: IcebergType): void => {
    switch (t.kind) {
      case 'struct':
        for (const f of t.fields) {
          out.add(f.id);
          visit(f.type);
        }
        return;
      case 'list':
        out.add(t.elementId);
        visit(t.element);
        return;
      case 'map':
        out.add(t.keyId);
        out.add(t.valueId);
        visit(t.key);
        visit(t.value);
        return;
      default:
        return;
    }
  };
  visit({ kind: 'struct', fields: [...fields] });
  return out;
}

/** Identity-partition values of a data file by source field id (spec "Column Projection"). */
export function identityPartitionConstants(
  spec: { fields: readonly { sourceId: number; transform: { kind: string } }[] },
  partition: readonly unknown[],
): Map<number, unknown> {
  const out = new Map<number, unknown>();
  spec.fields.forEach((f, i) => {
    if (f.transform.kind === 'identity' && i < partition.length) out.set(f.sourceId, partition[i] ?? null);
  });
  return out;
}
