/**
 * Which delete files apply to which data files (spec "Scan Planning" scope rules), on hand-built
 * delete files, and the loading of deleted positions (deletion vectors, position delete files).
 */
import { describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { encodeDeletionVector, writePuffin } from '../../src/puffin/index.js';
import { DELETE_FILE_PATH_FIELD_ID, DeleteFileIndex, canContainEqualityDeletes, referencedDataFile } from '../../src/scan/delete-file-index.js';
import { FileIO } from '../../src/scan/file-io.js';
import { planScan } from '../../src/scan/planner.js';
import { PositionDeleteLoader, type ReadPositionDeleteFile, readDeletionVector } from '../../src/scan/position-deletes.js';
import type { DeleteFileRef } from '../../src/scan/scan-task.js';
import { type DataFile, FileContent, type FileFormat } from '../../src/spec/data-file.js';
import type { PartitionSpec } from '../../src/spec/partition-spec.js';
import type { Schema } from '../../src/spec/schema.js';
import { encodeValue, utf8Bytes } from '../../src/spec/single-value.js';
import { parseTransform } from '../../src/spec/transforms.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { loadCorpusCase } from './support.js';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: [
    { id: 1, name: 'part', required: false, type: { kind: 'long' } },
    { id: 2, name: 'key', required: false, type: { kind: 'long' } },
    { id: 3, name: 'val', required: false, type: { kind: 'string' } },
  ],
};
const unpartitioned: PartitionSpec = { specId: 0, fields: [] };
const byPart: PartitionSpec = { specId: 1, fields: [{ sourceId: 1, fieldId: 1000, name: 'part', transform: parseTransform('identity') }] };
/** Same partition values as byPart, but another spec. */
const byPartAgain: PartitionSpec = { specId: 2, fields: [{ sourceId: 1, fieldId: 1001, name: 'part2', transform: parseTransform('identity') }] };
const specs = [unpartitioned, byPart, byPartAgain];

interface FileOptions {
  content?: FileContent;
  specId?: number;
  partition?: unknown[];
  format?: FileFormat;
  referencedDataFile?: string;
  equalityIds?: number[];
  recordCount?: number;
  extra?: Partial<DataFile>;
}

function file(path: string, o: FileOptions = {}): DataFile {
  return {
    content: o.content ?? FileContent.DATA,
    filePath: path,
    fileFormat: o.format ?? 'PARQUET',
    specId: o.specId ?? 1,
    partition: o.partition ?? (o.specId === 0 ? [] : [0n]),
    recordCount: o.recordCount ?? 10,
    fileSizeInBytes: 100,
    ...(o.referencedDataFile === undefined ? {} : { referencedDataFile: o.referencedDataFile }),
    ...(o.equalityIds === undefined ? {} : { equalityIds: o.equalityIds }),
    ...o.extra,
  };
}

const pos = (path: string, seq: bigint, o: FileOptions = {}): DeleteFileRef => ({ file: file(path, { content: FileContent.POSITION_DELETES, ...o }), dataSequenceNumber: seq });
const eq = (path: string, seq: bigint, o: FileOptions = {}): DeleteFileRef => ({
  file: file(path, { content: FileContent.EQUALITY_DELETES, equalityIds: [2], ...o }),
  dataSequenceNumber: seq,
});
const dv = (path: string, seq: bigint, target: string, o: FileOptions = {}): DeleteFileRef => ({
  file: file(path, { content: FileContent.POSITION_DELETES, format: 'PUFFIN', referencedDataFile: target, extra: { contentOffset: 4, contentSizeInBytes: 40 }, ...o }),
  dataSequenceNumber: seq,
});

function index(deletes: DeleteFileRef[]): DeleteFileIndex {
  return DeleteFileIndex.build(deletes, { specs, schemas: [schema] });
}

const names = (refs: DeleteFileRef[]) => refs.map((r) => r.file.filePath).sort();

describe('sequence number rules', () => {
  const idx = index([pos('pos@4', 4n), pos('pos@5', 5n), pos('pos@6', 6n), eq('eq@4', 4n), eq('eq@5', 5n), eq('eq@6', 6n)]);
  test('position deletes apply when data seq <= delete seq (same commit included)', () => {
    expect(names(idx.forDataFile(5n, file('d')).positionDeletes)).toEqual(['pos@5', 'pos@6']);
    expect(names(idx.forDataFile(7n, file('d')).positionDeletes)).toEqual([]);
    expect(names(idx.forDataFile(0n, file('d')).positionDeletes)).toEqual(['pos@4', 'pos@5', 'pos@6']);
  });
  test('equality deletes apply only when data seq < delete seq', () => {
    expect(names(idx.forDataFile(5n, file('d')).equalityDeletes)).toEqual(['eq@6']);
    expect(names(idx.forDataFile(3n, file('d')).equalityDeletes)).toEqual(['eq@4', 'eq@5', 'eq@6']);
    expect(names(idx.forDataFile(6n, file('d')).equalityDeletes)).toEqual([]);
  });
  test('delete files added out of order are still matched by sequence number', () => {
    const i = index([pos('b', 9n), pos('a', 2n), pos('c', 5n)]);
    expect(names(i.forDataFile(5n, file('d')).positionDeletes)).toEqual(['b', 'c']);
  });
});

describe('partition scope', () => {
  test('position deletes apply only within the same spec and partition', () => {
    const i = index([pos('p0', 5n, { partition: [0n] }), pos('p1', 5n, { partition: [1n] }), pos('other-spec', 5n, { specId: 2, partition: [0n] })]);
    expect(names(i.forDataFile(1n, file('d', { partition: [0n] })).positionDeletes)).toEqual(['p0']);
    expect(names(i.forDataFile(1n, file('d', { partition: [1n] })).positionDeletes)).toEqual(['p1']);
    expect(names(i.forDataFile(1n, file('d', { specId: 2, partition: [0n] })).positionDeletes)).toEqual(['other-spec']);
  });

  test('equality deletes in a partition do not cross partitions (duckdb-eqdel-cross-partition shape)', () => {
    const i = index([eq('eq-part0', 5n, { partition: [0n] })]);
    expect(names(i.forDataFile(1n, file('d0', { partition: [0n] })).equalityDeletes)).toEqual(['eq-part0']);
    expect(names(i.forDataFile(1n, file('d1', { partition: [1n] })).equalityDeletes)).toEqual([]);
    expect(names(i.forDataFile(1n, file('d2', { specId: 2, partition: [0n] })).equalityDeletes)).toEqual([]);
  });

  test('equality deletes of an unpartitioned spec are global', () => {
    const i = index([eq('global', 5n, { specId: 0, partition: [] })]);
    expect(names(i.forDataFile(1n, file('a', { partition: [0n] })).equalityDeletes)).toEqual(['global']);
    expect(names(i.forDataFile(1n, file('b', { specId: 2, partition: [7n] })).equalityDeletes)).toEqual(['global']);
    expect(names(i.forDataFile(1n, file('c', { specId: 0, partition: [] })).equalityDeletes)).toEqual(['global']);
    expect(names(i.forDataFile(5n, file('a', { partition: [0n] })).equalityDeletes)).toEqual([]);
  });

  test('null partition values are a partition of their own', () => {
    const i = index([pos('null-part', 5n, { partition: [null] })]);
    expect(names(i.forDataFile(1n, file('d', { partition: [null] })).positionDeletes)).toEqual(['null-part']);
    expect(names(i.forDataFile(1n, file('d', { partition: [0n] })).positionDeletes)).toEqual([]);
  });
});

describe('file-scoped position deletes', () => {
  test('referenced_data_file limits a position delete file to that data file', () => {
    const i = index([pos('scoped', 5n, { referencedDataFile: 's3://b/t/data/a.parquet' })]);
    expect(names(i.forDataFile(1n, file('s3://b/t/data/a.parquet')).positionDeletes)).toEqual(['scoped']);
    expect(names(i.forDataFile(1n, file('s3://b/t/data/b.parquet')).positionDeletes)).toEqual([]);
  });

  test('equal file_path bounds make a position delete file file-scoped, as the reference implementation infers', () => {
    const path = 's3://b/t/data/a.parquet';
    const bound = utf8Bytes(path);
    const f = pos('bounded', 5n, { extra: { lowerBounds: new Map([[DELETE_FILE_PATH_FIELD_ID, bound]]), upperBounds: new Map([[DELETE_FILE_PATH_FIELD_ID, bound]]) } });
    expect(referencedDataFile(f.file)).toBe(path);
    const i = index([f]);
    expect(names(i.forDataFile(1n, file(path)).positionDeletes)).toEqual(['bounded']);
    expect(names(i.forDataFile(1n, file('s3://b/t/data/z.parquet')).positionDeletes)).toEqual([]);
  });

  test('file_path bounds skip data files outside the range of paths a delete file references', () => {
    const bounds = {
      lowerBounds: new Map([[DELETE_FILE_PATH_FIELD_ID, encodeValue({ kind: 'string' }, 's3://b/t/data/c.parquet')]]),
      upperBounds: new Map([[DELETE_FILE_PATH_FIELD_ID, encodeValue({ kind: 'string' }, 's3://b/t/data/f.parquet')]]),
    };
    const i = index([pos('ranged', 5n, { extra: bounds })]);
    expect(names(i.forDataFile(1n, file('s3://b/t/data/a.parquet')).positionDeletes)).toEqual([]);
    expect(names(i.forDataFile(1n, file('s3://b/t/data/d.parquet')).positionDeletes)).toEqual(['ranged']);
    expect(names(i.forDataFile(1n, file('s3://b/t/data/f.parquet')).positionDeletes)).toEqual(['ranged']);
    expect(names(i.forDataFile(1n, file('s3://b/t/data/g.parquet')).positionDeletes)).toEqual([]);
  });

  test('a file-scoped delete for a data file of another partition is corrupt metadata', () => {
    const i = index([pos('scoped', 5n, { partition: [1n], referencedDataFile: 'a' })]);
    expect(() => i.forDataFile(1n, file('a', { partition: [0n] }))).toThrow(/another partition/);
  });
});

describe('deletion vectors', () => {
  test('a DV replaces the position delete files of its data file', () => {
    const i = index([pos('old-pos', 4n), pos('old-scoped', 4n, { referencedDataFile: 'a' }), dv('dv.puffin', 6n, 'a')]);
    const m = i.forDataFile(1n, file('a'));
    expect(names(m.positionDeletes)).toEqual(['dv.puffin']);
    // other data files of the partition still get the partition-scoped position deletes
    expect(names(i.forDataFile(1n, file('b')).positionDeletes)).toEqual(['old-pos']);
  });

  test('a DV applies when data seq <= DV seq, only to its referenced data file', () => {
    const i = index([dv('dv.puffin', 6n, 'a')]);
    expect(names(i.forDataFile(6n, file('a')).positionDeletes)).toEqual(['dv.puffin']);
    expect(names(i.forDataFile(7n, file('a')).positionDeletes)).toEqual([]);
    expect(names(i.forDataFile(1n, file('b')).positionDeletes)).toEqual([]);
  });

  test('equality deletes still apply next to a DV', () => {
    const i = index([dv('dv.puffin', 6n, 'a'), eq('eq', 6n)]);
    const m = i.forDataFile(1n, file('a'));
    expect(names(m.positionDeletes)).toEqual(['dv.puffin']);
    expect(names(m.equalityDeletes)).toEqual(['eq']);
  });

  test('two DVs for one data file in a snapshot are rejected', () => {
    expect(() => index([dv('x.puffin', 6n, 'a'), dv('y.puffin', 7n, 'a')])).toThrow(/two deletion vectors/);
  });

  test('a DV without referenced_data_file is rejected', () => {
    const bad: DeleteFileRef = { file: file('x.puffin', { content: FileContent.POSITION_DELETES, format: 'PUFFIN' }), dataSequenceNumber: 1n };
    expect(() => index([bad])).toThrow(/referenced_data_file/);
  });
});

describe('equality delete pruning by column metrics', () => {
  const f = (lo: bigint, hi: bigint, nulls = 0, values = 10) =>
    file('x', {
      extra: {
        lowerBounds: new Map([[2, encodeValue({ kind: 'long' }, lo)]]),
        upperBounds: new Map([[2, encodeValue({ kind: 'long' }, hi)]]),
        nullValueCounts: new Map([[2, nulls]]),
        valueCounts: new Map([[2, values]]),
      },
    });
  const key = [{ id: 2, required: false, type: { kind: 'long' as const } }];
  test('disjoint ranges cannot match; overlapping ones may', () => {
    expect(canContainEqualityDeletes(f(1n, 10n), f(20n, 30n), key)).toBe(false);
    expect(canContainEqualityDeletes(f(1n, 10n), f(10n, 30n), key)).toBe(true);
    expect(canContainEqualityDeletes(f(50n, 60n), f(20n, 30n), key)).toBe(false);
  });
  test('nulls on both sides may match whatever the bounds say', () => {
    expect(canContainEqualityDeletes(f(1n, 10n, 2), f(20n, 30n, 1), key)).toBe(true);
  });
  test('an all-null delete column cannot match a data file without nulls', () => {
    const allNullDeletes = file('y', { extra: { nullValueCounts: new Map([[2, 3]]), valueCounts: new Map([[2, 3]]) } });
    expect(canContainEqualityDeletes(f(1n, 10n), allNullDeletes, key)).toBe(false);
  });
  test('missing stats mean "may match"', () => {
    expect(canContainEqualityDeletes(file('a'), file('b'), key)).toBe(true);
  });
  test('the index applies the check: an equality delete outside the data range is not listed', () => {
    const i = index([{ file: { ...f(20n, 30n), filePath: 'eq', content: FileContent.EQUALITY_DELETES, equalityIds: [2] }, dataSequenceNumber: 5n }]);
    expect(names(i.forDataFile(1n, f(1n, 10n)).equalityDeletes)).toEqual([]);
    expect(names(i.forDataFile(1n, f(25n, 40n)).equalityDeletes)).toEqual(['eq']);
    expect([...i.equalityFieldIds]).toEqual([2]);
  });
  test('an equality delete on a field no schema has is corrupt metadata', () => {
    expect(() => index([eq('bad', 5n, { equalityIds: [99] })])).toThrow(/field 99/);
  });
});

describe('loading deleted positions', () => {
  test('position delete files are read once however many data files they apply to; other paths are ignored', async () => {
    let reads = 0;
    const reader: ReadPositionDeleteFile = async () => {
      reads++;
      return { filePaths: ['a', 'a', 'b', 'c', 'a'], positions: [3n, 1n, 2n, 9n, 3n] };
    };
    const loader = new PositionDeleteLoader({ io: new FileIO({ storage: new MemoryStorage() }), readPositionDeleteFile: reader });
    const del = pos('memory://s/deletes.parquet', 5n);
    const a = await loader.forTask({ dataFile: file('a'), positionDeletes: [del] });
    const b = await loader.forTask({ dataFile: file('b'), positionDeletes: [del] });
    const z = await loader.forTask({ dataFile: file('z'), positionDeletes: [del] });
    expect(a?.toArray()).toEqual([1, 3]);
    expect(b?.toArray()).toEqual([2]);
    expect(z?.cardinality).toBe(0);
    expect(reads).toBe(1);
    expect(await loader.forTask({ dataFile: file('a'), positionDeletes: [] })).toBeUndefined();
  });

  test('deletion vectors are read by range from a Puffin file; the magic is checked once per file', async () => {
    const storage = new MemoryStorage();
    const blobA = encodeDeletionVector([0, 2, 4]);
    const blobB = encodeDeletionVector([7]);
    const puffin = writePuffin({
      blobs: [
        { type: 'deletion-vector-v1', fields: [], data: blobA, properties: { 'referenced-data-file': 'a', cardinality: '3' } },
        { type: 'deletion-vector-v1', fields: [], data: blobB, properties: { 'referenced-data-file': 'b', cardinality: '1' } },
      ],
    });
    await storage.write('memory://s/dv.puffin', puffin.bytes);
    const calls: [number, number][] = [];
    const counting = new Proxy(storage, {
      get(target, prop, receiver) {
        if (prop === 'readRange') {
          return (loc: string, o: number, n: number) => {
            calls.push([o, n]);
            return target.readRange(loc, o, n);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const io = new FileIO({ storage: counting });
    const mk = (target: string, b: { offset: number; length: number }, n: number) =>
      dv('memory://s/dv.puffin', 5n, target, { recordCount: n, extra: { contentOffset: b.offset, contentSizeInBytes: b.length } });
    const loader = new PositionDeleteLoader({ io });
    expect((await loader.forTask({ dataFile: file('a'), positionDeletes: [mk('a', puffin.blobs[0]!, 3)] }))?.toArray()).toEqual([0, 2, 4]);
    expect((await loader.forTask({ dataFile: file('b'), positionDeletes: [mk('b', puffin.blobs[1]!, 1)] }))?.toArray()).toEqual([7]);
    expect(calls).toEqual([
      [0, 4],
      [puffin.blobs[0]!.offset, puffin.blobs[0]!.length],
      [puffin.blobs[1]!.offset, puffin.blobs[1]!.length],
    ]);
    // a record count that disagrees with the blob's cardinality is corrupt metadata
    await expect(readDeletionVector(io, mk('a', puffin.blobs[0]!, 4).file)).rejects.toThrow(/records 4/);
  });

  test('duckdb-legacy-bare-dv-v3: a bare DV blob is rejected by default and readable on request', async () => {
    const c = loadCorpusCase('duckdb-legacy-bare-dv-v3');
    const plan = await planScan({ metadata: c.metadata, io: c.io });
    expect(plan.tasks.length).toBe(1);
    const task = plan.tasks[0]!;
    expect(task.positionDeletes.map((d) => d.file.fileFormat)).toEqual(['PUFFIN']);
    let err: unknown;
    try {
      await new PositionDeleteLoader({ io: c.io }).forTask(task);
    } catch (e) {
      err = e;
    }
    expect(isLakeError(err, 'INVALID_METADATA')).toBe(true);
    expect(String(err)).toMatch(/not a valid Puffin file/);
    const set = await new PositionDeleteLoader({ io: c.io, allowBareDeletionVectors: true }).forTask(task);
    expect(set?.toArray()).toEqual([1]); // rows (1, legacy) and (3, legacy) remain of 3
  });
});

describe('deletes in corpus plans', () => {
  test('duckdb-eqdel-cross-partition: the equality delete of part=0 is not planned for part=1', async () => {
    const c = loadCorpusCase('duckdb-eqdel-cross-partition');
    const plan = await planScan({ metadata: c.metadata, io: c.io });
    const byPartition = new Map(plan.tasks.map((t) => [String(t.dataFile.partition[0]), t.equalityDeletes.length]));
    expect(byPartition).toEqual(new Map([['0', 1], ['1', 0]]));
    expect(plan.stats.deleteFilesSelected).toBe(1);
  });

  test('spark-file-scoped-pos-deletes: each of the 6 delete files applies to exactly one data file', async () => {
    const c = loadCorpusCase('spark-file-scoped-pos-deletes');
    const plan = await planScan({ metadata: c.metadata, io: c.io });
    expect(plan.tasks.length).toBe(6);
    for (const t of plan.tasks) {
      expect(t.positionDeletes.length).toBe(1);
      expect(referencedDataFile(t.positionDeletes[0]!.file)).toBe(t.dataFile.filePath);
    }
    expect(new Set(plan.tasks.map((t) => t.positionDeletes[0]!.file.filePath)).size).toBe(6);
    expect(plan.deleteFiles?.length).toBe(6);
  });

  test('trino-deletion-vectors-v3: each data file gets its own DV, none of the replaced one', async () => {
    const c = loadCorpusCase('trino-deletion-vectors-v3');
    const plan = await planScan({ metadata: c.metadata, io: c.io });
    expect(plan.tasks.length).toBe(2);
    for (const t of plan.tasks) {
      expect(t.positionDeletes.length).toBe(1);
      expect(t.positionDeletes[0]!.file.fileFormat).toBe('PUFFIN');
      expect(t.positionDeletes[0]!.file.referencedDataFile).toBe(t.dataFile.filePath);
      expect(t.positionDeletes[0]!.file.filePath).toMatch(/00012/);
    }
  });
});
