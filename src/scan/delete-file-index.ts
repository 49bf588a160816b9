/**
 * Which delete files apply to which data file (spec "Scan Planning", "Delete Formats"):
 *
 * - A deletion vector (a position delete in PUFFIN format) applies to the data file whose path
 *   equals its `referenced_data_file`, when data seq <= DV seq and spec + partition are equal.
 *   When a DV applies, position delete files do not: the DV replaced them.
 * - A position delete file applies when data seq <= delete seq and spec + partition are equal;
 *   a file-scoped one (non-null `referenced_data_file`, or `file_path` lower bound == upper bound,
 *   as the reference implementation infers) only to that path. For the others, the `file_path`
 *   bounds (field id 2147483546) skip data files whose path lies outside them.
 * - An equality delete file applies when data seq < delete seq and either spec + partition are
 *   equal or the delete's spec is unpartitioned (a global delete). Column bounds and null counts of
 *   the delete columns skip data files the deletes cannot match, as the reference implementation
 *   does.
 *
 * Paths are compared as written in metadata (never remapped). Partition tuples must come from
 * manifests read with the same schema, so values of promoted columns have one representation.
 */
import { LakeError } from '../errors.js';
import { decodeBound } from '../expressions/bounds.js';
import { comparatorFor } from '../expressions/ordering.js';
import { type DataFile, FileContent } from '../spec/data-file.js';
import { type PartitionSpec, isUnpartitioned, partitionKey } from '../spec/partition-spec.js';
import { type Schema, indexSchema } from '../spec/schema.js';
import { compareStrings, utf8Decode } from '../spec/single-value.js';
import { type NestedField, type PrimitiveType, isPrimitive } from '../spec/types.js';
import type { DeleteFileRef } from './scan-task.js';

/** Field id of `file_path` in position delete files (spec "Position Delete Files"). */
export const DELETE_FILE_PATH_FIELD_ID = 2147483546;
/** Field id of `pos` in position delete files. */
export const DELETE_FILE_POS_FIELD_ID = 2147483545;
/** Field id of `row` in position delete files. */
export const DELETE_FILE_ROW_FIELD_ID = 2147483544;

/** True for a deletion vector: a position delete stored as a Puffin blob. */
export function isDeletionVector(file: DataFile): boolean {
  return file.content === FileContent.POSITION_DELETES && file.fileFormat === 'PUFFIN';
}

function boundsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The single data file a position delete file or DV applies to: `referenced_data_file`, or the
 * `file_path` column's value when its lower and upper bounds are equal; undefined otherwise.
 */
export function referencedDataFile(file: DataFile): string | undefined {
  if (file.content !== FileContent.POSITION_DELETES) return undefined;
  if (file.referencedDataFile !== undefined) return file.referencedDataFile;
  const lo = file.lowerBounds?.get(DELETE_FILE_PATH_FIELD_ID);
  const hi = file.upperBounds?.get(DELETE_FILE_PATH_FIELD_ID);
  if (lo === undefined || hi === undefined || !boundsEqual(lo, hi)) return undefined;
  return utf8Decode(lo);
}

/** Sorted by data sequence number, with the numbers alongside for binary search. */
class BySequence<T extends DeleteFileRef> {
  private items: T[] = [];
  private seqs: bigint[] = [];
  private sorted = true;

  add(item: T): void {
    if (this.items.length > 0 && item.dataSequenceNumber < this.seqs[this.seqs.length - 1]!) this.sorted = false;
    this.items.push(item);
    this.seqs.push(item.dataSequenceNumber);
  }

  get size(): number {
    return this.items.length;
  }

  all(): readonly T[] {
    this.sort();
    return this.items;
  }

  /** Items with seq >= `seq` (strict: seq > `seq`), ascending by seq. */
  from(seq: bigint, strict: boolean): readonly T[] {
    this.sort();
    const s = this.seqs;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (strict ? s[mid]! <= seq : s[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? this.items : this.items.slice(lo);
  }

  private sort(): void {
    if (this.sorted) return;
    const order = this.items.map((_, i) => i).sort((a, b) => {
      const x = this.seqs[a]!;
      const y = this.seqs[b]!;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    this.items = order.map((i) => this.items[i]!);
    this.seqs = order.map((i) => this.seqs[i]!);
    this.sorted = true;
  }
}

interface PositionDelete extends DeleteFileRef {
  /** Decoded `file_path` bounds for range checks (undefined when absent or not decodable). */
  pathLower?: string;
  pathUpper?: string;
}

export interface EqualityField {
  id: number;
  required: boolean;
  type: PrimitiveType;
}

interface EqualityDelete extends DeleteFileRef {
  /** Primitive delete columns (nested ones are never used to skip). */
  fields: EqualityField[];
}

export interface DeleteFileIndexOptions {
  /** Partition specs by id (every spec of the table). */
  specs: ReadonlyMap<number, PartitionSpec> | readonly PartitionSpec[];
  /**
   * Schemas to look up equality delete columns in (every schema of the table: a delete column may
   * have been dropped since). Later schemas win for an id present in several.
   */
  schemas: readonly Schema[];
}

export interface MatchingDeletes {
  /** A deletion vector alone, or the position delete files that apply. */
  positionDeletes: DeleteFileRef[];
  equalityDeletes: DeleteFileRef[];
}

function partitionKeyOf(specId: number, partition: readonly unknown[]): string {
  return `${specId}:${partitionKey(partition)}`;
}

export class DeleteFileIndex {
  private readonly specs: ReadonlyMap<number, PartitionSpec>;
  private readonly fields = new Map<number, NestedField>();
  private readonly globalEq = new BySequence<EqualityDelete>();
  private readonly eqByPartition = new Map<string, BySequence<EqualityDelete>>();
  private readonly posByPartition = new Map<string, BySequence<PositionDelete>>();
  private readonly posByPath = new Map<string, BySequence<PositionDelete>>();
  private readonly dvByPath = new Map<string, DeleteFileRef>();
  private readonly eqIds = new Set<number>();
  private count = 0;
  private readonly refs: DeleteFileRef[] = [];

  constructor(options: DeleteFileIndexOptions) {
    this.specs = options.specs instanceof Map ? options.specs : new Map((options.specs as PartitionSpec[]).map((s) => [s.specId, s]));
    for (const schema of options.schemas) {
      for (const [id, e] of indexSchema(schema)) this.fields.set(id, e.field);
    }
  }

  /** An index of the given delete files (live entries of delete manifests, sequence numbers inherited). */
  static build(deletes: Iterable<DeleteFileRef>, options: DeleteFileIndexOptions): DeleteFileIndex {
    const index = new DeleteFileIndex(options);
    for (const d of deletes) index.add(d);
    return index;
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }

  get size(): number {
    return this.count;
  }

  get hasEqualityDeletes(): boolean {
    return this.globalEq.size > 0 || this.eqByPartition.size > 0;
  }

  /** Field ids of every equality delete column: data files need their stats for `canContainEqualityDeletes`. */
  get equalityFieldIds(): ReadonlySet<number> {
    return this.eqIds;
  }

  /** Every indexed delete file, in the order added. */
  deleteFiles(): readonly DeleteFileRef[] {
    return this.refs;
  }

  add(ref: DeleteFileRef): void {
    const file = ref.file;
    const spec = this.specs.get(file.specId);
    if (spec === undefined) {
      throw new LakeError('INVALID_METADATA', `delete file ${file.filePath} has partition spec ${file.specId}, which the table does not have`, {
        context: { filePath: file.filePath, specId: file.specId },
      });
    }
    if (file.content === FileContent.POSITION_DELETES) {
      if (isDeletionVector(file)) {
        const path = file.referencedDataFile;
        if (path === undefined) {
          throw new LakeError('INVALID_METADATA', `deletion vector in ${file.filePath} has no referenced_data_file`, { context: { filePath: file.filePath } });
        }
        const existing = this.dvByPath.get(path);
        if (existing !== undefined) {
          throw new LakeError(
            'INVALID_METADATA',
            `two deletion vectors for ${path} in one snapshot (${existing.file.filePath} at ${existing.file.contentOffset} and ${file.filePath} at ${file.contentOffset}); the spec allows one`,
            { context: { referencedDataFile: path } },
          );
        }
        this.dvByPath.set(path, ref);
      } else {
        const pd: PositionDelete = { ...ref };
        const path = referencedDataFile(file);
        if (path !== undefined) {
          getOrCreate(this.posByPath, path).add(pd);
        } else {
          const lo = file.lowerBounds?.get(DELETE_FILE_PATH_FIELD_ID);
          const hi = file.upperBounds?.get(DELETE_FILE_PATH_FIELD_ID);
          const l = decodeBound({ kind: 'string' }, lo);
          const h = decodeBound({ kind: 'string' }, hi);
          if (typeof l === 'string') pd.pathLower = l;
          if (typeof h === 'string') pd.pathUpper = h;
          getOrCreate(this.posByPartition, partitionKeyOf(file.specId, file.partition)).add(pd);
        }
      }
    } else if (file.content === FileContent.EQUALITY_DELETES) {
      const ids = file.equalityIds ?? [];
      if (ids.length === 0) {
        throw new LakeError('INVALID_METADATA', `equality delete file ${file.filePath} has no equality_ids`, { context: { filePath: file.filePath } });
      }
      const fields: EqualityField[] = [];
      for (const id of ids) {
        this.eqIds.add(id);
        const f = this.fields.get(id);
        if (f === undefined) {
          throw new LakeError('INVALID_METADATA', `equality delete file ${file.filePath} names field ${id}, which no schema of the table has`, {
            context: { filePath: file.filePath, fieldId: id },
          });
        }
        if (isPrimitive(f.type)) fields.push({ id, required: f.required, type: f.type });
      }
      const ed: EqualityDelete = { ...ref, fields };
      if (isUnpartitioned(spec)) this.globalEq.add(ed);
      else getOrCreate(this.eqByPartition, partitionKeyOf(file.specId, file.partition)).add(ed);
    } else {
      throw new LakeError('INVALID_METADATA', `file ${file.filePath} in a delete manifest has content ${file.content} (data)`, {
        context: { filePath: file.filePath },
      });
    }
    this.count++;
    this.refs.push(ref);
  }

  /** The delete files that apply to a data file with data sequence number `dataSeq`. */
  forDataFile(dataSeq: bigint, dataFile: DataFile): MatchingDeletes {
    if (this.count === 0) return { positionDeletes: [], equalityDeletes: [] };
    const key = this.posByPartition.size > 0 || this.eqByPartition.size > 0 ? partitionKeyOf(dataFile.specId, dataFile.partition) : '';
    const equalityDeletes: DeleteFileRef[] = [];
    if (this.globalEq.size > 0) this.collectEq(this.globalEq, dataSeq, dataFile, equalityDeletes);
    const eqPart = this.eqByPartition.get(key);
    if (eqPart !== undefined) this.collectEq(eqPart, dataSeq, dataFile, equalityDeletes);

    const path = dataFile.filePath;
    const dv = this.dvByPath.size > 0 ? this.dvByPath.get(path) : undefined;
    if (dv !== undefined && dv.dataSequenceNumber >= dataSeq) {
      this.checkSamePartition(dv.file, dataFile);
      return { positionDeletes: [dv], equalityDeletes };
    }
    const positionDeletes: DeleteFileRef[] = [];
    const byPart = this.posByPartition.get(key);
    if (byPart !== undefined) {
      for (const d of byPart.from(dataSeq, false)) {
        if (d.pathLower !== undefined && compareStrings(path, d.pathLower) < 0) continue;
        if (d.pathUpper !== undefined && compareStrings(path, d.pathUpper) > 0) continue;
        positionDeletes.push(stripIndexFields(d));
      }
    }
    const byPath = this.posByPath.size > 0 ? this.posByPath.get(path) : undefined;
    if (byPath !== undefined) {
      for (const d of byPath.from(dataSeq, false)) {
        this.checkSamePartition(d.file, dataFile);
        positionDeletes.push(stripIndexFields(d));
      }
    }
    return { positionDeletes, equalityDeletes };
  }

  private collectEq(group: BySequence<EqualityDelete>, dataSeq: bigint, dataFile: DataFile, out: DeleteFileRef[]): void {
    for (const d of group.from(dataSeq, true)) {
      if (canContainEqualityDeletes(dataFile, d.file, d.fields)) out.push({ file: d.file, dataSequenceNumber: d.dataSequenceNumber });
    }
  }

  /** A delete file scoped to one data file must share its spec and partition; anything else is corrupt metadata. */
  private checkSamePartition(deleteFile: DataFile, dataFile: DataFile): void {
    if (deleteFile.specId !== dataFile.specId || partitionKey(deleteFile.partition) !== partitionKey(dataFile.partition)) {
      throw new LakeError(
        'INVALID_METADATA',
        `delete file ${deleteFile.filePath} (spec ${deleteFile.specId}) references data file ${dataFile.filePath} (spec ${dataFile.specId}) of another partition: metadata is corrupted`,
        { context: { deleteFile: deleteFile.filePath, dataFile: dataFile.filePath } },
      );
    }
  }
}

function stripIndexFields(d: PositionDelete): DeleteFileRef {
  return { file: d.file, dataSequenceNumber: d.dataSequenceNumber };
}

function getOrCreate<T extends DeleteFileRef>(m: Map<string, BySequence<T>>, key: string): BySequence<T> {
  let g = m.get(key);
  if (g === undefined) {
    g = new BySequence<T>();
    m.set(key, g);
  }
  return g;
}

function count(m: Map<number, number> | undefined, id: number): number | undefined {
  return m?.get(id);
}

/** The data file may hold null in the column (unknown counts: it may). */
function containsNull(file: DataFile, f: EqualityField): boolean {
  if (f.required) return false;
  const n = count(file.nullValueCounts, f.id);
  return n === undefined || n > 0;
}

/** Every value in the column is null, per the counts. */
function allNull(file: DataFile, f: EqualityField): boolean {
  if (f.required) return false;
  const n = count(file.nullValueCounts, f.id);
  const v = count(file.valueCounts, f.id);
  return n !== undefined && v !== undefined && n === v;
}

/** No value in the column is null, per the counts. */
function allNonNull(file: DataFile, f: EqualityField): boolean {
  if (f.required) return true;
  const n = count(file.nullValueCounts, f.id);
  return n !== undefined && n <= 0;
}

/**
 * False when an equality delete file cannot delete any row of the data file: for some delete
 * column, the data file's value range and the deleted values' range do not overlap, or one side
 * is all null and the other has no null. Missing stats mean "may match".
 */
export function canContainEqualityDeletes(dataFile: DataFile, deleteFile: DataFile, fields?: readonly EqualityField[]): boolean {
  const fs = fields ?? [];
  for (const f of fs) {
    if (containsNull(dataFile, f) && containsNull(deleteFile, f)) continue; // null rows may be deleted
    if (allNull(dataFile, f) && allNonNull(deleteFile, f)) return false;
    if (allNull(deleteFile, f) && allNonNull(dataFile, f)) return false;
    const dl = decodeBound(f.type, dataFile.lowerBounds?.get(f.id));
    const du = decodeBound(f.type, dataFile.upperBounds?.get(f.id));
    const xl = decodeBound(f.type, deleteFile.lowerBounds?.get(f.id));
    const xu = decodeBound(f.type, deleteFile.upperBounds?.get(f.id));
    if (dl === undefined || du === undefined || xl === undefined || xu === undefined) continue;
    if (f.type.kind === 'uuid') continue; // bounds may be in either UUID order (see expressions/bounds.ts)
    if (f.type.kind === 'float' || f.type.kind === 'double') {
      if (Number.isNaN(dl) || Number.isNaN(du) || Number.isNaN(xl) || Number.isNaN(xu)) continue;
    }
    let cmp;
    try {
      cmp = comparatorFor(f.type);
    } catch {
      continue; // a type without an order says nothing
    }
    if (cmp(dl, xu) > 0 || cmp(xl, du) > 0) return false;
  }
  return true;
}
