/**
 * A table written by lake's table API for the interop tests: partitioned by day(ts) and
 * bucket(4, id), four snapshots on main (two appends, a copy-on-write overwrite by filter that
 * removes whole files and rewrites others, another append), a tag on the snapshot before the
 * overwrite and a branch with its own append. Every snapshot's expected rows are kept as
 * JSON under lake's value rules, computed from the input values. (No fixed[L] column: lake's
 * writer refuses them, DuckDB cannot write FIXED_LEN_BYTE_ARRAY of arbitrary length.)
 */
import type * as arrow from 'apache-arrow';
import type { Catalog } from '../../catalog/catalog.js';
import type { Table } from '../../catalog/table.js';
import { lakeValueJson } from '../../src/scan/row-format.js';
import { parsePartitionSpec } from '../../src/spec/partition-spec.js';
import type { PrimitiveType } from '../../src/spec/types.js';
import { arrowColumn, arrowTable, rng, schemaOf } from '../write/data-writer-fixtures.js';
import type { JsonRow } from './support.js';

export const FIELDS: { id: number; name: string; type: string; required: boolean }[] = [
  { id: 1, name: 'id', type: 'long', required: true },
  { id: 2, name: 'ts', type: 'timestamp', required: false },
  { id: 3, name: 'tstz', type: 'timestamptz', required: false },
  { id: 4, name: 'name', type: 'string', required: false },
  { id: 5, name: 'amount', type: 'decimal(10, 2)', required: false },
  { id: 6, name: 'score', type: 'double', required: false },
  { id: 7, name: 'ratio', type: 'float', required: false },
  { id: 8, name: 'd', type: 'date', required: false },
  { id: 9, name: 'u', type: 'uuid', required: false },
  { id: 10, name: 'raw', type: 'binary', required: false },
  { id: 11, name: 'flag', type: 'boolean', required: false },
  { id: 12, name: 'n', type: 'int', required: false },
  { id: 13, name: 't', type: 'time', required: false },
];
export const SCHEMA = schemaOf(FIELDS);
const TYPES = new Map(SCHEMA.fields.map((f) => [f.name, f.type as PrimitiveType]));
export const SPEC = parsePartitionSpec({
  'spec-id': 0,
  fields: [
    { 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' },
    { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[4]' },
  ],
});

const MICROS_PER_DAY = 86_400_000_000n;
/** 1969-12-31, 2026-03-01, 2026-03-02, 2026-03-03 */
export const DAYS = [-1, 20513, 20514, 20515];
const NAMES = ['alpha', 'beta', 'Zoë', '😀', '', 'a longer string that goes past sixteen characters', null];

type Row = Record<string, unknown>;

interface BatchOptions {
  seed: number;
  firstId: number;
  n: number;
  days?: number[];
  /** unscaled amount range */
  amount: [number, number];
  withNaN?: boolean;
}

function batch(o: BatchOptions): Row[] {
  const r = rng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const bytes = (len: number) => Uint8Array.from({ length: len }, () => Math.floor(r() * 256));
  const uuid = () => {
    const h = Buffer.from(bytes(16)).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const micros = (day: number) => BigInt(day) * MICROS_PER_DAY + pick([0n, MICROS_PER_DAY - 1n, BigInt(Math.floor(r() * 86_400_000_000))]);
  const days = o.days ?? DAYS;
  const out: Row[] = [];
  for (let i = 0; i < o.n; i++) {
    const nul = (p: number) => r() < p;
    out.push({
      id: BigInt(o.firstId + i),
      ts: i % 11 === 5 ? null : micros(pick(days)),
      tstz: nul(0.1) ? null : micros(pick(DAYS)) + 3n,
      name: pick(NAMES),
      amount: nul(0.1) ? null : BigInt(o.amount[0] + Math.floor(r() * (o.amount[1] - o.amount[0]))),
      // no -0: lake's writer loses the sign of zero next to +0 in a file (see lake-to-pyiceberg.test.ts)
      score: nul(0.1) ? null : o.withNaN && i % 5 === 0 ? NaN : pick([0, (r() - 0.5) * 1e6, Infinity, -Infinity]),
      ratio: nul(0.1) ? null : Math.fround((r() - 0.5) * 100),
      d: nul(0.1) ? null : pick(DAYS),
      u: nul(0.1) ? null : uuid(),
      raw: nul(0.1) ? null : bytes(Math.floor(r() * 30)),
      flag: nul(0.1) ? null : r() < 0.5,
      n: nul(0.1) ? null : Math.floor((r() - 0.5) * 2 ** 32),
      t: nul(0.1) ? null : pick([0n, MICROS_PER_DAY - 1n, BigInt(Math.floor(r() * 86_400_000_000))]),
    });
  }
  return out;
}

function toArrow(rows: readonly Row[]): arrow.Table {
  const columns: Record<string, arrow.Data> = {};
  for (const f of SCHEMA.fields) columns[f.name] = arrowColumn(f.type as PrimitiveType, rows.map((r) => r[f.name] ?? null));
  return arrowTable(columns, { id: false });
}

export function rowJson(r: Row): JsonRow {
  return Object.fromEntries([...TYPES].map(([name, t]) => [name, lakeValueJson(t, r[name] ?? null)]));
}

export interface LakeSnapshot {
  snapshotId: bigint;
  what: string;
  rows: JsonRow[];
}

export interface LakeTable {
  table: Table;
  /** main's snapshots, oldest first, then the branch's own snapshot */
  snapshots: LakeSnapshot[];
  tag: { name: string; snapshotId: bigint };
  branch: { name: string; snapshotId: bigint };
}

const WRITE = { targetFileSizeBytes: 64 * 1024 * 1024 };

/** Creates `db.<name>` in `catalog` and writes its history (see the module comment). */
export async function writeLakeTable(catalog: Catalog, name: string): Promise<LakeTable> {
  await catalog.createNamespace('db').catch(() => undefined);
  const table = await catalog.createTable(`db.${name}`, { schema: SCHEMA, partitionSpec: SPEC });
  const snapshots: LakeSnapshot[] = [];
  let live: Row[] = [];
  const record = (what: string) => snapshots.push({ snapshotId: table.metadata.currentSnapshotId!, what, rows: live.map(rowJson) });

  const a = batch({ seed: 11, firstId: 0, n: 80, amount: [-1_000_000_000, 1_000_000_000] });
  await table.append(toArrow(a), WRITE);
  live = [...a];
  record('append 1');

  const b = batch({ seed: 12, firstId: 1000, n: 60, amount: [-1_000_000_000, 1_000_000_000], withNaN: true });
  await table.append(toArrow(b), WRITE);
  live = [...live, ...b];
  record('append 2');
  const tag = { name: 'before-overwrite', snapshotId: table.metadata.currentSnapshotId! };
  await table.createTag(tag.name, tag.snapshotId);

  // Overwrite one whole day (those files go) and the rows named 'beta' (their files are
  // rewritten without them); new rows for the day come in. A NULL ts or name does not match.
  const day = DAYS[2]!;
  const start = BigInt(day) * MICROS_PER_DAY;
  const matches = (r: Row) => (r.ts !== null && (r.ts as bigint) >= start && (r.ts as bigint) < start + MICROS_PER_DAY) || r.name === 'beta';
  const c = batch({ seed: 13, firstId: 2000, n: 30, days: [day], amount: [-1_000_000_000, 1_000_000_000] }).map((r) => ({ ...r, ts: r.ts ?? start }));
  const where = "ts >= '2026-03-02T00:00:00' AND ts < '2026-03-03T00:00:00' OR name = 'beta'";
  const overwrite = await table.overwrite(toArrow(c), { ...WRITE, where });
  expectData(live.filter(matches).length > 0 && live.some((r) => !matches(r)), 'the overwrite to replace some rows and keep others');
  expectData(overwrite.rewrittenFiles.length > 0 && overwrite.removedFiles.length > overwrite.rewrittenFiles.length, 'the overwrite to remove whole files and rewrite others');
  live = [...live.filter((r) => !matches(r)), ...c];
  record('overwrite of 2026-03-02 and of beta');

  const d = batch({ seed: 14, firstId: 3000, n: 50, amount: [5_000_000_000, 9_999_999_999] });
  await table.append(toArrow(d), WRITE);
  live = [...live, ...d];
  record('append 3');

  // A branch from the tag, with an append of its own.
  const branch = { name: 'audit', snapshotId: 0n };
  await table.createBranch(branch.name, tag.snapshotId);
  const e = batch({ seed: 15, firstId: 4000, n: 20, amount: [0, 100] });
  await table.append(toArrow(e), { ...WRITE, branch: branch.name });
  branch.snapshotId = table.metadata.refs.get(branch.name)!.snapshotId;
  snapshots.push({ snapshotId: branch.snapshotId, what: 'append on branch audit', rows: [...snapshots[1]!.rows, ...e.map(rowJson)] });
  return { table, snapshots, tag, branch };
}

function expectData(ok: boolean, what: string): void {
  if (!ok) throw new Error(`test data: expected ${what}`);
}

/**
 * Filters planned by lake and by PyIceberg (the same text parses in both), with whether they must
 * prune at least one data file of the current snapshot.
 */
export const FILTERS: Record<string, { text: string; prunes: boolean }> = {
  none: { text: '', prunes: false },
  oneDay: { text: "ts >= '2026-03-03T00:00:00' and ts < '2026-03-04T00:00:00'", prunes: true },
  beforeEpoch: { text: "ts < '1970-01-01T00:00:00'", prunes: true },
  tsNull: { text: 'ts is null', prunes: true },
  oneId: { text: 'id = 1005', prunes: true },
  someIds: { text: 'id in (3, 1003, 3007)', prunes: true },
  highAmount: { text: 'amount >= 50000000', prunes: true },
  lowAmount: { text: 'amount < -9000000', prunes: true },
  tstz: { text: "tstz < '1970-01-01T00:00:00+00:00'", prunes: true },
  nan: { text: 'score is nan', prunes: true },
  notNan: { text: 'score is not nan', prunes: false },
  prefix: { text: "name like 'a longer%'", prunes: true },
  noName: { text: "name = 'zzzz'", prunes: true },
  longName: { text: "name = 'a longer string that goes past sixteen characters'", prunes: true },
  int: { text: 'n > 2147483000', prunes: false },
  date: { text: "d = '2026-03-02'", prunes: true },
  mixed: { text: "(id < 100 and ts >= '2026-03-01T00:00:00') or amount > 90000000", prunes: true },
};
