import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  fieldIdForNamePath,
  findMappedField,
  indexNameMapping,
  nameMappingFromSchema,
  nameMappingOf,
  nameMappingToJson,
  parseNameMapping,
  serializeNameMapping,
} from '../../src/spec/name-mapping.js';
import type { Schema } from '../../src/spec/schema.js';
import { currentSchema, parseTableMetadata } from '../../src/spec/table-metadata.js';
import { thrown } from '../support/errors.js';

const CORPUS = fileURLToPath(new URL('../../../shared/conformance', import.meta.url));

// The example of spec Appendix C "Name Mapping Serialization".
const SPEC_EXAMPLE = `[ { "field-id": 1, "names": ["id", "record_id"] },
   { "field-id": 2, "names": ["data"] },
   { "field-id": 3, "names": ["location"], "fields": [
       { "field-id": 4, "names": ["latitude", "lat"] },
       { "field-id": 5, "names": ["longitude", "long"] }
     ] } ]`;

describe('name mapping', () => {
  it('parses and serializes the spec example', () => {
    const m = parseNameMapping(SPEC_EXAMPLE);
    expect(m).toEqual([
      { fieldId: 1, names: ['id', 'record_id'] },
      { fieldId: 2, names: ['data'] },
      {
        fieldId: 3,
        names: ['location'],
        fields: [
          { fieldId: 4, names: ['latitude', 'lat'] },
          { fieldId: 5, names: ['longitude', 'long'] },
        ],
      },
    ]);
    expect(nameMappingToJson(m)).toEqual(JSON.parse(SPEC_EXAMPLE));
    expect(parseNameMapping(serializeNameMapping(m))).toEqual(m);
    expect(serializeNameMapping(m).startsWith('[{"field-id":1,"names":["id","record_id"]}')).toBe(true);
  });

  it('looks up fields by name path, through aliases', () => {
    const m = parseNameMapping(SPEC_EXAMPLE);
    expect(fieldIdForNamePath(m, ['record_id'])).toBe(1);
    expect(fieldIdForNamePath(m, ['location', 'lat'])).toBe(4);
    expect(fieldIdForNamePath(m, ['location', 'longitude'])).toBe(5);
    expect(fieldIdForNamePath(m, ['location', 'alt'])).toBeUndefined();
    expect(fieldIdForNamePath(m, ['data', 'x'])).toBeUndefined();
    expect(findMappedField(m, ['location'])?.fields).toHaveLength(2);
    const index = indexNameMapping(m);
    expect([...index.keys()].sort()).toEqual(
      ['data', 'id', 'location', 'location.lat', 'location.latitude', 'location.long', 'location.longitude', 'record_id'].sort(),
    );
    expect(index.get('location.lat')?.fieldId).toBe(4);
  });

  it('keeps entries without a field id (names that map to nothing)', () => {
    const m = parseNameMapping('[{"names":["gone"]},{"field-id":1,"names":["a","a"]}]');
    expect(m).toEqual([{ names: ['gone'] }, { fieldId: 1, names: ['a'] }]);
    expect(fieldIdForNamePath(m, ['gone'])).toBeUndefined();
    expect(serializeNameMapping(m)).toBe('[{"names":["gone"]},{"field-id":1,"names":["a"]}]');
  });

  it('rejects invalid mappings', () => {
    expect(thrown(() => parseNameMapping('[{"field-id":1,"names":["a"]},{"field-id":1,"names":["b"]}]')).message).toMatch(/field id 1 is not unique/);
    expect(thrown(() => parseNameMapping('{"a":1}')).message).toMatch(/must be a list of field mappings/);
    expect(thrown(() => parseNameMapping('[{"field-id":"x","names":["a"]}]')).message).toMatch(/"field-id" must be a 32-bit integer/);
    expect(thrown(() => parseNameMapping('[{"field-id":1,"names":[2]}]')).message).toMatch(/element 0 of "names" must be a string/);
    expect(thrown(() => parseNameMapping('[oops]')).code).toBe('INVALID_METADATA');
    expect(thrown(() => parseNameMapping('[1]', 'INVALID_INPUT')).code).toBe('INVALID_INPUT');
  });

  it('builds a mapping from a schema as MappingUtil.create does', () => {
    const schema: Schema = {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [
        { id: 1, name: 'id', required: true, type: { kind: 'long' } },
        { id: 2, name: 'tags', required: false, type: { kind: 'list', elementId: 5, elementRequired: false, element: { kind: 'string' } } },
        {
          id: 3,
          name: 'attrs',
          required: false,
          type: { kind: 'map', keyId: 6, key: { kind: 'string' }, valueId: 7, valueRequired: false, value: { kind: 'struct', fields: [{ id: 8, name: 'v', required: false, type: { kind: 'int' } }] } },
        },
        { id: 4, name: 'doc', required: false, type: { kind: 'variant' } },
      ],
    };
    expect(nameMappingFromSchema(schema)).toEqual([
      { fieldId: 1, names: ['id'] },
      { fieldId: 2, names: ['tags'], fields: [{ fieldId: 5, names: ['element'] }] },
      { fieldId: 3, names: ['attrs'], fields: [{ fieldId: 6, names: ['key'] }, { fieldId: 7, names: ['value'], fields: [{ fieldId: 8, names: ['v'] }] }] },
      { fieldId: 4, names: ['doc'] },
    ]);
    expect(fieldIdForNamePath(nameMappingFromSchema(schema), ['attrs', 'value', 'v'])).toBe(8);
  });

  it('reads the mappings of the corpus tables', () => {
    if (!existsSync(CORPUS)) throw new Error(`conformance corpus not found at ${CORPUS}`);
    // Nested case: the mapping written by the table's writer equals the one derived from its schema.
    const nestedDir = join(CORPUS, 'duckdb-name-mapping-nested/default.db/my_table/metadata');
    const nested = parseTableMetadata(readFileSync(join(nestedDir, '00001-75643dae-a7a7-46ae-ab30-ea80d3793f3f.metadata.json')));
    const mapping = nameMappingOf(nested.properties)!;
    expect(mapping).toEqual(nameMappingFromSchema(currentSchema(nested)));
    expect(fieldIdForNamePath(mapping, ['profile', 'verified'])).toBe(11);
    expect(fieldIdForNamePath(mapping, ['scores', 'element'])).toBe(9);

    // Evolution case: several variants, incl. an emptied mapping and the object form `{"fields": [...]}`.
    const dir = join(CORPUS, 'duckdb-name-mapping-evolution-v1/metadata');
    const byFile = new Map<string, ReturnType<typeof nameMappingOf>>();
    for (const n of readdirSync(dir).filter((x) => x.endsWith('.metadata.json'))) {
      byFile.set(n, nameMappingOf(parseTableMetadata(readFileSync(join(dir, n))).properties));
    }
    expect(byFile.get('v1.metadata.json')).toEqual([
      { fieldId: 1, names: ['a', 'A', 'col_a'] },
      { fieldId: 2, names: ['b', 'B', 'col_b'] },
    ]);
    expect(byFile.get('v3.1.metadata.json')).toEqual([{ fieldId: 1, names: ['a'] }]);
    expect(byFile.get('v3.2.metadata.json')).toEqual([]);
    expect(byFile.get('v5.metadata.json')).toEqual([
      { fieldId: 1, names: ['a'] },
      { fieldId: 2, names: [] },
      { fieldId: 3, names: ['b'] },
    ]);
    expect(fieldIdForNamePath(byFile.get('v7.metadata.json')!, ['b'])).toBe(3);
    expect(nameMappingOf({})).toBeUndefined();
  });
});
