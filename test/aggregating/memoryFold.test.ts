import { describe, expect, it } from 'vitest';
import { ALL_VIEWS } from '../../src/lib/aggregating/index.js';
import { CALL_ROW_KEY, callsView } from '../../src/lib/aggregating/calls/index.js';
import { MemoryFold } from '../../src/lib/aggregating/memoryFold.js';
import { allRecords, normalizeAll, recordingLogs } from '../support/recordingLogs.js';

describe('MemoryFold', () => {
  const records = normalizeAll(allRecords(recordingLogs(3, { calls: 6, lateSummary: 1, missingSummary: 1, duplicates: 2 })));

  it('gives the same rows whatever the order of the records', () => {
    const forward = new MemoryFold(ALL_VIEWS);
    for (const record of records) forward.add(record);
    forward.finish();
    const backward = new MemoryFold(ALL_VIEWS);
    for (const record of [...records].reverse()) backward.add(record);
    backward.finish();
    for (const view of ALL_VIEWS) expect(backward.tables.get(view), view.table).toEqual(forward.tables.get(view));
  });

  it('computes each summary over its partition, once, and only when asked', () => {
    const fold = new MemoryFold([callsView]);
    for (const record of records) fold.add(record);
    const partitions = [...(fold.tables.get(callsView)?.values() ?? [])];
    expect(partitions.length).toBeGreaterThan(0);
    expect(partitions.some((rows) => rows.has(CALL_ROW_KEY))).toBe(false);
    const folded = partitions.reduce((sum, partition) => sum + partition.size, 0);
    expect(fold.finish()).toBe(folded);
    expect(partitions.reduce((sum, partition) => sum + partition.size, 0)).toBe(folded + partitions.length);
    for (const partition of partitions) expect(partition.get(CALL_ROW_KEY)?.['correlationId']).toEqual(expect.any(String));
  });

  it('with apply off only finds the rows', () => {
    const fold = new MemoryFold(ALL_VIEWS);
    for (const record of records) fold.add(record, false);
    for (const table of fold.tables.values()) for (const partition of table.values()) for (const row of partition.values()) expect(row).toEqual({});
  });
});
