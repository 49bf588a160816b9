/**
 * Manifests and manifest lists: Avro codecs for the spec's metadata tree below a snapshot.
 */
export { type AvroCodec } from './avro-file.js';
export {
  type FormatVersion,
  MANIFEST_LIST_SCHEMAS,
  manifestEntrySchema,
  partitionRecordSchema,
  sanitizeAvroName,
} from './schemas.js';
export {
  type ManifestContentName,
  type ManifestContents,
  ManifestMetadata,
  type ReadManifestOptions,
  UNASSIGNED_SEQUENCE_NUMBER,
  type WriteManifestOptions,
  type WrittenManifest,
  readManifest,
  readManifestMetadata,
  writeManifest,
} from './manifest.js';
export {
  type ManifestList,
  type WriteManifestListOptions,
  type WrittenManifestList,
  readManifestList,
  writeManifestList,
} from './manifest-list.js';
export { partitionSummaries } from './partition-summary.js';
export { idKey, sameId, toSigned64 } from './snapshot-id.js';
