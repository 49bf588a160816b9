/**
 * Location strings: which backend a location belongs to and how it splits into parts.
 *
 * Locations are taken literally, as Iceberg writes them: no percent-decoding, because Iceberg
 * implementations write partition values already escaped (`name=a%20b`) and the file on disk or the
 * S3 key carries that text verbatim.
 */
import * as path from 'node:path';
import { LakeError } from '../errors.js';

export type StorageScheme = 'file' | 's3' | 'memory';

export interface FileLocation {
  scheme: 'file';
  /** Absolute filesystem path. */
  path: string;
  /** The text before `path` in the original location (`''`, `file://`, `file:`), kept so outputs match inputs. */
  base: string;
}

export interface S3Location {
  scheme: 's3';
  /** `s3`, `s3a` or `s3n`: Hadoop-style aliases name the same object. */
  uriScheme: 's3' | 's3a' | 's3n';
  bucket: string;
  /** Object key, possibly empty (the whole bucket). */
  key: string;
}

export interface MemoryLocation {
  scheme: 'memory';
  store: string;
  key: string;
}

export type ParsedLocation = FileLocation | S3Location | MemoryLocation;

const URI_SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** The backend a location belongs to; plain paths (absolute or relative) are `file`. */
export function schemeOf(location: string): StorageScheme {
  const m = URI_SCHEME.exec(location);
  if (!m) return 'file';
  const s = m[1]!.toLowerCase();
  if (s === 'file') return 'file';
  if (s === 's3' || s === 's3a' || s === 's3n') return 's3';
  if (s === 'memory') return 'memory';
  throw new LakeError('UNSUPPORTED_FEATURE', `unsupported storage location scheme '${m[1]}:' in ${location}`, {
    context: { location },
  });
}

export function parseLocation(location: string): ParsedLocation {
  const scheme = schemeOf(location);
  if (scheme === 'file') return parseFileLocation(location);
  if (scheme === 's3') return parseS3Location(location);
  return parseMemoryLocation(location);
}

/** Plain absolute paths, `file:///abs`, `file://localhost/abs` and Hadoop's `file:/abs`. */
export function parseFileLocation(location: string): FileLocation {
  let base = '';
  let p = location;
  if (/^file:/i.test(location)) {
    const rest = location.slice('file:'.length);
    if (rest.startsWith('//')) {
      const slash = rest.indexOf('/', 2);
      const host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
      if (host !== '' && host.toLowerCase() !== 'localhost') {
        throw new LakeError('UNSUPPORTED_FEATURE', `file locations on another host are not supported: ${location}`, {
          context: { location },
        });
      }
      base = location.slice(0, 'file:'.length + 2 + host.length);
      p = slash < 0 ? '/' : rest.slice(slash);
    } else {
      base = location.slice(0, 'file:'.length);
      p = rest;
    }
  }
  if (!path.isAbsolute(p)) {
    throw new LakeError('INVALID_INPUT', `a local storage location must be an absolute path: ${location}`, {
      context: { location },
    });
  }
  return { scheme: 'file', path: p, base };
}

export function parseS3Location(location: string): S3Location {
  const m = /^(s3|s3a|s3n):\/\/([^/]*)(?:\/(.*))?$/is.exec(location);
  if (!m || m[2] === '') {
    throw new LakeError('INVALID_INPUT', `malformed S3 location (expected s3://bucket/key): ${location}`, {
      context: { location },
    });
  }
  return { scheme: 's3', uriScheme: m[1]!.toLowerCase() as S3Location['uriScheme'], bucket: m[2]!, key: m[3] ?? '' };
}

export function parseMemoryLocation(location: string): MemoryLocation {
  const m = /^memory:\/\/([^/]*)(?:\/(.*))?$/is.exec(location);
  if (!m || m[1] === '') {
    throw new LakeError('INVALID_INPUT', `malformed memory location (expected memory://store/key): ${location}`, {
      context: { location },
    });
  }
  return { scheme: 'memory', store: m[1]!, key: m[2] ?? '' };
}

/**
 * Makes a user-given location absolute: relative plain paths resolve against the working directory
 * (e.g. the default warehouse `./warehouse`); URIs are returned unchanged.
 */
export function toAbsoluteLocation(location: string): string {
  if (schemeOf(location) === 'file' && !URI_SCHEME.test(location)) return path.resolve(location);
  return location;
}

/**
 * Joins a location and relative parts with `/`, keeping the location's scheme and form
 * (`joinLocation('s3://b/wh', 'db', 't')` is `s3://b/wh/db/t`).
 */
export function joinLocation(location: string, ...parts: string[]): string {
  let out = location;
  for (const part of parts) {
    if (part === '') continue;
    out = out.endsWith('/') ? out + part.replace(/^\/+/, '') : `${out}/${part.replace(/^\/+/, '')}`;
  }
  return out;
}
