/**
 * Result types of a partition spec's fields, for the manifest's partition struct.
 *
 * identity, truncate and void keep the source column's type; bucket, year, month and hour give
 * int; day gives int written with Avro's `date` logical type (the reference implementation's
 * DateType). Unknown transforms and missing source columns give undefined: values of such a field
 * can be read but not written.
 */
import type { PartitionField, PartitionSpec } from '../spec/partition-spec.js';
import type { Schema } from '../spec/schema.js';
import { indexSchema } from '../spec/schema.js';
import { type PrimitiveType, isPrimitive } from '../spec/types.js';

export interface PartitionFieldType {
  type: PrimitiveType | undefined;
  /** Written with the Avro `date` logical type. */
  dateLogical: boolean;
}

function fieldType(f: PartitionField, sources: Map<number, PrimitiveType>): PartitionFieldType {
  const source = f.sourceIds !== undefined && f.sourceIds.length > 1 ? undefined : sources.get(f.sourceId);
  switch (f.transform.kind) {
    case 'identity':
    case 'truncate':
    case 'void':
      return { type: source, dateLogical: false };
    case 'bucket':
    case 'year':
    case 'month':
    case 'hour':
      return { type: { kind: 'int' }, dateLogical: false };
    case 'day':
      return { type: { kind: 'int' }, dateLogical: true };
    default:
      return { type: undefined, dateLogical: false };
  }
}

export function partitionFieldTypes(spec: PartitionSpec, schema: Schema | undefined): PartitionFieldType[] {
  const sources = new Map<number, PrimitiveType>();
  if (schema !== undefined) {
    for (const [id, e] of indexSchema(schema)) if (isPrimitive(e.field.type)) sources.set(id, e.field.type);
  }
  return spec.fields.map((f) => fieldType(f, sources));
}
