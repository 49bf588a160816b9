/**
 * Iceberg schemas as Arrow schemas and back. Every Arrow field carries its Iceberg field id in the
 * `PARQUET:field_id` metadata key (the convention of Arrow's Parquet writers, PyIceberg and
 * parquet-wasm), nested fields included; required Iceberg fields are non-nullable Arrow fields.
 *
 * Types: boolean Bool, int Int32, long Int64, float Float32, double Float64, decimal(P,S)
 * Decimal128(P,S), date Date32, time Time64(us), timestamp Timestamp(us), timestamptz
 * Timestamp(us, UTC), timestamp_ns / timestamptz_ns Timestamp(ns[, UTC]), string Utf8, uuid
 * FixedSizeBinary(16) tagged with the `arrow.uuid` extension name, fixed[L] FixedSizeBinary(L), binary Binary, struct Struct, list
 * List<element>, map Map<key, value>, unknown Null; variant, geometry and geography Binary.
 */
import * as arrow from 'apache-arrow';
import { LakeError } from '../errors.js';
import type { Schema } from '../spec/schema.js';
import { type IcebergType, type NestedField, type PrimitiveType, isPrimitive, typeToString } from '../spec/types.js';

export const FIELD_ID_KEY = 'PARQUET:field_id';

/** Arrow's canonical extension type for UUIDs (a 16-byte fixed-size binary). */
export const UUID_EXTENSION = 'arrow.uuid';
const EXTENSION_KEY = 'ARROW:extension:name';

function meta(id: number, t?: IcebergType): Map<string, string> {
  const m = new Map([[FIELD_ID_KEY, String(id)]]);
  if (t?.kind === 'uuid') m.set(EXTENSION_KEY, UUID_EXTENSION);
  return m;
}

/** The Arrow type of an Iceberg primitive type. */
export function arrowPrimitiveType(t: PrimitiveType): arrow.DataType {
  switch (t.kind) {
    case 'boolean':
      return new arrow.Bool();
    case 'int':
      return new arrow.Int32();
    case 'long':
      return new arrow.Int64();
    case 'float':
      return new arrow.Float32();
    case 'double':
      return new arrow.Float64();
    case 'decimal':
      return new arrow.Decimal(t.scale, t.precision, 128);
    case 'date':
      return new arrow.DateDay();
    case 'time':
      return new arrow.TimeMicrosecond();
    case 'timestamp':
      return new arrow.TimestampMicrosecond();
    case 'timestamptz':
      return new arrow.TimestampMicrosecond('UTC');
    case 'timestamp_ns':
      return new arrow.TimestampNanosecond();
    case 'timestamptz_ns':
      return new arrow.TimestampNanosecond('UTC');
    case 'string':
      return new arrow.Utf8();
    case 'uuid':
      return new arrow.FixedSizeBinary(16);
    case 'fixed':
      return new arrow.FixedSizeBinary(t.length);
    case 'unknown':
      return new arrow.Null();
    case 'binary':
    case 'variant':
    case 'geometry':
    case 'geography':
      return new arrow.Binary();
  }
}

/** The Arrow type of an Iceberg type, nested fields carrying their field ids. */
export function arrowType(t: IcebergType): arrow.DataType {
  if (isPrimitive(t)) return arrowPrimitiveType(t);
  switch (t.kind) {
    case 'struct':
      return new arrow.Struct(t.fields.map(arrowField));
    case 'list':
      return new arrow.List(new arrow.Field('element', arrowType(t.element), !t.elementRequired, meta(t.elementId, t.element)));
    case 'map': {
      const entries = new arrow.Struct([
        new arrow.Field('key', arrowType(t.key), false, meta(t.keyId, t.key)),
        new arrow.Field('value', arrowType(t.value), !t.valueRequired, meta(t.valueId, t.value)),
      ]);
      return new arrow.Map_(new arrow.Field('entries', entries, false));
    }
  }
}

export function arrowField(f: NestedField): arrow.Field {
  return new arrow.Field(f.name, arrowType(f.type), !f.required, meta(f.id, f.type));
}

/** The Arrow schema of an Iceberg schema (top-level fields in order). */
export function arrowSchema(schema: Schema | { fields: readonly NestedField[] }): arrow.Schema {
  return new arrow.Schema(schema.fields.map(arrowField));
}

/** The Iceberg field id stored on an Arrow field, if any. */
export function arrowFieldId(f: arrow.Field): number | undefined {
  const raw = f.metadata.get(FIELD_ID_KEY);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) ? n : undefined;
}

export interface FromArrowOptions {
  /** Ids for fields without `PARQUET:field_id`; default: such fields are an error. */
  nextId?: () => number;
}

/** The Iceberg type of an Arrow type (the inverse of `arrowType`, plus common Arrow types that widen). */
export function icebergTypeOfArrow(t: arrow.DataType, name: string, o: FromArrowOptions = {}): IcebergType {
  const T = arrow.Type;
  switch (t.typeId) {
    case T.Null:
      return { kind: 'unknown' };
    case T.Bool:
      return { kind: 'boolean' };
    case T.Int: {
      const i = t as arrow.Int;
      if (i.isSigned ? i.bitWidth <= 32 : i.bitWidth <= 16) return { kind: 'int' };
      if (i.isSigned || i.bitWidth <= 32) return { kind: 'long' };
      break;
    }
    case T.Float: {
      const p = (t as arrow.Float).precision;
      if (p === arrow.Precision.SINGLE) return { kind: 'float' };
      if (p === arrow.Precision.DOUBLE) return { kind: 'double' };
      break;
    }
    case T.Decimal: {
      const d = t as arrow.Decimal;
      return { kind: 'decimal', precision: d.precision, scale: d.scale };
    }
    case T.Date:
      return { kind: 'date' };
    case T.Time:
      if ((t as arrow.Time).unit !== arrow.TimeUnit.NANOSECOND) return { kind: 'time' };
      break;
    case T.Timestamp: {
      const ts = t as arrow.Timestamp;
      const tz = ts.timezone !== null && ts.timezone !== undefined && ts.timezone !== '';
      if (ts.unit === arrow.TimeUnit.NANOSECOND) return { kind: tz ? 'timestamptz_ns' : 'timestamp_ns' };
      return { kind: tz ? 'timestamptz' : 'timestamp' };
    }
    case T.Utf8:
    case T.LargeUtf8:
      return { kind: 'string' };
    case T.Binary:
    case T.LargeBinary:
      return { kind: 'binary' };
    case T.FixedSizeBinary:
      return { kind: 'fixed', length: (t as arrow.FixedSizeBinary).byteWidth };
    case T.Dictionary:
      return icebergTypeOfArrow((t as arrow.Dictionary).dictionary, name, o);
    case T.Struct:
      return { kind: 'struct', fields: (t as arrow.Struct).children.map((c) => icebergFieldOfArrow(c, `${name}.${c.name}`, o)) };
    case T.List:
    case T.LargeList: {
      const el = (t as arrow.List).children[0]!;
      return { kind: 'list', elementId: idOf(el, `${name}.element`, o), elementRequired: !el.nullable, element: typeOfField(el, `${name}.element`, o) };
    }
    case T.Map: {
      const entries = (t as arrow.Map_).children[0]!.type as arrow.Struct;
      const [k, v] = entries.children as [arrow.Field, arrow.Field];
      return {
        kind: 'map',
        keyId: idOf(k, `${name}.key`, o),
        key: typeOfField(k, `${name}.key`, o),
        valueId: idOf(v, `${name}.value`, o),
        valueRequired: !v.nullable,
        value: typeOfField(v, `${name}.value`, o),
      };
    }
  }
  throw new LakeError('INVALID_INPUT', `column ${name}: Arrow type ${String(t)} has no Iceberg type`, { context: { column: name } });
}

function idOf(f: arrow.Field, name: string, o: FromArrowOptions): number {
  const id = arrowFieldId(f);
  if (id !== undefined) return id;
  if (o.nextId !== undefined) return o.nextId();
  throw new LakeError('INVALID_INPUT', `Arrow field ${name} has no ${FIELD_ID_KEY} metadata`, { context: { column: name } });
}

function icebergFieldOfArrow(f: arrow.Field, name: string, o: FromArrowOptions): NestedField {
  const id = idOf(f, name, o);
  return { id, name: f.name, required: !f.nullable, type: typeOfField(f, name, o) };
}

/** The Iceberg type of an Arrow field (16-byte binaries tagged `arrow.uuid` are uuids). */
function typeOfField(f: arrow.Field, name: string, o: FromArrowOptions): IcebergType {
  if (f.metadata.get(EXTENSION_KEY) === UUID_EXTENSION && f.type.typeId === arrow.Type.FixedSizeBinary) return { kind: 'uuid' };
  return icebergTypeOfArrow(f.type, name, o);
}

/**
 * The Iceberg schema of an Arrow schema: field ids from `PARQUET:field_id`, or from `nextId`
 * (e.g. a counter, for creating a table from data; ids are assigned parent first).
 */
export function icebergSchemaOfArrow(schema: arrow.Schema, options: FromArrowOptions & { schemaId?: number } = {}): Schema {
  const fields = schema.fields.map((f) => icebergFieldOfArrow(f, f.name, options));
  return { schemaId: options.schemaId ?? 0, fields, identifierFieldIds: [] };
}

/** A readable name of an Iceberg type for messages about Arrow conversions. */
export function describeArrowMismatch(expected: IcebergType, actual: arrow.DataType): string {
  return `expected ${typeToString(expected)}, got Arrow ${String(actual)}`;
}
