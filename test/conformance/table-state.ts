/**
 * Loads everything of a table case that can be read without data files: every metadata file in
 * the case folder, and for every snapshot of each, its manifest list (or, for old v1 snapshots,
 * its `manifests`) and every manifest, with the embedded path prefix remapped to the case folder.
 *
 * Nothing here judges: a piece that cannot be read keeps its error, and the checks decide whether
 * that error is one the corpus documents or a failure.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, normalize, relative } from 'node:path';
import {
  type ManifestContents,
  type ManifestList,
  readManifest,
  readManifestList,
  readManifestMetadata,
} from '../../src/manifest/index.js';
import type { ManifestFile } from '../../src/spec/data-file.js';
import type { PartitionSpec } from '../../src/spec/partition-spec.js';
import type { Schema } from '../../src/spec/schema.js';
import type { Snapshot } from '../../src/spec/snapshot.js';
import { type TableMetadata, currentSchema, parseTableMetadata, specById } from '../../src/spec/table-metadata.js';
import { LakeError } from '../../src/errors.js';
import { FileIO } from '../../src/scan/file-io.js';
import { LocalStorage } from '../../src/storage/local.js';
import type { ObjectInfo } from '../../src/storage/storage.js';
import { isGzip } from '../../src/util/json.js';
import type { TableCase } from './cases.js';

/**
 * Files in the corpus that look like metadata files but are not table metadata. Lake must reject
 * each with INVALID_METADATA; the reason says why the file is not metadata.
 */
export const NOT_TABLE_METADATA: Readonly<Record<string, string>> = {
  'duckdb-bigquery-written/metadata/v0.metadata.json':
    'a stub BigQuery leaves beside the table (only "properties" and "current-snapshot-id"; no format-version); no metadata-log refers to it',
};

export interface ManifestState {
  /** The manifest's entry in the manifest list (undefined for v1 snapshots listing `manifests`). */
  entry?: ManifestFile;
  /** The path as embedded in the metadata. */
  path: string;
  local?: string;
  bytes?: Uint8Array;
  /** The partition spec (from table metadata) the manifest was read with. */
  spec?: PartitionSpec;
  contents?: ManifestContents;
  error?: unknown;
}

export interface SnapshotState {
  snapshot: Snapshot;
  /** Manifest list path as embedded, when the snapshot has one. */
  listPath?: string;
  listLocal?: string;
  listBytes?: Uint8Array;
  list?: ManifestList;
  /** Why the manifest list could not be read. */
  listError?: unknown;
  manifests: ManifestState[];
}

export interface MetadataFileState {
  /** Path relative to the case folder. */
  rel: string;
  local: string;
  isMain: boolean;
  bytes?: Uint8Array;
  gzip: boolean;
  metadata?: TableMetadata;
  error?: unknown;
  /** Set for files listed in NOT_TABLE_METADATA. */
  notMetadata?: string;
  snapshots: SnapshotState[];
}

export interface TableContext {
  case: TableCase;
  /** The main metadata file (EXPECTED.json `metadata_file`). */
  main: MetadataFileState;
  /** Every metadata file of the case folder, the main one first. */
  files: MetadataFileState[];
  /** lake's FileIO with the case's path remap (embedded prefix -> case folder). */
  io: FileIO;
  /**
   * The local path of an embedded path: lake's FileIO resolution, checked against the runner's own
   * remap. Throws INVALID_INPUT for a path outside the embedded prefix, INTERNAL when the two disagree.
   */
  resolve(embedded: string): string;
  /** Reads an embedded path through `io`, once per run of the case (errors are lake's LakeErrors). */
  read(embedded: string): Promise<Uint8Array>;
  /** Size of the object an embedded path names, undefined when missing (through `io`). */
  head(embedded: string): Promise<ObjectInfo | undefined>;
  /** Per-check scratch space for later levels (e.g. the data level caching a scan plan). */
  scratch: Map<string, unknown>;
}

type Reader = (embedded: string) => Promise<Uint8Array>;

const METADATA_FILE = /\.metadata\.json(\.gz)?$/;

function findMetadataFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findMetadataFiles(p, out);
    else if (METADATA_FILE.test(name)) out.push(p);
  }
  return out;
}

function outsidePrefix(c: TableCase, path: string): LakeError {
  return new LakeError('INVALID_INPUT', `path ${path} does not start with the case's embedded prefix ${c.prefix}`);
}

/** Loads a table case. Never throws for unreadable pieces: they carry their error. */
export async function loadTable(c: TableCase): Promise<TableContext> {
  // Reads go through lake's own path remapping, as `--path-remap FROM=TO` does for users.
  const to = c.prefix.endsWith('/') ? `${c.dir}/` : c.dir;
  const io = new FileIO({ remaps: [{ from: c.prefix, to }], storage: new LocalStorage() });
  const resolve = (embedded: string): string => {
    const mine = c.remap(embedded);
    if (mine === undefined) throw outsidePrefix(c, embedded);
    const theirs = io.resolve(embedded);
    if (normalize(theirs) !== normalize(mine)) {
      throw new LakeError('INTERNAL', `lake's path remap resolves ${embedded} to ${theirs}, the runner's to ${mine}`);
    }
    return theirs;
  };
  const bytes = new Map<string, Promise<Uint8Array>>();
  const heads = new Map<string, Promise<ObjectInfo | undefined>>();
  const read = (embedded: string): Promise<Uint8Array> => {
    let p = bytes.get(embedded);
    if (p === undefined) {
      p = (async () => {
        resolve(embedded);
        return io.read(embedded);
      })();
      bytes.set(embedded, p);
    }
    return p;
  };
  const head = (embedded: string): Promise<ObjectInfo | undefined> => {
    let p = heads.get(embedded);
    if (p === undefined) {
      p = (async () => {
        resolve(embedded);
        return io.head(embedded);
      })();
      heads.set(embedded, p);
    }
    return p;
  };
  const storage = new LocalStorage();

  const paths = findMetadataFiles(c.dir);
  if (!paths.includes(c.metadataPath)) paths.unshift(c.metadataPath); // missing: its read error is reported
  paths.sort((a, b) => (a === c.metadataPath ? -1 : b === c.metadataPath ? 1 : a < b ? -1 : 1));

  const files: MetadataFileState[] = [];
  for (const local of paths) {
    const rel = relative(c.dir, local);
    const state: MetadataFileState = { rel, local, isMain: local === c.metadataPath, gzip: false, snapshots: [] };
    const notMetadata = NOT_TABLE_METADATA[`${c.name}/${rel}`];
    if (notMetadata !== undefined) state.notMetadata = notMetadata;
    files.push(state);
    try {
      state.bytes = await storage.read(local);
      state.gzip = isGzip(state.bytes);
      state.metadata = parseTableMetadata(state.bytes, { source: rel });
    } catch (e) {
      state.error = e;
      continue;
    }
    for (const snapshot of state.metadata.snapshots) state.snapshots.push(await loadSnapshot(c, state.metadata, snapshot, read, resolve));
  }
  return { case: c, main: files[0]!, files, io, resolve, read, head, scratch: new Map() };
}

async function loadSnapshot(
  c: TableCase,
  m: TableMetadata,
  snapshot: Snapshot,
  read: Reader,
  resolve: (embedded: string) => string,
): Promise<SnapshotState> {
  const s: SnapshotState = { snapshot, manifests: [] };
  let schema: Schema | undefined;
  try {
    schema = currentSchema(m);
  } catch {
    schema = undefined;
  }
  if (snapshot.manifestList !== undefined) {
    s.listPath = snapshot.manifestList;
    try {
      s.listLocal = resolve(snapshot.manifestList);
      s.listBytes = await read(snapshot.manifestList);
      s.list = readManifestList(s.listBytes);
    } catch (e) {
      s.listError = e;
      return s;
    }
    for (const entry of s.list.manifests) s.manifests.push(await loadManifest(m, schema, entry.manifestPath, entry, read, resolve));
  } else {
    for (const path of snapshot.manifests ?? []) s.manifests.push(await loadManifest(m, schema, path, undefined, read, resolve));
  }
  return s;
}

async function loadManifest(
  m: TableMetadata,
  schema: Schema | undefined,
  path: string,
  entry: ManifestFile | undefined,
  read: Reader,
  resolve: (embedded: string) => string,
): Promise<ManifestState> {
  const ms: ManifestState = { path };
  if (entry !== undefined) ms.entry = entry;
  try {
    ms.local = resolve(path);
    ms.bytes = await read(path);
    const specId = entry?.partitionSpecId ?? readManifestMetadata(ms.bytes).specId ?? 0;
    const spec = specById(m, specId);
    if (spec === undefined) throw new LakeError('INVALID_METADATA', `manifest ${path} uses partition spec ${specId}, which the table metadata does not have`);
    ms.spec = spec;
    ms.contents = readManifest(ms.bytes, {
      ...(entry === undefined ? {} : { manifestFile: entry }),
      spec,
      ...(schema === undefined ? {} : { schema }),
    });
  } catch (e) {
    ms.error = e;
  }
  return ms;
}

/** Message of an error for a report line. */
export function errorText(e: unknown): string {
  if (e instanceof LakeError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
