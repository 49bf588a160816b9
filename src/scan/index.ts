/**
 * Reading tables: scan planning (snapshot selection, pruning, delete matching), file IO with path
 * remaps, deletion vectors and position deletes, metadata tables, and the readers.
 */
export type { DeleteFileRef, FileScanTask, ScanPlan, ScanPlanStats } from './scan-task.js';
export { FileIO, type FileIOOptions, type PathRemap, parsePathRemap } from './file-io.js';
export {
  type SelectedSnapshot,
  type SnapshotSelector,
  type SnapshotSelectorInput,
  parseTimestampMs,
  selectSnapshot,
  toSnapshotSelector,
} from './snapshot-selector.js';
export {
  DEFAULT_PLANNING_CONCURRENCY,
  type PlanScanOptions,
  bindFilter,
  planScan,
  projectColumns,
  snapshotManifests,
} from './planner.js';
export {
  DELETE_FILE_PATH_FIELD_ID,
  DELETE_FILE_POS_FIELD_ID,
  DELETE_FILE_ROW_FIELD_ID,
  DeleteFileIndex,
  type DeleteFileIndexOptions,
  type MatchingDeletes,
  canContainEqualityDeletes,
  isDeletionVector,
  referencedDataFile,
} from './delete-file-index.js';
export {
  PositionDeleteLoader,
  type PositionDeleteLoaderOptions,
  type PositionDeleteRows,
  type ReadPositionDeleteFile,
  loadPositionDeletes,
  readDeletionVector,
} from './position-deletes.js';
export {
  METADATA_TABLE_NAMES,
  type MetadataColumn,
  type MetadataTable,
  type MetadataTableName,
  type SnapshotTableOptions,
  filesTable,
  historyTable,
  manifestsTable,
  metadataTable,
  partitionsTable,
  refsTable,
  snapshotsTable,
  unifiedPartitionType,
} from './metadata-tables.js';
export {
  type ReadArrowOptions,
  arrowSchemaOf,
  planColumns,
  readArrow,
  readLocalFooter,
  toArrowTable,
} from './arrow-reader.js';
export { FIELD_ID_KEY, arrowField, arrowSchema, arrowType } from './arrow-reader-types.js';
export {
  type ConstantProjection,
  type FileProjection,
  type ProjectFileOptions,
  type Projection,
  type ScanColumns,
  type StoredType,
  canRead,
  identityPartitionConstants,
  initialDefault,
  projectFile,
  scanColumns,
  selectFields,
  storedType,
} from './field-projection.js';
export { DEFAULT_CACHE_MAX_BYTES, FileCache, type FileCacheOptions, type LocalFile, defaultFileCache, localFileFor } from './file-cache.js';
export { type DuckDbScan, type DuckDbScanColumn, type DuckDbScanOptions, prepareDuckDbScan } from './duckdb-scan.js';
export { type RowsColumn, type SqlSession, type SqlSessionOptions, createSqlSession, splitTableName } from './duckdb-session.js';
export { duckdbLiteral, duckdbType } from './duckdb-types.js';
export {
  type JsonRowValue,
  type QueryResult,
  type ResultColumn,
  type TextTableOptions,
  arrowJsonReader,
  arrowToJsonRows,
  cellText,
  formatJson,
  formatTextTable,
  jsonValue,
  lakeValueJson,
  toJsonRows,
} from './row-format.js';
