/**
 * Schema evolution as an operation: collects changes (add, drop, rename, widen, move, ...) and
 * stages them as `add-schema` + `set-current-schema` with the requirements
 * `assert-current-schema-id` and `assert-last-assigned-field-id`, plus the follow-ups the reference
 * implementation makes: the name mapping (`schema.name-mapping.default`) learns new names and
 * fields, and per-column properties follow renamed and dropped columns.
 *
 * Changes are kept by column name and applied to the table's current schema at each attempt
 * (`src/spec/schema-update.ts` holds the rules). If another writer changed the schema meanwhile,
 * the change is re-applied to the new schema only when every column it names still is the same
 * column (same field id); otherwise the commit fails with COMMIT_CONFLICT naming the column, and
 * an invalid change fails with INVALID_SCHEMA_CHANGE. Nothing is written before a change is valid.
 */
import { LakeError } from '../errors.js';
import { nameMappingOf, serializeNameMapping } from '../spec/name-mapping.js';
import { TableProperty } from '../spec/properties.js';
import type { Schema } from '../spec/schema.js';
import {
  type ColumnPosition,
  type SchemaChange,
  type SchemaUpdateOptions,
  type SchemaUpdateResult,
  ColumnIndex,
  applySchemaChanges,
  columnPropertyChanges,
  schemaUpdateContext,
  sameFields,
  unionByNameChanges,
  updateNameMapping,
} from '../spec/schema-update.js';
import { parseTypeText } from '../spec/evolution-changes.js';
import type { TableMetadata } from '../spec/table-metadata.js';
import type { IcebergType, PrimitiveType, StructType } from '../spec/types.js';
import { isPrimitive } from '../spec/types.js';
import type { TableUpdate } from '../spec/updates.js';
import { requirementsFor } from './requirements-for.js';
import type { CommitResult, PendingUpdate, StagedChange, TableHandle } from './staged-change.js';

export interface AddColumnOptions {
  /** Add into this struct (or list-of-struct element, or map-of-struct value) instead of splitting a dotted name. */
  parent?: string;
  doc?: string;
  /** Default false. A required column needs `default` (v3) unless incompatible changes are allowed. */
  required?: boolean;
  /** JSON single-value form (Appendix D): initial and write default (v3). */
  default?: unknown;
  position?: ColumnPosition;
}

export interface UpdateSchemaOptions {
  /**
   * Re-apply the changes when another writer changed the schema before this commit landed, if
   * the columns they name are still the same columns (default true). With false, any concurrent
   * schema change fails the commit with COMMIT_CONFLICT.
   */
  rebase?: boolean;
}

/** The metadata updates and their result for a schema change applied to `base` (pure). */
export interface PlannedSchemaUpdate {
  result: SchemaUpdateResult;
  updates: TableUpdate[];
}

/**
 * The updates that apply `changes` to the table's current schema: `set-current-schema` alone when
 * the result equals an earlier schema, else `add-schema` + `set-current-schema -1`; then the
 * name mapping and per-column property follow-ups. No updates when nothing changes.
 */
export function planSchemaUpdate(base: TableMetadata, changes: readonly SchemaChange[], options: SchemaUpdateOptions = {}): PlannedSchemaUpdate {
  const result = applySchemaChanges(schemaUpdateContext(base), changes, options);
  if (!result.changed) return { result, updates: [] };
  const updates: TableUpdate[] = [];
  const existing = base.schemas.find((s) => sameFields(s, result.schema));
  if (existing !== undefined) {
    updates.push({ action: 'set-current-schema', schemaId: existing.schemaId });
  } else {
    updates.push({ action: 'add-schema', schema: result.schema, lastColumnId: result.lastColumnId });
    updates.push({ action: 'set-current-schema', schemaId: -1 });
  }
  const old = schemaUpdateContext(base).schema;
  const set: Record<string, string> = {};
  let mapping;
  try {
    mapping = nameMappingOf(base.properties);
  } catch {
    // As the reference implementation: a mapping that cannot be read is left as it is.
    mapping = undefined;
  }
  if (mapping !== undefined) set[TableProperty.DEFAULT_NAME_MAPPING] = serializeNameMapping(updateNameMapping(mapping, old, result));
  const follow = columnPropertyChanges(base.properties, result);
  Object.assign(set, follow.set);
  if (Object.keys(set).length > 0) updates.push({ action: 'set-properties', updates: set });
  if (follow.remove.length > 0) updates.push({ action: 'remove-properties', removals: follow.remove });
  return { result, updates };
}

/** Column names a change refers to in the schema it was made against (not the names it creates). */
function referencedNames(c: SchemaChange): string[] {
  switch (c.op) {
    case 'add-column': {
      const out: string[] = [];
      if (c.parent !== undefined) out.push(c.parent);
      else if (c.name.includes('.')) out.push(c.name.slice(0, c.name.lastIndexOf('.')));
      if (c.position !== undefined && !('first' in c.position)) out.push('after' in c.position ? c.position.after : c.position.before);
      return out;
    }
    case 'move-column':
      return [c.name, ...('first' in c.position ? [] : ['after' in c.position ? c.position.after : c.position.before])];
    case 'set-identifier-fields':
      return [];
    default:
      return [c.name];
  }
}

/**
 * Throws COMMIT_CONFLICT when a column named by the changes is a different column (or gone) in
 * `now` than in `start`: re-applying the changes by name would change the wrong column.
 */
export function checkSameColumns(start: Schema, now: Schema, names: readonly string[], caseSensitive: boolean, table: string): void {
  if (start === now || (start.schemaId === now.schemaId && sameFields(start, now))) return;
  const a = new ColumnIndex(start);
  const b = new ColumnIndex(now);
  for (const name of names) {
    let before: number | undefined;
    let after: number | undefined;
    try {
      before = a.find(name, caseSensitive);
      after = b.find(name, caseSensitive);
    } catch {
      before = -1;
      after = -2;
    }
    if (before !== undefined && before !== after) {
      throw new LakeError(
        'COMMIT_CONFLICT',
        `${table} changed while this change was being committed: column ${name} ${after === undefined ? 'was dropped or renamed' : 'now names a different column'} (schema ${start.schemaId} -> ${now.schemaId}); nothing was changed`,
        { context: { column: name, startSchemaId: start.schemaId, currentSchemaId: now.schemaId } },
      );
    }
  }
}

export class UpdateSchema implements PendingUpdate {
  readonly operationName = 'update-schema';
  readonly targetBranch = undefined;
  private readonly changes: SchemaChange[] = [];
  private options: SchemaUpdateOptions = {};
  private readonly rebase: boolean;

  constructor(private readonly table: TableHandle, options: UpdateSchemaOptions = {}) {
    this.rebase = options.rebase ?? true;
  }

  /** Adds a column; `type` is a type or its text (`int`, `decimal(9, 2)`, `struct<a: int>`, `list<string>`). */
  addColumn(name: string, type: IcebergType | string, options: AddColumnOptions = {}): this {
    const c: SchemaChange = { op: 'add-column', name, type: typeof type === 'string' ? parseTypeText(type) : type };
    if (options.parent !== undefined) c.parent = options.parent;
    if (options.doc !== undefined) c.doc = options.doc;
    if (options.required !== undefined) c.required = options.required;
    if (options.default !== undefined) c.default = options.default;
    if (options.position !== undefined) c.position = options.position;
    return this.add(c);
  }

  dropColumn(name: string): this {
    return this.add({ op: 'drop-column', name });
  }

  renameColumn(name: string, newName: string): this {
    return this.add({ op: 'rename-column', name, newName });
  }

  /** Widens a primitive column (`int` -> `long`, ...). */
  updateColumn(name: string, type: PrimitiveType | string): this {
    const t = typeof type === 'string' ? parseTypeText(type) : type;
    if (!isPrimitive(t)) throw new LakeError('INVALID_SCHEMA_CHANGE', `cannot change ${name} to a nested type`, { context: { rule: 'nesting-change', column: name } });
    return this.add({ op: 'update-column', name, type: t });
  }

  makeColumnOptional(name: string): this {
    return this.add({ op: 'make-optional', name });
  }

  requireColumn(name: string): this {
    return this.add({ op: 'require-column', name });
  }

  updateColumnDoc(name: string, doc: string | null): this {
    return this.add({ op: 'set-doc', name, doc });
  }

  /** Sets the write default (JSON single-value form; null removes it). */
  updateColumnDefault(name: string, value: unknown): this {
    return this.add({ op: 'set-default', name, default: value });
  }

  moveFirst(name: string): this {
    return this.add({ op: 'move-column', name, position: { first: true } });
  }

  moveBefore(name: string, before: string): this {
    return this.add({ op: 'move-column', name, position: { before } });
  }

  moveAfter(name: string, after: string): this {
    return this.add({ op: 'move-column', name, position: { after } });
  }

  setIdentifierFields(...names: string[]): this {
    return this.add({ op: 'set-identifier-fields', names });
  }

  /** Adds what `schema` has and the table lacks, widens types and relaxes nullability to accept its data (see `unionByNameChanges`). */
  unionByName(schema: Schema | StructType): this {
    const current = schemaUpdateContext(this.table.metadata).schema;
    const opts = this.options.caseSensitive === undefined ? {} : { caseSensitive: this.options.caseSensitive };
    for (const c of unionByNameChanges(current, schema, opts)) this.add(c);
    return this;
  }

  /** Adds changes given as data (e.g. parsed from a change file). */
  apply(changes: readonly SchemaChange[]): this {
    for (const c of changes) this.add(c);
    return this;
  }

  caseSensitive(value: boolean): this {
    this.options = { ...this.options, caseSensitive: value };
    return this;
  }

  /** Allows changes that existing data may not satisfy (required columns without defaults, optional -> required). */
  allowIncompatibleChanges(): this {
    this.options = { ...this.options, allowIncompatibleChanges: true };
    return this;
  }

  /** The pending changes. */
  pending(): readonly SchemaChange[] {
    return this.changes;
  }

  /** The new schema against the table as loaded, without committing (validates every change). */
  preview(): SchemaUpdateResult {
    return applySchemaChanges(schemaUpdateContext(this.table.metadata), this.changes, this.options);
  }

  commit(): Promise<CommitResult> {
    return this.table.committer.commit(this);
  }

  writtenFiles(): string[] {
    return [];
  }

  async stage(base: TableMetadata): Promise<StagedChange> {
    const start = schemaUpdateContext(this.table.metadata).schema;
    const now = schemaUpdateContext(base).schema;
    if (!this.rebase && !(start.schemaId === now.schemaId && sameFields(start, now))) {
      throw new LakeError('COMMIT_CONFLICT', `the schema changed while this change was being committed (schema ${start.schemaId} -> ${now.schemaId}); nothing was changed`, {
        context: { startSchemaId: start.schemaId, currentSchemaId: now.schemaId },
      });
    }
    checkSameColumns(start, now, this.changes.flatMap(referencedNames), this.options.caseSensitive ?? true, 'the table');
    const { updates } = planSchemaUpdate(base, this.changes, this.options);
    return { updates, requirements: requirementsFor(base, updates), files: [], conflictChecks: [] };
  }

  private add(c: SchemaChange): this {
    this.changes.push(c);
    return this;
  }
}
