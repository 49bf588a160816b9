/**
 * Replacing the table's sort order (spec "Sorting"), as the reference implementation's
 * `ReplaceSortOrder`: the new order is validated against the current schema and reuses the id of
 * an equivalent existing order (the unsorted order is always id 0), otherwise takes the next id.
 *
 * Also the text form the CLI uses: `"id desc nulls last, bucket(4, name), day(ts) asc"` — comma
 * separated terms (see `parsePartitionTerm`), each optionally followed by `asc` or `desc` and
 * `nulls first` or `nulls last`. Direction defaults to `asc`; null order to nulls first for
 * ascending and nulls last for descending (the reference implementation's defaults). An empty
 * text or `unsorted` is the unsorted order.
 */
import { LakeError } from '../errors.js';
import { parsePartitionTerm, partitionTermToString, splitTopLevel } from './partition-spec-update.js';
import { type Schema } from './schema.js';
import { ColumnIndex } from './schema-update.js';
import { type NullOrder, type SortDirection, type SortField, type SortFieldRequest, type SortOrder, sortOrdersEquivalent } from './sort-order.js';
import { type Transform, canTransform, parseTransform, transformToString } from './transforms.js';
import { isPrimitive, typeToString } from './types.js';

const ITEM = /^(.*?)(?:\s+(asc|desc))?(?:\s+nulls[\s-]+(first|last))?\s*$/is;

/** Parses the text form of a sort order into field requests (source names, transforms, directions, null orders). */
export function parseSortOrderText(text: string): SortFieldRequest[] {
  const s = text.trim();
  if (s === '' || s.toLowerCase() === 'unsorted') return [];
  return splitTopLevel(s).map((raw) => {
    const item = raw.trim();
    if (item === '') throw new LakeError('INVALID_INPUT', `invalid sort order "${text}": empty sort field`);
    const m = ITEM.exec(item)!;
    const termText = m[1]!.trim();
    if (termText === '') throw new LakeError('INVALID_INPUT', `invalid sort field "${item}": a column is missing`);
    const term = parsePartitionTerm(termText);
    const direction = (m[2]?.toLowerCase() ?? 'asc') as SortDirection;
    const request: SortFieldRequest = { source: term.source, transform: term.transform, direction };
    if (m[3] !== undefined) request.nullOrder = m[3].toLowerCase() === 'first' ? 'nulls-first' : 'nulls-last';
    return request;
  });
}

export interface SortOrderUpdateContext {
  /** The table's current schema. */
  schema: Schema;
  sortOrders: readonly SortOrder[];
  defaultSortOrderId: number;
}

/** The `TableMetadata` fields the sort order update reads; pass table metadata itself. */
export interface SortOrderUpdateMetadata {
  schemas: Schema[];
  currentSchemaId: number;
  sortOrders: SortOrder[];
  defaultSortOrderId: number;
}

export function sortOrderUpdateContext(m: SortOrderUpdateMetadata): SortOrderUpdateContext {
  const schema = m.schemas.find((s) => s.schemaId === m.currentSchemaId);
  if (schema === undefined) throw new LakeError('INVALID_METADATA', `current schema ${m.currentSchemaId} not found`);
  return { schema, sortOrders: m.sortOrders, defaultSortOrderId: m.defaultSortOrderId };
}

export interface SortOrderUpdateOptions {
  /** Resolve column names case-sensitively (default true). */
  caseSensitive?: boolean;
}

export interface SortOrderUpdateResult {
  /** The new order, with the id of an equivalent existing order or the next id (0 when unsorted). */
  order: SortOrder;
  /** False when the order equals the current default order. */
  changed: boolean;
  /** True when `order` is already one of the table's orders (only the default id changes). */
  existing: boolean;
}

function refuse(rule: string, column: string, message: string): never {
  throw new LakeError('INVALID_SCHEMA_CHANGE', message, { context: { rule, column } });
}

/**
 * Builds the table's new sort order from field requests (or the text form). Throws
 * INVALID_SCHEMA_CHANGE (context `{ rule, column }`) for a missing column, a non-primitive column, a
 * column inside a list or map, or a transform that does not apply to the column's type.
 */
export function replaceSortOrder(
  context: SortOrderUpdateContext,
  requests: readonly SortFieldRequest[] | string,
  options: SortOrderUpdateOptions = {},
): SortOrderUpdateResult {
  const list = typeof requests === 'string' ? parseSortOrderText(requests) : requests;
  const columns = new ColumnIndex(context.schema);
  const caseSensitive = options.caseSensitive ?? true;
  const fields = list.map((r): SortField => {
    const name = String(r.source);
    const id = typeof r.source === 'number' ? (columns.byId.has(r.source) ? r.source : undefined) : columns.find(r.source, caseSensitive);
    if (id === undefined) refuse('column-not-found', name, `cannot sort by ${name}: the column does not exist`);
    const entry = columns.byId.get(id)!;
    const type = entry.field.type;
    if (!isPrimitive(type)) refuse('sort-source', entry.path, `cannot sort by ${entry.path}: it is ${typeToString(type)}, not a primitive column`);
    for (const a of columns.ancestors(id)) {
      const p = columns.byId.get(a)!;
      if (p.field.type.kind !== 'struct') refuse('sort-source', entry.path, `cannot sort by ${entry.path}: it is inside ${p.field.type.kind} ${p.path}`);
    }
    let transform: Transform;
    try {
      transform = r.transform === undefined ? { kind: 'identity' } : typeof r.transform === 'string' ? parseTransform(r.transform) : r.transform;
    } catch (e) {
      return refuse('invalid-transform', entry.path, `invalid sort transform for ${entry.path}: ${(e as Error).message}`);
    }
    if (transform.kind === 'unknown') refuse('unknown-transform', entry.path, `cannot sort ${entry.path} by unknown transform "${transform.text}"`);
    if (!canTransform(transform, type)) refuse('transform-type', entry.path, `cannot sort by ${transformToString(transform)}(${entry.path}): the transform does not apply to ${typeToString(type)}`);
    const direction: SortDirection = r.direction ?? 'asc';
    if (direction !== 'asc' && direction !== 'desc') throw new LakeError('INVALID_INPUT', `sort direction must be asc or desc, got ${JSON.stringify(direction)}`);
    const nullOrder: NullOrder = r.nullOrder ?? (direction === 'asc' ? 'nulls-first' : 'nulls-last');
    if (nullOrder !== 'nulls-first' && nullOrder !== 'nulls-last') throw new LakeError('INVALID_INPUT', `null order must be nulls-first or nulls-last, got ${JSON.stringify(nullOrder)}`);
    return { sourceId: id, transform, direction, nullOrder };
  });
  const candidate: SortOrder = { orderId: fields.length === 0 ? 0 : 1, fields };
  const current = context.sortOrders.find((o) => o.orderId === context.defaultSortOrderId);
  const changed = current === undefined || !sortOrdersEquivalent(current, candidate);
  const same = fields.length === 0 ? context.sortOrders.find((o) => o.fields.length === 0) : context.sortOrders.find((o) => sortOrdersEquivalent(o, candidate));
  if (same !== undefined) return { order: same, changed, existing: true };
  const orderId = fields.length === 0 ? 0 : Math.max(0, ...context.sortOrders.map((o) => o.orderId)) + 1;
  return { order: { orderId, fields }, changed, existing: false };
}

/** The text form of a sort order (as `parseSortOrderText` reads it), with column names from the schema. */
export function sortOrderToText(order: SortOrder, schema: Schema): string {
  if (order.fields.length === 0) return 'unsorted';
  const columns = new ColumnIndex(schema);
  return order.fields
    .map((f) => {
      const term = partitionTermToString(f.transform, columns.path(f.sourceId) ?? `#${f.sourceId}`);
      return `${term} ${f.direction} ${f.nullOrder === 'nulls-first' ? 'nulls first' : 'nulls last'}`;
    })
    .join(', ');
}
