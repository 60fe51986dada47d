import { describe, expect, it } from 'vitest';
import type { RowData } from '../../../src/lib/aggregating/types.js';
import type { NormalizedRecord } from '../../../src/lib/normalizing/types.js';
import { CALL_ROW_KEY, callFactsOfRow, callPartition, callRowSchema, callsView } from '../../../src/lib/aggregating/calls/index.js';
import { endReasonClass, endpointTypeName } from '../../../src/lib/aggregating/calls/callLogFacts.js';
import { isPoorStream } from '../../../src/lib/aggregating/calls/callLogRows.js';
import { expectSameInAnyOrder } from '../../support/chunkedFold.js';
import { referenceAggregates } from '../../support/storage.js';
import { legRecord, streamRecord } from '../../support/callLogs.js';
import { DAY, normalizeAll, operationRecord, recordingIdOf, summaryRecord } from '../../support/recordingLogs.js';

const HOUR = 3_600_000;
const CALL = 'c0ffee00-1111-2222-3333-444455556666';
const START = DAY + 9 * HOUR;

function calls(records: readonly NormalizedRecord[]): Record<string, RowData> {
  return referenceAggregates(records, [callsView])['Calls'] ?? {};
}

function callRowOfRecords(records: readonly NormalizedRecord[]): RowData | undefined {
  return calls(records)[`${callPartition(CALL)} / ${CALL_ROW_KEY}`];
}

/** Three legs, each in up to three versions, with streams; version 2 lowers the call's duration. */
function callLogs(casing: 'camel' | 'pascal' = 'camel', stringNumbers = false) {
  const common = { correlationId: CALL, callStartTime: START, casing, stringNumbers } as const;
  return [
    legRecord({ ...common, participantId: 'p-1', version: null, time: START + 4 * HOUR, callDurationSeconds: 600 }),
    legRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, callDurationSeconds: 660 }),
    legRecord({ ...common, participantId: 'p-1', version: 2, time: START + 6 * HOUR, callDurationSeconds: 540, participantDurationSeconds: 530 }),
    legRecord({
      ...common,
      participantId: 'p-2',
      version: 1,
      time: START + HOUR,
      callDurationSeconds: 660,
      participantDurationSeconds: null,
      endReason: '487',
    }),
    legRecord({
      ...common,
      participantId: 'p-2',
      version: 2,
      time: START + 6 * HOUR,
      callDurationSeconds: 540,
      participantDurationSeconds: 300,
      endReason: '487',
    }),
    // A PSTN leg with no participant id: told apart by its endpoint id.
    legRecord({
      ...common,
      participantId: null,
      endpointId: 'ep-3',
      version: 1,
      time: START + HOUR,
      callDurationSeconds: 660,
      participantDurationSeconds: 120,
      endpointType: 'PSTN',
      endReason: '503',
    }),
    streamRecord({ ...common, participantId: 'p-1', version: null, time: START + 4 * HOUR, jitterAvg: 2 }),
    streamRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, jitterAvg: 45 }),
    streamRecord({ ...common, participantId: 'p-1', version: 2, time: START + 6 * HOUR, jitterAvg: 3 }),
    streamRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, direction: 'Outbound', packetLossRateAvg: 0.2 }),
    streamRecord({ ...common, participantId: 'p-2', version: 1, time: START + HOUR, mediaType: 'Video', streamId: '7', roundTripTimeAvg: 100 }),
  ];
}

describe('the call-log join', () => {
  const records = normalizeAll(callLogs());

  it('keeps the highest version of each leg and stream, and takes the call duration from the newest leg', () => {
    expect(callRowOfRecords(records)).toMatchObject({
      correlationId: CALL,
      recordingCount: 0,
      callStartTime: new Date(START).toISOString(),
      // Version 2 (540 s) replaces version 1 (660 s) and the plain record (600 s).
      callDurationMs: 540_000,
      callType: 'Group',
      participants: 3,
      participantMs: (530 + 300 + 120) * 1000,
      endpointTypes: '{"PSTN":1,"VoIP":2}',
      endReasons: '{"Client Failure":1,"Server Failure":1,"Success":1}',
      // p-1 inbound audio: version 2 (jitter 3) wins over version 1 (45): good. Outbound: loss 0.2: poor.
      streams: 3,
      poorStreams: 1,
      impacted: true,
      firstAt: new Date(START).toISOString(),
    });
    // No recording over a known duration: coverage 0 (not null).
    expect(callRowOfRecords(records)?.['recordingCoverage']).toBe(0);
  });

  it('gives the identical partition in every arrival order and chunking, with any record replayed or duplicated', () => {
    expectSameInAnyOrder(callsView, records, calls(records), { replays: 20, maxChunk: 12, stride: 5, runs: 300 });
  });

  it('reads both casings and numbers written as strings to the same partition', () => {
    const expected = calls(records);
    expect(calls(normalizeAll(callLogs('pascal', false)))).toEqual(expected);
    expect(calls(normalizeAll(callLogs('camel', true)))).toEqual(expected);
    expect(calls(normalizeAll(callLogs('pascal', true)))).toEqual(expected);
  });

  it('follows a later version that lowers the duration, whichever order the versions come in', () => {
    const v1 = legRecord({ correlationId: CALL, participantId: 'p-1', version: 1, time: START + HOUR, callStartTime: START, callDurationSeconds: 900 });
    const v2 = legRecord({
      correlationId: CALL,
      participantId: 'p-1',
      version: 2,
      time: START + 30 * HOUR,
      callStartTime: START + 60_000,
      callDurationSeconds: 120,
    });
    for (const order of [
      [v1, v2],
      [v2, v1],
    ]) {
      expect(callRowOfRecords(normalizeAll(order))).toMatchObject({
        callDurationMs: 120_000,
        callStartTime: new Date(START + 60_000).toISOString(),
        participants: 1,
      });
    }
  });

  it('breaks a tie of equal versions by the latest time, then by content, the same in either order', () => {
    const early = legRecord({ correlationId: CALL, participantId: 'p-1', version: 1, time: START + HOUR, callStartTime: START, callDurationSeconds: 100 });
    const late = legRecord({ correlationId: CALL, participantId: 'p-1', version: 1, time: START + 2 * HOUR, callStartTime: START, callDurationSeconds: 90 });
    const sameTime = legRecord({
      correlationId: CALL,
      participantId: 'p-1',
      version: 1,
      time: START + 2 * HOUR,
      callStartTime: START,
      callDurationSeconds: 95,
    });
    expect(callRowOfRecords(normalizeAll([early, late]))?.['callDurationMs']).toBe(90_000);
    expect(callRowOfRecords(normalizeAll([late, early]))?.['callDurationMs']).toBe(90_000);
    const a = callRowOfRecords(normalizeAll([late, sameTime]));
    expect(callRowOfRecords(normalizeAll([sameTime, late]))).toEqual(a);
  });

  it("joins the call logs to the call's recordings, in either order, and gives the coverage", () => {
    const recordingId = recordingIdOf(CALL, 1);
    const recording = [
      operationRecord({ correlationId: CALL, operationName: 'StartRecording', time: START + 5_000 }),
      summaryRecord({ correlationId: CALL, recordingId, time: START + 2 * HOUR, startTime: START + 6_000, lengthSeconds: 270 }),
    ];
    const logs = callLogs();
    const before = callRowOfRecords(normalizeAll([...logs, ...recording]));
    expect(before).toEqual(callRowOfRecords(normalizeAll([...recording, ...logs])));
    expect(before).toMatchObject({ recordingCount: 1, recordingMs: 270_000, callDurationMs: 540_000, recordingCoverage: 0.5, participants: 3 });
    const facts = callFactsOfRow(callRowSchema.parse(before), []);
    expect(facts).toMatchObject({ recordingCoverage: 0.5, callDurationMs: 540_000, impacted: true, poorStreams: 1 });
  });

  it('a version that arrives with nulls hides no value an older record of the leg carries, in every order and chunking', () => {
    const common = { correlationId: CALL, callStartTime: START } as const;
    const plain = { ...common, version: null, time: START + 4 * HOUR, callDurationSeconds: 770 } as const;
    const firstUpdate = { ...common, version: 1, time: START + HOUR, callDurationSeconds: null, endReason: null } as const;
    const withNulls = normalizeAll([
      legRecord({ ...plain, participantId: 'p-1', participantDurationSeconds: 767 }),
      legRecord({ ...firstUpdate, participantId: 'p-1' }),
      legRecord({ ...plain, participantId: 'p-2', participantDurationSeconds: 179, endReason: '487' }),
      legRecord({ ...firstUpdate, participantId: 'p-2', participantDurationSeconds: 180 }),
    ]);
    const expected = calls(withNulls);
    expect(expected[`${callPartition(CALL)} / ${CALL_ROW_KEY}`]).toMatchObject({
      callDurationMs: 770_000,
      // p-1: the plain record's 767 s (version 1 has none); p-2: version 1's 180 s over the plain 179 s.
      participantMs: (767 + 180) * 1000,
      endReasons: '{"Client Failure":1,"Success":1}',
    });
    expectSameInAnyOrder(callsView, withNulls, expected, { replays: 8, maxChunk: 4, stride: 3, runs: 300 });
    // A later version's value replaces them all; one that has none again keeps them.
    const corrected = normalizeAll([legRecord({ ...common, participantId: 'p-1', version: 2, time: START + 6 * HOUR, callDurationSeconds: 540 })]);
    expect(callRowOfRecords([...withNulls, ...corrected])?.['callDurationMs']).toBe(540_000);
    const emptyAgain = normalizeAll([legRecord({ ...firstUpdate, participantId: 'p-1', version: 3, time: START + 7 * HOUR })]);
    expect(callRowOfRecords([...withNulls, ...emptyAgain])?.['callDurationMs']).toBe(770_000);
  });

  it('has no coverage while the duration is unknown', () => {
    const leg = legRecord({ correlationId: CALL, participantId: 'p-1', version: 1, time: START + HOUR, callStartTime: START, callDurationSeconds: null });
    const row = callRowOfRecords(normalizeAll([leg]));
    expect(row).toMatchObject({ participants: 1 });
    expect(row?.['callDurationMs']).toBeUndefined();
    expect(row?.['recordingCoverage']).toBeUndefined();
  });

  it("counts other tenants' participants (ids Redacted) as their own legs, neither the server's nor one another's", () => {
    const common = { correlationId: CALL, callStartTime: START, version: null, time: START + HOUR, callDurationSeconds: 600 } as const;
    const legs = [
      legRecord({ ...common, participantId: 'p-1', participantDurationSeconds: 590 }),
      legRecord({ ...common, participantId: 'Redacted', endpointId: 'Redacted', participantDurationSeconds: 100 }),
      legRecord({ ...common, participantId: 'Redacted', endpointId: 'Redacted', endpointType: 'Bot', participantDurationSeconds: 200 }),
      // The server's leg, without any id.
      legRecord({ ...common, participantId: null, endpointType: 'Server', participantDurationSeconds: 50 }),
    ];
    const all = normalizeAll(legs);
    expect(callRowOfRecords(all)).toMatchObject({ participants: 4, participantMs: 940_000, endpointTypes: '{"Bot":1,"Server":1,"VoIP":2}' });
    expectSameInAnyOrder(callsView, all, calls(all), { replays: 4, maxChunk: 3, stride: 1, runs: 50 });
  });

  it("counts an other tenant's participant once when its records write the endpoint type in two casings", () => {
    const common = { correlationId: CALL, callStartTime: START, callDurationSeconds: 600, participantId: 'Redacted', endpointId: 'Redacted' } as const;
    const all = normalizeAll([
      legRecord({ ...common, version: null, time: START + HOUR, endpointType: 'PSTN', participantDurationSeconds: 60 }),
      legRecord({ ...common, version: 1, time: START + 2 * HOUR, endpointType: 'pstn', participantDurationSeconds: 60 }),
    ]);
    expect(callRowOfRecords(all)).toMatchObject({ participants: 1, participantMs: 60_000, endpointTypes: '{"PSTN":1}' });
    expectSameInAnyOrder(callsView, all, calls(all), { replays: 2, maxChunk: 2, stride: 1, runs: 20 });
  });

  it('classes end reasons by first digit and names endpoint types without regard to case', () => {
    expect(['0', '200', '2', '180', '302', '404', '500', '603', '9', 'x', null].map(endReasonClass)).toEqual([
      'Success',
      'Success',
      'Success',
      'Provisional',
      'Redirection',
      'Client Failure',
      'Server Failure',
      'Global Failure',
      'Other',
      'Other',
      '(none)',
    ]);
    expect(['VOIP', 'voip', 'VoIP', 'BOT', 'Bot', 'pstn', 'Server', 'Teams', null].map(endpointTypeName)).toEqual([
      'VoIP',
      'VoIP',
      'VoIP',
      'Bot',
      'Bot',
      'PSTN',
      'Server',
      'Teams',
      '(none)',
    ]);
  });

  it('calls a stream poor over the Insights thresholds only (Avg values, strictly greater)', () => {
    expect(isPoorStream(30, 0.1, 500)).toBe(false);
    expect(isPoorStream(30.5, null, null)).toBe(true);
    expect(isPoorStream(null, 0.1001, null)).toBe(true);
    expect(isPoorStream(null, null, 501)).toBe(true);
    expect(isPoorStream(null, null, null)).toBe(false);
  });
});

describe('hostile call logs', () => {
  it('keep at most 8 media types per call, the rest under (other), so a call stays one small transaction', () => {
    const streams = Array.from({ length: 30 }, (_, i) =>
      streamRecord({
        correlationId: CALL,
        participantId: 'p-1',
        version: 1,
        time: START + HOUR,
        mediaType: `Media${String(i).padStart(2, '0')}`,
        jitterAvg: i,
      }),
    );
    const row = callRowOfRecords(normalizeAll(streams)) as RowData;
    const quality = JSON.parse(row['quality'] as string) as Record<string, { streams: number }>;
    expect(Object.keys(quality)).toHaveLength(8);
    expect(quality['(other)']?.streams).toBe(23);
    expect(Object.values(quality).reduce((n, q) => n + q.streams, 0)).toBe(30);
  });
});
