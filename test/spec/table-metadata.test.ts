import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { thrown } from '../support/errors.js';
import { parseJson } from '../../src/util/json.js';
import {
  type TableMetadata,
  assignFreshIds,
  currentSchema,
  currentSnapshot,
  defaultSortOrder,
  defaultSpec,
  newTableMetadata,
  nextSequenceNumber,
  parseTableMetadata,
  property,
  schemaById,
  serializeTableMetadata,
  snapshotById,
  sortOrderById,
  specById,
  tableMetadataToJson,
  withMetadataLogEntry,
} from '../../src/spec/table-metadata.js';
import { typeToString } from '../../src/spec/types.js';
import {
  PropertyDefaults,
  TableProperty,
  columnMetricsMode,
  commitRetrySettings,
  defaultMetricsMode,
  formatVersionProperty,
  isolationLevel,
  metadataDeleteAfterCommit,
  metadataPreviousVersionsMax,
  parquetCompressionCodec,
  snapshotRetention,
  summaryPartitionLimit,
  targetFileSizeBytes,
  validateTableProperties,
} from '../../src/spec/properties.js';
import type { Schema } from '../../src/spec/schema.js';

const CORPUS = fileURLToPath(new URL('../../../shared/conformance', import.meta.url));
const VECTORS = join(CORPUS, 'vectors-table-metadata-json');

function corpusOrFail(): string {
  if (!existsSync(CORPUS)) {
    throw new Error(`conformance corpus not found at ${CORPUS}: these tests read real tables from ../shared/conformance`);
  }
  return CORPUS;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.metadata\.json(\.gz)?$/.test(name)) out.push(p);
  }
  return out;
}

/** Every metadata file of every table case (the vectors folder is tested on its own below). */
function corpusMetadataFiles(): string[] {
  const root = corpusOrFail();
  const files: string[] = [];
  for (const c of readdirSync(root)) {
    const dir = join(root, c);
    if (c === 'vectors-table-metadata-json' || !statSync(dir).isDirectory()) continue;
    walk(dir, files);
  }
  return files.sort();
}

/** Corpus files that are not valid table metadata, and why. */
const INVALID_CORPUS_FILES: Record<string, RegExp> = {
  // A stray file in the BigQuery case: only `properties` and `current-snapshot-id`.
  'duckdb-bigquery-written/metadata/v0.metadata.json': /missing required field "format-version"/,
};

function roundTrip(m: TableMetadata): TableMetadata {
  return parseTableMetadata(serializeTableMetadata(m));
}

describe('table metadata: conformance corpus', () => {
  const files = corpusMetadataFiles();

  it('finds the corpus metadata files', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files.some((f) => f.endsWith('.gz.metadata.json'))).toBe(true);
  });

  for (const file of files) {
    const rel = relative(CORPUS, file);
    const invalid = INVALID_CORPUS_FILES[rel];
    if (invalid !== undefined) {
      it(`rejects ${rel}`, () => {
        const bytes = readFileSync(file);
        expect(() => parseTableMetadata(bytes)).toThrow(invalid);
        expect(thrown(() => parseTableMetadata(bytes)).code).toBe('INVALID_METADATA');
      });
      continue;
    }
    it(`reads and round-trips ${rel}`, () => {
      const m = parseTableMetadata(readFileSync(file));
      const again = roundTrip(m);
      expect(again).toEqual(m);
      // Serialization is deterministic: writing the re-read model gives the same text.
      expect(serializeTableMetadata(again)).toBe(serializeTableMetadata(m));
    });
  }

  it('matches each case EXPECTED.json (format version, current snapshot, current schema)', () => {
    const root = corpusOrFail();
    let checked = 0;
    for (const c of readdirSync(root)) {
      const expectedPath = join(root, c, 'EXPECTED.json');
      if (!existsSync(expectedPath)) continue;
      const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as Record<string, unknown>;
      if (typeof expected.metadata_file !== 'string') continue;
      const m = parseTableMetadata(readFileSync(join(root, c, expected.metadata_file)), { source: c });
      expect(m.formatVersion, c).toBe(Number(expected.format_version));
      expect(String(m.currentSnapshotId ?? -1n), c).toBe(String(expected.current_snapshot_id));
      const fields = currentSchema(m)
        .fields.map((f) => `${f.name}:${typeToString(f.type)}`)
        .join(',');
      expect(fields.replace(/\s/g, ''), c).toBe(String(expected.schema).replace(/\s/g, ''));
      checked++;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('keeps snapshot ids above the signed 64-bit range exact', () => {
    const file = join(corpusOrFail(), 'duckdb-eqdel-cross-partition/metadata/vfinal.metadata.json');
    const m = parseTableMetadata(readFileSync(file));
    expect(m.currentSnapshotId).toBe(9876543210123456789n);
    expect(currentSnapshot(m)?.snapshotId).toBe(9876543210123456789n);
    expect(m.refs.get('main')?.snapshotId).toBe(9876543210123456789n);
    const text = serializeTableMetadata(m);
    expect(text).toContain('"current-snapshot-id":9876543210123456789');
    expect(roundTrip(m).currentSnapshotId).toBe(9876543210123456789n);
  });

  it('reads gzip-compressed v1 metadata', () => {
    const file = join(corpusOrFail(), 'duckdb-lineitem-gz-metadata-v1/metadata/v2.gz.metadata.json');
    const bytes = readFileSync(file);
    expect(bytes[0]).toBe(0x1f);
    const m = parseTableMetadata(bytes);
    expect(m.formatVersion).toBe(1);
    expect(m.currentSnapshotId).toBe(4468019210336628573n);
    expect(m.lastSequenceNumber).toBe(0n);
    expect(currentSchema(m).fields.map((f) => f.name)).toContain('l_orderkey');
  });

  it('reads v3 metadata without next-row-id by deriving it from the snapshots', () => {
    const file = join(corpusOrFail(), 'duckdb-timestamptz-ns-v3-empty/metadata/v1.metadata.json');
    const m = parseTableMetadata(readFileSync(file));
    expect(m.formatVersion).toBe(3);
    expect(m.nextRowId).toBe(0n);
    expect(serializeTableMetadata(m)).toContain('"next-row-id":0');
    // current-snapshot-id is written as null from v3 on.
    expect(serializeTableMetadata(m)).toContain('"current-snapshot-id":null');
  });

  it('reads v3 row lineage fields', () => {
    const dir = join(corpusOrFail(), 'trino-deletion-vectors-v3/metadata');
    const file = readdirSync(dir).filter((n) => n.startsWith('00004-'))[0]!;
    const m = parseTableMetadata(readFileSync(join(dir, file)));
    expect(m.formatVersion).toBe(3);
    const withRowIds = m.snapshots.filter((s) => s.firstRowId !== undefined);
    expect(withRowIds.length).toBeGreaterThan(0);
    // next-row-id is beyond every assigned range.
    for (const s of withRowIds) expect(m.nextRowId! >= s.firstRowId! + (s.addedRows ?? 0n)).toBe(true);
  });
});

describe('table metadata: reference vectors', () => {
  const read = (name: string): Buffer => {
    corpusOrFail();
    return readFileSync(join(VECTORS, name));
  };

  it('TableMetadataV2Valid', () => {
    const m = parseTableMetadata(read('TableMetadataV2Valid.json'));
    expect(m.formatVersion).toBe(2);
    expect(m.tableUuid).toBe('9c12d441-03fe-4693-9a96-a0705ddf69c1');
    expect(m.location).toBe('s3://bucket/test/location');
    expect(m.lastSequenceNumber).toBe(34n);
    expect(m.lastUpdatedMs).toBe(1602638573590);
    expect(m.lastColumnId).toBe(3);
    expect(m.currentSchemaId).toBe(1);
    expect(m.schemas.map((s) => s.schemaId)).toEqual([0, 1]);
    expect(currentSchema(m).identifierFieldIds).toEqual([1, 2]);
    expect(defaultSpec(m).fields[0]).toMatchObject({ sourceId: 1, fieldId: 1000, name: 'x' });
    expect(m.lastPartitionId).toBe(1000);
    expect(defaultSortOrder(m).orderId).toBe(3);
    expect(defaultSortOrder(m).fields).toHaveLength(2);
    expect(m.currentSnapshotId).toBe(3055729675574597004n);
    expect(m.snapshots).toHaveLength(2);
    expect(m.snapshots[1]).toMatchObject({ parentSnapshotId: 3051729675574597004n, sequenceNumber: 1n, schemaId: 1, manifestList: 's3://a/b/2.avro' });
    expect(m.snapshotLog).toEqual([
      { snapshotId: 3051729675574597004n, timestampMs: 1515100955770 },
      { snapshotId: 3055729675574597004n, timestampMs: 1555100955770 },
    ]);
    // No refs in the file: main is implied by current-snapshot-id.
    expect(m.refs).toEqual(new Map([['main', { snapshotId: 3055729675574597004n, type: 'branch' }]]));
    expect(roundTrip(m)).toEqual(m);
  });

  it('TableMetadataV2ValidMinimal', () => {
    const m = parseTableMetadata(read('TableMetadataV2ValidMinimal.json'));
    expect(m.properties).toEqual({});
    expect(m.currentSnapshotId).toBeUndefined();
    expect(m.snapshots).toEqual([]);
    expect(m.refs.size).toBe(0);
    expect(roundTrip(m)).toEqual(m);
  });

  it('TableMetadataV3ValidMinimal', () => {
    const m = parseTableMetadata(read('TableMetadataV3ValidMinimal.json'));
    expect(m.formatVersion).toBe(3);
    expect(m.nextRowId).toBe(0n);
    expect(currentSchema(m).fields[0]).toMatchObject({ initialDefault: 1, writeDefault: 1 });
    expect(roundTrip(m)).toEqual(m);
  });

  it('TableMetadataV1Valid, with Appendix E defaults', () => {
    const m = parseTableMetadata(read('TableMetadataV1Valid.json'));
    expect(m.formatVersion).toBe(1);
    expect(m.lastSequenceNumber).toBe(0n);
    expect(m.schemas).toHaveLength(1);
    expect(m.currentSchemaId).toBe(0);
    expect(m.partitionSpecs).toEqual([{ specId: 0, fields: [{ sourceId: 1, fieldId: 1000, name: 'x', transform: { kind: 'identity' } }] }]);
    expect(m.defaultSpecId).toBe(0);
    expect(m.lastPartitionId).toBe(1000);
    expect(m.sortOrders).toEqual([{ orderId: 0, fields: [] }]);
    expect(m.defaultSortOrderId).toBe(0);
    expect(m.currentSnapshotId).toBeUndefined();
    const json = tableMetadataToJson(m);
    // v1 keeps writing the deprecated single schema and bare partition spec for old readers.
    expect(json.schema).toMatchObject({ type: 'struct', fields: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    expect(json['partition-spec']).toEqual([{ 'source-id': 1, 'field-id': 1000, name: 'x', transform: 'identity' }]);
    expect(json['last-sequence-number']).toBeUndefined();
    expect(json['current-snapshot-id']).toBe(-1);
    expect(roundTrip(m)).toEqual(m);
  });

  it('TableMetadataStatisticsFiles', () => {
    const m = parseTableMetadata(read('TableMetadataStatisticsFiles.json'));
    expect(m.statistics).toEqual([
      {
        snapshotId: 3055729675574597004n,
        statisticsPath: 's3://a/b/stats.puffin',
        fileSizeInBytes: 413,
        fileFooterSizeInBytes: 42,
        blobMetadata: [{ type: 'ndv', snapshotId: 3055729675574597004n, sequenceNumber: 1n, fields: [1] }],
      },
    ]);
    expect(roundTrip(m)).toEqual(m);
  });

  it('TableMetadataPartitionStatisticsFiles', () => {
    const m = parseTableMetadata(read('TableMetadataPartitionStatisticsFiles.json'));
    expect(m.partitionStatistics).toEqual([
      { snapshotId: 3055729675574597004n, statisticsPath: 's3://a/b/partition-stats.parquet', fileSizeInBytes: 43 },
    ]);
    expect(roundTrip(m)).toEqual(m);
  });

  const invalid: [string, string, RegExp][] = [
    ['TableMetadataUnsupportedVersion.json', 'UNSUPPORTED_FEATURE', /format version 42 is not supported/],
    ['TableMetadataV1MissingSchemaType.json', 'INVALID_METADATA', /"schema": "type" must be "struct"/],
    ['TableMetadataV2CurrentSchemaNotFound.json', 'INVALID_METADATA', /current-schema-id 2 not found in schemas \(ids: 0, 1\)/],
    ['TableMetadataV2MissingLastPartitionId.json', 'INVALID_METADATA', /missing required field "last-partition-id" \(required in format v2\)/],
    ['TableMetadataV2MissingPartitionSpecs.json', 'INVALID_METADATA', /missing required field "partition-specs" \(required in format v2\)/],
    ['TableMetadataV2MissingSchemas.json', 'INVALID_METADATA', /missing required field "schemas" \(required in format v2\)/],
    ['TableMetadataV2MissingSortOrder.json', 'INVALID_METADATA', /missing required field "sort-orders" \(required in format v2\)/],
  ];
  for (const [name, code, message] of invalid) {
    it(`rejects ${name}`, () => {
      const err = thrown(() => parseTableMetadata(read(name), { source: name }));
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
      expect(err.message).toContain(name);
    });
  }

  it('covers every vector file', () => {
    corpusOrFail();
    const tested = new Set([
      ...invalid.map(([n]) => n),
      'TableMetadataV2Valid.json',
      'TableMetadataV2ValidMinimal.json',
      'TableMetadataV3ValidMinimal.json',
      'TableMetadataV1Valid.json',
      'TableMetadataStatisticsFiles.json',
      'TableMetadataPartitionStatisticsFiles.json',
    ]);
    expect(readdirSync(VECTORS).filter((n) => !tested.has(n))).toEqual([]);
  });
});

/** A small valid v2 document to vary in the tests below. */
function baseJson(): Record<string, unknown> {
  return {
    'format-version': 2,
    'table-uuid': 'a1b2c3d4-0000-4000-8000-000000000001',
    location: 's3://bucket/t/',
    'last-sequence-number': 2,
    'last-updated-ms': 1700000003000,
    'last-column-id': 2,
    'current-schema-id': 0,
    schemas: [{ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'ts', required: false, type: 'timestamptz' }] }],
    'default-spec-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' }] }],
    'last-partition-id': 1000,
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    properties: { 'commit.retry.num-retries': '7' },
    'current-snapshot-id': 20,
    refs: { main: { 'snapshot-id': 20, type: 'branch' }, audit: { 'snapshot-id': 10, type: 'tag', 'max-ref-age-ms': 86400000 } },
    snapshots: [
      { 'snapshot-id': 10, 'sequence-number': 1, 'timestamp-ms': 1700000001000, summary: { operation: 'append' }, 'manifest-list': 's3://bucket/t/metadata/snap-10.avro', 'schema-id': 0 },
      { 'snapshot-id': 20, 'parent-snapshot-id': 10, 'sequence-number': 2, 'timestamp-ms': 1700000002000, summary: { operation: 'overwrite', 'added-records': '5' }, 'manifest-list': 's3://bucket/t/metadata/snap-20.avro', 'schema-id': 0 },
    ],
    'snapshot-log': [
      { 'timestamp-ms': 1700000001000, 'snapshot-id': 10 },
      { 'timestamp-ms': 1700000002000, 'snapshot-id': 20 },
    ],
    'metadata-log': [{ 'timestamp-ms': 1700000000000, 'metadata-file': 's3://bucket/t/metadata/v1.metadata.json' }],
  };
}

function parseObj(o: unknown): TableMetadata {
  return parseTableMetadata(JSON.stringify(o));
}

function rejects(o: unknown, message: RegExp): void {
  const err = thrown(() => parseObj(o));
  expect(err.code).toBe('INVALID_METADATA');
  expect(err.message).toMatch(message);
}

describe('table metadata: parsing rules', () => {
  it('reads the base document and its accessors', () => {
    const m = parseObj(baseJson());
    expect(m.location).toBe('s3://bucket/t'); // trailing slash stripped, as the reference implementation does
    expect(currentSnapshot(m)?.snapshotId).toBe(20n);
    expect(snapshotById(m, 10n)?.summary).toEqual({ operation: 'append' });
    expect(snapshotById(m, 99n)).toBeUndefined();
    expect(schemaById(m, 0)?.fields).toHaveLength(2);
    expect(schemaById(m, 5)).toBeUndefined();
    expect(specById(m, 0)?.fields[0]?.name).toBe('ts_day');
    expect(specById(m, 1)).toBeUndefined();
    expect(sortOrderById(m, 0)).toEqual({ orderId: 0, fields: [] });
    expect(property(m, 'commit.retry.num-retries', '4')).toBe('7');
    expect(property(m, 'nope', 'dflt')).toBe('dflt');
    expect(property(m, 'nope')).toBeUndefined();
    expect(nextSequenceNumber(m)).toBe(3n);
    expect(m.refs.get('audit')).toEqual({ snapshotId: 10n, type: 'tag', maxRefAgeMs: 86400000n });
    expect(m.metadataLog).toEqual([{ timestampMs: 1700000000000, metadataFile: 's3://bucket/t/metadata/v1.metadata.json' }]);
  });

  it('writes keys in the reference implementation order', () => {
    const keys = Object.keys(parseJson(serializeTableMetadata(parseObj(baseJson()))) as object);
    expect(keys).toEqual([
      'format-version', 'table-uuid', 'location', 'last-sequence-number', 'last-updated-ms', 'last-column-id',
      'current-schema-id', 'schemas', 'default-spec-id', 'partition-specs', 'last-partition-id',
      'default-sort-order-id', 'sort-orders', 'properties', 'current-snapshot-id', 'refs', 'snapshots',
      'statistics', 'partition-statistics', 'snapshot-log', 'metadata-log',
    ]);
  });

  it('implies main for v1 metadata with a current snapshot and no refs, and reads embedded manifests', () => {
    const o = {
      'format-version': 1,
      location: 'file:///tmp/t',
      'last-updated-ms': 1000,
      'last-column-id': 1,
      schema: { type: 'struct', fields: [{ id: 1, name: 'a', required: false, type: 'int' }] },
      'partition-spec': [],
      'current-snapshot-id': 5,
      snapshots: [{ 'snapshot-id': 5, 'timestamp-ms': 900, manifests: ['file:///tmp/t/m1.avro', 'file:///tmp/t/m2.avro'] }],
    };
    const m = parseObj(o);
    expect(m.tableUuid).toBeUndefined();
    expect(m.refs.get('main')).toEqual({ snapshotId: 5n, type: 'branch' });
    expect(m.snapshots[0]).toEqual({ snapshotId: 5n, sequenceNumber: 0n, timestampMs: 900, manifests: ['file:///tmp/t/m1.avro', 'file:///tmp/t/m2.avro'] });
    expect(m.lastPartitionId).toBe(999);
    const json = tableMetadataToJson(m);
    expect(json['table-uuid']).toBeUndefined();
    expect((json.snapshots as Record<string, unknown>[])[0]).toEqual({ 'snapshot-id': 5n, 'timestamp-ms': 900, manifests: ['file:///tmp/t/m1.avro', 'file:///tmp/t/m2.avro'] });
    expect(roundTrip(m)).toEqual(m);
  });

  it('reads a summary without an operation as overwrite, and an empty summary as none', () => {
    const o = baseJson();
    const snaps = o.snapshots as Record<string, unknown>[];
    snaps[0]!.summary = { 'added-records': '3' };
    snaps[1]!.summary = {};
    const m = parseObj(o);
    expect(m.snapshots[0]!.summary).toEqual({ operation: 'overwrite', 'added-records': '3' });
    expect(m.snapshots[1]!.summary).toBeUndefined();
  });

  it('rejects invalid documents with clear messages', () => {
    rejects({ ...baseJson(), 'table-uuid': undefined }, /table-uuid is required in format v2/);
    rejects({ ...baseJson(), location: undefined }, /missing required field "location"/);
    rejects({ ...baseJson(), 'last-sequence-number': 1 }, /snapshot 20 has sequence number 2, greater than last-sequence-number 1/);
    rejects({ ...baseJson(), 'current-snapshot-id': 30, refs: {} }, /current-snapshot-id 30 not found in snapshots/);
    rejects({ ...baseJson(), refs: { main: { 'snapshot-id': 10, type: 'branch' } } }, /current-snapshot-id 20 does not match the main branch \(10\)/);
    rejects({ ...baseJson(), refs: { main: { 'snapshot-id': 20, type: 'branch' }, x: { 'snapshot-id': 77, type: 'tag' } } }, /ref "x" points at snapshot 77/);
    rejects({ ...baseJson(), refs: { x: { 'snapshot-id': 10, type: 'leaf' } } }, /type must be "branch" or "tag"/);
    rejects({ ...baseJson(), refs: { x: { 'snapshot-id': 10, type: 'tag', 'min-snapshots-to-keep': 2 } } }, /tags do not support min-snapshots-to-keep/);
    rejects({ ...baseJson(), 'default-spec-id': 4 }, /default-spec-id 4 not found in partition-specs/);
    rejects({ ...baseJson(), 'default-sort-order-id': 2 }, /default-sort-order-id 2 not found in sort-orders/);
    rejects({ ...baseJson(), 'partition-specs': [{ 'spec-id': 0, fields: [{ 'source-id': 9, 'field-id': 1000, name: 'x', transform: 'identity' }] }] }, /refers to missing source column 9/);
    rejects({ ...baseJson(), 'last-column-id': 'two' }, /"last-column-id" must be a 32-bit integer/);
    rejects({ ...baseJson(), 'last-updated-ms': 1000 }, /last-updated-ms 1000 is before the latest snapshot-log entry/);
    const dup = baseJson();
    (dup.snapshots as unknown[]).push((dup.snapshots as unknown[])[0]);
    rejects(dup, /duplicate snapshot id 10/);
    const badOp = baseJson();
    (badOp.snapshots as Record<string, unknown>[])[0]!.summary = { operation: 'merge' };
    rejects(badOp, /snapshot 10: unknown operation "merge"/);
    rejects({ ...baseJson(), schemas: [...(baseJson().schemas as unknown[]), (baseJson().schemas as unknown[])[0]] }, /duplicate schema id 0/);
    expect(() => parseTableMetadata('{"format-version": 2,')).toThrow(/invalid JSON at line 1/);
    expect(() => parseTableMetadata('[]')).toThrow(/table metadata must be a JSON object/);
  });

  it('accepts snapshot ids up to 2^64 - 1 and rejects larger ones', () => {
    const o = JSON.stringify(baseJson()).replaceAll('"snapshot-id":20', '"snapshot-id":18446744073709551615').replace('"current-snapshot-id":20', '"current-snapshot-id":18446744073709551615').replace('"parent-snapshot-id":10', '"parent-snapshot-id":10');
    const m = parseTableMetadata(o);
    expect(m.currentSnapshotId).toBe(18446744073709551615n);
    expect(roundTrip(m)).toEqual(m);
    expect(() => parseTableMetadata(o.replaceAll('18446744073709551615', '18446744073709551616'))).toThrow(/out of the 64-bit range/);
  });
});

describe('withMetadataLogEntry', () => {
  it('appends the previous file and caps the log', () => {
    const m = parseObj(baseJson());
    const a = withMetadataLogEntry(m, 's3://bucket/t/metadata/v2.metadata.json', 1700000003000);
    expect(a.metadataLog.map((e) => e.metadataFile)).toEqual(['s3://bucket/t/metadata/v1.metadata.json', 's3://bucket/t/metadata/v2.metadata.json']);
    expect(m.metadataLog).toHaveLength(1); // input unchanged
    let b = m;
    for (let i = 2; i <= 6; i++) b = withMetadataLogEntry(b, `v${i}`, 1700000003000 + i, 3);
    expect(b.metadataLog.map((e) => e.metadataFile)).toEqual(['v4', 'v5', 'v6']);
  });

  it('defaults the cap to write.metadata.previous-versions-max', () => {
    const m = parseObj({ ...baseJson(), properties: { 'write.metadata.previous-versions-max': '2' } });
    let b = m;
    for (let i = 2; i <= 5; i++) b = withMetadataLogEntry(b, `v${i}`, 1700000003000 + i);
    expect(b.metadataLog.map((e) => e.metadataFile)).toEqual(['v4', 'v5']);
    const bad = parseObj({ ...baseJson(), properties: { 'write.metadata.previous-versions-max': 'lots' } });
    expect(() => withMetadataLogEntry(bad, 'v2', 1)).toThrow(/write\.metadata\.previous-versions-max="lots" is invalid/);
  });
});

describe('newTableMetadata', () => {
  // Ids in the input are arbitrary (but unique); nested types exercise the assignment order.
  const schema: Schema = {
    schemaId: 7,
    identifierFieldIds: [50],
    fields: [
      { id: 50, name: 'id', required: true, type: { kind: 'long' } },
      {
        id: 51,
        name: 'point',
        required: false,
        type: { kind: 'struct', fields: [{ id: 60, name: 'x', required: true, type: { kind: 'double' } }, { id: 61, name: 'y', required: true, type: { kind: 'double' } }] },
      },
      { id: 52, name: 'tags', required: false, type: { kind: 'list', elementId: 70, elementRequired: false, element: { kind: 'string' } } },
      {
        id: 53,
        name: 'attrs',
        required: false,
        type: { kind: 'map', keyId: 80, key: { kind: 'string' }, valueId: 81, valueRequired: false, value: { kind: 'struct', fields: [{ id: 90, name: 'v', required: false, type: { kind: 'int' } }] } },
      },
      { id: 54, name: 'ts', required: false, type: { kind: 'timestamptz' } },
    ],
  };

  it('assigns fresh ids like TypeUtil.assignFreshIds', () => {
    const fresh = assignFreshIds(schema);
    const [id, point, tags, attrs, ts] = fresh.schema.fields;
    // Top-level fields first (1..5), then nested types in field order.
    expect([id!.id, point!.id, tags!.id, attrs!.id, ts!.id]).toEqual([1, 2, 3, 4, 5]);
    expect(point!.type).toMatchObject({ kind: 'struct', fields: [{ id: 6, name: 'x' }, { id: 7, name: 'y' }] });
    expect(tags!.type).toMatchObject({ kind: 'list', elementId: 8 });
    expect(attrs!.type).toMatchObject({ kind: 'map', keyId: 9, valueId: 10, value: { kind: 'struct', fields: [{ id: 11, name: 'v' }] } });
    expect(fresh.lastColumnId).toBe(11);
    expect(fresh.schema.identifierFieldIds).toEqual([1]);
    expect(fresh.idMap.get(54)).toBe(5);
  });

  it('builds v2 metadata with rebuilt spec and sort order', () => {
    const m = newTableMetadata({
      schema,
      spec: { specId: 3, fields: [{ sourceId: 54, fieldId: 2000, name: 'ts_day', transform: { kind: 'day' } }, { sourceId: 50, fieldId: 2001, name: 'id_bucket', transform: { kind: 'bucket', n: 16 } }] },
      sortOrder: { orderId: 5, fields: [{ sourceId: 60, transform: { kind: 'identity' }, direction: 'asc', nullOrder: 'nulls-first' }] },
      location: 's3://b/wh/db/t/',
      properties: { owner: 'ana', 'format-version': '2', 'current-snapshot-id': '5' },
      nowMs: 1234,
      tableUuid: '00000000-0000-4000-8000-000000000000',
    });
    expect(m.formatVersion).toBe(2);
    expect(m.location).toBe('s3://b/wh/db/t');
    expect(m.lastColumnId).toBe(11);
    expect(m.currentSchemaId).toBe(0);
    expect(m.partitionSpecs).toEqual([
      { specId: 0, fields: [{ sourceId: 5, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } }, { sourceId: 1, fieldId: 1001, name: 'id_bucket', transform: { kind: 'bucket', n: 16 } }] },
    ]);
    expect(m.lastPartitionId).toBe(1001);
    expect(m.sortOrders).toEqual([{ orderId: 1, fields: [{ sourceId: 6, transform: { kind: 'identity' }, direction: 'asc', nullOrder: 'nulls-first' }] }]);
    expect(m.defaultSortOrderId).toBe(1);
    // Reserved properties are not stored; new tables record the Parquet codec.
    expect(m.properties).toEqual({ owner: 'ana', 'write.parquet.compression-codec': 'zstd' });
    expect(m.lastUpdatedMs).toBe(1234);
    expect(m.lastSequenceNumber).toBe(0n);
    expect(m.nextRowId).toBeUndefined();
    expect(m.refs.size).toBe(0);
    expect(roundTrip(m)).toEqual(m);
  });

  it('unpartitioned and unsorted, v3 from the format-version property, random uuid', () => {
    const a = newTableMetadata({ schema, location: '/tmp/t', properties: { 'format-version': '3' } });
    const b = newTableMetadata({ schema, location: '/tmp/t' });
    expect(a.formatVersion).toBe(3);
    expect(a.nextRowId).toBe(0n);
    expect(a.lastPartitionId).toBe(999);
    expect(a.partitionSpecs).toEqual([{ specId: 0, fields: [] }]);
    expect(a.sortOrders).toEqual([{ orderId: 0, fields: [] }]);
    expect(a.properties['format-version']).toBeUndefined();
    expect(b.formatVersion).toBe(2);
    expect(a.tableUuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.tableUuid).not.toBe(b.tableUuid);
    expect(serializeTableMetadata(a)).toContain('"current-snapshot-id":null');
    expect(serializeTableMetadata(b)).toContain('"current-snapshot-id":-1');
  });

  it('rejects bad input', () => {
    expect(() => newTableMetadata({ schema, location: '/t', properties: { 'format-version': '4' } })).toThrow(/format-version="4" is invalid/);
    expect(() => newTableMetadata({ schema, location: '/t', formatVersion: 1, properties: { 'format-version': '2' } })).toThrow(/conflicts/);
    expect(() => newTableMetadata({ schema, location: '/t', spec: { specId: 0, fields: [{ sourceId: 99, fieldId: 1000, name: 'x', transform: { kind: 'identity' } }] } })).toThrow(
      /partition field "x" refers to source column 99/,
    );
    expect(() => newTableMetadata({ schema, location: '/t', spec: { specId: 0, fields: [{ sourceId: 51, fieldId: 1000, name: 'p', transform: { kind: 'identity' } }] } })).toThrow(
      /cannot partition by non-primitive column point/,
    );
    expect(() => newTableMetadata({ schema, location: '' })).toThrow(/location is required/);
    expect(() => newTableMetadata({ schema, location: '/t', properties: { 'commit.retry.num-retries': 'x' } })).toThrow(/commit\.retry\.num-retries/);
    const v3only: Schema = { schemaId: 0, identifierFieldIds: [], fields: [{ id: 1, name: 'ts', required: false, type: { kind: 'timestamp_ns' } }] };
    expect(() => newTableMetadata({ schema: v3only, location: '/t' })).toThrow(/type timestamp_ns is not supported until v3/);
    expect(newTableMetadata({ schema: v3only, location: '/t', formatVersion: 3 }).formatVersion).toBe(3);
  });
});

describe('table properties', () => {
  it('defaults', () => {
    expect(commitRetrySettings({})).toEqual({ numRetries: 4, minWaitMs: 100, maxWaitMs: 60000, totalTimeoutMs: 1800000 });
    expect(targetFileSizeBytes({})).toBe(536870912);
    expect(metadataPreviousVersionsMax({})).toBe(100);
    expect(metadataDeleteAfterCommit({})).toBe(false);
    expect(defaultMetricsMode({})).toEqual({ kind: 'truncate', length: 16 });
    expect(isolationLevel({}, 'delete')).toBe('serializable');
    expect(isolationLevel({}, 'update')).toBe('serializable');
    expect(isolationLevel({}, 'merge')).toBe('serializable');
    expect(parquetCompressionCodec({})).toBe('zstd');
    expect(summaryPartitionLimit({})).toBe(0);
    expect(formatVersionProperty({})).toBeUndefined();
    expect(snapshotRetention({})).toEqual({ minSnapshotsToKeep: 1, maxSnapshotAgeMs: 432000000n, maxRefAgeMs: 9223372036854775807n });
    expect(TableProperty.DEFAULT_NAME_MAPPING).toBe('schema.name-mapping.default');
    expect(PropertyDefaults.COMMIT_NUM_RETRIES).toBe(4);
    expect(() => validateTableProperties({})).not.toThrow();
  });

  it('reads set values', () => {
    const props = {
      'commit.retry.num-retries': '10',
      'commit.retry.min-wait-ms': '5',
      'commit.retry.max-wait-ms': '50',
      'commit.retry.total-timeout-ms': '1000',
      'write.target-file-size-bytes': String(128 * 1024 * 1024),
      'write.metadata.previous-versions-max': '3',
      'write.metadata.delete-after-commit.enabled': 'TRUE',
      'write.metadata.metrics.default': 'counts',
      'write.metadata.metrics.column.payload': 'none',
      'write.delete.isolation-level': 'snapshot',
      'write.parquet.compression-codec': 'SNAPPY',
      'write.summary.partition-limit': '20',
      'format-version': '3',
    };
    expect(commitRetrySettings(props)).toEqual({ numRetries: 10, minWaitMs: 5, maxWaitMs: 50, totalTimeoutMs: 1000 });
    expect(targetFileSizeBytes(props)).toBe(134217728);
    expect(metadataPreviousVersionsMax(props)).toBe(3);
    expect(metadataDeleteAfterCommit(props)).toBe(true);
    expect(defaultMetricsMode(props)).toEqual({ kind: 'counts' });
    expect(columnMetricsMode(props, 'payload')).toEqual({ kind: 'none' });
    expect(columnMetricsMode(props, 'other')).toEqual({ kind: 'counts' });
    expect(isolationLevel(props, 'delete')).toBe('snapshot');
    expect(isolationLevel(props, 'merge')).toBe('serializable');
    expect(parquetCompressionCodec(props)).toBe('snappy');
    expect(summaryPartitionLimit(props)).toBe(20);
    expect(formatVersionProperty(props)).toBe(3);
    expect(() => validateTableProperties(props)).not.toThrow();
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ 'commit.retry.num-retries': 'four' }, /commit\.retry\.num-retries="four" is invalid: expected an integer/],
    [{ 'commit.retry.num-retries': '-1' }, /commit\.retry\.num-retries="-1" is invalid: expected an integer from 0/],
    [{ 'commit.retry.min-wait-ms': '500', 'commit.retry.max-wait-ms': '100' }, /commit\.retry\.min-wait-ms=500 is larger than commit\.retry\.max-wait-ms=100/],
    [{ 'write.target-file-size-bytes': '1048576' }, /write\.target-file-size-bytes="1048576" is invalid: expected an integer from 104857600 to 1073741824/],
    [{ 'write.target-file-size-bytes': '1.5e9' }, /write\.target-file-size-bytes/],
    [{ 'write.metadata.previous-versions-max': '0' }, /write\.metadata\.previous-versions-max="0"/],
    [{ 'write.metadata.delete-after-commit.enabled': 'yes' }, /expected true or false/],
    [{ 'write.metadata.metrics.default': 'truncate(0)' }, /write\.metadata\.metrics\.default="truncate\(0\)" is invalid/],
    [{ 'write.metadata.metrics.column.x': 'some' }, /write\.metadata\.metrics\.column\.x="some" is invalid/],
    [{ 'write.update.isolation-level': 'read-committed' }, /write\.update\.isolation-level="read-committed" is invalid: expected serializable or snapshot/],
    [{ 'write.parquet.compression-codec': 'lzo' }, /write\.parquet\.compression-codec="lzo" is invalid/],
    [{ 'write.summary.partition-limit': '-2' }, /write\.summary\.partition-limit/],
    [{ 'format-version': '0' }, /format-version="0" is invalid/],
    [{ 'history.expire.max-snapshot-age-ms': '0' }, /history\.expire\.max-snapshot-age-ms/],
  ];
  for (const [props, message] of bad) {
    it(`rejects ${JSON.stringify(props)}`, () => {
      const err = thrown(() => validateTableProperties(props));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toMatch(message);
      expect(Object.keys(props)).toContain(err.context.property);
    });
  }
});
