/**
 * Iceberg -> Arrow types of the Arrow read path, and reading single values out of Arrow data in
 * lake's in-memory representation (src/spec/types.ts), which row filters and equality deletes use.
 *
 * Type mapping (the same choices as PyIceberg where it has one):
 *   boolean Bool; int Int32; long Int64; float Float32; double Float64; decimal(P,S) Decimal128(P,S);
 *   date Date32 (days); time Time64(µs); timestamp Timestamp(µs); timestamptz Timestamp(µs, "UTC");
 *   timestamp_ns / timestamptz_ns Timestamp(ns[, "UTC"]); string Utf8; uuid FixedSizeBinary(16)
 *   (the 16 bytes in network order, as Parquet stores them); fixed[L] FixedSizeBinary(L); binary,
 *   geometry, geography Binary (WKB); unknown Null; struct Struct; list List (child `element`);
 *   map Map (entries `key`, `value`).
 * Every field carries its Iceberg field id as `PARQUET:field_id` metadata, so a batch can be
 * written back with ids and columns stay identifiable after renames.
 */
import * as arrow from 'apache-arrow';
import { LakeError } from '../errors.js';
import { FIELD_ID_KEY, arrowPrimitiveType } from '../parquet/arrow-schema.js';
import { uuidFromBytes } from '../spec/single-value.js';
import { type IcebergType, type NestedField, typeToString } from '../spec/types.js';

export { FIELD_ID_KEY };

/**
 * The Arrow type an Iceberg type is read as: primitives as src/parquet/arrow-schema.ts maps them;
 * nested fields carry only their field ids (no extension names).
 */
export function arrowType(t: IcebergType): arrow.DataType {
  switch (t.kind) {
    case 'variant':
      throw new LakeError('UNSUPPORTED_FEATURE', 'reading variant columns into Arrow is not supported yet');
    case 'struct':
      return new arrow.Struct(t.fields.map(arrowField));
    case 'list':
      return new arrow.List(withId(new arrow.Field('element', arrowType(t.element), !t.elementRequired), t.elementId));
    case 'map': {
      const entries = new arrow.Struct([
        withId(new arrow.Field('key', arrowType(t.key), false), t.keyId),
        withId(new arrow.Field('value', arrowType(t.value), !t.valueRequired), t.valueId),
      ]);
      return new arrow.Map_(new arrow.Field('entries', entries, false), false);
    }
    default:
      return arrowPrimitiveType(t);
  }
}

function withId<T extends arrow.DataType>(f: arrow.Field<T>, id: number): arrow.Field<T> {
  return new arrow.Field(f.name, f.type, f.nullable, new Map([[FIELD_ID_KEY, String(id)]]));
}

/** The Arrow field of an Iceberg field (nullable unless required), with its field id. */
export function arrowField(f: NestedField): arrow.Field {
  return withId(new arrow.Field(f.name, arrowType(f.type), !f.required), f.id);
}

/** The Arrow schema of a list of Iceberg fields. */
export function arrowSchema(fields: readonly NestedField[]): arrow.Schema {
  return new arrow.Schema(fields.map(arrowField));
}

// -------------------------------------------------------------------------------------------------
// Single values
// -------------------------------------------------------------------------------------------------

/** True when row `i` of `data` is not null (offsets of sliced data respected). */
export function isValid(data: arrow.Data, i: number): boolean {
  if (data.typeId === arrow.Type.Null) return false;
  const bitmap = data.nullBitmap;
  if (bitmap === undefined || bitmap.length === 0 || data.nullCount === 0) return true;
  const pos = data.offset + i;
  return (bitmap[pos >> 3]! & (1 << (pos & 7))) !== 0;
}

const utf8 = new TextDecoder();

/**
 * A reader of values of an Iceberg primitive type from Arrow data in the layout `arrowType` gives:
 * `(i) => value | null` in lake's in-memory representation.
 */
export function valueReader(data: arrow.Data, t: IcebergType): (i: number) => unknown {
  const valid = (i: number): boolean => isValid(data, i);
  switch (t.kind) {
    case 'boolean': {
      const bits = data.values as Uint8Array;
      const off = data.offset;
      return (i) => (valid(i) ? (bits[(off + i) >> 3]! & (1 << ((off + i) & 7))) !== 0 : null);
    }
    case 'int':
    case 'date':
    case 'float':
    case 'double':
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const values = data.values as Int32Array | Float32Array | Float64Array | BigInt64Array;
      return (i) => (valid(i) ? values[i]! : null);
    }
    case 'decimal': {
      const words = data.values as Uint32Array;
      return (i) => (valid(i) ? decimal128At(words, i) : null);
    }
    case 'string': {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return (i) => (valid(i) ? utf8.decode(bytes.subarray(offsets[i]!, offsets[i + 1]!)) : null);
    }
    case 'binary':
    case 'geometry':
    case 'geography': {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return (i) => (valid(i) ? bytes.slice(offsets[i]!, offsets[i + 1]!) : null);
    }
    case 'uuid': {
      const bytes = data.values as Uint8Array;
      return (i) => (valid(i) ? uuidFromBytes(bytes.subarray(i * 16, i * 16 + 16)) : null);
    }
    case 'fixed': {
      const bytes = data.values as Uint8Array;
      const w = t.length;
      return (i) => (valid(i) ? bytes.slice(i * w, i * w + w) : null);
    }
    case 'unknown':
      return () => null;
    default:
      throw new LakeError('UNSUPPORTED_FEATURE', `reading ${typeToString(t)} values for filters and equality deletes is not supported`);
  }
}

/** The unscaled value of a 128-bit two's complement decimal stored as four little-endian u32 words. */
export function decimal128At(words: Uint32Array, i: number): bigint {
  const b = i * 4;
  const lo = BigInt(words[b]!) | (BigInt(words[b + 1]!) << 32n);
  const hi = BigInt(words[b + 2]!) | (BigInt(words[b + 3]!) << 32n);
  return BigInt.asIntN(128, (hi << 64n) | lo);
}

/** Writes an unscaled decimal as 128-bit two's complement into four little-endian u32 words. */
export function setDecimal128(words: Uint32Array, i: number, v: bigint): void {
  let u = BigInt.asUintN(128, v);
  const b = i * 4;
  for (let w = 0; w < 4; w++) {
    words[b + w] = Number(u & 0xffffffffn);
    u >>= 32n;
  }
}
