/**
 * DataFile entries for existing Parquet files, without rewriting them (add-files).
 *
 * Each file's footer is read (two small range reads) and:
 * - its columns are mapped to the table schema by Parquet field id, or, when the file has no field
 *   ids, by name through the table's name mapping (`schema.name-mapping.default`, else one derived
 *   from the current schema; the caller must then store it on the table so readers can map the
 *   file the same way);
 * - a column that maps to no table field, or whose Parquet type is not the table type (or a type
 *   Iceberg promotes to it: int -> long, float -> double, decimal precision, v3 date -> timestamp),
 *   a missing required column, and nulls in a required column are refused with INVALID_INPUT
 *   naming the file and the column;
 * - metrics come from the footer (src/parquet/metrics.ts; no NaN counts, as the reference
 *   implementation does for imported files);
 * - for a partitioned table the partition tuple is derived from the column statistics: each
 *   partition source column's min and max go through the transform and must give the same value
 *   (for bucket the column must hold a single value), else the file spans partitions and is
 *   refused; an all-null column gives a null partition value.
 */
import pLimit from 'p-limit';
import { LakeError, isLakeError } from '../errors.js';
import { type FileMetrics, fileMetrics, metricsModes, statisticValue } from '../parquet/metrics.js';
import {
  type ParquetFooter,
  type ParquetNode,
  type ParquetSchemaElement,
  parquetLeaves,
  parquetSchemaTree,
  readParquetFooter,
} from '../parquet/metrics-footer.js';
import { type DataFile, FileContent } from '../spec/data-file.js';
import { type MappedField, type NameMapping, nameMappingFromSchema, nameMappingOf } from '../spec/name-mapping.js';
import { type PartitionSpec, partitionKey, partitionSourceType } from '../spec/partition-spec.js';
import { type Schema, indexSchema } from '../spec/schema.js';
import { compareValues } from '../spec/single-value.js';
import { applyTransform, preservesOrder, transformToString } from '../spec/transforms.js';
import { type IcebergType, type NestedField, type PrimitiveType, isPrimitive, isPromotionAllowed, primitiveToString, typeToString } from '../spec/types.js';
import type { Storage } from '../storage/storage.js';
import { type WriteTable, resolveWriteTable } from './data-writer.js';
import type { TableMetadata } from '../spec/table-metadata.js';

export interface ExistingFile {
  location: string;
  /** Saves a `head` request when known. */
  size?: number;
}

export interface ExistingFilesOptions {
  metadata?: TableMetadata;
  table?: WriteTable;
  storage: Storage;
  files: readonly (string | ExistingFile)[];
  /** Name mapping for files without field ids (default: the table's, else derived from the schema). */
  nameMapping?: NameMapping;
  /** Parallel footer reads (default 8). */
  concurrency?: number;
}

export interface ExistingFilesResult {
  dataFiles: DataFile[];
  /**
   * The name mapping used for files without field ids, when the table does not store one yet: the
   * commit must set it as `schema.name-mapping.default` so readers map those files the same way.
   */
  nameMappingToStore?: NameMapping;
}

function refuse(file: string, message: string, context: Record<string, unknown> = {}): LakeError {
  return new LakeError('INVALID_INPUT', `cannot add ${file}: ${message}`, { context: { file, ...context } });
}

/** The Iceberg type a Parquet primitive column holds, or undefined when it has none. */
export function parquetColumnType(e: ParquetSchemaElement): PrimitiveType | undefined {
  const lt = e.logicalType;
  const ct = e.convertedType;
  const decimal = (): PrimitiveType | undefined => {
    const precision = lt?.type === 'DECIMAL' ? lt.precision : e.precision;
    const scale = lt?.type === 'DECIMAL' ? lt.scale : e.scale ?? 0;
    return precision === undefined ? undefined : { kind: 'decimal', precision, scale };
  };
  if (lt?.type === 'DECIMAL' || ct === 'DECIMAL') return decimal();
  switch (e.type) {
    case 'BOOLEAN':
      return { kind: 'boolean' };
    case 'INT32':
      if (lt?.type === 'DATE' || ct === 'DATE') return { kind: 'date' };
      if ((lt?.type === 'TIME' && lt.unit === 'MILLIS') || ct === 'TIME_MILLIS') return { kind: 'time' };
      if (lt?.type === 'INTEGER' && !lt.isSigned) return lt.bitWidth <= 16 ? { kind: 'int' } : { kind: 'long' };
      if (ct === 'UINT_8' || ct === 'UINT_16') return { kind: 'int' };
      if (ct === 'UINT_32') return { kind: 'long' };
      return { kind: 'int' };
    case 'INT64':
      if (lt?.type === 'TIMESTAMP') {
        if (lt.unit === 'NANOS') return { kind: lt.isAdjustedToUTC ? 'timestamptz_ns' : 'timestamp_ns' };
        return { kind: lt.isAdjustedToUTC ? 'timestamptz' : 'timestamp' };
      }
      if (ct === 'TIMESTAMP_MICROS' || ct === 'TIMESTAMP_MILLIS') return { kind: 'timestamptz' };
      if (lt?.type === 'TIME') return lt.unit === 'NANOS' ? undefined : { kind: 'time' };
      if (ct === 'TIME_MICROS') return { kind: 'time' };
      if ((lt?.type === 'INTEGER' && !lt.isSigned) || ct === 'UINT_64') return undefined;
      return { kind: 'long' };
    case 'INT96':
      return { kind: 'timestamptz' };
    case 'FLOAT':
      return lt?.type === 'FLOAT16' ? undefined : { kind: 'float' };
    case 'DOUBLE':
      return { kind: 'double' };
    case 'BYTE_ARRAY':
      if (lt?.type === 'STRING' || lt?.type === 'ENUM' || lt?.type === 'JSON' || ct === 'UTF8' || ct === 'ENUM' || ct === 'JSON') return { kind: 'string' };
      return { kind: 'binary' };
    case 'FIXED_LEN_BYTE_ARRAY':
      if (lt?.type === 'UUID') return { kind: 'uuid' };
      if (lt?.type === 'FLOAT16') return undefined;
      return { kind: 'fixed', length: e.typeLength ?? 0 };
    default:
      return undefined;
  }
}

/** Whether a file column of type `file` can be read as the table's type `table`. */
function readableAs(fileElement: ParquetSchemaElement, file: PrimitiveType, table: PrimitiveType, formatVersion: number): boolean {
  if (isPromotionAllowed(file, table, formatVersion)) return true;
  // Timestamps: legacy annotations and INT96 carry no reliable zone flag; units are converted.
  const legacyTimestamp = fileElement.type === 'INT96' || (fileElement.logicalType === undefined && (fileElement.convertedType === 'TIMESTAMP_MICROS' || fileElement.convertedType === 'TIMESTAMP_MILLIS'));
  if (legacyTimestamp && (table.kind === 'timestamp' || table.kind === 'timestamptz')) return true;
  if (file.kind === 'fixed' && table.kind === 'binary') return false;
  return false;
}

interface Mapping {
  /** Leaf column index -> field id. */
  leafIds: Map<number, number>;
  usedNames: boolean;
}

class FileMapper {
  readonly leafIds = new Map<number, number>();
  usedNames = false;

  constructor(
    readonly file: string,
    readonly byId: boolean,
    readonly formatVersion: number,
  ) {}

  private idOf(node: ParquetNode, mapped: MappedField[] | undefined, path: string): { id: number; mapped?: MappedField } {
    if (this.byId) {
      const id = node.element.fieldId;
      if (id === undefined) throw refuse(this.file, `column ${path} has no field id (the other columns have)`, { column: path });
      return { id };
    }
    this.usedNames = true;
    const m = mapped?.find((f) => f.names.includes(node.element.name));
    if (m?.fieldId === undefined) throw refuse(this.file, `column ${path} does not map to any table column`, { column: path });
    return { id: m.fieldId, mapped: m };
  }

  /** Maps the children of a group to the fields of a struct. */
  struct(children: ParquetNode[], fields: readonly NestedField[], mapped: MappedField[] | undefined, prefix: string): void {
    const seen = new Set<number>();
    for (const child of children) {
      const path = prefix === '' ? child.element.name : `${prefix}.${child.element.name}`;
      const { id, mapped: m } = this.idOf(child, mapped, path);
      const field = fields.find((f) => f.id === id);
      if (field === undefined) throw refuse(this.file, `column ${path} (field id ${id}) is not a column of the table${prefix === '' ? '' : ` struct ${prefix}`}`, { column: path, fieldId: id });
      if (seen.has(id)) throw refuse(this.file, `two columns map to table column ${field.name}`, { column: path });
      seen.add(id);
      this.type(child, field.type, id, m?.fields, path);
    }
    for (const f of fields) {
      if (seen.has(f.id) || f.type.kind === 'unknown') continue;
      const hasDefault = this.formatVersion >= 3 && f.initialDefault !== undefined && f.initialDefault !== null;
      if (f.required && !hasDefault) {
        const path = prefix === '' ? f.name : `${prefix}.${f.name}`;
        throw refuse(this.file, `the file has no column ${path}, which the table requires`, { column: path });
      }
    }
  }

  type(node: ParquetNode, t: IcebergType, id: number, mapped: MappedField[] | undefined, path: string): void {
    const e = node.element;
    const isLeaf = node.leafIndex !== undefined;
    if (isPrimitive(t)) {
      if (!isLeaf || e.repetition === 'REPEATED') throw this.mismatch(path, e, t);
      const fileType = parquetColumnType(e);
      if (fileType === undefined || !readableAs(e, fileType, t, this.formatVersion)) throw this.mismatch(path, e, t, fileType);
      this.leafIds.set(node.leafIndex!, id);
      return;
    }
    if (isLeaf) throw this.mismatch(path, e, t);
    const annotation = e.logicalType?.type ?? e.convertedType;
    switch (t.kind) {
      case 'struct':
        if (annotation === 'LIST' || annotation === 'MAP' || annotation === 'MAP_KEY_VALUE' || e.repetition === 'REPEATED') throw this.mismatch(path, e, t);
        this.struct(node.children, t.fields, mapped, path);
        return;
      case 'list': {
        if (annotation !== 'LIST' || node.children.length !== 1) throw this.mismatch(path, e, t);
        const repeated = node.children[0]!;
        if (repeated.element.repetition !== 'REPEATED') throw this.mismatch(path, e, t);
        // Three-level lists (spec Appendix A); legacy two-level forms have the repeated node as the element.
        const threeLevel =
          repeated.leafIndex === undefined && repeated.children.length === 1 && repeated.element.name !== 'array' && !repeated.element.name.endsWith('_tuple');
        const element = threeLevel ? repeated.children[0]! : repeated;
        const elementPath = `${path}.element`;
        const elementId = this.byId ? element.element.fieldId : mapped?.find((f) => f.names.includes('element'))?.fieldId;
        if (elementId !== t.elementId) throw refuse(this.file, `list ${path} has an element that does not map to the table's element field ${t.elementId}`, { column: path });
        if (!threeLevel && element.leafIndex === undefined && !isPrimitive(t.element)) {
          throw refuse(this.file, `list ${path} uses a legacy two-level layout with nested elements, which lake does not map`, { column: path });
        }
        const elementMapped = mapped?.find((f) => f.names.includes('element'))?.fields;
        if (!threeLevel && element.leafIndex !== undefined) {
          const fileType = parquetColumnType(element.element);
          if (fileType === undefined || !isPrimitive(t.element) || !readableAs(element.element, fileType, t.element, this.formatVersion)) {
            throw this.mismatch(elementPath, element.element, t.element, fileType);
          }
          this.leafIds.set(element.leafIndex, t.elementId);
          return;
        }
        this.type(element, t.element, t.elementId, elementMapped, elementPath);
        return;
      }
      case 'map': {
        if ((annotation !== 'MAP' && annotation !== 'MAP_KEY_VALUE') || node.children.length !== 1) throw this.mismatch(path, e, t);
        const kv = node.children[0]!;
        if (kv.element.repetition !== 'REPEATED' || kv.children.length !== 2) throw this.mismatch(path, e, t);
        const [k, v] = kv.children as [ParquetNode, ParquetNode];
        const keyId = this.byId ? k.element.fieldId : mapped?.find((f) => f.names.includes('key'))?.fieldId;
        const valueId = this.byId ? v.element.fieldId : mapped?.find((f) => f.names.includes('value'))?.fieldId;
        if (keyId !== t.keyId || valueId !== t.valueId) throw refuse(this.file, `map ${path} has key or value columns that do not map to the table's (${t.keyId}, ${t.valueId})`, { column: path });
        this.type(k, t.key, t.keyId, mapped?.find((f) => f.names.includes('key'))?.fields, `${path}.key`);
        this.type(v, t.value, t.valueId, mapped?.find((f) => f.names.includes('value'))?.fields, `${path}.value`);
        return;
      }
    }
  }

  private mismatch(path: string, e: ParquetSchemaElement, t: IcebergType, fileType?: PrimitiveType): LakeError {
    const fileDesc = `${describeElement(e)}${fileType !== undefined ? `, an Iceberg ${primitiveToString(fileType)}` : ''}`;
    return refuse(this.file, `column ${path} has Parquet type ${fileDesc}, which cannot be read as the table's ${typeToString(t)}`, {
      column: path,
      fileType: fileDesc,
      tableType: typeToString(t),
    });
  }
}

function describeElement(e: ParquetSchemaElement): string {
  const ann = e.logicalType?.type ?? e.convertedType;
  if (e.type === undefined) return `group${ann === undefined ? '' : ` (${ann})`}`;
  return `${e.type}${ann === undefined ? '' : ` (${ann})`}`;
}

/** Maps a file's columns to the table schema (field ids or name mapping); throws INVALID_INPUT naming the column. */
export function mapFileColumns(file: string, footer: ParquetFooter, schema: Schema, nameMapping: NameMapping, formatVersion: number): Mapping {
  const tree = parquetSchemaTree(footer);
  const hasIds = footer.schema.slice(1).some((e) => e.fieldId !== undefined);
  const mapper = new FileMapper(file, hasIds, formatVersion);
  mapper.struct(tree, schema.fields, nameMapping, '');
  return { leafIds: mapper.leafIds, usedNames: mapper.usedNames };
}

/** Min, max and null count of a column over a file's row groups, in the column's Iceberg type. */
interface ColumnRange {
  values: number;
  nulls: number;
  lower?: unknown;
  upper?: unknown;
  /** False when some row group lacks statistics or inexact (truncated) min/max were stored. */
  exact: boolean;
}

function columnRange(footer: ParquetFooter, leafIndex: number, element: ParquetSchemaElement, type: PrimitiveType): ColumnRange {
  const r: ColumnRange = { values: 0, nulls: 0, exact: true };
  for (const rg of footer.rowGroups) {
    const c = rg.columns[leafIndex];
    const s = c?.statistics;
    if (c === undefined || s === undefined || s.nullCount === undefined) return { ...r, exact: false };
    r.values += c.numValues;
    r.nulls += s.nullCount;
    if (s.nullCount >= c.numValues) continue;
    if (s.minValue === undefined || s.maxValue === undefined || s.isMinValueExact === false || s.isMaxValueExact === false) {
      // Deprecated min/max are exact only for signed numeric columns.
      const numeric = element.type === 'INT32' || element.type === 'INT64' || element.type === 'BOOLEAN';
      if (!numeric || s.min === undefined || s.max === undefined || s.minValue !== undefined) return { ...r, exact: false };
    }
    const lo = statisticValue(element, type, s.minValue ?? s.min!);
    const hi = statisticValue(element, type, s.maxValue ?? s.max!);
    if (lo === undefined || hi === undefined) return { ...r, exact: false };
    if (r.lower === undefined || compareValues(type, lo, r.lower) < 0) r.lower = lo;
    if (r.upper === undefined || compareValues(type, hi, r.upper) > 0) r.upper = hi;
  }
  return r;
}

/** The partition tuple of a file from its statistics; throws INVALID_INPUT when the file spans partitions. */
export function partitionFromStatistics(file: string, footer: ParquetFooter, leafIds: ReadonlyMap<number, number>, spec: PartitionSpec, schema: Schema): unknown[] {
  const idx = indexSchema(schema);
  const leaves = parquetLeaves(footer);
  return spec.fields.map((f) => {
    if (f.transform.kind === 'void') return null;
    if (f.transform.kind === 'unknown') throw new LakeError('UNSUPPORTED_FEATURE', `cannot add files to partition spec ${spec.specId}: field ${f.name} has an unknown transform`);
    const source = partitionSourceType(f, idx);
    const name = idx.get(f.sourceId)?.path ?? String(f.sourceId);
    const leaf = leaves.find((l) => leafIds.get(l.index) === f.sourceId);
    if (leaf === undefined) {
      // The column is absent from the file: every row reads as null (or the initial default).
      const field = idx.get(f.sourceId)?.field;
      const dflt = field?.initialDefault;
      if (dflt !== undefined && dflt !== null) throw refuse(file, `partition source column ${name} is missing and has a default; lake does not derive partitions from defaults`, { column: name });
      return applyTransform(f.transform, source, null);
    }
    const r = columnRange(footer, leaf.index, leaf.element, source);
    if (!r.exact) throw refuse(file, `column ${name} has no exact statistics, so its partition (${f.name}) cannot be derived`, { column: name });
    if (r.nulls === r.values) return applyTransform(f.transform, source, null);
    if (r.nulls > 0) throw refuse(file, `column ${name} has both null and non-null values, so the file spans two ${f.name} partitions`, { column: name });
    const lo = applyTransform(f.transform, source, r.lower);
    const hi = applyTransform(f.transform, source, r.upper);
    const single = compareValues(source, r.lower, r.upper) === 0;
    if ((preservesOrder(f.transform) || single) && partitionKey([lo]) === partitionKey([hi])) return lo;
    throw refuse(
      file,
      `column ${name} ranges over more than one ${transformToString(f.transform)} partition (${f.name})`,
      { column: name, partitionField: f.name },
    );
  });
}

/** DataFile entries for existing Parquet files of the table (no rows are read or rewritten). */
export async function dataFilesForExistingFiles(options: ExistingFilesOptions): Promise<ExistingFilesResult> {
  const table = resolveWriteTable(options);
  const stored = nameMappingOf(table.properties);
  const mapping = options.nameMapping ?? stored ?? nameMappingFromSchema(table.schema);
  const modes = metricsModes({ schema: table.schema, properties: table.properties });
  const idx = indexSchema(table.schema);
  const limit = pLimit(options.concurrency ?? 8);
  let usedNames = false;
  const dataFiles = await Promise.all(
    options.files.map((f) =>
      limit(async (): Promise<DataFile> => {
        const { location, size } = typeof f === 'string' ? { location: f, size: undefined } : f;
        let read: Awaited<ReturnType<typeof readParquetFooter>>;
        try {
          read = await readParquetFooter(options.storage, location, size);
        } catch (e) {
          if (isLakeError(e, 'NOT_FOUND')) throw refuse(location, 'the file does not exist');
          if (isLakeError(e, 'INVALID_INPUT')) throw refuse(location, e.message, e.context);
          throw e;
        }
        const { footer, fileSize } = read;
        const m = mapFileColumns(location, footer, table.schema, mapping, table.formatVersion);
        if (m.usedNames) usedNames = true;
        const metrics: FileMetrics = fileMetrics({ footer, schema: table.schema, modes, fieldIdOf: (leaf) => m.leafIds.get(leaf.index) });
        // Nulls in required columns (outside optional structs, where parent nulls count too).
        for (const leaf of parquetLeaves(footer)) {
          const id = m.leafIds.get(leaf.index);
          const e = id === undefined ? undefined : idx.get(id);
          if (e === undefined || !e.field.required) continue;
          if (!e.parents.every((p) => idx.get(p)!.field.required && idx.get(p)!.field.type.kind === 'struct')) continue;
          const nulls = columnNulls(footer, leaf.index);
          if (nulls === undefined) continue;
          if (nulls > 0) throw refuse(location, `required column ${e.path} has ${nulls} null values`, { column: e.path });
        }
        const partition = table.spec.fields.length === 0 ? [] : partitionFromStatistics(location, footer, m.leafIds, table.spec, table.schema);
        return {
          content: FileContent.DATA,
          filePath: location,
          fileFormat: 'PARQUET',
          specId: table.spec.specId,
          partition,
          recordCount: metrics.recordCount,
          fileSizeInBytes: fileSize,
          columnSizes: metrics.columnSizes,
          valueCounts: metrics.valueCounts,
          nullValueCounts: metrics.nullValueCounts,
          nanValueCounts: metrics.nanValueCounts,
          lowerBounds: metrics.lowerBounds,
          upperBounds: metrics.upperBounds,
          splitOffsets: metrics.splitOffsets,
        };
      }),
    ),
  );
  const result: ExistingFilesResult = { dataFiles };
  if (usedNames && stored === undefined && options.nameMapping === undefined) result.nameMappingToStore = mapping;
  else if (usedNames && options.nameMapping !== undefined && stored === undefined) result.nameMappingToStore = options.nameMapping;
  return result;
}

function columnNulls(footer: ParquetFooter, leafIndex: number): number | undefined {
  let n = 0;
  for (const rg of footer.rowGroups) {
    const c = rg.columns[leafIndex]?.statistics?.nullCount;
    if (c === undefined) return undefined;
    n += c;
  }
  return n;
}
