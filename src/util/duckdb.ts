/**
 * One embedded DuckDB instance per process, shared by the read path (SQL over snapshots) and the
 * write path (COPY to Parquet). DuckDB parallelises internally, so one instance uses the machine;
 * several would compete for the same cores and memory.
 *
 * Settings (environment variables read when the instance is first created):
 * - `LAKE_DUCKDB_THREADS`: worker threads (default: the available cores);
 * - `LAKE_DUCKDB_MEMORY_LIMIT`: DuckDB's `memory_limit`, any size DuckDB accepts (`4GB`, `512MiB`);
 *   default half of the memory this process may use (the cgroup limit when there is one, else the
 *   machine's RAM): DuckDB's own default of 80% leaves too little for the JS heap and Arrow data
 *   living in the same process;
 * - `LAKE_DUCKDB_TEMP_DIR`: where DuckDB spills what does not fit in memory (large sorts, staged
 *   writes); default `<OS temp dir>/lake-duckdb-<pid>`. DuckDB's own default for an in-memory
 *   database is `.tmp` in the working directory, which would litter the caller's directory.
 */
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import * as path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { LakeError } from '../errors.js';

let instance: Promise<DuckDBInstance> | undefined;

/** The configuration the shared instance is created with (exported for tests). */
export function duckdbConfig(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    threads: String(Math.max(1, availableCores(env))),
    memory_limit: memoryLimit(env),
    temp_directory: env.LAKE_DUCKDB_TEMP_DIR !== undefined && env.LAKE_DUCKDB_TEMP_DIR !== '' ? env.LAKE_DUCKDB_TEMP_DIR : path.join(tmpdir(), `lake-duckdb-${process.pid}`),
  };
}

export function duckdbInstance(): Promise<DuckDBInstance> {
  instance ??= (async () => {
    const config = duckdbConfig();
    try {
      return await DuckDBInstance.create(':memory:', config);
    } catch (e) {
      instance = undefined;
      throw new LakeError('INVALID_INPUT', `cannot start DuckDB with ${JSON.stringify(config)} (check LAKE_DUCKDB_MEMORY_LIMIT, LAKE_DUCKDB_TEMP_DIR, LAKE_DUCKDB_THREADS): ${(e as Error).message}`, {
        cause: e,
      });
    }
  })();
  return instance;
}

/** A new connection to the shared instance; close it with `closeSync()` when done. */
export async function duckdbConnect(): Promise<DuckDBConnection> {
  return (await duckdbInstance()).connect();
}

function availableCores(env: NodeJS.ProcessEnv): number {
  const n = Number(env.LAKE_DUCKDB_THREADS);
  if (Number.isInteger(n) && n > 0) return n;
  return availableParallelism();
}

function memoryLimit(env: NodeJS.ProcessEnv): string {
  const configured = env.LAKE_DUCKDB_MEMORY_LIMIT?.trim();
  if (configured !== undefined && configured !== '') return configured;
  let bytes = totalmem();
  // Node 20: the cgroup limit when the process runs in a container (0 or undefined otherwise).
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  if (constrained !== undefined && constrained > 0 && constrained < bytes) bytes = constrained;
  return `${Math.max(256, Math.floor(bytes / 2 / (1024 * 1024)))}MiB`;
}
