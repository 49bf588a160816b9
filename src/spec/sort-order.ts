/**
 * Sort orders (spec "Sorting", JSON in Appendix C). Order id 0 is the unsorted order.
 */
import { LakeError } from '../errors.js';
import { type Transform, parseTransform, transformToString } from './transforms.js';

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
