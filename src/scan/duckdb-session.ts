/**
 * SQL sessions over Iceberg snapshots with the shared embedded DuckDB (src/util/duckdb.ts).
 *
 * A session owns one connection and one in-memory DuckDB database attached for it and made the
 * connection's default, so the names a session registers never meet another session's.
 * Registering a scan plan creates a view over it (duckdb-scan.ts):
 * - `t` -> a view `t`;
 * - `ns.table` -> a view `table` in the schema `ns`, so `SELECT * FROM ns.table` works; for a
 *   multi-level namespace `a.b.table` the schema is named `a.b` (query `"a.b".table`);
 *   the dotted name is also a view of the main schema (`SELECT * FROM "ns.table"`).
 * Metadata tables (rows computed elsewhere, e.g. snapshots or files) are registered the same way
 * under names like `ns.table$snapshots` (`$` is allowed in unquoted DuckDB identifiers).
 * The session's time zone is UTC, so timestamptz values print and cast the same on every machine.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakeError } from '../errors.js';
import { quoteIdentifier } from '../expressions/index.js';
import type { IcebergType } from '../spec/types.js';
import { duckdbConnect } from '../util/duckdb.js';
import { type DuckDbScan, type DuckDbScanOptions, prepareDuckDbScan } from './duckdb-scan.js';
import { duckdbLiteral, duckdbType } from './duckdb-types.js';
import type { FileCache } from './file-cache.js';
import type { QueryResult } from './row-format.js';
import type { ScanPlan } from './scan-task.js';

export interface SqlSessionOptions {
  /** Cache for files not on local disk (default: the process-wide cache). */
  cache?: FileCache;
  /** Accept deletion vectors stored as bare blobs (old DuckDB); default false. */
  allowBareDeletionVectors?: boolean;
}

export interface RowsColumn {
  name: string;
  type: IcebergType;
}

export interface SqlSession {
  /** The database the session's names live in. */
  readonly database: string;
  /** Registers a scan plan as a view named `name` (`t`, `ns.table`, ...). */
  registerTable(name: string, plan: ScanPlan, options?: Pick<DuckDbScanOptions, 'applyFilter'>): Promise<void>;
  /**
   * Registers rows as a table (e.g. a metadata table `ns.table$snapshots`). Rows are arrays in
   * column order or objects keyed by column name, values in lake's representation.
   */
  registerRows(name: string, columns: readonly RowsColumn[], rows: readonly (readonly unknown[] | Readonly<Record<string, unknown>>)[]): Promise<void>;
  /**
   * Registers a metadata table (src/scan/metadata-tables.ts) of the table registered as
   * `tableName` under `<tableName>$<metadata table name>`, e.g. `ns.table$snapshots`.
   */
  registerMetadataTable(tableName: string, table: { name: string; columns: readonly RowsColumn[]; rows: readonly Readonly<Record<string, unknown>>[] }): Promise<void>;
  /** Runs SQL and returns every row. */
  query(sql: string): Promise<QueryResult>;
  /** Names registered so far, as given. */
  names(): string[];
  /** Drops everything the session created. */
  close(): Promise<void>;
}

let sessionCounter = 0;

/** Splits `ns.table` into schema and name (the last dot separates them). */
export function splitTableName(name: string): { schema: string | undefined; table: string } {
  if (name.trim() === '') throw new LakeError('INVALID_INPUT', 'a table name must not be empty');
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { schema: undefined, table: name };
  return { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}

/** Starts a session on the shared DuckDB instance. */
export async function createSqlSession(options: SqlSessionOptions = {}): Promise<SqlSession> {
  const conn = await duckdbConnect();
  const database = `lake_session_${process.pid}_${++sessionCounter}`;
  try {
    await conn.run(`ATTACH ':memory:' AS ${quoteIdentifier(database)}`);
    await conn.run(`USE ${quoteIdentifier(database)}`);
    await conn.run(`SET TimeZone = 'UTC'`);
  } catch (e) {
    conn.closeSync();
    throw e;
  }
  return new DuckDbSqlSession(conn, database, options);
}

class DuckDbSqlSession implements SqlSession {
  private readonly scans: DuckDbScan[] = [];
  private readonly schemas = new Set<string>();
  private readonly registered: string[] = [];
  private closed = false;

  constructor(
    private readonly conn: DuckDBConnection,
    readonly database: string,
    private readonly options: SqlSessionOptions,
  ) {}

  private check(): void {
    if (this.closed) throw new LakeError('INVALID_INPUT', 'the SQL session is closed');
  }

  private async targets(name: string): Promise<string[]> {
    const db = quoteIdentifier(this.database);
    const { schema, table } = splitTableName(name);
    if (schema === undefined) return [`${db}.main.${quoteIdentifier(table)}`];
    if (!this.schemas.has(schema)) {
      await this.conn.run(`CREATE SCHEMA IF NOT EXISTS ${db}.${quoteIdentifier(schema)}`);
      this.schemas.add(schema);
    }
    return [`${db}.${quoteIdentifier(schema)}.${quoteIdentifier(table)}`, `${db}.main.${quoteIdentifier(name)}`];
  }

  async registerTable(name: string, plan: ScanPlan, options: Pick<DuckDbScanOptions, 'applyFilter'> = {}): Promise<void> {
    this.check();
    const scan = await prepareDuckDbScan(this.conn, plan, {
      tableSchema: `${quoteIdentifier(this.database)}.main`,
      ...(this.options.cache === undefined ? {} : { cache: this.options.cache }),
      ...(this.options.allowBareDeletionVectors === undefined ? {} : { allowBareDeletionVectors: this.options.allowBareDeletionVectors }),
      ...options,
    });
    this.scans.push(scan);
    for (const target of await this.targets(name)) await this.conn.run(`CREATE OR REPLACE VIEW ${target} AS ${scan.sql}`);
    this.registered.push(name);
  }

  async registerRows(name: string, columns: readonly RowsColumn[], rows: readonly (readonly unknown[] | Readonly<Record<string, unknown>>)[]): Promise<void> {
    this.check();
    const [table, ...aliases] = await this.targets(name);
    const defs = columns.map((c) => `${quoteIdentifier(c.name)} ${duckdbType(c.type)}`).join(', ');
    await this.conn.run(`CREATE OR REPLACE TABLE ${table!} (${defs})`);
    const values = rows.map((r) => {
      const get = Array.isArray(r) ? (i: number) => (r as readonly unknown[])[i] : (i: number) => (r as Readonly<Record<string, unknown>>)[columns[i]!.name];
      return `(${columns.map((c, i) => duckdbLiteral(c.type, get(i) ?? null)).join(', ')})`;
    });
    for (let i = 0; i < values.length; i += 500) {
      await this.conn.run(`INSERT INTO ${table!} VALUES ${values.slice(i, i + 500).join(', ')}`);
    }
    for (const alias of aliases) await this.conn.run(`CREATE OR REPLACE VIEW ${alias} AS SELECT * FROM ${table!}`);
    this.registered.push(name);
  }

  async registerMetadataTable(tableName: string, table: { name: string; columns: readonly RowsColumn[]; rows: readonly Readonly<Record<string, unknown>>[] }): Promise<void> {
    await this.registerRows(`${tableName}$${table.name}`, table.columns, table.rows);
  }

  async query(sql: string): Promise<QueryResult> {
    this.check();
    let reader;
    try {
      reader = await this.conn.runAndReadAll(sql);
    } catch (e) {
      throw new LakeError('INVALID_INPUT', `SQL failed: ${(e as Error).message}`, { cause: e, context: { sql } });
    }
    const names = reader.columnNames();
    const types = reader.columnTypes();
    return { columns: names.map((n, i) => ({ name: n, type: types[i]!.toString() })), rows: reader.getRows() };
  }

  names(): string[] {
    return [...this.registered];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      for (const s of this.scans.splice(0)) await s.release();
      await this.conn.run('USE memory').catch(() => undefined);
      await this.conn.run(`DETACH DATABASE IF EXISTS ${quoteIdentifier(this.database)}`).catch(() => undefined);
    } finally {
      this.conn.closeSync();
    }
  }
}
