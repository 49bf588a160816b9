/**
 * Partition specs (spec "Partitioning", JSON in Appendix C).
 */
import { LakeError } from '../errors.js';
import { type Transform, parseTransform, transformToString } from './transforms.js';

export interface PartitionField {
  /** Source column id (for single-argument transforms). */
  sourceId: number;
  /** v3 multi-argument transforms: all source ids (then `sourceId` is the first). */
  sourceIds?: number[];
  fieldId: number;
  name: string;
  transform: Transform;
}

export interface PartitionSpec {
  specId: number;
  fields: PartitionField[];
}

/** v1 tables did not store partition field ids; the reference implementation assigned 1000, 1001, ... */
export const PARTITION_DATA_ID_START = 1000;

export const UNPARTITIONED: PartitionSpec = Object.freeze({ specId: 0, fields: [] }) as PartitionSpec;

export function isUnpartitioned(spec: PartitionSpec): boolean {
  return spec.fields.every((f) => f.transform.kind === 'void');
}

function parseField(json: unknown, index: number): PartitionField {
  if (json === null || typeof json !== 'object') throw new LakeError('INVALID_METADATA', 'partition field must be an object');
  const o = json as Record<string, unknown>;
  const sourceIds = Array.isArray(o['source-ids']) ? (o['source-ids'] as unknown[]).map(Number) : undefined;
  const sourceId = o['source-id'] !== undefined ? Number(o['source-id']) : sourceIds?.[0];
  if (sourceId === undefined || Number.isNaN(sourceId)) throw new LakeError('INVALID_METADATA', 'partition field without source-id');
  if (typeof o.name !== 'string') throw new LakeError('INVALID_METADATA', 'partition field without name');
  if (typeof o.transform !== 'string') throw new LakeError('INVALID_METADATA', `partition field ${o.name} without transform`);
  const f: PartitionField = {
    sourceId,
    fieldId: o['field-id'] !== undefined ? Number(o['field-id']) : PARTITION_DATA_ID_START + index,
    name: o.name,
    transform: parseTransform(o.transform),
  };
  if (sourceIds !== undefined && (sourceIds.length > 1 || o['source-id'] === undefined)) f.sourceIds = sourceIds;
  return f;
}

/** Parses a partition spec object, or the bare v1 field list (then `specId` is used). */
export function parsePartitionSpec(json: unknown, specId = 0): PartitionSpec {
  if (Array.isArray(json)) return { specId, fields: json.map(parseField) };
  if (json === null || typeof json !== 'object') throw new LakeError('INVALID_METADATA', 'partition spec must be an object');
  const o = json as Record<string, unknown>;
  if (!Array.isArray(o.fields)) throw new LakeError('INVALID_METADATA', 'partition spec without fields');
  return { specId: o['spec-id'] === undefined ? specId : Number(o['spec-id']), fields: o.fields.map(parseField) };
}

export function partitionFieldToJson(f: PartitionField): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (f.sourceIds !== undefined && f.sourceIds.length > 1) o['source-ids'] = [...f.sourceIds];
  else o['source-id'] = f.sourceId;
  o['field-id'] = f.fieldId;
  o.name = f.name;
  o.transform = transformToString(f.transform);
  return o;
}

export function partitionSpecToJson(spec: PartitionSpec): Record<string, unknown> {
  return { 'spec-id': spec.specId, fields: spec.fields.map(partitionFieldToJson) };
}
