import { describe, expect, it } from 'vitest';
import { parseLogTime } from '../../src/lib/normalizing/time.js';
import { parseIsoTime } from '../../src/lib/querying/isoTime.js';

const iso = (text: string): string | undefined => {
  const parsed = parseIsoTime(text);
  return parsed.ok ? parsed.iso : undefined;
};

describe('parseIsoTime: the time filters of query, the HTTP API and the dashboard', () => {
  it.each([
    ['2024-05-25', '2024-05-25T00:00:00.000Z'],
    ['2024-05-25T09:00', '2024-05-25T09:00:00.000Z'],
    ['2024-05-25 09:00', '2024-05-25T09:00:00.000Z'],
    ['2024-05-25T09:00+05', '2024-05-25T04:00:00.000Z'],
    ['2024-05-25T09:00+0530', '2024-05-25T03:30:00.000Z'],
    ['2024-05-25T09:00-02:00', '2024-05-25T11:00:00.000Z'],
    ['2024-05-25 09:00:00 UTC', '2024-05-25T09:00:00.000Z'],
    ['2024-05-25 09:00:00 GMT', '2024-05-25T09:00:00.000Z'],
    ['2024-05-25T09:00:00,5Z', '2024-05-25T09:00:00.500Z'],
    ['2024-05-25T04:32:49.4693371Z', '2024-05-25T04:32:49.469Z'],
    ['5/25/2024, 9:05:00 AM', '2024-05-25T09:05:00.000Z'],
    ['  2024-05-25T09:00Z  ', '2024-05-25T09:00:00.000Z'],
    ['0050-01-01', '0050-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %j as a log time is read: %s', (text, expected) => {
    expect(iso(text)).toBe(expected);
    expect(new Date(parseLogTime(text.trim()) ?? Number.NaN).toISOString()).toBe(expected);
  });

  it.each([
    ['20240525', '2024-05-25T00:00:00.000Z'],
    ['20240525T0930Z', '2024-05-25T09:30:00.000Z'],
    ['20240525T093015Z', '2024-05-25T09:30:15.000Z'],
    ['20240525t093015.25z', '2024-05-25T09:30:15.250Z'],
    ['20240525T093015,5+0200', '2024-05-25T07:30:15.500Z'],
    ['20240525T0930-05', '2024-05-25T14:30:00.000Z'],
    ['20240525T09', '2024-05-25T09:00:00.000Z'],
    ['20240525T09+02:00', '2024-05-25T07:00:00.000Z'],
    ['2024-05-25T09', '2024-05-25T09:00:00.000Z'],
    ['2024-05-25T09Z', '2024-05-25T09:00:00.000Z'],
    ['2024-05-25 09+0530', '2024-05-25T03:30:00.000Z'],
    ['20240525T09:30Z', '2024-05-25T09:30:00.000Z'],
    ['2024-05-25T0930Z', '2024-05-25T09:30:00.000Z'],
    ['00000101', '0000-01-01T00:00:00.000Z'],
    ['99991231T235959.9999999999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads ISO 8601 basic form and a time of the hour alone, %j, as its extended form: %s', (text, expected) => {
    expect(iso(text)).toBe(expected);
  });

  it.each([
    ['2024', 'is a year alone, which could mean its start or all of it: write the time meant, e.g. 2024-01-01'],
    ['2024-05', 'is a month alone, which could mean its start or all of it: write the time meant, e.g. 2024-05-01'],
    ['202405', 'is six digits, which reads as YYYYMM or YYMMDD: write the whole date with a four-digit year, e.g. 2024-05-01 or 20240501'],
    ['240525', 'is six digits, which reads as YYYYMM or YYMMDD: write the whole date with a four-digit year, e.g. 2024-05-01 or 20240501'],
    [
      '2024-05-25 02',
      'is a date and an hour alone after a space, which is also how a URL reads a raw + before an offset (2024-05-25+02): write 2024-05-25T02:00 for the hour, or %2B for the + of an offset',
    ],
    [
      '20240525 02',
      'is a date and an hour alone after a space, which is also how a URL reads a raw + before an offset (20240525+02): write 20240525T02:00 for the hour, or %2B for the + of an offset',
    ],
    ['2024-W21-7', 'is a week date: write it as a calendar date, 2024-05-26'],
    ['2024w217', 'is a week date: write it as a calendar date, 2024-05-26'],
    ['2024-W21', 'is a week date: write it as a calendar date, 2024-05-20'],
    ['2020-W53', 'is a week date: write it as a calendar date, 2020-12-28'],
    ['2021-W53', 'is a week date: write it as a calendar date (YYYY-MM-DD)'],
    ['2024-147', 'is an ordinal date (a day of the year): write it as a calendar date, 2024-05-26'],
    ['2024366', 'is an ordinal date (a day of the year): write it as a calendar date, 2024-12-31'],
    ['2023-366', 'is an ordinal date (a day of the year): write it as a calendar date (YYYY-MM-DD)'],
    ['0050-001', 'is an ordinal date (a day of the year): write it as a calendar date, 0050-01-01'],
    ['20240525T24Z', "is not a valid date: 24:00 is written as the next day's 00:00"],
    ['20240525T235960Z', 'is not a valid date: no such second (seconds run to 59; a leap second is written as 59)'],
    ['20240230', 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)'],
    ['20241301', 'is not a valid date: no such month (months run from 01 to 12)'],
    ['20240525T0930+2400', 'is not a valid date: no such zone offset (offsets run from -23:59 to +23:59, minutes to 59)'],
    ['20240525 0930', 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)'],
    ['2024-05-25T09:3000Z', 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)'],
    ['2024-05-25T09.5Z', 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)'],
  ])('refuses %j, saying why: %s', (text, message) => {
    expect(parseIsoTime(text)).toEqual({ ok: false, message });
  });

  it.each([
    ['', 'must not be empty'],
    [' \t ', 'must not be empty'],
    ['yesterday', 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)'],
    ['1716627600000', 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)'],
    ['2024-02-30', 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)'],
    ['2024-13-01', 'is not a valid date: no such month (months run from 01 to 12)'],
    ['2024-00-10T00:00Z', 'is not a valid date: no such month (months run from 01 to 12)'],
    ['2024-05-25T24:00Z', "is not a valid date: 24:00 is written as the next day's 00:00"],
    ['2024-05-25 24:00', "is not a valid date: 24:00 is written as the next day's 00:00"],
    ['2024-05-25T09:60Z', 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)'],
    ['2024-05-25T23:59:60Z', 'is not a valid date: no such second (seconds run to 59; a leap second is written as 59)'],
    ['2024-05-25T00:00+99:99', 'is not a valid date: no such zone offset (offsets run from -23:59 to +23:59, minutes to 59)'],
    ['2024-05-25T00:00-24:00', 'is not a valid date: no such zone offset (offsets run from -23:59 to +23:59, minutes to 59)'],
    ['2024-05-25T00:00+25', 'is not a valid date: no such zone offset (offsets run from -23:59 to +23:59, minutes to 59)'],
    ['2024-05-25T10-24', 'is not a valid date: no such zone offset (offsets run from -23:59 to +23:59, minutes to 59)'],
    ['2024-02-30T00:00+05', 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)'],
    ['2024-05-25T25:00+01:00', 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)'],
    ['9999-12-31T23:00-05:00', 'must be within the years 0000 to 9999 in UTC'],
    ['0000-01-01T00:00+01:00', 'must be within the years 0000 to 9999 in UTC'],
  ])('refuses %j: %s', (text, message) => {
    expect(parseIsoTime(text)).toEqual({ ok: false, message });
  });
});
