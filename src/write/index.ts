/**
 * Writing: operations that stage commits (snapshot producers, metadata changes, transactions) and
 * the contract with catalogs that commit them.
 */
export type {
  CommitOptions,
  CommitResult,
  Committer,
  ConflictCheck,
  PartitionRef,
  PendingUpdate,
  StageContext,
  StagedChange,
  TableHandle,
} from './staged-change.js';
export { COMMIT_ID_PROPERTY, IDEMPOTENCY_KEY_PROPERTY, newCommitId, snapshotWithIdempotencyKey, snapshotsWithCommitId } from './commit-id.js';
export { requirementsFor } from './requirements-for.js';
export { METADATA_PATH_PROPERTY, ManifestNamer, manifestListLocation, metadataFolder } from './metadata-locations.js';
export { clearManifestCaches, manifestEntries, rememberManifestList, snapshotManifests } from './manifest-reader.js';
export { ChangeSummary, isDeletionVector } from './change-summary.js';
export { RowFilterMatcher } from './row-filter-matcher.js';
export { type FileSelection, type FilterResult, ManifestFilter } from './manifest-filter.js';
export { MAX_ENTRIES_PER_MANIFEST, NewFiles, checkNewFiles, writeNewManifests, type WriteNewManifestsOptions } from './new-manifests.js';
export { type ProducedSnapshot, SnapshotProducer, branchHead } from './snapshot-producer.js';
export { MergingSnapshotProducer, type RemovalOutcome } from './merging-snapshot-producer.js';
export { AppendFiles } from './append-files.js';
export { OverwriteFiles } from './overwrite-files.js';
export { ReplacePartitions } from './replace-partitions.js';
export { RewriteFiles } from './rewrite-files.js';
export { DeleteFiles } from './delete-files.js';
export { RowDelta } from './row-delta.js';
export { UpdateProperties } from './update-properties.js';
export { MetadataUpdate } from './metadata-update.js';
export { ManageSnapshots, type RefRetention } from './manage-snapshots.js';
export { Transaction } from './transaction.js';
export { UpdateSchema, type AddColumnOptions, type UpdateSchemaOptions, planSchemaUpdate, checkSameColumns } from './update-schema.js';
export { UpdatePartitionSpec, planPartitionSpecUpdate } from './update-partition-spec.js';
export { ReplaceSortOrder, planSortOrder } from './replace-sort-order.js';
export { UpgradeFormatVersion } from './upgrade-format.js';
export { planPropertyChanges, validatePropertyChanges } from './update-properties.js';
export { type EvolutionPreview, evolutionOperations, newEvolution, previewEvolution } from './evolve-table.js';
export {
  type ArrowInput,
  type WriteDataFilesOptions,
  type WriteOptionsBase,
  type WriteTable,
  resolveWriteTable,
  writeDataFiles,
  writeTargetFileSize,
} from './data-writer.js';
export { type CsvOptions, type InputFormat, type WriteFilesOptions, inputFormatOf, writeDataFilesFromFiles } from './file-input.js';
export { type ExistingFile, type ExistingFilesOptions, type ExistingFilesResult, dataFilesForExistingFiles } from './existing-files.js';
export { DataFileNamer, type LocationProvider, dataLocation, locationProvider, objectStorageHash } from './location-provider.js';
