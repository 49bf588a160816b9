import type { Schema } from '../../src/spec/schema.js';
import type { PrimitiveType } from '../../src/spec/types.js';

/** A schema with one column of every primitive type the filters support, plus nesting. */
export const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [1],
  fields: [
    { id: 1, name: 'id', required: true, type: { kind: 'long' } },
    { id: 2, name: 'i', required: false, type: { kind: 'int' } },
    { id: 3, name: 'name', required: false, type: { kind: 'string' } },
    { id: 4, name: 'd', required: false, type: { kind: 'date' } },
    { id: 5, name: 'ts', required: false, type: { kind: 'timestamp' } },
    { id: 6, name: 'tstz', required: false, type: { kind: 'timestamptz' } },
    { id: 7, name: 'price', required: false, type: { kind: 'decimal', precision: 9, scale: 2 } },
    { id: 8, name: 'f', required: false, type: { kind: 'float' } },
    { id: 9, name: 'dbl', required: false, type: { kind: 'double' } },
    { id: 10, name: 'u', required: false, type: { kind: 'uuid' } },
    { id: 11, name: 'b', required: false, type: { kind: 'binary' } },
    { id: 12, name: 'fx', required: false, type: { kind: 'fixed', length: 4 } },
    { id: 13, name: 'flag', required: false, type: { kind: 'boolean' } },
    { id: 14, name: 't', required: false, type: { kind: 'time' } },
    { id: 15, name: 'tsn', required: false, type: { kind: 'timestamp_ns' } },
    {
      id: 16,
      name: 's',
      required: false,
      type: {
        kind: 'struct',
        fields: [
          { id: 17, name: 'x', required: true, type: { kind: 'int' } },
          { id: 18, name: 'y', required: false, type: { kind: 'string' } },
        ],
      },
    },
    { id: 19, name: 'tags', required: false, type: { kind: 'list', elementId: 20, elementRequired: false, element: { kind: 'string' } } },
    { id: 21, name: 'odd name', required: false, type: { kind: 'string' } },
    { id: 22, name: 'Mixed', required: false, type: { kind: 'int' } },
    { id: 23, name: 'tstzn', required: false, type: { kind: 'timestamptz_ns' } },
    { id: 24, name: 'rs', required: true, type: { kind: 'struct', fields: [{ id: 25, name: 'z', required: true, type: { kind: 'long' } }] } },
  ],
};

export const T = {
  int: { kind: 'int' },
  long: { kind: 'long' },
  string: { kind: 'string' },
  date: { kind: 'date' },
  timestamp: { kind: 'timestamp' },
  timestamptz: { kind: 'timestamptz' },
  float: { kind: 'float' },
  double: { kind: 'double' },
  binary: { kind: 'binary' },
  uuid: { kind: 'uuid' },
  boolean: { kind: 'boolean' },
} satisfies Record<string, PrimitiveType>;

/** Micros since the epoch of an ISO UTC timestamp (millisecond precision is enough for tests). */
export function micros(iso: string): bigint {
  return BigInt(Date.parse(iso.endsWith('Z') ? iso : `${iso}Z`)) * 1000n;
}

/** Days since the epoch of an ISO date. */
export function days(iso: string): number {
  return Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
}
