/**
 * Decoding a Parquet footer (the Thrift compact-protocol `FileMetaData`) with column statistics
 * kept as the raw bytes the writer stored, for Iceberg metrics.
 *
 * Why not hyparquet's `parquetMetadata`: it converts statistics to JS values on the way, and some
 * conversions are lossy (INT64 and FIXED_LEN_BYTE_ARRAY decimals become floats; with the default
 * parsers, microsecond timestamps become millisecond Dates). Bounds must be exact, so lake reads
 * the bytes itself and converts them per Iceberg type (see metrics.ts). Decoding is a single pass
 * over the footer, comparable in cost to hyparquet's (well under a millisecond per footer).
 */
import { LakeError } from '../errors.js';
import type { Storage } from '../storage/storage.js';

export type ParquetPhysicalType = 'BOOLEAN' | 'INT32' | 'INT64' | 'INT96' | 'FLOAT' | 'DOUBLE' | 'BYTE_ARRAY' | 'FIXED_LEN_BYTE_ARRAY';
export type ParquetRepetition = 'REQUIRED' | 'OPTIONAL' | 'REPEATED';

const PHYSICAL: readonly ParquetPhysicalType[] = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];
const REPETITION: readonly ParquetRepetition[] = ['REQUIRED', 'OPTIONAL', 'REPEATED'];
const CONVERTED = [
  'UTF8', 'MAP', 'MAP_KEY_VALUE', 'LIST', 'ENUM', 'DECIMAL', 'DATE', 'TIME_MILLIS', 'TIME_MICROS', 'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS', 'UINT_8', 'UINT_16', 'UINT_32', 'UINT_64', 'INT_8', 'INT_16', 'INT_32', 'INT_64', 'JSON', 'BSON', 'INTERVAL',
] as const;
export type ParquetConvertedType = (typeof CONVERTED)[number];

export type ParquetTimeUnit = 'MILLIS' | 'MICROS' | 'NANOS';
export type ParquetLogicalType =
  | { type: 'STRING' | 'MAP' | 'LIST' | 'ENUM' | 'DATE' | 'UNKNOWN' | 'JSON' | 'BSON' | 'UUID' | 'FLOAT16' | 'VARIANT' | 'GEOMETRY' | 'GEOGRAPHY' }
  | { type: 'DECIMAL'; scale: number; precision: number }
  | { type: 'TIME' | 'TIMESTAMP'; isAdjustedToUTC: boolean; unit: ParquetTimeUnit }
  | { type: 'INTEGER'; bitWidth: number; isSigned: boolean };

export interface ParquetSchemaElement {
  name: string;
  type?: ParquetPhysicalType;
  typeLength?: number;
  repetition?: ParquetRepetition;
  numChildren?: number;
  convertedType?: ParquetConvertedType;
  scale?: number;
  precision?: number;
  fieldId?: number;
  logicalType?: ParquetLogicalType;
}

export interface ParquetStatistics {
  /** Deprecated min/max (signed comparison for byte arrays; only trusted for numeric columns). */
  max?: Uint8Array;
  min?: Uint8Array;
  nullCount?: number;
  maxValue?: Uint8Array;
  minValue?: Uint8Array;
  isMaxValueExact?: boolean;
  isMinValueExact?: boolean;
}

export interface ParquetColumnChunk {
  pathInSchema: string[];
  type: ParquetPhysicalType;
  numValues: number;
  totalCompressedSize: number;
  totalUncompressedSize: number;
  dataPageOffset: number;
  dictionaryPageOffset?: number;
  statistics?: ParquetStatistics;
}

export interface ParquetRowGroup {
  numRows: number;
  totalByteSize: number;
  fileOffset?: number;
  columns: ParquetColumnChunk[];
}

export interface ParquetFooter {
  version: number;
  schema: ParquetSchemaElement[];
  numRows: number;
  rowGroups: ParquetRowGroup[];
  keyValueMetadata: Map<string, string>;
  createdBy?: string;
  /** Length of the Thrift-encoded metadata (without the 8-byte tail). */
  metadataLength: number;
}

// ---- Thrift compact protocol ----

type TValue = boolean | number | bigint | Uint8Array | TValue[] | TStruct;
type TStruct = Map<number, TValue>;

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw new Error('unexpected end of footer');
    return this.bytes[this.pos++]!;
  }

  /** Unsigned varint as a number (exact up to 2^53) or a bigint above that. */
  varint(): number | bigint {
    let result = 0;
    let mult = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mult;
      if ((b & 0x80) === 0) {
        if (result <= Number.MAX_SAFE_INTEGER) return result;
        return this.bigVarintFrom(i);
      }
      mult *= 128;
    }
    throw new Error('varint too long');
  }

  private bigVarintFrom(lastIndex: number): bigint {
    this.pos -= lastIndex + 1;
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  zigzag(): number | bigint {
    const v = this.varint();
    if (typeof v === 'number') return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
    return (v >> 1n) ^ -(v & 1n);
  }

  binary(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.end) throw new Error('binary field runs past the footer');
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

function readValue(r: Reader, type: number): TValue {
  switch (type) {
    case 1:
      return true;
    case 2:
      return false;
    case 3: {
      const b = r.byte();
      return b > 127 ? b - 256 : b;
    }
    case 4:
    case 5:
    case 6:
      return r.zigzag();
    case 7: {
      const dv = new DataView(r.bytes.buffer, r.bytes.byteOffset + r.pos, 8);
      r.pos += 8;
      return dv.getFloat64(0, true);
    }
    case 8:
      return r.binary();
    case 9:
    case 10: {
      const header = r.byte();
      let size = header >> 4;
      const elemType = header & 0x0f;
      if (size === 15) size = Number(r.varint());
      const out: TValue[] = [];
      for (let i = 0; i < size; i++) out.push(elemType === 1 || elemType === 2 ? r.byte() === 1 : readValue(r, elemType));
      return out;
    }
    case 11: {
      const size = Number(r.varint());
      if (size === 0) return [];
      const kv = r.byte();
      const out: TValue[] = [];
      for (let i = 0; i < size; i++) out.push([readValue(r, kv >> 4), readValue(r, kv & 0x0f)]);
      return out;
    }
    case 12:
      return readStruct(r);
    default:
      throw new Error(`unknown thrift type ${type}`);
  }
}

function readStruct(r: Reader): TStruct {
  const out: TStruct = new Map();
  let last = 0;
  for (;;) {
    const header = r.byte();
    if (header === 0) return out;
    const delta = header >> 4;
    const type = header & 0x0f;
    const id = delta === 0 ? Number(r.zigzag()) : last + delta;
    last = id;
    out.set(id, readValue(r, type));
  }
}

// ---- mapping to typed records ----

const num = (v: TValue | undefined): number | undefined => (v === undefined ? undefined : typeof v === 'bigint' ? Number(v) : (v as number));
const str = (v: TValue | undefined): string | undefined => (v instanceof Uint8Array ? new TextDecoder().decode(v) : undefined);
const bytes = (v: TValue | undefined): Uint8Array | undefined => (v instanceof Uint8Array ? v.slice() : undefined);
const bool = (v: TValue | undefined): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const struct = (v: TValue | undefined): TStruct | undefined => (v instanceof Map ? v : undefined);
const list = (v: TValue | undefined): TValue[] => (Array.isArray(v) ? v : []);

const UNITS: Record<number, ParquetTimeUnit> = { 1: 'MILLIS', 2: 'MICROS', 3: 'NANOS' };
const SIMPLE_LOGICAL: Record<number, ParquetLogicalType['type']> = {
  1: 'STRING', 2: 'MAP', 3: 'LIST', 4: 'ENUM', 6: 'DATE', 11: 'UNKNOWN', 12: 'JSON', 13: 'BSON', 14: 'UUID',
  15: 'FLOAT16', 16: 'VARIANT', 17: 'GEOMETRY', 18: 'GEOGRAPHY',
};

function logicalType(v: TValue | undefined): ParquetLogicalType | undefined {
  const s = struct(v);
  if (s === undefined) return undefined;
  for (const [id, inner] of s) {
    const simple = SIMPLE_LOGICAL[id];
    if (simple !== undefined) return { type: simple } as ParquetLogicalType;
    const fields = struct(inner) ?? new Map<number, TValue>();
    if (id === 5) return { type: 'DECIMAL', scale: num(fields.get(1)) ?? 0, precision: num(fields.get(2)) ?? 0 };
    if (id === 7 || id === 8) {
      const unitStruct = struct(fields.get(2));
      const unitId = unitStruct === undefined ? 2 : [...unitStruct.keys()][0]!;
      return { type: id === 7 ? 'TIME' : 'TIMESTAMP', isAdjustedToUTC: bool(fields.get(1)) ?? false, unit: UNITS[unitId] ?? 'MICROS' };
    }
    if (id === 10) return { type: 'INTEGER', bitWidth: num(fields.get(1)) ?? 32, isSigned: bool(fields.get(2)) ?? true };
  }
  return undefined;
}

function schemaElement(s: TStruct): ParquetSchemaElement {
  const e: ParquetSchemaElement = { name: str(s.get(4)) ?? '' };
  const type = num(s.get(1));
  if (type !== undefined) e.type = PHYSICAL[type];
  const typeLength = num(s.get(2));
  if (typeLength !== undefined) e.typeLength = typeLength;
  const rep = num(s.get(3));
  if (rep !== undefined) e.repetition = REPETITION[rep];
  const numChildren = num(s.get(5));
  if (numChildren !== undefined) e.numChildren = numChildren;
  const converted = num(s.get(6));
  if (converted !== undefined) e.convertedType = CONVERTED[converted];
  const scale = num(s.get(7));
  if (scale !== undefined) e.scale = scale;
  const precision = num(s.get(8));
  if (precision !== undefined) e.precision = precision;
  const fieldId = num(s.get(9));
  if (fieldId !== undefined) e.fieldId = fieldId;
  const lt = logicalType(s.get(10));
  if (lt !== undefined) e.logicalType = lt;
  return e;
}

function statistics(s: TStruct | undefined): ParquetStatistics | undefined {
  if (s === undefined) return undefined;
  const out: ParquetStatistics = {};
  const max = bytes(s.get(1));
  if (max !== undefined) out.max = max;
  const min = bytes(s.get(2));
  if (min !== undefined) out.min = min;
  const nullCount = num(s.get(3));
  if (nullCount !== undefined) out.nullCount = nullCount;
  const maxValue = bytes(s.get(5));
  if (maxValue !== undefined) out.maxValue = maxValue;
  const minValue = bytes(s.get(6));
  if (minValue !== undefined) out.minValue = minValue;
  const maxExact = bool(s.get(7));
  if (maxExact !== undefined) out.isMaxValueExact = maxExact;
  const minExact = bool(s.get(8));
  if (minExact !== undefined) out.isMinValueExact = minExact;
  return out;
}

function columnChunk(s: TStruct): ParquetColumnChunk {
  const md = struct(s.get(3));
  if (md === undefined) throw new Error('column chunk without metadata (encrypted or external column chunks are not supported)');
  const c: ParquetColumnChunk = {
    pathInSchema: list(md.get(3)).map((p) => str(p) ?? ''),
    type: PHYSICAL[num(md.get(1)) ?? 0]!,
    numValues: num(md.get(5)) ?? 0,
    totalUncompressedSize: num(md.get(6)) ?? 0,
    totalCompressedSize: num(md.get(7)) ?? 0,
    dataPageOffset: num(md.get(9)) ?? 0,
  };
  const dict = num(md.get(11));
  if (dict !== undefined) c.dictionaryPageOffset = dict;
  const stats = statistics(struct(md.get(12)));
  if (stats !== undefined) c.statistics = stats;
  return c;
}

function rowGroup(s: TStruct): ParquetRowGroup {
  const rg: ParquetRowGroup = {
    columns: list(s.get(1)).map((c) => columnChunk(c as TStruct)),
    totalByteSize: num(s.get(2)) ?? 0,
    numRows: num(s.get(3)) ?? 0,
  };
  const fileOffset = num(s.get(5));
  if (fileOffset !== undefined) rg.fileOffset = fileOffset;
  return rg;
}

/**
 * Decodes a Parquet footer. `bytes` is the end of the file: at least the metadata, its 4-byte
 * length and the `PAR1` magic (the whole file works too). Throws INVALID_INPUT when the bytes are
 * not a Parquet footer.
 */
export function decodeParquetFooter(bytes: Uint8Array, what = 'Parquet file'): ParquetFooter {
  const n = bytes.length;
  const magic = n >= 4 ? String.fromCharCode(bytes[n - 4]!, bytes[n - 3]!, bytes[n - 2]!, bytes[n - 1]!) : '';
  if (magic === 'PARE') throw new LakeError('UNSUPPORTED_FEATURE', `${what} is an encrypted Parquet file`, { context: { file: what } });
  if (n < 12 || magic !== 'PAR1') {
    throw new LakeError('INVALID_INPUT', `${what} is not a Parquet file (no PAR1 footer)`, { context: { file: what } });
  }
  const len = new DataView(bytes.buffer, bytes.byteOffset, n).getUint32(n - 8, true);
  if (len + 8 > n) throw new FooterTooShort(len);
  try {
    const root = readStruct(new Reader(bytes, n - 8 - len, n - 8));
    const kv = new Map<string, string>();
    for (const e of list(root.get(5))) {
      const s = e as TStruct;
      kv.set(str(s.get(1)) ?? '', str(s.get(2)) ?? '');
    }
    const footer: ParquetFooter = {
      version: num(root.get(1)) ?? 1,
      schema: list(root.get(2)).map((e) => schemaElement(e as TStruct)),
      numRows: num(root.get(3)) ?? 0,
      rowGroups: list(root.get(4)).map((g) => rowGroup(g as TStruct)),
      keyValueMetadata: kv,
      metadataLength: len,
    };
    const createdBy = str(root.get(6));
    if (createdBy !== undefined) footer.createdBy = createdBy;
    return footer;
  } catch (e) {
    if (e instanceof LakeError) throw e;
    throw new LakeError('INVALID_INPUT', `${what} has a malformed Parquet footer: ${(e as Error).message}`, { cause: e, context: { file: what } });
  }
}

/** Thrown internally when the bytes given hold only part of the footer; carries the needed length. */
export class FooterTooShort extends Error {
  constructor(readonly metadataLength: number) {
    super(`footer needs ${metadataLength + 8} bytes`);
  }
}

/**
 * Reads and decodes the footer of a Parquet object: one range read of the last 64 KiB (enough for
 * most footers), and a second one when the footer is longer. `fileSize` saves a `head` request.
 */
export async function readParquetFooter(
  storage: Storage,
  location: string,
  fileSize?: number,
): Promise<{ footer: ParquetFooter; fileSize: number }> {
  let size = fileSize;
  if (size === undefined) {
    const info = await storage.head(location);
    if (info === undefined) throw new LakeError('NOT_FOUND', `${location} does not exist`, { context: { location } });
    size = info.size;
  }
  if (size < 12) throw new LakeError('INVALID_INPUT', `${location} is not a Parquet file (${size} bytes)`, { context: { file: location } });
  const want = Math.min(size, 64 * 1024);
  let tail = await storage.readRange(location, size - want, want);
  try {
    return { footer: decodeParquetFooter(tail, location), fileSize: size };
  } catch (e) {
    if (!(e instanceof FooterTooShort)) throw e;
    const need = e.metadataLength + 8;
    if (need > size - 4) throw new LakeError('INVALID_INPUT', `${location} has a footer longer than the file`, { context: { file: location } });
    tail = await storage.readRange(location, size - need, need);
    return { footer: decodeParquetFooter(tail, location), fileSize: size };
  }
}

/** One leaf column of a footer's schema with its path and the chain of schema elements above it. */
export interface ParquetLeaf {
  /** Index of the column chunk in every row group. */
  index: number;
  path: string[];
  element: ParquetSchemaElement;
  /** Schema elements from the top-level field down to the leaf (the root message excluded). */
  ancestors: ParquetSchemaElement[];
}

/** A node of the footer's schema tree. */
export interface ParquetNode {
  element: ParquetSchemaElement;
  children: ParquetNode[];
  /** For leaves: the column index. */
  leafIndex?: number;
}

/** The schema tree of a footer (the root message's children). */
export function parquetSchemaTree(footer: ParquetFooter): ParquetNode[] {
  let pos = 1;
  let leaf = 0;
  const build = (): ParquetNode => {
    const element = footer.schema[pos++];
    if (element === undefined) throw new LakeError('INVALID_INPUT', 'Parquet schema ends early');
    const node: ParquetNode = { element, children: [] };
    const n = element.numChildren ?? 0;
    if (element.type !== undefined && n === 0) node.leafIndex = leaf++;
    for (let i = 0; i < n; i++) node.children.push(build());
    return node;
  };
  const root = footer.schema[0];
  const top: ParquetNode[] = [];
  for (let i = 0; i < (root?.numChildren ?? 0); i++) top.push(build());
  return top;
}

/** Leaf columns in column-chunk order. */
export function parquetLeaves(footer: ParquetFooter): ParquetLeaf[] {
  const out: ParquetLeaf[] = [];
  const walk = (node: ParquetNode, path: string[], ancestors: ParquetSchemaElement[]): void => {
    const p = [...path, node.element.name];
    const a = [...ancestors, node.element];
    if (node.leafIndex !== undefined) out.push({ index: node.leafIndex, path: p, element: node.element, ancestors: a });
    for (const c of node.children) walk(c, p, a);
  };
  for (const n of parquetSchemaTree(footer)) walk(n, [], []);
  return out;
}

/**
 * Start offsets of the row groups, ascending (the `split_offsets` of a data file): each row
 * group's first column chunk starts at its dictionary page when it has one, else at its first
 * data page, as the reference implementation computes `BlockMetaData.getStartingPos`.
 */
export function rowGroupOffsets(footer: ParquetFooter): number[] {
  const out: number[] = [];
  for (const rg of footer.rowGroups) {
    const first = rg.columns[0];
    if (first === undefined) continue;
    const dict = first.dictionaryPageOffset;
    out.push(dict !== undefined && dict > 0 && dict < first.dataPageOffset ? dict : first.dataPageOffset);
  }
  return out.sort((a, b) => a - b);
}
