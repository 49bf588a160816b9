/**
 * Namespace and table identifiers, validated before any IO: every part becomes a directory or key
 * segment of the warehouse, so a part that could escape its place (`..`, `/`, `\`), vanish (empty,
 * `.`) or confuse tools (control characters, names longer than file systems allow) is refused with
 * INVALID_IDENTIFIER.
 *
 * Forms: a namespace is `a.b` or `['a', 'b']` (nested namespaces allowed); a table is `a.b.t`,
 * `['a', 'b', 't']` or `{ namespace: ['a', 'b'], name: 't' }`. The string form splits on `.`; a part
 * that contains a dot can only be given in the array forms.
 */
import { LakeError } from '../src/errors.js';

export interface TableIdentifier {
  namespace: string[];
  name: string;
}

export type NamespaceInput = string | readonly string[];
export type TableIdentifierInput = string | readonly string[] | TableIdentifier;

/** Longest part in UTF-8 bytes: the common file-name limit (ext4, APFS, NTFS in characters). */
export const MAX_IDENTIFIER_PART_BYTES = 255;
/** Deepest namespace nesting accepted. */
export const MAX_NAMESPACE_DEPTH = 16;

function bad(input: unknown, reason: string): never {
  const shown = typeof input === 'string' ? JSON.stringify(input) : JSON.stringify(input ?? null);
  throw new LakeError('INVALID_IDENTIFIER', `invalid identifier ${shown}: ${reason}`, { context: { identifier: input } });
}

/** Checks one part; returns it unchanged. */
export function validateIdentifierPart(part: unknown, input: unknown = part): string {
  if (typeof part !== 'string') return bad(input, `every part must be a string, got ${typeof part}`);
  if (part === '') return bad(input, 'empty part');
  if (part === '.' || part === '..') return bad(input, `"${part}" is not allowed as a part`);
  if (part.includes('/')) return bad(input, 'a part must not contain "/"');
  if (part.includes('\\')) return bad(input, 'a part must not contain "\\"');
  if (/[\u0000-\u001f\u007f-\u009f]/.test(part)) return bad(input, 'a part must not contain control characters');
  if (Buffer.byteLength(part, 'utf8') > MAX_IDENTIFIER_PART_BYTES) {
    return bad(input, `a part must be at most ${MAX_IDENTIFIER_PART_BYTES} bytes long`);
  }
  return part;
}

function splitParts(input: unknown): string[] {
  if (typeof input === 'string') return input.split('.');
  if (Array.isArray(input)) return [...(input as unknown[])] as string[];
  return bad(input, 'expected a dotted string or an array of parts');
}

/** A validated namespace (at least one part). */
export function parseNamespace(input: NamespaceInput): string[] {
  const parts = splitParts(input);
  if (parts.length === 0) return bad(input, 'a namespace needs at least one part');
  if (parts.length > MAX_NAMESPACE_DEPTH) return bad(input, `namespaces nest at most ${MAX_NAMESPACE_DEPTH} levels`);
  return parts.map((p) => validateIdentifierPart(p, input));
}

/** A validated table identifier (a namespace of at least one part, and a name). */
export function parseTableIdentifier(input: TableIdentifierInput): TableIdentifier {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const id = input as TableIdentifier;
    if (!Array.isArray(id.namespace)) return bad(input, 'namespace must be an array of parts');
    return { namespace: parseNamespace(id.namespace), name: validateIdentifierPart(id.name, input) };
  }
  const parts = splitParts(input);
  if (parts.length < 2) return bad(input, 'a table identifier needs a namespace and a name (ns.table)');
  const name = parts[parts.length - 1]!;
  return { namespace: parseNamespace(parts.slice(0, -1)), name: validateIdentifierPart(name, input) };
}

export function namespaceToString(ns: readonly string[]): string {
  return ns.join('.');
}

export function tableIdentifierToString(id: TableIdentifier): string {
  return [...id.namespace, id.name].join('.');
}

export function sameNamespace(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}
