/**
 * The text forms `lake create` takes: `--schema "id long not null, name string, ts timestamptz"`
 * and `--partition "day(ts), bucket(16, id)"`. Types and terms are parsed by src/spec
 * (`parseTypeText`, `parsePartitionTerm`); this file only splits the lists and numbers the fields.
 */
import { LakeError } from '../src/errors.js';
import { parseTypeText } from '../src/spec/evolution-changes.js';
import { type PartitionSpec, buildPartitionSpec } from '../src/spec/partition-spec.js';
import { parseColumnName, parsePartitionTerm, splitTopLevel } from '../src/spec/partition-spec-update.js';
import type { Schema } from '../src/spec/schema.js';
import type { IcebergType, NestedField } from '../src/spec/types.js';

function invalid(message: string): never {
  throw new LakeError('INVALID_INPUT', message);
}

/** Gives every nested field of `t` a fresh id from `next` (parsed types number their fields from 1). */
function renumber(t: IcebergType, next: () => number): IcebergType {
  switch (t.kind) {
    case 'struct':
      return { kind: 'struct', fields: t.fields.map((f) => ({ ...f, id: next(), type: renumber(f.type, next) })) };
    case 'list':
      return { ...t, elementId: next(), element: renumber(t.element, next) };
    case 'map': {
      const keyId = next();
      const valueId = next();
      return { ...t, keyId, key: renumber(t.key, next), valueId, value: renumber(t.value, next) };
    }
    default:
      return t;
  }
}

/** `<col> <type> [not null], ...` -> a schema (ids from 1; the catalog assigns the table's own). */
export function parseSchemaText(text: string): Schema {
  if (text.trim() === '') invalid('--schema is empty: give columns as "<col> <type> [not null], ..."');
  const columns = splitTopLevel(text).map((p) => p.trim());
  let id = 0;
  const next = (): number => ++id;
  const parsed: { name: string; required: boolean; typeText: string }[] = [];
  for (const c of columns) {
    if (c === '') invalid(`--schema has an empty column in "${text}"`);
    const m = /^(`[^`]+`|"[^"]+"|[^\s]+)\s+([\s\S]+)$/.exec(c);
    if (m === null) invalid(`column "${c}" needs a name and a type, e.g. "id long not null"`);
    let typeText = m[2]!.trim();
    let required = false;
    const nn = /\s+not\s+null$/i.exec(typeText);
    if (nn !== null) {
      required = true;
      typeText = typeText.slice(0, nn.index).trim();
    }
    const name = parseColumnName(m[1]!);
    if (name.includes('.') && !m[1]!.startsWith('`') && !m[1]!.startsWith('"')) invalid(`column name "${name}" contains a dot: quote it in backquotes`);
    parsed.push({ name, required, typeText });
  }
  const seen = new Set<string>();
  for (const p of parsed) {
    if (seen.has(p.name)) invalid(`column ${p.name} appears twice in --schema`);
    seen.add(p.name);
  }
  // Top-level columns take ids 1..n, nested fields the ids after them.
  id = parsed.length;
  const fields: NestedField[] = parsed.map((p, i) => ({ id: i + 1, name: p.name, required: p.required, type: renumber(parseTypeText(p.typeText), next) }));
  return { schemaId: 0, identifierFieldIds: [], fields };
}

/** `<term>, ...` (`col`, `identity(col)`, `bucket(N, col)`, `truncate(W, col)`, `year/month/day/hour(col)`) -> a spec of `schema`. */
export function parsePartitionText(text: string, schema: Schema): PartitionSpec {
  if (text.trim() === '') invalid('--partition is empty: give terms such as "day(ts), bucket(16, id)"');
  const terms = splitTopLevel(text).map((p) => p.trim());
  if (terms.some((t) => t === '')) invalid(`--partition has an empty term in "${text}"`);
  const requests = terms.map((t) => {
    const term = parsePartitionTerm(t);
    return { source: term.source, transform: term.transform };
  });
  return buildPartitionSpec(schema, requests).spec;
}

/** `k=v` -> [k, v] (the first `=` splits). */
export function parseProperty(text: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) invalid(`property must look like key=value, got "${text}"`);
  return [text.slice(0, i).trim(), text.slice(i + 1)];
}
