import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RowData } from '../../../src/lib/aggregating/types.js';
import type { CallDiagnosticsRecord, NormalizedRecord } from '../../../src/lib/normalizing/types.js';
import { CALL_ROW_KEY, callPartition, callsView } from '../../../src/lib/aggregating/calls/index.js';
import { contentJson, foldStream, legRowKey, rankOf, streamKeyOf, streamRowKey } from '../../../src/lib/aggregating/calls/callLogRows.js';
import { computeCallLogFacts } from '../../../src/lib/aggregating/calls/callLogFacts.js';
import { DEFAULT_DECODED_STREAM_CHARS } from '../../../src/lib/aggregating/calls/legStreamBudget.js';
import {
  decodeLegStreams,
  encodeLegStreams,
  foldLegStream,
  keepDecodedLegStreams,
  LEG_STREAMS_FIELD,
  MAX_LEG_STREAMS,
  storedLegStreams,
  storedStreamChars,
  type StreamFacts,
} from '../../../src/lib/aggregating/calls/legStreams.js';
import { closeRow } from '../../../src/lib/aggregating/openValues.js';
import { expectSameInAnyOrder } from '../../support/chunkedFold.js';
import { referenceAggregates } from '../../support/storage.js';
import { legRecord, streamRecord } from '../../support/callLogs.js';
import { DAY, normalizeAll } from '../../support/recordingLogs.js';

describe('what a stream fold counts without building it', () => {
  it("counts a stream's stored JSON exactly, whatever its text and numbers", () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\u2028', '\u0000', 'é'));
    const orNull = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(value, { nil: null });
    const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 1e21, 1e-7, 0.1 + 0.2, Number.MAX_VALUE, Number.MIN_VALUE));
    const facts: fc.Arbitrary<StreamFacts> = fc.record({
      version: fc.integer(),
      at: text,
      digest: text,
      resourceId: text,
      mediaType: orNull(text),
      streamDirection: orNull(text),
      transportType: orNull(text),
      codecName: orNull(text),
      endpointType: orNull(text),
      jitterAvg: orNull(number),
      jitterMax: orNull(number),
      roundTripTimeAvg: orNull(number),
      roundTripTimeMax: orNull(number),
      packetLossRateAvg: orNull(number),
      packetLossRateMax: orNull(number),
      poor: fc.boolean(),
    });
    fc.assert(
      fc.property(facts, (s) => {
        const asStored = [s.version, s.at, s.digest, s.resourceId, s.mediaType, s.streamDirection, s.transportType, s.codecName, s.endpointType];
        const numbers = [s.jitterAvg, s.jitterMax, s.roundTripTimeAvg, s.roundTripTimeMax, s.packetLossRateAvg, s.packetLossRateMax];
        expect(storedStreamChars(s)).toBe(JSON.stringify([...asStored, ...numbers, s.poor ? 1 : 0]).length);
      }),
      { numRuns: 150 },
    );
  });

  it('digests the content of a record as the record without its category, whatever the order of its keys', () => {
    const records = normalizeAll([...streamsOf('p-1', 2), legRecord({ ...common, participantId: 'p-1', version: 2, time: START, callDurationSeconds: 60 })]);
    expect(records.length).toBe(3);
    for (const record of records) {
      if (record.category !== 'CallDiagnosticsUpdates' && record.category !== 'CallSummaryUpdates') throw new Error(record.category);
      const { category: _category, ...content } = record;
      expect(contentJson(record)).toBe(JSON.stringify(content));
      // Category not first, or a value that starts like it: the same text.
      const reordered = { ...content, category: record.category } as typeof record;
      expect(contentJson(reordered)).toBe(JSON.stringify(content));
      const lookalike = { category: record.category, note: '{"category":' } as unknown as typeof record;
      expect(contentJson(lookalike)).toBe('{"note":"{\\"category\\":"}');
    }
  });

  it('leaves the streams decoded from a stored string as they were when a fold adds to that string', () => {
    const [first, second] = diagnostics(normalizeAll(streamsOf('p-1', 2)));
    const row: RowData = {};
    foldLegStream(row, {}, first as CallDiagnosticsRecord, CALL);
    closeRow(row);
    const stored = row[LEG_STREAMS_FIELD] as string;
    expect(storedLegStreams(stored).size).toBe(1);
    // The next write folds into a copy of the stored row.
    const next: RowData = { ...row };
    foldLegStream(next, {}, second as CallDiagnosticsRecord, CALL);
    closeRow(next);
    expect(decodeLegStreams(next[LEG_STREAMS_FIELD]).size).toBe(2);
    expect(storedLegStreams(stored).size).toBe(1);
    expect(storedLegStreams(next[LEG_STREAMS_FIELD]).size).toBe(2);
    expect(encodeLegStreams(new Map(storedLegStreams(stored)))).toBe(stored);
  });

  it('keeps decoded streams within the budget the process sets: with none, each read decodes again, to the same streams', () => {
    const [first] = diagnostics(normalizeAll(streamsOf('p-2', 1)));
    const row: RowData = {};
    foldLegStream(row, {}, first as CallDiagnosticsRecord, CALL);
    closeRow(row);
    const stored = row[LEG_STREAMS_FIELD] as string;
    try {
      keepDecodedLegStreams(DEFAULT_DECODED_STREAM_CHARS);
      expect(storedLegStreams(stored)).toBe(storedLegStreams(stored));
      keepDecodedLegStreams(0);
      const again = storedLegStreams(stored);
      expect(again).not.toBe(storedLegStreams(stored));
      expect(again).toEqual(decodeLegStreams(stored));
    } finally {
      keepDecodedLegStreams(DEFAULT_DECODED_STREAM_CHARS);
    }
  });
});

const HOUR = 3_600_000;
const CALL = 'c0ffee00-aaaa-bbbb-cccc-444455556666';
const START = DAY + 9 * HOUR;
const PARTITION = callPartition(CALL);
const common = { correlationId: CALL, callStartTime: START } as const;

function partition(records: readonly NormalizedRecord[]): Record<string, RowData> {
  const rows: Record<string, RowData> = {};
  for (const [key, row] of Object.entries(referenceAggregates(records, [callsView])['Calls'] ?? {})) rows[key.slice(PARTITION.length + 3)] = row;
  return rows;
}

function rowKeys(rows: Record<string, RowData>, prefix: string): string[] {
  return Object.keys(rows).filter((key) => key.startsWith(prefix));
}

function diagnostics(records: readonly NormalizedRecord[]): CallDiagnosticsRecord[] {
  return records.filter((r): r is CallDiagnosticsRecord => r.category === 'CallDiagnostics' || r.category === 'CallDiagnosticsUpdates');
}

/** `n` streams of leg `participantId`, stream ids `0`..`n-1`, the first `poor` of them poor. */
function streamsOf(participantId: string, n: number, poor = 0): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) =>
    streamRecord({ ...common, participantId, version: 1, time: START + HOUR + i * 1000, streamId: String(i), jitterAvg: i < poor ? 50 : 2 }),
  );
}

describe("a leg's streams in the leg's row", () => {
  it('writes a leg and its streams as one row; a leg row with streams only is no participant', () => {
    const records = normalizeAll([
      legRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, callDurationSeconds: 600, endpointType: 'VoIP' }),
      streamRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, jitterAvg: 2 }),
      streamRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, direction: 'Outbound', jitterAvg: 40 }),
      // p-2's leg record has not arrived: its stream (a PSTN endpoint) is a stream, not a participant.
      streamRecord({ ...common, participantId: 'p-2', version: 1, time: START + 7 * HOUR, mediaType: 'Video', endpointType: 'PSTN' }),
    ]);
    const rows = partition(records);
    expect(Object.keys(rows).sort()).toEqual([CALL_ROW_KEY, ...rowKeys(rows, 'l|')].sort());
    expect(rowKeys(rows, 'l|')).toHaveLength(2);
    const streamOnly = rows[legRowKey(diagnostics(records)[2] as CallDiagnosticsRecord)] as RowData;
    expect(Object.keys(streamOnly)).toEqual([LEG_STREAMS_FIELD]);
    expect(rows[CALL_ROW_KEY]).toMatchObject({
      participants: 1,
      participantMs: 600_000,
      endpointTypes: '{"VoIP":1}',
      endReasons: '{"Success":1}',
      streams: 3,
      poorStreams: 1,
      lastAt: new Date(START + 7 * HOUR).toISOString(),
    });
  });

  it('counts a stream written twice, replayed, or split over folds once, in any order', () => {
    const records = normalizeAll([
      legRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, callDurationSeconds: 600 }),
      ...streamsOf('p-1', 3, 1),
      ...streamsOf('p-2', 2),
    ]);
    const expected = partition(records);
    expect(expected[CALL_ROW_KEY]).toMatchObject({ streams: 5, poorStreams: 1, participants: 1 });
    expectSameInAnyOrder(callsView, records, referenceAggregates(records, [callsView])['Calls'] ?? {}, {
      replays: 10,
      minReplays: 1,
      maxChunk: 4,
      stride: 3,
      runs: 100,
    });
  });

  it('keeps the winner of each stream: highest version, then latest time, then larger content digest, in every order', () => {
    const raw = [
      streamRecord({ ...common, participantId: 'p-1', version: 1, time: START + 9 * HOUR, jitterAvg: 11 }),
      // Highest version, though earlier in time: these two tie on version and time.
      streamRecord({ ...common, participantId: 'p-1', version: 3, time: START + HOUR, jitterAvg: 12 }),
      streamRecord({ ...common, participantId: 'p-1', version: 3, time: START + HOUR, jitterAvg: 13 }),
      streamRecord({ ...common, participantId: 'p-1', version: 2, time: START + 20 * HOUR, jitterAvg: 14 }),
      streamRecord({ ...common, participantId: 'p-1', version: null, time: START + 30 * HOUR, jitterAvg: 15 }),
    ];
    const records = diagnostics(normalizeAll(raw));
    const [, a, b] = records as [CallDiagnosticsRecord, CallDiagnosticsRecord, CallDiagnosticsRecord];
    const winner = rankOf(a).digest > rankOf(b).digest ? a : b;
    const loser = winner === a ? b : a;
    expect(winner.jitterAvg).not.toBe(loser.jitterAvg);
    const permutations = fc.sample(fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }), 60);
    for (const order of permutations) {
      const rows = partition(order);
      const streams = decodeLegStreams(rows[legRowKey(winner)]?.[LEG_STREAMS_FIELD]);
      expect([...streams.values()]).toMatchObject([{ version: 3, digest: rankOf(winner).digest, jitterAvg: winner.jitterAvg }]);
      expect(rows[CALL_ROW_KEY]).toMatchObject({ streams: 1, lastAt: new Date(START + HOUR).toISOString() });
    }
  });

  it('takes a stream found both in a leg row and in an m| row once, as the better-ranked of the two', () => {
    const [older, newer] = diagnostics(
      normalizeAll([
        streamRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, jitterAvg: 45 }),
        streamRecord({ ...common, participantId: 'p-1', version: 2, time: START + 2 * HOUR, jitterAvg: 3 }),
      ]),
    ) as [CallDiagnosticsRecord, CallDiagnosticsRecord];
    for (const [inLeg, inRow] of [
      [older, newer],
      [newer, older],
    ] as const) {
      const legRow: RowData = {};
      foldLegStream(legRow, {}, inLeg, CALL);
      closeRow(legRow);
      const streamRow: RowData = {};
      foldStream(streamRow, inRow, CALL);
      const facts = computeCallLogFacts(
        new Map([
          [legRowKey(inLeg), legRow],
          [streamRowKey(inRow), streamRow],
        ]),
      );
      expect(facts).toMatchObject({ streams: 1, poorStreams: 0, participants: 0, lastAt: new Date(START + 2 * HOUR).toISOString() });
      expect(facts.quality['Audio']?.jitterMs).toEqual([3]);
    }
  });

  it(`holds ${MAX_LEG_STREAMS} streams per leg; further streams get m| rows, and the call is the same in any order`, () => {
    const raw = [
      legRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, callDurationSeconds: 600 }),
      ...streamsOf('p-1', MAX_LEG_STREAMS + 1, 2),
    ];
    const records = normalizeAll(raw);
    const streams = diagnostics(records);
    const later = normalizeAll([
      // A newer version of the first and of the last stream: each replaces its stream wherever it is.
      streamRecord({ ...common, participantId: 'p-1', version: 2, time: START + 5 * HOUR, streamId: '0', jitterAvg: 3 }),
      streamRecord({ ...common, participantId: 'p-1', version: 2, time: START + 5 * HOUR, streamId: String(MAX_LEG_STREAMS), jitterAvg: 60 }),
    ]);
    const callRows: RowData[] = [];
    for (const order of [records, [...records].reverse()]) {
      const rows = partition([...order, ...later]);
      const leg = rows[legRowKey(streams[0] as CallDiagnosticsRecord)] as RowData;
      expect(decodeLegStreams(leg[LEG_STREAMS_FIELD]).size).toBe(MAX_LEG_STREAMS);
      const spilled = rowKeys(rows, 'm|');
      expect(spilled).toHaveLength(1);
      expect(decodeLegStreams(leg[LEG_STREAMS_FIELD]).has((spilled[0] as string).slice(2))).toBe(false);
      expect(rows[CALL_ROW_KEY]).toMatchObject({ participants: 1, streams: MAX_LEG_STREAMS + 1, poorStreams: 2 });
      callRows.push(rows[CALL_ROW_KEY] as RowData);
    }
    expect(callRows[1]).toEqual(callRows[0]);
    // Which stream has no room depends on the order; what the call counts does not.
    expect(streamKeyOf(streams[MAX_LEG_STREAMS] as CallDiagnosticsRecord)).not.toBe(streamKeyOf(streams[0] as CallDiagnosticsRecord));
  });

  it('encodes equal sets of streams to equal strings, and refuses stored streams that do not read', () => {
    const records = diagnostics(
      normalizeAll([
        ...streamsOf('p-1', 4, 1),
        streamRecord({ ...common, participantId: 'p-1', version: 1, time: START, streamId: 'x', resource: '/SUBSCRIPTIONS/S/RG/B' }),
      ]),
    );
    const encodings = [records, [...records].reverse()].map((order) => {
      const row: RowData = {};
      for (const record of order) foldLegStream(row, {}, record, CALL);
      closeRow(row);
      return row[LEG_STREAMS_FIELD] as string;
    });
    expect(encodings[1]).toBe(encodings[0]);
    expect(encodeLegStreams(decodeLegStreams(encodings[0]))).toBe(encodings[0]);
    expect(() => decodeLegStreams('{"r":[],"s":{"k":[1]}}')).toThrow(/16-field/);
    expect(() => decodeLegStreams('{"s":{}}')).toThrow(/not \{r/);
    expect(() => decodeLegStreams('not json')).toThrow(/do not read/);
    expect(() => decodeLegStreams('{"r":[],"s":{"k":[1,"t","d",0,null,null,null,null,null,null,null,null,null,null,null,0]}}')).toThrow(/no rank or resource/);
  });
});
