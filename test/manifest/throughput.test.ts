/**
 * Reading throughput, the shape scan planning needs: a manifest list of 1,000 manifests of 100
 * files, each file with 20-column metrics. Prints the time per pass; fails only on a gross
 * regression (the bounds are several times what a loaded 2-core machine takes), since timing on
 * shared CI machines is noisy.
 *
 * Run alone: npx vitest run --config test/vitest.config.ts test/manifest/throughput.test.ts
 */
import { describe, expect, it } from 'vitest';
import { readManifest, readManifestList, writeManifest, writeManifestList } from '../../src/manifest/index.js';
import { EntryStatus, FileContent, type ManifestEntry } from '../../src/spec/data-file.js';
import { parsePartitionSpec } from '../../src/spec/partition-spec.js';
import { parseSchema } from '../../src/spec/schema.js';

const COLUMNS = 20;
const MANIFESTS = 1000;
const FILES = 100;

describe('manifest reading throughput', () => {
  const schema = parseSchema({
    type: 'struct',
    'schema-id': 0,
    fields: Array.from({ length: COLUMNS }, (_, i) => ({
      id: i + 1,
      name: `c${i}`,
      required: false,
      type: i === 0 ? 'timestamptz' : i % 3 === 0 ? 'string' : 'long',
    })),
  });
  const spec = parsePartitionSpec({
    'spec-id': 0,
    fields: [
      { 'source-id': 1, 'field-id': 1000, name: 'c0_day', transform: 'day' },
      { 'source-id': 2, 'field-id': 1001, name: 'c1_bucket', transform: 'bucket[16]' },
    ],
  });
  const perColumn = <V>(f: (i: number) => V) => new Map(Array.from({ length: COLUMNS }, (_, i) => [i + 1, f(i)] as [number, V]));
  const entries: ManifestEntry[] = Array.from({ length: FILES }, (_, e) => ({
    status: EntryStatus.ADDED,
    dataFile: {
      content: FileContent.DATA,
      filePath: `s3://bucket/warehouse/db/events/data/c0_day=2026-01-${(e % 28) + 1}/c1_bucket=${e % 16}/00000-${e}-6f1c0a57-5d0e-4a3e-9d1b-2c1e8f0a9b7d-00001.parquet`,
      fileFormat: 'PARQUET',
      specId: 0,
      partition: [20454 + (e % 28), e % 16],
      recordCount: 1_000_000 + e,
      fileSizeInBytes: 512 * 1024 * 1024 + e,
      columnSizes: perColumn((i) => 1000 * i + e),
      valueCounts: perColumn(() => 1_000_000 + e),
      nullValueCounts: perColumn((i) => i),
      nanValueCounts: new Map(),
      lowerBounds: perColumn((i) => new Uint8Array(8).fill(i)),
      upperBounds: perColumn((i) => new Uint8Array(8).fill(i + 1)),
      splitOffsets: [4],
      sortOrderId: 0,
    },
  }));

  it('reads a 1,000-manifest snapshot within budget', () => {
    let t = performance.now();
    const written = writeManifest({ formatVersion: 2, schema, spec, snapshotId: 1n, entries, manifestPath: 's3://bucket/m.avro' });
    const writeMs = performance.now() - t;
    // Every manifest a distinct byte array (same content), so nothing is shared between reads.
    const manifests = Array.from({ length: MANIFESTS }, () => Uint8Array.from(written.bytes));
    const list = writeManifestList({
      formatVersion: 2,
      snapshotId: 1n,
      sequenceNumber: 1n,
      manifests: Array.from({ length: MANIFESTS }, (_, i) => ({ ...written.manifestFile, manifestPath: `s3://bucket/m${i}.avro` })),
    }).bytes;

    const pass = (stats: 'all' | 'none' | number[]): number => {
      const t0 = performance.now();
      const l = readManifestList(list);
      let n = 0;
      for (let i = 0; i < l.manifests.length; i++) {
        n += readManifest(manifests[i]!, { manifestFile: l.manifests[i]!, spec, schema, stats }).entries.length;
      }
      expect(n).toBe(MANIFESTS * FILES);
      return performance.now() - t0;
    };
    pass('none'); // warm-up
    const none = Math.min(pass('none'), pass('none'));
    const two = Math.min(pass([2, 5]), pass([2, 5]));
    const all = Math.min(pass('all'), pass('all'));
    t = performance.now();
    process.stdout.write(
      `manifest throughput (${MANIFESTS} manifests x ${FILES} files, ${COLUMNS}-column metrics): ` +
        `stats none ${none.toFixed(0)} ms, stats of 2 columns ${two.toFixed(0)} ms, all stats ${all.toFixed(0)} ms; ` +
        `writing one manifest ${writeMs.toFixed(1)} ms\n`,
    );
    expect(none).toBeLessThan(5_000);
    expect(two).toBeLessThan(7_500);
    expect(all).toBeLessThan(20_000);
  });
});
