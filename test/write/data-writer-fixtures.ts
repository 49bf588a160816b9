/**
 * Helpers for the writer tests: temp directories, Arrow columns built from lake values, DuckDB
 * queries over written files, and listing what a write left in storage.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll } from 'vitest';
import { parseSchema, type Schema } from '../../src/spec/schema.js';
import { decimalToFixedBytes, uuidToBytes } from '../../src/spec/single-value.js';
import type { PrimitiveType } from '../../src/spec/types.js';
import type { Storage } from '../../src/storage/storage.js';
import { duckdbConnect } from '../../src/util/duckdb.js';

export async function tempDir(prefix = 'lake-writer-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/**
 * A temp directory for one test file, created before its tests and removed after them; `loc()`
 * gives a fresh table location inside it for each write.
 */
export function testDirectory(prefix?: string): { dir: () => string; loc: () => string } {
  let root: { dir: string; cleanup: () => Promise<void> } | undefined;
  let n = 0;
  beforeAll(async () => {
    root = await tempDir(prefix);
  });
  afterAll(async () => root?.cleanup());
  const dir = () => root!.dir;
  return { dir, loc: () => `${dir()}/t${n++}` };
}

export function schemaOf(fields: unknown[], schemaId = 0): Schema {
  return parseSchema({ type: 'struct', 'schema-id': schemaId, fields });
}

/** Runs SQL on the shared DuckDB instance and returns rows as JS values (bigint for BIGINT). */
export async function query(sql: string): Promise<Record<string, unknown>[]> {
  const c = await duckdbConnect();
  try {
    await c.run("SET TimeZone = 'UTC'");
    const r = await c.runAndReadAll(sql);
    return r.getRowObjects() as Record<string, unknown>[];
  } finally {
    c.closeSync();
  }
}

export async function listObjects(storage: Storage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(prefix)) out.push(o.location);
  return out.sort();
}

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const bits = new Uint8Array(Math.ceil(values.length / 8) + 8);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nulls++;
    else bits[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap: bits, nullCount: nulls };
}

/** An Arrow column of `type`'s Arrow representation from values in lake's representation (null allowed). */
export function arrowColumn(type: PrimitiveType, values: readonly unknown[]): arrow.Data {
  const n = values.length;
  const v = validity(values);
  const fixed = <T extends arrow.DataType>(t: T, data: ArrayBufferView) => arrow.makeData({ type: t, length: n, data, ...v } as never) as arrow.Data;
  const big = (f: (x: unknown) => bigint) => BigInt64Array.from(values, (x) => (x === null || x === undefined ? 0n : f(x)));
  switch (type.kind) {
    case 'boolean': {
      const bits = new Uint8Array(Math.ceil(n / 8) + 8);
      values.forEach((x, i) => {
        if (x === true) bits[i >> 3]! |= 1 << (i & 7);
      });
      return fixed(new arrow.Bool(), bits);
    }
    case 'int':
      return fixed(new arrow.Int32(), Int32Array.from(values, (x) => (x ?? 0) as number));
    case 'long':
      return fixed(new arrow.Int64(), big((x) => x as bigint));
    case 'float':
      return fixed(new arrow.Float32(), Float32Array.from(values, (x) => (x ?? 0) as number));
    case 'double':
      return fixed(new arrow.Float64(), Float64Array.from(values, (x) => (x ?? 0) as number));
    case 'decimal': {
      const words = new Uint8Array(n * 16);
      values.forEach((x, i) => {
        if (x === null || x === undefined) return;
        const be = decimalToFixedBytes(x as bigint, 16);
        for (let k = 0; k < 16; k++) words[i * 16 + k] = be[15 - k]!;
      });
      return fixed(new arrow.Decimal(type.scale, type.precision, 128), new Uint32Array(words.buffer));
    }
    case 'date':
      return fixed(new arrow.DateDay(), Int32Array.from(values, (x) => (x ?? 0) as number));
    case 'time':
      return fixed(new arrow.TimeMicrosecond(), big((x) => x as bigint));
    case 'timestamp':
      return fixed(new arrow.TimestampMicrosecond(), big((x) => x as bigint));
    case 'timestamptz':
      return fixed(new arrow.TimestampMicrosecond('UTC'), big((x) => x as bigint));
    case 'timestamp_ns':
      return fixed(new arrow.TimestampNanosecond(), big((x) => x as bigint));
    case 'timestamptz_ns':
      return fixed(new arrow.TimestampNanosecond('UTC'), big((x) => x as bigint));
    case 'string':
    case 'binary': {
      const enc = new TextEncoder();
      const parts = values.map((x) => (x === null || x === undefined ? new Uint8Array(0) : typeof x === 'string' ? enc.encode(x) : (x as Uint8Array)));
      const offsets = new Int32Array(n + 1);
      parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
      const bytes = new Uint8Array(offsets[n]!);
      parts.forEach((p, i) => bytes.set(p, offsets[i]!));
      const t = type.kind === 'string' ? new arrow.Utf8() : new arrow.Binary();
      return arrow.makeData({ type: t as arrow.Utf8, length: n, valueOffsets: offsets, data: bytes, ...v }) as arrow.Data;
    }
    case 'uuid':
    case 'fixed': {
      const width = type.kind === 'uuid' ? 16 : type.length;
      const bytes = new Uint8Array(n * width);
      values.forEach((x, i) => {
        if (x === null || x === undefined) return;
        bytes.set(type.kind === 'uuid' ? uuidToBytes(x as string) : (x as Uint8Array), i * width);
      });
      return fixed(new arrow.FixedSizeBinary(width), bytes);
    }
    default:
      throw new Error(`no Arrow column for ${type.kind}`);
  }
}

/** An Arrow table from named columns. */
export function arrowTable(columns: Record<string, arrow.Data>, nullable: Record<string, boolean> = {}): arrow.Table {
  const fields = Object.entries(columns).map(([name, d]) => new arrow.Field(name, d.type, nullable[name] ?? true));
  const length = Object.values(columns)[0]?.length ?? 0;
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length, children: Object.values(columns) as arrow.Data[] });
  return new arrow.Table([new arrow.RecordBatch(new arrow.Schema(fields), struct)]);
}

/** A deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
