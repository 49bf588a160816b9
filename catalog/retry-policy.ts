/**
 * Waiting between commit attempts: exponential backoff with jitter, bounded by the table's
 * `commit.retry.*` properties (defaults: 4 retries, 100 ms min, 60 s max, 30 min total).
 */
import { type CommitRetrySettings, commitRetrySettings } from '../src/spec/properties.js';

export type { CommitRetrySettings };

/** The table's retry settings, with caller overrides. */
export function retrySettings(properties: Readonly<Record<string, string>>, overrides: Partial<CommitRetrySettings> = {}): CommitRetrySettings {
  return { ...commitRetrySettings(properties), ...overrides };
}

/**
 * Wait before retry `retry` (1 for the first retry): `min * 2^(retry-1)` capped at `max`, plus a
 * random jitter of up to half of that, capped at `max` again. Never below `min-wait-ms`; the jitter
 * spreads writers that lost the same race, so they do not collide again on the next attempt.
 */
export function retryDelayMs(settings: CommitRetrySettings, retry: number, random: () => number = Math.random): number {
  const base = Math.min(settings.maxWaitMs, settings.minWaitMs * 2 ** Math.max(0, retry - 1));
  return Math.min(settings.maxWaitMs, Math.round(base * (1 + 0.5 * random())));
}
