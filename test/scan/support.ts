/** Loading conformance corpus cases as tables for planning tests (path remap from EXPECTED.json). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileIO } from '../../src/scan/file-io.js';
import { type TableMetadata, parseTableMetadata } from '../../src/spec/table-metadata.js';
import { CORPUS } from '../manifest/corpus.js';

export { CORPUS };

export interface CorpusCase {
  name: string;
  dir: string;
  metadata: TableMetadata;
  io: FileIO;
  expected: Record<string, unknown>;
  /** Helper-decode row counts per snapshot id (decimal string); "ERR" for unreadable snapshots. */
  perSnapshotRows: Record<string, number | string>;
}

export function requireCorpus(): void {
  if (!existsSync(join(CORPUS, 'CASES.md'))) {
    throw new Error(`the conformance corpus is missing at ${CORPUS} (these tests read ../shared/conformance)`);
  }
}

export function loadCorpusCase(name: string): CorpusCase {
  requireCorpus();
  const dir = join(CORPUS, name);
  const expected = JSON.parse(readFileSync(join(dir, 'EXPECTED.json'), 'utf8')) as Record<string, unknown>;
  const metadata = parseTableMetadata(readFileSync(join(dir, expected.metadata_file as string)), { source: name });
  const io = new FileIO({ remaps: [{ from: expected.embedded_path_prefix as string, to: dir }], tableLocation: metadata.location });
  const helper = (expected.helper_decode_NOT_AN_ORACLE ?? {}) as { per_snapshot_rows?: Record<string, number | string> };
  return { name, dir, metadata, io, expected, perSnapshotRows: helper.per_snapshot_rows ?? {} };
}
