/**
 * The conformance corpus as tests: one test per case folder of ../shared/conformance, judged by
 * every installed level (levels.ts), so each case counts in the suite's `N passed, N failed` line.
 * A missing corpus is a failing test that names the expected path, never a silent pass.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type ConformanceCase, CorpusMissingError, corpusDir, listCases } from './cases.js';
import { caseLine, closeLevels, runCase } from './runner.js';

const dir = corpusDir();
let cases: ConformanceCase[] = [];
let missing: CorpusMissingError | undefined;
try {
  cases = listCases(dir);
} catch (e) {
  if (!(e instanceof CorpusMissingError)) throw e;
  missing = e;
}

describe(`conformance corpus (${dir})`, () => {
  if (missing !== undefined) {
    const error = missing;
    it('finds the conformance corpus', () => {
      throw error;
    });
    return;
  }

  afterAll(() => closeLevels());

  for (const c of cases) {
    it(c.name, async (ctx) => {
      const r = await runCase(c);
      if (r.verdict === 'SKIP') {
        ctx.skip(r.reason);
        return;
      }
      if (r.verdict === 'FAIL') {
        const details = r.checks
          .filter((k) => k.status === 'fail')
          .flatMap((k) => k.problems.map((p) => `  [${k.level}] ${k.check}: ${p}`));
        throw new Error([caseLine(r), ...details].join('\n'));
      }
      expect(caseLine(r)).toBe(`PASS ${c.name}`);
    });
  }
});
