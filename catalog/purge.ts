/**
 * The files a table's metadata reaches: every snapshot's manifest list, manifests and data and
 * delete files (removed ones too: they stay on storage until expiry), statistics files and the
 * metadata files in `metadata-log`. Dropping a table with purge deletes exactly these, as the
 * reference implementation's `CatalogUtil.dropTableData` does, so files of other tables that share
 * a location are never touched.
 */
import pLimit from 'p-limit';
import type { TableMetadata } from '../src/spec/table-metadata.js';
import type { Storage } from '../src/storage/storage.js';
import { manifestEntries, snapshotManifests } from '../src/write/manifest-reader.js';

export async function reachableFiles(io: Storage, metadata: TableMetadata): Promise<Set<string>> {
  const files = new Set<string>();
  for (const e of metadata.metadataLog) files.add(e.metadataFile);
  for (const s of metadata.statistics) files.add(s.statisticsPath);
  for (const s of metadata.partitionStatistics) files.add(s.statisticsPath);
  const limit = pLimit(8);
  const manifests = new Map<string, Awaited<ReturnType<typeof snapshotManifests>>[number]>();
  await Promise.all(
    metadata.snapshots.map((s) =>
      limit(async () => {
        if (s.manifestList !== undefined) files.add(s.manifestList);
        for (const m of s.manifests ?? []) files.add(m);
        if (s.manifestList === undefined) return;
        for (const m of await snapshotManifests(io, s)) manifests.set(m.manifestPath, m);
      }),
    ),
  );
  await Promise.all(
    [...manifests.values()].map((m) =>
      limit(async () => {
        files.add(m.manifestPath);
        for (const e of await manifestEntries(io, m, metadata)) files.add(e.dataFile.filePath);
      }),
    ),
  );
  return files;
}
