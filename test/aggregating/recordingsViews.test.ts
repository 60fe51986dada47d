import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordingOperationsView, recordingsView } from '../../src/lib/aggregating/index.js';
import {
  addToSketch,
  decodeSketch,
  emptySketch,
  encodeSketch,
  mergeSketch,
  RELATIVE_ACCURACY,
  sketchCount,
  quantileRank,
  sketchQuantile,
} from '../../src/lib/aggregating/recordings/durationSketch.js';
import { closeRow } from '../../src/lib/aggregating/openValues.js';
import { bumpCount, MAX_MAP_KEYS, MAX_VALUE_CHARS, OTHER_KEY, readCounts } from '../../src/lib/aggregating/rowValues.js';
import type { RowData } from '../../src/lib/aggregating/types.js';
import { exactQuantile } from '../../src/lib/aggregating/calls/index.js';
import { referenceAggregates } from '../support/storage.js';
import { allRecords, DAY, entitySizeBytes, normalizeAll, operationRecord, recordingLogs, RESOURCE, summaryRecord } from '../support/recordingLogs.js';

const VIEWS = [recordingsView, recordingOperationsView];
const HOUR = 3_600_000;

function rowsOf(table: string, snapshot: ReturnType<typeof referenceAggregates>): RowData[] {
  return Object.values(snapshot[table] ?? {});
}

describe('the duration sketch', () => {
  it('estimates every quantile within its relative accuracy of the exact value at the same rank', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 120_000 }), fc.double({ min: 0.001, max: 1e9, noNaN: true })), { minLength: 1, maxLength: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const sketch = emptySketch();
          for (const value of values) addToSketch(sketch, value);
          const sorted = [...values].sort((a, b) => a - b);
          const exact = exactQuantile(sorted, q);
          const estimate = sketchQuantile(sketch, q, sorted[0], sorted[sorted.length - 1]) as number;
          // Values below 1 µs are reported as 0.
          const tolerance = exact < 0.001 ? 0.001 : RELATIVE_ACCURACY * exact * (1 + 1e-9);
          expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(tolerance);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers the exact min or max where the rank is the first or the last: the p95 and p99 of a few durations are the slowest one', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 120_000 }), { minLength: 1, maxLength: 20 }), (values) => {
        const sketch = emptySketch();
        for (const value of values) addToSketch(sketch, value);
        const sorted = [...values].sort((a, b) => a - b);
        const [min, max] = [sorted[0] as number, sorted[sorted.length - 1] as number];
        // Up to 20 values, the p95 and p99 are the last rank; the p50 of one value is its only one.
        expect(sketchQuantile(sketch, 0.95, min, max)).toBe(max);
        expect(sketchQuantile(sketch, 0.99, min, max)).toBe(max);
        if (values.length <= 2) expect(sketchQuantile(sketch, 0.5, min, max)).toBe(min);
      }),
      { numRuns: 300 },
    );
    // The case a user found: six operations, the slowest 745 ms, whose bin stands for 742.61.
    const sketch = emptySketch();
    for (const value of [120, 240, 310, 505, 640, 745]) addToSketch(sketch, value);
    expect(sketchQuantile(sketch, 0.99, 120, 745)).toBe(745);
    expect(sketchQuantile(sketch, 0.99)).not.toBe(745);
  });

  it('merges exactly: the merge of two sketches is the sketch of all their values, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 })), fc.array(fc.double({ min: 0, max: 1e6, noNaN: true })), (a, b) => {
        const left = emptySketch();
        const right = emptySketch();
        const all = emptySketch();
        for (const v of a) addToSketch(left, v);
        for (const v of b) addToSketch(right, v);
        for (const v of [...b, ...a].reverse()) addToSketch(all, v);
        mergeSketch(left, right);
        expect(encodeSketch(left)).toBe(encodeSketch(all));
        expect(sketchCount(decodeSketch(encodeSketch(all)))).toBe(a.length + b.length);
        expect(encodeSketch(decodeSketch(encodeSketch(all)))).toBe(encodeSketch(all));
      }),
    );
  });

  it('stays well inside one 64 KiB property even over its whole range', () => {
    const sketch = emptySketch();
    for (let v = 0.001; v < 1e12; v *= 1.001) addToSketch(sketch, v, 4_000_000_000);
    const encoded = encodeSketch(sketch);
    expect(sketch.bins.size).toBeLessThanOrEqual(1728);
    expect(encoded.length).toBeLessThan(32_768);
    expect(sketchQuantile(emptySketch(), 0.5)).toBeNull();
  });
});

describe('recording views', () => {
  it('count recordings per hour and day of the recording start, with lengths as integer milliseconds and counts by value', () => {
    const start = DAY + 4 * HOUR + 5 * 60_000;
    const records = normalizeAll([
      summaryRecord({
        correlationId: 'c1',
        recordingId: 'r1',
        time: start + 30 * HOUR,
        startTime: start,
        lengthSeconds: '73872.94',
        chunkCount: 6,
        audioChannelsCount: 1,
      }),
      summaryRecord({
        correlationId: 'c1',
        recordingId: 'r2',
        time: start + HOUR,
        startTime: start + 60_000,
        lengthSeconds: 3.34,
        formatType: 'mp3',
        channelType: 'unmixed',
        audioChannelsCount: 2,
      }),
      summaryRecord({
        correlationId: null,
        recordingId: 'r3',
        time: start + 2 * HOUR,
        startTime: null,
        lengthSeconds: null,
        contentType: 'Audio Only',
        endReason: 'SystemFailure',
      }),
    ]);
    const rows = rowsOf('Recordings', referenceAggregates(records, VIEWS));
    const hour4 = rows.find((row) => row['bucket'] === '2024-05-25T04:00:00.000Z');
    expect(hour4).toMatchObject({
      granularity: 'hour',
      resourceId: RESOURCE,
      recordings: 2,
      recordingMs: 73_876_280,
      chunks: 7,
      audioChannels: 3,
      byFormat: '{"mp3":1,"mp4":1}',
      byChannel: '{"mixed":1,"unmixed":1}',
      byContent: '{"Audio - Video":2}',
      byEndReason: '{"CallEnded":2}',
    });
    // A summary without a start time counts when it was logged; one without a CorrelationId counts too.
    expect(rows.find((row) => row['bucket'] === '2024-05-25T06:00:00.000Z')).toMatchObject({ recordings: 1, recordingMs: 0, byContent: '{"Audio Only":1}' });
    expect(rows.find((row) => row['granularity'] === 'day')).toMatchObject({ bucket: '2024-05-25T00:00:00.000Z', recordings: 3, recordingMs: 73_876_280 });
  });

  it('count operations by name, signature and SDK, with failures and exact duration min, max and integer sum', () => {
    const t = DAY + 9 * HOUR;
    const records = normalizeAll([
      operationRecord({ correlationId: 'c', operationName: 'StartRecording', time: t, durationMs: 120 }),
      operationRecord({ correlationId: 'c', operationName: 'StartRecording', time: t + 1000, durationMs: 80.5 }),
      operationRecord({ correlationId: 'c', operationName: 'StartRecording', time: t + 2000, durationMs: null }),
      operationRecord({ correlationId: 'c', operationName: 'PauseRecording', time: t + 3000, recordingId: 'r', failed: true, durationMs: 7 }),
      operationRecord({ correlationId: null, operationName: 'StartRecording', time: t + HOUR, durationMs: 300, sdkType: 'java' }),
    ]);
    const rows = rowsOf('RecordingOperations', referenceAggregates(records, VIEWS));
    expect(rows.find((row) => row['granularity'] === 'hour' && row['operationName'] === 'StartRecording' && row['sdkType'] === 'dotnet')).toMatchObject({
      bucket: '2024-05-25T09:00:00.000Z',
      resultSignature: '200',
      count: 3,
      failed: 0,
      durationCount: 2,
      durationSumUs: 200_500,
      durationMinMs: 80.5,
      durationMaxMs: 120,
    });
    expect(rows.find((row) => row['operationName'] === 'PauseRecording' && row['granularity'] === 'day')).toMatchObject({
      resultSignature: '400',
      count: 1,
      failed: 1,
    });
    expect(rows.filter((row) => row['granularity'] === 'day').reduce((sum, row) => sum + (row['count'] as number), 0)).toBe(5);
  });

  it('keep each day row equal to the merge of its hour rows', () => {
    const records = normalizeAll(recordingLogs(3, { calls: 40 }).operations);
    const rows = rowsOf('RecordingOperations', referenceAggregates(records, VIEWS));
    const days = rows.filter((row) => row['granularity'] === 'day');
    expect(days.length).toBeGreaterThan(3);
    for (const day of days) {
      const hours = rows.filter(
        (row) =>
          row['granularity'] === 'hour' &&
          row['operationName'] === day['operationName'] &&
          row['resultSignature'] === day['resultSignature'] &&
          row['sdkType'] === day['sdkType'] &&
          String(row['bucket']).slice(0, 10) === String(day['bucket']).slice(0, 10),
      );
      const merged = emptySketch();
      for (const hour of hours) mergeSketch(merged, decodeSketch(hour['durationSketch']));
      expect(encodeSketch(merged)).toBe(day['durationSketch'] ?? encodeSketch(emptySketch()));
      expect(hours.reduce((sum, row) => sum + (row['count'] as number), 0)).toBe(day['count']);
      expect(hours.reduce((sum, row) => sum + ((row['durationSumUs'] as number | undefined) ?? 0), 0)).toBe(day['durationSumUs'] ?? 0);
    }
  });

  it('give the same rows whatever order the records arrive in', () => {
    const logs = recordingLogs(5, { calls: 15 });
    const records = normalizeAll([...logs.summaries, ...logs.operations]);
    const expected = referenceAggregates(records, VIEWS);
    fc.assert(
      fc.property(fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }), (shuffled) => {
        expect(referenceAggregates(shuffled, VIEWS)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('ignore the other categories', () => {
    const records = normalizeAll(allRecords(recordingLogs(6, { calls: 3 })).filter((r) => r['category'] === 'Usage'));
    expect(referenceAggregates(records, VIEWS)).toEqual({ Recordings: {}, RecordingOperations: {} });
  });

  it('cap a count map at its size limit, counting the rest under (other)', () => {
    const row: RowData = {};
    for (let i = 0; i < MAX_MAP_KEYS + 50; i++) bumpCount(row, 'byFormat', `format-${String(i).padStart(4, '0')}-${'x'.repeat(120)}`);
    closeRow(row);
    const counts = readCounts(row['byFormat']);
    expect(Object.keys(counts)).toHaveLength(MAX_MAP_KEYS + 1);
    expect(counts[OTHER_KEY]).toBe(50);
    expect(String(row['byFormat']).length).toBeLessThan(32_768);
  });

  it('cap a count map the same way whatever order its values arrive in: the smallest values keep their whole counts', () => {
    const values = Array.from({ length: MAX_MAP_KEYS + 50 }, (_, i) => `fmt${String(i).padStart(3, '0')}`);
    const bumps = values.flatMap((value, i) => Array.from({ length: (i % 3) + 1 }, () => value));
    const counted = (order: readonly string[]): string => {
      const row: RowData = {};
      for (const value of order) bumpCount(row, 'byFormat', value);
      closeRow(row);
      return row['byFormat'] as string;
    };
    const expected = counted(bumps);
    const counts = readCounts(expected);
    expect(Object.keys(counts)).toEqual([OTHER_KEY, ...values.slice(0, MAX_MAP_KEYS)]);
    expect(counts[OTHER_KEY]).toBe(bumps.length - bumps.filter((value) => value < (values[MAX_MAP_KEYS] as string)).length);
    expect(counted([...bumps].reverse())).toBe(expected);
    fc.assert(
      fc.property(fc.shuffledSubarray(bumps, { minLength: bumps.length, maxLength: bumps.length }), (shuffled) => {
        expect(counted(shuffled)).toBe(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('cap a count map by its JSON too: values JSON writes long (control characters, lone surrogates) keep the row within 1 MiB', () => {
    const row: RowData = {};
    const maps = ['byFormat', 'byChannel', 'byContent', 'byEndReason'];
    const summaries = 250;
    for (let i = 0; i < summaries; i++) {
      const value = `${String(i).padStart(4, '0')}${i % 2 === 0 ? '\u0001' : '\ud800'}`.padEnd(MAX_VALUE_CHARS, i % 2 === 0 ? '\u0001' : '\ud800');
      for (const map of maps) bumpCount(row, map, value);
    }
    closeRow(row);
    for (const map of maps) {
      const counts = readCounts(row[map]);
      expect(String(row[map]).length, map).toBeLessThan(32_768);
      expect(
        Object.values(counts).reduce((a, b) => a + b, 0),
        map,
      ).toBe(summaries);
      expect(counts[OTHER_KEY], map).toBeGreaterThan(0);
    }
    expect(entitySizeBytes('p', 'h|2024-05-25T09', row)).toBeLessThan(1024 * 1024);
  });
});

describe('the quantile rank', () => {
  it('is the nearest rank: the p99 of a few values is their largest, the p0 their smallest, p50 of an even count the lower middle', () => {
    const at = (q: number, values: number[]) => values[quantileRank(q, values.length)];
    expect(
      at(
        0.99,
        [163, 12, 47.9].sort((a, b) => a - b),
      ),
    ).toBe(163);
    expect(at(0.95, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100])).toBe(100);
    expect(at(0.9, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100])).toBe(90);
    expect(at(0.5, [10, 20, 30, 40])).toBe(20);
    expect(at(0, [10, 20, 30])).toBe(10);
    expect(at(1, [10, 20, 30])).toBe(30);
    // Floating point does not push a whole rank up: 0.07 × 100 is 7.000000000000001.
    expect(quantileRank(0.07, 100)).toBe(6);
    expect(quantileRank(0.95, 1)).toBe(0);
    // The last rank, as the docs say: the p99 of up to 99 values and the p95 of up to 19, not of 100 or 20.
    expect(quantileRank(0.99, 99)).toBe(98);
    expect(quantileRank(0.99, 100)).toBe(98);
    expect(quantileRank(0.95, 19)).toBe(18);
    expect(quantileRank(0.95, 20)).toBe(18);
    expect(quantileRank(Number.NaN, 10)).toBe(0);
    expect(quantileRank(0.5, 0)).toBe(0);
  });
});
