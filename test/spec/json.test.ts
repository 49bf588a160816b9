import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  JsonFields,
  decodeJsonBytes,
  encodeJsonBytes,
  isGzip,
  isGzipMetadataFileName,
  jsonToBigInt,
  parseJson,
  stringifyJson,
} from '../../src/util/json.js';
import { thrown } from '../support/errors.js';

const CORPUS = fileURLToPath(new URL('../../../shared/conformance', import.meta.url));

describe('parseJson', () => {
  const samples = [
    '{}',
    '[]',
    'null',
    'true',
    ' false ',
    '0',
    '-0',
    '12',
    '-12.5e-3',
    '1E+2',
    '3.141592653589793',
    '"plain"',
    '"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00 end"',
    '"unicode é 😀"',
    '{"a":[1,2,{"b":null}],"c":{"d":"e"},"a2":true}',
    '[1e20, 9007199254740991, -9007199254740991, 123456789012345678901.5]',
    '\n\t{ "spaced" :\r\n [ 1 , 2 ] }\n',
  ];
  for (const s of samples) {
    it(`agrees with JSON.parse on ${JSON.stringify(s).slice(0, 40)}`, () => {
      expect(parseJson(s)).toEqual(JSON.parse(s));
    });
  }

  it('keeps integers beyond 2^53 exact as bigint, and safe ones as numbers', () => {
    const v = parseJson('[9876543210123456789, 9007199254740991, 9007199254740992, -9223372036854775808, 18446744073709551615, 1000000000000000]') as unknown[];
    expect(v).toEqual([9876543210123456789n, 9007199254740991, 9007199254740992n, -9223372036854775808n, 18446744073709551615n, 1000000000000000]);
    expect(typeof v[1]).toBe('number');
    expect(typeof v[5]).toBe('number');
    // JSON.parse would have changed the value:
    expect(String(JSON.parse('9876543210123456789'))).not.toBe('9876543210123456789');
    // Non-integers stay numbers even with many digits.
    expect(parseJson('98765432101234567.5')).toBe(98765432101234567.5);
    expect(parseJson('9876543210123456789e0')).toBe(9876543210123456789e0);
  });

  it('treats __proto__ as an ordinary key', () => {
    const v = parseJson('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(v, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(stringifyJson(v)).toBe('{"__proto__":{"polluted":true},"x":1}');
  });

  const bad: [string, RegExp][] = [
    ['', /unexpected end of input/],
    ['{"a":1,}', /expected a string key/],
    ['[1,]', /unexpected character "]"/],
    ['01', /leading zero/],
    ['1.', /invalid number fraction/],
    ['1e', /invalid number exponent/],
    ['-', /invalid number/],
    ['"abc', /unterminated string/],
    ['"a\nb"', /control character in string/],
    ['"\\x"', /invalid escape/],
    ['"\\u12g4"', /invalid \\u escape/],
    ['{"a" 1}', /expected ":"/],
    ['[1 2]', /expected "," or "]"/],
    ['{"a":1 "b":2}', /expected "," or "}"/],
    ['{} x', /unexpected data after the JSON value/],
    ['tru', /expected true/],
    ['NaN', /unexpected character "N"/],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      expect(() => JSON.parse(text)).toThrow();
      const e = thrown(() => parseJson(text));
      expect(e.code).toBe('INVALID_METADATA');
      expect(e.message).toMatch(message);
      expect(e.message).toMatch(/^invalid JSON at line \d+ column \d+/);
    });
  }

  it('reports line and column, and the requested error code', () => {
    const e = thrown(() => parseJson('{\n  "a": 1,\n  "b": ?\n}', { errorCode: 'INVALID_INPUT' }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/^invalid JSON at line 3 column 8: unexpected character "\?"/);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(thrown(() => parseJson('['.repeat(10000) + ']'.repeat(10000))).message).toMatch(/nesting too deep/);
  });
});

describe('stringifyJson', () => {
  it('writes bigint as plain JSON numbers', () => {
    expect(stringifyJson({ id: 9876543210123456789n, small: 5n, neg: -9223372036854775808n })).toBe(
      '{"id":9876543210123456789,"small":5,"neg":-9223372036854775808}',
    );
  });

  it('agrees with JSON.stringify on values without bigint', () => {
    const values: unknown[] = [
      { a: [1, 2.5, -3e-7, 'x"y\\z\n\u0001é😀'], b: null, c: true, d: { e: {} }, f: [] },
      [[], {}, [[]]],
      'just a string',
      1e21,
      { skip: undefined, keep: 1 },
      [undefined, 1],
    ];
    for (const v of values) {
      for (const exact of [false, true]) {
        expect(stringifyJson(v, { exact })).toBe(JSON.stringify(v));
        expect(stringifyJson(v, { indent: 2, exact })).toBe(JSON.stringify(v, null, 2));
      }
    }
  });

  it('rejects values JSON cannot hold', () => {
    for (const exact of [false, true]) {
      expect(thrown(() => stringifyJson({ x: NaN }, { exact })).message).toMatch(/non-finite number NaN/);
      expect(thrown(() => stringifyJson([Infinity], { exact })).message).toMatch(/non-finite/);
      expect(thrown(() => stringifyJson({ f: () => 1 }, { exact })).message).toMatch(/cannot write a function/);
      const cyclic: Record<string, unknown> = { big: 1n };
      cyclic.self = cyclic;
      expect(thrown(() => stringifyJson(cyclic, { exact })).message).toMatch(/cyclic/);
      // The same object twice (not a cycle) is fine.
      const shared = { a: 1n };
      expect(stringifyJson([shared, shared], { exact })).toBe('[{"a":1},{"a":1}]');
    }
  });

  it('writes bigints exactly even next to strings that look like placeholders', () => {
    const tricky = { s: '"\u2063lake-bigint-abc-12"', t: '\u2063lake-bigint-', n: [-5n, 0n, 18446744073709551615n], e: '' };
    const text = stringifyJson(tricky);
    expect(text).toBe(stringifyJson(tricky, { exact: true }));
    // Small integers read back as numbers (see the module doc); large ones stay bigint.
    expect(parseJson(text)).toEqual({ ...tricky, n: [-5, 0, 18446744073709551615n] });
    expect(text).toContain('"n":[-5,0,18446744073709551615]');
  });

  it('round-trips every metadata file of the corpus exactly', () => {
    if (!existsSync(CORPUS)) throw new Error(`conformance corpus not found at ${CORPUS}`);
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (n.endsWith('.json')) files.push(p);
      }
    };
    walk(CORPUS);
    expect(files.length).toBeGreaterThan(200);
    let withBigInts = 0;
    for (const f of files) {
      const text = decodeJsonBytes(readFileSync(f));
      const v = parseJson(text);
      const out = stringifyJson(v);
      expect(stringifyJson(v, { exact: true })).toBe(out);
      expect(parseJson(out)).toEqual(v);
      // Every integer literal of 16+ digits in the source survives unchanged.
      const big = text.match(/(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g) ?? [];
      for (const n of big) expect(out).toContain(n);
      if (big.length > 0) withBigInts++;
      else expect(out).toBe(JSON.stringify(JSON.parse(text)));
    }
    expect(withBigInts).toBeGreaterThan(100);
  });
});

describe('gzip helpers', () => {
  it('detects gzip by magic bytes and decodes it', () => {
    const text = '{"format-version":2,"id":9876543210123456789}';
    const gz = gzipSync(Buffer.from(text));
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(Buffer.from(text))).toBe(false);
    expect(isGzip(new Uint8Array([0x1f]))).toBe(false);
    expect(decodeJsonBytes(gz)).toBe(text);
    expect(decodeJsonBytes(Buffer.from(text))).toBe(text);
    expect(decodeJsonBytes(Buffer.from('\ufeff' + text))).toBe(text);
  });

  it('encodes with or without gzip', () => {
    const text = '{"a":"é"}';
    expect(decodeJsonBytes(encodeJsonBytes(text, { gzip: true }))).toBe(text);
    expect(isGzip(encodeJsonBytes(text, { gzip: true }))).toBe(true);
    expect(Buffer.from(encodeJsonBytes(text)).toString('utf8')).toBe(text);
  });

  it('rejects corrupt gzip and invalid UTF-8', () => {
    expect(thrown(() => decodeJsonBytes(new Uint8Array([0x1f, 0x8b, 1, 2, 3]))).message).toMatch(/corrupt gzip-compressed JSON/);
    expect(() => decodeJsonBytes(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow();
  });

  it('recognizes gzip metadata file names', () => {
    expect(isGzipMetadataFileName('v2.gz.metadata.json')).toBe(true);
    expect(isGzipMetadataFileName('00001-abc.metadata.json.gz')).toBe(true);
    expect(isGzipMetadataFileName('v2.metadata.json')).toBe(false);
  });
});

describe('JsonFields', () => {
  const f = new JsonFields(
    { i: 5, big: 9876543210123456789n, neg: -1, n: null, s: 'x', b: true, l: [1, 2], sl: ['a'], m: { k: 'v' }, bad: { k: 1 }, fl: 1.5, huge: 2147483648, u65: 18446744073709551616n },
    'thing',
  );
  it('reads typed fields', () => {
    expect(f.int('i')).toBe(5);
    expect(f.long('i')).toBe(5n);
    expect(f.long('big')).toBe(9876543210123456789n);
    expect(f.long('neg')).toBe(-1n);
    expect(f.optInt('n')).toBeUndefined();
    expect(f.optLong('missing')).toBeUndefined();
    expect(f.has('n')).toBe(false);
    expect(f.str('s')).toBe('x');
    expect(f.bool('b')).toBe(true);
    expect(f.intList('l')).toEqual([1, 2]);
    expect(f.longList('l')).toEqual([1n, 2n]);
    expect(f.strList('sl')).toEqual(['a']);
    expect(f.strMap('m')).toEqual({ k: 'v' });
    expect(f.safeLong('i')).toBe(5);
    expect(jsonToBigInt(7, 'x')).toBe(7n);
    expect(jsonToBigInt(7n, 'x')).toBe(7n);
  });
  it('names the object and field in errors', () => {
    expect(thrown(() => f.int('missing')).message).toBe('thing: missing required field "missing"');
    expect(thrown(() => f.int('fl')).message).toMatch(/thing: field "fl" must be a 32-bit integer, got 1.5/);
    expect(thrown(() => f.int('huge')).message).toMatch(/must be a 32-bit integer/);
    expect(thrown(() => f.long('u65')).message).toMatch(/out of the 64-bit range/);
    expect(thrown(() => f.safeLong('big')).message).toMatch(/within ±2\^53/);
    expect(thrown(() => f.str('i')).message).toMatch(/field "i" must be a string, got 5/);
    expect(thrown(() => f.strMap('bad')).message).toMatch(/value of "k" in "bad" must be a string/);
    expect(thrown(() => f.intList('sl')).message).toMatch(/element 0 of "sl" must be a 32-bit integer/);
    expect(thrown(() => new JsonFields([], 'root', 'INVALID_INPUT')).code).toBe('INVALID_INPUT');
    expect(thrown(() => jsonToBigInt('1', 'x')).message).toMatch(/x must be an integer/);
  });
});
