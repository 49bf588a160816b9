/**
 * The `lake` command line: a commander program with every command, and `runCli`, which runs one
 * invocation and turns any failure into one stderr line and an exit code (cli/errors.ts).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { closeSharedS3Clients } from '../src/storage/s3.js';
import { type CliIO, CliContext, addSharedOptions, sharedOptionsOf } from './context.js';
import { describeFailure } from './errors.js';
import { registerEvolveCommand } from './evolve.js';
import { registerReadCommands } from './read-commands.js';
import { registerRefCommands } from './ref-commands.js';
import { registerTableCommands } from './table-commands.js';
import { registerWriteCommands } from './write-commands.js';

/** The package version: lake's package.json in the nearest folder above this file (source or build). */
function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); ; ) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lake' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: look further up
    }
    const up = new URL('..', dir);
    if (up.href === dir.href) return '0.0.0';
    dir = up;
  }
}

/** The process's own streams. */
export function processIO(): CliIO {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    errIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}

/** Builds the program; output goes to `io`. */
export function buildProgram(io: CliIO): Command {
  const program = new Command('lake');
  program
    .description('Apache Iceberg tables of Parquet files on local disk or S3')
    .version(packageVersion(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s), outputError: () => undefined })
    .showSuggestionAfterError(true);
  addSharedOptions(program);
  registerTableCommands(program, io);
  registerWriteCommands(program, io);
  registerRefCommands(program, io);
  registerReadCommands(program, io);
  const evolve: Command = registerEvolveCommand(program, {
    catalog: () => new CliContext(io, sharedOptionsOf(evolve)).catalog(),
    print: (text) => io.out(`${text}\n`),
  });
  addSharedOptions(evolve, { json: false });
  program.addHelpText(
    'after',
    '\nShared options (after the command name): --warehouse <path | file://... | s3://bucket/prefix>, --s3-path-style, --json, --debug.\nS3 settings come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. See docs/cli.md.',
  );
  return program;
}

/**
 * Runs one `lake` invocation (`argv` without the node and script paths) and returns its exit code:
 * 0 on success, otherwise the failure's code after one line on stderr.
 */
export async function runCli(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const debug = argv.includes('--debug');
  const program = buildProgram(io);
  if (argv.length === 0) {
    io.out(program.helpInformation());
    const f = describeFailure(new Error('no command given'), true);
    io.err(`${f.line}\n`);
    return f.exitCode;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError && e.exitCode === 0) return 0;
    const f = describeFailure(e, e instanceof CommanderError);
    io.err(`${f.line}\n`);
    if (debug && e instanceof Error && e.stack !== undefined) io.err(`${e.stack}\n`);
    return f.exitCode;
  } finally {
    closeSharedS3Clients();
  }
}
