/**
 * Evaluators on metadata written by other engines (../shared/conformance): PyIceberg UUID bounds,
 * an all-null file, Trino's and Spark's bucket/identity/year partition values. The facts checked
 * come from each case's EXPECTED.json (source-asserted answers).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InclusiveMetricsEvaluator,
  ManifestEvaluator,
  ResidualEvaluator,
  StrictMetricsEvaluator,
  bind,
  parsePredicate,
  partitionEvaluator,
  projectInclusive,
} from '../../src/expressions/index.js';
import { readManifest, readManifestList } from '../../src/manifest/index.js';
import type { DataFile, ManifestFile } from '../../src/spec/data-file.js';
import type { PartitionSpec } from '../../src/spec/partition-spec.js';
import type { Schema } from '../../src/spec/schema.js';
import { type TableMetadata, parseTableMetadata } from '../../src/spec/table-metadata.js';

const CORPUS = new URL('../../../shared/conformance/', import.meta.url).pathname;

interface LoadedTable {
  metadata: TableMetadata;
  schema: Schema;
  manifests: { file: ManifestFile; spec: PartitionSpec; dataFiles: DataFile[] }[];
}

function load(caseName: string): LoadedTable {
  const dir = join(CORPUS, caseName);
  const expected = JSON.parse(readFileSync(join(dir, 'EXPECTED.json'), 'utf8')) as { metadata_file: string; embedded_path_prefix: string };
  const local = (p: string): string => join(dir, p.startsWith(expected.embedded_path_prefix) ? p.slice(expected.embedded_path_prefix.length) : p);
  const metadata = parseTableMetadata(readFileSync(join(dir, expected.metadata_file)));
  const schema = metadata.schemas.find((s) => s.schemaId === metadata.currentSchemaId)!;
  const snapshot = metadata.snapshots.find((s) => s.snapshotId === metadata.currentSnapshotId)!;
  const list = readManifestList(readFileSync(local(snapshot.manifestList!)));
  const manifests = list.manifests.map((file) => {
    const spec = metadata.partitionSpecs.find((s) => s.specId === file.partitionSpecId)!;
    const contents = readManifest(readFileSync(local(file.manifestPath)), { manifestFile: file, spec, schema });
    return { file, spec, dataFiles: contents.entries.filter((e) => e.status !== 2).map((e) => e.dataFile) };
  });
  return { metadata, schema, manifests };
}

const present = existsSync(CORPUS);

describe('evaluators on the conformance corpus', () => {
  it('finds the corpus', () => {
    // the corpus sits beside the repository (DESIGN.md §6); without it these checks cannot run
    expect(present, `conformance corpus not found at ${CORPUS}`).toBe(true);
  });

  it.runIf(present)('duckdb-uuid: a UUID equality prunes to the one 5-row file holding it', () => {
    const t = load('duckdb-uuid');
    const files = t.manifests.flatMap((m) => m.dataFiles);
    expect(files.length).toBe(2);
    const ev = new InclusiveMetricsEvaluator(bind(parsePredicate("uuid = '1571effb-facd-42a3-90e9-0af522e9b6c2'"), t.schema));
    const kept = files.filter((f) => ev.eval(f));
    expect(kept.map((f) => f.recordCount)).toEqual([5]);
    // a UUID in neither file's range prunes both; one in the other file keeps only that one
    expect(files.filter((f) => new InclusiveMetricsEvaluator(bind(parsePredicate("uuid = '00000000-0000-0000-0000-000000000000'"), t.schema)).eval(f))).toEqual([]);
  });

  it.runIf(present)('duckdb-all-null-file: IS NOT NULL skips the file whose column is all null', () => {
    const t = load('duckdb-all-null-file');
    const files = t.manifests.flatMap((m) => m.dataFiles);
    expect(files.length).toBe(3);
    const notNull = new InclusiveMetricsEvaluator(bind(parsePredicate('value IS NOT NULL'), t.schema));
    const isNull = new InclusiveMetricsEvaluator(bind(parsePredicate('value IS NULL'), t.schema));
    const allNullStrict = new StrictMetricsEvaluator(bind(parsePredicate('value IS NULL'), t.schema));
    // rows (id, value): 1..3 NULL in the first file; 4..6 foo, bar, baz; 7 NULL and 8 blah
    const kept = files.filter((f) => notNull.eval(f)).reduce((n, f) => n + f.recordCount, 0);
    expect(kept).toBe(5);
    expect(files.filter((f) => isNull.eval(f)).reduce((n, f) => n + f.recordCount, 0)).toBe(5);
    expect(files.filter((f) => allNullStrict.eval(f)).map((f) => f.recordCount)).toEqual([3]);
    expect(files.filter((f) => new InclusiveMetricsEvaluator(bind(parsePredicate("value = 'foo'"), t.schema)).eval(f)).length).toBe(1);
  });

  it.runIf(present)('trino-bucket-all-types: bucket projections select the file Trino wrote, for every type', () => {
    const t = load('trino-bucket-all-types');
    const m = t.manifests.find((x) => x.dataFiles.length > 0)!;
    const [file] = m.dataFiles;
    const filters: [string, string][] = [
      ['col_int = 1', 'col_int = 2'],
      ['col_long = 2', 'col_long = 3'],
      ['col_decimal = 3.00', 'col_decimal = 3.01'],
      ["col_date = DATE '2025-03-03'", "col_date = DATE '2025-03-04'"],
      ["col_time = TIME '17:00:00'", "col_time = TIME '17:00:01'"],
      ["col_timestamp = TIMESTAMP '2025-03-03 00:00:00'", "col_timestamp = TIMESTAMP '2025-03-03 00:00:01'"],
      ["col_timestamptz = TIMESTAMPTZ '2025-03-03 00:00:00+00'", "col_timestamptz = TIMESTAMPTZ '2025-03-03 00:00:00+01'"],
      ["col_string = 'some-string'", "col_string = 'some-strinG'"],
      ["col_uuid = '12151fd2-7586-11e9-8f9e-2a86e4085a59'", "col_uuid = '12151fd2-7586-11e9-8f9e-2a86e4085a5a'"],
      ["col_varbinary = X'736f6d652d76617262696e617279'", "col_varbinary = X'736f6d652d76617262696e61727a'"],
    ];
    let rejected = 0;
    for (const [hit, miss] of filters) {
      const yes = projectInclusive(bind(parsePredicate(hit), t.schema), m.spec);
      expect([hit, partitionEvaluator(yes, m.spec)(file!.partition)]).toEqual([hit, true]);
      expect([hit, ManifestEvaluator.forRowFilter(bind(parsePredicate(hit), t.schema), m.spec).eval(m.file)]).toEqual([hit, true]);
      // another value usually hashes elsewhere (not always: buckets are few)
      if (!partitionEvaluator(projectInclusive(bind(parsePredicate(miss), t.schema), m.spec), m.spec)(file!.partition)) rejected++;
    }
    expect(rejected).toBeGreaterThanOrEqual(5);
  });

  it.runIf(present)('trino-identity-all-types: identity partitions decide filters for the whole file', () => {
    const t = load('trino-identity-all-types');
    const m = t.manifests.find((x) => x.dataFiles.length > 0)!;
    const [file] = m.dataFiles;
    const filter = bind(
      parsePredicate(
        "col_bool = FALSE AND col_int = 1 AND col_long = 2 AND col_float = 2.25 AND col_double = 2.375 AND col_decimal = 3 AND col_date = '2025-03-03' " +
          "AND col_time = '17:00:00' AND col_timestamp = '2025-03-03 00:00:00' AND col_timestamptz = '2025-03-03T00:00:00Z' AND col_string = 'some-string' " +
          "AND col_uuid = '12151fd2-7586-11e9-8f9e-2a86e4085a59' AND col_varbinary = X'736f6d652d76617262696e617279'",
      ),
      t.schema,
    );
    expect(partitionEvaluator(projectInclusive(filter, m.spec), m.spec)(file!.partition)).toBe(true);
    expect(new ResidualEvaluator(filter, m.spec).residualFor(file!.partition)).toEqual({ op: 'true' });
    const other = bind(parsePredicate('col_int = 1 AND col_double > 2.375'), t.schema);
    expect(new ResidualEvaluator(other, m.spec).residualFor(file!.partition)).toEqual({ op: 'false' });
    expect(ManifestEvaluator.forRowFilter(other, m.spec).eval(m.file)).toBe(false);
  });

  it.runIf(present)('trino-year-date: year(date) partitions', () => {
    const t = load('trino-year-date');
    const m = t.manifests.find((x) => x.dataFiles.length > 0)!;
    const keep = (text: string): number => m.dataFiles.filter((f) => partitionEvaluator(projectInclusive(bind(parsePredicate(text), t.schema), m.spec), m.spec)(f.partition)).length;
    // files in 2024 (year 54) and 2025 (year 55)
    const years = m.dataFiles.map((f) => f.partition[0]);
    expect(years).toContain(54);
    const in2024 = years.filter((y) => y === 54).length;
    expect(keep("c2 >= '2024-01-01' AND c2 < '2025-01-01'")).toBe(in2024);
    expect(keep("c2 >= '2024-01-01'")).toBe(years.length);
    expect(keep("c2 BETWEEN '2025-01-01' AND '2025-12-31'")).toBe(years.length - in2024);
    expect(keep("c2 < '2024-01-01'")).toBe(0);
    expect(keep("c2 > '2025-12-31'")).toBe(0);
  });

  it.runIf(present)('icebird-spark-rename-column: Spark bucket[4](id) and identity(date) after a rename', () => {
    const t = load('icebird-spark-rename-column');
    const files = t.manifests.flatMap((m) => m.dataFiles.map((f) => ({ f, spec: m.spec })));
    // rows (id, event_date): (1, 2022-01-01), (2, 2022-01-01), (3, NULL), (4, 2022-01-02)
    const keptRows = (text: string): number =>
      files.filter(({ f, spec }) => partitionEvaluator(projectInclusive(bind(parsePredicate(text), t.schema), spec), spec)(f.partition)).reduce((n, { f }) => n + f.recordCount, 0);
    for (const id of [1, 2, 3, 4]) expect(keptRows(`id = ${id}`)).toBeGreaterThanOrEqual(1);
    expect(keptRows("event_date = '2022-01-01'")).toBe(2);
    expect(keptRows('event_date IS NULL')).toBe(1);
    expect(keptRows("event_date > '2022-01-01'")).toBe(1);
    expect(keptRows("id = 4 AND event_date = '2022-01-01'")).toBe(0);
  });
});
