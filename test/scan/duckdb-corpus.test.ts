/** The conformance corpus read through DuckDB (expectations in arrow-reader-corpus-cases.ts). */
import { createSqlSession } from '../../src/scan/duckdb-session.js';
import { duckdbRows } from './arrow-reader-fixtures.js';
import { corpusSuite } from './arrow-reader-corpus-cases.js';

corpusSuite({
  name: 'duckdb',
  rows: (plan, options = {}) => duckdbRows(plan, options),
  count: async (plan) => {
    const session = await createSqlSession();
    try {
      await session.registerTable('t', plan);
      const r = await session.query('SELECT count(*) FROM t');
      return Number(r.rows[0]![0]);
    } finally {
      await session.close();
    }
  },
});
