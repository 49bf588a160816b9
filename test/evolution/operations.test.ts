/**
 * The staged evolution operations committed through the object-store catalog (in memory): each
 * change is one new metadata version, invalid changes leave the table untouched, and changes that
 * race with other writers are re-applied only when still valid.
 */
import { describe, expect, it } from 'vitest';
import { memoryCatalog } from '../../catalog/object-store-catalog.js';
import { Table } from '../../catalog/table.js';
import type { TableOperations } from '../../catalog/table-operations.js';
import { LakeError } from '../../src/errors.js';
import { rejected } from '../support/errors.js';
import { parseEvolutionChanges, parseEvolveArgs } from '../../src/spec/evolution-changes.js';
import { nameMappingFromSchema, parseNameMapping, serializeNameMapping } from '../../src/spec/name-mapping.js';
import { findColumnName, indexSchema, parseSchema } from '../../src/spec/schema.js';
import { type TableMetadata, currentSchema, defaultSortOrder, defaultSpec } from '../../src/spec/table-metadata.js';
import { transformToString } from '../../src/spec/transforms.js';
import { newEvolution, previewEvolution } from '../../src/write/evolve-table.js';
import { ReplaceSortOrder } from '../../src/write/replace-sort-order.js';
import type { TableHandle } from '../../src/write/staged-change.js';
import { UpdatePartitionSpec } from '../../src/write/update-partition-spec.js';
import { UpdateProperties } from '../../src/write/update-properties.js';
import { UpdateSchema } from '../../src/write/update-schema.js';
import { UpgradeFormatVersion } from '../../src/write/upgrade-format.js';

const SCHEMA = parseSchema({
  type: 'struct',
  'schema-id': 0,
  'identifier-field-ids': [1],
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    { id: 4, name: 'n', required: false, type: 'int' },
  ],
});

async function newTable(options: { formatVersion?: 1 | 2 | 3; partitionBy?: 'day'; properties?: Record<string, string> } = {}) {
  const catalog = memoryCatalog();
  await catalog.createNamespace('db');
  const table = await catalog.createTable('db.t', {
    schema: SCHEMA,
    formatVersion: options.formatVersion ?? 2,
    ...(options.partitionBy === 'day' ? { partitionSpec: { specId: 0, fields: [{ sourceId: 3, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' as const } }] } } : {}),
    ...(options.properties === undefined ? {} : { properties: options.properties }),
  });
  return { catalog, table };
}

function handle(table: Table): TableHandle {
  return { metadata: table.metadata, io: table.io, committer: table };
}

function columns(m: TableMetadata): string[] {
  return [...indexSchema(currentSchema(m)).values()].map((e) => `${e.field.id}:${e.path}`);
}

/** Runs `fn`, expecting a LakeError with `code`; checks the table kept its metadata file. */
async function refusedKeepsTable(table: Table, code: string, fn: () => Promise<unknown>): Promise<LakeError> {
  const before = table.metadataLocation;
  const err = await rejected(fn());
  expect(err.code).toBe(code);
  await table.refresh();
  expect(table.metadataLocation).toBe(before);
  return err;
}

describe('schema changes through the catalog', () => {
  it('commits one new version with add-schema, set-current-schema and the schema requirements', async () => {
    const { catalog, table } = await newTable();
    const op = new UpdateSchema(handle(table)).addColumn('email', 'string').renameColumn('name', 'full_name').updateColumn('n', 'long');
    const staged = await op.stage(table.metadata);
    expect(staged.updates.map((u) => u.action)).toEqual(['add-schema', 'set-current-schema']);
    expect(staged.requirements).toEqual([
      { type: 'assert-table-uuid', uuid: table.metadata.tableUuid },
      { type: 'assert-last-assigned-field-id', lastAssignedFieldId: 4 },
      { type: 'assert-current-schema-id', currentSchemaId: 0 },
    ]);
    const before = table.metadataLocation;
    await op.commit();
    expect(table.metadataLocation).not.toBe(before);
    const loaded = await catalog.loadTable('db.t');
    expect(loaded.metadata.currentSchemaId).toBe(1);
    expect(loaded.metadata.lastColumnId).toBe(5);
    expect(columns(loaded.metadata)).toEqual(['1:id', '2:full_name', '3:ts', '4:n', '5:email']);
    expect(loaded.metadata.schemas).toHaveLength(2);
  });

  it('refuses an invalid change without writing a new version', async () => {
    const { table } = await newTable({ partitionBy: 'day' });
    const e = await refusedKeepsTable(table, 'INVALID_SCHEMA_CHANGE', () => new UpdateSchema(handle(table)).dropColumn('ts').commit());
    expect(e.context).toMatchObject({ rule: 'partition-source', column: 'ts' });
    await refusedKeepsTable(table, 'INVALID_SCHEMA_CHANGE', () => new UpdateSchema(handle(table)).updateColumn('id', 'int').commit());
    await refusedKeepsTable(table, 'INVALID_SCHEMA_CHANGE', () => new UpdateSchema(handle(table)).addColumn('x', 'int', { required: true }).commit());
    expect(table.metadata.schemas).toHaveLength(1);
  });

  it('commits nothing when the change leaves the schema as it is', async () => {
    const { table } = await newTable();
    const before = table.metadataLocation;
    const r = await new UpdateSchema(handle(table)).updateColumn('id', 'long').commit();
    expect(r.metadataLocation).toBe(before);
  });

  it('keeps the name mapping and per-column properties in step', async () => {
    const mapping = serializeNameMapping(nameMappingFromSchema(SCHEMA));
    const { table } = await newTable({ properties: { 'schema.name-mapping.default': mapping, 'write.metadata.metrics.column.name': 'full' } });
    await new UpdateSchema(handle(table)).renameColumn('name', 'label').addColumn('extra', 'int').commit();
    const m = parseNameMapping(table.properties['schema.name-mapping.default']!);
    expect(m.find((f) => f.fieldId === 2)!.names).toEqual(['name', 'label']);
    expect(m.find((f) => f.fieldId === 5)!.names).toEqual(['extra']);
    expect(table.properties['write.metadata.metrics.column.label']).toBe('full');
    expect(table.properties['write.metadata.metrics.column.name']).toBeUndefined();
  });

  it('refuses case-insensitive name clashes when the table has a name mapping', async () => {
    const { table } = await newTable({ properties: { 'schema.name-mapping.default': serializeNameMapping(nameMappingFromSchema(SCHEMA)) } });
    const e = await refusedKeepsTable(table, 'INVALID_SCHEMA_CHANGE', () => new UpdateSchema(handle(table)).addColumn('NAME', 'string').commit());
    expect(e.context).toMatchObject({ rule: 'name-exists', column: 'NAME' });
  });
});

describe('racing changes', () => {
  /** A table whose next commit first lets `other` commit, so its first attempt loses the race. */
  function losingFirstRace(table: Table, other: () => Promise<unknown>): Table {
    let raced = false;
    const ops = table.operations;
    const racing: TableOperations = {
      io: ops.io,
      name: ops.name,
      current: () => ops.current(),
      refresh: () => ops.refresh(),
      commit: async (base, updated, o) => {
        if (!raced) {
          raced = true;
          await other();
        }
        return ops.commit(base, updated, o);
      },
    };
    return new Table(table.name, racing, { metadata: table.metadata, metadataLocation: table.metadataLocation, version: ops.current()!.version });
  }

  it('re-applies a schema change that is still valid on the winner schema: no change is lost', async () => {
    const { catalog, table } = await newTable();
    const other = await catalog.loadTable('db.t');
    const racing = losingFirstRace(table, () => new UpdateSchema(handle(other)).addColumn('b', 'string').commit());
    const result = await new UpdateSchema({ metadata: racing.metadata, io: racing.io, committer: racing }).addColumn('a', 'int').renameColumn('name', 'label').commit();
    expect(result.attempts).toBe(2);
    const final = (await catalog.loadTable('db.t')).metadata;
    expect(columns(final)).toEqual(['1:id', '2:label', '3:ts', '4:n', '5:b', '6:a']);
    expect(final.lastColumnId).toBe(6);
    expect(final.schemas.map((s) => s.schemaId)).toEqual([0, 1, 2]);
  });

  it('fails with a clear conflict when the winner changed a column the change names', async () => {
    const { catalog, table } = await newTable();
    const other = await catalog.loadTable('db.t');
    const racing = losingFirstRace(table, () => new UpdateSchema(handle(other)).dropColumn('name').commit());
    let err: unknown;
    try {
      await new UpdateSchema({ metadata: racing.metadata, io: racing.io, committer: racing }).renameColumn('name', 'label').commit();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'COMMIT_CONFLICT', context: { column: 'name' } });
    expect((err as Error).message).toMatch(/column name was dropped or renamed/);
    const final = (await catalog.loadTable('db.t')).metadata;
    expect(columns(final)).toEqual(['1:id', '3:ts', '4:n']);
  });

  it('does not widen a column that was dropped and re-added under the same name meanwhile', async () => {
    const { catalog, table } = await newTable();
    const other = await catalog.loadTable('db.t');
    const racing = losingFirstRace(table, () => new UpdateSchema(handle(other)).dropColumn('n').addColumn('n', 'int').commit());
    let err: unknown;
    try {
      await new UpdateSchema({ metadata: racing.metadata, io: racing.io, committer: racing }).updateColumn('n', 'long').commit();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'COMMIT_CONFLICT', context: { column: 'n' } });
    expect(findColumnName(currentSchema((await catalog.loadTable('db.t')).metadata), 5)).toBe('n');
  });

  it('refuses a change that became invalid on the winner schema (same name added by both)', async () => {
    const { catalog, table } = await newTable();
    const other = await catalog.loadTable('db.t');
    const racing = losingFirstRace(table, () => new UpdateSchema(handle(other)).addColumn('a', 'string').commit());
    let err: unknown;
    try {
      await new UpdateSchema({ metadata: racing.metadata, io: racing.io, committer: racing }).addColumn('a', 'int').commit();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'INVALID_SCHEMA_CHANGE', context: { rule: 'name-exists', column: 'a' } });
  });

  it('with rebase off, any concurrent schema change is a conflict', async () => {
    const { catalog, table } = await newTable();
    const other = await catalog.loadTable('db.t');
    const racing = losingFirstRace(table, () => new UpdateSchema(handle(other)).addColumn('b', 'string').commit());
    let err: unknown;
    try {
      await new UpdateSchema({ metadata: racing.metadata, io: racing.io, committer: racing }, { rebase: false }).addColumn('a', 'int').commit();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'COMMIT_CONFLICT' });
  });

  it('re-applies a partition change onto a concurrently changed spec when the named fields are the same', async () => {
    const { catalog, table } = await newTable({ partitionBy: 'day' });
    const other = await catalog.loadTable('db.t');
    const racing = losingFirstRace(table, () => new UpdatePartitionSpec(handle(other)).addField('bucket(8, id)').commit());
    await new UpdatePartitionSpec({ metadata: racing.metadata, io: racing.io, committer: racing }).addField('truncate(4, name)').commit();
    const spec = defaultSpec((await catalog.loadTable('db.t')).metadata);
    expect(spec.fields.map((f) => [f.fieldId, f.name])).toEqual([[1000, 'ts_day'], [1001, 'id_bucket_8'], [1002, 'name_trunc_4']]);
  });

  it('fails a partition change whose field was removed meanwhile', async () => {
    const { catalog, table } = await newTable({ partitionBy: 'day' });
    const other = await catalog.loadTable('db.t');
    const racing = losingFirstRace(table, () => new UpdatePartitionSpec(handle(other)).removeField('ts_day').commit());
    let err: unknown;
    try {
      await new UpdatePartitionSpec({ metadata: racing.metadata, io: racing.io, committer: racing }).renameField('ts_day', 'day').commit();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'COMMIT_CONFLICT', context: { field: 'ts_day' } });
  });
});

describe('partition specs, sort orders, properties and format versions', () => {
  it('commits a new default spec with the spec requirements', async () => {
    const { table } = await newTable({ partitionBy: 'day' });
    const op = new UpdatePartitionSpec(handle(table)).removeField('day(ts)').addField('hour(ts)').addField('bucket(8, id)');
    const staged = await op.stage(table.metadata);
    expect(staged.requirements.map((r) => r.type)).toEqual(['assert-table-uuid', 'assert-last-assigned-partition-id', 'assert-default-spec-id']);
    await op.commit();
    expect(table.metadata.defaultSpecId).toBe(1);
    expect(defaultSpec(table.metadata).fields.map((f) => `${f.fieldId}:${f.name}:${transformToString(f.transform)}`)).toEqual(['1001:ts_hour:hour', '1002:id_bucket_8:bucket[8]']);
    expect(table.metadata.partitionSpecs).toHaveLength(2);
  });

  it('replaces the sort order with the sort order requirement', async () => {
    const { table } = await newTable();
    const op = new ReplaceSortOrder(handle(table)).desc('id').asc('bucket(4, name)', 'nulls-last');
    const staged = await op.stage(table.metadata);
    expect(staged.requirements.map((r) => r.type)).toEqual(['assert-table-uuid', 'assert-default-sort-order-id']);
    await op.commit();
    const order = defaultSortOrder(table.metadata);
    expect(order.orderId).toBe(1);
    expect(order.fields.map((f) => `${f.sourceId}:${transformToString(f.transform)}:${f.direction}:${f.nullOrder}`)).toEqual(['1:identity:desc:nulls-last', '2:bucket[4]:asc:nulls-last']);
  });

  it('validates properties Iceberg defines, naming the key', async () => {
    const { table } = await newTable();
    const cases: [string, string][] = [
      ['write.target-file-size-bytes', 'big'],
      ['commit.retry.num-retries', '-1'],
      ['write.metadata.previous-versions-max', '0'],
      ['write.delete.isolation-level', 'strict'],
      ['write.parquet.compression-codec', 'rar'],
      ['write.metadata.metrics.default', 'some'],
      ['write.metadata.metrics.column.nope', 'full'],
      ['schema.name-mapping.default', '[{"field-id": "x"}]'],
      ['write.update.mode', 'rewrite'],
      ['write.format.default', 'csv'],
      ['write.distribution-mode', 'random'],
      ['gc.enabled', 'yes'],
      ['write.parquet.bloom-filter-enabled.column.id', '1'],
    ];
    for (const [key, value] of cases) {
      const e = await refusedKeepsTable(table, 'INVALID_INPUT', () => new UpdateProperties(handle(table)).set(key, value).commit());
      expect(e.message, key).toContain(key);
    }
    // The retry wait bounds are checked together with what the table already has.
    await new UpdateProperties(handle(table)).set('commit.retry.max-wait-ms', '1000').commit();
    await refusedKeepsTable(table, 'INVALID_INPUT', () => new UpdateProperties(handle(table)).set('commit.retry.min-wait-ms', '5000').commit());
    await new UpdateProperties(handle(table)).set('write.metadata.metrics.column.name', 'counts').set('write.update.mode', 'merge-on-read').commit();
    expect(table.properties['write.update.mode']).toBe('merge-on-read');
  });

  it('commits nothing for values already set or keys not present', async () => {
    const { table } = await newTable({ properties: { owner: 'me' } });
    const before = table.metadataLocation;
    const r = await new UpdateProperties(handle(table)).set('owner', 'me').remove('nope').commit();
    expect(r.metadataLocation).toBe(before);
    expect(await new UpdateProperties(handle(table)).set('owner', 'you').remove('nope').stage(table.metadata)).toMatchObject({ updates: [{ action: 'set-properties', updates: { owner: 'you' } }] });
  });

  it('refuses reserved properties other than format-version', async () => {
    const { table } = await newTable();
    expect(() => new UpdateProperties(handle(table)).set('uuid', 'x')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => new UpdateProperties(handle(table)).set('current-snapshot-id', '1')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => new UpdateProperties(handle(table)).remove('format-version')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('upgrades the format version through the format-version property, never storing it', async () => {
    const { table } = await newTable();
    await new UpdateProperties(handle(table)).set('format-version', '3').set('owner', 'me').commit();
    expect(table.metadata.formatVersion).toBe(3);
    expect(table.metadata.nextRowId).toBe(0n);
    expect(table.properties['format-version']).toBeUndefined();
    expect(table.properties.owner).toBe('me');
    await refusedKeepsTable(table, 'INVALID_INPUT', () => new UpdateProperties(handle(table)).set('format-version', '2').commit());
    await refusedKeepsTable(table, 'UNSUPPORTED_FEATURE', () => new UpdateProperties(handle(table)).set('format-version', '4').commit());
  });

  it('upgrades v1 -> v3 through v2 and is idempotent', async () => {
    const { catalog, table } = await newTable({ formatVersion: 1, partitionBy: 'day' });
    const op = new UpgradeFormatVersion(handle(table), 3);
    expect(op.preview().updates.map((u) => u.action)).toEqual(['upgrade-format-version', 'upgrade-format-version']);
    await op.commit();
    const m = (await catalog.loadTable('db.t')).metadata;
    expect(m.formatVersion).toBe(3);
    expect(m.nextRowId).toBe(0n);
    expect(m.lastSequenceNumber).toBe(0n);
    expect(defaultSpec(m).fields[0]!.fieldId).toBe(1000);
    const before = table.metadataLocation;
    const again = await new UpgradeFormatVersion(handle(table), 3).commit();
    expect(again.metadataLocation).toBe(before);
    await refusedKeepsTable(table, 'INVALID_INPUT', () => new UpgradeFormatVersion(handle(table), 2).commit());
  });
});

describe('several changes in one commit', () => {
  it('applies a mixed change list as one new version, in order', async () => {
    const { catalog, table } = await newTable({ partitionBy: 'day' });
    const changes = parseEvolveArgs([
      'add-column', 'region', 'string', '--after', 'id',
      'add-partition', 'region',
      'drop-partition', 'ts_day',
      'drop-column', 'ts',
      'set-sort', 'region, id desc',
      'set-property', 'owner=analytics',
      'upgrade', '--format-version', '3',
    ]);
    const before = table.metadataLocation;
    const preview = await previewEvolution(handle(table), changes);
    await newEvolution(handle(table), changes).commit();
    const m = (await catalog.loadTable('db.t')).metadata;
    expect(table.metadataLocation).not.toBe(before);
    expect(m.metadataLog.at(-1)!.metadataFile).toBe(before);
    expect(columns(m)).toEqual(['1:id', '5:region', '2:name', '4:n']);
    expect(currentSchema(m).fields.map((f) => f.name)).toEqual(['id', 'region', 'name', 'n']);
    expect(defaultSpec(m).fields.map((f) => `${f.fieldId}:${f.name}`)).toEqual(['1001:region']);
    expect(defaultSortOrder(m).fields.map((f) => `${f.sourceId}:${f.direction}`)).toEqual(['5:asc', '1:desc']);
    expect(m.properties.owner).toBe('analytics');
    expect(m.formatVersion).toBe(3);
    // The preview predicted exactly this metadata.
    expect(currentSchema(preview.metadata)).toEqual(currentSchema(m));
    expect(defaultSpec(preview.metadata)).toEqual(defaultSpec(m));
  });

  it('refuses the whole list when one change is invalid, writing nothing', async () => {
    const { table } = await newTable({ partitionBy: 'day' });
    // The partition source is dropped before its partition field: refused, and so is the rest.
    const changes = parseEvolveArgs(['add-column', 'x', 'int', 'drop-column', 'ts', 'drop-partition', 'ts_day']);
    const e = await refusedKeepsTable(table, 'INVALID_SCHEMA_CHANGE', () => newEvolution(handle(table), changes).commit());
    expect(e.message).toMatch(/remove the partition field first/);
    expect(table.metadata.schemas).toHaveLength(1);
  });

  it('reads the same changes from a change file', async () => {
    const { table } = await newTable();
    const list = parseEvolutionChanges([
      { op: 'add-column', name: 'Score', type: 'double' },
      { op: 'rename-column', name: 'NAME', 'new-name': 'title' },
    ]);
    await refusedKeepsTable(table, 'INVALID_SCHEMA_CHANGE', () => newEvolution(handle(table), list.changes).commit());
    await newEvolution(handle(table), list.changes, { caseSensitive: false }).commit();
    expect(currentSchema(table.metadata).fields.map((f) => f.name)).toEqual(['id', 'title', 'ts', 'n', 'Score']);
  });
});
