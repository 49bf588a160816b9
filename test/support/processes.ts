/**
 * Races between OS processes: each child runs a plain-JS module script, says it is ready, and waits
 * at a start line (a file appearing), so that all of them begin at the same moment.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { cacheDir, repoRoot } from './cache.js';

/**
 * Compiles the project for child processes, which run plain JS: into a private folder inside the
 * repository (so its imports resolve from node_modules), independent of whatever is in dist/.
 * Returns the folder; the caller removes it.
 */
export function compileForChildren(): string {
  const build = cacheDir('test-build', randomUUID());
  const tsc = path.join(repoRoot(), 'node_modules', 'typescript', 'bin', 'tsc');
  spawnSync(process.execPath, [tsc, '-p', path.join(repoRoot(), 'tsconfig.json'), '--outDir', build], { encoding: 'utf8' });
  return build;
}

/**
 * Statements for a child script: print "ready", then wait (up to a minute) until the file named
 * by the variable `goVar` exists. The script must import `existsSync` from node:fs.
 */
export function awaitStartLine(goVar: string): string {
  return `
    process.stdout.write('ready\\n');
    const deadline = Date.now() + 60_000;
    while (!existsSync(${goVar})) {
      if (Date.now() > deadline) throw new Error('never told to start');
      await new Promise((r) => setTimeout(r, 2));
    }
  `;
}

/**
 * Starts one child per argument list, running `script` (an ES module for `node -e`, which waits
 * with `awaitStartLine`), waits until every child is ready, creates `goFile` to start them all,
 * and returns each child's last stdout line parsed as JSON, in the order of `argLists`.
 */
export async function raceProcesses<T>(script: string, argLists: readonly (readonly string[])[], goFile: string): Promise<T[]> {
  const procs = argLists.map((args, i) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (out.includes('ready')) {
          clearInterval(check);
          resolve();
        }
      }, 5);
      p.on('exit', () => {
        clearInterval(check);
        if (!out.includes('ready')) reject(new Error(`process ${i} exited early: ${err}`));
      });
    });
    const done = new Promise<T>((resolve, reject) =>
      p.on('exit', (code) => {
        if (code !== 0) return reject(new Error(`process ${i} exited with ${code}: ${err}`));
        resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
      }),
    );
    return { ready, done };
  });
  await Promise.all(procs.map((p) => p.ready));
  await fs.writeFile(goFile, 'go');
  return Promise.all(procs.map((p) => p.done));
}
