/**
 * `lake_arrow_scan` pulled by several DuckDB threads: every row arrives exactly once with its
 * values, input order is kept wherever the session preserves insertion order, and a source that
 * fails mid-scan fails the statement.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { openArrowScan, registerArrowScan } from '../../src/parquet/writer-arrow-scan.js';
import { duckdbConnect, duckdbInstance } from '../../src/util/duckdb.js';
import { arrowSource } from '../../src/write/arrow-cast.js';
import { arrowColumn, arrowTable, rng } from '../write/data-writer-fixtures.js';

/** `count` rows in batches of `batchRows`: id = row number, a string (10% null) and a double derived from it. */
function batches(count: number, batchRows: number): arrow.RecordBatch[] {
  const out: arrow.RecordBatch[] = [];
  const r = rng(5);
  for (let start = 0; start < count; start += batchRows) {
    const n = Math.min(batchRows, count - start);
    const ids = Array.from({ length: n }, (_, i) => BigInt(start + i));
    const names = ids.map((id) => (r() < 0.1 ? null : `name-${id}-${'x'.repeat(Number(id % 17n))}`));
    const amounts = ids.map((id) => Number(id) / 4);
    out.push(arrowTable({ id: arrowColumn({ kind: 'long' }, ids), name: arrowColumn({ kind: 'string' }, names), amount: arrowColumn({ kind: 'double' }, amounts) }).batches[0]!);
  }
  return out;
}

function expectedName(id: bigint, got: unknown): boolean {
  return got === null || got === `name-${id}-${'x'.repeat(Number(id % 17n))}`;
}

async function withScanConnection<T>(fn: (c: Awaited<ReturnType<typeof duckdbConnect>>) => Promise<T>): Promise<T> {
  const instance = await duckdbInstance();
  const c = await duckdbConnect();
  try {
    await registerArrowScan(instance, c);
    return await fn(c);
  } finally {
    c.closeSync();
  }
}

describe('lake_arrow_scan with several threads', () => {
  const input = batches(200_000, 30_000);
  const schema = input[0]!.schema;
  const plan = arrowSource(schema);

  it('moves every row exactly once when the session lets rows arrive in any order', async () => {
    await withScanConnection(async (c) => {
      await c.run('SET SESSION preserve_insertion_order = false');
      let i = 0;
      let pulls = 0;
      const scan = openArrowScan({ schema, next: () => (pulls++, input[i++]) }, plan.ingests, { threads: 4 });
      try {
        await c.run(`CREATE TEMP TABLE t AS SELECT * FROM ${scan.sql}`);
      } finally {
        scan.close();
      }
      expect(scan.rowsScanned()).toBe(200_000);
      // The end of the source is reached once; no thread pulls past it.
      expect(pulls).toBe(input.length + 1);
      const rows = (await c.runAndReadAll('SELECT c0 AS id, c1 AS name, c2 AS amount FROM t ORDER BY c0')).getRowObjects();
      expect(rows.length).toBe(200_000);
      const nulls = rows.filter((r) => r.name === null).length;
      expect(nulls).toBe(input.reduce((s, b) => s + b.getChildAt(1)!.nullCount, 0));
      rows.forEach((row, k) => {
        if (row.id !== BigInt(k) || !expectedName(row.id as bigint, row.name) || row.amount !== k / 4) throw new Error(`row ${k} differs: ${JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
      });
    });
  });

  it('keeps the input order where the session preserves insertion order', async () => {
    await withScanConnection(async (c) => {
      let i = 0;
      const scan = openArrowScan({ schema, next: () => input[i++] }, plan.ingests, { threads: 4 });
      try {
        await c.run(`CREATE TEMP TABLE t AS SELECT c0 AS id FROM ${scan.sql}`);
      } finally {
        scan.close();
      }
      const ids = (await c.runAndReadAll('SELECT id FROM t')).getRowObjects().map((r) => r.id);
      expect(ids.length).toBe(200_000);
      expect(ids.every((id, k) => id === BigInt(k))).toBe(true);
    });
  });

  it('fails the statement when the source throws mid-scan', async () => {
    await withScanConnection(async (c) => {
      await c.run('SET SESSION preserve_insertion_order = false');
      let i = 0;
      const scan = openArrowScan(
        {
          schema,
          next: () => {
            if (i === 3) throw new Error('source broke');
            return input[i++];
          },
        },
        plan.ingests,
        { threads: 4 },
      );
      try {
        await expect(c.run(`CREATE TEMP TABLE t AS SELECT * FROM ${scan.sql}`)).rejects.toThrow(/source broke/);
      } finally {
        scan.close();
      }
      expect((scan.error() as Error).message).toBe('source broke');
    });
  });

  it('refuses a thread count that is not a positive integer', () => {
    expect(() => openArrowScan({ schema, next: () => undefined }, plan.ingests, { threads: 0 })).toThrow(/positive integer/);
  });
});
