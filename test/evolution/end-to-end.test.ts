/**
 * Evolution with data, end to end: a table evolves through 10 schema versions with rows written
 * between the changes, and every snapshot reads back with the right columns and values through
 * lake's Arrow reader, DuckDB and PyIceberg; a table's partitioning evolves day(ts) -> hour(ts) +
 * bucket(8, id) -> hour(ts) with data under each spec, and filters on ts and id return exactly the
 * right rows while pruning files of every spec.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStoreCatalog } from '../../catalog/object-store-catalog.js';
import type { Table } from '../../catalog/table.js';
import { readArrow } from '../../src/scan/arrow-reader.js';
import { createSqlSession } from '../../src/scan/duckdb-session.js';
import { selectFields } from '../../src/scan/field-projection.js';
import { planScan } from '../../src/scan/planner.js';
import { type JsonRowValue, arrowToJsonRows, lakeValueJson, toJsonRows } from '../../src/scan/row-format.js';
import type { ScanPlan } from '../../src/scan/scan-task.js';
import { parseSchema } from '../../src/spec/schema.js';
import { decimalToPlainString } from '../../src/spec/single-value.js';
import { currentSchema } from '../../src/spec/table-metadata.js';
import { applyTransform, parseTransform } from '../../src/spec/transforms.js';
import type { IcebergType, NestedField } from '../../src/spec/types.js';
import { writeDataFiles } from '../../src/write/data-writer.js';
import type { TableHandle } from '../../src/write/staged-change.js';
import { ReplaceSortOrder } from '../../src/write/replace-sort-order.js';
import { UpdatePartitionSpec } from '../../src/write/update-partition-spec.js';
import { UpdateSchema } from '../../src/write/update-schema.js';
import { runPython } from '../support/pyiceberg.js';

let dir: string;
let catalog: ObjectStoreCatalog;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-evolution-e2e-'));
  catalog = new ObjectStoreCatalog({ warehouse: dir });
  await catalog.createNamespace('db');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function handle(table: Table): TableHandle {
  return { metadata: table.metadata, io: table.io, committer: table };
}

// ---- rows as values keyed by field id, rendered to Arrow input and to expected JSON ----

/** A row in lake's value representation keyed by field id; a struct value is itself such a map. */
type Row = Map<number, unknown>;

function arrowType(t: IcebergType): arrow.DataType {
  switch (t.kind) {
    case 'long':
      return new arrow.Int64();
    case 'int':
      return new arrow.Int32();
    case 'float':
      return new arrow.Float32();
    case 'double':
      return new arrow.Float64();
    case 'string':
      return new arrow.Utf8();
    case 'struct':
      return new arrow.Struct(t.fields.map((f) => new arrow.Field(f.name, arrowType(f.type), true)));
    case 'list':
      return new arrow.List(new arrow.Field('element', arrowType(t.element), true));
    default:
      throw new Error(`no Arrow input for ${t.kind} in this test`);
  }
}

/** Values as `vectorFromArray` takes them (structs as objects keyed by name). */
function arrowValue(t: IcebergType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (t.kind === 'struct') {
    const m = v as Row;
    return Object.fromEntries(t.fields.map((f) => [f.name, arrowValue(f.type, m.get(f.id))]));
  }
  return v;
}

/** A decimal(P, S) Arrow column from unscaled bigints (128-bit little-endian words). */
function decimalData(precision: number, scale: number, values: readonly (bigint | null)[]): arrow.Data {
  const words = new Uint32Array(values.length * 4);
  const bits = new Uint8Array(Math.ceil(values.length / 8) + 1);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) {
      nulls++;
      return;
    }
    bits[i >> 3]! |= 1 << (i & 7);
    let x = BigInt.asUintN(128, v);
    for (let k = 0; k < 4; k++) {
      words[i * 4 + k] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  return arrow.makeData({ type: new arrow.Decimal(scale, precision, 128), length: values.length, data: words, nullBitmap: bits, nullCount: nulls });
}

/** Arrow input holding `rows` in the table's current columns, named as the table names them now. */
function arrowInput(fields: readonly NestedField[], rows: readonly Row[]): arrow.Table {
  const columns: Record<string, arrow.Vector> = {};
  for (const f of fields) {
    const values = rows.map((r) => r.get(f.id) ?? null);
    columns[f.name] =
      f.type.kind === 'decimal'
        ? arrow.makeVector(decimalData(f.type.precision, f.type.scale, values as (bigint | null)[]))
        : f.type.kind === 'timestamptz'
          ? arrow.makeVector(arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: values.length, data: BigInt64Array.from(values as bigint[]) }))
          : arrow.vectorFromArray(values.map((v) => arrowValue(f.type, v)), arrowType(f.type));
  }
  return new arrow.Table(columns);
}

/** The JSON the readers give for a value of type `t` (see src/scan/row-format.ts). */
function expectedJson(t: IcebergType, v: unknown): JsonRowValue {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'long':
    case 'int':
      return Number(v as bigint | number);
    case 'decimal':
      return decimalToPlainString(v as bigint, t.scale);
    case 'struct': {
      const m = v as Row;
      return Object.fromEntries(t.fields.map((f) => [f.name, expectedJson(f.type, m.get(f.id))]));
    }
    case 'list':
      return (v as unknown[]).map((e) => expectedJson(t.element, e));
    default:
      return v as JsonRowValue;
  }
}

function expectedRows(fields: readonly NestedField[], rows: readonly Row[]): Record<string, JsonRowValue>[] {
  return rows.map((r) => Object.fromEntries(fields.map((f) => [f.name, expectedJson(f.type, r.get(f.id))])));
}

function sorted(rows: readonly Record<string, JsonRowValue>[]): Record<string, JsonRowValue>[] {
  const key = (r: Record<string, JsonRowValue>): string => JSON.stringify(r);
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

async function readWithArrow(plan: ScanPlan): Promise<Record<string, JsonRowValue>[]> {
  const batches = [];
  for await (const b of readArrow(plan)) batches.push(b);
  return arrowToJsonRows(batches, selectFields(plan.schema, plan.projectedFieldIds));
}

async function readWithDuckDb(plan: ScanPlan): Promise<Record<string, JsonRowValue>[]> {
  const session = await createSqlSession();
  try {
    await session.registerTable('t', plan);
    return toJsonRows(await session.query('SELECT * FROM t'));
  } finally {
    await session.close();
  }
}

async function append(table: Table, rows: readonly Row[]): Promise<void> {
  const files = await writeDataFiles({ metadata: table.metadata, storage: table.io, input: arrowInput(currentSchema(table.metadata).fields, rows) });
  await table.newAppend().appendFiles(files).commit();
}

// ---------------------------------------------------------------------------------------------

describe('a table evolving through 10 schema versions with data written between changes', () => {
  /** Per snapshot: the field names and expected rows a reader of that snapshot must see. */
  const expected: { snapshotId: bigint; schemaId: number; columns: string[]; rows: Record<string, JsonRowValue>[] }[] = [];
  let table: Table;

  beforeAll(async () => {
    table = await catalog.createTable('db.people', {
      schema: parseSchema({
        type: 'struct',
        fields: [
          { id: 1, name: 'id', required: true, type: 'long' },
          { id: 2, name: 'name', required: false, type: 'string' },
          { id: 3, name: 'n', required: false, type: 'int' },
          { id: 4, name: 'f', required: false, type: 'float' },
          { id: 5, name: 'price', required: false, type: 'decimal(9, 2)' },
          { id: 6, name: 'point', required: false, type: { type: 'struct', fields: [{ id: 7, name: 'x', required: false, type: 'double' }] } },
        ],
      }),
    });
    // Each step changes the schema (except the first), then writes 3 rows with the columns of the moment.
    const steps: ((u: UpdateSchema) => UpdateSchema)[] = [
      (u) => u,
      (u) => u.addColumn('email', 'string'), // 8
      (u) => u.renameColumn('name', 'full_name'),
      (u) => u.updateColumn('n', 'long'),
      (u) => u.updateColumn('f', 'double'),
      (u) => u.dropColumn('email'),
      (u) => u.addColumn('email', 'string'), // re-added: 9, a different column
      (u) => u.addColumn('point.y', 'double'), // 10
      (u) => u.moveFirst('full_name'),
      (u) => u.addColumn('tags', 'list<string>'), // 11, element 12
      (u) => u.updateColumn('price', 'decimal(12, 2)'),
    ];
    const all: Row[] = [];
    for (let k = 0; k < steps.length; k++) {
      if (k > 0) await steps[k]!(new UpdateSchema(handle(table))).commit();
      const ids = new Set(currentSchema(table.metadata).fields.map((f) => f.id));
      const rows: Row[] = [0, 1, 2].map((i) => {
        const r: Row = new Map();
        r.set(1, BigInt(k * 10 + i));
        r.set(2, i === 2 ? null : `name-${k}-${i}`);
        r.set(3, k >= 3 ? 2n ** 31n + BigInt(k * 10 + i) : k * 100 + i);
        r.set(4, k >= 4 ? 0.1 * (k + i) : Math.fround(1.1 * (k + i)));
        r.set(5, k >= 10 ? 9_999_999_999n + BigInt(i) : 1234n + BigInt(k * 10 + i));
        const point: Row = new Map([[7, k + i / 2]]);
        if (k >= 7) point.set(10, k * 2 + i);
        r.set(6, i === 1 ? null : point);
        if (ids.has(8)) r.set(8, `mail-${k}-${i}`);
        if (ids.has(9)) r.set(9, `new-${k}-${i}`);
        if (ids.has(11)) r.set(11, i === 0 ? [] : ['a', `t${k}`]);
        return r;
      });
      await append(table, rows);
      all.push(...rows);
      const schema = currentSchema(table.metadata);
      expected.push({
        snapshotId: table.metadata.currentSnapshotId!,
        schemaId: schema.schemaId,
        columns: schema.fields.map((f) => f.name),
        rows: sorted(expectedRows(schema.fields, all)),
      });
    }
  }, 240_000);

  it('went through 11 schemas, ids never reused', () => {
    expect(table.metadata.schemas.map((s) => s.schemaId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(expected.map((e) => e.schemaId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(table.metadata.lastColumnId).toBe(12);
    expect(currentSchema(table.metadata).fields.map((f) => `${f.id}:${f.name}`)).toEqual(['2:full_name', '1:id', '3:n', '4:f', '5:price', '6:point', '9:email', '11:tags']);
    expect(expected.at(-1)!.columns).toEqual(['full_name', 'id', 'n', 'f', 'price', 'point', 'email', 'tags']);
  });

  it('every snapshot reads with its own columns and values through Arrow and DuckDB', async () => {
    for (const e of expected) {
      const plan = await planScan({ metadata: table.metadata, snapshot: { snapshotId: e.snapshotId } });
      expect(plan.schema.schemaId, `snapshot of schema ${e.schemaId}`).toBe(e.schemaId);
      expect(sorted(await readWithArrow(plan)), `Arrow, schema ${e.schemaId}`).toEqual(e.rows);
      expect(sorted(await readWithDuckDb(plan)), `DuckDB, schema ${e.schemaId}`).toEqual(e.rows);
    }
  }, 240_000);

  it('the re-added email column reads null for rows written under the dropped one', async () => {
    const rows = await readWithArrow(await planScan({ metadata: table.metadata, columns: ['id', 'email'] }));
    const byId = new Map(rows.map((r) => [r.id as number, r.email]));
    expect(byId.get(10)).toBeNull(); // written as email (id 8), which was dropped
    expect(byId.get(40)).toBeNull();
    expect(byId.get(60)).toBe('new-6-0');
  });

  it('PyIceberg reads the evolved table and its snapshots the same', async () => {
    const out = await runPython<{ snapshots: { id: bigint | number; columns: string[]; rows: Record<string, unknown>[] }[] }>(
      `
from decimal import Decimal
from pyiceberg.table import StaticTable

def norm(v):
    if isinstance(v, Decimal):
        return format(v, 'f')
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    return v

def main(inp):
    t = StaticTable.from_metadata(inp["metadata"])
    out = []
    for sid in inp["snapshots"]:
        arrow = t.scan(snapshot_id=sid).to_arrow()
        out.append({"id": sid, "columns": arrow.schema.names, "rows": [norm(r) for r in arrow.to_pylist()]})
    return {"snapshots": out}
`,
      { metadata: table.metadataLocation, snapshots: expected.map((e) => e.snapshotId) },
    );
    expect(out.snapshots).toHaveLength(expected.length);
    out.snapshots.forEach((s, k) => {
      const e = expected[k]!;
      expect(s.columns, `columns of snapshot ${k}`).toEqual(e.columns);
      const rows = s.rows.map((r) => JSON.parse(JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as Record<string, JsonRowValue>);
      expect(sorted(rows), `rows of snapshot ${k}`).toEqual(e.rows);
    });
  }, 240_000);
});

describe('partition evolution day(ts) -> hour(ts) + bucket(8, id) -> hour(ts)', () => {
  const HOUR = 3_600_000_000n;
  const DAY0 = 20_000n * 24n * HOUR; // 2024-10-04T00:00:00Z in microseconds
  let table: Table;
  const rows: { id: bigint; ts: bigint; spec: number }[] = [];

  beforeAll(async () => {
    table = await catalog.createTable('db.events', {
      schema: parseSchema({
        type: 'struct',
        fields: [
          { id: 1, name: 'id', required: true, type: 'long' },
          { id: 2, name: 'ts', required: true, type: 'timestamptz' },
        ],
      }),
      partitionSpec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } }] },
    });
    const write = async (spec: number, from: number, count: number): Promise<void> => {
      const batch = Array.from({ length: count }, (_, i) => ({ id: BigInt(from + i), ts: DAY0 + BigInt(from + i) * 5n * HOUR + BigInt(i) * 60_000_000n, spec }));
      rows.push(...batch);
      await append(table, batch.map((r) => new Map<number, unknown>([[1, r.id], [2, r.ts]])));
    };
    await write(0, 0, 24); // 24 rows, 5 hours apart: 5 days
    await new UpdatePartitionSpec(handle(table)).removeField('ts_day').addField('hour(ts)').addField('bucket(8, id)').commit();
    await write(1, 24, 24);
    await new UpdatePartitionSpec(handle(table)).removeField('bucket(8, id)').commit();
    await write(2, 48, 24);
  }, 240_000);

  it('keeps old files in their specs and gives the new fields new ids', () => {
    expect(table.metadata.partitionSpecs.map((s) => s.fields.map((f) => `${f.fieldId}:${f.name}`))).toEqual([['1000:ts_day'], ['1001:ts_hour', '1002:id_bucket_8'], ['1001:ts_hour']]);
    expect(table.metadata.defaultSpecId).toBe(2);
  });

  /**
   * Plans `filter` and checks pruning and rows: files whose partition (in their own spec) cannot
   * match are pruned, from every spec; every other file is kept unless its column metrics exclude
   * the filter; exactly the matching rows come back through Arrow and DuckDB.
   */
  async function check(
    filter: string,
    rowMatches: (r: { id: bigint; ts: bigint }) => boolean,
    fileMayMatch: (specId: number, partition: unknown[]) => boolean,
    prunedSpecs: number[],
  ): Promise<void> {
    const all = await planScan({ metadata: table.metadata });
    expect(new Set(all.tasks.map((t) => t.dataFile.specId))).toEqual(new Set([0, 1, 2]));
    const plan = await planScan({ metadata: table.metadata, filter });
    const kept = new Set(plan.tasks.map((t) => t.dataFile.filePath));
    const mayMatch = all.tasks.filter((t) => fileMayMatch(t.dataFile.specId, t.dataFile.partition));
    const cannot = all.tasks.filter((t) => !fileMayMatch(t.dataFile.specId, t.dataFile.partition));
    for (const t of cannot) expect(kept.has(t.dataFile.filePath), `${t.dataFile.filePath} (spec ${t.dataFile.specId}) kept by ${filter}`).toBe(false);
    // Each spec's files were pruned with that spec's own transforms.
    expect([...new Set(cannot.map((t) => t.dataFile.specId))].sort(), `specs with files pruned by ${filter}`).toEqual(prunedSpecs);
    // Exact counts: the kept files are the partition matches minus those the metrics exclude.
    expect(plan.tasks.length).toBe(mayMatch.length - (plan.stats.dataFilesPrunedByMetrics ?? 0));
    expect(all.tasks.length - plan.tasks.length).toBe(cannot.length + (plan.stats.dataFilesPrunedByMetrics ?? 0));

    const want = sorted(rows.filter(rowMatches).map((r) => ({ id: Number(r.id), ts: lakeValueJson({ kind: 'timestamptz' }, r.ts) })));
    expect(want.length).toBeGreaterThan(0);
    // Every file holding a matching row is kept; the readers' residual filter returns exactly those rows.
    expect(sorted(await readWithArrow(plan))).toEqual(want);
    expect(sorted(await readWithDuckDb(plan))).toEqual(want);
  }

  const hourOf = (ts: bigint): number => Number(ts / HOUR);
  const dayOf = (ts: bigint): number => Number(ts / (24n * HOUR));
  const bucketOf = (id: bigint): number => applyTransform(parseTransform('bucket[8]'), { kind: 'long' }, id) as number;

  it('filters on ts prune files of every spec and return exactly the right rows', async () => {
    const target = rows.find((r) => r.spec === 1 && r.id === 30n)!.ts;
    const lo = (target / HOUR) * HOUR;
    const hi = lo + HOUR;
    const iso = (m: bigint) => new Date(Number(m / 1000n)).toISOString();
    // The hour of row 30 (written under spec 1): days of spec 0 and hours of specs 1 and 2 prune.
    await check(
      `ts >= TIMESTAMPTZ '${iso(lo)}' AND ts < TIMESTAMPTZ '${iso(hi)}'`,
      (r) => r.ts >= lo && r.ts < hi,
      (spec, p) => (spec === 0 ? (p[0] as number) === dayOf(lo) : (p[0] as number) === hourOf(lo)),
      [0, 1, 2],
    );
    await check(
      `ts >= TIMESTAMPTZ '${iso(DAY0 + 24n * HOUR * 9n)}'`,
      (r) => r.ts >= DAY0 + 24n * HOUR * 9n,
      (spec, p) => (spec === 0 ? (p[0] as number) >= dayOf(DAY0) + 9 : (p[0] as number) >= hourOf(DAY0) + 24 * 9),
      [0, 1],
    );
  }, 120_000);

  it('filters on id prune the bucketed files of spec 1', async () => {
    await check('id = 30', (r) => r.id === 30n, (spec, p) => spec !== 1 || (p[1] as number) === bucketOf(30n), [1]);
    await check('id IN (25, 26, 27)', (r) => r.id >= 25n && r.id <= 27n, (spec, p) => spec !== 1 || [25n, 26n, 27n].map(bucketOf).includes(p[1] as number), [1]);
  }, 120_000);

  it('PyIceberg reads the partition-evolved table with the same filters', async () => {
    const target = rows.find((r) => r.id === 30n)!.ts;
    const lo = (target / HOUR) * HOUR;
    const iso = (m: bigint) => new Date(Number(m / 1000n)).toISOString();
    const out = await runPython<{ all: number[]; byId: number[]; byHour: number[] }>(
      `
from pyiceberg.table import StaticTable
from pyiceberg.expressions import And, EqualTo, GreaterThanOrEqual, LessThan

def main(inp):
    t = StaticTable.from_metadata(inp["metadata"])
    ids = lambda scan: sorted(r["id"] for r in scan.to_arrow().to_pylist())
    return {
        "all": ids(t.scan()),
        "byId": ids(t.scan(row_filter=EqualTo("id", 30))),
        "byHour": ids(t.scan(row_filter=And(GreaterThanOrEqual("ts", inp["lo"]), LessThan("ts", inp["hi"])))),
    }
`,
      { metadata: table.metadataLocation, lo: iso(lo).replace("Z", "+00:00"), hi: iso(lo + HOUR).replace("Z", "+00:00") },
    );
    expect(out.all).toEqual(rows.map((r) => Number(r.id)).sort((a, b) => a - b));
    expect(out.byId).toEqual([30]);
    expect(out.byHour).toEqual(rows.filter((r) => r.ts >= lo && r.ts < lo + HOUR).map((r) => Number(r.id)));
  }, 120_000);
});

describe('sort order evolution', () => {
  it('files written after a sort order change are sorted by it and record its id; older files keep theirs', async () => {
    const table = await catalog.createTable('db.sorted', {
      schema: parseSchema({
        type: 'struct',
        fields: [
          { id: 1, name: 'id', required: true, type: 'long' },
          { id: 2, name: 'name', required: false, type: 'string' },
        ],
      }),
    });
    const rowsOf = (ids: number[]): Row[] => ids.map((i) => new Map<number, unknown>([[1, BigInt(i)], [2, i % 3 === 0 ? null : `n${(i * 7) % 10}`]]));
    const idsInFileOrder = async (orderId: number): Promise<{ id: number; name: JsonRowValue }[][]> => {
      const plan = await planScan({ metadata: table.metadata });
      const out = [];
      for (const t of plan.tasks.filter((x) => (x.dataFile.sortOrderId ?? 0) === orderId)) {
        const one: ScanPlan = { ...plan, tasks: [t] };
        out.push((await readWithArrow(one)).map((r) => ({ id: r.id as number, name: r.name! })));
      }
      return out;
    };
    await append(table, rowsOf([5, 3, 9, 1]));
    await new ReplaceSortOrder(handle(table)).desc('id').commit();
    expect(table.metadata.defaultSortOrderId).toBe(1);
    await append(table, rowsOf([12, 40, 7, 33, 21]));
    await new ReplaceSortOrder(handle(table)).fromText('name nulls last, id').commit();
    expect(table.metadata.defaultSortOrderId).toBe(2);
    await append(table, rowsOf([8, 2, 6, 4, 11, 10]));

    expect((await idsInFileOrder(0)).flat().map((r) => r.id).sort((a, b) => a - b)).toEqual([1, 3, 5, 9]);
    const byId = await idsInFileOrder(1);
    expect(byId.map((f) => f.map((r) => r.id))).toEqual([[40, 33, 21, 12, 7]]);
    const byName = (await idsInFileOrder(2)).flat();
    // name ascending with nulls last, then id ascending.
    const want = [8, 2, 6, 4, 11, 10]
      .map((i) => ({ id: i, name: i % 3 === 0 ? null : `n${(i * 7) % 10}` }))
      .sort((a, b) => (a.name === b.name ? a.id - b.id : a.name === null ? 1 : b.name === null ? -1 : a.name < b.name ? -1 : 1));
    expect(want.at(-1)).toEqual({ id: 6, name: null });
    expect(byName).toEqual(want);
  }, 120_000);
});
