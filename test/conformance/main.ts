/**
 * `npm run conformance`: runs the conformance corpus and prints one line per case, then
 * `conformance: P passed, F failed, S skipped`. Exits 1 when a case failed or the corpus is missing.
 *
 * Options: `--case <name>` (repeatable) runs only those cases; `--verbose` prints every check of
 * every case with its notes (expected errors seen, checks that do not apply); `--dir <path>` reads
 * the corpus from another folder (as LAKE_CONFORMANCE_DIR does).
 */
import { CorpusMissingError } from './cases.js';
import { type CaseResult, caseLine, runConformance, summaryLine } from './runner.js';

interface CliOptions {
  cases: string[];
  verbose: boolean;
  dir?: string;
}

function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { cases: [], verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--verbose' || a === '-v') o.verbose = true;
    else if (a === '--case' && i + 1 < argv.length) o.cases.push(argv[++i]!);
    else if (a === '--dir' && i + 1 < argv.length) o.dir = argv[++i]!;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node dist/test/conformance/main.js [--case <name>]... [--verbose] [--dir <corpus folder>]\n');
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument: ${a}\n`);
      process.exit(2);
    }
  }
  return o;
}

function printVerbose(r: CaseResult): void {
  for (const c of r.checks) {
    const status = c.status === 'skip' ? `skip (${c.skipReason})` : c.status;
    process.stdout.write(`    [${c.level}] ${c.check}: ${status}\n`);
    for (const p of c.problems) process.stdout.write(`      problem: ${p}\n`);
    for (const n of c.notes) process.stdout.write(`      note: ${n}\n`);
  }
  process.stdout.write(`    (${r.durationMs.toFixed(0)} ms)\n`);
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const wanted = new Set(o.cases);
  try {
    const summary = await runConformance({
      ...(o.dir === undefined ? {} : { corpusDir: o.dir }),
      ...(wanted.size === 0 ? {} : { only: (n: string) => wanted.has(n) }),
      onResult: (r) => {
        process.stdout.write(`${caseLine(r)}\n`);
        if (o.verbose) printVerbose(r);
      },
    });
    if (wanted.size > 0) {
      const ran = new Set(summary.results.map((r) => r.name));
      const unknown = [...wanted].filter((n) => !ran.has(n));
      if (unknown.length > 0) {
        process.stdout.write(`FAIL ${unknown.join(', ')}: no such case in ${summary.corpusDir}\n`);
        summary.failed += unknown.length;
      }
    }
    process.stdout.write(`${summaryLine(summary)}\n`);
    return summary.failed > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof CorpusMissingError) {
      process.stderr.write(`\n${'!'.repeat(100)}\n${e.message}\n${'!'.repeat(100)}\n\n`);
      process.stdout.write(`FAIL corpus: not found at ${e.path}\n${summaryLine({ passed: 0, failed: 1, skipped: 0 })}\n`);
      return 1;
    }
    throw e;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`conformance runner crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
