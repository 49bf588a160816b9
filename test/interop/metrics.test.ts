/**
 * Column metrics: for files lake writes (several row groups, every primitive type, nested
 * columns, NaNs, nulls, strings and binaries past the truncation length), PyIceberg's
 * `data_file_statistics_from_parquet_metadata` with the table's metrics modes (what PyIceberg's
 * writes and `add_files` record for a file) must give lake's DataFile metrics: value, null and NaN
 * counts, column sizes, split offsets, and lower/upper bounds after truncation, under several
 * metrics-mode configurations. Each difference is a named rule (see KNOWN and docs/interop.md).
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStoreCatalog } from '../../catalog/object-store-catalog.js';
import type { DataFile } from '../../src/spec/data-file.js';
import { indexSchema, schemaToJson } from '../../src/spec/schema.js';
import { bytesToHex, decodeValue } from '../../src/spec/single-value.js';
import { type IcebergType, type PrimitiveType, parsePrimitiveType } from '../../src/spec/types.js';
import { runPython } from '../support/pyiceberg.js';
import { arrowColumn, arrowTable, rng, schemaOf } from '../write/data-writer-fixtures.js';
import { pyScript } from './support.js';

const FIELDS = [
  { id: 1, name: 'id', required: true, type: 'long' },
  { id: 2, name: 'i', required: false, type: 'int' },
  { id: 3, name: 'l', required: false, type: 'long' },
  { id: 4, name: 'f', required: false, type: 'float' },
  { id: 5, name: 'd', required: false, type: 'double' },
  { id: 6, name: 'all_nan', required: false, type: 'double' },
  { id: 7, name: 'all_null', required: false, type: 'string' },
  { id: 8, name: 'dec9', required: false, type: 'decimal(9, 2)' },
  { id: 9, name: 'dec18', required: false, type: 'decimal(18, 4)' },
  { id: 10, name: 'dec38', required: false, type: 'decimal(38, 10)' },
  { id: 11, name: 'dt', required: false, type: 'date' },
  { id: 12, name: 'tm', required: false, type: 'time' },
  { id: 13, name: 'ts', required: false, type: 'timestamp' },
  { id: 14, name: 'tstz', required: false, type: 'timestamptz' },
  { id: 15, name: 's', required: false, type: 'string' },
  { id: 16, name: 's_long', required: false, type: 'string' },
  { id: 17, name: 'u', required: false, type: 'uuid' },
  { id: 18, name: 'b', required: false, type: 'binary' },
  { id: 19, name: 'flag', required: false, type: 'boolean' },
  {
    id: 20,
    name: 'st',
    required: false,
    type: { type: 'struct', fields: [{ id: 21, name: 'x', required: false, type: 'double' }, { id: 22, name: 'y', required: false, type: 'string' }] },
  },
  { id: 23, name: 'tags', required: false, type: { type: 'list', 'element-id': 24, element: 'string', 'element-required': false } },
];
const SCHEMA = schemaOf(FIELDS);

const N = 5000;

function input(seed: number): arrow.Table {
  const r = rng(seed);
  const nul = <T>(p: number, v: () => T): T | null => (r() < p ? null : v());
  const bytes = (len: number, first?: number) => Uint8Array.from({ length: len }, (_x, k) => (k === 0 && first !== undefined ? first : Math.floor(r() * 256)));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const prefix = 'an identical prefix of twenty chars: ';
  const col = (type: string, f: (i: number) => unknown) => arrowColumn(parsePrimitiveType(type), Array.from({ length: N }, (_x, i) => f(i)));
  const columns: Record<string, arrow.Data> = {
    id: col('long', (i) => BigInt(i)),
    i: col('int', () => nul(0.1, () => Math.floor((r() - 0.5) * 2 ** 32))),
    l: col('long', (i) => nul(0.1, () => BigInt(Math.floor((r() - 0.5) * 2 ** 52)) * 1000n + BigInt(i))),
    f: col('float', (i) => (i % 97 === 0 ? NaN : nul(0.1, () => Math.fround((r() - 0.5) * 1e6)))),
    // NaNs in the first and the last row group (see 'NaNs in an earlier row group' below); infinities in the middle
    d: col('double', (i) => ((i < 2048 || i >= 4500) && i % 13 === 0 ? NaN : i === 3000 ? Infinity : i === 3001 ? -Infinity : nul(0.1, () => (r() - 0.5) * 1e12))),
    all_nan: col('double', () => NaN),
    all_null: col('string', () => null),
    dec9: col('decimal(9, 2)', () => nul(0.1, () => BigInt(Math.floor((r() - 0.5) * 1.9e9)))),
    dec18: col('decimal(18, 4)', () => nul(0.1, () => BigInt(Math.floor((r() - 0.5) * 2 ** 53)) * 100n)),
    dec38: col('decimal(38, 10)', () => nul(0.1, () => BigInt(`${r() < 0.5 ? '-' : ''}${Array.from({ length: 37 }, () => Math.floor(r() * 10)).join('')}`))),
    dt: col('date', () => nul(0.1, () => Math.floor((r() - 0.5) * 100000))),
    tm: col('time', () => nul(0.1, () => BigInt(Math.floor(r() * 86_400_000_000)))),
    ts: col('timestamp', () => nul(0.1, () => BigInt(Math.floor((r() - 0.5) * 4e15)))),
    tstz: col('timestamptz', () => nul(0.1, () => BigInt(Math.floor((r() - 0.5) * 4e15)))),
    s: col('string', () => nul(0.1, () => pick(['', 'a', 'short', 'Zoë', '😀 emoji first', 'éééééééééééééééééééé', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzz', `${'\u{10FFFF}'.repeat(17)}`]))),
    s_long: col('string', (i) => nul(0.05, () => `${prefix}${i}`)),
    u: col('uuid', () => nul(0.1, () => bytesToUuid(bytes(16)))),
    // the largest value, 0xFE then 39 x 0xFF, has no truncated upper bound of 16 bytes ending in an incrementable byte
    b: col('binary', (i) => (i % 500 === 0 ? Uint8Array.of(0xfe, ...new Array<number>(39).fill(0xff)) : nul(0.1, () => bytes(Math.floor(r() * 40), Math.floor(r() * 0xfe))))),
    flag: col('boolean', () => nul(0.1, () => r() < 0.5)),
  };
  const st = arrow.vectorFromArray(
    Array.from({ length: N }, (_x, i) => (i % 10 === 0 ? null : { x: i % 7 === 0 ? NaN : i % 5 === 0 ? null : r() * 100, y: i % 3 === 0 ? null : `y${i}` })),
    new arrow.Struct([new arrow.Field('x', new arrow.Float64(), true), new arrow.Field('y', new arrow.Utf8(), true)]),
  );
  const tags = arrow.vectorFromArray(
    Array.from({ length: N }, (_x, i) => (i % 11 === 0 ? null : Array.from({ length: i % 4 }, (_y, k) => (k === 2 ? null : `tag-${(i + k) % 30}`)))),
    new arrow.List(new arrow.Field('element', new arrow.Utf8(), true)),
  );
  columns.st = st.data[0]!;
  columns.tags = tags.data[0]!;
  return arrowTable(columns, { id: false });
}

function bytesToUuid(b: Uint8Array): string {
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

interface PyStats {
  record_count: number;
  column_sizes: Record<string, number>;
  value_counts: Record<string, number>;
  null_value_counts: Record<string, number>;
  nan_value_counts: Record<string, number>;
  lower_bounds: Record<string, Uint8Array>;
  upper_bounds: Record<string, Uint8Array>;
  split_offsets: number[];
  row_groups: number;
}

const CONFIGS: Record<string, Record<string, string>> = {
  'default truncate(16)': {},
  'truncate(4) with column overrides': {
    'write.metadata.metrics.default': 'truncate(4)',
    'write.metadata.metrics.column.s_long': 'full',
    'write.metadata.metrics.column.i': 'counts',
    'write.metadata.metrics.column.dec38': 'none',
    'write.metadata.metrics.column.st.y': 'truncate(2)',
  },
  full: { 'write.metadata.metrics.default': 'full' },
  counts: { 'write.metadata.metrics.default': 'counts' },
  'none, one column truncate(8)': { 'write.metadata.metrics.default': 'none', 'write.metadata.metrics.column.s': 'truncate(8)' },
};

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-interop-metrics-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const map = (m: ReadonlyMap<number, unknown> | undefined) => Object.fromEntries([...(m ?? new Map())].map(([k, v]) => [String(k), v]));
const hexMap = (m: Record<string, Uint8Array> | ReadonlyMap<number, Uint8Array> | undefined) =>
  Object.fromEntries((m instanceof Map ? [...m] : Object.entries(m ?? {})).map(([k, v]) => [String(k), bytesToHex(v as Uint8Array)]));

describe('metrics of files lake writes, against PyIceberg', () => {
  let k = 0;
  for (const [name, properties] of Object.entries(CONFIGS)) {
    it(`agree for ${name}`, async () => {
      const catalog = new ObjectStoreCatalog({ warehouse: path.join(dir, String(k++)) });
      await catalog.createNamespace('db');
      // small row groups (lake keeps at least 2048 rows in one): several per file
      const table = await catalog.createTable('db.t', { schema: SCHEMA, properties: { ...properties, 'write.parquet.row-group-size-bytes': '65536' } });
      const data = input(7);
      const written = await table.append(data);
      const files: DataFile[] = written.dataFiles;
      // the table's schema (createTable assigns its own ids: nested fields after the top level)
      const fields = new Map([...indexSchema(table.schema())].map(([id, e]) => [id, { path: e.path, type: e.field.type }]));
      const py = await runPython<PyStats[]>(pyScript('pyiceberg_file_metrics.py'), {
        schema: schemaToJson(table.schema()),
        properties,
        files: files.map((f) => f.filePath),
      });
      expect(files).toHaveLength(1);
      const [file, p] = [files[0]!, py[0]!];
      expect(p.row_groups).toBeGreaterThan(1);
      expect(p.record_count).toBe(file.recordCount);
      expect(p.split_offsets).toEqual(file.splitOffsets);
      const ctx: Ctx = { fields, properties, data };
      compareColumnSizes(p, file, ctx);
      compareCounts('value', p.value_counts, file.valueCounts, ctx);
      compareCounts('null', p.null_value_counts, file.nullValueCounts, ctx);
      compareNanCounts(p, file, ctx);
      compareBounds('lower', p.lower_bounds, file.lowerBounds, ctx);
      compareBounds('upper', p.upper_bounds, file.upperBounds, ctx);
    });
  }
});

interface Ctx {
  /** field id -> dotted path and type, in the table's schema */
  fields: Map<number, { path: string; type: IcebergType }>;
  properties: Record<string, string>;
  /** the rows written */
  data: arrow.Table;
}

function idOf(ctx: Ctx, path: string): number {
  return [...ctx.fields].find(([, f]) => f.path === path)![0];
}

/** The metrics mode of a field: its column property, else the default, else truncate(16). */
function modeOf(ctx: Ctx, id: number): string {
  const name = ctx.fields.get(id)!.path;
  return ctx.properties[`write.metadata.metrics.column.${name}`] ?? ctx.properties['write.metadata.metrics.default'] ?? 'truncate(16)';
}

/**
 * Column sizes: equal, except that PyIceberg records the size of columns whose mode is `none`;
 * the reference implementation (ParquetMetrics.columnSizes) and lake leave them out.
 */
function compareColumnSizes(p: PyStats, file: DataFile, ctx: Ctx): void {
  const lake = map(file.columnSizes);
  for (const key of new Set([...Object.keys(p.column_sizes), ...Object.keys(lake)])) {
    const id = Number(key);
    const what = `column size of ${ctx.fields.get(id)?.path} (${modeOf(ctx, id)})`;
    if (modeOf(ctx, id) === 'none') {
      expect(lake[key], what).toBeUndefined();
      expect(p.column_sizes[key], what).toBeGreaterThan(0);
    } else {
      expect(p.column_sizes[key], what).toBe(lake[key]);
    }
  }
}

/**
 * Value and null counts: equal, except for list elements: PyIceberg counts them from the footer
 * (every element slot, empty lists and null lists included); the reference implementation
 * (ParquetMetrics: "repeated fields are not currently supported") and lake record no counts for
 * fields inside lists and maps.
 */
function compareCounts(which: string, pyMap: Record<string, number>, lakeMap: ReadonlyMap<number, number> | undefined, ctx: Ctx): void {
  const lake = map(lakeMap);
  let inLists = 0;
  for (const key of new Set([...Object.keys(pyMap), ...Object.keys(lake)])) {
    const id = Number(key);
    const path = ctx.fields.get(id)!.path;
    const what = `${which} count of ${path} (${modeOf(ctx, id)})`;
    if (path === 'tags.element') {
      inLists++;
      expect(lake[key], what).toBeUndefined();
      expect(pyMap[key], what).toBeGreaterThan(0);
    } else {
      expect(pyMap[key], what).toBe(lake[key]);
    }
  }
  expect(inLists).toBe(modeOf(ctx, idOf(ctx, 'tags.element')) === 'none' ? 0 : 1);
}

/**
 * NaN counts: PyIceberg derives metrics from the Parquet footer, which has no NaN counts, so it
 * records none; lake counts NaNs while writing (the spec's nan_value_counts) for float and double
 * columns whose mode is not `none`, as the reference implementation's writers do.
 */
function compareNanCounts(p: PyStats, file: DataFile, ctx: Ctx): void {
  expect(p.nan_value_counts).toEqual({});
  const lake = map(file.nanValueCounts);
  const floats = [...ctx.fields].filter(([, f]) => f.type.kind === 'float' || f.type.kind === 'double');
  expect(floats.length).toBe(4);
  for (const [id, f] of floats) {
    if (modeOf(ctx, id) === 'none') expect(lake[String(id)], `NaN count of ${f.path}`).toBeUndefined();
    else expect(lake[String(id)], `NaN count of ${f.path}`).toBeGreaterThanOrEqual(0);
  }
  if (modeOf(ctx, idOf(ctx, 'all_nan')) !== 'none') expect(lake[String(idOf(ctx, 'all_nan'))]).toBe(N);
  if (modeOf(ctx, idOf(ctx, 'd')) !== 'none') expect(lake[String(idOf(ctx, 'd'))]).toBe(Math.ceil(2048 / 13) + 38);
}

/**
 * Bounds: equal bytes, except where one of these rules applies.
 * - A float or double column holding NaN: the Parquet footer has no min/max for it, so PyIceberg
 *   records no bounds; lake records the NaN-free min and max it measured while writing.
 * - PyIceberg writes no bounds for fields inside structs; lake bounds them (not list elements), as
 *   the reference implementation does.
 * - A truncated binary upper bound: PyIceberg increments the last byte that can be incremented and
 *   keeps the truncated length (0xFF bytes after it stay); the reference implementation (and lake)
 *   drops the bytes after the incremented one. Both are valid upper bounds; Java's is shorter.
 */
function compareBounds(which: 'lower' | 'upper', pyMap: Record<string, Uint8Array>, lakeMap: ReadonlyMap<number, Uint8Array> | undefined, ctx: Ctx): void {
  const py = hexMap(pyMap);
  const lake = hexMap(lakeMap);
  let binaryUpper = 0;
  for (const key of new Set([...Object.keys(py), ...Object.keys(lake)])) {
    const id = Number(key);
    const path = ctx.fields.get(id)!.path;
    const what = `${which} bound of ${path} (${modeOf(ctx, id)}): lake ${lake[key]}, PyIceberg ${py[key]}`;
    if (py[key] === lake[key]) continue;
    if ((path === 'f' || path === 'd') && py[key] === undefined) {
      // DuckDB writes no min/max for a column chunk holding NaN, so PyIceberg has no bounds; lake
      // computes NaN-free bounds while writing, as the reference implementation's writers do.
      const values = (ctx.data.getChild(path)!.toArray() as number[]).filter((v, i) => ctx.data.getChild(path)!.isValid(i) && !Number.isNaN(v));
      const bound = decodeValue(ctx.fields.get(id)!.type as PrimitiveType, Buffer.from(lake[key]!, 'hex'));
      expect(bound, what).toBe(which === 'lower' ? Math.min(...values) : Math.max(...values));
    } else if (path.startsWith('st.')) {
      expect(py[key], what).toBeUndefined();
      expect(lake[key], what).toBeDefined();
    } else if (path === 'b' && which === 'upper') {
      binaryUpper++;
      expect(lake[key], what).toBe('ff');
      expect(py[key], what).toBe('ff'.repeat(modeOf(ctx, id) === 'full' ? 40 : Number(/\d+/.exec(modeOf(ctx, id))![0])));
    } else {
      expect(py[key], what).toBe(lake[key]);
    }
  }
  // the truncated binary upper bound differs whenever b has bounds truncated below its 40 bytes
  const bMode = modeOf(ctx, idOf(ctx, 'b'));
  expect(binaryUpper).toBe(which === 'upper' && /^truncate/.test(bMode) ? 1 : 0);
}

describe('NaNs in an earlier row group only', () => {
  // DuckDB 1.5.6's COPY ... RETURN_STATS reports has_nan of the LAST row group only: with NaNs in
  // the first row group alone it says false. A writer trusting it would record nan_value_counts = 0,
  // and every reader that trusts the metrics (lake, PyIceberg) would skip the file for `d IS NAN`.
  // lake also counts NaNs when a row group has values but no min/max in the footer (DuckDB writes
  // none for a chunk holding NaN). DuckDB alone shows the has_nan behaviour:
  //   COPY (SELECT CASE WHEN i < 2048 AND i % 13 = 0 THEN 'NaN'::DOUBLE ELSE i END AS d FROM range(5000) r(i))
  //   TO 'x.parquet' (ROW_GROUP_SIZE 2048, RETURN_STATS)  -- has_nan: false
  const nans = Math.ceil(2048 / 13);
  let actual: { nans_in_file: number; row_groups: number; pyiceberg_is_nan: number };
  let lakeNanCount: number | undefined;
  let lakeIsNan: number;
  beforeAll(async () => {
    const catalog = new ObjectStoreCatalog({ warehouse: path.join(dir, 'nan-first-group') });
    await catalog.createNamespace('db');
    const schema = schemaOf([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'd', required: false, type: 'double' },
    ]);
    const table = await catalog.createTable('db.t', { schema, properties: { 'write.parquet.row-group-size-bytes': '65536' } });
    const d = Array.from({ length: N }, (_x, i) => (i < 2048 && i % 13 === 0 ? NaN : i * 1.5));
    const written = await table.append(arrowTable({ id: arrowColumn({ kind: 'long' }, d.map((_x, i) => BigInt(i))), d: arrowColumn({ kind: 'double' }, d) }, { id: false }));
    lakeNanCount = written.dataFiles[0]!.nanValueCounts?.get(2);
    lakeIsNan = (await table.scan({ filter: 'd IS NAN' }).toArrow()).numRows;
    actual = await runPython(
      `
import math
import pyarrow.parquet as pq
from pyiceberg.table import StaticTable

def main(inp):
    f = pq.ParquetFile(inp["file"])
    values = f.read().column("d").to_pylist()
    table = StaticTable.from_metadata(inp["metadata"])
    return {
        "nans_in_file": sum(1 for v in values if v is not None and math.isnan(v)),
        "row_groups": f.metadata.num_row_groups,
        "pyiceberg_is_nan": table.scan(row_filter="d is nan").to_arrow().num_rows,
    }
`,
      { file: written.dataFiles[0]!.filePath, metadata: table.metadataLocation },
    );
  }, 120_000);

  it('the file holds the NaNs, in several row groups, and lake and PyIceberg read it alike', () => {
    expect(actual.nans_in_file).toBe(nans);
    expect(actual.row_groups).toBeGreaterThan(1);
    expect(actual.pyiceberg_is_nan).toBe(lakeIsNan);
  });

  it('lake records the NaN count, and d IS NAN finds every NaN row in lake and in PyIceberg', () => {
    expect(lakeNanCount).toBe(nans);
    expect(lakeIsNan).toBe(nans);
    expect(actual.pyiceberg_is_nan).toBe(nans);
  });
});

describe('bounds of a double column when only some row groups hold NaN', () => {
  // DuckDB writes no min/max for a column chunk holding NaN. PyIceberg builds
  // bounds from the chunks that have min/max and ignores the others, so its bounds leave out the
  // values of the NaN chunks: too narrow, and a filter on them would skip rows that match. lake
  // measures NaN-free bounds over the whole file.
  it('lake has the bounds of every value; PyIceberg has only those of the NaN-free row group', async () => {
    const catalog = new ObjectStoreCatalog({ warehouse: path.join(dir, 'nan-some-groups') });
    await catalog.createNamespace('db');
    const schema = schemaOf([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'd', required: false, type: 'double' },
    ]);
    const table = await catalog.createTable('db.t', { schema, properties: { 'write.parquet.row-group-size-bytes': '1024' } }); // 2048 rows a group, lake's least
    // row group 1 (rows 0..2047): NaNs and values -1000..-1; row group 2: 0..99 only; row group 3: NaNs and 5000..
    const d = Array.from({ length: N }, (_x, i) => (i % 13 === 0 && (i < 2048 || i >= 4096) ? NaN : i < 2048 ? -1000 + (i % 1000) : i < 4096 ? i % 100 : 5000 + i));
    const written = await table.append(arrowTable({ id: arrowColumn({ kind: 'long' }, d.map((_x, i) => BigInt(i))), d: arrowColumn({ kind: 'double' }, d) }, { id: false }));
    const file = written.dataFiles[0]!;
    const [py] = await runPython<PyStats[]>(pyScript('pyiceberg_file_metrics.py'), { schema: schemaToJson(table.schema()), properties: {}, files: [file.filePath] });
    expect(py!.row_groups).toBe(3);
    const real = d.filter((v) => !Number.isNaN(v));
    const double = (b: Uint8Array | undefined) => (b === undefined ? undefined : decodeValue({ kind: 'double' }, b));
    expect(double(file.lowerBounds?.get(2))).toBe(Math.min(...real));
    expect(double(file.upperBounds?.get(2))).toBe(Math.max(...real));
    expect(double(py!.lower_bounds['2'])).toBe(0);
    expect(double(py!.upper_bounds['2'])).toBe(99);
  });
});
