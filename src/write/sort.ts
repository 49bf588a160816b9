/**
 * Sorting rows within data files by a table sort order (spec "Sorting"), in SQL: each sort field
 * is its transform applied to the source column (the same SQL as partition transforms), with the
 * field's direction and null order. DuckDB orders floats as the spec asks (NaN above +Infinity),
 * strings and binary by unsigned bytes, UUIDs as unsigned 128-bit values.
 */
import { LakeError } from '../errors.js';
import { indexSchema, type Schema } from '../spec/schema.js';
import type { SortOrder } from '../spec/sort-order.js';
import { isPrimitive } from '../spec/types.js';
import { transformSql } from './partition-router.js';

/** Whether an order sorts anything (order id 0 and empty orders are unsorted). */
export function isSorted(order: SortOrder | undefined): order is SortOrder {
  return order !== undefined && order.fields.length > 0;
}

/**
 * The `ORDER BY` list of a sort order over the table's columns (`columnSql(id)` gives a source
 * column's SQL), or undefined for an unsorted order.
 */
export function orderBySql(order: SortOrder | undefined, schema: Schema, columnSql: (fieldId: number) => string): string | undefined {
  if (!isSorted(order)) return undefined;
  const idx = indexSchema(schema);
  return order.fields
    .map((f) => {
      const field = idx.get(f.sourceId)?.field;
      if (field === undefined || !isPrimitive(field.type)) {
        throw new LakeError('INVALID_INPUT', `sort order ${order.orderId}: column ${f.sourceId} is not a primitive column of the schema`);
      }
      const col = columnSql(f.sourceId);
      // identity sorts by the typed column itself; other transforms by their result.
      const key = f.transform.kind === 'identity' ? col : transformSql(f.transform, field.type, col);
      return `${key} ${f.direction === 'desc' ? 'DESC' : 'ASC'} ${f.nullOrder === 'nulls-first' ? 'NULLS FIRST' : 'NULLS LAST'}`;
    })
    .join(', ');
}
