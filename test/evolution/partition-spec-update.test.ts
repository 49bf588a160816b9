import { describe, expect, it } from 'vitest';
import { LakeError } from '../../src/errors.js';
import { thrown } from '../support/errors.js';
import { type PartitionSpec, partitionSpecToJson } from '../../src/spec/partition-spec.js';
import {
  type PartitionSpecChange,
  applyPartitionSpecChanges,
  parseColumnName,
  parsePartitionTerm,
  partitionSpecUpdateContext,
  partitionTermToString,
} from '../../src/spec/partition-spec-update.js';
import { type TableMetadata } from '../../src/spec/table-metadata.js';
import { parseTransform, transformToString } from '../../src/spec/transforms.js';
import { applyUpdates } from '../../src/spec/updates.js';
import { NOW, daySpec, table } from './fixtures.js';

function evolve(m: TableMetadata, changes: PartitionSpecChange[], caseSensitive = true) {
  return applyPartitionSpecChanges(partitionSpecUpdateContext(m), changes, { caseSensitive });
}

/** Commits the result into the metadata the way the staged operation does. */
function commit(m: TableMetadata, changes: PartitionSpecChange[]): TableMetadata {
  const r = evolve(m, changes);
  return applyUpdates(m, r.existing ? [{ action: 'set-default-spec', specId: r.spec.specId }] : [{ action: 'add-spec', spec: r.spec }, { action: 'set-default-spec', specId: -1 }], { nowMs: NOW });
}

function fieldsOf(spec: PartitionSpec): [number, string, string, number][] {
  return spec.fields.map((f) => [f.fieldId, f.name, transformToString(f.transform), f.sourceId]);
}

function refused(m: TableMetadata, changes: PartitionSpecChange[], rule: string, subject: { field?: string; column?: string }): LakeError {
  const before = JSON.stringify(m.partitionSpecs.map(partitionSpecToJson));
  const le = thrown(() => evolve(m, changes), rule);
  expect(le.code).toBe('INVALID_SCHEMA_CHANGE');
  expect(le.context).toMatchObject({ rule, ...subject });
  for (const v of Object.values(subject)) expect(le.message).toContain(v);
  expect(JSON.stringify(m.partitionSpecs.map(partitionSpecToJson))).toBe(before);
  return le;
}

describe('adding partition fields', () => {
  it('adds fields with every transform, default names and ids after last-partition-id', () => {
    const r = evolve(table(), [
      { op: 'add-partition', source: 'id', transform: 'bucket[16]' },
      { op: 'add-partition', source: 'name', transform: { kind: 'truncate', width: 4 } },
      { op: 'add-partition', source: 'ts', transform: 'hour' },
      { op: 'add-partition', source: 'd', transform: 'month' },
      { op: 'add-partition', source: 'i' },
      { op: 'add-partition', source: 'point.x', transform: 'void' },
      { op: 'add-partition', source: 'price', transform: 'truncate[10]', name: 'price_band' },
    ]);
    expect(r.changed).toBe(true);
    expect(r.existing).toBe(false);
    expect(r.spec.specId).toBe(1);
    expect(fieldsOf(r.spec)).toEqual([
      [1000, 'id_bucket_16', 'bucket[16]', 1],
      [1001, 'name_trunc_4', 'truncate[4]', 2],
      [1002, 'ts_hour', 'hour', 3],
      [1003, 'd_month', 'month', 18],
      [1004, 'i', 'identity', 20],
      [1005, 'point.x_null', 'void', 5],
      [1006, 'price_band', 'truncate[10]', 17],
    ]);
    expect(r.lastPartitionId).toBe(1006);
  });

  it('commits through applyUpdates with the new spec as default', () => {
    const m = commit(table({ spec: daySpec() }), [{ op: 'add-partition', source: 'name' }]);
    expect(m.defaultSpecId).toBe(1);
    expect(m.lastPartitionId).toBe(1002);
    expect(fieldsOf(m.partitionSpecs[1]!)).toEqual([[1000, 'ts_day', 'day', 3], [1001, 'id_bucket', 'bucket[8]', 1], [1002, 'name', 'identity', 2]]);
  });

  it('refuses unknown columns, non-primitive or list/map sources, and transform/type mismatches', () => {
    const m = table();
    refused(m, [{ op: 'add-partition', source: 'nope', transform: 'day' }], 'column-not-found', { column: 'nope' });
    refused(m, [{ op: 'add-partition', source: 'point' }], 'partition-source', { column: 'point' });
    refused(m, [{ op: 'add-partition', source: 'locations.lat' }], 'partition-source', { column: 'locations.element.lat' });
    refused(m, [{ op: 'add-partition', source: 'name', transform: 'day' }], 'transform-type', { column: 'name' });
    refused(m, [{ op: 'add-partition', source: 'f', transform: 'bucket[4]' }], 'transform-type', { column: 'f' });
    refused(m, [{ op: 'add-partition', source: 'd', transform: 'hour' }], 'transform-type', { column: 'd' });
    refused(m, [{ op: 'add-partition', source: 'id', transform: 'zorder' }], 'unknown-transform', { column: 'id' });
  });

  it('resolves column names case-insensitively on request', () => {
    const r = evolve(table(), [{ op: 'add-partition', source: 'TS', transform: 'day' }], false);
    expect(fieldsOf(r.spec)).toEqual([[1000, 'ts_day', 'day', 3]]);
    refused(table(), [{ op: 'add-partition', source: 'TS', transform: 'day' }], 'column-not-found', { column: 'TS' });
  });

  it('refuses a field equivalent to an existing one, or added twice', () => {
    const m = table({ spec: daySpec() });
    refused(m, [{ op: 'add-partition', source: 'ts', transform: 'day' }], 'duplicate-field', { field: 'ts_day', column: 'ts' });
    refused(m, [{ op: 'add-partition', source: 'name' }, { op: 'add-partition', source: 'name', name: 'n2' }], 'duplicate-field', { field: 'name', column: 'name' });
  });

  it('refuses two time transforms of one column added together, but allows adding hour next to an existing day', () => {
    refused(table(), [{ op: 'add-partition', source: 'ts', transform: 'day' }, { op: 'add-partition', source: 'ts', transform: 'hour' }], 'redundant-field', { field: 'ts_hour', column: 'ts' });
    const r = evolve(table({ spec: daySpec() }), [{ op: 'add-partition', source: 'ts', transform: 'hour' }]);
    expect(fieldsOf(r.spec).map((f) => f[1])).toEqual(['ts_day', 'id_bucket', 'ts_hour']);
  });

  it('refuses duplicate and column-clashing names', () => {
    const m = table({ spec: daySpec() });
    refused(m, [{ op: 'add-partition', source: 'name', name: 'ts_day' }], 'duplicate-name', { field: 'ts_day' });
    refused(m, [{ op: 'add-partition', source: 'id', transform: 'bucket[4]', name: 'name' }], 'partition-name', { field: 'name', column: 'name' });
    refused(m, [{ op: 'add-partition', source: 'i', name: 'name' }], 'partition-name', { field: 'name', column: 'name' });
    refused(m, [{ op: 'add-partition', source: 'i', name: 'x' }, { op: 'add-partition', source: 'name', name: 'x' }], 'duplicate-name', { field: 'x' });
    // Identity may keep its own column's name.
    expect(fieldsOf(evolve(m, [{ op: 'add-partition', source: 'i', name: 'i' }]).spec).at(-1)).toEqual([1002, 'i', 'identity', 20]);
  });
});

describe('removing and renaming partition fields', () => {
  it('removes by name or by term (v2: the field is gone), keeping other ids', () => {
    const m = table({ spec: daySpec() });
    expect(fieldsOf(evolve(m, [{ op: 'remove-partition', name: 'ts_day' }]).spec)).toEqual([[1001, 'id_bucket', 'bucket[8]', 1]]);
    expect(fieldsOf(evolve(m, [{ op: 'remove-partition', source: 'id', transform: 'bucket[8]' }]).spec)).toEqual([[1000, 'ts_day', 'day', 3]]);
  });

  it('renames a field keeping its id', () => {
    const r = evolve(table({ spec: daySpec() }), [{ op: 'rename-partition', name: 'ts_day', newName: 'day' }]);
    expect(fieldsOf(r.spec)).toEqual([[1000, 'day', 'day', 3], [1001, 'id_bucket', 'bucket[8]', 1]]);
  });

  it('refuses missing fields and conflicting changes', () => {
    const m = table({ spec: daySpec() });
    refused(m, [{ op: 'remove-partition', name: 'nope' }], 'partition-field-not-found', { field: 'nope' });
    refused(m, [{ op: 'remove-partition', source: 'ts', transform: 'hour' }], 'partition-field-not-found', { column: 'ts' });
    refused(m, [{ op: 'rename-partition', name: 'nope', newName: 'x' }], 'partition-field-not-found', { field: 'nope' });
    refused(m, [{ op: 'add-partition', source: 'name' }, { op: 'remove-partition', name: 'name' }], 'conflicting-changes', { field: 'name' });
    refused(m, [{ op: 'add-partition', source: 'name' }, { op: 'remove-partition', source: 'name' }], 'conflicting-changes', { field: 'name' });
    refused(m, [{ op: 'rename-partition', name: 'ts_day', newName: 'x' }, { op: 'remove-partition', name: 'ts_day' }], 'conflicting-changes', { field: 'ts_day' });
    refused(m, [{ op: 'remove-partition', name: 'ts_day' }, { op: 'rename-partition', name: 'ts_day', newName: 'x' }], 'conflicting-changes', { field: 'ts_day' });
    refused(m, [{ op: 'add-partition', source: 'name' }, { op: 'rename-partition', name: 'name', newName: 'x' }], 'conflicting-changes', { field: 'name' });
    refused(m, [{ op: 'rename-partition', name: 'ts_day', newName: 'id_bucket' }], 'duplicate-name', { field: 'id_bucket' });
    refused(m, [{ op: 'rename-partition', name: 'ts_day', newName: 'ts' }], 'partition-name', { field: 'ts', column: 'ts' });
  });

  it('keeps a field that is removed and added again in one change', () => {
    const m = table({ spec: daySpec() });
    const r = evolve(m, [{ op: 'remove-partition', name: 'ts_day' }, { op: 'add-partition', source: 'ts', transform: 'day' }]);
    expect(r.changed).toBe(false);
    expect(r.spec.specId).toBe(0);
    const renamed = evolve(m, [{ op: 'remove-partition', name: 'ts_day' }, { op: 'add-partition', source: 'ts', transform: 'day', name: 'day' }]);
    expect(fieldsOf(renamed.spec)[0]).toEqual([1000, 'day', 'day', 3]);
  });

  it('refuses to change a spec with a transform lake does not know', () => {
    const m = table({ spec: { specId: 0, fields: [{ sourceId: 1, fieldId: 1000, name: 'z', transform: parseTransform('zorder[3]') }] } });
    refused(m, [{ op: 'add-partition', source: 'name' }], 'unknown-transform', { field: 'z' });
  });
});

describe('field ids across specs (v2)', () => {
  it('day(ts) -> hour(ts) + bucket(8, id) -> drop bucket: ids are never changed and reused for equivalent fields', () => {
    let m = table({ spec: { specId: 0, fields: [{ sourceId: 3, fieldId: 1000, name: 'ts_day', transform: parseTransform('day') }] } });
    m = commit(m, [{ op: 'remove-partition', name: 'ts_day' }, { op: 'add-partition', source: 'ts', transform: 'hour' }, { op: 'add-partition', source: 'id', transform: 'bucket[8]' }]);
    expect(m.defaultSpecId).toBe(1);
    expect(fieldsOf(m.partitionSpecs[1]!)).toEqual([[1001, 'ts_hour', 'hour', 3], [1002, 'id_bucket_8', 'bucket[8]', 1]]);
    m = commit(m, [{ op: 'remove-partition', name: 'id_bucket_8' }]);
    expect(m.defaultSpecId).toBe(2);
    expect(fieldsOf(m.partitionSpecs[2]!)).toEqual([[1001, 'ts_hour', 'hour', 3]]);
    // Adding bucket(8, id) again reuses field id 1002 and its name, and the spec equals spec 1 again.
    const again = evolve(m, [{ op: 'add-partition', source: 'id', transform: 'bucket[8]' }]);
    expect(fieldsOf(again.spec)).toEqual([[1001, 'ts_hour', 'hour', 3], [1002, 'id_bucket_8', 'bucket[8]', 1]]);
    expect(again.existing).toBe(true);
    expect(again.spec.specId).toBe(1);
    expect(again.lastPartitionId).toBe(1002);
    // Back to day(ts): reuses field 1000 from spec 0.
    const day = evolve(m, [{ op: 'remove-partition', name: 'ts_hour' }, { op: 'add-partition', source: 'ts', transform: 'day' }]);
    expect(fieldsOf(day.spec)).toEqual([[1000, 'ts_day', 'day', 3]]);
    expect(day.spec.specId).toBe(0);
  });

  it('reuses an old field id under a new name when a name is given', () => {
    let m = table({ spec: daySpec() });
    m = commit(m, [{ op: 'remove-partition', name: 'id_bucket' }]);
    const r = evolve(m, [{ op: 'add-partition', source: 'id', transform: 'bucket[8]', name: 'b' }]);
    expect(fieldsOf(r.spec)).toEqual([[1000, 'ts_day', 'day', 3], [1001, 'b', 'bucket[8]', 1]]);
    expect(r.lastPartitionId).toBe(1001);
    // The metadata builder accepts the reuse (same source and transform).
    expect(() => commit(m, [{ op: 'add-partition', source: 'id', transform: 'bucket[8]', name: 'b' }])).not.toThrow();
  });

  it('goes back to an unpartitioned spec id', () => {
    let m = table();
    m = commit(m, [{ op: 'add-partition', source: 'name' }]);
    const r = evolve(m, [{ op: 'remove-partition', name: 'name' }]);
    expect(r.spec).toEqual({ specId: 0, fields: [] });
    expect(r.existing).toBe(true);
  });
});

describe('v1 tables', () => {
  it('replaces removed fields with void, keeps order and appends new fields with positional ids', () => {
    let m = table({ formatVersion: 1, spec: daySpec() });
    m = commit(m, [{ op: 'remove-partition', name: 'ts_day' }, { op: 'add-partition', source: 'name' }]);
    expect(fieldsOf(m.partitionSpecs.at(-1)!)).toEqual([[1000, 'ts_day', 'void', 3], [1001, 'id_bucket', 'bucket[8]', 1], [1002, 'name', 'identity', 2]]);
    expect(m.lastPartitionId).toBe(1002);
  });

  it('renames an old void field out of the way of a new field with its name', () => {
    let m = table({ formatVersion: 1, spec: daySpec() });
    m = commit(m, [{ op: 'remove-partition', name: 'ts_day' }]);
    const r = evolve(m, [{ op: 'add-partition', source: 'ts', transform: 'day' }]);
    expect(fieldsOf(r.spec)).toEqual([[1000, 'ts_day_1000', 'void', 3], [1001, 'id_bucket', 'bucket[8]', 1], [1002, 'ts_day', 'day', 3]]);
    expect(() => commit(m, [{ op: 'add-partition', source: 'ts', transform: 'day' }])).not.toThrow();
  });

  it('renames a removed field in the same change when its name is taken', () => {
    const m = table({ formatVersion: 1, spec: daySpec() });
    const r = evolve(m, [{ op: 'remove-partition', name: 'ts_day' }, { op: 'add-partition', source: 'd', transform: 'day', name: 'ts_day' }]);
    expect(fieldsOf(r.spec)).toEqual([[1000, 'ts_day_1000', 'void', 3], [1001, 'id_bucket', 'bucket[8]', 1], [1002, 'ts_day', 'day', 18]]);
  });

  it('does not reuse ids from older specs (v1 ids are positional)', () => {
    let m = table({ formatVersion: 1, spec: daySpec() });
    m = commit(m, [{ op: 'remove-partition', name: 'id_bucket' }]);
    const r = evolve(m, [{ op: 'add-partition', source: 'id', transform: 'bucket[8]', name: 'b' }]);
    expect(fieldsOf(r.spec)).toEqual([[1000, 'ts_day', 'day', 3], [1001, 'id_bucket', 'void', 1], [1002, 'b', 'bucket[8]', 1]]);
  });
});

describe('partition terms', () => {
  it('parses every transform form', () => {
    const cases: [string, string, string][] = [
      ['id', 'id', 'identity'],
      ['identity(c)', 'c', 'identity'],
      ['bucket(8, id)', 'id', 'bucket[8]'],
      ['bucket(id, 8)', 'id', 'bucket[8]'],
      ['BUCKET( 16 ,point.x )', 'point.x', 'bucket[16]'],
      ['bucket[4](id)', 'id', 'bucket[4]'],
      ['truncate(4, name)', 'name', 'truncate[4]'],
      ['truncate[10](name)', 'name', 'truncate[10]'],
      ['year(ts)', 'ts', 'year'],
      ['years(ts)', 'ts', 'year'],
      ['month(ts)', 'ts', 'month'],
      ['days(ts)', 'ts', 'day'],
      ['day(ts)', 'ts', 'day'],
      ['hour(ts)', 'ts', 'hour'],
      ['hours(ts)', 'ts', 'hour'],
      ['void(x)', 'x', 'void'],
      ['`a.b`', 'a.b', 'identity'],
      ['day(`event time`)', 'event time', 'day'],
      ['bucket(4, s.`x y`)', 's.x y', 'bucket[4]'],
    ];
    for (const [text, source, transform] of cases) {
      const t = parsePartitionTerm(text);
      expect([t.source, transformToString(t.transform)], text).toEqual([source, transform]);
    }
  });

  it('refuses malformed terms with INVALID_INPUT', () => {
    for (const bad of ['', 'bucket(id)', 'bucket(0, id)', 'bucket(x, id)', 'truncate(4)', 'day(a, b)', 'zorder(a)', 'day(ts', 'a b', '`a', 'a.', 'bucket(-1, id)']) {
      expect(() => parsePartitionTerm(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  it('prints terms that parse back', () => {
    for (const text of ['id', 'bucket(8, id)', 'truncate(4, name)', 'day(ts)', 'void(x)', '`a b`']) {
      const t = parsePartitionTerm(text);
      expect(partitionTermToString(t.transform, t.source)).toBe(text);
    }
    expect(parseColumnName('`a.b`.c')).toBe('a.b.c');
  });
});
