/**
 * Manifests for the files an operation adds. They are written once and reused by every commit
 * attempt: ADDED entries carry a null sequence number that readers inherit from the manifest list
 * (spec "Sequence Number Inheritance"), so only the manifest list changes when a retry gets a new
 * sequence number. A rewrite that keeps an older data sequence number writes it explicitly instead.
 */
import pLimit from 'p-limit';
import { LakeError } from '../errors.js';
import { writeManifest } from '../manifest/manifest.js';
import { type DataFile, EntryStatus, FileContent, type ManifestFile } from '../spec/data-file.js';
import { type TableMetadata, currentSchema, specById } from '../spec/table-metadata.js';
import type { Storage } from '../storage/storage.js';
import type { ManifestNamer } from './metadata-locations.js';

/** Entries per manifest; the reference implementation rolls at 8 MB, about this many small entries. */
export const MAX_ENTRIES_PER_MANIFEST = 10_000;

export interface WriteNewManifestsOptions {
  io: Storage;
  metadata: TableMetadata;
  snapshotId: bigint;
  files: readonly DataFile[];
  content: 'data' | 'deletes';
  namer: ManifestNamer;
  /** Explicit data sequence number for every entry (rewrites keeping their starting sequence number). */
  dataSequenceNumber?: bigint;
  /** Told every location before it is written, so a failed operation can delete what it wrote. */
  track: (location: string) => void;
}

/** Checks that files can be added to the table: right content, a known spec, a fitting partition tuple. */
export function checkNewFiles(metadata: TableMetadata, files: readonly DataFile[], content: 'data' | 'deletes'): void {
  const seen = new Set<string>();
  for (const f of files) {
    const isData = f.content === FileContent.DATA;
    if (isData !== (content === 'data')) {
      throw new LakeError('INVALID_INPUT', `${f.filePath} is a ${isData ? 'data' : 'delete'} file, expected a ${content === 'data' ? 'data' : 'delete'} file`, {
        context: { file: f.filePath },
      });
    }
    const spec = specById(metadata, f.specId);
    if (spec === undefined) {
      throw new LakeError('INVALID_INPUT', `${f.filePath} uses partition spec ${f.specId}, which the table does not have`, { context: { file: f.filePath } });
    }
    if (f.partition.length !== spec.fields.length) {
      throw new LakeError('INVALID_INPUT', `${f.filePath} has ${f.partition.length} partition values, but spec ${spec.specId} has ${spec.fields.length} fields`, {
        context: { file: f.filePath },
      });
    }
    if (seen.has(f.filePath)) throw new LakeError('INVALID_INPUT', `${f.filePath} is added twice`, { context: { file: f.filePath } });
    seen.add(f.filePath);
  }
}

export async function writeNewManifests(options: WriteNewManifestsOptions): Promise<ManifestFile[]> {
  const { io, metadata, files } = options;
  if (files.length === 0) return [];
  const bySpec = new Map<number, DataFile[]>();
  for (const f of files) {
    const list = bySpec.get(f.specId);
    if (list) list.push(f);
    else bySpec.set(f.specId, [f]);
  }
  const schema = currentSchema(metadata);
  const jobs: (() => Promise<ManifestFile>)[] = [];
  for (const [specId, list] of bySpec) {
    const spec = specById(metadata, specId)!;
    for (let i = 0; i < list.length; i += MAX_ENTRIES_PER_MANIFEST) {
      const chunk = list.slice(i, i + MAX_ENTRIES_PER_MANIFEST);
      const manifestPath = options.namer.location(metadata);
      jobs.push(async () => {
        const written = writeManifest({
          formatVersion: metadata.formatVersion,
          schema,
          spec,
          content: options.content,
          snapshotId: options.snapshotId,
          manifestPath,
          entries: chunk.map((dataFile) =>
            options.dataSequenceNumber === undefined
              ? { status: EntryStatus.ADDED, dataFile }
              : { status: EntryStatus.ADDED, dataFile, sequenceNumber: options.dataSequenceNumber },
          ),
        });
        options.track(manifestPath);
        await io.write(manifestPath, written.bytes);
        return written.manifestFile;
      });
    }
  }
  const limit = pLimit(4);
  return Promise.all(jobs.map((j) => limit(j)));
}

/**
 * The files one operation adds and their manifests, written on first use and reused by every
 * attempt. They are rewritten only when the table's format version changed in between (a
 * concurrent upgrade), since a manifest's layout follows the format version.
 */
export class NewFiles {
  readonly files: DataFile[] = [];
  private prepared: { key: string; manifests: Promise<ManifestFile[]> } | undefined;

  constructor(private readonly content: 'data' | 'deletes') {}

  add(file: DataFile): void {
    this.files.push(file);
    this.prepared = undefined;
  }

  get size(): number {
    return this.files.length;
  }

  manifests(options: Omit<WriteNewManifestsOptions, 'files' | 'content'>): Promise<ManifestFile[]> {
    const key = `${options.metadata.formatVersion}|${options.dataSequenceNumber ?? ''}`;
    if (this.prepared?.key !== key) {
      checkNewFiles(options.metadata, this.files, this.content);
      const manifests = writeNewManifests({ ...options, files: this.files, content: this.content });
      this.prepared = { key, manifests };
      // A failed write is not reused: the next attempt writes again.
      manifests.catch(() => {
        if (this.prepared?.manifests === manifests) this.prepared = undefined;
      });
    }
    return this.prepared.manifests;
  }
}
