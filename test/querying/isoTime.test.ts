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
    ['', 'must not be empty'],
    [' \t ', 'must not be empty'],
    ['yesterday', 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)'],
    ['2024-05-25T09', 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)'],
    ['1716627600000', 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)'],
    ['2024-02-30', 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)'],
    ['2024-05-25T24:00Z', "is not a valid date: 24:00 is written as the next day's 00:00"],
    ['2024-05-25 24:00', "is not a valid date: 24:00 is written as the next day's 00:00"],
    ['2024-05-25T09:60Z', 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)'],
    ['2024-05-25T23:59:60Z', 'is not a valid date: no such second (seconds run to 59; a leap second is written as 59)'],
    ['2024-05-25T00:00+99:99', 'is not a valid date: no such zone offset (offsets run from -23:59 to +23:59, minutes to 59)'],
    ['2024-05-25T00:00-24:00', 'is not a valid date: no such zone offset (offsets run from -23:59 to +23:59, minutes to 59)'],
    ['2024-05-25T25:00+01:00', 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)'],
    ['9999-12-31T23:00-05:00', 'must be within the years 0000 to 9999 in UTC'],
    ['0000-01-01T00:00+01:00', 'must be within the years 0000 to 9999 in UTC'],
  ])('refuses %j: %s', (text, message) => {
    expect(parseIsoTime(text)).toEqual({ ok: false, message });
  });
});
