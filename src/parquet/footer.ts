/**
 * Parquet footer (FileMetaData) decoding with hyparquet, and the file's schema as a tree with
 * Iceberg field ids, which column projection (src/scan/field-projection.ts) maps the table schema
 * onto.
 *
 * hyparquet's default parsers turn TIMESTAMP_MICROS statistics into millisecond `Date`s and decode
 * strings; lake needs exact values, so the footer is always decoded with RAW_PARSERS, which keep
 * timestamps as bigint ticks of the column's unit, dates as day numbers and byte arrays as bytes.
 */
import { type FileMetaData, type MetadataOptions, type SchemaElement, parquetMetadata } from 'hyparquet';
import { LakeError } from '../errors.js';

export type { FileMetaData, SchemaElement } from 'hyparquet';

/** Parsers that keep every statistic exactly as stored (bigint ticks, day numbers, raw bytes). */
export const RAW_PARSERS: NonNullable<MetadataOptions['parsers']> = Object.freeze({
  timestampFromMilliseconds: (v: bigint) => v,
  timestampFromMicroseconds: (v: bigint) => v,
  timestampFromNanoseconds: (v: bigint) => v,
  dateFromDays: (v: number) => v,
  stringFromBytes: (v: Uint8Array) => v,
  jsonFromBytes: (v: Uint8Array) => v,
  geometryFromBytes: (v: Uint8Array) => v,
  geographyFromBytes: (v: Uint8Array) => v,
  uuidFromBytes: (v: Uint8Array) => v,
});

const MAGIC = 0x31524150; // "PAR1" little-endian
/** One read of this many bytes from the end usually holds the whole footer. */
const FOOTER_GUESS = 64 * 1024;

/** A node of a Parquet schema: a group (struct, list, map) or a leaf column. */
export interface ParquetSchemaNode {
  name: string;
  element: SchemaElement;
  /** Iceberg field id stored in the file, when the writer stored one. */
  fieldId?: number;
  repetition: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  children: ParquetSchemaNode[];
  /** Names from the root (not included) to this node, as Parquet column paths spell them. */
  path: string[];
}

export interface ParquetFooter {
  metadata: FileMetaData;
  /** The root group; its children are the top-level columns. */
  root: ParquetSchemaNode;
  numRows: number;
  /** True when any node carries a field id (Iceberg writers store one on every node). */
  hasFieldIds: boolean;
}

/**
 * Decodes a footer from the tail of a Parquet file: any buffer that ends with
 * `<metadata><length: u32 LE>PAR1` (the whole file or only its last bytes).
 */
export function decodeParquetFooter(tail: Uint8Array, where = 'Parquet file'): ParquetFooter {
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(tail, { parsers: RAW_PARSERS, geoparquet: false });
  } catch (e) {
    throw new LakeError('INVALID_METADATA', `cannot decode the Parquet footer of ${where}: ${(e as Error).message}`, {
      cause: e,
      context: { file: where },
    });
  }
  const root = schemaTree(metadata.schema, where);
  let hasFieldIds = false;
  const visit = (n: ParquetSchemaNode): void => {
    if (n.fieldId !== undefined) hasFieldIds = true;
    n.children.forEach(visit);
  };
  root.children.forEach(visit);
  return { metadata, root, numRows: Number(metadata.num_rows), hasFieldIds };
}

/**
 * Reads and decodes the footer of a Parquet file of `size` bytes through `readRange` (one range
 * read for footers up to 64 KiB, two for larger ones).
 */
export async function readParquetFooter(
  readRange: (offset: number, length: number) => Promise<Uint8Array>,
  size: number,
  where = 'Parquet file',
): Promise<ParquetFooter> {
  if (!Number.isSafeInteger(size) || size < 12) {
    throw new LakeError('INVALID_METADATA', `${where} is too short to be a Parquet file (${size} bytes)`, { context: { file: where, size } });
  }
  const guess = Math.min(size, FOOTER_GUESS);
  let tail = await readRange(size - guess, guess);
  if (tail.byteLength !== guess) {
    throw new LakeError('INVALID_METADATA', `${where} is shorter than its recorded size ${size}`, { context: { file: where, size } });
  }
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  if (view.getUint32(guess - 4, true) !== MAGIC) {
    throw new LakeError('INVALID_METADATA', `${where} is not a Parquet file (no PAR1 at its end)`, { context: { file: where } });
  }
  const metaLength = view.getUint32(guess - 8, true);
  if (metaLength + 8 > size - 4) {
    throw new LakeError('INVALID_METADATA', `${where} has a footer length ${metaLength} beyond the file size ${size}`, { context: { file: where } });
  }
  if (metaLength + 8 > guess) {
    tail = await readRange(size - metaLength - 8, metaLength + 8);
  }
  return decodeParquetFooter(tail, where);
}

function schemaTree(elements: SchemaElement[], where: string): ParquetSchemaNode {
  let i = 0;
  const build = (path: string[]): ParquetSchemaNode => {
    const element = elements[i++];
    if (element === undefined) throw new LakeError('INVALID_METADATA', `${where} has a truncated Parquet schema`, { context: { file: where } });
    const node: ParquetSchemaNode = {
      name: element.name,
      element,
      repetition: (element.repetition_type ?? 'REQUIRED') as ParquetSchemaNode['repetition'],
      children: [],
      path,
    };
    if (element.field_id !== undefined && element.field_id !== null) node.fieldId = Number(element.field_id);
    const n = element.num_children ?? 0;
    for (let c = 0; c < n; c++) {
      const childName = elements[i]?.name ?? '';
      node.children.push(build([...path, childName]));
    }
    return node;
  };
  const root = build([]);
  root.path = [];
  return root;
}

/** True when a schema node is a group (struct, list or map), false for a leaf column. */
export function isGroup(node: ParquetSchemaNode): boolean {
  return node.element.type === undefined;
}

/** Dotted Parquet column path of a node (`a.list.element`), as readers name columns. */
export function columnPath(node: ParquetSchemaNode): string {
  return node.path.join('.');
}
