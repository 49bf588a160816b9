/**
 * Partition field summaries of a manifest list entry (spec "Manifest Lists", `field_summary`):
 * per partition field, whether any file has a null or NaN value, and the lower and upper bound of
 * the other values in the Appendix D binary form of the field's result type.
 */
import type { FieldSummary, PartitionValues } from '../spec/data-file.js';
import { compareValues, encodeValue } from '../spec/single-value.js';
import type { PrimitiveType } from '../spec/types.js';

function isNan(v: unknown): boolean {
  return typeof v === 'number' && v !== v;
}

/**
 * Summaries of the partition tuples of a manifest's entries (every entry counts, deleted ones too,
 * as the reference implementation does). `types[i]` is the result type of partition field `i`;
 * when it is undefined no bounds are written for that field.
 */
export function partitionSummaries(
  types: readonly (PrimitiveType | undefined)[],
  partitions: Iterable<PartitionValues>,
): FieldSummary[] {
  const n = types.length;
  const containsNull = new Array<boolean>(n).fill(false);
  const containsNan = new Array<boolean>(n).fill(false);
  const lower = new Array<unknown>(n).fill(undefined);
  const upper = new Array<unknown>(n).fill(undefined);
  for (const tuple of partitions) {
    for (let i = 0; i < n; i++) {
      const v = tuple[i];
      if (v === null || v === undefined) {
        containsNull[i] = true;
        continue;
      }
      if (isNan(v)) {
        containsNan[i] = true;
        continue;
      }
      const t = types[i];
      if (t === undefined) continue;
      if (lower[i] === undefined || compareValues(t, v, lower[i]) < 0) lower[i] = v;
      if (upper[i] === undefined || compareValues(t, v, upper[i]) > 0) upper[i] = v;
    }
  }
  return types.map((t, i) => {
    const s: FieldSummary = { containsNull: containsNull[i]!, containsNan: containsNan[i]! };
    if (t !== undefined && lower[i] !== undefined) {
      s.lowerBound = encodeValue(t, lower[i]);
      s.upperBound = encodeValue(t, upper[i]);
    }
    return s;
  });
}
