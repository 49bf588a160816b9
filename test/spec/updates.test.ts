import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../src/util/json.js';
import type { Schema } from '../../src/spec/schema.js';
import type { Snapshot } from '../../src/spec/snapshot.js';
import { type TableMetadata, parseTableMetadata, serializeTableMetadata } from '../../src/spec/table-metadata.js';
import { type TableRequirement, checkRequirements, tableRequirementFromJson, tableRequirementToJson } from '../../src/spec/requirements.js';
import { type TableUpdate, TABLE_UPDATE_ACTIONS, applyUpdates, tableUpdateFromJson, tableUpdateToJson } from '../../src/spec/updates.js';
import { thrown } from '../support/errors.js';

const T0 = 1700000000000;

function baseJson(formatVersion = 2): Record<string, unknown> {
  const o: Record<string, unknown> = {
    'format-version': formatVersion,
    'table-uuid': 'a1b2c3d4-0000-4000-8000-000000000001',
    location: 's3://bucket/t',
    'last-sequence-number': formatVersion === 1 ? undefined : 2,
    'last-updated-ms': T0 + 3000,
    'last-column-id': 2,
    'current-schema-id': 0,
    schemas: [{ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'ts', required: false, type: 'timestamptz' }] }],
    'default-spec-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' }] }],
    'last-partition-id': 1000,
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    properties: { owner: 'ana', 'write.metadata.previous-versions-max': '5' },
    'current-snapshot-id': 20,
    refs: { main: { 'snapshot-id': 20, type: 'branch' }, audit: { 'snapshot-id': 10, type: 'tag' } },
    snapshots: [
      { 'snapshot-id': 10, 'sequence-number': formatVersion === 1 ? 0 : 1, 'timestamp-ms': T0 + 1000, summary: { operation: 'append' }, 'manifest-list': 's3://bucket/t/metadata/snap-10.avro', 'schema-id': 0 },
      { 'snapshot-id': 20, 'parent-snapshot-id': 10, 'sequence-number': formatVersion === 1 ? 0 : 2, 'timestamp-ms': T0 + 2000, summary: { operation: 'append' }, 'manifest-list': 's3://bucket/t/metadata/snap-20.avro', 'schema-id': 0 },
    ],
    statistics: [
      { 'snapshot-id': 10, 'statistics-path': 's3://bucket/t/metadata/10.stats', 'file-size-in-bytes': 100, 'file-footer-size-in-bytes': 20, 'blob-metadata': [] },
    ],
    'partition-statistics': [{ 'snapshot-id': 10, 'statistics-path': 's3://bucket/t/metadata/10.parquet', 'file-size-in-bytes': 50 }],
    'snapshot-log': [
      { 'timestamp-ms': T0 + 1000, 'snapshot-id': 10 },
      { 'timestamp-ms': T0 + 2000, 'snapshot-id': 20 },
    ],
    'metadata-log': [{ 'timestamp-ms': T0, 'metadata-file': 's3://bucket/t/metadata/v1.metadata.json' }],
  };
  if (formatVersion >= 3) {
    o['next-row-id'] = 100;
    (o.snapshots as Record<string, unknown>[]).forEach((s, i) => Object.assign(s, { 'first-row-id': i * 50, 'added-rows': 50 }));
  }
  return o;
}

function base(formatVersion = 2): TableMetadata {
  return parseTableMetadata(JSON.stringify(baseJson(formatVersion)));
}

const NOW = T0 + 10_000;

function apply(m: TableMetadata | undefined, ...updates: TableUpdate[]): TableMetadata {
  return applyUpdates(m, updates, { nowMs: NOW });
}

function snap(id: bigint, parent: bigint | undefined, seq: bigint, extra: Partial<Snapshot> = {}): Snapshot {
  const s: Snapshot = {
    snapshotId: id,
    sequenceNumber: seq,
    timestampMs: T0 + 5000 + Number(seq),
    manifestList: `s3://bucket/t/metadata/snap-${id}.avro`,
    summary: { operation: 'append' },
    schemaId: 0,
    ...extra,
  };
  if (parent !== undefined) s.parentSnapshotId = parent;
  return s;
}

const schema1: Schema = {
  schemaId: 99,
  identifierFieldIds: [1],
  fields: [
    { id: 1, name: 'id', required: true, type: { kind: 'long' } },
    { id: 2, name: 'ts', required: false, type: { kind: 'timestamptz' } },
    { id: 3, name: 'note', required: false, type: { kind: 'string' } },
  ],
};

describe('applyUpdates: general', () => {
  it('returns the input itself when nothing changes, and never mutates the input', () => {
    const m = base();
    const before = structuredClone(m);
    expect(apply(m)).toBe(m);
    expect(apply(m, { action: 'set-location', location: 's3://bucket/t/' })).toBe(m);
    expect(apply(m, { action: 'set-properties', updates: {} }, { action: 'remove-properties', removals: [] })).toBe(m);
    const changed = apply(m, { action: 'set-properties', updates: { a: 'b' } }, { action: 'add-snapshot', snapshot: snap(30n, 20n, 3n) });
    expect(changed).not.toBe(m);
    expect(changed.lastUpdatedMs).toBe(NOW);
    expect(m).toEqual(before);
  });

  it('keeps metadata-log untouched', () => {
    const m = apply(base(), { action: 'set-properties', updates: { a: 'b' } });
    expect(m.metadataLog).toEqual(base().metadataLog);
  });

  it('names the failing update', () => {
    const e = thrown(() => apply(base(), { action: 'set-properties', updates: { a: 'b' } }, { action: 'set-current-schema', schemaId: 7 }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe('update 1 (set-current-schema): cannot set current schema to unknown schema 7');
    expect(e.context).toMatchObject({ update: 1, action: 'set-current-schema' });
  });

  it('results survive serialize -> parse unchanged', () => {
    const m = apply(
      base(),
      { action: 'add-schema', schema: schema1 },
      { action: 'set-current-schema', schemaId: -1 },
      { action: 'add-snapshot', snapshot: snap(30n, 20n, 3n) },
      { action: 'set-snapshot-ref', refName: 'main', snapshotId: 30n, type: 'branch' },
    );
    expect(parseTableMetadata(serializeTableMetadata(m))).toEqual(m);
  });
});

describe('applyUpdates: each update', () => {
  it('assign-uuid', () => {
    const m = base();
    expect(apply(m, { action: 'assign-uuid', uuid: 'A1B2C3D4-0000-4000-8000-000000000001' })).toBe(m);
    const e = thrown(() => apply(m, { action: 'assign-uuid', uuid: '00000000-0000-4000-8000-000000000009' }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/cannot change the uuid of existing table a1b2c3d4-0000-4000-8000-000000000001/);
  });

  it('upgrade-format-version', () => {
    const m = base();
    const v3 = apply(m, { action: 'upgrade-format-version', formatVersion: 3 });
    expect(v3.formatVersion).toBe(3);
    expect(v3.nextRowId).toBe(0n);
    expect(serializeTableMetadata(v3)).toContain('"next-row-id":0');
    expect(apply(m, { action: 'upgrade-format-version', formatVersion: 2 })).toBe(m);
    expect(thrown(() => apply(v3, { action: 'upgrade-format-version', formatVersion: 2 })).message).toMatch(/cannot downgrade a v3 table to v2/);
    const e = thrown(() => apply(m, { action: 'upgrade-format-version', formatVersion: 4 }));
    expect(e.code).toBe('UNSUPPORTED_FEATURE');
    const v1 = base(1);
    const up = apply(v1, { action: 'upgrade-format-version', formatVersion: 2 });
    expect(up.formatVersion).toBe(2);
    expect(up.lastSequenceNumber).toBe(0n);
  });

  it('add-schema and set-current-schema', () => {
    const m = apply(base(), { action: 'add-schema', schema: schema1 }, { action: 'set-current-schema', schemaId: -1 });
    expect(m.schemas.map((s) => s.schemaId)).toEqual([0, 1]);
    expect(m.currentSchemaId).toBe(1);
    expect(m.lastColumnId).toBe(3);
    expect(m.schemas[1]!.fields.map((f) => f.name)).toEqual(['id', 'ts', 'note']);

    // An identical schema reuses the existing id, and -1 selects it.
    const same = apply(m, { action: 'add-schema', schema: { ...base().schemas[0]!, schemaId: 42 } }, { action: 'set-current-schema', schemaId: -1 });
    expect(same.schemas).toHaveLength(2);
    expect(same.currentSchemaId).toBe(0);
    expect(same.lastColumnId).toBe(3);
    // Adding only an identical schema changes nothing.
    expect(apply(m, { action: 'add-schema', schema: schema1 })).toBe(m);

    expect(apply(m, { action: 'set-current-schema', schemaId: 1 })).toBe(m);
    expect(thrown(() => apply(base(), { action: 'set-current-schema', schemaId: -1 })).message).toMatch(/no schema has been added/);
    expect(thrown(() => apply(base(), { action: 'set-current-schema', schemaId: 5 })).message).toMatch(/unknown schema 5/);
    const v3type: Schema = { schemaId: 0, identifierFieldIds: [], fields: [{ id: 3, name: 'n', required: false, type: { kind: 'timestamp_ns' } }] };
    expect(thrown(() => apply(base(), { action: 'add-schema', schema: v3type })).message).toMatch(/n: type timestamp_ns is not supported until v3/);
    expect(apply(base(3), { action: 'add-schema', schema: v3type }).schemas).toHaveLength(2);
    const withDefault: Schema = { schemaId: 0, identifierFieldIds: [], fields: [{ id: 3, name: 'n', required: false, type: { kind: 'int' }, initialDefault: 5 }] };
    expect(thrown(() => apply(base(), { action: 'add-schema', schema: withDefault })).message).toMatch(/non-null initial-default is not supported until v3/);
    const dupIds: Schema = { schemaId: 0, identifierFieldIds: [], fields: [{ id: 3, name: 'a', required: false, type: { kind: 'int' } }, { id: 3, name: 'b', required: false, type: { kind: 'int' } }] };
    expect(thrown(() => apply(base(), { action: 'add-schema', schema: dupIds })).message).toMatch(/duplicate field id 3/);
    expect(thrown(() => apply(base(), { action: 'add-schema', schema: { ...schema1, identifierFieldIds: [9] } })).message).toMatch(/identifier field id 9/);
    // The current schema may not drop the default spec's source column.
    const noTs: Schema = { schemaId: 0, identifierFieldIds: [], fields: [{ id: 1, name: 'id', required: true, type: { kind: 'long' } }] };
    expect(thrown(() => apply(base(), { action: 'add-schema', schema: noTs }, { action: 'set-current-schema', schemaId: -1 })).message).toMatch(
      /default partition spec 0: partition field "ts_day" refers to missing source column 2/,
    );
  });

  it('add-spec and set-default-spec', () => {
    const m = apply(
      base(),
      { action: 'add-spec', spec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } }, { sourceId: 1, fieldId: 1001, name: 'id_bucket', transform: { kind: 'bucket', n: 8 } }] } },
      { action: 'set-default-spec', specId: -1 },
    );
    expect(m.partitionSpecs.map((s) => s.specId)).toEqual([0, 1]);
    expect(m.defaultSpecId).toBe(1);
    expect(m.lastPartitionId).toBe(1001);
    // Equivalent spec (same source, transform, name): reused.
    const back = apply(m, { action: 'add-spec', spec: { specId: 7, fields: [{ sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } }] } }, { action: 'set-default-spec', specId: -1 });
    expect(back.partitionSpecs).toHaveLength(2);
    expect(back.defaultSpecId).toBe(0);
    expect(apply(m, { action: 'set-default-spec', specId: 1 })).toBe(m);
    expect(thrown(() => apply(base(), { action: 'set-default-spec', specId: 3 })).message).toMatch(/unknown spec 3/);
    expect(thrown(() => apply(base(), { action: 'set-default-spec', specId: -1 })).message).toMatch(/no spec has been added/);
    // v2: a field id already used for a different field.
    expect(
      thrown(() => apply(base(), { action: 'add-spec', spec: { specId: 0, fields: [{ sourceId: 1, fieldId: 1000, name: 'id', transform: { kind: 'identity' } }] } })).message,
    ).toMatch(/partition field id 1000 \("id", identity of 1\) is already used by spec 0 for "ts_day" \(day of 2\)/);
    expect(
      thrown(() => apply(base(), { action: 'add-spec', spec: { specId: 0, fields: [{ sourceId: 9, fieldId: 1001, name: 'x', transform: { kind: 'identity' } }] } })).message,
    ).toMatch(/refers to missing source column 9/);
    expect(
      thrown(() =>
        apply(base(), {
          action: 'add-spec',
          spec: { specId: 0, fields: [{ sourceId: 1, fieldId: 1001, name: 'x', transform: { kind: 'identity' } }, { sourceId: 2, fieldId: 1002, name: 'x', transform: { kind: 'day' } }] },
        }),
      ).message,
    ).toMatch(/field name "x" more than once/);
    // v1: sequential ids required.
    expect(
      thrown(() => apply(base(1), { action: 'add-spec', spec: { specId: 0, fields: [{ sourceId: 1, fieldId: 1005, name: 'id', transform: { kind: 'identity' } }] } })).message,
    ).toMatch(/v1 partition specs need sequential field ids from 1000/);
    const v1 = apply(base(1), { action: 'add-spec', spec: { specId: 0, fields: [{ sourceId: 2, fieldId: 1000, name: 'ts_day', transform: { kind: 'void' } }, { sourceId: 1, fieldId: 1001, name: 'id', transform: { kind: 'identity' } }] } });
    expect(v1.lastPartitionId).toBe(1001);
  });

  it('add-sort-order and set-default-sort-order', () => {
    const order = { orderId: 0, fields: [{ sourceId: 1, transform: { kind: 'identity' as const }, direction: 'desc' as const, nullOrder: 'nulls-last' as const }] };
    const m = apply(base(), { action: 'add-sort-order', sortOrder: order }, { action: 'set-default-sort-order', sortOrderId: -1 });
    expect(m.sortOrders.map((o) => o.orderId)).toEqual([0, 1]);
    expect(m.defaultSortOrderId).toBe(1);
    const again = apply(m, { action: 'add-sort-order', sortOrder: { ...order, orderId: 9 } }, { action: 'set-default-sort-order', sortOrderId: -1 });
    expect(again).toBe(m);
    const unsorted = apply(m, { action: 'add-sort-order', sortOrder: { orderId: 5, fields: [] } }, { action: 'set-default-sort-order', sortOrderId: -1 });
    expect(unsorted.defaultSortOrderId).toBe(0);
    expect(unsorted.sortOrders).toHaveLength(2);
    expect(thrown(() => apply(base(), { action: 'set-default-sort-order', sortOrderId: 4 })).message).toMatch(/unknown sort order 4/);
    expect(thrown(() => apply(base(), { action: 'set-default-sort-order', sortOrderId: -1 })).message).toMatch(/no sort order has been added/);
    expect(thrown(() => apply(base(), { action: 'add-sort-order', sortOrder: { ...order, fields: [{ ...order.fields[0]!, sourceId: 8 }] } })).message).toMatch(
      /sort field refers to missing source column 8/,
    );
  });

  it('add-snapshot and set-snapshot-ref on main', () => {
    const s30 = snap(30n, 20n, 3n);
    const m = apply(base(), { action: 'add-snapshot', snapshot: s30 }, { action: 'set-snapshot-ref', refName: 'main', snapshotId: 30n, type: 'branch' });
    expect(m.lastSequenceNumber).toBe(3n);
    expect(m.currentSnapshotId).toBe(30n);
    expect(m.refs.get('main')).toEqual({ snapshotId: 30n, type: 'branch' });
    expect(m.snapshotLog.at(-1)).toEqual({ snapshotId: 30n, timestampMs: s30.timestampMs });
    expect(m.snapshotLog).toHaveLength(3);

    // Added but not made current: a staged snapshot (e.g. on a branch later).
    const staged = apply(base(), { action: 'add-snapshot', snapshot: s30 });
    expect(staged.currentSnapshotId).toBe(20n);
    expect(staged.lastSequenceNumber).toBe(3n);

    const stale = thrown(() => apply(base(), { action: 'add-snapshot', snapshot: snap(30n, 20n, 2n) }));
    expect(stale.code).toBe('COMMIT_CONFLICT');
    expect(stale.retryable).toBe(true);
    expect(stale.message).toMatch(/sequence number 2: the table's last sequence number is already 2/);
    expect(thrown(() => apply(base(), { action: 'add-snapshot', snapshot: snap(20n, 10n, 3n) })).message).toMatch(/snapshot 20 already exists/);
    expect(thrown(() => apply(base(), { action: 'add-snapshot', snapshot: snap(30n, 77n, 3n) })).message).toMatch(/parent snapshot 77 of snapshot 30 does not exist/);
    const noList = snap(30n, 20n, 3n);
    delete noList.manifestList;
    noList.manifests = ['m.avro'];
    expect(thrown(() => apply(base(), { action: 'add-snapshot', snapshot: noList })).message).toMatch(/no manifest-list/);
    // v1: no sequence numbers.
    const v1 = apply(base(1), { action: 'add-snapshot', snapshot: snap(30n, 20n, 0n) }, { action: 'set-snapshot-ref', refName: 'main', snapshotId: 30n, type: 'branch' });
    expect(v1.lastSequenceNumber).toBe(0n);
    expect(v1.currentSnapshotId).toBe(30n);
    expect(thrown(() => apply(base(1), { action: 'add-snapshot', snapshot: snap(30n, 20n, 3n) })).message).toMatch(/v1 snapshots have none/);
  });

  it('leaves snapshots that were current only within the batch out of the snapshot log', () => {
    const m = apply(
      base(),
      { action: 'add-snapshot', snapshot: snap(30n, 20n, 3n) },
      { action: 'set-snapshot-ref', refName: 'main', snapshotId: 30n, type: 'branch' },
      { action: 'add-snapshot', snapshot: snap(40n, 30n, 4n) },
      { action: 'set-snapshot-ref', refName: 'main', snapshotId: 40n, type: 'branch' },
    );
    expect(m.snapshotLog.map((e) => e.snapshotId)).toEqual([10n, 20n, 40n]);
    expect(m.lastSequenceNumber).toBe(4n);
  });

  it('logs a rollback at the time of the change', () => {
    const m = apply(base(), { action: 'set-snapshot-ref', refName: 'main', snapshotId: 10n, type: 'branch' });
    expect(m.currentSnapshotId).toBe(10n);
    expect(m.snapshotLog.at(-1)).toEqual({ snapshotId: 10n, timestampMs: NOW });
  });

  it('set-snapshot-ref for tags and branches', () => {
    const m = apply(
      base(),
      { action: 'set-snapshot-ref', refName: 'dev', snapshotId: 10n, type: 'branch', minSnapshotsToKeep: 3, maxSnapshotAgeMs: 86_400_000n },
      { action: 'set-snapshot-ref', refName: 'v1', snapshotId: 20n, type: 'tag', maxRefAgeMs: 9223372036854775807n },
    );
    expect(m.refs.get('dev')).toEqual({ snapshotId: 10n, type: 'branch', minSnapshotsToKeep: 3, maxSnapshotAgeMs: 86_400_000n });
    expect(m.refs.get('v1')).toEqual({ snapshotId: 20n, type: 'tag', maxRefAgeMs: 9223372036854775807n });
    expect(m.currentSnapshotId).toBe(20n);
    expect(m.snapshotLog).toEqual(base().snapshotLog);
    expect(serializeTableMetadata(m)).toContain('"max-ref-age-ms":9223372036854775807');
    expect(apply(m, { action: 'set-snapshot-ref', refName: 'v1', snapshotId: 20n, type: 'tag', maxRefAgeMs: 9223372036854775807n })).toBe(m);
    expect(thrown(() => apply(base(), { action: 'set-snapshot-ref', refName: 'main', snapshotId: 10n, type: 'tag' })).message).toMatch(/cannot set main to a tag/);
    expect(thrown(() => apply(base(), { action: 'set-snapshot-ref', refName: 'x', snapshotId: 99n, type: 'tag' })).message).toMatch(/cannot set x to unknown snapshot 99/);
    expect(thrown(() => apply(base(), { action: 'set-snapshot-ref', refName: 'x', snapshotId: 10n, type: 'tag', minSnapshotsToKeep: 1 })).message).toMatch(
      /tags do not support min-snapshots-to-keep/,
    );
    expect(thrown(() => apply(base(), { action: 'set-snapshot-ref', refName: 'x', snapshotId: 10n, type: 'branch', maxRefAgeMs: 0n })).message).toMatch(
      /max-ref-age-ms must be greater than 0/,
    );
  });

  it('remove-snapshots drops refs, statistics and the log before the removed snapshot', () => {
    const m = apply(base(), { action: 'remove-snapshots', snapshotIds: [10n] });
    expect(m.snapshots.map((s) => s.snapshotId)).toEqual([20n]);
    expect(m.refs.has('audit')).toBe(false);
    expect(m.refs.get('main')?.snapshotId).toBe(20n);
    expect(m.statistics).toEqual([]);
    expect(m.partitionStatistics).toEqual([]);
    expect(m.snapshotLog.map((e) => e.snapshotId)).toEqual([20n]);
  });

  it('remove-snapshots of unknown ids changes nothing; removing the current snapshot removes main', () => {
    const b = base();
    expect(apply(b, { action: 'remove-snapshots', snapshotIds: [123n] })).toBe(b);
    const m = apply(b, { action: 'remove-snapshots', snapshotIds: [20n] });
    expect(m.currentSnapshotId).toBeUndefined();
    expect(m.refs.has('main')).toBe(false);
    expect(m.refs.get('audit')?.snapshotId).toBe(10n);
    // 20 was the last log entry: every entry before it goes too.
    expect(m.snapshotLog).toEqual([]);
    expect(serializeTableMetadata(m)).toContain('"current-snapshot-id":-1');
  });

  it('remove-snapshot-ref', () => {
    const b = base();
    const m = apply(b, { action: 'remove-snapshot-ref', refName: 'audit' });
    expect([...m.refs.keys()]).toEqual(['main']);
    expect(apply(b, { action: 'remove-snapshot-ref', refName: 'nope' })).toBe(b);
    const noMain = apply(b, { action: 'remove-snapshot-ref', refName: 'main' });
    expect(noMain.currentSnapshotId).toBeUndefined();
    expect(noMain.snapshots).toHaveLength(2);
  });

  it('set-location', () => {
    const m = apply(base(), { action: 'set-location', location: 's3://other/t/' });
    expect(m.location).toBe('s3://other/t');
    expect(thrown(() => apply(base(), { action: 'set-location', location: ' ' })).message).toMatch(/location must be a non-empty string/);
  });

  it('set-properties and remove-properties', () => {
    const m = apply(base(), { action: 'set-properties', updates: { owner: 'bo', 'commit.retry.num-retries': '9' } }, { action: 'remove-properties', removals: ['write.metadata.previous-versions-max', 'absent'] });
    expect(m.properties).toEqual({ owner: 'bo', 'commit.retry.num-retries': '9' });
  });

  it('set-statistics / remove-statistics and the partition statistics pair', () => {
    const stats = { snapshotId: 20n, statisticsPath: 's3://bucket/t/metadata/20.stats', fileSizeInBytes: 9, fileFooterSizeInBytes: 3, blobMetadata: [] };
    const m = apply(base(), { action: 'set-statistics', statistics: stats }, { action: 'set-statistics', statistics: { ...stats, snapshotId: 10n, fileSizeInBytes: 11 } });
    expect(m.statistics.map((s) => [s.snapshotId, s.fileSizeInBytes])).toEqual([
      [10n, 11],
      [20n, 9],
    ]);
    const r = apply(m, { action: 'remove-statistics', snapshotId: 10n });
    expect(r.statistics.map((s) => s.snapshotId)).toEqual([20n]);
    expect(apply(r, { action: 'remove-statistics', snapshotId: 10n })).toBe(r);

    const ps = { snapshotId: 20n, statisticsPath: 's3://bucket/t/metadata/20.parquet', fileSizeInBytes: 7 };
    const p = apply(base(), { action: 'set-partition-statistics', partitionStatistics: ps });
    expect(p.partitionStatistics.map((s) => s.snapshotId)).toEqual([10n, 20n]);
    const q = apply(p, { action: 'remove-partition-statistics', snapshotId: 10n });
    expect(q.partitionStatistics).toEqual([ps]);
    expect(apply(q, { action: 'remove-partition-statistics', snapshotId: 10n })).toBe(q);
  });

  it('remove-partition-specs and remove-schemas', () => {
    const m = apply(
      base(),
      { action: 'add-spec', spec: { specId: 0, fields: [] } },
      { action: 'add-schema', schema: schema1 },
    );
    expect(m.partitionSpecs.map((s) => s.specId)).toEqual([0, 1]);
    const r = apply(m, { action: 'remove-partition-specs', specIds: [1] }, { action: 'remove-schemas', schemaIds: [1] });
    expect(r.partitionSpecs.map((s) => s.specId)).toEqual([0]);
    expect(r.schemas.map((s) => s.schemaId)).toEqual([0]);
    expect(thrown(() => apply(m, { action: 'remove-partition-specs', specIds: [0] })).message).toMatch(/cannot remove the default partition spec 0/);
    expect(thrown(() => apply(m, { action: 'remove-schemas', schemaIds: [0] })).message).toMatch(/cannot remove the current schema 0/);
  });

  it('add-encryption-key and remove-encryption-key', () => {
    const key = { keyId: 'k1', encryptedKeyMetadata: 'AAEC', properties: { kms: 'x' } };
    const m = apply(base(3), { action: 'add-encryption-key', encryptionKey: key });
    expect(m.encryptionKeys).toEqual([key]);
    expect(apply(m, { action: 'add-encryption-key', encryptionKey: key })).toBe(m);
    expect(serializeTableMetadata(m)).toContain('"encryption-keys":[{"key-id":"k1","encrypted-key-metadata":"AAEC","properties":{"kms":"x"}}]');
    expect(parseTableMetadata(serializeTableMetadata(m))).toEqual(m);
    const r = apply(m, { action: 'remove-encryption-key', keyId: 'k1' });
    expect(r.encryptionKeys).toEqual([]);
    expect(apply(r, { action: 'remove-encryption-key', keyId: 'k1' })).toBe(r);
  });

  it('v3 row lineage: first-row-id from next-row-id, next-row-id advanced by added-rows', () => {
    const b = base(3);
    expect(b.nextRowId).toBe(100n);
    const m = apply(b, { action: 'add-snapshot', snapshot: snap(30n, 20n, 3n, { addedRows: 25n }) }, { action: 'set-snapshot-ref', refName: 'main', snapshotId: 30n, type: 'branch' });
    expect(m.snapshots.at(-1)?.firstRowId).toBe(100n);
    expect(m.nextRowId).toBe(125n);
    const given = apply(b, { action: 'add-snapshot', snapshot: snap(30n, 20n, 3n, { firstRowId: 100n, addedRows: 0n }) });
    expect(given.nextRowId).toBe(100n);
    const behind = thrown(() => apply(b, { action: 'add-snapshot', snapshot: snap(30n, 20n, 3n, { firstRowId: 99n, addedRows: 1n }) }));
    expect(behind.code).toBe('COMMIT_CONFLICT');
    expect(behind.retryable).toBe(true);
    expect(behind.message).toMatch(/first-row-id 99 is behind the table's next-row-id 100/);
    expect(thrown(() => apply(b, { action: 'add-snapshot', snapshot: snap(30n, 20n, 3n) })).message).toMatch(/no added-rows/);
    // Upgraded tables start at 0.
    const up = apply(base(), { action: 'upgrade-format-version', formatVersion: 3 }, { action: 'add-snapshot', snapshot: snap(30n, 20n, 3n, { addedRows: 7n }) });
    expect(up.snapshots.at(-1)?.firstRowId).toBe(0n);
    expect(up.nextRowId).toBe(7n);
  });
});

describe('applyUpdates: creating a table', () => {
  const createUpdates = (extra: TableUpdate[] = []): TableUpdate[] => [
    { action: 'assign-uuid', uuid: '11111111-2222-4333-8444-555555555555' },
    { action: 'upgrade-format-version', formatVersion: 2 },
    { action: 'add-schema', schema: { ...schema1, schemaId: 0 } },
    { action: 'set-current-schema', schemaId: -1 },
    { action: 'add-spec', spec: { specId: 0, fields: [] } },
    { action: 'set-default-spec', specId: -1 },
    { action: 'add-sort-order', sortOrder: { orderId: 0, fields: [] } },
    { action: 'set-default-sort-order', sortOrderId: -1 },
    { action: 'set-location', location: 's3://bucket/new' },
    { action: 'set-properties', updates: { owner: 'ana' } },
    ...extra,
  ];

  it('builds metadata from nothing, as the reference REST handler does', () => {
    const m = apply(undefined, ...createUpdates());
    expect(m.formatVersion).toBe(2);
    expect(m.tableUuid).toBe('11111111-2222-4333-8444-555555555555');
    expect(m.currentSchemaId).toBe(0);
    expect(m.lastColumnId).toBe(3);
    expect(m.partitionSpecs).toEqual([{ specId: 0, fields: [] }]);
    expect(m.lastPartitionId).toBe(999);
    expect(m.sortOrders).toEqual([{ orderId: 0, fields: [] }]);
    expect(m.location).toBe('s3://bucket/new');
    expect(m.lastUpdatedMs).toBe(NOW);
    expect(parseTableMetadata(serializeTableMetadata(m))).toEqual(m);
  });

  it('creates v3 when asked, and needs a location', () => {
    const updates = createUpdates();
    updates[1] = { action: 'upgrade-format-version', formatVersion: 3 };
    const v3 = applyUpdates(undefined, updates, { nowMs: NOW });
    expect(v3.formatVersion).toBe(3);
    expect(v3.nextRowId).toBe(0n);
    expect(thrown(() => apply(undefined, ...createUpdates().filter((u) => u.action !== 'set-location'))).message).toMatch(/no location/);
    expect(thrown(() => apply(undefined, { action: 'set-location', location: '/x' })).message).toMatch(/no schema/);
  });
});

describe('TableUpdate wire form', () => {
  const all: TableUpdate[] = [
    { action: 'assign-uuid', uuid: 'u' },
    { action: 'upgrade-format-version', formatVersion: 3 },
    { action: 'add-schema', schema: schema1, lastColumnId: 3 },
    { action: 'set-current-schema', schemaId: -1 },
    { action: 'add-spec', spec: { specId: 1, fields: [{ sourceId: 1, fieldId: 1001, name: 'id_b', transform: { kind: 'bucket', n: 4 } }] } },
    { action: 'set-default-spec', specId: -1 },
    { action: 'add-sort-order', sortOrder: { orderId: 1, fields: [{ sourceId: 1, transform: { kind: 'identity' }, direction: 'asc', nullOrder: 'nulls-first' }] } },
    { action: 'set-default-sort-order', sortOrderId: 1 },
    { action: 'add-snapshot', snapshot: snap(9876543210123456789n, 20n, 3n, { firstRowId: 5n, addedRows: 6n }) },
    { action: 'set-snapshot-ref', refName: 'dev', snapshotId: 9876543210123456789n, type: 'branch', minSnapshotsToKeep: 2, maxSnapshotAgeMs: 10n, maxRefAgeMs: 20n },
    { action: 'remove-snapshots', snapshotIds: [1n, 18446744073709551615n] },
    { action: 'remove-snapshot-ref', refName: 'dev' },
    { action: 'set-location', location: 's3://x/y' },
    { action: 'set-properties', updates: { a: '1' } },
    { action: 'remove-properties', removals: ['a'] },
    { action: 'set-statistics', statistics: { snapshotId: 3n, statisticsPath: 'p', fileSizeInBytes: 1, fileFooterSizeInBytes: 1, blobMetadata: [{ type: 'apache-datasketches-theta-v1', snapshotId: 3n, sequenceNumber: 1n, fields: [1], properties: { ndv: '4' } }] } },
    { action: 'remove-statistics', snapshotId: 3n },
    { action: 'set-partition-statistics', partitionStatistics: { snapshotId: 3n, statisticsPath: 'q', fileSizeInBytes: 2 } },
    { action: 'remove-partition-statistics', snapshotId: 3n },
    { action: 'remove-partition-specs', specIds: [1, 2] },
    { action: 'remove-schemas', schemaIds: [3] },
    { action: 'add-encryption-key', encryptionKey: { keyId: 'k', encryptedKeyMetadata: 'AA==', encryptedById: 'root' } },
    { action: 'remove-encryption-key', keyId: 'k' },
  ];

  it('covers every action', () => {
    expect(all.map((u) => u.action)).toEqual([...TABLE_UPDATE_ACTIONS]);
  });

  for (const u of all) {
    it(`round-trips ${u.action}`, () => {
      const text = stringifyJson(tableUpdateToJson(u));
      expect(tableUpdateFromJson(parseJson(text))).toEqual(u);
    });
  }

  it('writes the REST field names', () => {
    expect(stringifyJson(tableUpdateToJson(all[9]!))).toBe(
      '{"action":"set-snapshot-ref","ref-name":"dev","snapshot-id":9876543210123456789,"type":"branch","min-snapshots-to-keep":2,"max-snapshot-age-ms":10,"max-ref-age-ms":20}',
    );
    expect(tableUpdateToJson({ action: 'add-schema', schema: schema1 })['last-column-id']).toBe(3);
    expect(stringifyJson(tableUpdateToJson(all[15]!))).toMatch(/^\{"action":"set-statistics","snapshot-id":3,"statistics":\{"snapshot-id":3,/);
  });

  it('reads the legacy property field names and rejects bad input', () => {
    expect(tableUpdateFromJson({ action: 'set-properties', updated: { a: 'b' } })).toEqual({ action: 'set-properties', updates: { a: 'b' } });
    expect(tableUpdateFromJson({ action: 'remove-properties', removed: ['a'] })).toEqual({ action: 'remove-properties', removals: ['a'] });
    const e = thrown(() => tableUpdateFromJson({ action: 'drop-table' }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/unknown action "drop-table"/);
    expect(thrown(() => tableUpdateFromJson({ action: 'set-current-schema' })).message).toMatch(/missing required field "schema-id"/);
    expect(thrown(() => tableUpdateFromJson({ action: 'add-schema', schema: { type: 'struct', fields: [{ id: 1, name: 'a', required: true }] } })).code).toBe('INVALID_INPUT');
    expect(thrown(() => tableUpdateFromJson({ action: 'set-snapshot-ref', 'ref-name': 'x', 'snapshot-id': 1, type: 'tag', 'min-snapshots-to-keep': 1 })).message).toMatch(
      /tags do not support/,
    );
    expect(thrown(() => tableUpdateFromJson({ action: 'set-statistics', 'snapshot-id': 4, statistics: tableUpdateToJson(all[15]!).statistics })).message).toMatch(
      /snapshot-id 4 does not match/,
    );
  });
});

describe('checkRequirements', () => {
  const m = base();
  // `table` is the current metadata; pass `[undefined]` for "the table does not exist".
  const ok = (r: TableRequirement, ...table: [TableMetadata | undefined] | []): void => {
    const meta = table.length === 0 ? m : table[0];
    expect(() => checkRequirements(meta, [r])).not.toThrow();
  };
  const fails = (r: TableRequirement, message: RegExp, actual: unknown, ...table: [TableMetadata | undefined] | []): void => {
    const meta = table.length === 0 ? m : table[0];
    const e = thrown(() => checkRequirements(meta, [r]));
    expect(e.code).toBe('REQUIREMENT_FAILED');
    expect(e.message).toContain(r.type);
    expect(e.message).toMatch(message);
    expect(e.context.requirement).toBe(r.type);
    expect(e.context.actual).toEqual(actual);
  };

  it('assert-create', () => {
    ok({ type: 'assert-create' }, undefined);
    fails({ type: 'assert-create' }, /the table already exists/, 'a1b2c3d4-0000-4000-8000-000000000001');
  });

  it('assert-table-uuid', () => {
    ok({ type: 'assert-table-uuid', uuid: 'A1B2C3D4-0000-4000-8000-000000000001' });
    fails({ type: 'assert-table-uuid', uuid: 'ffffffff-0000-4000-8000-000000000001' }, /table uuid is a1b2c3d4-0000-4000-8000-000000000001/, 'a1b2c3d4-0000-4000-8000-000000000001');
    fails({ type: 'assert-table-uuid', uuid: 'x' }, /the table does not exist/, 'no table', undefined);
  });

  it('assert-ref-snapshot-id', () => {
    ok({ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: 20n });
    ok({ type: 'assert-ref-snapshot-id', ref: 'new-branch', snapshotId: null });
    fails({ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: 10n }, /branch main has changed: it points at snapshot 20, expected 10/, 20n);
    fails({ type: 'assert-ref-snapshot-id', ref: 'audit', snapshotId: null }, /tag audit was created concurrently/, 10n);
    fails({ type: 'assert-ref-snapshot-id', ref: 'gone', snapshotId: 5n }, /branch or tag gone is missing, expected it at snapshot 5/, null);
  });

  it('assert-last-assigned-field-id (also holds while creating)', () => {
    ok({ type: 'assert-last-assigned-field-id', lastAssignedFieldId: 2 });
    ok({ type: 'assert-last-assigned-field-id', lastAssignedFieldId: 0 }, undefined);
    fails({ type: 'assert-last-assigned-field-id', lastAssignedFieldId: 3 }, /last assigned field id is 2, expected 3/, 2);
  });

  it('assert-current-schema-id', () => {
    ok({ type: 'assert-current-schema-id', currentSchemaId: 0 });
    fails({ type: 'assert-current-schema-id', currentSchemaId: 1 }, /current schema id is 0, expected 1/, 0);
  });

  it('assert-last-assigned-partition-id (also holds while creating)', () => {
    ok({ type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: 1000 });
    ok({ type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: 999 }, undefined);
    fails({ type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: 999 }, /last assigned partition id is 1000, expected 999/, 1000);
  });

  it('assert-default-spec-id', () => {
    ok({ type: 'assert-default-spec-id', defaultSpecId: 0 });
    fails({ type: 'assert-default-spec-id', defaultSpecId: 2 }, /default partition spec id is 0, expected 2/, 0);
  });

  it('assert-default-sort-order-id', () => {
    ok({ type: 'assert-default-sort-order-id', defaultSortOrderId: 0 });
    fails({ type: 'assert-default-sort-order-id', defaultSortOrderId: 1 }, /default sort order id is 0, expected 1/, 0);
  });

  it('checks every requirement in order', () => {
    const e = thrown(() =>
      checkRequirements(m, [
        { type: 'assert-table-uuid', uuid: 'a1b2c3d4-0000-4000-8000-000000000001' },
        { type: 'assert-current-schema-id', currentSchemaId: 0 },
        { type: 'assert-default-spec-id', defaultSpecId: 5 },
        { type: 'assert-default-sort-order-id', defaultSortOrderId: 5 },
      ]),
    );
    expect(e.context.requirement).toBe('assert-default-spec-id');
  });

  it('wire form round-trips, with null snapshot-id kept', () => {
    const all: TableRequirement[] = [
      { type: 'assert-create' },
      { type: 'assert-table-uuid', uuid: 'u' },
      { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: 9876543210123456789n },
      { type: 'assert-ref-snapshot-id', ref: 'b', snapshotId: null },
      { type: 'assert-last-assigned-field-id', lastAssignedFieldId: 4 },
      { type: 'assert-current-schema-id', currentSchemaId: 1 },
      { type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: 1001 },
      { type: 'assert-default-spec-id', defaultSpecId: 2 },
      { type: 'assert-default-sort-order-id', defaultSortOrderId: 3 },
    ];
    for (const r of all) expect(tableRequirementFromJson(parseJson(stringifyJson(tableRequirementToJson(r))))).toEqual(r);
    expect(stringifyJson(tableRequirementToJson(all[3]!))).toBe('{"type":"assert-ref-snapshot-id","ref":"b","snapshot-id":null}');
    expect(stringifyJson(tableRequirementToJson(all[2]!))).toBe('{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":9876543210123456789}');
    const e = thrown(() => tableRequirementFromJson({ type: 'assert-nothing' }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/unknown requirement type "assert-nothing"/);
    expect(thrown(() => tableRequirementFromJson({ type: 'assert-current-schema-id' })).message).toMatch(/missing required field "current-schema-id"/);
  });
});
