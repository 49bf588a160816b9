/**
 * Compiles a writer's Avro schema, once per distinct schema, into lake's decoder (avro-decoder.ts)
 * and an avsc type with the same binary layout (used to encode).
 *
 * Writers differ in ways that do not change the binary layout: field names (some sanitize,
 * BigQuery orders fields alphabetically and omits ids on map key/value records), record names
 * (DuckDB writes anonymous records), named-type reuse, defaults, logical types. Decoding only
 * depends on the layout, so the writer schema is normalized first:
 * - every field the manifest model knows is renamed to its canonical name, matched by `field-id`
 *   and, when a writer wrote no id, by its canonical name; unknown fields get inert names;
 * - partition struct fields become `p0`, `p1`, ... and are described in `partitionSlots` (field
 *   id, name, Avro type) so the reader can map them to partition spec fields;
 * - named types are inlined under fresh names, defaults and logical types dropped;
 * - `long`s decode to JS numbers where the model stores counts and sizes (values beyond 2^53 are
 *   refused), and to bigint everywhere else (ids, sequence numbers, partition values); avsc gets a
 *   custom long type for the latter.
 * The result is cached by schema text, so reading 1,000 manifests of one table compiles once.
 */
import avro from 'avsc';
import type { Type } from 'avsc';
import { LakeError } from '../errors.js';
import { type Read, compileReader } from './avro-decoder.js';

/** How Avro `long`s decode: `number` (counts, sizes; values beyond 2^53 are refused) or `bigint`. */
export type LongMode = 'number' | 'bigint';

export interface FieldSpec {
  /** Canonical property name in decoded records. */
  name: string;
  /** Iceberg field id. */
  id: number;
  /** Mode for longs in this field's type (default bigint). */
  long?: LongMode;
  /** Catalogue of the record nested in this field (directly, in a union, or as array items). */
  record?: RecordSpec;
  /** The partition struct: its fields are renamed `p<i>` and described in `partitionSlots`. */
  partition?: boolean;
}

export interface RecordSpec {
  fields: readonly FieldSpec[];
  /** Position fallback for records whose fields carry neither ids nor known names (map key/value). */
  byPosition?: boolean;
}

/** What a writer declared for one Avro value (the non-null branch of an optional). */
export interface AvroTypeInfo {
  type: string;
  logicalType?: string;
  precision?: number;
  scale?: number;
  size?: number;
  adjustToUtc?: boolean;
}

export interface PartitionSlot {
  /** Property name in the decoded partition record. */
  prop: string;
  fieldId?: number;
  /** Avro field name as written. */
  name: string;
  /** Original Iceberg name when the writer had to sanitize it (`iceberg-field-name`). */
  icebergName?: string;
  avro: AvroTypeInfo;
}

export interface CompiledSchema {
  /** avsc type with the writer's binary layout (used to encode; compiled on first use). */
  readonly type: Type;
  /** Fast decoder of one record (see avro-decoder.ts). */
  read: Read;
  /** The normalized schema both are built from (`long`s that decode to bigint are named `BIGINT_LONG_NAME`). */
  normalized: unknown;
  /** Partition struct fields in Avro order (manifests only). */
  partitionSlots: PartitionSlot[];
  /** Canonical field names present in the writer schema, per record path (`''`, `data_file`). */
  present: Set<string>;
}

const BIGINT_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (v: bigint | number) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)));
    return b;
  },
  fromJSON: (v: unknown) => BigInt(v as string | number),
  toJSON: (v: bigint) => Number(v),
  isValid: (v: unknown) =>
    (typeof v === 'bigint' && v >= -(1n << 63n) && v < 1n << 64n) || (typeof v === 'number' && Number.isSafeInteger(v)),
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});
export const BIGINT_LONG_NAME = 'lake_bigint_long';
const BIGINT_NAME = BIGINT_LONG_NAME;

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function invalid(message: string): LakeError {
  return new LakeError('INVALID_METADATA', `unsupported Avro schema: ${message}`);
}

type Json = unknown;
type JsonObject = Record<string, unknown>;

interface NamedDef {
  def: JsonObject;
  ns: string | undefined;
}

class Normalizer {
  private counter = 0;
  private readonly named = new Map<string, NamedDef>();
  private depth = 0;
  partitionSlots: PartitionSlot[] = [];
  present = new Set<string>();

  private fresh(): string {
    return `t${this.counter++}`;
  }

  private fullName(name: string, ns: string | undefined): string {
    return name.includes('.') || !ns ? name : `${ns}.${name}`;
  }

  private register(def: JsonObject, ns: string | undefined): string | undefined {
    const name = def.name;
    if (typeof name !== 'string') return ns;
    const ownNs = typeof def.namespace === 'string' ? def.namespace : ns;
    const full = this.fullName(name, ownNs);
    this.named.set(full, { def, ns: ownNs });
    const dot = full.lastIndexOf('.');
    return dot >= 0 ? full.slice(0, dot) : ownNs;
  }

  private resolve(ref: string, ns: string | undefined): NamedDef {
    const hit = this.named.get(this.fullName(ref, ns)) ?? this.named.get(ref);
    if (!hit) throw invalid(`unknown type name "${ref}"`);
    return hit;
  }

  /** Describes the value type (the non-null branch of an optional union). */
  info(t: Json, ns: string | undefined): AvroTypeInfo {
    if (Array.isArray(t)) {
      const branches = t.filter((b) => b !== 'null' && !(typeof b === 'object' && b !== null && (b as JsonObject).type === 'null'));
      if (branches.length !== 1) return { type: 'union' };
      return this.info(branches[0], ns);
    }
    if (typeof t === 'string') {
      if (PRIMITIVES.has(t)) return { type: t };
      const { def, ns: dns } = this.resolve(t, ns);
      return this.info(def, dns);
    }
    if (t === null || typeof t !== 'object') throw invalid(`bad type ${JSON.stringify(t)}`);
    const o = t as JsonObject;
    if (typeof o.type === 'object' && o.type !== null) return this.info(o.type, ns);
    const out: AvroTypeInfo = { type: String(o.type) };
    if (typeof o.logicalType === 'string') out.logicalType = o.logicalType;
    if (typeof o.precision === 'number') out.precision = o.precision;
    if (typeof o.scale === 'number') out.scale = o.scale;
    if (typeof o.size === 'number') out.size = o.size;
    if (typeof o['adjust-to-utc'] === 'boolean') out.adjustToUtc = o['adjust-to-utc'];
    if (PRIMITIVES.has(out.type) || ['fixed', 'record', 'array', 'map', 'enum'].includes(out.type)) return out;
    // A reference to a named type wrapped in an object ({"type": "decimal_9_2"}).
    const { def, ns: dns } = this.resolve(out.type, ns);
    return this.info(def, dns);
  }

  /** Rewrites a type; `spec` is the catalogue for a record reached from here, `long` the long mode. */
  type(t: Json, ns: string | undefined, long: LongMode, spec: RecordSpec | undefined, path: string, partition = false): Json {
    if (++this.depth > 64) throw invalid('nesting too deep (recursive type?)');
    try {
      if (Array.isArray(t)) return t.map((b) => this.type(b, ns, long, spec, path, partition));
      if (typeof t === 'string') {
        if (t === 'long') return long === 'number' ? 'long' : BIGINT_NAME;
        if (PRIMITIVES.has(t)) return t;
        const { def, ns: dns } = this.resolve(t, ns);
        return this.type(def, dns, long, spec, path, partition);
      }
      if (t === null || typeof t !== 'object') throw invalid(`bad type ${JSON.stringify(t)}`);
      const o = t as JsonObject;
      const kind = o.type;
      if (typeof kind === 'object' && kind !== null) return this.type(kind, ns, long, spec, path, partition);
      switch (kind) {
        case 'record':
        case 'error': {
          const inner = this.register(o, ns);
          if (!Array.isArray(o.fields)) throw invalid('record without fields');
          const fields = partition
            ? this.partitionFields(o.fields as JsonObject[], inner)
            : this.recordFields(o.fields as JsonObject[], inner, spec, path);
          return { type: 'record', name: this.fresh(), fields };
        }
        case 'fixed':
          this.register(o, ns);
          if (typeof o.size !== 'number') throw invalid('fixed without size');
          return { type: 'fixed', name: this.fresh(), size: o.size };
        case 'enum':
          this.register(o, ns);
          if (!Array.isArray(o.symbols)) throw invalid('enum without symbols');
          return { type: 'enum', name: this.fresh(), symbols: (o.symbols as unknown[]).map((_, i) => `s${i}`) };
        case 'array':
          return { type: 'array', items: this.type(o.items, ns, long, spec, path) };
        case 'map':
          return { type: 'map', values: this.type(o.values, ns, long, spec, path) };
        case 'long':
          return long === 'number' ? 'long' : BIGINT_NAME;
        default:
          if (typeof kind === 'string' && PRIMITIVES.has(kind)) return kind;
          if (typeof kind === 'string') {
            const { def, ns: dns } = this.resolve(kind, ns);
            return this.type(def, dns, long, spec, path, partition);
          }
          throw invalid(`bad type ${JSON.stringify(t)}`);
      }
    } finally {
      this.depth--;
    }
  }

  private recordFields(fields: JsonObject[], ns: string | undefined, spec: RecordSpec | undefined, path: string): JsonObject[] {
    const used = new Set<string>();
    return fields.map((f, i) => {
      const id = typeof f['field-id'] === 'number' ? f['field-id'] : typeof f['field-id'] === 'string' ? Number(f['field-id']) : undefined;
      let match: FieldSpec | undefined;
      if (spec) {
        if (id !== undefined) match = spec.fields.find((s) => s.id === id);
        if (!match && typeof f.name === 'string') match = spec.fields.find((s) => s.name === f.name);
        if (!match && spec.byPosition && id === undefined && fields.length === spec.fields.length) match = spec.fields[i];
        if (match && used.has(match.name)) match = undefined;
      }
      if (match) {
        used.add(match.name);
        this.present.add(path === '' ? match.name : `${path}.${match.name}`);
        const childPath = path === '' ? match.name : `${path}.${match.name}`;
        return {
          name: match.name,
          type: this.type(f.type, ns, match.long ?? 'bigint', match.record, childPath, match.partition === true),
        };
      }
      return { name: `_unknown${i}`, type: this.type(f.type, ns, 'bigint', undefined, `${path}._unknown${i}`) };
    });
  }

  private partitionFields(fields: JsonObject[], ns: string | undefined): JsonObject[] {
    this.partitionSlots = [];
    return fields.map((f, i) => {
      // Normalize first: it registers named types that later fields may reference.
      const type = this.type(f.type, ns, 'bigint', undefined, 'partition');
      const slot: PartitionSlot = {
        prop: `p${i}`,
        name: typeof f.name === 'string' ? f.name : `p${i}`,
        avro: this.info(f.type, ns),
      };
      const id = f['field-id'];
      if (typeof id === 'number') slot.fieldId = id;
      else if (typeof id === 'string' && /^\d+$/.test(id)) slot.fieldId = Number(id);
      if (typeof f['iceberg-field-name'] === 'string') slot.icebergName = f['iceberg-field-name'];
      this.partitionSlots.push(slot);
      return { name: slot.prop, type };
    });
  }
}

const cache = new WeakMap<RecordSpec, Map<string, CompiledSchema>>();
const CACHE_LIMIT = 512;

/**
 * Compiles a writer schema (JSON text) against a catalogue of known fields. Throws
 * INVALID_METADATA when the text is not an Avro record schema.
 */
export function compileSchema(schemaJson: string, root: RecordSpec): CompiledSchema {
  let perRoot = cache.get(root);
  if (!perRoot) {
    perRoot = new Map();
    cache.set(root, perRoot);
  }
  const hit = perRoot.get(schemaJson);
  if (hit) return hit;

  let parsed: unknown;
  try {
    parsed = JSON.parse(schemaJson);
  } catch (e) {
    throw new LakeError('INVALID_METADATA', 'Avro schema is not valid JSON', { cause: e });
  }
  const n = new Normalizer();
  const normalized = n.type(parsed, undefined, 'bigint', root, '');
  if (typeof normalized !== 'object' || normalized === null || (normalized as JsonObject).type !== 'record') {
    throw invalid('the top-level type must be a record');
  }
  let type: Type | undefined;
  const compiled: CompiledSchema = {
    // avsc compiles its encoder on first use: reading never needs it.
    get type(): Type {
      if (type === undefined) {
        try {
          type = avro.Type.forSchema(normalized as avro.Schema, { registry: { [BIGINT_NAME]: BIGINT_LONG } });
        } catch (e) {
          throw new LakeError('INVALID_METADATA', `unsupported Avro schema: ${(e as Error).message}`, { cause: e });
        }
      }
      return type;
    },
    read: compileReader(normalized, BIGINT_NAME),
    normalized,
    partitionSlots: n.partitionSlots,
    present: n.present,
  };
  if (perRoot.size >= CACHE_LIMIT) perRoot.clear();
  perRoot.set(schemaJson, compiled);
  return compiled;
}
