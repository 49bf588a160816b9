/** FileIO: path remaps, relative path resolution, storage choice and error context. */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isLakeError } from '../../src/errors.js';
import { FileIO, parsePathRemap } from '../../src/scan/file-io.js';
import { planScan } from '../../src/scan/planner.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { loadCorpusCase } from './support.js';

describe('resolve', () => {
  test('a remap replaces the embedded prefix; the longest matching prefix wins', () => {
    const io = new FileIO({
      remaps: [
        { from: 's3://warehouse/', to: '/data/wh/' },
        { from: 's3://warehouse/db/t', to: '/elsewhere/t' },
      ],
    });
    expect(io.resolve('s3://warehouse/db/t/data/a.parquet')).toBe('/elsewhere/t/data/a.parquet');
    expect(io.resolve('s3://warehouse/db/u/data/a.parquet')).toBe('/data/wh/db/u/data/a.parquet');
    expect(io.resolve('s3://other/x.parquet')).toBe('s3://other/x.parquet');
  });

  test('relative embedded paths: remapped, joined to an absolute table location, or resolved from the working directory', () => {
    expect(new FileIO({ remaps: [{ from: 'lineitem_iceberg', to: '/corpus/case' }] }).resolve('lineitem_iceberg/data/x.parquet')).toBe('/corpus/case/data/x.parquet');
    // spec "Path Resolution": table location + "/" + relative path
    expect(new FileIO({ tableLocation: 's3://bucket/db/table' }).resolve('data/00000-0.parquet')).toBe('s3://bucket/db/table/data/00000-0.parquet');
    // a table whose location is itself relative: paths are relative to the working directory
    expect(new FileIO({ tableLocation: 'data/persistent/t', baseDir: '/base' }).resolve('data/persistent/t/m.avro')).toBe('/base/data/persistent/t/m.avro');
    // a remap to a relative target resolves from the working directory
    expect(new FileIO({ remaps: [{ from: 's3://b', to: 'local' }], baseDir: '/base' }).resolve('s3://b/x')).toBe(resolve('/base', 'local/x'));
  });

  test('absolute and URI paths stay as they are', () => {
    const io = new FileIO({ tableLocation: 's3://b/t' });
    expect(io.resolve('/abs/x.parquet')).toBe('/abs/x.parquet');
    expect(io.resolve('file:///abs/x.parquet')).toBe('file:///abs/x.parquet');
    expect(io.resolve('s3a://b/t/x.parquet')).toBe('s3a://b/t/x.parquet');
  });

  test('parsePathRemap: FROM=TO, first "=" splits', () => {
    expect(parsePathRemap('s3://b/t=/tmp/t')).toEqual({ from: 's3://b/t', to: '/tmp/t' });
    expect(parsePathRemap('a=b=c')).toEqual({ from: 'a', to: 'b=c' });
    expect(() => parsePathRemap('=x')).toThrow(/FROM=TO/);
    expect(() => parsePathRemap('nothing')).toThrow(/FROM=TO/);
    expect(() => new FileIO({ remaps: [{ from: '', to: 'x' }] })).toThrow();
  });
});

describe('reading', () => {
  test('reads and range reads go through the resolved location and the given storage', async () => {
    const storage = new MemoryStorage();
    await storage.write('memory://store/t/data/a.bin', new Uint8Array([1, 2, 3, 4, 5]));
    const io = new FileIO({ remaps: [{ from: 's3://prod/t', to: 'memory://store/t' }], storage });
    expect([...(await io.read('s3://prod/t/data/a.bin'))]).toEqual([1, 2, 3, 4, 5]);
    expect([...(await io.readRange('s3://prod/t/data/a.bin', 1, 2))]).toEqual([2, 3]);
    expect((await io.head('s3://prod/t/data/a.bin'))?.size).toBe(5);
    expect(io.localPath('s3://prod/t/data/a.bin')).toBeUndefined();
  });

  test('a missing file after a remap names the embedded path too', async () => {
    const io = new FileIO({ remaps: [{ from: 's3://prod/t', to: '/nonexistent-dir-for-lake-tests' }] });
    let err: unknown;
    try {
      await io.read('s3://prod/t/metadata/snap.avro');
    } catch (e) {
      err = e;
    }
    expect(isLakeError(err, 'NOT_FOUND')).toBe(true);
    expect(String(err)).toContain('embedded path s3://prod/t/metadata/snap.avro');
  });

  test('local files resolve to local paths DuckDB can read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lake-fileio-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'x.parquet'), 'x');
    const io = new FileIO({ remaps: [{ from: 's3://b/t', to: dir }] });
    expect(io.localPath('s3://b/t/data/x.parquet')).toBe(join(dir, 'data', 'x.parquet'));
  });

  test('a corpus table with s3a:// paths plans once remapped, and fails clearly without the remap', async () => {
    const c = loadCorpusCase('trino-unpartitioned');
    expect((await planScan({ metadata: c.metadata, io: c.io })).tasks.length).toBe(1);
    const unmapped = new FileIO({ storage: new MemoryStorage() });
    await expect(planScan({ metadata: c.metadata, io: unmapped })).rejects.toSatisfy((e) => isLakeError(e));
  });
});
