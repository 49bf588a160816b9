/**
 * What every `lake` command shares: the shared options (`--warehouse`, `--s3-path-style`,
 * `--json`, `--debug`), the catalog they open, how a table argument is resolved (a catalog
 * identifier, or a table location), and where output goes.
 */
import type { Command } from 'commander';
import { openTableAt } from '../catalog/static-table.js';
import { ObjectStoreCatalog } from '../catalog/object-store-catalog.js';
import type { Table } from '../catalog/table.js';
import { LakeError } from '../src/errors.js';
import type { S3StorageOptions } from '../src/storage/s3.js';

/** Where a run's output goes (the process streams, or buffers in tests and the demo). */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Progress lines are shown only on a terminal. */
  errIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export interface SharedOptions {
  warehouse?: string;
  s3PathStyle?: boolean;
  json?: boolean;
  debug?: boolean;
}

/** Adds the shared options to a command (`json: false` when the command defines `--json` itself). */
export function addSharedOptions(cmd: Command, o: { json?: boolean } = {}): Command {
  cmd
    .option('--warehouse <location>', 'warehouse: a path, file://..., or s3://bucket/prefix (default $LAKE_WAREHOUSE, else ./warehouse)')
    .option('--s3-path-style', 'address S3 buckets by path (endpoint/bucket/key), as MinIO and most S3-compatible stores want');
  if (o.json !== false) cmd.option('--json', 'machine-readable JSON output');
  return cmd.option('--debug', 'print a stack trace with errors');
}

/** Shared options of a command, its own values winning over those given before the command name. */
export function sharedOptionsOf(cmd: Command): SharedOptions {
  const chain: Command[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) chain.unshift(c);
  const merged: Record<string, unknown> = {};
  for (const c of chain) for (const [k, v] of Object.entries(c.opts())) if (v !== undefined) merged[k] = v;
  return merged as SharedOptions;
}

/** Text that names a table location rather than a catalog identifier (identifiers never hold `/`). */
export function isTableLocation(ref: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(ref) || ref.includes('/') || ref.includes('\\') || /\.json(\.gz)?$/i.test(ref) || ref === '.' || ref === '..';
}

export class CliContext {
  private catalogInstance: ObjectStoreCatalog | undefined;

  constructor(
    readonly io: CliIO,
    readonly options: SharedOptions,
  ) {}

  get json(): boolean {
    return this.options.json === true;
  }

  warehouse(): string {
    const w = this.options.warehouse ?? this.io.env.LAKE_WAREHOUSE;
    return w === undefined || w === '' ? './warehouse' : w;
  }

  /** S3 settings: the standard AWS environment, plus `--s3-path-style`. */
  s3(): S3StorageOptions {
    return this.options.s3PathStyle ? { forcePathStyle: true } : {};
  }

  catalog(): ObjectStoreCatalog {
    this.catalogInstance ??= new ObjectStoreCatalog({ warehouse: this.warehouse(), s3: this.s3() });
    return this.catalogInstance;
  }

  /** A catalog table (`ns.table`) or a table at a location (a folder or a metadata file, read-only). */
  async openTable(ref: string): Promise<Table> {
    if (ref.trim() === '') throw new LakeError('INVALID_INPUT', 'a table identifier (ns.table) or a table location is required');
    if (isTableLocation(ref)) return openTableAt(ref, { s3: this.s3() });
    return this.catalog().loadTable(ref);
  }

  print(text: string): void {
    this.io.out(text.endsWith('\n') ? text : `${text}\n`);
  }

  printJson(value: unknown): void {
    this.print(JSON.stringify(value, null, 2));
  }

  /** A progress line on stderr, only when stderr is a terminal. */
  progress(text: string): void {
    if (this.io.errIsTTY) this.io.err(`… ${text}\n`);
  }
}
