/**
 * The partition struct of manifest entries (`data_file.partition`, field 102): Avro values to
 * lake's value representation and back.
 *
 * Reading maps the writer's Avro partition fields to the partition spec's fields by field id,
 * then by name (writers may sanitize names or, like BigQuery, store no ids), then by position, and
 * converts values to the spec's result types over the table schema (so a partition written as int
 * reads as long after the column was promoted). Writing converts values to the Avro types of the
 * result types, refusing values of the wrong type.
 */
import { LakeError } from '../errors.js';
import type { PartitionValues } from '../spec/data-file.js';
import type { PartitionSpec } from '../spec/partition-spec.js';
import type { Schema } from '../spec/schema.js';
import {
  checkDecimalPrecision,
  decimalFromBytes,
  decimalRequiredBytes,
  decimalToFixedBytes,
  toBigIntValue,
  toIntValue,
  uuidFromBytes,
  uuidToBytes,
} from '../spec/single-value.js';
import type { PrimitiveType } from '../spec/types.js';
import type { AvroTypeInfo, PartitionSlot } from './avro-schema.js';
import { partitionFieldTypes } from './partition-types.js';
import { sanitizeAvroName } from './schemas.js';

function invalidInput(message: string): LakeError {
  return new LakeError('INVALID_INPUT', message);
}

function invalidMetadata(message: string): LakeError {
  return new LakeError('INVALID_METADATA', message);
}

function toBuffer(v: Uint8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

type Converter = (v: unknown) => unknown;

const LONG_KINDS = new Set(['long', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns']);

/** Converts a decoded Avro partition value to lake's value representation (and to `target`'s type). */
function partitionConverter(avro: AvroTypeInfo, target: PrimitiveType | undefined, where: string): Converter {
  const lt = avro.logicalType;
  if (lt === 'decimal' && (avro.type === 'fixed' || avro.type === 'bytes')) return (v) => decimalFromBytes(v as Uint8Array);
  if (lt === 'uuid' && avro.type === 'fixed') return (v) => uuidFromBytes(v as Uint8Array);
  if (target?.kind === 'uuid' && avro.type === 'fixed') return (v) => uuidFromBytes(v as Uint8Array);
  if (target?.kind === 'decimal' && (avro.type === 'fixed' || avro.type === 'bytes')) return (v) => decimalFromBytes(v as Uint8Array);
  switch (avro.type) {
    case 'fixed':
    case 'bytes':
      return (v) => v;
    case 'string':
      return target?.kind === 'uuid' ? (v) => (v as string).toLowerCase() : (v) => v;
    case 'int':
      if (target !== undefined && (LONG_KINDS.has(target.kind) || target.kind === 'decimal')) return (v) => BigInt(v as number);
      return (v) => v;
    case 'long':
      if (target !== undefined && (target.kind === 'int' || target.kind === 'date')) return (v) => Number(v);
      return (v) => v;
    case 'boolean':
    case 'float':
    case 'double':
    case 'null':
      return (v) => v;
    default:
      throw invalidMetadata(`partition field ${where} has unsupported Avro type ${avro.type}`);
  }
}

export interface PartitionDecoder {
  props: string[];
  converters: (Converter | undefined)[];
}

/** Maps spec fields to Avro partition fields: by field id, then name, then position. */
export function partitionDecoder(
  slots: readonly PartitionSlot[],
  spec: PartitionSpec | undefined,
  schema: Schema | undefined,
): PartitionDecoder {
  if (spec === undefined) {
    return {
      props: slots.map((s) => s.prop),
      converters: slots.map((s) => partitionConverter(s.avro, undefined, s.name)),
    };
  }
  const types = partitionFieldTypes(spec, schema);
  const used = new Set<PartitionSlot>();
  const allHaveIds = slots.every((s) => s.fieldId !== undefined);
  const matches = spec.fields.map((f) => {
    let slot = slots.find((s) => s.fieldId === f.fieldId && !used.has(s));
    if (!slot && !allHaveIds) {
      slot = slots.find((s) => !used.has(s) && (s.icebergName === f.name || s.name === f.name || s.name === sanitizeAvroName(f.name)));
    }
    if (slot) used.add(slot);
    return slot;
  });
  // Writers without ids and with renamed fields: fall back to position when the shapes agree.
  if (matches.some((m) => m === undefined) && !allHaveIds && slots.length === spec.fields.length) {
    matches.forEach((m, i) => {
      if (m === undefined && !used.has(slots[i]!)) {
        matches[i] = slots[i];
        used.add(slots[i]!);
      }
    });
  }
  return {
    props: matches.map((m, i) => m?.prop ?? `missing${i}`),
    converters: matches.map((m, i) => (m === undefined ? undefined : partitionConverter(m.avro, types[i], spec.fields[i]!.name))),
  };
}

export function decodePartition(raw: Record<string, unknown> | null | undefined, dec: PartitionDecoder): PartitionValues {
  const n = dec.props.length;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const conv = dec.converters[i];
    const v = raw === null || raw === undefined ? undefined : raw[dec.props[i]!];
    out[i] = v === null || v === undefined || conv === undefined ? null : conv(v);
  }
  return out;
}

export type Encoder = (v: unknown) => unknown;

/** Converts a value in lake's representation to what avsc writes for the partition field's Avro type. */
export function partitionEncoder(t: PrimitiveType | undefined, name: string): Encoder {
  const what = `partition field ${name}`;
  if (t === undefined || t.kind === 'unknown') {
    return (v) => {
      if (v !== null && v !== undefined) throw invalidInput(`${what} has no known type, so only null can be written`);
      return null;
    };
  }
  switch (t.kind) {
    case 'boolean':
      return (v) => {
        if (typeof v !== 'boolean') throw invalidInput(`${what} expects a boolean, got ${typeof v}`);
        return v;
      };
    case 'int':
    case 'date':
      return (v) => toIntValue(v, what);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return (v) => {
        const b = toBigIntValue(v, what);
        if (b < -(1n << 63n) || b >= 1n << 63n) throw invalidInput(`${what} value ${b} does not fit in 64 bits`);
        return b;
      };
    case 'float':
    case 'double':
      return (v) => {
        if (typeof v !== 'number') throw invalidInput(`${what} expects a number, got ${typeof v}`);
        return v;
      };
    case 'decimal': {
      const size = decimalRequiredBytes(t.precision);
      return (v) => {
        const unscaled = toBigIntValue(v, what);
        checkDecimalPrecision(unscaled, t.precision, t.scale);
        return toBuffer(decimalToFixedBytes(unscaled, size));
      };
    }
    case 'string':
      return (v) => {
        if (typeof v !== 'string') throw invalidInput(`${what} expects a string, got ${typeof v}`);
        return v;
      };
    case 'uuid':
      return (v) => {
        if (typeof v !== 'string') throw invalidInput(`${what} expects a UUID string, got ${typeof v}`);
        return toBuffer(uuidToBytes(v));
      };
    case 'fixed':
      return (v) => {
        if (!(v instanceof Uint8Array) || v.length !== t.length) throw invalidInput(`${what} expects ${t.length} bytes`);
        return toBuffer(v);
      };
    case 'binary':
    case 'geometry':
    case 'geography':
      return (v) => {
        if (!(v instanceof Uint8Array)) throw invalidInput(`${what} expects bytes, got ${typeof v}`);
        return toBuffer(v);
      };
    default:
      throw invalidInput(`${what} cannot have type ${t.kind}`);
  }
}

