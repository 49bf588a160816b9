/**
 * Both readers return the same rows, value for value, for the current snapshot of every corpus
 * table (every type the corpus has: decimals of all precisions, uuid, time, timestamps with and
 * without zone, binary, fixed, lists, maps, structs, defaults, name-mapped files, deletes).
 */
import { expect, test } from 'vitest';
import { planScan } from '../../src/scan/planner.js';
import type { JsonRowValue } from '../../src/scan/row-format.js';
import { arrowRows, duckdbRows } from './arrow-reader-fixtures.js';
import { tableCases } from './arrow-reader-corpus-cases.js';
import { loadCorpusCase } from './support.js';

/** Rows as arrays of values (column names differ where DuckDB renames case-insensitive duplicates), sorted. */
function values(rows: readonly Record<string, JsonRowValue>[]): string[] {
  return rows.map((r) => JSON.stringify(Object.values(r))).sort();
}

for (const name of tableCases()) {
  test(`${name}: Arrow and DuckDB rows are identical`, async () => {
    const c = loadCorpusCase(name);
    const plan = await planScan({ metadata: c.metadata, io: c.io });
    const options = name === 'duckdb-legacy-bare-dv-v3' ? { allowBareDeletionVectors: true } : {};
    const arrow = await arrowRows(plan, options);
    const duck = await duckdbRows(plan, options);
    expect(arrow.length).toBe(duck.length);
    expect(values(arrow)).toEqual(values(duck));
  });
}
