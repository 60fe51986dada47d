import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { usageView } from '../../src/lib/aggregating/index.js';
import { clip, MAX_VALUE_CHARS } from '../../src/lib/aggregating/rowValues.js';
import { microsToNumber, readMicros, toMicros } from '../../src/lib/aggregating/usage/quantity.js';
import { referenceAggregates } from '../support/storage.js';
import { DAY, normalizeAll, recordingLogs, RESOURCE, usageRecord } from '../support/recordingLogs.js';

const HOUR = 3_600_000;

describe('usage view', () => {
  it('sums quantities per hour and day by usage and unit type, exactly, and counts records', () => {
    const records = normalizeAll([
      usageRecord({ time: DAY + HOUR, quantity: 0.1 }),
      usageRecord({ time: DAY + HOUR + 1, quantity: 0.2 }),
      usageRecord({ time: DAY + 2 * HOUR, quantity: '12.345678' }),
      usageRecord({ time: DAY + 2 * HOUR, quantity: 5, usageType: 'Calling', unitType: 'Minute' }),
    ]);
    const rows = Object.values(referenceAggregates(records, [usageView])['Usage'] ?? {});
    expect(rows.find((row) => row['bucket'] === '2024-05-25T01:00:00.000Z')).toEqual({
      resourceId: RESOURCE,
      granularity: 'hour',
      bucket: '2024-05-25T01:00:00.000Z',
      usageType: 'Recording',
      unitType: 'Minute',
      records: 2,
      quantityMicros: '300000',
    });
    expect(rows.find((row) => row['granularity'] === 'day' && row['usageType'] === 'Recording')).toMatchObject({ records: 3, quantityMicros: '12645678' });
    // 0.1 + 0.2 is 0.30000000000000004 in floating point; the micro-unit sum is exact.
    expect(microsToNumber(readMicros('300000'))).toBe(0.3);
    // Participant and user ids are never copied.
    expect(JSON.stringify(rows)).not.toMatch(/8:acs/);
  });

  it('shows two usage types that differ only past the cut apart, each cut with a digest of its whole', () => {
    const long = (end: string): string => 'Calling-'.repeat(20) + end;
    const records = normalizeAll([usageRecord({ time: DAY + HOUR, usageType: long('A') }), usageRecord({ time: DAY + HOUR, usageType: long('B') })]);
    const rows = Object.values(referenceAggregates(records, [usageView])['Usage'] ?? {}).filter((row) => row['granularity'] === 'day');
    const labels = rows.map((row) => row['usageType'] as string);
    expect(labels).toHaveLength(2);
    expect(new Set(labels).size).toBe(2);
    for (const label of labels) expect(label).toMatch(/^(?:Calling-)+Call…[A-Za-z0-9_-]{11}$/);
    for (const label of labels) expect(label).toHaveLength(MAX_VALUE_CHARS);
  });

  it('never cuts a value inside a surrogate pair', () => {
    for (let pad = 0; pad < 4; pad++) {
      const value = 'x'.repeat(pad) + '🎉'.repeat(100);
      const cut = clip(value);
      expect(cut.length).toBeLessThanOrEqual(MAX_VALUE_CHARS);
      expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      expect(cut.slice(0, cut.indexOf('…'))).toBe(value.slice(0, cut.indexOf('…')));
    }
    expect(clip('short')).toBe('short');
    expect(clip('y'.repeat(MAX_VALUE_CHARS))).toBe('y'.repeat(MAX_VALUE_CHARS));
  });

  it('gives the same rows whatever order the records arrive in', () => {
    const records = normalizeAll(recordingLogs(8, { calls: 30 }).usage);
    const expected = referenceAggregates(records, [usageView]);
    fc.assert(
      fc.property(fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }), (shuffled) => {
        expect(referenceAggregates(shuffled, [usageView])).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('converts quantities to micro-units and back exactly', () => {
    expect(toMicros(0.1)).toBe(100_000n);
    expect(toMicros(1.0000005)).toBe(1_000_001n);
    expect(toMicros(0.0000004)).toBe(0n);
    // Half away from zero on the decimal as written, whatever the binary number's own digits.
    expect(toMicros(2.0000025)).toBe(2_000_003n);
    expect(toMicros(-2.0000025)).toBe(-2_000_003n);
    expect(toMicros(4.9999995)).toBe(5_000_000n);
    expect(toMicros(0.0000005)).toBe(1n);
    expect(toMicros(5e-7)).toBe(1n);
    expect(toMicros(4.9e-7)).toBe(0n);
    expect(toMicros(1e-300)).toBe(0n);
    expect(toMicros(0)).toBe(0n);
    expect(toMicros(-0)).toBe(0n);
    expect(toMicros(7)).toBe(7_000_000n);
    expect(toMicros(1.5e21)).toBe(1_500_000_000_000_000_000_000_000_000n);
    expect(toMicros(123.4567894)).toBe(123_456_789n);
    expect(toMicros(0.1 + 0.2)).toBe(300_000n);
    // Any quantity written with 7 decimals (15 significant digits: read back as written).
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: 9_999_999 }), fc.boolean(), (whole, tenths, negative) => {
        const value = Number(`${negative ? '-' : ''}${whole}.${String(tenths).padStart(7, '0')}`);
        const micros = BigInt(whole) * 1_000_000n + BigInt(Math.floor(tenths / 10)) + (tenths % 10 >= 5 ? 1n : 0n);
        expect(toMicros(value)).toBe(negative ? -micros : micros);
      }),
    );
    expect(toMicros(123456789012.5)).toBe(123_456_789_012_500_000n);
    expect(microsToNumber(123_456_789_012_500_000n)).toBe(123456789012.5);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 999_999 }), (whole, micro) => {
        const value = Number(`${whole}.${String(micro).padStart(6, '0')}`);
        expect(microsToNumber(toMicros(value))).toBe(value);
      }),
    );
  });
});
