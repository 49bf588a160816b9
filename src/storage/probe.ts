/**
 * The conditional-write probe. lake's commit point is `writeIfAbsent`; a store that silently ignores
 * `If-None-Match: *` would let two writers both "win" a commit and lose data. Such stores exist
 * (older MinIO releases, some S3 emulators and gateways), so before trusting a store lake creates a
 * fresh probe object twice: the second create must fail with ALREADY_EXISTS.
 */
import { randomUUID } from 'node:crypto';
import { LakeError, isLakeError } from '../errors.js';
import { joinLocation } from './location.js';
import type { Storage } from './storage.js';

/** Results per store id (endpoint + bucket); rejected results stay cached, transient failures do not. */
const verdicts = new Map<string, Promise<void>>();

export const PROBE_KEY_PREFIX = '.lake-conditional-write-probe-';

/**
 * Checks once per store that `writeIfAbsent` really refuses to overwrite, by writing a probe object
 * under `prefix` twice. Throws `CONDITIONAL_WRITES_UNSUPPORTED` when the second write also succeeds.
 * The probe object is deleted afterwards.
 */
export function probeConditionalWrites(storage: Storage, prefix: string): Promise<void> {
  const id = storage.storeId(prefix);
  let verdict = verdicts.get(id);
  if (!verdict) {
    verdict = runProbe(storage, prefix, id);
    verdicts.set(id, verdict);
    verdict.catch((e: unknown) => {
      if (!isLakeError(e, 'CONDITIONAL_WRITES_UNSUPPORTED')) verdicts.delete(id);
    });
  }
  return verdict;
}

/** Forgets cached probe results (tests; or after a store was reconfigured). */
export function clearConditionalWriteProbeCache(): void {
  verdicts.clear();
}

async function runProbe(storage: Storage, prefix: string, id: string): Promise<void> {
  const probe = joinLocation(prefix, `${PROBE_KEY_PREFIX}${randomUUID()}`);
  try {
    try {
      await storage.writeIfAbsent(probe, 'first');
    } catch (e) {
      if (isLakeError(e, 'ALREADY_EXISTS')) {
        throw new LakeError('STORAGE_ERROR', `conditional-write probe: a fresh probe object already existed at ${probe}`, {
          context: { location: probe },
        });
      }
      throw e;
    }
    try {
      await storage.writeIfAbsent(probe, 'second');
    } catch (e) {
      if (isLakeError(e, 'ALREADY_EXISTS')) return;
      throw e;
    }
    throw new LakeError(
      'CONDITIONAL_WRITES_UNSUPPORTED',
      `the object store at ${id} ignores If-None-Match: a second create of ${probe} succeeded. ` +
        'lake requires conditional writes (PUT with If-None-Match: *) for safe commits; use a store that supports them ' +
        '(AWS S3, a current MinIO, Cloudflare R2, ...).',
      { context: { store: id, location: probe } },
    );
  } finally {
    await storage.delete(probe).catch(() => {});
  }
}
