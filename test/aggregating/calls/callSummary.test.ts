import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RowData } from '../../../src/lib/aggregating/types.js';
import { computeCallFacts, coverage } from '../../../src/lib/aggregating/calls/callSummary.js';
import { CALL_ROW_KEY, callsView } from '../../../src/lib/aggregating/calls/index.js';
import { referenceAggregates } from '../../support/storage.js';
import { allRecords, normalizeAll, recordingLogs } from '../../support/recordingLogs.js';

const PK = 'call-1';

function summaryRow(recordingId: string, extra: RowData = {}): RowData {
  return {
    recordingId,
    hasSummary: true,
    startTime: '2024-05-25T10:00:01.000Z',
    summaryAt: '2024-05-25T11:00:00.000Z',
    lengthMs: 1000,
    operationCount: 0,
    failedOperations: 0,
    ...extra,
  };
}

function operationRow(operationName: string, time: string, extra: RowData = {}): RowData {
  return { operationName, time, failed: false, ...extra };
}

/** Each call's partition (without its call row) from generated recording logs. */
function generatedPartitions(seed: number): Map<string, Map<string, RowData>> {
  const rows = referenceAggregates(normalizeAll(allRecords(recordingLogs(seed, { calls: 6, maxRecordings: 3 }))), [callsView])['Calls'] ?? {};
  const partitions = new Map<string, Map<string, RowData>>();
  for (const [key, row] of Object.entries(rows)) {
    const [pk, rk] = key.split(' / ') as [string, string];
    if (rk === CALL_ROW_KEY) continue;
    if (!partitions.has(pk)) partitions.set(pk, new Map());
    partitions.get(pk)?.set(rk, row);
  }
  return partitions;
}

describe('call facts from the rows of its partition', () => {
  it('are the same whatever order the rows come in', () => {
    const partitions = [...generatedPartitions(7)];
    expect(partitions.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.constantFrom(...partitions), fc.integer(), ([pk, rows], seed) => {
        const shuffled = fc.sample(fc.shuffledSubarray([...rows], { minLength: rows.size, maxLength: rows.size }), { seed, numRuns: 1 })[0] ?? [];
        expect(computeCallFacts(new Map(shuffled), pk)).toEqual(computeCallFacts(rows, pk));
      }),
      { numRuns: 50 },
    );
  });

  it('count recordings pending a summary by the larger of the two lower bounds', () => {
    const rows = new Map<string, RowData>([
      ['s|a', summaryRow('a', { operationCount: 1 })],
      // Named by a successful operation, no summary yet.
      ['s|b', { recordingId: 'b', operationCount: 2, failedOperations: 1 }],
      // Named only by a failed operation: not pending.
      ['s|c', { recordingId: 'c', operationCount: 1, failedOperations: 1 }],
      ['o|1', operationRow('StartRecording', '2024-05-25T10:00:00.000Z')],
      ['o|2', operationRow('Start Call Recording', '2024-05-25T10:00:01.000Z')],
      ['o|3', operationRow('StartRecording', '2024-05-25T10:00:02.000Z')],
      ['o|4', operationRow('StartRecording', '2024-05-25T10:00:03.000Z', { failed: true })],
    ]);
    const facts = computeCallFacts(rows, PK);
    expect(facts.recordingIdsWithoutSummary).toEqual(['b']);
    // Three successful starts, one summary: at least two pending, more than the one id known.
    expect(facts.recordingsWithoutSummary).toBe(2);
    expect(facts).toMatchObject({ recordingCount: 1, summariesWithoutOperations: 0, operationCount: 4, failedOperations: 1, matched: true });
    expect(facts.operations).toEqual({ 'Start Call Recording': 1, StartRecording: 3 });
  });

  it('give exact duration statistics over every operation, and none when no operation has one', () => {
    const rows = new Map<string, RowData>(
      [40, 10, 30, 20].map((durationMs, i) => [`o|${i}`, operationRow('StopRecording', `2024-05-25T10:00:0${i}.000Z`, { durationMs })]),
    );
    rows.set('o|x', operationRow('StopRecording', '2024-05-25T10:00:09.000Z', { durationMs: Number.NaN }));
    expect(computeCallFacts(rows, PK).durationMs).toEqual({ count: 4, sumUs: 100_000, min: 10, max: 40, p50: 20, p95: 40, p99: 40 });
    expect(computeCallFacts(new Map([['o|1', operationRow('StopRecording', '2024-05-25T10:00:00.000Z')]]), PK).durationMs).toBeNull();
  });

  it('take the smallest ids seen, the partition key when no row has one, and the time span of everything', () => {
    const rows = new Map<string, RowData>([
      ['o|1', operationRow('StopRecording', '2024-05-25T10:05:00.000Z', { correlationId: 'b-call', resourceId: '/r/2' })],
      ['o|2', operationRow('StopRecording', '2024-05-25T10:01:00.000Z', { correlationId: 'a-call', resourceId: '/r/1' })],
      ['s|z', summaryRow('z', { startTime: '2024-05-25T09:59:00.000Z', summaryAt: '2024-05-26T00:00:00.000Z' })],
    ]);
    expect(computeCallFacts(rows, PK)).toMatchObject({
      correlationId: 'a-call',
      resourceId: '/r/1',
      firstOperationAt: '2024-05-25T10:01:00.000Z',
      lastOperationAt: '2024-05-25T10:05:00.000Z',
      firstAt: '2024-05-25T09:59:00.000Z',
      lastAt: '2024-05-26T00:00:00.000Z',
      summariesWithoutOperations: 1,
    });
    expect(computeCallFacts(new Map([['s|z', summaryRow('z')]]), 'call!2F1').correlationId).toBe('call/1');
  });

  it('give no coverage while the call duration is unknown or zero, else the ratio to 6 decimals', () => {
    expect(coverage(1000, null)).toBeNull();
    expect(coverage(1000, 0)).toBeNull();
    expect(coverage(1, 3)).toBe(0.333333);
    expect(coverage(3000, 2000)).toBe(1.5);
  });
});
