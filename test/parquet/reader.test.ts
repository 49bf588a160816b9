/** Parquet footers (hyparquet, exact statistics) and streamed Arrow batches (parquet-wasm). */
import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { columnPath, decodeParquetFooter, isGroup, readParquetFooter } from '../../src/parquet/footer.js';
import { readParquetBatches } from '../../src/parquet/reader.js';
import { duck, tempDir } from '../scan/arrow-reader-fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('lake-parquet-'));
  await duck(
    `COPY (SELECT range AS id, TIMESTAMP '2024-01-01 00:00:00.123456' + to_microseconds(range) AS ts, 'v' || range AS s,
            {'x': range::INTEGER} AS st, [range, range + 1] AS l, MAP {'k': range} AS m
          FROM range(10000))
     TO '${dir}/ids.parquet' (FORMAT parquet, ROW_GROUP_SIZE 4096,
       FIELD_IDS {id: 1, ts: 2, s: 3, st: {__duckdb_field_id: 4, x: 5}, l: {__duckdb_field_id: 6, element: 7}, m: {__duckdb_field_id: 8, key: 9, value: 10}})`,
  );
  await duck(`COPY (SELECT 1 AS a) TO '${dir}/noids.parquet' (FORMAT parquet)`);
});
afterAll(async () => cleanup());

async function footerOf(path: string) {
  const bytes = new Uint8Array(await readFile(path));
  return decodeParquetFooter(bytes, path);
}

describe('footer', () => {
  test('the schema tree carries field ids and column paths', async () => {
    const f = await footerOf(`${dir}/ids.parquet`);
    expect(f.numRows).toBe(10000);
    expect(f.hasFieldIds).toBe(true);
    expect(f.root.children.map((c) => [c.name, c.fieldId, isGroup(c)])).toEqual([
      ['id', 1, false],
      ['ts', 2, false],
      ['s', 3, false],
      ['st', 4, true],
      ['l', 6, true],
      ['m', 8, true],
    ]);
    const list = f.root.children[4]!;
    const element = list.children[0]!.children[0]!;
    expect([columnPath(element), element.fieldId]).toEqual(['l.list.element', 7]);
    const kv = f.root.children[5]!.children[0]!;
    expect(kv.children.map((c) => [columnPath(c), c.fieldId])).toEqual([
      ['m.key_value.key', 9],
      ['m.key_value.value', 10],
    ]);
    expect((await footerOf(`${dir}/noids.parquet`)).hasFieldIds).toBe(false);
  });

  test('statistics keep exact values: microsecond timestamps as bigint, strings as bytes', async () => {
    const f = await footerOf(`${dir}/ids.parquet`);
    expect(f.metadata.row_groups.length).toBe(3);
    const tsStats = f.metadata.row_groups.map((g) => g.columns[1]!.meta_data!.statistics!);
    // 2024-01-01 00:00:00.123456 = 1704067200123456 µs; the first group holds rows 0..4095
    expect(tsStats[0]!.min_value).toBe(1704067200123456n);
    expect(tsStats[0]!.max_value).toBe(1704067200123456n + 4095n);
    const sStats = f.metadata.row_groups[0]!.columns[2]!.meta_data!.statistics!;
    expect(new TextDecoder().decode(sStats.min_value as Uint8Array)).toBe('v0');
  });

  test('a footer larger than the first read takes a second, exact read', async () => {
    const cols = Array.from({ length: 1500 }, (_, i) => `range AS column_with_a_long_name_${i}`).join(', ');
    await duck(`COPY (SELECT ${cols} FROM range(3)) TO '${dir}/wide.parquet' (FORMAT parquet)`);
    const bytes = new Uint8Array(await readFile(`${dir}/wide.parquet`));
    const reads: [number, number][] = [];
    const f = await readParquetFooter(async (offset, length) => {
      reads.push([offset, length]);
      return bytes.subarray(offset, offset + length);
    }, bytes.length);
    expect(f.root.children.length).toBe(1500);
    expect(reads.length).toBe(2);
    expect(reads[0]![1]).toBe(64 * 1024);
    const metaLength = new DataView(bytes.buffer).getUint32(bytes.length - 8, true);
    expect(reads[1]).toEqual([bytes.length - metaLength - 8, metaLength + 8]);
  });

  test('files that are not Parquet, or shorter than recorded, are INVALID_METADATA', async () => {
    const text = new TextEncoder().encode('this is not a parquet file at all');
    await expect(readParquetFooter(async (o, l) => text.subarray(o, o + l), text.length, 'x.txt')).rejects.toSatisfy(
      (e) => isLakeError(e, 'INVALID_METADATA') && /not a Parquet file/.test((e as Error).message),
    );
    const size = (await stat(`${dir}/noids.parquet`)).size;
    const bytes = new Uint8Array(await readFile(`${dir}/noids.parquet`));
    await expect(readParquetFooter(async (o, l) => bytes.subarray(o, o + l), size + 10, 'short')).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_METADATA'));
    expect(() => decodeParquetFooter(text, 'x')).toThrow(/Parquet footer/);
  });
});

describe('streamed batches', () => {
  test('batches of the requested size, with only the requested columns', async () => {
    const sizes: number[] = [];
    let sum = 0n;
    for await (const b of readParquetBatches({ path: `${dir}/ids.parquet` }, { columns: ['id', 'st'], batchSize: 1000 })) {
      expect(b.schema.fields.map((f) => f.name)).toEqual(['id', 'st']);
      sizes.push(b.numRows);
      for (const v of b.getChild('id')!.toArray() as BigInt64Array) sum += v;
    }
    expect(sizes.reduce((a, n) => a + n, 0)).toBe(10000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
    expect(sum).toBe(49995000n);
  });

  test('nested columns and every column by default; bytes and Blobs as inputs', async () => {
    const bytes = new Uint8Array(await readFile(`${dir}/ids.parquet`));
    const first = async (input: Parameters<typeof readParquetBatches>[0]) => {
      for await (const b of readParquetBatches(input, { batchSize: 2 })) return b;
      throw new Error('no batch');
    };
    for (const b of [await first({ bytes }), await first({ blob: new Blob([bytes]) })]) {
      expect(b.schema.fields.map((f) => f.name)).toEqual(['id', 'ts', 's', 'st', 'l', 'm']);
      expect(JSON.parse(JSON.stringify(b.get(1)!.toJSON().st))).toEqual({ x: 1 });
      expect([...(b.getChild('l')!.get(1) as { toArray(): BigInt64Array }).toArray()]).toEqual([1n, 2n]);
    }
  });

  test('stopping early releases the reader; unknown columns are errors', async () => {
    for (let i = 0; i < 3; i++) {
      for await (const b of readParquetBatches({ path: `${dir}/ids.parquet` }, { batchSize: 10 })) {
        expect(b.numRows).toBe(10);
        break;
      }
    }
    const read = async () => {
      for await (const _ of readParquetBatches({ path: `${dir}/ids.parquet` }, { columns: ['nope'] })) void _;
    };
    await expect(read()).rejects.toSatisfy((e) => isLakeError(e, 'INVALID_INPUT') && /nope/.test((e as Error).message));
    // the wasm module is still usable afterwards
    let n = 0;
    for await (const b of readParquetBatches({ path: `${dir}/ids.parquet` }, { columns: ['s'] })) n += b.numRows;
    expect(n).toBe(10000);
  });
});
