import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayBucket, hourBucket, isoTime } from '../../src/lib/aggregating/types.js';

const reference = {
  iso: (time: number) => new Date(time).toISOString(),
  hour: (time: number) => new Date(time - (time % 3_600_000)).toISOString(),
  day: (time: number) => new Date(time - (time % 86_400_000)).toISOString(),
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

  it('fall back to toISOString outside years 0000-9999 and for fractional times', () => {
    for (const t of [-62_167_219_200_001, 253_402_300_800_000, 8.64e15, 1_716_595_200_000.75]) expect(isoTime(t)).toBe(reference.iso(t));
  });
});
