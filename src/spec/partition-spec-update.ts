/**
 * Partition evolution (spec "Partition Evolution"): adds, removes and renames partition fields of
 * the table's default spec and returns the new spec, or throws `LakeError('INVALID_SCHEMA_CHANGE')`
 * naming the partition field or column and the rule.
 *
 * Semantics follow the reference implementation's `BaseUpdatePartitionSpec`:
 * - a field id is never changed; from v2 on, an added field equivalent (same source column and
 *   transform) to a field of any earlier spec gets that field's id (and, when no name is given,
 *   its name); other new fields get ids after `last-partition-id`;
 * - v1 tables never drop or reorder fields: a removed field stays with the `void` transform and
 *   new fields are appended (ids stay positional from 1000, as v1 requires);
 * - removing and re-adding the same field in one change keeps it; adding a field that already
 *   exists, two time transforms of one column in one change, or a name used twice is refused;
 * - the result reuses the id of an equivalent existing spec, otherwise takes the next spec id.
 * Default names of added fields: `id_bucket_16`, `name_trunc_4`, `ts_day`, identity keeps the
 * column name. A partition name may not be the name of a column, except for an identity (or void)
 * field of that same column.
 *
 * Also here: `parsePartitionTerm`, the text form of a transform applied to a column used by the CLI
 * (`bucket(16, id)`, `truncate(4, name)`, `day(ts)`, `identity(c)` or just `c`).
 */
import { LakeError } from '../errors.js';
import { PARTITION_DATA_ID_START, type PartitionField, type PartitionSpec, specsEquivalent } from './partition-spec.js';
import { type Schema } from './schema.js';
import { ColumnIndex, applyEach } from './schema-update.js';
import { type Transform, canTransform, evolvedPartitionName, parseTransform, transformToString } from './transforms.js';
import { isPrimitive, typeToString } from './types.js';

// ---------------------------------------------------------------------------------------------
// Terms

/** A transform applied to a source column, as written by users: `bucket(16, id)`. */
export interface PartitionTerm {
  /** The source column's name (dotted for nested columns). */
  source: string;
  transform: Transform;
}

const TIME_ALIASES: Record<string, Transform['kind']> = {
  year: 'year',
  years: 'year',
  month: 'month',
  months: 'month',
  day: 'day',
  days: 'day',
  date: 'day',
  hour: 'hour',
  hours: 'hour',
  date_hour: 'hour',
  identity: 'identity',
  void: 'void',
};

function badTerm(text: string, why: string): never {
  throw new LakeError('INVALID_INPUT', `invalid partition or sort term "${text}": ${why}`);
}

/**
 * Parses a column name that may be quoted with backquotes or double quotes (then it may contain
 * dots, commas or spaces: `` `a.b` `` is the column named `a.b`; `` a.`b c` `` the field `b c`
 * of struct `a`). Returns the dotted name.
 */
export function parseColumnName(text: string): string {
  const s = text.trim();
  if (s === '') badTerm(text, 'a column name is missing');
  const parts: string[] = [];
  let i = 0;
  while (i < s.length) {
    const q = s[i];
    if (q === '`' || q === '"') {
      const end = s.indexOf(q, i + 1);
      if (end < 0) badTerm(text, `unterminated ${q}`);
      parts.push(s.slice(i + 1, end));
      i = end + 1;
    } else {
      let end = s.indexOf('.', i);
      if (end < 0) end = s.length;
      const part = s.slice(i, end).trim();
      if (part === '' || /[\s(),`"]/.test(part)) badTerm(text, `"${part}" is not a column name (quote names with spaces or punctuation in backquotes)`);
      parts.push(part);
      i = end;
      if (i < s.length) {
        i += 1;
        if (i === s.length) badTerm(text, 'a name ends with "."');
        continue;
      }
      break;
    }
    if (i < s.length) {
      if (s[i] !== '.') badTerm(text, `unexpected "${s.slice(i)}" after a quoted name`);
      i += 1;
      if (i === s.length) badTerm(text, 'a name ends with "."');
    }
  }
  return parts.join('.');
}

/** Splits at top-level commas (not inside parentheses, brackets, angle brackets or quotes). */
export function splitTopLevel(text: string, separator = ','): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '`' || c === '"') quote = c;
    else if (c === '(' || c === '[' || c === '<') depth += 1;
    else if (c === ')' || c === ']' || c === '>') depth -= 1;
    else if (c === separator && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quote !== undefined) badTerm(text, `unterminated ${quote}`);
  if (depth !== 0) badTerm(text, 'unbalanced brackets');
  out.push(text.slice(start));
  return out;
}

/**
 * Parses a partition (or sort) term: a column name (identity), or `transform(column)` with the
 * transforms `identity`, `year`, `month`, `day`, `hour`, `void` (also Spark's plural names `years`,
 * `days`, ...), `bucket(N, column)` and `truncate(W, column)` (the number may also come second), or
 * the metadata forms `bucket[N](column)` / `truncate[W](column)`.
 */
export function parsePartitionTerm(text: string): PartitionTerm {
  const s = text.trim();
  const open = s.indexOf('(');
  const firstQuote = s.search(/[`"]/);
  if (open < 0 || (firstQuote >= 0 && firstQuote < open)) return { source: parseColumnName(s), transform: { kind: 'identity' } };
  if (!s.endsWith(')')) badTerm(text, 'expected ")" at the end');
  const head = s.slice(0, open).trim().toLowerCase();
  const args = splitTopLevel(s.slice(open + 1, -1)).map((a) => a.trim());
  const bracket = /^(bucket|truncate)\s*\[\s*(\d+)\s*\]$/.exec(head);
  if (bracket) {
    if (args.length !== 1) badTerm(text, `${bracket[1]}[N] takes one column`);
    return { source: parseColumnName(args[0]!), transform: parseTransform(head) };
  }
  if (head === 'bucket' || head === 'truncate') {
    if (args.length !== 2) badTerm(text, `${head} takes a number and a column, e.g. ${head}(16, id)`);
    const numFirst = /^\d+$/.test(args[0]!);
    const numText = numFirst ? args[0]! : args[1]!;
    if (!/^\d+$/.test(numText)) badTerm(text, `${head} needs a positive whole number`);
    const n = Number(numText);
    if (!(n > 0) || !Number.isSafeInteger(n) || n > 2 ** 31 - 1) badTerm(text, `${head} needs a positive whole number below 2^31`);
    const source = parseColumnName(numFirst ? args[1]! : args[0]!);
    return { source, transform: head === 'bucket' ? { kind: 'bucket', n } : { kind: 'truncate', width: n } };
  }
  const kind = TIME_ALIASES[head];
  if (kind === undefined) {
    badTerm(text, `unknown transform "${head}" (expected identity, bucket, truncate, year, month, day, hour or void)`);
  }
  if (args.length !== 1) badTerm(text, `${head} takes one column`);
  return { source: parseColumnName(args[0]!), transform: { kind } as Transform };
}

/** The text form of a term, as `parsePartitionTerm` reads it: `bucket(16, id)`, `day(ts)`, `c`. */
export function partitionTermToString(transform: Transform, source: string): string {
  const col = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(source) ? source : `\`${source}\``;
  switch (transform.kind) {
    case 'identity':
      return col;
    case 'bucket':
      return `bucket(${transform.n}, ${col})`;
    case 'truncate':
      return `truncate(${transform.width}, ${col})`;
    case 'unknown':
      return `${transform.text}(${col})`;
    default:
      return `${transform.kind}(${col})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Changes

export type PartitionSpecChange =
  /** Adds a field partitioning `source` (a column name) by `transform` (default identity). */
  | { op: 'add-partition'; source: string; transform?: Transform | string; name?: string }
  /** Removes the partition field with this name, or (with `source`) the one with this source column and transform. */
  | { op: 'remove-partition'; name: string }
  | { op: 'remove-partition'; source: string; transform?: Transform | string }
  | { op: 'rename-partition'; name: string; newName: string };

export type PartitionSpecChangeRule =
  | 'column-not-found'
  | 'partition-field-not-found'
  | 'invalid-transform'
  | 'unknown-transform'
  | 'transform-type'
  | 'partition-source'
  | 'duplicate-field'
  | 'redundant-field'
  | 'duplicate-name'
  | 'partition-name'
  | 'conflicting-changes';

function refuse(rule: PartitionSpecChangeRule, subject: { field?: string; column?: string }, message: string): never {
  throw new LakeError('INVALID_SCHEMA_CHANGE', message, { context: { rule, ...subject } });
}

export interface PartitionSpecUpdateContext {
  formatVersion: number;
  /** The table's current schema. */
  schema: Schema;
  /** All partition specs of the table (field id reuse, spec id reuse). */
  specs: readonly PartitionSpec[];
  defaultSpecId: number;
  lastPartitionId: number;
}

/** The `TableMetadata` fields the partition update reads; pass table metadata itself. */
export interface PartitionSpecUpdateMetadata {
  formatVersion: number;
  schemas: Schema[];
  currentSchemaId: number;
  partitionSpecs: PartitionSpec[];
  defaultSpecId: number;
  lastPartitionId: number;
}

export function partitionSpecUpdateContext(m: PartitionSpecUpdateMetadata): PartitionSpecUpdateContext {
  const schema = m.schemas.find((s) => s.schemaId === m.currentSchemaId);
  if (schema === undefined) throw new LakeError('INVALID_METADATA', `current schema ${m.currentSchemaId} not found`);
  return { formatVersion: m.formatVersion, schema, specs: m.partitionSpecs, defaultSpecId: m.defaultSpecId, lastPartitionId: m.lastPartitionId };
}

export interface PartitionSpecUpdateOptions {
  /** Resolve column names case-sensitively (default true). */
  caseSensitive?: boolean;
}

export interface PartitionSpecUpdateResult {
  /** The new spec: the id of an equivalent existing spec, or the next spec id. */
  spec: PartitionSpec;
  /** The table's new `last-partition-id`. */
  lastPartitionId: number;
  /** False when the new spec is equivalent to the current default spec (nothing to commit). */
  changed: boolean;
  /** True when `spec` is an existing spec of the table (only the default spec id changes). */
  existing: boolean;
}

/**
 * Applies partition spec changes to the table's default spec. Throws INVALID_SCHEMA_CHANGE (context
 * `{ rule, field?, column? }`) for a change Iceberg's rules forbid; the inputs are never modified.
 */
export function applyPartitionSpecChanges(
  context: PartitionSpecUpdateContext,
  changes: readonly PartitionSpecChange[],
  options: PartitionSpecUpdateOptions = {},
): PartitionSpecUpdateResult {
  const u = new SpecUpdater(context, options.caseSensitive ?? true);
  applyEach(changes, (c) => u.apply(c));
  return u.result();
}

function keyOf(sourceId: number, t: Transform): string {
  return `${sourceId}:${transformToString(t)}`;
}

function isTime(t: Transform): boolean {
  return t.kind === 'year' || t.kind === 'month' || t.kind === 'day' || t.kind === 'hour';
}

function describeField(f: PartitionField, columns: ColumnIndex): string {
  return `${f.name} (${transformToString(f.transform)} of ${columns.path(f.sourceId) ?? `column ${f.sourceId}`})`;
}

class SpecUpdater {
  private readonly spec: PartitionSpec;
  private readonly columns: ColumnIndex;
  private readonly nameToField = new Map<string, PartitionField>();
  private readonly keyToField = new Map<string, PartitionField>();
  private readonly adds: PartitionField[] = [];
  private readonly addedTimeFields = new Map<number, PartitionField>();
  private readonly keyToAdded = new Map<string, PartitionField>();
  private readonly nameToAdded = new Map<string, PartitionField>();
  private readonly deletes = new Set<number>();
  private readonly renames = new Map<string, string>();
  private lastAssigned: number;

  constructor(private readonly ctx: PartitionSpecUpdateContext, private readonly caseSensitive: boolean) {
    const spec = ctx.specs.find((s) => s.specId === ctx.defaultSpecId);
    if (spec === undefined) throw new LakeError('INVALID_METADATA', `default partition spec ${ctx.defaultSpecId} not found`);
    this.spec = spec;
    this.columns = new ColumnIndex(ctx.schema);
    for (const f of spec.fields) {
      this.nameToField.set(f.name, f);
      if (f.sourceIds === undefined || f.sourceIds.length <= 1) this.keyToField.set(keyOf(f.sourceId, f.transform), f);
    }
    this.lastAssigned = ctx.lastPartitionId;
  }

  apply(c: PartitionSpecChange): void {
    const unknown = this.spec.fields.find((f) => f.transform.kind === 'unknown');
    if (unknown !== undefined) {
      refuse('unknown-transform', { field: unknown.name }, `cannot change partition spec ${this.spec.specId}: partition field ${unknown.name} has transform ${transformToString(unknown.transform)}, which lake does not know`);
    }
    switch (c.op) {
      case 'add-partition':
        return this.add(c.source, c.transform ?? { kind: 'identity' }, c.name);
      case 'remove-partition':
        return 'source' in c && c.source !== undefined ? this.removeByTerm(c.source, c.transform ?? { kind: 'identity' }) : this.removeByName((c as { name: string }).name);
      case 'rename-partition':
        return this.rename(c.name, c.newName);
      default: {
        const other: { op?: unknown } = c;
        throw new LakeError('INVALID_INPUT', `unknown partition change ${JSON.stringify(other.op)} (expected add-partition, remove-partition or rename-partition)`);
      }
    }
  }

  /** Resolves and checks a source column and transform. */
  private resolve(source: string, transformIn: Transform | string): { sourceId: number; path: string; transform: Transform } {
    let transform: Transform;
    try {
      transform = typeof transformIn === 'string' ? parseTransform(transformIn) : transformIn;
    } catch (e) {
      return refuse('invalid-transform', { column: source }, `invalid transform ${JSON.stringify(transformIn)}: ${(e as Error).message}`);
    }
    if (transform.kind === 'unknown') refuse('unknown-transform', { column: source }, `cannot partition ${source} by unknown transform "${transform.text}"`);
    const sourceId = this.columns.find(source, this.caseSensitive);
    if (sourceId === undefined) refuse('column-not-found', { column: source }, `cannot partition by ${source}: the column does not exist`);
    const entry = this.columns.byId.get(sourceId)!;
    const type = entry.field.type;
    if (!isPrimitive(type)) refuse('partition-source', { column: entry.path }, `cannot partition by ${entry.path}: it is ${typeToString(type)}, not a primitive column`);
    for (const a of this.columns.ancestors(sourceId)) {
      const p = this.columns.byId.get(a)!;
      if (p.field.type.kind !== 'struct') refuse('partition-source', { column: entry.path }, `cannot partition by ${entry.path}: it is inside ${p.field.type.kind} ${p.path}`);
    }
    if (!canTransform(transform, type)) {
      refuse('transform-type', { column: entry.path }, `cannot partition by ${transformToString(transform)}(${entry.path}): the transform does not apply to ${typeToString(type)}`);
    }
    return { sourceId, path: entry.path, transform };
  }

  private add(source: string, transformIn: Transform | string, name: string | undefined): void {
    if (name !== undefined && this.nameToAdded.has(name)) refuse('duplicate-name', { field: name }, `cannot add partition field ${name} twice`);
    if (name === '') refuse('duplicate-name', { field: name }, 'a partition field name must not be empty');
    const { sourceId, path, transform } = this.resolve(source, transformIn);
    const key = keyOf(sourceId, transform);
    const existing = this.keyToField.get(key);
    if (existing !== undefined) {
      if (this.deletes.has(existing.fieldId)) {
        // Removed and added again in one change: the field simply stays.
        this.deletes.delete(existing.fieldId);
        if (name !== undefined && name !== existing.name) this.rename(existing.name, name);
        return;
      }
      refuse('duplicate-field', { field: existing.name, column: path }, `cannot add ${transformToString(transform)}(${path}): partition field ${describeField(existing, this.columns)} already partitions by it`);
    }
    const already = this.keyToAdded.get(key);
    if (already !== undefined) refuse('duplicate-field', { field: already.name, column: path }, `cannot add ${transformToString(transform)}(${path}) twice`);

    const field = this.recycleOrCreate(sourceId, path, transform, name);
    if (isTime(transform)) {
      const other = this.addedTimeFields.get(sourceId);
      if (other !== undefined) {
        refuse('redundant-field', { field: field.name, column: path }, `cannot add ${field.name} (${transformToString(transform)} of ${path}): it is redundant with ${other.name} (${transformToString(other.transform)}) added in the same change`);
      }
      this.addedTimeFields.set(sourceId, field);
    }
    if (this.nameToAdded.has(field.name)) refuse('duplicate-name', { field: field.name }, `cannot add partition field ${field.name} twice`);
    this.keyToAdded.set(key, field);

    const sameName = this.nameToField.get(field.name);
    if (sameName !== undefined && !this.deletes.has(sameName.fieldId)) {
      if (sameName.transform.kind === 'void') {
        // A v1 field removed earlier (kept as void) gives its name to the new field.
        this.rename(sameName.name, `${sameName.name}_${sameName.fieldId}`);
      } else {
        refuse('duplicate-name', { field: field.name }, `cannot add partition field ${field.name}: the spec already has a field with that name (${describeField(sameName, this.columns)})`);
      }
    } else if (sameName !== undefined) {
      this.renames.set(sameName.name, `${sameName.name}_${sameName.fieldId}`);
    }
    this.nameToAdded.set(field.name, field);
    this.adds.push(field);
  }

  /** From v2 on, a field equal to one of any earlier spec (source and transform) keeps its id, and its name unless one is given. */
  private recycleOrCreate(sourceId: number, path: string, transform: Transform, name: string | undefined): PartitionField {
    if (this.ctx.formatVersion >= 2) {
      const key = keyOf(sourceId, transform);
      for (const s of this.ctx.specs) {
        const old = s.fields.find((f) => (f.sourceIds === undefined || f.sourceIds.length <= 1) && keyOf(f.sourceId, f.transform) === key);
        if (old !== undefined) return { sourceId, fieldId: old.fieldId, name: name ?? old.name, transform };
      }
    }
    this.lastAssigned += 1;
    return { sourceId, fieldId: this.lastAssigned, name: name ?? evolvedPartitionName(transform, path), transform };
  }

  private removeByName(name: string): void {
    if (this.nameToAdded.has(name)) refuse('conflicting-changes', { field: name }, `cannot remove partition field ${name}: it is added in the same change`);
    if (this.renames.has(name)) refuse('conflicting-changes', { field: name }, `cannot remove partition field ${name}: it is renamed in the same change`);
    const field = this.nameToField.get(name);
    if (field === undefined) {
      refuse('partition-field-not-found', { field: name }, `cannot remove partition field ${name}: the current spec has no such field (fields: ${this.spec.fields.map((f) => f.name).join(', ') || 'none'})`);
    }
    this.deletes.add(field.fieldId);
  }

  private removeByTerm(source: string, transformIn: Transform | string): void {
    const { sourceId, path, transform } = this.resolve(source, transformIn);
    const key = keyOf(sourceId, transform);
    const added = this.keyToAdded.get(key);
    if (added !== undefined) refuse('conflicting-changes', { field: added.name }, `cannot remove ${transformToString(transform)}(${path}): it is added in the same change`);
    const field = this.keyToField.get(key);
    if (field === undefined) refuse('partition-field-not-found', { column: path }, `cannot remove ${transformToString(transform)}(${path}): the current spec does not partition by it`);
    if (this.renames.has(field.name)) refuse('conflicting-changes', { field: field.name }, `cannot remove partition field ${field.name}: it is renamed in the same change`);
    this.deletes.add(field.fieldId);
  }

  private rename(name: string, newName: string): void {
    if (typeof newName !== 'string' || newName === '') refuse('duplicate-name', { field: name }, `cannot rename partition field ${name} to an empty name`);
    const occupant = this.nameToField.get(newName);
    if (occupant !== undefined && occupant.transform.kind === 'void' && occupant.name !== name) {
      this.rename(occupant.name, `${occupant.name}_${occupant.fieldId}`);
    }
    if (this.nameToAdded.has(name)) refuse('conflicting-changes', { field: name }, `cannot rename partition field ${name}: it is added in the same change (add it with the new name)`);
    const field = this.nameToField.get(name);
    if (field === undefined) refuse('partition-field-not-found', { field: name }, `cannot rename partition field ${name}: the current spec has no such field`);
    if (this.deletes.has(field.fieldId)) refuse('conflicting-changes', { field: name }, `cannot rename partition field ${name}: it is removed in the same change`);
    this.renames.set(name, newName);
  }

  result(): PartitionSpecUpdateResult {
    const ctx = this.ctx;
    const fields: PartitionField[] = [];
    const checkedNames = new Set<number>();
    for (const f of this.spec.fields) {
      const renamed = this.renames.get(f.name);
      if (!this.deletes.has(f.fieldId)) {
        fields.push(renamed === undefined ? f : { ...f, name: renamed });
        if (renamed !== undefined) checkedNames.add(f.fieldId);
      } else if (ctx.formatVersion < 2) {
        // v1 keeps every field in place: a removed field produces nulls from now on.
        fields.push({ ...f, name: renamed ?? f.name, transform: { kind: 'void' } });
      }
    }
    const added = this.adds.map((f, i) => (ctx.formatVersion < 2 ? { ...f, fieldId: PARTITION_DATA_ID_START + fields.length + i } : f));
    for (const f of added) checkedNames.add(f.fieldId);
    fields.push(...added);

    const names = new Set<string>();
    for (const f of fields) {
      if (names.has(f.name)) refuse('duplicate-name', { field: f.name }, `two partition fields would be named ${f.name}`);
      names.add(f.name);
      if (checkedNames.has(f.fieldId)) this.checkName(f);
    }

    const current = this.spec;
    const candidate: PartitionSpec = { specId: current.specId, fields };
    // Like the metadata builder, an equivalent spec (same sources, transforms and names) is reused as it is.
    const changed = !specsEquivalent(candidate, current);
    const same = changed ? ctx.specs.find((s) => specsEquivalent(s, candidate)) : current;
    const spec: PartitionSpec = same ?? { specId: Math.max(-1, ...ctx.specs.map((s) => s.specId)) + 1, fields };
    return {
      spec,
      lastPartitionId: Math.max(ctx.lastPartitionId, ...spec.fields.map((f) => f.fieldId)),
      changed,
      existing: same !== undefined,
    };
  }

  /** A new or renamed partition field may not take a column's name, except identity/void fields of that column. */
  private checkName(f: PartitionField): void {
    let col: number | undefined;
    try {
      col = this.columns.find(f.name, this.caseSensitive);
    } catch {
      col = undefined;
    }
    if (col === undefined) return;
    if ((f.transform.kind === 'identity' || f.transform.kind === 'void') && col === f.sourceId) return;
    refuse(
      'partition-name',
      { field: f.name, column: this.columns.path(col) ?? f.name },
      `cannot name partition field ${f.name} (${transformToString(f.transform)} of ${this.columns.path(f.sourceId) ?? f.sourceId}): ${this.columns.path(col)} is a column; only an identity partition of that column may use its name`,
    );
  }
}
