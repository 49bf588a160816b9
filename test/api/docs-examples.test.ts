/**
 * Runs the examples of docs/api.md: every `js` block, in order, as a program of its own in one
 * fresh folder (`node example-N.mjs`, with `'lake'` resolved to the compiled package entry), and
 * checks that each `console.log(...)` prints what the comment after it says (`…` = any text).
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, mainJs, ROOT, runNode } from '../cli/support.js';

interface Example {
  index: number;
  heading: string;
  code: string;
  expected: string[];
}

function examples(markdown: string): Example[] {
  const out: Example[] = [];
  let heading = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('## ')) heading = line.slice(3);
    if (line.trim() !== '```js') continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!);
    const expected = body.flatMap((l) => {
      const m = /console\.log\(.*\);\s*\/\/ (.+)$/.exec(l);
      return m === null ? [] : [m[1]!];
    });
    out.push({ index: out.length + 1, heading, code: body.join('\n'), expected });
  }
  return out;
}

let runDir: string;
let entry: string;
const blocks = examples(await fs.readFile(path.join(ROOT, 'docs', 'api.md'), 'utf8'));

beforeAll(async () => {
  await ensureBuilt();
  const build = path.dirname(path.dirname(mainJs()));
  entry = path.join(build, 'catalog', 'index.js');
  // Inside the build folder, so that 'apache-arrow' resolves from the repository's node_modules.
  runDir = path.join(build, `docs-run-${randomUUID()}`);
  await fs.mkdir(runDir, { recursive: true });
}, 300_000);

afterAll(async () => {
  await fs.rm(runDir, { recursive: true, force: true });
});

describe('docs/api.md examples', () => {
  it('has examples with printed results', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    expect(blocks.every((b) => b.expected.length > 0)).toBe(true);
  });

  for (const block of blocks) {
    it(`example ${block.index} (${block.heading}) runs and prints what the page says`, async () => {
      const file = path.join(runDir, `example-${block.index}.mjs`);
      await fs.writeFile(file, block.code.replace(/from 'lake'/g, `from ${JSON.stringify(entry)}`));
      const r = await runNode([file], { cwd: runDir });
      expect(r.code, r.stderr).toBe(0);
      const printed = r.stdout.split('\n').filter((l) => l !== '');
      expect(printed).toHaveLength(block.expected.length);
      block.expected.forEach((want, i) => {
        const pattern = new RegExp(`^${want.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
        expect(printed[i], `line ${i + 1} of example ${block.index}`).toMatch(pattern);
      });
    });
  }
});
