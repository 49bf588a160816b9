/**
 * The commit benchmark (commit.ts) against a local MinIO: starts the test rig's MinIO
 * (test/support/minio.ts: the binary cached in `.cache/minio`, built with `go install` on first
 * use) on a free loopback port, creates a bucket, sets `LAKE_BENCH_S3_WAREHOUSE` and the AWS_*
 * variables, runs commit.ts's `main` with the same arguments, and stops MinIO.
 *
 *   npm run build && node dist/benchmarks/commit-minio.js [--smoke] [--latency-runs N] [--latency-rows N]
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ensureMinioBinary, startMinio } from '../test/support/minio.js';
import { main as commitMain } from './commit.js';

// The SDK warns that Node 20 support ends in 2027; the warning says nothing about the measurement.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const log = (line: string): void => console.log(line);
  const minio = await startMinio(await ensureMinioBinary(log), log);
  try {
    const bucket = 'lake-bench';
    const client = new S3Client({
      endpoint: minio.endpoint,
      region: minio.region,
      credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
      forcePathStyle: true,
    });
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
    // the writer processes of the contention run inherit these
    Object.assign(process.env, {
      LAKE_BENCH_S3_WAREHOUSE: `s3://${bucket}/commit`,
      AWS_ENDPOINT_URL: minio.endpoint,
      AWS_ENDPOINT_URL_S3: minio.endpoint,
      AWS_REGION: minio.region,
      AWS_ACCESS_KEY_ID: minio.accessKeyId,
      AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
    });
    await commitMain(argv);
  } finally {
    await minio.stop();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
