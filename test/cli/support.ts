/**
 * Running the built `lake` command in tests: each run is a real child process of the compiled
 * executable (`node <build>/cli/main.js`, what `node dist/cli/main.js` runs), and table folders
 * can be fingerprinted to prove that a failed command changed nothing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheDir, repoRoot, withCacheLock } from '../support/cache.js';

export const ROOT = repoRoot();

/**
 * The build the tests run. Other work in the same tree may rebuild dist/ at any moment (a tsc run
 * rewrites every file), so the tests run a build of their own: the project compiled once per
 * state of the sources into `.cache/cli-build/<hash>`, exactly as `npm run build` compiles it
 * into dist/.
 */
let buildDir: string | undefined;

export function mainJs(): string {
  if (buildDir === undefined) throw new Error('call ensureBuilt() first (in beforeAll)');
  return path.join(buildDir, 'cli', 'main.js');
}

export function demoJs(): string {
  if (buildDir === undefined) throw new Error('call ensureBuilt() first (in beforeAll)');
  return path.join(buildDir, 'cli', 'demo.js');
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) hash.update(p).update(readFileSync(p));
    }
  };
  for (const d of ['src', 'catalog', 'compaction', 'cli']) walk(path.join(ROOT, d));
  hash.update(readFileSync(path.join(ROOT, 'tsconfig.json')));
  return hash.digest('hex').slice(0, 16);
}

/** Compiles the project (as `npm run build` does) into a folder of its own, once per state of the sources. */
export async function ensureBuilt(): Promise<void> {
  const dir = cacheDir('cli-build', sourceHash());
  const done = path.join(dir, '.complete');
  if (!existsSync(done)) {
    await withCacheLock('cli-build', async () => {
      if (existsSync(done)) return;
      await fs.rm(dir, { recursive: true, force: true });
      const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      // Type errors elsewhere in the tree do not stop tsc from emitting; a missing output does.
      spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', dir], { encoding: 'utf8', cwd: ROOT });
      if (!existsSync(path.join(dir, 'cli', 'main.js'))) throw new Error(`compiling the project did not produce ${path.join(dir, 'cli', 'main.js')}`);
      await fs.writeFile(done, new Date().toISOString());
      // Builds of older sources are no longer needed once they are an hour old.
      for (const old of await fs.readdir(path.dirname(dir))) {
        const p = path.join(path.dirname(dir), old);
        if (p !== dir && Date.now() - statSync(p).mtimeMs > 3_600_000) await fs.rm(p, { recursive: true, force: true });
      }
    });
  }
  buildDir = dir;
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
  return runNode([mainJs(), ...args], options);
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
