/**
 * Capturing the LakeError an operation fails with, so a test can check its code and message. Any
 * other outcome (no error, or an error that is not a LakeError) fails the test.
 */
import { LakeError } from '../../src/errors.js';

/** The LakeError `f` throws. */
export function thrown(f: () => unknown): LakeError {
  try {
    f();
  } catch (e) {
    if (e instanceof LakeError) return e;
    throw new Error(`expected a LakeError, got ${String(e)}`);
  }
  throw new Error('expected a LakeError, nothing was thrown');
}

/** The LakeError `p` rejects with. */
export async function rejected(p: Promise<unknown>): Promise<LakeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LakeError) return e;
    throw new Error(`expected a LakeError, got ${String(e)}`);
  }
  throw new Error('expected a LakeError, the promise resolved');
}
