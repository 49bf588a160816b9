/**
 * Result types of a partition spec's fields, for the manifest's partition struct: the spec's
 * `partitionType` when the table schema is known. Without a schema only the transforms whose
 * result type does not depend on the source column are known (bucket, year, month, hour: int;
 * day: date); the others are undefined and decoded from the Avro type alone.
 */
import { type PartitionSpec, partitionType } from '../spec/partition-spec.js';
import type { Schema } from '../spec/schema.js';
import { type PrimitiveType, isPrimitive } from '../spec/types.js';

export function partitionFieldTypes(spec: PartitionSpec, schema: Schema | undefined): (PrimitiveType | undefined)[] {
  if (schema !== undefined) {
    return partitionType(spec, schema).fields.map((f) => (isPrimitive(f.type) ? f.type : undefined));
  }
  return spec.fields.map((f): PrimitiveType | undefined => {
    switch (f.transform.kind) {
      case 'bucket':
      case 'year':
      case 'month':
      case 'hour':
        return { kind: 'int' };
      case 'day':
        return { kind: 'date' };
      default:
        return undefined;
    }
  });
}
