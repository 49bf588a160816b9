import { describe, expect, it } from 'vitest';
import {
  civilFromDays,
  daysFromCivil,
  daysToIsoDate,
  isoDateToDays,
  isoTimeToMicros,
  isoTimestampToMicros,
  isoTimestampToNanos,
  isoTimestamptzToMicros,
  isoTimestamptzToNanos,
  microsToIsoTime,
  microsToIsoTimestamp,
  nanosToIsoTimestamptz,
  parseIsoTimestamp,
} from '../../src/spec/date-time.js';
import {
  bytesToHex,
  compareFloats,
  compareStrings,
  compareUuids,
  compareUuidsSigned,
  compareValues,
  decimalFromBytes,
  decimalRequiredBytes,
  decimalToBytes,
  decimalToFixedBytes,
  decimalToString,
  decodeValue,
  encodeValue,
  hexToBytes,
  parseDecimal,
  uuidToBytes,
  valueFromJson,
  valueToJson,
} from '../../src/spec/single-value.js';
import { type IcebergType, type PrimitiveType, parsePrimitiveType, parseType } from '../../src/spec/types.js';
import { parseJson, stringifyJson } from '../../src/util/json.js';
import { thrown } from '../support/errors.js';

const P = (text: string): PrimitiveType => parsePrimitiveType(text);

function negNaN(): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setUint32(0, 0xfff80000);
  return dv.getFloat64(0);
}

/** Values of every primitive type, edge cases included. */
const SAMPLES: [string, unknown[]][] = [
  ['boolean', [false, true]],
  ['int', [0, 1, -1, 2147483647, -2147483648]],
  ['long', [0n, -1n, 34n, (1n << 63n) - 1n, -(1n << 63n)]],
  ['float', [0, -0, 1, -1.5, Math.fround(3.14159), Infinity, -Infinity, NaN, Math.fround(1e-40)]],
  ['double', [0, -0, 1, Math.PI, -1e300, 5e-324, Infinity, NaN]],
  ['decimal(9,2)', [0n, 300n, -500n, 999999999n, -999999999n, 127n, 128n, -128n, -129n]],
  ['decimal(38,10)', [10n ** 38n - 1n, -(10n ** 38n - 1n), 12345678901234567890n]],
  ['date', [0, 20150, -1, -719528, 2932896]],
  ['time', [0n, 61200000000n, 86399999999n]],
  ['timestamp', [0n, 1740960000000000n, -1n, -62167219200000000n]],
  ['timestamptz', [1740960000000000n, -123456789n]],
  ['timestamp_ns', [1740960000000000001n, -1n]],
  ['timestamptz_ns', [(1n << 63n) - 1n, -(1n << 63n)]],
  ['string', ['', 'iceberg', 'é中😀', '\u0000']],
  ['uuid', ['f79c3e09-677c-4bbd-a479-3f349cb785e7', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff']],
  ['fixed[4]', [Uint8Array.of(0, 1, 2, 3), Uint8Array.of(255, 255, 255, 255)]],
  ['binary', [new Uint8Array(0), Uint8Array.of(0, 1, 2, 255)]],
];

function same(type: PrimitiveType, a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && Number.isNaN(a)) return typeof b === 'number' && Number.isNaN(b);
  if (a instanceof Uint8Array) return b instanceof Uint8Array && bytesToHex(a) === bytesToHex(b);
  if (type.kind === 'float' || type.kind === 'double') return Object.is(a, b);
  return a === b;
}

describe('binary single-value form (Appendix D)', () => {
  for (const [typeText, values] of SAMPLES) {
    it(`round-trips ${typeText}`, () => {
      const type = P(typeText);
      for (const v of values) {
        const bytes = encodeValue(type, v);
        const back = decodeValue(type, bytes);
        expect(same(type, v, back), `${typeText} ${String(v)} -> ${bytesToHex(bytes)} -> ${String(back)}`).toBe(true);
      }
    });
  }

  it('writes the spec byte layouts', () => {
    expect(bytesToHex(encodeValue(P('int'), 1))).toBe('01000000');
    expect(bytesToHex(encodeValue(P('int'), -2))).toBe('feffffff');
    expect(bytesToHex(encodeValue(P('long'), 34n))).toBe('2200000000000000');
    expect(bytesToHex(encodeValue(P('float'), 1))).toBe('0000803f');
    expect(bytesToHex(encodeValue(P('double'), 1))).toBe('000000000000f03f');
    expect(bytesToHex(encodeValue(P('boolean'), true))).toBe('01');
    expect(bytesToHex(encodeValue(P('date'), 20150))).toBe(bytesToHex(encodeValue(P('int'), 20150)));
    expect(bytesToHex(encodeValue(P('string'), 'é'))).toBe('c3a9');
    expect(bytesToHex(encodeValue(P('uuid'), 'f79c3e09-677c-4bbd-a479-3f349cb785e7'))).toBe('f79c3e09677c4bbda4793f349cb785e7');
    // Decimals use the minimum number of bytes.
    expect(bytesToHex(encodeValue(P('decimal(9,2)'), 300n))).toBe('012c');
    expect(bytesToHex(encodeValue(P('decimal(9,2)'), -500n))).toBe('fe0c');
    expect(bytesToHex(encodeValue(P('decimal(9,2)'), 0n))).toBe('00');
    expect(bytesToHex(encodeValue(P('decimal(9,2)'), 127n))).toBe('7f');
    expect(bytesToHex(encodeValue(P('decimal(9,2)'), 128n))).toBe('0080');
    expect(bytesToHex(encodeValue(P('decimal(9,2)'), -128n))).toBe('80');
    expect(bytesToHex(encodeValue(P('decimal(9,2)'), -129n))).toBe('ff7f');
    expect(bytesToHex(decimalToBytes(1420n))).toBe('058c');
    // Geometry and geography values (WKB) and bounds (x:y points) are raw bytes.
    const point = hexToBytes('0000000000003e400000000000002440');
    expect(decodeValue(P('geometry'), encodeValue(P('geometry'), point))).toEqual(point);
    expect(decodeValue(P('geography'), point)).toEqual(point);
  });

  it('reproduces the identity partition encodings of the Trino-written cases', () => {
    // spec-vectors.md, identity-partition encodings asserted for trino-identity-* cases.
    expect(decimalRequiredBytes(9)).toBe(4);
    expect(decimalRequiredBytes(18)).toBe(8);
    expect(decimalRequiredBytes(19)).toBe(9);
    expect(decimalRequiredBytes(38)).toBe(16);
    expect(bytesToHex(decimalToFixedBytes(parseDecimal('3.00', 2), 4))).toBe('0000012c');
    expect(bytesToHex(decimalToFixedBytes(parseDecimal('-5.00', 2), 8))).toBe('fffffffffffffe0c');
    expect(bytesToHex(decimalToFixedBytes(parseDecimal('0.00', 2), 9))).toBe('00'.repeat(9));
    expect(bytesToHex(decimalToFixedBytes(parseDecimal('0.00', 2), 16))).toBe('00'.repeat(16));
    expect(decimalFromBytes(hexToBytes('fffffffffffffe0c'))).toBe(-500n);
    expect(decimalFromBytes(hexToBytes('0000012c'))).toBe(300n);
    expect(isoDateToDays('2025-03-03')).toBe(20150);
    expect(isoTimeToMicros('17:00')).toBe(61200000000n);
    expect(isoTimestampToMicros('2025-03-03T00:00:00')).toBe(1740960000000000n);
    expect(isoTimestamptzToMicros('2025-03-03T00:00:00+00:00')).toBe(1740960000000000n);
    expect(bytesToHex(uuidToBytes('12151fd2-7586-11e9-8f9e-2a86e4085a59'))).toBe('12151fd2758611e98f9e2a86e4085a59');
    expect(thrown(() => decimalToFixedBytes(1n << 40n, 4)).message).toContain('does not fit in 4 bytes');
  });

  it('decodes bounds written before a type promotion', () => {
    expect(decodeValue(P('long'), encodeValue(P('int'), -5))).toBe(-5n);
    expect(decodeValue(P('long'), encodeValue(P('int'), 2147483647))).toBe(2147483647n);
    expect(decodeValue(P('double'), encodeValue(P('float'), 1.1))).toBe(Math.fround(1.1));
    expect(decodeValue(P('double'), encodeValue(P('float'), -Infinity))).toBe(-Infinity);
    // v3 date -> timestamp: a 4-byte date bound is the start of that day.
    expect(decodeValue(P('timestamp'), encodeValue(P('date'), 20150))).toBe(1740960000000000n);
    expect(decodeValue(P('timestamp'), encodeValue(P('date'), -1))).toBe(-86400000000n);
    expect(decodeValue(P('timestamp_ns'), encodeValue(P('date'), 20150))).toBe(1740960000000000000n);
    // decimal(P,S) -> decimal(P',S): bytes of any length.
    expect(decodeValue(P('decimal(38,2)'), encodeValue(P('decimal(4,2)'), -1234n))).toBe(-1234n);
    expect(decodeValue(P('decimal(38,2)'), hexToBytes('ffff'))).toBe(-1n);
  });

  it('refuses malformed bytes with clear errors', () => {
    const e = thrown(() => decodeValue(P('int'), Uint8Array.of(1, 2, 3)));
    expect(e.code).toBe('INVALID_METADATA');
    expect(e.message).toBe('a int value needs 4 bytes, got 3 (010203)');
    expect(thrown(() => decodeValue(P('long'), new Uint8Array(5))).message).toContain('needs 4 or 8 bytes');
    // Promotion to timestamptz is not allowed, so a 4-byte timestamptz bound is invalid.
    expect(thrown(() => decodeValue(P('timestamptz'), new Uint8Array(4))).message).toContain('needs 8 bytes');
    expect(thrown(() => decodeValue(P('uuid'), new Uint8Array(15))).message).toContain('needs 16 bytes');
    expect(thrown(() => decodeValue(P('string'), Uint8Array.of(0xff, 0xfe))).message).toContain('not valid UTF-8');
    expect(thrown(() => decodeValue(P('decimal(9,2)'), new Uint8Array(0))).code).toBe('INVALID_METADATA');
    expect(decodeValue(P('unknown'), new Uint8Array(0))).toBeNull();
  });

  it('refuses values that do not fit the type', () => {
    expect(thrown(() => encodeValue(P('int'), 2147483648)).message).toContain('expected a 32-bit integer for int');
    expect(thrown(() => encodeValue(P('int'), 1.5)).code).toBe('INVALID_INPUT');
    expect(thrown(() => encodeValue(P('long'), 1n << 63n)).message).toContain('does not fit in 64 bits');
    expect(thrown(() => encodeValue(P('decimal(4,2)'), 10000n)).message).toBe('value 100.00 does not fit decimal(4,2)');
    expect(thrown(() => encodeValue(P('fixed[4]'), new Uint8Array(3))).message).toContain('fixed[4] value has 3 bytes');
    expect(thrown(() => encodeValue(P('uuid'), 'not-a-uuid')).message).toContain('invalid UUID');
    expect(thrown(() => encodeValue(P('string'), 5)).message).toBe('cannot encode number 5 as string');
    expect(thrown(() => encodeValue(P('variant'), 'x')).code).toBe('UNSUPPORTED_FEATURE');
    expect(thrown(() => encodeValue(P('int'), null)).code).toBe('INVALID_INPUT');
    // Safe integers are accepted for 64-bit types.
    expect(decodeValue(P('long'), encodeValue(P('long'), 42))).toBe(42n);
  });
});

describe('ordering', () => {
  it('orders floats -NaN < -Inf < -1 < -0 < 0 < 1 < Inf < NaN', () => {
    const sorted = [NaN, 1, negNaN(), -Infinity, 0, -0, Infinity, -1].sort(compareFloats);
    expect(sorted.map((v) => (Number.isNaN(v) ? (Object.is(v, NaN) && compareFloats(v, 0) > 0 ? 'NaN' : '-NaN') : Object.is(v, -0) ? '-0' : String(v)))).toEqual([
      '-NaN', '-Infinity', '-1', '-0', '0', '1', 'Infinity', 'NaN',
    ]);
    expect(compareValues(P('double'), NaN, NaN)).toBe(0);
  });

  it('orders strings by code point (UTF-8 byte order), not UTF-16 units', () => {
    // In UTF-16 the emoji (a surrogate pair) sorts before U+FFFF; by code point it is after.
    expect('😀' < '\uFFFF').toBe(true);
    expect(compareStrings('😀', '\uFFFF')).toBe(1);
    expect(compareStrings('\uE000', '😀')).toBe(-1);
    expect(compareValues(P('string'), 'abc', 'abd')).toBe(-1);
    expect(compareValues(P('string'), 'ab', 'abc')).toBe(-1);
    expect(compareValues(P('string'), 'é', 'é')).toBe(0);
    const words = ['b', '😀', 'a', '\uFFFF', 'é', ''];
    const byBytes = [...words].sort((x, y) => {
      const [a, b] = [new TextEncoder().encode(x), new TextEncoder().encode(y)];
      return compareValues(P('binary'), a, b);
    });
    expect([...words].sort(compareStrings)).toEqual(byBytes);
  });

  it('orders bytes unsigned with prefixes first', () => {
    expect(compareValues(P('binary'), Uint8Array.of(0x80), Uint8Array.of(0x7f))).toBe(1);
    expect(compareValues(P('fixed[2]'), Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(-1);
    expect(compareValues(P('binary'), Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(0);
  });

  it('orders uuids by unsigned bytes, and offers the signed Java order too', () => {
    const low = '7fffffff-ffff-ffff-0000-000000000000';
    const high = '80000000-0000-0000-0000-000000000000';
    expect(compareUuids(low, high)).toBe(-1);
    expect(compareValues(P('uuid'), high.toUpperCase(), high)).toBe(0);
    // java.util.UUID.compareTo(low, high) returns 1 (checked on JDK 25).
    expect(compareUuidsSigned(low, high)).toBe(1);
    expect(compareUuidsSigned('00000000-0000-0000-8000-000000000000', '00000000-0000-0000-7fff-ffffffffffff')).toBe(-1);
    expect(compareUuidsSigned(low, low)).toBe(0);
  });

  it('orders numbers, temporal values, decimals and booleans', () => {
    expect(compareValues(P('int'), -5, 3)).toBe(-1);
    expect(compareValues(P('long'), 1n << 62n, -(1n << 62n))).toBe(1);
    expect(compareValues(P('long'), 5, 5n)).toBe(0);
    expect(compareValues(P('decimal(9,2)'), -1n, 0n)).toBe(-1);
    expect(compareValues(P('timestamp'), -1n, 0n)).toBe(-1);
    expect(compareValues(P('date'), 20150, 20149)).toBe(1);
    expect(compareValues(P('boolean'), false, true)).toBe(-1);
    expect(thrown(() => compareValues(P('geometry'), new Uint8Array(1), new Uint8Array(1))).code).toBe('UNSUPPORTED_FEATURE');
    expect(thrown(() => compareValues(P('string'), 'a', 1)).message).toBe('cannot compare "a" and number 1 as string');
  });
});

describe('JSON single-value form (Appendix D)', () => {
  it('writes and reads the examples of the spec table', () => {
    const cases: [IcebergType, unknown, unknown][] = [
      [P('boolean'), true, true],
      [P('int'), 34, 34],
      [P('long'), 34n, 34n],
      [P('float'), 1, 1],
      [P('double'), 1, 1],
      [P('decimal(4,2)'), 1420n, '14.20'],
      [P('decimal(1,-20)'), 2n, '2E+20'],
      [P('date'), isoDateToDays('2017-11-16'), '2017-11-16'],
      [P('time'), isoTimeToMicros('22:31:08.123456'), '22:31:08.123456'],
      [P('timestamp'), isoTimestampToMicros('2017-11-16T22:31:08.123456'), '2017-11-16T22:31:08.123456'],
      [P('timestamptz'), isoTimestamptzToMicros('2017-11-16T22:31:08.123456+00:00'), '2017-11-16T22:31:08.123456+00:00'],
      [P('timestamp_ns'), isoTimestampToNanos('2017-11-16T22:31:08.123456789'), '2017-11-16T22:31:08.123456789'],
      [P('timestamptz_ns'), isoTimestamptzToNanos('2017-11-16T22:31:08.123456789+00:00'), '2017-11-16T22:31:08.123456789+00:00'],
      [P('string'), 'iceberg', 'iceberg'],
      [P('uuid'), 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'f79c3e09-677c-4bbd-a479-3f349cb785e7'],
      [P('fixed[4]'), Uint8Array.of(0, 1, 2, 255), '000102ff'],
      [P('binary'), Uint8Array.of(0, 1, 2, 255), '000102ff'],
    ];
    for (const [type, value, json] of cases) {
      expect(valueToJson(type, value)).toEqual(json);
      expect(valueFromJson(type, json)).toEqual(value);
    }
  });

  it('writes nested values: struct by field id, list, map of key and value arrays', () => {
    const struct = parseType({
      type: 'struct',
      fields: [
        { id: 1, name: 'a', required: true, type: 'int' },
        { id: 2, name: 'b', required: false, type: 'string' },
        { id: 3, name: 'c', required: false, type: 'date' },
      ],
    });
    expect(valueToJson(struct, new Map<number, unknown>([[1, 1], [2, 'bar'], [3, null]]))).toEqual({ '1': 1, '2': 'bar' });
    expect(valueFromJson(struct, { '1': 1, '2': 'bar' })).toEqual(new Map<number, unknown>([[1, 1], [2, 'bar']]));
    const list = parseType({ type: 'list', 'element-id': 4, element: 'int', 'element-required': true });
    expect(valueToJson(list, [1, 2, 3])).toEqual([1, 2, 3]);
    expect(valueFromJson(list, [1, 2, 3])).toEqual([1, 2, 3]);
    const map = parseType({ type: 'map', 'key-id': 5, key: 'string', 'value-id': 6, value: 'date', 'value-required': false });
    expect(valueToJson(map, new Map([['a', 0], ['b', 1]]))).toEqual({ keys: ['a', 'b'], values: ['1970-01-01', '1970-01-02'] });
    expect(valueFromJson(map, { keys: ['a', 'b'], values: ['1970-01-01', null] })).toEqual(new Map([['a', 0], ['b', null]]));
    expect(thrown(() => valueFromJson(map, { keys: ['a'], values: [] })).message).toContain('1 keys but 0 values');
  });

  it('round-trips every primitive type', () => {
    for (const [typeText, values] of SAMPLES) {
      const type = P(typeText);
      for (const v of values) {
        // JSON text has no negative zero (JSON.stringify(-0) is "0" too).
        if (Object.is(v, -0)) continue;
        const back = valueFromJson(type, parseJson(stringifyJson(valueToJson(type, v))));
        expect(same(type, v, back), `${typeText} ${String(v)} -> ${String(back)}`).toBe(true);
      }
    }
    expect(valueToJson(P('double'), NaN)).toBe('NaN');
    expect(valueFromJson(P('double'), '-Infinity')).toBe(-Infinity);
    expect(valueToJson(P('long'), (1n << 63n) - 1n)).toBe((1n << 63n) - 1n);
    expect(valueFromJson(P('long'), (1n << 63n) - 1n)).toBe((1n << 63n) - 1n);
  });

  it('reads leniently where nothing can be lost, and refuses the rest', () => {
    expect(valueFromJson(P('decimal(9,2)'), '14.2')).toBe(1420n);
    expect(valueFromJson(P('decimal(9,2)'), '-3')).toBe(-300n);
    expect(valueFromJson(P('decimal(9,2)'), '1.2e1')).toBe(1200n);
    expect(valueFromJson(P('decimal(9,2)'), '14.200')).toBe(1420n);
    expect(thrown(() => valueFromJson(P('decimal(9,2)'), '14.205')).message).toContain('more than 2 fraction digits');
    expect(thrown(() => valueFromJson(P('decimal(4,2)'), '100.00')).message).toContain('does not fit decimal(4,2)');
    expect(thrown(() => valueFromJson(P('decimal(4,2)'), 14.2)).message).toContain('expected a JSON string');
    expect(valueFromJson(P('binary'), '00FF')).toEqual(Uint8Array.of(0, 255));
    expect(valueFromJson(P('uuid'), 'F79C3E09-677C-4BBD-A479-3F349CB785E7')).toBe('f79c3e09-677c-4bbd-a479-3f349cb785e7');
    expect(valueFromJson(P('timestamptz'), '2017-11-16T14:31:08-08:00')).toBe(isoTimestamptzToMicros('2017-11-16T22:31:08Z'));
    expect(thrown(() => valueFromJson(P('timestamp'), '2017-11-16T14:31:08-08:00')).message).toContain('must not have a zone offset');
    expect(thrown(() => valueFromJson(P('timestamptz'), '2017-11-16T14:31:08')).message).toContain('needs a zone offset');
    expect(thrown(() => valueFromJson(P('long'), 2 ** 60)).message).toContain('not an exact integer');
    expect(thrown(() => valueFromJson(P('int'), 2 ** 31)).message).toContain('32-bit integer');
    expect(thrown(() => valueFromJson(P('fixed[2]'), 'abcdef')).message).toContain('fixed[2] value has 3 bytes');
    expect(thrown(() => valueFromJson(P('binary'), 'abc')).message).toContain('invalid hexadecimal');
    expect(thrown(() => valueFromJson(P('unknown'), 1)).message).toContain('must be null');
    expect(valueFromJson(P('unknown'), null)).toBeNull();
  });
});

describe('decimal text', () => {
  it('prints as Java BigDecimal.toString does', () => {
    // Checked against java.math.BigDecimal on JDK 25.
    const cases: [bigint, number, string][] = [
      [300n, 2, '3.00'], [0n, 2, '0.00'], [-500n, 2, '-5.00'], [1n, 10, '1E-10'], [1n, 7, '1E-7'], [1n, 6, '0.000001'],
      [2n, -20, '2E+20'], [1234500n, 4, '123.4500'], [-1n, 3, '-0.001'], [12345n, -3, '1.2345E+7'], [-12345n, 9, '-0.000012345'],
      [0n, 8, '0E-8'], [0n, -2, '0E+2'], [42n, 0, '42'],
    ];
    for (const [u, s, text] of cases) expect(decimalToString(u, s)).toBe(text);
  });

  it('parses plain and scientific text exactly', () => {
    expect(parseDecimal('2E+20', -20)).toBe(2n);
    expect(parseDecimal('-0.001', 3)).toBe(-1n);
    expect(parseDecimal('.5', 1)).toBe(5n);
    expect(parseDecimal('99999999999999999999999999999999999999', 0)).toBe(10n ** 38n - 1n);
    expect(thrown(() => parseDecimal('1.2.3', 2)).message).toContain('invalid decimal');
    expect(thrown(() => parseDecimal('', 2)).code).toBe('INVALID_INPUT');
  });
});

describe('dates and times', () => {
  it('matches the calendar before 1970, in year 0 and beyond 9999', () => {
    expect(isoDateToDays('1969-12-31')).toBe(-1);
    expect(isoDateToDays('1900-01-01')).toBe(-25567);
    expect(isoDateToDays('0000-03-01')).toBe(-719468);
    expect(isoDateToDays('2000-02-29')).toBe(11016);
    expect(daysToIsoDate(-719528)).toBe('0000-01-01');
    expect(daysToIsoDate(-719529)).toBe('-0001-12-31');
    expect(daysToIsoDate(2932897)).toBe('+10000-01-01');
    expect(isoDateToDays('+10000-01-01')).toBe(2932897);
    expect(isoDateToDays('-0001-12-31')).toBe(-719529);
    const wrong: number[] = [];
    for (let d = -800000; d <= 3000000; d += 97) {
      const c = civilFromDays(d);
      if (daysFromCivil(c.year, c.month, c.day) !== d || isoDateToDays(daysToIsoDate(d)) !== d) wrong.push(d);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps timestamps exact to the nanosecond, before and after 1970', () => {
    expect(isoTimestampToMicros('1969-12-31T23:59:59.999999')).toBe(-1n);
    expect(microsToIsoTimestamp(-1n)).toBe('1969-12-31T23:59:59.999999');
    // Python: datetime(1965,1,1,10,11,12,123456) - datetime(1970,1,1) = -157729727876544 µs.
    expect(isoTimestampToMicros('1965-01-01T10:11:12.123456')).toBe(-157729727876544n);
    expect(microsToIsoTimestamp(-157729727876544n)).toBe('1965-01-01T10:11:12.123456');
    expect(nanosToIsoTimestamptz(-1n)).toBe('1969-12-31T23:59:59.999999999+00:00');
    expect(isoTimestamptzToNanos('2262-04-11T23:47:16.854775807+00:00')).toBe((1n << 63n) - 1n);
    expect(thrown(() => isoTimestamptzToNanos('2262-04-11T23:47:16.854775808+00:00')).message).toContain('out of range');
    expect(parseIsoTimestamp('2025-03-03 01:02:03.5+05:30')).toEqual({
      nanos: isoTimestampToNanos('2025-03-02T19:32:03.5'),
      offsetSeconds: 19800,
    });
    expect(isoTimestamptzToMicros('2025-03-03T00:00Z')).toBe(1740960000000000n);
    expect(microsToIsoTime(61200000000n)).toBe('17:00:00.000000');
    expect(isoTimeToMicros('23:59:59.999999')).toBe(86399999999n);
  });

  it('refuses invalid dates and times with clear errors', () => {
    expect(thrown(() => isoDateToDays('2025-02-29')).message).toBe('invalid date "2025-02-29": day 29 is out of range');
    expect(thrown(() => isoDateToDays('2025-13-01')).message).toContain('month 13 is out of range');
    expect(thrown(() => isoDateToDays('2025/01/01')).message).toContain('expected YYYY-MM-DD');
    expect(thrown(() => isoTimeToMicros('24:00')).message).toContain('hour 24 is out of range');
    expect(thrown(() => isoTimeToMicros('10:00:00.0000001')).message).toContain('more precise than microseconds');
    expect(thrown(() => isoTimestampToMicros('2025-03-03T10:00:00.1234567')).message).toContain('more precise than microseconds');
    expect(thrown(() => isoTimestamptzToMicros('2025-03-03T10:00:00+25:00')).message).toContain('out of range');
    expect(thrown(() => isoTimestampToMicros('2025-03-03')).code).toBe('INVALID_INPUT');
  });
});
