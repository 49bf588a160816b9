/**
 * The catalog interface: namespaces and tables. The object-store catalog (object-store-catalog.ts)
 * is the embedded default; SQL (Iceberg JDBC schema) and REST catalogs implement the same
 * interface with their own TableOperations.
 */
import type { PartitionSpec } from '../src/spec/partition-spec.js';
import type { Schema } from '../src/spec/schema.js';
import type { SortOrder } from '../src/spec/sort-order.js';
import type { FormatVersion } from '../src/spec/table-metadata.js';
import type { NamespaceInput, TableIdentifier, TableIdentifierInput } from './identifier.js';
import type { Table } from './table.js';

export interface CreateNamespaceOptions {
  properties?: Record<string, string>;
}

export interface CreateTableOptions {
  /** Field ids are reassigned from 1 (any unique ids will do). */
  schema: Schema;
  /** Source ids refer to `schema`'s ids. Unpartitioned when absent. */
  partitionSpec?: PartitionSpec;
  /** Source ids refer to `schema`'s ids. Unsorted when absent. */
  sortOrder?: SortOrder;
  properties?: Record<string, string>;
  /** Where data files and manifests go (default: the table's folder in the warehouse). */
  location?: string;
  /** Default 2 (or the `format-version` property). */
  formatVersion?: FormatVersion;
}

export interface DropTableOptions {
  /** Also delete the table's data and metadata files (default false: only the table entry goes). */
  purge?: boolean;
}

export interface Catalog {
  readonly name: string;

  createNamespace(namespace: NamespaceInput, options?: CreateNamespaceOptions): Promise<void>;
  /** Namespaces directly under `parent` (top-level ones without it). */
  listNamespaces(parent?: NamespaceInput): Promise<string[][]>;
  loadNamespaceProperties(namespace: NamespaceInput): Promise<Record<string, string>>;
  namespaceExists(namespace: NamespaceInput): Promise<boolean>;
  /** Drops an empty namespace (no tables, no nested namespaces); NAMESPACE_NOT_EMPTY otherwise. */
  dropNamespace(namespace: NamespaceInput): Promise<void>;

  createTable(identifier: TableIdentifierInput, options: CreateTableOptions): Promise<Table>;
  loadTable(identifier: TableIdentifierInput): Promise<Table>;
  tableExists(identifier: TableIdentifierInput): Promise<boolean>;
  listTables(namespace: NamespaceInput): Promise<TableIdentifier[]>;
  dropTable(identifier: TableIdentifierInput, options?: DropTableOptions): Promise<void>;
  renameTable(from: TableIdentifierInput, to: TableIdentifierInput): Promise<void>;
  /** Adds a table whose metadata file already exists (written by lake or another engine). */
  registerTable(identifier: TableIdentifierInput, metadataLocation: string): Promise<Table>;
}
