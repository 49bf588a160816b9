import { describe, expect, it } from 'vitest';
import { parseSchema } from '../../src/spec/schema.js';
import {
  type SortOrder,
  buildSortOrder,
  isUnsorted,
  parseSortOrder,
  sortComparator,
  sortOrderSatisfies,
  sortOrderToJson,
  sortOrdersEquivalent,
  validateSortOrder,
} from '../../src/spec/sort-order.js';
import { parseTransform } from '../../src/spec/transforms.js';
import { thrown } from '../support/errors.js';

const SCHEMA = parseSchema({
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamp' },
    { id: 3, name: 'name', required: false, type: 'string' },
    { id: 4, name: 'score', required: false, type: 'double' },
    { id: 5, name: 's', required: false, type: { type: 'struct', fields: [{ id: 6, name: 'x', required: false, type: 'int' }] } },
  ],
});

function order(orderId: number, fields: [number, string, 'asc' | 'desc', 'nulls-first' | 'nulls-last'][]): SortOrder {
  return { orderId, fields: fields.map(([sourceId, t, direction, nullOrder]) => ({ sourceId, transform: parseTransform(t), direction, nullOrder })) };
}

describe('sort order JSON', () => {
  it('round-trips and normalises case', () => {
    const json = { 'order-id': 1, fields: [{ transform: 'day', 'source-id': 2, direction: 'desc', 'null-order': 'nulls-last' }] };
    expect(sortOrderToJson(parseSortOrder(json))).toEqual(json);
    expect(parseSortOrder({ 'order-id': 2, fields: [{ transform: 'identity', 'source-id': 1, direction: 'ASC', 'null-order': 'NULLS-FIRST' }] }).fields[0]).toMatchObject({
      direction: 'asc',
      nullOrder: 'nulls-first',
    });
    expect(thrown(() => parseSortOrder({ 'order-id': 1, fields: [{ transform: 'identity', 'source-id': 1, direction: 'up', 'null-order': 'nulls-first' }] })).message).toBe(
      'invalid sort direction up',
    );
  });
});

describe('validation', () => {
  it('accepts valid orders and refuses invalid ones with clear messages', () => {
    validateSortOrder(order(1, [[2, 'day', 'desc', 'nulls-last'], [3, 'truncate[2]', 'asc', 'nulls-first'], [6, 'identity', 'asc', 'nulls-first']]), SCHEMA);
    validateSortOrder({ orderId: 0, fields: [] }, SCHEMA);
    expect(thrown(() => validateSortOrder({ orderId: 3, fields: [] }, SCHEMA)).message).toBe('invalid sort order 3: an unsorted order must have id 0');
    expect(thrown(() => validateSortOrder(order(0, [[1, 'identity', 'asc', 'nulls-first']]), SCHEMA)).message).toContain('order id 0 is reserved');
    expect(thrown(() => validateSortOrder(order(1, [[9, 'identity', 'asc', 'nulls-first']]), SCHEMA)).message).toContain('source column 9 of sort field identity is not in the schema');
    expect(thrown(() => validateSortOrder(order(1, [[5, 'identity', 'asc', 'nulls-first']]), SCHEMA)).message).toContain('cannot sort by non-primitive column s');
    expect(thrown(() => validateSortOrder(order(1, [[4, 'bucket[4]', 'asc', 'nulls-first']]), SCHEMA)).message).toContain(
      'transform bucket[4] cannot be applied to column score of type double',
    );
  });

  it('builds orders with the reference defaults', () => {
    const o = buildSortOrder(SCHEMA, [{ source: 'ts', transform: 'day', direction: 'desc' }, { source: 'name' }]);
    expect(sortOrderToJson(o)).toEqual({
      'order-id': 1,
      fields: [
        { transform: 'day', 'source-id': 2, direction: 'desc', 'null-order': 'nulls-last' },
        { transform: 'identity', 'source-id': 3, direction: 'asc', 'null-order': 'nulls-first' },
      ],
    });
    expect(buildSortOrder(SCHEMA, [])).toEqual({ orderId: 0, fields: [] });
    expect(isUnsorted(buildSortOrder(SCHEMA, []))).toBe(true);
    expect(thrown(() => buildSortOrder(SCHEMA, [{ source: 'nope' }])).message).toBe('cannot find sort column "nope" in the schema');
  });
});

describe('equivalence and satisfaction', () => {
  const byDay = order(1, [[2, 'day', 'asc', 'nulls-first']]);
  it('compares fields ignoring the order id', () => {
    expect(sortOrdersEquivalent(byDay, { ...byDay, orderId: 7 })).toBe(true);
    expect(sortOrdersEquivalent(byDay, order(1, [[2, 'day', 'desc', 'nulls-first']]))).toBe(false);
    expect(sortOrdersEquivalent(byDay, order(1, [[2, 'day', 'asc', 'nulls-last']]))).toBe(false);
    expect(sortOrdersEquivalent(byDay, order(1, [[2, 'hour', 'asc', 'nulls-first']]))).toBe(false);
    expect(sortOrdersEquivalent(byDay, order(1, []))).toBe(false);
  });

  it('decides whether one order implies another', () => {
    const byHourThenId = order(2, [[2, 'hour', 'asc', 'nulls-first'], [1, 'identity', 'asc', 'nulls-first']]);
    expect(sortOrderSatisfies(byHourThenId, byDay)).toBe(true);
    expect(sortOrderSatisfies(byDay, byHourThenId)).toBe(false);
    expect(sortOrderSatisfies(byDay, { orderId: 0, fields: [] })).toBe(true);
    expect(sortOrderSatisfies(order(3, [[2, 'identity', 'asc', 'nulls-first']]), order(4, [[2, 'year', 'asc', 'nulls-first']]))).toBe(true);
    expect(sortOrderSatisfies(byDay, order(4, [[2, 'day', 'desc', 'nulls-first']]))).toBe(false);
    const t5 = order(5, [[3, 'truncate[5]', 'asc', 'nulls-first']]);
    const t3 = order(6, [[3, 'truncate[3]', 'asc', 'nulls-first']]);
    expect(sortOrderSatisfies(t5, t3, SCHEMA)).toBe(true);
    expect(sortOrderSatisfies(t5, t3)).toBe(false);
    expect(sortOrderSatisfies(t3, t5, SCHEMA)).toBe(false);
  });
});

describe('row comparator', () => {
  type Row = Record<number, unknown>;
  const rows: Row[] = [
    { 1: 3n, 3: 'b', 4: 1.5 },
    { 1: 1n, 3: null, 4: NaN },
    { 1: 2n, 3: '😀', 4: -0 },
    { 1: 4n, 3: '\uFFFF', 4: 0 },
    { 1: 5n, 3: 'b', 4: null },
  ];
  const ids = (o: SortOrder): bigint[] => [...rows].sort(sortComparator(o, SCHEMA, (r: Row, id) => r[id] ?? null)).map((r) => r[1] as bigint);

  it('sorts by code points with nulls placed as asked, ties broken by later fields', () => {
    expect(ids(order(1, [[3, 'identity', 'asc', 'nulls-first'], [1, 'identity', 'desc', 'nulls-last']]))).toEqual([1n, 5n, 3n, 4n, 2n]);
    expect(ids(order(1, [[3, 'identity', 'desc', 'nulls-last'], [1, 'identity', 'asc', 'nulls-first']]))).toEqual([2n, 4n, 3n, 5n, 1n]);
  });

  it('sorts floats in the spec total order', () => {
    // -0 < 0 < 1.5 < NaN, then the null.
    expect(ids(order(1, [[4, 'identity', 'asc', 'nulls-last']]))).toEqual([2n, 4n, 3n, 1n, 5n]);
  });

  it('sorts by transformed values', () => {
    expect(ids(order(1, [[3, 'truncate[1]', 'asc', 'nulls-last'], [1, 'identity', 'desc', 'nulls-first']]))).toEqual([5n, 3n, 4n, 2n, 1n]);
  });
});
