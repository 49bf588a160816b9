/**
 * Exact comparison of decoded models (table metadata, manifest lists, manifest entries) for the
 * round-trip checks: bigints by value, numbers with Object.is (NaN equals NaN, 0 differs from -0),
 * byte arrays by content whatever their class, Maps by key, and an object property holding
 * `undefined` the same as an absent one. Returns where the first difference is, so a failure
 * line can say what changed.
 */

function describeValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `bytes[${v.length}]`;
  if (v instanceof Map) return `Map(${v.size})`;
  if (Array.isArray(v)) return `array[${v.length}]`;
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (v !== null && typeof v === 'object') return 'object';
  return String(v);
}

function numberText(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

function keyText(k: unknown): string {
  return typeof k === 'string' ? k : typeof k === 'bigint' ? `${k}n` : String(k);
}

/** The first difference between `a` and `b` as `path: a-value != b-value`, or undefined when equal. */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) ? undefined : `${path}: ${numberText(a)} != ${numberText(b)}`;
  if (a === b) return undefined;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) return `${path}: ${describeValue(a)} != ${describeValue(b)}`;
    if (a.length !== b.length) return `${path}: ${describeValue(a)} != ${describeValue(b)}`;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${path}[${i}]: byte ${a[i]} != ${b[i]}`;
    return undefined;
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map)) return `${path}: ${describeValue(a)} != ${describeValue(b)}`;
    for (const k of a.keys()) if (!b.has(k)) return `${path}.get(${keyText(k)}): present != absent`;
    for (const k of b.keys()) if (!a.has(k)) return `${path}.get(${keyText(k)}): absent != present`;
    for (const [k, v] of a) {
      const d = firstDifference(v, b.get(k), `${path}.get(${keyText(k)})`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${path}: ${describeValue(a)} != ${describeValue(b)}`;
    if (a.length !== b.length) return `${path}: length ${a.length} != ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    for (const k of keys) {
      const d = firstDifference(ao[k], bo[k], `${path}.${k}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return `${path}: ${describeValue(a)} != ${describeValue(b)}`;
}

/**
 * Fields of the original JSON that are missing or different in the written JSON: one
 * `path: original -> written` line each (array items as `[]`). Numbers compare by their decimal
 * text, so `9876543210123456789` (bigint) equals the same literal. Nulls in the original are
 * ignored (an absent optional field reads the same).
 */
export function lostFields(original: unknown, written: unknown, path = '$', out: string[] = []): string[] {
  if (original === null || original === undefined) return out;
  const text = (v: unknown): string => (v === undefined ? 'absent' : typeof v === 'bigint' || typeof v === 'number' ? String(v) : JSON.stringify(v));
  if (Array.isArray(original)) {
    if (!Array.isArray(written)) out.push(`${path}: array -> ${written === undefined ? 'absent' : typeof written}`);
    else if (original.length !== written.length) out.push(`${path}: ${original.length} items -> ${written.length}`);
    else original.forEach((x, i) => lostFields(x, written[i], `${path}[]`, out));
    return out;
  }
  if (typeof original === 'object') {
    if (written === null || typeof written !== 'object' || Array.isArray(written)) {
      out.push(`${path}: object -> ${written === undefined ? 'absent' : text(written)}`);
      return out;
    }
    const w = written as Record<string, unknown>;
    for (const [k, v] of Object.entries(original as Record<string, unknown>)) lostFields(v, w[k], `${path}.${k}`, out);
    return out;
  }
  if (text(original) !== text(written)) out.push(`${path}: ${text(original)} -> ${text(written)}`);
  return out;
}
