/**
 * A Storage wrapper that counts calls per method and injects faults by rule. Tests use it to measure
 * "storage requests per commit" and to reproduce the failures the commit protocol must survive: a
 * request that fails before it is sent, a write that lands but whose response is lost, a slow request.
 *
 * Counts are calls of the Storage interface: one `list` call counts once however many pages the
 * backend fetches, and one multipart `writeStream` counts once.
 */
import { LakeError } from '../errors.js';
import type { ObjectInfo, Storage, StreamSource, WriteSource } from './storage.js';

export type StorageMethod =
  | 'read'
  | 'readRange'
  | 'write'
  | 'writeStream'
  | 'writeIfAbsent'
  | 'head'
  | 'exists'
  | 'list'
  | 'delete'
  | 'deleteMany';

export const STORAGE_METHODS: readonly StorageMethod[] = [
  'read',
  'readRange',
  'write',
  'writeStream',
  'writeIfAbsent',
  'head',
  'exists',
  'list',
  'delete',
  'deleteMany',
];

const WRITE_METHODS = new Set<StorageMethod>(['write', 'writeStream', 'writeIfAbsent', 'delete', 'deleteMany']);

export type FaultAction =
  /** Throw before the request reaches the store: nothing happens there. */
  | 'fail'
  /** Perform the request, then throw as if the response was lost (the write has landed). */
  | 'lose-response'
  /** Wait (`delayMs`, or until `wait()` settles), then perform the request normally. */
  | 'delay';

export interface FaultRule {
  action: FaultAction;
  /** Methods the rule applies to (all when absent). */
  method?: StorageMethod | readonly StorageMethod[];
  /** Exact location, pattern or predicate (all locations when absent). `list` matches on its prefix. */
  location?: string | RegExp | ((location: string) => boolean);
  /** Let this many matching requests through before the rule fires (default 0). */
  skip?: number;
  /** How many times the rule fires (default 1; `Infinity` for every match). */
  times?: number;
  /**
   * The error thrown by `fail` and `lose-response`. Defaults: `fail` -> STORAGE_ERROR (retryable);
   * `lose-response` -> OUTCOME_UNKNOWN for writes and deletes, STORAGE_ERROR (retryable) for reads.
   */
  error?: (method: StorageMethod, location: string) => Error;
  /** For `delay`: milliseconds to wait. */
  delayMs?: number;
  /** For `delay`: wait for this instead (lets a test hold a request until another one finished). */
  wait?: () => Promise<unknown>;
}

export interface FaultHandle {
  /** How many times the rule has fired. */
  readonly fired: number;
  remove(): void;
}

export interface StorageCall {
  method: StorageMethod;
  location: string;
  /** `ok`, `error` (the backend failed), or the action of the fault that fired. */
  outcome: 'ok' | 'error' | FaultAction;
}

export interface InstrumentedStorageOptions {
  /** Keep a log of every call in `calls` (default false). */
  record?: boolean;
}

interface ActiveRule {
  rule: FaultRule;
  seen: number;
  fired: number;
  removed: boolean;
}

export class InstrumentedStorage implements Storage {
  readonly scheme: Storage['scheme'];
  readonly counts: Record<StorageMethod, number> = zeroCounts();
  readonly calls: StorageCall[] = [];
  private readonly rules: ActiveRule[] = [];
  private readonly record: boolean;

  constructor(readonly inner: Storage, options: InstrumentedStorageOptions = {}) {
    this.scheme = inner.scheme;
    this.record = options.record ?? false;
  }

  /** Calls of every method since the last reset. */
  get total(): number {
    return STORAGE_METHODS.reduce((n, m) => n + this.counts[m], 0);
  }

  /** Returns the counts so far and starts again from zero. */
  resetCounts(): Record<StorageMethod, number> {
    const before = { ...this.counts };
    for (const m of STORAGE_METHODS) this.counts[m] = 0;
    this.calls.length = 0;
    return before;
  }

  inject(rule: FaultRule): FaultHandle {
    const active: ActiveRule = { rule, seen: 0, fired: 0, removed: false };
    this.rules.push(active);
    return {
      get fired() {
        return active.fired;
      },
      remove: () => {
        active.removed = true;
        const i = this.rules.indexOf(active);
        if (i >= 0) this.rules.splice(i, 1);
      },
    };
  }

  clearFaults(): void {
    for (const r of this.rules) r.removed = true;
    this.rules.length = 0;
  }

  localPath(location: string): string | undefined {
    return this.inner.localPath(location);
  }

  storeId(location: string): string {
    return this.inner.storeId(location);
  }

  read(location: string): Promise<Uint8Array> {
    return this.call('read', location, [location], () => this.inner.read(location));
  }

  readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return this.call('readRange', location, [location], () => this.inner.readRange(location, offset, length));
  }

  write(location: string, data: WriteSource): Promise<void> {
    return this.call('write', location, [location], () => this.inner.write(location, data));
  }

  writeStream(location: string, source: StreamSource): Promise<{ size: number }> {
    return this.call('writeStream', location, [location], () => this.inner.writeStream(location, source));
  }

  writeIfAbsent(location: string, data: WriteSource): Promise<void> {
    return this.call('writeIfAbsent', location, [location], () => this.inner.writeIfAbsent(location, data));
  }

  head(location: string): Promise<ObjectInfo | undefined> {
    return this.call('head', location, [location], () => this.inner.head(location));
  }

  exists(location: string): Promise<boolean> {
    return this.call('exists', location, [location], () => this.inner.exists(location));
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Collect inside the call so a fault applies to the listing as a whole.
    const all = await this.call('list', prefix, [prefix], async () => {
      const out: ObjectInfo[] = [];
      for await (const o of this.inner.list(prefix)) out.push(o);
      return out;
    });
    yield* all;
  }

  delete(location: string): Promise<void> {
    return this.call('delete', location, [location], () => this.inner.delete(location));
  }

  deleteMany(locations: Iterable<string>): Promise<void> {
    const list = [...locations];
    return this.call('deleteMany', list[0] ?? '', list, () => this.inner.deleteMany(list));
  }

  private async call<T>(method: StorageMethod, location: string, matchOn: string[], run: () => Promise<T>): Promise<T> {
    this.counts[method]++;
    const entry: StorageCall | undefined = this.record ? { method, location, outcome: 'ok' } : undefined;
    if (entry) this.calls.push(entry);
    const fault = this.match(method, matchOn);
    if (fault) {
      if (entry) entry.outcome = fault.action;
      if (fault.action === 'fail') throw this.faultError(fault, method, location, 'fail');
      if (fault.action === 'delay') {
        if (fault.wait) await fault.wait();
        else await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 0));
      }
    }
    let result: T;
    try {
      result = await run();
    } catch (e) {
      if (entry && !fault) entry.outcome = 'error';
      throw e;
    }
    if (fault?.action === 'lose-response') throw this.faultError(fault, method, location, 'lose-response');
    return result;
  }

  private match(method: StorageMethod, locations: string[]): FaultRule | undefined {
    for (const active of this.rules) {
      const { rule } = active;
      if (active.removed) continue;
      if (rule.method !== undefined) {
        const methods = typeof rule.method === 'string' ? [rule.method] : rule.method;
        if (!methods.includes(method)) continue;
      }
      if (rule.location !== undefined && !locations.some((l) => matches(rule.location!, l))) continue;
      active.seen++;
      if (active.seen <= (rule.skip ?? 0)) continue;
      if (active.fired >= (rule.times ?? 1)) continue;
      active.fired++;
      return rule;
    }
    return undefined;
  }

  private faultError(rule: FaultRule, method: StorageMethod, location: string, action: 'fail' | 'lose-response'): Error {
    if (rule.error) return rule.error(method, location);
    const context = { location, method, injected: true };
    if (action === 'lose-response' && WRITE_METHODS.has(method)) {
      return new LakeError('OUTCOME_UNKNOWN', `injected fault: the response to ${method} of ${location} was lost`, { context });
    }
    const phase = action === 'fail' ? 'failed before it was sent' : 'lost its response';
    return new LakeError('STORAGE_ERROR', `injected fault: ${method} of ${location} ${phase}`, { retryable: true, context });
  }
}

function matches(pattern: NonNullable<FaultRule['location']>, location: string): boolean {
  if (typeof pattern === 'string') return pattern === location;
  if (pattern instanceof RegExp) return pattern.test(location);
  return pattern(location);
}

function zeroCounts(): Record<StorageMethod, number> {
  return Object.fromEntries(STORAGE_METHODS.map((m) => [m, 0])) as Record<StorageMethod, number>;
}
