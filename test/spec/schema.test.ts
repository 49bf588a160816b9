import { describe, expect, it } from 'vitest';
import {
  type Schema,
  findColumnName,
  findField,
  findFieldByName,
  highestFieldId,
  indexSchema,
  parseSchema,
  schemaToJson,
  validateSchema,
} from '../../src/spec/schema.js';
import { thrown } from '../support/errors.js';

const JSON_SCHEMA = {
  type: 'struct',
  'schema-id': 3,
  'identifier-field-ids': [1, 5],
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    {
      id: 2,
      name: 'point',
      required: true,
      type: { type: 'struct', fields: [{ id: 5, name: 'x', required: true, type: 'int' }, { id: 6, name: 'Y', required: false, type: 'double' }] },
    },
    { id: 3, name: 'tags', required: false, type: { type: 'list', 'element-id': 7, element: 'string', 'element-required': true } },
    { id: 4, name: 'props', required: false, type: { type: 'map', 'key-id': 8, key: 'string', 'value-id': 9, value: 'int', 'value-required': false } },
  ],
};

const schema = (overrides: Partial<Schema> = {}): Schema => ({ ...parseSchema(JSON_SCHEMA), ...overrides });

function withFields(fields: unknown[], ids: number[] = []): Schema {
  return parseSchema({ type: 'struct', 'schema-id': 0, 'identifier-field-ids': ids, fields });
}

describe('schema JSON', () => {
  it('round-trips', () => {
    expect(schemaToJson(parseSchema(JSON_SCHEMA))).toEqual(JSON_SCHEMA);
    const noIds = parseSchema({ type: 'struct', fields: [] });
    expect(noIds).toEqual({ schemaId: 0, fields: [], identifierFieldIds: [] });
    expect(schemaToJson(noIds)).toEqual({ type: 'struct', 'schema-id': 0, fields: [] });
  });

  it('refuses malformed schemas', () => {
    expect(thrown(() => parseSchema({ type: 'struct', 'schema-id': 'a', fields: [] })).message).toContain('schema-id must be an integer');
    expect(thrown(() => parseSchema({ type: 'struct', 'identifier-field-ids': 1, fields: [] })).message).toContain('identifier-field-ids must be a list');
    expect(thrown(() => parseSchema(null)).code).toBe('INVALID_METADATA');
  });
});

describe('lookups', () => {
  const s = schema();
  it('indexes every field with its dotted path and parents', () => {
    const idx = indexSchema(s);
    expect([...idx.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(idx.get(5)).toMatchObject({ path: 'point.x', parents: [2] });
    expect(idx.get(7)).toMatchObject({ path: 'tags.element', parents: [3] });
    expect(idx.get(9)).toMatchObject({ path: 'props.value', parents: [4] });
    expect(findColumnName(s, 8)).toBe('props.key');
    expect(findColumnName(s, 99)).toBeUndefined();
    expect(findField(s, 6)?.name).toBe('Y');
    expect(highestFieldId(s)).toBe(9);
  });

  it('finds by name, case-insensitively only on request, and reports ambiguity', () => {
    expect(findFieldByName(s, 'point.Y')?.id).toBe(6);
    expect(findFieldByName(s, 'POINT.y')).toBeUndefined();
    expect(findFieldByName(s, 'POINT.y', false)?.id).toBe(6);
    const twins = withFields([
      { id: 1, name: 'ab', required: false, type: 'int' },
      { id: 2, name: 'AB', required: false, type: 'int' },
    ]);
    expect(findFieldByName(twins, 'AB', false)?.id).toBe(2);
    const e = thrown(() => findFieldByName(twins, 'Ab', false));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe('column name "Ab" is ambiguous: ab, AB');
  });

  it('refuses duplicate field ids', () => {
    const dup = withFields([
      { id: 1, name: 'a', required: false, type: 'int' },
      { id: 1, name: 'b', required: false, type: 'int' },
    ]);
    expect(thrown(() => indexSchema(dup)).message).toBe('duplicate field id 1 (a and b)');
  });
});

describe('validation', () => {
  const message = (s: Schema, formatVersion = 2): string => thrown(() => validateSchema(s, { formatVersion })).message;

  it('accepts a valid schema with nested identifier fields', () => {
    validateSchema(schema());
  });

  it('checks identifier fields as the spec requires', () => {
    expect(message(schema({ identifierFieldIds: [99] }))).toContain('identifier field 99 does not exist');
    expect(message(schema({ identifierFieldIds: [6] }))).toContain('identifier field point.Y must not be float or double');
    expect(message(schema({ identifierFieldIds: [6] }))).toContain('identifier field point.Y must be required');
    expect(message(schema({ identifierFieldIds: [7] }))).toContain('identifier field tags.element must not be nested in a list');
    expect(message(schema({ identifierFieldIds: [8] }))).toContain('must not be nested in a map');
    expect(message(schema({ identifierFieldIds: [2] }))).toContain('identifier field point is not a primitive type');
    const optionalParent = withFields(
      [{ id: 1, name: 's', required: false, type: { type: 'struct', fields: [{ id: 2, name: 'k', required: true, type: 'int' }] } }],
      [2],
    );
    expect(message(optionalParent)).toContain('must not be nested in optional struct s');
  });

  it('checks format versions, defaults and the unknown type', () => {
    const v3 = withFields([
      { id: 1, name: 'ts', required: false, type: 'timestamp_ns' },
      { id: 2, name: 'n', required: false, type: 'int', 'initial-default': 5, 'write-default': 6 },
    ]);
    validateSchema(v3, { formatVersion: 3 });
    const m = message(v3, 2);
    expect(m).toContain('type timestamp_ns of ts needs format version 3');
    expect(m).toContain('initial-default of n needs format version 3');
    expect(message(withFields([{ id: 1, name: 'u', required: true, type: 'unknown' }]), 3)).toContain('field u of type unknown must be optional');
    expect(message(withFields([{ id: 1, name: 'v', required: false, type: 'variant', 'write-default': 1 }]), 3)).toContain('write-default of v must be null for type variant');
    expect(message(withFields([{ id: 1, name: 'd', required: false, type: 'date', 'initial-default': '2025-02-30' }]), 3)).toContain(
      'initial-default of d is not a valid date',
    );
    const struct = (def: unknown): Schema =>
      withFields([{ id: 1, name: 'p', required: false, type: { type: 'struct', fields: [{ id: 2, name: 'x', required: false, type: 'int' }] }, 'initial-default': def }]);
    validateSchema(struct({}), { formatVersion: 3 });
    expect(message(struct({ '2': 1 }), 3)).toContain('initial-default of struct p must be null or {}');
  });

  it('checks names and reserved ids', () => {
    expect(message(withFields([{ id: 2147483448, name: 'a', required: false, type: 'int' }]))).toContain('outside 0..2147483447');
    expect(message(withFields([{ id: 1, name: '', required: false, type: 'int' }]))).toContain('field 1 has an empty name');
    expect(message(withFields([{ id: 1, name: 'a', required: false, type: 'int' }, { id: 2, name: 'a', required: false, type: 'int' }]))).toContain(
      'fields 1 and 2 have the same name a',
    );
    const e = thrown(() => validateSchema(withFields([{ id: 1, name: 'a', required: false, type: 'int' }, { id: 1, name: 'b', required: false, type: 'int' }]), { existing: true }));
    expect(e.code).toBe('INVALID_METADATA');
    expect(e.message).toContain('duplicate field id 1');
  });
});
