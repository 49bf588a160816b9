/**
 * Scan planning (spec "Scan Planning"): snapshot -> manifest list -> manifests pruned by partition
 * summaries (each with its own spec) -> manifests read in parallel with bounded concurrency ->
 * DELETED entries skipped -> data files pruned by the inclusive partition projection and by column
 * metrics -> delete files matched to each data file (delete-file-index.ts) -> one task per data file.
 *
 * Delete manifests are read first, so data manifests are read with exactly the column metrics
 * planning needs: the filter's columns, plus the equality delete columns when there are
 * equality deletes. Delete files are pruned only by partition (exact: a delete applies only within
 * its own partition, or globally from an unpartitioned spec), never by row-filter metrics, so a
 * reader that does not apply the residual still gets exact rows for the files it reads.
 */
import pLimit from 'p-limit';
import { LakeError } from '../errors.js';
import {
  type BoundExpression,
  type Expression,
  type UnboundExpression,
  InclusiveMetricsEvaluator,
  ManifestEvaluator,
  ResidualEvaluator,
  alwaysTrue,
  bind,
  parsePredicate,
  partitionEvaluator,
  projectInclusive,
  referencedFieldIds,
} from '../expressions/index.js';
import type { Evaluate } from '../expressions/evaluator.js';
import { readManifest, readManifestList, readManifestMetadata } from '../manifest/index.js';
import { type DataFile, EntryStatus, FileContent, ManifestContent, type ManifestEntry, type ManifestFile, type PartitionValues } from '../spec/data-file.js';
import { type PartitionSpec, partitionKey } from '../spec/partition-spec.js';
import { type Schema, indexSchema } from '../spec/schema.js';
import type { Snapshot } from '../spec/snapshot.js';
import { type TableMetadata, currentSchema, specById } from '../spec/table-metadata.js';
import { DeleteFileIndex } from './delete-file-index.js';
import { FileIO } from './file-io.js';
import type { DeleteFileRef, FileScanTask, ScanPlan, ScanPlanStats } from './scan-task.js';
import { type SnapshotSelectorInput, selectSnapshot } from './snapshot-selector.js';

export const DEFAULT_PLANNING_CONCURRENCY = 16;

export interface PlanScanOptions {
  metadata: TableMetadata;
  /** Reads manifest lists and manifests (path remaps live here). Default: a FileIO at the table location. */
  io?: FileIO;
  /** Which snapshot to read; default the current one. */
  snapshot?: SnapshotSelectorInput;
  /** A row filter: SQL-style text (`parsePredicate`), an unbound expression, or one bound to the scan schema. */
  filter?: string | Expression;
  /** Column names (dotted for nested fields) to project, in output order; default every top-level column. */
  columns?: readonly string[];
  /** Match column names exactly (default true). */
  caseSensitive?: boolean;
  /** Manifests read at once (default 16). */
  concurrency?: number;
  /** Keep every column metric in the tasks' data files (default: only those planning used). */
  keepStats?: boolean;
}

function isBound(e: Expression): e is BoundExpression {
  const x = e as { op: string; child?: Expression; left?: Expression; right?: Expression };
  switch (x.op) {
    case 'true':
    case 'false':
      return true;
    case 'not':
      return isBound(x.child!);
    case 'and':
    case 'or':
      return isBound(x.left!) && isBound(x.right!);
    default:
      return 'ref' in x;
  }
}

/** Binds a filter given as text or expression to the scan schema. */
export function bindFilter(filter: string | Expression | undefined, schema: Schema, caseSensitive = true): BoundExpression {
  if (filter === undefined) return alwaysTrue();
  const expr: Expression = typeof filter === 'string' ? parsePredicate(filter) : filter;
  if (isBound(expr)) return expr;
  return bind(expr as UnboundExpression, schema, { caseSensitive });
}

/** Field ids of projected columns (top-level names, or dotted paths of nested fields). */
export function projectColumns(schema: Schema, columns: readonly string[] | undefined, caseSensitive = true): number[] {
  if (columns === undefined) return schema.fields.map((f) => f.id);
  const idx = [...indexSchema(schema).values()];
  return columns.map((name) => {
    let hit = idx.find((e) => e.path === name);
    if (hit === undefined && !caseSensitive) {
      const lower = name.toLowerCase();
      const hits = idx.filter((e) => e.path.toLowerCase() === lower);
      if (hits.length > 1) throw new LakeError('INVALID_INPUT', `column name "${name}" is ambiguous: ${hits.map((h) => h.path).join(', ')}`);
      hit = hits[0];
    }
    if (hit === undefined) {
      throw new LakeError('INVALID_INPUT', `unknown column "${name}" (columns: ${schema.fields.map((f) => f.name).join(', ')})`, {
        context: { column: name },
      });
    }
    return hit.field.id;
  });
}

/** The manifests of a snapshot: from its manifest list, or (v1) its `manifests` paths. */
export async function snapshotManifests(io: FileIO, snapshot: Snapshot): Promise<{ manifest: ManifestFile; bytes?: Uint8Array }[]> {
  if (snapshot.manifestList !== undefined) {
    const list = readManifestList(await io.read(snapshot.manifestList));
    return list.manifests.map((manifest) => ({ manifest }));
  }
  // v1 snapshots may list manifest paths directly: the spec id is in each manifest's header
  const paths = snapshot.manifests ?? [];
  return Promise.all(
    paths.map(async (p) => {
      const bytes = await io.read(p);
      const meta = readManifestMetadata(bytes);
      const manifest: ManifestFile = {
        manifestPath: p,
        manifestLength: bytes.length,
        partitionSpecId: meta.specId ?? 0,
        content: meta.content === 'deletes' ? ManifestContent.DELETES : ManifestContent.DATA,
        sequenceNumber: 0n,
        minSequenceNumber: 0n,
        addedSnapshotId: snapshot.snapshotId,
      };
      return { manifest, bytes };
    }),
  );
}

/** Manifests whose counts say they hold no live files can be skipped (missing counts: read them). */
function mayHaveLiveFiles(m: ManifestFile): boolean {
  return m.addedFilesCount === undefined || m.existingFilesCount === undefined || m.addedFilesCount > 0 || m.existingFilesCount > 0;
}

interface SpecContext {
  spec: PartitionSpec;
  manifestEval: ManifestEvaluator | undefined;
  partitionEval: Evaluate<PartitionValues> | undefined;
  residuals: ResidualEvaluator | undefined;
  residualCache: Map<string, BoundExpression>;
}

function emptyStats(): Required<ScanPlanStats> {
  return {
    manifestsTotal: 0,
    manifestsScanned: 0,
    dataManifestsTotal: 0,
    dataManifestsScanned: 0,
    deleteManifestsTotal: 0,
    deleteManifestsScanned: 0,
    dataFilesTotal: 0,
    dataFilesSelected: 0,
    dataFilesPrunedByPartition: 0,
    dataFilesPrunedByMetrics: 0,
    deleteFilesTotal: 0,
    deleteFilesSelected: 0,
  };
}

/** Plans a scan: the data files to read, each with the delete files that apply to it. */
export async function planScan(options: PlanScanOptions): Promise<ScanPlan> {
  const { metadata } = options;
  const io = options.io ?? new FileIO({ tableLocation: metadata.location });
  const caseSensitive = options.caseSensitive ?? true;
  const selected = selectSnapshot(metadata, options.snapshot);
  const schema = selected.schema;
  const filter = bindFilter(options.filter, schema, caseSensitive);
  const projectedFieldIds = projectColumns(schema, options.columns, caseSensitive);
  const stats = emptyStats();
  const base = { metadata, io, snapshot: selected.snapshot, schema, projectedFieldIds, filter, stats, selectedBy: selected.selectedBy };
  if (selected.ref !== undefined) Object.assign(base, { ref: selected.ref });
  const snapshot = selected.snapshot;
  if (snapshot === undefined || filter.op === 'false') {
    return { ...base, tasks: [], deleteFiles: [] };
  }

  // Partition values are decoded with the table's current schema for every manifest, so that values
  // of promoted columns compare equal across manifests (delete matching relies on it).
  const partitionSchema = currentSchema(metadata);
  const specContexts = new Map<number, SpecContext>();
  const filtering = filter.op !== 'true';
  const contextFor = (specId: number, where: string): SpecContext => {
    let c = specContexts.get(specId);
    if (c === undefined) {
      const spec = specById(metadata, specId);
      if (spec === undefined) {
        throw new LakeError('INVALID_METADATA', `${where} uses partition spec ${specId}, which the table metadata does not have`, {
          context: { specId },
        });
      }
      const projected = filtering ? projectInclusive(filter, spec) : alwaysTrue();
      const prunes = projected.op !== 'true';
      c = {
        spec,
        manifestEval: prunes ? new ManifestEvaluator(projected, spec) : undefined,
        partitionEval: prunes ? partitionEvaluator(projected, spec) : undefined,
        residuals: filtering ? new ResidualEvaluator(filter, spec) : undefined,
        residualCache: new Map(),
      };
      specContexts.set(specId, c);
    }
    return c;
  };

  const manifests = await snapshotManifests(io, snapshot);
  const dataManifests = manifests.filter((m) => m.manifest.content === ManifestContent.DATA);
  const deleteManifests = manifests.filter((m) => m.manifest.content === ManifestContent.DELETES);
  stats.manifestsTotal = manifests.length;
  stats.dataManifestsTotal = dataManifests.length;
  stats.deleteManifestsTotal = deleteManifests.length;

  const limit = pLimit(Math.max(1, options.concurrency ?? DEFAULT_PLANNING_CONCURRENCY));
  const selectManifests = (list: typeof manifests) =>
    list.filter(({ manifest }) => {
      if (!mayHaveLiveFiles(manifest)) return false;
      const ctx = contextFor(manifest.partitionSpecId, `manifest ${manifest.manifestPath}`);
      return ctx.manifestEval === undefined || ctx.manifestEval.eval(manifest);
    });

  const readEntries = async (
    m: { manifest: ManifestFile; bytes?: Uint8Array },
    statsSelection: 'all' | 'none' | number[],
  ): Promise<ManifestEntry[]> => {
    const bytes = m.bytes ?? (await io.read(m.manifest.manifestPath));
    const ctx = contextFor(m.manifest.partitionSpecId, `manifest ${m.manifest.manifestPath}`);
    try {
      return readManifest(bytes, { manifestFile: m.manifest, spec: ctx.spec, schema: partitionSchema, stats: statsSelection }).entries;
    } catch (e) {
      if (e instanceof LakeError) {
        throw new LakeError(e.code, `manifest ${m.manifest.manifestPath}: ${e.message}`, { cause: e, context: { ...e.context, manifest: m.manifest.manifestPath } });
      }
      throw e;
    }
  };

  // 1. delete manifests -> delete file index
  const liveDeleteManifests = selectManifests(deleteManifests);
  stats.deleteManifestsScanned = liveDeleteManifests.length;
  const deleteRefs: DeleteFileRef[][] = await Promise.all(
    liveDeleteManifests.map((m) =>
      limit(async () => {
        const out: DeleteFileRef[] = [];
        const ctx = contextFor(m.manifest.partitionSpecId, `manifest ${m.manifest.manifestPath}`);
        for (const e of await readEntries(m, 'all')) {
          if (e.status === EntryStatus.DELETED) continue;
          if (e.dataFile.content === FileContent.DATA) {
            throw new LakeError('INVALID_METADATA', `delete manifest ${m.manifest.manifestPath} lists data file ${e.dataFile.filePath}`);
          }
          stats.deleteFilesTotal++;
          if (ctx.partitionEval !== undefined && !ctx.partitionEval(e.dataFile.partition)) continue;
          out.push({ file: e.dataFile, dataSequenceNumber: e.sequenceNumber ?? 0n });
        }
        return out;
      }),
    ),
  );
  const index = DeleteFileIndex.build(deleteRefs.flat(), { specs: metadata.partitionSpecs, schemas: metadata.schemas });

  // 2. data manifests -> tasks
  const statIds = new Set<number>(referencedFieldIds(filter));
  for (const id of index.equalityFieldIds) statIds.add(id);
  const statsSelection: 'all' | 'none' | number[] = options.keepStats === true ? 'all' : statIds.size === 0 ? 'none' : [...statIds];
  const metricsEval = filtering ? new InclusiveMetricsEvaluator(filter) : undefined;
  const liveDataManifests = selectManifests(dataManifests);
  stats.dataManifestsScanned = liveDataManifests.length;
  stats.manifestsScanned = stats.dataManifestsScanned + stats.deleteManifestsScanned;
  const used = new Set<DataFile>();
  const taskGroups = await Promise.all(
    liveDataManifests.map((m) =>
      limit(async () => {
        const entries = await readEntries(m, statsSelection);
        const ctx = contextFor(m.manifest.partitionSpecId, `manifest ${m.manifest.manifestPath}`);
        const tasks: FileScanTask[] = [];
        for (let i = 0; i < entries.length; i++) {
          const e = entries[i]!;
          if (e.status === EntryStatus.DELETED) continue;
          const df = e.dataFile;
          if (df.content !== FileContent.DATA) {
            throw new LakeError('INVALID_METADATA', `data manifest ${m.manifest.manifestPath} lists delete file ${df.filePath}`);
          }
          stats.dataFilesTotal++;
          if (ctx.partitionEval !== undefined && !ctx.partitionEval(df.partition)) {
            stats.dataFilesPrunedByPartition++;
            continue;
          }
          if (metricsEval !== undefined && !metricsEval.eval(df)) {
            stats.dataFilesPrunedByMetrics++;
            continue;
          }
          const seq = e.sequenceNumber ?? 0n;
          const { positionDeletes, equalityDeletes } = index.forDataFile(seq, df);
          for (const d of positionDeletes) used.add(d.file);
          for (const d of equalityDeletes) used.add(d.file);
          tasks.push({
            dataFile: df,
            dataSequenceNumber: seq,
            spec: ctx.spec,
            positionDeletes,
            equalityDeletes,
            residual: residualFor(ctx, df.partition, filter),
          });
        }
        return tasks;
      }),
    ),
  );
  const tasks = taskGroups.length === 1 ? taskGroups[0]! : taskGroups.flat();
  stats.dataFilesSelected = tasks.length;
  stats.deleteFilesSelected = used.size;
  const deleteFiles = index.deleteFiles().filter((d) => used.has(d.file));
  return { ...base, tasks, deleteFiles };
}

function residualFor(ctx: SpecContext, partition: PartitionValues, filter: BoundExpression): BoundExpression {
  if (ctx.residuals === undefined) return filter;
  if (ctx.spec.fields.length === 0) return filter;
  const key = partitionKey(partition);
  let r = ctx.residualCache.get(key);
  if (r === undefined) {
    r = ctx.residuals.residualFor(partition);
    ctx.residualCache.set(key, r);
  }
  return r;
}
