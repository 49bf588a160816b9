/**
 * The data level: every table case is read row by row through lake's two read paths and compared
 * with what the corpus says about its rows.
 *
 * - the Arrow path: `Table.scan(...).batches()` (record batches from lake's Arrow reader);
 * - the SQL path: `Table.scan(...).sql(...)` (DuckDB over lake's scan plan).
 *
 * The table is opened the way a user opens a table that lives elsewhere: `openTableAt(<metadata
 * file>)` with the path remap `FROM=<embedded prefix> TO=<case folder>` (CASES.md), so every
 * manifest list, manifest, data file, delete file and deletion vector is found through lake's own
 * remap. Deletes (position, equality, deletion vectors) are applied by the readers themselves.
 *
 * Expectations, in order of authority: the origin repositories' assertions (rows transcribed in
 * test/scan/support.ts `ASSERTED_ROWS`, and `METADATA_VARIANTS` below, both from CASES.md), then
 * the corpus collector's decode (`helper_decode_NOT_AN_ORACLE`: per-snapshot row counts and integer
 * sums). Where the two disagree the source assertion wins, and the disagreement is a note.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as arrow from 'apache-arrow';
import { openTableAt } from '../../catalog/static-table.js';
import type { Table } from '../../catalog/table.js';
import type { ScanOptions, TableScan } from '../../catalog/table-writes.js';
import { LakeError } from '../../src/errors.js';
import { createSqlSession } from '../../src/scan/duckdb-session.js';
import { selectFields } from '../../src/scan/field-projection.js';
import { type JsonRowValue, arrowToJsonRows, toJsonRows } from '../../src/scan/row-format.js';
import { LocalStorage } from '../../src/storage/local.js';
import { ASSERTED_ROWS, type AssertedRow } from '../scan/support.js';
import type { CheckModule, CheckReport, TableCheck } from './check.js';
import { type TableContext, errorText } from './table-state.js';

type Row = Record<string, JsonRowValue>;

/** Which snapshot a read selects, as `Table.scan` takes it. */
type Selection = Pick<ScanOptions, 'snapshotId' | 'ref'>;

/** One read the data level judges, with the row count the corpus gives for it. */
interface Target {
  label: string;
  selection: Selection;
  /** Expected rows, or the corpus's words for a snapshot documented as unreadable. */
  expected: number | { error: string };
}

/** The two read paths. `allowBare` opts in to bare deletion-vector blobs (only where the corpus reads them so). */
interface ReadPath {
  name: 'arrow' | 'duckdb';
  count(scan: TableScan, allowBare: boolean): Promise<number>;
  rows(scan: TableScan, allowBare: boolean): Promise<Row[]>;
  /** Exact sums (decimal text, null for no value) of integer columns. */
  sums(scan: TableScan, columns: readonly string[], allowBare: boolean): Promise<Map<string, bigint>>;
}

// ---------------------------------------------------------------------------------------------
// Reading

async function batchesOf(scan: TableScan, allowBare: boolean): Promise<arrow.RecordBatch[]> {
  const out: arrow.RecordBatch[] = [];
  for await (const b of scan.batches(allowBare ? { allowBareDeletionVectors: true } : {})) out.push(b);
  return out;
}

/** SQL through DuckDB over the scan (`t`). The opt-in session is the same session `scan.sql` uses, with the bare-DV option. */
async function sqlOf(scan: TableScan, query: string, allowBare: boolean): Promise<Row[]> {
  if (!allowBare) return toJsonRows(await scan.sql(query));
  const session = await createSqlSession({ allowBareDeletionVectors: true });
  try {
    await session.registerTable('t', await scan.plan());
    return toJsonRows(await session.query(query));
  } finally {
    await session.close();
  }
}

function quoteSql(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function toBigint(v: unknown): bigint | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  return BigInt(String(v));
}

const ARROW: ReadPath = {
  name: 'arrow',
  async count(scan, allowBare) {
    let n = 0;
    for await (const b of scan.batches(allowBare ? { allowBareDeletionVectors: true } : {})) n += b.numRows;
    return n;
  },
  async rows(scan, allowBare) {
    const plan = await scan.plan();
    return arrowToJsonRows(await batchesOf(scan, allowBare), selectFields(plan.schema, plan.projectedFieldIds));
  },
  async sums(scan, columns, allowBare) {
    const out = new Map(columns.map((c) => [c, 0n] as const));
    for (const b of await batchesOf(scan, allowBare)) {
      for (const c of columns) {
        const vector = b.getChild(c);
        if (vector === null) throw new LakeError('INTERNAL', `the Arrow batch has no column ${c}`);
        let s = out.get(c)!;
        for (let i = 0; i < vector.length; i++) s += toBigint(vector.get(i)) ?? 0n;
        out.set(c, s);
      }
    }
    return out;
  },
};

const DUCKDB: ReadPath = {
  name: 'duckdb',
  async count(scan, allowBare) {
    const [r] = await sqlOf(scan, 'SELECT count(*) AS n FROM t', allowBare);
    return Number(r!.n);
  },
  rows(scan, allowBare) {
    return sqlOf(scan, 'SELECT * FROM t', allowBare);
  },
  async sums(scan, columns, allowBare) {
    // sum() of BIGINT is HUGEINT in DuckDB; as text it is exact
    const select = columns.map((c, i) => `CAST(sum(${quoteSql(c)}) AS VARCHAR) AS s${i}`).join(', ');
    const [r] = await sqlOf(scan, `SELECT ${select} FROM t`, allowBare);
    return new Map(columns.map((c, i) => [c, toBigint(r![`s${i}`]) ?? 0n] as const));
  },
};

const PATHS: readonly ReadPath[] = [ARROW, DUCKDB];

/** The case's table, opened from its metadata file with the case's path remap (once per case). */
function tableOf(ctx: TableContext, metadataFile?: string): Promise<Table> {
  const path = metadataFile === undefined ? ctx.case.metadataPath : join(ctx.case.dir, metadataFile);
  const key = `data:table:${path}`;
  let t = ctx.scratch.get(key) as Promise<Table> | undefined;
  if (t === undefined) {
    t = openTableAt(path, { storage: new LocalStorage() });
    ctx.scratch.set(key, t);
  }
  return t;
}

function pathRemapOf(ctx: TableContext): { from: string; to: string } {
  const c = ctx.case;
  return { from: c.prefix, to: c.prefix.endsWith('/') ? `${c.dir}/` : c.dir };
}

async function scanOf(ctx: TableContext, selection: Selection, more: Pick<ScanOptions, 'columns' | 'filter'> = {}, metadataFile?: string): Promise<TableScan> {
  const table = await tableOf(ctx, metadataFile);
  return table.scan({ ...selection, ...more, pathRemaps: [pathRemapOf(ctx)] });
}

/** Runs `read`; the error it threw, or undefined. */
async function errorOf(read: () => Promise<unknown>): Promise<unknown> {
  try {
    await read();
    return undefined;
  } catch (e) {
    return e;
  }
}

/** lake's refusal of a deletion vector stored as a bare blob (no Puffin file around it). */
function isBareDvRefusal(e: unknown): boolean {
  return e instanceof LakeError && e.code === 'INVALID_METADATA' && /not a valid Puffin file/.test(e.message) && /bare deletion-vector blob/.test(e.message);
}

/** Whether values are read with bare DVs allowed: only in the case the corpus says needs it (rows "with verification skipped"). */
function allowBareFor(ctx: TableContext): boolean {
  return ctx.case.rejection !== undefined;
}

// ---------------------------------------------------------------------------------------------
// What the corpus says

/** The current snapshot, every snapshot with a known count (or documented error), and every ref. */
function targets(ctx: TableContext): Target[] {
  const c = ctx.case;
  const out: Target[] = [];
  const helperCurrent = c.expected.helper_decode_NOT_AN_ORACLE?.current_rows;
  const current = c.currentSnapshotId === undefined ? 0 : (c.snapshotRows.get(c.currentSnapshotId) ?? helperCurrent);
  if (current !== undefined) out.push({ label: 'current snapshot', selection: {}, expected: current });
  for (const [id, rows] of c.snapshotRows) out.push({ label: `snapshot ${id}`, selection: { snapshotId: id }, expected: rows });
  for (const [name, ref] of ctx.main.metadata?.refs ?? []) {
    const rows = c.snapshotRows.get(ref.snapshotId);
    if (rows !== undefined) out.push({ label: `${ref.type} ${name} (snapshot ${ref.snapshotId})`, selection: { ref: name }, expected: rows });
  }
  return out;
}

function sumOfRows(rows: readonly AssertedRow[], column: string): bigint | undefined {
  let s = 0n;
  for (const r of rows) {
    if (!(column in r)) return undefined;
    const v = r[column];
    if (v === null) continue;
    if (typeof v !== 'number' && typeof v !== 'string') return undefined;
    s += BigInt(v);
  }
  return s;
}

/**
 * Integer sums of the current snapshot: the collector's, except where the source-asserted rows
 * (an unfiltered read of the whole snapshot) give the column: then theirs, and a note when the
 * collector's differs (it reads identity partition columns that the files do not store as 0).
 */
function expectedSums(ctx: TableContext, report: CheckReport): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const helper = ctx.case.expected.helper_decode_NOT_AN_ORACLE?.current_int_column_sums ?? {};
  const full = (ASSERTED_ROWS[ctx.case.name] ?? []).filter((r) => r.filter === undefined && r.duckdbRows === undefined);
  for (const [column, text] of Object.entries(helper)) {
    let want = BigInt(text);
    for (const check of full) {
      const asserted = sumOfRows(check.rows, column);
      if (asserted === undefined) continue;
      if (asserted !== want) report.note(`sum(${column}): the collector's decode says ${want}, the source-asserted rows give ${asserted} (the source assertion wins)`);
      want = asserted;
    }
    out.set(column, want);
  }
  return out;
}

/**
 * Other metadata files of a case whose rows the origin repository asserts (CASES.md): the same
 * data files read through another schema or name mapping. `nulls` lists columns that must be
 * null in every row, `notNull` columns that must be null in none.
 */
interface MetadataVariant {
  file: string;
  snapshotId?: string;
  rows: number;
  nulls?: string[];
  notNull?: string[];
}

export const METADATA_VARIANTS: Readonly<Record<string, readonly MetadataVariant[]>> = {
  // duckdb-iceberg test/sql/local/column_mapping_delete.test
  'duckdb-name-mapping-evolution-v1': [
    { file: 'metadata/v3.metadata.json', snapshotId: '6597550917742534971', rows: 10000, notNull: ['a', 'b'] },
    { file: 'metadata/v3.1.metadata.json', snapshotId: '6597550917742534971', rows: 10000, notNull: ['a'], nulls: ['b'] },
    { file: 'metadata/v3.2.metadata.json', snapshotId: '6597550917742534971', rows: 10000, nulls: ['a', 'b'] },
    { file: 'metadata/v4.metadata.json', snapshotId: '6597550917742534971', rows: 10000, notNull: ['a', 'b'] },
    { file: 'metadata/v4.1.metadata.json', snapshotId: '6597550917742534971', rows: 10000, notNull: ['a'], nulls: ['b'] },
    { file: 'metadata/v7.metadata.json', snapshotId: '2651609110244230974', rows: 10000, notNull: ['a'], nulls: ['b'] },
  ],
  // duckdb-iceberg test/sql/local/iceberg_scans/iceberg_v1_existing_manifest_entry.test: the v3-upgraded metadata reads the same 4 rows
  'duckdb-v1-existing-entries': [{ file: 'metadata/00004-v3-upgraded-v1-null-counts.metadata.json', rows: 4, notNull: ['id', 'league', 'ats_qty'] }],
  // hyparam/icebird test/read.java.test.js
  'icebird-java-bunnies': [
    { file: 'metadata/v2.metadata.json', rows: 21 },
    { file: 'metadata/v3.metadata.json', rows: 21 },
    { file: 'metadata/v4.metadata.json', rows: 15 },
    { file: 'metadata/v5.metadata.json', rows: 15 },
  ],
  // hyparam/icebird test/read.spark.test.js
  'icebird-spark-bunnies': [
    { file: 'metadata/v1.metadata.json', rows: 21 },
    { file: 'metadata/v3.metadata.json', rows: 20 },
    { file: 'metadata/v5.metadata.json', rows: 20, notNull: ['breed_name_length'] },
  ],
};

/** Rows as text, sorted, so reads compare regardless of order. */
function sortedText(rows: readonly Row[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

function firstDifference(got: readonly string[], want: readonly string[]): string {
  const missing = want.filter((w) => !got.includes(w));
  const extra = got.filter((g) => !want.includes(g));
  return `${got.length} rows, expected ${want.length}${missing.length > 0 ? `; missing ${missing.slice(0, 3).join(' ')}` : ''}${extra.length > 0 ? `; unexpected ${extra.slice(0, 3).join(' ')}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Checks

/** Row counts of every target through one read path. */
function rowsCheck(path: ReadPath): TableCheck {
  return {
    name: `rows-${path.name}`,
    description: `the current snapshot, every snapshot with a known row count and every ref read through the ${path.name === 'arrow' ? 'Arrow' : 'DuckDB'} path have that many rows; documented-unreadable snapshots fail with NOT_FOUND`,
    async run(ctx, report) {
      if (ctx.main.metadata === undefined) {
        report.fail(`the metadata file does not parse: ${errorText(ctx.main.error)}`);
        return;
      }
      for (const t of targets(ctx)) {
        let rows: number;
        try {
          rows = await path.count(await scanOf(ctx, t.selection), false);
        } catch (e) {
          if (typeof t.expected !== 'number' && e instanceof LakeError && e.code === 'NOT_FOUND') {
            report.note(`${t.label}: unreadable as documented (${t.expected.error}): ${errorText(e)}`);
          } else if (ctx.case.rejection !== undefined && isBareDvRefusal(e)) {
            report.note(`${t.label}: refused by default (judged by the rejection check): ${errorText(e)}`);
          } else {
            report.fail(`${t.label}: ${typeof t.expected === 'number' ? `expected ${t.expected} rows, the read failed` : 'expected a NOT_FOUND LakeError, got'}: ${errorText(e)}`);
          }
          continue;
        }
        if (typeof t.expected !== 'number') report.fail(`${t.label}: documented as unreadable (${t.expected.error}) but read ${rows} rows`);
        else report.expect(rows === t.expected, `${t.label}: ${rows} rows, expected ${t.expected}`);
      }
    },
  };
}

const intSums: TableCheck = {
  name: 'int-sums',
  description: 'the integer column sums of the current snapshot (exact, as bigints) agree with the corpus through both read paths; source-asserted rows override the collector where they give the column',
  async run(ctx, report) {
    const want = expectedSums(ctx, report);
    if (want.size === 0) {
      report.skip('the corpus gives no integer column sums for this case');
      return;
    }
    const columns = [...want.keys()];
    for (const path of PATHS) {
      const got = await path.sums(await scanOf(ctx, {}, { columns }), columns, allowBareFor(ctx));
      for (const c of columns) report.expect(got.get(c) === want.get(c), () => `${path.name}: sum(${c}) = ${got.get(c)}, expected ${want.get(c)}`);
    }
  },
};

const assertedRows: TableCheck = {
  name: 'asserted-rows',
  description: "the rows (or filtered query answers) the origin repository's tests assert, through both read paths, value for value",
  async run(ctx, report) {
    const checks = ASSERTED_ROWS[ctx.case.name] ?? [];
    if (checks.length === 0) {
      report.skip('the corpus transcribes no asserted rows for this case');
      return;
    }
    for (const [k, check] of checks.entries()) {
      const label = `assertion ${k + 1}${check.filter === undefined ? '' : ` (where ${check.filter})`}`;
      const more = { ...(check.columns === undefined ? {} : { columns: check.columns }), ...(check.filter === undefined ? {} : { filter: check.filter }) };
      for (const path of PATHS) {
        const want = sortedText(path.name === 'duckdb' && check.duckdbRows !== undefined ? check.duckdbRows : check.rows);
        const got = sortedText(await path.rows(await scanOf(ctx, {}, more), allowBareFor(ctx)));
        report.expect(JSON.stringify(got) === JSON.stringify(want), () => `${path.name}: ${label}: ${firstDifference(got, want)}`);
      }
    }
  },
};

const readersAgree: TableCheck = {
  name: 'readers-agree',
  description: 'both read paths return the same rows of the current snapshot, value for value (every column; DuckDB may rename case-insensitive duplicate names)',
  async run(ctx, report) {
    if (ctx.case.currentSnapshotId === undefined) {
      report.skip('no current snapshot');
      return;
    }
    const values = (rows: readonly Row[]): string[] => rows.map((r) => JSON.stringify(Object.values(r))).sort();
    const arrowRows = values(await ARROW.rows(await scanOf(ctx, {}), allowBareFor(ctx)));
    const duckRows = values(await DUCKDB.rows(await scanOf(ctx, {}), allowBareFor(ctx)));
    report.expect(JSON.stringify(arrowRows) === JSON.stringify(duckRows), () => `arrow vs duckdb: ${firstDifference(arrowRows, duckRows)}`);
  },
};

const metadataVariants: TableCheck = {
  name: 'metadata-variants',
  description: 'other metadata files whose rows the origin repository asserts (another schema or name mapping over the same files) read with those row counts and null columns through both paths',
  async run(ctx, report) {
    const variants = METADATA_VARIANTS[ctx.case.name] ?? [];
    if (variants.length === 0) {
      report.skip('the corpus asserts rows for no other metadata file of this case');
      return;
    }
    for (const v of variants) {
      const label = `${v.file}${v.snapshotId === undefined ? '' : ` at snapshot ${v.snapshotId}`}`;
      const selection: Selection = v.snapshotId === undefined ? {} : { snapshotId: v.snapshotId };
      // the file must exist as named (a typo here must not pass as a read error)
      readFileSync(join(ctx.case.dir, v.file));
      for (const path of PATHS) {
        const rows = await path.rows(await scanOf(ctx, selection, {}, v.file), false);
        report.expect(rows.length === v.rows, () => `${path.name}: ${label}: ${rows.length} rows, expected ${v.rows}`);
        for (const c of v.nulls ?? []) {
          const n = rows.filter((r) => r[c] !== null && r[c] !== undefined).length;
          report.expect(n === 0, () => `${path.name}: ${label}: ${c} must be null in every row, ${n} rows have a value`);
        }
        for (const c of v.notNull ?? []) {
          const n = rows.filter((r) => r[c] === null || r[c] === undefined).length;
          report.expect(n === 0, () => `${path.name}: ${label}: ${c} must have a value in every row, ${n} rows are null`);
        }
      }
    }
  },
};

/** What the corpus says lake reads when the legacy bare DV is explicitly allowed ("with verification skipped"). */
export const BARE_DV_ROWS: Readonly<Record<string, readonly Row[]>> = {
  'duckdb-legacy-bare-dv-v3': [
    { id: 1, source: 'legacy' },
    { id: 3, source: 'legacy' },
  ],
};

const rejection: TableCheck = {
  name: 'rejection',
  description: 'a case the corpus says must be refused ("scan must ERROR by default") is refused by both read paths with a LakeError that says why; the explicit opt-in reads the rows the corpus gives',
  async run(ctx, report) {
    const r = ctx.case.rejection;
    if (r === undefined) {
      report.skip('the corpus does not require a rejection for this case');
      return;
    }
    for (const path of PATHS) {
      const e = await errorOf(async () => path.count(await scanOf(ctx, {}), false));
      if (e === undefined) report.fail(`${path.name}: the corpus says "${r.reason}" but the read succeeded`);
      else if (!isBareDvRefusal(e)) report.fail(`${path.name}: expected an INVALID_METADATA LakeError naming the bare deletion-vector blob, got ${errorText(e)}`);
      else report.note(`${path.name}: refused: ${errorText(e)}`);
    }
    const want = BARE_DV_ROWS[ctx.case.name];
    if (want === undefined) {
      report.fail('no rows are transcribed for the explicit opt-in read of this case');
      return;
    }
    for (const path of PATHS) {
      const got = sortedText(await path.rows(await scanOf(ctx, {}), true));
      report.expect(JSON.stringify(got) === JSON.stringify(sortedText(want)), () => `${path.name}: with bare deletion vectors allowed: ${firstDifference(got, sortedText(want))}`);
    }
  },
};

export const dataLevel: CheckModule = {
  level: 'data',
  description: 'rows through the Arrow path and the DuckDB path',
  checks: [rejection, rowsCheck(ARROW), rowsCheck(DUCKDB), intSums, assertedRows, readersAgree, metadataVariants],
};
