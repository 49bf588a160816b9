/**
 * Format version upgrades (spec "Format Versioning" and Appendix E): the metadata updates that move
 * a table from v1 to v2 and from v2 to v3. Versions never go down, and a v1 table going to v3 takes
 * both steps, so each version's rules apply in turn:
 * - v1 -> v2: `table-uuid` becomes required (a missing one is assigned), the metadata gains
 *   `last-sequence-number` (0, as v1 data has sequence number 0), explicit partition field ids and
 *   the `schemas` / `partition-specs` / `sort-orders` lists (the serializer writes the v2 form);
 * - v2 -> v3: `next-row-id` starts at 0 and existing snapshots keep no `first-row-id` (spec "Row
 *   Lineage for Upgraded Tables"); existing position delete files stay valid, new deletes must
 *   be deletion vectors.
 * Metadata already written is never rewritten: manifests and snapshots of the old version stay
 * readable as the spec requires.
 */
import { LakeError } from '../errors.js';
import { type FormatVersion, MAX_FORMAT_VERSION, type TableMetadata } from './table-metadata.js';
import { transformToString } from './transforms.js';
import { type TableUpdate } from './updates.js';

export interface FormatUpgradePlan {
  from: FormatVersion;
  to: FormatVersion;
  /** Updates for `applyUpdates`; empty when the table already has the version. */
  updates: TableUpdate[];
  /** What the upgrade means for this table, one line each (for the CLI and logs). */
  notes: string[];
}

export interface FormatUpgradeOptions {
  /** Uuid for a v1 table that has none (default: a random UUID). */
  newUuid?: () => string;
}

/** Reads a requested format version (a number or the text of the `format-version` property). */
export function parseFormatVersion(value: number | string): FormatVersion {
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new LakeError('INVALID_INPUT', `invalid format version ${JSON.stringify(value)} (expected 1, 2 or 3)`);
  if (n > MAX_FORMAT_VERSION) {
    throw new LakeError('UNSUPPORTED_FEATURE', `format version ${n} is not supported (lake writes format versions 1, 2 and 3)`, { context: { formatVersion: n } });
  }
  return n as FormatVersion;
}

/**
 * Plans the upgrade of a table to `target`. Throws INVALID_INPUT for a downgrade or an invalid
 * version and UNSUPPORTED_FEATURE above v3.
 */
export function planFormatUpgrade(m: TableMetadata, target: number | string, options: FormatUpgradeOptions = {}): FormatUpgradePlan {
  const to = parseFormatVersion(target);
  const from = m.formatVersion;
  if (to < from) {
    throw new LakeError('INVALID_INPUT', `cannot downgrade a v${from} table to v${to}: format versions only go up`, { context: { formatVersion: from, requested: to } });
  }
  const plan: FormatUpgradePlan = { from, to, updates: [], notes: [] };
  if (to === from) return plan;
  if (from === 1) {
    if (m.tableUuid === undefined || m.tableUuid === '') {
      const uuid = (options.newUuid ?? (() => globalThis.crypto.randomUUID()))();
      plan.updates.push({ action: 'assign-uuid', uuid });
      plan.notes.push(`the table gets uuid ${uuid} (required from v2 on)`);
    }
    plan.updates.push({ action: 'upgrade-format-version', formatVersion: 2 });
    plan.notes.push('v2: sequence numbers start after 0 (existing data keeps sequence number 0); row-level deletes become possible; partition field ids are written explicitly');
    const clash = conflictingPartitionFieldIds(m);
    if (clash !== undefined) plan.notes.push(`warning: ${clash}; new partition fields get ids above ${m.lastPartitionId}`);
  }
  if (to >= 3) {
    plan.updates.push({ action: 'upgrade-format-version', formatVersion: 3 });
    plan.notes.push('v3: row lineage starts (next-row-id 0; existing snapshots have no row ids); new deletes are deletion vectors; v3 types and default values become available');
  }
  return plan;
}

/** v1 tables assigned partition field ids by position in each spec, so one id may mean different fields in different specs. */
function conflictingPartitionFieldIds(m: TableMetadata): string | undefined {
  const seen = new Map<number, string>();
  for (const spec of m.partitionSpecs) {
    for (const f of spec.fields) {
      if (f.transform.kind === 'void') continue;
      const key = `${(f.sourceIds ?? [f.sourceId]).join(',')}:${transformToString(f.transform)}`;
      const other = seen.get(f.fieldId);
      if (other !== undefined && other !== key) return `partition field id ${f.fieldId} denotes different fields in different v1 specs`;
      seen.set(f.fieldId, key);
    }
  }
  return undefined;
}
