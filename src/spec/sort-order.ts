/**
 * Sort orders (spec "Sorting", JSON in Appendix C). Order id 0 is the unsorted order.
 */
import { LakeError } from '../errors.js';
import { type Schema, findFieldByName, indexSchema } from './schema.js';
import { compareValues } from './single-value.js';
import { type Transform, bindTransform, canTransform, parseTransform, satisfiesOrderOf, transformResultType, transformToString } from './transforms.js';
import { type PrimitiveType, isPrimitive, typeToString } from './types.js';

export type SortDirection = 'asc' | 'desc';
export type NullOrder = 'nulls-first' | 'nulls-last';

export interface SortField {
  sourceId: number;
  sourceIds?: number[];
  transform: Transform;
  direction: SortDirection;
  nullOrder: NullOrder;
}

export interface SortOrder {
  orderId: number;
  fields: SortField[];
}

export const UNSORTED_ORDER: SortOrder = Object.freeze({ orderId: 0, fields: [] }) as SortOrder;

function parseSortField(json: unknown): SortField {
  if (json === null || typeof json !== 'object') throw new LakeError('INVALID_METADATA', 'sort field must be an object');
  const o = json as Record<string, unknown>;
  const sourceIds = Array.isArray(o['source-ids']) ? (o['source-ids'] as unknown[]).map(Number) : undefined;
  const sourceId = o['source-id'] !== undefined ? Number(o['source-id']) : sourceIds?.[0];
  if (sourceId === undefined) throw new LakeError('INVALID_METADATA', 'sort field without source-id');
  const direction = String(o.direction).toLowerCase();
  const nullOrder = String(o['null-order']).toLowerCase();
  if (direction !== 'asc' && direction !== 'desc') throw new LakeError('INVALID_METADATA', `invalid sort direction ${String(o.direction)}`);
  if (nullOrder !== 'nulls-first' && nullOrder !== 'nulls-last') {
    throw new LakeError('INVALID_METADATA', `invalid sort null-order ${String(o['null-order'])}`);
  }
  const f: SortField = { sourceId, transform: parseTransform(String(o.transform)), direction, nullOrder };
  if (sourceIds !== undefined && (sourceIds.length > 1 || o['source-id'] === undefined)) f.sourceIds = sourceIds;
  return f;
}

export function parseSortOrder(json: unknown): SortOrder {
  if (json === null || typeof json !== 'object') throw new LakeError('INVALID_METADATA', 'sort order must be an object');
  const o = json as Record<string, unknown>;
  if (!Array.isArray(o.fields)) throw new LakeError('INVALID_METADATA', 'sort order without fields');
  return { orderId: Number(o['order-id'] ?? 0), fields: o.fields.map(parseSortField) };
}

export function sortOrderToJson(order: SortOrder): Record<string, unknown> {
  return {
    'order-id': order.orderId,
    fields: order.fields.map((f) => {
      const o: Record<string, unknown> = { transform: transformToString(f.transform) };
      if (f.sourceIds !== undefined && f.sourceIds.length > 1) o['source-ids'] = [...f.sourceIds];
      else o['source-id'] = f.sourceId;
      o.direction = f.direction;
      o['null-order'] = f.nullOrder;
      return o;
    }),
  };
}

export function isUnsorted(order: SortOrder): boolean {
  return order.fields.length === 0;
}

function sortFieldKey(f: SortField): string {
  return `${(f.sourceIds ?? [f.sourceId]).join(',')}:${transformToString(f.transform)}:${f.direction}:${f.nullOrder}`;
}

/** Same fields in the same order (source, transform, direction, null order); the order id is ignored. */
export function sortOrdersEquivalent(a: SortOrder, b: SortOrder): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => sortFieldKey(f) === sortFieldKey(b.fields[i]!));
}

/**
 * Whether data sorted by `a` is also sorted by `b` (Java's `SortOrder.satisfies`): `b` is
 * unsorted, or each of `b`'s fields is satisfied by `a`'s field at the same position (same source,
 * direction and null order, and a transform whose order implies the other's). With `schema`,
 * truncate widths are judged by the source column type.
 */
export function sortOrderSatisfies(a: SortOrder, b: SortOrder, schema?: Schema): boolean {
  if (isUnsorted(b)) return true;
  if (b.fields.length > a.fields.length) return false;
  const idx = schema === undefined ? undefined : indexSchema(schema);
  return b.fields.every((g, i) => {
    const f = a.fields[i]!;
    if (sortFieldKey(f) === sortFieldKey(g)) return true;
    if (f.sourceId !== g.sourceId || f.direction !== g.direction || f.nullOrder !== g.nullOrder) return false;
    const type = idx?.get(f.sourceId)?.field.type;
    return satisfiesOrderOf(f.transform, g.transform, type !== undefined && isPrimitive(type) ? type : undefined);
  });
}

/**
 * Checks a sort order against a schema as the reference implementation does: id 0 exactly for the
 * unsorted order, and every field's source column exists, is primitive and suits the transform.
 */
export function validateSortOrder(order: SortOrder, schema: Schema): void {
  const fail = (msg: string): never => {
    throw new LakeError('INVALID_INPUT', `invalid sort order ${order.orderId}: ${msg}`);
  };
  if (order.fields.length === 0 && order.orderId !== 0) fail('an unsorted order must have id 0');
  if (order.fields.length > 0 && order.orderId === 0) fail('order id 0 is reserved for the unsorted order');
  const idx = indexSchema(schema);
  for (const f of order.fields) {
    for (const id of f.sourceIds ?? [f.sourceId]) {
      const entry = idx.get(id);
      if (entry === undefined) fail(`source column ${id} of sort field ${transformToString(f.transform)} is not in the schema`);
      const type = entry!.field.type;
      if (!isPrimitive(type)) fail(`cannot sort by non-primitive column ${entry!.path} (${typeToString(type)})`);
      else if (f.transform.kind !== 'unknown' && !canTransform(f.transform, type)) {
        fail(`transform ${transformToString(f.transform)} cannot be applied to column ${entry!.path} of type ${typeToString(type)}`);
      }
    }
  }
}

export interface SortFieldRequest {
  /** Source column id or full dotted name. */
  source: number | string;
  /** Default identity. */
  transform?: Transform | string;
  /** Default `asc`. */
  direction?: SortDirection;
  /** Default nulls first for ascending and nulls last for descending, as the reference implementation does. */
  nullOrder?: NullOrder;
}

/** Builds and validates a sort order; an empty field list gives the unsorted order (id 0). */
export function buildSortOrder(
  schema: Schema,
  requests: readonly SortFieldRequest[],
  options: { orderId?: number; caseSensitive?: boolean } = {},
): SortOrder {
  if (requests.length === 0) return { orderId: 0, fields: [] };
  const idx = indexSchema(schema);
  const fields = requests.map((r): SortField => {
    const field = typeof r.source === 'number' ? idx.get(r.source)?.field : findFieldByName(schema, r.source, options.caseSensitive ?? true);
    if (field === undefined) throw new LakeError('INVALID_INPUT', `cannot find sort column ${JSON.stringify(r.source)} in the schema`);
    const transform = r.transform === undefined ? { kind: 'identity' as const } : typeof r.transform === 'string' ? parseTransform(r.transform) : r.transform;
    const direction = r.direction ?? 'asc';
    return { sourceId: field.id, transform, direction, nullOrder: r.nullOrder ?? (direction === 'asc' ? 'nulls-first' : 'nulls-last') };
  });
  const order: SortOrder = { orderId: options.orderId ?? 1, fields };
  validateSortOrder(order, schema);
  return order;
}

/**
 * A comparator of rows by a sort order: `valueOf(row, sourceId)` returns a row's value of a
 * column; values are transformed, then compared in Iceberg's order with the field's direction and
 * null placement.
 */
export function sortComparator<R>(order: SortOrder, schema: Schema, valueOf: (row: R, sourceId: number) => unknown): (a: R, b: R) => number {
  const idx = indexSchema(schema);
  const keys = order.fields.map((f) => {
    const type = idx.get(f.sourceId)?.field.type;
    if (type === undefined || !isPrimitive(type)) throw new LakeError('INVALID_INPUT', `sort column ${f.sourceId} is not a primitive column of the schema`);
    const apply = bindTransform(f.transform, type);
    const resultType: PrimitiveType = transformResultType(f.transform, type);
    return { sourceId: f.sourceId, apply, resultType, desc: f.direction === 'desc', nullsFirst: f.nullOrder === 'nulls-first' };
  });
  return (a, b) => {
    for (const k of keys) {
      const x = k.apply(valueOf(a, k.sourceId));
      const y = k.apply(valueOf(b, k.sourceId));
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === k.nullsFirst ? -1 : 1;
      }
      const c = compareValues(k.resultType, x, y);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}
