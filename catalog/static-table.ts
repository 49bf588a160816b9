/**
 * Opening a table directly from where it lives, without a catalog: a table folder (its newest
 * `metadata/` version is found as the object-store catalog finds it, which also covers
 * `<N>-<uuid>.metadata.json` tables written by other engines) or one metadata file, local or on
 * S3. Such a table is read-only: without a catalog there is no agreed commit point.
 */
import { LakeError } from '../src/errors.js';
import { parseTableMetadata } from '../src/spec/table-metadata.js';
import { joinLocation, toAbsoluteLocation } from '../src/storage/location.js';
import type { S3StorageOptions } from '../src/storage/s3.js';
import type { Storage } from '../src/storage/storage.js';
import { storageFor } from '../src/storage/storage-for.js';
import { isGzipMetadataFileName } from '../src/util/json.js';
import { findNewestVersion } from './metadata-versions.js';
import { Table } from './table.js';
import type { TableOperations, TableState } from './table-operations.js';

export interface OpenTableOptions {
  storage?: Storage;
  s3?: S3StorageOptions;
}

function isMetadataFile(location: string): boolean {
  return /\.metadata\.json$/.test(location) || isGzipMetadataFileName(location) || location.endsWith('.json');
}

class StaticTableOperations implements TableOperations {
  private state: TableState | undefined;

  constructor(
    readonly io: Storage,
    readonly name: string,
    private readonly location: string,
  ) {}

  current(): TableState | undefined {
    return this.state;
  }

  async refresh(): Promise<TableState> {
    if (isMetadataFile(this.location)) {
      if (this.state !== undefined) return this.state;
      let bytes: Uint8Array;
      try {
        bytes = await this.io.read(this.location);
      } catch (e) {
        if (e instanceof LakeError && e.code === 'NOT_FOUND') throw this.notFound();
        throw e;
      }
      this.state = { metadata: parseTableMetadata(bytes, { source: this.location }), metadataLocation: this.location, version: 0 };
      return this.state;
    }
    const dir = /\/metadata\/?$/.test(this.location) ? this.location.replace(/\/$/, '') : joinLocation(this.location, 'metadata');
    const newest = await findNewestVersion(this.io, dir, this.state === undefined ? {} : { known: this.state.version });
    if (newest === undefined) {
      if (this.state !== undefined) return this.state;
      throw this.notFound();
    }
    if (newest.tombstone !== undefined) throw this.notFound();
    this.state = { metadata: parseTableMetadata(newest.text, { source: newest.location }), metadataLocation: newest.location, version: newest.version };
    return this.state;
  }

  private notFound(): LakeError {
    return new LakeError('TABLE_NOT_FOUND', `no Iceberg table metadata at ${this.location}`, { context: { location: this.location } });
  }

  async commit(): Promise<TableState> {
    throw new LakeError('UNSUPPORTED_FEATURE', `${this.name} was opened from a location without a catalog and is read-only`);
  }
}

/** Opens the table at `location` (a table folder or a metadata file) read-only. */
export async function openTableAt(location: string, options: OpenTableOptions = {}): Promise<Table> {
  const abs = toAbsoluteLocation(location);
  const io = options.storage ?? storageFor(abs, options.s3 === undefined ? {} : { s3: options.s3 });
  const ops = new StaticTableOperations(io, abs, abs);
  const state = await ops.refresh();
  return new Table(abs, ops, state, { readOnly: true });
}
