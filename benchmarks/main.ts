/**
 * `npm run bench`: runs every benchmark module's `main`. `--smoke` runs each in a tiny mode (a
 * check that the benchmarks still work, not a measurement).
 */
import { main as planning } from './planning.js';

const benchmarks: [name: string, main: (argv: readonly string[]) => Promise<unknown>][] = [['planning', planning]];

async function runAll(argv: readonly string[]): Promise<void> {
  for (const [name, main] of benchmarks) {
    const t0 = performance.now();
    await main(argv);
    console.log(`(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

runAll(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
