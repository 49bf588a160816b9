/**
 * A deliberately simple row counter for scan plans, used as a test oracle: it reads every planned
 * data file with DuckDB's `read_parquet` (row positions from `file_row_number`), drops positions
 * from the plan's position deletes and deletion vectors (through PositionDeleteLoader) and rows
 * matching the plan's equality deletes (columns matched by Parquet field id), and counts what is
 * left. It checks the plan, not a reader: it is slow and reads whole files.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { FileContent } from '../../src/spec/data-file.js';
import { PositionDeleteLoader, type ReadPositionDeleteFile } from '../../src/scan/position-deletes.js';
import type { ScanPlan } from '../../src/scan/scan-task.js';
import { duckdbConnect } from '../../src/util/duckdb.js';

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const r = await conn.runAndReadAll(sql);
  return r.getRowObjectsJS() as Record<string, unknown>[];
}

/** Parquet column names by field id (top-level columns). */
async function namesById(conn: DuckDBConnection, path: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const r of await rows(conn, `SELECT name, field_id FROM parquet_schema(${sqlString(path)})`)) {
    if (r.field_id !== null && r.field_id !== undefined) out.set(Number(r.field_id), String(r.name));
  }
  return out;
}

export function duckdbPositionDeleteReader(conn: DuckDBConnection): ReadPositionDeleteFile {
  return async ({ location, localPath }) => {
    const r = await rows(conn, `SELECT file_path, pos FROM read_parquet(${sqlString(localPath ?? location)})`);
    return { filePaths: r.map((x) => String(x.file_path)), positions: r.map((x) => x.pos as bigint) };
  };
}

function keyOf(values: unknown[]): string {
  return JSON.stringify(values, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

export interface CountOptions {
  allowBareDeletionVectors?: boolean;
}

/** The number of live rows a plan reads, deletes applied. */
export async function countRows(plan: ScanPlan, options: CountOptions = {}): Promise<number> {
  const conn = await duckdbConnect();
  try {
    const loader = new PositionDeleteLoader({
      io: plan.io,
      readPositionDeleteFile: duckdbPositionDeleteReader(conn),
      allowBareDeletionVectors: options.allowBareDeletionVectors ?? false,
    });
    const eqCache = new Map<string, { ids: number[]; keys: Set<string> }>();
    let total = 0;
    for (const task of plan.tasks) {
      const path = plan.io.localPath(task.dataFile.filePath)!;
      const deleted = await loader.forTask(task);
      const eqSets: { ids: number[]; keys: Set<string> }[] = [];
      for (const d of task.equalityDeletes) {
        if (d.file.content !== FileContent.EQUALITY_DELETES) throw new Error('not an equality delete');
        let e = eqCache.get(d.file.filePath);
        if (e === undefined) {
          const dpath = plan.io.localPath(d.file.filePath)!;
          const names = await namesById(conn, dpath);
          const ids = d.file.equalityIds!;
          const cols = ids.map((id) => `"${names.get(id)}"`).join(', ');
          const keys = new Set((await rows(conn, `SELECT ${cols} FROM read_parquet(${sqlString(dpath)})`)).map((r) => keyOf(Object.values(r))));
          e = { ids, keys };
          eqCache.set(d.file.filePath, e);
        }
        eqSets.push(e);
      }
      if (eqSets.length === 0) {
        const [{ n }] = (await rows(conn, `SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(path)})`)) as [{ n: bigint }];
        total += Number(n) - (deleted?.cardinality ?? 0);
        continue;
      }
      const names = await namesById(conn, path);
      const ids = [...new Set(eqSets.flatMap((e) => e.ids))];
      const cols = ids.map((id) => (names.has(id) ? `"${names.get(id)}"` : 'NULL')).join(', ');
      const data = await rows(conn, `SELECT file_row_number AS __pos, ${cols} FROM read_parquet(${sqlString(path)}, file_row_number = true)`);
      for (const r of data) {
        if (deleted?.has(Number(r.__pos as bigint))) continue;
        const vals = Object.values(r).slice(1);
        const byId = new Map(ids.map((id, i) => [id, vals[i]] as const));
        if (eqSets.some((e) => e.keys.has(keyOf(e.ids.map((id) => byId.get(id)))))) continue;
        total++;
      }
    }
    return total;
  } finally {
    conn.closeSync();
  }
}

/**
 * Paths of the plan's data files that hold at least one row matching `whereSql` (DuckDB SQL over
 * the file's own column names). A sound plan for the same filter must include every one of them.
 */
export async function filesWithMatchingRows(plan: ScanPlan, whereSql: string): Promise<string[]> {
  const conn = await duckdbConnect();
  try {
    const out: string[] = [];
    for (const t of plan.tasks) {
      const p = plan.io.localPath(t.dataFile.filePath)!;
      const [{ n }] = (await rows(conn, `SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(p)}) WHERE ${whereSql}`)) as [{ n: bigint }];
      if (n > 0n) out.push(t.dataFile.filePath);
    }
    return out.sort();
  } finally {
    conn.closeSync();
  }
}
