/**
 * Where a table's metadata files go (DESIGN.md §2): `<location>/metadata/` unless the table
 * property `write.metadata.path` names another folder.
 *   manifest lists: `snap-<snapshot-id>-<attempt>-<uuid>.avro` (one per commit attempt)
 *   manifests:      `<uuid>-m<k>.avro` (k counts the manifests one operation writes)
 */
import { randomUUID } from 'node:crypto';
import type { TableMetadata } from '../spec/table-metadata.js';
import { joinLocation } from '../storage/location.js';

export const METADATA_PATH_PROPERTY = 'write.metadata.path';

/** The folder new metadata files of the table are written to. */
export function metadataFolder(metadata: TableMetadata): string {
  const custom = metadata.properties[METADATA_PATH_PROPERTY];
  if (custom !== undefined && custom.trim() !== '') return custom.replace(/\/+$/, '');
  return joinLocation(metadata.location, 'metadata');
}

export function manifestListLocation(metadata: TableMetadata, snapshotId: bigint, attempt: number): string {
  return joinLocation(metadataFolder(metadata), `snap-${snapshotId}-${attempt}-${randomUUID()}.avro`);
}

/** Names manifests written by one operation: one uuid per operation, `-m0`, `-m1`, ... */
export class ManifestNamer {
  private readonly uuid = randomUUID();
  private next = 0;

  location(metadata: TableMetadata): string {
    return joinLocation(metadataFolder(metadata), `${this.uuid}-m${this.next++}.avro`);
  }
}
