/**
 * Running the built `lake` command (`node dist/cli/main.js`) in tests: the build is checked to be
 * newer than every source file (and redone when it is not, as `npm test` does before the tests),
 * each run is a real child process, and table folders can be fingerprinted to prove that a
 * failed command changed nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, withCacheLock } from '../support/cache.js';

export const ROOT = repoRoot();
export const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');
export const DEMO = path.join(ROOT, 'dist', 'cli', 'demo.js');

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  if (!existsSync(MAIN) || !existsSync(DEMO)) return false;
  const built = Math.min(statSync(MAIN).mtimeMs, statSync(path.join(ROOT, 'dist', 'catalog', 'index.js')).mtimeMs);
  const sources = Math.max(...['src', 'catalog', 'cli'].map((d) => newestMtime(path.join(ROOT, d))));
  return built >= sources;
}

/** Makes sure dist/ holds a build of the current sources (the CLI tests run the built command). */
export async function ensureBuilt(): Promise<void> {
  if (isFresh()) return;
  await withCacheLock('dist-build', async () => {
    if (isFresh()) return;
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    // Type errors elsewhere in the tree do not stop tsc from emitting; a missing output does.
    spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json')], { encoding: 'utf8', cwd: ROOT });
    if (!existsSync(MAIN)) throw new Error(`building the project did not produce ${MAIN}`);
  });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

/** Runs `node dist/cli/main.js ...args` and collects its output. */
export function runLake(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runNode([MAIN, ...args], options);
}

export function runNode(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    // The tests choose the warehouse explicitly; an inherited one must not leak in.
    if (options.env?.LAKE_WAREHOUSE === undefined) delete env.LAKE_WAREHOUSE;
    const child = spawn(process.execPath, [...args], { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A lake command bound to one warehouse (given after the command name, as the contract says). */
export function lakeIn(warehouse: string, options: RunOptions = {}): (...args: string[]) => Promise<RunResult> {
  return (...args) => runLake([...args, '--warehouse', warehouse], options);
}

/** Like `lakeIn`, but fails the test unless the command succeeded; returns stdout. */
export function okIn(warehouse: string, options: RunOptions = {}): (...args: string[]) => Promise<string> {
  const lake = lakeIn(warehouse, options);
  return async (...args) => {
    const r = await lake(...args);
    if (r.code !== 0) throw new Error(`lake ${args.join(' ')} exited with ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
}

export async function tempDir(prefix = 'lake-cli-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * Every file under a folder with a hash of its bytes: equal fingerprints mean the folder is
 * byte-for-byte unchanged (no file added, removed or rewritten).
 */
export async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[path.relative(dir, p)] = createHash('sha256').update(await fs.readFile(p)).digest('hex');
    }
  };
  if (existsSync(dir)) await walk(dir);
  return out;
}

/** The shape every error must have: one line, `error <CODE>: <message> — <what to do>`, no stack trace. */
export function expectOneLineError(r: RunResult, code: string): void {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected one stderr line, got ${lines.length}:\n${r.stderr}`);
  const m = /^error ([A-Z_]+): (.+) — (.+)$/.exec(lines[0]!);
  if (m === null) throw new Error(`stderr line does not look like "error CODE: message — what to do": ${lines[0]}`);
  if (m[1] !== code) throw new Error(`expected error ${code}, got ${m[1]}: ${lines[0]}`);
  if (/\n\s+at /.test(r.stderr)) throw new Error(`stderr holds a stack trace:\n${r.stderr}`);
}
