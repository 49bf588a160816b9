/**
 * Text and JSON renderings of table facts for the `lake` command: snapshots, a table description,
 * the result of a commit. Snapshot ids are strings in JSON (they do not fit JSON numbers).
 */
import type { Table } from '../catalog/table.js';
import type { WriteResult } from '../catalog/table-writes.js';
import { partitionSpecToJson } from '../src/spec/partition-spec.js';
import { schemaToJson } from '../src/spec/schema.js';
import type { Snapshot } from '../src/spec/snapshot.js';
import { sortOrderToJson } from '../src/spec/sort-order.js';
import { sortOrderToText } from '../src/spec/sort-order-update.js';
import { type TableMetadata, currentSchema, currentSnapshot, defaultSortOrder } from '../src/spec/table-metadata.js';
import { renderSchema, renderSpec } from './evolve.js';

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString() : String(ms);
}

/** Snapshots oldest first (by sequence number, then time). */
export function snapshotsOldestFirst(m: TableMetadata): Snapshot[] {
  return [...m.snapshots].sort((a, b) => (a.sequenceNumber !== b.sequenceNumber ? (a.sequenceNumber < b.sequenceNumber ? -1 : 1) : a.timestampMs - b.timestampMs));
}

export function snapshotJson(s: Snapshot): Record<string, unknown> {
  return {
    'snapshot-id': s.snapshotId.toString(),
    'parent-snapshot-id': s.parentSnapshotId === undefined ? null : s.parentSnapshotId.toString(),
    'sequence-number': Number(s.sequenceNumber),
    'timestamp-ms': s.timestampMs,
    operation: s.summary?.operation ?? null,
    summary: { ...(s.summary ?? {}) },
  };
}

function refsOf(m: TableMetadata): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, ref] of [...m.refs].sort(([a], [b]) => a.localeCompare(b))) {
    const k = ref.snapshotId.toString();
    out.set(k, [...(out.get(k) ?? []), name]);
  }
  return out;
}

/** One line per snapshot: id, parent, sequence number, time, operation, record counts, refs. */
export function snapshotsText(m: TableMetadata): string {
  const list = snapshotsOldestFirst(m);
  if (list.length === 0) return '(no snapshots)';
  const refs = refsOf(m);
  const rows = list.map((s) => {
    const sum = s.summary ?? ({} as Record<string, string>);
    const counts = `+${sum['added-records'] ?? 0} -${sum['deleted-records'] ?? 0} = ${sum['total-records'] ?? '?'} rows`;
    return [s.snapshotId.toString(), s.parentSnapshotId?.toString() ?? '-', s.sequenceNumber.toString(), iso(s.timestampMs), sum.operation ?? '?', counts, (refs.get(s.snapshotId.toString()) ?? []).join(', ')];
  });
  const header = ['snapshot-id', 'parent', 'seq', 'timestamp', 'operation', 'records', 'refs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function describeJson(table: Table): Record<string, unknown> {
  const m = table.metadata;
  const current = currentSnapshot(m);
  const refs: Record<string, unknown> = {};
  for (const [name, ref] of [...m.refs].sort(([a], [b]) => a.localeCompare(b))) refs[name] = { type: ref.type, 'snapshot-id': ref.snapshotId.toString() };
  return {
    table: table.name,
    location: m.location,
    'metadata-location': table.metadataLocation,
    'format-version': m.formatVersion,
    'table-uuid': m.tableUuid ?? null,
    schema: schemaToJson(currentSchema(m)),
    'default-spec-id': m.defaultSpecId,
    'partition-specs': m.partitionSpecs.map((s) => partitionSpecToJson(s)),
    'sort-order': sortOrderToJson(defaultSortOrder(m)),
    properties: { ...m.properties },
    'current-snapshot': current === undefined ? null : snapshotJson(current),
    refs,
  };
}

export function describeText(table: Table): string {
  const m = table.metadata;
  const schema = currentSchema(m);
  const current = currentSnapshot(m);
  const lines = [
    `table ${table.name}`,
    `location: ${m.location}`,
    `metadata: ${table.metadataLocation}`,
    `format: v${m.formatVersion}${m.tableUuid === undefined ? '' : `, uuid ${m.tableUuid}`}`,
    `schema ${schema.schemaId}:`,
    renderSchema(schema),
    'partition specs:',
    ...m.partitionSpecs.map((s) => `  ${s.specId}${s.specId === m.defaultSpecId ? ' (default)' : ''}: ${renderSpec(s, schema)}`),
    `sort order ${m.defaultSortOrderId}: ${sortOrderToText(defaultSortOrder(m), schema)}`,
    'properties:',
    ...(Object.keys(m.properties).length === 0 ? ['  (none)'] : Object.entries(m.properties).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `  ${k} = ${v}`)),
    current === undefined
      ? 'current snapshot: (none)'
      : `current snapshot: ${current.snapshotId} (${current.summary?.operation ?? '?'}, ${iso(current.timestampMs)}, ${current.summary?.['total-records'] ?? '?'} rows, ${current.summary?.['total-data-files'] ?? '?'} data files)`,
    'refs:',
    ...(m.refs.size === 0 ? ['  (none)'] : [...m.refs].sort(([a], [b]) => a.localeCompare(b)).map(([name, r]) => `  ${name} (${r.type}) -> ${r.snapshotId}`)),
  ];
  return lines.join('\n');
}

/** `lake commit --json`: exactly these four fields. */
export function commitJson(r: WriteResult): Record<string, unknown> {
  const s = r.snapshot;
  return {
    'snapshot-id': s === undefined ? null : s.snapshotId.toString(),
    operation: s?.summary?.operation ?? null,
    'added-records': Number(s?.summary?.['added-records'] ?? 0),
    'added-data-files': Number(s?.summary?.['added-data-files'] ?? 0),
  };
}

export function commitText(table: string, r: WriteResult, key: string | undefined): string {
  const s = r.snapshot;
  if (s === undefined) return `${table}: nothing committed`;
  const sum = s.summary ?? ({} as Record<string, string>);
  if (r.alreadyCommitted && key !== undefined) {
    return `${table}: snapshot ${s.snapshotId} already carries idempotency key ${key}; nothing new was committed`;
  }
  const files = Number(sum['added-data-files'] ?? 0);
  const parts = [`${sum['added-records'] ?? 0} records in ${files} data ${files === 1 ? 'file' : 'files'} added`];
  if (sum['deleted-records'] !== undefined) parts.push(`${sum['deleted-records']} records in ${sum['deleted-data-files'] ?? 0} data files removed`);
  return `${table}: committed snapshot ${s.snapshotId} (${sum.operation}): ${parts.join(', ')}; ${sum['total-records'] ?? '?'} records in total`;
}
