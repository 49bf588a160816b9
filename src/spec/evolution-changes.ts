/**
 * Table evolution changes as data: the JSON change list read by `lake evolve --file changes.json`,
 * the command-line form (`add-column a int --after b drop-column c ...`), and the text forms of
 * column types. Parsing only; the rules live in schema-update.ts, partition-spec-update.ts,
 * sort-order-update.ts, format-upgrade.ts and the staged operations in src/write.
 *
 * JSON change list: an array of change objects, or `{"changes": [...], "case-sensitive": false,
 * "allow-incompatible-changes": true}`. Each object has an `"op"` and the fields below (keys in
 * kebab-case; see docs/evolution.md for examples):
 *
 *   add-column        name, type, [parent], [doc], [required], [default], [first | after | before]
 *   drop-column       name
 *   rename-column     name, new-name
 *   update-column     name, type                      (widen a primitive type)
 *   make-optional     name
 *   require-column    name
 *   set-doc           name, doc                       (null removes)
 *   set-default       name, default                   (write-default; null removes)
 *   move-column       name, first | after | before
 *   set-identifier-fields  names
 *   add-partition     term | (source, [transform]), [name]
 *   drop-partition    field | term | (source, [transform])
 *   rename-partition  name, new-name
 *   set-sort          order (text form) | fields [{source, transform, direction, null-order}]
 *   set-property      key, value  |  properties {k: v}
 *   unset-property    key  |  keys [..]
 *   upgrade           format-version
 *
 * `type` is a type text (`int`, `decimal(9, 2)`, `fixed[16]`, `struct<a: int, b: string not null>`,
 * `list<long>`, `map<string, int>`) or the spec's JSON form (Appendix C). `default` is the spec's
 * JSON single-value form (Appendix D); a string is also accepted for numbers and booleans.
 */
import { LakeError } from '../errors.js';
import { JsonFields, describe, parseJson } from '../util/json.js';
import { type PartitionSpecChange, parsePartitionTerm, splitTopLevel, parseColumnName } from './partition-spec-update.js';
import { type ColumnPosition, type SchemaChange, SCHEMA_CHANGE_OPS } from './schema-update.js';
import { type NullOrder, type SortDirection, type SortFieldRequest } from './sort-order.js';
import { parseSortOrderText } from './sort-order-update.js';
import { transformToString } from './transforms.js';
import { type IcebergType, type NestedField, isPrimitive, parsePrimitiveType, parseType } from './types.js';

// ---------------------------------------------------------------------------------------------
// Changes

export type SortChange = { op: 'set-sort'; order: string | SortFieldRequest[] };
export type PropertyChange = { op: 'set-property'; key: string; value: string } | { op: 'unset-property'; key: string };
export type FormatChange = { op: 'upgrade'; formatVersion: number };

export type EvolutionChange = SchemaChange | PartitionSpecChange | SortChange | PropertyChange | FormatChange;

/** Which operation a change belongs to. */
export type EvolutionKind = 'schema' | 'partition-spec' | 'sort-order' | 'properties' | 'format-version';

export function evolutionKind(c: EvolutionChange): EvolutionKind {
  switch (c.op) {
    case 'add-partition':
    case 'remove-partition':
    case 'rename-partition':
      return 'partition-spec';
    case 'set-sort':
      return 'sort-order';
    case 'set-property':
    case 'unset-property':
      return 'properties';
    case 'upgrade':
      return 'format-version';
    default:
      return 'schema';
  }
}

export interface EvolutionOptions {
  caseSensitive?: boolean;
  allowIncompatibleChanges?: boolean;
}

export interface EvolutionChangeList {
  changes: EvolutionChange[];
  options: EvolutionOptions;
}

function invalid(message: string): never {
  throw new LakeError('INVALID_INPUT', message);
}

// ---------------------------------------------------------------------------------------------
// Type text

/**
 * Parses a column type from its text: a primitive (`int`, `long`, `decimal(9, 2)`, `fixed[16]`,
 * `timestamptz`, ...; also `integer` and `bigint`), or `struct<name: type, ...>`,
 * `list<type>`, `map<key type, value type>`. A struct field, list element or map value followed by
 * `not null` is required; struct field names may be quoted in backquotes. Field ids are
 * placeholders (schema evolution assigns fresh ones).
 */
export function parseTypeText(text: string): IcebergType {
  let next = 0;
  const id = (): number => ++next;
  const parse = (raw: string): { type: IcebergType; required: boolean } => {
    let s = raw.trim();
    let required = false;
    const nn = /\s+not\s+null$/i.exec(s);
    if (nn) {
      required = true;
      s = s.slice(0, nn.index).trim();
    }
    const m = /^(struct|list|array|map)\s*<([\s\S]*)>$/i.exec(s);
    if (m) {
      const kind = m[1]!.toLowerCase();
      const inner = m[2]!;
      if (kind === 'struct') {
        const parts = inner.trim() === '' ? [] : splitTopLevel(inner);
        const fields: NestedField[] = parts.map((p) => {
          const colon = findColon(p);
          if (colon < 0) invalid(`invalid struct field "${p.trim()}" in type "${text}": expected name: type`);
          const name = parseColumnName(p.slice(0, colon));
          if (name.includes('.') && !p.slice(0, colon).includes('`')) invalid(`invalid struct field name "${name}" in type "${text}"`);
          const t = parse(p.slice(colon + 1));
          return { id: id(), name, required: t.required, type: t.type };
        });
        return { type: { kind: 'struct', fields }, required };
      }
      if (kind === 'list' || kind === 'array') {
        const e = parse(inner);
        return { type: { kind: 'list', elementId: id(), elementRequired: e.required, element: e.type }, required };
      }
      const parts = splitTopLevel(inner);
      if (parts.length !== 2) invalid(`invalid map type "${s}" in "${text}": expected map<key type, value type>`);
      const k = parse(parts[0]!);
      const v = parse(parts[1]!);
      if (!isPrimitive(k.type)) invalid(`invalid map type "${s}": lake accepts primitive map keys only`);
      return { type: { kind: 'map', keyId: id(), key: k.type, valueId: id(), valueRequired: v.required, value: v.type }, required };
    }
    const alias: Record<string, string> = { integer: 'int', bigint: 'long', bool: 'boolean', real: 'float', float4: 'float', float8: 'double' };
    try {
      return { type: parsePrimitiveType(alias[s.toLowerCase()] ?? s.replace(/^fixed\s*\(\s*(\d+)\s*\)$/i, 'fixed[$1]')), required };
    } catch (e) {
      return invalid(`unknown column type "${s}"${s === text.trim() ? '' : ` in "${text}"`}: ${(e as Error).message.replace(/^unknown Iceberg type "[^"]*"$/, 'expected an Iceberg type such as int, long, string, decimal(P, S), fixed[L], struct<...>, list<...> or map<...>')}`);
    }
  };
  const r = parse(text);
  if (r.required) invalid(`"not null" applies to struct fields, list elements and map values; for a column use required (--not-null)`);
  return r.type;
}

function findColon(s: string): number {
  let quote = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '`') quote = !quote;
    else if (s[i] === ':' && !quote) return i;
  }
  return -1;
}

/** A type from a change file: type text or the spec's JSON form. */
function typeFrom(value: unknown, where: string): IcebergType {
  if (typeof value === 'string') return parseTypeText(value);
  if (value !== null && typeof value === 'object') {
    try {
      return parseType(value);
    } catch (e) {
      return invalid(`${where}: invalid type: ${(e as Error).message}`);
    }
  }
  return invalid(`${where}: "type" must be a type text or a JSON type, got ${describe(value)}`);
}

// ---------------------------------------------------------------------------------------------
// JSON change list

const ALL_OPS = [
  ...SCHEMA_CHANGE_OPS,
  'add-partition',
  'drop-partition',
  'remove-partition',
  'rename-partition',
  'set-sort',
  'set-property',
  'unset-property',
  'upgrade',
];

/** Parses a change list (JSON text or parsed JSON). Bad input is INVALID_INPUT naming the change. */
export function parseEvolutionChanges(input: string | unknown): EvolutionChangeList {
  const json = typeof input === 'string' ? parseJson(input, { errorCode: 'INVALID_INPUT' }) : input;
  let list: unknown = json;
  const options: EvolutionOptions = {};
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const f: JsonFields = new JsonFields(json, 'change list', 'INVALID_INPUT');
    if (!f.has('changes')) f.fail('expected a list of changes or an object with "changes"');
    list = f.raw('changes');
    const cs = f.raw('case-sensitive');
    if (cs !== undefined) {
      if (typeof cs !== 'boolean') f.fail('"case-sensitive" must be true or false');
      options.caseSensitive = cs;
    }
    const ai = f.raw('allow-incompatible-changes');
    if (ai !== undefined) {
      if (typeof ai !== 'boolean') f.fail('"allow-incompatible-changes" must be true or false');
      options.allowIncompatibleChanges = ai;
    }
  }
  if (!Array.isArray(list)) invalid(`a change list must be a JSON array of changes, got ${describe(list)}`);
  const changes: EvolutionChange[] = [];
  list.forEach((item, i) => changes.push(...parseChange(item, `change ${i + 1}`)));
  return { changes, options };
}

function position(f: JsonFields, where: string): ColumnPosition | undefined {
  const first = f.raw('first');
  const after = f.raw('after');
  const before = f.raw('before');
  const given = [first !== undefined && first !== false, after !== undefined, before !== undefined].filter(Boolean).length;
  if (given > 1) invalid(`${where}: give only one of "first", "after" and "before"`);
  if (first !== undefined && first !== false) {
    if (first !== true) invalid(`${where}: "first" must be true`);
    return { first: true };
  }
  if (after !== undefined) return { after: f.str('after') };
  if (before !== undefined) return { before: f.str('before') };
  return undefined;
}

function termChange(f: JsonFields): { source: string; transform: string | undefined } | undefined {
  if (f.has('term')) {
    const t = parsePartitionTerm(f.str('term'));
    return { source: t.source, transform: transformToString(t.transform) };
  }
  if (f.has('source')) return { source: f.str('source'), transform: f.optStr('transform') };
  return undefined;
}

function parseChange(item: unknown, where: string): EvolutionChange[] {
  const head: JsonFields = new JsonFields(item, where, 'INVALID_INPUT');
  const op = head.str('op').toLowerCase();
  const f: JsonFields = new JsonFields(item, `${where} (${op})`, 'INVALID_INPUT');
  const w = `${where} (${op})`;
  switch (op) {
    case 'add-column': {
      const c: SchemaChange = { op, name: f.str('name'), type: typeFrom(f.raw('type'), w) };
      const parent = f.optStr('parent');
      if (parent !== undefined) c.parent = parent;
      const doc = f.optStr('doc');
      if (doc !== undefined) c.doc = doc;
      const req = f.raw('required');
      if (req !== undefined) {
        if (typeof req !== 'boolean') f.fail('"required" must be true or false');
        c.required = req;
      }
      if (f.has('default')) c.default = f.obj.default;
      const p = position(f, w);
      if (p !== undefined) c.position = p;
      return [c];
    }
    case 'drop-column':
    case 'make-optional':
    case 'require-column':
      return [{ op, name: f.str('name') }];
    case 'rename-column':
      return [{ op, name: f.str('name'), newName: f.str('new-name') }];
    case 'update-column': {
      const type = typeFrom(f.raw('type'), w);
      if (!isPrimitive(type)) f.fail('"type" must be a primitive type (nested types cannot change)');
      return [{ op, name: f.str('name'), type }];
    }
    case 'set-doc': {
      if (!Object.prototype.hasOwnProperty.call(f.obj, 'doc')) f.fail('missing required field "doc" (null removes the doc)');
      const doc = f.obj.doc;
      if (doc !== null && typeof doc !== 'string') f.fail('"doc" must be a string or null');
      return [{ op, name: f.str('name'), doc: doc as string | null }];
    }
    case 'set-default':
      if (!Object.prototype.hasOwnProperty.call(f.obj, 'default')) f.fail('missing required field "default" (null removes the write default)');
      return [{ op, name: f.str('name'), default: f.obj.default ?? null }];
    case 'move-column': {
      const p = position(f, w);
      if (p === undefined) f.fail('give "first": true, "after" or "before"');
      return [{ op, name: f.str('name'), position: p }];
    }
    case 'set-identifier-fields':
      return [{ op, names: f.strList('names') }];
    case 'add-partition': {
      const t = termChange(f);
      if (t === undefined) f.fail('give "term" (e.g. "bucket(16, id)") or "source" and "transform"');
      const c: PartitionSpecChange = { op: 'add-partition', source: t.source };
      if (t.transform !== undefined) c.transform = t.transform;
      const name = f.optStr('name');
      if (name !== undefined) c.name = name;
      return [c];
    }
    case 'drop-partition':
    case 'remove-partition': {
      const field = f.optStr('field') ?? f.optStr('name');
      if (field !== undefined) return [{ op: 'remove-partition', name: field }];
      const t = termChange(f);
      if (t === undefined) f.fail('give "field" (a partition field name) or "term" (e.g. "day(ts)")');
      return [t.transform === undefined ? { op: 'remove-partition', source: t.source } : { op: 'remove-partition', source: t.source, transform: t.transform }];
    }
    case 'rename-partition':
      return [{ op: 'rename-partition', name: f.str('name'), newName: f.str('new-name') }];
    case 'set-sort': {
      if (f.has('order')) {
        const order = f.str('order');
        parseSortOrderText(order);
        return [{ op, order }];
      }
      const fields = f.list('fields').map((x, i) => sortField(x, `${w} field ${i + 1}`));
      return [{ op, order: fields }];
    }
    case 'set-property': {
      if (f.has('properties')) return Object.entries(f.strMap('properties')).map(([key, value]) => ({ op: 'set-property' as const, key, value }));
      return [{ op, key: f.str('key'), value: f.str('value') }];
    }
    case 'unset-property':
      if (f.has('keys')) return f.strList('keys').map((key) => ({ op: 'unset-property' as const, key }));
      return [{ op, key: f.str('key') }];
    case 'upgrade':
      return [{ op, formatVersion: f.int('format-version') }];
    default:
      return head.fail(`unknown op ${describe(op)} (expected one of ${ALL_OPS.join(', ')})`);
  }
}

function sortField(item: unknown, where: string): SortFieldRequest {
  const f: JsonFields = new JsonFields(item, where, 'INVALID_INPUT');
  const r: SortFieldRequest = { source: f.str('source') };
  const t = f.optStr('transform');
  if (t !== undefined) r.transform = t;
  const d = f.optStr('direction');
  if (d !== undefined) {
    if (d !== 'asc' && d !== 'desc') f.fail('"direction" must be "asc" or "desc"');
    r.direction = d as SortDirection;
  }
  const n = f.optStr('null-order');
  if (n !== undefined) {
    if (n !== 'nulls-first' && n !== 'nulls-last') f.fail('"null-order" must be "nulls-first" or "nulls-last"');
    r.nullOrder = n as NullOrder;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Command-line form

const COMMANDS = [
  ...SCHEMA_CHANGE_OPS,
  'add-partition',
  'drop-partition',
  'rename-partition',
  'set-sort',
  'set-property',
  'unset-property',
  'upgrade',
] as const;

/**
 * Parses the change commands of `lake evolve <table> ...`: a sequence of
 *   add-column <name> <type> [--after c | --before c | --first] [--not-null] [--default v] [--doc t]
 *   drop-column <name> | rename-column <old> <new> | update-column <name> <type>
 *   make-optional <name> | require-column <name> | set-doc <name> <doc> | set-default <name> <value>
 *   move-column <name> (--first | --after c | --before c) | set-identifier-fields <a,b,...>
 *   add-partition "<term>" [--name n] | drop-partition <field name or term> | rename-partition <old> <new>
 *   set-sort "<col [asc|desc] [nulls first|last], ...>" | set-property k=v | unset-property k
 *   upgrade --format-version N
 * Every command in the list becomes one or more changes, all committed together.
 */
export function parseEvolveArgs(args: readonly string[]): EvolutionChange[] {
  const out: EvolutionChange[] = [];
  let i = 0;
  const take = (cmd: string, what: string): string => {
    const v = args[i];
    if (v === undefined || (COMMANDS as readonly string[]).includes(v)) invalid(`${cmd}: missing ${what}`);
    i += 1;
    return v;
  };
  const flag = (name: string): boolean => {
    if (args[i] === name) {
      i += 1;
      return true;
    }
    return false;
  };
  while (i < args.length) {
    const cmd = args[i]!;
    i += 1;
    switch (cmd) {
      case 'add-column': {
        const name = take(cmd, 'column name');
        const type = parseTypeText(take(cmd, 'column type'));
        const c: SchemaChange = { op: 'add-column', name, type };
        for (;;) {
          if (flag('--first')) setPosition(c, { first: true });
          else if (flag('--after')) setPosition(c, { after: take('--after', 'column') });
          else if (flag('--before')) setPosition(c, { before: take('--before', 'column') });
          else if (flag('--not-null') || flag('--required')) c.required = true;
          else if (flag('--default')) c.default = take('--default', 'value');
          else if (flag('--doc')) c.doc = take('--doc', 'text');
          else break;
        }
        out.push(c);
        break;
      }
      case 'drop-column':
      case 'make-optional':
      case 'require-column':
        out.push({ op: cmd, name: take(cmd, 'column name') });
        break;
      case 'rename-column':
        out.push({ op: cmd, name: take(cmd, 'column name'), newName: take(cmd, 'new name') });
        break;
      case 'update-column': {
        const name = take(cmd, 'column name');
        const type = parseTypeText(take(cmd, 'type'));
        if (!isPrimitive(type)) invalid(`update-column: ${name} can only be widened to a primitive type`);
        out.push({ op: cmd, name, type });
        break;
      }
      case 'set-doc':
        out.push({ op: cmd, name: take(cmd, 'column name'), doc: take(cmd, 'doc text') });
        break;
      case 'set-default': {
        const name = take(cmd, 'column name');
        const v = take(cmd, 'value');
        out.push({ op: cmd, name, default: v.toLowerCase() === 'null' ? null : v });
        break;
      }
      case 'move-column': {
        const name = take(cmd, 'column name');
        let p: ColumnPosition;
        if (flag('--first')) p = { first: true };
        else if (flag('--after')) p = { after: take('--after', 'column') };
        else if (flag('--before')) p = { before: take('--before', 'column') };
        else return invalid('move-column: give --first, --after <column> or --before <column>');
        out.push({ op: cmd, name, position: p });
        break;
      }
      case 'set-identifier-fields': {
        const list = take(cmd, 'column names (comma separated)');
        out.push({ op: cmd, names: splitTopLevel(list).map((n) => n.trim()).filter((n) => n !== '') });
        break;
      }
      case 'add-partition': {
        const t = parsePartitionTerm(take(cmd, 'partition term, e.g. "bucket(16, id)"'));
        const c: PartitionSpecChange = { op: 'add-partition', source: t.source, transform: t.transform };
        if (flag('--name')) c.name = take('--name', 'partition field name');
        out.push(c);
        break;
      }
      case 'drop-partition': {
        const text = take(cmd, 'partition field name or term');
        if (text.includes('(')) {
          const t = parsePartitionTerm(text);
          out.push({ op: 'remove-partition', source: t.source, transform: t.transform });
        } else {
          out.push({ op: 'remove-partition', name: text });
        }
        break;
      }
      case 'rename-partition':
        out.push({ op: 'rename-partition', name: take(cmd, 'partition field name'), newName: take(cmd, 'new name') });
        break;
      case 'set-sort': {
        const text = take(cmd, 'sort order, e.g. "id desc nulls last, name"');
        parseSortOrderText(text);
        out.push({ op: 'set-sort', order: text });
        break;
      }
      case 'set-property': {
        const kv = take(cmd, 'key=value');
        const eq = kv.indexOf('=');
        if (eq <= 0) invalid(`set-property: expected key=value, got "${kv}"`);
        out.push({ op: 'set-property', key: kv.slice(0, eq), value: kv.slice(eq + 1) });
        break;
      }
      case 'unset-property':
        out.push({ op: 'unset-property', key: take(cmd, 'property key') });
        break;
      case 'upgrade': {
        let v: string | undefined;
        if (flag('--format-version')) v = take('--format-version', 'version');
        else if (args[i] !== undefined && /^\d+$/.test(args[i]!)) v = take(cmd, 'version');
        if (v === undefined || !/^\d+$/.test(v)) invalid('upgrade: give --format-version <N>');
        out.push({ op: 'upgrade', formatVersion: Number(v) });
        break;
      }
      default:
        invalid(`unknown change "${cmd}" (expected one of ${COMMANDS.join(', ')})`);
    }
  }
  return out;
}

function setPosition(c: Extract<SchemaChange, { op: 'add-column' }>, p: ColumnPosition): void {
  if (c.position !== undefined) invalid(`add-column ${c.name}: give only one of --first, --after and --before`);
  c.position = p;
}
