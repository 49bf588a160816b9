/**
 * Sets and removes table properties. Property changes merge into whatever the table holds when the
 * commit lands (no requirement on the base, as in the reference implementation); values lake
 * understands are validated first (`validatePropertyChanges`).
 *
 * `format-version` is not stored: as in the reference implementation's `replaceProperties`,
 * setting it upgrades the table (never down). The other reserved properties describe the metadata
 * itself (`uuid`, `current-snapshot-id`, ...) and are refused.
 */
import { LakeError } from '../errors.js';
import { planFormatUpgrade } from '../spec/format-upgrade.js';
import { parseNameMapping } from '../spec/name-mapping.js';
import { RESERVED_PROPERTIES, TableProperty, validateTableProperties } from '../spec/properties.js';
import { ColumnIndex } from '../spec/schema-update.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { TableUpdate } from '../spec/updates.js';
import { requirementsFor } from './requirements-for.js';
import type { CommitResult, PendingUpdate, StagedChange, TableHandle } from './staged-change.js';

function invalid(key: string, value: string, expected: string): never {
  throw new LakeError('INVALID_INPUT', `table property ${key}=${JSON.stringify(value)} is invalid: expected ${expected}`, { context: { property: key, value } });
}

type Check = (key: string, value: string) => void;

const oneOf =
  (...allowed: string[]): Check =>
  (key, value) => {
    if (!allowed.includes(value.trim().toLowerCase())) invalid(key, value, allowed.join(', '));
  };

const bool: Check = (key, value) => {
  const v = value.trim().toLowerCase();
  if (v !== 'true' && v !== 'false') invalid(key, value, 'true or false');
};

const integer =
  (min: bigint): Check =>
  (key, value) => {
    const s = value.trim();
    if (!/^[+-]?\d+$/.test(s) || BigInt(s) < min || BigInt(s) > 2n ** 63n - 1n) invalid(key, value, `a whole number of at least ${min}`);
  };

const fraction: Check = (key, value) => {
  const n = Number(value.trim());
  if (value.trim() === '' || !(n > 0 && n < 1)) invalid(key, value, 'a number between 0 and 1');
};

const FILE_FORMATS = oneOf('parquet', 'avro', 'orc');
const WRITE_MODES = oneOf('copy-on-write', 'merge-on-read');
const DISTRIBUTION = oneOf('none', 'hash', 'range');
const CODECS = oneOf('zstd', 'snappy', 'gzip', 'lz4', 'brotli', 'uncompressed');

/** Properties whose meaning Iceberg defines beyond what `validateTableProperties` checks. */
const CHECKS: Record<string, Check> = {
  'write.format.default': FILE_FORMATS,
  'write.delete.format.default': FILE_FORMATS,
  'write.delete.mode': WRITE_MODES,
  'write.update.mode': WRITE_MODES,
  'write.merge.mode': WRITE_MODES,
  'write.distribution-mode': DISTRIBUTION,
  'write.delete.distribution-mode': DISTRIBUTION,
  'write.update.distribution-mode': DISTRIBUTION,
  'write.merge.distribution-mode': DISTRIBUTION,
  'write.metadata.compression-codec': oneOf('none', 'gzip'),
  'write.delete.parquet.compression-codec': CODECS,
  'write.parquet.compression-level': integer(-(2n ** 31n)),
  'write.parquet.row-group-size-bytes': integer(1n),
  'write.parquet.page-size-bytes': integer(1n),
  'write.parquet.page-row-limit': integer(1n),
  'write.parquet.dict-size-bytes': integer(1n),
  'write.parquet.bloom-filter-max-bytes': integer(1n),
  'write.delete.target-file-size-bytes': integer(1n),
  'commit.manifest.target-size-bytes': integer(1n),
  'commit.manifest.min-count-to-merge': integer(0n),
  'commit.manifest-merge.enabled': bool,
  'write.object-storage.enabled': bool,
  'write.object-storage.partitioned-paths': bool,
  'write.wap.enabled': bool,
  'gc.enabled': bool,
};

const PREFIX_CHECKS: [string, Check][] = [
  ['write.parquet.bloom-filter-enabled.column.', bool],
  ['write.parquet.stats-enabled.column.', bool],
  ['write.parquet.bloom-filter-fpp.column.', fraction],
];

/**
 * Validates property values about to be set on a table, as far as Iceberg (and lake) define their
 * meaning: lake's typed properties (`write.target-file-size-bytes`, `commit.retry.*`,
 * `write.metadata.*`, isolation levels, the Parquet codec, ...), the name mapping JSON, per-column
 * metrics modes for columns that exist (as the reference implementation's `MetricsConfig`), write
 * modes, file formats and flags. Only the keys being set are checked, so a table holding values
 * written by other engines can still change other properties. Throws INVALID_INPUT naming the key.
 */
export function validatePropertyChanges(base: TableMetadata, set: Readonly<Record<string, string>>): void {
  const keys = Object.keys(set);
  if (keys.length === 0) return;
  const subset: Record<string, string> = { ...set };
  // Related settings are checked together (min-wait must not exceed max-wait).
  if (keys.some((k) => k.startsWith('commit.retry.'))) {
    for (const [k, v] of Object.entries(base.properties)) if (k.startsWith('commit.retry.') && !(k in subset)) subset[k] = v;
  }
  validateTableProperties(subset);
  const schema = base.schemas.find((s) => s.schemaId === base.currentSchemaId);
  const columns = schema === undefined ? undefined : new ColumnIndex(schema);
  for (const [key, value] of Object.entries(set)) {
    CHECKS[key]?.(key, value);
    for (const [prefix, check] of PREFIX_CHECKS) if (key.startsWith(prefix)) check(key, value);
    if (key === TableProperty.DEFAULT_NAME_MAPPING) {
      try {
        parseNameMapping(value, 'INVALID_INPUT');
      } catch (e) {
        throw new LakeError('INVALID_INPUT', `table property ${key} is not a valid name mapping: ${(e as Error).message}`, { cause: e, context: { property: key } });
      }
    }
    if (key.startsWith(TableProperty.METRICS_MODE_COLUMN_PREFIX) && columns !== undefined) {
      const column = key.slice(TableProperty.METRICS_MODE_COLUMN_PREFIX.length);
      if (columns.find(column) === undefined) {
        throw new LakeError('INVALID_INPUT', `table property ${key}: column ${column} does not exist in the table's schema`, { context: { property: key, column } });
      }
    }
  }
}

/**
 * The updates for a property change against `base` (pure): `set-properties`, `remove-properties`,
 * then the format upgrade a `format-version` value asks for.
 */
export function planPropertyChanges(base: TableMetadata, set: Readonly<Record<string, string>>, removals: readonly string[]): TableUpdate[] {
  const stored: Record<string, string> = {};
  let version: string | undefined;
  for (const [k, v] of Object.entries(set)) {
    if (k === TableProperty.FORMAT_VERSION) version = v;
    else stored[k] = v;
  }
  validatePropertyChanges(base, stored);
  // Like the reference implementation's replaceProperties: only values that change, only keys that exist.
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(base.properties, k);
  const changed = Object.fromEntries(Object.entries(stored).filter(([k, v]) => !has(k) || base.properties[k] !== v));
  const removed = removals.filter(has);
  const updates: TableUpdate[] = [];
  if (Object.keys(changed).length > 0) updates.push({ action: 'set-properties', updates: changed });
  if (removed.length > 0) updates.push({ action: 'remove-properties', removals: removed });
  if (version !== undefined) updates.push(...planFormatUpgrade(base, version).updates);
  return updates;
}

export class UpdateProperties implements PendingUpdate {
  readonly operationName = 'update-properties';
  readonly targetBranch = undefined;
  private readonly updates: Record<string, string> = {};
  private readonly removals = new Set<string>();

  constructor(private readonly table: TableHandle) {}

  /** Sets a property; `format-version` upgrades the table instead of being stored. */
  set(key: string, value: string): this {
    if (typeof key !== 'string' || key === '') throw new LakeError('INVALID_INPUT', 'property key must be a non-empty string');
    if (typeof value !== 'string') throw new LakeError('INVALID_INPUT', `property ${key} must have a string value`, { context: { key } });
    if (RESERVED_PROPERTIES.has(key) && key !== TableProperty.FORMAT_VERSION) {
      throw new LakeError('INVALID_INPUT', `${key} is a reserved property: it describes the table metadata and cannot be set`, { context: { key } });
    }
    if (this.removals.has(key)) throw new LakeError('INVALID_INPUT', `property ${key} is both set and removed`, { context: { key } });
    this.updates[key] = value;
    return this;
  }

  setAll(props: Record<string, string>): this {
    for (const [k, v] of Object.entries(props)) this.set(k, v);
    return this;
  }

  remove(key: string): this {
    if (RESERVED_PROPERTIES.has(key)) throw new LakeError('INVALID_INPUT', `${key} is a reserved property and cannot be removed`, { context: { key } });
    if (Object.prototype.hasOwnProperty.call(this.updates, key)) throw new LakeError('INVALID_INPUT', `property ${key} is both set and removed`, { context: { key } });
    this.removals.add(key);
    return this;
  }

  /** The updates against the table as loaded, validating the values (nothing is committed). */
  preview(): TableUpdate[] {
    return planPropertyChanges(this.table.metadata, this.updates, [...this.removals]);
  }

  commit(): Promise<CommitResult> {
    return this.table.committer.commit(this);
  }

  writtenFiles(): string[] {
    return [];
  }

  async stage(base: TableMetadata): Promise<StagedChange> {
    const updates = planPropertyChanges(base, this.updates, [...this.removals]);
    return { updates, requirements: requirementsFor(base, updates), files: [], conflictChecks: [] };
  }
}
