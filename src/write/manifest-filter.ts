/**
 * Removing files from a snapshot's manifests (the reference implementation's
 * ManifestFilterManager). A manifest that holds a file to remove is rewritten: removed files become
 * DELETED entries of the new snapshot, the other live files EXISTING entries with their original
 * snapshot ids and sequence numbers, and DELETED entries of earlier snapshots are dropped. Manifests
 * without removals are kept as they are.
 *
 * Files are chosen by path, by partition, or by a row filter (a file is removed when all its rows
 * match; a data file where only some rows match cannot be removed by dropping files and is
 * reported). Rewritten manifests are cached by the manifest they replace, so a commit retry only
 * filters the manifests that are new in the refreshed base.
 */
import type { UnboundExpression } from '../expressions/index.js';
import { writeManifest } from '../manifest/manifest.js';
import { type DataFile, EntryStatus, FileContent, type ManifestEntry, type ManifestFile, ManifestContent } from '../spec/data-file.js';
import { partitionKey } from '../spec/partition-spec.js';
import { type TableMetadata, currentSchema, specById } from '../spec/table-metadata.js';
import type { Storage } from '../storage/storage.js';
import { manifestEntries } from './manifest-reader.js';
import type { ManifestNamer } from './metadata-locations.js';
import { RowFilterMatcher } from './row-filter-matcher.js';

/** What to remove. */
export interface FileSelection {
  /** Files by path. */
  paths?: ReadonlySet<string>;
  /** Every file whose partition is one of these (`specId` -> partition keys from `partitionKey`). */
  partitions?: ReadonlyMap<number, ReadonlySet<string>>;
  /** Every file. */
  all?: boolean;
  /** Files whose rows all match this filter. */
  rowFilter?: UnboundExpression;
  caseSensitive?: boolean;
}

export interface FilterResult {
  /** The manifests after removal (unchanged ones as given, rewritten ones new). */
  manifests: ManifestFile[];
  /** Entries removed, with their sequence numbers. */
  removed: ManifestEntry[];
  /** Paths asked for by `paths` that were found. */
  found: Set<string>;
  /** Data files where only some rows match the row filter (they were kept). */
  partial: string[];
  /** Rewritten manifests referenced by the result. */
  written: string[];
}

interface Filtered {
  manifest: ManifestFile;
  removed: ManifestEntry[];
  partial: string[];
  written?: string;
}

export function selectsNothing(s: FileSelection): boolean {
  return !s.all && (s.paths?.size ?? 0) === 0 && (s.partitions?.size ?? 0) === 0 && s.rowFilter === undefined;
}

export class ManifestFilter {
  private readonly cache = new Map<string, Filtered>();
  private matcher: { metadata: TableMetadata; matcher: RowFilterMatcher } | undefined;

  constructor(
    private readonly selection: FileSelection,
    private readonly content: 'data' | 'deletes',
    private readonly snapshotId: bigint,
    private readonly namer: ManifestNamer,
  ) {}

  /**
   * Filters the manifests of one content kind (others pass through unchanged). `track` is told
   * every location before it is written.
   */
  async filter(io: Storage, metadata: TableMetadata, manifests: readonly ManifestFile[], track: (location: string) => void): Promise<FilterResult> {
    const result: FilterResult = { manifests: [], removed: [], found: new Set(), partial: [], written: [] };
    const want = this.content === 'data' ? ManifestContent.DATA : ManifestContent.DELETES;
    const outcomes = await Promise.all(
      manifests.map(async (m): Promise<Filtered> => (m.content === want && !selectsNothing(this.selection) ? this.filterOne(io, metadata, m, track) : { manifest: m, removed: [], partial: [] })),
    );
    for (const o of outcomes) {
      result.manifests.push(o.manifest);
      result.removed.push(...o.removed);
      result.partial.push(...o.partial);
      if (o.written !== undefined) result.written.push(o.written);
      for (const e of o.removed) if (this.selection.paths?.has(e.dataFile.filePath)) result.found.add(e.dataFile.filePath);
    }
    return result;
  }

  private rowMatcher(metadata: TableMetadata): RowFilterMatcher | undefined {
    const filter = this.selection.rowFilter;
    if (filter === undefined) return undefined;
    if (this.matcher?.metadata !== metadata) {
      this.matcher = { metadata, matcher: new RowFilterMatcher(metadata, filter, this.selection.caseSensitive ?? true) };
    }
    return this.matcher.matcher;
  }

  private async filterOne(io: Storage, metadata: TableMetadata, manifest: ManifestFile, track: (location: string) => void): Promise<Filtered> {
    const cached = this.cache.get(manifest.manifestPath);
    if (cached !== undefined) return cached;
    const live = (manifest.addedFilesCount ?? 1) + (manifest.existingFilesCount ?? 1);
    const matcher = this.rowMatcher(metadata);
    const onlyByFilter = !this.selection.all && (this.selection.paths?.size ?? 0) === 0 && (this.selection.partitions?.size ?? 0) === 0;
    if (live === 0 || (onlyByFilter && matcher !== undefined && !matcher.manifestMayMatch(manifest))) {
      return this.remember(manifest, { manifest, removed: [], partial: [] });
    }

    const entries = await manifestEntries(io, manifest, metadata);
    const removed: ManifestEntry[] = [];
    const partial: string[] = [];
    const kept: ManifestEntry[] = [];
    for (const e of entries) {
      if (e.status === EntryStatus.DELETED) continue;
      const verdict = this.decide(e.dataFile, matcher);
      if (verdict === 'remove') removed.push(e);
      else {
        if (verdict === 'partial') partial.push(e.dataFile.filePath);
        kept.push(e);
      }
    }
    if (removed.length === 0) return this.remember(manifest, { manifest, removed, partial });

    const spec = specById(metadata, manifest.partitionSpecId)!;
    const location = this.namer.location(metadata);
    const written = writeManifest({
      formatVersion: metadata.formatVersion,
      schema: currentSchema(metadata),
      spec,
      content: this.content,
      snapshotId: this.snapshotId,
      manifestPath: location,
      entries: [
        ...kept.map((e): ManifestEntry => ({ ...e, status: EntryStatus.EXISTING })),
        ...removed.map((e): ManifestEntry => ({ ...e, status: EntryStatus.DELETED, snapshotId: this.snapshotId })),
      ],
    });
    track(location);
    await io.write(location, written.bytes);
    return this.remember(manifest, { manifest: written.manifestFile, removed, partial, written: location });
  }

  private remember(original: ManifestFile, f: Filtered): Filtered {
    this.cache.set(original.manifestPath, f);
    return f;
  }

  private decide(file: DataFile, matcher: RowFilterMatcher | undefined): 'remove' | 'keep' | 'partial' {
    const s = this.selection;
    if (s.all || s.paths?.has(file.filePath)) return 'remove';
    if (s.partitions?.get(file.specId)?.has(partitionKey(file.partition))) return 'remove';
    if (matcher !== undefined) {
      if (matcher.mustMatch(file)) return 'remove';
      // Only data files need all-or-nothing: a delete file left behind is harmless.
      if (file.content === FileContent.DATA && matcher.mayMatch(file)) return 'partial';
    }
    return 'keep';
  }
}
