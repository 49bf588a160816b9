/**
 * Planning and deletion-vector loading against S3 (the test rig's MinIO): a corpus table copied
 * to a bucket and read through a path remap, with range reads for the DV blobs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { FileIO } from '../../src/scan/file-io.js';
import { planScan } from '../../src/scan/planner.js';
import { PositionDeleteLoader } from '../../src/scan/position-deletes.js';
import { InstrumentedStorage } from '../../src/storage/instrumented.js';
import { type TestS3, testS3 } from '../support/s3.js';
import { loadCorpusCase } from './support.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

let s3: TestS3;
const c = loadCorpusCase('trino-deletion-vectors-v3');

beforeAll(async () => {
  s3 = testS3();
  for (const f of files(c.dir)) await s3.storage.write(`${s3.root}/${relative(c.dir, f)}`, new Uint8Array(readFileSync(f)));
});

describe('S3', () => {
  test('plan through a remap to s3://, load DVs by range reads', async () => {
    const storage = new InstrumentedStorage(s3.storage, { record: true });
    const io = new FileIO({ remaps: [{ from: c.expected.embedded_path_prefix as string, to: s3.root }], storage });
    const plan = await planScan({ metadata: c.metadata, io });
    expect(plan.tasks.length).toBe(2);
    expect(io.resolve(plan.tasks[0]!.dataFile.filePath).startsWith(`${s3.root}/data/`)).toBe(true);
    const loader = new PositionDeleteLoader({ io });
    const deleted = await Promise.all(plan.tasks.map((t) => loader.forTask(t)));
    const remaining = plan.tasks.reduce((a, t, i) => a + t.dataFile.recordCount - deleted[i]!.cardinality, 0);
    expect(remaining).toBe(8); // c1 = {2, 5, 8, 9, 11, 12, 14, 15}
    // both DVs live in one Puffin file: one 4-byte magic check, then one range read per blob
    expect(storage.counts.readRange).toBe(3);
    // the manifest list and the manifests are read whole, once each
    expect(storage.counts.read).toBe(1 + plan.stats.manifestsScanned);
    expect(new Set(storage.calls.filter((x) => x.method === 'read').map((x) => x.location)).size).toBe(storage.counts.read);
  });
});
