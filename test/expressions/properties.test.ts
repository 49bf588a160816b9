/**
 * Property tests: for random rows, files and predicates,
 * - a matching row's partition tuple matches the inclusive projection (every transform), and a
 *   tuple matching the strict projection means the row matches; residuals agree with the filter;
 * - the inclusive metrics evaluator accepts every file holding a matching row, and the strict one
 *   only accepts files whose rows all match;
 * - the manifest evaluator accepts every manifest holding a matching row's partition.
 * Seeds are fixed so failures reproduce; each message names the seed and the expression.
 */
import { describe, expect, it } from 'vitest';
import {
  type BoundExpression,
  InclusiveMetricsEvaluator,
  ManifestEvaluator,
  ResidualEvaluator,
  StrictMetricsEvaluator,
  expressionToString,
  partitionEvaluator,
  projectInclusive,
  projectStrict,
  rowEvaluator,
} from '../../src/expressions/index.js';
import type { PartitionField, PartitionSpec } from '../../src/spec/partition-spec.js';
import { applyTransform, parseTransform, transformResultType } from '../../src/spec/transforms.js';
import { COLUMNS, REFS, Rng, type TestRow, fileOf, someExpression, someRow, summariesOf } from './random.js';

function specOf(fields: [transform: string, column: string][]): PartitionSpec {
  return {
    specId: 1,
    fields: fields.map(([t, c], k): PartitionField => ({ sourceId: REFS[c]!.fieldId, fieldId: 1000 + k, name: `p${k}`, transform: parseTransform(t) })),
  };
}

function tupleOf(spec: PartitionSpec, row: TestRow): unknown[] {
  return spec.fields.map((f) => {
    const ref = Object.values(REFS).find((r) => r.fieldId === f.sourceId)!;
    // an unknown transform's values are opaque: any value must do
    if (f.transform.kind === 'unknown') return 'opaque';
    return applyTransform(f.transform, ref.type, row.get(f.sourceId) ?? null);
  });
}

const SPECS: [string, string][][] = [
  ...['i', 'name', 'd', 'ts', 'price', 'dbl', 'f', 'b', 'u', 'flag', 't', 'fx', 'tsn'].map((c): [string, string][] => [['identity', c]]),
  ...['i', 'name', 'd', 'ts', 'tsn', 'price', 'b', 'u', 't', 'fx'].map((c): [string, string][] => [['bucket[4]', c]]),
  [['truncate[10]', 'i']],
  [['truncate[3]', 'i']],
  [['truncate[7]', 'i']],
  [['truncate[10]', 'id']],
  [['identity', 'id']],
  [['bucket[5]', 'id']],
  [['truncate[2]', 'name']],
  [['truncate[1]', 'name']],
  [['truncate[2]', 'b']],
  [['truncate[50]', 'price']],
  ...['d', 'ts', 'tstz', 'tsn'].flatMap((c): [string, string][][] => [[['year', c]], [['month', c]], [['day', c]]]),
  ...['ts', 'tstz', 'tsn'].map((c): [string, string][] => [['hour', c]]),
  [['void', 'i']],
  [['zorder', 'i']],
  [
    ['day', 'ts'],
    ['hour', 'ts'],
    ['bucket[3]', 'ts'],
    ['identity', 'name'],
    ['truncate[1]', 'name'],
  ],
];

describe('property: projections through every transform', () => {
  for (const fields of SPECS) {
    const spec = specOf(fields);
    const label = fields.map(([t, c]) => `${t}(${c})`).join(', ');
    it(label, () => {
      const seed = 1000 + label.length * 7919 + label.charCodeAt(0);
      const r = new Rng(seed);
      const sources = [...new Set(fields.map(([, c]) => c))];
      let matched = 0;
      let strictHits = 0;
      for (let e = 0; e < 60; e++) {
        // mostly the partition sources, sometimes an unrelated column too
        const expr = someExpression(r, r.chance(0.8) ? sources : [...sources, 'flag'], 2);
        const rowMatches = rowEvaluator<TestRow>(expr);
        const inclusive = partitionEvaluator(projectInclusive(expr, spec), spec);
        const strict = partitionEvaluator(projectStrict(expr, spec), spec);
        const residuals = new ResidualEvaluator(expr, spec);
        for (let k = 0; k < 20; k++) {
          const row = someRow(r);
          const tuple = tupleOf(spec, row);
          const m = rowMatches(row);
          const why = `seed ${seed}, expr ${expressionToString(expr)}, row ${show(row)}`;
          if (m) {
            matched++;
            expect(inclusive(tuple), `inclusive rejected a matching row: ${why}`).toBe(true);
          }
          if (strict(tuple)) {
            strictHits++;
            expect(m, `strict accepted a non-matching row: ${why}`).toBe(true);
          }
          const residual = residuals.residualFor(tuple);
          expect(rowEvaluator<TestRow>(residual)(row), `residual ${expressionToString(residual)} disagrees: ${why}`).toBe(m);
        }
      }
      // the generator must exercise both sides
      expect(matched).toBeGreaterThan(20);
      if (!fields.every(([t]) => t === 'void' || t === 'zorder')) expect(strictHits).toBeGreaterThan(0);
    });
  }
});

describe('property: metrics evaluators', () => {
  // [label, metrics options, least number of files the strict evaluator must vouch for]
  const variants: [string, Parameters<typeof fileOf>[1], number][] = [
    ['exact metrics', {}, 10],
    ['truncated string and binary bounds', { truncate: 1 }, 10],
    ['bounds truncated to 2', { truncate: 2 }, 10],
    ['no NaN counts', { dropNaNCounts: true }, 10],
    // without null counts only NaN tests can be vouched for
    ['no null counts', { dropNullCounts: true }, 1],
    ['no bounds', { dropBounds: true }, 10],
    ['UUID bounds in signed order', { signedUuids: true }, 10],
  ];
  for (const [label, opts, minGuaranteed] of variants) {
    it(label, () => {
      const seed = 77 + label.length;
      const r = new Rng(seed);
      let pruned = 0;
      let guaranteed = 0;
      for (let n = 0; n < 600; n++) {
        const rows = Array.from({ length: r.int(1, 5) }, () => someRow(r, r.pick([0, 0.2, 0.6])));
        const file = fileOf(rows, opts);
        const cols = [r.pick(COLUMNS), r.pick(COLUMNS)];
        const expr: BoundExpression = someExpression(r, cols, 2);
        const matches = rowEvaluator<TestRow>(expr);
        const any = rows.some(matches);
        const all = rows.every(matches);
        const why = `seed ${seed}, expr ${expressionToString(expr)}, rows ${rows.map(show).join(' | ')}`;
        const might = new InclusiveMetricsEvaluator(expr).eval(file);
        if (any) expect(might, `inclusive pruned a file with a matching row: ${why}`).toBe(true);
        if (!might) pruned++;
        const must = new StrictMetricsEvaluator(expr).eval(file);
        if (must) {
          guaranteed++;
          expect(all, `strict claimed all rows match: ${why}`).toBe(true);
        }
      }
      if (!opts?.dropBounds) expect(pruned).toBeGreaterThan(30);
      expect(guaranteed).toBeGreaterThanOrEqual(minGuaranteed);
    });
  }
});

describe('property: manifest evaluator', () => {
  const spec = specOf([
    ['identity', 'i'],
    ['day', 'ts'],
    ['bucket[4]', 'name'],
    ['truncate[2]', 'name'],
    ['identity', 'dbl'],
    ['month', 'd'],
    ['identity', 'u'],
  ]);
  const types = spec.fields.map((f) => transformResultType(f.transform, Object.values(REFS).find((x) => x.fieldId === f.sourceId)!.type));
  it('accepts every manifest holding a matching row', () => {
    const seed = 4242;
    const r = new Rng(seed);
    let pruned = 0;
    for (let n = 0; n < 800; n++) {
      const rows = Array.from({ length: r.int(1, 6) }, () => someRow(r, r.pick([0, 0.3])));
      const summaries = summariesOf(rows.map((row) => tupleOf(spec, row)), types);
      const expr = someExpression(r, ['i', 'ts', 'name', 'dbl', 'd', 'u'], 2);
      const ev = ManifestEvaluator.forRowFilter(expr, spec);
      const might = ev.eval({ partitions: summaries });
      if (!might) pruned++;
      if (rows.some(rowEvaluator<TestRow>(expr))) {
        expect(might, `seed ${seed}: manifest pruned a matching row: ${expressionToString(expr)}, rows ${rows.map(show).join(' | ')}`).toBe(true);
      }
    }
    expect(pruned).toBeGreaterThan(50);
  });
});

function show(row: TestRow): string {
  return COLUMNS.map((c) => {
    const v = row.get(REFS[c]!.fieldId);
    const text = v instanceof Uint8Array ? `X'${Buffer.from(v).toString('hex')}'` : typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v);
    return `${c}=${Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : text}`;
  }).join(',');
}
