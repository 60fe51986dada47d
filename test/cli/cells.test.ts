import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupedNumber, readable, tableColumn } from '../../src/cli/cells.js';

describe('numbers in plain tables', () => {
  it('groups thousands, keeps small numbers, fractions and signs', () => {
    expect(groupedNumber(0)).toBe('0');
    expect(groupedNumber(999)).toBe('999');
    expect(groupedNumber(1000)).toBe('1,000');
    expect(groupedNumber(43000)).toBe('43,000');
    expect(groupedNumber(-1234567.25)).toBe('-1,234,567.25');
    expect(groupedNumber(0.125)).toBe('0.125');
    expect(readable(205070)).toBe('205,070');
    expect(readable(1234.56789)).toBe('1,234.568');
    // Rounded as the decimal JSON and CSV show, not as its binary double times 1000 (514165.49999999994).
    expect(readable(514.1655)).toBe('514.166');
    expect(readable(1.0005)).toBe('1.001');
    expect(readable(-514.1655)).toBe('-514.166');
    expect(readable(0.1235)).toBe('0.124');
    expect(readable(0.004565)).toBe('0.00457');
    // Below 1, three significant digits: a small quantity is not shown as 0.
    expect(readable(0.000002)).toBe('0.000002');
    expect(readable(0.123456)).toBe('0.123');
    expect(readable(-0.00012345)).toBe('-0.000123');
    expect(readable(2.0000003)).toBe('2');
    // Written out, never in exponent form.
    expect(readable(2e-7)).toBe('0.0000002');
    expect(readable(0.1)).toBe('0.1');
    expect(tableColumn('durationMs').cell({ p50: 12345.4, p95: 23456, p99: 3.25 })).toBe('12,345/23,456/3.3');
    expect(readable({ Audio: 12000, Video: 7 })).toBe('Audio=12,000 Video=7');
  });

  it('leaves forms without plain digits as JavaScript writes them', () => {
    expect(groupedNumber(1e21)).toBe('1e+21');
    expect(groupedNumber(1e-7)).toBe('1e-7');
    expect(groupedNumber(Number.NaN)).toBe('NaN');
  });

  it('reads back as the same number once the commas are taken out', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -1e15, max: 1e15 }), fc.double({ min: -1e15, max: 1e15, noNaN: true })), (value) => {
        const shown = groupedNumber(value);
        expect(shown.replace(/,/g, '')).toBe(String(value));
        if (!/e/.test(shown)) expect(shown).toMatch(/^-?\d{1,3}(?:,\d{3})*(?:\.\d+)?$/);
      }),
    );
  });
});

describe('text that looks like a time', () => {
  it('shows times without milliseconds in time columns only: an id or a name written like a time reads as written', () => {
    expect(tableColumn('createdAt').cell('2024-05-25T10:00:00.123Z')).toBe('2024-05-25 10:00:00');
    expect(tableColumn('callStartTime').cell('2024-05-25T10:00:00.123Z')).toBe('2024-05-25 10:00:00');
    expect(tableColumn('newestRecordAt').cell('2024-05-25T10:00:00Z')).toBe('2024-05-25 10:00:00');
    const ids = ['2024-05-25T10:00:00.000Z', '2024-05-25T10:00:00.999Z', '2024-05-25T10:00:00Z'];
    for (const name of ['roomId', 'operationName', 'correlationId']) expect(ids.map((id) => tableColumn(name).cell(id))).toEqual(ids);
    expect(tableColumn('sdkVersions').cell(ids)).toBe(ids.join(', '));
    expect(readable({ [ids[0] as string]: 1 })).toBe(`${ids[0]}=1`);
  });
});
