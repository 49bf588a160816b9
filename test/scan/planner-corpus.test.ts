/**
 * Planning every table of the conformance corpus (../shared/conformance), at the current snapshot
 * and at every snapshot: the plan must read exactly the rows the corpus expects (row counts from
 * its EXPECTED.json, checked by counting rows with deletes applied, see oracle.ts). The legacy
 * bare-DV case is read with bare DVs allowed here; deletes.test.ts checks it is rejected by default.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { planScan } from '../../src/scan/planner.js';
import { countRows } from './oracle.js';
import { CORPUS, loadCorpusCase, requireCorpus } from './support.js';

requireCorpus();
const names = readdirSync(CORPUS)
  .filter((n) => statSync(join(CORPUS, n)).isDirectory() && !n.startsWith('vectors-'))
  .sort();

describe('corpus planning', () => {
  test('the corpus has table cases', () => {
    expect(names.length).toBeGreaterThan(50);
  });

  for (const name of names) {
    test(name, async () => {
      const c = loadCorpusCase(name);
      const allowBare = name === 'duckdb-legacy-bare-dv-v3';
      const expectedIds = Object.keys(c.perSnapshotRows);
      // every snapshot in the metadata, and only those, has an expectation
      expect(new Set(c.metadata.snapshots.map((s) => s.snapshotId.toString()))).toEqual(new Set(expectedIds));
      for (const s of c.metadata.snapshots) {
        const want = c.perSnapshotRows[s.snapshotId.toString()];
        // a non-number marks a snapshot the helper could not read (its manifest list is absent upstream)
        if (typeof want !== 'number') {
          await expect(planScan({ metadata: c.metadata, io: c.io, snapshot: { snapshotId: s.snapshotId } })).rejects.toSatisfy((e) => isLakeError(e, 'NOT_FOUND'));
          continue;
        }
        const plan = await planScan({ metadata: c.metadata, io: c.io, snapshot: { snapshotId: s.snapshotId } });
        expect(plan.snapshot?.snapshotId).toBe(s.snapshotId);
        expect(plan.stats.dataFilesSelected).toBe(plan.tasks.length);
        expect(plan.stats.dataFilesTotal).toBe(plan.tasks.length);
        expect(plan.stats.dataFilesPrunedByPartition).toBe(0);
        expect(plan.stats.dataFilesPrunedByMetrics).toBe(0);
        // the snapshot summary's totals, where the writer recorded them, count the same live files
        const total = s.summary?.['total-data-files'];
        if (total !== undefined) expect(plan.tasks.length, `total-data-files of ${s.snapshotId}`).toBe(Number(total));
        const totalDeletes = s.summary?.['total-delete-files'];
        if (totalDeletes !== undefined) expect(plan.stats.deleteFilesTotal, `total-delete-files of ${s.snapshotId}`).toBe(Number(totalDeletes));
        const paths = plan.tasks.map((t) => t.dataFile.filePath);
        expect(new Set(paths).size, 'a data file is planned twice').toBe(paths.length);
        expect(await countRows(plan, { allowBareDeletionVectors: allowBare }), `rows of snapshot ${s.snapshotId}`).toBe(want);
        const hasDeletes = plan.tasks.some((t) => t.positionDeletes.length + t.equalityDeletes.length > 0);
        if (!hasDeletes) expect(plan.tasks.reduce((a, t) => a + t.dataFile.recordCount, 0)).toBe(want);
      }
      const current = await planScan({ metadata: c.metadata, io: c.io });
      expect(current.snapshot?.snapshotId).toBe(c.metadata.currentSnapshotId);
      const rows = (c.expected.helper_decode_NOT_AN_ORACLE as { current_rows: number }).current_rows;
      expect(await countRows(current, { allowBareDeletionVectors: allowBare })).toBe(rows);
    });
  }
});
