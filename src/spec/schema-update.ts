/**
 * Schema evolution (spec "Schema Evolution", "Default values", "Identifier Field IDs"): applies a
 * list of changes to a table's current schema and returns the new schema, or throws
 * `LakeError('INVALID_SCHEMA_CHANGE')` naming the column and the rule before anything is produced.
 *
 * The semantics follow the reference implementation's `SchemaUpdate` (apache/iceberg core):
 * changes are recorded against the base schema by field id (deletes, field updates, additions per
 * parent struct, moves per parent struct) and applied together at the end, so a rename and a type
 * change of the same column merge, added columns can be moved, and a column can be dropped and a
 * new one added under the same name. New field ids continue after `last-column-id` in the
 * reference order (the added field, then its nested fields breadth first); ids are never reused.
 *
 * Rules beyond the reference implementation, taken from the spec and PyIceberg: `date` may widen to
 * `timestamp`/`timestamp_ns` only from v3 and only when no partition field with an identity or
 * bucket transform uses the column (their values would change); default values need v3; a column
 * name may not collide with a partition field name (an identity or void partition field may carry
 * its own source column's name); names clash case-insensitively when the table has a name mapping
 * or changes are resolved case-insensitively.
 */
import { LakeError } from '../errors.js';
import { type MappedField, type NameMapping } from './name-mapping.js';
import { type PartitionSpec } from './partition-spec.js';
import { type Schema, validateSchema } from './schema.js';
import { valueFromJson, valueToJson } from './single-value.js';
import { type SortOrder } from './sort-order.js';
import { canTransform, transformToString } from './transforms.js';
import {
  type IcebergType,
  type NestedField,
  type PrimitiveType,
  type StructType,
  isPrimitive,
  isPromotionAllowed,
  primitiveToString,
  typeToString,
  typesEqual,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Changes

/** Where a column goes within its struct. */
export type ColumnPosition = { first: true } | { after: string } | { before: string };

export type SchemaChange =
  /**
   * Adds a column. `name` is the new column's name; with `parent` (a struct, a list whose element is
   * a struct, or a map whose value is a struct) it is added there, otherwise a dotted `name` adds
   * to the struct named by everything before the last dot (`point.z` adds `z` to `point`).
   * `default` is the JSON single-value form (Appendix D) and becomes both `initial-default` and
   * `write-default` (v3 only). A required column needs a default unless incompatible changes are
   * allowed. The type's own field ids are ignored and assigned fresh.
   */
  | { op: 'add-column'; name: string; parent?: string; type: IcebergType; required?: boolean; doc?: string; default?: unknown; position?: ColumnPosition }
  | { op: 'drop-column'; name: string }
  | { op: 'rename-column'; name: string; newName: string }
  /** Widens a primitive column (int -> long, float -> double, decimal precision, v3 date -> timestamp). */
  | { op: 'update-column'; name: string; type: PrimitiveType }
  | { op: 'make-optional'; name: string }
  /** Makes a column required: only for a column added with a default in the same change, or with incompatible changes allowed. */
  | { op: 'require-column'; name: string }
  /** Sets (or with `null` removes) a column's doc. */
  | { op: 'set-doc'; name: string; doc: string | null }
  /** Sets the column's `write-default` (JSON single-value form; `null` removes it). `initial-default` never changes. */
  | { op: 'set-default'; name: string; default: unknown }
  | { op: 'move-column'; name: string; position: ColumnPosition }
  /** Replaces the schema's identifier fields by these column names (resolved in the new schema). */
  | { op: 'set-identifier-fields'; names: string[] };

export type SchemaChangeOp = SchemaChange['op'];

export const SCHEMA_CHANGE_OPS: readonly SchemaChangeOp[] = [
  'add-column',
  'drop-column',
  'rename-column',
  'update-column',
  'make-optional',
  'require-column',
  'set-doc',
  'set-default',
  'move-column',
  'set-identifier-fields',
];

/** The rule a refused change broke, in `LakeError.context.rule`. */
export type SchemaChangeRule =
  | 'column-not-found'
  | 'parent-not-struct'
  | 'name-exists'
  | 'invalid-name'
  | 'required-without-default'
  | 'invalid-default'
  | 'defaults-need-v3'
  | 'type-change'
  | 'nesting-change'
  | 'nullability'
  | 'conflicting-changes'
  | 'identifier-field'
  | 'partition-source'
  | 'partition-name'
  | 'sort-source'
  | 'move'
  | 'list-or-map-part'
  | 'invalid-schema';

function refuse(rule: SchemaChangeRule, column: string | undefined, message: string): never {
  throw new LakeError('INVALID_SCHEMA_CHANGE', message, { context: column === undefined ? { rule } : { rule, column } });
}

// ---------------------------------------------------------------------------------------------
// Column names

/** Field id of the table's root struct in parent maps. */
const ROOT = -1;

interface ColumnEntry {
  field: NestedField;
  /** Canonical dotted name (`tags.element`, `m.value.x`). */
  path: string;
  /** Id of the enclosing field (ROOT for top-level columns). */
  parentId: number;
  /** The kind of the enclosing type: a struct's field, a list element, a map key or value. */
  role: 'field' | 'element' | 'key' | 'value';
}

/**
 * Every field of a schema by id and by name: canonical dotted names and, as the reference
 * implementation's `IndexByName`, short names that leave out `element` / `value` when a list
 * element or map value is a struct (`locations.lat` for `locations.element.lat`).
 */
export class ColumnIndex {
  readonly byId = new Map<number, ColumnEntry>();
  private readonly names = new Map<string, number>();
  private readonly shortNames = new Map<string, number>();

  constructor(struct: StructType | Schema) {
    const fields = 'kind' in struct ? struct.fields : struct.fields;
    const visitStruct = (fs: NestedField[], prefix: string, short: string, parentId: number): void => {
      for (const f of fs) add(f, 'field', join(prefix, f.name), join(short, f.name), parentId);
    };
    const add = (f: NestedField, role: ColumnEntry['role'], path: string, short: string, parentId: number): void => {
      if (this.byId.has(f.id)) throw new LakeError('INVALID_METADATA', `duplicate field id ${f.id} (${this.byId.get(f.id)!.path} and ${path})`);
      this.byId.set(f.id, { field: f, path, parentId, role });
      this.names.set(path, f.id);
      this.shortNames.set(short, f.id);
      const t = f.type;
      if (t.kind === 'struct') visitStruct(t.fields, path, short, f.id);
      else if (t.kind === 'list') {
        add({ id: t.elementId, name: 'element', required: t.elementRequired, type: t.element }, 'element', `${path}.element`, t.element.kind === 'struct' ? short : `${short}.element`, f.id);
      } else if (t.kind === 'map') {
        add({ id: t.keyId, name: 'key', required: true, type: t.key }, 'key', `${path}.key`, `${short}.key`, f.id);
        add({ id: t.valueId, name: 'value', required: t.valueRequired, type: t.value }, 'value', `${path}.value`, t.value.kind === 'struct' ? short : `${short}.value`, f.id);
      }
    };
    visitStruct(fields, '', '', ROOT);
  }

  /** The id of a column by canonical or short name; case-insensitively a unique match. */
  find(name: string, caseSensitive = true): number | undefined {
    const exact = this.names.get(name) ?? this.shortNames.get(name);
    if (exact !== undefined || caseSensitive) return exact;
    const lower = name.toLowerCase();
    const hits = new Set<number>();
    for (const [n, id] of this.names) if (n.toLowerCase() === lower) hits.add(id);
    if (hits.size === 0) for (const [n, id] of this.shortNames) if (n.toLowerCase() === lower) hits.add(id);
    if (hits.size > 1) {
      throw new LakeError('INVALID_INPUT', `column name "${name}" is ambiguous: ${[...hits].map((id) => this.byId.get(id)!.path).join(', ')}`);
    }
    return hits.values().next().value;
  }

  path(id: number): string | undefined {
    return this.byId.get(id)?.path;
  }

  /** Ids of the enclosing fields, nearest first. */
  ancestors(id: number): number[] {
    const out: number[] = [];
    let p = this.byId.get(id)?.parentId;
    while (p !== undefined && p !== ROOT) {
      out.push(p);
      p = this.byId.get(p)?.parentId;
    }
    return out;
  }
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

// ---------------------------------------------------------------------------------------------
// Context and result

/** What schema evolution needs to know about the table besides its current schema. */
export interface SchemaUpdateContext {
  /** The schema the changes apply to (the table's current schema). */
  schema: Schema;
  /** The table's `last-column-id`; new ids continue after it. */
  lastColumnId: number;
  formatVersion: number;
  /** All schemas of the table, to predict the id the new schema gets (an identical old schema's id is reused). */
  schemas?: readonly Schema[];
  /** All partition specs of the table (partition names, promotion rules). */
  specs?: readonly PartitionSpec[];
  /** The default spec's id: its source columns cannot be dropped. */
  defaultSpecId?: number;
  /** The default sort order: its source columns cannot be dropped. */
  sortOrder?: SortOrder;
  /** Table properties: `schema.name-mapping.default` makes name clashes case-insensitive. */
  properties?: Readonly<Record<string, string>>;
}

export interface SchemaUpdateOptions {
  /** Resolve column names case-sensitively (default true); when false, names also clash case-insensitively. */
  caseSensitive?: boolean;
  /** Allow changes that can break readers of existing data: required columns without defaults, optional -> required. */
  allowIncompatibleChanges?: boolean;
}

export interface SchemaUpdateResult {
  /** The new schema; its id is the one the table will give it (an identical old schema's id, else the next id). */
  schema: Schema;
  /** The table's new `last-column-id`. */
  lastColumnId: number;
  /** False when the changes leave the schema as it was (no update is needed). */
  changed: boolean;
  /** Ids of the added top-level fields of each added column, by parent id (-1 for the root), in order. */
  addedByParent: Map<number, number[]>;
  /** Every new field id (added columns and their nested fields). */
  addedFieldIds: number[];
  /** Ids of dropped columns (their nested fields are gone too). */
  droppedFieldIds: number[];
  /** Canonical names that changed: old name -> new name, for columns kept (renamed or inside a renamed struct). */
  renamedColumns: Map<string, string>;
  /** Canonical names of dropped columns, as they were. */
  droppedColumns: string[];
}

/** The `TableMetadata` fields `applySchemaChanges` reads; pass table metadata itself. */
export interface SchemaUpdateMetadata {
  formatVersion: number;
  lastColumnId: number;
  schemas: Schema[];
  currentSchemaId: number;
  partitionSpecs: PartitionSpec[];
  defaultSpecId: number;
  sortOrders: SortOrder[];
  defaultSortOrderId: number;
  properties: Record<string, string>;
}

/** The context of a table's current schema. */
export function schemaUpdateContext(m: SchemaUpdateMetadata): SchemaUpdateContext {
  const schema = m.schemas.find((s) => s.schemaId === m.currentSchemaId);
  if (schema === undefined) throw new LakeError('INVALID_METADATA', `current schema ${m.currentSchemaId} not found`);
  const ctx: SchemaUpdateContext = {
    schema,
    lastColumnId: m.lastColumnId,
    formatVersion: m.formatVersion,
    schemas: m.schemas,
    specs: m.partitionSpecs,
    defaultSpecId: m.defaultSpecId,
    properties: m.properties,
  };
  const order = m.sortOrders.find((o) => o.orderId === m.defaultSortOrderId);
  if (order !== undefined) ctx.sortOrder = order;
  return ctx;
}

// ---------------------------------------------------------------------------------------------
// Applying changes

interface AddedColumn {
  field: NestedField;
  parentId: number;
  /** Canonical name of the new column. */
  path: string;
}

type Move = { id: number; kind: 'first' } | { id: number; kind: 'before' | 'after'; ref: number };

const NAME_MAPPING_PROPERTY = 'schema.name-mapping.default';

/**
 * Applies schema changes in order and validates the result. Throws INVALID_SCHEMA_CHANGE (context
 * `{ rule, column }`) for a change Iceberg's rules forbid; the inputs are never modified.
 */
export function applySchemaChanges(
  context: SchemaUpdateContext,
  changes: readonly SchemaChange[],
  options: SchemaUpdateOptions = {},
): SchemaUpdateResult {
  const update = new SchemaUpdater(context, options);
  applyEach(changes, (c) => update.apply(c));
  return update.result();
}

/**
 * Applies changes in order. When one of several fails, its error says which (1-based, with its
 * op) and carries the 0-based index in `context.change`.
 */
export function applyEach<C extends { op: string }>(changes: readonly C[], apply: (change: C) => void): void {
  changes.forEach((c, i) => {
    try {
      apply(c);
    } catch (e) {
      if (e instanceof LakeError && changes.length > 1) {
        throw new LakeError(e.code, `change ${i + 1} (${c.op}): ${e.message}`, { cause: e, context: { ...e.context, change: i } });
      }
      throw e;
    }
  });
}

class SchemaUpdater {
  private readonly base: Schema;
  private readonly index: ColumnIndex;
  private readonly caseSensitive: boolean;
  private readonly allowIncompatible: boolean;
  /** Names clash ignoring case: case-insensitive resolution, or a name mapping that readers match by name. */
  private readonly foldCase: boolean;
  private lastColumnId: number;
  private readonly deletes = new Set<number>();
  /** New definitions of existing or added fields (name, doc, requiredness, type, defaults). */
  private readonly updates = new Map<number, NestedField>();
  private readonly addsByParent = new Map<number, number[]>();
  private readonly added = new Map<number, AddedColumn>();
  private readonly addedFieldIds: number[] = [];
  private readonly moves = new Map<number, Move[]>();
  private identifierNames: string[] | undefined;

  constructor(private readonly ctx: SchemaUpdateContext, options: SchemaUpdateOptions) {
    this.base = ctx.schema;
    this.index = new ColumnIndex(ctx.schema);
    this.caseSensitive = options.caseSensitive ?? true;
    this.allowIncompatible = options.allowIncompatibleChanges ?? false;
    const props = ctx.properties ?? {};
    this.foldCase = !this.caseSensitive || Object.prototype.hasOwnProperty.call(props, NAME_MAPPING_PROPERTY);
    this.lastColumnId = ctx.lastColumnId;
  }

  apply(c: SchemaChange): void {
    switch (c.op) {
      case 'add-column':
        return this.addColumn(c);
      case 'drop-column':
        return this.dropColumn(c.name);
      case 'rename-column':
        return this.renameColumn(c.name, c.newName);
      case 'update-column':
        return this.updateType(c.name, c.type);
      case 'make-optional':
        return this.setRequired(c.name, false);
      case 'require-column':
        return this.setRequired(c.name, true);
      case 'set-doc':
        return this.setDoc(c.name, c.doc);
      case 'set-default':
        return this.setDefault(c.name, c.default);
      case 'move-column':
        return this.move(c.name, c.position);
      case 'set-identifier-fields':
        if (!Array.isArray(c.names) || c.names.some((n) => typeof n !== 'string')) {
          refuse('identifier-field', undefined, 'identifier fields must be a list of column names');
        }
        this.identifierNames = [...c.names];
        return;
      default: {
        const unknown: { op?: unknown } = c;
        throw new LakeError('INVALID_INPUT', `unknown schema change ${JSON.stringify(unknown.op)} (expected one of ${SCHEMA_CHANGE_OPS.join(', ')})`);
      }
    }
  }

  // ---- lookups ----

  private findExisting(name: string): number | undefined {
    return this.index.find(name, this.caseSensitive);
  }

  private findAdded(name: string): number | undefined {
    for (const [id, a] of this.added) {
      if (a.path === name || (!this.caseSensitive && a.path.toLowerCase() === name.toLowerCase())) return id;
    }
    return undefined;
  }

  /** The current definition of an existing or added field, with pending updates. */
  private fieldForUpdate(name: string): { id: number; field: NestedField; added: boolean } {
    const id = this.findExisting(name);
    if (id !== undefined) {
      const entry = this.index.byId.get(id)!;
      return { id, field: this.updates.get(id) ?? entry.field, added: false };
    }
    const addedId = this.findAdded(name);
    if (addedId !== undefined) return { id: addedId, field: this.updates.get(addedId)!, added: true };
    return refuse('column-not-found', name, `cannot update column ${name}: it does not exist`);
  }

  private nameOf(id: number): string {
    return this.index.path(id) ?? this.added.get(id)?.path ?? String(id);
  }

  private checkNotDeleted(id: number, name: string, what: string): void {
    if (this.deletes.has(id)) refuse('conflicting-changes', name, `cannot ${what} column ${name}: it is dropped in the same change`);
    for (const a of this.index.ancestors(id)) {
      if (this.deletes.has(a)) refuse('conflicting-changes', name, `cannot ${what} column ${name}: its parent ${this.nameOf(a)} is dropped in the same change`);
    }
  }

  private nextId(): number {
    this.lastColumnId += 1;
    return this.lastColumnId;
  }

  // ---- changes ----

  private addColumn(c: Extract<SchemaChange, { op: 'add-column' }>): void {
    if (typeof c.name !== 'string' || c.name === '') refuse('invalid-name', c.name, 'a new column needs a non-empty name');
    let parentName = c.parent;
    let name = c.name;
    if (parentName === undefined && name.includes('.')) {
      const dot = name.lastIndexOf('.');
      parentName = name.slice(0, dot);
      name = name.slice(dot + 1);
      if (name === '' || parentName === '') refuse('invalid-name', c.name, `invalid column name "${c.name}"`);
    }
    let parentId = ROOT;
    let parentPath = '';
    if (parentName !== undefined && parentName !== '') {
      let pid = this.findExisting(parentName);
      if (pid === undefined) {
        if (this.findAdded(parentName) !== undefined) {
          refuse('conflicting-changes', parentName, `cannot add ${name} to ${parentName}: columns cannot be added to a column added in the same change (give the nested fields in its type)`);
        }
        refuse('column-not-found', parentName, `cannot add column ${name}: parent ${parentName} does not exist`);
      }
      let entry = this.index.byId.get(pid)!;
      // Columns are added to a list's element struct or a map's value struct.
      if (entry.field.type.kind === 'list') pid = entry.field.type.elementId;
      else if (entry.field.type.kind === 'map') pid = entry.field.type.valueId;
      entry = this.index.byId.get(pid)!;
      if (entry.field.type.kind !== 'struct') {
        refuse('parent-not-struct', parentName, `cannot add column ${name} to ${parentName}: ${parentName} is ${typeToString(entry.field.type)}, not a struct`);
      }
      this.checkNotDeleted(pid, parentName, 'add to');
      parentId = pid;
      parentPath = entry.path;
    }
    const path = join(parentPath, name);
    const existing = this.findExisting(path);
    if (existing !== undefined && !this.deletes.has(existing) && !this.renamedAway(existing)) {
      refuse('name-exists', path, `cannot add column ${path}: a column with that name already exists`);
    }
    if (this.findAdded(path) !== undefined) refuse('name-exists', path, `cannot add column ${path}: it is already added in the same change`);

    const required = c.required ?? false;
    const hasDefault = c.default !== undefined && c.default !== null;
    if (required && !hasDefault && !this.allowIncompatible) {
      refuse(
        'required-without-default',
        path,
        `cannot add required column ${path} without a default value: existing rows have no value for it` +
          (this.ctx.formatVersion >= 3 ? ' (give a default, or add it as optional)' : ' (add it as optional; defaults need format version 3)'),
      );
    }
    const id = this.nextId();
    const type = freshIds(c.type, () => this.nextId(), this.addedFieldIds);
    const field: NestedField = { id, name, required, type };
    if (c.doc !== undefined && c.doc !== null) field.doc = c.doc;
    if (hasDefault) {
      const json = this.checkedDefault(path, type, c.default);
      field.initialDefault = json;
      field.writeDefault = json;
    }
    this.addedFieldIds.push(id);
    this.added.set(id, { field, parentId, path });
    this.updates.set(id, field);
    const list = this.addsByParent.get(parentId) ?? [];
    list.push(id);
    this.addsByParent.set(parentId, list);
    if (c.position !== undefined) this.move(path, c.position);
  }

  /** An existing field that a pending rename gives another name. */
  private renamedAway(id: number): boolean {
    const u = this.updates.get(id);
    return u !== undefined && u.name !== this.index.byId.get(id)?.field.name;
  }

  /** Validates a default and returns its normalised JSON single-value form. */
  private checkedDefault(column: string, type: IcebergType, json: unknown): unknown {
    if (json === null || json === undefined) return null;
    if (this.ctx.formatVersion < 3) {
      refuse('defaults-need-v3', column, `cannot set a default value for ${column}: default values need format version 3 (the table is v${this.ctx.formatVersion}; upgrade it first)`);
    }
    const kind = type.kind;
    if (kind === 'unknown' || kind === 'variant' || kind === 'geometry' || kind === 'geography') {
      refuse('invalid-default', column, `column ${column} of type ${kind} can only default to null`);
    }
    if (kind === 'struct') {
      if (typeof json !== 'object' || Array.isArray(json) || Object.keys(json as object).length > 0) {
        refuse('invalid-default', column, `the default of struct column ${column} must be null or {} (field defaults belong to its fields)`);
      }
      return {};
    }
    try {
      return valueToJson(type, valueFromJson(type, coerceLiteral(type, json)));
    } catch (e) {
      return refuse('invalid-default', column, `invalid default for ${column} (${typeToString(type)}): ${(e as Error).message}`);
    }
  }

  private dropColumn(name: string): void {
    const id = this.findExisting(name);
    if (id === undefined) {
      if (this.findAdded(name) !== undefined) refuse('conflicting-changes', name, `cannot drop column ${name}: it is added in the same change`);
      refuse('column-not-found', name, `cannot drop column ${name}: it does not exist`);
    }
    const entry = this.index.byId.get(id)!;
    if (entry.role !== 'field') {
      refuse('list-or-map-part', name, `cannot drop ${name}: a list element or map key or value cannot be dropped (drop the list or map)`);
    }
    for (const parent of this.addsByParent.keys()) {
      if (parent === id || this.index.ancestors(parent).includes(id)) {
        refuse('conflicting-changes', name, `cannot drop column ${name}: columns are added inside it in the same change`);
      }
    }
    if (this.updates.has(id)) refuse('conflicting-changes', name, `cannot drop column ${name}: it is changed in the same change`);
    this.deletes.add(id);
  }

  private renameColumn(name: string, newName: string): void {
    const id = this.findExisting(name);
    if (id === undefined) {
      if (this.findAdded(name) !== undefined) refuse('conflicting-changes', name, `cannot rename column ${name}: it is added in the same change (add it with the new name)`);
      refuse('column-not-found', name, `cannot rename column ${name}: it does not exist`);
    }
    if (typeof newName !== 'string' || newName === '') refuse('invalid-name', name, `cannot rename column ${name}: the new name must not be empty`);
    const entry = this.index.byId.get(id)!;
    if (entry.role !== 'field') refuse('list-or-map-part', name, `cannot rename ${name}: list elements and map keys and values have fixed names`);
    this.checkNotDeleted(id, name, 'rename');
    const current = this.updates.get(id) ?? entry.field;
    this.updates.set(id, { ...current, name: newName });
  }

  private updateType(name: string, type: PrimitiveType): void {
    const { id, field } = this.fieldForUpdate(name);
    this.checkNotDeleted(id, name, 'change the type of');
    if (!isPrimitive(field.type)) {
      refuse('nesting-change', name, `cannot change the type of ${name}: it is ${typeToString(field.type)}; nested types cannot change (change their fields)`);
    }
    if (!isPrimitive(type)) refuse('nesting-change', name, `cannot change ${name} from ${typeToString(field.type)} to ${typeToString(type)}: a primitive cannot become a nested type`);
    if (primitiveToString(field.type) === primitiveToString(type)) return;
    const from = field.type;
    if (!isPromotionAllowed(from, type, this.ctx.formatVersion)) {
      const v3Only = isPromotionAllowed(from, type, 3);
      refuse(
        'type-change',
        name,
        `cannot change column ${name} from ${primitiveToString(from)} to ${primitiveToString(type)}: ` +
          (v3Only
            ? `this promotion needs format version 3 (the table is v${this.ctx.formatVersion})`
            : 'only widening is allowed (int -> long, float -> double, decimal(P,S) -> decimal(P2,S) with P2 >= P, and from v3 date -> timestamp or timestamp_ns)'),
      );
    }
    if (from.kind === 'date') {
      // Identity and bucket partition values of a date differ from those of the same instant as a timestamp.
      for (const spec of this.ctx.specs ?? []) {
        for (const pf of spec.fields) {
          const sources = pf.sourceIds ?? [pf.sourceId];
          if (sources.includes(id) && (pf.transform.kind === 'identity' || pf.transform.kind === 'bucket')) {
            refuse(
              'partition-source',
              name,
              `cannot change column ${name} from date to ${primitiveToString(type)}: partition field ${pf.name} (${transformToString(pf.transform)}) of spec ${spec.specId} would produce different values`,
            );
          }
        }
      }
    }
    this.updates.set(id, { ...field, type });
  }

  private setRequired(name: string, required: boolean): void {
    const { id, field, added } = this.fieldForUpdate(name);
    if (field.required === required) return;
    this.checkNotDeleted(id, name, 'change the nullability of');
    const entry = this.index.byId.get(id);
    if (entry?.role === 'key') refuse('list-or-map-part', name, `map keys are always required (${name})`);
    if (required && !this.allowIncompatible && !(added && field.initialDefault !== undefined && field.initialDefault !== null)) {
      refuse('nullability', name, `cannot make column ${name} required: existing rows may hold nulls (only optional -> required for a column added with a default in the same change)`);
    }
    this.updates.set(id, { ...field, required });
  }

  private setDoc(name: string, doc: string | null): void {
    const { id, field } = this.fieldForUpdate(name);
    this.checkNotDeleted(id, name, 'document');
    this.checkStructField(id, name, 'a doc');
    if ((field.doc ?? null) === (doc ?? null)) return;
    const next: NestedField = { ...field };
    if (doc === null || doc === undefined) delete next.doc;
    else next.doc = doc;
    this.updates.set(id, next);
  }

  private setDefault(name: string, json: unknown): void {
    const { id, field } = this.fieldForUpdate(name);
    this.checkNotDeleted(id, name, 'set the default of');
    this.checkStructField(id, name, 'a default');
    const value = this.checkedDefault(name, field.type, json);
    if (value === null && field.required && !this.allowIncompatible) {
      refuse('required-without-default', name, `cannot remove the write default of required column ${name}: writers that omit it would fail`);
    }
    const next: NestedField = { ...field };
    if (value === null) delete next.writeDefault;
    else next.writeDefault = value;
    if (sameJson(next.writeDefault, field.writeDefault)) return;
    this.updates.set(id, next);
  }

  /** Docs and defaults belong to struct fields; list elements and map keys and values have none. */
  private checkStructField(id: number, name: string, what: string): void {
    const role = this.index.byId.get(id)?.role ?? 'field';
    if (role !== 'field') refuse('list-or-map-part', name, `cannot set ${what} on ${name}: only struct fields have one`);
  }

  private parentOf(id: number): number {
    return this.added.get(id)?.parentId ?? this.index.byId.get(id)?.parentId ?? ROOT;
  }

  private move(name: string, position: ColumnPosition): void {
    const id = this.findAdded(name) ?? this.findExisting(name);
    if (id === undefined) refuse('column-not-found', name, `cannot move column ${name}: it does not exist`);
    this.checkNotDeleted(id, name, 'move');
    const entry = this.index.byId.get(id);
    if (entry !== undefined && entry.role !== 'field') refuse('list-or-map-part', name, `cannot move ${name}: only struct fields can be moved`);
    const parentId = this.parentOf(id);
    let move: Move;
    if ('first' in position) {
      move = { id, kind: 'first' };
    } else {
      const kind = 'after' in position ? 'after' : 'before';
      const refName = 'after' in position ? position.after : position.before;
      const ref = this.findAdded(refName) ?? this.findExisting(refName);
      if (ref === undefined) refuse('column-not-found', refName, `cannot move ${name} ${kind} ${refName}: ${refName} does not exist`);
      if (ref === id) refuse('move', name, `cannot move ${name} ${kind} itself`);
      if (this.deletes.has(ref)) refuse('conflicting-changes', refName, `cannot move ${name} ${kind} ${refName}: ${refName} is dropped in the same change`);
      if (this.parentOf(ref) !== parentId) {
        refuse('move', name, `cannot move ${name} ${kind} ${refName}: columns can only move within their own struct`);
      }
      move = { id, kind, ref };
    }
    const list = this.moves.get(parentId) ?? [];
    list.push(move);
    this.moves.set(parentId, list);
  }

  // ---- result ----

  result(): SchemaUpdateResult {
    const ctx = this.ctx;
    this.checkDropsAgainstTable();
    const fields = this.applyStruct(this.base.fields, ROOT);
    const struct: StructType = { kind: 'struct', fields };
    const newIndex = new ColumnIndex(struct);

    let identifierFieldIds: number[];
    if (this.identifierNames !== undefined) {
      identifierFieldIds = [];
      for (const n of this.identifierNames) {
        const id = newIndex.find(n, this.caseSensitive);
        if (id === undefined) refuse('identifier-field', n, `cannot use ${n} as an identifier field: it is not a column of the new schema`);
        if (!identifierFieldIds.includes(id)) identifierFieldIds.push(id);
      }
    } else {
      identifierFieldIds = [...this.base.identifierFieldIds];
      for (const id of identifierFieldIds) {
        if (this.deletes.has(id)) {
          refuse('identifier-field', this.nameOf(id), `cannot drop identifier field ${this.nameOf(id)}: set other identifier fields in the same change first`);
        }
        for (const a of this.index.ancestors(id)) {
          if (this.deletes.has(a)) {
            refuse('identifier-field', this.nameOf(a), `cannot drop ${this.nameOf(a)}: it holds identifier field ${this.nameOf(id)} (set other identifier fields in the same change first)`);
          }
        }
      }
    }
    for (const id of identifierFieldIds) checkIdentifierField(newIndex, id);

    this.checkNames(fields, newIndex);
    this.checkPartitionNames(newIndex);
    this.checkSpecsStillApply(newIndex);

    const schemaCandidate: Schema = { schemaId: this.base.schemaId, fields, identifierFieldIds };
    try {
      validateSchema(schemaCandidate, { formatVersion: ctx.formatVersion });
    } catch (e) {
      refuse('invalid-schema', undefined, `the new schema is invalid: ${(e as Error).message.replace(/^invalid schema \d+: /, '')}`);
    }

    const changed = !sameFields(this.base, schemaCandidate);
    let schemaId = this.base.schemaId;
    if (changed) {
      const all = ctx.schemas ?? [this.base];
      const same = all.find((s) => sameFields(s, schemaCandidate));
      schemaId = same?.schemaId ?? Math.max(this.base.schemaId, ...all.map((s) => s.schemaId)) + 1;
    }

    const renamedColumns = new Map<string, string>();
    for (const [id, e] of this.index.byId) {
      const now = newIndex.path(id);
      if (now !== undefined && now !== e.path) renamedColumns.set(e.path, now);
    }
    const addedFieldIds = [...this.addedFieldIds].sort((a, b) => a - b);
    return {
      schema: { schemaId, fields, identifierFieldIds },
      lastColumnId: Math.max(ctx.lastColumnId, this.lastColumnId),
      changed,
      addedByParent: new Map([...this.addsByParent].map(([k, v]) => [k, [...v]])),
      addedFieldIds,
      droppedFieldIds: [...this.deletes],
      renamedColumns,
      droppedColumns: [...this.deletes].map((id) => this.nameOf(id)),
    };
  }

  /** Source columns of the default partition spec and sort order cannot be dropped. */
  private checkDropsAgainstTable(): void {
    if (this.deletes.size === 0) return;
    const gone = (id: number): number | undefined => {
      if (this.deletes.has(id)) return id;
      return this.index.ancestors(id).find((a) => this.deletes.has(a));
    };
    const spec = this.ctx.specs?.find((s) => s.specId === this.ctx.defaultSpecId);
    for (const pf of spec?.fields ?? []) {
      if (pf.transform.kind === 'void') continue;
      for (const src of pf.sourceIds ?? [pf.sourceId]) {
        const d = gone(src);
        if (d === undefined) continue;
        const col = this.nameOf(d);
        refuse(
          'partition-source',
          col,
          `cannot drop column ${col}: ${d === src ? 'it' : `its field ${this.nameOf(src)}`} is the source of partition field ${pf.name} (${transformToString(pf.transform)}) of the current partition spec; remove the partition field first (in the same change, before the drop)`,
        );
      }
    }
    for (const sf of this.ctx.sortOrder?.fields ?? []) {
      for (const src of sf.sourceIds ?? [sf.sourceId]) {
        const d = gone(src);
        if (d === undefined) continue;
        const col = this.nameOf(d);
        refuse('sort-source', col, `cannot drop column ${col}: the table's sort order (id ${this.ctx.sortOrder!.orderId}) sorts by ${this.nameOf(src)}; change the sort order first`);
      }
    }
  }

  private applyStruct(fields: readonly NestedField[], parentId: number): NestedField[] {
    let out: NestedField[] = [];
    for (const f of fields) {
      if (this.deletes.has(f.id)) continue;
      const u = this.updates.get(f.id) ?? f;
      // Updates carry the field's own attributes; nested content comes from the original type.
      const type = isPrimitive(u.type) ? u.type : this.applyType(f.type, f.id);
      out.push(sameField(f, u, type) ? f : { ...u, type });
    }
    for (const id of this.addsByParent.get(parentId) ?? []) out.push(this.updates.get(id)!);
    const moves = this.moves.get(parentId);
    if (moves !== undefined) out = applyMoves(out, moves);
    return out;
  }

  private applyType(t: IcebergType, ownerId: number): IcebergType {
    switch (t.kind) {
      case 'struct': {
        const fields = this.applyStruct(t.fields, ownerId);
        return fields.length === t.fields.length && fields.every((f, i) => f === t.fields[i]) ? t : { kind: 'struct', fields };
      }
      case 'list': {
        const u = this.updates.get(t.elementId);
        const element = u !== undefined && isPrimitive(u.type) ? u.type : this.applyType(t.element, t.elementId);
        const elementRequired = u?.required ?? t.elementRequired;
        return element === t.element && elementRequired === t.elementRequired ? t : { ...t, element, elementRequired };
      }
      case 'map': {
        if (this.updates.has(t.keyId) || this.addsByParent.has(t.keyId)) {
          refuse('list-or-map-part', this.nameOf(t.keyId), `cannot change map keys (${this.nameOf(t.keyId)})`);
        }
        const u = this.updates.get(t.valueId);
        const value = u !== undefined && isPrimitive(u.type) ? u.type : this.applyType(t.value, t.valueId);
        const valueRequired = u?.required ?? t.valueRequired;
        return value === t.value && valueRequired === t.valueRequired ? t : { ...t, value, valueRequired };
      }
      default:
        return t;
    }
  }

  /** Sibling names are unique (ignoring case when names are matched case-insensitively). */
  private checkNames(fields: readonly NestedField[], idx: ColumnIndex): void {
    const visit = (fields: readonly NestedField[], where: string): void => {
      const seen = new Map<string, string>();
      for (const f of fields) {
        if (f.name === '') refuse('invalid-name', join(where, f.name), `column names must not be empty (in ${where || 'the table'})`);
        const key = this.foldCase ? f.name.toLowerCase() : f.name;
        const other = seen.get(key);
        if (other !== undefined) {
          const path = join(where, f.name);
          refuse(
            'name-exists',
            path,
            other === f.name
              ? `two columns would be named ${path}`
              : `columns ${join(where, other)} and ${path} differ only in case, which is not allowed when ${this.caseSensitive ? 'the table has a name mapping (schema.name-mapping.default)' : 'names are matched case-insensitively'}`,
          );
        }
        seen.set(key, f.name);
      }
      for (const f of fields) {
        const path = idx.path(f.id)!;
        const t = f.type;
        if (t.kind === 'struct') visit(t.fields, path);
        else if (t.kind === 'list' && t.element.kind === 'struct') visit(t.element.fields, `${path}.element`);
        else if (t.kind === 'map' && t.value.kind === 'struct') visit(t.value.fields, `${path}.value`);
      }
    };
    visit(fields, '');
  }

  /**
   * A column may not carry the name of a partition field of any spec (PyIceberg's rule), except an
   * identity or void field sourced from that column. Fields whose source column no longer exists
   * are skipped: they describe old data only.
   */
  private checkPartitionNames(idx: ColumnIndex): void {
    // Only names introduced by this change are checked, so a table that already breaks the rule
    // (other engines allow a partition named after its own source column) can still evolve.
    const introduced = new Set<number>(this.added.keys());
    for (const [id, e] of idx.byId) {
      const before = this.index.byId.get(id);
      if (before !== undefined && before.path !== e.path) introduced.add(id);
    }
    if (introduced.size === 0) return;
    for (const spec of this.ctx.specs ?? []) {
      for (const pf of spec.fields) {
        const sources = pf.sourceIds ?? [pf.sourceId];
        if (!sources.every((s) => idx.byId.has(s))) continue;
        const col = idx.find(pf.name, !this.foldCase);
        if (col === undefined || !introduced.has(col)) continue;
        const sameSource = sources.length === 1 && col === pf.sourceId;
        if ((pf.transform.kind === 'identity' || pf.transform.kind === 'void') && sameSource) continue;
        const path = idx.path(col)!;
        refuse(
          'partition-name',
          path,
          `column ${path} would have the name of partition field ${pf.name} (${transformToString(pf.transform)} of ${this.nameOfNew(idx, pf.sourceId)}) in spec ${spec.specId}; choose another name or rename the partition field`,
        );
      }
    }
  }

  private nameOfNew(idx: ColumnIndex, id: number): string {
    return idx.path(id) ?? this.nameOf(id);
  }

  /** The default spec and sort order must still bind to the new schema (types may have been widened). */
  private checkSpecsStillApply(idx: ColumnIndex): void {
    const spec = this.ctx.specs?.find((s) => s.specId === this.ctx.defaultSpecId);
    for (const pf of spec?.fields ?? []) {
      if (pf.transform.kind === 'void' || pf.transform.kind === 'unknown') continue;
      for (const src of pf.sourceIds ?? [pf.sourceId]) {
        const t = idx.byId.get(src)?.field.type;
        if (t !== undefined && isPrimitive(t) && !canTransform(pf.transform, t)) {
          refuse('partition-source', idx.path(src), `column ${idx.path(src)} of type ${primitiveToString(t)} cannot be partitioned by ${transformToString(pf.transform)} (partition field ${pf.name})`);
        }
      }
    }
  }
}

function sameField(f: NestedField, u: NestedField, type: IcebergType): boolean {
  return (
    f === u &&
    type === f.type
  );
}

/**
 * Defaults typed on a command line arrive as text: a string is read as the number or boolean it
 * spells for numeric and boolean columns (other types' JSON forms are strings already).
 */
function coerceLiteral(type: IcebergType, json: unknown): unknown {
  if (typeof json !== 'string') return json;
  const s = json.trim();
  switch (type.kind) {
    case 'boolean':
      return s.toLowerCase() === 'true' ? true : s.toLowerCase() === 'false' ? false : json;
    case 'int':
      return /^[+-]?\d+$/.test(s) ? Number(s) : json;
    case 'long':
      return /^[+-]?\d+$/.test(s) ? BigInt(s) : json;
    case 'float':
    case 'double':
      if (s === 'NaN' || s === 'Infinity' || s === '-Infinity') return s;
      return s !== '' && Number.isFinite(Number(s)) ? Number(s) : json;
    default:
      return json;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) === JSON.stringify(b ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Same fields and identifier fields (the schema id is ignored), as the reference `Schema.sameSchema`. */
export function sameFields(a: Schema, b: Schema): boolean {
  return (
    typesEqual({ kind: 'struct', fields: a.fields }, { kind: 'struct', fields: b.fields }) &&
    a.identifierFieldIds.length === b.identifierFieldIds.length &&
    [...a.identifierFieldIds].sort().join(',') === [...b.identifierFieldIds].sort().join(',')
  );
}

function applyMoves(fields: NestedField[], moves: readonly Move[]): NestedField[] {
  const out = [...fields];
  for (const m of moves) {
    const i = out.findIndex((f) => f.id === m.id);
    if (i < 0) continue;
    const [f] = out.splice(i, 1);
    if (m.kind === 'first') {
      out.unshift(f!);
    } else {
      const j = out.findIndex((g) => g.id === m.ref);
      out.splice(m.kind === 'before' ? j : j + 1, 0, f!);
    }
  }
  return out;
}

/**
 * Assigns fresh ids to the fields inside a type, in the reference implementation's order (all
 * fields of a struct, then their nested types; list element; map key then value). Records the new
 * ids in `assigned`.
 */
function freshIds(t: IcebergType, next: () => number, assigned: number[]): IcebergType {
  switch (t.kind) {
    case 'struct': {
      const ids = t.fields.map(() => next());
      assigned.push(...ids);
      return { kind: 'struct', fields: t.fields.map((f, i): NestedField => ({ ...f, id: ids[i]!, type: freshIds(f.type, next, assigned) })) };
    }
    case 'list': {
      const elementId = next();
      assigned.push(elementId);
      return { ...t, elementId, element: freshIds(t.element, next, assigned) };
    }
    case 'map': {
      const keyId = next();
      const valueId = next();
      assigned.push(keyId, valueId);
      return { ...t, keyId, valueId, key: freshIds(t.key, next, assigned), value: freshIds(t.value, next, assigned) };
    }
    default:
      return t;
  }
}

/** The spec's rules for identifier fields, with the column and the rule in the error. */
function checkIdentifierField(idx: ColumnIndex, id: number): void {
  const e = idx.byId.get(id);
  if (e === undefined) refuse('identifier-field', String(id), `identifier field ${id} is not a column of the new schema`);
  const f = e.field;
  if (!isPrimitive(f.type)) refuse('identifier-field', e.path, `cannot use ${e.path} as an identifier field: it is ${typeToString(f.type)}, not a primitive`);
  if (f.type.kind === 'float' || f.type.kind === 'double') refuse('identifier-field', e.path, `cannot use ${e.path} as an identifier field: ${f.type.kind} columns cannot identify rows`);
  if (!f.required) refuse('identifier-field', e.path, `cannot use ${e.path} as an identifier field: it is optional (identifier fields must be required)`);
  for (const a of idx.ancestors(id)) {
    const p = idx.byId.get(a)!;
    if (p.field.type.kind !== 'struct') refuse('identifier-field', e.path, `cannot use ${e.path} as an identifier field: it is inside ${p.field.type.kind} ${p.path}`);
    if (!p.field.required) refuse('identifier-field', e.path, `cannot use ${e.path} as an identifier field: it is inside optional struct ${p.path}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Union by name

export interface UnionByNameOptions {
  caseSensitive?: boolean;
}

/**
 * The changes that make `existing` accept data of `incoming` by name, as the reference
 * implementation's `unionByNameWith`: columns missing from `existing` are added (always optional,
 * since existing rows have no values; nested missing fields inside existing structs too), primitive
 * types of `incoming` that are wider become the column's type (narrower ones are kept), columns
 * that are optional in `incoming` become optional, and new docs are taken. A different nesting
 * (struct vs primitive, list vs map) is refused. Field ids of `incoming` are ignored.
 */
export function unionByNameChanges(existing: Schema, incoming: Schema | StructType, options: UnionByNameOptions = {}): SchemaChange[] {
  const caseSensitive = options.caseSensitive ?? true;
  const out: SchemaChange[] = [];
  const findIn = (fields: readonly NestedField[], name: string): NestedField | undefined =>
    fields.find((f) => f.name === name) ?? (caseSensitive ? undefined : fields.find((f) => f.name.toLowerCase() === name.toLowerCase()));

  const update = (path: string, ours: NestedField, theirs: NestedField): void => {
    if (!theirs.required && ours.required) out.push({ op: 'make-optional', name: path });
    if (theirs.doc !== undefined && theirs.doc !== ours.doc) out.push({ op: 'set-doc', name: path, doc: theirs.doc });
    const a = ours.type;
    const b = theirs.type;
    if (isPrimitive(a) && isPrimitive(b)) {
      if (primitiveToString(a) === primitiveToString(b) || isPromotionAllowed(b, a, 3)) return;
      out.push({ op: 'update-column', name: path, type: b });
      return;
    }
    if (a.kind !== b.kind) refuse('nesting-change', path, `cannot union column ${path}: it is ${typeToString(a)} in the table but ${typeToString(b)} in the new schema`);
    if (a.kind === 'struct' && b.kind === 'struct') structs(path, a.fields, b.fields);
    else if (a.kind === 'list' && b.kind === 'list') {
      update(`${path}.element`, { id: a.elementId, name: 'element', required: a.elementRequired, type: a.element }, { id: b.elementId, name: 'element', required: b.elementRequired, type: b.element });
    } else if (a.kind === 'map' && b.kind === 'map') {
      update(`${path}.key`, { id: a.keyId, name: 'key', required: true, type: a.key }, { id: b.keyId, name: 'key', required: true, type: b.key });
      update(`${path}.value`, { id: a.valueId, name: 'value', required: a.valueRequired, type: a.value }, { id: b.valueId, name: 'value', required: b.valueRequired, type: b.value });
    }
  };
  const structs = (parent: string, ours: readonly NestedField[], theirs: readonly NestedField[]): void => {
    for (const f of theirs) {
      const match = findIn(ours, f.name);
      if (match === undefined) {
        const c: SchemaChange = { op: 'add-column', name: f.name, type: f.type, required: false };
        if (parent !== '') c.parent = parent;
        if (f.doc !== undefined) c.doc = f.doc;
        out.push(c);
      } else {
        update(join(parent, match.name), match, f);
      }
    }
  };
  structs('', existing.fields, incoming.fields);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Name mapping and column properties

/**
 * Updates a name mapping for a schema change, as the reference implementation's
 * `MappingUtil.update`: a renamed field keeps its old names and gains the new one; added fields
 * get mappings under their parents; a name taken by another field in the same struct is removed
 * from the field that had it.
 */
export function updateNameMapping(mapping: NameMapping, oldSchema: Schema, result: SchemaUpdateResult): NameMapping {
  const oldIndex = new ColumnIndex(oldSchema);
  const newIndex = new ColumnIndex(result.schema);
  const newName = (id: number): string | undefined => {
    const before = oldIndex.byId.get(id)?.field.name;
    const after = newIndex.byId.get(id)?.field.name;
    return after !== undefined && after !== before ? after : undefined;
  };
  const createFor = (t: IcebergType): MappedField[] | undefined => {
    switch (t.kind) {
      case 'struct':
        return t.fields.map((f) => withFields({ fieldId: f.id, names: [f.name] }, createFor(f.type)));
      case 'list':
        return [withFields({ fieldId: t.elementId, names: ['element'] }, createFor(t.element))];
      case 'map':
        return [withFields({ fieldId: t.keyId, names: ['key'] }, createFor(t.key)), withFields({ fieldId: t.valueId, names: ['value'] }, createFor(t.value))];
      default:
        return undefined;
    }
  };
  const addNew = (fields: MappedField[] | undefined, parentId: number): MappedField[] | undefined => {
    const ids = result.addedByParent.get(parentId) ?? [];
    if (ids.length === 0) return fields;
    const added = ids.map((id) => {
      const f = newIndex.byId.get(id)!.field;
      return withFields({ fieldId: id, names: [f.name] }, createFor(f.type));
    });
    const taken = new Map(added.map((a) => [a.names[0]!, a.fieldId!]));
    const kept = (fields ?? []).map((m) => removeTaken(m, taken));
    return [...kept, ...added];
  };
  const visit = (fields: MappedField[]): MappedField[] => {
    const out = fields.map((m) => {
      const names = [...m.names];
      const renamed = m.fieldId === undefined ? undefined : newName(m.fieldId);
      if (renamed !== undefined && !names.includes(renamed)) names.push(renamed);
      const next: MappedField = { ...m, names };
      const nested = m.fields === undefined ? undefined : visit(m.fields);
      const withAdds = m.fieldId === undefined ? nested : addNew(nested, m.fieldId);
      if (withAdds !== undefined) next.fields = withAdds;
      else delete next.fields;
      return next;
    });
    const taken = new Map<string, number>();
    for (const m of out) {
      const renamed = m.fieldId === undefined ? undefined : newName(m.fieldId);
      if (renamed !== undefined) taken.set(renamed, m.fieldId!);
    }
    return taken.size === 0 ? out : out.map((m) => removeTaken(m, taken));
  };
  return addNew(visit(mapping), ROOT) ?? [];
}

function withFields(f: MappedField, fields: MappedField[] | undefined): MappedField {
  if (fields !== undefined) f.fields = fields;
  return f;
}

function removeTaken(m: MappedField, taken: Map<string, number>): MappedField {
  const names = m.names.filter((n) => {
    const owner = taken.get(n);
    return owner === undefined || owner === m.fieldId;
  });
  return names.length === m.names.length ? m : { ...m, names };
}

/** Table property prefixes that name columns, moved on rename and removed on drop (as the reference implementation). */
export const COLUMN_PROPERTY_PREFIXES: readonly string[] = [
  'write.metadata.metrics.column.',
  'write.parquet.bloom-filter-enabled.column.',
  'write.parquet.bloom-filter-fpp.column.',
  'write.parquet.stats-enabled.column.',
];

/**
 * Property changes that follow renamed and dropped columns: `write.metadata.metrics.column.<name>`
 * and the other per-column properties move to the new name or go away with the column.
 */
export function columnPropertyChanges(
  properties: Readonly<Record<string, string>>,
  result: Pick<SchemaUpdateResult, 'renamedColumns' | 'droppedColumns'>,
): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const dropped = new Set(result.droppedColumns);
  for (const [key, value] of Object.entries(properties)) {
    const prefix = COLUMN_PROPERTY_PREFIXES.find((p) => key.startsWith(p));
    if (prefix === undefined) continue;
    const column = key.slice(prefix.length);
    const droppedHere = dropped.has(column) || [...dropped].some((d) => column.startsWith(`${d}.`));
    if (droppedHere) {
      remove.push(key);
      continue;
    }
    const renamed = result.renamedColumns.get(column);
    if (renamed !== undefined) {
      remove.push(key);
      set[prefix + renamed] = value;
    }
  }
  return { set, remove: remove.filter((k) => !(k in set)) };
}
