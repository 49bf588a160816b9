/**
 * `npm run bench`: runs every benchmark module's `main`. `--smoke` runs each in a tiny mode (a
 * check that the benchmarks still work, not a measurement).
 */
import { main as append } from './append.js';
import { main as commit } from './commit.js';
import { main as planning } from './planning.js';
import { main as scan } from './scan.js';

/** P1 append, P2 commit latency and requests, P3 planning, P4 scan. `--only <name>` runs one. */
const benchmarks: [name: string, main: (argv: readonly string[]) => Promise<unknown>][] = [
  ['append', append],
  ['commit', commit],
  ['planning', planning],
  ['scan', scan],
];

async function runAll(argv: readonly string[]): Promise<void> {
  const only = argv.indexOf('--only');
  const selected = only >= 0 ? benchmarks.filter(([name]) => name === argv[only + 1]) : benchmarks;
  if (selected.length === 0) throw new Error(`unknown benchmark ${argv[only + 1]}; choose one of ${benchmarks.map(([n]) => n).join(', ')}`);
  const rest = only >= 0 ? [...argv.slice(0, only), ...argv.slice(only + 2)] : argv;
  for (const [name, main] of selected) {
    const t0 = performance.now();
    await main(rest);
    console.log(`(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

runAll(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
