/**
 * `lake evolve` through commander against a local warehouse: changes as arguments and from a
 * change file, text and JSON output, dry runs, and refused changes that write nothing.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStoreCatalog } from '../../catalog/object-store-catalog.js';
import { registerEvolveCommand } from '../../cli/evolve.js';
import { rejected } from '../support/errors.js';
import { parseSchema } from '../../src/spec/schema.js';
import { currentSchema, defaultSpec } from '../../src/spec/table-metadata.js';
import { parseJson } from '../../src/util/json.js';

let dir: string;
let catalog: ObjectStoreCatalog;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-evolve-cli-'));
  catalog = new ObjectStoreCatalog({ warehouse: dir });
  await catalog.createNamespace('db');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function newTable(name: string): Promise<void> {
  await catalog.createTable(`db.${name}`, {
    schema: parseSchema({
      type: 'struct',
      fields: [
        { id: 1, name: 'id', required: true, type: 'long' },
        { id: 2, name: 'name', required: false, type: 'string' },
        { id: 3, name: 'ts', required: false, type: 'timestamptz' },
      ],
    }),
    partitionSpec: { specId: 0, fields: [{ sourceId: 3, fieldId: 1000, name: 'ts_day', transform: { kind: 'day' } }] },
  });
}

/** Runs `lake evolve ...` and returns what it printed. */
async function lake(...args: string[]): Promise<string> {
  const out: string[] = [];
  const program = new Command('lake').exitOverride();
  registerEvolveCommand(program, { catalog: () => catalog, print: (s) => out.push(s) });
  await program.parseAsync(['node', 'lake', ...args]);
  return out.join('\n');
}

describe('lake evolve', () => {
  it('applies several changes as one commit and prints the schema, spec and sort order', async () => {
    await newTable('a');
    const before = (await catalog.loadTable('db.a')).metadataLocation;
    const text = await lake(
      'evolve', 'db.a',
      'add-column', 'region', 'string', '--after', 'id', '--doc', 'sales region',
      'rename-column', 'name', 'full_name',
      'add-partition', 'bucket(8, id)',
      'set-sort', 'region, id desc',
      'set-property', 'owner=analytics',
    );
    const t = await catalog.loadTable('db.a');
    expect(t.metadataLocation).not.toBe(before);
    expect(t.metadata.metadataLog.map((e) => e.metadataFile)).toEqual([before]);
    expect(text.split('\n')).toEqual([
      `db.a: committed ${t.metadataLocation}`,
      'format v2, schema 1:',
      '  1  id         long         required',
      '  4  region     string       -- sales region',
      '  2  full_name  string',
      '  3  ts         timestamptz',
      'partition spec 1: ts_day = day(ts) [1000], id_bucket_8 = bucket(8, id) [1001]',
      'sort order 1: region asc nulls first, id desc nulls last',
    ]);
    expect(t.properties.owner).toBe('analytics');
  });

  it('prints the new schema and spec as Iceberg JSON with --json', async () => {
    await newTable('b');
    const out = parseJson(await lake('evolve', 'db.b', 'update-column', 'id', 'long', 'add-column', 'n', 'int', '--first', '--json')) as Record<string, unknown>;
    expect(out.committed).toBe(true);
    expect(out.updates).toEqual(['add-schema', 'set-current-schema']);
    expect(out.schema).toEqual({
      type: 'struct',
      'schema-id': 1,
      fields: [
        { id: 4, name: 'n', required: false, type: 'int' },
        { id: 1, name: 'id', required: true, type: 'long' },
        { id: 2, name: 'name', required: false, type: 'string' },
        { id: 3, name: 'ts', required: false, type: 'timestamptz' },
      ],
    });
    expect(out['partition-spec']).toEqual({ 'spec-id': 0, fields: [{ 'source-id': 3, 'field-id': 1000, name: 'ts_day', transform: 'day' }] });
  });

  it('reads changes from a file', async () => {
    await newTable('c');
    const file = path.join(dir, 'changes.json');
    await fs.writeFile(
      file,
      JSON.stringify({
        changes: [
          { op: 'drop-partition', field: 'ts_day' },
          { op: 'drop-column', name: 'ts' },
          { op: 'add-column', name: 'tags', type: 'list<string>' },
          { op: 'upgrade', 'format-version': 3 },
        ],
      }),
    );
    await lake('evolve', 'db.c', '--file', file);
    const m = (await catalog.loadTable('db.c')).metadata;
    expect(m.formatVersion).toBe(3);
    expect(currentSchema(m).fields.map((f) => f.name)).toEqual(['id', 'name', 'tags']);
    expect(defaultSpec(m).fields).toEqual([]);
  });

  it('validates without committing on --dry-run', async () => {
    await newTable('d');
    const before = (await catalog.loadTable('db.d')).metadataLocation;
    const text = await lake('evolve', 'db.d', 'add-column', 'x', 'int', '--dry-run');
    expect(text.split('\n')[0]).toBe('db.d: would apply add-schema, set-current-schema (dry run, nothing committed)');
    expect(text).toContain('  4  x');
    expect((await catalog.loadTable('db.d')).metadataLocation).toBe(before);
  });

  it('refuses invalid changes with the rule and column, writing nothing', async () => {
    await newTable('e');
    const before = (await catalog.loadTable('db.e')).metadataLocation;
    for (const args of [
      ['drop-column', 'ts'],
      ['update-column', 'id', 'int'],
      ['add-column', 'x', 'int', '--not-null'],
      ['add-partition', 'day(name)'],
      ['set-property', 'write.delete.isolation-level=strict'],
      ['upgrade', '--format-version', '1'],
      ['frobnicate'],
    ]) {
      const err = await rejected(lake('evolve', 'db.e', ...args), args.join(' '));
      expect(['INVALID_SCHEMA_CHANGE', 'INVALID_INPUT']).toContain(err.code);
    }
    expect((await catalog.loadTable('db.e')).metadataLocation).toBe(before);
  });

  it('says so when nothing changes', async () => {
    await newTable('f');
    const text = await lake('evolve', 'db.f', 'update-column', 'id', 'long');
    expect(text.split('\n')[0]).toBe('db.f: nothing to change');
  });
});
