import { isIsoTimeShape, parseLogTime } from '../normalizing/time.js';

const ISO_SHAPE_MESSAGE = 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)';
const INVALID_DATE_MESSAGE = 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)';
const INVALID_SECOND_MESSAGE = 'is not a valid date: no such second (seconds run to 59; a leap second is written as 59)';
const INVALID_ZONE_MESSAGE = 'is not a valid date: no such zone offset (offsets run from -23:59 to +23:59, minutes to 59)';
const MIDNIGHT_MESSAGE = "is not a valid date: 24:00 is written as the next day's 00:00";
const EMPTY_MESSAGE = 'must not be empty';

/**
 * A date or date-time in `toISOString()` form, or why it is not one. It reads every spelling a log
 * record's time may have (parseLogTime: ISO-8601 with a space or `T`, any zone or none, which is
 * UTC; and Log Analytics' `5/25/2024, 9:00 AM`), so a time copied from a log is taken as it is.
 * Plain, so that the CLI's flag parsers need no schema library.
 */
export function parseIsoTime(text: string): { ok: true; iso: string } | { ok: false; message: string } {
  const value = text.trim();
  // An unset shell variable or a cleared box: said as such, not as a misspelled time.
  if (value === '') return { ok: false, message: EMPTY_MESSAGE };
  const time = parseLogTime(value);
  if (time === null) {
    if (!isIsoTimeShape(value)) return { ok: false, message: ISO_SHAPE_MESSAGE };
    return { ok: false, message: invalidPart(value) };
  }
  // Past the four-digit years (9999-12-31T23:00-05:00 is in 10000) toISOString writes `+010000-...`, which sorts before 2024 as text.
  if (time < FIRST_TIME || time > LAST_TIME) return { ok: false, message: OUT_OF_YEARS_MESSAGE };
  return { ok: true, iso: new Date(time).toISOString() };
}

/** Which part of an ISO-shaped time names nothing: the message says that part, not another. */
function invalidPart(value: string): string {
  if (/[T ]24:00/i.test(value)) return MIDNIGHT_MESSAGE;
  const zone = /([+-])(\d{2}):?(\d{2})$/.exec(value);
  if (zone && /[T ]\d/i.test(value) && (Number(zone[2]) > 23 || Number(zone[3]) > 59)) return INVALID_ZONE_MESSAGE;
  const second = /[T ]\d{2}:\d{2}:(\d{2})/i.exec(value);
  if (second && Number(second[1]) > 59) return INVALID_SECOND_MESSAGE;
  return INVALID_DATE_MESSAGE;
}

const FIRST_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_TIME = Date.parse('9999-12-31T23:59:59.999Z');
const OUT_OF_YEARS_MESSAGE = 'must be within the years 0000 to 9999 in UTC';
