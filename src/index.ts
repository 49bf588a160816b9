/**
 * The public API of lake's core (`src/`): the Iceberg model, predicates, storage, scan planning and
 * reading, and the operations that stage commits. Catalogs, tables and the data-level operations
 * (`openCatalog`, `table.append`, `table.scan`, ...) are exported by `catalog/index.ts`, which
 * re-exports everything here: that is the package's entry point (see docs/api.md).
 */

// ---- errors ----
export { LakeError, type LakeErrorCode, type LakeErrorOptions, isLakeError } from './errors.js';

// ---- the Iceberg model (spec) ----
export {
  type IcebergType,
  type ListType,
  type MapType,
  type NestedField,
  type NestedType,
  type PrimitiveType,
  type StructType,
  isPrimitive,
  parsePrimitiveType,
  primitiveToString,
  typeToString,
} from './spec/types.js';
export { type Schema, findField, findFieldByName, parseSchema, schemaToJson } from './spec/schema.js';
export {
  type BuildPartitionSpecOptions,
  type PartitionField,
  type PartitionFieldRequest,
  type PartitionSpec,
  UNPARTITIONED,
  buildPartitionSpec,
  isUnpartitioned,
  parsePartitionSpec,
  partitionPath,
  partitionSpecToJson,
} from './spec/partition-spec.js';
export { type Transform, applyTransform, parseTransform, transformToString } from './spec/transforms.js';
export { type NullOrder, type SortDirection, type SortField, type SortOrder, UNSORTED_ORDER, parseSortOrder, sortOrderToJson } from './spec/sort-order.js';
export {
  MAIN_BRANCH,
  type Snapshot,
  type SnapshotOperation,
  type SnapshotRef,
  type SnapshotRefType,
  type SnapshotSummary,
  SummaryField,
  ancestorsOf,
  isAncestorOf,
} from './spec/snapshot.js';
export {
  type FormatVersion,
  type TableMetadata,
  currentSchema,
  currentSnapshot,
  defaultSortOrder,
  defaultSpec,
  parseTableMetadata,
  schemaById,
  serializeTableMetadata,
  snapshotById,
  specById,
  tableMetadataToJson,
} from './spec/table-metadata.js';
export { type DataFile, EntryStatus, FileContent, type FileFormat, type ManifestEntry, type ManifestFile } from './spec/data-file.js';
export { type IsolationLevel, PropertyDefaults, TableProperty } from './spec/properties.js';
export { type NameMapping, nameMappingFromSchema, parseNameMapping, serializeNameMapping } from './spec/name-mapping.js';
export { type TableUpdate, applyUpdates } from './spec/updates.js';
export { type TableRequirement, checkRequirements } from './spec/requirements.js';
export { type EvolutionChange, type EvolutionOptions, parseEvolutionChanges, parseEvolveArgs, parseTypeText } from './spec/evolution-changes.js';
export { type PartitionTerm, parsePartitionTerm, partitionTermToString } from './spec/partition-spec-update.js';

// ---- predicates ----
export {
  type BoundExpression,
  type Expression,
  type UnboundExpression,
  alwaysFalse,
  alwaysTrue,
  and,
  bind,
  equal,
  expressionToString,
  greaterThan,
  greaterThanOrEqual,
  isIn,
  isNan,
  isNull,
  lessThan,
  lessThanOrEqual,
  not,
  notEqual,
  notIn,
  notNan,
  notNull,
  notStartsWith,
  or,
  parsePredicate,
  projectInclusive,
  projectStrict,
  startsWith,
  toDuckDbSql,
} from './expressions/index.js';

// ---- storage ----
export {
  LocalStorage,
  MemoryStorage,
  type ObjectInfo,
  S3Storage,
  type S3StorageOptions,
  type Storage,
  type StorageForOptions,
  closeSharedS3Clients,
  joinLocation,
  storageFor,
  toAbsoluteLocation,
} from './storage/index.js';

// ---- reading ----
export {
  type FileScanTask,
  FileIO,
  type FileIOOptions,
  METADATA_TABLE_NAMES,
  type MetadataTable,
  type MetadataTableName,
  type PathRemap,
  type PlanScanOptions,
  type QueryResult,
  type ReadArrowOptions,
  type ScanPlan,
  type SelectedSnapshot,
  type SnapshotSelectorInput,
  type SqlSession,
  type SqlSessionOptions,
  arrowSchemaOf,
  createSqlSession,
  formatJson,
  formatTextTable,
  metadataTable,
  parsePathRemap,
  parseTimestampMs,
  planScan,
  readArrow,
  selectSnapshot,
  toArrowTable,
  toJsonRows,
} from './scan/index.js';

// ---- writing: data files and the operations that stage commits ----
export {
  AppendFiles,
  type ArrowInput,
  type CommitOptions,
  type CommitResult,
  type Committer,
  type CsvOptions,
  DeleteFiles,
  type ExistingFilesOptions,
  type ExistingFilesResult,
  IDEMPOTENCY_KEY_PROPERTY,
  type InputFormat,
  ManageSnapshots,
  OverwriteFiles,
  type PendingUpdate,
  ReplacePartitions,
  RewriteFiles,
  RowDelta,
  type StagedChange,
  Transaction,
  UpdatePartitionSpec,
  UpdateProperties,
  UpdateSchema,
  type WriteDataFilesOptions,
  type WriteFilesOptions,
  dataFilesForExistingFiles,
  inputFormatOf,
  newEvolution,
  previewEvolution,
  writeDataFiles,
  writeDataFilesFromFiles,
} from './write/index.js';
export { type RewriteRowsOptions, keptRowsSql, rewriteRowsWithout } from './write/rewrite-rows.js';
