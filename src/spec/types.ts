/**
 * Iceberg data types (spec "Schemas and Data Types", JSON form in Appendix C).
 *
 * In-memory value representation used everywhere in lake (partition values, bounds, literals,
 * defaults once decoded):
 *   boolean -> boolean; int, date -> number; long, time, timestamp(tz), timestamp(tz)_ns -> bigint;
 *   float, double -> number; decimal(P,S) -> bigint (the unscaled value; the scale is in the type);
 *   string -> string; uuid -> string (lowercase, dashed); fixed[L], binary -> Uint8Array;
 *   geometry, geography -> Uint8Array (WKB); variant, unknown -> not representable as a single value.
 * Nested values (defaults in the JSON single-value form, see single-value.ts): struct ->
 *   Map<fieldId, value> holding the non-null fields; list -> array; map -> Map<key, value>.
 */
import { LakeError } from '../errors.js';

export type PrimitiveType =
  | { kind: 'unknown' }
  | { kind: 'boolean' }
  | { kind: 'int' }
  | { kind: 'long' }
  | { kind: 'float' }
  | { kind: 'double' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'date' }
  | { kind: 'time' }
  | { kind: 'timestamp' }
  | { kind: 'timestamptz' }
  | { kind: 'timestamp_ns' }
  | { kind: 'timestamptz_ns' }
  | { kind: 'string' }
  | { kind: 'uuid' }
  | { kind: 'fixed'; length: number }
  | { kind: 'binary' }
  | { kind: 'variant' }
  | { kind: 'geometry'; crs?: string }
  | { kind: 'geography'; crs?: string; algorithm?: string };

export type PrimitiveKind = PrimitiveType['kind'];

export interface NestedField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
  /** JSON single-value form (Appendix D), kept as read so metadata round-trips exactly. */
  initialDefault?: unknown;
  /** JSON single-value form (Appendix D). */
  writeDefault?: unknown;
}

export interface StructType {
  kind: 'struct';
  fields: NestedField[];
}

export interface ListType {
  kind: 'list';
  elementId: number;
  elementRequired: boolean;
  element: IcebergType;
}

export interface MapType {
  kind: 'map';
  keyId: number;
  key: IcebergType;
  valueId: number;
  valueRequired: boolean;
  value: IcebergType;
}

export type NestedType = StructType | ListType | MapType;
export type IcebergType = PrimitiveType | NestedType;

const SIMPLE: ReadonlySet<string> = new Set([
  'unknown', 'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz',
  'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary', 'variant',
]);

export function isPrimitive(t: IcebergType): t is PrimitiveType {
  return t.kind !== 'struct' && t.kind !== 'list' && t.kind !== 'map';
}

export function isNested(t: IcebergType): t is NestedType {
  return !isPrimitive(t);
}

/** Parses a primitive type string such as `decimal(9, 2)` or `fixed[16]` (whitespace tolerated). */
export function parsePrimitiveType(text: string): PrimitiveType {
  const s = text.trim();
  const lower = s.toLowerCase();
  if (SIMPLE.has(lower)) return { kind: lower } as PrimitiveType;
  let m = /^decimal\s*\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/i.exec(s);
  if (m) {
    const precision = Number(m[1]);
    const scale = Number(m[2]);
    if (precision < 1 || precision > 38) {
      throw new LakeError('INVALID_METADATA', `decimal precision must be 1..38, got ${precision} in "${text}"`);
    }
    return { kind: 'decimal', precision, scale };
  }
  m = /^fixed\s*\[\s*(\d+)\s*\]$/i.exec(s);
  if (m) {
    const length = Number(m[1]);
    if (length < 1) throw new LakeError('INVALID_METADATA', `fixed length must be positive in "${text}"`);
    return { kind: 'fixed', length };
  }
  m = /^geometry\s*(?:\(\s*([^)]*?)\s*\))?$/i.exec(s);
  if (m) return m[1] ? { kind: 'geometry', crs: m[1] } : { kind: 'geometry' };
  m = /^geography\s*(?:\(\s*([^,)]*?)\s*(?:,\s*([^)]*?)\s*)?\))?$/i.exec(s);
  if (m) {
    const t: PrimitiveType = { kind: 'geography' };
    if (m[1]) t.crs = m[1];
    if (m[2]) t.algorithm = m[2];
    return t;
  }
  throw new LakeError('INVALID_METADATA', `unknown Iceberg type "${text}"`);
}

/**
 * The type string of a primitive (Appendix C), as the reference implementation and PyIceberg write
 * it (`decimal(9, 2)` with a space, which every reader accepts), so metadata round-trips unchanged.
 */
export function primitiveToString(t: PrimitiveType): string {
  switch (t.kind) {
    case 'decimal':
      return `decimal(${t.precision}, ${t.scale})`;
    case 'fixed':
      return `fixed[${t.length}]`;
    case 'geometry':
      return t.crs === undefined ? 'geometry' : `geometry(${t.crs})`;
    case 'geography':
      if (t.crs === undefined) return 'geography';
      return t.algorithm === undefined ? `geography(${t.crs})` : `geography(${t.crs}, ${t.algorithm})`;
    default:
      return t.kind;
  }
}

/** Human-readable type string, nested types included (`list<string>`, `map<string,int>`). */
export function typeToString(t: IcebergType): string {
  switch (t.kind) {
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}:${typeToString(f.type)}`).join(', ')}>`;
    case 'list':
      return `list<${typeToString(t.element)}>`;
    case 'map':
      return `map<${typeToString(t.key)},${typeToString(t.value)}>`;
    default:
      return primitiveToString(t);
  }
}

function need<T>(cond: T | undefined | null, what: string): T {
  if (cond === undefined || cond === null) throw new LakeError('INVALID_METADATA', `missing ${what}`);
  return cond;
}

function asBool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new LakeError('INVALID_METADATA', `${what} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function asInt(v: unknown, what: string): number {
  if (typeof v === 'bigint') v = Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new LakeError('INVALID_METADATA', `${what} must be an integer`);
  return v;
}

/** Parses the Appendix C JSON form of a type. */
export function parseType(json: unknown): IcebergType {
  if (typeof json === 'string') return parsePrimitiveType(json);
  if (json === null || typeof json !== 'object') throw new LakeError('INVALID_METADATA', `invalid type JSON: ${String(json)}`);
  const o = json as Record<string, unknown>;
  switch (o.type) {
    case 'struct':
      return parseStruct(o);
    case 'list':
      return {
        kind: 'list',
        elementId: asInt(need(o['element-id'], 'list element-id'), 'element-id'),
        elementRequired: asBool(need(o['element-required'], 'list element-required'), 'element-required'),
        element: parseType(need(o.element, 'list element')),
      };
    case 'map':
      return {
        kind: 'map',
        keyId: asInt(need(o['key-id'], 'map key-id'), 'key-id'),
        key: parseType(need(o.key, 'map key')),
        valueId: asInt(need(o['value-id'], 'map value-id'), 'value-id'),
        valueRequired: asBool(need(o['value-required'], 'map value-required'), 'value-required'),
        value: parseType(need(o.value, 'map value')),
      };
    default:
      throw new LakeError('INVALID_METADATA', `invalid type JSON: unknown "type" ${JSON.stringify(o.type)}`);
  }
}

export function parseStruct(o: Record<string, unknown>): StructType {
  const fields = need(o.fields, 'struct fields');
  if (!Array.isArray(fields)) throw new LakeError('INVALID_METADATA', 'struct fields must be a list');
  return { kind: 'struct', fields: fields.map(parseField) };
}

function parseField(json: unknown): NestedField {
  if (json === null || typeof json !== 'object') throw new LakeError('INVALID_METADATA', 'struct field must be an object');
  const o = json as Record<string, unknown>;
  const name = need(o.name, 'field name');
  if (typeof name !== 'string') throw new LakeError('INVALID_METADATA', `field name must be a string, got ${JSON.stringify(name)}`);
  const f: NestedField = {
    id: asInt(need(o.id, `id of field ${name}`), `id of field ${name}`),
    name,
    required: asBool(need(o.required, `required flag of field ${name}`), `required flag of field ${name}`),
    type: parseType(need(o.type, `type of field ${String(o.name)}`)),
  };
  if (typeof o.doc === 'string') f.doc = o.doc;
  if ('initial-default' in o) f.initialDefault = o['initial-default'];
  if ('write-default' in o) f.writeDefault = o['write-default'];
  return f;
}

/** The Appendix C JSON form of a type. */
export function typeToJson(t: IcebergType): unknown {
  switch (t.kind) {
    case 'struct':
      return { type: 'struct', fields: t.fields.map(fieldToJson) };
    case 'list':
      return { type: 'list', 'element-id': t.elementId, element: typeToJson(t.element), 'element-required': t.elementRequired };
    case 'map':
      return {
        type: 'map',
        'key-id': t.keyId,
        key: typeToJson(t.key),
        'value-id': t.valueId,
        value: typeToJson(t.value),
        'value-required': t.valueRequired,
      };
    default:
      return primitiveToString(t);
  }
}

export function fieldToJson(f: NestedField): Record<string, unknown> {
  const o: Record<string, unknown> = { id: f.id, name: f.name, required: f.required, type: typeToJson(f.type) };
  if (f.doc !== undefined) o.doc = f.doc;
  if (f.initialDefault !== undefined) o['initial-default'] = f.initialDefault;
  if (f.writeDefault !== undefined) o['write-default'] = f.writeDefault;
  return o;
}

/** Structural equality of two types (field names, ids, requiredness, docs and defaults included). */
export function typesEqual(a: IcebergType, b: IcebergType): boolean {
  // Defaults are kept as parsed JSON, which may hold bigint for large integers.
  const text = (t: IcebergType): string =>
    JSON.stringify(typeToJson(t), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v));
  return text(a) === text(b);
}

/**
 * Whether a column of type `from` may be changed to `to` (spec "Schema Evolution"): int -> long,
 * float -> double, decimal(P,S) -> decimal(P',S) with P' >= P, and from v3 date -> timestamp or
 * timestamp_ns and unknown -> any type. An unchanged type is allowed.
 */
export function isPromotionAllowed(from: PrimitiveType, to: PrimitiveType, formatVersion: number): boolean {
  if (primitiveToString(from) === primitiveToString(to)) return true;
  switch (from.kind) {
    case 'int':
      return to.kind === 'long';
    case 'float':
      return to.kind === 'double';
    case 'decimal':
      return to.kind === 'decimal' && to.scale === from.scale && to.precision >= from.precision;
    case 'date':
      return formatVersion >= 3 && (to.kind === 'timestamp' || to.kind === 'timestamp_ns');
    case 'unknown':
      return formatVersion >= 3;
    default:
      return false;
  }
}

/** Minimum format version in which a primitive type may be used. */
export function minFormatVersion(t: PrimitiveType): number {
  switch (t.kind) {
    case 'unknown':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'variant':
    case 'geometry':
    case 'geography':
      return 3;
    default:
      return 1;
  }
}
