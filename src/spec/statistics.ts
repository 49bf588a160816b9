/**
 * Table statistics files (Puffin) and partition statistics files registered in table metadata
 * (spec "Table Statistics" and "Partition Statistics").
 */
import { type LakeErrorCode } from '../errors.js';
import { JsonFields } from '../util/json.js';

export interface BlobMetadata {
  type: string;
  /** Snapshot the blob was computed from. */
  snapshotId: bigint;
  /** Sequence number of that snapshot. */
  sequenceNumber: bigint;
  /** Field ids the statistic was computed on, in order. */
  fields: number[];
  properties?: Record<string, string>;
}

export interface StatisticsFile {
  snapshotId: bigint;
  statisticsPath: string;
  fileSizeInBytes: number;
  fileFooterSizeInBytes: number;
  /** Base64 key metadata for encryption. */
  keyMetadata?: string;
  blobMetadata: BlobMetadata[];
}

export interface PartitionStatisticsFile {
  snapshotId: bigint;
  statisticsPath: string;
  fileSizeInBytes: number;
}

export function parseStatisticsFile(json: unknown, code: LakeErrorCode = 'INVALID_METADATA'): StatisticsFile {
  const f = new JsonFields(json, 'statistics file', code);
  const out: StatisticsFile = {
    snapshotId: f.long('snapshot-id'),
    statisticsPath: f.str('statistics-path'),
    fileSizeInBytes: f.safeLong('file-size-in-bytes'),
    fileFooterSizeInBytes: f.safeLong('file-footer-size-in-bytes'),
    blobMetadata: f.list('blob-metadata').map((b) => parseBlobMetadata(b, code)),
  };
  const key = f.optStr('key-metadata');
  if (key !== undefined) out.keyMetadata = key;
  return out;
}

function parseBlobMetadata(json: unknown, code: LakeErrorCode): BlobMetadata {
  const f = new JsonFields(json, 'statistics blob metadata', code);
  const out: BlobMetadata = {
    type: f.str('type'),
    snapshotId: f.long('snapshot-id'),
    sequenceNumber: f.long('sequence-number'),
    fields: f.intList('fields'),
  };
  const props = f.optStrMap('properties');
  if (props !== undefined && Object.keys(props).length > 0) out.properties = props;
  return out;
}

/** JSON form, keys in the reference implementation's order. */
export function statisticsFileToJson(s: StatisticsFile): Record<string, unknown> {
  const o: Record<string, unknown> = {
    'snapshot-id': s.snapshotId,
    'statistics-path': s.statisticsPath,
    'file-size-in-bytes': s.fileSizeInBytes,
    'file-footer-size-in-bytes': s.fileFooterSizeInBytes,
  };
  if (s.keyMetadata !== undefined) o['key-metadata'] = s.keyMetadata;
  o['blob-metadata'] = s.blobMetadata.map((b) => {
    const j: Record<string, unknown> = {
      type: b.type,
      'snapshot-id': b.snapshotId,
      'sequence-number': b.sequenceNumber,
      fields: [...b.fields],
    };
    if (b.properties !== undefined && Object.keys(b.properties).length > 0) j.properties = { ...b.properties };
    return j;
  });
  return o;
}

export function parsePartitionStatisticsFile(json: unknown, code: LakeErrorCode = 'INVALID_METADATA'): PartitionStatisticsFile {
  const f = new JsonFields(json, 'partition statistics file', code);
  return {
    snapshotId: f.long('snapshot-id'),
    statisticsPath: f.str('statistics-path'),
    fileSizeInBytes: f.safeLong('file-size-in-bytes'),
  };
}

export function partitionStatisticsFileToJson(s: PartitionStatisticsFile): Record<string, unknown> {
  return { 'snapshot-id': s.snapshotId, 'statistics-path': s.statisticsPath, 'file-size-in-bytes': s.fileSizeInBytes };
}
