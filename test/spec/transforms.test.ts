import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  isoDateToDays,
  isoTimestampToMicros,
  isoTimestampToNanos,
  isoTimestamptzToMicros,
  isoTimestamptzToNanos,
} from '../../src/spec/date-time.js';
import { hexToBytes, parseDecimal } from '../../src/spec/single-value.js';
import {
  type Transform,
  applyTransform,
  bindTransform,
  canTransform,
  defaultPartitionName,
  evolvedPartitionName,
  humanString,
  javaDoubleToString,
  javaFloatToString,
  parseTransform,
  preservesOrder,
  satisfiesOrderOf,
  transformResultType,
  transformToString,
  truncateString,
} from '../../src/spec/transforms.js';
import { type PrimitiveType, parsePrimitiveType } from '../../src/spec/types.js';
import { valueFromText } from '../support/values.js';
import { thrown } from '../support/errors.js';

const CONFORMANCE = new URL('../../../shared/conformance/', import.meta.url).pathname;

function corpusFile(name: string): string {
  const path = `${CONFORMANCE}${name}`;
  if (!existsSync(path)) throw new Error(`conformance corpus missing: ${path} (it lives beside the repository)`);
  return readFileSync(path, 'utf8');
}

const T = (text: string): Transform => parseTransform(text);
const P = (text: string): PrimitiveType => parsePrimitiveType(text);

/** `\x01\x02` escapes, or plain text, to bytes. */
function escapedBytes(s: string): Uint8Array {
  return hexToBytes(s.replace(/\\x/g, ''));
}

describe('truncate examples of spec-vectors.md', () => {
  const text = corpusFile('spec-vectors.md');
  const section = text.slice(text.indexOf('## Truncate transform'), text.indexOf('### Appendix D'));
  const rows = section.split('\n').filter((l) => /^\|\s*\*\*`/.test(l));
  const cases: { type: string; params: string; input: string; output: string }[] = [];
  for (const row of rows) {
    const type = /\*\*`([^`]+)`\*\*/.exec(row)![1]!;
    const examples = row.split('|').at(-2)!;
    const params = [...examples.matchAll(/`([A-Za-z]=\d+)`/g)].map((m) => m[1]).join(',');
    for (const m of examples.matchAll(/`([^`]+)`\s*￫\s*`([^`]+)`/g)) cases.push({ type, params, input: m[1]!, output: m[2]! });
  }

  it('finds every example (int 2, long 2, decimal 1, string 1, binary 1)', () => {
    expect(cases.map((c) => c.type)).toEqual(['int', 'int', 'long', 'long', 'decimal', 'string', 'binary']);
  });

  for (const c of cases) {
    it(`${c.type} ${c.params}: ${c.input} -> ${c.output}`, () => {
      const width = Number(/[WL]=(\d+)/.exec(c.params)![1]);
      const t: Transform = { kind: 'truncate', width };
      switch (c.type) {
        case 'int':
          expect(applyTransform(t, P('int'), Number(c.input))).toBe(Number(c.output));
          break;
        case 'long':
          expect(applyTransform(t, P('long'), BigInt(c.input))).toBe(BigInt(c.output));
          break;
        case 'decimal': {
          const scale = Number(/s=(\d+)/.exec(c.params)![1]);
          const type = P(`decimal(9,${scale})`);
          expect(applyTransform(t, type, parseDecimal(c.input, scale))).toBe(parseDecimal(c.output, scale));
          break;
        }
        case 'string':
          expect(applyTransform(t, P('string'), c.input)).toBe(c.output);
          break;
        case 'binary':
          expect(applyTransform(t, P('binary'), escapedBytes(c.input))).toEqual(escapedBytes(c.output));
          break;
        default:
          throw new Error(`unexpected truncate type ${c.type}`);
      }
    });
  }
});

describe('Trino 471 bucket values of spec-vectors.md', () => {
  const text = corpusFile('spec-vectors.md');
  const section = text.slice(text.indexOf('## Real-engine bucket values'));
  const rows = section
    .split('\n')
    .filter((l) => /^\|\s*[a-z]/.test(l) && !l.includes('column type'))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));

  function value(type: PrimitiveType, text: string): unknown {
    if (type.kind === 'binary') return new TextEncoder().encode(/"(.*)"/.exec(text)![1]!);
    return valueFromText(type, type.kind === 'timestamptz' ? text.replace(/ UTC$/, '+00:00') : text);
  }

  it('lists all 10 columns', () => {
    expect(rows.map((r) => r[0])).toEqual(['int', 'long', 'decimal(12,2)', 'date', 'time', 'timestamp', 'timestamptz', 'string', 'uuid', 'binary']);
  });

  for (const [typeText, input, transform, expected] of rows) {
    it(`${typeText} ${input} ${transform} = ${expected}`, () => {
      const type = P(typeText!);
      expect(applyTransform(T(transform!), type, value(type, input!))).toBe(Number(expected));
    });
  }
});

describe('time transforms', () => {
  const tz = P('timestamptz');
  const ts = P('timestamp');
  const date = P('date');

  it('gives the partition values the Trino-written cases assert', () => {
    // CASES.md: trino-day-timestamptz c2_day=20150 (2025-03-03), trino-month-timestamptz
    // c2_month=662, trino-year-* c2_year=54 (2024), trino-hour-timestamptz c2_hour=474863.
    const morning = isoTimestamptzToMicros('2025-03-03T09:15:00+00:00');
    expect(applyTransform(T('day'), tz, morning)).toBe(20150);
    expect(applyTransform(T('month'), tz, morning)).toBe(662);
    expect(applyTransform(T('year'), tz, isoTimestamptzToMicros('2024-07-01T00:00:00Z'))).toBe(54);
    expect(applyTransform(T('year'), ts, isoTimestampToMicros('2024-12-31T23:59:59.999999'))).toBe(54);
    expect(applyTransform(T('year'), date, isoDateToDays('2024-03-03'))).toBe(54);
    expect(applyTransform(T('hour'), tz, isoTimestamptzToMicros('2024-03-03T23:30:00+00:00'))).toBe(474863);
    // Their directories name the same values: c2_hour=2024-03-03-23, c2_month=2025-03, c2_day=2025-03-03.
    expect(humanString(T('hour'), tz, 474863)).toBe('2024-03-03-23');
    expect(humanString(T('month'), tz, 662)).toBe('2025-03');
    expect(humanString(T('day'), tz, 20150)).toBe('2025-03-03');
    expect(humanString(T('year'), tz, 54)).toBe('2024');
  });

  it('converts offsets to UTC before extracting', () => {
    // 2025-03-03T23:30-08:00 is 2025-03-04T07:30Z.
    const v = isoTimestamptzToMicros('2025-03-03T23:30:00-08:00');
    expect(applyTransform(T('day'), tz, v)).toBe(20151);
    expect(applyTransform(T('hour'), tz, v)).toBe(20151 * 24 + 7);
  });

  it('floors values before 1970', () => {
    const oneBefore = -1n;
    expect(applyTransform(T('year'), ts, oneBefore)).toBe(-1);
    expect(applyTransform(T('month'), ts, oneBefore)).toBe(-1);
    expect(applyTransform(T('day'), ts, oneBefore)).toBe(-1);
    expect(applyTransform(T('hour'), ts, oneBefore)).toBe(-1);
    expect(humanString(T('hour'), ts, -1)).toBe('1969-12-31-23');
    expect(humanString(T('day'), ts, -1)).toBe('1969-12-31');
    expect(humanString(T('month'), ts, -1)).toBe('1969-12');
    expect(humanString(T('year'), ts, -1)).toBe('1969');

    const jan1969 = isoTimestampToMicros('1969-01-01T00:00:00');
    expect(applyTransform(T('year'), ts, jan1969)).toBe(-1);
    expect(applyTransform(T('month'), ts, jan1969)).toBe(-12);
    expect(applyTransform(T('year'), ts, jan1969 - 1n)).toBe(-2);
    expect(applyTransform(T('month'), ts, jan1969 - 1n)).toBe(-13);

    expect(applyTransform(T('year'), date, -1)).toBe(-1);
    expect(applyTransform(T('month'), date, -1)).toBe(-1);
    expect(applyTransform(T('month'), date, isoDateToDays('1969-12-01'))).toBe(-1);
    expect(applyTransform(T('month'), date, isoDateToDays('1969-11-30'))).toBe(-2);
    expect(applyTransform(T('year'), date, isoDateToDays('1900-06-15'))).toBe(-70);
    expect(humanString(T('year'), date, -70)).toBe('1900');
    expect(humanString(T('month'), date, -13)).toBe('1968-12');
  });

  it('handles nanosecond timestamps, flooring sub-microsecond parts', () => {
    const ns = P('timestamp_ns');
    const v = isoTimestampToNanos('1969-12-31T23:59:59.999999999');
    expect(applyTransform(T('hour'), ns, v)).toBe(-1);
    expect(applyTransform(T('day'), ns, v)).toBe(-1);
    const w = isoTimestamptzToNanos('2025-03-03T10:00:00.000000001+00:00');
    expect(applyTransform(T('day'), P('timestamptz_ns'), w)).toBe(20150);
    expect(applyTransform(T('bucket[100]'), ns, isoTimestampToNanos('2025-03-03T00:00:00'))).toBe(99);
  });

  it('applies to dates as Trino wrote them (identity and day of dates are the day number)', () => {
    // trino-identity-int-date: c2 = 20149..20152 for 2025-03-02..2025-03-05.
    expect(['2025-03-02', '2025-03-03', '2025-03-04', '2025-03-05'].map((d) => applyTransform(T('day'), date, isoDateToDays(d)))).toEqual([
      20149, 20150, 20151, 20152,
    ]);
  });
});

describe('truncate', () => {
  it('uses positive remainders for negative numbers', () => {
    const t = T('truncate[10]');
    expect(applyTransform(t, P('int'), -11)).toBe(-20);
    expect(applyTransform(t, P('int'), -10)).toBe(-10);
    expect(applyTransform(t, P('long'), -1n)).toBe(-10n);
    expect(applyTransform(t, P('decimal(9,2)'), -1n)).toBe(-10n);
    expect(applyTransform(T('truncate[50]'), P('decimal(9,2)'), -1065n)).toBe(-1100n);
  });

  it('wraps at the 32- and 64-bit limits exactly as the reference implementation does', () => {
    // Java: TruncateUtil.truncateInt(10, Integer.MIN_VALUE) overflows to 2147483646.
    expect(applyTransform(T('truncate[10]'), P('int'), -2147483648)).toBe(2147483646);
    expect(applyTransform(T('truncate[10]'), P('long'), -(1n << 63n))).toBe((1n << 63n) - 2n);
    expect(applyTransform(T('truncate[10]'), P('int'), 2147483647)).toBe(2147483640);
  });

  it('counts code points, never splitting a surrogate pair', () => {
    expect(truncateString('😀😀😀', 2)).toBe('😀😀');
    expect(applyTransform(T('truncate[1]'), P('string'), '😀a')).toBe('😀');
    expect(applyTransform(T('truncate[3]'), P('string'), 'aé😀b')).toBe('aé😀');
    expect(applyTransform(T('truncate[5]'), P('string'), 'abc')).toBe('abc');
    // An unpaired surrogate counts as one code point, as in Java.
    expect(truncateString('\uD800ab', 2)).toBe('\uD800a');
  });

  it('truncates binary by bytes', () => {
    expect(applyTransform(T('truncate[2]'), P('binary'), Uint8Array.of(0xe2, 0x82, 0xac))).toEqual(Uint8Array.of(0xe2, 0x82));
  });
});

describe('transform rules', () => {
  const all = ['identity', 'bucket[4]', 'truncate[3]', 'year', 'month', 'day', 'hour', 'void'];
  const types = [
    'boolean', 'int', 'long', 'float', 'double', 'decimal(9,2)', 'date', 'time', 'timestamp', 'timestamptz',
    'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'fixed[3]', 'binary', 'unknown', 'variant', 'geometry', 'geography',
  ];

  it('accepts exactly the source types of the spec table', () => {
    const accepted = Object.fromEntries(all.map((t) => [t, types.filter((ty) => canTransform(T(t), P(ty)))]));
    expect(accepted).toEqual({
      identity: types.filter((t) => !['variant', 'geometry', 'geography'].includes(t)),
      'bucket[4]': ['int', 'long', 'decimal(9,2)', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'fixed[3]', 'binary'],
      'truncate[3]': ['int', 'long', 'decimal(9,2)', 'string', 'binary'],
      year: ['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'],
      month: ['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'],
      day: ['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'],
      hour: ['timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'],
      void: types,
    });
  });

  it('has the spec result types', () => {
    const d = P('decimal(9,2)');
    expect(transformResultType(T('identity'), d)).toEqual(d);
    expect(transformResultType(T('truncate[3]'), d)).toEqual(d);
    expect(transformResultType(T('void'), d)).toEqual(d);
    expect(transformResultType(T('bucket[3]'), d)).toEqual({ kind: 'int' });
    for (const t of ['year', 'month', 'hour']) expect(transformResultType(T(t), P('timestamp'))).toEqual({ kind: 'int' });
    expect(transformResultType(T('day'), P('timestamp'))).toEqual({ kind: 'date' });
    expect(transformResultType(T('zorder'), P('timestamp'))).toEqual({ kind: 'string' });
  });

  it('returns null for null, and void always returns null', () => {
    for (const t of ['identity', 'bucket[4]', 'truncate[3]', 'void']) expect(applyTransform(T(t), P('int'), null)).toBeNull();
    for (const t of ['year', 'month', 'day', 'hour']) expect(applyTransform(T(t), P('timestamptz'), null)).toBeNull();
    expect(applyTransform(T('void'), P('string'), 'x')).toBeNull();
    expect(applyTransform(T('identity'), P('string'), 'x')).toBe('x');
  });

  it('refuses unsuitable types and unknown transforms with clear errors', () => {
    const e = thrown(() => bindTransform(T('bucket[4]'), P('double')));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe('transform bucket[4] cannot be applied to type double');
    expect(thrown(() => applyTransform(T('hour'), P('date'), 1)).message).toContain('hour cannot be applied to type date');
    expect(thrown(() => applyTransform(T('zorder'), P('int'), 1)).code).toBe('UNSUPPORTED_FEATURE');
    expect(thrown(() => applyTransform(T('bucket[4]'), P('int'), 'x')).message).toContain('expected a 32-bit integer');
    expect(thrown(() => applyTransform(T('truncate[4]'), P('string'), 4)).message).toContain('expected a string');
  });

  it('knows which transforms preserve order', () => {
    expect(['identity', 'truncate[3]', 'year', 'month', 'day', 'hour'].every((t) => preservesOrder(T(t)))).toBe(true);
    expect(['bucket[3]', 'void', 'zorder'].some((t) => preservesOrder(T(t)))).toBe(false);
  });

  it('knows which orders imply others', () => {
    expect(satisfiesOrderOf(T('day'), T('month'))).toBe(true);
    expect(satisfiesOrderOf(T('hour'), T('year'))).toBe(true);
    expect(satisfiesOrderOf(T('day'), T('hour'))).toBe(false);
    expect(satisfiesOrderOf(T('identity'), T('day'))).toBe(true);
    expect(satisfiesOrderOf(T('identity'), T('bucket[4]'))).toBe(false);
    expect(satisfiesOrderOf(T('day'), T('identity'))).toBe(false);
    expect(satisfiesOrderOf(T('bucket[4]'), T('bucket[4]'))).toBe(true);
    expect(satisfiesOrderOf(T('bucket[4]'), T('bucket[8]'))).toBe(false);
    // Longer string prefixes order shorter ones; numbers only when the width divides.
    expect(satisfiesOrderOf(T('truncate[5]'), T('truncate[3]'), P('string'))).toBe(true);
    expect(satisfiesOrderOf(T('truncate[3]'), T('truncate[5]'), P('string'))).toBe(false);
    expect(satisfiesOrderOf(T('truncate[10]'), T('truncate[100]'), P('int'))).toBe(true);
    expect(satisfiesOrderOf(T('truncate[100]'), T('truncate[10]'), P('int'))).toBe(false);
    expect(satisfiesOrderOf(T('truncate[3]'), T('truncate[2]'), P('long'))).toBe(false);
    expect(satisfiesOrderOf(T('truncate[5]'), T('truncate[3]'))).toBe(false);
  });

  it('names partition fields like the reference implementation', () => {
    expect(defaultPartitionName(T('identity'), 'id')).toBe('id');
    expect(defaultPartitionName(T('bucket[16]'), 'id')).toBe('id_bucket');
    expect(defaultPartitionName(T('truncate[4]'), 'name')).toBe('name_trunc');
    for (const t of ['year', 'month', 'day', 'hour']) expect(defaultPartitionName(T(t), 'ts')).toBe(`ts_${t}`);
    expect(defaultPartitionName(T('void'), 'ts')).toBe('ts_null');
    expect(evolvedPartitionName(T('bucket[16]'), 'id')).toBe('id_bucket_16');
    expect(evolvedPartitionName(T('truncate[4]'), 'name')).toBe('name_trunc_4');
    expect(evolvedPartitionName(T('day'), 'ts')).toBe('ts_day');
    expect(thrown(() => defaultPartitionName(T('zorder'), 'x')).code).toBe('INVALID_INPUT');
  });

  it('parses and prints transforms', () => {
    for (const t of all) expect(transformToString(T(t))).toBe(t);
    expect(T(' Bucket[ 16 ] ')).toEqual({ kind: 'bucket', n: 16 });
    expect(thrown(() => T('bucket[0]')).code).toBe('INVALID_METADATA');
  });
});

describe('human strings (Java Transform.toHumanString)', () => {
  // Expected strings were checked against java.time, Double/Float/BigDecimal.toString on JDK 25.
  const id = T('identity');
  it('formats identity values of every type', () => {
    expect(humanString(id, P('boolean'), false)).toBe('false');
    expect(humanString(id, P('int'), -42)).toBe('-42');
    expect(humanString(id, P('long'), -(1n << 63n))).toBe('-9223372036854775808');
    expect(humanString(id, P('decimal(9,2)'), 300n)).toBe('3.00');
    expect(humanString(id, P('decimal(38,11)'), 0n)).toBe('0E-11');
    expect(humanString(id, P('decimal(38,11)'), 1n)).toBe('1E-11');
    expect(humanString(id, P('decimal(38,10)'), -12345n)).toBe('-0.0000012345');
    expect(humanString(id, P('decimal(9,-3)'), 12345n)).toBe('1.2345E+7');
    expect(humanString(id, P('date'), 20150)).toBe('2025-03-03');
    expect(humanString(id, P('date'), isoDateToDays('-0005-03-03'))).toBe('-005-03-03');
    expect(humanString(id, P('time'), 61200000000n)).toBe('17:00');
    expect(humanString(id, P('time'), 61205000000n)).toBe('17:00:05');
    expect(humanString(id, P('time'), 61200000001n)).toBe('17:00:00.000001');
    expect(humanString(id, P('time'), 61200120000n)).toBe('17:00:00.120');
    expect(humanString(id, P('timestamp'), 1740960000000000n)).toBe('2025-03-03T00:00:00');
    expect(humanString(id, P('timestamp'), 1740960000123400n)).toBe('2025-03-03T00:00:00.1234');
    expect(humanString(id, P('timestamptz'), 1740960000000000n)).toBe('2025-03-03T00:00:00+00:00');
    expect(humanString(id, P('timestamp'), isoTimestampToMicros('-0005-03-03T00:00:00.000001'))).toBe('-0005-03-03T00:00:00.000001');
    expect(humanString(id, P('timestamp_ns'), 1740960000000000001n)).toBe('2025-03-03T00:00:00.000000001');
    expect(humanString(id, P('timestamptz_ns'), 1740960000000000000n)).toBe('2025-03-03T00:00:00+00:00');
    expect(humanString(id, P('string'), 'a/b c')).toBe('a/b c');
    expect(humanString(id, P('uuid'), '12151FD2-7586-11E9-8F9E-2A86E4085A59')).toBe('12151fd2-7586-11e9-8f9e-2a86e4085a59');
    expect(humanString(id, P('binary'), new TextEncoder().encode('some-varbinary'))).toBe('c29tZS12YXJiaW5hcnk=');
    expect(humanString(id, P('fixed[3]'), Uint8Array.of(1, 2, 3))).toBe('AQID');
    expect(humanString(id, P('float'), 2.25)).toBe('2.25');
    expect(humanString(id, P('double'), 2)).toBe('2.0');
    expect(humanString(id, P('int'), null)).toBe('null');
    expect(humanString(T('void'), P('int'), 5)).toBe('null');
    expect(humanString(T('bucket[8]'), P('string'), 3)).toBe('3');
    expect(humanString(T('truncate[4]'), P('string'), 'abcd')).toBe('abcd');
  });

  it('prints doubles and floats as Java does', () => {
    const doubles: [number, string][] = [
      [1, '1.0'], [2.25, '2.25'], [1e7, '1.0E7'], [9999999, '9999999.0'], [0.001, '0.001'], [0.0009, '9.0E-4'],
      [1e21, '1.0E21'], [1e-5, '1.0E-5'], [123456789.125, '1.23456789125E8'], [-0, '-0.0'], [0, '0.0'], [NaN, 'NaN'],
      [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [100, '100.0'], [1e16, '1.0E16'], [2e23, '2.0E23'],
      [5e-324, '4.9E-324'], [Number.MAX_VALUE, '1.7976931348623157E308'], [0.1 + 0.2, '0.30000000000000004'],
    ];
    for (const [v, s] of doubles) expect(javaDoubleToString(v)).toBe(s);
    const floats: [number, string][] = [
      [1, '1.0'], [2.25, '2.25'], [0.1, '0.1'], [1e7, '1.0E7'], [3.4028235e38, '3.4028235E38'], [1.4e-45, '1.4E-45'],
      [16777216, '1.6777216E7'], [0.3, '0.3'], [1.1, '1.1'], [100, '100.0'], [1e-4, '1.0E-4'], [123.456, '123.456'],
    ];
    for (const [v, s] of floats) expect(javaFloatToString(v)).toBe(s);
  });
});
