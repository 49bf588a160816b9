/**
 * Partition transforms (spec "Partition Transforms"): parsing and printing. Value-level behaviour
 * (apply, result type, human strings for paths, order preservation) lives beside this in the same
 * module as it is implemented.
 */
import { LakeError } from '../errors.js';

export type Transform =
  | { kind: 'identity' }
  | { kind: 'bucket'; n: number }
  | { kind: 'truncate'; width: number }
  | { kind: 'year' }
  | { kind: 'month' }
  | { kind: 'day' }
  | { kind: 'hour' }
  | { kind: 'void' }
  /** A transform this version does not know; kept verbatim and ignored for filtering (spec: required in v3). */
  | { kind: 'unknown'; text: string };

/** Parses `identity`, `bucket[16]`, `truncate[4]`, `year`, ... Unknown names parse to `unknown`. */
export function parseTransform(text: string): Transform {
  const s = text.trim();
  const lower = s.toLowerCase();
  switch (lower) {
    case 'identity':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'void':
      return { kind: lower };
  }
  const m = /^(bucket|truncate)\s*\[\s*(\d+)\s*\]$/i.exec(s);
  if (m) {
    const n = Number(m[2]);
    if (!(n > 0)) throw new LakeError('INVALID_METADATA', `transform parameter must be positive in "${text}"`);
    return m[1]!.toLowerCase() === 'bucket' ? { kind: 'bucket', n } : { kind: 'truncate', width: n };
  }
  return { kind: 'unknown', text: s };
}

export function transformToString(t: Transform): string {
  switch (t.kind) {
    case 'bucket':
      return `bucket[${t.n}]`;
    case 'truncate':
      return `truncate[${t.width}]`;
    case 'unknown':
      return t.text;
    default:
      return t.kind;
  }
}
