/**
 * Metadata-level conformance checks: everything that can be checked from metadata JSON, manifest
 * lists and manifests, without reading a data file. Each check is a named function over a loaded
 * table case (see table-state.ts); the runner runs them in order and a case passes when none
 * reports a problem.
 */
import { readAvroHeader } from '../../src/manifest/avro-file.js';
import {
  type ManifestList,
  type WrittenManifest,
  type WrittenManifestList,
  readManifest,
  readManifestList,
  sameId,
  writeManifest,
  writeManifestList,
} from '../../src/manifest/index.js';
import { LakeError } from '../../src/errors.js';
import { EntryStatus, FileContent, type ManifestEntry, type ManifestFile } from '../../src/spec/data-file.js';
import { parsePartitionSpec, type PartitionSpec, partitionType } from '../../src/spec/partition-spec.js';
import { indexSchema } from '../../src/spec/schema.js';
import { compareValues, decodeValue } from '../../src/spec/single-value.js';
import { ancestorsOf } from '../../src/spec/snapshot.js';
import { type TableMetadata, currentSchema, parseTableMetadata, schemaById, serializeTableMetadata, specById } from '../../src/spec/table-metadata.js';
import { transformToString } from '../../src/spec/transforms.js';
import { type PrimitiveType, isPrimitive, typeToString } from '../../src/spec/types.js';
import { decodeJsonBytes, encodeJsonBytes, parseJson } from '../../src/util/json.js';
import type { CheckModule, CheckReport, TableCheck } from './check.js';
import { decodeAvroRaw, lostAvroFields } from './avro-raw.js';
import { firstDifference, lostFields } from './equal.js';
import { type ManifestState, type MetadataFileState, type SnapshotState, type TableContext, errorText } from './table-state.js';

// ---------------------------------------------------------------------------------------------
// Shared pieces

interface SnapshotView {
  file: MetadataFileState;
  m: TableMetadata;
  s: SnapshotState;
}

/**
 * Each snapshot once: the same snapshot appears in several metadata files of a case, and is read
 * the same way from each unless the format version differs (a table upgraded to v3 still pointing
 * at v1 manifests is read with v3 rules).
 */
function distinctSnapshots(ctx: TableContext): SnapshotView[] {
  const seen = new Set<string>();
  const out: SnapshotView[] = [];
  for (const file of ctx.files) {
    const m = file.metadata;
    if (m === undefined) continue;
    for (const s of file.snapshots) {
      const key = `${s.snapshot.snapshotId}|${s.listPath ?? (s.snapshot.manifests ?? []).join(',')}|v${m.formatVersion}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ file, m, s });
    }
  }
  return out;
}

/**
 * True for a snapshot of an older metadata file that the main (newer) metadata no longer has: it
 * was expired, and expiry deletes the files only it reached, so they may be gone.
 */
function expired(ctx: TableContext, v: SnapshotView): boolean {
  const main = ctx.main.metadata;
  if (v.file.isMain || main === undefined || v.m.lastUpdatedMs > main.lastUpdatedMs) return false;
  return !main.snapshots.some((s) => s.snapshotId === v.s.snapshot.snapshotId);
}

function notFound(e: unknown): e is LakeError {
  return e instanceof LakeError && e.code === 'NOT_FOUND';
}

/** True when the snapshot's manifest list and all its manifests were read. */
function complete(s: SnapshotState): boolean {
  return s.listError === undefined && s.manifests.every((m) => m.contents !== undefined);
}

function entriesOf(s: SnapshotState): ManifestEntry[] {
  return s.manifests.flatMap((m) => m.contents?.entries ?? []);
}

function liveEntries(s: SnapshotState): ManifestEntry[] {
  return entriesOf(s).filter((e) => e.status !== EntryStatus.DELETED);
}

const isData = (e: ManifestEntry): boolean => e.dataFile.content === FileContent.DATA;

function sumRecords(entries: ManifestEntry[]): bigint {
  let n = 0n;
  for (const e of entries) n += BigInt(e.dataFile.recordCount);
  return n;
}

function sumSizes(entries: ManifestEntry[]): bigint {
  let n = 0n;
  for (const e of entries) n += BigInt(e.dataFile.fileSizeInBytes);
  return n;
}

function where(v: SnapshotView): string {
  return `${v.file.rel} snapshot ${v.s.snapshot.snapshotId}`;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function mainMetadata(ctx: TableContext, report: CheckReport): TableMetadata | undefined {
  const m = ctx.main.metadata;
  if (m === undefined) report.fail(`main metadata ${ctx.main.rel} not readable: ${errorText(ctx.main.error)}`);
  return m;
}

function specText(spec: PartitionSpec): string {
  return `spec${spec.specId}=[${spec.fields.map((f) => `${transformToString(f.transform)}(${f.name})`).join(', ')}]`;
}

const squash = (s: string): string => s.replace(/\s+/g, '');

function partitionValue(spec: PartitionSpec, e: ManifestEntry, field: string): unknown {
  const i = spec.fields.findIndex((f) => f.name === field);
  return i < 0 ? undefined : e.dataFile.partition[i];
}

function sameNumber(v: unknown, n: number | null): boolean {
  if (n === null) return v === null;
  if (typeof v === 'number') return v === n;
  if (typeof v === 'bigint') return v === BigInt(n);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Checks

const metadataFiles: TableCheck = {
  name: 'metadata-files',
  description:
    'Every metadata file of the case folder (the main one, older versions, name-mapping and format variants, gzip files) parses; files that are not table metadata are rejected with INVALID_METADATA.',
  run(ctx, report) {
    for (const f of ctx.files) {
      if (f.notMetadata !== undefined) {
        if (f.error instanceof LakeError && f.error.code === 'INVALID_METADATA') report.note(`${f.rel} rejected as expected (${f.notMetadata}): ${f.error.message}`);
        else if (f.error !== undefined) report.fail(`${f.rel} is not table metadata and must be rejected with INVALID_METADATA, got ${errorText(f.error)}`);
        else report.fail(`${f.rel} is not table metadata (${f.notMetadata}) but was accepted`);
        continue;
      }
      if (f.error !== undefined) report.fail(`${f.rel}: ${errorText(f.error)}`);
    }
    report.expect(ctx.files.some((f) => f.isMain && f.metadata !== undefined), `main metadata file ${ctx.case.expected.metadata_file} was not read`);
  },
};

const formatVersion: TableCheck = {
  name: 'format-version',
  description: 'The main metadata has the format version EXPECTED.json gives.',
  run(ctx, report) {
    const m = mainMetadata(ctx, report);
    if (m === undefined) return;
    report.expect(m.formatVersion === ctx.case.expected.format_version, `format version ${m.formatVersion}, expected ${ctx.case.expected.format_version}`);
  },
};

const currentSnapshot: TableCheck = {
  name: 'current-snapshot',
  description: 'The current snapshot id equals EXPECTED.json `current_snapshot_id` exactly (as a bigint; ids above 2^63-1 included).',
  run(ctx, report) {
    const m = mainMetadata(ctx, report);
    if (m === undefined) return;
    const want = ctx.case.currentSnapshotId;
    report.expect(m.currentSnapshotId === want, `current snapshot ${m.currentSnapshotId ?? 'none'}, expected ${want ?? 'none'}`);
    if (m.currentSnapshotId !== undefined) {
      report.expect(m.snapshots.some((s) => s.snapshotId === m.currentSnapshotId), `current snapshot ${m.currentSnapshotId} is not among the snapshots`);
    }
    if (m.currentSnapshotId === undefined) {
      const rows = ctx.case.expected.helper_decode_NOT_AN_ORACLE?.current_rows;
      report.expect(rows === undefined || rows === 0, `table without a current snapshot, but EXPECTED gives ${rows} current rows`);
    }
  },
};

const schema: TableCheck = {
  name: 'schema',
  description: 'The current schema (names and types, in order) equals EXPECTED.json `schema`; every snapshot schema-id exists.',
  run(ctx, report) {
    const m = mainMetadata(ctx, report);
    if (m === undefined) return;
    const got = currentSchema(m)
      .fields.map((f) => `${f.name}:${typeToString(f.type)}`)
      .join(', ');
    report.expect(squash(got) === squash(ctx.case.expected.schema), `current schema ${got}, expected ${ctx.case.expected.schema}`);
    for (const f of ctx.files) {
      const fm = f.metadata;
      if (fm === undefined) continue;
      for (const s of fm.snapshots) {
        if (s.schemaId !== undefined) report.expect(schemaById(fm, s.schemaId) !== undefined, `${f.rel}: snapshot ${s.snapshotId} has schema-id ${s.schemaId}, which is not among the schemas`);
      }
    }
  },
};

const partitionSpecs: TableCheck = {
  name: 'partition-specs',
  description: 'The partition specs (ids, transforms, field names) equal EXPECTED.json `partition_specs`.',
  run(ctx, report) {
    const m = mainMetadata(ctx, report);
    if (m === undefined) return;
    const got = m.partitionSpecs.map(specText).join('; ');
    report.expect(squash(got) === squash(ctx.case.expected.partition_specs), `partition specs ${got}, expected ${ctx.case.expected.partition_specs}`);
  },
};

const unreadablePieces: TableCheck = {
  name: 'unreadable-pieces',
  description:
    'Every manifest list and manifest reachable from every snapshot is read, except pieces the corpus documents as absent upstream: those must fail with a clear NOT_FOUND LakeError.',
  run(ctx, report) {
    const documented = ctx.case.documentedUnreadable;
    const m = ctx.main.metadata;
    for (const id of documented.keys()) {
      if (m !== undefined && !m.snapshots.some((s) => s.snapshotId === id)) report.fail(`the corpus documents snapshot ${id} as unreadable, but the metadata has no such snapshot`);
    }
    for (const v of distinctSnapshots(ctx)) {
      const { s } = v;
      const doc = documented.get(s.snapshot.snapshotId);
      if (expired(ctx, v) && (notFound(s.listError) || s.manifests.some((ms) => notFound(ms.error)))) {
        report.note(`${where(v)}: files removed after the snapshot expired (not in ${ctx.main.rel}): ${errorText(s.listError ?? s.manifests.find((ms) => ms.error)!.error)}`);
        continue;
      }
      if (s.listError !== undefined) {
        if (doc === undefined) report.fail(`${where(v)}: manifest list ${s.listPath}: ${errorText(s.listError)}`);
        else if (!notFound(s.listError)) {
          report.fail(`${where(v)}: documented as absent upstream, expected a NOT_FOUND error, got ${errorText(s.listError)}`);
        } else report.note(`expected error: ${where(v)}: ${s.listError.message} (corpus: "${doc}")`);
        continue;
      }
      if (doc !== undefined) report.fail(`${where(v)}: the corpus documents this snapshot as unreadable ("${doc}"), but its manifest list was read`);
      for (const ms of s.manifests) if (ms.error !== undefined) report.fail(`${where(v)}: manifest ${ms.path}: ${errorText(ms.error)}`);
    }
    // The collector's per-snapshot decode errors must be exactly the documented ones.
    for (const [id, rows] of ctx.case.snapshotRows) {
      if (typeof rows !== 'number' && !documented.has(id)) report.fail(`EXPECTED gives an error for snapshot ${id} ("${rows.error}") that the corpus does not document`);
    }
  },
};

const snapshotIds: TableCheck = {
  name: 'snapshot-ids',
  description:
    'Snapshot ids are exact bigints: the snapshots are exactly those EXPECTED.json lists, refs point at snapshots, and each manifest list names its own snapshot; ADDED entries carry the id of the snapshot that added their manifest.',
  run(ctx, report) {
    const m = mainMetadata(ctx, report);
    if (m === undefined) return;
    const ids = m.snapshots.map((s) => s.snapshotId);
    for (const id of ids) report.expect(typeof id === 'bigint', `snapshot id ${String(id)} is not a bigint`);
    report.expect(new Set(ids).size === ids.length, 'duplicate snapshot ids');
    if (ctx.case.snapshotRows.size > 0) {
      const expected = [...ctx.case.snapshotRows.keys()];
      const missing = expected.filter((id) => !ids.includes(id));
      const extra = ids.filter((id) => !ctx.case.snapshotRows.has(id));
      report.expect(missing.length === 0, `snapshots listed in EXPECTED.json but not in the metadata: ${missing.join(', ')}`);
      report.expect(extra.length === 0, `snapshots in the metadata but not in EXPECTED.json: ${extra.join(', ')}`);
    }
    for (const f of ctx.files) {
      const fm = f.metadata;
      if (fm === undefined) continue;
      for (const [name, ref] of fm.refs) {
        report.expect(fm.snapshots.some((s) => s.snapshotId === ref.snapshotId), `${f.rel}: ref "${name}" points at missing snapshot ${ref.snapshotId}`);
      }
    }
    for (const v of distinctSnapshots(ctx)) {
      const { s } = v;
      if (!complete(s)) continue;
      const id = s.snapshot.snapshotId;
      if (s.list?.snapshotId !== undefined) {
        report.expect(sameId(s.list.snapshotId, id), `${where(v)}: manifest list says snapshot-id ${s.list.snapshotId}`);
      }
      for (const ms of s.manifests) {
        const e = ms.entry;
        for (const en of ms.contents!.entries) {
          report.expect(typeof en.snapshotId === 'bigint', `${where(v)}: an entry of ${ms.path} has no snapshot id after inheritance`);
          if (e !== undefined && en.status === EntryStatus.ADDED) {
            // ADDED entries only live in the manifest their snapshot wrote (merging rewrites them as EXISTING).
            report.expect(sameId(en.snapshotId, e.addedSnapshotId), `${where(v)}: ADDED entry ${fileName(en.dataFile.filePath)} has snapshot id ${en.snapshotId}, its manifest was added by ${e.addedSnapshotId}`);
          }
        }
      }
    }
  },
};

const parentIds: TableCheck = {
  name: 'parent-ids',
  description:
    'Parent ids form an acyclic history (a missing parent is an expired snapshot), match the manifest list `parent-snapshot-id`, and sequence numbers grow from parent to child.',
  run(ctx, report) {
    for (const f of ctx.files) {
      const m = f.metadata;
      if (m === undefined) continue;
      const byId = new Map(m.snapshots.map((s) => [s.snapshotId, s] as const));
      for (const s of m.snapshots) {
        try {
          ancestorsOf(m, s.snapshotId);
        } catch (e) {
          report.fail(`${f.rel}: snapshot ${s.snapshotId}: ${errorText(e)}`);
        }
        if (s.parentSnapshotId === undefined) continue;
        report.expect(s.parentSnapshotId !== s.snapshotId, `${f.rel}: snapshot ${s.snapshotId} is its own parent`);
        const parent = byId.get(s.parentSnapshotId);
        if (parent === undefined) continue; // expired
        if (m.formatVersion >= 2 && s.sequenceNumber > 0n) {
          report.expect(parent.sequenceNumber < s.sequenceNumber, `${f.rel}: snapshot ${s.snapshotId} has sequence number ${s.sequenceNumber}, not above its parent's ${parent.sequenceNumber}`);
        }
      }
    }
    for (const v of distinctSnapshots(ctx)) {
      const list = v.s.list;
      if (list === undefined || list.keyValue['parent-snapshot-id'] === undefined) continue;
      const want = v.s.snapshot.parentSnapshotId;
      report.expect(
        sameId(list.parentSnapshotId, want),
        `${where(v)}: manifest list says parent-snapshot-id ${list.parentSnapshotId ?? 'null'}, metadata says ${want ?? 'none'}`,
      );
    }
  },
};

const sequenceNumbers: TableCheck = {
  name: 'sequence-numbers',
  description:
    'Sequence numbers: v1 all 0; v2+ snapshots unique and at most last-sequence-number; manifest lists and manifests agree with their snapshot; after inheritance every entry has data and file sequence numbers with data <= file <= manifest, live entries at or above the manifest minimum, ADDED entries at their manifest number.',
  run(ctx, report) {
    const facts = ctx.case.facts;
    for (const f of ctx.files) {
      const m = f.metadata;
      if (m === undefined) continue;
      if (m.formatVersion === 1) {
        report.expect(m.lastSequenceNumber === 0n, `${f.rel}: v1 last-sequence-number ${m.lastSequenceNumber}`);
        for (const s of m.snapshots) report.expect(s.sequenceNumber === 0n, `${f.rel}: v1 snapshot ${s.snapshotId} has sequence number ${s.sequenceNumber}`);
        continue;
      }
      const seen = new Map<bigint, bigint>();
      for (const s of m.snapshots) {
        report.expect(s.sequenceNumber <= m.lastSequenceNumber, `${f.rel}: snapshot ${s.snapshotId} sequence number ${s.sequenceNumber} > last-sequence-number ${m.lastSequenceNumber}`);
        if (s.sequenceNumber === 0n) continue; // from before an upgrade to v2
        const other = seen.get(s.sequenceNumber);
        report.expect(other === undefined, `${f.rel}: snapshots ${other} and ${s.snapshotId} share sequence number ${s.sequenceNumber}`);
        seen.set(s.sequenceNumber, s.snapshotId);
      }
    }
    const m = ctx.main.metadata;
    if (m !== undefined && facts.lastSequenceNumber !== undefined) {
      report.expect(m.lastSequenceNumber === facts.lastSequenceNumber, `last-sequence-number ${m.lastSequenceNumber}, the source asserts ${facts.lastSequenceNumber}`);
    }
    for (const v of distinctSnapshots(ctx)) {
      const { s, m: vm } = v;
      if (!complete(s)) continue;
      const snapSeq = s.snapshot.sequenceNumber;
      if (s.list?.sequenceNumber !== undefined) report.expect(s.list.sequenceNumber === snapSeq, `${where(v)}: manifest list sequence-number ${s.list.sequenceNumber} != snapshot's ${snapSeq}`);
      for (const ms of s.manifests) {
        const mf = ms.entry;
        const contents = ms.contents!;
        const tag = `${where(v)}: ${fileName(ms.path)}`;
        if (mf !== undefined) {
          report.expect(mf.sequenceNumber <= snapSeq, `${tag}: manifest sequence number ${mf.sequenceNumber} > snapshot's ${snapSeq}`);
          report.expect(mf.minSequenceNumber <= mf.sequenceNumber, `${tag}: min sequence number ${mf.minSequenceNumber} > sequence number ${mf.sequenceNumber}`);
          if (s.list!.formatVersion >= 2 && sameId(mf.addedSnapshotId, s.snapshot.snapshotId)) {
            report.expect(mf.sequenceNumber === snapSeq, `${tag}: added by this snapshot but has sequence number ${mf.sequenceNumber}, snapshot has ${snapSeq}`);
          }
        }
        for (const e of contents.entries) {
          const what = `${tag}: ${fileName(e.dataFile.filePath)}`;
          if (vm.formatVersion === 1 || contents.metadata.formatVersion === 1) {
            // v1 manifests carry no sequence numbers: they read as 0.
            report.expect(e.sequenceNumber === 0n && e.fileSequenceNumber === 0n, `${what}: v1 entry has sequence numbers ${e.sequenceNumber}/${e.fileSequenceNumber}, expected 0/0`);
            continue;
          }
          if (typeof e.sequenceNumber !== 'bigint' || typeof e.fileSequenceNumber !== 'bigint') {
            report.fail(`${what}: no data or file sequence number after inheritance`);
            continue;
          }
          report.expect(e.sequenceNumber <= e.fileSequenceNumber, `${what}: data sequence number ${e.sequenceNumber} > file sequence number ${e.fileSequenceNumber}`);
          if (mf === undefined) continue;
          report.expect(e.fileSequenceNumber <= mf.sequenceNumber, `${what}: file sequence number ${e.fileSequenceNumber} > manifest's ${mf.sequenceNumber}`);
          if (e.status !== EntryStatus.DELETED) {
            report.expect(e.sequenceNumber >= mf.minSequenceNumber, `${what}: live entry with data sequence number ${e.sequenceNumber} < manifest min ${mf.minSequenceNumber}`);
          }
          if (e.status === EntryStatus.ADDED) {
            report.expect(e.fileSequenceNumber === mf.sequenceNumber, `${what}: ADDED entry has file sequence number ${e.fileSequenceNumber}, manifest has ${mf.sequenceNumber}`);
          }
        }
      }
      if (facts.sequenceNumbersZero && v.file.isMain) {
        for (const e of entriesOf(s)) {
          report.expect(e.sequenceNumber === 0n && e.fileSequenceNumber === 0n, `${where(v)}: ${fileName(e.dataFile.filePath)} sequence numbers ${e.sequenceNumber}/${e.fileSequenceNumber}, the source asserts 0`);
        }
      }
    }
  },
};

const manifestShapes: TableCheck = {
  name: 'manifest-shapes',
  description:
    "Each manifest matches its list entry and the table: partition spec id and fields, content (data or deletes) and the content of its files, format version at most the table's, schema (when it names a schema id of the table), and partition tuples of the spec's arity.",
  run(ctx, report) {
    for (const v of distinctSnapshots(ctx)) {
      if (!complete(v.s)) continue;
      for (const ms of v.s.manifests) {
        const { metadata: md, entries } = ms.contents!;
        const tag = `${where(v)}: ${fileName(ms.path)}`;
        const spec = ms.spec!;
        if (md.specId !== undefined) report.expect(md.specId === spec.specId, `${tag}: partition-spec-id ${md.specId}, list entry says ${spec.specId}`);
        if (md.keyValue['partition-spec'] !== undefined) {
          const own = parsePartitionSpec(parseJson(md.keyValue['partition-spec']), spec.specId);
          const d = firstDifference(
            own.fields.map((f) => [f.fieldId, f.sourceId, transformToString(f.transform), f.name]),
            spec.fields.map((f) => [f.fieldId, f.sourceId, transformToString(f.transform), f.name]),
          );
          report.expect(d === undefined, () => `${tag}: partition-spec differs from table spec ${spec.specId}: ${d}`);
        }
        report.expect(md.formatVersion <= v.m.formatVersion, `${tag}: manifest format version ${md.formatVersion} above the table's ${v.m.formatVersion}`);
        const deletes = (ms.entry?.content ?? (md.content === 'deletes' ? 1 : 0)) === 1;
        if (ms.entry !== undefined && md.keyValue.content !== undefined) {
          report.expect((md.content === 'deletes') === deletes, `${tag}: content "${md.content}" but the list entry says ${deletes ? 'deletes' : 'data'}`);
        }
        const tableSchema = md.schemaId === undefined ? undefined : schemaById(v.m, md.schemaId);
        const own = md.schema;
        if (tableSchema !== undefined && own !== undefined) {
          const d = firstDifference(own.fields, tableSchema.fields);
          report.expect(d === undefined, () => `${tag}: manifest schema differs from table schema ${md.schemaId}: ${d}`);
        }
        for (const e of entries) {
          const df = e.dataFile;
          report.expect(isData(e) !== deletes, `${tag}: ${fileName(df.filePath)} has content ${df.content} in a ${deletes ? 'delete' : 'data'} manifest`);
          report.expect(df.specId === spec.specId, `${tag}: ${fileName(df.filePath)} has spec id ${df.specId}`);
          report.expect(df.partition.length === spec.fields.length, `${tag}: ${fileName(df.filePath)} has ${df.partition.length} partition values, spec ${spec.specId} has ${spec.fields.length} fields`);
          if (df.content === FileContent.EQUALITY_DELETES) report.expect((df.equalityIds?.length ?? 0) > 0, `${tag}: equality delete ${fileName(df.filePath)} without equality ids`);
        }
      }
    }
  },
};

/** Summary fields lake can recompute from the manifests of a snapshot. */
function summaryFacts(s: SnapshotState): Record<string, bigint> {
  const all = entriesOf(s);
  const live = all.filter((e) => e.status !== EntryStatus.DELETED);
  const id = s.snapshot.snapshotId;
  const mine = (status: EntryStatus) => all.filter((e) => e.status === status && sameId(e.snapshotId, id));
  const added = mine(EntryStatus.ADDED);
  const removed = mine(EntryStatus.DELETED);
  const pos = (es: ManifestEntry[]) => es.filter((e) => e.dataFile.content === FileContent.POSITION_DELETES);
  const eq = (es: ManifestEntry[]) => es.filter((e) => e.dataFile.content === FileContent.EQUALITY_DELETES);
  const data = (es: ManifestEntry[]) => es.filter(isData);
  const dels = (es: ManifestEntry[]) => es.filter((e) => !isData(e));
  const n = (es: ManifestEntry[]) => BigInt(es.length);
  return {
    'total-data-files': n(data(live)),
    'total-delete-files': n(dels(live)),
    'total-records': sumRecords(data(live)),
    'total-position-deletes': sumRecords(pos(live)),
    'total-equality-deletes': sumRecords(eq(live)),
    'total-files-size': sumSizes(live),
    'added-data-files': n(data(added)),
    'deleted-data-files': n(data(removed)),
    'added-delete-files': n(dels(added)),
    'removed-delete-files': n(dels(removed)),
    'added-position-delete-files': n(pos(added)),
    'removed-position-delete-files': n(pos(removed)),
    'added-equality-delete-files': n(eq(added)),
    'removed-equality-delete-files': n(eq(removed)),
    'added-records': sumRecords(data(added)),
    'deleted-records': sumRecords(data(removed)),
    'added-position-deletes': sumRecords(pos(added)),
    'removed-position-deletes': sumRecords(pos(removed)),
    'added-equality-deletes': sumRecords(eq(added)),
    'removed-equality-deletes': sumRecords(eq(removed)),
  };
}

/**
 * Summary totals that describe the snapshot's contents and must match the manifests. The other
 * fields lake recomputes (per-snapshot changes, total-files-size) depend on each writer's
 * bookkeeping (hand-assembled snapshots, DV files counted once per blob or once per file), so a
 * disagreement there is only noted.
 */
const HARD_SUMMARY_FIELDS = new Set(['total-data-files', 'total-delete-files', 'total-records', 'total-position-deletes', 'total-equality-deletes']);

const fileCounts: TableCheck = {
  name: 'file-counts',
  description:
    'Per snapshot: manifest list counts (files and rows by status) match the manifests; summary totals and per-snapshot changes (total-records, total-data-files, total-delete-files, position/equality delete totals, added/deleted files and records) match the manifests; snapshots without deletes have the row count EXPECTED.json gives.',
  run(ctx, report) {
    for (const v of distinctSnapshots(ctx)) {
      const { s } = v;
      if (!complete(s)) continue;
      for (const ms of s.manifests) {
        const mf = ms.entry;
        if (mf === undefined) continue;
        const es = ms.contents!.entries;
        const tag = `${where(v)}: ${fileName(ms.path)}`;
        const by = (st: EntryStatus) => es.filter((e) => e.status === st);
        const pairs: [keyof ManifestFile, number][] = [
          ['addedFilesCount', by(EntryStatus.ADDED).length],
          ['existingFilesCount', by(EntryStatus.EXISTING).length],
          ['deletedFilesCount', by(EntryStatus.DELETED).length],
          ['addedRowsCount', Number(sumRecords(by(EntryStatus.ADDED)))],
          ['existingRowsCount', Number(sumRecords(by(EntryStatus.EXISTING)))],
          ['deletedRowsCount', Number(sumRecords(by(EntryStatus.DELETED)))],
        ];
        // Per-status counts are the writer's bookkeeping (PyIceberg once counted EXISTING files as added):
        // a disagreement is noted; the totals over all statuses must agree.
        for (const [key, got] of pairs) {
          const want = mf[key];
          if (want !== undefined && want !== got) report.note(`${tag}: list entry ${key} ${String(want)}, the manifest has ${got} (writer bookkeeping)`);
        }
        const total = (keys: (keyof ManifestFile)[]) => (keys.every((k) => mf[k] !== undefined) ? keys.reduce((n, k) => n + (mf[k] as number), 0) : undefined);
        const files = total(['addedFilesCount', 'existingFilesCount', 'deletedFilesCount']);
        if (files !== undefined) report.expect(files === es.length, `${tag}: list entry counts ${files} files, the manifest has ${es.length} entries`);
        const rows = total(['addedRowsCount', 'existingRowsCount', 'deletedRowsCount']);
        if (rows !== undefined) report.expect(BigInt(rows) === sumRecords(es), `${tag}: list entry counts ${rows} rows, the manifest's files hold ${sumRecords(es)}`);
      }
      const summary = s.snapshot.summary;
      if (summary !== undefined) {
        const facts = summaryFacts(s);
        for (const [key, got] of Object.entries(facts)) {
          const text = summary[key];
          if (text === undefined || !/^\d+$/.test(text) || BigInt(text) === got) continue;
          if (HARD_SUMMARY_FIELDS.has(key)) report.fail(`${where(v)}: summary ${key}=${text}, the manifests give ${got}`);
          else report.note(`${where(v)}: summary ${key}=${text}, the manifests give ${got} (writer bookkeeping)`);
        }
      }
      // Row counts need deletes applied when there are any: that is the data level's job.
      if (v.file.isMain) {
        const rows = ctx.case.snapshotRows.get(s.snapshot.snapshotId);
        const live = liveEntries(s);
        if (typeof rows === 'number' && live.every(isData)) {
          const got = sumRecords(live);
          report.expect(got === BigInt(rows), `${where(v)}: data files hold ${got} records and no deletes apply, EXPECTED gives ${rows} rows`);
        }
      }
    }
  },
};

const filesExist: TableCheck = {
  name: 'files-exist',
  description:
    'After remapping the embedded prefix, every manifest, every live data and delete file of every snapshot, and every statistics file exists, with the size the metadata records.',
  async run(ctx, report) {
    const checked = new Set<string>();
    let gone = false; // files of expired snapshots may be deleted
    const check = async (path: string, size: number | undefined, what: string): Promise<void> => {
      if (checked.has(path)) return;
      checked.add(path);
      let info;
      try {
        info = await ctx.head(path);
      } catch (e) {
        report.fail(`${what} ${path}: ${errorText(e)}`);
        return;
      }
      if (info === undefined) {
        if (gone) report.note(`${what} ${path} of an expired snapshot is gone`);
        else report.fail(`${what} ${path} not found at ${ctx.resolve(path)}`);
      }
      else if (size !== undefined && info.size !== size) {
        // Some upstream fixtures were rewritten after their manifests: readers must take the
        // object's real size (e.g. for the Parquet footer), never the recorded one.
        report.note(`${what} ${path}: ${info.size} bytes on disk, metadata says ${size}`);
      }
    };
    // Snapshots of the main metadata first, so a file shared with an expired snapshot is judged as live.
    const views = distinctSnapshots(ctx).sort((a, b) => Number(expired(ctx, a)) - Number(expired(ctx, b)));
    for (const v of views) {
      if (!complete(v.s)) continue;
      gone = expired(ctx, v);
      for (const ms of v.s.manifests) {
        await check(ms.path, ms.entry?.manifestLength, 'manifest');
        for (const e of ms.contents!.entries) {
          if (e.status === EntryStatus.DELETED) continue;
          await check(e.dataFile.filePath, e.dataFile.fileSizeInBytes, isData(e) ? 'data file' : 'delete file');
        }
      }
    }
    const m = ctx.main.metadata;
    if (m !== undefined) {
      for (const st of [...m.statistics, ...m.partitionStatistics]) await check(st.statisticsPath, st.fileSizeInBytes, 'statistics file');
    }
  },
};

const sourceFacts: TableCheck = {
  name: 'source-facts',
  description:
    "The origin repository's own assertions that concern metadata (live DATA/POSITION_DELETES entries, ADDED/DELETED files with record counts, summary totals, manifest entry counts, partition values) hold for the current snapshot.",
  run(ctx, report) {
    const f = ctx.case.facts;
    const applies =
      f.liveDataAndPositionDeletes !== undefined ||
      f.fileRecordCounts.length > 0 ||
      f.singleLiveFile ||
      Object.keys(f.summaryTotals).length > 0 ||
      f.manifestEntries !== undefined ||
      f.partitionValues.length > 0 ||
      f.partitionTuples !== undefined ||
      f.bucketValues.length > 0;
    if (!applies) {
      report.skip('the source assertion states no metadata-level fact');
      return;
    }
    const m = mainMetadata(ctx, report);
    if (m === undefined) return;
    const s = ctx.main.snapshots.find((x) => x.snapshot.snapshotId === m.currentSnapshotId);
    if (s === undefined || !complete(s)) {
      report.fail('the current snapshot could not be read');
      return;
    }
    const all = entriesOf(s);
    const live = liveEntries(s);
    const liveData = live.filter(isData);
    if (f.liveDataAndPositionDeletes !== undefined) {
      const pos = live.filter((e) => e.dataFile.content === FileContent.POSITION_DELETES).length;
      report.expect(
        liveData.length === f.liveDataAndPositionDeletes.data && pos === f.liveDataAndPositionDeletes.positionDeletes,
        `${liveData.length} DATA + ${pos} POSITION_DELETES live entries, the source asserts ${f.liveDataAndPositionDeletes.data} + ${f.liveDataAndPositionDeletes.positionDeletes}`,
      );
    }
    for (const fr of f.fileRecordCounts) {
      const hit = all.find((e) => e.status === EntryStatus[fr.status] && fileName(e.dataFile.filePath).startsWith(fr.fileNameStart));
      if (hit === undefined) report.fail(`no ${fr.status} entry for ${fr.fileNameStart}...`);
      else report.expect(hit.dataFile.recordCount === fr.recordCount, `${fr.status} ${fr.fileNameStart}... has record_count ${hit.dataFile.recordCount}, the source asserts ${fr.recordCount}`);
    }
    if (f.singleLiveFile) report.expect(live.length === 1, `${live.length} live entries, the source asserts a single data file`);
    const computed = summaryFacts(s);
    for (const [key, want] of Object.entries(f.summaryTotals)) {
      const text = s.snapshot.summary?.[key];
      report.expect(text !== undefined && BigInt(text) === want, `summary ${key}=${text ?? 'absent'}, the source asserts ${want}`);
      report.expect(computed[key] === want, `the manifests give ${key} ${computed[key]}, the source asserts ${want}`);
    }
    if (f.manifestEntries !== undefined) {
      const counts = s.manifests.filter((ms) => (ms.entry?.content ?? 0) === 0).map((ms) => ms.contents!.entries.length);
      report.expect(counts.includes(f.manifestEntries), `data manifests have ${counts.join(', ')} entries, the source asserts one with ${f.manifestEntries}`);
    }
    const specOf = (e: ManifestEntry) => specById(m, e.dataFile.specId)!;
    for (const pv of f.partitionValues) {
      const ok = liveData.some((e) => sameNumber(partitionValue(specOf(e), e, pv.field), pv.value));
      report.expect(ok, `no live data file has partition ${pv.field}=${pv.value}`);
    }
    if (f.partitionTuples !== undefined) {
      const [a, b] = f.partitionTuples.fields;
      const text = (x: unknown) => (x === null || x === undefined ? 'null' : String(x));
      const got = liveData.map((e) => `(${text(partitionValue(specOf(e), e, a))},${text(partitionValue(specOf(e), e, b))})`).sort();
      const want = f.partitionTuples.tuples.map(([x, y]) => `(${text(x)},${text(y)})`).sort();
      report.expect(got.join() === want.join(), `partition tuples (${a},${b}) ${got.join(' ')}, the source asserts ${want.join(' ')}`);
    }
    if (f.bucketValues.length > 0) {
      if (liveData.length !== 1) report.fail(`${liveData.length} live data files, the source asserts the partition of one`);
      else {
        const e = liveData[0]!;
        for (const bv of f.bucketValues) {
          const got = partitionValue(specOf(e), e, bv.field);
          report.expect(sameNumber(got, bv.value), `partition ${bv.field}=${String(got)}, the source asserts ${bv.value}`);
        }
      }
    }
  },
};

const metadataRoundTrip: TableCheck = {
  name: 'metadata-round-trip',
  description:
    'Every metadata file survives read -> write -> read: lake writes it at the same format version (gzip-compressed when the original was), reads it back, and the decoded model is unchanged; writing it again gives the same text.',
  run(ctx, report) {
    for (const f of ctx.files) {
      const m = f.metadata;
      if (m === undefined) continue;
      try {
        const text = serializeTableMetadata(m);
        const again = parseTableMetadata(f.gzip ? encodeJsonBytes(text, { gzip: true }) : text);
        report.expect(again.formatVersion === m.formatVersion, `${f.rel}: written as v${again.formatVersion}, read as v${m.formatVersion}`);
        const d = firstDifference(m, again);
        report.expect(d === undefined, () => `${f.rel}: changed by read -> write -> read at ${d}`);
        report.expect(serializeTableMetadata(again) === text, `${f.rel}: writing the re-read metadata gives different text`);
      } catch (e) {
        report.fail(`${f.rel}: ${errorText(e)}`);
      }
    }
  },
};

/** lake's rewrite of a manifest list: same format version, ids, sequence number and codec. */
function rewriteList(s: SnapshotState): WrittenManifestList {
  const list = s.list!;
  const snap = s.snapshot;
  const firstRowId = list.firstRowId ?? snap.firstRowId ?? (list.formatVersion === 3 ? 0n : undefined);
  return writeManifestList({
    formatVersion: list.formatVersion,
    snapshotId: list.snapshotId ?? snap.snapshotId,
    parentSnapshotId: list.keyValue['parent-snapshot-id'] !== undefined ? (list.parentSnapshotId ?? null) : (snap.parentSnapshotId ?? null),
    sequenceNumber: list.sequenceNumber ?? snap.sequenceNumber,
    ...(firstRowId === undefined ? {} : { firstRowId }),
    manifests: list.manifests,
    codec: readAvroHeader(s.listBytes!).codec,
  });
}

/** lake's rewrite of a manifest: same format version, content, spec, schema and codec, the entries as read. */
function rewriteManifest(v: SnapshotView, ms: ManifestState): WrittenManifest {
  const { metadata: md, entries } = ms.contents!;
  const schema = md.schema ?? currentSchema(v.m);
  const content = (ms.entry?.content ?? (md.content === 'deletes' ? 1 : 0)) === 1 ? 'deletes' : 'data';
  const snapshotId = ms.entry?.addedSnapshotId ?? entries[0]?.snapshotId ?? v.s.snapshot.snapshotId;
  return writeManifest({ formatVersion: md.formatVersion, schema, spec: ms.spec!, content, snapshotId, entries, manifestPath: ms.path, codec: md.codec });
}

/**
 * What a manifest list reads back as after lake writes it: unchanged, except where the spec makes
 * the writer decide (spec "First Row ID Assignment"): v3 data manifests without a first_row_id
 * are assigned one, and delete manifests never carry one ("always null"; DuckDB writes one).
 */
export function expectedListAfterWrite(list: ManifestList, written: readonly ManifestFile[], note: (msg: string) => void): ManifestFile[] {
  return list.manifests.map((mf, i) => {
    if (list.formatVersion !== 3) return mf;
    if (mf.content === 0 && mf.firstRowId === undefined) return { ...mf, firstRowId: written[i]!.firstRowId };
    if (mf.content !== 0 && mf.firstRowId !== undefined) {
      note(`delete manifest ${fileName(mf.manifestPath)} has first_row_id ${mf.firstRowId}; the spec says it is always null, so lake writes none`);
      const { firstRowId: _dropped, ...rest } = mf;
      return rest;
    }
    return mf;
  });
}

/**
 * Differences between a metadata file and lake's rewrite of it that the spec allows, each with why.
 * Anything else lake does not write back is a field lost.
 */
const METADATA_NORMALIZATIONS: { pattern: RegExp; why: string }[] = [
  { pattern: /^\$\.snapshots\[\]\.sequence-number: 0 -> absent$/, why: 'a zero sequence number is omitted, as the reference implementation writes it' },
  { pattern: /^\$\.(schemas\[\]|schema)\.identifier-field-ids: 0 items -> absent$|^\$\.(schemas\[\]|schema)\.identifier-field-ids: array -> absent$/, why: 'an empty identifier-field-ids list is omitted' },
  { pattern: /^\$\.current-snapshot-id: -1 -> null$/, why: 'from v3 on "no current snapshot" is null (spec Appendix F)' },
  { pattern: /^\$\.(schema|partition-spec): (object|array) -> absent$/, why: 'the deprecated v1 fields are written for v1 tables only' },
];

const metadataFieldsKept: TableCheck = {
  name: 'metadata-fields-kept',
  description:
    'Every field of every metadata file is in the JSON lake writes for it, with the same value (64-bit numbers compared exactly), except the normalizations the spec allows (listed in checks-metadata.ts).',
  run(ctx, report) {
    for (const f of ctx.files) {
      if (f.metadata === undefined || f.bytes === undefined) continue;
      checkFieldsKept(f.rel, decodeJsonBytes(f.bytes), f.metadata, report);
    }
  },
};

/** Reports fields of `originalText` that lake's serialization of `m` does not keep (see METADATA_NORMALIZATIONS). */
export function checkFieldsKept(label: string, originalText: string, m: TableMetadata, report: CheckReport): void {
  try {
    const written = parseJson(serializeTableMetadata(m));
    for (const d of lostFields(parseJson(originalText), written)) {
      const allowed = METADATA_NORMALIZATIONS.find((n) => n.pattern.test(d));
      if (allowed === undefined) report.fail(`${label}: field not kept: ${d}`);
      else report.note(`${label}: ${d} (${allowed.why})`);
    }
  } catch (e) {
    report.fail(`${label}: ${errorText(e)}`);
  }
}

const manifestListRoundTrip: TableCheck = {
  name: 'manifest-list-round-trip',
  description:
    "Every manifest list survives read -> write -> read with lake's writer at the same format version and codec: same manifests (except the first_row_id the spec has the writer assign or drop), same snapshot id, parent, sequence number.",
  run(ctx, report) {
    const done = new Set<string>();
    for (const v of distinctSnapshots(ctx)) {
      const { s } = v;
      const list = s.list;
      if (list === undefined || s.listBytes === undefined || done.has(s.listLocal!)) continue;
      done.add(s.listLocal!);
      const tag = `${where(v)}: ${fileName(s.listPath!)}`;
      try {
        const codec = readAvroHeader(s.listBytes).codec;
        const w = rewriteList(s);
        const again = readManifestList(w.bytes);
        const expected = expectedListAfterWrite(list, w.manifests, (msg) => report.note(`${tag}: ${msg}`));
        const d = firstDifference(expected, again.manifests);
        report.expect(d === undefined, () => `${tag}: manifests changed by read -> write -> read at ${d}`);
        report.expect(again.formatVersion === list.formatVersion, `${tag}: format version ${list.formatVersion} read back as ${again.formatVersion}`);
        report.expect(readAvroHeader(w.bytes).codec === codec, `${tag}: codec ${codec} not kept`);
        for (const key of ['snapshotId', 'parentSnapshotId', 'sequenceNumber', 'firstRowId'] as const) {
          if (list[key] !== undefined) report.expect(again[key] === list[key], `${tag}: ${key} ${list[key]} read back as ${again[key]}`);
        }
      } catch (e) {
        report.fail(`${tag}: ${errorText(e)}`);
      }
    }
  },
};

const manifestRoundTrip: TableCheck = {
  name: 'manifest-round-trip',
  description:
    "Every manifest survives read -> write -> read with lake's writer at the same format version, content and codec: identical entries after inheritance (status, snapshot ids, sequence numbers, data files with partition tuples and metrics), and lake's manifest-list counts agree with the original writer's.",
  run(ctx, report) {
    const done = new Set<ManifestState>();
    const seenKey = new Set<string>();
    for (const v of distinctSnapshots(ctx)) {
      if (!complete(v.s)) continue;
      for (const ms of v.s.manifests) {
        const key = `${ms.local}|${ms.entry?.sequenceNumber}|${ms.entry?.addedSnapshotId}|v${v.m.formatVersion}`;
        if (done.has(ms) || seenKey.has(key)) continue;
        done.add(ms);
        seenKey.add(key);
        const tag = `${where(v)}: ${fileName(ms.path)}`;
        try {
          roundTripManifest(v, ms, report, tag);
        } catch (e) {
          report.fail(`${tag}: ${errorText(e)}`);
        }
      }
    }
  },
};

function roundTripManifest(v: SnapshotView, ms: ManifestState, report: CheckReport, tag: string): void {
  const { metadata: md, entries } = ms.contents!;
  const spec = ms.spec!;
  const w = rewriteManifest(v, ms);
  const entry = ms.entry === undefined ? undefined : { ...ms.entry, manifestLength: w.bytes.length };
  const again = readManifest(w.bytes, { ...(entry === undefined ? {} : { manifestFile: entry }), spec, schema: currentSchema(v.m) });
  const d = firstDifference(entries, again.entries);
  report.expect(d === undefined, () => `${tag}: entries changed by read -> write -> read at ${d}`);
  report.expect(again.metadata.formatVersion === md.formatVersion, `${tag}: format version ${md.formatVersion} read back as ${again.metadata.formatVersion}`);
  report.expect(again.metadata.content === md.content, `${tag}: content ${md.content} read back as ${again.metadata.content}`);
  report.expect(again.metadata.codec === md.codec, `${tag}: codec ${md.codec} read back as ${again.metadata.codec}`);
  report.expect(again.metadata.specId === spec.specId, `${tag}: partition-spec-id ${spec.specId} read back as ${again.metadata.specId}`);
  // The list entry lake's writer produces counts the entries it wrote.
  const w2 = w.manifestFile;
  const by = (st: EntryStatus) => entries.filter((e) => e.status === st);
  const counts: [keyof ManifestFile, number][] = [
    ['addedFilesCount', by(EntryStatus.ADDED).length],
    ['existingFilesCount', by(EntryStatus.EXISTING).length],
    ['deletedFilesCount', by(EntryStatus.DELETED).length],
    ['addedRowsCount', Number(sumRecords(by(EntryStatus.ADDED)))],
    ['existingRowsCount', Number(sumRecords(by(EntryStatus.EXISTING)))],
    ['deletedRowsCount', Number(sumRecords(by(EntryStatus.DELETED)))],
  ];
  for (const [key, want] of counts) report.expect(w2[key] === want, `${tag}: lake's list entry has ${key} ${String(w2[key])}, the entries give ${want}`);
  const mf = ms.entry;
  if (mf !== undefined) {
    if (mf.partitions !== undefined && mf.partitions.length === spec.fields.length && w2.partitions !== undefined) {
      const nulls = (p: { containsNull: boolean }[]) => p.map((x) => x.containsNull);
      const dn = firstDifference(nulls(mf.partitions), nulls(w2.partitions));
      report.expect(dn === undefined, () => `${tag}: lake's partition summaries disagree on contains_null at ${dn}`);
    }
  }
}

const avroFieldsKept: TableCheck = {
  name: 'avro-fields-kept',
  description:
    "Every non-null field of every record of every manifest and manifest list, decoded independently (avsc, the file's own schema, exact longs), is in lake's rewrite with the same value; the only allowed changes are the ones inheritance restores on read (an ADDED entry's file_sequence_number left null when it equals its manifest's) and the spec's null first_row_id of delete manifests.",
  run(ctx, report) {
    const lists = new Set<string>();
    const manifests = new Set<string>();
    for (const v of distinctSnapshots(ctx)) {
      const { s } = v;
      if (!complete(s)) continue;
      if (s.list !== undefined && !lists.has(s.listLocal!)) {
        lists.add(s.listLocal!);
        const tag = `${where(v)}: ${fileName(s.listPath!)}`;
        try {
          const original = decodeAvroRaw(s.listBytes!) as Record<string, unknown>[];
          const written = decodeAvroRaw(rewriteList(s).bytes) as Record<string, unknown>[];
          report.expect(original.length === written.length, `${tag}: ${original.length} records -> ${written.length}`);
          original.forEach((r, i) => {
            for (const d of lostAvroFields(r, written[i])) {
              if (d.startsWith('$.first_row_id:') && d.endsWith('-> null') && Number(r.content) === 1) continue; // delete manifests: always null
              report.fail(`${tag}: record ${i}: ${d}`);
            }
          });
        } catch (e) {
          report.fail(`${tag}: ${errorText(e)}`);
        }
      }
      for (const ms of s.manifests) {
        const key = `${ms.local}|v${v.m.formatVersion}`;
        if (manifests.has(key)) continue;
        manifests.add(key);
        const tag = `${where(v)}: ${fileName(ms.path)}`;
        try {
          const original = decodeAvroRaw(ms.bytes!) as Record<string, unknown>[];
          const written = decodeAvroRaw(rewriteManifest(v, ms).bytes) as Record<string, unknown>[];
          report.expect(original.length === written.length, `${tag}: ${original.length} entries -> ${written.length}`);
          original.forEach((r, i) => {
            for (const d of lostAvroFields(r, written[i])) {
              // lake leaves an ADDED file's file sequence number to inheritance, as the reference writer does.
              const fileSeq = /^\$\.file_sequence_number: (\d+) -> null$/.exec(d);
              if (fileSeq && Number(r.status) === 1 && ms.entry !== undefined && BigInt(fileSeq[1]!) === ms.entry.sequenceNumber) continue;
              report.fail(`${tag}: entry ${i}: ${d}`);
            }
          });
        } catch (e) {
          report.fail(`${tag}: ${errorText(e)}`);
        }
      }
    }
  },
};

/** True when `v` has lake's in-memory representation of a value of `t` (src/spec/types.ts). */
function represents(t: PrimitiveType, v: unknown): boolean {
  switch (t.kind) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'int':
    case 'date':
      return typeof v === 'number' && Number.isInteger(v);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'decimal':
      return typeof v === 'bigint';
    case 'float':
    case 'double':
      return typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'uuid':
      return typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v);
    case 'fixed':
      return v instanceof Uint8Array && v.length === t.length;
    case 'binary':
    case 'geometry':
    case 'geography':
      return v instanceof Uint8Array;
    default:
      return false;
  }
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`;
  return typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v);
}

const partitionValues: TableCheck = {
  name: 'partition-values',
  description:
    "Partition tuples decode to lake's value representation of the partition type, and lie within the bounds of the manifest list's partition summaries (decoded from their binary single-value form); a field summarised as containing no null has none.",
  run(ctx, report) {
    for (const v of distinctSnapshots(ctx)) {
      if (!complete(v.s)) continue;
      const tableSchema = currentSchema(v.m);
      for (const ms of v.s.manifests) {
        const spec = ms.spec!;
        const tag = `${where(v)}: ${fileName(ms.path)}`;
        let types: PrimitiveType[];
        try {
          types = partitionType(spec, ms.contents!.metadata.schema ?? tableSchema).fields.map((f) => f.type as PrimitiveType);
        } catch (e) {
          report.fail(`${tag}: partition type of spec ${spec.specId}: ${errorText(e)}`);
          continue;
        }
        const entries = ms.contents!.entries;
        for (const e of entries) {
          e.dataFile.partition.forEach((value, i) => {
            if (value !== null && !represents(types[i]!, value)) {
              report.fail(`${tag}: ${fileName(e.dataFile.filePath)} partition ${spec.fields[i]!.name}=${show(value)} is not a ${typeToString(types[i]!)} value`);
            }
          });
        }
        const summaries = ms.entry?.partitions;
        if (summaries === undefined || summaries.length !== spec.fields.length) continue;
        summaries.forEach((sum, i) => {
          const t = types[i]!;
          const name = spec.fields[i]!.name;
          const values = entries.map((e) => e.dataFile.partition[i]);
          if (!sum.containsNull) report.expect(!values.includes(null), `${tag}: summary of ${name} says no nulls, an entry has a null`);
          let lower: unknown;
          let upper: unknown;
          try {
            lower = sum.lowerBound === undefined ? undefined : decodeValue(t, sum.lowerBound);
            upper = sum.upperBound === undefined ? undefined : decodeValue(t, sum.upperBound);
          } catch (e) {
            report.fail(`${tag}: summary bounds of ${name} (${typeToString(t)}) do not decode: ${errorText(e)}`);
            return;
          }
          for (const value of values) {
            if (value === null || (typeof value === 'number' && Number.isNaN(value))) continue;
            if (lower !== undefined) report.expect(compareValues(t, lower, value) <= 0, () => `${tag}: ${name}=${show(value)} below the summary's lower bound ${show(lower)}`);
            if (upper !== undefined) report.expect(compareValues(t, value, upper) <= 0, () => `${tag}: ${name}=${show(value)} above the summary's upper bound ${show(upper)}`);
          }
        });
      }
    }
  },
};

const columnMetrics: TableCheck = {
  name: 'column-metrics',
  description:
    "Column metrics of every data file decode with the column's type from the table schema (bounds in the binary single-value form, promoted types included) and are consistent: lower <= upper, null and NaN counts at most the value count.",
  run(ctx, report) {
    const seen = new Set<string>();
    for (const v of distinctSnapshots(ctx)) {
      if (!complete(v.s)) continue;
      const index = indexSchema(currentSchema(v.m));
      for (const e of entriesOf(v.s)) {
        const df = e.dataFile;
        if (!isData(e) || seen.has(df.filePath)) continue;
        seen.add(df.filePath);
        const tag = `${where(v)}: ${fileName(df.filePath)}`;
        for (const [id, lowerBytes] of df.lowerBounds ?? new Map<number, Uint8Array>()) {
          const upperBytes = df.upperBounds?.get(id);
          const field = index.get(id)?.field;
          if (field === undefined || !isPrimitive(field.type)) continue; // dropped since, or not a primitive
          const t = field.type;
          try {
            const lower = decodeValue(t, lowerBytes);
            const upper = upperBytes === undefined ? undefined : decodeValue(t, upperBytes);
            if (!represents(t, lower) || (upper !== undefined && !represents(t, upper))) {
              report.fail(`${tag}: bounds of column ${id} decode to ${show(lower)}..${show(upper)}, not ${typeToString(t)} values`);
            } else if (upper !== undefined && compareValues(t, lower, upper) > 0) {
              report.fail(`${tag}: column ${id} (${typeToString(t)}) lower bound ${show(lower)} > upper bound ${show(upper)}`);
            }
          } catch (err) {
            report.fail(`${tag}: bounds of column ${id} (${typeToString(t)}): ${errorText(err)}`);
          }
        }
        for (const [id, nulls] of df.nullValueCounts ?? new Map<number, number>()) {
          const values = df.valueCounts?.get(id);
          if (values !== undefined) report.expect(nulls <= values, `${tag}: column ${id} has ${nulls} nulls among ${values} values`);
        }
        for (const [id, nans] of df.nanValueCounts ?? new Map<number, number>()) {
          const values = df.valueCounts?.get(id);
          if (values !== undefined) report.expect(nans <= values, `${tag}: column ${id} has ${nans} NaNs among ${values} values`);
        }
      }
    }
  },
};

/** The metadata level: every check above, in the order they run. */
export const METADATA_CHECKS: readonly TableCheck[] = [
  metadataFiles,
  formatVersion,
  currentSnapshot,
  schema,
  partitionSpecs,
  unreadablePieces,
  snapshotIds,
  parentIds,
  sequenceNumbers,
  manifestShapes,
  fileCounts,
  partitionValues,
  columnMetrics,
  filesExist,
  sourceFacts,
  metadataRoundTrip,
  metadataFieldsKept,
  manifestListRoundTrip,
  manifestRoundTrip,
  avroFieldsKept,
];

export const metadataLevel: CheckModule = {
  level: 'metadata',
  description: 'metadata JSON, manifest lists and manifests, without reading data files',
  checks: METADATA_CHECKS,
};
