import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callTimeEntry, indexSlices, placeOfIso, type IndexSlice } from '../../../src/lib/aggregating/calls/callTimeIndex.js';

const HOUR_MS = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/** Whether a read of `slice` returns the entry of a call first seen at `time`. */
function holds(slice: IndexSlice, time: number): boolean {
  const entry = callTimeEntry(iso(time), 'call');
  if (entry === null) return false;
  if ('day' in slice) {
    return (
      entry.partitionKey === slice.day &&
      (slice.rowFrom === undefined || entry.rowKey >= slice.rowFrom) &&
      (slice.rowBefore === undefined || entry.rowKey < slice.rowBefore)
    );
  }
  return (slice.afterDay === undefined || entry.partitionKey > slice.afterDay) && entry.partitionKey < (slice.beforeDay ?? '~');
}

describe('the time index of calls (pure)', () => {
  it('lists a call under the UTC day and hour of its first time, and a call without one nowhere', () => {
    expect(callTimeEntry('2026-12-04T23:59:59.999Z', 'abc')).toEqual({ partitionKey: '2026-12-04', rowKey: '23|abc' });
    expect(callTimeEntry(null, 'abc')).toBeNull();
    expect(placeOfIso('not a time')).toBeNull();
    expect(placeOfIso('+010000-01-01T00:00:00.000Z')).toBeNull();
  });

  it('reads the first day from its hour, the days between, and the last day to its hour', () => {
    expect(indexSlices('2026-12-01T13:20:00.000Z', '2026-12-01T14:00:00.000Z')).toEqual([{ day: '2026-12-01', rowFrom: '13|', rowBefore: '13}' }]);
    expect(indexSlices('2026-12-01T00:00:00.000Z', '2026-12-03T00:00:00.000Z')).toEqual([
      { day: '2026-12-01', rowFrom: '00|' },
      { day: '2026-12-02', rowBefore: '23}' },
    ]);
    expect(indexSlices('2026-12-01T05:00:00.000Z', '2026-12-04T07:00:00.000Z')).toEqual([
      { day: '2026-12-01', rowFrom: '05|' },
      { afterDay: '2026-12-01', beforeDay: '2026-12-04' },
      { day: '2026-12-04', rowBefore: '06}' },
    ]);
    expect(indexSlices(undefined, '2026-12-03T00:00:00.001Z')).toEqual([{ beforeDay: '2026-12-03' }, { day: '2026-12-03', rowBefore: '00}' }]);
    expect(indexSlices('2026-12-01T00:00:00.000Z', undefined)).toEqual([{ day: '2026-12-01', rowFrom: '00|' }, { afterDay: '2026-12-01' }]);
    // An empty range reads nothing; ends past what a day key spells are read open.
    expect(indexSlices('2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z')).toEqual([]);
    expect(indexSlices('-000001-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z')).toEqual([{}]);
  });

  it('finds every time inside the range, and none more than an hour before it or after it (property)', () => {
    const instant = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) });
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 1, max: 40 * 24 * HOUR_MS }),
        fc.integer({ min: -3 * 24 * HOUR_MS, max: 43 * 24 * HOUR_MS }),
        (from, span, offset) => {
          const to = from + span;
          const time = from + offset;
          const slices = indexSlices(iso(from), iso(to));
          const found = slices.filter((slice) => holds(slice, time)).length;
          if (time >= from && time < to) expect(found).toBe(1);
          if (time < from - HOUR_MS || time >= to + HOUR_MS) expect(found).toBe(0);
          expect(found).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
