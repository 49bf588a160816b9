import { describe, expect, it } from 'vitest';
import { type SortOrder, sortOrderToJson } from '../../src/spec/sort-order.js';
import { parseSortOrderText, replaceSortOrder, sortOrderToText, sortOrderUpdateContext } from '../../src/spec/sort-order-update.js';
import { type TableMetadata } from '../../src/spec/table-metadata.js';
import { transformToString } from '../../src/spec/transforms.js';
import { applyUpdates } from '../../src/spec/updates.js';
import { NOW, richSchema, table } from './fixtures.js';

function summary(o: SortOrder): string[] {
  return o.fields.map((f) => `${f.sourceId}:${transformToString(f.transform)}:${f.direction}:${f.nullOrder}`);
}

describe('sort order text', () => {
  it('parses terms, directions and null orders with the reference defaults', () => {
    const r = parseSortOrderText('id desc nulls last, bucket(4, name), day(ts) ASC NULLS LAST, truncate(2, name) desc nulls-first, `point`.x');
    expect(r).toEqual([
      { source: 'id', transform: { kind: 'identity' }, direction: 'desc', nullOrder: 'nulls-last' },
      { source: 'name', transform: { kind: 'bucket', n: 4 }, direction: 'asc' },
      { source: 'ts', transform: { kind: 'day' }, direction: 'asc', nullOrder: 'nulls-last' },
      { source: 'name', transform: { kind: 'truncate', width: 2 }, direction: 'desc', nullOrder: 'nulls-first' },
      { source: 'point.x', transform: { kind: 'identity' }, direction: 'asc' },
    ]);
  });

  it('reads an empty text or "unsorted" as the unsorted order', () => {
    expect(parseSortOrderText('')).toEqual([]);
    expect(parseSortOrderText(' unsorted ')).toEqual([]);
  });

  it('refuses malformed items', () => {
    for (const bad of ['id,', ', id', 'bucket(4) desc', 'id sideways', 'id desc nulls middle']) {
      expect(() => parseSortOrderText(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  it('prints an order in the same form', () => {
    const m = table();
    const r = replaceSortOrder(sortOrderUpdateContext(m), 'id desc, bucket(4, name) asc nulls last, point.x');
    expect(r.order.fields).toHaveLength(3);
    const text = sortOrderToText(r.order, m.schemas[0]!);
    expect(text).toBe('id desc nulls last, bucket(4, name) asc nulls last, point.x asc nulls first');
    expect(replaceSortOrder(sortOrderUpdateContext(m), text).order).toEqual(r.order);
  });
});

describe('replacing the sort order', () => {
  it('builds a new order with id 1 on an unsorted table and defaults null orders', () => {
    const r = replaceSortOrder(sortOrderUpdateContext(table()), 'id desc, name');
    expect(r).toMatchObject({ changed: true, existing: false });
    expect(r.order.orderId).toBe(1);
    expect(summary(r.order)).toEqual(['1:identity:desc:nulls-last', '2:identity:asc:nulls-first']);
  });

  it('reuses the id of an equivalent existing order and takes the next id otherwise', () => {
    let m = table();
    const commit = (text: string): TableMetadata => {
      const r = replaceSortOrder(sortOrderUpdateContext(m), text);
      const updates = r.existing ? [{ action: 'set-default-sort-order' as const, sortOrderId: r.order.orderId }] : [{ action: 'add-sort-order' as const, sortOrder: r.order }, { action: 'set-default-sort-order' as const, sortOrderId: -1 }];
      return applyUpdates(m, updates, { nowMs: NOW });
    };
    m = commit('id');
    m = commit('name desc');
    expect(m.sortOrders.map((o) => o.orderId)).toEqual([0, 1, 2]);
    expect(m.defaultSortOrderId).toBe(2);
    const back = replaceSortOrder(sortOrderUpdateContext(m), 'id asc nulls first');
    expect(back).toMatchObject({ changed: true, existing: true, order: { orderId: 1 } });
    const same = replaceSortOrder(sortOrderUpdateContext(m), 'name desc nulls last');
    expect(same.changed).toBe(false);
    const unsorted = replaceSortOrder(sortOrderUpdateContext(m), '');
    expect(unsorted).toMatchObject({ changed: true, existing: true, order: { orderId: 0, fields: [] } });
  });

  it('accepts field requests by column id', () => {
    const r = replaceSortOrder(sortOrderUpdateContext(table()), [{ source: 3, transform: 'hour', direction: 'desc' }]);
    expect(summary(r.order)).toEqual(['3:hour:desc:nulls-last']);
  });

  it('refuses missing, non-primitive, list-nested columns and transform mismatches, naming the column', () => {
    const ctx = sortOrderUpdateContext(table());
    const cases: [string, string, string][] = [
      ['nope', 'column-not-found', 'nope'],
      ['point', 'sort-source', 'point'],
      ['tags.element', 'sort-source', 'tags.element'],
      ['locations.lat', 'sort-source', 'locations.element.lat'],
      ['hour(d)', 'transform-type', 'd'],
      ['bucket(3, f)', 'transform-type', 'f'],
    ];
    for (const [text, rule, column] of cases) {
      let err: unknown;
      try {
        replaceSortOrder(ctx, text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toMatchObject({ code: 'INVALID_SCHEMA_CHANGE', context: { rule, column } });
      expect((err as Error).message).toContain(column);
    }
  });

  it('resolves names case-insensitively on request', () => {
    const ctx = sortOrderUpdateContext(table());
    expect(() => replaceSortOrder(ctx, 'ID')).toThrow(expect.objectContaining({ code: 'INVALID_SCHEMA_CHANGE' }));
    expect(summary(replaceSortOrder(ctx, 'ID', { caseSensitive: false }).order)).toEqual(['1:identity:asc:nulls-first']);
  });

  it('produces orders that serialize like the reference implementation', () => {
    const r = replaceSortOrder(sortOrderUpdateContext(table({ schema: richSchema() })), 'bucket(4, id) desc');
    expect(sortOrderToJson(r.order)).toEqual({ 'order-id': 1, fields: [{ transform: 'bucket[4]', 'source-id': 1, direction: 'desc', 'null-order': 'nulls-last' }] });
  });
});
