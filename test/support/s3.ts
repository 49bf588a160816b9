/**
 * The S3 server of a test run, as test files see it. The global setup starts MinIO (or uses the
 * server named by `LAKE_TEST_S3_ENDPOINT`), checks that it enforces conditional writes, and provides
 * the connection; `testS3()` turns it into a fresh, unique prefix and a ready `S3Storage`.
 *
 * If the setup could not provide a server, `testS3()` throws the reason, so every S3 test fails
 * loudly instead of being skipped.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { S3Storage } from '../../src/storage/s3.js';

export interface S3Connection {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** `minio <version>` or `external` */
  server: string;
}

export type S3RigState = ({ ok: true } & S3Connection) | { ok: false; error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    lakeS3: S3RigState;
  }
}

export interface TestS3 extends S3Connection {
  /** A key prefix no other call shares, without trailing slash: `lake-test/<uuid>`. */
  prefix: string;
  /** `s3://<bucket>/<prefix>` */
  root: string;
  /** S3Storage connected with path-style addressing. */
  storage: S3Storage;
  /** AWS_* variables for a child process (a CLI run, a PyIceberg script) to reach the same server. */
  env: Record<string, string>;
}

/** The run's S3 server with a fresh prefix. Throws (failing the test) when the rig has no server. */
export function testS3(): TestS3 {
  const state = inject('lakeS3');
  if (!state) throw new Error('no S3 server was provided: run the tests with test/vitest.config.ts');
  if (!state.ok) throw new Error(`the S3 test server is not available: ${state.error}`);
  const { ok: _ok, ...conn } = state;
  const prefix = `lake-test/${randomUUID()}`;
  return {
    ...conn,
    prefix,
    root: `s3://${conn.bucket}/${prefix}`,
    storage: new S3Storage({
      endpoint: conn.endpoint,
      region: conn.region,
      credentials: { accessKeyId: conn.accessKeyId, secretAccessKey: conn.secretAccessKey },
      forcePathStyle: true,
    }),
    env: {
      AWS_ENDPOINT_URL: conn.endpoint,
      AWS_ENDPOINT_URL_S3: conn.endpoint,
      AWS_REGION: conn.region,
      AWS_ACCESS_KEY_ID: conn.accessKeyId,
      AWS_SECRET_ACCESS_KEY: conn.secretAccessKey,
    },
  };
}
