/**
 * Time helpers shared by the views: UTC buckets and times as sortable ISO strings. Every view asks
 * for the same few hours of a file's records, so each keeps its last answer, and `isoTime` writes
 * minutes, seconds and milliseconds after a cached hour prefix instead of building a Date per call.
 */
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
/** 0000-01-01 .. 9999-12-31: where toISOString writes the plain `YYYY-MM-DDTHH:MM:SS.sssZ` form. */
const MIN_PLAIN_TIME = -62_167_219_200_000;
const MAX_PLAIN_TIME = 253_402_300_800_000;

let lastHourStart = NaN;
let lastHour = '';
let lastDayStart = NaN;
let lastDay = '';

/** The hour `time` is in, as an ISO time. Floor, not `%`: before 1970 a remainder is negative. */
export function hourBucket(time: number): string {
  const start = Math.floor(time / MS_PER_HOUR) * MS_PER_HOUR;
  if (start !== lastHourStart) {
    lastHour = new Date(start).toISOString();
    lastHourStart = start;
  }
  return lastHour;
}

/** The UTC day `time` is in, as an ISO time (midnight). */
export function dayBucket(time: number): string {
  const start = Math.floor(time / MS_PER_DAY) * MS_PER_DAY;
  if (start !== lastDayStart) {
    lastDay = new Date(start).toISOString();
    lastDayStart = start;
  }
  return lastDay;
}

let prefixHourStart = NaN;
let hourPrefix = '';

export function isoTime(time: number): string {
  if (!Number.isInteger(time) || time < MIN_PLAIN_TIME || time >= MAX_PLAIN_TIME) return new Date(time).toISOString();
  const inHour = ((time % MS_PER_HOUR) + MS_PER_HOUR) % MS_PER_HOUR;
  const hourStart = time - inHour;
  if (hourStart !== prefixHourStart) {
    hourPrefix = new Date(hourStart).toISOString().slice(0, 14); // YYYY-MM-DDTHH:
    prefixHourStart = hourStart;
  }
  const minutes = Math.floor(inHour / 60_000);
  const seconds = Math.floor(inHour / 1000) % 60;
  const millis = inHour % 1000;
  return hourPrefix + TWO_DIGITS[minutes] + ':' + TWO_DIGITS[seconds] + '.' + THREE_DIGITS[millis] + 'Z';
}

const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
