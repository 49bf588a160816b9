import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isoDateToDays,
  isoTimeToMicros,
  isoTimestampToMicros,
  isoTimestamptzToMicros,
} from '../../src/spec/date-time.js';
import {
  type PartitionSpec,
  bindPartitionSpec,
  buildPartitionSpec,
  escapePartitionPathSegment,
  highestPartitionFieldId,
  parsePartitionSpec,
  partitionKey,
  partitionPath,
  partitionSpecToJson,
  partitionType,
  partitionValuesEqual,
  specsEquivalent,
  validatePartitionSpec,
} from '../../src/spec/partition-spec.js';
import { type Schema, parseSchema } from '../../src/spec/schema.js';
import { type Transform, parseTransform } from '../../src/spec/transforms.js';
import type { PrimitiveType } from '../../src/spec/types.js';
import { decodeJsonBytes, parseJson } from '../../src/util/json.js';
import { valueFromText } from '../support/values.js';
import { thrown } from '../support/errors.js';

const CONFORMANCE = new URL('../../../shared/conformance/', import.meta.url).pathname;

const SCHEMA: Schema = parseSchema({
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamptz' },
    { id: 3, name: 'name', required: false, type: 'string' },
    { id: 4, name: 'point', required: false, type: { type: 'struct', fields: [{ id: 5, name: 'x', required: true, type: 'double' }] } },
    { id: 6, name: 'tags', required: false, type: { type: 'list', 'element-id': 7, element: 'string', 'element-required': true } },
    { id: 8, name: 'd', required: false, type: 'date' },
    { id: 9, name: 'price', required: false, type: 'decimal(9,2)' },
  ],
});

function spec(fields: [number, string, string, number?][], specId = 0): PartitionSpec {
  return {
    specId,
    fields: fields.map(([sourceId, transform, name, fieldId], i) => ({ sourceId, transform: parseTransform(transform), name, fieldId: fieldId ?? 1000 + i })),
  };
}

// ---- reading real engines' partition directories ----

interface CorpusCase {
  name: string;
  dir: string;
  schemaTypes: Map<number, PrimitiveType>;
  schema: Schema;
  specs: PartitionSpec[];
}

function loadCase(name: string, metadataPath: string): CorpusCase {
  const dir = join(CONFORMANCE, name);
  const meta = parseJson(decodeJsonBytes(readFileSync(join(dir, metadataPath)))) as Record<string, unknown>;
  const schemas = (Array.isArray(meta.schemas) ? meta.schemas : [meta.schema]).map((s) => parseSchema(s));
  const currentId = meta['current-schema-id'] ?? schemas[0]!.schemaId;
  const schema = schemas.find((s) => s.schemaId === Number(currentId))!;
  // Old specs may use columns dropped since; keep every column any schema had.
  const all: Schema = { schemaId: -1, identifierFieldIds: [], fields: [] };
  const seen = new Set<number>();
  for (const s of [schema, ...schemas]) for (const f of s.fields) if (!seen.has(f.id)) (seen.add(f.id), all.fields.push(f));
  const specs = Array.isArray(meta['partition-specs'])
    ? (meta['partition-specs'] as unknown[]).map((s) => parsePartitionSpec(s))
    : [parsePartitionSpec(meta['partition-spec'], 0)];
  const schemaTypes = new Map<number, PrimitiveType>();
  for (const f of all.fields) if (typeof f.type === 'object' && 'kind' in f.type && f.type.kind !== 'struct' && f.type.kind !== 'list' && f.type.kind !== 'map') schemaTypes.set(f.id, f.type);
  return { name, dir, schemaTypes, schema: all, specs };
}

function corpusCases(): CorpusCase[] {
  const casesMd = join(CONFORMANCE, 'CASES.md');
  if (!existsSync(casesMd)) throw new Error(`conformance corpus missing: ${casesMd} (it lives beside the repository)`);
  const out: CorpusCase[] = [];
  for (const m of readFileSync(casesMd, 'utf8').matchAll(/^- \*\*([^*]+)\*\*.*? metadata: `([^`]+)`/gm)) {
    const dir = join(CONFORMANCE, m[1]!);
    if (existsSync(join(dir, 'data')) && existsSync(join(dir, m[2]!))) out.push(loadCase(m[1]!, m[2]!));
  }
  return out;
}

/** Relative partition directories (`a=1/b=2`) of every data file of a case. */
function partitionDirs(c: CorpusCase): string[] {
  const dirs = new Set<string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const segs = relative(join(c.dir, 'data'), d).split('/').filter((s) => s.includes('='));
        if (segs.length > 0) dirs.add(segs.join('/'));
      }
    }
  };
  walk(join(c.dir, 'data'));
  return [...dirs].sort();
}

function unescape(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

/** Reads a partition path value back (the inverse of the human string), to re-render it. */
function parseHuman(t: Transform, source: PrimitiveType, text: string): unknown {
  if (text === 'null') return null;
  switch (t.kind) {
    case 'year':
      return Number(text) - 1970;
    case 'month': {
      const [y, m] = text.split('-').map(Number);
      return (y! - 1970) * 12 + m! - 1;
    }
    case 'day':
      return isoDateToDays(text);
    case 'hour':
      return isoDateToDays(text.slice(0, 10)) * 24 + Number(text.slice(11));
    case 'bucket':
      return Number(text);
    default:
      break;
  }
  if (source.kind === 'fixed' || source.kind === 'binary') return new Uint8Array(Buffer.from(text, 'base64'));
  return valueFromText(source, text);
}

describe('partition paths written by real engines', () => {
  const cases = corpusCases();

  it('re-renders every partition directory of the corpus exactly', () => {
    let checked = 0;
    const casesSeen = new Set<string>();
    for (const c of cases) {
      for (const dir of partitionDirs(c)) {
        const segs = dir.split('/').map((s) => s.split('='));
        const keys = segs.map(([k]) => unescape(k!));
        const s = c.specs.find((sp) => sp.fields.length === keys.length && sp.fields.every((f, i) => f.name === keys[i]));
        expect(s, `${c.name}: no partition spec has fields ${keys.join(', ')}`).toBeDefined();
        const values = s!.fields.map((f, i) => parseHuman(f.transform, c.schemaTypes.get(f.sourceId) ?? { kind: 'unknown' }, unescape(segs[i]![1]!)));
        expect(partitionPath(s!, c.schema, values), `${c.name}`).toBe(dir);
        checked++;
        casesSeen.add(c.name);
      }
    }
    // Trino, Spark and DuckDB-test tables: identity of every type, bucket, year/month/day/hour, nulls.
    expect(checked).toBeGreaterThanOrEqual(100);
    expect(casesSeen.size).toBeGreaterThanOrEqual(20);
  });

  function onlyDir(name: string): [CorpusCase, string] {
    const c = cases.find((x) => x.name === name);
    expect(c, `case ${name} is in the corpus`).toBeDefined();
    const dirs = partitionDirs(c!);
    expect(dirs.length).toBe(1);
    return [c!, dirs[0]!];
  }

  it('computes the Trino bucket directory of the trino-bucket-all-types row', () => {
    const [c, dir] = onlyDir('trino-bucket-all-types');
    const row = new Map<number, unknown>();
    const byName = (n: string): number => c.schema.fields.find((f) => f.name === n)!.id;
    row.set(byName('col_int'), 1);
    row.set(byName('col_long'), 2n);
    row.set(byName('col_decimal'), 300n);
    row.set(byName('col_date'), isoDateToDays('2025-03-03'));
    row.set(byName('col_time'), isoTimeToMicros('17:00:00'));
    row.set(byName('col_timestamp'), isoTimestampToMicros('2025-03-03T00:00:00'));
    row.set(byName('col_timestamptz'), isoTimestamptzToMicros('2025-03-03T00:00:00+00:00'));
    row.set(byName('col_string'), 'some-string');
    row.set(byName('col_uuid'), '12151fd2-7586-11e9-8f9e-2a86e4085a59');
    row.set(byName('col_varbinary'), new TextEncoder().encode('some-varbinary'));
    const values = bindPartitionSpec(c.specs[0]!, c.schema)((id) => row.get(id));
    expect(values).toEqual([0, 0, 3, 2, 2, 99, 75, 13, 5, 724]);
    expect(partitionPath(c.specs[0]!, c.schema, values)).toBe(dir);
  });

  it('computes the Trino identity directory of the trino-identity-all-types row', () => {
    const [c, dir] = onlyDir('trino-identity-all-types');
    const v: Record<string, unknown> = {
      col_bool: false, col_int: 1, col_long: 2n, col_float: 2.25, col_double: 2.375, col_decimal: 300n,
      col_date: 20150, col_time: 61200000000n, col_timestamp: 1740960000000000n, col_timestamptz: 1740960000000000n,
      col_string: 'some-string', col_uuid: '12151fd2-7586-11e9-8f9e-2a86e4085a59', col_varbinary: new TextEncoder().encode('some-varbinary'),
    };
    const values = bindPartitionSpec(c.specs[0]!, c.schema)((id) => v[c.schema.fields.find((f) => f.id === id)!.name]);
    expect(partitionPath(c.specs[0]!, c.schema, values)).toBe(dir);
    expect(dir).toContain('col_time=17%3A00/col_timestamp=2025-03-03T00%3A00%3A00/col_timestamptz=2025-03-03T00%3A00%3A00%2B00%3A00');
  });
});

describe('partition paths', () => {
  it('escapes names and values like java.net.URLEncoder', () => {
    // URLEncoder.encode(s, UTF_8) on JDK 25.
    expect(escapePartitionPathSegment('a b/c=d*e~f_g.h-i%j+k:é😀?&#')).toBe('a+b%2Fc%3Dd*e%7Ef_g.h-i%25j%2Bk%3A%C3%A9%F0%9F%98%80%3F%26%23');
    const s = spec([[3, 'identity', 'name'], [2, 'day', 'ts day']]);
    expect(partitionPath(s, SCHEMA, ['a/b=c d', 20150])).toBe('name=a%2Fb%3Dc+d/ts+day=2025-03-03');
    expect(partitionPath(s, SCHEMA, [null, null])).toBe('name=null/ts+day=null');
  });

  it('writes day and bucket segments', () => {
    const { spec: s } = buildPartitionSpec(SCHEMA, [
      { source: 'ts', transform: 'day' },
      { source: 'id', transform: 'bucket[16]' },
    ]);
    const values = bindPartitionSpec(s, SCHEMA)((id) => (id === 2 ? isoTimestamptzToMicros('2026-11-20T13:00:00Z') : id === 1 ? 34n : null));
    expect(partitionPath(s, SCHEMA, values)).toBe(`ts_day=2026-11-20/id_bucket=${(2017239379 & 0x7fffffff) % 16}`);
    expect(partitionPath({ specId: 0, fields: [] }, SCHEMA, [])).toBe('');
    expect(thrown(() => partitionPath(s, SCHEMA, [1])).message).toContain('has 1 values but spec 0 has 2 fields');
  });
});

describe('partition type', () => {
  it('has optional fields with partition field ids and result types', () => {
    const s = spec([[2, 'hour', 'ts_hour', 1005], [9, 'truncate[10]', 'price_trunc', 1006], [8, 'day', 'd_day', 1007], [1, 'void', 'id_null', 1008]]);
    expect(partitionType(s, SCHEMA)).toEqual({
      kind: 'struct',
      fields: [
        { id: 1005, name: 'ts_hour', required: false, type: { kind: 'int' } },
        { id: 1006, name: 'price_trunc', required: false, type: { kind: 'decimal', precision: 9, scale: 2 } },
        { id: 1007, name: 'd_day', required: false, type: { kind: 'date' } },
        { id: 1008, name: 'id_null', required: false, type: { kind: 'long' } },
      ],
    });
  });

  it('uses unknown for a dropped source column and refuses non-primitive sources', () => {
    expect(partitionType(spec([[99, 'void', 'gone']]), SCHEMA).fields[0]!.type).toEqual({ kind: 'unknown' });
    expect(partitionType(spec([[99, 'bucket[4]', 'gone_bucket']]), SCHEMA).fields[0]!.type).toEqual({ kind: 'int' });
    expect(thrown(() => partitionType(spec([[4, 'identity', 'point']]), SCHEMA)).message).toContain('non-primitive source column 4');
  });
});

describe('partition keys', () => {
  it('groups equal tuples and separates different ones', () => {
    expect(partitionKey([1, 'a', null, Uint8Array.of(1, 2)])).toBe(partitionKey([1, 'a', null, Uint8Array.of(1, 2)]));
    expect(partitionKey(['a|b', null])).not.toBe(partitionKey(['a', 'b']));
    expect(partitionKey([null])).not.toBe(partitionKey(['null']));
    expect(partitionKey([0])).not.toBe(partitionKey([-0]));
    expect(partitionKey([NaN])).toBe(partitionKey([Number('x')]));
    expect(partitionKey([1n])).toBe(partitionKey([1n]));
    expect(partitionValuesEqual([true, 2.5], [true, 2.5])).toBe(true);
    expect(partitionValuesEqual([true], [false])).toBe(false);
    expect(partitionValuesEqual([1], [1, 2])).toBe(false);
    expect(thrown(() => partitionKey([{}])).code).toBe('INVALID_INPUT');
  });
});

describe('spec equivalence', () => {
  it('compares source ids, transforms and names in order, ignoring ids', () => {
    const a = spec([[2, 'day', 'ts_day'], [1, 'bucket[16]', 'id_bucket']], 0);
    expect(specsEquivalent(a, spec([[2, 'day', 'ts_day', 1007], [1, 'bucket[16]', 'id_bucket', 1009]], 3))).toBe(true);
    expect(specsEquivalent(a, spec([[1, 'bucket[16]', 'id_bucket'], [2, 'day', 'ts_day']]))).toBe(false);
    expect(specsEquivalent(a, spec([[2, 'day', 'ts_day'], [1, 'bucket[8]', 'id_bucket']]))).toBe(false);
    expect(specsEquivalent(a, spec([[2, 'day', 'ts_day'], [1, 'bucket[16]', 'id_b']]))).toBe(false);
    expect(specsEquivalent(a, spec([[2, 'day', 'ts_day']]))).toBe(false);
  });
});

describe('validation', () => {
  const message = (s: PartitionSpec, existing = false): string => thrown(() => validatePartitionSpec(s, SCHEMA, { existing })).message;

  it('accepts valid specs', () => {
    validatePartitionSpec(spec([[2, 'day', 'ts_day'], [1, 'bucket[16]', 'id_bucket'], [5, 'identity', 'point.x'], [3, 'truncate[2]', 'name_trunc']]), SCHEMA);
    validatePartitionSpec(spec([[99, 'void', 'dropped_null']]), SCHEMA);
  });

  it('refuses what the reference implementation refuses, with clear messages', () => {
    expect(message(spec([[99, 'identity', 'x']]))).toBe('invalid partition spec 0: source column 99 of partition field x is not in the schema');
    expect(message(spec([[4, 'identity', 'point']]))).toContain('cannot partition by non-primitive column point');
    expect(message(spec([[7, 'identity', 'tag']]))).toContain('cannot partition by tags.element: it is inside a list');
    expect(message(spec([[3, 'day', 'name_day']]))).toContain('transform day cannot be applied to column name of type string');
    expect(message(spec([[2, 'day', 'p'], [1, 'bucket[4]', 'p']]))).toContain('partition name "p" is used more than once');
    expect(message(spec([[2, 'day', '']]))).toContain('empty name');
    expect(message(spec([[2, 'day', 'name']]))).toContain('partition name "name" is the name of a column');
    expect(message(spec([[1, 'identity', 'name']]))).toContain('"name" is the name of a different column (id 3)');
    expect(message(spec([[2, 'day', 'a'], [2, 'hour', 'b']]))).toContain('b (hour) is redundant with a (day)');
    expect(message(spec([[1, 'identity', 'id'], [1, 'identity', 'id2']]))).toContain('redundant');
    expect(message(spec([[2, 'day', 'a', 1000], [1, 'bucket[4]', 'b', 1000]]))).toContain('partition field id 1000 is used more than once');
    expect(thrown(() => validatePartitionSpec(spec([[99, 'identity', 'x']]), SCHEMA)).code).toBe('INVALID_INPUT');
  });

  it('loads historical specs as the reference implementation loads them', () => {
    // Dropped sources and transforms named after their own column are accepted when loading.
    validatePartitionSpec(spec([[99, 'identity', 'gone'], [3, 'truncate[2]', 'name'], [2, 'day', 'a'], [2, 'hour', 'b']]), SCHEMA, { existing: true });
    expect(message(spec([[1, 'bucket[2]', 'name']]), true)).toContain('different column');
    expect(thrown(() => validatePartitionSpec(spec([[4, 'identity', 'p']]), SCHEMA, { existing: true })).code).toBe('INVALID_METADATA');
    // Unknown transforms are kept and not type-checked.
    validatePartitionSpec(spec([[3, 'zorder', 'z']]), SCHEMA, { existing: true });
  });
});

describe('building specs', () => {
  it('names fields by default and numbers them from 1000', () => {
    const { spec: s, lastPartitionId } = buildPartitionSpec(
      SCHEMA,
      [
        { source: 'id', transform: 'bucket[16]' },
        { source: 'ts', transform: { kind: 'day' } },
        { source: 'name', transform: 'truncate[4]' },
        { source: 8, transform: 'identity' },
        { source: 'point.x', transform: 'identity' },
        { source: 'price', transform: 'void' },
      ],
      { specId: 0 },
    );
    expect(partitionSpecToJson(s)).toEqual({
      'spec-id': 0,
      fields: [
        { 'source-id': 1, 'field-id': 1000, name: 'id_bucket', transform: 'bucket[16]' },
        { 'source-id': 2, 'field-id': 1001, name: 'ts_day', transform: 'day' },
        { 'source-id': 3, 'field-id': 1002, name: 'name_trunc', transform: 'truncate[4]' },
        { 'source-id': 8, 'field-id': 1003, name: 'd', transform: 'identity' },
        { 'source-id': 5, 'field-id': 1004, name: 'point.x', transform: 'identity' },
        { 'source-id': 9, 'field-id': 1005, name: 'price_null', transform: 'void' },
      ],
    });
    expect(lastPartitionId).toBe(1005);
  });

  it('continues after the last partition id and reuses ids of equal fields', () => {
    const old = spec([[2, 'day', 'ts_day', 1000], [1, 'bucket[16]', 'id_bucket', 1001]]);
    const { spec: s, lastPartitionId } = buildPartitionSpec(
      SCHEMA,
      [
        { source: 'id', transform: 'bucket[16]' },
        { source: 'ts', transform: 'hour', name: 'hr' },
      ],
      { specId: 1, lastPartitionId: 1001, reuseFrom: [old] },
    );
    expect(s.fields.map((f) => [f.name, f.fieldId])).toEqual([['id_bucket', 1001], ['hr', 1002]]);
    expect(lastPartitionId).toBe(1002);
    expect(highestPartitionFieldId([old, s])).toBe(1002);
    expect(highestPartitionFieldId([])).toBe(999);
  });

  it('refuses unknown columns, transforms and invalid combinations', () => {
    expect(thrown(() => buildPartitionSpec(SCHEMA, [{ source: 'nope', transform: 'identity' }])).message).toBe('cannot find source column "nope" in the schema');
    expect(thrown(() => buildPartitionSpec(SCHEMA, [{ source: 'id', transform: 'zorder' }])).message).toContain('unknown partition transform');
    expect(thrown(() => buildPartitionSpec(SCHEMA, [{ source: 'name', transform: 'bucket[0]' }])).code).toBe('INVALID_METADATA');
    expect(thrown(() => buildPartitionSpec(SCHEMA, [{ source: 'name', transform: 'year' }])).message).toContain('year cannot be applied');
    expect(thrown(() => buildPartitionSpec(SCHEMA, [{ source: 'ts', transform: 'day' }, { source: 'ts', transform: 'month' }])).message).toContain('redundant');
  });

  it('finds columns case-insensitively on request', () => {
    const { spec: s } = buildPartitionSpec(SCHEMA, [{ source: 'NAME', transform: 'identity' }], { caseSensitive: false });
    expect(s.fields[0]!.sourceId).toBe(3);
  });
});

describe('JSON form', () => {
  it('parses v1 field lists with implied field ids and round-trips v2 specs', () => {
    const v1 = parsePartitionSpec([{ 'source-id': 2, name: 'ts_day', transform: 'day' }, { 'source-id': 1, name: 'id', transform: 'identity' }], 0);
    expect(v1.fields.map((f) => f.fieldId)).toEqual([1000, 1001]);
    const json = { 'spec-id': 3, fields: [{ 'source-id': 1, 'field-id': 1004, name: 'id_bucket_8', transform: 'bucket[8]' }] };
    expect(partitionSpecToJson(parsePartitionSpec(json))).toEqual(json);
    expect(thrown(() => parsePartitionSpec({ 'spec-id': 1 })).message).toBe('partition spec without fields');
  });
});
