/**
 * The git-ignored `.cache/` folder where the test setup keeps what it installs (the MinIO binary,
 * the PyIceberg virtualenv), and a lock so two test runs never build the same thing at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file with a package.json (works from dist/ too). */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export function cacheDir(...parts: string[]): string {
  return path.join(repoRoot(), '.cache', ...parts);
}

/**
 * Runs `fn` holding a lock directory (mkdir is atomic). A lock whose owner process is gone is taken
 * over; a live owner is waited for, up to `timeoutMs`.
 */
export async function withCacheLock<T>(name: string, fn: () => Promise<T>, timeoutMs = 20 * 60_000): Promise<T> {
  const lock = cacheDir(`${name}.lock`);
  await fs.mkdir(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      await fs.mkdir(lock);
      await fs.writeFile(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = lockOwner(lock);
      const stale = owner === undefined ? await olderThan(lock, 30_000) : !isAlive(owner);
      if (stale) {
        await fs.rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by process ${owner ?? '?'})`);
      if (!announced) {
        process.stdout.write(`[test setup] waiting for another test run to finish ${name} (lock ${lock})\n`);
        announced = true;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}

function lockOwner(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // being created right now, or the owner died between mkdir and writing its pid
  }
}

async function olderThan(p: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await fs.stat(p)).mtimeMs > ms;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
