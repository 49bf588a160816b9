/**
 * Shared pieces of the PyIceberg interop tests: reading a scan plan through both of lake's read
 * paths as JSON rows, stable row order, Python script locations, and values sent to Python.
 */
import * as path from 'node:path';
import { readArrow } from '../../src/scan/arrow-reader.js';
import { createSqlSession } from '../../src/scan/duckdb-session.js';
import { selectFields } from '../../src/scan/field-projection.js';
import { type JsonRowValue, arrowToJsonRows, toJsonRows } from '../../src/scan/row-format.js';
import type { ScanPlan } from '../../src/scan/scan-task.js';
import { pythonSupportDir } from '../support/pyiceberg.js';

export type JsonRow = Record<string, JsonRowValue>;

/** A helper script in test/support/python, for `runPython({ file })`. */
export function pyScript(name: string): { file: string } {
  return { file: path.join(pythonSupportDir(), name) };
}

function rowKey(r: JsonRow): string {
  return JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k]]), (_k, v: unknown) => (Object.is(v, -0) ? '-0' : v));
}

/** Rows in a canonical order (rows are compared as multisets). */
export function sortRows(rows: readonly JsonRow[]): JsonRow[] {
  return [...rows].sort((a, b) => {
    const x = rowKey(a);
    const y = rowKey(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** The plan's rows through lake's Arrow reader. */
export async function arrowRows(plan: ScanPlan): Promise<JsonRow[]> {
  const batches = [];
  for await (const b of readArrow(plan)) batches.push(b);
  return arrowToJsonRows(batches, selectFields(plan.schema, plan.projectedFieldIds));
}

/** The plan's rows through lake's DuckDB SQL path (`SELECT * FROM t`). */
export async function duckdbRows(plan: ScanPlan, sql = 'SELECT * FROM t'): Promise<JsonRow[]> {
  const session = await createSqlSession();
  try {
    await session.registerTable('t', plan);
    return toJsonRows(await session.query(sql));
  } finally {
    await session.close();
  }
}

/** Column values in lake's representation made ready for a Python script (bytes as hex). */
export function forPython(columns: Record<string, readonly unknown[]>): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [name, values] of Object.entries(columns)) {
    out[name] = values.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  }
  return out;
}

/** Data file paths of a plan, sorted. */
export function planFiles(plan: ScanPlan): string[] {
  return plan.tasks.map((t) => t.dataFile.filePath).sort();
}
