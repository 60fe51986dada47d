import { isIsoTimeShape, parseLogTime } from '../normalizing/time.js';

const ISO_SHAPE_MESSAGE = 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)';
const INVALID_DATE_MESSAGE = 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)';
const MIDNIGHT_MESSAGE = "is not a valid date: 24:00 is written as the next day's 00:00";

/**
 * A date or date-time in `toISOString()` form, or why it is not one. It reads every spelling a log
 * record's time may have (parseLogTime: ISO-8601 with a space or `T`, any zone or none, which is
 * UTC; and Log Analytics' `5/25/2024, 9:00 AM`), so a time copied from a log is taken as it is.
 * Plain, so that the CLI's flag parsers need no schema library.
 */
export function parseIsoTime(text: string): { ok: true; iso: string } | { ok: false; message: string } {
  const value = text.trim();
  const time = parseLogTime(value);
  if (time === null) {
    if (!isIsoTimeShape(value)) return { ok: false, message: ISO_SHAPE_MESSAGE };
    return { ok: false, message: /[T ]24:00/i.test(value) ? MIDNIGHT_MESSAGE : INVALID_DATE_MESSAGE };
  }
  // Past the four-digit years (9999-12-31T23:00-05:00 is in 10000) toISOString writes `+010000-...`, which sorts before 2024 as text.
  if (time < FIRST_TIME || time > LAST_TIME) return { ok: false, message: OUT_OF_YEARS_MESSAGE };
  return { ok: true, iso: new Date(time).toISOString() };
}

const FIRST_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_TIME = Date.parse('9999-12-31T23:59:59.999Z');
const OUT_OF_YEARS_MESSAGE = 'must be within the years 0000 to 9999 in UTC';
