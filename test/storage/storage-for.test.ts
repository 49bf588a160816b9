/** Picking a backend from a location, location parsing, and S3 settings from the environment. */
import { describe, expect, it } from 'vitest';
import { LakeError } from '../../src/errors.js';
import { LocalStorage } from '../../src/storage/local.js';
import { joinLocation, parseLocation, schemeOf, toAbsoluteLocation } from '../../src/storage/location.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { S3Storage, resolveS3Options, type S3ConnectionOptions } from '../../src/storage/s3.js';
import { storageFor } from '../../src/storage/storage-for.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LakeError ? e.code : `not a LakeError: ${String(e)}`;
  }
  return undefined;
}

describe('storageFor', () => {
  it('picks the backend by scheme', () => {
    expect(storageFor('/tmp/warehouse')).toBeInstanceOf(LocalStorage);
    expect(storageFor('./warehouse')).toBeInstanceOf(LocalStorage);
    expect(storageFor('file:///tmp/warehouse')).toBeInstanceOf(LocalStorage);
    expect(storageFor('file:/tmp/warehouse')).toBeInstanceOf(LocalStorage);
    expect(storageFor('memory://store/wh')).toBeInstanceOf(MemoryStorage);
    for (const uri of ['s3://bucket/wh', 's3a://bucket/wh', 's3n://bucket/wh', 'S3://bucket/wh']) {
      expect(storageFor(uri, { s3: { region: 'eu-west-1' } })).toBeInstanceOf(S3Storage);
    }
    expect(codeOf(() => storageFor('gs://bucket/wh'))).toBe('UNSUPPORTED_FEATURE');
    expect(codeOf(() => storageFor('hdfs://nn/wh'))).toBe('UNSUPPORTED_FEATURE');
  });

  it('passes S3 options through and fills the rest from the AWS environment', () => {
    const s = storageFor('s3://b/wh', { s3: { endpoint: 'http://127.0.0.1:9', region: 'eu-central-1', forcePathStyle: false } }) as S3Storage;
    expect(s.options.endpoint).toBe('http://127.0.0.1:9');
    expect(s.options.region).toBe('eu-central-1');
    expect(s.options.forcePathStyle).toBe(false);
    expect(s.storeId('s3://b/x')).toBe('s3|http://127.0.0.1:9|b');
    expect(s.storeId('s3a://other/x')).toBe('s3|http://127.0.0.1:9|other');
  });
});

describe('resolveS3Options', () => {
  it('reads the standard AWS variables; AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL', () => {
    const o = resolveS3Options(
      {},
      {
        AWS_ACCESS_KEY_ID: 'AK',
        AWS_SECRET_ACCESS_KEY: 'SK',
        AWS_SESSION_TOKEN: 'TOK',
        AWS_REGION: 'ap-south-1',
        AWS_ENDPOINT_URL: 'http://generic:1',
        AWS_ENDPOINT_URL_S3: 'http://s3-specific:2',
      },
    );
    expect(o).toMatchObject({
      endpoint: 'http://s3-specific:2',
      region: 'ap-south-1',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'TOK' },
      forcePathStyle: true,
    });
    expect(resolveS3Options<S3ConnectionOptions>({}, { AWS_ENDPOINT_URL: 'http://generic:1' }).endpoint).toBe('http://generic:1');
  });

  it('defaults: AWS region us-east-1, virtual-hosted style without an endpoint, SDK credential chain', () => {
    const o = resolveS3Options<S3ConnectionOptions>({}, {});
    expect(o.endpoint).toBeUndefined();
    expect(o.region).toBe('us-east-1');
    expect(o.forcePathStyle).toBe(false);
    expect(o.credentials).toBeUndefined();
    expect(resolveS3Options<S3ConnectionOptions>({}, { AWS_DEFAULT_REGION: 'sa-east-1' }).region).toBe('sa-east-1');
  });

  it('explicit options win over the environment', () => {
    const o = resolveS3Options(
      { endpoint: 'http://mine:3', region: 'r1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, forcePathStyle: false },
      { AWS_ENDPOINT_URL_S3: 'http://env:4', AWS_REGION: 'r2', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
    );
    expect(o).toMatchObject({ endpoint: 'http://mine:3', region: 'r1', credentials: { accessKeyId: 'a' }, forcePathStyle: false });
  });
});

describe('locations', () => {
  it('parses every form', () => {
    expect(parseLocation('s3a://bkt/a/b.parquet')).toEqual({ scheme: 's3', uriScheme: 's3a', bucket: 'bkt', key: 'a/b.parquet' });
    expect(parseLocation('s3://bkt')).toEqual({ scheme: 's3', uriScheme: 's3', bucket: 'bkt', key: '' });
    expect(parseLocation('memory://st/k/x')).toEqual({ scheme: 'memory', store: 'st', key: 'k/x' });
    expect(parseLocation('file:///a/b')).toEqual({ scheme: 'file', path: '/a/b', base: 'file://' });
    expect(parseLocation('file:/a/b')).toEqual({ scheme: 'file', path: '/a/b', base: 'file:' });
    expect(parseLocation('/a/b')).toEqual({ scheme: 'file', path: '/a/b', base: '' });
    expect(codeOf(() => parseLocation('s3:///key'))).toBe('INVALID_INPUT');
    expect(codeOf(() => parseLocation('memory:///key'))).toBe('INVALID_INPUT');
    expect(schemeOf('relative/dir')).toBe('file');
  });

  it('joins and makes absolute', () => {
    expect(joinLocation('s3://b/wh', 'db', 't')).toBe('s3://b/wh/db/t');
    expect(joinLocation('s3://b/wh/', '/db')).toBe('s3://b/wh/db');
    expect(toAbsoluteLocation('./warehouse')).toBe(`${process.cwd()}/warehouse`);
    expect(toAbsoluteLocation('s3://b/wh')).toBe('s3://b/wh');
    expect(toAbsoluteLocation('file:///x')).toBe('file:///x');
  });
});
