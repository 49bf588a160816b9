/**
 * Table properties that lake reads, with the reference implementation's names and defaults
 * (apache/iceberg `TableProperties`), and typed getters that validate values. A malformed value is
 * an INVALID_INPUT error naming the property, never a silent fallback to the default.
 */
import { LakeError } from '../errors.js';

export const TableProperty = {
  FORMAT_VERSION: 'format-version',
  COMMIT_NUM_RETRIES: 'commit.retry.num-retries',
  COMMIT_MIN_RETRY_WAIT_MS: 'commit.retry.min-wait-ms',
  COMMIT_MAX_RETRY_WAIT_MS: 'commit.retry.max-wait-ms',
  COMMIT_TOTAL_RETRY_TIME_MS: 'commit.retry.total-timeout-ms',
  TARGET_FILE_SIZE_BYTES: 'write.target-file-size-bytes',
  METADATA_PREVIOUS_VERSIONS_MAX: 'write.metadata.previous-versions-max',
  METADATA_DELETE_AFTER_COMMIT_ENABLED: 'write.metadata.delete-after-commit.enabled',
  DEFAULT_WRITE_METRICS_MODE: 'write.metadata.metrics.default',
  METRICS_MODE_COLUMN_PREFIX: 'write.metadata.metrics.column.',
  DELETE_ISOLATION_LEVEL: 'write.delete.isolation-level',
  UPDATE_ISOLATION_LEVEL: 'write.update.isolation-level',
  MERGE_ISOLATION_LEVEL: 'write.merge.isolation-level',
  PARQUET_COMPRESSION: 'write.parquet.compression-codec',
  SUMMARY_PARTITION_LIMIT: 'write.summary.partition-limit',
  DEFAULT_NAME_MAPPING: 'schema.name-mapping.default',
  MIN_SNAPSHOTS_TO_KEEP: 'history.expire.min-snapshots-to-keep',
  MAX_SNAPSHOT_AGE_MS: 'history.expire.max-snapshot-age-ms',
  MAX_REF_AGE_MS: 'history.expire.max-ref-age-ms',
} as const;

export const PropertyDefaults = {
  FORMAT_VERSION: 2,
  COMMIT_NUM_RETRIES: 4,
  COMMIT_MIN_RETRY_WAIT_MS: 100,
  COMMIT_MAX_RETRY_WAIT_MS: 60_000,
  COMMIT_TOTAL_RETRY_TIME_MS: 1_800_000,
  TARGET_FILE_SIZE_BYTES: 536_870_912,
  METADATA_PREVIOUS_VERSIONS_MAX: 100,
  METADATA_DELETE_AFTER_COMMIT_ENABLED: false,
  DEFAULT_WRITE_METRICS_MODE: 'truncate(16)',
  ISOLATION_LEVEL: 'serializable',
  /** Default for new tables (the reference implementation writes it into new tables' properties). */
  PARQUET_COMPRESSION: 'zstd',
  SUMMARY_PARTITION_LIMIT: 0,
  MIN_SNAPSHOTS_TO_KEEP: 1,
  MAX_SNAPSHOT_AGE_MS: 432_000_000, // 5 days
  MAX_REF_AGE_MS: 9223372036854775807n, // never
} as const;

/**
 * Properties that describe the metadata itself and are never stored in `properties` (the
 * reference implementation's `TableProperties.RESERVED_PROPERTIES`).
 */
export const RESERVED_PROPERTIES: ReadonlySet<string> = new Set([
  'format-version',
  'uuid',
  'snapshot-count',
  'current-snapshot-id',
  'current-snapshot-summary',
  'current-snapshot-timestamp-ms',
  'current-schema',
  'default-partition-spec',
  'default-sort-order',
]);

/** Target data file size accepted by lake's writers and compaction: 100 MB to 1 GB (DESIGN.md). */
export const TARGET_FILE_SIZE_MIN = 100 * 1024 * 1024;
export const TARGET_FILE_SIZE_MAX = 1024 * 1024 * 1024;

export type Properties = Readonly<Record<string, string>>;

function invalid(key: string, value: string, expected: string): never {
  throw new LakeError('INVALID_INPUT', `table property ${key}=${JSON.stringify(value)} is invalid: expected ${expected}`, {
    context: { property: key, value },
  });
}

function get(props: Properties, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(props, key) ? props[key] : undefined;
}

/** An integer property in [min, max], or the default when absent. */
export function intProperty(props: Properties, key: string, defaultValue: number, min = -(2 ** 31), max = 2 ** 31 - 1): number {
  const raw = get(props, key);
  if (raw === undefined) return defaultValue;
  const s = raw.trim();
  if (!/^[+-]?\d+$/.test(s)) invalid(key, raw, 'an integer');
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < min || n > max) invalid(key, raw, `an integer from ${min} to ${max}`);
  return n;
}

/** A 64-bit integer property as bigint, or the default when absent. */
export function longProperty(props: Properties, key: string, defaultValue: bigint, min = -(2n ** 63n)): bigint {
  const raw = get(props, key);
  if (raw === undefined) return defaultValue;
  const s = raw.trim();
  if (!/^[+-]?\d+$/.test(s)) invalid(key, raw, 'an integer');
  const n = BigInt(s);
  if (n < min || n > 2n ** 63n - 1n) invalid(key, raw, `an integer from ${min} to ${2n ** 63n - 1n}`);
  return n;
}

/** `true` or `false` (any case), or the default when absent. */
export function booleanProperty(props: Properties, key: string, defaultValue: boolean): boolean {
  const raw = get(props, key);
  if (raw === undefined) return defaultValue;
  const s = raw.trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  return invalid(key, raw, 'true or false');
}

export function stringProperty(props: Properties, key: string, defaultValue: string): string {
  return get(props, key) ?? defaultValue;
}

export interface CommitRetrySettings {
  numRetries: number;
  minWaitMs: number;
  maxWaitMs: number;
  totalTimeoutMs: number;
}

/** Commit retry settings (`commit.retry.*`). */
export function commitRetrySettings(props: Properties): CommitRetrySettings {
  const s: CommitRetrySettings = {
    numRetries: intProperty(props, TableProperty.COMMIT_NUM_RETRIES, PropertyDefaults.COMMIT_NUM_RETRIES, 0),
    minWaitMs: intProperty(props, TableProperty.COMMIT_MIN_RETRY_WAIT_MS, PropertyDefaults.COMMIT_MIN_RETRY_WAIT_MS, 0),
    maxWaitMs: intProperty(props, TableProperty.COMMIT_MAX_RETRY_WAIT_MS, PropertyDefaults.COMMIT_MAX_RETRY_WAIT_MS, 0),
    totalTimeoutMs: intProperty(props, TableProperty.COMMIT_TOTAL_RETRY_TIME_MS, PropertyDefaults.COMMIT_TOTAL_RETRY_TIME_MS, 0),
  };
  if (s.minWaitMs > s.maxWaitMs) {
    throw new LakeError(
      'INVALID_INPUT',
      `table property ${TableProperty.COMMIT_MIN_RETRY_WAIT_MS}=${s.minWaitMs} is larger than ${TableProperty.COMMIT_MAX_RETRY_WAIT_MS}=${s.maxWaitMs}`,
      { context: { property: TableProperty.COMMIT_MIN_RETRY_WAIT_MS } },
    );
  }
  return s;
}

/** `write.target-file-size-bytes`, within lake's accepted range (100 MB to 1 GB). */
export function targetFileSizeBytes(props: Properties): number {
  return intProperty(
    props,
    TableProperty.TARGET_FILE_SIZE_BYTES,
    PropertyDefaults.TARGET_FILE_SIZE_BYTES,
    TARGET_FILE_SIZE_MIN,
    TARGET_FILE_SIZE_MAX,
  );
}

/** `write.metadata.previous-versions-max`: how many previous metadata files `metadata-log` keeps (at least 1). */
export function metadataPreviousVersionsMax(props: Properties): number {
  return intProperty(props, TableProperty.METADATA_PREVIOUS_VERSIONS_MAX, PropertyDefaults.METADATA_PREVIOUS_VERSIONS_MAX, 1);
}

export function metadataDeleteAfterCommit(props: Properties): boolean {
  return booleanProperty(props, TableProperty.METADATA_DELETE_AFTER_COMMIT_ENABLED, PropertyDefaults.METADATA_DELETE_AFTER_COMMIT_ENABLED);
}

export type MetricsMode = { kind: 'none' } | { kind: 'counts' } | { kind: 'full' } | { kind: 'truncate'; length: number };

/** Parses a metrics mode string: `none`, `counts`, `full`, `truncate(N)` with N > 0. */
export function parseMetricsMode(value: string, key: string = TableProperty.DEFAULT_WRITE_METRICS_MODE): MetricsMode {
  const s = value.trim().toLowerCase();
  if (s === 'none' || s === 'counts' || s === 'full') return { kind: s };
  const m = /^truncate\((\d+)\)$/.exec(s);
  if (m) {
    const length = Number(m[1]);
    if (length > 0 && Number.isSafeInteger(length)) return { kind: 'truncate', length };
  }
  return invalid(key, value, 'none, counts, full or truncate(N) with N > 0');
}

/** `write.metadata.metrics.default`. */
export function defaultMetricsMode(props: Properties): MetricsMode {
  return parseMetricsMode(stringProperty(props, TableProperty.DEFAULT_WRITE_METRICS_MODE, PropertyDefaults.DEFAULT_WRITE_METRICS_MODE));
}

/** Metrics mode of one column: `write.metadata.metrics.column.<name>`, else the default mode. */
export function columnMetricsMode(props: Properties, columnName: string): MetricsMode {
  const key = TableProperty.METRICS_MODE_COLUMN_PREFIX + columnName;
  const raw = get(props, key);
  return raw === undefined ? defaultMetricsMode(props) : parseMetricsMode(raw, key);
}

export type IsolationLevel = 'serializable' | 'snapshot';
export type IsolationOperation = 'delete' | 'update' | 'merge';

/** `write.<operation>.isolation-level`: `serializable` (default) or `snapshot`. */
export function isolationLevel(props: Properties, operation: IsolationOperation): IsolationLevel {
  const key = { delete: TableProperty.DELETE_ISOLATION_LEVEL, update: TableProperty.UPDATE_ISOLATION_LEVEL, merge: TableProperty.MERGE_ISOLATION_LEVEL }[operation];
  const raw = stringProperty(props, key, PropertyDefaults.ISOLATION_LEVEL);
  const s = raw.trim().toLowerCase();
  if (s === 'serializable' || s === 'snapshot') return s;
  return invalid(key, raw, 'serializable or snapshot');
}

export type ParquetCodec = 'zstd' | 'snappy' | 'gzip' | 'lz4' | 'brotli' | 'uncompressed';
const PARQUET_CODECS: readonly ParquetCodec[] = ['zstd', 'snappy', 'gzip', 'lz4', 'brotli', 'uncompressed'];

/**
 * `write.parquet.compression-codec`. When absent, `zstd`: the default the reference implementation
 * writes into every new table (tables created elsewhere without the property may expect `gzip`,
 * but any codec is readable).
 */
export function parquetCompressionCodec(props: Properties): ParquetCodec {
  const raw = stringProperty(props, TableProperty.PARQUET_COMPRESSION, PropertyDefaults.PARQUET_COMPRESSION);
  const s = raw.trim().toLowerCase();
  if ((PARQUET_CODECS as readonly string[]).includes(s)) return s as ParquetCodec;
  return invalid(TableProperty.PARQUET_COMPRESSION, raw, PARQUET_CODECS.join(', '));
}

/** `write.summary.partition-limit`: per-partition summaries are written up to this many changed partitions. */
export function summaryPartitionLimit(props: Properties): number {
  return intProperty(props, TableProperty.SUMMARY_PARTITION_LIMIT, PropertyDefaults.SUMMARY_PARTITION_LIMIT, 0);
}

/** `format-version` as given when creating a table (1, 2 or 3), or undefined when absent. */
export function formatVersionProperty(props: Properties): 1 | 2 | 3 | undefined {
  if (get(props, TableProperty.FORMAT_VERSION) === undefined) return undefined;
  return intProperty(props, TableProperty.FORMAT_VERSION, PropertyDefaults.FORMAT_VERSION, 1, 3) as 1 | 2 | 3;
}

/** The raw JSON of `schema.name-mapping.default`, if set (parse it with `parseNameMapping`). */
export function nameMappingProperty(props: Properties): string | undefined {
  return get(props, TableProperty.DEFAULT_NAME_MAPPING);
}

export interface SnapshotRetention {
  minSnapshotsToKeep: number;
  maxSnapshotAgeMs: bigint;
  maxRefAgeMs: bigint;
}

/** Table-level defaults for snapshot expiration (`history.expire.*`). */
export function snapshotRetention(props: Properties): SnapshotRetention {
  return {
    minSnapshotsToKeep: intProperty(props, TableProperty.MIN_SNAPSHOTS_TO_KEEP, PropertyDefaults.MIN_SNAPSHOTS_TO_KEEP, 1),
    maxSnapshotAgeMs: longProperty(props, TableProperty.MAX_SNAPSHOT_AGE_MS, BigInt(PropertyDefaults.MAX_SNAPSHOT_AGE_MS), 1n),
    maxRefAgeMs: longProperty(props, TableProperty.MAX_REF_AGE_MS, PropertyDefaults.MAX_REF_AGE_MS, 1n),
  };
}

/**
 * Validates the values of the properties lake understands (the others pass unchecked), for
 * callers about to set them. Throws INVALID_INPUT naming the first bad property.
 */
export function validateTableProperties(props: Properties): void {
  commitRetrySettings(props);
  targetFileSizeBytes(props);
  metadataPreviousVersionsMax(props);
  metadataDeleteAfterCommit(props);
  defaultMetricsMode(props);
  for (const key of Object.keys(props)) {
    if (key.startsWith(TableProperty.METRICS_MODE_COLUMN_PREFIX)) parseMetricsMode(props[key]!, key);
  }
  isolationLevel(props, 'delete');
  isolationLevel(props, 'update');
  isolationLevel(props, 'merge');
  parquetCompressionCodec(props);
  summaryPartitionLimit(props);
  formatVersionProperty(props);
  snapshotRetention(props);
}
