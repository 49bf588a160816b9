/**
 * How S3Storage maps what an S3 endpoint answers onto the Storage guarantees, against a scripted
 * HTTP server: a conditional PUT is sent exactly once and an ambiguous end is OUTCOME_UNKNOWN, never
 * a false success or a false "already exists".
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3Storage } from '../../src/storage/s3.js';
import { freePort } from '../support/minio.js';
import { rejected } from '../support/errors.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Handler = (req: Seen, res: http.ServerResponse) => void;

let server: http.Server;
let endpoint: string;
let handler: Handler;
let seen: Seen[];

function s3Error(res: http.ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} from test server</Message><RequestId>1</RequestId></Error>`);
}

function storage(extra: ConstructorParameters<typeof S3Storage>[0] = {}): S3Storage {
  return new S3Storage({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' },
    forcePathStyle: true,
    // Unique per test, so no pooled connection or client is shared between tests.
    maxSockets: 1000 + seen.length + Math.floor(Math.random() * 1e6),
    ...extra,
  });
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen = [];
});

describe('S3Storage.writeIfAbsent', () => {
  it('sends one PUT with If-None-Match: * and succeeds on 200', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { etag: '"abc"' });
      res.end();
    };
    await storage().writeIfAbsent('s3://bkt/t/metadata/v1.metadata.json', '{"a":1}');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('PUT');
    expect(seen[0]!.url.split('?')[0]).toBe('/bkt/t/metadata/v1.metadata.json');
    expect(seen[0]!.headers['if-none-match']).toBe('*');
    expect(seen[0]!.body).toBe('{"a":1}');
  });

  it('412 PreconditionFailed -> ALREADY_EXISTS', async () => {
    handler = (_req, res) => s3Error(res, 412, 'PreconditionFailed');
    expect((await rejected(storage().writeIfAbsent('s3://bkt/k', 'x'))).code).toBe('ALREADY_EXISTS');
    expect(seen).toHaveLength(1);
  });

  it('409 ConditionalRequestConflict -> retryable STORAGE_ERROR', async () => {
    handler = (_req, res) => s3Error(res, 409, 'ConditionalRequestConflict');
    const err = await rejected(storage().writeIfAbsent('s3://bkt/k', 'x'));
    expect(err.code).toBe('STORAGE_ERROR');
    expect(err.retryable).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('500 -> OUTCOME_UNKNOWN, and the PUT is not repeated', async () => {
    handler = (_req, res) => s3Error(res, 500, 'InternalError');
    expect((await rejected(storage().writeIfAbsent('s3://bkt/k', 'x'))).code).toBe('OUTCOME_UNKNOWN');
    expect(seen).toHaveLength(1);
  });

  it('503 SlowDown -> OUTCOME_UNKNOWN, not repeated', async () => {
    handler = (_req, res) => s3Error(res, 503, 'SlowDown');
    expect((await rejected(storage().writeIfAbsent('s3://bkt/k', 'x'))).code).toBe('OUTCOME_UNKNOWN');
    expect(seen).toHaveLength(1);
  });

  it('a connection reset after the request arrived -> OUTCOME_UNKNOWN, not repeated', async () => {
    handler = (_req, res) => res.socket?.destroy();
    expect((await rejected(storage().writeIfAbsent('s3://bkt/k', 'x'))).code).toBe('OUTCOME_UNKNOWN');
    expect(seen).toHaveLength(1);
  });

  it('no response within the socket timeout -> OUTCOME_UNKNOWN', async () => {
    handler = () => {}; // never answers
    const err = await rejected(storage({ socketTimeoutMs: 300 }).writeIfAbsent('s3://bkt/k', 'x'));
    expect(err.code).toBe('OUTCOME_UNKNOWN');
    expect(seen).toHaveLength(1);
  });

  it('501 NotImplemented (header rejected) -> CONDITIONAL_WRITES_UNSUPPORTED', async () => {
    handler = (_req, res) => s3Error(res, 501, 'NotImplemented');
    const err = await rejected(storage().writeIfAbsent('s3://bkt/k', 'x'));
    expect(err.code).toBe('CONDITIONAL_WRITES_UNSUPPORTED');
    expect(err.message).toMatch(/conditional writes/);
  });

  it('connection refused (nothing was sent) -> retryable STORAGE_ERROR, not OUTCOME_UNKNOWN', async () => {
    const closedPort = await freePort();
    const s = new S3Storage({
      endpoint: `http://127.0.0.1:${closedPort}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' },
    });
    const err = await rejected(s.writeIfAbsent('s3://bkt/k', 'x'));
    expect(err.code).toBe('STORAGE_ERROR');
    expect(err.retryable).toBe(true);
  });
});

describe('S3Storage other requests', () => {
  it('a plain write is retried by the SDK on 500, then ends OUTCOME_UNKNOWN', async () => {
    handler = (_req, res) => s3Error(res, 500, 'InternalError');
    expect((await rejected(storage().write('s3://bkt/k', 'x'))).code).toBe('OUTCOME_UNKNOWN');
    expect(seen).toHaveLength(3);
    expect(seen[0]!.headers['if-none-match']).toBeUndefined();
  });

  it('a plain write succeeds once a retry gets through', async () => {
    let n = 0;
    handler = (_req, res) => {
      if (n++ === 0) return s3Error(res, 503, 'SlowDown');
      res.writeHead(200);
      res.end();
    };
    await storage().write('s3://bkt/k', 'x');
    expect(seen).toHaveLength(2);
  });

  it('maps read errors: NoSuchKey -> NOT_FOUND, NoSuchBucket and AccessDenied -> STORAGE_ERROR, 500 -> retryable', async () => {
    handler = (_req, res) => s3Error(res, 404, 'NoSuchKey');
    expect((await rejected(storage().read('s3://bkt/k'))).code).toBe('NOT_FOUND');

    handler = (_req, res) => s3Error(res, 404, 'NoSuchBucket');
    const noBucket = await rejected(storage().read('s3://bkt/k'));
    expect(noBucket.code).toBe('STORAGE_ERROR');
    expect(noBucket.message).toMatch(/bucket does not exist/);

    handler = (_req, res) => s3Error(res, 403, 'AccessDenied');
    const denied = await rejected(storage().read('s3://bkt/k'));
    expect(denied.code).toBe('STORAGE_ERROR');
    expect(denied.retryable).toBe(false);

    handler = (_req, res) => s3Error(res, 500, 'InternalError');
    const flaky = await rejected(storage({ maxAttempts: 1 }).read('s3://bkt/k'));
    expect(flaky.code).toBe('STORAGE_ERROR');
    expect(flaky.retryable).toBe(true);
  });

  it('head of a missing object is undefined; a 404 delete is a success', async () => {
    handler = (_req, res) => {
      res.writeHead(404);
      res.end();
    };
    expect(await storage().head('s3://bkt/missing')).toBeUndefined();
    await storage().delete('s3://bkt/missing');
  });

  it('cuts the range out itself when a store ignores Range', async () => {
    handler = (req, res) => {
      expect(req.headers.range).toBe('bytes=2-4');
      res.writeHead(200, { 'content-length': '10' });
      res.end('0123456789');
    };
    expect(new TextDecoder().decode(await storage().readRange('s3://bkt/k', 2, 3))).toBe('234');
  });

  it('deletes in batches of 1000 and reports per-key failures other than NoSuchKey', async () => {
    const batches: number[] = [];
    handler = (req, res) => {
      const keys = [...req.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!);
      batches.push(keys.length);
      const errors = keys
        .filter((k) => k.endsWith('/locked') || k.endsWith('/gone'))
        .map((k) => `<Error><Key>${k}</Key><Code>${k.endsWith('/locked') ? 'AccessDenied' : 'NoSuchKey'}</Code><Message>no</Message></Error>`)
        .join('');
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><DeleteResult>${errors}</DeleteResult>`);
    };
    const keys = Array.from({ length: 2500 }, (_, i) => `s3://bkt/d/${i}`);
    await storage().deleteMany([...keys, 's3://bkt/d/gone']);
    expect(batches.sort((a, b) => a - b)).toEqual([501, 1000, 1000]);
    expect(seen.every((s) => s.method === 'POST' && s.url.includes('delete'))).toBe(true);

    const err = await rejected(storage().deleteMany(['s3://bkt/d/1', 's3://bkt/d/locked']));
    expect(err.code).toBe('STORAGE_ERROR');
    expect(err.message).toMatch(/d\/locked: AccessDenied/);
  });
});
