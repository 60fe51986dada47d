/**
 * Log times: ISO-8601 (any number of fractional digits, `Z`, an offset or no zone) and the
 * Log Analytics display form `5/25/2023, 4:32:49.469 AM` (US month/day/year, taken as UTC; on a 24-hour
 * clock only when the month and day cannot be swapped: see isSwappable).
 *
 * Fast because it never calls `Date.parse` (whose non-ISO behaviour is engine-defined anyway) and never
 * builds a `Date`: the form Azure Monitor writes is checked by one regex and read by character codes,
 * anything else by two precompiled regular expressions with captures; then integer arithmetic.
 */

// 2024-05-25T04:32:49.4693371Z, 2024-05-25 04:32:49+02:00, 2024-05-25T04:32Z, 2024-05-25
const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz]|UTC|GMT)|([+-])(\d{2}):?(\d{2})?)?$/;

// 5/25/2023, 4:32:49.469 AM   5/25/2023 4:32 PM   5/25/2023 16:32:49
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:,\s*|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:\s*([AaPp])\.?[Mm]\.?)?$/;

const MS_PER_DAY = 86_400_000;

/** Whether the text is spelled as an ISO-8601 log time, valid or not (2024-02-30 is spelled so): for saying which of the two is wrong. */
export function isIsoTimeShape(text: string): boolean {
  return ISO.test(text);
}

/**
 * Reads a log time. Returns epoch milliseconds (UTC, integer; sub-millisecond digits are truncated)
 * or `null` when the value is not a valid time. Strings without a zone are taken as UTC. A valid `Date`
 * is accepted; a number is not (seconds or milliseconds? a log never writes its time as one).
 */
export function parseLogTime(value: unknown): number | null {
  if (typeof value === 'string') return parseTimeString(value);
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function parseTimeString(text: string): number | null {
  const canonical = parseCanonicalTime(text);
  return canonical !== undefined ? canonical : parseTimeByPattern(text);
}

/** The form of nearly every log time: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`. */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

/**
 * A canonical time with one capture-free regex test and arithmetic on character codes (no match array,
 * no substrings, no Number()); `undefined` for any other text. Gives what parseTimeByPattern gives for the
 * same text (a property test checks).
 */
export function parseCanonicalTime(s: string): number | null | undefined {
  if (!CANONICAL.test(s)) return undefined;
  const length = s.length;
  // The first three fractional digits, missing ones as 0: ".4693371" -> 469, ".5" -> 500.
  let ms = 0;
  if (length > 20) {
    ms = digit(s, 20) * 100 + (length > 22 ? digit(s, 21) * 10 : 0) + (length > 23 ? digit(s, 22) : 0);
  }
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  // As toEpochMs, with the day's start remembered: a file's times share their date.
  const date = (year * 100 + month) * 100 + day;
  if (date !== lastDate) {
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
    lastDateMs = daysFromCivil(year, month, day) * MS_PER_DAY;
    lastDate = date;
  }
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if (hour > 23 || minute > 59 || second > 59) return null;
  return lastDateMs + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** The last valid date parseCanonicalTime read, as YYYYMMDD, and its start in epoch milliseconds. */
let lastDate = -1;
let lastDateMs = 0;

/** The value of the ASCII digit at `i`. */
function digit(s: string, i: number): number {
  return s.charCodeAt(i) - 0x30;
}

/** The value of the two ASCII digits at `i`. */
function twoDigits(s: string, i: number): number {
  return s.charCodeAt(i) * 10 + s.charCodeAt(i + 1) - 0x30 * 11;
}

/** Any accepted form, by the regular expressions (the reference for parseCanonicalTime). */
export function parseTimeByPattern(text: string): number | null {
  const s = text.trim();
  let m = ISO.exec(s);
  if (m !== null) {
    const local = toEpochMs(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]), millis(m[7]));
    if (local === null) return null;
    if (m[9] === undefined) return local; // Z, UTC, GMT or no zone at all
    const offsetHours = int(m[10]);
    const offsetMinutes = int(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000;
    return m[9] === '-' ? local + offsetMs : local - offsetMs;
  }
  m = US.exec(s);
  if (m !== null) {
    let hour = int(m[4]);
    const meridiem = m[8];
    if (meridiem === undefined && isSwappable(int(m[1]), int(m[2]))) return null;
    if (meridiem !== undefined) {
      if (hour < 1 || hour > 12) return null;
      const pm = meridiem === 'P' || meridiem === 'p';
      if (hour === 12)
        hour = pm ? 12 : 0; // 12:xx AM is just after midnight, 12:xx PM just after noon
      else if (pm) hour += 12;
    }
    return toEpochMs(int(m[3]), int(m[1]), int(m[2]), hour, int(m[5]), int(m[6]), millis(m[7]));
  }
  return null;
}

/**
 * Whether a slash date could be read month first or day first (`05/07/2026`). The Log Analytics portal
 * writes dates in the browser's locale: en-US with AM or PM (`5/25/2023, 4:32:49.469 AM`, the ACS
 * documentation's samples), day-first locales on a 24-hour clock (`16/07/2026 20:26:12.030`). So on a
 * 24-hour clock such a date is refused (quarantined as `time_invalid`, where it can be seen) rather than
 * read a month off; `5/25/2023 16:32` and `7/7/2026 20:00` have one reading and are read.
 */
function isSwappable(first: number, second: number): boolean {
  return first !== second && first >= 1 && first <= 12 && second >= 1 && second <= 12;
}

/** A regex group as an integer; an absent group is 0. */
function int(group: string | undefined): number {
  return group === undefined ? 0 : Number(group);
}

/** Fractional seconds to whole milliseconds, truncated: ".4693371" -> 469, ".5" -> 500. */
function millis(fraction: string | undefined): number {
  if (fraction === undefined) return 0;
  return Number(fraction.length >= 3 ? fraction.slice(0, 3) : (fraction + '00').slice(0, 3));
}

function toEpochMs(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
