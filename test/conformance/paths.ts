/**
 * Path remapping for conformance cases. Every path embedded in a case's metadata (manifest lists,
 * manifests, data and delete files, statistics files) starts with the case's embedded prefix
 * (EXPECTED.json `embedded_path_prefix`: `s3://...`, `s3a://...`, `file://...` or a relative
 * path); the files themselves sit under the case folder. A small local remap keeps the metadata
 * level independent of the scan code; the data level resolves files through lake's own path
 * remapping.
 */
import { join, resolve } from 'node:path';

/**
 * The local path of `path` when it starts with `prefix` (as a whole path segment: prefix
 * `lineitem_iceberg` does not match `lineitem_iceberg_gz/...`), else undefined.
 */
export function remapPath(path: string, prefix: string, dir: string): string | undefined {
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (path === base || path === `${base}/`) return resolve(dir);
  if (!path.startsWith(`${base}/`)) return undefined;
  // Double slashes after the prefix (`.../table//data/x`) name the same object on every store we read.
  const rest = path.slice(base.length + 1).replace(/^\/+/, '');
  return join(resolve(dir), rest);
}

/** A remapper for one case; undefined for paths outside the case's prefix. */
export function caseRemapper(prefix: string, dir: string): (path: string) => string | undefined {
  return (path) => remapPath(path, prefix, dir);
}
