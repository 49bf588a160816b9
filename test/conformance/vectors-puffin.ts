/**
 * The corpus's deletion-vector and Puffin vectors, run against lake's Puffin reader (src/puffin).
 * Expected values are the ones CASES.md transcribes from the origin repositories' tests; for
 * `vectors-puffin-v1`, which CASES.md leaves untranscribed, they are apache/iceberg's
 * TestPuffinReader (core/src/test/java/org/apache/iceberg/puffin/TestPuffinReader.java), the
 * test those files were written for.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LakeError } from '../../src/errors.js';
import {
  DELETION_VECTOR_BLOB_TYPE,
  type PositionSet,
  type PuffinFileMetadata,
  decodeDeletionVector,
  decodeRoaring64,
  encodeDeletionVector,
  readPuffin,
  readPuffinBlob,
} from '../../src/puffin/index.js';
import type { CheckReport } from './check.js';
import { firstDifference } from './equal.js';
import { errorText } from './table-state.js';
import type { VectorSuite } from './vectors.js';

const TWO_32 = 1n << 32n;

function range(start: bigint, end: bigint): bigint[] {
  const out: bigint[] = [];
  for (let i = start; i < end; i++) out.push(i);
  return out;
}

function positions(set: PositionSet): bigint[] {
  return [...set.toBigUint64Array()];
}

function expectPositions(report: CheckReport, what: string, set: PositionSet, want: bigint[]): void {
  const got = positions(set);
  const d = firstDifference(got, want);
  report.expect(d === undefined, () => `${what}: positions differ from the expected ${want.length} at ${d}`);
  report.expect(set.cardinality === want.length, `${what}: cardinality ${set.cardinality}, expected ${want.length}`);
}

/** apache/iceberg TestBitmapPositionDeleteIndex / TestRoaringPositionBitmap vectors. */
const dvRoaring: VectorSuite = {
  name: 'vectors-dv-roaring',
  run(dir, report) {
    const blobs: [string, bigint[]][] = [
      ['empty-position-index.bin', []],
      ['small-alternating-values-position-index.bin', [1n, 3n, 5n, 7n, 9n]],
      ['small-and-large-values-position-index.bin', [100n, 101n, 2147483747n, 2147483748n]],
      [
        'all-container-types-position-index.bin',
        [
          5n,
          7n,
          ...range(65537n, 66536n),
          ...range(131073n, 196607n),
          TWO_32 + 10n,
          TWO_32 + 20n,
          ...range(TWO_32 + 65546n, TWO_32 + 66036n),
          ...range(TWO_32 + 131073n, TWO_32 + 196607n),
        ],
      ],
    ];
    for (const [name, want] of blobs) {
      try {
        const bytes = readFileSync(join(dir, name));
        const set = decodeDeletionVector(bytes, { source: name });
        expectPositions(report, name, set, want);
        // The reference implementation's serialization must be reproduced byte for byte.
        const d = firstDifference(encodeDeletionVector(set), new Uint8Array(bytes));
        report.expect(d === undefined, () => `${name}: re-encoding differs from the golden bytes at ${d}`);
      } catch (e) {
        report.fail(`${name}: ${errorText(e)}`);
      }
    }
    report.expect(
      blobs[3]![1].length === 132561,
      `all-container-types: the expected set has ${blobs[3]![1].length} positions, CASES.md says 132561`,
    );

    const maps: [string, (set: PositionSet) => void][] = [
      ['64map32bitvals.bin', (set) => expectPositions(report, '64map32bitvals.bin', set, range(0n, 10n))],
      ['64mapempty.bin', (set) => expectPositions(report, '64mapempty.bin', set, [])],
      [
        '64mapspreadvals.bin',
        (set) => {
          const got = positions(set);
          const keys = new Set(got.map((p) => p >> 32n));
          report.expect(got.length === 100, `64mapspreadvals.bin: ${got.length} positions, expected 100`);
          report.expect(keys.size === 10 && [...keys].every((k) => k >= 0n && k <= 9n), `64mapspreadvals.bin: keys ${[...keys].join(',')}, expected 0..9`);
          report.expect(firstDifference(got.slice(0, 4), [0n, 1n, 2n, 3n]) === undefined, `64mapspreadvals.bin: first positions ${got.slice(0, 4).join(',')}`);
          report.expect(got[got.length - 1] === 38654705673n, `64mapspreadvals.bin: last position ${got[got.length - 1]}, expected 38654705673`);
          report.expect(got.reduce((a, b) => a + b, 0n) === 1932735283650n, '64mapspreadvals.bin: positions do not sum to 1932735283650');
        },
      ],
    ];
    for (const [name, verify] of maps) {
      try {
        verify(decodeRoaring64(readFileSync(join(dir, name))));
      } catch (e) {
        report.fail(`${name}: ${errorText(e)}`);
      }
    }
    // A key above the supported maximum must be refused ("Invalid unsigned key" in the reference implementation).
    try {
      decodeRoaring64(readFileSync(join(dir, '64maphighvals.bin')));
      report.fail('64maphighvals.bin must be rejected (a key above the supported maximum), but lake decoded it');
    } catch (e) {
      if (e instanceof LakeError) report.note(`64maphighvals.bin rejected as expected: ${errorText(e)}`);
      else report.fail(`64maphighvals.bin must be rejected with a LakeError, got ${errorText(e)}`);
    }
  },
};

async function deletionVectors(report: CheckReport, dir: string, name: string): Promise<Map<string, { set: PositionSet; meta: PuffinFileMetadata['blobs'][number] }>> {
  const bytes = readFileSync(join(dir, name));
  const meta = await readPuffin(bytes, { source: name });
  const out = new Map<string, { set: PositionSet; meta: PuffinFileMetadata['blobs'][number] }>();
  for (const b of meta.blobs) {
    report.expect(b.type === DELETION_VECTOR_BLOB_TYPE, `${name}: blob type ${b.type}`);
    const ref = b.properties['referenced-data-file'];
    if (ref === undefined) {
      report.fail(`${name}: a blob without referenced-data-file`);
      continue;
    }
    const cardinality = b.properties.cardinality === undefined ? undefined : Number(b.properties.cardinality);
    const set = decodeDeletionVector(await readPuffinBlob(bytes, b, { source: name }), {
      source: `${name} blob at ${b.offset}`,
      ...(cardinality === undefined ? {} : { expectedCardinality: cardinality }),
    });
    out.set(ref, { set, meta: b });
  }
  return out;
}

/** apache/iceberg-go dv_cross_client_test.go and puffin/testdata/README.md vectors. */
const dvPuffinIcebergGo: VectorSuite = {
  name: 'vectors-dv-puffin-iceberg-go',
  async run(dir, report) {
    const files: [string, Record<string, bigint[]>][] = [
      ['single-blob-dv.puffin', { 's3://warehouse/db/table/data/00000-0-abc.parquet': [1n, 3n, 5n, 7n, 9n] }],
      [
        'multi-blob-dv.puffin',
        { 's3://warehouse/db/table/data/file-001.parquet': [0n, 100n, 200n], 's3://warehouse/db/table/data/file-002.parquet': [50n, 150n] },
      ],
      ['deletion-vector-v1.puffin', { 'data/test.parquet': [1n, 3n, 5n, 7n, 9n] }],
    ];
    for (const [name, want] of files) {
      try {
        const got = await deletionVectors(report, dir, name);
        report.expect(firstDifference([...got.keys()].sort(), Object.keys(want).sort()) === undefined, `${name}: referenced data files ${[...got.keys()].join(', ')}`);
        for (const [ref, pos] of Object.entries(want)) {
          const dv = got.get(ref);
          if (dv !== undefined) expectPositions(report, `${name} ${ref}`, dv.set, pos);
        }
        if (name === 'deletion-vector-v1.puffin') {
          const b = got.get('data/test.parquet')?.meta;
          report.expect(b?.properties.cardinality === '5', `${name}: cardinality property ${b?.properties.cardinality}`);
          report.expect(b?.snapshotId === -1n && b.sequenceNumber === -1n, `${name}: snapshot-id/sequence-number ${b?.snapshotId}/${b?.sequenceNumber}, expected -1/-1`);
        }
      } catch (e) {
        report.fail(`${name}: ${errorText(e)}`);
      }
    }
  },
};

const SECOND_BLOB = 'some blob \u0000 binary data \u{1f92f} that is not very very very very very very long, is it?';

/** apache/iceberg TestPuffinReader vectors. */
const puffinV1: VectorSuite = {
  name: 'vectors-puffin-v1',
  async run(dir, report) {
    try {
      const empty = await readPuffin(readFileSync(join(dir, 'empty-puffin-uncompressed.bin')));
      report.expect(empty.blobs.length === 0 && Object.keys(empty.properties).length === 0, 'empty-puffin-uncompressed.bin: expected no blobs and no properties');
    } catch (e) {
      report.fail(`empty-puffin-uncompressed.bin: ${errorText(e)}`);
    }
    for (const [name, codec] of [
      ['sample-metric-data-uncompressed.bin', undefined],
      ['sample-metric-data-compressed-zstd.bin', 'zstd'],
    ] as const) {
      try {
        const bytes = readFileSync(join(dir, name));
        const meta = await readPuffin(bytes, { source: name });
        report.expect(firstDifference(meta.properties, { 'created-by': 'Test 1234' }) === undefined, `${name}: file properties ${JSON.stringify(meta.properties)}`);
        report.expect(meta.blobs.length === 2, `${name}: ${meta.blobs.length} blobs, expected 2`);
        const [a, b] = meta.blobs;
        if (a === undefined || b === undefined) continue;
        report.expect(a.type === 'some-blob' && firstDifference(a.fields, [1]) === undefined && a.offset === 4, `${name}: first blob ${a.type} ${a.fields} at ${a.offset}`);
        report.expect(b.type === 'some-other-blob' && firstDifference(b.fields, [2]) === undefined && b.offset === a.offset + a.length, `${name}: second blob ${b.type} ${b.fields} at ${b.offset}`);
        for (const blob of [a, b]) report.expect(blob.compressionCodec === codec, `${name}: ${blob.type} codec ${blob.compressionCodec}, expected ${codec ?? 'none'}`);
        const contents: [typeof a, string][] = [
          [a, 'abcdefghi'],
          [b, SECOND_BLOB],
        ];
        for (const [blob, text] of contents) {
          try {
            const data = await readPuffinBlob(bytes, blob, { source: name });
            report.expect(Buffer.from(data).toString('utf8') === text, `${name}: ${blob.type} holds ${JSON.stringify(Buffer.from(data).toString('utf8'))}`);
          } catch (e) {
            // Node 20 has no zstd: lake must say so rather than return compressed bytes.
            if (codec !== undefined && e instanceof LakeError && e.code === 'UNSUPPORTED_FEATURE' && e.message.includes(codec)) {
              report.note(`${name}: ${blob.type} not decompressed: ${errorText(e)}`);
            } else report.fail(`${name}: ${blob.type}: ${errorText(e)}`);
          }
        }
      } catch (e) {
        report.fail(`${name}: ${errorText(e)}`);
      }
    }
  },
};

export const PUFFIN_VECTOR_SUITES: readonly VectorSuite[] = [dvRoaring, dvPuffinIcebergGo, puffinV1];
