/**
 * `npm run conformance`: runs the conformance corpus and prints one line per case, then
 * `conformance: P passed, F failed, S skipped`. Exits 1 when a case failed or the corpus is missing.
 *
 * Options: `--case <name>` (repeatable) runs only those cases; `--verbose` prints every check of
 * every case with its notes (expected errors seen, checks that do not apply); `--dir <path>` reads
 * the corpus from another folder (as LAKE_CONFORMANCE_DIR does).
 */
import { pathToFileURL } from 'node:url';
import { CorpusMissingError } from './cases.js';
import { type CaseResult, caseLine, runConformance, summaryLine } from './runner.js';

/** Where the CLI writes: stdout for the result lines, stderr for the loud corpus-missing banner. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

interface CliOptions {
  cases: string[];
  verbose: boolean;
  dir?: string;
}

const USAGE = 'usage: node dist/test/conformance/main.js [--case <name>]... [--verbose] [--dir <corpus folder>]\n';

function parseArgs(argv: string[]): CliOptions | string {
  const o: CliOptions = { cases: [], verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--case' && i + 1 < argv.length) o.cases.push(argv[++i]!);
    else if (a === '--dir' && i + 1 < argv.length) o.dir = argv[++i]!;
    else return `unknown argument: ${a}\n${USAGE}`;
  }
  return o;
}

function printVerbose(r: CaseResult, io: CliOutput): void {
  for (const c of r.checks) {
    const status = c.status === 'skip' ? `skip (${c.skipReason})` : c.status;
    io.out(`    [${c.level}] ${c.check}: ${status}\n`);
    for (const p of c.problems) io.out(`      problem: ${p}\n`);
    for (const n of c.notes) io.out(`      note: ${n}\n`);
  }
  io.out(`    (${r.durationMs.toFixed(0)} ms)\n`);
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliOutput = processOutput): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const o = parseArgs(argv);
  if (typeof o === 'string') {
    io.err(o);
    return 2;
  }
  const wanted = new Set(o.cases);
  try {
    const summary = await runConformance({
      ...(o.dir === undefined ? {} : { corpusDir: o.dir }),
      ...(wanted.size === 0 ? {} : { only: (n: string) => wanted.has(n) }),
      onResult: (r) => {
        io.out(`${caseLine(r)}\n`);
        if (o.verbose) printVerbose(r, io);
      },
    });
    if (wanted.size > 0) {
      const ran = new Set(summary.results.map((r) => r.name));
      const unknown = [...wanted].filter((n) => !ran.has(n));
      if (unknown.length > 0) {
        io.out(`FAIL ${unknown.join(', ')}: no such case in ${summary.corpusDir}\n`);
        summary.failed += unknown.length;
      }
    }
    io.out(`${summaryLine(summary)}\n`);
    return summary.failed > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof CorpusMissingError) {
      io.err(`\n${'!'.repeat(100)}\n${e.message}\n${'!'.repeat(100)}\n\n`);
      io.out(`FAIL corpus: not found at ${e.path}\n${summaryLine({ passed: 0, failed: 1, skipped: 0 })}\n`);
      return 1;
    }
    throw e;
  }
}

// Run when executed as a script (`node dist/test/conformance/main.js`), not when imported by tests.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`conformance runner crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
