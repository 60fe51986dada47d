import { describe, expect, it } from 'vitest';
import { MAX_MAP_KEYS, OTHER_KEY } from '../../../src/lib/aggregating/rowValues.js';
import type { RowData } from '../../../src/lib/aggregating/types.js';
import { callFactsOfRow, callRowOf } from '../../../src/lib/aggregating/calls/callRowEncoding.js';
import { callRowSchema } from '../../../src/lib/aggregating/calls/callRowSchemas.js';
import { computeCallFacts, type CallFacts, type RecordingFacts } from '../../../src/lib/aggregating/calls/callSummary.js';
import { CALL_ROW_KEY, callsView } from '../../../src/lib/aggregating/calls/index.js';
import { referenceAggregates } from '../../support/storage.js';
import { allRecords, normalizeAll, recordingLogs } from '../../support/recordingLogs.js';

/** The facts of a recording-only call with no operations, to vary per test. */
function facts(overrides: Partial<CallFacts> = {}): CallFacts {
  return {
    correlationId: 'call-1',
    resourceId: '/r/1',
    recordingCount: 0,
    recordingMs: 0,
    recordingsWithoutSummary: 0,
    recordingIdsWithoutSummary: [],
    summariesWithoutOperations: 0,
    operationCount: 0,
    operations: {},
    failedOperations: 0,
    sdkTypes: [],
    sdkVersions: [],
    callConnectionIds: [],
    firstOperationAt: null,
    lastOperationAt: null,
    firstAt: null,
    lastAt: null,
    durationMs: null,
    matched: false,
    recordings: [],
    callStartTime: null,
    callDurationMs: null,
    callType: null,
    participants: 0,
    participantMs: 0,
    endpointTypes: {},
    endReasons: {},
    streams: 0,
    poorStreams: 0,
    impacted: false,
    recordingCoverage: null,
    quality: {},
    ...overrides,
  };
}

const names = (n: number, prefix: string): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

describe('the call row encoding', () => {
  it('writes call-log, duration and truncation properties only when the call has them', () => {
    const row = callRowOf(facts());
    for (const key of ['callStartTime', 'participants', 'quality', 'durationCount', 'durationP99Ms', 'truncated']) expect(row).not.toHaveProperty(key);
    const full = callRowOf(
      facts({
        participants: 2,
        callDurationMs: 60_000,
        endReasons: { Success: 2 },
        recordingCoverage: 0.5,
        durationMs: { count: 3, sumUs: 60_000, min: 10, max: 30, p50: 20, p95: 30, p99: 30 },
      }),
    );
    expect(full).toMatchObject({
      participants: 2,
      callDurationMs: 60_000,
      endReasons: '{"Success":2}',
      recordingCoverage: 0.5,
      durationCount: 3,
      durationP50Ms: 20,
    });
    expect(full).not.toHaveProperty('truncated');
  });

  it('caps a map at MAX_MAP_KEYS keys, summing the rest under (other), and a set at MAX_MAP_KEYS values, keeping the true counts', () => {
    const operations = Object.fromEntries(names(MAX_MAP_KEYS + 50, 'Op').map((name, i) => [name, i + 1]));
    const sdkTypes = names(MAX_MAP_KEYS + 1, 'sdk');
    const row = callRowOf(facts({ operations, sdkTypes }));
    const stored = JSON.parse(row['operations'] as string) as Record<string, number>;
    expect(Object.keys(stored)).toHaveLength(MAX_MAP_KEYS);
    const total = Object.values(operations).reduce((a, b) => a + b, 0);
    expect(Object.values(stored).reduce((a, b) => a + b, 0)).toBe(total);
    expect(stored[OTHER_KEY]).toBe(
      Object.values(operations)
        .slice(MAX_MAP_KEYS - 1)
        .reduce((a, b) => a + b, 0),
    );
    expect(JSON.parse(row['sdkTypes'] as string)).toEqual(sdkTypes.slice(0, MAX_MAP_KEYS));
    expect(row).toMatchObject({ sdkTypeCount: MAX_MAP_KEYS + 1, truncated: true });
  });

  it('keeps every set and map of escape-heavy values under 32,000 chars of JSON', () => {
    const heavy = (prefix: string): string[] => names(MAX_MAP_KEYS, prefix).map((name) => name + '\u0001'.repeat(124));
    const row = callRowOf(
      facts({
        sdkTypes: heavy('t'),
        sdkVersions: heavy('v'),
        callConnectionIds: heavy('c'),
        operations: Object.fromEntries(heavy('o').map((name) => [name, 1])),
        endpointTypes: Object.fromEntries(heavy('e').map((name) => [name, 1])),
        participants: 1,
      }),
    );
    for (const key of ['sdkTypes', 'sdkVersions', 'callConnectionIds', 'operations', 'endpointTypes']) {
      expect((row[key] as string).length, key).toBeLessThanOrEqual(32_000);
      expect(JSON.parse(row[key] as string)).toBeTruthy();
    }
    expect(row['truncated']).toBe(true);
  });

  it('reads back the facts it stored, for every generated call', () => {
    const rows = referenceAggregates(normalizeAll(allRecords(recordingLogs(11, { calls: 6 }))), [callsView])['Calls'] ?? {};
    const partitions = new Map<string, Map<string, RowData>>();
    for (const [key, row] of Object.entries(rows)) {
      const [pk, rk] = key.split(' / ') as [string, string];
      if (rk === CALL_ROW_KEY) continue;
      if (!partitions.has(pk)) partitions.set(pk, new Map());
      partitions.get(pk)?.set(rk, row);
    }
    expect(partitions.size).toBeGreaterThan(3);
    for (const [pk, partition] of partitions) {
      const computed = computeCallFacts(partition, pk);
      const recordings: RecordingFacts[] = [...computed.recordings].reverse();
      expect(callFactsOfRow(callRowSchema.parse(callRowOf(computed)), recordings)).toEqual(computed);
    }
  });
});
