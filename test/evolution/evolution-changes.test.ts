import { describe, expect, it } from 'vitest';
import { type EvolutionChange, evolutionKind, parseEvolutionChanges, parseEvolveArgs, parseTypeText } from '../../src/spec/evolution-changes.js';
import { typeToJson } from '../../src/spec/types.js';

describe('column type text', () => {
  it('parses primitives as Iceberg names them, with common aliases', () => {
    const cases: [string, unknown][] = [
      ['int', 'int'],
      ['INTEGER', 'int'],
      ['bigint', 'long'],
      ['long', 'long'],
      ['boolean', 'boolean'],
      ['float', 'float'],
      ['double', 'double'],
      ['decimal(9,2)', 'decimal(9, 2)'],
      ['decimal( 38 , 10 )', 'decimal(38, 10)'],
      ['fixed[16]', 'fixed[16]'],
      ['fixed(4)', 'fixed[4]'],
      ['date', 'date'],
      ['time', 'time'],
      ['timestamp', 'timestamp'],
      ['timestamptz', 'timestamptz'],
      ['timestamp_ns', 'timestamp_ns'],
      ['string', 'string'],
      ['uuid', 'uuid'],
      ['binary', 'binary'],
    ];
    for (const [text, json] of cases) expect(typeToJson(parseTypeText(text)), text).toEqual(json);
  });

  it('parses nested types with required members and unique placeholder ids', () => {
    const t = parseTypeText('struct<a: int, `b c`: list<string not null> not null, m: map<string, struct<x: double>>>');
    expect(typeToJson(t)).toEqual({
      type: 'struct',
      fields: [
        { id: 1, name: 'a', required: false, type: 'int' },
        { id: 3, name: 'b c', required: true, type: { type: 'list', 'element-id': 2, element: 'string', 'element-required': true } },
        {
          id: 7,
          name: 'm',
          required: false,
          type: { type: 'map', 'key-id': 5, key: 'string', 'value-id': 6, value: { type: 'struct', fields: [{ id: 4, name: 'x', required: false, type: 'double' }] }, 'value-required': false },
        },
      ],
    });
    expect(typeToJson(parseTypeText('list<long>'))).toEqual({ type: 'list', 'element-id': 1, element: 'long', 'element-required': false });
    expect(typeToJson(parseTypeText('map<string, int>'))).toEqual({ type: 'map', 'key-id': 1, key: 'string', 'value-id': 2, value: 'int', 'value-required': false });
  });

  it('refuses unknown and malformed types with INVALID_INPUT', () => {
    for (const bad of ['varchar', 'decimal(40, 2)', 'struct<a int>', 'map<string>', 'list<>', 'int not null', 'struct<a: int', 'map<list<int>, int>']) {
      expect(() => parseTypeText(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});

describe('JSON change list', () => {
  it('reads every op into changes', () => {
    const list = parseEvolutionChanges(
      JSON.stringify({
        'case-sensitive': false,
        'allow-incompatible-changes': true,
        changes: [
          { op: 'add-column', name: 'a', type: 'int', after: 'b', doc: 'd' },
          { op: 'add-column', name: 'z', parent: 'point', type: { type: 'list', 'element-id': 1, element: 'string', 'element-required': false }, required: true, default: [], first: true },
          { op: 'drop-column', name: 'c' },
          { op: 'rename-column', name: 'd', 'new-name': 'e' },
          { op: 'update-column', name: 'f', type: 'long' },
          { op: 'make-optional', name: 'g' },
          { op: 'require-column', name: 'g2' },
          { op: 'set-doc', name: 'h', doc: null },
          { op: 'set-default', name: 'i', default: 5 },
          { op: 'move-column', name: 'j', before: 'k' },
          { op: 'set-identifier-fields', names: ['id'] },
          { op: 'add-partition', term: 'bucket(8, id)', name: 'b8' },
          { op: 'add-partition', source: 'ts', transform: 'day' },
          { op: 'drop-partition', field: 'b8' },
          { op: 'drop-partition', term: 'day(ts)' },
          { op: 'rename-partition', name: 'x', 'new-name': 'y' },
          { op: 'set-sort', order: 'id desc' },
          { op: 'set-sort', fields: [{ source: 'id', transform: 'bucket[4]', direction: 'desc', 'null-order': 'nulls-first' }] },
          { op: 'set-property', key: 'k', value: 'v' },
          { op: 'set-property', properties: { k2: 'v2', k3: 'v3' } },
          { op: 'unset-property', key: 'k4' },
          { op: 'unset-property', keys: ['k5', 'k6'] },
          { op: 'upgrade', 'format-version': 3 },
        ],
      }),
    );
    expect(list.options).toEqual({ caseSensitive: false, allowIncompatibleChanges: true });
    const c = list.changes;
    expect(c[0]).toEqual({ op: 'add-column', name: 'a', type: { kind: 'int' }, doc: 'd', position: { after: 'b' } });
    expect(c[1]).toMatchObject({ op: 'add-column', name: 'z', parent: 'point', required: true, default: [], position: { first: true } });
    expect(c.slice(2, 11)).toEqual([
      { op: 'drop-column', name: 'c' },
      { op: 'rename-column', name: 'd', newName: 'e' },
      { op: 'update-column', name: 'f', type: { kind: 'long' } },
      { op: 'make-optional', name: 'g' },
      { op: 'require-column', name: 'g2' },
      { op: 'set-doc', name: 'h', doc: null },
      { op: 'set-default', name: 'i', default: 5 },
      { op: 'move-column', name: 'j', position: { before: 'k' } },
      { op: 'set-identifier-fields', names: ['id'] },
    ]);
    expect(c.slice(11, 16)).toEqual([
      { op: 'add-partition', source: 'id', transform: 'bucket[8]', name: 'b8' },
      { op: 'add-partition', source: 'ts', transform: 'day' },
      { op: 'remove-partition', name: 'b8' },
      { op: 'remove-partition', source: 'ts', transform: 'day' },
      { op: 'rename-partition', name: 'x', newName: 'y' },
    ]);
    expect(c[16]).toEqual({ op: 'set-sort', order: 'id desc' });
    expect(c[17]).toEqual({ op: 'set-sort', order: [{ source: 'id', transform: 'bucket[4]', direction: 'desc', nullOrder: 'nulls-first' }] });
    expect(c.slice(18)).toEqual([
      { op: 'set-property', key: 'k', value: 'v' },
      { op: 'set-property', key: 'k2', value: 'v2' },
      { op: 'set-property', key: 'k3', value: 'v3' },
      { op: 'unset-property', key: 'k4' },
      { op: 'unset-property', key: 'k5' },
      { op: 'unset-property', key: 'k6' },
      { op: 'upgrade', formatVersion: 3 },
    ]);
    expect(c.map(evolutionKind)).toEqual([
      ...Array(11).fill('schema'),
      ...Array(5).fill('partition-spec'),
      'sort-order',
      'sort-order',
      ...Array(6).fill('properties'),
      'format-version',
    ]);
  });

  it('accepts a bare array', () => {
    expect(parseEvolutionChanges('[{"op":"drop-column","name":"x"}]')).toEqual({ changes: [{ op: 'drop-column', name: 'x' }], options: {} });
    // null is meaningful for docs and defaults: it removes them.
    expect(parseEvolutionChanges('[{"op":"set-default","name":"x","default":null},{"op":"set-doc","name":"x","doc":null}]').changes).toEqual([
      { op: 'set-default', name: 'x', default: null },
      { op: 'set-doc', name: 'x', doc: null },
    ]);
  });

  it('refuses malformed lists with INVALID_INPUT naming the change', () => {
    const cases: [string, RegExp][] = [
      ['{', /./],
      ['{"op":"drop-column"}', /changes/],
      ['[{"op":"explode"}]', /change 1.*unknown op "explode"/],
      ['[{"op":"drop-column","name":"a"},{"op":"drop-column"}]', /change 2 \(drop-column\).*name/],
      ['[{"op":"add-column","name":"a","type":"nope"}]', /unknown column type "nope"/],
      ['[{"op":"add-column","name":"a","type":"int","first":true,"after":"b"}]', /only one of/],
      ['[{"op":"update-column","name":"a","type":"list<int>"}]', /primitive/],
      ['[{"op":"move-column","name":"a"}]', /first/],
      ['[{"op":"add-partition"}]', /term/],
      ['[{"op":"add-partition","term":"bucket(x, id)"}]', /positive whole number/],
      ['[{"op":"set-sort","order":"id sideways"}]', /./],
      ['[{"op":"upgrade"}]', /format-version/],
      ['{"changes":[],"case-sensitive":"no"}', /case-sensitive/],
    ];
    for (const [text, message] of cases) {
      let err: unknown;
      try {
        parseEvolutionChanges(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toMatchObject({ code: 'INVALID_INPUT' });
      expect((err as Error).message, text).toMatch(message);
    }
  });
});

describe('command-line changes', () => {
  it('parses a sequence of commands into changes', () => {
    const changes = parseEvolveArgs([
      'add-column', 'a', 'int', '--after', 'b',
      'add-column', 'n', 'decimal(9,2)', '--not-null', '--default', '1.5', '--doc', 'amount', '--first',
      'drop-column', 'c',
      'rename-column', 'd', 'e',
      'update-column', 'f', 'long',
      'move-column', 'g', '--before', 'h',
      'make-optional', 'i',
      'set-doc', 'j', 'text',
      'set-default', 'k', '7',
      'set-default', 'k', 'null',
      'set-identifier-fields', 'id, b',
      'add-partition', 'bucket(8, id)', '--name', 'b8',
      'drop-partition', 'ts_day',
      'drop-partition', 'hour(ts)',
      'rename-partition', 'x', 'y',
      'set-sort', 'id desc nulls last, name',
      'set-property', 'write.target-file-size-bytes=268435456',
      'unset-property', 'owner',
      'upgrade', '--format-version', '3',
    ]);
    const expected: EvolutionChange[] = [
      { op: 'add-column', name: 'a', type: { kind: 'int' }, position: { after: 'b' } },
      { op: 'add-column', name: 'n', type: { kind: 'decimal', precision: 9, scale: 2 }, required: true, default: '1.5', doc: 'amount', position: { first: true } },
      { op: 'drop-column', name: 'c' },
      { op: 'rename-column', name: 'd', newName: 'e' },
      { op: 'update-column', name: 'f', type: { kind: 'long' } },
      { op: 'move-column', name: 'g', position: { before: 'h' } },
      { op: 'make-optional', name: 'i' },
      { op: 'set-doc', name: 'j', doc: 'text' },
      { op: 'set-default', name: 'k', default: '7' },
      { op: 'set-default', name: 'k', default: null },
      { op: 'set-identifier-fields', names: ['id', 'b'] },
      { op: 'add-partition', source: 'id', transform: { kind: 'bucket', n: 8 }, name: 'b8' },
      { op: 'remove-partition', name: 'ts_day' },
      { op: 'remove-partition', source: 'ts', transform: { kind: 'hour' } },
      { op: 'rename-partition', name: 'x', newName: 'y' },
      { op: 'set-sort', order: 'id desc nulls last, name' },
      { op: 'set-property', key: 'write.target-file-size-bytes', value: '268435456' },
      { op: 'unset-property', key: 'owner' },
      { op: 'upgrade', formatVersion: 3 },
    ];
    expect(changes).toEqual(expected);
  });

  it('refuses incomplete or unknown commands with INVALID_INPUT', () => {
    const cases: string[][] = [
      ['add-column', 'a'],
      ['add-column', 'a', 'drop-column'],
      ['rename-column', 'a'],
      ['move-column', 'a'],
      ['set-property', 'novalue'],
      ['upgrade'],
      ['frobnicate'],
      ['add-column', 'a', 'int', '--first', '--after', 'b'],
      ['update-column', 'a', 'struct<x: int>'],
      ['add-partition', 'zorder(a)'],
    ];
    for (const args of cases) expect(() => parseEvolveArgs(args), args.join(' ')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
