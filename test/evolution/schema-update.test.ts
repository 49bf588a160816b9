import { describe, expect, it } from 'vitest';
import { LakeError } from '../../src/errors.js';
import { thrown } from '../support/errors.js';
import { parseNameMapping, serializeNameMapping, nameMappingFromSchema } from '../../src/spec/name-mapping.js';
import { type Schema, findColumnName, indexSchema, parseSchema, schemaToJson } from '../../src/spec/schema.js';
import {
  type SchemaChange,
  type SchemaUpdateOptions,
  ColumnIndex,
  applySchemaChanges,
  columnPropertyChanges,
  schemaUpdateContext,
  unionByNameChanges,
  updateNameMapping,
} from '../../src/spec/schema-update.js';
import { type TableMetadata } from '../../src/spec/table-metadata.js';
import { parsePrimitiveType, parseType, typeToJson } from '../../src/spec/types.js';
import { parseTransform } from '../../src/spec/transforms.js';
import { daySpec, richSchema, table } from './fixtures.js';

const t = (s: string) => parsePrimitiveType(s);

function evolve(m: TableMetadata, changes: SchemaChange[], options: SchemaUpdateOptions = {}) {
  return applySchemaChanges(schemaUpdateContext(m), changes, options);
}

/** Runs the changes, expecting INVALID_SCHEMA_CHANGE for `rule` naming `column`. */
function refused(m: TableMetadata, changes: SchemaChange[], rule: string, column: string | undefined, options: SchemaUpdateOptions = {}): LakeError {
  const before = JSON.stringify(schemaToJson(m.schemas[0]!));
  const le = thrown(() => evolve(m, changes, options), `${rule} to be refused`);
  expect(le.code).toBe('INVALID_SCHEMA_CHANGE');
  expect(le.context.rule).toBe(rule);
  if (column !== undefined) {
    expect(le.context.column).toBe(column);
    expect(le.message).toContain(column);
  }
  // Pure: the input metadata is untouched.
  expect(JSON.stringify(schemaToJson(m.schemas[0]!))).toBe(before);
  return le;
}

function names(s: Schema): string[] {
  return s.fields.map((f) => f.name);
}

function field(s: Schema, path: string) {
  for (const e of indexSchema(s).values()) if (e.path === path) return e.field;
  throw new Error(`no field ${path}`);
}

describe('add column', () => {
  it('adds an optional top-level column with the next id and a new schema id', () => {
    const m = table();
    const r = evolve(m, [{ op: 'add-column', name: 'email', type: t('string'), doc: 'contact' }]);
    expect(r.changed).toBe(true);
    expect(r.schema.schemaId).toBe(1);
    expect(r.lastColumnId).toBe(21);
    const f = field(r.schema, 'email');
    expect(f).toEqual({ id: 21, name: 'email', required: false, type: { kind: 'string' }, doc: 'contact' });
    expect(names(r.schema).at(-1)).toBe('email');
    expect(r.addedFieldIds).toEqual([21]);
    expect(r.addedByParent.get(-1)).toEqual([21]);
  });

  it('adds into a struct, a list element struct and a map value struct', () => {
    const r = evolve(table(), [
      { op: 'add-column', name: 'point.z', type: t('double') },
      { op: 'add-column', name: 'alt', parent: 'locations', type: t('float') },
      { op: 'add-column', name: 'b', parent: 'props', type: t('string') },
    ]);
    expect(field(r.schema, 'point.z').id).toBe(21);
    expect(field(r.schema, 'locations.element.alt').id).toBe(22);
    expect(field(r.schema, 'props.value.b').id).toBe(23);
    expect(r.addedByParent.get(4)).toEqual([21]);
    expect(r.addedByParent.get(14)).toEqual([22]);
    expect(r.addedByParent.get(11)).toEqual([23]);
  });

  it('resolves short names of list element structs as the reference implementation does', () => {
    const r = evolve(table(), [{ op: 'add-column', name: 'locations.alt', type: t('float') }]);
    expect(findColumnName(r.schema, 21)).toBe('locations.element.alt');
  });

  it('assigns nested ids in the reference order: the column, its struct fields, then their nested types', () => {
    const type = parseType({
      type: 'struct',
      fields: [
        { id: 100, name: 'a', required: false, type: { type: 'list', 'element-id': 101, element: 'int', 'element-required': false } },
        { id: 102, name: 'b', required: false, type: { type: 'map', 'key-id': 103, key: 'string', 'value-id': 104, value: 'long', 'value-required': true } },
        { id: 105, name: 'c', required: true, type: 'string' },
      ],
    });
    const r = evolve(table(), [{ op: 'add-column', name: 'nested', type }]);
    expect(typeToJson(field(r.schema, 'nested').type)).toEqual({
      type: 'struct',
      fields: [
        { id: 22, name: 'a', required: false, type: { type: 'list', 'element-id': 25, element: 'int', 'element-required': false } },
        { id: 23, name: 'b', required: false, type: { type: 'map', 'key-id': 26, key: 'string', 'value-id': 27, value: 'long', 'value-required': true } },
        { id: 24, name: 'c', required: true, type: 'string' },
      ],
    });
    expect(field(r.schema, 'nested').id).toBe(21);
    expect(r.lastColumnId).toBe(27);
    expect(r.addedFieldIds).toEqual([21, 22, 23, 24, 25, 26, 27]);
  });

  it('never reuses the ids of dropped columns: ids continue after last-column-id', () => {
    const m = table();
    const dropped = evolve(m, [{ op: 'drop-column', name: 'i' }]);
    expect(dropped.lastColumnId).toBe(20);
    // The table remembers last-column-id 20 although 20 is gone from the schema.
    const m2: TableMetadata = { ...m, schemas: [...m.schemas, dropped.schema], currentSchemaId: dropped.schema.schemaId };
    const readd = evolve(m2, [{ op: 'add-column', name: 'i', type: t('int') }]);
    expect(field(readd.schema, 'i').id).toBe(21);
  });

  it('refuses ids in the reserved range (spec "Reserved Field IDs")', () => {
    const m = { ...table(), lastColumnId: 2147483447 };
    const e = refused(m, [{ op: 'add-column', name: 'x', type: t('int') }], 'invalid-schema', undefined);
    expect(e.message).toContain('2147483448');
    expect(evolve({ ...table(), lastColumnId: 2147483446 }, [{ op: 'add-column', name: 'x', type: t('int') }]).lastColumnId).toBe(2147483447);
  });

  it('positions an added column first, after or before another', () => {
    const r = evolve(table(), [
      { op: 'add-column', name: 'a', type: t('int'), position: { first: true } },
      { op: 'add-column', name: 'b', type: t('int'), position: { after: 'id' } },
      { op: 'add-column', name: 'c', type: t('int'), position: { before: 'i' } },
      { op: 'add-column', name: 'point.w', type: t('int'), position: { before: 'point.x' } },
    ]);
    expect(names(r.schema).slice(0, 3)).toEqual(['a', 'id', 'b']);
    expect(names(r.schema).slice(-2)).toEqual(['c', 'i']);
    expect((field(r.schema, 'point').type as { fields: { name: string }[] }).fields.map((f) => f.name)).toEqual(['w', 'x', 'y']);
  });

  it('adds a required column with a default on v3, setting both defaults', () => {
    const r = evolve(table({ formatVersion: 3 }), [{ op: 'add-column', name: 'n', type: t('decimal(9, 2)'), required: true, default: '1.5' }]);
    const f = field(r.schema, 'n');
    expect(f.required).toBe(true);
    expect(f.initialDefault).toBe('1.50');
    expect(f.writeDefault).toBe('1.50');
  });

  it('refuses a required column without a default', () => {
    refused(table(), [{ op: 'add-column', name: 'n', type: t('int'), required: true }], 'required-without-default', 'n');
    refused(table({ formatVersion: 3 }), [{ op: 'add-column', name: 'n', type: t('int'), required: true }], 'required-without-default', 'n');
  });

  it('allows a required column without a default only as an incompatible change', () => {
    const r = evolve(table(), [{ op: 'add-column', name: 'n', type: t('int'), required: true }], { allowIncompatibleChanges: true });
    expect(field(r.schema, 'n').required).toBe(true);
  });

  it('refuses defaults before format version 3', () => {
    refused(table(), [{ op: 'add-column', name: 'n', type: t('int'), required: true, default: 1 }], 'defaults-need-v3', 'n');
    refused(table(), [{ op: 'add-column', name: 'n', type: t('int'), default: 1 }], 'defaults-need-v3', 'n');
  });

  it('refuses defaults that are not values of the type, and non-empty struct defaults', () => {
    const m = table({ formatVersion: 3 });
    refused(m, [{ op: 'add-column', name: 'n', type: t('int'), default: 'abc' }], 'invalid-default', 'n');
    refused(m, [{ op: 'add-column', name: 'n', type: t('date'), default: '2024-13-45' }], 'invalid-default', 'n');
    const struct = parseType({ type: 'struct', fields: [{ id: 1, name: 'x', required: false, type: 'int' }] });
    refused(m, [{ op: 'add-column', name: 's', type: struct, default: { '1': 3 } }], 'invalid-default', 's');
    const ok = evolve(m, [{ op: 'add-column', name: 's', type: struct, default: {} }]);
    expect(field(ok.schema, 's').initialDefault).toEqual({});
    refused(m, [{ op: 'add-column', name: 'v', type: t('variant'), default: 1 }], 'invalid-default', 'v');
  });

  it('refuses an existing name, also case-insensitively when a name mapping is set or names are matched case-insensitively', () => {
    refused(table(), [{ op: 'add-column', name: 'name', type: t('int') }], 'name-exists', 'name');
    refused(table(), [{ op: 'add-column', name: 'point.x', type: t('int') }], 'name-exists', 'point.x');
    refused(table(), [{ op: 'add-column', name: 'q', type: t('int') }, { op: 'add-column', name: 'q', type: t('int') }], 'name-exists', 'q');
    // Case differs: fine by default ...
    expect(evolve(table(), [{ op: 'add-column', name: 'Name', type: t('int') }]).changed).toBe(true);
    // ... but not when readers match names (name mapping) or names are case-insensitive.
    const mapped = table({ properties: { 'schema.name-mapping.default': serializeNameMapping(nameMappingFromSchema(richSchema())) } });
    refused(mapped, [{ op: 'add-column', name: 'Name', type: t('int') }], 'name-exists', 'Name');
    refused(table(), [{ op: 'add-column', name: 'NAME', type: t('int') }], 'name-exists', 'NAME', { caseSensitive: false });
  });

  it('refuses a parent that is missing or not a struct, or dropped in the same change', () => {
    refused(table(), [{ op: 'add-column', name: 'nope.x', type: t('int') }], 'column-not-found', 'nope');
    refused(table(), [{ op: 'add-column', name: 'name.x', type: t('int') }], 'parent-not-struct', 'name');
    refused(table(), [{ op: 'add-column', name: 'x', parent: 'tags', type: t('int') }], 'parent-not-struct', 'tags');
    refused(table(), [{ op: 'drop-column', name: 'point' }, { op: 'add-column', name: 'point.z', type: t('int') }], 'conflicting-changes', 'point');
  });

  it('re-adds a column under the name of one dropped in the same change, with a new id', () => {
    const r = evolve(table(), [
      { op: 'drop-column', name: 'name' },
      { op: 'add-column', name: 'name', type: t('long') },
    ]);
    expect(field(r.schema, 'name').id).toBe(21);
    expect(r.droppedFieldIds).toEqual([2]);
  });

  it('refuses a column named like a partition field of any spec (identity on its own source is fine)', () => {
    const m = table({ spec: daySpec() });
    refused(m, [{ op: 'add-column', name: 'ts_day', type: t('int') }], 'partition-name', 'ts_day');
    refused(m, [{ op: 'rename-column', name: 'name', newName: 'id_bucket' }], 'partition-name', 'id_bucket');
    const identity = table({ spec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'name', transform: parseTransform('identity') }] } });
    expect(evolve(identity, [{ op: 'rename-column', name: 'name', newName: 'n' }]).changed).toBe(true);
  });
});

describe('drop column', () => {
  it('drops top-level and nested columns', () => {
    const r = evolve(table(), [{ op: 'drop-column', name: 'point.y' }, { op: 'drop-column', name: 'tags' }, { op: 'drop-column', name: 'locations.lon' }]);
    expect(names(r.schema)).not.toContain('tags');
    expect(() => field(r.schema, 'point.y')).toThrow();
    expect(field(r.schema, 'locations.element.lat').id).toBe(15);
    expect(() => field(r.schema, 'locations.element.lon')).toThrow();
    expect(r.droppedColumns).toEqual(['point.y', 'tags', 'locations.element.lon']);
  });

  it('refuses a missing column', () => {
    refused(table(), [{ op: 'drop-column', name: 'nope' }], 'column-not-found', 'nope');
  });

  it('refuses dropping an identifier field, or a struct holding one, unless the identifier fields change too', () => {
    refused(table(), [{ op: 'drop-column', name: 'id' }], 'identifier-field', 'id');
    const nested = table({
      schema: parseSchema({
        type: 'struct',
        'schema-id': 0,
        'identifier-field-ids': [2],
        fields: [{ id: 1, name: 'key', required: true, type: { type: 'struct', fields: [{ id: 2, name: 'k', required: true, type: 'int' }] } }, { id: 3, name: 'v', required: true, type: 'int' }],
      }),
    });
    refused(nested, [{ op: 'drop-column', name: 'key' }], 'identifier-field', 'key');
    const r = evolve(nested, [{ op: 'set-identifier-fields', names: ['v'] }, { op: 'drop-column', name: 'key' }]);
    expect(r.schema.identifierFieldIds).toEqual([3]);
  });

  it('refuses dropping a source column of the current partition spec, but not of older specs', () => {
    const m = table({ spec: daySpec() });
    refused(m, [{ op: 'drop-column', name: 'ts' }], 'partition-source', 'ts');
    // An older spec referencing the column does not block the drop.
    const older: TableMetadata = {
      ...m,
      partitionSpecs: [...m.partitionSpecs, { specId: 1, fields: [] }],
      defaultSpecId: 1,
    };
    expect(evolve(older, [{ op: 'drop-column', name: 'ts' }]).changed).toBe(true);
  });

  it('refuses dropping a struct whose field is a partition source', () => {
    const m = table({ spec: { specId: 0, fields: [{ sourceId: 5, fieldId: 1000, name: 'x_bucket', transform: parseTransform('bucket[4]') }] } });
    const e = refused(m, [{ op: 'drop-column', name: 'point' }], 'partition-source', 'point');
    expect(e.message).toContain('point.x');
  });

  it('allows dropping the source of a void partition field (v1 removal)', () => {
    const m = table({ formatVersion: 1, spec: { specId: 0, fields: [{ sourceId: 3, fieldId: 1000, name: 'ts_day', transform: parseTransform('void') }] } });
    expect(evolve(m, [{ op: 'drop-column', name: 'ts' }]).changed).toBe(true);
  });

  it('refuses dropping a sort order source column', () => {
    const m = table({ sortOrder: { orderId: 1, fields: [{ sourceId: 2, transform: parseTransform('identity'), direction: 'asc', nullOrder: 'nulls-first' }] } });
    refused(m, [{ op: 'drop-column', name: 'name' }], 'sort-source', 'name');
  });

  it('refuses dropping a list element or map key or value', () => {
    refused(table(), [{ op: 'drop-column', name: 'tags.element' }], 'list-or-map-part', 'tags.element');
    refused(table(), [{ op: 'drop-column', name: 'props.key' }], 'list-or-map-part', 'props.key');
  });

  it('refuses dropping a column that is changed or extended in the same change', () => {
    refused(table(), [{ op: 'rename-column', name: 'name', newName: 'n' }, { op: 'drop-column', name: 'name' }], 'conflicting-changes', 'name');
    refused(table(), [{ op: 'add-column', name: 'point.z', type: t('int') }, { op: 'drop-column', name: 'point' }], 'conflicting-changes', 'point');
    refused(table(), [{ op: 'add-column', name: 'z', type: t('int') }, { op: 'drop-column', name: 'z' }], 'conflicting-changes', 'z');
  });
});

describe('rename column', () => {
  it('renames top-level and nested columns keeping ids', () => {
    const r = evolve(table(), [{ op: 'rename-column', name: 'name', newName: 'full_name' }, { op: 'rename-column', name: 'locations.lat', newName: 'latitude' }]);
    expect(field(r.schema, 'full_name')).toMatchObject({ id: 2, doc: 'display name' });
    expect(field(r.schema, 'locations.element.latitude').id).toBe(15);
    expect(r.renamedColumns).toEqual(new Map([['name', 'full_name'], ['locations.element.lat', 'locations.element.latitude']]));
  });

  it('reports the new names of columns inside a renamed struct', () => {
    const r = evolve(table(), [{ op: 'rename-column', name: 'point', newName: 'p' }]);
    expect(r.renamedColumns.get('point.x')).toBe('p.x');
  });

  it('keeps identifier fields on a renamed column', () => {
    const r = evolve(table(), [{ op: 'rename-column', name: 'id', newName: 'key' }]);
    expect(r.schema.identifierFieldIds).toEqual([1]);
  });

  it('swaps two names in one change', () => {
    const r = evolve(table(), [
      { op: 'rename-column', name: 'f', newName: 'tmp' },
      { op: 'rename-column', name: 'i', newName: 'f' },
    ]);
    expect(field(r.schema, 'f').id).toBe(20);
    expect(field(r.schema, 'tmp').id).toBe(19);
  });

  it('refuses a name clash, a missing column, an empty name and list/map parts', () => {
    refused(table(), [{ op: 'rename-column', name: 'name', newName: 'id' }], 'name-exists', 'id');
    refused(table(), [{ op: 'rename-column', name: 'point.x', newName: 'y' }], 'name-exists', 'point.y');
    refused(table(), [{ op: 'rename-column', name: 'nope', newName: 'x' }], 'column-not-found', 'nope');
    refused(table(), [{ op: 'rename-column', name: 'name', newName: '' }], 'invalid-name', 'name');
    refused(table(), [{ op: 'rename-column', name: 'tags.element', newName: 'x' }], 'list-or-map-part', 'tags.element');
    refused(table(), [{ op: 'rename-column', name: 'name', newName: 'ID' }], 'name-exists', 'ID', { caseSensitive: false });
  });

  it('refuses renaming a column that is dropped', () => {
    refused(table(), [{ op: 'drop-column', name: 'name' }, { op: 'rename-column', name: 'name', newName: 'n' }], 'conflicting-changes', 'name');
  });
});

describe('widen types', () => {
  it('widens int -> long, float -> double and decimal precision', () => {
    const r = evolve(table(), [
      { op: 'update-column', name: 'i', type: t('long') },
      { op: 'update-column', name: 'f', type: t('double') },
      { op: 'update-column', name: 'price', type: t('decimal(18, 2)') },
      { op: 'update-column', name: 'locations.lat', type: t('double') },
      { op: 'update-column', name: 'props.a', type: t('long') },
    ]);
    expect(field(r.schema, 'i').type).toEqual({ kind: 'long' });
    expect(field(r.schema, 'f').type).toEqual({ kind: 'double' });
    expect(field(r.schema, 'price').type).toEqual({ kind: 'decimal', precision: 18, scale: 2 });
    expect(field(r.schema, 'locations.element.lat').type).toEqual({ kind: 'double' });
    expect(field(r.schema, 'props.value.a').type).toEqual({ kind: 'long' });
  });

  it('widens a list element type', () => {
    const m = table({ schema: parseSchema({ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'l', required: false, type: { type: 'list', 'element-id': 2, element: 'int', 'element-required': true } }] }) });
    const r = evolve(m, [{ op: 'update-column', name: 'l.element', type: t('long') }, { op: 'make-optional', name: 'l.element' }]);
    expect(typeToJson(field(r.schema, 'l').type)).toEqual({ type: 'list', 'element-id': 2, element: 'long', 'element-required': false });
  });

  it('refuses narrowing and unrelated changes, naming the rule', () => {
    const m = table();
    for (const [col, to] of [['id', 'int'], ['i', 'string'], ['f', 'int'], ['price', 'decimal(8, 2)'], ['price', 'decimal(10, 3)'], ['name', 'binary'], ['ts', 'timestamp']] as const) {
      const e = refused(m, [{ op: 'update-column', name: col, type: t(to) }], 'type-change', col);
      expect(e.message).toMatch(/only widening/);
    }
  });

  it('refuses date -> timestamp before v3 and allows it on v3', () => {
    const e = refused(table(), [{ op: 'update-column', name: 'd', type: t('timestamp') }], 'type-change', 'd');
    expect(e.message).toContain('format version 3');
    const r = evolve(table({ formatVersion: 3 }), [{ op: 'update-column', name: 'd', type: t('timestamp_ns') }]);
    expect(field(r.schema, 'd').type).toEqual({ kind: 'timestamp_ns' });
    refused(table({ formatVersion: 3 }), [{ op: 'update-column', name: 'd', type: t('timestamptz') }], 'type-change', 'd');
  });

  it('refuses date -> timestamp when an identity or bucket partition uses the column, allows it under day()', () => {
    const spec = (transform: string) => ({ specId: 0, fields: [{ sourceId: 18, fieldId: 1000, name: 'p', transform: parseTransform(transform) }] });
    refused(table({ formatVersion: 3, spec: spec('bucket[4]') }), [{ op: 'update-column', name: 'd', type: t('timestamp') }], 'partition-source', 'd');
    refused(table({ formatVersion: 3, spec: spec('identity') }), [{ op: 'update-column', name: 'd', type: t('timestamp') }], 'partition-source', 'd');
    expect(evolve(table({ formatVersion: 3, spec: spec('day') }), [{ op: 'update-column', name: 'd', type: t('timestamp') }]).changed).toBe(true);
  });

  it('refuses changing nested types (no nesting changes)', () => {
    refused(table(), [{ op: 'update-column', name: 'point', type: t('string') }], 'nesting-change', 'point');
  });

  it('treats the same type as no change', () => {
    const r = evolve(table(), [{ op: 'update-column', name: 'i', type: t('int') }]);
    expect(r.changed).toBe(false);
    expect(r.schema.schemaId).toBe(0);
  });

  it('merges a rename and a type change of the same column', () => {
    const r = evolve(table(), [{ op: 'rename-column', name: 'i', newName: 'count' }, { op: 'update-column', name: 'i', type: t('long') }]);
    expect(field(r.schema, 'count')).toMatchObject({ id: 20, type: { kind: 'long' } });
  });
});

describe('nullability, docs, defaults', () => {
  it('makes a column optional', () => {
    const r = evolve(table(), [{ op: 'make-optional', name: 'point.x' }]);
    expect(field(r.schema, 'point.x').required).toBe(false);
  });

  it('refuses optional -> required unless incompatible changes are allowed', () => {
    refused(table(), [{ op: 'require-column', name: 'name' }], 'nullability', 'name');
    expect(field(evolve(table(), [{ op: 'require-column', name: 'name' }], { allowIncompatibleChanges: true }).schema, 'name').required).toBe(true);
  });

  it('allows requiring a column added with a default in the same change (v3)', () => {
    const r = evolve(table({ formatVersion: 3 }), [{ op: 'add-column', name: 'n', type: t('int'), default: 7 }, { op: 'require-column', name: 'n' }]);
    expect(field(r.schema, 'n')).toMatchObject({ required: true, initialDefault: 7 });
  });

  it('refuses making an identifier field optional', () => {
    refused(table(), [{ op: 'make-optional', name: 'id' }], 'identifier-field', 'id');
  });

  it('sets and removes docs', () => {
    const r = evolve(table(), [{ op: 'set-doc', name: 'id', doc: 'primary key' }, { op: 'set-doc', name: 'name', doc: null }]);
    expect(field(r.schema, 'id').doc).toBe('primary key');
    expect(field(r.schema, 'name').doc).toBeUndefined();
    refused(table(), [{ op: 'set-doc', name: 'tags.element', doc: 'x' }], 'list-or-map-part', 'tags.element');
  });

  it('changes the write default only (v3), never the initial default', () => {
    const m3 = table({ formatVersion: 3 });
    const added = evolve(m3, [{ op: 'add-column', name: 'n', type: t('int'), required: true, default: 1 }]);
    const m4: TableMetadata = { ...m3, schemas: [...m3.schemas, added.schema], currentSchemaId: added.schema.schemaId, lastColumnId: added.lastColumnId };
    const r = evolve(m4, [{ op: 'set-default', name: 'n', default: 5 }]);
    expect(field(r.schema, 'n')).toMatchObject({ initialDefault: 1, writeDefault: 5 });
    refused(m4, [{ op: 'set-default', name: 'n', default: null }], 'required-without-default', 'n');
    refused(table(), [{ op: 'set-default', name: 'i', default: 5 }], 'defaults-need-v3', 'i');
    refused(m3, [{ op: 'set-default', name: 'i', default: 'x' }], 'invalid-default', 'i');
  });
});

describe('move column', () => {
  it('moves first, before and after within a struct', () => {
    const r = evolve(table(), [
      { op: 'move-column', name: 'i', position: { first: true } },
      { op: 'move-column', name: 'f', position: { after: 'id' } },
      { op: 'move-column', name: 'point.y', position: { before: 'point.x' } },
      { op: 'move-column', name: 'locations.lon', position: { first: true } },
    ]);
    expect(names(r.schema).slice(0, 3)).toEqual(['i', 'id', 'f']);
    expect(findColumnName(r.schema, 6)).toBe('point.y');
    expect((field(r.schema, 'point').type as { fields: { id: number }[] }).fields.map((f) => f.id)).toEqual([6, 5]);
    expect((field(r.schema, 'locations.element').type as { fields: { id: number }[] }).fields.map((f) => f.id)).toEqual([16, 15]);
    // Moves keep ids and types: the schema only reorders.
    expect([...indexSchema(r.schema).keys()].sort((a, b) => a - b)).toEqual([...indexSchema(richSchema()).keys()].sort((a, b) => a - b));
  });

  it('refuses moving across structs, relative to itself, or a missing column', () => {
    refused(table(), [{ op: 'move-column', name: 'point.x', position: { after: 'id' } }], 'move', 'point.x');
    refused(table(), [{ op: 'move-column', name: 'id', position: { before: 'id' } }], 'move', 'id');
    refused(table(), [{ op: 'move-column', name: 'nope', position: { first: true } }], 'column-not-found', 'nope');
    refused(table(), [{ op: 'move-column', name: 'id', position: { after: 'nope' } }], 'column-not-found', 'nope');
    refused(table(), [{ op: 'drop-column', name: 'i' }, { op: 'move-column', name: 'f', position: { after: 'i' } }], 'conflicting-changes', 'i');
  });
});

describe('identifier fields', () => {
  it('sets identifier fields by name, resolved in the new schema', () => {
    const r = evolve(table(), [{ op: 'add-column', name: 'k', type: t('string'), required: true }, { op: 'set-identifier-fields', names: ['id', 'k'] }], { allowIncompatibleChanges: true });
    expect(r.schema.identifierFieldIds).toEqual([1, 21]);
  });

  it('refuses identifier fields that are optional, float/double, nested in lists/maps/optional structs, not primitive or missing', () => {
    refused(table(), [{ op: 'set-identifier-fields', names: ['name'] }], 'identifier-field', 'name');
    const schema = parseSchema({
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'dbl', required: true, type: 'double' },
        { id: 2, name: 's', required: true, type: { type: 'struct', fields: [{ id: 3, name: 'a', required: true, type: 'int' }] } },
        { id: 4, name: 'os', required: false, type: { type: 'struct', fields: [{ id: 5, name: 'b', required: true, type: 'int' }] } },
        { id: 6, name: 'l', required: true, type: { type: 'list', 'element-id': 7, element: { type: 'struct', fields: [{ id: 8, name: 'c', required: true, type: 'int' }] }, 'element-required': true } },
      ],
    });
    const m = table({ schema });
    refused(m, [{ op: 'set-identifier-fields', names: ['dbl'] }], 'identifier-field', 'dbl');
    refused(m, [{ op: 'set-identifier-fields', names: ['s'] }], 'identifier-field', 's');
    refused(m, [{ op: 'set-identifier-fields', names: ['os.b'] }], 'identifier-field', 'os.b');
    refused(m, [{ op: 'set-identifier-fields', names: ['l.c'] }], 'identifier-field', 'l.element.c');
    refused(m, [{ op: 'set-identifier-fields', names: ['zz'] }], 'identifier-field', 'zz');
    expect(evolve(m, [{ op: 'set-identifier-fields', names: ['s.a'] }]).schema.identifierFieldIds).toEqual([3]);
  });
});

describe('results', () => {
  it('reuses the id of an identical earlier schema (rename and rename back)', () => {
    const m = table();
    const r1 = evolve(m, [{ op: 'rename-column', name: 'name', newName: 'n' }]);
    const m1: TableMetadata = { ...m, schemas: [...m.schemas, r1.schema], currentSchemaId: r1.schema.schemaId };
    const r2 = evolve(m1, [{ op: 'rename-column', name: 'n', newName: 'name' }]);
    expect(r2.changed).toBe(true);
    expect(r2.schema.schemaId).toBe(0);
  });

  it('reports the change index of a refused change in a list', () => {
    const e = refused(table(), [{ op: 'add-column', name: 'a', type: t('int') }, { op: 'drop-column', name: 'nope' }], 'column-not-found', 'nope');
    expect(e.message).toMatch(/^change 2 \(drop-column\)/);
    expect(e.context.change).toBe(1);
  });

  it('refuses unknown change kinds with INVALID_INPUT', () => {
    expect(() => evolve(table(), [{ op: 'explode' } as unknown as SchemaChange])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('union by name', () => {
  it('adds missing columns (nested too) as optional, widens, makes optional and keeps wider types', () => {
    const incoming = parseSchema({
      type: 'struct',
      fields: [
        { id: 1, name: 'id', required: false, type: 'int' }, // narrower: kept as long, but becomes optional
        { id: 2, name: 'i', required: false, type: 'long' }, // wider: widened
        { id: 3, name: 'point', required: false, type: { type: 'struct', fields: [{ id: 4, name: 'z', required: true, type: 'double' }] } },
        { id: 5, name: 'extra', required: true, type: { type: 'list', 'element-id': 6, element: 'string', 'element-required': true } },
        { id: 7, name: 'locations', required: false, type: { type: 'list', 'element-id': 8, element: { type: 'struct', fields: [{ id: 9, name: 'alt', required: false, type: 'float' }] }, 'element-required': false } },
      ],
    });
    const m = table({ schema: { ...richSchema(), identifierFieldIds: [] } });
    const changes = unionByNameChanges(m.schemas[0]!, incoming);
    expect(changes).toEqual([
      { op: 'make-optional', name: 'id' },
      { op: 'update-column', name: 'i', type: { kind: 'long' } },
      { op: 'add-column', name: 'z', parent: 'point', type: { kind: 'double' }, required: false },
      { op: 'add-column', name: 'extra', type: { kind: 'list', elementId: 6, elementRequired: true, element: { kind: 'string' } }, required: false },
      { op: 'make-optional', name: 'locations.element' },
      { op: 'add-column', name: 'alt', parent: 'locations.element', type: { kind: 'float' }, required: false },
    ]);
    const r = evolve(m, changes);
    expect(field(r.schema, 'id')).toMatchObject({ required: false, type: { kind: 'long' } });
    expect(field(r.schema, 'point.z').id).toBe(21);
    expect(field(r.schema, 'extra').id).toBe(22);
    expect(field(r.schema, 'locations.element.alt').id).toBe(24);
  });

  it('refuses a different nesting', () => {
    const incoming = parseSchema({ type: 'struct', fields: [{ id: 1, name: 'point', required: false, type: 'string' }] });
    expect(() => unionByNameChanges(richSchema(), incoming)).toThrow(expect.objectContaining({ code: 'INVALID_SCHEMA_CHANGE', context: { rule: 'nesting-change', column: 'point' } }));
  });

  it('matches names case-insensitively on request', () => {
    const incoming = parseSchema({ type: 'struct', fields: [{ id: 1, name: 'NAME', required: false, type: 'string' }] });
    expect(unionByNameChanges(richSchema(), incoming, { caseSensitive: false })).toEqual([]);
    expect(unionByNameChanges(richSchema(), incoming)).toHaveLength(1);
  });
});

describe('name mapping and column properties', () => {
  it('adds new names for renamed fields and mappings for added fields', () => {
    const m = table();
    const mapping = nameMappingFromSchema(m.schemas[0]!);
    const r = evolve(m, [
      { op: 'rename-column', name: 'name', newName: 'full_name' },
      { op: 'add-column', name: 'point.z', type: t('int') },
      { op: 'add-column', name: 'kv', type: parseType({ type: 'map', 'key-id': 1, key: 'string', 'value-id': 2, value: 'int', 'value-required': false }) },
    ]);
    const updated = updateNameMapping(mapping, m.schemas[0]!, r);
    expect(updated.find((f) => f.fieldId === 2)!.names).toEqual(['name', 'full_name']);
    expect(updated.find((f) => f.fieldId === 4)!.fields!.map((f) => [f.fieldId, f.names])).toEqual([[5, ['x']], [6, ['y']], [21, ['z']]]);
    expect(updated.at(-1)).toEqual({ fieldId: 22, names: ['kv'], fields: [{ fieldId: 23, names: ['key'] }, { fieldId: 24, names: ['value'] }] });
    // Round-trips through the property form.
    expect(parseNameMapping(serializeNameMapping(updated), 'INVALID_INPUT')).toEqual(updated);
  });

  it('moves a name taken by a new column away from the old mapping', () => {
    const m = table();
    const mapping = nameMappingFromSchema(m.schemas[0]!);
    const r = evolve(m, [{ op: 'drop-column', name: 'i' }, { op: 'add-column', name: 'i', type: t('long') }]);
    const updated = updateNameMapping(mapping, m.schemas[0]!, r);
    expect(updated.find((f) => f.fieldId === 20)!.names).toEqual([]);
    expect(updated.find((f) => f.fieldId === 21)!.names).toEqual(['i']);
  });

  it('moves per-column properties with renames and drops them with columns', () => {
    const props = {
      'write.metadata.metrics.column.name': 'full',
      'write.metadata.metrics.column.point.x': 'counts',
      'write.parquet.bloom-filter-enabled.column.i': 'true',
      owner: 'me',
    };
    const r = evolve(table(), [{ op: 'rename-column', name: 'point', newName: 'p' }, { op: 'drop-column', name: 'i' }]);
    expect(columnPropertyChanges(props, r)).toEqual({ set: { 'write.metadata.metrics.column.p.x': 'counts' }, remove: ['write.metadata.metrics.column.point.x', 'write.parquet.bloom-filter-enabled.column.i'] });
  });
});

describe('ColumnIndex', () => {
  it('finds canonical and short names, case-insensitively when asked, and reports ambiguity', () => {
    const idx = new ColumnIndex(richSchema());
    expect(idx.find('locations.element.lat')).toBe(15);
    expect(idx.find('locations.lat')).toBe(15);
    expect(idx.find('props.value.a')).toBe(12);
    expect(idx.find('props.a')).toBe(12);
    expect(idx.find('tags.element')).toBe(8);
    expect(idx.find('POINT.X')).toBeUndefined();
    expect(idx.find('POINT.X', false)).toBe(5);
    const twin = new ColumnIndex(parseSchema({ type: 'struct', fields: [{ id: 1, name: 'ab', required: false, type: 'int' }, { id: 2, name: 'AB', required: false, type: 'int' }] }));
    expect(twin.find('AB', false)).toBe(2);
    expect(() => twin.find('Ab', false)).toThrow(/ambiguous: ab, AB/);
  });
});
