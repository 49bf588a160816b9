/**
 * Iceberg schema: a struct of fields with table-unique ids (spec "Schemas", JSON in Appendix C).
 * Columns are always resolved by field id; names are only for users.
 */
import { LakeError } from '../errors.js';
import { type IcebergType, type NestedField, type StructType, fieldToJson, isPrimitive, parseStruct } from './types.js';

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
  return {
    schemaId: schemaId === undefined || schemaId === null ? 0 : Number(schemaId),
    fields: struct.fields,
    identifierFieldIds: Array.isArray(ids) ? ids.map(Number) : [],
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
