/**
 * Arrow data kernels of the Arrow read path: converting a column as a Parquet file stores it into
 * the type the scan reads (promotions, time units, struct field matching by id, defaults), building
 * constant columns (partition values, initial defaults, nulls), and keeping a subset of rows (row
 * filters and deletes). apache-arrow's JS library has no compute kernels, so these are written
 * directly against its buffers.
 *
 * Arrow JS buffer conventions relied on: for fixed-width data `values` is already sliced to the
 * data's offset; `valueOffsets` likewise; a Bool's `values` and every `nullBitmap` are not, and are
 * indexed by `offset + i`; struct children are sliced with their parent, list children are not.
 * Every array built here has offset 0.
 */
import * as arrow from 'apache-arrow';
import { LakeError } from '../errors.js';
import { utf8Bytes, uuidToBytes } from '../spec/single-value.js';
import type { IcebergType, PrimitiveType } from '../spec/types.js';
import { arrowType, isValid, setDecimal128 } from './arrow-reader-types.js';
import type { Projection } from './field-projection.js';

// -------------------------------------------------------------------------------------------------
// Validity bitmaps
// -------------------------------------------------------------------------------------------------

/** A fresh offset-0 validity bitmap of `data` (undefined when it has no nulls). */
function copyValidity(data: arrow.Data): { bitmap: Uint8Array | undefined; nullCount: number } {
  const n = data.length;
  if (data.typeId === arrow.Type.Null) return { bitmap: new Uint8Array((n + 7) >> 3), nullCount: n };
  if (data.nullCount === 0 || data.nullBitmap === undefined || data.nullBitmap.length === 0) return { bitmap: undefined, nullCount: 0 };
  const out = new Uint8Array((n + 7) >> 3);
  const src = data.nullBitmap;
  const off = data.offset;
  if ((off & 7) === 0) {
    out.set(src.subarray(off >> 3, (off >> 3) + out.length));
    const extra = n & 7;
    if (extra !== 0) out[out.length - 1]! &= (1 << extra) - 1;
  } else {
    for (let i = 0; i < n; i++) {
      const p = off + i;
      if (src[p >> 3]! & (1 << (p & 7))) out[i >> 3]! |= 1 << (i & 7);
    }
  }
  return { bitmap: out, nullCount: data.nullCount };
}

// -------------------------------------------------------------------------------------------------
// Normalising what parquet-wasm returns
// -------------------------------------------------------------------------------------------------

/**
 * Turns dictionary, large (64-bit offset) and view layouts into the plain ones the converters
 * expect. Files written by pyarrow carry an Arrow schema hint that makes the reader return these.
 */
function normalize(data: arrow.Data): arrow.Data {
  const type = data.type;
  if (arrow.DataType.isDictionary(type)) {
    const dict = normalize(data.dictionary!.data[0]! as arrow.Data);
    const indices = data.values as ArrayLike<number | bigint>;
    const idx = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) idx[i] = isValid(data, i) ? Number(indices[i]!) : 0;
    const taken = take(dict, idx);
    const { bitmap, nullCount } = copyValidity(data);
    return rebuildValidity(taken, bitmap, nullCount);
  }
  switch (type.typeId) {
    case arrow.Type.LargeUtf8:
    case arrow.Type.LargeBinary: {
      const offsets = data.valueOffsets as unknown as BigInt64Array;
      const out = new Int32Array(data.length + 1);
      const base = offsets[0]!;
      for (let i = 0; i <= data.length; i++) out[i] = Number(offsets[i]! - base);
      const bytes = (data.values as Uint8Array).subarray(Number(base), Number(offsets[data.length]!));
      const { bitmap, nullCount } = copyValidity(data);
      const t = type.typeId === arrow.Type.LargeUtf8 ? new arrow.Utf8() : new arrow.Binary();
      return arrow.makeData({ type: t as arrow.Utf8, length: data.length, nullCount, nullBitmap: bitmap, valueOffsets: out, data: bytes });
    }
    case arrow.Type.Utf8View:
    case arrow.Type.BinaryView: {
      const isText = type.typeId === arrow.Type.Utf8View;
      const vec = arrow.makeVector(data);
      const values: (Uint8Array | null)[] = [];
      for (let i = 0; i < data.length; i++) {
        const v = vec.get(i) as string | Uint8Array | null;
        values.push(v === null ? null : typeof v === 'string' ? utf8Bytes(v) : v);
      }
      return binaryFromValues(isText ? new arrow.Utf8() : new arrow.Binary(), values);
    }
    case arrow.Type.LargeList: {
      const offsets = data.valueOffsets as unknown as BigInt64Array;
      const out = new Int32Array(data.length + 1);
      for (let i = 0; i <= data.length; i++) out[i] = Number(offsets[i]!);
      const { bitmap, nullCount } = copyValidity(data);
      const child = normalize(data.children[0]!);
      const field = (type as unknown as arrow.List).children[0]!;
      return arrow.makeData({
        type: new arrow.List(new arrow.Field(field.name, child.type, field.nullable)),
        length: data.length,
        nullCount,
        nullBitmap: bitmap,
        valueOffsets: out,
        child,
      });
    }
    default:
      return data;
  }
}

function rebuildValidity(data: arrow.Data, bitmap: Uint8Array | undefined, nullCount: number): arrow.Data {
  return data.clone(data.type, data.offset, data.length, nullCount, [data.valueOffsets, data.values, bitmap, data.typeIds] as never);
}

// -------------------------------------------------------------------------------------------------
// Conversion from the stored column to the read type
// -------------------------------------------------------------------------------------------------

/**
 * Converts the Arrow data a Parquet file produced for a projection into data of the projection's
 * read type. `data` is undefined for constant projections; `length` is the row count.
 */
export function convertColumn(p: Projection, data: arrow.Data | undefined, length: number): arrow.Data {
  if (p.kind === 'constant') return constantData(p.type, p.value, length);
  if (data === undefined) throw new LakeError('INTERNAL', `no data read for column ${p.field.name}`);
  const d = normalize(data);
  switch (p.kind) {
    case 'column':
      return convertPrimitive(d, p.type, p.stored.unit, p.field.name);
    case 'struct': {
      if (d.typeId !== arrow.Type.Struct) throw typeMismatch(p.field.name, d, 'a struct');
      const fileChildren = p.node.children;
      const children = p.children.map((c) => {
        if (c.kind === 'constant') return constantData(c.type, c.value, d.length);
        const idx = fileChildren.indexOf(c.node);
        const child = d.children[idx];
        if (child === undefined) throw typeMismatch(p.field.name, d, `a struct with child ${c.node.name}`);
        return convertColumn(c, child, d.length);
      });
      const { bitmap, nullCount } = copyValidity(d);
      return arrow.makeData({ type: arrowType(p.type) as arrow.Struct, length: d.length, nullCount, nullBitmap: bitmap, children });
    }
    case 'list': {
      if (d.typeId !== arrow.Type.List) throw typeMismatch(p.field.name, d, 'a list');
      const childData = d.children[0]!;
      const child = convertColumn(p.element, childData, childData.length);
      const { bitmap, nullCount } = copyValidity(d);
      return arrow.makeData({
        type: arrowType(p.type) as arrow.List,
        length: d.length,
        nullCount,
        nullBitmap: bitmap,
        valueOffsets: rebaseOffsets(d.valueOffsets as Int32Array, d.length),
        child: child.slice(0, child.length),
      });
    }
    case 'map': {
      if (d.typeId !== arrow.Type.Map) throw typeMismatch(p.field.name, d, 'a map');
      const entries = d.children[0]!;
      const key = convertColumn(p.key, entries.children[0], entries.length);
      const value = p.value.kind === 'constant' || entries.children[1] !== undefined
        ? convertColumn(p.value, entries.children[1], entries.length)
        : constantData(p.value.type, null, entries.length);
      const type = arrowType(p.type) as arrow.Map_;
      const entriesType = type.children[0]!.type as arrow.Struct;
      const entriesData = arrow.makeData({ type: entriesType, length: entries.length, nullCount: 0, children: [key, value] });
      const { bitmap, nullCount } = copyValidity(d);
      return arrow.makeData({
        type,
        length: d.length,
        nullCount,
        nullBitmap: bitmap,
        valueOffsets: rebaseOffsets(d.valueOffsets as Int32Array, d.length),
        child: entriesData,
      });
    }
  }
}

/** Offsets of sliced list data, unchanged (child data keeps its positions). */
function rebaseOffsets(offsets: Int32Array, length: number): Int32Array {
  return offsets.subarray(0, length + 1);
}

function typeMismatch(name: string, d: arrow.Data, want: string): LakeError {
  return new LakeError('INVALID_METADATA', `column ${name} was read as Arrow ${String(d.type)}, expected ${want}`);
}

const US_PER_DAY = 86_400_000_000n;

function convertPrimitive(d: arrow.Data, t: PrimitiveType, unit: string | undefined, name: string): arrow.Data {
  const target = arrowType(t);
  const n = d.length;
  const { bitmap, nullCount } = copyValidity(d);
  const make = (values: ArrayBufferView): arrow.Data =>
    arrow.makeData({ type: target as never, length: n, nullCount, nullBitmap: bitmap, data: values as never });
  const retag = (): arrow.Data => make(d.values as ArrayBufferView);
  const src = d.type;
  const id = src.typeId;
  if (t.kind === 'unknown') return arrow.makeData({ type: new arrow.Null(), length: n, nullCount: n });
  if (id === arrow.Type.Null) return constantData(t, null, n);
  switch (t.kind) {
    case 'boolean':
      if (id !== arrow.Type.Bool) break;
      if (d.offset === 0) return retag();
      return boolFrom(d, bitmap, nullCount);
    case 'int':
      if (id === arrow.Type.Int && (src as arrow.Int).bitWidth === 32) return retag();
      if (id === arrow.Type.Int && (src as arrow.Int).bitWidth < 32) return make(Int32Array.from(d.values as Int8Array | Int16Array));
      break;
    case 'long':
      if (id === arrow.Type.Int && (src as arrow.Int).bitWidth === 64) return retag();
      if (id === arrow.Type.Int) return make(BigInt64Array.from(d.values as Int32Array, (v) => BigInt(v)));
      break;
    case 'float':
      if (id === arrow.Type.Float && (src as arrow.Float).precision === arrow.Precision.SINGLE) return retag();
      break;
    case 'double':
      if (id === arrow.Type.Float && (src as arrow.Float).precision === arrow.Precision.DOUBLE) return retag();
      if (id === arrow.Type.Float) return make(Float64Array.from(d.values as Float32Array));
      break;
    case 'decimal':
      if (id === arrow.Type.Decimal && (src as arrow.Decimal).bitWidth === 128) return retag();
      if (id === arrow.Type.Decimal) return make(narrowDecimal(d.values as Uint32Array, n, (src as arrow.Decimal).bitWidth));
      if (id === arrow.Type.Int) return make(decimalFromInts(d.values as Int32Array | BigInt64Array, n));
      break;
    case 'date':
      if (id === arrow.Type.Date && (src as arrow.Date_).unit === arrow.DateUnit.DAY) return retag();
      if (id === arrow.Type.Date) return make(Int32Array.from(d.values as BigInt64Array, (v) => Number(v / 86_400_000n)));
      break;
    case 'time':
      if (id === arrow.Type.Time) return make(scaleTicks(d.values as Int32Array | BigInt64Array, timeUnitScale((src as arrow.Time).unit), 1_000_000n));
      break;
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const perSecond = t.kind.endsWith('_ns') ? 1_000_000_000n : 1_000_000n;
      if (id === arrow.Type.Timestamp) {
        return make(scaleTicks(d.values as BigInt64Array, timeUnitScale((src as arrow.Timestamp).unit), perSecond));
      }
      if (id === arrow.Type.Date && (src as arrow.Date_).unit === arrow.DateUnit.DAY) {
        const perDay = perSecond === 1_000_000n ? US_PER_DAY : US_PER_DAY * 1000n;
        return make(BigInt64Array.from(d.values as Int32Array, (v) => BigInt(v) * perDay));
      }
      break;
    }
    case 'string':
    case 'binary':
    case 'geometry':
    case 'geography':
      if (id === arrow.Type.Utf8 || id === arrow.Type.Binary) {
        return arrow.makeData({
          type: target as arrow.Utf8,
          length: n,
          nullCount,
          nullBitmap: bitmap,
          valueOffsets: d.valueOffsets as Int32Array,
          data: d.values as Uint8Array,
        });
      }
      if (id === arrow.Type.FixedSizeBinary && t.kind !== 'string') {
        const w = (src as arrow.FixedSizeBinary).byteWidth;
        const offsets = new Int32Array(n + 1);
        for (let i = 0; i <= n; i++) offsets[i] = i * w;
        return arrow.makeData({ type: target as arrow.Binary, length: n, nullCount, nullBitmap: bitmap, valueOffsets: offsets, data: (d.values as Uint8Array).subarray(0, n * w) });
      }
      break;
    case 'uuid':
    case 'fixed':
      if (id === arrow.Type.FixedSizeBinary) return retag();
      break;
    default:
      break;
  }
  throw new LakeError('INVALID_METADATA', `column ${name} was read as Arrow ${String(src)}${unit ? ` (${unit})` : ''} and cannot be converted to ${t.kind}`);
}

function boolFrom(d: arrow.Data, bitmap: Uint8Array | undefined, nullCount: number): arrow.Data {
  const n = d.length;
  const out = new Uint8Array((n + 7) >> 3);
  const src = d.values as Uint8Array;
  for (let i = 0; i < n; i++) {
    const p = d.offset + i;
    if (src[p >> 3]! & (1 << (p & 7))) out[i >> 3]! |= 1 << (i & 7);
  }
  return arrow.makeData({ type: new arrow.Bool(), length: n, nullCount, nullBitmap: bitmap, data: out });
}

function timeUnitScale(unit: arrow.TimeUnit): bigint {
  switch (unit) {
    case arrow.TimeUnit.SECOND:
      return 1n;
    case arrow.TimeUnit.MILLISECOND:
      return 1000n;
    case arrow.TimeUnit.MICROSECOND:
      return 1_000_000n;
    default:
      return 1_000_000_000n;
  }
}

/** Converts ticks of `from` per second into ticks of `to` per second (flooring when coarsening). */
function scaleTicks(values: Int32Array | BigInt64Array, from: bigint, to: bigint): BigInt64Array {
  if (values instanceof BigInt64Array && from === to) return values;
  const out = new BigInt64Array(values.length);
  if (to >= from) {
    const k = to / from;
    for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]!) * k;
  } else {
    const k = from / to;
    for (let i = 0; i < values.length; i++) {
      const v = BigInt(values[i]!);
      const q = v / k;
      out[i] = v % k < 0n ? q - 1n : q;
    }
  }
  return out;
}

function narrowDecimal(words: Uint32Array, n: number, bitWidth: number): Uint32Array {
  const per = bitWidth / 32;
  const out = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) {
    let v = 0n;
    for (let w = per - 1; w >= 0; w--) v = (v << 32n) | BigInt(words[i * per + w]!);
    setDecimal128(out, i, BigInt.asIntN(bitWidth, v));
  }
  return out;
}

function decimalFromInts(values: Int32Array | BigInt64Array, n: number): Uint32Array {
  const out = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) setDecimal128(out, i, BigInt(values[i]!));
  return out;
}

// -------------------------------------------------------------------------------------------------
// Constant columns
// -------------------------------------------------------------------------------------------------

/** A column of `length` rows holding `value` (lake's representation; null for all-null). */
export function constantData(t: IcebergType, value: unknown, length: number): arrow.Data {
  return fromValues(t, value === null || value === undefined ? nullArray(length) : new Array<unknown>(length).fill(value));
}

const nullArrays = new Map<number, null[]>();
function nullArray(n: number): null[] {
  let a = nullArrays.get(n);
  if (a === undefined) {
    a = new Array<null>(n).fill(null);
    if (nullArrays.size < 64) nullArrays.set(n, a);
  }
  return a;
}

/** Arrow data of type `arrowType(t)` from values in lake's representation (null allowed). */
export function fromValues(t: IcebergType, values: readonly unknown[]): arrow.Data {
  const n = values.length;
  const type = arrowType(t);
  let nullCount = 0;
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    if (values[i] === null || values[i] === undefined) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  const nb = nullCount === 0 ? undefined : bitmap;
  const fixed = (data: ArrayBufferView): arrow.Data => arrow.makeData({ type: type as never, length: n, nullCount, nullBitmap: nb, data: data as never });
  switch (t.kind) {
    case 'unknown':
      return arrow.makeData({ type: new arrow.Null(), length: n, nullCount: n });
    case 'boolean': {
      const out = new Uint8Array((n + 7) >> 3);
      values.forEach((v, i) => {
        if (v === true) out[i >> 3]! |= 1 << (i & 7);
      });
      return fixed(out);
    }
    case 'int':
    case 'date':
      return fixed(Int32Array.from(values, (v) => (v === null || v === undefined ? 0 : Number(v))));
    case 'float':
      return fixed(Float32Array.from(values, (v) => (v === null || v === undefined ? 0 : Number(v))));
    case 'double':
      return fixed(Float64Array.from(values, (v) => (v === null || v === undefined ? 0 : Number(v))));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return fixed(BigInt64Array.from(values, (v) => (v === null || v === undefined ? 0n : BigInt(v as bigint | number))));
    case 'decimal': {
      const out = new Uint32Array(n * 4);
      values.forEach((v, i) => {
        if (v !== null && v !== undefined) setDecimal128(out, i, BigInt(v as bigint));
      });
      return fixed(out);
    }
    case 'uuid':
    case 'fixed': {
      const w = t.kind === 'uuid' ? 16 : t.length;
      const out = new Uint8Array(n * w);
      values.forEach((v, i) => {
        if (v === null || v === undefined) return;
        const b = t.kind === 'uuid' ? uuidToBytes(v as string) : (v as Uint8Array);
        out.set(b.subarray(0, w), i * w);
      });
      return fixed(out);
    }
    case 'string':
    case 'binary':
    case 'geometry':
    case 'geography':
      return binaryFromValues(type as arrow.Utf8 | arrow.Binary, values.map((v) => (v === null || v === undefined ? null : typeof v === 'string' ? utf8Bytes(v) : (v as Uint8Array))));
    case 'variant':
      if (nullCount === n) return arrow.makeData({ type: new arrow.Null(), length: n, nullCount: n });
      throw new LakeError('UNSUPPORTED_FEATURE', 'variant values are not supported in Arrow');
    case 'struct': {
      const children = t.fields.map((f) =>
        fromValues(
          f.type,
          values.map((v) => (v === null || v === undefined ? null : structField(v, f.id))),
        ),
      );
      return arrow.makeData({ type: type as arrow.Struct, length: n, nullCount, nullBitmap: nb, children });
    }
    case 'list': {
      const offsets = new Int32Array(n + 1);
      const flat: unknown[] = [];
      values.forEach((v, i) => {
        if (Array.isArray(v)) flat.push(...(v as unknown[]));
        offsets[i + 1] = flat.length;
      });
      const child = fromValues(t.element, flat);
      return arrow.makeData({ type: type as arrow.List, length: n, nullCount, nullBitmap: nb, valueOffsets: offsets, child });
    }
    case 'map': {
      const offsets = new Int32Array(n + 1);
      const keys: unknown[] = [];
      const vals: unknown[] = [];
      values.forEach((v, i) => {
        if (v instanceof Map) {
          for (const [k, x] of v) {
            keys.push(k);
            vals.push(x);
          }
        }
        offsets[i + 1] = keys.length;
      });
      const mapType = type as arrow.Map_;
      const entries = arrow.makeData({
        type: mapType.children[0]!.type as arrow.Struct,
        length: keys.length,
        nullCount: 0,
        children: [fromValues(t.key, keys), fromValues(t.value, vals)],
      });
      return arrow.makeData({ type: mapType, length: n, nullCount, nullBitmap: nb, valueOffsets: offsets, child: entries });
    }
  }
}

function structField(v: unknown, id: number): unknown {
  if (v instanceof Map) return v.get(id) ?? null;
  return (v as Record<string, unknown>)[String(id)] ?? null;
}

function binaryFromValues(type: arrow.Utf8 | arrow.Binary, values: readonly (Uint8Array | null)[]): arrow.Data {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let nullCount = 0;
  const bitmap = new Uint8Array((n + 7) >> 3);
  values.forEach((v, i) => {
    if (v === null) nullCount++;
    else {
      bitmap[i >> 3]! |= 1 << (i & 7);
      total += v.length;
    }
    offsets[i + 1] = total;
  });
  const bytes = new Uint8Array(total);
  values.forEach((v, i) => {
    if (v !== null) bytes.set(v, offsets[i]!);
  });
  return arrow.makeData({ type: type as arrow.Utf8, length: n, nullCount, nullBitmap: nullCount === 0 ? undefined : bitmap, valueOffsets: offsets, data: bytes });
}

// -------------------------------------------------------------------------------------------------
// Keeping rows
// -------------------------------------------------------------------------------------------------

/** The rows of `data` at `indices` (in that order), as new offset-0 data. */
export function take(data: arrow.Data, indices: Int32Array): arrow.Data {
  const n = indices.length;
  const type = data.type;
  let nullCount = 0;
  let bitmap: Uint8Array | undefined;
  if (data.typeId === arrow.Type.Null) return arrow.makeData({ type: type as arrow.Null, length: n, nullCount: n });
  if (data.nullCount !== 0) {
    bitmap = new Uint8Array((n + 7) >> 3);
    for (let j = 0; j < n; j++) {
      if (isValid(data, indices[j]!)) bitmap[j >> 3]! |= 1 << (j & 7);
      else nullCount++;
    }
    if (nullCount === 0) bitmap = undefined;
  }
  switch (data.typeId) {
    case arrow.Type.Bool: {
      const src = data.values as Uint8Array;
      const out = new Uint8Array((n + 7) >> 3);
      for (let j = 0; j < n; j++) {
        const p = data.offset + indices[j]!;
        if (src[p >> 3]! & (1 << (p & 7))) out[j >> 3]! |= 1 << (j & 7);
      }
      return arrow.makeData({ type: type as arrow.Bool, length: n, nullCount, nullBitmap: bitmap, data: out });
    }
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Date:
    case arrow.Type.Time:
    case arrow.Type.Timestamp:
    case arrow.Type.Decimal:
    case arrow.Type.FixedSizeBinary: {
      const src = data.values as Int32Array;
      const stride = data.stride;
      const Ctor = src.constructor as new (n: number) => Int32Array;
      const out = new Ctor(n * stride);
      if (stride === 1) for (let j = 0; j < n; j++) out[j] = src[indices[j]!]!;
      else for (let j = 0; j < n; j++) out.set(src.subarray(indices[j]! * stride, indices[j]! * stride + stride), j * stride);
      return arrow.makeData({ type: type as never, length: n, nullCount, nullBitmap: bitmap, data: out as never });
    }
    case arrow.Type.Utf8:
    case arrow.Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const src = data.values as Uint8Array;
      const { outOffsets, total } = takeOffsets(offsets, indices);
      const bytes = new Uint8Array(total);
      for (let j = 0; j < n; j++) {
        const i = indices[j]!;
        bytes.set(src.subarray(offsets[i]!, offsets[i + 1]!), outOffsets[j]!);
      }
      return arrow.makeData({ type: type as arrow.Utf8, length: n, nullCount, nullBitmap: bitmap, valueOffsets: outOffsets, data: bytes });
    }
    case arrow.Type.Struct: {
      const children = data.children.map((c) => take(c, indices));
      return arrow.makeData({ type: type as arrow.Struct, length: n, nullCount, nullBitmap: bitmap, children });
    }
    case arrow.Type.List:
    case arrow.Type.Map: {
      const offsets = data.valueOffsets as Int32Array;
      const { outOffsets, total } = takeOffsets(offsets, indices);
      const childIdx = new Int32Array(total);
      let k = 0;
      for (let j = 0; j < n; j++) {
        const i = indices[j]!;
        for (let c = offsets[i]!; c < offsets[i + 1]!; c++) childIdx[k++] = c;
      }
      const child = take(data.children[0]!, childIdx);
      return arrow.makeData({ type: type as arrow.List, length: n, nullCount, nullBitmap: bitmap, valueOffsets: outOffsets, child });
    }
    default:
      throw new LakeError('INTERNAL', `cannot select rows of Arrow type ${String(type)}`);
  }
}

/** The offsets of the selected variable-length values (`indices` into `offsets`), and their total length. */
function takeOffsets(offsets: Int32Array, indices: Int32Array): { outOffsets: Int32Array; total: number } {
  const n = indices.length;
  const outOffsets = new Int32Array(n + 1);
  let total = 0;
  for (let j = 0; j < n; j++) {
    const i = indices[j]!;
    total += offsets[i + 1]! - offsets[i]!;
    outOffsets[j + 1] = total;
  }
  return { outOffsets, total };
}
