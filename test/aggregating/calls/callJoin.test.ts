import { describe, expect, it } from 'vitest';
import type { RowData } from '../../../src/lib/aggregating/types.js';
import type { NormalizedRecord } from '../../../src/lib/normalizing/types.js';
import {
  CALL_ROW_KEY,
  callPartition,
  callsView,
  computeCallFacts,
  isStartOperation,
  operationRowKey,
  summaryRowKey,
} from '../../../src/lib/aggregating/calls/index.js';
import { expectSameInAnyOrder } from '../../support/chunkedFold.js';
import { referenceAggregates } from '../../support/storage.js';
import {
  DAY,
  entitySizeBytes,
  largeCall,
  normalizeAll,
  operationRecord,
  recordingIdOf,
  recordingLogs,
  RESOURCE,
  summaryRecord,
} from '../../support/recordingLogs.js';

const HOUR = 3_600_000;
const CALL = 'x7rMXmihYEe3GFho9T/H2w';

function calls(records: readonly NormalizedRecord[]): Record<string, RowData> {
  return referenceAggregates(records, [callsView])['Calls'] ?? {};
}

function callRow(records: readonly NormalizedRecord[], correlationId = CALL): RowData | undefined {
  return calls(records)[`${callPartition(correlationId)} / ${CALL_ROW_KEY}`];
}

describe('the recording join', () => {
  const r1 = recordingIdOf(CALL, 1);
  const r2 = recordingIdOf(CALL, 2);
  const r3 = recordingIdOf(CALL, 3);
  const t = DAY + 10 * HOUR;
  const raw = [
    operationRecord({
      correlationId: CALL,
      operationName: 'StartRecording',
      time: t,
      durationMs: 200,
      sdkType: 'dotnet',
      sdkVersion: '1.0.0',
      callConnectionId: 'cc-1',
    }),
    operationRecord({
      correlationId: CALL,
      operationName: 'PauseRecording',
      time: t + 60_000,
      recordingId: r1,
      durationMs: 50,
      sdkType: 'java',
      sdkVersion: '1.1.0',
      callConnectionId: 'cc-2',
    }),
    operationRecord({ correlationId: CALL, operationName: 'ResumeRecording', time: t + 120_000, recordingId: r1, durationMs: 40, failed: true }),
    operationRecord({ correlationId: CALL, operationName: 'StopRecording', time: t + 180_000, recordingId: r1, durationMs: 10 }),
    operationRecord({ correlationId: CALL, operationName: 'StartRecording', time: t + 200_000, durationMs: null }),
    operationRecord({ correlationId: CALL, operationName: 'StopRecording', time: t + 300_000, recordingId: r2, durationMs: 30 }),
    summaryRecord({
      correlationId: CALL,
      recordingId: r1,
      time: t + 26 * HOUR,
      startTime: t + 1000,
      lengthSeconds: '179.001',
      chunkCount: 2,
      formatType: 'mp3',
    }),
    summaryRecord({ correlationId: CALL, recordingId: r3, time: t + HOUR, startTime: t + 2000, lengthSeconds: 0.1, endReason: 'SystemFailure' }),
  ];
  const records = normalizeAll(raw);

  it('joins summaries and operations of a call into one call row', () => {
    expect(callRow(records)).toEqual({
      correlationId: CALL,
      resourceId: RESOURCE,
      recordingCount: 2,
      recordingMs: 179_101,
      // r2 was stopped through the API but has no summary; two starts, two summaries: at least 1 pending.
      recordingsWithoutSummary: 1,
      // r3 was never named by an operation.
      summariesWithoutOperations: 1,
      operationCount: 6,
      operations: '{"PauseRecording":1,"ResumeRecording":1,"StartRecording":2,"StopRecording":2}',
      failedOperations: 1,
      sdkTypes: '["dotnet","java"]',
      sdkTypeCount: 2,
      sdkVersions: '["1.0.0","1.1.0"]',
      sdkVersionCount: 2,
      callConnectionIds: '["cc-1","cc-2","d5596715-ab0b-4a2b-8eee-575c250e4234"]',
      callConnectionIdCount: 3,
      firstOperationAt: '2024-05-25T10:00:00.000Z',
      lastOperationAt: '2024-05-25T10:05:00.000Z',
      firstAt: '2024-05-25T10:00:00.000Z',
      lastAt: '2024-05-26T12:00:00.000Z',
      durationCount: 5,
      durationSumUs: 330_000,
      durationMinMs: 10,
      durationMaxMs: 200,
      durationP50Ms: 40,
      durationP95Ms: 200,
      durationP99Ms: 200,
      matched: true,
    });
  });

  it('attaches operations to their recording by the recording id in the URI', () => {
    const rows = calls(records);
    const pk = callPartition(CALL);
    expect(rows[`${pk} / ${summaryRowKey(r1)}`]).toMatchObject({
      recordingId: r1,
      hasSummary: true,
      lengthMs: 179_001,
      chunkCount: 2,
      formatType: 'mp3',
      operationCount: 3,
      failedOperations: 1,
      operations: '{"PauseRecording":1,"ResumeRecording":1,"StopRecording":1}',
    });
    expect(rows[`${pk} / ${summaryRowKey(r2)}`]).toEqual({
      recordingId: r2,
      correlationId: CALL,
      resourceId: RESOURCE,
      operationCount: 1,
      failedOperations: 0,
      operations: '{"StopRecording":1}',
    });
    expect(
      computeCallFacts(
        new Map(
          Object.entries(rows)
            .filter(([k]) => !k.endsWith(` / ${CALL_ROW_KEY}`))
            .map(([k, v]) => [k.split(' / ')[1] as string, v]),
        ),
        pk,
      ).recordingIdsWithoutSummary,
    ).toEqual([r2]);
  });

  it('gives the identical call partition in every arrival order, chunking, and with any record replayed', () => {
    const logs = recordingLogs(21, { calls: 4, maxRecordings: 4, duplicates: 0 });
    const all = normalizeAll([...logs.operations, ...logs.summaries, ...raw]);
    // A replayed record is a duplicate line (Azure Monitor) or the same file read as a new generation.
    expectSameInAnyOrder(callsView, all, calls(all), { replays: 30, maxChunk: 40, stride: 7, runs: 200 });
  });

  it('matches a summary that arrives a day after its operations, and shows the recording as pending until then', () => {
    const operations = records.filter((r) => r.category === 'CallRecordingOperational');
    const before = callRow(operations);
    expect(before).toMatchObject({ matched: false, recordingCount: 0, recordingsWithoutSummary: 2, operationCount: 6 });
    const after = callRow([...operations, ...records.filter((r) => r.category === 'CallRecordingSummary')]);
    expect(after).toMatchObject({ matched: true, recordingCount: 2, recordingsWithoutSummary: 1 });
    expect(after).toEqual(callRow(records));
  });

  it('keeps the latest summary of a recording whatever the order', () => {
    const a = summaryRecord({ correlationId: CALL, recordingId: r1, time: t + HOUR, lengthSeconds: 10 });
    const b = summaryRecord({ correlationId: CALL, recordingId: r1, time: t + 2 * HOUR, lengthSeconds: 20 });
    const c = summaryRecord({ correlationId: CALL, recordingId: r1, time: t + 2 * HOUR, lengthSeconds: 30 });
    const ab = calls(normalizeAll([a, b, c]));
    expect(calls(normalizeAll([c, b, a]))).toEqual(ab);
    expect(calls(normalizeAll([b, a, c]))).toEqual(ab);
    expect(ab[`${callPartition(CALL)} / ${CALL_ROW_KEY}`]).toMatchObject({ recordingCount: 1, matched: false, summariesWithoutOperations: 1 });
  });

  it('does not join records without a CorrelationId, and stores no caller IP or user id', () => {
    const orphan = normalizeAll([
      operationRecord({ correlationId: null, operationName: 'StartRecording', time: t }),
      summaryRecord({ correlationId: null, recordingId: r1, time: t }),
      operationRecord({ correlationId: '  ', operationName: 'StartRecording', time: t }),
    ]);
    expect(calls(orphan)).toEqual({});
    expect(JSON.stringify(calls(records))).not.toContain('203.0.113.7');
  });

  it('attaches an operation to a recording whose summary writes its RecordingId with blanks around it', () => {
    const rows = calls(
      normalizeAll([
        operationRecord({ correlationId: CALL, operationName: 'StopRecording', time: t, recordingId: r1 }),
        summaryRecord({ correlationId: CALL, recordingId: ` ${r1} `, time: t + HOUR }),
      ]),
    );
    expect(Object.keys(rows).filter((key) => key.includes(' / s|'))).toEqual([`${callPartition(CALL)} / ${summaryRowKey(r1)}`]);
    expect(rows[`${callPartition(CALL)} / ${CALL_ROW_KEY}`]).toMatchObject({
      recordingCount: 1,
      recordingsWithoutSummary: 0,
      summariesWithoutOperations: 0,
      matched: true,
    });
  });

  it('keys an operation by its time and a digest of its content', () => {
    const [first] = normalizeAll([raw[0] as Record<string, unknown>]);
    const [copy] = normalizeAll([{ ...(raw[0] as Record<string, unknown>), callerIpAddress: '198.51.100.1' }]);
    const [other] = normalizeAll([{ ...(raw[0] as Record<string, unknown>), durationMs: 201 }]);
    const key = operationRowKey(first as never);
    expect(key).toMatch(/^o\|2024-05-25T10:00:00\.000Z\|[A-Za-z0-9_-]{22}$/);
    expect(operationRowKey(copy as never)).toBe(key);
    expect(operationRowKey(other as never)).not.toBe(key);
    expect(isStartOperation('StartRecording')).toBe(true);
    expect(isStartOperation('Start Call Recording')).toBe(true);
    expect(isStartOperation('StopRecording')).toBe(false);
  });

  it('keeps the call row of a call with 500 recordings and 2000 operations small, and caps its sets', () => {
    const logs = largeCall(CALL, 500, 2000, 300);
    const rows = calls(normalizeAll([...logs.operations, ...logs.summaries]));
    const row = rows[`${callPartition(CALL)} / ${CALL_ROW_KEY}`] as RowData;
    expect(row).toMatchObject({ recordingCount: 500, operationCount: 2000, callConnectionIdCount: 300, truncated: true, matched: true });
    expect(JSON.parse(row['callConnectionIds'] as string)).toHaveLength(200);
    for (const value of Object.values(row)) if (typeof value === 'string') expect(value.length).toBeLessThan(32_768);
    expect(JSON.stringify(row).length).toBeLessThan(64 * 1024);
    expect(Object.keys(rows)).toHaveLength(1 + 500 + 2000);
  });

  it('keeps the worst-case call row (hundreds of long distinct values in every set and map) within the entity limits', () => {
    const long = (kind: string, i: number): string => `${kind}-${String(i).padStart(4, '0')}-${'v'.repeat(300)}`;
    const raw = Array.from({ length: 600 }, (_, i) =>
      operationRecord({
        correlationId: CALL,
        operationName: long('Op', i),
        time: t + i,
        sdkType: long('sdk', i),
        sdkVersion: long('ver', i),
        callConnectionId: long('cc', i),
        recordingId: recordingIdOf(CALL, i % 50),
      }),
    );
    const row = callRow(normalizeAll(raw)) as RowData;
    const bytes = entitySizeBytes(callPartition(CALL), CALL_ROW_KEY, row);
    expect(row['truncated']).toBe(true);
    expect(bytes, 'worst-case call row, bytes').toBeLessThan(512 * 1024);
    for (const [name, value] of Object.entries(row)) if (typeof value === 'string') expect(value.length, `${name}, chars`).toBeLessThan(32_768);
    expect(Object.keys(row).length).toBeLessThan(252);
  });
});
