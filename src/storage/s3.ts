/**
 * S3 and S3-compatible storage (AWS S3, MinIO, R2, Ceph, ...) on @aws-sdk/client-s3.
 *
 * - `writeIfAbsent` is `PutObject` with `If-None-Match: *`, sent exactly once by a client without
 *   SDK retries: a retried conditional PUT whose first attempt landed would come back 412 and turn a
 *   success into a false "already exists". Only failures that certainly happened before the request
 *   left (connection refused, DNS) are retried here.
 * - Large objects stream through multipart upload with at most `uploadConcurrency` parts in flight,
 *   so memory stays near `(uploadConcurrency + 1) * partSize` whatever the object size.
 * - Checksums are only sent when an operation requires them: many S3-compatible stores reject the
 *   SDK's default streaming checksum trailers.
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { LakeError } from '../errors.js';
import { parseS3Location, type S3Location } from './location.js';
import { checkRange, chunksOf, toBytes } from './source.js';
import type { ObjectInfo, Storage, StreamSource, WriteSource } from './storage.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ConnectionOptions {
  /** Endpoint URL of an S3-compatible store, e.g. `http://127.0.0.1:9000`; AWS S3 when absent. */
  endpoint?: string;
  region?: string;
  /** Static credentials; without them the SDK's default chain (env, profile, instance role) is used. */
  credentials?: S3Credentials;
  /** Path-style addressing (`endpoint/bucket/key`); defaults to true when `endpoint` is set. */
  forcePathStyle?: boolean;
}

export interface S3StorageOptions extends S3ConnectionOptions {
  /** Multipart part size in bytes (default 8 MiB, at least 5 MiB as S3 requires). */
  partSize?: number;
  /** Parts uploaded at once by one streaming write (default 4). */
  uploadConcurrency?: number;
  /** `write` of a buffer larger than this goes multipart (default 64 MiB). */
  multipartThreshold?: number;
  /** Abandon a connection attempt after this long (default 10 s). */
  connectionTimeoutMs?: number;
  /** Abandon a request whose socket stays idle this long (default 120 s). */
  socketTimeoutMs?: number;
  /** SDK attempts for requests that are safe to repeat (default 3). Conditional writes are sent once. */
  maxAttempts?: number;
  /** Sockets per endpoint (default 64). */
  maxSockets?: number;
}

const MiB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MiB;
const MAX_PARTS = 10_000;

/** Fills unset S3 connection settings from the standard AWS environment variables. */
export function resolveS3Options<T extends S3ConnectionOptions>(options: T = {} as T, env: NodeJS.ProcessEnv = process.env): T {
  const endpoint = options.endpoint ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  const region = options.region ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? 'us-east-1';
  let credentials = options.credentials;
  const keyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secret = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (!credentials && keyId && secret) {
    credentials = { accessKeyId: keyId, secretAccessKey: secret, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  const forcePathStyle = options.forcePathStyle ?? endpoint !== undefined;
  return { ...options, endpoint, region, credentials, forcePathStyle };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

interface ClientPair {
  /** SDK retries on: for requests that are safe to repeat. */
  retrying: S3Client;
  /** One attempt per call: for conditional writes. */
  once: S3Client;
}

const clients = new Map<string, ClientPair>();

/** One pair of clients (and one socket pool) per endpoint configuration, shared by all S3Storage instances. */
function clientsFor(o: S3StorageOptions): ClientPair {
  const key = JSON.stringify([
    o.endpoint,
    o.region,
    o.forcePathStyle,
    o.credentials?.accessKeyId,
    o.credentials && createHash('sha256').update(`${o.credentials.secretAccessKey}\0${o.credentials.sessionToken ?? ''}`).digest('hex'),
    o.connectionTimeoutMs,
    o.socketTimeoutMs,
    o.maxAttempts,
    o.maxSockets,
  ]);
  let pair = clients.get(key);
  if (!pair) {
    const agent = { keepAlive: true, maxSockets: o.maxSockets ?? 64 };
    const base = {
      region: o.region,
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
      forcePathStyle: o.forcePathStyle ?? false,
      followRegionRedirects: true,
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
      requestHandler: {
        connectionTimeout: o.connectionTimeoutMs ?? 10_000,
        socketTimeout: o.socketTimeoutMs ?? 120_000,
        httpAgent: agent,
        httpsAgent: agent,
      },
    };
    pair = {
      retrying: new S3Client({ ...base, maxAttempts: o.maxAttempts ?? 3 }),
      once: new S3Client({ ...base, maxAttempts: 1 }),
    };
    clients.set(key, pair);
  }
  return pair;
}

/**
 * Closes the shared clients and their keep-alive sockets, so a process can exit promptly. Call it
 * when done with S3: S3Storage instances made before must not be used afterwards (new ones may).
 */
export function closeSharedS3Clients(): void {
  for (const pair of clients.values()) {
    pair.retrying.destroy();
    pair.once.destroy();
  }
  clients.clear();
}

export class S3Storage implements Storage {
  readonly scheme = 's3' as const;
  readonly options: Readonly<S3StorageOptions>;
  private readonly client: S3Client;
  private readonly onceClient: S3Client;
  private readonly partSize: number;
  private readonly uploadConcurrency: number;
  private readonly multipartThreshold: number;

  constructor(options: S3StorageOptions = {}) {
    this.options = resolveS3Options(options);
    const pair = clientsFor(this.options);
    this.client = pair.retrying;
    this.onceClient = pair.once;
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? 8 * MiB);
    this.uploadConcurrency = Math.max(1, options.uploadConcurrency ?? 4);
    this.multipartThreshold = Math.max(this.partSize, options.multipartThreshold ?? 64 * MiB);
  }

  localPath(): string | undefined {
    return undefined;
  }

  storeId(location: string): string {
    const { bucket } = parseS3Location(location);
    return `s3|${this.options.endpoint ?? `aws:${this.options.region}`}|${bucket}`;
  }

  async read(location: string): Promise<Uint8Array> {
    const { bucket, key } = objectLocation(location);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    } catch (e) {
      throw classify(e, 'read', location);
    }
  }

  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(location, offset, length);
    const { bucket, key } = objectLocation(location);
    if (length === 0) {
      if (!(await this.head(location))) throw notFound(location);
      return new Uint8Array(0);
    }
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${offset}-${offset + length - 1}` }),
      );
      const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
      // A store that ignores Range answers with the whole object: cut the range out ourselves.
      if (out.ContentRange === undefined && bytes.length > length) {
        return bytes.slice(Math.min(offset, bytes.length), Math.min(offset + length, bytes.length));
      }
      return bytes;
    } catch (e) {
      // 416: the range starts at or past the end of an existing object.
      if (statusOf(e) === 416) return new Uint8Array(0);
      throw classify(e, 'read', location);
    }
  }

  async write(location: string, data: WriteSource): Promise<void> {
    const bytes = toBytes(data);
    if (bytes.length > this.multipartThreshold) {
      await this.writeStream(location, slices(bytes, this.partSize));
      return;
    }
    const { bucket, key } = objectLocation(location);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
    } catch (e) {
      throw classify(e, 'write', location);
    }
  }

  async writeIfAbsent(location: string, data: WriteSource): Promise<void> {
    const bytes = toBytes(data);
    const { bucket, key } = objectLocation(location);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.onceClient.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length, IfNoneMatch: '*' }),
        );
        return;
      } catch (e) {
        const err = classify(e, 'create', location);
        if (attempt < 3 && isNotSent(e)) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        throw err;
      }
    }
  }

  async writeStream(location: string, source: StreamSource): Promise<{ size: number }> {
    const target = objectLocation(location);
    let upload: MultipartUpload | undefined;
    let part = new Uint8Array(this.partSize);
    let filled = 0;
    let size = 0;
    try {
      for await (const chunk of chunksOf(source)) {
        let at = 0;
        while (at < chunk.length) {
          const take = Math.min(chunk.length - at, part.length - filled);
          part.set(chunk.subarray(at, at + take), filled);
          filled += take;
          at += take;
          if (filled === part.length) {
            upload ??= await MultipartUpload.start(this.client, target, location, this.uploadConcurrency);
            await upload.add(part);
            // Parts may grow so that huge objects stay within S3's 10,000-part limit.
            part = new Uint8Array(this.partSize * 2 ** Math.floor(upload.partCount / 2000));
            filled = 0;
          }
        }
        size += chunk.length;
      }
      if (!upload) {
        const body = part.subarray(0, filled);
        try {
          await this.client.send(
            new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: body, ContentLength: body.length }),
          );
        } catch (e) {
          throw classify(e, 'write', location);
        }
        return { size };
      }
      if (filled > 0) await upload.add(part.subarray(0, filled));
      await upload.complete();
      return { size };
    } catch (e) {
      await upload?.abort();
      throw e;
    }
  }

  async head(location: string): Promise<ObjectInfo | undefined> {
    const { bucket, key } = objectLocation(location);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        location,
        size: out.ContentLength ?? 0,
        ...(out.LastModified ? { lastModified: out.LastModified } : {}),
        ...(out.ETag ? { etag: out.ETag } : {}),
      };
    } catch (e) {
      const err = classify(e, 'read', location);
      if (err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  async exists(location: string): Promise<boolean> {
    return (await this.head(location)) !== undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const { uriScheme, bucket, key: keyPrefix } = parseS3Location(prefix);
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, ...(token ? { ContinuationToken: token } : {}) }),
        );
      } catch (e) {
        throw classify(e, 'list', prefix);
      }
      for (const obj of out.Contents ?? []) {
        if (obj.Key === undefined) continue;
        yield {
          location: `${uriScheme}://${bucket}/${obj.Key}`,
          size: obj.Size ?? 0,
          ...(obj.LastModified ? { lastModified: obj.LastModified } : {}),
          ...(obj.ETag ? { etag: obj.ETag } : {}),
        };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(location: string): Promise<void> {
    const { bucket, key } = objectLocation(location);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (e) {
      const err = classify(e, 'delete', location);
      if (err.code !== 'NOT_FOUND') throw err;
    }
  }

  async deleteMany(locations: Iterable<string>): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const l of locations) {
      const { bucket, key } = objectLocation(l);
      let keys = byBucket.get(bucket);
      if (!keys) byBucket.set(bucket, (keys = []));
      keys.push(key);
    }
    const limit = pLimit(4);
    const batches: Promise<void>[] = [];
    for (const [bucket, keys] of byBucket) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        batches.push(limit(() => this.deleteBatch(bucket, batch)));
      }
    }
    await Promise.all(batches);
  }

  private async deleteBatch(bucket: string, keys: string[]): Promise<void> {
    const where = `s3://${bucket}/${keys[0]} (+${keys.length - 1} more)`;
    let out;
    try {
      out = await this.client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
      );
    } catch (e) {
      throw classify(e, 'delete', where);
    }
    const errors = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
    if (errors.length > 0) {
      const first = errors[0]!;
      throw new LakeError(
        'STORAGE_ERROR',
        `S3 delete failed for ${errors.length} of ${keys.length} objects, first s3://${bucket}/${first.Key}: ${first.Code} ${first.Message ?? ''}`.trim(),
        { retryable: errors.some((e) => e.Code === 'InternalError' || e.Code === 'SlowDown'), context: { bucket, failed: errors.map((e) => e.Key) } },
      );
    }
  }
}

/** One multipart upload: parts go up with bounded concurrency; any failure aborts the whole upload. */
class MultipartUpload {
  private readonly parts: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  partCount = 0;

  private constructor(
    private readonly client: S3Client,
    private readonly target: S3Location,
    private readonly location: string,
    private readonly uploadId: string,
    private readonly concurrency: number,
  ) {}

  static async start(client: S3Client, target: S3Location, location: string, concurrency: number): Promise<MultipartUpload> {
    let out;
    try {
      out = await client.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key }));
    } catch (e) {
      throw classify(e, 'write', location);
    }
    if (!out.UploadId) throw new LakeError('STORAGE_ERROR', `S3 returned no upload id for ${location}`, { context: { location } });
    return new MultipartUpload(client, target, location, out.UploadId, concurrency);
  }

  /** Queues a part; resolves once there is room for the next one. The caller must not reuse `body`. */
  async add(body: Uint8Array): Promise<void> {
    this.throwIfFailed();
    const partNumber = ++this.partCount;
    if (partNumber > MAX_PARTS) {
      throw new LakeError('STORAGE_ERROR', `object too large for a multipart upload: ${this.location}`, {
        context: { location: this.location },
      });
    }
    const task = this.client
      .send(
        new UploadPartCommand({
          Bucket: this.target.bucket,
          Key: this.target.key,
          UploadId: this.uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
        }),
      )
      .then((out) => {
        this.parts.push({ PartNumber: partNumber, ETag: out.ETag });
      })
      .catch((e: unknown) => {
        this.failure ??= classify(e, 'write', this.location);
      })
      .finally(() => {
        this.inFlight.delete(task);
      });
    this.inFlight.add(task);
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  async complete(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    this.parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.target.bucket,
          Key: this.target.key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: this.parts },
        }),
      );
    } catch (e) {
      throw classify(e, 'write', this.location);
    }
  }

  /** Best effort: an upload left behind only costs storage until the bucket's lifecycle rules clear it. */
  async abort(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.target.key, UploadId: this.uploadId }))
      .catch(() => {});
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

function objectLocation(location: string): S3Location {
  const parsed = parseS3Location(location);
  if (parsed.key === '' || parsed.key.endsWith('/')) {
    throw new LakeError('INVALID_INPUT', `not an object location: ${location}`, { context: { location } });
  }
  return parsed;
}

async function* slices(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function notFound(location: string, cause?: unknown): LakeError {
  return new LakeError('NOT_FOUND', `object not found: ${location}`, { context: { location }, ...(cause ? { cause } : {}) });
}

interface ErrorFacts {
  status: number | undefined;
  name: string;
  errno: string | undefined;
  message: string;
}

function facts(e: unknown): ErrorFacts {
  const o = (typeof e === 'object' && e !== null ? e : {}) as {
    $metadata?: { httpStatusCode?: number };
    name?: unknown;
    code?: unknown;
    Code?: unknown;
    message?: unknown;
  };
  return {
    status: o.$metadata?.httpStatusCode,
    name: typeof o.name === 'string' ? o.name : typeof o.Code === 'string' ? o.Code : 'Error',
    errno: typeof o.code === 'string' ? o.code : undefined,
    message: typeof o.message === 'string' ? o.message : String(e),
  };
}

function statusOf(e: unknown): number | undefined {
  return facts(e).status;
}

const NOT_SENT_ERRNOS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** True when a request certainly never reached the server (so it certainly did not take effect). */
function isNotSent(e: unknown): boolean {
  const f = facts(e);
  if (f.status !== undefined) return false;
  if (f.errno !== undefined && NOT_SENT_ERRNOS.has(f.errno)) return true;
  return f.name === 'TimeoutError' && /without establishing a connection/i.test(f.message);
}

type Operation = 'read' | 'list' | 'delete' | 'write' | 'create';

/** Maps an SDK or network error to a LakeError per the guarantees of the Storage interface. */
function classify(e: unknown, op: Operation, location: string): LakeError {
  if (e instanceof LakeError) return e;
  const f = facts(e);
  const what = `S3 ${op} of ${location} failed: ${f.status ?? f.errno ?? f.name} ${f.name !== 'Error' ? `${f.name}: ` : ''}${f.message}`;
  const context = { location, operation: op, status: f.status, s3Code: f.name, errno: f.errno };
  if (f.name === 'NoSuchBucket') {
    return new LakeError('STORAGE_ERROR', `${what} (the bucket does not exist)`, { context, cause: e });
  }
  if (f.status === 404 || f.name === 'NoSuchKey' || f.name === 'NotFound') return notFound(location, e);
  if (op === 'create') {
    if (f.status === 412 || f.name === 'PreconditionFailed') {
      return new LakeError('ALREADY_EXISTS', `object already exists: ${location}`, { context, cause: e });
    }
    if (f.status === 409) {
      // ConditionalRequestConflict: another conditional write to the key was in flight; this one did not land.
      return new LakeError('STORAGE_ERROR', what, { retryable: true, context, cause: e });
    }
    if (f.status === 501 || f.name === 'NotImplemented') {
      return new LakeError(
        'CONDITIONAL_WRITES_UNSUPPORTED',
        `the S3 store rejects If-None-Match on PUT (${f.status ?? f.name}); lake requires conditional writes: ${location}`,
        { context, cause: e },
      );
    }
  }
  if (f.name === 'CredentialsProviderError' || f.name === 'InvalidAccessKeyId' || f.name === 'SignatureDoesNotMatch') {
    return new LakeError('STORAGE_ERROR', `${what} (check the S3 credentials)`, { context, cause: e });
  }
  if (isNotSent(e)) return new LakeError('STORAGE_ERROR', what, { retryable: true, context, cause: e });
  const ambiguous = f.status === undefined || f.status >= 500;
  if (ambiguous && (op === 'write' || op === 'create')) {
    return new LakeError('OUTCOME_UNKNOWN', `${what}; the object may or may not have been written`, { context, cause: e });
  }
  const retryable = ambiguous || f.status === 429 || f.name === 'SlowDown' || f.name === 'RequestTimeout';
  return new LakeError('STORAGE_ERROR', what, { retryable, context, cause: e });
}
