/** Table metadata fixtures for the evolution tests, built with the same functions lake uses. */
import { type PartitionSpec, partitionSpecToJson } from '../../src/spec/partition-spec.js';
import { type Schema, highestFieldId, parseSchema, schemaToJson } from '../../src/spec/schema.js';
import { type SortOrder, sortOrderToJson } from '../../src/spec/sort-order.js';
import { type FormatVersion, type TableMetadata, tableMetadataFromJson } from '../../src/spec/table-metadata.js';
import { parseTransform } from '../../src/spec/transforms.js';

export const NOW = 1_800_000_000_000;

/**
 * 1 id long required, 2 name string, 3 ts timestamptz, 4 point struct<5 x double required, 6 y double>,
 * 7 tags list<8 string>, 9 props map<10 string, 11 struct<12 a int>>, 13 locations list<14 struct<15 lat float, 16 lon float>>,
 * 17 price decimal(9,2), 18 d date, 19 f float, 20 i int
 */
export function richSchemaJson(): Record<string, unknown> {
  return {
    type: 'struct',
    'schema-id': 0,
    'identifier-field-ids': [1],
    fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'name', required: false, type: 'string', doc: 'display name' },
      { id: 3, name: 'ts', required: false, type: 'timestamptz' },
      {
        id: 4,
        name: 'point',
        required: false,
        type: { type: 'struct', fields: [{ id: 5, name: 'x', required: true, type: 'double' }, { id: 6, name: 'y', required: false, type: 'double' }] },
      },
      { id: 7, name: 'tags', required: false, type: { type: 'list', 'element-id': 8, element: 'string', 'element-required': false } },
      {
        id: 9,
        name: 'props',
        required: false,
        type: {
          type: 'map',
          'key-id': 10,
          key: 'string',
          'value-id': 11,
          value: { type: 'struct', fields: [{ id: 12, name: 'a', required: false, type: 'int' }] },
          'value-required': false,
        },
      },
      {
        id: 13,
        name: 'locations',
        required: false,
        type: {
          type: 'list',
          'element-id': 14,
          element: { type: 'struct', fields: [{ id: 15, name: 'lat', required: false, type: 'float' }, { id: 16, name: 'lon', required: false, type: 'float' }] },
          'element-required': true,
        },
      },
      { id: 17, name: 'price', required: false, type: 'decimal(9, 2)' },
      { id: 18, name: 'd', required: false, type: 'date' },
      { id: 19, name: 'f', required: false, type: 'float' },
      { id: 20, name: 'i', required: false, type: 'int' },
    ],
  };
}

export function richSchema(): Schema {
  return parseSchema(richSchemaJson());
}

export interface TableOptions {
  formatVersion?: FormatVersion;
  schema?: Schema;
  spec?: PartitionSpec;
  sortOrder?: SortOrder;
  properties?: Record<string, string>;
}

/** Table metadata holding exactly the given schema (ids kept), spec and sort order. */
export function table(options: TableOptions = {}): TableMetadata {
  const formatVersion = options.formatVersion ?? 2;
  const schema = options.schema ?? richSchema();
  const spec = options.spec ?? { specId: 0, fields: [] };
  const order = options.sortOrder ?? { orderId: 0, fields: [] };
  const json: Record<string, unknown> = {
    'format-version': formatVersion,
    'table-uuid': '9a1e3a56-0000-4000-8000-000000000001',
    location: 'file:///warehouse/db/t',
    'last-sequence-number': 0,
    'last-updated-ms': NOW,
    'last-column-id': highestFieldId(schema),
    'current-schema-id': schema.schemaId,
    schemas: [schemaToJson(schema)],
    'default-spec-id': spec.specId,
    'partition-specs': [partitionSpecToJson(spec)],
    'last-partition-id': Math.max(999, ...spec.fields.map((f) => f.fieldId)),
    'default-sort-order-id': order.orderId,
    'sort-orders': [sortOrderToJson(order)],
    properties: options.properties ?? {},
    'current-snapshot-id': -1,
    snapshots: [],
  };
  if (formatVersion >= 3) json['next-row-id'] = 0;
  return tableMetadataFromJson(json);
}

/** A spec over the rich schema: day(ts), bucket[8](id). */
export function daySpec(): PartitionSpec {
  return {
    specId: 0,
    fields: [
      { sourceId: 3, fieldId: 1000, name: 'ts_day', transform: parseTransform('day') },
      { sourceId: 1, fieldId: 1001, name: 'id_bucket', transform: parseTransform('bucket[8]') },
    ],
  };
}
