/**
 * Manifests and manifest lists: the Avro files below a snapshot (spec "Manifests", "Manifest
 * Lists", Appendix A "Avro"), in the shapes of src/spec/data-file.ts.
 *
 * - `writeManifest` / `readManifest` (+ `readManifestMetadata` for the key-value metadata only);
 *   reading applies snapshot-id, sequence-number and first-row-id inheritance when given the
 *   manifest's `ManifestFile`, and can decode only the column metrics a scan needs (`stats`).
 * - `writeManifestList` / `readManifestList`; writing assigns the snapshot's sequence number to
 *   manifests still at `UNASSIGNED_SEQUENCE_NUMBER`, and v3 first_row_ids.
 * - 64-bit ids read from Avro are signed; ids above 2^63 - 1 in table metadata are the same bit
 *   pattern: compare with `sameId`, key maps with `idKey`.
 * - Codecs: null and deflate; others are refused with UNSUPPORTED_FEATURE, as are encrypted files.
 */
export { type AvroCodec } from './avro-file.js';
export {
  type AvroSchema,
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
