/**
 * `lake commit <ns.table> <file>...`: input files committed as ONE snapshot (append, overwrite by
 * `--where`, or dynamic partition overwrite), through `commitFiles` (catalog/table-writes.ts).
 */
import { type Command, Option } from 'commander';
import type { CommitFilesOptions } from '../catalog/table-writes.js';
import type { InputFormat } from '../src/write/file-input.js';
import { type CliIO, addSharedOptions, CliContext, sharedOptionsOf } from './context.js';
import { commitJson, commitText } from './render.js';

interface CommitCommandOptions {
  format?: InputFormat;
  mode: 'append' | 'overwrite';
  where?: string;
  addFiles?: boolean;
  idempotencyKey?: string;
  branch?: string;
}

export function registerWriteCommands(program: Command, io: CliIO): void {
  addSharedOptions(
    program
      .command('commit')
      .description('commit CSV, NDJSON or Parquet files to a table as one snapshot')
      .argument('<table>', 'table identifier (ns.table)')
      .argument('<files...>', 'input files')
      .addOption(new Option('--format <format>', 'input format (default: from each file extension)').choices(['parquet', 'csv', 'ndjson']))
      .addOption(new Option('--mode <mode>', 'append, or overwrite (by --where, else the partitions the data touches)').choices(['append', 'overwrite']).default('append'))
      .option('--where <predicate>', 'with --mode overwrite: replace the rows matching this predicate')
      .option('--add-files', 'register Parquet files as they are, without rewriting them')
      .option('--idempotency-key <key>', 'a key recorded in the snapshot: a commit with a key already on the branch commits nothing')
      .option('--branch <name>', 'commit to this branch (created from main when missing)'),
  ).action(async (name: string, files: string[], o: CommitCommandOptions, cmd: Command) => {
    const ctx = new CliContext(io, sharedOptionsOf(cmd));
    const table = await ctx.openTable(name);
    const options: CommitFilesOptions = {
      mode: o.mode,
      s3: ctx.s3(),
      onProgress: (p) => ctx.progress(`${p.phase}: ${p.detail}`),
    };
    if (o.format !== undefined) options.format = o.format;
    if (o.where !== undefined) options.where = o.where;
    if (o.addFiles) options.addFiles = true;
    if (o.idempotencyKey !== undefined) options.idempotencyKey = o.idempotencyKey;
    if (o.branch !== undefined) options.branch = o.branch;
    const result = await table.commitFiles(files, options);
    if (ctx.json) ctx.printJson(commitJson(result));
    else ctx.print(commitText(table.name, result, o.idempotencyKey));
  });
}
