/**
 * Global test setup: starts the real services the suites need, in parallel, and hands their details
 * to test files through `provide`/`inject`:
 * - `lakeS3`: a MinIO server built from a pinned commit and started on a free loopback port (or the
 *   S3 server named by `LAKE_TEST_S3_ENDPOINT`), with a bucket, verified to enforce conditional writes;
 * - `lakePython`: the PyIceberg virtualenv in `.cache/venv`.
 * A part that cannot be set up is reported here and makes every test that needs it fail with the
 * reason; nothing is skipped silently.
 */
import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { TestProject } from 'vitest/node';
import { probeConditionalWrites } from '../../src/storage/probe.js';
import { S3Storage, closeSharedS3Clients } from '../../src/storage/s3.js';
import { MINIO_VERSION, ensureMinioBinary, startMinio, type MinioServer } from './minio.js';
import { ensurePythonVenv, type PythonRigState } from './pyiceberg.js';
import type { S3Connection, S3RigState } from './s3.js';

const log = (line: string) => process.stdout.write(`[test setup] ${line}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  // The SDK warns on every process that Node 20 support ends in 2027; the warning says nothing about the tests.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let minio: MinioServer | undefined;

  const s3 = (async (): Promise<S3Connection> => {
    const external = process.env.LAKE_TEST_S3_ENDPOINT;
    let conn: S3Connection;
    if (external) {
      const accessKeyId = process.env.LAKE_TEST_S3_ACCESS_KEY ?? process.env.AWS_ACCESS_KEY_ID;
      const secretAccessKey = process.env.LAKE_TEST_S3_SECRET_KEY ?? process.env.AWS_SECRET_ACCESS_KEY;
      if (!accessKeyId || !secretAccessKey) {
        throw new Error('LAKE_TEST_S3_ENDPOINT is set but LAKE_TEST_S3_ACCESS_KEY / LAKE_TEST_S3_SECRET_KEY are not');
      }
      conn = {
        endpoint: external,
        region: process.env.LAKE_TEST_S3_REGION ?? 'us-east-1',
        accessKeyId,
        secretAccessKey,
        bucket: process.env.LAKE_TEST_S3_BUCKET ?? 'lake-test',
        server: 'external',
      };
      log(`using the S3 server at ${external} (LAKE_TEST_S3_ENDPOINT), bucket ${conn.bucket}`);
    } else {
      const binary = await ensureMinioBinary(log);
      minio = await startMinio(binary, log);
      conn = {
        endpoint: minio.endpoint,
        region: minio.region,
        accessKeyId: minio.accessKeyId,
        secretAccessKey: minio.secretAccessKey,
        bucket: 'lake-test',
        server: `minio ${MINIO_VERSION}`,
      };
    }
    await ensureBucket(conn);
    // Never trust a server that would let two writers both win a commit.
    const storage = new S3Storage({
      endpoint: conn.endpoint,
      region: conn.region,
      credentials: { accessKeyId: conn.accessKeyId, secretAccessKey: conn.secretAccessKey },
      forcePathStyle: true,
    });
    await probeConditionalWrites(storage, `s3://${conn.bucket}/lake-test`);
    log(`S3 server ${conn.endpoint} rejects a second If-None-Match: * PUT (conditional writes verified)`);
    return conn;
  })();

  const python = ensurePythonVenv(log);

  const [s3Result, pythonResult] = await Promise.allSettled([s3, python]);
  closeSharedS3Clients(); // the setup's own connections; test files make their own

  let s3State: S3RigState;
  if (s3Result.status === 'fulfilled') {
    s3State = { ok: true, ...s3Result.value };
  } else {
    s3State = { ok: false, error: errorText(s3Result.reason) };
    await minio?.stop();
    minio = undefined;
    loud('the S3 server could not be set up; every S3 test will fail', s3State.error);
  }
  let pythonState: PythonRigState;
  if (pythonResult.status === 'fulfilled') {
    pythonState = { ok: true, ...pythonResult.value };
    log(`PyIceberg ${pythonResult.value.versions.pyiceberg}, pyarrow ${pythonResult.value.versions.pyarrow} in ${pythonResult.value.python}`);
  } else {
    pythonState = { ok: false, error: errorText(pythonResult.reason) };
    loud('the PyIceberg virtualenv could not be set up; every PyIceberg test will fail', pythonState.error);
  }
  project.provide('lakeS3', s3State);
  project.provide('lakePython', pythonState);
  log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  return async () => {
    await minio?.stop();
  };
}

async function ensureBucket(conn: S3Connection): Promise<void> {
  const client = new S3Client({
    endpoint: conn.endpoint,
    region: conn.region,
    credentials: { accessKeyId: conn.accessKeyId, secretAccessKey: conn.secretAccessKey },
    forcePathStyle: true,
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: conn.bucket }));
  } catch (e) {
    if (!(e instanceof BucketAlreadyOwnedByYou) && !(e instanceof BucketAlreadyExists)) {
      throw new Error(`could not create bucket ${conn.bucket} on ${conn.endpoint}: ${errorText(e)}`);
    }
  } finally {
    client.destroy();
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function loud(title: string, detail: string): void {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n[test setup] ${title}:\n${detail}\n${bar}\n\n`);
}
