import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayBucket, hourBucket, isoTime } from '../../src/lib/aggregating/timeBuckets.js';

/** Buckets by Date's own calendar fields (no arithmetic on epoch milliseconds, so no sign mistakes to share). */
const reference = {
  iso: (time: number) => new Date(time).toISOString(),
  hour: (time: number) => {
    const date = new Date(time);
    date.setUTCMinutes(0, 0, 0);
    return date.toISOString();
  },
  day: (time: number) => {
    const date = new Date(time);
    date.setUTCHours(0, 0, 0, 0);
    return date.toISOString();
  },
};

describe('time buckets', () => {
  it('write every time as toISOString does, whatever order times come in', () => {
    const time = fc.oneof(
      fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }),
      fc.integer({ min: 1_716_595_200_000, max: 1_716_595_200_000 + 3 * 86_400_000 }),
    );
    fc.assert(
      fc.property(fc.array(time, { minLength: 1, maxLength: 40 }), (times) => {
        for (const t of times) {
          expect(isoTime(t)).toBe(reference.iso(t));
          expect(hourBucket(t)).toBe(reference.hour(t));
          expect(dayBucket(t)).toBe(reference.day(t));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('put times before 1970 in their own hour and day, not the next one (written out by hand)', () => {
    const cases: [number, string, string][] = [
      [Date.UTC(1969, 11, 31, 23, 30), '1969-12-31T23:00:00.000Z', '1969-12-31T00:00:00.000Z'],
      [-1, '1969-12-31T23:00:00.000Z', '1969-12-31T00:00:00.000Z'],
      [-3_600_000, '1969-12-31T23:00:00.000Z', '1969-12-31T00:00:00.000Z'],
      [-3_600_001, '1969-12-31T22:00:00.000Z', '1969-12-31T00:00:00.000Z'],
      [-86_400_000, '1969-12-31T00:00:00.000Z', '1969-12-31T00:00:00.000Z'],
      [-86_400_001, '1969-12-30T23:00:00.000Z', '1969-12-30T00:00:00.000Z'],
      [0, '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'],
      [Date.UTC(1600, 0, 1, 0, 0, 0, 1), '1600-01-01T00:00:00.000Z', '1600-01-01T00:00:00.000Z'],
      [Date.UTC(2024, 4, 25, 23, 59, 59, 999), '2024-05-25T23:00:00.000Z', '2024-05-25T00:00:00.000Z'],
    ];
    for (const [time, hour, day] of cases) {
      expect(hourBucket(time), new Date(time).toISOString()).toBe(hour);
      expect(dayBucket(time), new Date(time).toISOString()).toBe(day);
      expect(hourBucket(time)).toBe(reference.hour(time));
      expect(dayBucket(time)).toBe(reference.day(time));
    }
  });

  it('fall back to toISOString outside years 0000-9999 and for fractional times', () => {
    for (const t of [-62_167_219_200_001, 253_402_300_800_000, 8.64e15, 1_716_595_200_000.75]) expect(isoTime(t)).toBe(reference.iso(t));
  });
});
