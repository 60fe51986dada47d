import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRecord, parseLogTime } from '../../src/lib/normalizing/index.js';

describe('parseLogTime: ISO-8601', () => {
  it.each([
    ['2024-05-25T04:32:49.4693371Z', Date.UTC(2024, 4, 25, 4, 32, 49, 469)],
    ['2024-05-25T04:32:49.469337123Z', Date.UTC(2024, 4, 25, 4, 32, 49, 469)],
    ['2024-05-25T04:32:49.9999999Z', Date.UTC(2024, 4, 25, 4, 32, 49, 999)], // truncated, not rounded
    ['2024-05-25T04:32:49.5Z', Date.UTC(2024, 4, 25, 4, 32, 49, 500)],
    ['2024-05-25T04:32:49.05Z', Date.UTC(2024, 4, 25, 4, 32, 49, 50)],
    ['2024-05-25T04:32:49Z', Date.UTC(2024, 4, 25, 4, 32, 49)],
    ['2024-05-25T04:32Z', Date.UTC(2024, 4, 25, 4, 32)],
    ['2024-05-25t04:32:49.469z', Date.UTC(2024, 4, 25, 4, 32, 49, 469)],
    ['2024-05-25 04:32:49.469', Date.UTC(2024, 4, 25, 4, 32, 49, 469)], // no zone: UTC
    ['2024-05-25T04:32:49.469', Date.UTC(2024, 4, 25, 4, 32, 49, 469)],
    ['2024-05-25T06:32:49.4693371+02:00', Date.UTC(2024, 4, 25, 4, 32, 49, 469)],
    ['2024-05-24T23:02:49-05:30', Date.UTC(2024, 4, 25, 4, 32, 49)],
    ['2024-05-25T06:32:49+0200', Date.UTC(2024, 4, 25, 4, 32, 49)],
    ['2024-05-25T06:32:49+02', Date.UTC(2024, 4, 25, 4, 32, 49)],
    ['2024-05-25T04:32:49+00:00', Date.UTC(2024, 4, 25, 4, 32, 49)],
    ['  2024-05-25T04:32:49Z  ', Date.UTC(2024, 4, 25, 4, 32, 49)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['1969-12-31T23:59:59.999Z', -1],
    ['2024-05-25', Date.UTC(2024, 4, 25)],
  ])('%s', (text, expected) => {
    expect(parseLogTime(text)).toBe(expected);
  });
});

describe('parseLogTime: US form from Log Analytics (taken as UTC)', () => {
  it.each([
    ['5/25/2023, 4:32:49.469 AM', Date.UTC(2023, 4, 25, 4, 32, 49, 469)],
    ['5/25/2023, 4:32:49.469 PM', Date.UTC(2023, 4, 25, 16, 32, 49, 469)],
    ['5/25/2023, 12:00:00.000 AM', Date.UTC(2023, 4, 25, 0, 0, 0, 0)],
    ['5/25/2023, 12:59:59.999 AM', Date.UTC(2023, 4, 25, 0, 59, 59, 999)],
    ['5/25/2023, 12:00:00 PM', Date.UTC(2023, 4, 25, 12, 0, 0)],
    ['5/25/2023, 12:30:15 PM', Date.UTC(2023, 4, 25, 12, 30, 15)],
    ['5/25/2023, 11:59:59.999 PM', Date.UTC(2023, 4, 25, 23, 59, 59, 999)],
    ['5/25/2023, 1:00:00 AM', Date.UTC(2023, 4, 25, 1, 0, 0)],
    ['5/25/2023 4:32:49 PM', Date.UTC(2023, 4, 25, 16, 32, 49)], // no comma
    ['5/25/2023, 4:32:49.4693371 pm', Date.UTC(2023, 4, 25, 16, 32, 49, 469)],
    ['5/25/2023,4:32 AM', Date.UTC(2023, 4, 25, 4, 32)],
    ['5/25/2023 4:32PM', Date.UTC(2023, 4, 25, 16, 32)],
    ['05/05/2023, 04:05:06 AM', Date.UTC(2023, 4, 5, 4, 5, 6)],
    ['5/25/2023 16:32:49', Date.UTC(2023, 4, 25, 16, 32, 49)], // 24-hour clock
    ['5/25/2023, 0:00:00.5', Date.UTC(2023, 4, 25, 0, 0, 0, 500)],
    ['5/25/2023 23:59:59', Date.UTC(2023, 4, 25, 23, 59, 59)],
    ['12/31/2023, 11:59:59 PM', Date.UTC(2023, 11, 31, 23, 59, 59)],
    ['2/29/2024, 6:00:00 AM', Date.UTC(2024, 1, 29, 6)],
  ])('%s', (text, expected) => {
    expect(parseLogTime(text)).toBe(expected);
  });

  it('is month/day, not day/month', () => {
    expect(parseLogTime('1/2/2024, 12:00:00 AM')).toBe(Date.UTC(2024, 0, 2));
    expect(parseLogTime('25/5/2023, 4:32:49 AM')).toBeNull();
  });

  // The Log Analytics portal writes a datetime in the browser's locale: en-US as `5/25/2023, 4:32:49.469 AM`
  // (the ACS documentation's samples), day-first locales on a 24-hour clock (`16/07/2026 20:26:12.030`,
  // seen under `TimeGenerated [Local Time]` in public code reading such exports).
  it('refuses a 24-hour slash date whose day and month could be swapped, instead of guessing the order', () => {
    expect(parseLogTime('05/07/2026 20:26:12.030')).toBeNull();
    expect(parseLogTime('1/2/2024 00:00:00')).toBeNull();
    expect(parseLogTime('16/07/2026 20:26:12.030')).toBeNull();
    // One reading only: taken.
    expect(parseLogTime('5/25/2023 16:32:49')).toBe(Date.UTC(2023, 4, 25, 16, 32, 49));
    expect(parseLogTime('7/7/2026 20:26:12.030')).toBe(Date.UTC(2026, 6, 7, 20, 26, 12, 30));
  });

  it('quarantines a portal export from a day-first locale rather than dating it a month off', () => {
    const raw = { 'TimeGenerated [UTC]': '05/07/2026 20:26:12.030', OperationName: 'GetRoom', RoomId: 'r', Type: 'ACSRoomsIncomingOperations' };
    expect(normalizeRecord(raw, { timeBounds: { earliest: 0, latest: Date.UTC(2030, 0, 1) } })).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'time_invalid',
      message: 'time: cannot read "05/07/2026 20:26:12.030"',
    });
  });
});

describe('parseLogTime: invalid', () => {
  it.each([
    [''],
    ['   '],
    ['yesterday'],
    ['2023-02-29T00:00:00Z'], // not a leap year
    ['1900-02-29T00:00:00Z'],
    ['2024-04-31T00:00:00Z'],
    ['2024-13-01T00:00:00Z'],
    ['2024-00-10T00:00:00Z'],
    ['2024-05-00T00:00:00Z'],
    ['2024-05-25T24:00:00Z'],
    ['2024-05-25T04:60:00Z'],
    ['2024-05-25T04:32:60Z'],
    ['2024-05-25T04:32:49+24:00'],
    ['2024-05-25T04:32:49.Z'],
    ['2024-05-25T04:32:49Zjunk'],
    ['20240525T043249Z'],
    ['13/25/2023, 4:32:49 AM'],
    ['2/30/2024, 4:32:49 AM'],
    ['5/25/2023, 13:00:00 PM'],
    ['5/25/2023, 0:30:00 AM'],
    ['5/25/2023, 24:00:00'],
    ['5/25/2023, 4:32:49 XM'],
    ['5/25/23, 4:32:49 AM'],
    ['5/25/2023'],
    ['Thu, 25 May 2023 04:32:49 GMT'], // Date.parse accepts this; a log time never looks like it
  ])('%j', (text) => {
    expect(parseLogTime(text)).toBeNull();
  });

  it.each([[null], [undefined], [{}], [[]], [true], [Number.NaN], [1716611569469], [1716611569], [new Date('x')]])('non-string %j', (value) => {
    expect(parseLogTime(value)).toBeNull();
  });

  it('accepts a valid Date', () => {
    expect(parseLogTime(new Date(Date.UTC(2024, 0, 1)))).toBe(Date.UTC(2024, 0, 1));
  });
});

describe('parseLogTime: property-based', () => {
  const epochMs = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2199, 11, 31, 23, 59, 59, 999) });
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');

  it('reads ISO-8601 with 7 fractional digits and any offset as the same instant', () => {
    fc.assert(
      fc.property(epochMs, fc.integer({ min: 0, max: 9999 }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (ms, extra, offset) => {
        const local = new Date(ms + offset * 60_000);
        const sign = offset < 0 ? '-' : '+';
        const abs = Math.abs(offset);
        const text =
          `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
          `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
          `.${pad(local.getUTCMilliseconds(), 3)}${pad(extra, 4)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
        expect(parseLogTime(text)).toBe(ms);
      }),
    );
  });

  it('agrees with Date.parse on toISOString output', () => {
    fc.assert(
      fc.property(epochMs, (ms) => {
        const text = new Date(ms).toISOString();
        expect(parseLogTime(text)).toBe(Date.parse(text));
      }),
    );
  });

  it('reads the US 12-hour form as the same instant', () => {
    fc.assert(
      fc.property(epochMs, fc.boolean(), (ms, comma) => {
        const d = new Date(ms);
        const h = d.getUTCHours();
        const h12 = h % 12 === 0 ? 12 : h % 12;
        const text =
          `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}${comma ? ',' : ''} ` +
          `${h12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)} ${h < 12 ? 'AM' : 'PM'}`;
        expect(parseLogTime(text)).toBe(ms);
      }),
    );
  });
});

describe('record times in normalizeRecord', () => {
  const rooms = { Category: 'RoomsOperational', OperationName: 'GetRoom', RoomId: 'r' };

  it('an unreadable time is time_invalid', () => {
    expect(normalizeRecord({ ...rooms, TimeGenerated: '5/25/2023, 13:00:00 PM' }, {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'time_invalid',
      message: 'time: cannot read "5/25/2023, 13:00:00 PM"',
    });
    expect(normalizeRecord({ ...rooms, time: 'not a time' }, {})).toMatchObject({ code: 'time_invalid' });
    expect(normalizeRecord({ ...rooms, time: { at: 1 } }, {})).toMatchObject({ code: 'time_invalid' });
    expect(normalizeRecord({ ...rooms, time: 1716611569 }, {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'time_invalid',
      message: 'time: cannot read 1716611569',
    });
  });

  it('a missing or empty time is schema_invalid, named with the other missing fields', () => {
    expect(normalizeRecord({ ...rooms }, {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: 'time: missing',
    });
    expect(normalizeRecord({ Category: 'RoomsOperational', time: '' }, {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: 'time: missing; OperationName: missing',
    });
  });

  it('time, then TimeGenerated, then timestamp', () => {
    const t = (s: string) => parseLogTime(s);
    expect(normalizeRecord({ ...rooms, time: '2024-01-01T00:00:00Z', TimeGenerated: '2025-01-01T00:00:00Z' }, {})).toMatchObject({
      record: { time: t('2024-01-01T00:00:00Z') },
    });
    expect(normalizeRecord({ ...rooms, timestamp: '2024-01-02T00:00:00Z' }, {})).toMatchObject({
      record: { time: t('2024-01-02T00:00:00Z') },
    });
  });

  it('an unreadable secondary time is schema_invalid naming the field', () => {
    const raw = {
      TimeGenerated: '2024-05-25T04:32:49Z',
      Category: 'CallRecordingSummary',
      RecordingId: 'r',
      RecordingStartTime: 'soon',
    };
    expect(normalizeRecord(raw, {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: 'RecordingStartTime: expected a date-time, got "soon"',
    });
  });
});
