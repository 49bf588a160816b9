/**
 * The MinIO server of the test rig: built once from a pinned commit with `go install` into
 * `.cache/minio/<version>/minio`, started per test run on a free 127.0.0.1 port with a temp data dir
 * and generated credentials, stopped (and its data dir removed) at the end of the run.
 *
 * A small shell watchdog sits between the test process and MinIO: if the test process dies without
 * running its teardown, MinIO is stopped within a second instead of lingering.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, withCacheLock } from './cache.js';

const run = promisify(execFile);

export const MINIO_MODULE = 'github.com/minio/minio';
/** The newest MinIO commit, 7aac2a2c5b7c of 2026-02-12, as a Go pseudo-version. */
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';

export function minioBinaryPath(): string {
  return cacheDir('minio', MINIO_VERSION, 'minio');
}

/** Builds the pinned MinIO with `go install` unless it is cached; returns the binary's path. */
export async function ensureMinioBinary(log: (line: string) => void = () => {}): Promise<string> {
  const binary = minioBinaryPath();
  if (existsSync(binary)) return binary;
  return withCacheLock(`minio-${MINIO_VERSION}`, async () => {
    if (existsSync(binary)) return binary; // built by another run while we waited
    try {
      await run('go', ['version']);
    } catch (e) {
      throw new Error(
        `the Go toolchain (go >= 1.24) is needed to build MinIO for the S3 tests, and 'go version' failed: ${(e as Error).message}`,
      );
    }
    const t0 = Date.now();
    log(`building MinIO ${MINIO_MODULE}@${MINIO_VERSION} with go install ... (first run, ~4 min)`);
    // Build into a fresh folder and rename it into place, so a half-built binary is never used.
    const staging = `${path.dirname(binary)}.tmp-${process.pid}`;
    await fs.rm(staging, { recursive: true, force: true });
    await fs.mkdir(staging, { recursive: true });
    try {
      await run('go', ['install', `${MINIO_MODULE}@${MINIO_VERSION}`], {
        env: { ...process.env, GOBIN: staging, GOFLAGS: [process.env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' ') },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 30 * 60_000,
      });
      await fs.rm(path.dirname(binary), { recursive: true, force: true });
      await fs.rename(staging, path.dirname(binary));
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      const tail = (err.stderr ?? '').trim().split('\n').slice(-25).join('\n');
      throw new Error(`go install ${MINIO_MODULE}@${MINIO_VERSION} failed: ${err.message.split('\n')[0]}\n${tail}`);
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
    log(`MinIO built in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${binary}`);
    return binary;
  });
}

export interface MinioServer {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

const WATCHDOG = `
parent=$1; shift
"$@" &
child=$!
stop() { kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0; }
trap stop TERM INT HUP
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1 & wait $!; done
if kill -0 "$child" 2>/dev/null; then
  kill -TERM "$child" 2>/dev/null; wait "$child"; rm -rf "$LAKE_MINIO_ROOT"; exit 0
fi
wait "$child"
`;

/** Starts MinIO on a free loopback port; resolves once it answers its readiness check. */
export async function startMinio(binary: string, log: (line: string) => void = () => {}): Promise<MinioServer> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(binary, log);
    } catch (e) {
      lastError = e;
      // A port taken between probing and binding is the one failure worth another try.
      if (!/address already in use|bind/i.test((e as Error).message)) break;
    }
  }
  throw lastError;
}

async function startOnce(binary: string, log: (line: string) => void): Promise<MinioServer> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-minio-'));
  const dataDir = path.join(root, 'data');
  const certsDir = path.join(root, 'certs');
  await fs.mkdir(dataDir);
  await fs.mkdir(certsDir);
  const port = await freePort();
  const consolePort = await freePort();
  const accessKeyId = `lake${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('hex');
  const endpoint = `http://127.0.0.1:${port}`;

  const child = spawn(
    'bash',
    [
      '-c',
      WATCHDOG,
      'minio-watchdog',
      String(process.pid),
      binary,
      'server',
      dataDir,
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      '--certs-dir',
      certsDir,
      '--quiet',
    ],
    {
      env: {
        ...process.env,
        MINIO_ROOT_USER: accessKeyId,
        MINIO_ROOT_PASSWORD: secretAccessKey,
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
        MINIO_CI_CD: 'on',
        LAKE_MINIO_ROOT: root,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = `exit code ${code ?? signal}`;
      resolve();
    });
  });

  const cleanup = async () => {
    await stopProcess(child, exit);
    await fs.rm(root, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      await cleanup();
      throw new Error(`MinIO exited during start-up (${exited}):\n${output.trim()}`);
    }
    if (await isReady(endpoint)) break;
    if (Date.now() > deadline) {
      await cleanup();
      throw new Error(`MinIO did not become ready within 60 s on ${endpoint}:\n${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`MinIO ${MINIO_VERSION} listening on ${endpoint} (data in ${dataDir})`);

  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    region: 'us-east-1',
    accessKeyId,
    secretAccessKey,
    stop: () => (stopped ??= cleanup()),
  };
}

async function stopProcess(child: ChildProcess, exit: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 15_000)));
  const outcome = await Promise.race([exit, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    child.kill('SIGKILL');
    await exit;
  }
}

async function isReady(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/minio/health/ready`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** A port the kernel just handed out on 127.0.0.1 (free now; taken again by whoever binds first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
