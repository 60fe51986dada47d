const ISO_SHAPE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

const ISO_SHAPE_MESSAGE = 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)';
const INVALID_DATE_MESSAGE = 'is not a valid date';

/**
 * An ISO-8601 date or date-time in `toISOString()` form (a time without zone is UTC), or why it is
 * not one. Plain, so that the CLI's flag parsers need no schema library.
 */
export function parseIsoTime(text: string): { ok: true; iso: string } | { ok: false; message: string } {
  const value = text.trim();
  if (!ISO_SHAPE.test(value)) return { ok: false, message: ISO_SHAPE_MESSAGE };
  const zoned = value.length === 10 ? `${value}T00:00:00Z` : /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
  const time = Date.parse(zoned.replace(' ', 'T'));
  if (Number.isNaN(time) || !isCalendarDate(value.slice(0, 10))) return { ok: false, message: INVALID_DATE_MESSAGE };
  // Past the four-digit years (9999-12-31T23:00-05:00 is in 10000) toISOString writes `+010000-...`, which sorts before 2024 as text.
  if (time < FIRST_TIME || time > LAST_TIME) return { ok: false, message: OUT_OF_YEARS_MESSAGE };
  return { ok: true, iso: new Date(time).toISOString() };
}

const FIRST_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_TIME = Date.parse('9999-12-31T23:59:59.999Z');
const OUT_OF_YEARS_MESSAGE = 'must be within the years 0000 to 9999 in UTC';

/** `Date.parse` rolls 2024-02-30 over to March; a real calendar date survives a round trip. */
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  // setUTCFullYear, not Date.UTC: that one reads the years 0 to 99 as 1900 to 1999.
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
