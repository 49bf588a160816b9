import { describe, expect, it } from 'vitest';
import { parseFormatVersion, planFormatUpgrade } from '../../src/spec/format-upgrade.js';
import { type TableMetadata, parseTableMetadata, serializeTableMetadata } from '../../src/spec/table-metadata.js';
import { parseTransform } from '../../src/spec/transforms.js';
import { applyUpdates } from '../../src/spec/updates.js';
import { NOW, daySpec, table } from './fixtures.js';

function upgrade(m: TableMetadata, to: number): TableMetadata {
  return applyUpdates(m, planFormatUpgrade(m, to, { newUuid: () => '00000000-0000-4000-8000-0000000000aa' }).updates, { nowMs: NOW });
}

describe('format upgrades', () => {
  it('v1 -> v2 assigns a missing uuid first and writes v2 metadata', () => {
    const v1 = { ...table({ formatVersion: 1, spec: daySpec() }) };
    delete v1.tableUuid;
    const plan = planFormatUpgrade(v1, 2, { newUuid: () => '00000000-0000-4000-8000-0000000000aa' });
    expect(plan.updates).toEqual([
      { action: 'assign-uuid', uuid: '00000000-0000-4000-8000-0000000000aa' },
      { action: 'upgrade-format-version', formatVersion: 2 },
    ]);
    const v2 = applyUpdates(v1, plan.updates, { nowMs: NOW });
    const json = JSON.parse(serializeTableMetadata(v2));
    expect(json['format-version']).toBe(2);
    expect(json['table-uuid']).toBe('00000000-0000-4000-8000-0000000000aa');
    expect(json['last-sequence-number']).toBe(0);
    expect(json.schema).toBeUndefined();
    expect(json['partition-spec']).toBeUndefined();
    expect(json['partition-specs'][0].fields.map((f: { 'field-id': number }) => f['field-id'])).toEqual([1000, 1001]);
    // Reads back as valid v2 metadata.
    expect(parseTableMetadata(serializeTableMetadata(v2)).formatVersion).toBe(2);
  });

  it('v2 -> v3 starts row lineage at 0', () => {
    const v3 = upgrade(table(), 3);
    expect(v3.formatVersion).toBe(3);
    expect(v3.nextRowId).toBe(0n);
    expect(JSON.parse(serializeTableMetadata(v3))['next-row-id']).toBe(0);
  });

  it('v1 -> v3 takes both steps', () => {
    const plan = planFormatUpgrade(table({ formatVersion: 1 }), 3);
    expect(plan.updates.map((u) => (u.action === 'upgrade-format-version' ? u.formatVersion : u.action))).toEqual([2, 3]);
    expect(plan.notes).toHaveLength(2);
    expect(upgrade(table({ formatVersion: 1 }), 3).nextRowId).toBe(0n);
  });

  it('does nothing for the same version, refuses downgrades and unknown versions', () => {
    expect(planFormatUpgrade(table(), 2).updates).toEqual([]);
    expect(() => planFormatUpgrade(table({ formatVersion: 3 }), 2)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/cannot downgrade a v3 table to v2/) }));
    expect(() => planFormatUpgrade(table(), 4)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_FEATURE' }));
    for (const bad of ['0', 'two', '2.5', '']) expect(() => parseFormatVersion(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(parseFormatVersion(' 3 ')).toBe(3);
  });

  it('warns when v1 specs used one partition field id for different fields', () => {
    const m = table({ formatVersion: 1, spec: daySpec() });
    const clashing: TableMetadata = {
      ...m,
      partitionSpecs: [...m.partitionSpecs, { specId: 1, fields: [{ sourceId: 2, fieldId: 1000, name: 'name', transform: parseTransform('identity') }] }],
      defaultSpecId: 1,
    };
    expect(planFormatUpgrade(clashing, 2).notes.some((n) => n.startsWith('warning: partition field id 1000'))).toBe(true);
    expect(planFormatUpgrade(m, 2).notes.some((n) => n.startsWith('warning'))).toBe(false);
  });
});
