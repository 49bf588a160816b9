/**
 * One embedded DuckDB instance per process, shared by the read path (SQL over snapshots) and the
 * write path (COPY to Parquet). DuckDB parallelises internally, so one instance uses the machine;
 * several would compete for the same cores and memory.
 */
import { availableParallelism } from 'node:os';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

let instance: Promise<DuckDBInstance> | undefined;

export function duckdbInstance(): Promise<DuckDBInstance> {
  instance ??= DuckDBInstance.create(':memory:', { threads: String(Math.max(1, availableCores())) });
  return instance;
}

/** A new connection to the shared instance; close it with `closeSync()` when done. */
export async function duckdbConnect(): Promise<DuckDBConnection> {
  return (await duckdbInstance()).connect();
}

function availableCores(): number {
  const env = Number(process.env.LAKE_DUCKDB_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return availableParallelism();
}
