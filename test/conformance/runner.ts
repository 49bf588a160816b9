/**
 * The conformance runner as a library: runs every level's checks on every table case of the
 * corpus and the vector suites on the vector cases, and returns one result per case.
 *
 * Verdicts: PASS (every check passed, documented expected errors included), FAIL (some check
 * found a problem, or the case could not be judged), SKIP (a vector case this runner does not
 * cover, with the reason naming where it is tested).
 */
import { type ConformanceCase, type TableCase, corpusDir, listCases } from './cases.js';
import { type CheckModule, CheckReport, type CheckResult } from './check.js';
import { LEVELS } from './levels.js';
import { type TableContext, errorText, loadTable } from './table-state.js';
import { VECTOR_SUITES } from './vectors.js';

export type Verdict = 'PASS' | 'FAIL' | 'SKIP';

export interface CaseResult {
  name: string;
  kind: ConformanceCase['kind'];
  verdict: Verdict;
  /** Why the case failed or was skipped. */
  reason?: string;
  checks: CheckResult[];
  durationMs: number;
}

export interface RunOptions {
  /** Default: `corpusDir()` ($LAKE_CONFORMANCE_DIR or ../shared/conformance). */
  corpusDir?: string;
  /** Default: LEVELS (levels.ts). */
  levels?: readonly CheckModule[];
  /** Run only the cases this accepts. */
  only?: (name: string) => boolean;
  /** Called as each case finishes (for streaming output). */
  onResult?: (r: CaseResult) => void;
}

export interface RunSummary {
  corpusDir: string;
  levels: string[];
  results: CaseResult[];
  passed: number;
  failed: number;
  skipped: number;
}

async function runCheck(level: string, check: { name: string; run(ctx: TableContext, r: CheckReport): void | Promise<void> }, ctx: TableContext): Promise<CheckResult> {
  const report = new CheckReport();
  try {
    await check.run(ctx, report);
  } catch (e) {
    report.fail(`check crashed: ${errorText(e)}`);
  }
  const result: CheckResult = {
    level,
    check: check.name,
    status: report.problems.length > 0 ? 'fail' : report.skipped !== undefined ? 'skip' : 'pass',
    problems: report.problems,
    notes: report.notes,
  };
  if (report.skipped !== undefined) result.skipReason = report.skipped;
  return result;
}

function failed(level: string, check: string, problem: string): CheckResult {
  return { level, check, status: 'fail', problems: [problem], notes: [] };
}

function verdictOf(checks: CheckResult[]): { verdict: Verdict; reason?: string } {
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length === 0) return { verdict: 'PASS' };
  const first = failed[0]!;
  const more = failed.reduce((n, c) => n + c.problems.length, 0) - 1;
  const others = failed.length > 1 ? `; also failed: ${failed.slice(1).map((c) => c.check).join(', ')}` : '';
  return { verdict: 'FAIL', reason: `${first.check}: ${first.problems[0]}${more > 0 ? ` (+${more} more)` : ''}${others}` };
}

async function runTableCase(c: TableCase, levels: readonly CheckModule[]): Promise<Omit<CaseResult, 'durationMs'>> {
  const ctx = await loadTable(c);
  const checks: CheckResult[] = [];
  for (const level of levels) {
    if (c.rejection !== undefined && c.rejection.level === level.level && !level.checks.some((k) => k.name === 'rejection')) {
      checks.push(failed(level.level, 'rejection', `the corpus requires lake to reject this case ("${c.rejection.reason}") but the ${level.level} level has no rejection check`));
    }
  }
  if (c.rejection !== undefined && !levels.some((l) => l.level === c.rejection!.level)) {
    checks.push({
      level: c.rejection.level,
      check: 'rejection',
      status: 'skip',
      problems: [],
      notes: [],
      skipReason: `the corpus requires lake to reject this case at the ${c.rejection.level} level ("${c.rejection.reason}"); judged once that level is installed`,
    });
  }
  for (const level of levels) {
    for (const check of level.checks) checks.push(await runCheck(level.level, check, ctx));
  }
  return { name: c.name, kind: 'table', ...verdictOf(checks), checks };
}

async function runVectorCase(c: ConformanceCase & { kind: 'vector' }): Promise<Omit<CaseResult, 'durationMs'>> {
  const suite = VECTOR_SUITES.find((s) => s.name === c.name);
  if (suite === undefined) return { name: c.name, kind: 'vector', verdict: 'FAIL', reason: 'unknown vector case: no suite knows what to check in it', checks: [] };
  if (suite.skip !== undefined || suite.run === undefined) return { name: c.name, kind: 'vector', verdict: 'SKIP', reason: suite.skip ?? 'not run', checks: [] };
  const report = new CheckReport();
  try {
    await suite.run(c.dir, report);
  } catch (e) {
    report.fail(`suite crashed: ${errorText(e)}`);
  }
  const checks: CheckResult[] = [
    { level: 'vectors', check: c.name, status: report.problems.length > 0 ? 'fail' : 'pass', problems: report.problems, notes: report.notes },
  ];
  return { name: c.name, kind: 'vector', ...verdictOf(checks), checks };
}

/** Runs one case with the given levels. Never throws: problems become a FAIL verdict. */
export async function runCase(c: ConformanceCase, levels: readonly CheckModule[] = LEVELS): Promise<CaseResult> {
  const t0 = performance.now();
  let r: Omit<CaseResult, 'durationMs'>;
  try {
    if (c.kind === 'table') r = await runTableCase(c, levels);
    else if (c.kind === 'vector') r = await runVectorCase(c);
    else r = { name: c.name, kind: c.kind, verdict: 'FAIL', reason: c.problem, checks: [] };
  } catch (e) {
    r = { name: c.name, kind: c.kind, verdict: 'FAIL', reason: `runner error: ${errorText(e)}`, checks: [] };
  }
  return { ...r, durationMs: performance.now() - t0 };
}

/** Calls every level's `close` hook (engines, connections). */
export async function closeLevels(levels: readonly CheckModule[] = LEVELS): Promise<void> {
  for (const l of levels) await l.close?.();
}

/**
 * Runs the whole corpus. Throws CorpusMissingError (naming the path) when the corpus folder is
 * missing or empty: a run that checks nothing must not look like a pass.
 */
export async function runConformance(options: RunOptions = {}): Promise<RunSummary> {
  const dir = options.corpusDir ?? corpusDir();
  const levels = options.levels ?? LEVELS;
  const cases = listCases(dir).filter((c) => options.only?.(c.name) ?? true);
  const results: CaseResult[] = [];
  try {
    for (const c of cases) {
      const r = await runCase(c, levels);
      results.push(r);
      options.onResult?.(r);
    }
  } finally {
    await closeLevels(levels);
  }
  return {
    corpusDir: dir,
    levels: levels.map((l) => l.level),
    results,
    passed: results.filter((r) => r.verdict === 'PASS').length,
    failed: results.filter((r) => r.verdict === 'FAIL').length,
    skipped: results.filter((r) => r.verdict === 'SKIP').length,
  };
}

/** `PASS <case>`, `FAIL <case>: <reason>` or `SKIP <case>: <reason>`, on one line. */
export function caseLine(r: CaseResult): string {
  const reason = (r.reason ?? '').replace(/\s*\n\s*/g, ' ');
  return r.verdict === 'PASS' ? `PASS ${r.name}` : `${r.verdict} ${r.name}: ${reason}`;
}

export function summaryLine(s: Pick<RunSummary, 'passed' | 'failed' | 'skipped'>): string {
  return `conformance: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`;
}
