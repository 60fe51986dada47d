import { describe, expect, it } from 'vitest';
import { ALL_VIEWS } from '../../src/lib/aggregating/index.js';
import { addTo, exactSum, msToMicros, secondsToMs } from '../../src/lib/aggregating/rowValues.js';
import { MAX_INDEXABLE_MS } from '../../src/lib/aggregating/recordings/durationSketch.js';
import { readMicros, toMicros } from '../../src/lib/aggregating/usage/quantity.js';
import {
  COUNT_RANGE,
  LIFESPAN_RANGE,
  QUANTITY_RANGE,
  RECORDING_SECONDS_RANGE,
  REQUEST_MS_RANGE,
  normalizeRecord,
  timeBoundsAt,
} from '../../src/lib/normalizing/index.js';
import type { NormalizedRecord } from '../../src/lib/normalizing/types.js';
import type { RowData } from '../../src/lib/aggregating/types.js';

describe('integer sums', () => {
  it('add exactly, and refuse to leave the integers a Table Storage Double holds exactly', () => {
    const row: RowData = {};
    addTo(row, 'n', 2);
    addTo(row, 'n', 3);
    expect(row['n']).toBe(5);
    row['big'] = Number.MAX_SAFE_INTEGER - 1;
    addTo(row, 'big', 1);
    expect(row['big']).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => addTo(row, 'big', 1)).toThrow(/sum big cannot stay exact/);
    expect(row['big']).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => addTo({}, 'x', Number.POSITIVE_INFINITY)).toThrow(/cannot stay exact/);
    expect(() => addTo({}, 'x', Number.NaN)).toThrow(/cannot stay exact/);
    expect(() => addTo({}, 'x', 0.5)).toThrow(/cannot stay exact/);
    expect(() => exactSum(1e308, 1e308, 'y')).toThrow(/sum y/);
  });

  it('a stored sum that is not a number fails loudly instead of starting again from 0', () => {
    expect(() => addTo({ n: 'oops' }, 'n', 1)).toThrow(/stored sum n is not a number/);
    expect(() => readMicros('1e308')).toThrow(/stored quantity sum/);
    expect(() => readMicros(Number.POSITIVE_INFINITY)).toThrow(/stored quantity sum/);
    expect(readMicros(undefined)).toBe(0n);
    expect(() => toMicros(Number.NaN)).toThrow(/not a finite number/);
  });

  it('the ranges keep every sum exact for any realistic volume (the arithmetic of normalizing/ranges.ts)', () => {
    // Largest term per record of each sum, and how many such terms a row can take below 2^53.
    const maxDurationUs = msToMicros(REQUEST_MS_RANGE.max);
    const maxRecordingMs = secondsToMs(RECORDING_SECONDS_RANGE.max);
    expect(maxDurationUs).toBe(86_400_000_000);
    expect(Math.floor(Number.MAX_SAFE_INTEGER / maxDurationUs)).toBeGreaterThan(100_000);
    expect(Math.floor(Number.MAX_SAFE_INTEGER / maxRecordingMs)).toBeGreaterThan(14_000_000);
    expect(Math.floor(Number.MAX_SAFE_INTEGER / COUNT_RANGE.max)).toBeGreaterThan(9e9);
    // Each term is itself exact, and every duration is inside the sketch's indexable range.
    expect(Number.isSafeInteger(maxDurationUs) && Number.isSafeInteger(maxRecordingMs)).toBe(true);
    expect(REQUEST_MS_RANGE.max).toBeLessThan(MAX_INDEXABLE_MS);
    expect(toMicros(QUANTITY_RANGE.max)).toBe(1_000_000_000_000_000_000n);
  });

  it('records at the top of every range, folded into every view 1000 times, give finite integer sums', () => {
    const context = { timeBounds: timeBoundsAt(Date.UTC(2024, 4, 26)) };
    const raw = [
      {
        time: '2024-05-25T10:00:00Z',
        category: 'CallRecordingOperational',
        operationName: 'StartRecording',
        correlationId: 'c',
        durationMs: REQUEST_MS_RANGE.max,
      },
      {
        time: '2024-05-25T10:00:00Z',
        category: 'CallRecordingSummary',
        correlationId: 'c',
        properties: { recordingId: 'r', recordingLength: RECORDING_SECONDS_RANGE.max, chunkCount: COUNT_RANGE.max, audioChannelsCount: COUNT_RANGE.max },
      },
      { time: '2024-05-25T10:00:00Z', category: 'Usage', properties: { usageType: 'Recording', unitType: 'Byte', quantity: QUANTITY_RANGE.max } },
      {
        time: '2024-05-25T10:00:00Z',
        category: 'RoomsOperational',
        operationName: 'AddParticipants',
        properties: { roomId: 'x', addedRoomParticipantsCount: COUNT_RANGE.max, roomLifespan: LIFESPAN_RANGE.max },
      },
    ];
    const records = raw.map((r) => {
      const result = normalizeRecord(r, context);
      if (!result.success) throw new Error(JSON.stringify(result));
      return result.record;
    });
    for (const view of ALL_VIEWS) {
      const rows = new Map<string, RowData>();
      const fold = (record: NormalizedRecord): void => {
        const route = view.route(record);
        if (!route) return;
        view.apply(
          record,
          route.rowKeys.map((key) => rows.get(key) ?? (rows.set(key, {}).get(key) as RowData)),
        );
      };
      for (let i = 0; i < 1000; i++) for (const record of records) fold(record);
      for (const row of rows.values()) {
        view.finalize?.(row);
        for (const [key, value] of Object.entries(row)) {
          if (typeof value === 'number') expect(Number.isFinite(value), `${view.table}.${key}`).toBe(true);
          if (key === 'durationSumUs') expect(value).toBe(1000 * 86_400_000_000);
          if (key === 'recordingMs' && view.table === 'Recordings') expect(value).toBe(1000 * 604_800_000);
          if (key === 'quantityMicros') expect(value).toBe('1000000000000000000000');
          if (
            /count|Ms$|Us$|^participants|^chunks|^audio|^records|^recordings|^operations|^failed/i.test(key) &&
            typeof value === 'number' &&
            !/Min|Max|P\d\d/.test(key)
          ) {
            expect(Number.isSafeInteger(value), `${view.table}.${key} = ${value}`).toBe(true);
          }
        }
      }
    }
  });
});
