/**
 * The CLI's own small parts, in-process: parsing `--schema` and `--partition` text, finding the
 * tables a query names, error lines and exit codes, telling table locations from identifiers, and
 * progress lines shown only on a terminal.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTableLocation } from '../../cli/context.js';
import { EXIT_CODES, describeFailure } from '../../cli/errors.js';
import { runCli } from '../../cli/program.js';
import { candidateTableNames } from '../../cli/read-commands.js';
import { parsePartitionText, parseProperty, parseSchemaText } from '../../cli/schema-text.js';
import { LakeError } from '../../src/errors.js';

describe('--schema and --partition text', () => {
  it('parses columns with types, not null, quoted names and nested types with unique ids', () => {
    const s = parseSchemaText('id long not null, `odd name` string, price decimal(9, 2) NOT NULL, tags list<string not null>, m map<string, struct<a: int, b: double>>');
    expect(s.fields.map((f) => [f.id, f.name, f.required])).toEqual([
      [1, 'id', true],
      [2, 'odd name', false],
      [3, 'price', true],
      [4, 'tags', false],
      [5, 'm', false],
    ]);
    expect(s.fields[2]!.type).toEqual({ kind: 'decimal', precision: 9, scale: 2 });
    expect(s.fields[3]!.type).toEqual({ kind: 'list', elementId: 6, elementRequired: true, element: { kind: 'string' } });
    const m = s.fields[4]!.type;
    expect(m.kind === 'map' && [m.keyId, m.valueId, m.value.kind === 'struct' && m.value.fields.map((f) => f.id)]).toEqual([7, 8, [9, 10]]);
  });

  it('refuses empty, incomplete, duplicate and unknown columns', () => {
    for (const bad of ['', 'id', 'id long,', 'id long, id int', 'id lng', 'a.b int']) {
      expect(() => parseSchemaText(bad), bad).toThrow(LakeError);
    }
  });

  it('parses every transform into a spec with default names', () => {
    const schema = parseSchemaText('id long, s string, ts timestamp, d date');
    const spec = parsePartitionText('s, identity(id), bucket(16, id), truncate(4, s), year(ts), day(d)', schema);
    expect(spec.fields.map((f) => [f.name, f.sourceId, f.fieldId])).toEqual([
      ['s', 2, 1000],
      ['id', 1, 1001],
      ['id_bucket', 1, 1002],
      ['s_trunc', 2, 1003],
      ['ts_year', 3, 1004],
      ['d_day', 4, 1005],
    ]);
    expect(() => parsePartitionText('bucket(x, id)', schema)).toThrow(/bucket/);
    expect(() => parsePartitionText('day(nope)', schema)).toThrow(/nope/);
    expect(() => parsePartitionText('hour(d)', schema)).toThrow(LakeError);
  });

  it('splits properties at the first =', () => {
    expect(parseProperty('a.b=c=d')).toEqual(['a.b', 'c=d']);
    expect(() => parseProperty('novalue')).toThrow(/key=value/);
  });
});

describe('tables named by a query', () => {
  it('finds dotted and quoted names, metadata suffixes and prefixes of column references', () => {
    expect(candidateTableNames('SELECT e.id FROM db.events e JOIN "db"."other" o ON e.id = o.id').sort()).toEqual(['db.events', 'db.other', 'e.id', 'o.id'].sort());
    expect(candidateTableNames('SELECT * FROM db.t$snapshots, "a.b".c')).toEqual(['db.t$snapshots', 'a.b.c', 'a.b']);
    expect(candidateTableNames("SELECT 'db.not_a_table' AS x -- db.comment\nFROM db.real /* db.block */")).toEqual(['db.real']);
    expect(candidateTableNames('SELECT 1.5 FROM t')).toEqual([]);
  });
});

describe('errors and exit codes', () => {
  it('gives each code its own exit code', () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(0);
  });

  it('renders one line with the code, the message and what to do', () => {
    const f = describeFailure(new LakeError('TABLE_NOT_FOUND', 'table db.x\ndoes not exist'));
    expect(f).toEqual({
      code: 'TABLE_NOT_FOUND',
      exitCode: 5,
      line: 'error TABLE_NOT_FOUND: table db.x does not exist — list tables with `lake tables` and check --warehouse (or give the table location)',
    });
    expect(describeFailure(new TypeError('boom')).line).toBe('error INTERNAL: TypeError: boom — this is a bug in lake; run again with --debug and report the output');
    expect(describeFailure(new Error("error: unknown option '--x'"), true).line).toMatch(/^error USAGE: unknown option '--x' — /);
  });
});

describe('table arguments', () => {
  it('tells locations from identifiers', () => {
    for (const loc of ['./t', '/data/t', 's3://b/t', 'file:///t', 'v3.metadata.json', 'C:\\t', '.']) expect(isTableLocation(loc), loc).toBe(true);
    for (const id of ['db.t', 't', 'a.b.c']) expect(isTableLocation(id), id).toBe(false);
  });
});

describe('progress', () => {
  it('shows progress lines on stderr only when stderr is a terminal', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-cli-progress-'));
    try {
      const input = path.join(dir, 'a.csv');
      await fs.writeFile(input, 'id\n1\n');
      const run = async (tty: boolean, ...args: string[]) => {
        let out = '';
        let err = '';
        const code = await runCli([...args, '--warehouse', path.join(dir, 'wh')], { out: (t) => (out += t), err: (t) => (err += t), errIsTTY: tty, env: {} });
        return { code, out, err };
      };
      expect((await run(false, 'create', 'db.t', '--schema', 'id long')).code).toBe(0);
      const tty = await run(true, 'commit', 'db.t', input);
      expect(tty.code).toBe(0);
      expect(tty.err.split('\n').filter((l) => l !== '')).toEqual(['… write: 1 input file', '… commit: 1 data file']);
      expect(tty.out).toMatch(/^db\.t: committed snapshot/);
      const quiet = await run(false, 'commit', 'db.t', input);
      expect(quiet.err).toBe('');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
