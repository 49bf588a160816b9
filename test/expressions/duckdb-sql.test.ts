/**
 * toDuckDbSql against a real embedded DuckDB: literals round-trip exactly, and for random rows and
 * filters DuckDB selects exactly the rows lake's row evaluator selects.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BoundExpression, bind, expressionToString, parsePredicate, quoteIdentifier, rowEvaluator, sqlLiteral, toDuckDbSql } from '../../src/expressions/index.js';
import { decimalToPlainString } from '../../src/spec/single-value.js';
import { daysToIsoDate, microsToIsoTime } from '../../src/spec/date-time.js';
import type { PrimitiveType } from '../../src/spec/types.js';
import { schema } from './fixtures.js';
import { COLUMNS, REFS, Rng, type TestRow, someExpression, someRow } from './random.js';

const SQL_TYPES: Record<string, string> = {
  id: 'BIGINT NOT NULL',
  i: 'INTEGER',
  name: 'VARCHAR',
  d: 'DATE',
  ts: 'TIMESTAMP',
  tstz: 'TIMESTAMPTZ',
  tsn: 'TIMESTAMP_NS',
  price: 'DECIMAL(9,2)',
  dbl: 'DOUBLE',
  f: 'FLOAT',
  b: 'BLOB',
  u: 'UUID',
  flag: 'BOOLEAN',
  t: 'TIME',
  fx: 'BLOB',
};

let instance: DuckDBInstance;
let conn: DuckDBConnection;

async function rows(sql: string): Promise<unknown[][]> {
  return (await conn.runAndReadAll(sql)).getRows() as unknown[][];
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
});

afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
});

const column = (_id: number, ref: { name: string }): string => ref.name;

describe('toDuckDbSql: rendering', () => {
  const b = (text: string): BoundExpression => bind(parsePredicate(text), schema);
  it('renders predicates with typed literals', () => {
    expect(toDuckDbSql(b("name = 'it''s' AND i IN (1, 2)"), column)).toBe(`("name" = 'it''s' AND "i" IN (CAST(1 AS INTEGER), CAST(2 AS INTEGER)))`);
    expect(toDuckDbSql(b("d >= '2024-01-01' OR ts < '2024-01-01 10:00:00.5'"), column)).toBe(
      `("d" >= DATE '2024-01-01' OR "ts" < TIMESTAMP '2024-01-01 10:00:00.500000')`,
    );
    expect(toDuckDbSql(b("tstz = '2024-01-01T10:00:00+02:00'"), column)).toBe(`"tstz" = TIMESTAMPTZ '2024-01-01 08:00:00.000000+00'`);
    expect(toDuckDbSql(b('price > 1.5 AND dbl IS NAN'), column)).toBe(`("price" > CAST('1.50' AS DECIMAL(9,2)) AND ("dbl" IS NOT NULL AND isnan("dbl")))`);
    expect(toDuckDbSql(b("NOT name LIKE 'a''b%'"), column)).toBe(`NOT starts_with("name", 'a''b')`);
    expect(toDuckDbSql(b("i NOT IN (1, 2) AND dbl IS NOT NAN AND name != 'x'"), column)).toBe(
      `("i" NOT IN (CAST(1 AS INTEGER), CAST(2 AS INTEGER)) AND ("dbl" IS NULL OR NOT isnan("dbl")) AND "name" <> 'x')`,
    );
    expect(toDuckDbSql(b("b = X'00ff' AND u = 'F79C3E09-677C-4BBD-A479-3F349CB785E7'"), column)).toBe(
      `("b" = from_hex('00ff') AND "u" = CAST('f79c3e09-677c-4bbd-a479-3f349cb785e7' AS UUID))`,
    );
    expect(toDuckDbSql(b('s.x = 1'), (_id, ref) => ({ sql: ref.name.split('.').map(quoteIdentifier).join('.') }))).toBe(`"s"."x" = CAST(1 AS INTEGER)`);
    expect(toDuckDbSql(b('TRUE'), column)).toBe('TRUE');
    expect(toDuckDbSql(b('i = 2.5'), column)).toBe('FALSE');
    expect(toDuckDbSql(b('"odd name" IS NULL'), column)).toBe(`"odd name" IS NULL`);
  });
});

describe('toDuckDbSql: literals round-trip through DuckDB', () => {
  const check = async (type: PrimitiveType, value: unknown, sqlOf: (lit: string) => string, expected: unknown): Promise<void> => {
    const [[got]] = await rows(`SELECT ${sqlOf(sqlLiteral(type, value))}`) as [[unknown]];
    expect([sqlLiteral(type, value), got]).toEqual([sqlLiteral(type, value), expected]);
  };
  it('dates, including outside years 1..9999', async () => {
    for (const days of [0, -1, 19723, -719162, -719163, 2932896, 2932897, -1000000, 5000000]) {
      await check({ kind: 'date' }, days, (l) => `CAST(${l} - DATE '1970-01-01' AS INTEGER)`, days);
    }
    expect(sqlLiteral({ kind: 'date' }, 19723)).toBe(`DATE '${daysToIsoDate(19723)}'`);
  });
  it('timestamps and nanosecond timestamps', async () => {
    for (const us of [0n, -1n, 1704103200123456n, -62135596800000000n, -62135596800000001n, 253402300800000000n]) {
      await check({ kind: 'timestamp' }, us, (l) => `epoch_us(${l})`, us);
      await check({ kind: 'timestamptz' }, us, (l) => `epoch_us(${l})`, us);
    }
    for (const ns of [0n, -1n, 1704103200123456789n, -9000000000000000001n]) {
      await check({ kind: 'timestamp_ns' }, ns, (l) => `epoch_ns(${l})`, ns);
    }
  });
  it('times, decimals, floats, uuids and blobs', async () => {
    for (const us of [0n, 1n, 86_399_999_999n, 36_000_000_000n]) {
      await check({ kind: 'time' }, us, (l) => `CAST(${l} AS VARCHAR)`, microsToIsoTime(us).replace(/\.?0+$/, '').replace(/:(\d\d)$/, ':$1'));
    }
    for (const unscaled of [0n, -1n, 12345n, -99999999999999999999999999999999999999n]) {
      const type: PrimitiveType = { kind: 'decimal', precision: 38, scale: 4 };
      await check(type, unscaled, (l) => `CAST(${l} AS VARCHAR)`, decimalToPlainString(unscaled, 4));
    }
    for (const v of [0.1, -0, 1e300, -Infinity, Infinity, NaN, 5e-324]) {
      await check({ kind: 'double' }, v, (l) => `CAST(${l} AS VARCHAR)`, await duckText(`CAST('${String(v)}' AS DOUBLE)`));
    }
    await check({ kind: 'float' }, Math.fround(0.1), (l) => `${l} = CAST(0.1 AS FLOAT)`, true);
    await check({ kind: 'uuid' }, 'f79c3e09-677c-4bbd-a479-3f349cb785e7', (l) => `CAST(${l} AS VARCHAR)`, 'f79c3e09-677c-4bbd-a479-3f349cb785e7');
    await check({ kind: 'binary' }, new Uint8Array([0, 255, 39]), (l) => `hex(${l})`, '00FF27');
    await check({ kind: 'string' }, "a'b\"c😀", (l) => l, "a'b\"c😀");
    await check({ kind: 'long' }, -(2n ** 63n), (l) => l, -(2n ** 63n));
  });
});

async function duckText(sql: string): Promise<string> {
  const [[v]] = (await rows(`SELECT CAST(${sql} AS VARCHAR)`)) as [[string]];
  return v;
}

describe('toDuckDbSql: DuckDB selects the rows the row evaluator selects', () => {
  it('on random rows and filters', async () => {
    const r = new Rng(20240601);
    const cols = COLUMNS.map((c) => `${quoteIdentifier(c)} ${SQL_TYPES[c]}`).join(', ');
    await conn.run(`CREATE TABLE t (rid INTEGER, ${cols})`);
    const data: TestRow[] = Array.from({ length: 120 }, () => someRow(r, 0.2));
    const values = data.map((row, k) => {
      const cells = COLUMNS.map((c) => {
        const ref = REFS[c]!;
        const v = row.get(ref.fieldId);
        return v === null || v === undefined ? 'NULL' : sqlLiteral(ref.type, v);
      });
      return `(${k}, ${cells.join(', ')})`;
    });
    await conn.run(`INSERT INTO t VALUES ${values.join(', ')}`);
    let nonTrivial = 0;
    for (let n = 0; n < 250; n++) {
      const expr = someExpression(r, [r.pick(COLUMNS), r.pick(COLUMNS), r.pick(COLUMNS)], 3);
      const sql = toDuckDbSql(expr, column);
      const got = (await rows(`SELECT rid FROM t WHERE ${sql} ORDER BY rid`)).map((x) => x[0]);
      const matches = rowEvaluator<TestRow>(expr);
      const want = data.flatMap((row, k) => (matches(row) ? [k] : []));
      if (want.length > 0 && want.length < data.length) nonTrivial++;
      expect(got, `filter ${expressionToString(expr)} rendered as ${sql}`).toEqual(want);
    }
    expect(nonTrivial).toBeGreaterThan(100);
  });
});
