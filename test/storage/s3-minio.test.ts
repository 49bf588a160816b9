/**
 * S3 specifics against the run's MinIO: Hadoop scheme aliases, multipart clean-up, and that a second
 * S3Storage on the same endpoint sees the same objects.
 */
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../../src/storage/s3.js';
import { type TestS3, testS3 } from '../support/s3.js';

let s3: TestS3;
let client: S3Client;

beforeAll(() => {
  s3 = testS3();
  client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    forcePathStyle: true,
  });
});
afterAll(async () => {
  if (!s3) return;
  const all: string[] = [];
  for await (const o of s3.storage.list(`${s3.root}/`)) all.push(o.location);
  await s3.storage.deleteMany(all);
  client.destroy();
});

describe('S3Storage on MinIO', () => {
  it('s3a:// and s3n:// name the same objects, and listings keep the scheme they were given', async () => {
    const key = `${s3.prefix}/alias/file.txt`;
    await s3.storage.write(`s3a://${s3.bucket}/${key}`, 'via s3a');
    expect(new TextDecoder().decode(await s3.storage.read(`s3://${s3.bucket}/${key}`))).toBe('via s3a');
    expect(new TextDecoder().decode(await s3.storage.read(`s3n://${s3.bucket}/${key}`))).toBe('via s3a');
    const listed: string[] = [];
    for await (const o of s3.storage.list(`s3a://${s3.bucket}/${s3.prefix}/alias/`)) listed.push(o.location);
    expect(listed).toEqual([`s3a://${s3.bucket}/${key}`]);
  });

  it('a failed streaming upload is aborted: no multipart upload is left behind', { timeout: 120_000 }, async () => {
    const key = `${s3.prefix}/abort/big.bin`;
    async function* failing(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 20; i++) yield new Uint8Array(1024 * 1024).fill(i);
      throw new Error('producer failed');
    }
    await expect(s3.storage.writeStream(`s3://${s3.bucket}/${key}`, failing())).rejects.toThrow('producer failed');
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket, Prefix: key }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(await s3.storage.exists(`s3://${s3.bucket}/${key}`)).toBe(false);
  });

  it('a large buffer given to write() goes up as multipart', { timeout: 120_000 }, async () => {
    const small = new S3Storage({ ...s3.storage.options, partSize: 5 * 1024 * 1024, multipartThreshold: 6 * 1024 * 1024 });
    const data = new Uint8Array(11 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) & 0xff;
    const loc = `${s3.root}/mp/buffer.bin`;
    await small.write(loc, data);
    const info = await small.head(loc);
    expect(info?.size).toBe(data.length);
    expect(info?.etag).toMatch(/-3"?$/);
    // Compare as one buffer: element-wise deep equality of 11 MB is far too slow.
    expect(Buffer.compare(Buffer.from(await small.read(loc)), Buffer.from(data))).toBe(0);
  });

  it('writeIfAbsent racing across two S3Storage instances (separate clients): one winner', async () => {
    const other = new S3Storage({ ...s3.storage.options, maxSockets: 7 }); // a different client pool
    const loc = `${s3.root}/cross/v1.metadata.json`;
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? other : s3.storage).writeIfAbsent(loc, `w${i}`)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});
