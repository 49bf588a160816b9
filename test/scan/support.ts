/**
 * Loading conformance corpus cases as tables for planning tests (path remap from EXPECTED.json),
 * and the rows the origin repositories' tests assert (`ASSERTED_ROWS`), shared by the reader
 * corpus suites and the conformance runner's data level (test/conformance/checks-data.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileIO } from '../../src/scan/file-io.js';
import type { JsonRowValue } from '../../src/scan/row-format.js';
import { type TableMetadata, parseTableMetadata } from '../../src/spec/table-metadata.js';
import { CORPUS } from '../manifest/corpus.js';

export { CORPUS };

export interface CorpusCase {
  name: string;
  dir: string;
  metadata: TableMetadata;
  io: FileIO;
  expected: Record<string, unknown>;
  /** Helper-decode row counts per snapshot id (decimal string); "ERR" for unreadable snapshots. */
  perSnapshotRows: Record<string, number | string>;
}

export function requireCorpus(): void {
  if (!existsSync(join(CORPUS, 'CASES.md'))) {
    throw new Error(`the conformance corpus is missing at ${CORPUS} (these tests read ../shared/conformance)`);
  }
}

export function loadCorpusCase(name: string): CorpusCase {
  requireCorpus();
  const dir = join(CORPUS, name);
  const expected = JSON.parse(readFileSync(join(dir, 'EXPECTED.json'), 'utf8')) as Record<string, unknown>;
  const metadata = parseTableMetadata(readFileSync(join(dir, expected.metadata_file as string)), { source: name });
  const io = new FileIO({ remaps: [{ from: expected.embedded_path_prefix as string, to: dir }], tableLocation: metadata.location });
  const helper = (expected.helper_decode_NOT_AN_ORACLE ?? {}) as { per_snapshot_rows?: Record<string, number | string> };
  return { name, dir, metadata, io, expected, perSnapshotRows: helper.per_snapshot_rows ?? {} };
}

export type AssertedRow = Record<string, JsonRowValue>;

export interface RowCheck {
  /** Plan filter (SQL-style), when the assertion is about a filtered read. */
  filter?: string;
  columns?: string[];
  rows: AssertedRow[];
  /** The rows as the DuckDB reader names their columns, where that differs. */
  duckdbRows?: AssertedRow[];
}

/** Rows asserted by the origin repositories' tests (see CASES.md), current snapshot. */
export const ASSERTED_ROWS: Record<string, RowCheck[]> = {
  'duckdb-eqdel-unpartitioned': [{ rows: [{ id: 4, name: 'd', bir: '2025-01-04' }, { id: 5, name: 'e', bir: '2025-01-05' }] }],
  'duckdb-eqdel-identity-partitioned': [
    { rows: [{ id: 1, name: 'a', bir: '2025-01-01' }, { id: 4, name: 'd', bir: '2025-01-04' }, { id: 5, name: 'e', bir: '2025-01-05' }] },
  ],
  'duckdb-eqdel-cross-partition': [
    { rows: [{ part: 0, key: 999, val: 'p0-k999' }, { part: 1, key: 100, val: 'p1-k100' }, { part: 1, key: 888, val: 'p1-k888' }] },
  ],
  'duckdb-eqdel-bucket-partitioned': [{ rows: [{ id: 1, val: 'a' }, { id: 3, val: 'c' }] }],
  'duckdb-identity-bigint': [
    {
      rows: [
        { partition_col: '9223372036854775807', user_id: 12345, event_type: 'click' },
        { partition_col: '-9223372036854775808', user_id: 67890, event_type: 'purchase' },
      ],
    },
  ],
  'duckdb-identity-binary': [
    { rows: [{ partition_col: 'aabbcc', user_id: 67890, event_type: 'purchase' }, { partition_col: '010203', user_id: 12345, event_type: 'click' }] },
  ],
  'duckdb-identity-bool': [
    { rows: [{ partition_col: true, user_id: 12345, event_type: 'click' }, { partition_col: false, user_id: 67890, event_type: 'purchase' }] },
  ],
  'duckdb-identity-decimal-p9': [
    {
      rows: [
        { partition_col: '1234.5432', user_id: 111213, event_type: 'delete' },
        { partition_col: '1.2300', user_id: 67890, event_type: 'purchase' },
        { partition_col: '42.5630', user_id: 12345, event_type: 'click' },
      ],
    },
  ],
  'duckdb-identity-decimal-p4': [
    { rows: [{ partition_col: '1.23', user_id: 12345, event_type: 'click' }, { partition_col: '4.56', user_id: 67890, event_type: 'purchase' }] },
  ],
  'duckdb-identity-decimal-p18': [{ filter: 'partition_col = 123.45678901234', columns: ['user_id'], rows: [{ user_id: 123456 }] }],
  'duckdb-identity-decimal-p38': [{ filter: 'partition_col = 3.14159265358979323846264', columns: ['user_id'], rows: [{ user_id: 314159 }] }],
  'duckdb-identity-int': [
    { rows: [{ partition_col: 1337, user_id: 67890, event_type: 'purchase' }, { partition_col: 42, user_id: 12345, event_type: 'click' }] },
  ],
  'duckdb-identity-fixed': [
    {
      columns: ['user_id', 'event_type'],
      filter: "partition_col = X'68656c6c6f20776f726c64'",
      rows: [{ user_id: 12345, event_type: 'click' }],
    },
  ],
  'duckdb-identity-time': [
    {
      rows: [
        { partition_col: '12:34:56.000000', user_id: 12345, event_type: 'click' },
        { partition_col: '08:21:09.000000', user_id: 67890, event_type: 'purchase' },
      ],
    },
  ],
  'duckdb-identity-timestamp': [
    {
      rows: [
        { partition_col: '2023-05-15T14:30:45.000000', user_id: 12345, event_type: 'click' },
        { partition_col: '2023-08-22T09:15:20.000000', user_id: 67890, event_type: 'purchase' },
      ],
    },
  ],
  'duckdb-identity-timestamptz': [
    {
      rows: [
        { partition_col: '2023-05-15T14:30:45.000000+00:00', user_id: 12345, event_type: 'click' },
        { partition_col: '2023-08-22T09:15:20.000000+00:00', user_id: 67890, event_type: 'purchase' },
      ],
    },
  ],
  'duckdb-partition-evolution-date-string': [
    {
      rows: [
        { event_date: '2024-01-01', user_id: 12345, event_type: 'click' },
        { event_date: '2024-01-02', user_id: 67890, event_type: 'purchase' },
        { event_date: '2024-01-03', user_id: 13579, event_type: 'view' },
        { event_date: '2024-01-03', user_id: 24680, event_type: 'click' },
        { event_date: '2024-01-04', user_id: 86420, event_type: 'view' },
        { event_date: '2024-01-04', user_id: 97531, event_type: 'purchase' },
      ],
    },
    { filter: "event_date = DATE '2024-01-02'", columns: ['user_id'], rows: [{ user_id: 67890 }] },
  ],
  'duckdb-uuid': [{ filter: "uuid = '1571effb-facd-42a3-90e9-0af522e9b6c2'", rows: [{ uuid: '1571effb-facd-42a3-90e9-0af522e9b6c2' }] }],
  'duckdb-v1-deprecated-fields': [
    { rows: [{ id: 1, category: 'alpha', amount: 10 }, { id: 2, category: 'beta', amount: 20 }, { id: 3, category: 'alpha', amount: null }] },
    { filter: "category = 'beta'", columns: ['id', 'amount'], rows: [{ id: 2, amount: 20 }] },
  ],
  'duckdb-v1-existing-entries': [
    {
      rows: [
        { id: 4, league: 'nhl', ats_qty: 40 },
        { id: 6, league: 'nba', ats_qty: 60 },
        { id: 2, league: 'nba', ats_qty: 20 },
        { id: 3, league: 'mlb', ats_qty: 30 },
      ],
    },
  ],
  'duckdb-name-mapping-nested': [
    {
      rows: [
        { id: 1, name: 'Alice', age: 25, attributes: { height: '5.5', weight: '130' }, scores: [85, 90], profile: { email: 'alice@example.com', verified: true } },
        { id: 2, name: 'Bob', age: 30, attributes: { height: '6.0', weight: '180' }, scores: [78, 82, 88], profile: { email: 'bob@example.com', verified: false } },
        { id: 3, name: 'Charlie', age: 35, attributes: { height: '5.8', weight: '160' }, scores: [92], profile: { email: 'charlie@example.com', verified: true } },
      ],
    },
  ],
  'duckdb-initial-default': [
    {
      columns: ['col_boolean', 'col_integer', 'col_long', 'col_float', 'col_double', 'col_decimal', 'col_date', 'col_time', 'col_timestamp', 'col_timestamptz', 'col_string', 'col_fixed', 'col_binary'],
      rows: [
        {
          col_boolean: false,
          col_integer: 453243,
          col_long: 328725092345834,
          col_float: Math.fround(23.34342),
          col_double: 23.343424523423433,
          col_decimal: '3423434.23',
          col_date: '0011-03-05',
          col_time: '12:06:45.000000',
          col_timestamp: '0011-03-05T12:06:45.000000',
          col_timestamptz: '2023-05-15T14:30:45.000000+00:00',
          col_string: 'World',
          col_fixed: '8000800080',
          col_binary: '800080',
        },
        ...[0, 1].map(() => ({
          col_boolean: true,
          col_integer: 342342,
          col_long: '-9223372036854775808',
          col_float: Math.fround(0.34234),
          col_double: 0.342343242342342,
          col_decimal: '12345.00',
          col_date: '2003-10-20',
          col_time: '00:00:00.012345',
          col_timestamp: '1970-01-01T00:00:00.012345',
          col_timestamptz: '1970-01-01T00:00:00.012345+00:00',
          col_string: 'HELLO',
          col_fixed: '010203ff03',
          col_binary: '0102',
        })),
      ],
    },
  ],
  'duckdb-case-sensitive-names': [
    {
      rows: [1, 2, 3].map((i) => ({ user_id: i, uSeR_Id: `user_${i}` })),
      // DuckDB identifiers are case-insensitive: the second column is named uSeR_Id_1, as duckdb-iceberg's test asserts
      duckdbRows: [1, 2, 3].map((i) => ({ user_id: i, uSeR_Id_1: `user_${i}` })),
    },
  ],
  'duckdb-null-stats': [{ filter: 'flag IS NULL', columns: ['id'], rows: [4, 5, 7, 8, 9].map((id) => ({ id })) }],
  'duckdb-all-null-file': [
    {
      rows: [
        { id: 1, value: null },
        { id: 2, value: null },
        { id: 3, value: null },
        { id: 4, value: 'foo' },
        { id: 5, value: 'bar' },
        { id: 6, value: 'baz' },
        { id: 7, value: null },
        { id: 8, value: 'blah' },
      ],
    },
  ],
  'duckdb-map-day-partitioned': [
    {
      rows: [
        { timestamp: '2026-01-01T00:00:00.000000+00:00', input: 'hello', output: 'world', metadata: { key: 'value1' } },
        { timestamp: '2026-01-02T00:00:00.000000+00:00', input: 'hello', output: 'world', metadata: { key: 'value1' } },
      ],
    },
  ],
  'duckdb-expression-filter': [{ rows: [{ id: 1, value: 'foo' }, { id: 2, value: 'bar' }, { id: 3, value: 'baz' }] }],
  'duckdb-bigquery-written': [
    { rows: [{ id: 1, name: 'Alice', created_at: '2024-01-01T10:00:00.000000' }, { id: 2, name: 'Bob', created_at: '2024-02-01T11:30:00.000000' }] },
  ],
  'icebird-athena-example': [{ rows: [{ id: 1, name: 'Alice' }, { id: 2, name: 'Bob' }] }],
  'icebird-spark-rename-column': [
    {
      rows: [
        { id: 3, name: 'Cottontail', event_date: null, price: '0.00', active: true },
        { id: 4, name: 'Thumper', event_date: '2022-01-02', price: '99999999.99', active: false },
        { id: 1, name: 'Flopsy 🐇', event_date: '2022-01-01', price: '9.99', active: true },
        { id: 2, name: 'Mopsy–Naïve', event_date: '2022-01-01', price: '-5.00', active: false },
      ],
    },
  ],
  'icebird-java-bunnies': [{ filter: "\"Origin Country\" = 'New Zealand'", columns: ['Popularity Rank', '__happy__'], rows: [{ 'Popularity Rank': 0, __happy__: true }] }],
  'trino-deletion-vectors-v3': [{ columns: ['c1'], rows: [2, 5, 8, 9, 11, 12, 14, 15].map((c1) => ({ c1 })) }],
  'trino-dangling-deletes-optimize': [{ columns: ['c1'], rows: [1, 2, 4, 5, 7, 8, 10, 11, 13, 14].map((c1) => ({ c1 })) }],
};
