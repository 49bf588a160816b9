/**
 * Where new data files go (spec Appendix F "Path Construction"), as the reference
 * implementation's `LocationProviders` places them:
 * - default: `<data>/<partition path>/<file name>`, where `<data>` is `write.data.path` (absolute,
 *   or relative to the table location) or `<table location>/data`;
 * - `write.object-storage.enabled=true`: `<data>/<hash dirs>/<partition path>/<file name>`, with
 *   20 bits of the Murmur3 hash of `<partition path>/<file name>` spread over directories
 *   (`0101/1100/0011/01101001`) so that object stores spread the keys across prefixes;
 *   `write.object-storage.partitioned-paths=false` drops the partition path and appends the last
 *   hash part to the file name instead (`<data>/0101/1100/0011/01101001-<file name>`).
 * File names are `<write uuid>-<k>.parquet`: one uuid per write, `k` counting the files it writes.
 */
import { randomUUID } from 'node:crypto';
import { joinLocation, schemeOf } from '../storage/location.js';
import { hashString } from '../spec/murmur3.js';
import { type PartitionSpec, partitionPath } from '../spec/partition-spec.js';
import { type Properties, booleanProperty } from '../spec/properties.js';
import type { Schema } from '../spec/schema.js';

export const WRITE_DATA_PATH = 'write.data.path';
export const OBJECT_STORE_ENABLED = 'write.object-storage.enabled';
export const OBJECT_STORE_PARTITIONED_PATHS = 'write.object-storage.partitioned-paths';
/** Deprecated aliases the reference implementation still reads. */
const LEGACY_DATA_PATHS = ['write.object-storage.path', 'write.folder-storage.path'];

export interface LocationProvider {
  /** The base of new data files (no trailing slash). */
  readonly dataLocation: string;
  /** Location of a new data file of a partition (an empty tuple for unpartitioned specs). */
  newDataLocation(spec: PartitionSpec, schema: Schema, partition: readonly unknown[], fileName: string): string;
}

function stripTrailingSlash(s: string): string {
  let out = s;
  while (out.length > 1 && out.endsWith('/') && !out.endsWith('://')) out = out.slice(0, -1);
  return out;
}

function isAbsolute(location: string): boolean {
  return location.startsWith('/') || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location);
}

/** The data base location of a table: `write.data.path` or `<table location>/data`. */
export function dataLocation(tableLocation: string, properties: Properties = {}): string {
  const table = stripTrailingSlash(tableLocation);
  let configured = properties[WRITE_DATA_PATH];
  for (const key of LEGACY_DATA_PATHS) configured ??= properties[key];
  if (configured === undefined || configured.trim() === '') return `${table}/data`;
  return stripTrailingSlash(isAbsolute(configured) ? configured : joinLocation(table, configured));
}

/**
 * The entropy directories of the object-storage layout: the low 20 bits of the Murmur3 hash of
 * the UTF-8 `name`, as a binary string split `4/4/4/8` (Java's `ObjectStoreLocationProvider`).
 */
export function objectStorageHash(name: string): string {
  const h = hashString(name) | 0x80000000;
  const bits = (h >>> 0).toString(2).slice(-20);
  return `${bits.slice(0, 4)}/${bits.slice(4, 8)}/${bits.slice(8, 12)}/${bits.slice(12)}`;
}

/** The location provider of a table from its location and properties. */
export function locationProvider(tableLocation: string, properties: Properties = {}): LocationProvider {
  const table = stripTrailingSlash(tableLocation);
  const data = dataLocation(table, properties);
  if (!booleanProperty(properties, OBJECT_STORE_ENABLED, false)) {
    return {
      dataLocation: data,
      newDataLocation(spec, schema, partition, fileName) {
        const dir = spec.fields.length === 0 ? '' : partitionPath(spec, schema, partition);
        return dir === '' ? `${data}/${fileName}` : `${data}/${dir}/${fileName}`;
      },
    };
  }
  const partitioned = booleanProperty(properties, OBJECT_STORE_PARTITIONED_PATHS, true);
  // Outside the table location the hash is followed by `<parent>/<table>` so tables sharing a
  // data location stay apart, as the reference implementation does.
  const context = data.startsWith(table) ? undefined : table.split('/').slice(-2).join('/');
  const place = (name: string): string => {
    const hash = objectStorageHash(name);
    if (context !== undefined) return `${data}/${hash}/${context}/${name}`;
    return partitioned ? `${data}/${hash}/${name}` : `${data}/${hash}-${name}`;
  };
  return {
    dataLocation: data,
    newDataLocation(spec, schema, partition, fileName) {
      if (!partitioned || spec.fields.length === 0) return place(fileName);
      return place(`${partitionPath(spec, schema, partition)}/${fileName}`);
    },
  };
}

/** Names the files of one write: `<uuid>-<k>.parquet`, `k` = 0, 1, 2, ... */
export class DataFileNamer {
  readonly writeId: string;
  private next = 0;

  constructor(writeId: string = randomUUID()) {
    this.writeId = writeId;
  }

  nextName(extension = 'parquet'): string {
    return `${this.writeId}-${this.next++}.${extension}`;
  }
}

/** Whether a location is on the local filesystem (files can be renamed into place). */
export function isLocalLocation(location: string): boolean {
  return schemeOf(location) === 'file';
}
