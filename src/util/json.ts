/**
 * JSON that keeps every integer exact.
 *
 * Why not `JSON.parse`: Iceberg metadata is full of 64-bit integers (snapshot ids, sequence
 * numbers, row ids), and real tables carry ids such as 9876543210123456789 that do not even fit a
 * signed 64-bit integer. `JSON.parse` turns every number into an IEEE double, so any integer above
 * 2^53 silently changes. Node 20 has no way to see a number's source text from `JSON.parse`
 * (the "JSON.parse source text access" proposal ships only in later V8 versions), so this module
 * parses JSON by hand.
 *
 * Parsed representation:
 * - an integer literal (no fraction, no exponent) that is a safe JS integer -> `number`;
 * - an integer literal outside the safe range (|n| > 2^53 - 1) -> `bigint`, exact;
 * - any other number (fraction or exponent) -> `number`, exactly as `JSON.parse` would give it;
 * - strings, booleans, null, arrays and objects as `JSON.parse` gives them (a `__proto__` key is an
 *   ordinary own property, as with `JSON.parse`).
 * Callers that need a 64-bit value accept `number | bigint` and convert with `BigInt(...)`, which is
 * exact for both.
 *
 * `stringifyJson` writes `bigint` values as plain JSON numbers (digits, no quotes), so a value read
 * with `parseJson` is written back unchanged.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { LakeError, type LakeErrorCode } from '../errors.js';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

export interface ParseJsonOptions {
  /** Error code for malformed text; `INVALID_METADATA` unless the caller parses user input. */
  errorCode?: LakeErrorCode;
}

/** Parses JSON text, keeping integers outside the safe range exact as `bigint` (see module doc). */
export function parseJson(text: string, options: ParseJsonOptions = {}): JsonValue {
  return new Parser(text, options.errorCode ?? 'INVALID_METADATA').parseDocument();
}

class Parser {
  private pos = 0;
  constructor(
    private readonly s: string,
    private readonly code: LakeErrorCode,
  ) {}

  parseDocument(): JsonValue {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.pos < this.s.length) this.fail('unexpected data after the JSON value');
    return v;
  }

  private fail(msg: string): never {
    const { line, col } = this.where();
    throw new LakeError(this.code, `invalid JSON at line ${line} column ${col}: ${msg}`, {
      context: { offset: this.pos },
    });
  }

  private where(): { line: number; col: number } {
    let line = 1;
    let last = -1;
    for (let i = 0; i < this.pos && i < this.s.length; i++) {
      if (this.s.charCodeAt(i) === 10) {
        line++;
        last = i;
      }
    }
    return { line, col: this.pos - last };
  }

  private ws(): void {
    const s = this.s;
    let p = this.pos;
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (c === 32 || c === 10 || c === 13 || c === 9) p++;
      else break;
    }
    this.pos = p;
  }

  private value(depth: number): JsonValue {
    if (depth > 512) this.fail('nesting too deep');
    const c = this.s.charCodeAt(this.pos);
    switch (c) {
      case 123: // {
        return this.object(depth);
      case 91: // [
        return this.array(depth);
      case 34: // "
        return this.string();
      case 116: // t
        return this.literal('true', true);
      case 102: // f
        return this.literal('false', false);
      case 110: // n
        return this.literal('null', null);
      default:
        if (c === 45 || (c >= 48 && c <= 57)) return this.number();
        if (Number.isNaN(c)) this.fail('unexpected end of input');
        return this.fail(`unexpected character ${JSON.stringify(this.s[this.pos])}`);
    }
  }

  private literal<T>(word: string, v: T): T {
    if (this.s.startsWith(word, this.pos)) {
      this.pos += word.length;
      return v;
    }
    return this.fail(`unexpected token, expected ${word}`);
  }

  private object(depth: number): { [key: string]: JsonValue } {
    const out: { [key: string]: JsonValue } = {};
    if (this.opensEmpty(125)) return out;
    for (;;) {
      if (this.s.charCodeAt(this.pos) !== 34) this.fail('expected a string key');
      const key = this.string();
      this.ws();
      if (this.s.charCodeAt(this.pos) !== 58) this.fail('expected ":"');
      this.pos++;
      this.ws();
      setOwn(out, key, this.value(depth + 1));
      if (this.closes(125, '}')) return out;
    }
  }

  private array(depth: number): JsonValue[] {
    const out: JsonValue[] = [];
    if (this.opensEmpty(93)) return out;
    for (;;) {
      out.push(this.value(depth + 1));
      if (this.closes(93, ']')) return out;
    }
  }

  /** Past the opening bracket; true when the container is empty (and then past its closing bracket). */
  private opensEmpty(close: number): boolean {
    this.pos++;
    this.ws();
    if (this.s.charCodeAt(this.pos) !== close) return false;
    this.pos++;
    return true;
  }

  /** After a member or element: true past the closing bracket, false past a comma (and white space). */
  private closes(close: number, closeText: string): boolean {
    this.ws();
    const c = this.s.charCodeAt(this.pos);
    if (c === 44) {
      this.pos++;
      this.ws();
      return false;
    }
    if (c === close) {
      this.pos++;
      return true;
    }
    return this.fail(`expected "," or "${closeText}"`);
  }

  private string(): string {
    const s = this.s;
    const start = ++this.pos; // opening quote
    let p = start;
    // Fast path: no escapes.
    for (;;) {
      if (p >= s.length) {
        this.pos = p;
        this.fail('unterminated string');
      }
      const c = s.charCodeAt(p);
      if (c === 34) {
        this.pos = p + 1;
        return s.slice(start, p);
      }
      if (c === 92) break;
      if (c < 0x20) {
        this.pos = p;
        this.fail('control character in string');
      }
      p++;
    }
    let out = s.slice(start, p);
    for (;;) {
      if (p >= s.length) {
        this.pos = p;
        this.fail('unterminated string');
      }
      const c = s.charCodeAt(p);
      if (c === 34) {
        this.pos = p + 1;
        return out;
      }
      if (c < 0x20) {
        this.pos = p;
        this.fail('control character in string');
      }
      if (c !== 92) {
        const q = p;
        while (p < s.length) {
          const d = s.charCodeAt(p);
          if (d === 34 || d === 92 || d < 0x20) break;
          p++;
        }
        out += s.slice(q, p);
        continue;
      }
      const e = s[p + 1];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = s.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = p;
            this.fail('invalid \\u escape');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          this.pos = p;
          this.fail('invalid escape in string');
      }
      p += 2;
    }
  }

  private number(): number | bigint {
    const s = this.s;
    const start = this.pos;
    let p = start;
    if (s.charCodeAt(p) === 45) p++;
    const intStart = p;
    while (p < s.length && isDigit(s.charCodeAt(p))) p++;
    const intDigits = p - intStart;
    if (intDigits === 0) {
      this.pos = p;
      this.fail('invalid number');
    }
    if (intDigits > 1 && s.charCodeAt(intStart) === 48) {
      this.pos = intStart;
      this.fail('leading zero in number');
    }
    let integral = true;
    if (s.charCodeAt(p) === 46) {
      integral = false;
      p++;
      const f = p;
      while (p < s.length && isDigit(s.charCodeAt(p))) p++;
      if (p === f) {
        this.pos = p;
        this.fail('invalid number fraction');
      }
    }
    const e = s.charCodeAt(p);
    if (e === 101 || e === 69) {
      integral = false;
      p++;
      const sign = s.charCodeAt(p);
      if (sign === 43 || sign === 45) p++;
      const x = p;
      while (p < s.length && isDigit(s.charCodeAt(p))) p++;
      if (p === x) {
        this.pos = p;
        this.fail('invalid number exponent');
      }
    }
    this.pos = p;
    const text = s.slice(start, p);
    if (integral && intDigits >= 16) {
      const big = BigInt(text);
      if (big > MAX_SAFE || big < MIN_SAFE) return big;
      return Number(big);
    }
    return Number(text);
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export interface StringifyOptions {
  /** Indentation for pretty output (like the third argument of `JSON.stringify`); compact when absent. */
  indent?: number;
  /** Always use the exact hand-written writer (the fast path gives the same text; for tests). */
  exact?: boolean;
}

/**
 * Serializes a value as JSON. `bigint` values are written as plain JSON numbers. Object keys keep
 * their insertion order; properties whose value is `undefined` are skipped (as `JSON.stringify`
 * does). Non-finite numbers, functions and symbols are rejected rather than silently changed.
 */
export function stringifyJson(value: unknown, options: StringifyOptions = {}): string {
  const indent = options.indent !== undefined && options.indent > 0 ? options.indent : undefined;
  if (options.exact) return write(value, '', indent === undefined ? '' : ' '.repeat(indent), new Set());
  // Fast path: the engine's JSON.stringify, with each bigint written as a placeholder string
  // carrying a random nonce, then replaced by its digits. If the data itself happens to contain
  // the placeholder pattern, the replacement count does not match and the exact (slower)
  // writer below is used instead.
  const nonce = `\u2063lake-bigint-${Math.random().toString(36).slice(2)}-`;
  let bigints = 0;
  let text: string;
  try {
    text = JSON.stringify(
      value,
      function (this: unknown, _key: string, v: unknown): unknown {
        switch (typeof v) {
          case 'bigint':
            bigints++;
            return nonce + v.toString();
          case 'number':
            if (!Number.isFinite(v)) throw new LakeError('INVALID_INPUT', `cannot write non-finite number ${v} as JSON`);
            return v;
          case 'function':
          case 'symbol':
            throw new LakeError('INVALID_INPUT', `cannot write a ${typeof v} as JSON`);
          default:
            return v;
        }
      },
      indent,
    );
  } catch (e) {
    if (e instanceof LakeError) throw e;
    if (e instanceof TypeError && /circular/i.test(e.message)) throw new LakeError('INVALID_INPUT', 'cannot write a cyclic structure as JSON');
    throw e;
  }
  if (text === undefined) throw new LakeError('INVALID_INPUT', `cannot write ${String(value)} as JSON`);
  if (bigints === 0) return text;
  let replaced = 0;
  // JSON.stringify leaves the nonce's characters unescaped, so a placeholder reads `"<nonce><digits>"`.
  const placeholder = new RegExp(`"${nonce}(-?\\d+)"`, 'g');
  const out = text.replace(placeholder, (_m, digits: string) => {
    replaced++;
    return digits;
  });
  if (replaced !== bigints) return write(value, '', indent === undefined ? '' : ' '.repeat(indent), new Set());
  return out;
}

// Builds the text by string concatenation (V8 ropes), which is several times faster than
// collecting parts in an array for large metadata.
function write(v: unknown, cur: string, indent: string, stack: Set<object>): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new LakeError('INVALID_INPUT', `cannot write non-finite number ${v} as JSON`);
      return Object.is(v, -0) ? '0' : String(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw new LakeError('INVALID_INPUT', `cannot write a ${typeof v} as JSON`);
  }
  if (v === null) return 'null';
  if (stack.has(v)) throw new LakeError('INVALID_INPUT', 'cannot write a cyclic structure as JSON');
  stack.add(v);
  const inner = cur + indent;
  const open = indent ? '\n' + inner : '';
  const sep = indent ? ',\n' + inner : ',';
  const close = indent ? '\n' + cur : '';
  let out: string;
  if (Array.isArray(v)) {
    if (v.length === 0) out = '[]';
    else {
      out = '[' + open;
      for (let i = 0; i < v.length; i++) {
        if (i > 0) out += sep;
        const item: unknown = v[i];
        out += write(item === undefined ? null : item, inner, indent, stack);
      }
      out += close + ']';
    }
  } else {
    const obj = v as Record<string, unknown>;
    const colon = indent ? ': ' : ':';
    out = '{';
    let first = true;
    for (const k of Object.keys(obj)) {
      const x = obj[k];
      if (x === undefined) continue;
      out += (first ? open : sep) + JSON.stringify(k) + colon + write(x, inner, indent, stack);
      first = false;
    }
    out += first ? '}' : close + '}';
  }
  stack.delete(v);
  return out;
}

/** True when the bytes start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes the bytes of a metadata JSON file to text: gunzips when the content is gzip (detected by
 * its magic bytes, whatever the file is called), then decodes UTF-8 (a leading BOM is dropped).
 */
export function decodeJsonBytes(bytes: Uint8Array): string {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes);
    } catch (e) {
      throw new LakeError('INVALID_METADATA', `corrupt gzip-compressed JSON: ${(e as Error).message}`, { cause: e });
    }
  }
  let text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text;
}

/**
 * Whether a metadata file name asks for gzip, as Iceberg names them: `*.gz.metadata.json`
 * (spec Appendix F), or the older `*.metadata.json.gz` that the reference implementation also reads.
 */
export function isGzipMetadataFileName(name: string): boolean {
  return name.endsWith('.gz.metadata.json') || name.endsWith('.metadata.json.gz');
}

/** Encodes metadata JSON text to file bytes: gzip when the file name asks for it, plain UTF-8 otherwise. */
export function encodeJsonBytes(text: string, options: { gzip?: boolean } = {}): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  return options.gzip ? new Uint8Array(gzipSync(bytes)) : bytes;
}

/** Converts a parsed JSON integer (`number` or `bigint`) to `bigint`; anything else is an error. */
export function jsonToBigInt(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw new LakeError('INVALID_METADATA', `${what} must be an integer, got ${describe(v)}`);
}

/** Short description of a JSON value for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    const s = stringifyJson(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -(2n ** 63n);
const U64_MAX = 2n ** 64n - 1n;

const isInt32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= INT_MIN && v <= INT_MAX;
const isInteger = (v: unknown): v is number | bigint => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
const isSafeInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isList = (v: unknown): v is unknown[] => Array.isArray(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Typed access to the fields of one parsed JSON object, with error messages that name the field
 * and the object it belongs to. `null` counts as absent, as in the reference implementation.
 */
export class JsonFields {
  readonly obj: Record<string, unknown>;

  constructor(
    value: unknown,
    /** Where the object sits, for messages: "table metadata", "snapshot 123", ... */
    readonly where: string,
    readonly code: LakeErrorCode = 'INVALID_METADATA',
  ) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new LakeError(code, `${where} must be a JSON object, got ${describe(value)}`);
    }
    this.obj = value as Record<string, unknown>;
  }

  fail(message: string): never {
    throw new LakeError(this.code, `${this.where}: ${message}`);
  }

  /** Present and not null. */
  has(key: string): boolean {
    const v = this.obj[key];
    return v !== undefined && v !== null && Object.prototype.hasOwnProperty.call(this.obj, key);
  }

  raw(key: string): unknown {
    return this.has(key) ? this.obj[key] : undefined;
  }

  private need(key: string): unknown {
    if (!this.has(key)) this.fail(`missing required field "${key}"`);
    return this.obj[key];
  }

  /** The field, checked by `ok`; `what` names the expected kind in the message. */
  private typed<T>(key: string, ok: (v: unknown) => v is T, what: string): T {
    const v = this.need(key);
    if (!ok(v)) this.fail(`field "${key}" must be ${what}, got ${describe(v)}`);
    return v;
  }

  /** The elements of a list field, each checked by `ok`. */
  private typedList<T>(key: string, ok: (v: unknown) => v is T, what: string): T[] {
    return this.list(key).map((v, i) => {
      if (!ok(v)) this.fail(`element ${i} of "${key}" must be ${what}, got ${describe(v)}`);
      return v;
    });
  }

  /** A 32-bit signed integer. */
  int(key: string): number {
    return this.typed(key, isInt32, 'a 32-bit integer');
  }

  optInt(key: string): number | undefined {
    return this.has(key) ? this.int(key) : undefined;
  }

  /**
   * A 64-bit integer as `bigint`. Values up to 2^64 - 1 are accepted because real tables carry
   * snapshot ids above the signed 64-bit range (read as unsigned by their writers).
   */
  long(key: string): bigint {
    const b = BigInt(this.typed(key, isInteger, 'an integer'));
    if (b < LONG_MIN || b > U64_MAX) this.fail(`field "${key}" is out of the 64-bit range: ${b}`);
    return b;
  }

  optLong(key: string): bigint | undefined {
    return this.has(key) ? this.long(key) : undefined;
  }

  /** A 64-bit integer that must be a safe JS number (timestamps in ms, file sizes). */
  safeLong(key: string): number {
    return this.typed(key, isSafeInteger, 'an integer within ±2^53');
  }

  optSafeLong(key: string): number | undefined {
    return this.has(key) ? this.safeLong(key) : undefined;
  }

  str(key: string): string {
    return this.typed(key, isString, 'a string');
  }

  optStr(key: string): string | undefined {
    return this.has(key) ? this.str(key) : undefined;
  }

  bool(key: string): boolean {
    return this.typed(key, isBoolean, 'a boolean');
  }

  list(key: string): unknown[] {
    return this.typed(key, isList, 'a list');
  }

  optList(key: string): unknown[] | undefined {
    return this.has(key) ? this.list(key) : undefined;
  }

  intList(key: string): number[] {
    return this.typedList(key, isInt32, 'a 32-bit integer');
  }

  longList(key: string): bigint[] {
    return this.typedList(key, isInteger, 'an integer').map((v) => BigInt(v));
  }

  strList(key: string): string[] {
    return this.typedList(key, isString, 'a string');
  }

  /** A string-to-string map. */
  strMap(key: string): Record<string, string> {
    const v = this.typed(key, isObject, 'an object');
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string') this.fail(`value of "${k}" in "${key}" must be a string, got ${describe(x)}`);
      setOwn(out, k, x);
    }
    return out;
  }

  optStrMap(key: string): Record<string, string> | undefined {
    return this.has(key) ? this.strMap(key) : undefined;
  }
}

/** Sets an own property, also for the key `__proto__`. */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
