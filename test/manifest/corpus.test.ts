/**
 * Every manifest list and manifest reachable from every snapshot of every table case of the
 * conformance corpus: read, checked against the snapshot summaries and the corpus's source
 * assertions, and written back (read -> write -> read gives the same entries and manifest files).
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type ManifestContents,
  type ManifestList,
  readManifest,
  readManifestList,
  sameId,
  writeManifest,
  writeManifestList,
} from '../../src/manifest/index.js';
import { EntryStatus, FileContent, type ManifestEntry, type ManifestFile } from '../../src/spec/data-file.js';
import { decimalFromBytes } from '../../src/spec/single-value.js';
import { type CorpusSnapshot, type CorpusTable, tableCases } from './corpus.js';

interface ReadManifest {
  file: ManifestFile | undefined;
  path: string;
  bytes: Uint8Array;
  contents: ManifestContents;
}

interface ReadSnapshot {
  snapshot: CorpusSnapshot;
  list?: ManifestList;
  listBytes?: Uint8Array;
  manifests: ReadManifest[];
}

function readSnapshot(t: CorpusTable, snap: CorpusSnapshot): ReadSnapshot | 'absent' {
  const out: ReadSnapshot = { snapshot: snap, manifests: [] };
  let files: (ManifestFile | undefined)[];
  let paths: string[];
  if (snap.manifestList !== undefined) {
    if (!existsSync(snap.manifestList)) return 'absent';
    out.listBytes = readFileSync(snap.manifestList);
    out.list = readManifestList(out.listBytes);
    files = out.list.manifests;
    paths = out.list.manifests.map((m) => t.remap(m.manifestPath));
  } else {
    paths = snap.manifests ?? [];
    files = paths.map(() => undefined);
  }
  files.forEach((file, i) => {
    const bytes = readFileSync(paths[i]!);
    const specId = file?.partitionSpecId;
    const spec = specId === undefined ? undefined : t.specs.get(specId);
    const contents = readManifest(bytes, {
      ...(file === undefined ? {} : { manifestFile: file }),
      ...(spec === undefined ? {} : { spec }),
      schema: t.currentSchema,
    });
    out.manifests.push({ file, path: paths[i]!, bytes, contents });
  });
  return out;
}

function live(s: ReadSnapshot): ManifestEntry[] {
  return s.manifests.flatMap((m) => m.contents.entries).filter((e) => e.status !== EntryStatus.DELETED);
}

const cases = tableCases();

describe('conformance corpus manifests', () => {
  it('has table cases', () => {
    expect(cases.length).toBeGreaterThan(50);
  });

  for (const t of cases) {
    describe(t.name, () => {
      const read = new Map<CorpusSnapshot, ReadSnapshot | 'absent'>();
      const get = (s: CorpusSnapshot) => {
        if (!read.has(s)) read.set(s, readSnapshot(t, s));
        return read.get(s)!;
      };

      it('reads every snapshot and matches its summary', () => {
        for (const snap of t.snapshots) {
          const r = get(snap);
          if (r === 'absent') {
            // Only lists the corpus documents as missing upstream may be absent.
            expect(String(t.expected.source_asserted)).toContain(`${snap.snapshotId}`);
            expect(String(t.expected.source_asserted)).toMatch(/absent/);
            continue;
          }
          if (r.list) {
            if (r.list.snapshotId !== undefined) expect(sameId(r.list.snapshotId, snap.snapshotId)).toBe(true);
            if (r.list.sequenceNumber !== undefined) expect(r.list.sequenceNumber).toBe(snap.sequenceNumber);
          }
          for (const m of r.manifests) {
            const { entries, metadata } = m.contents;
            if (m.file) {
              const { addedFilesCount: a, existingFilesCount: e, deletedFilesCount: d } = m.file;
              if (a !== undefined && e !== undefined && d !== undefined) expect(entries.length).toBe(a + e + d);
              const isDelete = m.file.content === 1;
              for (const en of entries) expect(en.dataFile.content !== FileContent.DATA).toBe(isDelete);
            }
            for (const en of entries) {
              expect(en.snapshotId).toBeTypeOf('bigint');
              if (t.formatVersion >= 2 || metadata.formatVersion === 1) {
                expect(en.sequenceNumber).toBeTypeOf('bigint');
                expect(en.fileSequenceNumber).toBeTypeOf('bigint');
              }
              const spec = t.specs.get(en.dataFile.specId);
              expect(spec).toBeDefined();
              expect(en.dataFile.partition).toHaveLength(spec!.fields.length);
              expect(en.dataFile.filePath.length).toBeGreaterThan(0);
            }
          }
          const liveEntries = live(r);
          const sum = snap.summary;
          const dataFiles = liveEntries.filter((e) => e.dataFile.content === FileContent.DATA);
          const deleteFiles = liveEntries.filter((e) => e.dataFile.content !== FileContent.DATA);
          if (sum['total-data-files'] !== undefined) expect(dataFiles.length).toBe(Number(sum['total-data-files']));
          if (sum['total-delete-files'] !== undefined) expect(deleteFiles.length).toBe(Number(sum['total-delete-files']));
          if (sum['total-records'] !== undefined) {
            expect(dataFiles.reduce((n, e) => n + e.dataFile.recordCount, 0)).toBe(Number(sum['total-records']));
          }
        }
      });

      it('survives read -> write -> read', () => {
        for (const snap of t.snapshots) {
          const r = get(snap);
          if (r === 'absent') continue;
          for (const m of r.manifests) {
            const md = m.contents.metadata;
            const spec = t.specs.get(m.file?.partitionSpecId ?? md.specId ?? 0)!;
            const snapshotId = m.file?.addedSnapshotId ?? m.contents.entries[0]?.snapshotId ?? snap.snapshotId;
            const written = writeManifest({
              formatVersion: md.formatVersion,
              schema: md.schema ?? t.currentSchema,
              spec,
              content: (m.file?.content ?? 0) === 1 ? 'deletes' : 'data',
              snapshotId,
              entries: m.contents.entries,
              manifestPath: m.path,
              codec: md.codec,
            });
            const file = m.file === undefined ? undefined : { ...m.file, manifestLength: written.bytes.length };
            const again = readManifest(written.bytes, {
              ...(file === undefined ? {} : { manifestFile: file }),
              spec,
              schema: t.currentSchema,
            });
            expect(again.entries).toEqual(m.contents.entries);
            expect(again.metadata.formatVersion).toBe(md.formatVersion);
            expect(again.metadata.specId).toBe(spec.specId);
            expect(written.manifestFile.addedFilesCount).toBe(m.contents.entries.filter((e) => e.status === EntryStatus.ADDED).length);
            if (m.file?.partitions !== undefined && m.file.partitions.length === spec.fields.length) {
              // Summaries recomputed from the entries agree with the writer's on nulls.
              expect(written.manifestFile.partitions!.map((p) => p.containsNull)).toEqual(m.file.partitions.map((p) => p.containsNull));
            }
          }
          if (r.list) {
            const w = writeManifestList({
              formatVersion: r.list.formatVersion,
              snapshotId: snap.snapshotId,
              parentSnapshotId: snap.parentSnapshotId ?? null,
              sequenceNumber: snap.sequenceNumber,
              firstRowId: r.list.firstRowId ?? snap.firstRowId ?? 0n,
              manifests: r.list.manifests,
            });
            const again = readManifestList(w.bytes);
            expect(again.manifests).toEqual(w.manifests);
            // Only v3 data manifests that had no first_row_id may change: they get one assigned.
            const expected = r.list.manifests.map((mf, i) =>
              r.list!.formatVersion === 3 && mf.content === 0 && mf.firstRowId === undefined
                ? { ...mf, firstRowId: w.manifests[i]!.firstRowId }
                : mf,
            );
            expect(again.manifests).toEqual(expected);
          }
        }
      });

      const asserted = String(t.expected.source_asserted ?? '');
      if (/entries|entry|data file|DATA|partition|seq numbers/.test(asserted)) {
        it('matches the source-asserted manifest facts', () => {
          const current = t.snapshots.find((s) => s.snapshotId === t.currentSnapshotId)!;
          const r = get(current);
          expect(r).not.toBe('absent');
          checkAssertions(t, asserted, r as ReadSnapshot);
        });
      }
    });
  }
});

function partitionValue(t: CorpusTable, e: ManifestEntry, field: string): unknown {
  const spec = t.specs.get(e.dataFile.specId)!;
  const i = spec.fields.findIndex((f) => f.name === field);
  expect(i, `partition field ${field}`).toBeGreaterThanOrEqual(0);
  return e.dataFile.partition[i];
}

/** Interprets the corpus's source-asserted facts about manifests (see CASES.md). */
function checkAssertions(t: CorpusTable, text: string, r: ReadSnapshot): void {
  let checked = 0;
  const dataManifests = r.manifests.filter((m) => (m.file?.content ?? 0) === 0);
  const liveEntries = live(r);

  // "iceberg_metadata shows 1 DATA + 1 POSITION_DELETES entry"
  let m = /(\d+) DATA \+ (\d+) POSITION_DELETES/.exec(text);
  if (m) {
    expect(liveEntries.filter((e) => e.dataFile.content === FileContent.DATA)).toHaveLength(Number(m[1]));
    expect(liveEntries.filter((e) => e.dataFile.content === FileContent.POSITION_DELETES)).toHaveLength(Number(m[2]));
    checked++;
  }
  // "single ADDED data file 00000-2-371a340c...parquet record_count 111968" and
  // "m1 ADDED 00000-5-dad9988f...parquet record_count 51793, m0 DELETED 00000-1-66fee7c2...parquet record_count 60175"
  for (const x of text.matchAll(/(ADDED|DELETED|EXISTING)(?: data file)? ([\w-]+)\.\.\.parquet record_count (\d+)/g)) {
    const status = EntryStatus[x[1] as keyof typeof EntryStatus];
    const all = r.manifests.flatMap((mm) => mm.contents.entries);
    const hit = all.find((e) => e.status === status && e.dataFile.filePath.includes(`/${x[2]}`));
    expect(hit, x[0]).toBeDefined();
    expect(hit!.dataFile.recordCount).toBe(Number(x[3]));
    checked++;
  }
  if (/single ADDED data file/.test(text)) {
    expect(liveEntries).toHaveLength(1);
    checked++;
  }
  // "3 entries, entries[1].c2_day=20150"
  m = /(\d+) (?:manifest )?entries/.exec(text);
  if (m) {
    expect(dataManifests.some((dm) => dm.contents.entries.length === Number(m![1]))).toBe(true);
    checked++;
  }
  // The index refers to the origin test's read order, which is not always the file order; the
  // value must be there.
  for (const x of text.matchAll(/entries\[(\d+)\]\.(\w+)=(-?\d+)/g)) {
    const ok = dataManifests.some((dm) => dm.contents.entries.some((e) => partitionValue(t, e, x[2]!) === Number(x[3])));
    expect(ok, x[0]).toBe(true);
    checked++;
  }
  // "(c1,c2)=(1,20149),(1,20150),..." -> the set of partition tuples
  m = /\((\w+),(\w+)\)=((?:\((?:-?\d+|null),(?:-?\d+|null)\),?)+)/.exec(text);
  if (m) {
    const want = [...m[3]!.matchAll(/\((-?\d+|null),(-?\d+|null)\)/g)].map((p) => `${p[1]},${p[2]}`).sort();
    const got = liveEntries.map((e) => `${String(partitionValue(t, e, m![1]!))},${String(partitionValue(t, e, m![2]!))}`).sort();
    expect(got).toEqual(want);
    checked++;
  }
  // "partition = {col_int_bucket[2]:0, ...}"
  const bucket = /partition = \{([^}]*)\}/.exec(text);
  if (bucket) {
    const e = liveEntries[0]!;
    for (const p of bucket[1]!.matchAll(/(\w+)\[\d+\]:(\d+)/g)) {
      expect(partitionValue(t, e, p[1]!), p[0]).toBe(Number(p[2]));
      checked++;
    }
  }
  // "decimal_9_2 bytes 0000012C (3.00), ... decimal_38_2 16 zero bytes"
  for (const p of text.matchAll(/(decimal_\d+_\d+) (?:bytes ([0-9A-F]+)|(\d+) zero bytes)/g)) {
    const want = p[2] !== undefined ? decimalFromBytes(Buffer.from(p[2], 'hex')) : 0n;
    expect(liveEntries.some((e) => partitionValue(t, e, `col_${p[1]}`) === want), p[0]).toBe(true);
    checked++;
  }
  // "partition values bool=false,int=1,...,uuid bytes 1215...,binary="some-varbinary""
  if (/partition values bool=/.test(text)) {
    const e = liveEntries[0]!;
    const pv = (name: string) => partitionValue(t, e, `col_${name}`);
    for (const p of text.matchAll(/(\w+)=("[^"]*"|-?[\d.]+|true|false)/g)) {
      const name = p[1]!;
      const raw = p[2]!;
      if (name === 'bool') expect(pv('bool')).toBe(raw === 'true');
      else if (name === 'int' || name === 'date' || name === 'float' || name === 'double') expect(pv(name)).toBe(Number(raw));
      else if (name === 'long' || name === 'time' || name === 'timestamp' || name === 'timestamptz') expect(pv(name)).toBe(BigInt(raw));
      else if (name === 'string') expect(pv('string')).toBe(JSON.parse(raw));
      else if (name === 'binary') expect(Buffer.from(pv('varbinary') as Uint8Array).toString('utf8')).toBe(JSON.parse(raw));
      else continue;
      checked++;
    }
    const dec = /decimal bytes ([0-9A-F ]+) \(/.exec(text);
    expect(pv('decimal')).toBe(decimalFromBytes(Buffer.from(dec![1]!.replace(/ /g, ''), 'hex')));
    const uuid = /uuid bytes ([0-9a-f]{32})/.exec(text)![1]!;
    expect((pv('uuid') as string).replace(/-/g, '')).toBe(uuid);
    checked += 2;
  }
  // "data/file seq numbers default 0", "seq numbers all 0"
  if (/seq numbers (?:default|all) 0/.test(text)) {
    for (const e of r.manifests.flatMap((mm) => mm.contents.entries)) {
      expect(e.sequenceNumber).toBe(0n);
      expect(e.fileSequenceNumber).toBe(0n);
    }
    checked++;
  }
  if (checked === 0) {
    // The text mentions manifests but states nothing these checks understand: make that visible.
    expect(text).not.toMatch(/\d+ (?:manifest )?entries|record_count \d+/);
  }
}
