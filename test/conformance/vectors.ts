/**
 * The corpus's vector cases (`vectors-*`): loose files with no table around them: table-metadata
 * JSON and manifest-list vectors here, deletion-vector and Puffin vectors in vectors-puffin.ts.
 * A suite may instead be marked `skip` with a reason that names where its vectors are tested.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readAvroHeader } from '../../src/manifest/avro-file.js';
import { readManifestList, writeManifestList } from '../../src/manifest/index.js';
import { LakeError, type LakeErrorCode } from '../../src/errors.js';
import { parseTableMetadata, serializeTableMetadata } from '../../src/spec/table-metadata.js';
import { CheckReport } from './check.js';
import { checkFieldsKept, expectedListAfterWrite } from './checks-metadata.js';
import { firstDifference } from './equal.js';
import { errorText } from './table-state.js';
import { PUFFIN_VECTOR_SUITES } from './vectors-puffin.js';

export interface VectorSuite {
  /** The case folder name. */
  name: string;
  /** Set when the suite is not run by this runner: the reason names where it is tested. */
  skip?: string;
  run?(dir: string, report: CheckReport): void | Promise<void>;
}

function files(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(ext))
    .sort();
}

/** Expects `fn` to throw a LakeError with one of `codes`; records the outcome. */
function expectRejected(report: CheckReport, what: string, codes: LakeErrorCode[], fn: () => unknown): void {
  try {
    fn();
    report.fail(`${what} must be rejected, but lake accepted it`);
  } catch (e) {
    if (e instanceof LakeError && codes.includes(e.code)) report.note(`${what} rejected as expected: ${e.code}: ${e.message}`);
    else report.fail(`${what} must be rejected with ${codes.join(' or ')}, got ${errorText(e)}`);
  }
}

/** Apache Iceberg's TestTableMetadata vectors: valid files parse and round-trip, invalid ones are refused. */
const tableMetadataJson: VectorSuite = {
  name: 'vectors-table-metadata-json',
  run(dir, report) {
    const names = files(dir, '.json');
    report.expect(names.length > 0, 'no .json vectors found');
    for (const name of names) {
      const text = readFileSync(join(dir, name), 'utf8');
      const valid = /Valid|StatisticsFiles/.test(name) && !/Invalid/.test(name);
      if (!valid) {
        // UnsupportedVersion names a version lake does not read; the others break a rule of the spec.
        const codes: LakeErrorCode[] = /UnsupportedVersion/.test(name) ? ['UNSUPPORTED_FEATURE'] : ['INVALID_METADATA'];
        expectRejected(report, name, codes, () => parseTableMetadata(text, { source: name }));
        continue;
      }
      try {
        const m = parseTableMetadata(text, { source: name });
        const written = serializeTableMetadata(m);
        const again = parseTableMetadata(written);
        const d = firstDifference(m, again);
        report.expect(d === undefined, () => `${name}: changed by read -> write -> read at ${d}`);
        report.expect(serializeTableMetadata(again) === written, `${name}: writing the re-read metadata gives different text`);
        checkFieldsKept(name, text, m, report);
      } catch (e) {
        report.fail(`${name}: ${errorText(e)}`);
      }
    }
  },
};

/** Manifest lists from apache/iceberg-rust and apache/iceberg-go: read and round-trip; the encrypted one is refused. */
const manifestListAvro: VectorSuite = {
  name: 'vectors-manifest-list-avro',
  run(dir, report) {
    const names = files(dir, '.avro');
    report.expect(names.length > 0, 'no .avro vectors found');
    for (const name of names) {
      const bytes = readFileSync(join(dir, name));
      if (/encrypted/.test(name)) {
        // lake does not decrypt manifest lists: it must say so rather than misread the bytes.
        expectRejected(report, name, ['UNSUPPORTED_FEATURE'], () => readManifestList(bytes));
        continue;
      }
      try {
        const list = readManifestList(bytes);
        report.expect(list.manifests.length > 0, `${name}: no manifests read`);
        const firstRowId = list.firstRowId ?? (list.formatVersion === 3 ? 0n : undefined);
        const w = writeManifestList({
          formatVersion: list.formatVersion,
          snapshotId: list.snapshotId ?? list.manifests[0]!.addedSnapshotId,
          parentSnapshotId: list.parentSnapshotId ?? null,
          sequenceNumber: list.sequenceNumber ?? list.manifests.reduce((a, m) => (m.sequenceNumber > a ? m.sequenceNumber : a), 0n),
          ...(firstRowId === undefined ? {} : { firstRowId }),
          manifests: list.manifests,
          codec: readAvroHeader(bytes).codec,
        });
        const again = readManifestList(w.bytes);
        const expected = expectedListAfterWrite(list, w.manifests, (msg) => report.note(`${name}: ${msg}`));
        const d = firstDifference(expected, again.manifests);
        report.expect(d === undefined, () => `${name}: manifests changed by read -> write -> read at ${d}`);
        for (const key of ['snapshotId', 'parentSnapshotId', 'sequenceNumber', 'firstRowId'] as const) {
          if (list[key] !== undefined) report.expect(again[key] === list[key], `${name}: ${key} ${list[key]} read back as ${again[key]}`);
        }
      } catch (e) {
        report.fail(`${name}: ${errorText(e)}`);
      }
    }
  },
};

export const VECTOR_SUITES: readonly VectorSuite[] = [tableMetadataJson, manifestListAvro, ...PUFFIN_VECTOR_SUITES];
