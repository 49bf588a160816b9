/**
 * The conformance corpus on disk (`../shared/conformance`, see its CASES.md): where it is, which
 * cases it holds, and what each case's EXPECTED.json says, parsed into typed expectations.
 *
 * Two kinds of case folders:
 * - table cases: a real Iceberg table plus EXPECTED.json (metadata file, embedded path prefix,
 *   schema, specs, current snapshot, source-asserted facts, the corpus collector's decoded row counts);
 * - vector cases (`vectors-*`): loose files (metadata JSON, manifest lists, Puffin, Roaring)
 *   whose expectations are described in CASES.md.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseRemapper } from './paths.js';

/** Environment variable that points the runner at another corpus folder. */
export const CORPUS_DIR_ENV = 'LAKE_CONFORMANCE_DIR';

/** The repository root: the nearest folder above this file with lake's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lake') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the lake repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The corpus folder: `$LAKE_CONFORMANCE_DIR`, else `../shared/conformance` beside the repository. */
export function corpusDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[CORPUS_DIR_ENV];
  if (override !== undefined && override !== '') return resolve(override);
  return resolve(repoRoot(), '..', 'shared', 'conformance');
}

/** Thrown when the corpus folder is missing or holds no cases. The message names the path. */
export class CorpusMissingError extends Error {
  readonly path: string;
  constructor(path: string, why: string) {
    super(
      `CONFORMANCE CORPUS NOT FOUND: ${why}: ${path}\n` +
        `  The conformance runner reads real Iceberg tables from ../shared/conformance (beside the repository;\n` +
        `  CASES.md and one folder per case). Put the corpus there, or set ${CORPUS_DIR_ENV} to its location.\n` +
        `  Nothing was checked, so this run FAILS.`,
    );
    this.name = 'CorpusMissingError';
    this.path = path;
  }
}

// ---------------------------------------------------------------------------------------------
// EXPECTED.json

/** A table case's EXPECTED.json, as written by the corpus collector. */
export interface ExpectedJson {
  case: string;
  format_version: number;
  /** Metadata file to read, relative to the case folder. */
  metadata_file: string;
  /** Prefix of every path embedded in the table's metadata; replaced by the case folder. */
  embedded_path_prefix: string;
  metadata_location_field?: string;
  /** Current schema, e.g. `id:int, name:string, tags:list<string>`. */
  schema: string;
  /** Partition specs, e.g. `spec0=[identity(event_date)]; spec1=[identity(event_date), identity(event_type)]`. */
  partition_specs: string;
  /** Current snapshot id as a decimal string, `-1` for none. */
  current_snapshot_id: string;
  /** Facts copied from the origin repository's tests (free text). */
  source_asserted: string;
  helper_decode_NOT_AN_ORACLE?: {
    current_rows?: number;
    current_int_column_sums?: Record<string, string>;
    /** Snapshot id -> row count; a string value is the collector's decode error (the snapshot was unreadable to it). */
    per_snapshot_rows?: Record<string, number | string>;
  };
}

/** Facts of the source assertion that can be checked from metadata and manifests alone. */
export interface SourceFacts {
  /** "1 DATA + 1 POSITION_DELETES entry": live entries of the current snapshot. */
  liveDataAndPositionDeletes?: { data: number; positionDeletes: number };
  /** "m1 ADDED 00000-5-dad9988f...parquet record_count 51793": entries of the current snapshot. */
  fileRecordCounts: { status: 'ADDED' | 'EXISTING' | 'DELETED'; fileNameStart: string; recordCount: number }[];
  /** "single ADDED data file": the current snapshot has exactly one live entry. */
  singleLiveFile: boolean;
  /** "last-sequence-number 1". */
  lastSequenceNumber?: bigint;
  /** "seq numbers all 0" / "data/file seq numbers default 0": every entry's sequence numbers are 0. */
  sequenceNumbersZero: boolean;
  /** "total-records 10002", "total-position-deletes 1": the current snapshot's summary and manifests. */
  summaryTotals: Record<string, bigint>;
  /** "3 entries" / "2 manifest entries": one data manifest of the current snapshot has that many entries. */
  manifestEntries?: number;
  /** "entries[1].c2_day=20150": some live data entry has that partition value. */
  partitionValues: { field: string; value: number }[];
  /** "(c1,c2)=(1,20149),(2,20150)": the partition tuples of the live data entries, as a multiset. */
  partitionTuples?: { fields: [string, string]; tuples: [number | null, number | null][] };
  /** "partition = {col_int_bucket[2]:0, ...}": the partition values of the only live data entry. */
  bucketValues: { field: string; value: number }[];
}

/** How the corpus says a case must be rejected (and at which level). */
export interface ExpectedRejection {
  level: 'metadata' | 'data';
  /** The corpus's words. */
  reason: string;
}

export interface TableCase {
  kind: 'table';
  name: string;
  dir: string;
  expected: ExpectedJson;
  /** Absolute path of the case's main metadata file. */
  metadataPath: string;
  /** `embedded_path_prefix`. */
  prefix: string;
  /** Local path for an embedded path; undefined when the path does not start with the prefix. */
  remap(path: string): string | undefined;
  currentSnapshotId: bigint | undefined;
  facts: SourceFacts;
  /** Rows per snapshot as the corpus collector decoded them (not an oracle): a number, or its error text. */
  snapshotRows: Map<bigint, number | { error: string }>;
  /** Snapshots the corpus documents as unreadable (id -> the corpus's words). */
  documentedUnreadable: Map<bigint, string>;
  /** Set when the corpus says lake must reject the case. */
  rejection?: ExpectedRejection;
}

export interface VectorCase {
  kind: 'vector';
  name: string;
  dir: string;
}

/** A folder of the corpus that is neither (reported as a failure: the runner cannot judge it). */
export interface UnknownCase {
  kind: 'unknown';
  name: string;
  dir: string;
  problem: string;
}

export type ConformanceCase = TableCase | VectorCase | UnknownCase;

function fail(name: string, message: string): never {
  throw new Error(`${name}/EXPECTED.json: ${message}`);
}

function requireString(o: Record<string, unknown>, key: string, name: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail(name, `"${key}" must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/** Validates the shape of an EXPECTED.json object; throws naming the case and field. */
export function parseExpected(json: unknown, name: string): ExpectedJson {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail(name, 'must be a JSON object');
  const o = json as Record<string, unknown>;
  for (const key of ['metadata_file', 'embedded_path_prefix', 'schema', 'partition_specs', 'current_snapshot_id']) requireString(o, key, name);
  if (typeof o.format_version !== 'number') fail(name, `"format_version" must be a number, got ${JSON.stringify(o.format_version)}`);
  if (!/^-?\d+$/.test(o.current_snapshot_id as string)) fail(name, `"current_snapshot_id" must be an integer string`);
  const decoded = o.helper_decode_NOT_AN_ORACLE;
  if (decoded !== undefined && (decoded === null || typeof decoded !== 'object')) fail(name, '"helper_decode_NOT_AN_ORACLE" must be an object');
  const rows = (decoded as Record<string, unknown> | undefined)?.per_snapshot_rows;
  if (rows !== undefined) {
    if (rows === null || typeof rows !== 'object') fail(name, '"per_snapshot_rows" must be an object');
    for (const [id, v] of Object.entries(rows as Record<string, unknown>)) {
      if (!/^-?\d+$/.test(id)) fail(name, `per_snapshot_rows key "${id}" is not a snapshot id`);
      if (typeof v !== 'number' && typeof v !== 'string') fail(name, `per_snapshot_rows["${id}"] must be a number or a string`);
    }
  }
  return { ...(o as unknown as ExpectedJson), source_asserted: typeof o.source_asserted === 'string' ? o.source_asserted : '' };
}

/** Reads the metadata-level facts out of the free-text source assertion. */
export function parseSourceFacts(text: string): SourceFacts {
  const facts: SourceFacts = {
    fileRecordCounts: [],
    singleLiveFile: /single ADDED data file/.test(text),
    sequenceNumbersZero: /seq numbers (?:default|all) 0/.test(text),
    summaryTotals: {},
    partitionValues: [],
    bucketValues: [],
  };
  const dp = /(\d+) DATA \+ (\d+) POSITION_DELETES/.exec(text);
  if (dp) facts.liveDataAndPositionDeletes = { data: Number(dp[1]), positionDeletes: Number(dp[2]) };
  for (const m of text.matchAll(/\b(ADDED|EXISTING|DELETED)(?: data file)? ([\w-]+)\.\.\.parquet record_count (\d+)/g)) {
    facts.fileRecordCounts.push({ status: m[1] as 'ADDED' | 'EXISTING' | 'DELETED', fileNameStart: m[2]!, recordCount: Number(m[3]) });
  }
  const lsn = /last-sequence-number (\d+)/.exec(text);
  if (lsn) facts.lastSequenceNumber = BigInt(lsn[1]!);
  for (const m of text.matchAll(/\b(total-records|total-position-deletes|total-equality-deletes|total-data-files|total-delete-files) (\d+)/g)) {
    facts.summaryTotals[m[1]!] = BigInt(m[2]!);
  }
  const entries = /\b(\d+) (?:manifest )?entries\b/.exec(text);
  if (entries) facts.manifestEntries = Number(entries[1]);
  for (const m of text.matchAll(/entries\[\d+\]\.(\w+)=(-?\d+)/g)) facts.partitionValues.push({ field: m[1]!, value: Number(m[2]) });
  const tuples = /\((\w+),(\w+)\)=((?:\((?:-?\d+|null),(?:-?\d+|null)\),?)+)/.exec(text);
  if (tuples) {
    const num = (s: string): number | null => (s === 'null' ? null : Number(s));
    facts.partitionTuples = {
      fields: [tuples[1]!, tuples[2]!],
      tuples: [...tuples[3]!.matchAll(/\((-?\d+|null),(-?\d+|null)\)/g)].map((t) => [num(t[1]!), num(t[2]!)]),
    };
  }
  const bucket = /partition = \{([^}]*)\}/.exec(text);
  if (bucket) for (const m of bucket[1]!.matchAll(/(\w+)\[\d+\]:(-?\d+)/g)) facts.bucketValues.push({ field: m[1]!, value: Number(m[2]) });
  return facts;
}

/** Snapshot ids the corpus text documents as unreadable ("snapshot N ... absent upstream ... not readable"). */
export function documentedUnreadableSnapshots(text: string): Map<bigint, string> {
  const out = new Map<bigint, string>();
  for (const m of text.matchAll(/snapshot (\d+)\b.{0,200}?\b(?:absent|not readable)[^.;]*/g)) out.set(BigInt(m[1]!), m[0]);
  return out;
}

/** The rejection the corpus asks for, if any ("scan must ERROR by default"). */
export function expectedRejection(text: string): ExpectedRejection | undefined {
  const m = /(?:scan|read) must ERROR[^;]*/i.exec(text);
  return m ? { level: 'data', reason: m[0] } : undefined;
}

function loadTableCase(name: string, dir: string, expectedPath: string): TableCase {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(expectedPath, 'utf8'));
  } catch (e) {
    fail(name, `not valid JSON (${(e as Error).message})`);
  }
  const expected = parseExpected(raw, name);
  const snapshotRows = new Map<bigint, number | { error: string }>();
  for (const [id, v] of Object.entries(expected.helper_decode_NOT_AN_ORACLE?.per_snapshot_rows ?? {})) {
    snapshotRows.set(BigInt(id), typeof v === 'number' ? v : { error: v });
  }
  const current = BigInt(expected.current_snapshot_id);
  const c: TableCase = {
    kind: 'table',
    name,
    dir,
    expected,
    metadataPath: join(dir, expected.metadata_file),
    prefix: expected.embedded_path_prefix,
    remap: caseRemapper(expected.embedded_path_prefix, dir),
    currentSnapshotId: current === -1n ? undefined : current,
    facts: parseSourceFacts(expected.source_asserted),
    snapshotRows,
    documentedUnreadable: documentedUnreadableSnapshots(expected.source_asserted),
  };
  const rejection = expectedRejection(expected.source_asserted);
  if (rejection !== undefined) c.rejection = rejection;
  return c;
}

/** Loads one case folder. A table case with a broken EXPECTED.json becomes an UnknownCase with the problem. */
export function loadCase(root: string, name: string): ConformanceCase {
  const dir = join(root, name);
  const expectedPath = join(dir, 'EXPECTED.json');
  if (existsSync(expectedPath)) {
    try {
      return loadTableCase(name, dir, expectedPath);
    } catch (e) {
      return { kind: 'unknown', name, dir, problem: (e as Error).message };
    }
  }
  if (name.startsWith('vectors-')) return { kind: 'vector', name, dir };
  return { kind: 'unknown', name, dir, problem: 'no EXPECTED.json and not a vectors-* folder' };
}

/** Every case folder of the corpus, sorted by name. Throws CorpusMissingError when there is none. */
export function listCases(root: string = corpusDir()): ConformanceCase[] {
  if (!existsSync(root)) throw new CorpusMissingError(root, 'the folder does not exist');
  if (!statSync(root).isDirectory()) throw new CorpusMissingError(root, 'not a folder');
  const names = readdirSync(root)
    .filter((n) => !n.startsWith('.') && statSync(join(root, n)).isDirectory())
    .sort();
  if (names.length === 0) throw new CorpusMissingError(root, 'the folder holds no case folders');
  return names.map((n) => loadCase(root, n));
}
