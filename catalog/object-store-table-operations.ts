/**
 * Table operations of the object-store catalog: the commit point is the atomic create of
 * `metadata/v<N+1>.metadata.json` (`Storage.writeIfAbsent`: link() on local disks, PUT with
 * If-None-Match: * on S3). See docs/commit-protocol.md.
 */
import { LakeError, isLakeError } from '../src/errors.js';
import { metadataDeleteAfterCommit } from '../src/spec/properties.js';
import {
  type TableMetadata,
  parseTableMetadata,
  serializeTableMetadata,
  withMetadataLogEntry,
} from '../src/spec/table-metadata.js';
import { joinLocation } from '../src/storage/location.js';
import type { Storage } from '../src/storage/storage.js';
import { decodeJsonBytes } from '../src/util/json.js';
import { snapshotsWithCommitId } from '../src/write/commit-id.js';
import { ObjectCommitPriority, PRIORITY_FILE } from './commit-priority.js';
import { type VersionFile, findNewestVersion, versionFileName, writeVersionHint } from './metadata-versions.js';
import type { CommitAttemptOptions, CommitPriority, TableOperations, TableState } from './table-operations.js';

export interface ObjectStoreTableOperationsOptions {
  /** Runs before the first write (the conditional-write probe of an S3 warehouse). */
  beforeWrite?: () => Promise<void>;
}

type ReadBack = { kind: 'ours'; text: string } | { kind: 'other' } | { kind: 'absent' };

/** How often a version whose write lost its answer is read back before giving up. */
const READ_BACK_TRIES = 3;

export class ObjectStoreTableOperations implements TableOperations {
  readonly metadataDir: string;
  readonly priority: CommitPriority;
  private state: TableState | undefined;

  constructor(
    readonly io: Storage,
    readonly name: string,
    /** The table's folder in the warehouse (`<warehouse>/<namespace...>/<table>`). */
    readonly tableDir: string,
    private readonly options: ObjectStoreTableOperationsOptions = {},
  ) {
    this.metadataDir = joinLocation(tableDir, 'metadata');
    this.priority = new ObjectCommitPriority(io, joinLocation(this.metadataDir, PRIORITY_FILE));
  }

  current(): TableState | undefined {
    return this.state;
  }

  private notFound(detail = ''): LakeError {
    return new LakeError('TABLE_NOT_FOUND', `table ${this.name} does not exist${detail}`, { context: { table: this.name } });
  }

  private toState(file: VersionFile): TableState {
    if (file.tombstone !== undefined) {
      throw this.notFound(file.tombstone.reason === 'renamed' ? ` (it was renamed to ${file.tombstone.renamedTo})` : ' (it was dropped)');
    }
    return { metadata: parseTableMetadata(file.text, { source: file.location }), metadataLocation: file.location, version: file.version };
  }

  /** The newest version file, tombstones included (undefined: the folder has none). */
  newestVersion(): Promise<VersionFile | undefined> {
    return findNewestVersion(this.io, this.metadataDir);
  }

  async refresh(): Promise<TableState> {
    const known = this.state;
    const newer = await findNewestVersion(this.io, this.metadataDir, known === undefined ? {} : { known: known.version });
    if (newer === undefined) {
      if (known !== undefined) return known;
      throw this.notFound();
    }
    this.state = this.toState(newer);
    return this.state;
  }

  /** Creates the table's first version after `afterVersion` (0, or a tombstone's version). */
  async create(metadata: TableMetadata, afterVersion: number): Promise<TableState> {
    await this.options.beforeWrite?.();
    const version = afterVersion + 1;
    const location = joinLocation(this.metadataDir, versionFileName(version));
    const text = serializeTableMetadata(metadata);
    try {
      await this.io.writeIfAbsent(location, text);
    } catch (e) {
      if (isLakeError(e, 'ALREADY_EXISTS')) {
        throw new LakeError('TABLE_ALREADY_EXISTS', `table ${this.name} already exists`, { context: { table: this.name } });
      }
      if (isLakeError(e, 'OUTCOME_UNKNOWN') && (await this.readBack(location, text, undefined)).kind === 'ours') {
        // The create landed; only its answer was lost.
      } else throw e;
    }
    this.state = { metadata, metadataLocation: location, version };
    await writeVersionHint(this.io, this.metadataDir, version);
    return this.state;
  }

  async commit(base: TableState, updated: TableMetadata, options: CommitAttemptOptions = {}): Promise<TableState> {
    await this.options.beforeWrite?.();
    const version = base.version + 1;
    const location = joinLocation(this.metadataDir, versionFileName(version));
    const metadata = withMetadataLogEntry(updated, base.metadataLocation, base.metadata.lastUpdatedMs);
    let landed = metadata;
    const text = serializeTableMetadata(metadata);
    try {
      await this.io.writeIfAbsent(location, text);
    } catch (e) {
      if (isLakeError(e, 'ALREADY_EXISTS') || (isLakeError(e, 'STORAGE_ERROR') && e.retryable)) throw this.lostRace(version, e);
      if (!isLakeError(e, 'OUTCOME_UNKNOWN')) throw e;
      const verdict = await this.readBack(location, text, options.commitId);
      if (verdict.kind === 'other') throw this.lostRace(version, e);
      if (verdict.kind === 'absent') {
        throw new LakeError('OUTCOME_UNKNOWN', `the write of ${location} lost its answer and the version is not there (yet)`, {
          retryable: true,
          cause: e,
          context: { location, table: this.name },
        });
      }
      // An earlier attempt of this commit may be what landed.
      if (verdict.text !== text) landed = parseTableMetadata(verdict.text, { source: location });
    }
    const state: TableState = { metadata: landed, metadataLocation: location, version };
    if (this.state === undefined || this.state.version < version) this.state = state;
    await writeVersionHint(this.io, this.metadataDir, version);
    if (metadataDeleteAfterCommit(metadata.properties)) await this.deleteDroppedMetadata(base.metadata, metadata);
    return state;
  }

  private lostRace(version: number, cause: unknown): LakeError {
    return new LakeError('COMMIT_CONFLICT', `another writer committed version ${version} of ${this.name} first`, {
      retryable: true,
      cause,
      context: { table: this.name, version },
    });
  }

  /**
   * Decides an ambiguous create by reading the version back: `ours` when it holds what was written
   * (or a snapshot with this commit's id: an earlier attempt of the same commit that landed late),
   * `other` when another writer's metadata is there, `absent` when nothing is. Throws
   * COMMIT_STATE_UNKNOWN when the version cannot be read.
   */
  private async readBack(location: string, text: string, commitId: string | undefined): Promise<ReadBack> {
    let lastError: unknown;
    for (let i = 0; i < READ_BACK_TRIES; i++) {
      try {
        const found = decodeJsonBytes(await this.io.read(location));
        if (found === text) return { kind: 'ours', text: found };
        if (commitId !== undefined) {
          try {
            if (snapshotsWithCommitId(parseTableMetadata(found), commitId).length > 0) return { kind: 'ours', text: found };
          } catch {
            // not table metadata (a tombstone): not ours
          }
        }
        return { kind: 'other' };
      } catch (e) {
        if (isLakeError(e, 'NOT_FOUND')) return { kind: 'absent' };
        lastError = e;
        await new Promise((resolve) => setTimeout(resolve, 50 * (i + 1)));
      }
    }
    throw new LakeError('COMMIT_STATE_UNKNOWN', `could not read ${location} back to learn whether the commit of ${this.name} landed; its files were kept`, {
      cause: lastError,
      context: { location, table: this.name },
    });
  }

  /** With `write.metadata.delete-after-commit.enabled`: deletes metadata files that left the log. */
  private async deleteDroppedMetadata(before: TableMetadata, after: TableMetadata): Promise<void> {
    const kept = new Set(after.metadataLog.map((e) => e.metadataFile));
    const dropped = before.metadataLog.map((e) => e.metadataFile).filter((f) => !kept.has(f));
    if (dropped.length > 0) await this.io.deleteMany(dropped).catch(() => undefined);
  }
}
