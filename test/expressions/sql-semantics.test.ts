/**
 * The parser's filters against SQL itself: random filter texts, valid for both lake's parser and
 * DuckDB, must select the same rows through parsePredicate -> bind -> row evaluator as DuckDB
 * selects running the text directly (three-valued logic, NULL in IN lists, NaN order, exact
 * numeric comparisons across types).
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bind, parsePredicate, quoteIdentifier, rowEvaluator, sqlLiteral } from '../../src/expressions/index.js';
import { daysToIsoDate, formatTimestampNanos } from '../../src/spec/date-time.js';
import { decimalToPlainString } from '../../src/spec/single-value.js';
import { schema } from './fixtures.js';
import { REFS, Rng, type TestRow, someValue } from './random.js';

const COLS: Record<string, string> = {
  id: 'BIGINT NOT NULL',
  i: 'INTEGER',
  name: 'VARCHAR',
  d: 'DATE',
  ts: 'TIMESTAMP',
  price: 'DECIMAL(9,2)',
  flag: 'BOOLEAN',
  dbl: 'DOUBLE',
};
const NAMES = Object.keys(COLS);

let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});

afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
});

const str = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** A literal for column `c`, written the way a user would type it. */
function literal(r: Rng, c: string): string {
  if (r.chance(0.04)) return 'NULL';
  const ref = REFS[c]!;
  const v = someValue(r, ref.type, false);
  switch (c) {
    case 'id':
    case 'i':
      return r.chance(0.2) ? `${r.int(-12, 12)}.5` : r.chance(0.05) ? '3000000000' : String(v);
    case 'name':
      return str(v as string);
    case 'd':
      return r.chance(0.5) ? `DATE '${daysToIsoDate(v as number)}'` : str(daysToIsoDate(v as number));
    case 'ts': {
      const text = formatTimestampNanos((v as bigint) * 1000n, { fraction: 'trim', utc: false }).replace('T', ' ');
      return r.pick([`TIMESTAMP '${text}'`, str(text), `DATE '${daysToIsoDate(Number((v as bigint) / 86_400_000_000n))}'`]);
    }
    case 'price':
      return r.chance(0.2) ? `${decimalToPlainString(v as bigint, 2)}5` : decimalToPlainString(v as bigint, 2);
    case 'flag':
      return v ? 'TRUE' : 'FALSE';
    case 'dbl': {
      const x = v as number;
      return Number.isFinite(x) ? (Object.is(x, -0) ? '-0.0' : String(x)) : 'NULL';
    }
    default:
      throw new Error(c);
  }
}

function atom(r: Rng): string {
  const c = r.pick(NAMES);
  const col = quoteIdentifier(c);
  switch (r.int(0, 9)) {
    case 0:
      return `${col} IS ${r.chance(0.5) ? 'NOT ' : ''}NULL`;
    case 1: {
      const lits = Array.from({ length: r.int(1, 3) }, () => literal(r, c));
      return `${col} ${r.chance(0.5) ? 'NOT ' : ''}IN (${lits.join(', ')})`;
    }
    case 2:
      return `${col} ${r.chance(0.3) ? 'NOT ' : ''}BETWEEN ${literal(r, c)} AND ${literal(r, c)}`;
    case 3: {
      const prefix = [...(someValue(r, REFS.name!.type) as string)].slice(0, 2).join('');
      return `"name" ${r.chance(0.3) ? 'NOT ' : ''}LIKE ${str(prefix + r.pick(['%', '%', '']))}`;
    }
    case 4:
      return r.pick(['"flag"', 'NOT "flag"', '"flag" IS TRUE', '"flag" IS NOT TRUE', '"flag" IS FALSE', '"flag" IS NOT FALSE', 'TRUE', 'FALSE']);
    case 5:
      return `${literal(r, c)} ${r.pick(['=', '<', '<=', '>', '>=', '<>'])} ${col}`;
    default:
      return `${col} ${r.pick(['=', '!=', '<>', '<', '<=', '>', '>='])} ${literal(r, c)}`;
  }
}

function filter(r: Rng, depth: number): string {
  if (depth === 0 || r.chance(0.35)) return atom(r);
  switch (r.int(0, 2)) {
    case 0:
      return `${filter(r, depth - 1)} AND ${filter(r, depth - 1)}`;
    case 1:
      return `(${filter(r, depth - 1)} OR ${filter(r, depth - 1)})`;
    default:
      return `NOT (${filter(r, depth - 1)})`;
  }
}

describe('parsed filters select what DuckDB selects for the same SQL', () => {
  it('on random rows and filters', async () => {
    const r = new Rng(31337);
    await conn.run(`CREATE TABLE t (rid INTEGER, ${NAMES.map((c) => `${quoteIdentifier(c)} ${COLS[c]}`).join(', ')})`);
    const data: TestRow[] = [];
    for (let k = 0; k < 100; k++) {
      const row = new Map<number, unknown>();
      for (const c of NAMES) {
        const ref = REFS[c] ?? bindRef(c);
        row.set(ref.fieldId, !ref.required && r.chance(0.2) ? null : someValue(r, ref.type));
      }
      data.push(row);
    }
    const values = data.map((row, k) => {
      const cells = NAMES.map((c) => {
        const ref = REFS[c] ?? bindRef(c);
        const v = row.get(ref.fieldId);
        return v === null || v === undefined ? 'NULL' : sqlLiteral(ref.type, v);
      });
      return `(${k}, ${cells.join(', ')})`;
    });
    await conn.run(`INSERT INTO t VALUES ${values.join(', ')}`);
    let nonTrivial = 0;
    for (let n = 0; n < 400; n++) {
      const text = filter(r, 3);
      const got = ((await conn.runAndReadAll(`SELECT rid FROM t WHERE ${text} ORDER BY rid`)).getRows() as unknown[][]).map((x) => x[0]);
      const matches = rowEvaluator<TestRow>(bind(parsePredicate(text), schema));
      const want = data.flatMap((row, k) => (matches(row) ? [k] : []));
      if (want.length > 0 && want.length < data.length) nonTrivial++;
      expect(want, `filter: ${text}`).toEqual(got);
    }
    expect(nonTrivial).toBeGreaterThan(150);
  });
});

function bindRef(c: string): never {
  throw new Error(`no reference for ${c}`);
}
