/** The Arrow reader's output: Arrow types per Iceberg type, batch sizes, early stops, empty plans. */
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { arrowSchemaOf, readArrow, toArrowTable } from '../../src/scan/arrow-reader.js';
import { FIELD_ID_KEY, arrowSchema } from '../../src/scan/arrow-reader-types.js';
import { FileIO } from '../../src/scan/file-io.js';
import { planScan } from '../../src/scan/planner.js';
import { isLakeError } from '../../src/errors.js';
import { uuidFromBytes } from '../../src/spec/single-value.js';
import { metadata, plan, schema, task, tempDir, writeParquet } from './arrow-reader-fixtures.js';
import { loadCorpusCase } from './support.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('lake-arrow-'));
});
afterAll(async () => cleanup());

describe('types', () => {
  test('every Iceberg type has its documented Arrow type, with field ids', () => {
    const s = schema([
      { id: 1, name: 'b', required: true, type: 'boolean' },
      { id: 2, name: 'i', required: false, type: 'int' },
      { id: 3, name: 'l', required: false, type: 'long' },
      { id: 4, name: 'f', required: false, type: 'float' },
      { id: 5, name: 'd', required: false, type: 'double' },
      { id: 6, name: 'dec', required: false, type: 'decimal(38, 9)' },
      { id: 7, name: 'date', required: false, type: 'date' },
      { id: 8, name: 'time', required: false, type: 'time' },
      { id: 9, name: 'ts', required: false, type: 'timestamp' },
      { id: 10, name: 'tstz', required: false, type: 'timestamptz' },
      { id: 11, name: 'tsns', required: false, type: 'timestamp_ns' },
      { id: 12, name: 'tstzns', required: false, type: 'timestamptz_ns' },
      { id: 13, name: 's', required: false, type: 'string' },
      { id: 14, name: 'u', required: false, type: 'uuid' },
      { id: 15, name: 'fx', required: false, type: 'fixed[5]' },
      { id: 16, name: 'bin', required: false, type: 'binary' },
      { id: 17, name: 'lst', required: false, type: { type: 'list', 'element-id': 18, 'element-required': true, element: 'int' } },
      { id: 19, name: 'mp', required: false, type: { type: 'map', 'key-id': 20, key: 'string', 'value-id': 21, 'value-required': false, value: 'double' } },
      { id: 22, name: 'st', required: false, type: { type: 'struct', fields: [{ id: 23, name: 'x', required: false, type: 'int' }] } },
    ]);
    const a = arrowSchema(s.fields);
    expect(a.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual([
      'b:Bool:false',
      'i:Int32:true',
      'l:Int64:true',
      'f:Float32:true',
      'd:Float64:true',
      'dec:Decimal[38e+9]:true',
      'date:Date32<DAY>:true',
      'time:Time64<MICROSECOND>:true',
      'ts:Timestamp<MICROSECOND>:true',
      'tstz:Timestamp<MICROSECOND, UTC>:true',
      'tsns:Timestamp<NANOSECOND>:true',
      'tstzns:Timestamp<NANOSECOND, UTC>:true',
      's:Utf8:true',
      'u:FixedSizeBinary[16]:true',
      'fx:FixedSizeBinary[5]:true',
      'bin:Binary:true',
      'lst:List<Int32>:true',
      'mp:Map<{key:Utf8, value:Float64}>:true',
      'st:Struct<{x:Int32}>:true',
    ]);
    expect(a.fields.map((f) => Number(f.metadata.get(FIELD_ID_KEY)))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 22]);
    const lst = a.fields[16]!.type as arrow.List;
    expect([lst.children[0]!.name, lst.children[0]!.nullable, lst.children[0]!.metadata.get(FIELD_ID_KEY)]).toEqual(['element', false, '18']);
  });

  test('batches have exactly the plan schema on tables with every type (Trino and Spark)', async () => {
    for (const name of ['trino-all-types', 'spark-all-types', 'spark-decimals', 'spark-map-struct', 'duckdb-initial-default']) {
      const c = loadCorpusCase(name);
      const p = await planScan({ metadata: c.metadata, io: c.io });
      const expected = arrowSchemaOf(p);
      const table = await toArrowTable(p);
      expect(table.numRows).toBeGreaterThan(0);
      expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(expected.fields.map((f) => `${f.name}:${String(f.type)}`));
    }
  });

  test('uuid columns hold the 16 bytes of the uuid', async () => {
    const c = loadCorpusCase('duckdb-uuid');
    const table = await toArrowTable(await planScan({ metadata: c.metadata, io: c.io }));
    const col = table.getChild('uuid')!;
    const values = Array.from({ length: table.numRows }, (_, i) => uuidFromBytes(col.get(i) as Uint8Array));
    expect(values).toContain('1571effb-facd-42a3-90e9-0af522e9b6c2');
    expect(new Set(values).size).toBe(10);
  });
});

describe('streaming', () => {
  test('batches stay within the batch size; files are read in order, batch by batch', async () => {
    const s = schema([{ id: 1, name: 'id', required: true, type: 'long' }]);
    const a = await writeParquet(`${dir}/s-a.parquet`, `SELECT range AS id FROM range(0, 2500)`, '{id: 1}');
    const b = await writeParquet(`${dir}/s-b.parquet`, `SELECT range AS id FROM range(2500, 3000)`, '{id: 1}');
    const sizes: number[] = [];
    const firsts: bigint[] = [];
    for await (const batch of readArrow(plan(metadata([s]), [task(a), task(b)]), { batchSize: 1000 })) {
      sizes.push(batch.numRows);
      firsts.push(batch.getChild('id')!.get(0) as bigint);
    }
    expect(sizes).toEqual([1000, 1000, 500, 500]);
    expect(firsts).toEqual([0n, 1000n, 2000n, 2500n]);
  });

  test('a consumer may stop early, and later reads still work', async () => {
    const s = schema([{ id: 1, name: 'id', required: true, type: 'long' }]);
    const f = await writeParquet(`${dir}/early.parquet`, `SELECT range AS id FROM range(100000)`, '{id: 1}');
    const p = plan(metadata([s]), [task(f)]);
    for (let i = 0; i < 3; i++) {
      for await (const batch of readArrow(p, { batchSize: 100 })) {
        expect(batch.numRows).toBe(100);
        break;
      }
    }
    expect((await toArrowTable(p)).numRows).toBe(100000);
  });

  test('a FileIO given as the second argument reads the plan (remapped paths)', async () => {
    const s = schema([{ id: 1, name: 'id', required: true, type: 'long' }]);
    const f = await writeParquet(`${dir}/remapped.parquet`, `SELECT range AS id FROM range(7)`, '{id: 1}');
    const embedded = { ...f, filePath: '/moved/away/remapped.parquet' };
    const p = plan(metadata([s]), [task(embedded)]);
    const io = new FileIO({ remaps: [{ from: '/moved/away', to: dir }] });
    expect((await toArrowTable(p, io)).numRows).toBe(7);
    expect((await toArrowTable(p, { io, batchSize: 2 })).batches.length).toBe(4);
    await expect(toArrowTable(p)).rejects.toSatisfy((e) => isLakeError(e, 'NOT_FOUND') && /moved\/away\/remapped/.test((e as Error).message));
  });

  test('an empty plan gives an empty table with the plan schema', async () => {
    const s = schema([{ id: 1, name: 'id', required: true, type: 'long' }]);
    const t = await toArrowTable(plan(metadata([s]), []));
    expect([t.numRows, t.schema.fields.map((f) => String(f.type))]).toEqual([0, ['Int64']]);
  });
});
