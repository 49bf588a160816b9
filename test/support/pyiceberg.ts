/**
 * PyIceberg + pyarrow in a cached virtualenv (`.cache/venv`), for interop tests and benchmarks.
 *
 * `ensurePythonVenv` (run by the global test setup) creates the virtualenv with pip from the pinned
 * `test/support/python/requirements.txt`, and rebuilds it whenever that file or the Python version
 * changes. `runPython` runs a script that defines `main(input)` and returns its JSON result.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, repoRoot, withCacheLock } from './cache.js';

const run = promisify(execFile);

/** What the global setup hands to test files (`inject('lakePython')`). */
export type PythonRigState = { ok: true; python: string; versions: Record<string, string> } | { ok: false; error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    lakePython: PythonRigState;
  }
}

export function pythonSupportDir(): string {
  return path.join(repoRoot(), 'test', 'support', 'python');
}

export function venvPython(): string {
  return cacheDir('venv', 'bin', 'python');
}

/**
 * Makes sure `.cache/venv` holds the pinned packages; returns the venv's python and package versions.
 * `log` receives progress lines.
 */
export async function ensurePythonVenv(log: (line: string) => void = () => {}): Promise<{ python: string; versions: Record<string, string> }> {
  const requirements = path.join(pythonSupportDir(), 'requirements.txt');
  const basePython = process.env.LAKE_TEST_PYTHON ?? 'python3';
  let pyVersion: string;
  try {
    pyVersion = (await run(basePython, ['-c', 'import sys, platform; print(sys.version, platform.machine())'])).stdout.trim();
  } catch (e) {
    throw new Error(`Python 3 not found (${basePython}): PyIceberg interop tests need python3 with the venv module. ${message(e)}`);
  }
  const hash = createHash('sha256')
    .update(await fs.readFile(requirements))
    .update('\0')
    .update(pyVersion)
    .digest('hex');
  const venv = cacheDir('venv');
  const marker = path.join(venv, '.lake-requirements.sha256');
  const python = venvPython();
  const current = async () => (await fs.readFile(marker, 'utf8').catch(() => '')).trim() === hash && existsSync(python);

  if (!(await current())) {
    await withCacheLock('venv', async () => {
      if (await current()) return; // another run built it while we waited
      const t0 = Date.now();
      log(`creating the PyIceberg virtualenv in ${venv} (pip, pinned versions; first run or requirements changed, ~1 min)`);
      await fs.rm(venv, { recursive: true, force: true });
      try {
        await run(basePython, ['-m', 'venv', venv]);
        await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', '-r', requirements], {
          maxBuffer: 64 * 1024 * 1024,
          env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
        });
      } catch (e) {
        throw new Error(`pip could not install test/support/python/requirements.txt into ${venv}: ${message(e)}`);
      }
      await fs.writeFile(marker, `${hash}\n`);
      log(`PyIceberg virtualenv ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });
  }
  const probe = await run(python, [
    '-c',
    'import json, pyiceberg, pyarrow, sqlalchemy; print(json.dumps({"pyiceberg": pyiceberg.__version__, "pyarrow": pyarrow.__version__, "sqlalchemy": sqlalchemy.__version__}))',
  ]).catch((e: unknown) => {
    throw new Error(`the PyIceberg virtualenv at ${venv} is broken (delete it to rebuild): ${message(e)}`);
  });
  return { python, versions: JSON.parse(probe.stdout) as Record<string, string> };
}

export interface RunPythonOptions {
  /** Kill the script after this long (default 120 s). */
  timeoutMs?: number;
  /** Extra environment variables (e.g. AWS_* for a script that talks to MinIO). */
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * Runs a Python script in the PyIceberg virtualenv and returns what its `main(input)` returned.
 * `script` is Python source, or `{ file }` naming a script file. Input and output travel as JSON;
 * bigints and Uint8Arrays survive the trip both ways (see `test/support/python/runner.py`).
 */
export async function runPython<T = unknown>(script: string | { file: string }, input?: unknown, options: RunPythonOptions = {}): Promise<T> {
  const python = await readyPython();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-py-'));
  try {
    let file: string;
    if (typeof script === 'string') {
      file = path.join(work, `script_${randomUUID().replaceAll('-', '')}.py`);
      await fs.writeFile(file, script);
    } else {
      file = path.resolve(script.file);
    }
    const resultFile = path.join(work, 'result.json');
    const { code, stdout, stderr } = await spawnWithInput(
      python,
      [path.join(pythonSupportDir(), 'runner.py'), file, resultFile],
      toJson(input ?? null),
      { timeoutMs: options.timeoutMs ?? 120_000, env: { ...process.env, ...options.env }, cwd: options.cwd ?? work },
    );
    const raw = await fs.readFile(resultFile, 'utf8').catch(() => undefined);
    if (raw === undefined) {
      throw new Error(`python script exited with ${code} and no result\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    const out = fromJson(raw) as { ok?: T; error?: string };
    if (out.error !== undefined) throw new Error(`python script failed:\n${out.error}\nstderr:\n${stderr}`);
    return out.ok as T;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

async function readyPython(): Promise<string> {
  if (process.env.VITEST) {
    const { inject } = await import('vitest');
    const state = inject('lakePython');
    if (!state) throw new Error('the PyIceberg virtualenv was not set up: run the tests with test/vitest.config.ts');
    if (!state.ok) throw new Error(`the PyIceberg virtualenv could not be set up: ${state.error}`);
    return state.python;
  }
  return (await ensurePythonVenv((l) => process.stderr.write(`${l}\n`))).python;
}

function spawnWithInput(
  cmd: string,
  args: string[],
  input: string,
  o: { timeoutMs: number; env: NodeJS.ProcessEnv; cwd: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: o.env, cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`python script timed out after ${o.timeoutMs} ms\nstderr:\n${stderr}`));
    }, o.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** JSON with bigints as {"$bigint"} and byte arrays as {"$bytes"} (the runner's conventions). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
    // Buffer's toJSON runs before this replacer sees it.
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { $bytes: Buffer.from((v as { data: number[] }).data).toString('base64') };
    }
    return v;
  });
}

export function fromJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1) {
        if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
        if (typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
        if (typeof o.$float === 'string') return Number(o.$float === 'nan' ? NaN : o.$float === 'inf' ? Infinity : -Infinity);
      }
    }
    return v;
  });
}

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const stderr = (e as { stderr?: unknown } | undefined)?.stderr;
  if (typeof stderr === 'string' && stderr.trim() !== '') {
    return `${text.split('\n')[0]}\n${stderr.trim().split('\n').slice(-20).join('\n')}`;
  }
  return text;
}
