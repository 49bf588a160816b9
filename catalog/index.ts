/**
 * Catalogs and the commit protocol: `openCatalog` for the embedded object-store catalog,
 * `openTableAt` for a table without a catalog, and the pieces other catalogs build on.
 */
import { ObjectStoreCatalog, type ObjectStoreCatalogOptions } from './object-store-catalog.js';

export type { Catalog, CreateNamespaceOptions, CreateTableOptions, DropTableOptions } from './catalog.js';
export {
  MAX_IDENTIFIER_PART_BYTES,
  MAX_NAMESPACE_DEPTH,
  type NamespaceInput,
  type TableIdentifier,
  type TableIdentifierInput,
  namespaceToString,
  parseNamespace,
  parseTableIdentifier,
  tableIdentifierToString,
  validateIdentifierPart,
} from './identifier.js';
export type { CommitAttemptOptions, CommitPriority, TableOperations, TableState } from './table-operations.js';
export { type CommitDriverOptions, type RetryInfo, commitUpdate } from './commit.js';
export { retryDelayMs, retrySettings } from './retry-policy.js';
export { snapshotsSince, validateConflicts } from './conflict-validation.js';
export { VERSION_HINT_FILE, type VersionFile, findNewestVersion, parseVersionFileName, versionFileName } from './metadata-versions.js';
export { ObjectCommitPriority, PRIORITY_FILE } from './commit-priority.js';
export { ObjectStoreTableOperations } from './object-store-table-operations.js';
export { NAMESPACE_FILE, ObjectStoreCatalog, type ObjectStoreCatalogOptions, memoryCatalog } from './object-store-catalog.js';
export { reachableFiles } from './purge.js';
export { type OpenTableOptions, openTableAt } from './static-table.js';
export { Table, type TableOptions } from './table.js';
export {
  type AddFilesOptions,
  type CommitFilesOptions,
  type OverwriteOptions,
  type ScanOptions,
  TableScan,
  type TableIOOptions,
  type WriteOptions,
  type WriteProgress,
  type WriteResult,
  addExistingFiles,
  appendArrow,
  commitFiles,
  overwriteArrow,
  tableFileIO,
} from './table-writes.js';
// The core API (model, predicates, storage, reading, staged operations): this module is the package entry.
export * from '../src/index.js';

/** Default warehouse: `LAKE_WAREHOUSE`, else `./warehouse`. */
export function defaultWarehouse(): string {
  return process.env.LAKE_WAREHOUSE ?? './warehouse';
}

export interface OpenCatalogOptions extends Partial<ObjectStoreCatalogOptions> {}

/** The embedded object-store catalog over a warehouse (default `LAKE_WAREHOUSE` or `./warehouse`). */
export function openCatalog(options: OpenCatalogOptions = {}): ObjectStoreCatalog {
  return new ObjectStoreCatalog({ ...options, warehouse: options.warehouse ?? defaultWarehouse() });
}
