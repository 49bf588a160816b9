/**
 * Capturing the LakeError an operation fails with, so a test can check its code and message. Any
 * other outcome (no error, or an error that is not a LakeError) fails the test.
 */
import { LakeError } from '../../src/errors.js';

/** The LakeError `f` throws; `what` names the case in the message of a failed test. */
export function thrown(f: () => unknown, what?: string): LakeError {
  try {
    f();
  } catch (e) {
    if (e instanceof LakeError) return e;
    throw new Error(`${prefix(what)}expected a LakeError, got ${String(e)}`);
  }
  throw new Error(`${prefix(what)}expected a LakeError, nothing was thrown`);
}

/** The LakeError `p` rejects with; `what` names the case in the message of a failed test. */
export async function rejected(p: Promise<unknown>, what?: string): Promise<LakeError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LakeError) return e;
    throw new Error(`${prefix(what)}expected a LakeError, got ${String(e)}`);
  }
  throw new Error(`${prefix(what)}expected a LakeError, the promise resolved`);
}

function prefix(what: string | undefined): string {
  return what === undefined ? '' : `${what}: `;
}
