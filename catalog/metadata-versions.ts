/**
 * Versioned metadata files in a table's `metadata/` folder and how to find the newest one.
 *
 * lake writes `v<N>.metadata.json` (N = 1, 2, ...) with an atomic create, so the newest version is
 * the highest N. `version-hint.text` holds N of a recent version but is rewritten after the commit
 * and never trusted alone: loading reads the hint, then probes forward (`v<N+1>`, `v<N+2>`, ...)
 * until a version is missing, and falls back to listing the folder when there is no usable hint.
 * Tables written by other engines (`00001-<uuid>.metadata.json`, gzip variants) are found by
 * listing.
 *
 * A version can also be a tombstone: a small JSON object written by drop and rename into the next
 * version slot, so that no writer holding an older version can commit to the table afterwards.
 */
import { LakeError, isLakeError } from '../src/errors.js';
import { joinLocation } from '../src/storage/location.js';
import type { Storage } from '../src/storage/storage.js';
import { decodeJsonBytes } from '../src/util/json.js';

export const VERSION_HINT_FILE = 'version-hint.text';
const TOMBSTONE_KEY = 'lake-tombstone';

export function versionFileName(version: number): string {
  return `v${version}.metadata.json`;
}

/** N of a metadata file name (`v<N>.metadata.json`, `<N>-<uuid>.metadata.json`, `.gz` variants), or undefined. */
export function parseVersionFileName(name: string): number | undefined {
  const m = /^v(\d+)(?:\.gz)?\.metadata\.json$/.exec(name) ?? /^(\d+)-[0-9a-fA-F-]+(?:\.gz)?\.metadata\.json$/.exec(name);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface Tombstone {
  reason: 'dropped' | 'renamed';
  /** For renames: the table's new identifier. */
  renamedTo?: string;
  timestampMs: number;
}

export function tombstoneText(t: Tombstone): string {
  return JSON.stringify({ [TOMBSTONE_KEY]: t });
}

/** The tombstone a version file holds, if it is one. */
export function parseTombstone(text: string): Tombstone | undefined {
  if (!text.startsWith(`{"${TOMBSTONE_KEY}"`)) return undefined;
  try {
    return (JSON.parse(text) as Record<string, Tombstone>)[TOMBSTONE_KEY];
  } catch {
    return undefined;
  }
}

/** A version file found in a metadata folder, with its text. */
export interface VersionFile {
  version: number;
  location: string;
  text: string;
  tombstone?: Tombstone;
}

async function readText(io: Storage, location: string): Promise<string | undefined> {
  try {
    return decodeJsonBytes(await io.read(location));
  } catch (e) {
    if (isLakeError(e, 'NOT_FOUND')) return undefined;
    throw e;
  }
}

function versionFile(version: number, location: string, text: string): VersionFile {
  const f: VersionFile = { version, location, text };
  const t = parseTombstone(text);
  if (t !== undefined) f.tombstone = t;
  return f;
}

async function readHint(io: Storage, metadataDir: string): Promise<number | undefined> {
  let text: string | undefined;
  try {
    text = decodeJsonBytes(await io.read(joinLocation(metadataDir, VERSION_HINT_FILE)));
  } catch (e) {
    if (isLakeError(e, 'NOT_FOUND')) return undefined;
    throw e;
  }
  const trimmed = text.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : parseVersionFileName(trimmed);
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The highest version by listing the folder (any naming), or undefined when there is none. */
async function listNewest(io: Storage, metadataDir: string): Promise<{ version: number; location: string } | undefined> {
  const prefix = metadataDir.endsWith('/') ? metadataDir : `${metadataDir}/`;
  let best: { version: number; location: string; time: number } | undefined;
  for await (const o of io.list(prefix)) {
    const name = o.location.slice(prefix.length);
    if (name.includes('/')) continue;
    const v = parseVersionFileName(name);
    if (v === undefined) continue;
    const time = o.lastModified?.getTime() ?? 0;
    if (best === undefined || v > best.version || (v === best.version && time > best.time)) best = { version: v, location: o.location, time };
  }
  return best && { version: best.version, location: best.location };
}

/**
 * Reads `v<from+1>`, `v<from+2>`, ... until one is missing; returns the last one found, or
 * undefined when `v<from+1>` is missing.
 */
async function probeForward(io: Storage, metadataDir: string, from: number): Promise<VersionFile | undefined> {
  let found: VersionFile | undefined;
  for (let v = from + 1; ; v++) {
    const location = joinLocation(metadataDir, versionFileName(v));
    const text = await readText(io, location);
    if (text === undefined) return found;
    found = versionFile(v, location, text);
  }
}

export interface FindNewestOptions {
  /** A version known to exist (the caller's last state): probing starts after it, no hint read. */
  known?: number;
}

/**
 * The newest version file of a metadata folder (possibly a tombstone), or undefined when the folder
 * has none. With `known`, returns undefined when nothing newer than `known` exists.
 */
export async function findNewestVersion(io: Storage, metadataDir: string, options: FindNewestOptions = {}): Promise<VersionFile | undefined> {
  if (options.known !== undefined) return probeForward(io, metadataDir, options.known);
  const hint = await readHint(io, metadataDir);
  if (hint !== undefined) {
    const location = joinLocation(metadataDir, versionFileName(hint));
    const text = await readText(io, location);
    if (text !== undefined) return (await probeForward(io, metadataDir, hint)) ?? versionFile(hint, location, text);
  }
  const listed = await listNewest(io, metadataDir);
  if (listed === undefined) return undefined;
  const text = await readText(io, listed.location);
  if (text === undefined) {
    throw new LakeError('STORAGE_ERROR', `metadata file ${listed.location} was listed but could not be read`, { retryable: true, context: { location: listed.location } });
  }
  const isLakeName = /^v\d+\.metadata\.json$/.test(listed.location.slice(listed.location.lastIndexOf('/') + 1));
  // A version committed after the listing is found by probing on.
  return (isLakeName ? await probeForward(io, metadataDir, listed.version) : undefined) ?? versionFile(listed.version, listed.location, text);
}

/** Rewrites the hint; a failure is ignored (readers probe forward from any hint). */
export async function writeVersionHint(io: Storage, metadataDir: string, version: number): Promise<void> {
  await io.write(joinLocation(metadataDir, VERSION_HINT_FILE), String(version)).catch(() => undefined);
}
