/**
 * The object-store catalog: the embedded default, over any Storage (a local directory, S3, memory).
 * The warehouse is a folder; the catalog state is the folder's contents (see docs/catalog.md):
 *
 *   <warehouse>/<ns>/.../.lake-namespace.json         a namespace and its properties
 *   <warehouse>/<ns>/.../<table>/metadata/v<N>.metadata.json   table versions (the commit point)
 *   <warehouse>/<ns>/.../<table>/metadata/version-hint.text    best-effort hint
 *   <warehouse>/<ns>/.../<table>/data/...               data files (default table location)
 *
 * Drop and rename write a tombstone into the table's next version slot with the same atomic create
 * a commit uses, so a writer still holding an older version can never commit to a dropped or
 * renamed table.
 */
import { randomUUID } from 'node:crypto';
import { LakeError, isLakeError } from '../src/errors.js';
import { newTableMetadata, parseTableMetadata } from '../src/spec/table-metadata.js';
import { joinLocation, schemeOf, toAbsoluteLocation } from '../src/storage/location.js';
import { MemoryStorage } from '../src/storage/memory.js';
import { probeConditionalWrites } from '../src/storage/probe.js';
import type { S3StorageOptions } from '../src/storage/s3.js';
import type { Storage } from '../src/storage/storage.js';
import { storageFor } from '../src/storage/storage-for.js';
import { decodeJsonBytes } from '../src/util/json.js';
import type { Catalog, CreateNamespaceOptions, CreateTableOptions, DropTableOptions } from './catalog.js';
import type { CommitDriverOptions } from './commit.js';
import {
  type NamespaceInput,
  type TableIdentifier,
  type TableIdentifierInput,
  namespaceToString,
  parseNamespace,
  parseTableIdentifier,
  tableIdentifierToString,
} from './identifier.js';
import { VERSION_HINT_FILE, parseTombstone, parseVersionFileName, tombstoneText, versionFileName } from './metadata-versions.js';
import { ObjectStoreTableOperations } from './object-store-table-operations.js';
import { reachableFiles } from './purge.js';
import { Table } from './table.js';

export const NAMESPACE_FILE = '.lake-namespace.json';
/** Version files smaller than this may be tombstones and are read when listing tables. */
const TOMBSTONE_MAX_BYTES = 1024;
/** Attempts to place a drop or rename tombstone while other writers keep committing. */
const TOMBSTONE_TRIES = 10;

export interface ObjectStoreCatalogOptions {
  /** `./warehouse`, a path, `file://...`, `s3://bucket/prefix` or `memory://store/prefix`. */
  warehouse: string;
  /** Storage to use (default: the backend for the warehouse's scheme). */
  storage?: Storage;
  /** S3 settings for `s3://` warehouses (unset ones come from the AWS environment variables). */
  s3?: S3StorageOptions;
  name?: string;
  /** Defaults for commits of this catalog's tables (retry overrides, clock; mostly for tests). */
  commitOptions?: Omit<CommitDriverOptions, 'idempotencyKey'>;
}

export class ObjectStoreCatalog implements Catalog {
  readonly name: string;
  /** Absolute warehouse location, without trailing slash. */
  readonly warehouse: string;
  readonly io: Storage;
  private readonly commitOptions: Omit<CommitDriverOptions, 'idempotencyKey'>;

  constructor(options: ObjectStoreCatalogOptions) {
    if (typeof options.warehouse !== 'string' || options.warehouse.trim() === '') {
      throw new LakeError('INVALID_INPUT', 'a warehouse location is required');
    }
    this.warehouse = toAbsoluteLocation(options.warehouse).replace(/(?<!:\/)\/+$/, '');
    this.io = options.storage ?? storageFor(this.warehouse, options.s3 === undefined ? {} : { s3: options.s3 });
    this.name = options.name ?? 'lake';
    this.commitOptions = options.commitOptions ?? {};
  }

  /** Refuses stores that ignore conditional writes, once per S3 store, before the first write. */
  private readonly beforeWrite = async (): Promise<void> => {
    if (schemeOf(this.warehouse) === 's3') await probeConditionalWrites(this.io, this.warehouse);
  };

  namespaceLocation(namespace: readonly string[]): string {
    return joinLocation(this.warehouse, ...namespace);
  }

  /** The table's folder in the warehouse: its default location, and where its versions live. */
  tableFolder(id: TableIdentifier): string {
    return joinLocation(this.warehouse, ...id.namespace, id.name);
  }

  private operations(id: TableIdentifier): ObjectStoreTableOperations {
    return new ObjectStoreTableOperations(this.io, tableIdentifierToString(id), this.tableFolder(id), { beforeWrite: this.beforeWrite });
  }

  private table(id: TableIdentifier, ops: ObjectStoreTableOperations): Table {
    return new Table(tableIdentifierToString(id), ops, ops.current()!, { identifier: id, commitOptions: this.commitOptions });
  }

  // ---- namespaces ----

  private markerOf(ns: readonly string[]): string {
    return joinLocation(this.namespaceLocation(ns), NAMESPACE_FILE);
  }

  private async requireNamespace(ns: string[]): Promise<void> {
    if (!(await this.io.exists(this.markerOf(ns)))) {
      throw new LakeError('NAMESPACE_NOT_FOUND', `namespace ${namespaceToString(ns)} does not exist`, { context: { namespace: ns } });
    }
  }

  async namespaceExists(namespace: NamespaceInput): Promise<boolean> {
    return this.io.exists(this.markerOf(parseNamespace(namespace)));
  }

  async createNamespace(namespace: NamespaceInput, options: CreateNamespaceOptions = {}): Promise<void> {
    const ns = parseNamespace(namespace);
    const properties = options.properties ?? {};
    for (const [k, v] of Object.entries(properties)) {
      if (typeof v !== 'string') throw new LakeError('INVALID_INPUT', `namespace property ${k} must be a string`, { context: { key: k } });
    }
    if (ns.length > 1) {
      await this.requireNamespace(ns.slice(0, -1));
      if (await this.tableExists({ namespace: ns.slice(0, -1), name: ns[ns.length - 1]! })) {
        throw new LakeError('INVALID_INPUT', `cannot create namespace ${namespaceToString(ns)}: a table has that name`, { context: { namespace: ns } });
      }
    }
    await this.beforeWrite();
    try {
      await this.io.writeIfAbsent(this.markerOf(ns), JSON.stringify({ namespace: ns, properties }));
    } catch (e) {
      if (isLakeError(e, 'ALREADY_EXISTS')) {
        throw new LakeError('NAMESPACE_ALREADY_EXISTS', `namespace ${namespaceToString(ns)} already exists`, { context: { namespace: ns } });
      }
      throw e;
    }
  }

  async loadNamespaceProperties(namespace: NamespaceInput): Promise<Record<string, string>> {
    const ns = parseNamespace(namespace);
    try {
      const json = JSON.parse(decodeJsonBytes(await this.io.read(this.markerOf(ns)))) as { properties?: Record<string, string> };
      return { ...(json.properties ?? {}) };
    } catch (e) {
      if (isLakeError(e, 'NOT_FOUND')) {
        throw new LakeError('NAMESPACE_NOT_FOUND', `namespace ${namespaceToString(ns)} does not exist`, { context: { namespace: ns } });
      }
      throw e;
    }
  }

  async listNamespaces(parent?: NamespaceInput): Promise<string[][]> {
    const base = parent === undefined ? [] : parseNamespace(parent);
    if (base.length > 0) await this.requireNamespace(base);
    const prefix = `${this.namespaceLocation(base)}/`;
    const out: string[][] = [];
    for await (const o of this.io.list(prefix)) {
      const rel = o.location.slice(prefix.length).split('/');
      if (rel.length === 2 && rel[1] === NAMESPACE_FILE) out.push([...base, rel[0]!]);
    }
    return out.sort((a, b) => namespaceToString(a).localeCompare(namespaceToString(b)));
  }

  async dropNamespace(namespace: NamespaceInput): Promise<void> {
    const ns = parseNamespace(namespace);
    await this.requireNamespace(ns);
    const tables = await this.listTables(ns);
    const children = await this.listNamespaces(ns);
    if (tables.length > 0 || children.length > 0) {
      throw new LakeError('NAMESPACE_NOT_EMPTY', `namespace ${namespaceToString(ns)} is not empty: it has ${tables.length} tables and ${children.length} namespaces`, {
        context: { namespace: ns, tables: tables.length, namespaces: children.length },
      });
    }
    await this.io.delete(this.markerOf(ns));
  }

  // ---- tables ----

  async createTable(identifier: TableIdentifierInput, options: CreateTableOptions): Promise<Table> {
    const id = parseTableIdentifier(identifier);
    await this.requireNamespace(id.namespace);
    if (await this.namespaceExists([...id.namespace, id.name])) {
      throw new LakeError('INVALID_INPUT', `cannot create table ${tableIdentifierToString(id)}: a namespace has that name`, { context: { table: tableIdentifierToString(id) } });
    }
    const ops = this.operations(id);
    const after = await this.freeVersionSlot(id, ops);
    const location = options.location === undefined ? this.tableFolder(id) : toAbsoluteLocation(options.location);
    const metadata = newTableMetadata({
      schema: options.schema,
      location,
      ...(options.partitionSpec === undefined ? {} : { spec: options.partitionSpec }),
      ...(options.sortOrder === undefined ? {} : { sortOrder: options.sortOrder }),
      ...(options.properties === undefined ? {} : { properties: options.properties }),
      ...(options.formatVersion === undefined ? {} : { formatVersion: options.formatVersion }),
    });
    await ops.create(metadata, after);
    return this.table(id, ops);
  }

  /** The version after which a new table at `id` starts: 0, or a drop tombstone's version. */
  private async freeVersionSlot(id: TableIdentifier, ops: ObjectStoreTableOperations): Promise<number> {
    const newest = await ops.newestVersion();
    if (newest === undefined) return 0;
    const name = tableIdentifierToString(id);
    if (newest.tombstone === undefined) throw new LakeError('TABLE_ALREADY_EXISTS', `table ${name} already exists`, { context: { table: name } });
    if (newest.tombstone.reason === 'renamed') {
      throw new LakeError(
        'INVALID_INPUT',
        `cannot use the name ${name}: the table that had it was renamed to ${newest.tombstone.renamedTo} and its files still live in ${this.tableFolder(id)}`,
        { context: { table: name, renamedTo: newest.tombstone.renamedTo } },
      );
    }
    return newest.version;
  }

  async loadTable(identifier: TableIdentifierInput): Promise<Table> {
    const id = parseTableIdentifier(identifier);
    const ops = this.operations(id);
    await ops.refresh();
    return this.table(id, ops);
  }

  async tableExists(identifier: TableIdentifierInput): Promise<boolean> {
    const id = parseTableIdentifier(identifier);
    try {
      await this.operations(id).refresh();
      return true;
    } catch (e) {
      if (isLakeError(e, 'TABLE_NOT_FOUND')) return false;
      throw e;
    }
  }

  async listTables(namespace: NamespaceInput): Promise<TableIdentifier[]> {
    const ns = parseNamespace(namespace);
    await this.requireNamespace(ns);
    const prefix = `${this.namespaceLocation(ns)}/`;
    const newest = new Map<string, { version: number; location: string; size: number }>();
    for await (const o of this.io.list(prefix)) {
      const rel = o.location.slice(prefix.length).split('/');
      if (rel.length !== 3 || rel[1] !== 'metadata') continue;
      const v = parseVersionFileName(rel[2]!);
      if (v === undefined || !/^v\d+\.metadata\.json$/.test(rel[2]!)) continue;
      const cur = newest.get(rel[0]!);
      if (cur === undefined || v > cur.version) newest.set(rel[0]!, { version: v, location: o.location, size: o.size });
    }
    const out: TableIdentifier[] = [];
    for (const [name, f] of newest) {
      if (f.size < TOMBSTONE_MAX_BYTES) {
        const text = decodeJsonBytes(await this.io.read(f.location).catch(() => new Uint8Array()));
        if (text === '' || parseTombstone(text) !== undefined) continue;
      }
      out.push({ namespace: ns, name });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Writes a tombstone into the table's next version slot, so no older version can be committed
   * on any more. Returns the final state of the table and the tombstone's version.
   */
  private async seal(id: TableIdentifier, ops: ObjectStoreTableOperations, tombstone: Parameters<typeof tombstoneText>[0]) {
    await this.beforeWrite();
    for (let i = 0; i < TOMBSTONE_TRIES; i++) {
      const state = await ops.refresh();
      const location = joinLocation(ops.metadataDir, versionFileName(state.version + 1));
      try {
        await this.io.writeIfAbsent(location, tombstoneText(tombstone));
        return { state, tombstoneVersion: state.version + 1, tombstoneLocation: location };
      } catch (e) {
        // A commit landed first: seal after it.
        if (!isLakeError(e, 'ALREADY_EXISTS')) throw e;
      }
    }
    throw new LakeError('COMMIT_CONFLICT', `could not seal table ${tableIdentifierToString(id)}: other writers kept committing`, {
      retryable: true,
      context: { table: tableIdentifierToString(id) },
    });
  }

  async dropTable(identifier: TableIdentifierInput, options: DropTableOptions = {}): Promise<void> {
    const id = parseTableIdentifier(identifier);
    const ops = this.operations(id);
    const { state, tombstoneLocation } = await this.seal(id, ops, { reason: 'dropped', timestampMs: Date.now() });
    await this.io.delete(joinLocation(ops.metadataDir, VERSION_HINT_FILE)).catch(() => undefined);
    if (!options.purge) return;
    const files = await reachableFiles(this.io, state.metadata);
    files.add(state.metadataLocation);
    // Everything else in the table's own folder belongs to it too (old versions, attempts' leftovers).
    for await (const o of this.io.list(`${this.tableFolder(id)}/`)) files.add(o.location);
    files.delete(tombstoneLocation);
    await this.io.deleteMany(files);
  }

  async renameTable(from: TableIdentifierInput, to: TableIdentifierInput): Promise<void> {
    const src = parseTableIdentifier(from);
    const dst = parseTableIdentifier(to);
    if (tableIdentifierToString(src) === tableIdentifierToString(dst)) return;
    await this.requireNamespace(dst.namespace);
    const dstOps = this.operations(dst);
    const after = await this.freeVersionSlot(dst, dstOps);
    const srcOps = this.operations(src);
    const { state, tombstoneLocation } = await this.seal(src, srcOps, { reason: 'renamed', renamedTo: tableIdentifierToString(dst), timestampMs: Date.now() });
    try {
      await dstOps.create(state.metadata, after);
    } catch (e) {
      // Unseal: the source table stays as it was.
      await this.io.delete(tombstoneLocation).catch(() => undefined);
      throw e;
    }
    await this.io.delete(joinLocation(srcOps.metadataDir, VERSION_HINT_FILE)).catch(() => undefined);
  }

  async registerTable(identifier: TableIdentifierInput, metadataLocation: string): Promise<Table> {
    const id = parseTableIdentifier(identifier);
    await this.requireNamespace(id.namespace);
    let bytes: Uint8Array;
    try {
      bytes = await this.io.read(metadataLocation);
    } catch (e) {
      if (isLakeError(e, 'NOT_FOUND')) throw new LakeError('NOT_FOUND', `metadata file ${metadataLocation} does not exist`, { context: { location: metadataLocation } });
      throw e;
    }
    const metadata = parseTableMetadata(bytes, { source: metadataLocation });
    const ops = this.operations(id);
    const after = await this.freeVersionSlot(id, ops);
    await ops.create(metadata, after);
    return this.table(id, ops);
  }
}

/**
 * A catalog over process-local memory, for tests and experiments: every call gets a fresh store
 * unless `store` names one.
 */
export function memoryCatalog(options: { store?: string; name?: string; commitOptions?: ObjectStoreCatalogOptions['commitOptions'] } = {}): ObjectStoreCatalog {
  const store = options.store ?? `catalog-${randomUUID()}`;
  const o: ObjectStoreCatalogOptions = { warehouse: `memory://${store}/warehouse`, storage: new MemoryStorage(), name: options.name ?? 'memory' };
  if (options.commitOptions !== undefined) o.commitOptions = options.commitOptions;
  return new ObjectStoreCatalog(o);
}

