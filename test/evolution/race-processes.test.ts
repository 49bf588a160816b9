/**
 * Schema changes racing from separate OS processes on one table in a local warehouse: compatible
 * changes all land (the losers re-apply theirs on the winner's schema), incompatible ones leave
 * exactly one winner and a clear COMMIT_CONFLICT for the others; no change is lost or half-applied.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStoreCatalog } from '../../catalog/object-store-catalog.js';
import { indexSchema, parseSchema } from '../../src/spec/schema.js';
import { currentSchema } from '../../src/spec/table-metadata.js';
import { awaitStartLine, compileForChildren, raceProcesses } from '../support/processes.js';

let build: string;
let warehouse: string;

beforeAll(async () => {
  build = compileForChildren();
  warehouse = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-evolve-race-'));
}, 180_000);

afterAll(async () => {
  await fs.rm(build, { recursive: true, force: true });
  await fs.rm(warehouse, { recursive: true, force: true });
});

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
  attempts?: number;
}

/** Starts one process per argument list; they run `lake evolve`-style changes at the same moment. */
async function race(table: string, changeArgs: string[][]): Promise<Outcome[]> {
  const modules = {
    catalog: path.join(build, 'catalog', 'object-store-catalog.js'),
    changes: path.join(build, 'src', 'spec', 'evolution-changes.js'),
    evolve: path.join(build, 'src', 'write', 'evolve-table.js'),
  };
  for (const m of Object.values(modules)) await fs.access(m); // the compile above must have produced them
  const go = path.join(warehouse, `${randomUUID()}.go`);
  const child = `
    import { existsSync } from 'node:fs';
    import { ObjectStoreCatalog } from ${JSON.stringify(modules.catalog)};
    import { parseEvolveArgs } from ${JSON.stringify(modules.changes)};
    import { newEvolution } from ${JSON.stringify(modules.evolve)};
    const [warehouse, table, go, args] = process.argv.slice(1);
    const catalog = new ObjectStoreCatalog({ warehouse, commitOptions: { retry: { numRetries: 20, minWaitMs: 1, maxWaitMs: 20 } } });
    const t = await catalog.loadTable(table);
    const changes = parseEvolveArgs(JSON.parse(args));
    ${awaitStartLine('go')}
    let out;
    try {
      const r = await newEvolution({ metadata: t.metadata, io: t.io, committer: t }, changes).commit();
      out = { ok: true, attempts: r.attempts };
    } catch (e) {
      out = { ok: false, code: e.code, message: e.message };
    }
    process.stdout.write(JSON.stringify(out) + '\\n');
  `;
  return raceProcesses<Outcome>(child, changeArgs.map((args) => [warehouse, table, go, JSON.stringify(args)]), go);
}

async function newTable(name: string) {
  const catalog = new ObjectStoreCatalog({ warehouse });
  if (!(await catalog.namespaceExists('db'))) await catalog.createNamespace('db');
  await catalog.createTable(`db.${name}`, {
    schema: parseSchema({
      type: 'struct',
      fields: [
        { id: 1, name: 'id', required: true, type: 'long' },
        { id: 2, name: 'name', required: false, type: 'string' },
        { id: 3, name: 'n', required: false, type: 'int' },
      ],
    }),
  });
  return catalog;
}

describe('schema changes from racing processes', () => {
  it('4 processes each adding a column: every change lands, ids unique, one schema per commit', { timeout: 120_000 }, async () => {
    const catalog = await newTable('adds');
    const outcomes = await race('db.adds', [0, 1, 2, 3].map((i) => ['add-column', `c${i}`, 'string', 'update-column', 'n', 'long']));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true]);
    // Every process loaded the table before the start, so all but the first to land applied their
    // change to a schema they did not start from (after a lost race, or on their first attempt).
    const m = (await catalog.loadTable('db.adds')).metadata;
    const fields = [...indexSchema(currentSchema(m)).values()].map((e) => e.field);
    expect(fields.map((f) => f.name).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'id', 'n', 'name']);
    expect(new Set(fields.map((f) => f.id)).size).toBe(7);
    expect(fields.filter((f) => f.name.startsWith('c')).map((f) => f.id).sort()).toEqual([4, 5, 6, 7]);
    expect(m.lastColumnId).toBe(7);
    expect(fields.find((f) => f.name === 'n')!.type).toEqual({ kind: 'long' });
    expect(m.schemas).toHaveLength(5);
    expect(m.metadataLog).toHaveLength(4);
  });

  it('a drop racing a rename of the same column: one wins, the other gets a clear conflict', { timeout: 120_000 }, async () => {
    const catalog = await newTable('clash');
    const outcomes = await race('db.clash', [
      ['drop-column', 'name'],
      ['rename-column', 'name', 'label'],
    ]);
    const winners = outcomes.filter((o) => o.ok);
    const losers = outcomes.filter((o) => !o.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]!.code).toBe('COMMIT_CONFLICT');
    expect(losers[0]!.message).toMatch(/column name was dropped or renamed/);
    const names = currentSchema((await catalog.loadTable('db.clash')).metadata).fields.map((f) => f.name);
    expect(names).toEqual(outcomes[0]!.ok ? ['id', 'n'] : ['id', 'label', 'n']);
  });
});
