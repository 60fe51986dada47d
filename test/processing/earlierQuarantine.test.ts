import { describe, expect, it } from 'vitest';
import { EarlierQuarantine } from '../../src/lib/processing/earlierQuarantine.js';
import type { QuarantinedLine } from '../../src/lib/processing/quarantineRows.js';
import type { FramedItem } from '../../src/lib/reading/types.js';

function entry(fields: Partial<QuarantinedLine> & Pick<QuarantinedLine, 'offset' | 'end' | 'code'>): QuarantinedLine {
  return {
    container: 'c',
    path: 'p',
    generation: 0,
    position: fields.offset,
    line: 1,
    message: 'm',
    raw: '',
    rawTruncated: false,
    quarantinedAt: '2024-05-25T00:00:00.000Z',
    category: null,
    count: 1,
    scope: 'units',
    ...fields,
  };
}

function unit(offset: number, end: number): FramedItem {
  return { kind: 'unit', offset, end, line: 1, text: '{}' };
}

describe('EarlierQuarantine', () => {
  const earlier = new EarlierQuarantine([
    entry({ offset: 100, end: 300, code: 'invalid_json', count: 2 }),
    entry({ offset: 10, end: 50, code: 'time_out_of_range' }),
    entry({ offset: 400, end: 500, position: 402, code: 'schema_invalid', scope: 'records', count: 3 }),
    entry({ offset: 600, end: 650, code: 'storage_rejected', view: 'Rooms' }),
    entry({ offset: 700, end: 720, code: 'truncated' }),
    entry({ offset: 800, end: 900, code: 'invalid_json', scope: undefined }),
  ]);

  it('holds the lines inside a run of bad lines, whatever order the entries came in', () => {
    expect([unit(10, 50), unit(100, 200), unit(200, 300)].map((item) => earlier.holdsUnit(item))).toEqual([true, true, true]);
    expect([unit(0, 10), unit(50, 100), unit(300, 400), unit(90, 110), unit(250, 310)].map((item) => earlier.holdsUnit(item))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('holds the bad records of a `{"records":[...]}` line by position, not the line', () => {
    expect([401, 402, 403, 404, 405].map((position) => earlier.holdsRecord(position))).toEqual([false, true, true, true, false]);
    expect(earlier.holdsUnit(unit(400, 500))).toBe(false);
  });

  it('leaves out refused records, cut lines (read again whole) and rows written before runs existed', () => {
    expect(earlier.holdsUnit(unit(600, 650))).toBe(false);
    expect(earlier.holdsUnit(unit(700, 720))).toBe(false);
    expect(earlier.truncated.map((line) => line.offset)).toEqual([700]);
    expect(earlier.holdsUnit(unit(800, 900))).toBe(false);
  });

  it('is empty with nothing it holds', () => {
    expect(new EarlierQuarantine([]).empty).toBe(true);
    expect(new EarlierQuarantine([entry({ offset: 600, end: 650, code: 'storage_rejected' })]).empty).toBe(true);
    expect(earlier.empty).toBe(false);
  });
});
