/**
 * Reading the conformance corpus (`../shared/conformance`) through a reader, checked against the
 * cases' EXPECTED.json: row counts of every snapshot whose count is known, integer column sums of
 * the current snapshot, and the rows or query answers the origin repositories' own tests assert
 * (transcribed from CASES.md). Used by the Arrow and the DuckDB corpus suites alike.
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { planScan } from '../../src/scan/planner.js';
import type { JsonRowValue } from '../../src/scan/row-format.js';
import type { ScanPlan } from '../../src/scan/scan-task.js';
import { parseTableMetadata } from '../../src/spec/table-metadata.js';
import { sorted } from './arrow-reader-fixtures.js';
import { ASSERTED_ROWS, CORPUS, loadCorpusCase, requireCorpus } from './support.js';

type Row = Record<string, JsonRowValue>;

/** What a reader must provide to the corpus suite. */
export interface CorpusReader {
  name: string;
  rows(plan: ScanPlan, options?: { allowBareDeletionVectors?: boolean }): Promise<Row[]>;
  count(plan: ScanPlan): Promise<number>;
}

export { ASSERTED_ROWS } from './support.js';

/**
 * Sums the corpus's helper decode gets wrong, with the value the source-asserted rows give: it
 * reads identity partition columns that the data files do not store as 0 (duckdb-iceberg's
 * partition tests assert partition_col values 9223372036854775807 and -9223372036854775808, and
 * 1337 and 42).
 */
const SUMS_FROM_ASSERTED_ROWS: Record<string, Record<string, string>> = {
  'duckdb-identity-bigint': { partition_col: '-1' },
  'duckdb-identity-int': { partition_col: '1379' },
};

/** Per-snapshot row counts: numbers, or undefined for snapshots the corpus marks unreadable. */
function snapshotCounts(perSnapshot: Record<string, number | string>): { id: string; rows: number | undefined }[] {
  return Object.entries(perSnapshot).map(([id, rows]) => ({ id, rows: typeof rows === 'number' ? rows : undefined }));
}

function sumOf(rows: readonly Row[], column: string): bigint {
  let s = 0n;
  for (const r of rows) {
    const v = r[column];
    if (v !== null && v !== undefined) s += BigInt(typeof v === 'number' ? v : String(v));
  }
  return s;
}

/** Table cases of the corpus (directories with EXPECTED.json holding per-snapshot rows). */
export function tableCases(): string[] {
  requireCorpus();
  return readdirSync(CORPUS)
    .filter((d) => existsSync(join(CORPUS, d, 'EXPECTED.json')))
    .filter((d) => loadCorpusCase(d).expected.helper_decode_NOT_AN_ORACLE !== undefined)
    .sort();
}

/** Registers the corpus suite for one reader. */
export function corpusSuite(reader: CorpusReader): void {
  const cases = tableCases();
  test('the corpus has table cases', () => {
    expect(cases.length).toBeGreaterThan(50);
  });

  for (const name of cases) {
    describe(name, () => {
      const c = loadCorpusCase(name);
      const helper = c.expected.helper_decode_NOT_AN_ORACLE as { current_rows: number; current_int_column_sums?: Record<string, string> };
      const legacyBareDv = name === 'duckdb-legacy-bare-dv-v3';
      const currentId = c.metadata.currentSnapshotId?.toString();

      for (const { id, rows } of snapshotCounts(c.perSnapshotRows)) {
        const failsByDefault = legacyBareDv && id === currentId;
        test(`snapshot ${id}: ${rows === undefined ? 'unreadable' : `${rows} rows`}`, async () => {
          if (rows === undefined) {
            // the corpus marks this snapshot unreadable (e.g. its manifest list is missing upstream)
            await expect(planScan({ metadata: c.metadata, io: c.io, snapshot: { snapshotId: id } }).then((p) => reader.count(p))).rejects.toThrow();
            return;
          }
          const plan = await planScan({ metadata: c.metadata, io: c.io, snapshot: { snapshotId: id } });
          if (failsByDefault) {
            await expect(reader.count(plan)).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA') && /bare deletion-vector blob/.test((e as Error).message));
            return;
          }
          expect(await reader.count(plan)).toBe(rows);
        });
      }

      test(`current snapshot: ${helper.current_rows} rows, integer sums`, async () => {
        const sums = { ...(helper.current_int_column_sums ?? {}), ...(SUMS_FROM_ASSERTED_ROWS[name] ?? {}) };
        const columns = Object.keys(sums);
        const plan = await planScan({ metadata: c.metadata, io: c.io, columns });
        const rows = await reader.rows(plan, legacyBareDv ? { allowBareDeletionVectors: true } : {});
        expect(rows.length).toBe(helper.current_rows);
        for (const col of columns) expect(`${col}=${sumOf(rows, col)}`).toBe(`${col}=${BigInt(sums[col]!)}`);
      });

      for (const [k, check] of (ASSERTED_ROWS[name] ?? []).entries()) {
        test(`asserted rows ${k + 1}${check.filter ? ` where ${check.filter}` : ''}`, async () => {
          const plan = await planScan({
            metadata: c.metadata,
            io: c.io,
            ...(check.filter === undefined ? {} : { filter: check.filter }),
            ...(check.columns === undefined ? {} : { columns: check.columns }),
          });
          const want = reader.name === 'duckdb' && check.duckdbRows !== undefined ? check.duckdbRows : check.rows;
          expect(sorted(await reader.rows(plan))).toEqual(sorted(want));
        });
      }

      if (legacyBareDv) {
        test('the bare deletion vector reads when explicitly allowed', async () => {
          const plan = await planScan({ metadata: c.metadata, io: c.io });
          expect(sorted(await reader.rows(plan, { allowBareDeletionVectors: true }))).toEqual([
            { id: 1, source: 'legacy' },
            { id: 3, source: 'legacy' },
          ]);
        });
      }

      if (name === 'duckdb-name-mapping-evolution-v1') {
        // metadata variants that differ only in schema and name mapping (CASES.md)
        const variants: [string, string, 'b' | 'ab' | 'none'][] = [
          ['v3.metadata.json', '6597550917742534971', 'none'],
          ['v3.1.metadata.json', '6597550917742534971', 'b'],
          ['v3.2.metadata.json', '6597550917742534971', 'ab'],
          ['v4.metadata.json', '6597550917742534971', 'none'],
          ['v4.1.metadata.json', '6597550917742534971', 'b'],
          ['v7.metadata.json', '2651609110244230974', 'b'],
        ];
        for (const [file, snapshot, nulls] of variants) {
          test(`${file} at ${snapshot}: ${nulls === 'none' ? 'a and b read' : nulls === 'b' ? 'b is null' : 'a and b are null'}`, async () => {
            const metadata = parseTableMetadata(await import('node:fs').then((fs) => fs.readFileSync(join(c.dir, 'metadata', file))));
            const plan = await planScan({ metadata, io: c.io, snapshot: { snapshotId: snapshot } });
            const rows = await reader.rows(plan);
            expect(rows.length).toBe(10000);
            const nullA = rows.filter((r) => r.a === null).length;
            const nullB = rows.filter((r) => r.b === null || r.b === undefined).length;
            expect([nullA, nullB]).toEqual(nulls === 'none' ? [0, 0] : nulls === 'b' ? [0, 10000] : [10000, 10000]);
          });
        }
      }
    });
  }
}
