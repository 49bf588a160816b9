/**
 * Reads the conformance corpus (../shared/conformance, see its CASES.md) for the manifest tests:
 * each table case's metadata JSON, with the case's embedded path prefix remapped to its folder.
 * Only the few metadata fields these tests need are interpreted here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type PartitionSpec, parsePartitionSpec } from '../../src/spec/partition-spec.js';
import { type Schema, parseSchema } from '../../src/spec/schema.js';
import { decodeJsonBytes, parseJson } from '../../src/util/json.js';

export const CORPUS = resolve(new URL('../../..', import.meta.url).pathname, 'shared/conformance');

export interface CorpusSnapshot {
  snapshotId: bigint;
  parentSnapshotId?: bigint;
  sequenceNumber: bigint;
  firstRowId?: bigint;
  /** Remapped manifest list location (undefined for v1 snapshots that list manifests directly). */
  manifestList?: string;
  /** v1 snapshots without a manifest list: remapped manifest locations. */
  manifests?: string[];
  summary: Record<string, string>;
}

export interface CorpusTable {
  name: string;
  dir: string;
  formatVersion: 1 | 2 | 3;
  schemas: Schema[];
  currentSchema: Schema;
  specs: Map<number, PartitionSpec>;
  snapshots: CorpusSnapshot[];
  currentSnapshotId?: bigint;
  /** The case's EXPECTED.json. */
  expected: Record<string, unknown>;
  remap(path: string): string;
}

function big(v: unknown): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  return BigInt(v as number | bigint);
}

export function loadCase(name: string): CorpusTable | undefined {
  const dir = join(CORPUS, name);
  const expectedPath = join(dir, 'EXPECTED.json');
  if (!existsSync(expectedPath)) return undefined;
  const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as Record<string, unknown>;
  const metadataFile = expected.metadata_file as string | undefined;
  if (!metadataFile || !existsSync(join(dir, metadataFile))) return undefined;
  const prefix = expected.embedded_path_prefix as string;
  const remap = (p: string): string => (p.startsWith(prefix) ? dir + p.slice(prefix.length) : p);
  const m = parseJson(decodeJsonBytes(readFileSync(join(dir, metadataFile)))) as Record<string, unknown>;
  const formatVersion = Number(m['format-version']) as 1 | 2 | 3;
  const schemas = Array.isArray(m.schemas) ? (m.schemas as unknown[]).map(parseSchema) : [parseSchema(m.schema)];
  const currentId = m['current-schema-id'] === undefined ? schemas[0]!.schemaId : Number(m['current-schema-id']);
  const specs = new Map<number, PartitionSpec>();
  if (Array.isArray(m['partition-specs'])) {
    for (const s of m['partition-specs'] as unknown[]) {
      const spec = parsePartitionSpec(s);
      specs.set(spec.specId, spec);
    }
  } else {
    specs.set(0, parsePartitionSpec(m['partition-spec'], 0));
  }
  const snapshots = ((m.snapshots as Record<string, unknown>[] | undefined) ?? []).map((s) => {
    const snap: CorpusSnapshot = {
      snapshotId: big(s['snapshot-id'])!,
      sequenceNumber: big(s['sequence-number']) ?? 0n,
      summary: (s.summary as Record<string, string> | undefined) ?? {},
    };
    const parent = big(s['parent-snapshot-id']);
    if (parent !== undefined) snap.parentSnapshotId = parent;
    const firstRowId = big(s['first-row-id']);
    if (firstRowId !== undefined) snap.firstRowId = firstRowId;
    if (typeof s['manifest-list'] === 'string') snap.manifestList = remap(s['manifest-list']);
    if (Array.isArray(s.manifests)) snap.manifests = (s.manifests as string[]).map(remap);
    return snap;
  });
  return {
    name,
    dir,
    formatVersion,
    schemas,
    currentSchema: schemas.find((s) => s.schemaId === currentId) ?? schemas[schemas.length - 1]!,
    specs,
    snapshots,
    ...(big(m['current-snapshot-id']) !== undefined && big(m['current-snapshot-id']) !== -1n
      ? { currentSnapshotId: big(m['current-snapshot-id'])! }
      : {}),
    expected,
    remap,
  };
}

/** Every table case of the corpus (cases with a metadata file). */
export function tableCases(): CorpusTable[] {
  if (!existsSync(CORPUS)) throw new Error(`the conformance corpus is missing at ${CORPUS}`);
  return readdirSync(CORPUS)
    .filter((n) => statSync(join(CORPUS, n)).isDirectory())
    .sort()
    .map(loadCase)
    .filter((c): c is CorpusTable => c !== undefined);
}
