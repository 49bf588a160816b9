/**
 * The read commands: `lake time-travel`, `lake query`, `lake snapshots`, `lake describe`. Every
 * one takes a catalog identifier or a table location (a folder or a metadata file, local or S3)
 * and `--path-remap FROM=TO` for tables whose files moved.
 */
import type { Command } from 'commander';
import { parseTableIdentifier, tableIdentifierToString } from '../catalog/identifier.js';
import type { Table } from '../catalog/table.js';
import { tableFileIO } from '../catalog/table-writes.js';
import { LakeError, isLakeError } from '../src/errors.js';
import { METADATA_TABLE_NAMES, type MetadataTableName, metadataTable } from '../src/scan/metadata-tables.js';
import { planScan } from '../src/scan/planner.js';
import type { QueryResult } from '../src/scan/row-format.js';
import { type CliContext, type CliIO, CliContext as Context, addSharedOptions, sharedOptionsOf } from './context.js';
import { describeJson, describeText, snapshotJson, snapshotsOldestFirst, snapshotsText } from './render.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function parseLimit(text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < 1 || !Number.isSafeInteger(Number(t))) throw new LakeError('INVALID_INPUT', `--limit must be a positive whole number, got "${text}"`);
  return Number(t);
}

/** Rows as a text table or JSON (the renderer, like DuckDB, is loaded only by commands that print rows). */
async function printRows(ctx: CliContext, result: QueryResult, heading?: string): Promise<void> {
  const { formatJson, formatTextTable } = await import('../src/scan/row-format.js');
  if (ctx.json) {
    ctx.print(formatJson(result, { indent: 2 }));
    return;
  }
  ctx.print(heading === undefined ? formatTextTable(result) : `${heading}\n${formatTextTable(result)}`);
}

interface TimeTravelOptions {
  snapshot?: string;
  asOf?: string;
  ref?: string;
  sql?: string;
  limit?: string;
  pathRemap: string[];
}

/**
 * The catalog tables a SQL text names (`ns.table`, `"ns"."table"`, `"ns.table"`, with an optional
 * `$metadata` suffix). Every dotted name is a candidate; names that are not tables (column
 * references such as `t.id`) are skipped when loading.
 */
export function candidateTableNames(sql: string): string[] {
  // String literals and comments name no tables.
  const text = sql.replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const part = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
  const dotted = new RegExp(String.raw`${part}(?:\s*\.\s*${part})*`, 'g');
  const out = new Set<string>();
  for (const m of text.matchAll(dotted)) {
    const parts = [...m[0].matchAll(new RegExp(part, 'g'))].map((p) => (p[0].startsWith('"') ? p[0].slice(1, -1).replace(/""/g, '"') : p[0]));
    const name = parts.join('.');
    if (!name.includes('.')) continue;
    // `ns.table.column`: also try the shorter prefixes.
    for (let n = parts.length; n >= 1; n--) {
      const candidate = parts.slice(0, n).join('.');
      if (candidate.includes('.')) out.add(candidate);
    }
  }
  return [...out];
}

function splitMetadataSuffix(name: string): { table: string; metadata?: MetadataTableName } {
  const i = name.lastIndexOf('$');
  if (i <= 0) return { table: name };
  const suffix = name.slice(i + 1);
  if (!(METADATA_TABLE_NAMES as readonly string[]).includes(suffix)) return { table: name };
  return { table: name.slice(0, i), metadata: suffix as MetadataTableName };
}

async function loadIfTable(ctx: CliContext, name: string): Promise<Table | undefined> {
  try {
    parseTableIdentifier(name);
    return await ctx.catalog().loadTable(name);
  } catch (e) {
    if (isLakeError(e, 'TABLE_NOT_FOUND') || isLakeError(e, 'NAMESPACE_NOT_FOUND') || isLakeError(e, 'INVALID_IDENTIFIER')) return undefined;
    throw e;
  }
}

export function registerReadCommands(program: Command, io: CliIO): void {
  addSharedOptions(
    program
      .command('time-travel')
      .description('read a snapshot: its first rows, or SQL over it (the table is named t, or by its ns.table name)')
      .argument('<table>', 'table identifier (ns.table) or table location')
      .option('--snapshot <id>', 'snapshot id')
      .option('--as-of <timestamp>', 'the snapshot current at this ISO-8601 time or epoch milliseconds')
      .option('--ref <name>', 'a branch or tag')
      .option('--sql <sql>', 'SQL to run against the snapshot')
      .option('--limit <n>', 'rows to print (default 20 without --sql)')
      .option('--path-remap <from=to>', 'read embedded paths starting with FROM from TO (repeatable)', collect, []),
  ).action(async (ref: string, o: TimeTravelOptions, cmd: Command) => {
    const ctx = new Context(io, sharedOptionsOf(cmd));
    const selectors = [o.snapshot, o.asOf, o.ref].filter((s) => s !== undefined).length;
    if (selectors !== 1) throw new LakeError('INVALID_INPUT', 'give exactly one of --snapshot, --as-of and --ref');
    const limit = o.limit === undefined ? undefined : parseLimit(o.limit);
    const table = await ctx.openTable(ref);
    const scan = table.scan({
      ...(o.snapshot === undefined ? {} : { snapshotId: o.snapshot }),
      ...(o.asOf === undefined ? {} : { asOf: o.asOf }),
      ...(o.ref === undefined ? {} : { ref: o.ref }),
      pathRemaps: o.pathRemap,
      s3: ctx.s3(),
    });
    const snapshot = await scan.snapshot();
    let result = await scan.sql(o.sql ?? `SELECT * FROM t LIMIT ${limit ?? 20}`);
    if (o.sql !== undefined && limit !== undefined) result = { ...result, rows: result.rows.slice(0, limit) };
    const when = snapshot === undefined ? '' : ` (${new Date(snapshot.timestampMs).toISOString()}, ${snapshot.summary?.operation ?? '?'})`;
    await printRows(ctx, result, `-- ${table.name} at snapshot ${snapshot?.snapshotId ?? '(none)'}${when}`);
  });

  addSharedOptions(
    program
      .command('query')
      .description('SQL over the current snapshots of the warehouse tables, named ns.table (metadata tables as ns.table$snapshots, ...)')
      .argument('<sql>', 'the SQL query')
      .option('--path-remap <from=to>', 'read embedded paths starting with FROM from TO (repeatable)', collect, []),
  ).action(async (sql: string, o: { pathRemap: string[] }, cmd: Command) => {
    const ctx = new Context(io, sharedOptionsOf(cmd));
    if (sql.trim() === '') throw new LakeError('INVALID_INPUT', 'the SQL query is empty');
    const { createSqlSession } = await import('../src/scan/duckdb-session.js');
    const session = await createSqlSession();
    try {
      const tables = new Map<string, Table | undefined>();
      // Only the tables the query names are planned and registered.
      for (const candidate of candidateTableNames(sql)) {
        const { table: name, metadata } = splitMetadataSuffix(candidate);
        if (!tables.has(name)) tables.set(name, await loadIfTable(ctx, name));
        const table = tables.get(name);
        if (table === undefined) continue;
        const id = tableIdentifierToString(table.identifier!);
        const io = tableFileIO(table, { pathRemaps: o.pathRemap, s3: ctx.s3() });
        if (metadata !== undefined) {
          if (session.names().includes(`${id}$${metadata}`)) continue;
          await session.registerMetadataTable(id, await metadataTable(metadata, { metadata: table.metadata, io }));
        } else if (!session.names().includes(id)) {
          await session.registerTable(id, await planScan({ metadata: table.metadata, io }));
        }
      }
      await printRows(ctx, await session.query(sql));
    } finally {
      await session.close();
    }
  });

  addSharedOptions(
    program
      .command('snapshots')
      .description('list the snapshots of a table, oldest first')
      .argument('<table>', 'table identifier (ns.table) or table location')
      .option('--path-remap <from=to>', 'accepted for symmetry with the other read commands (snapshots need no data files)', collect, []),
  ).action(async (ref: string, _o: unknown, cmd: Command) => {
    const ctx = new Context(io, sharedOptionsOf(cmd));
    const table = await ctx.openTable(ref);
    if (ctx.json) ctx.printJson(snapshotsOldestFirst(table.metadata).map(snapshotJson));
    else ctx.print(snapshotsText(table.metadata));
  });

  addSharedOptions(
    program
      .command('describe')
      .description('schema, partition specs, sort order, properties, current snapshot, refs and location of a table')
      .argument('<table>', 'table identifier (ns.table) or table location')
      .option('--path-remap <from=to>', 'accepted for symmetry with the other read commands', collect, []),
  ).action(async (ref: string, _o: unknown, cmd: Command) => {
    const ctx = new Context(io, sharedOptionsOf(cmd));
    const table = await ctx.openTable(ref);
    if (ctx.json) ctx.printJson(describeJson(table));
    else ctx.print(describeText(table));
  });
}
