import { isIsoTimeShape, parseLogTime } from '../normalizing/time.js';

const ISO_SHAPE_MESSAGE = 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)';
const INVALID_DATE_MESSAGE = 'is not a valid date: no such day, hour or minute (2024-02-30, 25:00)';
const INVALID_MONTH_MESSAGE = 'is not a valid date: no such month (months run from 01 to 12)';
const INVALID_SECOND_MESSAGE = 'is not a valid date: no such second (seconds run to 59; a leap second is written as 59)';
const INVALID_ZONE_MESSAGE = 'is not a valid date: no such zone offset (offsets run from -23:59 to +23:59, minutes to 59)';
const MIDNIGHT_MESSAGE = "is not a valid date: 24:00 is written as the next day's 00:00";
const EMPTY_MESSAGE = 'must not be empty';

/**
 * A date or date-time in `toISOString()` form, or why it is not one. It reads every spelling a log
 * record's time may have (parseLogTime: ISO-8601 with a space or `T`, any zone or none, which is
 * UTC; and Log Analytics' `5/25/2024, 9:00 AM`), so a time copied from a log is taken as it is; and
 * ISO 8601's basic form (`20240525T0400Z`, or a basic part beside an extended one) and a time of the
 * hour alone (`2024-05-25T04Z`), which logs do not write but ISO 8601 defines. A year, month, week or
 * ordinal day alone is refused, naming the date to write.
 * Plain, so that the CLI's flag parsers need no schema library.
 */
export function parseIsoTime(text: string): { ok: true; iso: string } | { ok: false; message: string } {
  const value = text.trim();
  // An unset shell variable or a cleared box: said as such, not as a misspelled time.
  if (value === '') return { ok: false, message: EMPTY_MESSAGE };
  const refused = refusedForm(value);
  if (refused !== undefined) return { ok: false, message: refused };
  const extended = extendedForm(value);
  const time = parseLogTime(extended);
  if (time === null) {
    if (!isIsoTimeShape(extended)) return { ok: false, message: ISO_SHAPE_MESSAGE };
    return { ok: false, message: invalidPart(extended) };
  }
  // Past the four-digit years (9999-12-31T23:00-05:00 is in 10000) toISOString writes `+010000-...`, which sorts before 2024 as text.
  if (time < FIRST_TIME || time > LAST_TIME) return { ok: false, message: OUT_OF_YEARS_MESSAGE };
  return { ok: true, iso: new Date(time).toISOString() };
}

// 20240525T0400+0200, 2024-05-25T04Z, 20240525T04:00Z: a date and a time each in ISO 8601's basic or
// extended form, the time of the hour alone or more; a basic date takes `T` only, as ISO 8601 writes it.
const COMPACT = new RegExp(
  String.raw`^(\d{4}-\d{2}-\d{2}|\d{8})(?:([Tt ])(\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?)?|\d{4}(?:\d{2}(?:[.,]\d+)?)?)(\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?))?)?$`,
);

/** The same time in the extended form parseLogTime reads (`2024-05-25T04:00Z`); any other text as it is. */
function extendedForm(value: string): string {
  const m = COMPACT.exec(value);
  if (!m) return value;
  const [, dateText = '', separator, timeText, zone = ''] = m;
  const digits = dateText.replace(/-/g, '');
  if (separator === ' ' && !dateText.includes('-')) return value;
  const date = `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
  if (timeText === undefined) return date;
  const time = timeText.replace(/:/g, '');
  const seconds = time.length > 4 ? `:${time.slice(4)}` : '';
  return `${date}${separator}${time.slice(0, 2)}:${time.slice(2, 4) || '00'}${seconds}${zone}`;
}

/**
 * Why an ISO 8601 form that names no one instant is refused, with the date to write instead; undefined
 * for any other text. A year or month alone could mean its start or all of it (and `--to 2024-05`,
 * exclusive, either May's start or its end); six digits read as YYYYMM or as YYMMDD; week and ordinal
 * dates are rarely meant, and easy to misread; a date and an hour alone after a space is what a URL
 * makes of a date and a raw `+HH` offset.
 */
function refusedForm(value: string): string | undefined {
  // A URL's raw `+` is a space: `from=2024-05-25+02` (midnight at +02:00) arrives as this, an hour.
  let m = /^(\d{4}-?\d{2}-?\d{2}) (\d{2})$/.exec(value);
  if (m) {
    return `is a date and an hour alone after a space, which is also how a URL reads a raw + before an offset (${m[1]}+${m[2]}): write ${m[1]}T${m[2]}:00 for the hour, or %2B for the + of an offset`;
  }
  m = /^(\d{4})$/.exec(value);
  if (m) return `is a year alone, which could mean its start or all of it: write the time meant, e.g. ${m[1]}-01-01`;
  m = /^(\d{4})-(\d{2})$/.exec(value);
  if (m) return `is a month alone, which could mean its start or all of it: write the time meant, e.g. ${m[1]}-${m[2]}-01`;
  if (/^\d{6}$/.test(value)) return 'is six digits, which reads as YYYYMM or YYMMDD: write the whole date with a four-digit year, e.g. 2024-05-01 or 20240501';
  m = /^(\d{4})-?W(\d{2})(?:-?([1-7]))?$/i.exec(value);
  if (m) return `is a week date: write it as a calendar date${calendarDate(weekDay(Number(m[1]), Number(m[2]), Number(m[3] ?? 1)))}`;
  m = /^(\d{4})-?(\d{3})$/.exec(value);
  if (m) return `is an ordinal date (a day of the year): write it as a calendar date${calendarDate(ordinalDay(Number(m[1]), Number(m[2])))}`;
  return undefined;
}

/** `, 2024-05-26` for a day that exists (epoch milliseconds), else the form to write. */
function calendarDate(day: number | undefined): string {
  return day === undefined ? ' (YYYY-MM-DD)' : `, ${new Date(day).toISOString().slice(0, 10)}`;
}

/** The day of `ordinal` in `year` (1 is 1 January), when the year has it. */
function ordinalDay(year: number, ordinal: number): number | undefined {
  const day = startOf(year, 0, 1) + (ordinal - 1) * MS_PER_DAY;
  return ordinal >= 1 && new Date(day).getUTCFullYear() === year ? day : undefined;
}

/** Day `weekday` (1 is Monday) of ISO week `week` of `year`, when the year has it: week 1 is the one with 4 January. */
function weekDay(year: number, week: number, weekday: number): number | undefined {
  const fourth = startOf(year, 0, 4);
  const monday = fourth - ((new Date(fourth).getUTCDay() + 6) % 7) * MS_PER_DAY;
  // A year whose 1 January or 31 December is a Thursday has 53 weeks.
  const thursday = (time: number): boolean => new Date(time).getUTCDay() === 4;
  const weeks = thursday(startOf(year, 0, 1)) || thursday(startOf(year, 11, 31)) ? 53 : 52;
  return week >= 1 && week <= weeks ? monday + ((week - 1) * 7 + weekday - 1) * MS_PER_DAY : undefined;
}

/** The start of a day of `year` as written: Date.UTC reads the years 0 to 99 as 1900 to 1999. */
function startOf(year: number, monthIndex: number, day: number): number {
  const date = new Date(Date.UTC(2000, monthIndex, day));
  date.setUTCFullYear(year);
  return date.getTime();
}

const MS_PER_DAY = 86_400_000;

/** Which part of an ISO-shaped time names nothing: the message says that part, not another. */
function invalidPart(value: string): string {
  if (/[T ]24:00/i.test(value)) return MIDNIGHT_MESSAGE;
  // An offset of hours alone (`+25`) too: its minutes are then 0.
  const zone = /([+-])(\d{2})(?::?(\d{2}))?$/.exec(value);
  if (zone && /[T ]\d/i.test(value) && (Number(zone[2]) > 23 || Number(zone[3] ?? 0) > 59)) return INVALID_ZONE_MESSAGE;
  const second = /[T ]\d{2}:\d{2}:(\d{2})/i.exec(value);
  if (second && Number(second[1]) > 59) return INVALID_SECOND_MESSAGE;
  const month = /^\d{4}-(\d{2})/.exec(value);
  if (month && (Number(month[1]) < 1 || Number(month[1]) > 12)) return INVALID_MONTH_MESSAGE;
  return INVALID_DATE_MESSAGE;
}

const FIRST_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_TIME = Date.parse('9999-12-31T23:59:59.999Z');
const OUT_OF_YEARS_MESSAGE = 'must be within the years 0000 to 9999 in UTC';
