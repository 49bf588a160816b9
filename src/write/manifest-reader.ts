/**
 * Reading the metadata tree below a snapshot for writers and commit validation, with small
 * process-wide caches: manifest lists and manifests are immutable once written, so a file read (or
 * written) once never needs to be read again. Commits that retry, and validations that look at the
 * same recent snapshots over and over, then cost no repeated reads.
 */
import { LakeError } from '../errors.js';
import { readManifest } from '../manifest/manifest.js';
import { readManifestList } from '../manifest/manifest-list.js';
import type { ManifestEntry, ManifestFile } from '../spec/data-file.js';
import type { Snapshot } from '../spec/snapshot.js';
import { type TableMetadata, currentSchema, specById } from '../spec/table-metadata.js';
import type { Storage } from '../storage/storage.js';

class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  clear(): void {
    this.map.clear();
  }
}

const manifestLists = new Lru<Promise<ManifestFile[]>>(512);
const manifests = new Lru<Promise<ManifestEntry[]>>(128);

/** Records a manifest list this process wrote, so reading it later costs nothing. */
export function rememberManifestList(location: string, files: readonly ManifestFile[]): void {
  manifestLists.set(location, Promise.resolve([...files]));
}

/** Forgets cached manifest lists and manifests (tests). */
export function clearManifestCaches(): void {
  manifestLists.clear();
  manifests.clear();
}

/** The manifests of a snapshot (its manifest list's entries). */
export function snapshotManifests(io: Storage, snapshot: Snapshot): Promise<ManifestFile[]> {
  const location = snapshot.manifestList;
  if (location === undefined) {
    return Promise.reject(
      new LakeError('UNSUPPORTED_FEATURE', `snapshot ${snapshot.snapshotId} has no manifest list (a v1 snapshot with embedded manifests); lake cannot build on it`, {
        context: { snapshotId: snapshot.snapshotId },
      }),
    );
  }
  let p = manifestLists.get(location);
  if (p === undefined) {
    p = io.read(location).then((bytes) => readManifestList(bytes).manifests);
    manifestLists.set(location, p);
    // A failed read is not cached: the next call tries again.
    p.catch(() => manifestLists.delete(location));
  }
  return p;
}

/**
 * The entries of a manifest with sequence numbers, snapshot ids and first row ids inherited from
 * its manifest-list entry, partition tuples in the order of the manifest's spec in `metadata`.
 */
export function manifestEntries(io: Storage, manifest: ManifestFile, metadata: TableMetadata): Promise<ManifestEntry[]> {
  const schema = currentSchema(metadata);
  const key = `${manifest.manifestPath}#${manifest.sequenceNumber}#${schema.schemaId}`;
  let p = manifests.get(key);
  if (p === undefined) {
    const spec = specById(metadata, manifest.partitionSpecId);
    if (spec === undefined) {
      return Promise.reject(
        new LakeError('INVALID_METADATA', `manifest ${manifest.manifestPath} uses partition spec ${manifest.partitionSpecId}, which the table does not have`),
      );
    }
    p = io.read(manifest.manifestPath).then((bytes) => readManifest(bytes, { manifestFile: manifest, spec, schema }).entries);
    manifests.set(key, p);
    p.catch(() => manifests.delete(key));
  }
  return p;
}
