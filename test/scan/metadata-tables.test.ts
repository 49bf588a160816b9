/** Metadata tables on corpus tables: rows and column types. */
import { describe, expect, test } from 'vitest';
import {
  filesTable,
  historyTable,
  manifestsTable,
  metadataTable,
  partitionsTable,
  refsTable,
  snapshotsTable,
} from '../../src/scan/metadata-tables.js';
import type { TableMetadata } from '../../src/spec/table-metadata.js';
import { loadCorpusCase } from './support.js';

const colNames = (t: { columns: { name: string }[] }) => t.columns.map((c) => c.name);

describe('snapshots, history, refs (spark-branch-tag-pos-delete)', () => {
  const c = loadCorpusCase('spark-branch-tag-pos-delete');
  const m = c.metadata;

  test('snapshots: one row per snapshot, oldest first, with summary', () => {
    const t = snapshotsTable(m);
    expect(colNames(t)).toEqual(['committed_at', 'snapshot_id', 'parent_id', 'operation', 'manifest_list', 'summary']);
    expect(t.rows.map((r) => r.snapshot_id)).toEqual([1638951453256129678n, 5231658854638766100n, 7558608030923099867n, 293191470325800019n, 154324552338474173n]);
    expect(t.rows[0]!.parent_id).toBeNull();
    expect(t.rows[1]!.parent_id).toBe(1638951453256129678n);
    expect(t.rows[0]!.committed_at).toBe(1713951992417000n);
    const last = t.rows[4]!;
    expect((last.summary as Map<string, string>).get('total-position-deletes')).toBe('1');
    expect(last.operation).toBe((last.summary as Map<string, string>).get('operation'));
  });

  test('history: the snapshot log with is_current_ancestor', () => {
    const t = historyTable(m);
    expect(colNames(t)).toEqual(['made_current_at', 'snapshot_id', 'parent_id', 'is_current_ancestor']);
    expect(t.rows.length).toBe(5);
    expect(t.rows.every((r) => r.is_current_ancestor === true)).toBe(true);
    // rolled back to the branch head: the two later snapshots are no longer ancestors of the current one
    const rolledBack: TableMetadata = { ...m, currentSnapshotId: 7558608030923099867n };
    expect(historyTable(rolledBack).rows.map((r) => r.is_current_ancestor)).toEqual([true, true, true, false, false]);
  });

  test('refs: branches and tags with their retention settings', () => {
    const t = refsTable(m);
    expect(t.rows).toEqual([
      { name: 'EOW-01', type: 'TAG', snapshot_id: 293191470325800019n, max_reference_age_in_ms: null, min_snapshots_to_keep: null, max_snapshot_age_in_ms: null },
      { name: 'main', type: 'BRANCH', snapshot_id: 154324552338474173n, max_reference_age_in_ms: null, min_snapshots_to_keep: null, max_snapshot_age_in_ms: null },
      {
        name: 'test-branch',
        type: 'BRANCH',
        snapshot_id: 7558608030923099867n,
        max_reference_age_in_ms: 604800000n,
        min_snapshots_to_keep: 2,
        max_snapshot_age_in_ms: null,
      },
    ]);
  });
});

describe('files', () => {
  test('trino-deletion-vectors-v3: data files and DVs with their DV fields', async () => {
    const c = loadCorpusCase('trino-deletion-vectors-v3');
    const t = await filesTable({ metadata: c.metadata, io: c.io });
    expect(t.rows.length).toBe(4);
    const data = t.rows.filter((r) => r.content === 0);
    const dvs = t.rows.filter((r) => r.content === 1);
    expect(data.reduce((a, r) => a + (r.record_count as bigint), 0n)).toBe(16n);
    expect(dvs.map((r) => r.file_format)).toEqual(['PUFFIN', 'PUFFIN']);
    expect(new Set(dvs.map((r) => r.referenced_data_file))).toEqual(new Set(data.map((r) => r.file_path)));
    for (const r of dvs) expect(typeof r.content_offset).toBe('bigint');
    expect(colNames(t)).not.toContain('partition'); // unpartitioned
    const rm = data[0]!.readable_metrics as Map<string, Map<number, unknown>>;
    expect([...rm.keys()].sort()).toEqual(['c1', 'c2']);
    expect(typeof rm.get('c1')!.get(5)).toBe('string'); // lower bound, rendered
    expect((await filesTable({ metadata: c.metadata, io: c.io, content: 'data' })).rows.length).toBe(2);
    expect((await metadataTable('delete_files', { metadata: c.metadata, io: c.io })).rows.length).toBe(2);
    // time travel: the first snapshot has no files, the third one data file and one DV
    expect((await filesTable({ metadata: c.metadata, io: c.io, snapshot: { snapshotId: 4848311183447800628n } })).rows).toEqual([]);
    expect((await filesTable({ metadata: c.metadata, io: c.io, snapshot: { snapshotId: 3380748922981262035n } })).rows.map((r) => r.content)).toEqual([0, 1]);
  });

  test('trino-identity-int-date: partition struct by partition field id, typed columns', async () => {
    const c = loadCorpusCase('trino-identity-int-date');
    const t = await filesTable({ metadata: c.metadata, io: c.io });
    const partCol = t.columns.find((x) => x.name === 'partition')!;
    expect(partCol.type).toMatchObject({ kind: 'struct', fields: [{ id: 1000, name: 'c1' }, { id: 1001, name: 'c2' }] });
    const parts = t.rows.map((r) => [...(r.partition as Map<number, unknown>).entries()]);
    expect(parts).toContainEqual([
      [1000, 1],
      [1001, 20150],
    ]);
    const rm = t.rows[0]!.readable_metrics as Map<string, Map<number, unknown>>;
    expect(rm.get('c2')!.get(5)).toMatch(/^2025-03-0\d$/);
  });
});

describe('manifests and partitions', () => {
  test('manifests: counts per content, partition summaries rendered', async () => {
    const c = loadCorpusCase('trino-identity-int-date');
    const t = await manifestsTable({ metadata: c.metadata, io: c.io });
    expect(t.rows.length).toBe(1);
    const r = t.rows[0]!;
    expect(r.content).toBe(0);
    expect(r.added_data_files_count).toBe(6);
    expect(r.added_delete_files_count).toBe(0);
    // Trino writes contains_nan = false for every field
    expect(r.partition_summaries).toEqual([
      new Map<number, unknown>([[1, false], [2, false], [3, '1'], [4, '2']]),
      new Map<number, unknown>([[1, false], [2, false], [3, '2025-03-02'], [4, '2025-03-05']]),
    ]);
    const dv = loadCorpusCase('trino-deletion-vectors-v3');
    const dm = await manifestsTable({ metadata: dv.metadata, io: dv.io });
    const sum = (rows: Record<string, unknown>[], ...cols: string[]) => rows.reduce((a, r) => a + cols.reduce((b, k) => b + (r[k] as number), 0), 0);
    const dataM = dm.rows.filter((x) => x.content === 0);
    const delM = dm.rows.filter((x) => x.content === 1);
    expect(dataM.length).toBeGreaterThan(0);
    expect(delM.length).toBeGreaterThan(0);
    expect(sum(dataM, 'added_data_files_count', 'existing_data_files_count')).toBe(2);
    expect(sum(delM, 'added_data_files_count', 'existing_data_files_count', 'deleted_data_files_count')).toBe(0);
    // two live DVs; the first DV, replaced by a merged one, is a DELETED entry
    expect(sum(delM, 'added_delete_files_count', 'existing_delete_files_count')).toBe(2);
    expect(sum(delM, 'deleted_delete_files_count')).toBe(1);
  });

  test('partitions: one row per partition, rows and files counted', async () => {
    const c = loadCorpusCase('trino-identity-int-date');
    const t = await partitionsTable({ metadata: c.metadata, io: c.io });
    expect(t.rows.length).toBe(6);
    for (const r of t.rows) {
      expect([r.record_count, r.file_count, r.position_delete_file_count, r.spec_id]).toEqual([1n, 1, 0, 0]);
      expect(r.last_updated_snapshot_id).toBe(c.metadata.currentSnapshotId);
    }
  });

  test('partitions of an unpartitioned table: one row with delete counts, no partition column', async () => {
    const c = loadCorpusCase('spark-file-scoped-pos-deletes');
    const t = await partitionsTable({ metadata: c.metadata, io: c.io });
    expect(colNames(t)).not.toContain('partition');
    expect(t.rows).toHaveLength(1);
    const r = t.rows[0]!;
    expect([r.record_count, r.file_count, r.position_delete_file_count, r.position_delete_record_count]).toEqual([16n, 6, 6, 6n]);
  });

  test('equality delete counts (duckdb-eqdel-identity-partitioned)', async () => {
    const c = loadCorpusCase('duckdb-eqdel-identity-partitioned');
    const t = await partitionsTable({ metadata: c.metadata, io: c.io });
    const files = await filesTable({ metadata: c.metadata, io: c.io });
    const eqFiles = files.rows.filter((r) => r.content === 2).length;
    expect(t.rows.reduce((a, r) => a + (r.equality_delete_file_count as number), 0)).toBe(eqFiles);
    expect(eqFiles).toBeGreaterThan(0);
    expect(t.rows.reduce((a, r) => a + (r.record_count as bigint), 0n)).toBe(
      files.rows.filter((r) => r.content === 0).reduce((a, r) => a + (r.record_count as bigint), 0n),
    );
  });
});
