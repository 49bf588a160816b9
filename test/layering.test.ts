/**
 * The dependency rule of DESIGN.md §4: cli -> compaction -> catalog -> src, never upward; inside
 * src, the pure spec layer imports nothing that does IO.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LAYERS = ['src', 'catalog', 'compaction', 'cli'] as const;
type Layer = (typeof LAYERS)[number];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative import targets of a file, resolved to repo-relative paths. */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    targets.push(relative(root, resolve(dirname(file), m[1]!)));
  }
  return targets;
}

const layerOf = (p: string): Layer | undefined => LAYERS.find((l) => p === l || p.startsWith(l + sep));

/** What each layer may import (besides itself). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  src: [],
  catalog: ['src'],
  compaction: ['catalog', 'src'],
  cli: ['compaction', 'catalog', 'src'],
};

describe('layering', () => {
  const files = LAYERS.flatMap((l) => tsFiles(join(root, l)).map((f) => ({ file: f, layer: l })));

  it('finds the code it checks', () => {
    expect(files.filter((f) => f.layer === 'src').length).toBeGreaterThan(50);
    expect(files.filter((f) => f.layer === 'catalog').length).toBeGreaterThan(5);
    expect(files.filter((f) => f.layer === 'cli').length).toBeGreaterThan(2);
  });

  it('cli -> compaction -> catalog -> src: no import goes upward or outside the layers', () => {
    const violations: string[] = [];
    for (const { file, layer } of files) {
      for (const target of relativeImports(file)) {
        const to = layerOf(target);
        if (to === undefined) violations.push(`${relative(root, file)} imports ${target} (outside the code layers)`);
        else if (to !== layer && !ALLOWED[layer].includes(to)) violations.push(`${relative(root, file)} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('src/spec is pure: it imports only spec, errors and util modules', () => {
    const violations: string[] = [];
    for (const file of tsFiles(join(root, 'src', 'spec'))) {
      for (const target of relativeImports(file)) {
        const ok = target.startsWith(join('src', 'spec')) || target === join('src', 'errors.js') || target.startsWith(join('src', 'util'));
        if (!ok) violations.push(`${relative(root, file)} imports ${target}`);
      }
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from\s+['"](node:fs[^'"]*|node:net|node:child_process|@aws-sdk\/[^'"]+|@duckdb\/[^'"]+)['"]/g)) {
        violations.push(`${relative(root, file)} imports ${m[1]}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
