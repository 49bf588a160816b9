/**
 * Parser for SQL-style filter text (the CLI's `--where`):
 *
 *   id = 5 AND (region IN ('eu', 'us') OR name LIKE 'ab%')
 *   ts >= TIMESTAMP '2024-01-01 10:00:00' AND day < '2024-02-01'
 *   "odd name" IS NOT NULL AND price BETWEEN 1.50 AND 2 AND NOT flag
 *
 * Columns are bare (`a`, `a.b` for struct fields) or double-quoted (`"odd name"`, `""` escapes a
 * quote). Literals: integers, decimals (`1.50`, `2e-3`), 'strings' (`''` escapes a quote), TRUE,
 * FALSE, NULL, typed `DATE '...'`, `TIME '...'`, `TIMESTAMP '...'`, `TIMESTAMPTZ '...'`,
 * `UUID '...'`, `X'0A1B'`; plain strings convert to the column's type when bound, so ISO dates
 * and timestamps may be written as strings. Operators: `= == != <> < <= > >=`, `[NOT] IN (...)`,
 * `IS [NOT] NULL`, `IS [NOT] NAN`, `[NOT] LIKE 'prefix%'` (only a trailing `%`; `ESCAPE 'c'`
 * allowed), `[NOT] BETWEEN a AND b`, `AND`, `OR`, `NOT`, parentheses. A bare boolean column means
 * `col = TRUE`. Keywords are case-insensitive; a column named like a keyword must be quoted.
 *
 * The result selects exactly the rows for which the SQL condition is TRUE, and has no NOT: NOT is
 * resolved while translating (`NOT x < 5` is `x >= 5`, `x NOT IN (1, NULL)` is never TRUE).
 * NaN sorts above every number, as in DuckDB; use IS [NOT] NAN to test for it.
 */
import { LakeError } from '../errors.js';
import {
  type LiteralValue,
  type TypedLiteral,
  type UnboundExpression,
  alwaysFalse,
  alwaysTrue,
  and,
  equal,
  greaterThan,
  greaterThanOrEqual,
  isIn,
  isNan,
  isNull,
  lessThan,
  lessThanOrEqual,
  notEqual,
  notIn,
  notNan,
  notNull,
  notStartsWith,
  or,
  startsWith,
} from './expression.js';

// ---- tokens ----

type TokenKind = 'ident' | 'qident' | 'string' | 'number' | 'op' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  /** 0-based offset in the input. */
  pos: number;
  /** Offset just past the token. */
  end: number;
}

const OPS = ['<=', '>=', '<>', '!=', '==', '=', '<', '>', '(', ')', ',', '.', '-', '+'];

function syntaxError(input: string, pos: number, message: string): LakeError {
  const line = input.replace(/[\r\n\t]/g, ' ');
  return new LakeError('INVALID_INPUT', `syntax error at position ${pos + 1}: ${message}\n  ${line}\n  ${' '.repeat(pos)}^`, {
    context: { position: pos + 1, input },
  });
}

function unsupported(input: string, pos: number, message: string): LakeError {
  return new LakeError('UNSUPPORTED_FEATURE', `${message} (at position ${pos + 1})`, { context: { position: pos + 1, input } });
}

/**
 * The text quoted by the character at `start` (a doubled quote stands for one), and the offset
 * just past the closing quote.
 */
function quoted(input: string, start: number, unterminated: string): { value: string; end: number } {
  const quote = input[start]!;
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= input.length) throw syntaxError(input, start, unterminated);
    if (input[i] === quote) {
      if (input[i + 1] !== quote) return { value, end: i + 1 };
      value += quote;
      i += 2;
      continue;
    }
    value += input[i];
    i++;
  }
}

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_$]/.test(input[i]!)) i++;
      out.push({ kind: 'ident', text: input.slice(start, i), pos: start, end: i });
      continue;
    }
    if (c === '"' || c === '`') {
      const text = quoted(input, start, 'unterminated quoted column name');
      if (text.value === '') throw syntaxError(input, start, 'empty quoted column name');
      out.push({ kind: 'qident', text: text.value, pos: start, end: text.end });
      i = text.end;
      continue;
    }
    if (c === "'") {
      const text = quoted(input, start, 'unterminated string (strings are closed by a single quote)');
      out.push({ kind: 'string', text: text.value, pos: start, end: text.end });
      i = text.end;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(input[i + 1] ?? ''))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(input.slice(i))!;
      i += m[0].length;
      if (i < n && /[A-Za-z_]/.test(input[i]!)) throw syntaxError(input, i, `unexpected "${input[i]}" after number ${m[0]}`);
      out.push({ kind: 'number', text: m[0], pos: start, end: i });
      continue;
    }
    const op = OPS.find((o) => input.startsWith(o, i));
    if (op === undefined) throw syntaxError(input, i, `unexpected character "${c}"`);
    i += op.length;
    out.push({ kind: 'op', text: op, pos: start, end: i });
  }
  out.push({ kind: 'eof', text: '', pos: n, end: n });
  return out;
}

// ---- syntax tree ----

type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A literal as parsed; null is SQL NULL. */
type Lit = LiteralValue | null;

type Node =
  | { k: 'and' | 'or'; l: Node; r: Node }
  | { k: 'not'; e: Node }
  | { k: 'const'; v: boolean | null }
  | { k: 'cmp'; op: CmpOp; col: string; lit: Lit }
  | { k: 'isNull' | 'isNaN' | 'bool'; col: string }
  | { k: 'in'; col: string; lits: Lit[] }
  | { k: 'startsWith'; col: string; prefix: string };

type Operand = { kind: 'col'; name: string; pos: number } | { kind: 'lit'; value: Lit; pos: number };

const RESERVED = new Set(['and', 'or', 'not', 'in', 'is', 'null', 'like', 'ilike', 'between', 'true', 'false', 'escape']);
const TYPED: Record<string, TypedLiteral['kind']> = {
  date: 'date',
  time: 'time',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  uuid: 'uuid',
};
const FLIP: Record<CmpOp, CmpOp> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

class Parser {
  private i = 0;

  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isKeyword(t: Token, word: string): boolean {
    return t.kind === 'ident' && t.text.toLowerCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (this.isKeyword(this.peek(), word)) {
      this.i++;
      return true;
    }
    return false;
  }

  private acceptOp(op: string): boolean {
    const t = this.peek();
    if (t.kind === 'op' && t.text === op) {
      this.i++;
      return true;
    }
    return false;
  }

  private describe(t: Token): string {
    if (t.kind === 'eof') return 'the end of the input';
    if (t.kind === 'string') return `'${t.text}'`;
    if (t.kind === 'qident') return `"${t.text}"`;
    return `"${t.text}"`;
  }

  private fail(t: Token, expected: string): never {
    throw syntaxError(this.input, t.pos, `expected ${expected} but found ${this.describe(t)}`);
  }

  private expectOp(op: string, what = `"${op}"`): Token {
    const t = this.peek();
    if (t.kind === 'op' && t.text === op) return this.next();
    return this.fail(t, what);
  }

  parse(): Node {
    if (this.peek().kind === 'eof') throw syntaxError(this.input, 0, 'the filter is empty');
    const n = this.orExpr();
    const t = this.peek();
    if (t.kind !== 'eof') this.fail(t, 'AND, OR or the end of the filter');
    return n;
  }

  private orExpr(): Node {
    let l = this.andExpr();
    while (this.acceptKeyword('or')) l = { k: 'or', l, r: this.andExpr() };
    return l;
  }

  private andExpr(): Node {
    let l = this.notExpr();
    while (this.acceptKeyword('and')) l = { k: 'and', l, r: this.notExpr() };
    return l;
  }

  private notExpr(): Node {
    if (this.acceptKeyword('not')) return { k: 'not', e: this.notExpr() };
    return this.primary();
  }

  private primary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '(') {
      this.next();
      const e = this.orExpr();
      this.expectOp(')', '")" to close the "(" at position ' + (t.pos + 1));
      return e;
    }
    const left = this.operand('a column, a literal or "("');
    return this.postfix(left);
  }

  private postfix(left: Operand): Node {
    const t = this.peek();
    if (t.kind === 'op' && ['=', '==', '!=', '<>', '<', '<=', '>', '>='].includes(t.text)) {
      this.next();
      const op: CmpOp = t.text === '==' ? '=' : t.text === '<>' ? '!=' : (t.text as CmpOp);
      const right = this.operand('a column or a literal after ' + t.text);
      return this.comparison(left, op, right, t);
    }
    if (this.acceptKeyword('is')) {
      const negated = this.acceptKeyword('not');
      const w = this.next();
      let node: Node;
      if (this.isKeyword(w, 'null')) {
        node = left.kind === 'col' ? { k: 'isNull', col: left.name } : { k: 'const', v: left.value === null };
      } else if (this.isKeyword(w, 'nan')) {
        if (left.kind !== 'col') throw unsupported(this.input, left.pos, 'IS NAN needs a column');
        node = { k: 'isNaN', col: left.name };
      } else if (this.isKeyword(w, 'true') || this.isKeyword(w, 'false')) {
        if (left.kind !== 'col') throw unsupported(this.input, left.pos, 'IS TRUE / IS FALSE needs a column');
        // IS TRUE is never UNKNOWN (NULL IS TRUE is false), so it is "not null and = TRUE"
        node = { k: 'and', l: { k: 'not', e: { k: 'isNull', col: left.name } }, r: { k: 'cmp', op: '=', col: left.name, lit: this.isKeyword(w, 'true') } };
      } else {
        return this.fail(w, 'NULL, NAN, TRUE or FALSE after IS');
      }
      return negated ? { k: 'not', e: node } : node;
    }
    const save = this.i;
    const negated = this.acceptKeyword('not');
    const kw = this.peek();
    if (this.isKeyword(kw, 'in')) {
      this.next();
      const col = this.columnOf(left, 'IN');
      this.expectOp('(', '"(" after IN');
      const lits: Lit[] = [];
      do {
        const o = this.operand('a literal in the IN list');
        if (o.kind !== 'lit') throw unsupported(this.input, o.pos, 'IN lists hold literals only');
        lits.push(o.value);
      } while (this.acceptOp(','));
      this.expectOp(')', '"," or ")" in the IN list');
      const node: Node = { k: 'in', col, lits };
      return negated ? { k: 'not', e: node } : node;
    }
    if (this.isKeyword(kw, 'like')) {
      this.next();
      const col = this.columnOf(left, 'LIKE');
      const pat = this.next();
      if (pat.kind !== 'string') this.fail(pat, 'a quoted pattern after LIKE');
      let escape: string | undefined;
      if (this.acceptKeyword('escape')) {
        const e = this.next();
        if (e.kind !== 'string' || [...e.text].length !== 1) this.fail(e, 'a one-character string after ESCAPE');
        escape = e.text;
      }
      const node = this.like(col, pat, escape);
      return negated ? { k: 'not', e: node } : node;
    }
    if (this.isKeyword(kw, 'ilike')) throw unsupported(this.input, kw.pos, 'ILIKE is not supported; use LIKE with a prefix pattern');
    if (this.isKeyword(kw, 'between')) {
      this.next();
      const lo = this.operand('a literal after BETWEEN');
      if (!this.acceptKeyword('and')) this.fail(this.peek(), 'AND in BETWEEN ... AND ...');
      const hi = this.operand('a literal after BETWEEN ... AND');
      const andTok = this.tokens[this.i - 1]!;
      const node: Node = { k: 'and', l: this.comparison(left, '>=', lo, kw), r: this.comparison(left, '<=', hi, andTok) };
      return negated ? { k: 'not', e: node } : node;
    }
    if (negated) {
      this.i = save;
      this.fail(this.tokens[save + 1]!, 'IN, LIKE or BETWEEN after NOT');
    }
    // a bare operand is a boolean condition
    if (left.kind === 'col') return { k: 'bool', col: left.name };
    if (left.value === null || typeof left.value === 'boolean') return { k: 'const', v: left.value };
    throw syntaxError(this.input, left.pos, 'a literal alone is not a condition');
  }

  private columnOf(o: Operand, what: string): string {
    if (o.kind !== 'col') throw unsupported(this.input, o.pos, `${what} needs a column on its left`);
    return o.name;
  }

  private comparison(left: Operand, op: CmpOp, right: Operand, at: Token): Node {
    if (left.kind === 'col' && right.kind === 'col') {
      throw unsupported(this.input, at.pos, `comparing two columns ("${left.name}" ${op} "${right.name}") is not supported; compare a column with a literal`);
    }
    if (left.kind === 'lit' && right.kind === 'lit') {
      throw unsupported(this.input, at.pos, 'comparing two literals is not supported; compare a column with a literal');
    }
    if (left.kind === 'col') return { k: 'cmp', op, col: left.name, lit: (right as { value: Lit }).value };
    return { k: 'cmp', op: FLIP[op], col: (right as { name: string }).name, lit: left.value };
  }

  private like(col: string, pat: Token, escape: string | undefined): Node {
    let prefix = '';
    let wildcardAt = -1;
    const chars = [...pat.text];
    for (let j = 0; j < chars.length; j++) {
      const ch = chars[j]!;
      if (escape !== undefined && ch === escape) {
        const nextCh = chars[j + 1];
        if (nextCh === undefined) throw syntaxError(this.input, pat.pos, 'LIKE pattern ends with the escape character');
        if (wildcardAt >= 0) throw this.likeUnsupported(pat);
        prefix += nextCh;
        j++;
        continue;
      }
      if (ch === '%') {
        if (wildcardAt < 0) wildcardAt = j;
        continue;
      }
      if (ch === '_' || wildcardAt >= 0) throw this.likeUnsupported(pat);
      prefix += ch;
    }
    if (wildcardAt < 0) return { k: 'cmp', op: '=', col, lit: prefix };
    // LIKE '%' is a starts-with '' too: TRUE for every string, UNKNOWN for NULL
    return { k: 'startsWith', col, prefix };
  }

  private likeUnsupported(pat: Token): LakeError {
    return unsupported(
      this.input,
      pat.pos,
      `LIKE '${pat.text}' is not supported: only prefix patterns such as 'abc%' (no "_", and "%" only at the end)`,
    );
  }

  private operand(expected: string): Operand {
    const t = this.peek();
    if (t.kind === 'qident') {
      this.next();
      return { kind: 'col', name: this.dotted(t.text), pos: t.pos };
    }
    if (t.kind === 'string') {
      this.next();
      return { kind: 'lit', value: t.text, pos: t.pos };
    }
    if (t.kind === 'number') {
      this.next();
      return { kind: 'lit', value: numberLiteral(t.text, false), pos: t.pos };
    }
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      const num = this.peek(1);
      if (num.kind !== 'number') this.fail(num, `a number after "${t.text}"`);
      this.i += 2;
      return { kind: 'lit', value: numberLiteral(num.text, t.text === '-'), pos: t.pos };
    }
    if (t.kind === 'ident') {
      const lower = t.text.toLowerCase();
      const after = this.peek(1);
      if (lower === 'x' && after.kind === 'string' && after.pos === t.end) {
        this.i += 2;
        if (after.text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(after.text)) {
          throw syntaxError(this.input, after.pos, `X'...' needs an even number of hex digits`);
        }
        const bytes = new Uint8Array(after.text.length / 2);
        for (let j = 0; j < bytes.length; j++) bytes[j] = parseInt(after.text.slice(2 * j, 2 * j + 2), 16);
        return { kind: 'lit', value: bytes, pos: t.pos };
      }
      if (after.kind === 'string' && lower in TYPED) {
        this.i += 2;
        return { kind: 'lit', value: { kind: TYPED[lower]!, text: after.text }, pos: t.pos };
      }
      if (lower === 'timestamp' && this.isKeyword(after, 'with') && this.isKeyword(this.peek(2), 'time') && this.isKeyword(this.peek(3), 'zone')) {
        const s = this.peek(4);
        if (s.kind !== 'string') this.fail(s, 'a quoted timestamp after TIMESTAMP WITH TIME ZONE');
        this.i += 5;
        return { kind: 'lit', value: { kind: 'timestamptz', text: s.text }, pos: t.pos };
      }
      if (lower === 'true' || lower === 'false') {
        this.next();
        return { kind: 'lit', value: lower === 'true', pos: t.pos };
      }
      if (lower === 'null') {
        this.next();
        return { kind: 'lit', value: null, pos: t.pos };
      }
      if (RESERVED.has(lower)) this.fail(t, expected);
      if (after.kind === 'op' && after.text === '(') {
        throw unsupported(this.input, t.pos, `functions such as ${t.text}(...) are not supported in filters`);
      }
      this.next();
      return { kind: 'col', name: this.dotted(t.text), pos: t.pos };
    }
    return this.fail(t, expected);
  }

  /** Continues a column name over `.part` segments (struct fields). */
  private dotted(first: string): string {
    let name = first;
    while (this.peek().kind === 'op' && this.peek().text === '.') {
      const part = this.peek(1);
      if (part.kind !== 'ident' && part.kind !== 'qident') this.fail(part, 'a field name after "."');
      this.i += 2;
      name += `.${part.text}`;
    }
    return name;
  }
}

function numberLiteral(text: string, negative: boolean): LiteralValue {
  const signed = negative ? `-${text}` : text;
  if (/^\d+$/.test(text)) return BigInt(signed);
  return { kind: 'decimal', text: signed };
}

// ---- SQL three-valued logic -> NOT-free predicates ----

/**
 * The predicate selecting rows where `n` is TRUE (`want`) or FALSE (`!want`); rows where it is
 * NULL are in neither.
 */
function translate(n: Node, want: boolean): UnboundExpression {
  switch (n.k) {
    case 'const':
      return n.v === null || n.v !== want ? alwaysFalse() : alwaysTrue();
    case 'and':
      return want ? and(translate(n.l, true), translate(n.r, true)) : or(translate(n.l, false), translate(n.r, false));
    case 'or':
      return want ? or(translate(n.l, true), translate(n.r, true)) : and(translate(n.l, false), translate(n.r, false));
    case 'not':
      return translate(n.e, !want);
    case 'isNull':
      return want ? isNull(n.col) : notNull(n.col);
    case 'isNaN':
      return want ? isNan(n.col) : notNan(n.col);
    case 'bool':
      // a boolean is FALSE exactly when it is false
      return equal(n.col, want);
    case 'startsWith':
      return want ? startsWith(n.col, n.prefix) : notStartsWith(n.col, n.prefix);
    case 'in': {
      const values = n.lits.filter((v): v is LiteralValue => v !== null);
      const hasNull = values.length !== n.lits.length;
      if (want) return values.length === 0 ? alwaysFalse() : isIn(n.col, values);
      // x NOT IN (..., NULL) is never TRUE
      if (hasNull) return alwaysFalse();
      return notIn(n.col, values);
    }
    case 'cmp': {
      if (n.lit === null) return alwaysFalse();
      const op = want ? n.op : NEGATE[n.op];
      const v = n.lit;
      switch (op) {
        case '=':
          return equal(n.col, v);
        case '!=':
          return notEqual(n.col, v);
        case '<':
          return lessThan(n.col, v);
        case '<=':
          return lessThanOrEqual(n.col, v);
        case '>':
          return greaterThan(n.col, v);
        case '>=':
          return greaterThanOrEqual(n.col, v);
      }
    }
  }
}

const NEGATE: Record<CmpOp, CmpOp> = { '=': '!=', '!=': '=', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

/**
 * Parses a SQL-style filter into an unbound expression (bind it with `bind`). Throws LakeError
 * INVALID_INPUT for syntax errors (with the 1-based position) and UNSUPPORTED_FEATURE for SQL
 * that lake does not evaluate (column-to-column comparisons, functions, general LIKE patterns).
 */
export function parsePredicate(text: string): UnboundExpression {
  const tree = new Parser(text, tokenize(text)).parse();
  return translate(tree, true);
}
