import { describe, expect, it } from 'vitest';
import { LakeError, isLakeError } from '../src/errors.js';

describe('LakeError', () => {
  it('carries a code, a retryable flag and context', () => {
    const e = new LakeError('COMMIT_CONFLICT', 'lost', { retryable: true, context: { snapshot: '1' } });
    expect(isLakeError(e, 'COMMIT_CONFLICT')).toBe(true);
    expect(isLakeError(e, 'INTERNAL')).toBe(false);
    expect(e.retryable).toBe(true);
    expect(e.context).toEqual({ snapshot: '1' });
    expect(e).toBeInstanceOf(Error);
  });
});
