/**
 * `lake create`, `lake tables` and `lake drop`: parse, call the catalog, render.
 */
import type { Command } from 'commander';
import { parseNamespace, parseTableIdentifier, tableIdentifierToString, type TableIdentifier } from '../catalog/identifier.js';
import type { ObjectStoreCatalog } from '../catalog/object-store-catalog.js';
import { isLakeError, LakeError } from '../src/errors.js';
import { partitionSpecToJson } from '../src/spec/partition-spec.js';
import { schemaToJson } from '../src/spec/schema.js';
import { currentSchema, defaultSpec, type FormatVersion } from '../src/spec/table-metadata.js';
import { type CliIO, addSharedOptions, CliContext, sharedOptionsOf } from './context.js';
import { renderSchema, renderSpec } from './evolve.js';
import { parsePartitionText, parseProperty, parseSchemaText } from './schema-text.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Creates every missing level of a namespace. */
async function ensureNamespace(catalog: ObjectStoreCatalog, namespace: readonly string[]): Promise<void> {
  for (let i = 1; i <= namespace.length; i++) {
    const ns = namespace.slice(0, i);
    if (await catalog.namespaceExists(ns)) continue;
    try {
      await catalog.createNamespace(ns);
    } catch (e) {
      // Created meanwhile by someone else: fine.
      if (!isLakeError(e, 'NAMESPACE_ALREADY_EXISTS')) throw e;
    }
  }
}

function parseFormatVersion(text: string): FormatVersion {
  if (!/^[123]$/.test(text.trim())) throw new LakeError('INVALID_INPUT', `--format-version must be 1, 2 or 3, got "${text}"`);
  return Number(text) as FormatVersion;
}

interface CreateOptions {
  schema: string;
  partition?: string;
  property: string[];
  formatVersion?: string;
  location?: string;
}

export function registerTableCommands(program: Command, io: CliIO): void {
  addSharedOptions(
    program
      .command('create')
      .description('create a table (its namespace is created when missing)')
      .argument('<table>', 'table identifier (ns.table)')
      .requiredOption('--schema <columns>', 'columns: "<col> <type> [not null], ..."')
      .option('--partition <terms>', 'partitioning: "<transform>, ..." with col, identity(col), bucket(N, col), truncate(W, col), year/month/day/hour(col)')
      .option('--property <key=value>', 'a table property (repeatable)', collect, [])
      .option('--format-version <n>', 'Iceberg format version: 1, 2 (default) or 3')
      .option('--location <location>', 'where the table files go (default: its folder in the warehouse)'),
  ).action(async (name: string, o: CreateOptions, cmd: Command) => {
    const ctx = new CliContext(io, sharedOptionsOf(cmd));
    // Everything is parsed and checked before anything is written.
    const id = parseTableIdentifier(name);
    const schema = parseSchemaText(o.schema);
    const spec = o.partition === undefined ? undefined : parsePartitionText(o.partition, schema);
    const properties: Record<string, string> = {};
    for (const p of o.property) {
      const [k, v] = parseProperty(p);
      properties[k] = v;
    }
    const formatVersion = o.formatVersion === undefined ? undefined : parseFormatVersion(o.formatVersion);
    const catalog = ctx.catalog();
    if (await catalog.tableExists(id)) throw new LakeError('TABLE_ALREADY_EXISTS', `table ${tableIdentifierToString(id)} already exists`);
    await ensureNamespace(catalog, id.namespace);
    const table = await catalog.createTable(id, {
      schema,
      ...(spec === undefined ? {} : { partitionSpec: spec }),
      properties,
      ...(formatVersion === undefined ? {} : { formatVersion }),
      ...(o.location === undefined ? {} : { location: o.location }),
    });
    const m = table.metadata;
    if (ctx.json) {
      ctx.printJson({
        table: table.name,
        location: m.location,
        'metadata-location': table.metadataLocation,
        'format-version': m.formatVersion,
        schema: schemaToJson(currentSchema(m)),
        'partition-spec': partitionSpecToJson(defaultSpec(m)),
        properties: { ...m.properties },
      });
      return;
    }
    ctx.print(
      [
        `created table ${table.name} (format v${m.formatVersion}) at ${m.location}`,
        renderSchema(currentSchema(m)),
        `partitioned by: ${renderSpec(defaultSpec(m), currentSchema(m))}`,
      ].join('\n'),
    );
  });

  addSharedOptions(
    program
      .command('tables')
      .description('list the tables of a namespace, or of the whole warehouse')
      .argument('[namespace]', 'namespace (default: every namespace)'),
  ).action(async (namespace: string | undefined, _o: unknown, cmd: Command) => {
    const ctx = new CliContext(io, sharedOptionsOf(cmd));
    const catalog = ctx.catalog();
    const found: TableIdentifier[] = [];
    const walk = async (ns: string[]): Promise<void> => {
      found.push(...(await catalog.listTables(ns)));
      for (const child of await catalog.listNamespaces(ns)) await walk(child);
    };
    if (namespace !== undefined) await walk(parseNamespace(namespace));
    else for (const ns of await catalog.listNamespaces()) await walk(ns);
    const names = found.map(tableIdentifierToString).sort();
    if (ctx.json) ctx.printJson(names);
    else ctx.print(names.length === 0 ? `(no tables in ${catalog.warehouse})` : names.join('\n'));
  });

  addSharedOptions(
    program
      .command('drop')
      .description('drop a table (its files stay unless --purge)')
      .argument('<table>', 'table identifier (ns.table)')
      .option('--purge', 'also delete the table data and metadata files'),
  ).action(async (name: string, o: { purge?: boolean }, cmd: Command) => {
    const ctx = new CliContext(io, sharedOptionsOf(cmd));
    const id = parseTableIdentifier(name);
    await ctx.catalog().dropTable(id, { purge: o.purge === true });
    const table = tableIdentifierToString(id);
    if (ctx.json) ctx.printJson({ table, dropped: true, purged: o.purge === true });
    else ctx.print(`dropped table ${table}${o.purge ? ' and deleted its files' : ''}`);
  });
}
