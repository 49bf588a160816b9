/**
 * The conformance runner judges correctly: it fails loudly without a corpus, passes real cases,
 * and fails copies of real cases that were tampered with in each way a check is meant to catch.
 * Copies live in a temp folder; the corpus itself is only read.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CORPUS_DIR_ENV,
  CorpusMissingError,
  corpusDir,
  documentedUnreadableSnapshots,
  listCases,
  loadCase,
  parseSourceFacts,
  repoRoot,
  type TableCase,
} from './cases.js';
import type { CheckModule } from './check.js';
import { metadataLevel } from './checks-metadata.js';
import { decodeAvroRaw, lostAvroFields } from './avro-raw.js';
import { firstDifference, lostFields } from './equal.js';
import { LEVELS } from './levels.js';
import { runCli } from './main.js';
import { remapPath } from './paths.js';
import { loadTable } from './table-state.js';
import { type CaseResult, caseLine, runCase, runConformance, summaryLine } from './runner.js';

const CORPUS = corpusDir();
const scratch = mkdtempSync(join(tmpdir(), 'lake-conformance-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function makeWritable(path: string): void {
  const st = statSync(path);
  chmodSync(path, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const n of readdirSync(path)) makeWritable(join(path, n));
}

let copies = 0;
/** A fresh corpus folder holding writable copies of the named cases. */
function corpusWith(...names: string[]): string {
  const root = join(scratch, `corpus-${copies++}`);
  mkdirSync(root, { recursive: true });
  for (const n of names) cpSync(join(CORPUS, n), join(root, n), { recursive: true });
  makeWritable(root);
  return root;
}

function editJson(path: string, edit: (o: Record<string, unknown>) => void): void {
  const o = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(o);
  writeFileSync(path, JSON.stringify(o, null, 1));
}

function editText(path: string, from: string | RegExp, to: string): void {
  const text = readFileSync(path, 'utf8');
  const out = text.replace(from, to);
  expect(out, `edit of ${path}`).not.toBe(text);
  writeFileSync(path, out);
}

async function judge(root: string, name: string, levels?: readonly CheckModule[]): Promise<CaseResult> {
  return runCase(loadCase(root, name), levels);
}

function failedChecks(r: CaseResult): string[] {
  return r.checks.filter((c) => c.status === 'fail').map((c) => c.check);
}

const CROSS = 'duckdb-eqdel-cross-partition'; // current snapshot id 9876543210123456789 > 2^63 - 1
const UNPART = 'duckdb-eqdel-unpartitioned'; // one snapshot documented as unreadable upstream

describe('corpus location', () => {
  it('defaults to ../shared/conformance beside the repository and honours LAKE_CONFORMANCE_DIR', () => {
    expect(corpusDir({})).toBe(join(dirname(repoRoot()), 'shared', 'conformance'));
    expect(corpusDir({ [CORPUS_DIR_ENV]: '/some/where' })).toBe('/some/where');
  });

  it('fails loudly, naming the path, when the corpus folder is missing', async () => {
    const missing = join(scratch, 'no-such-corpus');
    expect(() => listCases(missing)).toThrow(CorpusMissingError);
    expect(() => listCases(missing)).toThrow(missing);
    await expect(runConformance({ corpusDir: missing })).rejects.toThrow(/CONFORMANCE CORPUS NOT FOUND.*no-such-corpus/);
    let out = '';
    let err = '';
    const code = await runCli(['--dir', missing], { out: (t) => (out += t), err: (t) => (err += t) });
    expect(code).toBe(1);
    expect(err).toContain('CONFORMANCE CORPUS NOT FOUND');
    expect(err).toContain(missing);
    expect(out).toContain(`FAIL corpus: not found at ${missing}`);
    expect(out.trim().split('\n').pop()).toBe('conformance: 0 passed, 1 failed, 0 skipped');
  });

  it('fails when the corpus folder holds no cases', () => {
    const empty = join(scratch, 'empty-corpus');
    mkdirSync(empty, { recursive: true });
    expect(() => listCases(empty)).toThrow(/holds no case folders/);
  });
});

describe('CLI output', () => {
  it('prints one line per case and the summary line, exit code 0 when all pass', async () => {
    const root = corpusWith(CROSS, 'vectors-dv-roaring');
    let out = '';
    const code = await runCli(['--dir', root], { out: (t) => (out += t), err: () => {} });
    const lines = out.trim().split('\n');
    expect(lines).toEqual([`PASS ${CROSS}`, 'PASS vectors-dv-roaring', 'conformance: 2 passed, 0 failed, 0 skipped']);
    expect(code).toBe(0);
  });

  it('formats SKIP and FAIL lines on one line', () => {
    const base = { kind: 'vector' as const, checks: [], durationMs: 0 };
    expect(caseLine({ ...base, name: 'v', verdict: 'SKIP', reason: 'tested in\n  elsewhere' })).toBe('SKIP v: tested in elsewhere');
    expect(caseLine({ ...base, name: 'v', verdict: 'FAIL', reason: 'x: y' })).toBe('FAIL v: x: y');
  });

  it('exits 1 when a case fails, and prints FAIL with the reason', async () => {
    const root = corpusWith(CROSS);
    editJson(join(root, CROSS, 'EXPECTED.json'), (o) => (o.schema = 'part:long, key:long, val:long'));
    let out = '';
    const code = await runCli(['--dir', root], { out: (t) => (out += t), err: () => {} });
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`^FAIL ${CROSS}: schema: current schema part:long, key:long, val:string, expected part:long, key:long, val:long`, 'm'));
    expect(out).toContain('conformance: 0 passed, 1 failed, 0 skipped');
  });

  it('--verbose lists every check; --case runs only the named cases and fails unknown names', async () => {
    const root = corpusWith(CROSS, UNPART);
    let out = '';
    const code = await runCli(['--dir', root, '--case', UNPART, '--case', 'nope', '--verbose'], { out: (t) => (out += t), err: () => {} });
    expect(out).not.toContain(CROSS);
    expect(out).toContain(`PASS ${UNPART}`);
    expect(out).toContain('[metadata] manifest-round-trip: pass');
    expect(out).toContain('[data] rows-arrow: pass');
    expect(out).toMatch(/\[data\] rows-duckdb: pass\n(.*\n)*?.*note: snapshot 7342794868382145167: unreadable as documented .*NOT_FOUND/);
    expect(out).toMatch(/note: expected error: .*snapshot 7342794868382145167/);
    expect(out).toContain(`FAIL nope: no such case in ${root}`);
    expect(code).toBe(1);
  });
});

describe('table cases: each check catches what it is for', () => {
  it('passes an untouched copy', async () => {
    const root = corpusWith(CROSS);
    const r = await judge(root, CROSS);
    expect(r.verdict, caseLine(r)).toBe('PASS');
    expect(r.checks.map((c) => c.check)).toEqual(LEVELS.flatMap((l) => l.checks.map((c) => c.name)));
  });

  it('compares snapshot ids exactly, beyond double precision', async () => {
    // 9876543210123456789 and 9876543210123456790 are the same IEEE double.
    expect(Number('9876543210123456789')).toBe(Number('9876543210123456790'));
    const root = corpusWith(CROSS);
    editJson(join(root, CROSS, 'EXPECTED.json'), (o) => (o.current_snapshot_id = '9876543210123456790'));
    const r = await judge(root, CROSS);
    expect(r.verdict).toBe('FAIL');
    expect(r.reason).toMatch(/^current-snapshot: current snapshot 9876543210123456789, expected 9876543210123456790/);

    const root2 = corpusWith(CROSS);
    editJson(join(root2, CROSS, 'EXPECTED.json'), (o) => {
      const rows = (o.helper_decode_NOT_AN_ORACLE as { per_snapshot_rows: Record<string, number> }).per_snapshot_rows;
      rows['9876543210123456790'] = rows['9876543210123456789']!;
      delete rows['9876543210123456789'];
    });
    const r2 = await judge(root2, CROSS);
    // the data level cannot read a snapshot the table does not have either
    expect(failedChecks(r2)).toEqual(['snapshot-ids', 'rows-arrow', 'rows-duckdb']);
    expect(r2.reason).toContain('9876543210123456790');
  });

  it('checks per-snapshot row counts of snapshots without deletes', async () => {
    const root = corpusWith(CROSS);
    editJson(join(root, CROSS, 'EXPECTED.json'), (o) => {
      (o.helper_decode_NOT_AN_ORACLE as { per_snapshot_rows: Record<string, number> }).per_snapshot_rows['4327154639183968397'] = 5;
    });
    const r = await judge(root, CROSS);
    expect(failedChecks(r)).toEqual(['file-counts', 'rows-arrow', 'rows-duckdb']);
    expect(r.reason).toContain('data files hold 4 records and no deletes apply, EXPECTED gives 5 rows');
    expect(r.checks.find((c) => c.check === 'rows-arrow')!.problems).toEqual(['snapshot 4327154639183968397: 4 rows, expected 5']);
  });

  it('leaves row counts of snapshots with deletes to the data level, which reads them through both paths', async () => {
    const root = corpusWith(CROSS);
    editJson(join(root, CROSS, 'EXPECTED.json'), (o) => {
      (o.helper_decode_NOT_AN_ORACLE as { per_snapshot_rows: Record<string, number> }).per_snapshot_rows['9876543210123456789'] = 99;
    });
    expect((await judge(root, CROSS, [metadataLevel])).verdict).toBe('PASS');
    const r = await judge(root, CROSS);
    expect(failedChecks(r)).toEqual(['rows-arrow', 'rows-duckdb']);
    for (const check of ['rows-arrow', 'rows-duckdb']) {
      expect(r.checks.find((c) => c.check === check)!.problems).toEqual([
        'current snapshot: 3 rows, expected 99',
        'snapshot 9876543210123456789: 3 rows, expected 99',
        'branch main (snapshot 9876543210123456789): 3 rows, expected 99',
      ]);
    }
  });

  it('data level: compares integer sums exactly, through both paths', async () => {
    const name = 'spark-file-scoped-pos-deletes'; // no source-asserted rows: the collector's sums are the expectation
    const root = corpusWith(name);
    editJson(join(root, name, 'EXPECTED.json'), (o) => {
      (o.helper_decode_NOT_AN_ORACLE as { current_int_column_sums: Record<string, string> }).current_int_column_sums.a = '76';
    });
    const r = await judge(root, name);
    expect(failedChecks(r)).toEqual(['int-sums']);
    expect(r.checks.find((c) => c.check === 'int-sums')!.problems).toEqual(['arrow: sum(a) = 75, expected 76', 'duckdb: sum(a) = 75, expected 76']);
  });

  it('data level: the source-asserted rows win over the collector\'s sums, with a note', async () => {
    const name = 'duckdb-identity-int';
    const r = await judge(corpusWith(name), name);
    expect(r.verdict, caseLine(r)).toBe('PASS');
    expect(r.checks.find((c) => c.check === 'int-sums')!.notes).toEqual([
      "sum(partition_col): the collector's decode says 0, the source-asserted rows give 1379 (the source assertion wins)",
    ]);
  });

  it('data level: compares the source-asserted rows value for value', async () => {
    // the cross-partition table judged by the rows another case's origin test asserts
    const root = corpusWith();
    cpSync(join(CORPUS, CROSS), join(root, 'duckdb-eqdel-bucket-partitioned'), { recursive: true });
    const r = await judge(root, 'duckdb-eqdel-bucket-partitioned');
    expect(failedChecks(r)).toContain('asserted-rows');
    expect(r.checks.find((c) => c.check === 'asserted-rows')!.problems[0]).toMatch(/^arrow: assertion 1: 3 rows, expected 2; missing \{"id":1,"val":"a"\}/);
  });

  it('data level: a documented-unreadable snapshot must not read, and reads only fail with NOT_FOUND', async () => {
    const root = corpusWith(CROSS);
    editJson(join(root, CROSS, 'EXPECTED.json'), (o) => {
      (o.helper_decode_NOT_AN_ORACLE as { per_snapshot_rows: Record<string, number | string> }).per_snapshot_rows['4327154639183968397'] = 'ERR';
    });
    const r = await judge(root, CROSS);
    expect(r.checks.find((c) => c.check === 'rows-arrow')!.problems).toEqual(['snapshot 4327154639183968397: documented as unreadable (ERR) but read 4 rows']);

    // a data file that is missing: the read fails, and not as a documented error
    const root2 = corpusWith(CROSS);
    rmSync(join(root2, CROSS, 'data/part=1/00000-1-9867a76c-2dc8-4660-9641-15188ad8ee9b.parquet'));
    const r2 = await judge(root2, CROSS);
    expect(r2.checks.find((c) => c.check === 'rows-duckdb')!.problems[0]).toMatch(/^current snapshot: expected 3 rows, the read failed: NOT_FOUND: /);
  });

  it('data level: metadata variants with asserted rows are read through their own schema and name mapping', async () => {
    const name = 'duckdb-name-mapping-evolution-v1';
    const root = corpusWith(name);
    // v3.1 drops b from the name mapping; with v3's mapping instead, b reads and the assertion fails
    cpSync(join(root, name, 'metadata/v3.metadata.json'), join(root, name, 'metadata/v3.1.metadata.json'));
    const r = await judge(root, name);
    expect(failedChecks(r)).toContain('metadata-variants');
    expect(r.checks.find((c) => c.check === 'metadata-variants')!.problems).toEqual([
      'arrow: metadata/v3.1.metadata.json at snapshot 6597550917742534971: b must be null in every row, 10000 rows have a value',
      'duckdb: metadata/v3.1.metadata.json at snapshot 6597550917742534971: b must be null in every row, 10000 rows have a value',
    ]);
  });

  it('checks schema, partition specs and format version against EXPECTED.json', async () => {
    const root = corpusWith(CROSS);
    editJson(join(root, CROSS, 'EXPECTED.json'), (o) => {
      o.partition_specs = 'spec0=[bucket[2](part)]';
      o.format_version = 3;
    });
    const r = await judge(root, CROSS);
    expect(failedChecks(r)).toEqual(['format-version', 'partition-specs']);
    expect(r.checks.find((c) => c.check === 'partition-specs')!.problems[0]).toBe('partition specs spec0=[identity(part)], expected spec0=[bucket[2](part)]');
  });

  it('checks summary totals against the manifests', async () => {
    const root = corpusWith(CROSS);
    editText(join(root, CROSS, 'metadata/vfinal.metadata.json'), /"total-records"(\s*):(\s*)"4"/, '"total-records"$1:$2"5"');
    const r = await judge(root, CROSS);
    expect(failedChecks(r)).toEqual(['file-counts']);
    expect(r.reason).toContain('summary total-records=5, the manifests give 4');
  });

  it('fails when a data file or a manifest list is missing and the corpus does not say so', async () => {
    const root = corpusWith(CROSS);
    rmSync(join(root, CROSS, 'data/part=1/00000-1-9867a76c-2dc8-4660-9641-15188ad8ee9b.parquet'));
    const r = await judge(root, CROSS);
    expect(failedChecks(r)).toEqual(['files-exist', 'rows-arrow', 'rows-duckdb', 'int-sums', 'asserted-rows', 'readers-agree']);
    expect(r.reason).toMatch(/data file .*00000-1-9867a76c.*\.parquet not found/);

    const root2 = corpusWith(CROSS);
    rmSync(join(root2, CROSS, 'metadata/snap-4327154639183968397-0-9867a76c-2dc8-4660-9641-15188ad8ee9b.avro'));
    const r2 = await judge(root2, CROSS);
    expect(r2.verdict).toBe('FAIL');
    expect(r2.reason).toMatch(/^unreadable-pieces: .*snapshot 4327154639183968397: manifest list .*NOT_FOUND/);
  });

  it('accepts a documented unreadable snapshot only as a NOT_FOUND error, and only when documented', async () => {
    const root = corpusWith(UNPART);
    const ok = await judge(root, UNPART);
    expect(ok.verdict, caseLine(ok)).toBe('PASS');
    const notes = ok.checks.find((c) => c.check === 'unreadable-pieces')!.notes;
    expect(notes.some((n) => n.startsWith('expected error:') && n.includes('7342794868382145167'))).toBe(true);

    editJson(join(root, UNPART, 'EXPECTED.json'), (o) => {
      o.source_asserted = String(o.source_asserted).replace(/NOTE snapshot .*$/, '');
    });
    const r = await judge(root, UNPART);
    expect(r.verdict).toBe('FAIL');
    expect(r.reason).toMatch(/^unreadable-pieces: .*snapshot 7342794868382145167: manifest list .*NOT_FOUND/);
    // The collector's decode error for that snapshot is no longer backed by the corpus text either.
    expect(r.checks.find((c) => c.check === 'unreadable-pieces')!.problems.join('\n')).toContain('EXPECTED gives an error for snapshot 7342794868382145167');
  });

  it('fails a documented-unreadable snapshot that lake can read', async () => {
    const root = corpusWith(CROSS);
    editJson(join(root, CROSS, 'EXPECTED.json'), (o) => {
      o.source_asserted = 'NOTE snapshot 4327154639183968397 manifest list is absent upstream: that snapshot is not readable';
    });
    const r = await judge(root, CROSS);
    expect(failedChecks(r)).toEqual(['unreadable-pieces']);
  });

  it('fails when a metadata file of the case does not parse', async () => {
    const root = corpusWith(CROSS);
    writeFileSync(join(root, CROSS, 'metadata/v0.metadata.json'), '{"format-version": 2, "table-uuid": ');
    const r = await judge(root, CROSS);
    expect(failedChecks(r)).toEqual(['metadata-files']);
    expect(r.reason).toContain('metadata/v0.metadata.json: INVALID_METADATA');
  });

  it('requires the known non-metadata file to be rejected with INVALID_METADATA', async () => {
    const name = 'duckdb-bigquery-written';
    const root = corpusWith(name);
    const ok = await judge(root, name);
    expect(ok.verdict, caseLine(ok)).toBe('PASS');
    expect(ok.checks.find((c) => c.check === 'metadata-files')!.notes.join()).toContain('v0.metadata.json rejected as expected');
    // Were the stub a valid metadata file, lake accepting it would be reported.
    cpSync(join(root, name, 'metadata/v1749025517.metadata.json'), join(root, name, 'metadata/v0.metadata.json'));
    const r = await judge(root, name);
    expect(r.reason).toMatch(/^metadata-files: metadata\/v0\.metadata\.json is not table metadata .* but was accepted/);
  });

  it('checks the source-asserted manifest facts', async () => {
    const name = 'duckdb-legacy-bare-dv-v3';
    const root = corpusWith(name);
    editText(join(root, name, 'EXPECTED.json'), '1 DATA + 1 POSITION_DELETES', '2 DATA + 1 POSITION_DELETES');
    const r = await judge(root, name);
    expect(failedChecks(r)).toEqual(['source-facts']);
    expect(r.reason).toBe('source-facts: 1 DATA + 1 POSITION_DELETES live entries, the source asserts 2 + 1');
  });

  it('notes the data-level rejection the corpus asks for, and fails a data level without a rejection check', async () => {
    const name = 'duckdb-legacy-bare-dv-v3';
    const root = corpusWith(name);
    const r = await judge(root, name, [metadataLevel]);
    expect(r.verdict).toBe('PASS');
    expect(r.checks.find((c) => c.check === 'rejection')?.skipReason).toMatch(/reject this case at the data level .*must ERROR/);

    let seen = 0;
    const dataWithout: CheckModule = { level: 'data', description: 'test', checks: [{ name: 'rows', description: 'test', run: () => void seen++ }] };
    const r2 = await judge(root, name, [metadataLevel, dataWithout]);
    expect(r2.verdict).toBe('FAIL');
    expect(r2.reason).toMatch(/^rejection: the corpus requires lake to reject this case/);
    expect(seen).toBe(1);

    const dataWith: CheckModule = {
      level: 'data',
      description: 'test',
      checks: [{ name: 'rejection', description: 'test', run: (ctx, report) => report.expect(ctx.case.rejection !== undefined, 'no rejection expected') }],
    };
    expect((await judge(root, name, [metadataLevel, dataWith])).verdict).toBe('PASS');
  });

  it('data level: the legacy bare deletion vector is refused by both paths with a LakeError that says why, and reads when allowed', async () => {
    const name = 'duckdb-legacy-bare-dv-v3';
    const root = corpusWith(name, CROSS);
    const r = await judge(root, name);
    expect(r.verdict, caseLine(r)).toBe('PASS');
    const rejection = r.checks.find((c) => c.check === 'rejection')!;
    expect(rejection.status).toBe('pass');
    expect(rejection.notes).toHaveLength(2);
    for (const n of rejection.notes) expect(n).toMatch(/^(arrow|duckdb): refused: INVALID_METADATA: .*is not a valid Puffin file \(no PFA1 magic\): a bare deletion-vector blob/);

    // a refusal the corpus does not ask for is a failure
    editText(join(root, name, 'EXPECTED.json'), 'scan must ERROR by default', 'scan reads by default');
    const r2 = await judge(root, name);
    expect(failedChecks(r2)).toEqual(['rows-arrow', 'rows-duckdb', 'int-sums', 'readers-agree']);
    expect(r2.reason).toMatch(/^rows-arrow: current snapshot: expected 2 rows, the read failed: INVALID_METADATA: .*bare deletion-vector blob/);

    // a case the corpus says must be refused, read without complaint, fails the rejection check
    editJson(join(root, CROSS, 'EXPECTED.json'), (o) => (o.source_asserted = `${String(o.source_asserted)}; scan must ERROR by default`));
    const r3 = await judge(root, CROSS);
    expect(r3.checks.find((c) => c.check === 'rejection')!.problems).toEqual([
      'arrow: the corpus says "scan must ERROR by default" but the read succeeded',
      'duckdb: the corpus says "scan must ERROR by default" but the read succeeded',
      'no rows are transcribed for the explicit opt-in read of this case',
    ]);
  });

  it('runs every check of a plugged-in level on every table case, with the loaded case', async () => {
    const root = corpusWith(CROSS, UNPART, 'vectors-table-metadata-json');
    const seen: string[] = [];
    const level: CheckModule = {
      level: 'data',
      description: 'test',
      checks: [
        {
          name: 'sees-snapshots',
          description: 'test',
          run(ctx, report) {
            seen.push(`${ctx.case.name}:${ctx.main.metadata?.snapshots.length}`);
            report.expect(ctx.case.remap(`${ctx.case.prefix}/data/x.parquet`) === join(ctx.case.dir, 'data/x.parquet'), 'remap');
            report.expect(ctx.resolve(`${ctx.case.prefix}/data/x.parquet`) === join(ctx.case.dir, 'data/x.parquet'), 'resolve');
            report.expect(ctx.io.resolve(`${ctx.case.prefix}/metadata`) === join(ctx.case.dir, 'metadata'), 'io');
            expect(() => ctx.resolve('s3://elsewhere/data/x.parquet')).toThrow(/does not start with the case's embedded prefix/);
          },
        },
        { name: 'rejection', description: 'test', run: (_ctx, report) => report.skip('no rejection in these cases') },
      ],
    };
    let closed = 0;
    const summary = await runConformance({ corpusDir: root, levels: [...LEVELS, { ...level, close: () => void closed++ }] });
    expect(seen.sort()).toEqual([`${CROSS}:2`, `${UNPART}:6`]);
    expect(summaryLine(summary)).toBe('conformance: 3 passed, 0 failed, 0 skipped');
    expect(closed).toBe(1);
  });

  it('reports a folder it cannot judge as a failure', async () => {
    const root = corpusWith(CROSS);
    mkdirSync(join(root, 'stray-folder'));
    const summary = await runConformance({ corpusDir: root });
    const stray = summary.results.find((r) => r.name === 'stray-folder')!;
    expect(caseLine(stray)).toBe('FAIL stray-folder: no EXPECTED.json and not a vectors-* folder');
    editText(join(root, CROSS, 'EXPECTED.json'), /"metadata_file": "[^"]*"/, '"metadata_file": 7');
    expect(caseLine(await judge(root, CROSS))).toBe(`FAIL ${CROSS}: ${CROSS}/EXPECTED.json: "metadata_file" must be a string, got 7`);
  });
});

describe('loading a table case', () => {
  it('reads every metadata file (variants and gzip included) and v1 snapshots that list manifests directly', async () => {
    const variants = await loadTable(loadCase(CORPUS, 'duckdb-name-mapping-evolution-v1') as TableCase);
    expect(variants.main.rel).toBe('metadata/v7.metadata.json');
    expect(variants.files.map((f) => f.rel)).toEqual(expect.arrayContaining(['metadata/v3.1.metadata.json', 'metadata/v3.2.metadata.json', 'metadata/v4.1.metadata.json']));
    expect(variants.files.every((f) => f.metadata !== undefined)).toBe(true);

    const gz = await loadTable(loadCase(CORPUS, 'duckdb-lineitem-gz-metadata-v1') as TableCase);
    expect(gz.main.gzip).toBe(true);
    expect(gz.main.metadata!.formatVersion).toBe(1);

    const v1 = await loadTable(loadCase(CORPUS, 'duckdb-v1-deprecated-fields') as TableCase);
    const snap = v1.main.snapshots[0]!;
    expect(snap.listPath).toBeUndefined();
    expect(snap.manifests).toHaveLength(1);
    expect(snap.manifests[0]!.entry).toBeUndefined();
    expect(snap.manifests[0]!.contents!.entries.map((e) => [e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [0n, 0n],
      [0n, 0n],
    ]);

    const outside = await loadTable(loadCase(CORPUS, 'foreign-data-outside-location') as TableCase);
    // Data files sit beside the table's `iceberg/` folder, still under the embedded prefix.
    const files = outside.main.snapshots[0]!.manifests.flatMap((m) => m.contents!.entries.map((e) => outside.resolve(e.dataFile.filePath)));
    expect(files.every((f) => f.startsWith(join(CORPUS, 'foreign-data-outside-location', 'timestamptzcol_day=')))).toBe(true);
  });
});

describe('vector cases', () => {
  const name = 'vectors-table-metadata-json';

  it('passes the table-metadata vectors and fails when an invalid file is accepted or a valid one refused', async () => {
    const root = corpusWith(name);
    expect((await judge(root, name)).verdict).toBe('PASS');
    // An invalid file presented as valid must fail the case ...
    renameSync(join(root, name, 'TableMetadataV2MissingSchemas.json'), join(root, name, 'TableMetadataV2ValidBroken.json'));
    const r = await judge(root, name);
    expect(r.verdict).toBe('FAIL');
    expect(r.reason).toContain('TableMetadataV2ValidBroken.json: INVALID_METADATA');
    // ... and so must a valid file that lake accepts where a rejection is expected.
    const root2 = corpusWith(name);
    cpSync(join(root2, name, 'TableMetadataV2Valid.json'), join(root2, name, 'TableMetadataV2Missing.json'));
    const r2 = await judge(root2, name);
    expect(r2.reason).toContain('TableMetadataV2Missing.json must be rejected, but lake accepted it');
  });

  it('round-trips the manifest-list vectors and refuses the encrypted one', async () => {
    const v = 'vectors-manifest-list-avro';
    const root = corpusWith(v);
    const r = await judge(root, v);
    expect(r.verdict, caseLine(r)).toBe('PASS');
    const notes = r.checks[0]!.notes.join('\n');
    expect(notes).toMatch(/manifest-list-v3-encrypted\.avro rejected as expected: UNSUPPORTED_FEATURE/);
    expect(notes).toMatch(/delete manifest .* has first_row_id 100; the spec says it is always null/);
  });

  it('runs the deletion-vector and Puffin vectors through lake\'s Puffin reader', async () => {
    for (const v of ['vectors-dv-roaring', 'vectors-dv-puffin-iceberg-go', 'vectors-puffin-v1']) {
      const r = await runCase(loadCase(CORPUS, v));
      expect(r.verdict, caseLine(r)).toBe('PASS');
    }
    const v = 'vectors-dv-roaring';
    const root = corpusWith(v);
    // One flipped bit inside the bitmap: the CRC no longer matches.
    const file = join(root, v, 'small-alternating-values-position-index.bin');
    const bytes = readFileSync(file);
    bytes[12]! ^= 0x01;
    writeFileSync(file, bytes);
    // A valid bitmap where the corpus requires a rejection.
    cpSync(join(root, v, '64map32bitvals.bin'), join(root, v, '64maphighvals.bin'));
    const r = await judge(root, v);
    expect(r.verdict).toBe('FAIL');
    const problems = r.checks[0]!.problems.join('\n');
    expect(problems).toMatch(/small-alternating-values-position-index\.bin: INVALID_METADATA: .*CRC-32 mismatch/);
    expect(problems).toContain('64maphighvals.bin must be rejected');
  });

  it('checks the positions each Puffin deletion vector holds', async () => {
    const v = 'vectors-dv-puffin-iceberg-go';
    const root = corpusWith(v);
    cpSync(join(root, v, 'single-blob-dv.puffin'), join(root, v, 'deletion-vector-v1.puffin'));
    const r = await judge(root, v);
    expect(r.verdict).toBe('FAIL');
    expect(r.reason).toContain('deletion-vector-v1.puffin: referenced data files s3://warehouse/db/table/data/00000-0-abc.parquet');
  });
});

describe('runner building blocks', () => {
  it('remaps embedded prefixes of every form to the case folder, on whole path segments', () => {
    expect(remapPath('s3a://warehouse/t/data/a.parquet', 's3a://warehouse/t', '/c')).toBe('/c/data/a.parquet');
    expect(remapPath('file://data/persistent/m/metadata/x.avro', 'file://data/persistent/m', '/c')).toBe('/c/metadata/x.avro');
    expect(remapPath('data/persistent/t/data/a.parquet', 'data/persistent/t', '/c')).toBe('/c/data/a.parquet');
    expect(remapPath('lineitem_iceberg_gz/data/a.parquet', 'lineitem_iceberg', '/c')).toBeUndefined();
    expect(remapPath('s3://b/t//data/a.parquet', 's3://b/t/', '/c')).toBe('/c/data/a.parquet');
    expect(remapPath('s3://b/t', 's3://b/t', '/c')).toBe('/c');
    expect(remapPath('s3://other/t/a', 's3://b/t', '/c')).toBeUndefined();
  });

  it('reads metadata-level facts from the source assertions', () => {
    const f = parseSourceFacts(
      'iceberg_metadata shows 1 DATA + 1 POSITION_DELETES entry; m1 ADDED 00000-5-dad9988f...parquet record_count 51793; last-sequence-number 1; ' +
        'Snapshot summary: total-records 10002, total-position-deletes 1; 3 entries, entries[1].c2_day=20150; (c1,c2)=(1,null),(null,-2); ' +
        'partition = {col_int_bucket[2]:0, col_long_bucket[3]:1}; seq numbers all 0',
    );
    expect(f.liveDataAndPositionDeletes).toEqual({ data: 1, positionDeletes: 1 });
    expect(f.fileRecordCounts).toEqual([{ status: 'ADDED', fileNameStart: '00000-5-dad9988f', recordCount: 51793 }]);
    expect(f.lastSequenceNumber).toBe(1n);
    expect(f.summaryTotals).toEqual({ 'total-records': 10002n, 'total-position-deletes': 1n });
    expect(f.manifestEntries).toBe(3);
    expect(f.partitionValues).toEqual([{ field: 'c2_day', value: 20150 }]);
    expect(f.partitionTuples).toEqual({ fields: ['c1', 'c2'], tuples: [[1, null], [null, -2]] });
    expect(f.bucketValues).toEqual([{ field: 'col_int_bucket', value: 0 }, { field: 'col_long_bucket', value: 1 }]);
    expect(f.sequenceNumbersZero).toBe(true);
    expect(documentedUnreadableSnapshots('NOTE snapshot 7342794868382145167 manifest list (snap-7342794868382145167-1-...) is absent upstream').has(7342794868382145167n)).toBe(true);
    expect(documentedUnreadableSnapshots('snapshot 12 is fine').size).toBe(0);
  });

  it('compares decoded models exactly', () => {
    expect(firstDifference({ a: 1n, b: new Uint8Array([1]), c: undefined }, { a: 1n, b: Buffer.from([1]) })).toBeUndefined();
    expect(firstDifference({ a: 9876543210123456789n }, { a: 9876543210123456790n })).toBe('$.a: 9876543210123456789n != 9876543210123456790n');
    expect(firstDifference([0], [-0])).toBe('$[0]: 0 != -0');
    expect(firstDifference([NaN], [NaN])).toBeUndefined();
    expect(firstDifference(new Map([[1, 'x']]), new Map([[1, 'y']]))).toBe('$.get(1): "x" != "y"');
    expect(firstDifference({ m: new Map([[2, 1]]) }, { m: new Map() })).toBe('$.m.get(2): present != absent');
    expect(lostFields({ a: { b: 1, c: [1, 2] }, d: null }, { a: { b: 1n, c: [1] } })).toEqual(['$.a.c: 2 items -> 1']);
    expect(lostFields({ id: 9876543210123456789n }, { id: 9876543210123456789n })).toEqual([]);
  });

  it('decodes Avro independently with exact longs, and finds fields a rewrite lost', () => {
    const list = join(CORPUS, CROSS, 'metadata/snap-9876543210123456789-1-05ab0eba-8e2d-4f10-b28f-8b0b9cb2573b.avro');
    const records = decodeAvroRaw(readFileSync(list)) as Record<string, unknown>[];
    // Longs beyond 2^53 come out exact (the hand-assembled delete manifest names a snapshot the metadata does not have).
    expect(records.map((r) => r.added_snapshot_id)).toEqual([4327154639183968397n, -653171173268680982n]);
    const original = { status: 1, snapshot_id: 9007199254740993n, data_file: { partition: { a: 1, b: null }, split_offsets: [4n], value_counts: [{ key: 1, value: 3n }, { key: 2, value: 5n }] } };
    expect(lostAvroFields(original, structuredClone(original))).toEqual([]);
    const renamed = { ...original, data_file: { ...original.data_file, partition: { a_renamed: 1, b: null } } };
    expect(lostAvroFields(original, renamed)).toEqual([]);
    const changed = { ...original, snapshot_id: 9007199254740992n, data_file: { partition: { a: 1 }, value_counts: [{ key: 2, value: 5n }] } };
    expect(lostAvroFields(original, changed)).toEqual([
      '$.snapshot_id: 9007199254740993 -> 9007199254740992',
      '$.data_file.split_offsets: array -> absent',
      '$.data_file.value_counts{1}: 3 -> absent',
    ]);
    expect(lostAvroFields({ added_data_files_count: 2 }, { added_files_count: 2 })).toEqual([]);
    expect(lostAvroFields({ key_metadata: Buffer.from([1, 2]) }, { key_metadata: null })).toEqual(['$.key_metadata: 0x0102 -> null']);
  });

  it('lists every corpus folder', () => {
    const cases = listCases(CORPUS);
    expect(cases.filter((c) => c.kind === 'table').length).toBeGreaterThan(60);
    expect(cases.filter((c) => c.kind === 'unknown')).toEqual([]);
    expect(existsSync(join(CORPUS, 'CASES.md'))).toBe(true);
  });
});
