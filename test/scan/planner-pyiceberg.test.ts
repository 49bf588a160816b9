/**
 * lake's scan planning against PyIceberg's `plan_files` on the same table: a synthetic table
 * (the planning benchmark's generator, small) planned with several filters must select the same
 * data files in both.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { synthesizeTable } from '../../benchmarks/planning.js';
import { FileIO } from '../../src/scan/file-io.js';
import { planScan } from '../../src/scan/planner.js';
import type { TableMetadata } from '../../src/spec/table-metadata.js';
import { runPython } from '../support/pyiceberg.js';

const SCRIPT = `
from pyiceberg.table import StaticTable

def main(inp):
    table = StaticTable.from_metadata(inp["metadata"])
    out = {}
    for name, f in inp["filters"].items():
        scan = table.scan(row_filter=f) if f else table.scan()
        out[name] = sorted(t.file.file_path for t in scan.plan_files())
    return out
`;

// the same filters in both dialects (PyIceberg's parser takes lowercase "and" and quoted timestamps)
const FILTERS: Record<string, [lake: string | undefined, py: string]> = {
  none: [undefined, ''],
  oneDay: ["ts >= '2024-01-03T00:00:00' AND ts < '2024-01-04T00:00:00'", "ts >= '2024-01-03T00:00:00' and ts < '2024-01-04T00:00:00'"],
  fewIds: ['id < 250000', 'id < 250000'],
  noCategory: ["category = 'zzz'", "category = 'zzz'"],
  highValue: ['value > 100000.0', 'value > 100000.0'],
  lateOrLowId: ["ts >= '2024-01-05T12:00:00' OR id = 5", "ts >= '2024-01-05T12:00:00' or id = 5"],
};

let dir: string;
let metadataFile: string;
let metadata: TableMetadata;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lake-plan-pyiceberg-'));
  ({ metadataFile, metadata } = await synthesizeTable(dir, 6, 4));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('lake and PyIceberg plan the same files', () => {
  test('for every filter', async () => {
    const py = await runPython<Record<string, string[]>>(SCRIPT, {
      metadata: metadataFile,
      filters: Object.fromEntries(Object.entries(FILTERS).map(([k, [, p]]) => [k, p])),
    });
    const io = new FileIO({ tableLocation: metadata.location });
    for (const [name, [lakeFilter]] of Object.entries(FILTERS)) {
      const plan = await planScan({ metadata, io, ...(lakeFilter === undefined ? {} : { filter: lakeFilter }) });
      expect(plan.tasks.map((t) => t.dataFile.filePath).sort(), name).toEqual(py[name]);
    }
    expect(py.none!.length).toBe(24);
    expect(py.oneDay!.length).toBe(4);
    expect(py.noCategory).toEqual([]);
  });
});
