/**
 * Iceberg column metrics of a Parquet data file (spec "Manifests", "Field-level Metrics and
 * Statistics"; Appendix D for the bound bytes), computed from the file's footer as the reference
 * implementation's `ParquetMetrics` does:
 * - `column_sizes`: compressed bytes of every leaf column with a field id (list and map leaves too);
 * - `value_counts` / `null_value_counts`: per primitive column that is not inside a list or map,
 *   summed over row groups (no counts when a row group has no null count);
 * - `lower_bounds` / `upper_bounds`: min and max over row groups in Iceberg's order, converted
 *   exactly from the Parquet statistics bytes to the column's Iceberg type; strings and binary
 *   truncated per the metrics mode, the upper bound rounded up (and dropped when it cannot be);
 *   no bounds for list and map leaves, none when a bound is NaN;
 * - `nan_value_counts`: only when the writer measured them (`floatStats`). The reference
 *   implementation also takes NaN counts only from its own writers and leaves them out for
 *   footer-only metrics (imported files); lake does the same.
 * Metrics modes follow `MetricsConfig`: `write.metadata.metrics.default` (truncate(16)), per
 * column `write.metadata.metrics.column.<name>`, sorted columns promoted to at least truncate(16),
 * and wide tables (over `write.metadata.metrics.max-inferred-column-defaults`, 100 columns) get
 * metrics only for their first 100 columns unless a default is configured.
 */
import { LakeError } from '../errors.js';
import { type Schema, indexSchema } from '../spec/schema.js';
import { daysToMicros, daysToNanos } from '../spec/date-time.js';
import { type MetricsMode, type Properties, TableProperty, intProperty, parseMetricsMode } from '../spec/properties.js';
import { compareValues, decimalFromBytes, encodeValue, uuidFromBytes } from '../spec/single-value.js';
import type { SortOrder } from '../spec/sort-order.js';
import { preservesOrder } from '../spec/transforms.js';
import { type IcebergType, type PrimitiveType, isPrimitive } from '../spec/types.js';
import { type ParquetFooter, type ParquetLeaf, type ParquetSchemaElement, parquetLeaves, rowGroupOffsets } from './metrics-footer.js';

// ---- truncation (the reference implementation's UnicodeUtil and BinaryUtil rules) ----

/** The first `length` code points of a string: a lower bound of every string it prefixes. */
export function truncateStringMin(s: string, length: number): string {
  let units = 0;
  let points = 0;
  while (units < s.length && points < length) {
    const c = s.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < s.length ? 2 : 1;
    points++;
  }
  return units >= s.length ? s : s.slice(0, units);
}

/**
 * The shortest string of at most `length` code points that is greater than or equal to `s`:
 * `s` itself when short enough, else its prefix with the last code point that can be incremented
 * incremented (skipping the surrogate range, dropping the code points after it). Undefined when
 * no code point can be incremented (all are U+10FFFF).
 */
export function truncateStringMax(s: string, length: number): string | undefined {
  const prefix = truncateStringMin(s, length);
  if (prefix.length === s.length) return s;
  const points = Array.from(prefix);
  for (let i = points.length - 1; i >= 0; i--) {
    const cp = points[i]!.codePointAt(0)!;
    if (cp === 0x10ffff) continue;
    const next = cp === 0xd7ff ? 0xe000 : cp + 1;
    return points.slice(0, i).join('') + String.fromCodePoint(next);
  }
  return undefined;
}

/** The first `length` bytes. */
export function truncateBinaryMin(b: Uint8Array, length: number): Uint8Array {
  return b.length <= length ? b : b.slice(0, length);
}

/** The first `length` bytes with the last byte below 0xFF incremented and the bytes after it dropped; undefined when all are 0xFF. */
export function truncateBinaryMax(b: Uint8Array, length: number): Uint8Array | undefined {
  if (b.length <= length) return b;
  for (let i = length - 1; i >= 0; i--) {
    if (b[i]! !== 0xff) {
      const out = b.slice(0, i + 1);
      out[i] = b[i]! + 1;
      return out;
    }
  }
  return undefined;
}

// ---- metrics modes ----

/** The metrics mode of each column, by field id. */
export type MetricsModes = (fieldId: number) => MetricsMode;

const DEFAULT_MODE: MetricsMode = { kind: 'truncate', length: 16 };
const NONE: MetricsMode = { kind: 'none' };
const MAX_INFERRED_KEY = 'write.metadata.metrics.max-inferred-column-defaults';

function modeOr(raw: string, key: string, fallback: MetricsMode): MetricsMode {
  try {
    return parseMetricsMode(raw, key);
  } catch {
    // As the reference implementation: an invalid mode is ignored rather than failing writes.
    return fallback;
  }
}

export interface MetricsModesOptions {
  schema: Schema;
  properties?: Properties;
  /** The sort order the file is written in: its order-preserving columns get at least truncate(16). */
  sortOrder?: SortOrder;
}

/** The metrics mode of every column of a table, as the reference implementation's `MetricsConfig.forTable`. */
export function metricsModes(options: MetricsModesOptions): MetricsModes {
  const { schema } = options;
  const props = options.properties ?? {};
  const idx = indexSchema(schema);
  const nameOf = (id: number): string | undefined => idx.get(id)?.path;
  const columnModes = new Map<string, MetricsMode>();
  let defaultMode: MetricsMode;
  const configured = Object.prototype.hasOwnProperty.call(props, TableProperty.DEFAULT_WRITE_METRICS_MODE)
    ? props[TableProperty.DEFAULT_WRITE_METRICS_MODE]
    : undefined;
  if (configured !== undefined) {
    defaultMode = modeOr(configured, TableProperty.DEFAULT_WRITE_METRICS_MODE, DEFAULT_MODE);
  } else {
    let maxInferred = 100;
    try {
      maxInferred = intProperty(props, MAX_INFERRED_KEY, 100, 0);
    } catch {
      maxInferred = 100;
    }
    const projected = [...idx.values()].filter((e) => e.field.type.kind !== 'struct').length;
    if (projected <= maxInferred) {
      defaultMode = DEFAULT_MODE;
    } else {
      for (const id of limitFieldIds(schema, maxInferred)) {
        const name = nameOf(id);
        if (name !== undefined) columnModes.set(name, DEFAULT_MODE);
      }
      defaultMode = NONE;
    }
  }
  if (options.sortOrder !== undefined) {
    const sortedMode = defaultMode.kind === 'none' || defaultMode.kind === 'counts' ? DEFAULT_MODE : defaultMode;
    for (const f of options.sortOrder.fields) {
      if (!preservesOrder(f.transform)) continue;
      const name = nameOf(f.sourceId);
      if (name !== undefined) columnModes.set(name, sortedMode);
    }
  }
  for (const key of Object.keys(props)) {
    if (!key.startsWith(TableProperty.METRICS_MODE_COLUMN_PREFIX)) continue;
    const column = key.slice(TableProperty.METRICS_MODE_COLUMN_PREFIX.length);
    columnModes.set(column, modeOr(props[key]!, key, defaultMode));
  }
  return (fieldId) => {
    const name = nameOf(fieldId);
    return (name === undefined ? undefined : columnModes.get(name)) ?? defaultMode;
  };
}

/** The first `limit` metrics-eligible column ids: each struct's primitive fields first, then its nested fields. */
function limitFieldIds(schema: Schema, limit: number): Set<number> {
  const ids = new Set<number>();
  const more = (): boolean => ids.size < limit;
  const visit = (t: IcebergType): void => {
    if (isPrimitive(t)) return;
    if (t.kind === 'struct') {
      for (const f of t.fields) {
        if (!more()) break;
        if (isPrimitive(f.type)) ids.add(f.id);
      }
      for (const f of t.fields) {
        if (!more()) break;
        visit(f.type);
      }
    } else if (t.kind === 'list') {
      if (more() && isPrimitive(t.element)) ids.add(t.elementId);
      visit(t.element);
    } else {
      if (more() && isPrimitive(t.key)) ids.add(t.keyId);
      if (more() && isPrimitive(t.value)) ids.add(t.valueId);
      visit(t.key);
      visit(t.value);
    }
  };
  visit({ kind: 'struct', fields: schema.fields });
  return ids;
}

// ---- statistics bytes -> Iceberg values ----

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function isUnsigned(e: ParquetSchemaElement): boolean {
  if (e.logicalType?.type === 'INTEGER') return !e.logicalType.isSigned;
  return e.convertedType?.startsWith('UINT_') ?? false;
}

function timeUnit(e: ParquetSchemaElement): 'MILLIS' | 'MICROS' | 'NANOS' | undefined {
  const lt = e.logicalType;
  if (lt !== undefined && (lt.type === 'TIMESTAMP' || lt.type === 'TIME')) return lt.unit;
  switch (e.convertedType) {
    case 'TIMESTAMP_MILLIS':
    case 'TIME_MILLIS':
      return 'MILLIS';
    case 'TIMESTAMP_MICROS':
    case 'TIME_MICROS':
      return 'MICROS';
    default:
      return undefined;
  }
}

function isDate(e: ParquetSchemaElement): boolean {
  return e.logicalType?.type === 'DATE' || e.convertedType === 'DATE';
}

function fileDecimalScale(e: ParquetSchemaElement): number | undefined {
  if (e.logicalType?.type === 'DECIMAL') return e.logicalType.scale;
  if (e.convertedType === 'DECIMAL') return e.scale ?? 0;
  return undefined;
}

/**
 * The Iceberg value (lake's in-memory form) of a Parquet statistics value of a leaf read as
 * Iceberg type `t`, exactly; undefined when it cannot be represented exactly (the caller then
 * writes no bound). Handles the type promotions Iceberg allows between file and table
 * (int -> long, float -> double, decimal precision, date -> timestamp) and timestamp units.
 */
export function statisticValue(e: ParquetSchemaElement, t: PrimitiveType, b: Uint8Array): unknown {
  switch (e.type) {
    case 'BOOLEAN':
      return t.kind === 'boolean' && b.length >= 1 ? b[0] !== 0 : undefined;
    case 'INT32': {
      if (b.length !== 4) return undefined;
      const v = isUnsigned(e) ? dv(b).getUint32(0, true) : dv(b).getInt32(0, true);
      switch (t.kind) {
        case 'int':
          return v <= 0x7fffffff ? v : undefined;
        case 'long':
          return BigInt(v);
        case 'date':
          return v;
        case 'time':
          return timeUnit(e) === 'MILLIS' ? BigInt(v) * 1000n : undefined;
        case 'timestamp':
        case 'timestamptz':
          return isDate(e) ? daysToMicros(v) : undefined;
        case 'timestamp_ns':
        case 'timestamptz_ns':
          return isDate(e) ? daysToNanos(v) : undefined;
        case 'decimal':
          return (fileDecimalScale(e) ?? 0) === t.scale ? BigInt(v) : undefined;
        default:
          return undefined;
      }
    }
    case 'INT64': {
      if (b.length !== 8) return undefined;
      const v = isUnsigned(e) ? dv(b).getBigUint64(0, true) : dv(b).getBigInt64(0, true);
      if (v > 0x7fffffffffffffffn) return undefined;
      const unit = timeUnit(e);
      switch (t.kind) {
        case 'long':
          return v;
        case 'time':
          return unit === 'MICROS' ? v : unit === 'MILLIS' ? v * 1000n : undefined;
        case 'timestamp':
        case 'timestamptz':
          return unit === 'MICROS' ? v : unit === 'MILLIS' ? v * 1000n : undefined;
        case 'timestamp_ns':
        case 'timestamptz_ns':
          return unit === 'NANOS' ? v : unit === 'MICROS' ? v * 1000n : unit === 'MILLIS' ? v * 1_000_000n : undefined;
        case 'decimal':
          return (fileDecimalScale(e) ?? 0) === t.scale ? v : undefined;
        default:
          return undefined;
      }
    }
    case 'FLOAT':
      return (t.kind === 'float' || t.kind === 'double') && b.length === 4 ? dv(b).getFloat32(0, true) : undefined;
    case 'DOUBLE':
      return t.kind === 'double' && b.length === 8 ? dv(b).getFloat64(0, true) : undefined;
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      switch (t.kind) {
        case 'string':
          try {
            return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
          } catch {
            return undefined;
          }
        case 'binary':
          return b.slice();
        case 'fixed':
          return b.length === t.length ? b.slice() : undefined;
        case 'uuid':
          return b.length === 16 ? uuidFromBytes(b) : undefined;
        case 'decimal':
          return b.length > 0 && (fileDecimalScale(e) ?? 0) === t.scale ? decimalFromBytes(b) : undefined;
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}

/**
 * The min and max statistics of a column chunk that are safe to use: `min_value`/`max_value`, or
 * the deprecated `min`/`max` only for numeric and boolean columns (for byte arrays they were
 * compared as signed bytes by old writers).
 */
function chunkMinMax(e: ParquetSchemaElement, stats: NonNullable<ParquetFooter['rowGroups'][number]['columns'][number]['statistics']>): [Uint8Array, Uint8Array] | undefined {
  if (stats.minValue !== undefined && stats.maxValue !== undefined) return [stats.minValue, stats.maxValue];
  const signedOrder = (e.type === 'INT32' || e.type === 'INT64' || e.type === 'FLOAT' || e.type === 'DOUBLE' || e.type === 'BOOLEAN') && !isUnsigned(e);
  if (signedOrder && stats.min !== undefined && stats.max !== undefined) return [stats.min, stats.max];
  return undefined;
}

// ---- file metrics ----

/**
 * Field ids of the FLOAT and DOUBLE leaf columns that may hold NaN somewhere in the file: a row
 * group has non-null values of the column but no usable min/max, a NaN min/max, or no statistics.
 * DuckDB writes no min/max for a column chunk holding NaN, and its `RETURN_STATS` `has_nan`
 * describes only the last row group written, so this footer check is what finds NaNs in the
 * earlier row groups (test/write/data-writer.test.ts, "NaN only in the first row group").
 */
export function floatColumnsMaybeNaN(footer: ParquetFooter): Set<number> {
  const out = new Set<number>();
  for (const leaf of parquetLeaves(footer)) {
    const e = leaf.element;
    if ((e.type !== 'FLOAT' && e.type !== 'DOUBLE') || e.fieldId === undefined) continue;
    for (const rg of footer.rowGroups) {
      const chunk = rg.columns[leaf.index];
      if (chunk === undefined) continue;
      const stats = chunk.statistics;
      if (stats === undefined || stats.nullCount === undefined) {
        out.add(e.fieldId);
        break;
      }
      if (stats.nullCount >= chunk.numValues) continue;
      const mm = chunkMinMax(e, stats);
      if (mm === undefined || mm.some((b) => Number.isNaN(floatFromBytes(e.type, b)))) {
        out.add(e.fieldId);
        break;
      }
    }
  }
  return out;
}

function floatFromBytes(type: ParquetSchemaElement['type'], b: Uint8Array): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (type === 'FLOAT') return b.byteLength >= 4 ? view.getFloat32(0, true) : NaN;
  return b.byteLength >= 8 ? view.getFloat64(0, true) : NaN;
}


/** Metrics the writer measured itself for a float or double column. */
export interface FloatColumnStats {
  nanCount: number;
  /**
   * Bounds without NaN measured by the writer, replacing the footer's (undefined bounds: every
   * non-null value is NaN). Absent: the footer's bounds are used.
   */
  bounds?: { lower?: number; upper?: number };
}

export interface FileMetrics {
  recordCount: number;
  columnSizes: Map<number, number>;
  valueCounts: Map<number, number>;
  nullValueCounts: Map<number, number>;
  nanValueCounts: Map<number, number>;
  lowerBounds: Map<number, Uint8Array>;
  upperBounds: Map<number, Uint8Array>;
  splitOffsets: number[];
}

export interface FileMetricsOptions {
  footer: ParquetFooter;
  /** The table schema the file is read with. */
  schema: Schema;
  /** Metrics modes; default: truncate(16) for every column. */
  modes?: MetricsModes;
  /** The Iceberg field id of a leaf column; default: the field id stored in the file. */
  fieldIdOf?: (leaf: ParquetLeaf) => number | undefined;
  /** NaN counts and NaN-free bounds measured by the writer, by field id (float and double columns). */
  floatStats?: ReadonlyMap<number, FloatColumnStats>;
}

/** Column metrics, record count and split offsets of a Parquet file from its footer. */
export function fileMetrics(options: FileMetricsOptions): FileMetrics {
  const { footer, schema } = options;
  const modes = options.modes ?? (() => DEFAULT_MODE);
  const fieldIdOf = options.fieldIdOf ?? ((leaf: ParquetLeaf) => leaf.element.fieldId);
  const idx = indexSchema(schema);
  const out: FileMetrics = {
    recordCount: footer.rowGroups.reduce((n, rg) => n + rg.numRows, 0),
    columnSizes: new Map(),
    valueCounts: new Map(),
    nullValueCounts: new Map(),
    nanValueCounts: new Map(),
    lowerBounds: new Map(),
    upperBounds: new Map(),
    splitOffsets: rowGroupOffsets(footer),
  };
  for (const leaf of parquetLeaves(footer)) {
    const id = fieldIdOf(leaf);
    if (id === undefined) continue;
    const entry = idx.get(id);
    if (entry === undefined) continue;
    const mode = modes(id);
    if (mode.kind === 'none') continue;
    let size = 0;
    for (const rg of footer.rowGroups) size += rg.columns[leaf.index]?.totalCompressedSize ?? 0;
    out.columnSizes.set(id, (out.columnSizes.get(id) ?? 0) + size);

    const type = entry.field.type;
    if (!isPrimitive(type)) continue;
    // Repeated fields (list elements, map keys and values) get no counts and no bounds.
    if (entry.parents.some((p) => idx.get(p)!.field.type.kind !== 'struct')) continue;
    if (leaf.ancestors.some((a) => a.repetition === 'REPEATED')) continue;
    columnMetrics(out, id, type, leaf, footer, mode, options.floatStats?.get(id));
  }
  return out;
}

function columnMetrics(
  out: FileMetrics,
  id: number,
  type: PrimitiveType,
  leaf: ParquetLeaf,
  footer: ParquetFooter,
  mode: MetricsMode,
  floatStats: FloatColumnStats | undefined,
): void {
  let values = 0;
  let nulls = 0;
  let lower: unknown;
  let upper: unknown;
  let boundsOk = leaf.element.type !== 'INT96' && type.kind !== 'geometry' && type.kind !== 'geography' && type.kind !== 'variant';
  for (const rg of footer.rowGroups) {
    const chunk = rg.columns[leaf.index];
    const stats = chunk?.statistics;
    if (chunk === undefined || stats === undefined || stats.nullCount === undefined) return; // counts unknown: no metrics
    values += chunk.numValues;
    nulls += stats.nullCount;
    if (!boundsOk || stats.nullCount >= chunk.numValues) continue;
    const mm = chunkMinMax(leaf.element, stats);
    if (mm === undefined) {
      // Non-null values without usable min/max (e.g. a chunk with NaNs): no safe bounds.
      boundsOk = false;
      continue;
    }
    const lo = statisticValue(leaf.element, type, mm[0]);
    const hi = statisticValue(leaf.element, type, mm[1]);
    if (lo === undefined || hi === undefined) {
      boundsOk = false;
      continue;
    }
    if (lower === undefined || compareValues(type, lo, lower) < 0) lower = lo;
    if (upper === undefined || compareValues(type, hi, upper) > 0) upper = hi;
  }
  out.valueCounts.set(id, values);
  out.nullValueCounts.set(id, nulls);
  const isFloat = type.kind === 'float' || type.kind === 'double';
  if (isFloat && floatStats !== undefined) {
    out.nanValueCounts.set(id, floatStats.nanCount);
    if (floatStats.bounds !== undefined) {
      lower = floatStats.bounds.lower;
      upper = floatStats.bounds.upper;
      boundsOk = true;
    }
  }
  if (mode.kind === 'counts' || !boundsOk || lower === undefined || upper === undefined) return;
  if (isFloat) {
    if (Number.isNaN(lower) || Number.isNaN(upper)) return;
    // -0.0 must precede +0.0 (spec note 2): writers that treat them as equal may report either.
    if (lower === 0) lower = -0;
    if (upper === 0) upper = 0;
  }
  const length = mode.kind === 'truncate' ? mode.length : Infinity;
  let lo: unknown = lower;
  let hi: unknown = upper;
  if (type.kind === 'string' && Number.isFinite(length)) {
    lo = truncateStringMin(lower as string, length);
    hi = truncateStringMax(upper as string, length);
  } else if (type.kind === 'binary' && Number.isFinite(length)) {
    lo = truncateBinaryMin(lower as Uint8Array, length);
    hi = truncateBinaryMax(upper as Uint8Array, length);
  }
  try {
    out.lowerBounds.set(id, encodeValue(type, lo));
    if (hi !== undefined) out.upperBounds.set(id, encodeValue(type, hi));
  } catch (e) {
    // A value outside the column type (e.g. a decimal wider than its precision) gets no bounds.
    if (!(e instanceof LakeError)) throw e;
    out.lowerBounds.delete(id);
    out.upperBounds.delete(id);
  }
}
