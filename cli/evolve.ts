/**
 * `lake evolve <ns.table> <change> [<change> ...]` and `lake evolve <ns.table> --file changes.json`:
 * schema, partition, sort order, property and format changes committed as one new table version
 * (see docs/evolution.md for the change forms). Prints the resulting schema, partition spec and
 * sort order; `--json` prints them as Iceberg JSON. `--dry-run` validates and prints without
 * committing. Parsing and rules live in src/spec/evolution-changes.ts and src/write/evolve-table.ts.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Catalog } from '../catalog/catalog.js';
import { LakeError } from '../src/errors.js';
import { type EvolutionChange, type EvolutionOptions, parseEvolutionChanges, parseEvolveArgs } from '../src/spec/evolution-changes.js';
import { type PartitionSpec, partitionSpecToJson } from '../src/spec/partition-spec.js';
import { partitionTermToString } from '../src/spec/partition-spec-update.js';
import { type Schema, findColumnName, schemaToJson } from '../src/spec/schema.js';
import { sortOrderToJson } from '../src/spec/sort-order.js';
import { sortOrderToText } from '../src/spec/sort-order-update.js';
import { type TableMetadata, currentSchema, defaultSortOrder, defaultSpec } from '../src/spec/table-metadata.js';
import type { IcebergType, NestedField } from '../src/spec/types.js';
import { primitiveToString } from '../src/spec/types.js';
import { stringifyJson } from '../src/util/json.js';
import { newEvolution, previewEvolution } from '../src/write/evolve-table.js';

export interface EvolveCommandOptions {
  catalog: Catalog;
  /** `ns.table`. */
  table: string;
  /** Change commands as typed (`add-column a int --after b drop-column c`). */
  changes?: readonly string[];
  /** Path of a JSON change list. */
  file?: string;
  /** Validate and print the result without committing. */
  dryRun?: boolean;
  caseInsensitive?: boolean;
  allowIncompatibleChanges?: boolean;
}

export interface EvolveOutcome {
  /** True when a new table version was committed. */
  committed: boolean;
  metadata: TableMetadata;
  metadataLocation: string;
  /** Metadata update actions the changes made (empty when nothing changed). */
  actions: string[];
}

/** Reads the changes, then commits them (or previews them with `dryRun`). */
export async function runEvolve(o: EvolveCommandOptions): Promise<EvolveOutcome> {
  const args = o.changes ?? [];
  if (o.file !== undefined && args.length > 0) throw new LakeError('INVALID_INPUT', 'give the changes either as arguments or with --file, not both');
  let changes: EvolutionChange[];
  const options: EvolutionOptions = {};
  if (o.file !== undefined) {
    let text: string;
    try {
      text = await readFile(o.file, 'utf8');
    } catch (e) {
      throw new LakeError('INVALID_INPUT', `cannot read change file ${o.file}: ${(e as Error).message}`, { cause: e });
    }
    const list = parseEvolutionChanges(text);
    changes = list.changes;
    Object.assign(options, list.options);
  } else {
    changes = parseEvolveArgs(args);
  }
  if (changes.length === 0) throw new LakeError('INVALID_INPUT', 'no changes given (see `lake evolve --help`)');
  if (o.caseInsensitive) options.caseSensitive = false;
  if (o.allowIncompatibleChanges) options.allowIncompatibleChanges = true;

  const table = await o.catalog.loadTable(o.table);
  const handle = { metadata: table.metadata, io: table.io, committer: table };
  const preview = await previewEvolution(handle, changes, options);
  const actions = preview.updates.map((u) => u.action);
  if (o.dryRun || actions.length === 0) {
    return { committed: false, metadata: preview.metadata, metadataLocation: table.metadataLocation, actions };
  }
  const before = table.metadataLocation;
  const result = await newEvolution(handle, changes, options).commit();
  return { committed: result.metadataLocation !== before, metadata: result.metadata, metadataLocation: result.metadataLocation, actions };
}

// ---- rendering ----

function typeText(t: IcebergType): string {
  switch (t.kind) {
    case 'struct':
      return 'struct';
    case 'list':
      return t.element.kind === 'struct' ? 'list<struct>' : `list<${typeText(t.element)}>`;
    case 'map':
      return `map<${typeText(t.key)}, ${t.value.kind === 'struct' ? 'struct' : typeText(t.value)}>`;
    default:
      return primitiveToString(t);
  }
}

/** The schema as an indented table: id, name, type, required, doc. */
export function renderSchema(schema: Schema): string {
  const lines: [string, string, string, string][] = [];
  const visit = (fields: readonly NestedField[], depth: number): void => {
    for (const f of fields) {
      const flags = [f.required ? 'required' : '', schema.identifierFieldIds.includes(f.id) ? 'identifier' : '', f.doc === undefined ? '' : `-- ${f.doc}`].filter((x) => x !== '').join(' ');
      lines.push([String(f.id), `${'  '.repeat(depth)}${f.name}`, typeText(f.type), flags]);
      const t = f.type;
      if (t.kind === 'struct') visit(t.fields, depth + 1);
      else if (t.kind === 'list' && t.element.kind === 'struct') visit(t.element.fields, depth + 1);
      else if (t.kind === 'map' && t.value.kind === 'struct') visit(t.value.fields, depth + 1);
    }
  };
  visit(schema.fields, 0);
  const w = [0, 1, 2].map((i) => Math.max(...lines.map((l) => l[i]!.length), 0));
  return lines.map((l) => `  ${l[0]!.padStart(w[0]!)}  ${l[1]!.padEnd(w[1]!)}  ${l[2]!.padEnd(w[2]!)}  ${l[3]}`.trimEnd()).join('\n');
}

export function renderSpec(spec: PartitionSpec, schema: Schema): string {
  if (spec.fields.length === 0) return 'unpartitioned';
  return spec.fields.map((f) => `${f.name} = ${partitionTermToString(f.transform, findColumnName(schema, f.sourceId) ?? `#${f.sourceId}`)} [${f.fieldId}]`).join(', ');
}

/** Text output of `lake evolve`. */
export function renderEvolveText(table: string, outcome: EvolveOutcome, dryRun = false): string {
  const m = outcome.metadata;
  const schema = currentSchema(m);
  const spec = defaultSpec(m);
  const order = defaultSortOrder(m);
  const head = outcome.actions.length === 0 ? `${table}: nothing to change` : dryRun ? `${table}: would apply ${outcome.actions.join(', ')} (dry run, nothing committed)` : `${table}: committed ${outcome.metadataLocation}`;
  return [
    head,
    `format v${m.formatVersion}, schema ${schema.schemaId}:`,
    renderSchema(schema),
    `partition spec ${spec.specId}: ${renderSpec(spec, schema)}`,
    `sort order ${order.orderId}: ${sortOrderToText(order, schema)}`,
  ].join('\n');
}

/** JSON output of `lake evolve --json`: the new schema, spec and sort order in Iceberg's JSON form. */
export function evolveJson(table: string, outcome: EvolveOutcome): Record<string, unknown> {
  const m = outcome.metadata;
  return {
    table,
    committed: outcome.committed,
    'metadata-location': outcome.metadataLocation,
    updates: outcome.actions,
    'format-version': m.formatVersion,
    schema: schemaToJson(currentSchema(m)),
    'partition-spec': partitionSpecToJson(defaultSpec(m)),
    'sort-order': sortOrderToJson(defaultSortOrder(m)),
    properties: { ...m.properties },
  };
}

const HELP = `
Changes (several in one call are one commit, applied in order):
  add-column <name> <type> [--after c | --before c | --first] [--not-null] [--default v] [--doc text]
  drop-column <name>                 rename-column <old> <new>
  update-column <name> <type>        move-column <name> (--first | --after c | --before c)
  make-optional <name>               require-column <name>
  set-doc <name> <text>              set-default <name> <value|null>
  set-identifier-fields <a,b,...>
  add-partition "<term>" [--name n]  drop-partition <field name | term>
  rename-partition <old> <new>       set-sort "<col [asc|desc] [nulls first|last], ...>"
  set-property k=v                   unset-property k
  upgrade --format-version N
Types: int long float double decimal(P,S) date time timestamp timestamptz string uuid fixed[L]
binary, struct<a: int, b: string>, list<long>, map<string, int>.
Terms: col, bucket(N, col), truncate(W, col), year(col), month(col), day(col), hour(col).
See docs/evolution.md.`;

/** Adds `evolve` to a commander program. `catalog` opens the catalog; `print` writes a line of output. */
export function registerEvolveCommand(program: Command, context: { catalog: () => Catalog | Promise<Catalog>; print?: (text: string) => void }): Command {
  const print = context.print ?? ((s: string) => process.stdout.write(`${s}\n`));
  return program
    .command('evolve')
    .description('change a table schema, partitioning, sort order, properties or format version in one commit')
    .argument('<table>', 'table identifier (ns.table)')
    .argument('[changes...]', 'change commands (see below)')
    .option('--file <path>', 'read the changes from a JSON change list')
    .option('--json', 'print the new schema, partition spec and sort order as JSON')
    .option('--dry-run', 'validate and print the result without committing')
    .option('--case-insensitive', 'match column names ignoring case')
    .option('--allow-incompatible-changes', 'allow required columns without defaults and optional -> required')
    .allowUnknownOption()
    .addHelpText('after', HELP)
    .action(async (table: string, changes: string[], opts: { file?: string; json?: boolean; dryRun?: boolean; caseInsensitive?: boolean; allowIncompatibleChanges?: boolean }) => {
      const o: EvolveCommandOptions = { catalog: await context.catalog(), table, changes };
      if (opts.file !== undefined) o.file = opts.file;
      if (opts.dryRun) o.dryRun = true;
      if (opts.caseInsensitive) o.caseInsensitive = true;
      if (opts.allowIncompatibleChanges) o.allowIncompatibleChanges = true;
      const outcome = await runEvolve(o);
      print(opts.json ? stringifyJson(evolveJson(table, outcome), { indent: 2 }) : renderEvolveText(table, outcome, opts.dryRun ?? false));
    });
}
