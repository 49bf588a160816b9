/**
 * The common part of operations that add and remove files (the reference implementation's
 * MergingSnapshotProducer): new data and delete files go into manifests written once; files to
 * remove are filtered out of the branch head's manifests on every attempt (cached per manifest);
 * manifests left without live files are dropped unless this snapshot wrote them.
 */
import { LakeError } from '../errors.js';
import type { UnboundExpression } from '../expressions/index.js';
import { sameId } from '../manifest/snapshot-id.js';
import { type DataFile, FileContent, type ManifestEntry, type ManifestFile } from '../spec/data-file.js';
import type { IsolationLevel, IsolationOperation } from '../spec/properties.js';
import type { Snapshot } from '../spec/snapshot.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import { ChangeSummary, isDeletionVector } from './change-summary.js';
import { type FileSelection, ManifestFilter } from './manifest-filter.js';
import { snapshotManifests } from './manifest-reader.js';
import { NewFiles } from './new-manifests.js';
import { type ProducedSnapshot, SnapshotProducer } from './snapshot-producer.js';
import type { ConflictCheck, StageContext } from './staged-change.js';

/** What one attempt removed, for the operation's conflict checks. */
export interface RemovalOutcome {
  base: TableMetadata;
  removed: ManifestEntry[];
  /** Paths asked for that no manifest of the base holds. */
  missing: string[];
  /** Data files the row filter matched only in part. */
  partial: string[];
}

interface MutableSelection {
  paths: Set<string>;
  partitions: Map<number, Set<string>>;
  all: boolean;
  rowFilter?: UnboundExpression;
}

function emptySelection(): MutableSelection {
  return { paths: new Set(), partitions: new Map(), all: false };
}

function isLive(m: ManifestFile): boolean {
  return (m.addedFilesCount ?? 1) + (m.existingFilesCount ?? 1) > 0;
}

export abstract class MergingSnapshotProducer extends SnapshotProducer {
  protected readonly newData = new NewFiles('data');
  protected readonly newDeletes = new NewFiles('deletes');
  /** Data sequence number written explicitly for new data files (rewrites). */
  protected newDataSequenceNumber: bigint | undefined;
  protected readonly dataToRemove: MutableSelection = emptySelection();
  protected readonly deletesToRemove: MutableSelection = emptySelection();
  protected isolation: IsolationLevel | undefined;
  protected isolationOperation: IsolationOperation | undefined;
  private filters: { data: ManifestFilter; deletes: ManifestFilter; key: string } | undefined;

  /** Isolation level for this operation's validation (default: from the table property, see `isolationFor`). */
  isolationLevel(level: IsolationLevel): this {
    if (level !== 'serializable' && level !== 'snapshot') throw new LakeError('INVALID_INPUT', `isolation level must be serializable or snapshot, got ${String(level)}`);
    this.isolation = level;
    return this;
  }

  /** Which table property gives the isolation level: `write.<operation>.isolation-level`. */
  isolationFor(operation: IsolationOperation): this {
    this.isolationOperation = operation;
    return this;
  }

  protected removeFile(file: DataFile | string, kind: 'data' | 'deletes'): void {
    const path = typeof file === 'string' ? file : file.filePath;
    if (typeof file !== 'string' && (file.content === FileContent.DATA) !== (kind === 'data')) {
      throw new LakeError('INVALID_INPUT', `${path} is not a ${kind === 'data' ? 'data' : 'delete'} file`, { context: { file: path } });
    }
    (kind === 'data' ? this.dataToRemove : this.deletesToRemove).paths.add(path);
  }

  protected checkDeleteFiles(metadata: TableMetadata): void {
    for (const f of this.newDeletes.files) {
      if (metadata.formatVersion < 2) {
        throw new LakeError('UNSUPPORTED_FEATURE', `format v1 tables cannot have delete files (${f.filePath}); upgrade the table to v2`, { context: { file: f.filePath } });
      }
      if (isDeletionVector(f) && metadata.formatVersion < 3) {
        throw new LakeError('INVALID_INPUT', `deletion vectors need format v3, the table is v${metadata.formatVersion}: ${f.filePath}`, { context: { file: f.filePath } });
      }
      if (f.content === FileContent.POSITION_DELETES && !isDeletionVector(f) && metadata.formatVersion >= 3) {
        throw new LakeError('INVALID_INPUT', `format v3 tables take position deletes as deletion vectors, not position delete files: ${f.filePath}`, {
          context: { file: f.filePath },
        });
      }
    }
  }

  async prepare(metadata: TableMetadata, ctx: StageContext): Promise<void> {
    this.checkDeleteFiles(metadata);
    await this.newManifests(metadata, ctx);
  }

  private newManifests(metadata: TableMetadata, ctx: StageContext): Promise<[ManifestFile[], ManifestFile[]]> {
    const common = { io: ctx.io, metadata, snapshotId: this.snapshotId, namer: this.namer, track: this.track };
    const data = this.newData.manifests(this.newDataSequenceNumber === undefined ? common : { ...common, dataSequenceNumber: this.newDataSequenceNumber });
    return Promise.all([data, this.newDeletes.manifests(common)]);
  }

  private manifestFilters(): { data: ManifestFilter; deletes: ManifestFilter } {
    const selection = (s: MutableSelection): FileSelection => ({ ...s, caseSensitive: this.caseSensitive });
    // Filters cache rewritten manifests, which are only valid for the same selection.
    const key = JSON.stringify([this.dataToRemove, this.deletesToRemove].map((s) => [[...s.paths], [...s.partitions].map(([k, v]) => [k, [...v]]), s.all, s.rowFilter ?? null]), (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    if (this.filters?.key !== key) {
      this.filters = {
        key,
        data: new ManifestFilter(selection(this.dataToRemove), 'data', this.snapshotId, this.namer),
        deletes: new ManifestFilter(selection(this.deletesToRemove), 'deletes', this.snapshotId, this.namer),
      };
    }
    return this.filters;
  }

  /** The operation's conflict checks for this attempt. */
  protected abstract conflictChecks(outcome: RemovalOutcome): ConflictCheck[];

  protected async produce(base: TableMetadata, parent: Snapshot | undefined, ctx: StageContext): Promise<ProducedSnapshot> {
    this.checkDeleteFiles(base);
    const [addedData, addedDeletes] = await this.newManifests(base, ctx);
    const existing = parent === undefined ? [] : await snapshotManifests(ctx.io, parent);
    const filters = this.manifestFilters();
    const dataResult = await filters.data.filter(ctx.io, base, existing, this.track);
    const deleteResult = await filters.deletes.filter(ctx.io, base, dataResult.manifests, this.track);
    const kept = deleteResult.manifests.filter((m) => isLive(m) || sameId(m.addedSnapshotId, this.snapshotId));

    const summary = new ChangeSummary(base);
    for (const f of this.newData.files) summary.added(f);
    for (const f of this.newDeletes.files) summary.added(f);
    const removed = [...dataResult.removed, ...deleteResult.removed];
    for (const e of removed) summary.removed(e.dataFile);

    const missing = [
      ...[...this.dataToRemove.paths].filter((p) => !dataResult.found.has(p)),
      ...[...this.deletesToRemove.paths].filter((p) => !deleteResult.found.has(p)),
    ];
    const newManifests = [...addedData, ...addedDeletes];
    return {
      manifests: [...newManifests, ...kept],
      summary,
      conflictChecks: this.conflictChecks({ base, removed, missing, partial: dataResult.partial }),
      files: [...newManifests.map((m) => m.manifestPath), ...dataResult.written, ...deleteResult.written],
    };
  }

  /** A conflict check with this operation's branch and starting snapshot filled in. */
  protected check(fields: Omit<ConflictCheck, 'operation' | 'branch' | 'startingSnapshotId'>): ConflictCheck {
    return { operation: this.operationName, branch: this.branch, startingSnapshotId: this.startingSnapshotId, ...fields };
  }
}
