/**
 * Iceberg schema: a struct of fields with table-unique ids (spec "Schemas", JSON in Appendix C).
 * Columns are always resolved by field id; names are only for users.
 */
import { LakeError } from '../errors.js';
import { valueFromJson } from './single-value.js';
import { type IcebergType, type NestedField, type StructType, fieldToJson, isPrimitive, minFormatVersion, parseStruct, typeToString } from './types.js';

export interface Schema {
  schemaId: number;
  fields: NestedField[];
  identifierFieldIds: number[];
}

/** One field reachable in a schema, with its full dotted name and the id path from the root. */
export interface IndexedField {
  field: NestedField;
  /** Dotted name from the root; list elements are `<list>.element`, map parts `<map>.key` / `<map>.value`. */
  path: string;
  /** Ids of the enclosing fields, root first, not including this field. */
  parents: number[];
}

export function parseSchema(json: unknown): Schema {
  if (json === null || typeof json !== 'object') throw new LakeError('INVALID_METADATA', 'schema must be a JSON object');
  const o = json as Record<string, unknown>;
  const struct = parseStruct(o);
  const ids = o['identifier-field-ids'];
  const schemaId = o['schema-id'];
  if (ids !== undefined && ids !== null && !Array.isArray(ids)) throw new LakeError('INVALID_METADATA', 'identifier-field-ids must be a list');
  const toInt = (v: unknown, what: string): number => {
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new LakeError('INVALID_METADATA', `${what} must be an integer, got ${String(v)}`);
    return n;
  };
  return {
    schemaId: schemaId === undefined || schemaId === null ? 0 : toInt(schemaId, 'schema-id'),
    fields: struct.fields,
    identifierFieldIds: Array.isArray(ids) ? ids.map((v) => toInt(v, 'identifier field id')) : [],
  };
}

export function schemaToJson(s: Schema): Record<string, unknown> {
  const o: Record<string, unknown> = { type: 'struct', 'schema-id': s.schemaId };
  if (s.identifierFieldIds.length > 0) o['identifier-field-ids'] = [...s.identifierFieldIds];
  o.fields = s.fields.map(fieldToJson);
  return o;
}

export function schemaStruct(s: Schema): StructType {
  return { kind: 'struct', fields: s.fields };
}

/** Visits every field (struct fields, list elements, map keys and values) depth first. */
export function indexSchema(s: Schema | StructType): Map<number, IndexedField> {
  const out = new Map<number, IndexedField>();
  const visit = (t: IcebergType, prefix: string, parents: number[]): void => {
    if (isPrimitive(t)) return;
    if (t.kind === 'struct') {
      for (const f of t.fields) add(f, prefix === '' ? f.name : `${prefix}.${f.name}`, parents);
    } else if (t.kind === 'list') {
      add({ id: t.elementId, name: 'element', required: t.elementRequired, type: t.element }, `${prefix}.element`, parents);
    } else {
      add({ id: t.keyId, name: 'key', required: true, type: t.key }, `${prefix}.key`, parents);
      add({ id: t.valueId, name: 'value', required: t.valueRequired, type: t.value }, `${prefix}.value`, parents);
    }
  };
  const add = (f: NestedField, path: string, parents: number[]): void => {
    if (out.has(f.id)) throw new LakeError('INVALID_METADATA', `duplicate field id ${f.id} (${out.get(f.id)!.path} and ${path})`);
    out.set(f.id, { field: f, path, parents });
    visit(f.type, path, [...parents, f.id]);
  };
  visit('kind' in s ? s : schemaStruct(s), '', []);
  return out;
}

/** Finds a field by id anywhere in the schema. */
export function findField(s: Schema, id: number): NestedField | undefined {
  return indexSchema(s).get(id)?.field;
}

/**
 * Finds a field by its dotted name (`a`, `point.x`, `tags.element`). Exact match first; when
 * `caseSensitive` is false, a unique case-insensitive match.
 */
export function findFieldByName(s: Schema, name: string, caseSensitive = true): NestedField | undefined {
  const idx = indexSchema(s);
  for (const e of idx.values()) if (e.path === name) return e.field;
  if (caseSensitive) return undefined;
  const lower = name.toLowerCase();
  const hits = [...idx.values()].filter((e) => e.path.toLowerCase() === lower);
  if (hits.length > 1) throw new LakeError('INVALID_INPUT', `column name "${name}" is ambiguous: ${hits.map((h) => h.path).join(', ')}`);
  return hits[0]?.field;
}

/** Highest field id used anywhere in the schema (0 for an empty schema). */
export function highestFieldId(s: Schema | StructType): number {
  let max = 0;
  for (const id of indexSchema(s).keys()) if (id > max) max = id;
  return max;
}

/** Full dotted name of a field by id (`point.x`, `tags.element`), as the reference implementation names columns. */
export function findColumnName(s: Schema, id: number): string | undefined {
  return indexSchema(s).get(id)?.path;
}

/** Field ids above this are reserved for metadata columns (spec "Reserved Field IDs"). */
export const MAX_FIELD_ID = 2147483447;

export interface ValidateSchemaOptions {
  /** The table's format version; v3 types and non-null defaults need 3. Default 2. */
  formatVersion?: number;
  /** The schema was read from table metadata (errors are INVALID_METADATA) rather than given by a user. */
  existing?: boolean;
}

/**
 * Checks the spec's rules for a schema: unique field ids within the non-reserved range, unique
 * full names, identifier fields that exist and are required primitives (not float or double),
 * not inside a list, map or optional struct; types and non-null defaults allowed by the format
 * version; `unknown` columns optional; null defaults for unknown, variant, geometry and geography;
 * struct defaults empty; and defaults that parse as their field's type.
 */
export function validateSchema(s: Schema, options: ValidateSchemaOptions = {}): void {
  const formatVersion = options.formatVersion ?? 2;
  const code = options.existing ? 'INVALID_METADATA' : 'INVALID_INPUT';
  const problems: string[] = [];
  let idx: Map<number, IndexedField>;
  try {
    idx = indexSchema(s);
  } catch (e) {
    throw new LakeError(code, `invalid schema ${s.schemaId}: ${(e as Error).message}`, { cause: e });
  }
  const names = new Map<string, number>();
  for (const [id, e] of idx) {
    const f = e.field;
    if (id < 0 || id > MAX_FIELD_ID) problems.push(`field ${e.path} has id ${id}, outside 0..${MAX_FIELD_ID}`);
    if (f.name === '') problems.push(`field ${id} has an empty name`);
    const other = names.get(e.path);
    if (other !== undefined) problems.push(`fields ${other} and ${id} have the same name ${e.path}`);
    names.set(e.path, id);
    if (isPrimitive(f.type)) {
      const min = minFormatVersion(f.type);
      if (formatVersion < min) problems.push(`type ${typeToString(f.type)} of ${e.path} needs format version ${min}`);
      if (f.type.kind === 'unknown' && f.required) problems.push(`field ${e.path} of type unknown must be optional`);
    }
    for (const [key, value] of [['initial-default', f.initialDefault], ['write-default', f.writeDefault]] as const) {
      if (value === undefined || value === null) continue;
      if (formatVersion < 3) {
        problems.push(`${key} of ${e.path} needs format version 3`);
        continue;
      }
      const kind = f.type.kind;
      if (kind === 'unknown' || kind === 'variant' || kind === 'geometry' || kind === 'geography') {
        problems.push(`${key} of ${e.path} must be null for type ${kind}`);
      } else if (kind === 'struct') {
        if (typeof value !== 'object' || Array.isArray(value) || Object.keys(value as object).length > 0) {
          problems.push(`${key} of struct ${e.path} must be null or {} (field defaults belong to the fields)`);
        }
      } else {
        try {
          valueFromJson(f.type, value);
        } catch (err) {
          problems.push(`${key} of ${e.path} is not a valid ${typeToString(f.type)}: ${(err as Error).message}`);
        }
      }
    }
  }
  for (const id of s.identifierFieldIds) {
    const e = idx.get(id);
    if (e === undefined) {
      problems.push(`identifier field ${id} does not exist`);
      continue;
    }
    const f = e.field;
    if (!isPrimitive(f.type)) problems.push(`identifier field ${e.path} is not a primitive type`);
    else if (f.type.kind === 'float' || f.type.kind === 'double') problems.push(`identifier field ${e.path} must not be float or double`);
    if (!f.required) problems.push(`identifier field ${e.path} must be required`);
    for (const pid of e.parents) {
      const p = idx.get(pid)!;
      if (p.field.type.kind !== 'struct') problems.push(`identifier field ${e.path} must not be nested in a ${p.field.type.kind}`);
      else if (!p.field.required) problems.push(`identifier field ${e.path} must not be nested in optional struct ${p.path}`);
    }
  }
  if (problems.length > 0) {
    throw new LakeError(code, `invalid schema ${s.schemaId}: ${problems.join('; ')}`, { context: { problems } });
  }
}
