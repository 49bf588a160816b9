/**
 * Shared pieces of the catalog and producer tests: a small schema, partition spec, and DataFile
 * entries with real-looking metrics (counts and bounds in the spec's binary form).
 */
import { randomUUID } from 'node:crypto';
import type { CommitDriverOptions } from '../../catalog/commit.js';
import { ObjectStoreCatalog } from '../../catalog/object-store-catalog.js';
import type { Table } from '../../catalog/table.js';
import { InstrumentedStorage } from '../../src/storage/instrumented.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { Snapshot } from '../../src/spec/snapshot.js';
import type { Storage } from '../../src/storage/storage.js';
import { manifestEntries, snapshotManifests } from '../../src/write/manifest-reader.js';
import { type DataFile, FileContent, type ManifestEntry, type ManifestFile } from '../../src/spec/data-file.js';
import type { PartitionSpec } from '../../src/spec/partition-spec.js';
import type { Schema } from '../../src/spec/schema.js';
import { encodeValue } from '../../src/spec/single-value.js';

/** id: long (required), category: string, value: double. After table creation the ids stay 1, 2, 3. */
export function testSchema(): Schema {
  return {
    schemaId: 0,
    identifierFieldIds: [],
    fields: [
      { id: 1, name: 'id', required: true, type: { kind: 'long' } },
      { id: 2, name: 'category', required: false, type: { kind: 'string' } },
      { id: 3, name: 'value', required: false, type: { kind: 'double' } },
    ],
  };
}

/** Identity partitioning on `category` (field id 1000 after creation). */
export function categorySpec(): PartitionSpec {
  return { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'category', transform: { kind: 'identity' } }] };
}

export interface FileOptions {
  specId?: number;
  partition?: unknown[];
  /** Inclusive id range of the rows (gives record count and bounds). */
  ids?: [bigint, bigint];
  records?: number;
  size?: number;
  content?: FileContent;
  referencedDataFile?: string;
  equalityIds?: number[];
  fileFormat?: DataFile['fileFormat'];
}

let counter = 0;

/** A data (or delete) file entry; bounds of `id` when `ids` is given. */
export function fakeFile(path: string, o: FileOptions = {}): DataFile {
  const [lo, hi] = o.ids ?? [BigInt(counter), BigInt(counter + 9)];
  counter += 10;
  const records = o.records ?? Number(hi - lo + 1n);
  const f: DataFile = {
    content: o.content ?? FileContent.DATA,
    filePath: path,
    fileFormat: o.fileFormat ?? 'PARQUET',
    specId: o.specId ?? 0,
    partition: o.partition ?? [],
    recordCount: records,
    fileSizeInBytes: o.size ?? 1000 + records,
  };
  if (f.content === FileContent.DATA) {
    f.valueCounts = new Map([[1, records]]);
    f.nullValueCounts = new Map([[1, 0]]);
    f.lowerBounds = new Map([[1, encodeValue({ kind: 'long' }, lo)]]);
    f.upperBounds = new Map([[1, encodeValue({ kind: 'long' }, hi)]]);
  }
  if (o.referencedDataFile !== undefined) f.referencedDataFile = o.referencedDataFile;
  if (o.equalityIds !== undefined) f.equalityIds = o.equalityIds;
  return f;
}


/** Manifests of a snapshot (default: the table's current one). */
export async function manifestsOf(table: Table, snapshot: Snapshot | undefined = table.currentSnapshot()): Promise<ManifestFile[]> {
  return snapshot === undefined ? [] : snapshotManifests(table.io, snapshot);
}

/** Every entry of a snapshot's manifests, with inherited sequence numbers. */
export async function entriesOf(table: Table, snapshot: Snapshot | undefined = table.currentSnapshot()): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  for (const m of await manifestsOf(table, snapshot)) out.push(...(await manifestEntries(table.io, m, table.metadata)));
  return out;
}

/** Paths of the live (ADDED or EXISTING) files of a snapshot, sorted. */
export async function livePaths(table: Table, snapshot?: Snapshot): Promise<string[]> {
  return (await entriesOf(table, snapshot))
    .filter((e) => e.status !== 2)
    .map((e) => e.dataFile.filePath)
    .sort();
}

/** Every object under a prefix. */
export async function listAll(io: Storage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of io.list(prefix)) out.push(o.location);
  return out.sort();
}


export interface TwoWriters {
  store: string;
  warehouse: string;
  /** Writer A's storage, for counting requests and injecting faults. */
  io: InstrumentedStorage;
  a: ObjectStoreCatalog;
  /**
   * Another writer on the same store (its own storage object, so A's faults do not touch it). It
   * ignores priority claims, as a writer of another engine would, so it can commit from inside a
   * fault injected into A's commit.
   */
  b: ObjectStoreCatalog;
}

/** Two catalogs over one in-memory warehouse: two writers of the same tables. */
export function twoWriters(
  commitOptions: Omit<CommitDriverOptions, 'idempotencyKey'> = { sleep: async () => {} },
  rivalOptions: Omit<CommitDriverOptions, 'idempotencyKey'> = { sleep: async () => {}, fairness: false },
): TwoWriters {
  const store = `t-${randomUUID()}`;
  const warehouse = `memory://${store}/wh`;
  const io = new InstrumentedStorage(new MemoryStorage(), { record: true });
  return {
    store,
    warehouse,
    io,
    a: new ObjectStoreCatalog({ warehouse, storage: io, commitOptions }),
    b: new ObjectStoreCatalog({ warehouse, storage: new MemoryStorage(), commitOptions: rivalOptions }),
  };
}
