/**
 * Name mapping (spec "Column Projection" and Appendix C "Name Mapping Serialization"): maps column
 * names in data files written without field ids to field ids. Stored as JSON in the table property
 * `schema.name-mapping.default`.
 */
import { LakeError, type LakeErrorCode } from '../errors.js';
import { JsonFields, describe, parseJson, stringifyJson } from '../util/json.js';
import type { Schema } from './schema.js';
import { type IcebergType, isPrimitive } from './types.js';

export interface MappedField {
  /** Absent when these names are known to map to no field. */
  fieldId?: number;
  /** Names (aliases) under which the field may appear in a data file. */
  names: string[];
  /** Mapping of the nested fields (struct fields, `element`, `key`/`value`). */
  fields?: MappedField[];
}

export type NameMapping = MappedField[];

/**
 * Parses a name mapping from its JSON text or parsed JSON. The spec form is a list of field
 * mappings; an object with a `fields` list (written by some tools, e.g. duckdb-iceberg test tables)
 * is accepted too.
 */
export function parseNameMapping(json: unknown, code: LakeErrorCode = 'INVALID_METADATA'): NameMapping {
  const value = typeof json === 'string' ? parseJson(json, { errorCode: code }) : json;
  const mapping = parseFields(value, 'name mapping', code);
  indexById(mapping, code);
  return mapping;
}

function parseFields(value: unknown, where: string, code: LakeErrorCode): MappedField[] {
  let list = value;
  if (list !== null && typeof list === 'object' && !Array.isArray(list) && Array.isArray((list as Record<string, unknown>).fields)) {
    list = (list as Record<string, unknown>).fields;
  }
  if (!Array.isArray(list)) throw new LakeError(code, `${where} must be a list of field mappings, got ${describe(value)}`);
  return list.map((item, i) => {
    const f = new JsonFields(item, `${where} entry ${i}`, code);
    const out: MappedField = { names: f.has('names') ? [...new Set(f.strList('names'))] : [] };
    const id = f.optInt('field-id');
    if (id !== undefined) out.fieldId = id;
    if (f.has('fields')) out.fields = parseFields(f.obj.fields, `${where} field ${id ?? '?'}`, code);
    return out;
  });
}

/** The spec JSON form (a list), keys in the reference implementation's order. */
export function nameMappingToJson(mapping: NameMapping): unknown[] {
  return mapping.map((f) => {
    const o: Record<string, unknown> = {};
    if (f.fieldId !== undefined) o['field-id'] = f.fieldId;
    o.names = [...f.names];
    if (f.fields !== undefined) o.fields = nameMappingToJson(f.fields);
    return o;
  });
}

/** The JSON text stored in `schema.name-mapping.default`. */
export function serializeNameMapping(mapping: NameMapping): string {
  return stringifyJson(nameMappingToJson(mapping));
}

/** A mapping that uses each field's current name, as the reference implementation's `MappingUtil.create`. */
export function nameMappingFromSchema(schema: Schema): NameMapping {
  const nested = (t: IcebergType): MappedField[] | undefined => {
    if (isPrimitive(t)) return undefined;
    switch (t.kind) {
      case 'struct':
        return t.fields.map((f) => withNested({ fieldId: f.id, names: [f.name] }, nested(f.type)));
      case 'list':
        return [withNested({ fieldId: t.elementId, names: ['element'] }, nested(t.element))];
      case 'map':
        return [
          withNested({ fieldId: t.keyId, names: ['key'] }, nested(t.key)),
          withNested({ fieldId: t.valueId, names: ['value'] }, nested(t.value)),
        ];
    }
  };
  return nested({ kind: 'struct', fields: schema.fields }) ?? [];
}

function withNested(f: MappedField, fields: MappedField[] | undefined): MappedField {
  if (fields !== undefined) f.fields = fields;
  return f;
}

function indexById(mapping: NameMapping, code: LakeErrorCode): Map<number, MappedField> {
  const out = new Map<number, MappedField>();
  const visit = (fields: MappedField[]): void => {
    for (const f of fields) {
      if (f.fieldId !== undefined) {
        if (out.has(f.fieldId)) throw new LakeError(code, `invalid name mapping: field id ${f.fieldId} is not unique`);
        out.set(f.fieldId, f);
      }
      if (f.fields !== undefined) visit(f.fields);
    }
  };
  visit(mapping);
  return out;
}

/**
 * Index by every dotted name path (each alias combination: `location.lat`, `location.latitude`,
 * ...), as the reference implementation's `MappingUtil.indexByName`.
 */
export function indexNameMapping(mapping: NameMapping): Map<string, MappedField> {
  const out = new Map<string, MappedField>();
  const visit = (fields: MappedField[]): Map<string, MappedField> => {
    const level = new Map<string, MappedField>();
    for (const f of fields) {
      if (f.fields !== undefined) {
        const nested = visit(f.fields);
        for (const name of f.names) for (const [sub, mf] of nested) level.set(`${name}.${sub}`, mf);
      }
      for (const name of f.names) level.set(name, f);
    }
    return level;
  };
  for (const [k, v] of visit(mapping)) out.set(k, v);
  return out;
}

/**
 * Finds the mapping for a name path, e.g. `['location', 'lat']`, walking level by level (so a
 * dot inside a column name is matched exactly).
 */
export function findMappedField(mapping: NameMapping, path: readonly string[]): MappedField | undefined {
  let fields: MappedField[] | undefined = mapping;
  let found: MappedField | undefined;
  for (const name of path) {
    if (fields === undefined) return undefined;
    found = fields.find((f) => f.names.includes(name));
    if (found === undefined) return undefined;
    fields = found.fields;
  }
  return found;
}

/** The field id for a name path, or undefined when the mapping has none. */
export function fieldIdForNamePath(mapping: NameMapping, path: readonly string[]): number | undefined {
  return findMappedField(mapping, path)?.fieldId;
}

/** The table's default name mapping from its properties, or undefined when not set. */
export function nameMappingOf(properties: Readonly<Record<string, string>>): NameMapping | undefined {
  const raw = Object.prototype.hasOwnProperty.call(properties, 'schema.name-mapping.default')
    ? properties['schema.name-mapping.default']
    : undefined;
  return raw === undefined ? undefined : parseNameMapping(raw);
}
