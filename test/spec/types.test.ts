import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type IcebergType,
  type PrimitiveType,
  isPromotionAllowed,
  minFormatVersion,
  parsePrimitiveType,
  parseType,
  primitiveToString,
  typeToJson,
  typeToString,
  typesEqual,
} from '../../src/spec/types.js';
import { decodeJsonBytes, parseJson } from '../../src/util/json.js';
import { thrown } from '../support/errors.js';

const CONFORMANCE = new URL('../../../shared/conformance/', import.meta.url).pathname;

const P = (text: string): PrimitiveType => parsePrimitiveType(text);

describe('primitive types', () => {
  it('parses and prints every primitive', () => {
    const texts = [
      'unknown', 'boolean', 'int', 'long', 'float', 'double', 'decimal(9, 2)', 'decimal(38, 0)', 'date', 'time',
      'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'fixed[16]', 'binary', 'variant',
      'geometry', 'geometry(srid:4326)', 'geography', 'geography(srid:4326, spherical)',
    ];
    for (const t of texts) expect(primitiveToString(P(t))).toBe(t);
  });

  it('accepts the spellings other writers use', () => {
    expect(P('decimal(9,2)')).toEqual({ kind: 'decimal', precision: 9, scale: 2 });
    expect(P(' Decimal( 12 , 2 ) ')).toEqual({ kind: 'decimal', precision: 12, scale: 2 });
    expect(P('FIXED[ 4 ]')).toEqual({ kind: 'fixed', length: 4 });
    expect(P('TimestampTz')).toEqual({ kind: 'timestamptz' });
    expect(P('geography(OGC:CRS84, karney)')).toEqual({ kind: 'geography', crs: 'OGC:CRS84', algorithm: 'karney' });
  });

  it('refuses unknown or malformed types with clear errors', () => {
    expect(thrown(() => P('decimal(39,2)')).message).toContain('decimal precision must be 1..38');
    expect(thrown(() => P('decimal(0,0)')).message).toContain('decimal precision must be 1..38');
    expect(thrown(() => P('fixed[0]')).message).toContain('fixed length must be positive');
    expect(thrown(() => P('varchar')).message).toBe('unknown Iceberg type "varchar"');
    expect(thrown(() => P('decimal(9)')).code).toBe('INVALID_METADATA');
  });

  it('knows the format version each type needs', () => {
    const v3 = ['unknown', 'timestamp_ns', 'timestamptz_ns', 'variant', 'geometry', 'geography'];
    for (const t of v3) expect(minFormatVersion(P(t))).toBe(3);
    for (const t of ['int', 'decimal(9,2)', 'uuid', 'fixed[3]', 'timestamptz']) expect(minFormatVersion(P(t))).toBe(1);
  });

  it('allows exactly the spec type promotions', () => {
    const allowed: [string, string, number][] = [
      ['int', 'long', 1], ['float', 'double', 2], ['decimal(9,2)', 'decimal(18,2)', 2], ['date', 'timestamp', 3],
      ['date', 'timestamp_ns', 3], ['unknown', 'string', 3], ['string', 'string', 1], ['decimal(9,2)', 'decimal(9,2)', 2],
    ];
    const refused: [string, string, number][] = [
      ['long', 'int', 2], ['int', 'string', 2], ['double', 'float', 2], ['decimal(9,2)', 'decimal(18,3)', 2],
      ['decimal(18,2)', 'decimal(9,2)', 2], ['date', 'timestamp', 2], ['date', 'timestamptz', 3], ['date', 'timestamptz_ns', 3],
      ['int', 'double', 2], ['timestamp', 'timestamptz', 3], ['unknown', 'int', 2],
    ];
    for (const [a, b, v] of allowed) expect(isPromotionAllowed(P(a), P(b), v), `${a} -> ${b} in v${v}`).toBe(true);
    for (const [a, b, v] of refused) expect(isPromotionAllowed(P(a), P(b), v), `${a} -> ${b} in v${v}`).toBe(false);
  });
});

describe('nested types (Appendix C JSON)', () => {
  const json = {
    type: 'struct',
    fields: [
      { id: 1, name: 'id', required: true, type: 'uuid', 'initial-default': '0db3e2a8-9d1d-42b9-aa7b-74ebe558dceb', 'write-default': 'ec5911be-b0a7-458c-8438-c9a3e53cffae' },
      { id: 2, name: 'data', required: false, type: { type: 'list', 'element-id': 3, element: 'string', 'element-required': false }, doc: 'some data' },
      {
        id: 4,
        name: 'props',
        required: false,
        type: {
          type: 'map',
          'key-id': 5,
          key: 'string',
          'value-id': 6,
          value: { type: 'struct', fields: [{ id: 7, name: 'x', required: true, type: 'decimal(9, 2)' }] },
          'value-required': true,
        },
      },
    ],
  };

  it('round-trips the JSON form exactly', () => {
    const t = parseType(json);
    expect(typeToJson(t)).toEqual(json);
    expect(typeToString(t)).toBe('struct<id:uuid, data:list<string>, props:map<string,struct<x:decimal(9, 2)>>>');
  });

  it('compares types structurally, defaults holding bigint included', () => {
    const a = parseType(json);
    const b = parseType(structuredClone(json));
    expect(typesEqual(a, b)).toBe(true);
    const c = parseType({ ...json, fields: [{ ...json.fields[0], name: 'other' }, ...json.fields.slice(1)] });
    expect(typesEqual(a, c)).toBe(false);
    const big = (v: bigint): IcebergType => ({ kind: 'struct', fields: [{ id: 1, name: 'n', required: false, type: P('long'), initialDefault: v }] });
    expect(typesEqual(big(1n << 62n), big(1n << 62n))).toBe(true);
    expect(typesEqual(big(1n << 62n), big(1n << 61n))).toBe(false);
  });

  it('refuses malformed JSON with clear errors', () => {
    expect(thrown(() => parseType({ type: 'list', 'element-id': 1, element: 'int', 'element-required': 'false' })).message).toBe(
      'element-required must be true or false, got "false"',
    );
    expect(thrown(() => parseType({ type: 'struct', fields: [{ id: 1, name: 'a', type: 'int' }] })).message).toBe('missing required flag of field a');
    expect(thrown(() => parseType({ type: 'struct', fields: [{ id: 1, name: 5, required: true, type: 'int' }] })).message).toContain('field name must be a string');
    expect(thrown(() => parseType({ type: 'struct', fields: [{ id: 'x', name: 'a', required: true, type: 'int' }] })).message).toContain('id of field a must be an integer');
    expect(thrown(() => parseType({ type: 'map', 'key-id': 1, key: 'string', value: 'int', 'value-required': true })).message).toBe('missing map value-id');
    expect(thrown(() => parseType({ type: 'tuple' })).message).toContain('unknown "type" "tuple"');
    expect(thrown(() => parseType(5)).code).toBe('INVALID_METADATA');
  });
});

describe('every schema in the conformance corpus', () => {
  it('parses and writes back the same field JSON', () => {
    if (!existsSync(CONFORMANCE)) throw new Error(`conformance corpus missing: ${CONFORMANCE} (it lives beside the repository)`);
    let schemas = 0;
    for (const c of readdirSync(CONFORMANCE)) {
      const metaDir = join(CONFORMANCE, c, 'metadata');
      if (!existsSync(metaDir)) continue;
      for (const f of readdirSync(metaDir).filter((n) => n.endsWith('.metadata.json'))) {
        const meta = parseJson(decodeJsonBytes(readFileSync(join(metaDir, f)))) as Record<string, unknown>;
        const list = Array.isArray(meta.schemas) ? meta.schemas : meta.schema !== undefined ? [meta.schema] : [];
        for (const s of list as Record<string, unknown>[]) {
          const t = parseType({ type: 'struct', fields: s.fields });
          expect(typeToJson(t), `${c}/${f}`).toEqual({ type: 'struct', fields: s.fields });
          schemas++;
        }
      }
    }
    expect(schemas).toBeGreaterThan(100);
  });
});
