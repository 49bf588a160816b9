/**
 * `lake tag`, `lake branch` and `lake rollback`: refs and rollback through the Table API.
 */
import type { Command } from 'commander';
import type { Table } from '../catalog/table.js';
import { LakeError } from '../src/errors.js';
import { parseTimestampMs } from '../src/scan/snapshot-selector.js';
import type { SnapshotRefType } from '../src/spec/snapshot.js';
import { type CliIO, addSharedOptions, CliContext, sharedOptionsOf } from './context.js';

/** A snapshot id from the command line (ids are 64-bit: kept as bigint). */
export function parseSnapshotIdArg(text: string): bigint {
  const t = text.trim();
  if (!/^-?\d+$/.test(t)) throw new LakeError('INVALID_INPUT', `snapshot id must be an integer, got "${text}"`);
  return BigInt(t);
}

function currentId(table: Table): bigint {
  const s = table.currentSnapshot();
  if (s === undefined) throw new LakeError('SNAPSHOT_NOT_FOUND', `${table.name} has no current snapshot; give --snapshot`);
  return s.snapshotId;
}

interface RefOptions {
  snapshot?: string;
  replace?: boolean;
  drop?: boolean;
}

function registerRef(program: Command, io: CliIO, type: SnapshotRefType): void {
  addSharedOptions(
    program
      .command(type)
      .description(type === 'tag' ? 'create (or move, or drop) a tag' : 'create (or move, or drop) a branch')
      .argument('<table>', 'table identifier (ns.table)')
      .argument('<name>', `${type} name`)
      .option('--snapshot <id>', 'the snapshot (default: the current one)')
      .option('--replace', `move an existing ${type} to the snapshot`)
      .option('--drop', `remove the ${type}`),
  ).action(async (tableName: string, name: string, o: RefOptions, cmd: Command) => {
    const ctx = new CliContext(io, sharedOptionsOf(cmd));
    if (o.drop && (o.replace || o.snapshot !== undefined)) throw new LakeError('INVALID_INPUT', '--drop takes no --snapshot or --replace');
    const snapshotId = o.snapshot === undefined ? undefined : parseSnapshotIdArg(o.snapshot);
    const table = await ctx.openTable(tableName);
    if (o.drop) {
      await (type === 'tag' ? table.dropTag(name) : table.dropBranch(name));
      if (ctx.json) ctx.printJson({ table: table.name, ref: name, type, dropped: true });
      else ctx.print(`dropped ${type} ${name} of ${table.name}`);
      return;
    }
    if (o.replace) {
      const id = snapshotId ?? currentId(table);
      await (type === 'tag' ? table.replaceTag(name, id) : table.replaceBranch(name, id));
    } else {
      await (type === 'tag' ? table.createTag(name, snapshotId) : table.createBranch(name, snapshotId));
    }
    const ref = table.metadata.refs.get(name)!;
    if (ctx.json) ctx.printJson({ table: table.name, ref: name, type, 'snapshot-id': ref.snapshotId.toString() });
    else ctx.print(`${type} ${name} of ${table.name} -> snapshot ${ref.snapshotId}`);
  });
}

export function registerRefCommands(program: Command, io: CliIO): void {
  registerRef(program, io, 'tag');
  registerRef(program, io, 'branch');

  addSharedOptions(
    program
      .command('rollback')
      .description('roll main back to an ancestor snapshot, or to the snapshot current at a time')
      .argument('<table>', 'table identifier (ns.table)')
      .option('--snapshot <id>', 'an ancestor of the current snapshot')
      .option('--as-of <timestamp>', 'ISO-8601 time or epoch milliseconds'),
  ).action(async (tableName: string, o: { snapshot?: string; asOf?: string }, cmd: Command) => {
    const ctx = new CliContext(io, sharedOptionsOf(cmd));
    if ((o.snapshot === undefined) === (o.asOf === undefined)) throw new LakeError('INVALID_INPUT', 'give exactly one of --snapshot and --as-of');
    const target = o.snapshot === undefined ? undefined : parseSnapshotIdArg(o.snapshot);
    const asOf = o.asOf === undefined ? undefined : parseTimestampMs(o.asOf);
    const table = await ctx.openTable(tableName);
    const previous = table.currentSnapshot()?.snapshotId;
    const result = target !== undefined ? await table.rollbackTo(target) : await table.rollbackToTime(asOf!);
    const now = result.metadata.currentSnapshotId;
    if (ctx.json) {
      ctx.printJson({ table: table.name, 'snapshot-id': now?.toString() ?? null, 'previous-snapshot-id': previous?.toString() ?? null });
    } else {
      ctx.print(now === previous ? `${table.name} is already at snapshot ${now}` : `rolled ${table.name} back to snapshot ${now} (was ${previous})`);
    }
  });
}
