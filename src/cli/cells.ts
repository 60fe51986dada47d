import type { Granularity } from '../lib/querying/filters.js';
import { resourceShortName } from '../lib/querying/resourceName.js';
import type { TableColumn } from './table.js';

const ISO_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/;
/** Fields that hold times (`createdAt`, `callStartTime`, health's `newestRecordAt`): only theirs are shown as times. */
const TIME_FIELD = /(?:At|Time)$/;

/** call-quality's statistics of a stream metric: `{p50, p95, max}`. */
const QUALITY_STATS: Readonly<Record<string, (value: unknown) => string>> = {
  jitterMs: milliseconds,
  roundTripMs: milliseconds,
  packetLoss: (value) => (typeof value === 'number' ? readable(value) : '-'),
};

/**
 * The table column of a field: resource ids by name, buckets at their granularity, latencies as
 * p50/p95/p99 and stream quality as p50/p95/max (whole: a cut one would read as other numbers), the rest by `readable`.
 */
export function tableColumn(name: string, granularity?: Granularity): TableColumn {
  if (name === 'resourceId') return { name, header: name, cell: (value) => (typeof value === 'string' ? resourceShortName(value) : readable(value)) };
  if (name === 'bucket') return { name, header: name, cell: (value) => bucketCell(value, granularity), whole: true };
  if (name === 'durationMs') return { name, header: 'ms p50/p95/p99', cell: percentilesCell, whole: true };
  // An HTTP status of three digits under a header of fifteen would take the room a time or latency needs.
  if (name === 'resultSignature') return { name, header: 'status', cell: readable };
  const stats = QUALITY_STATS[name];
  if (stats) return { name, header: name, cell: (value) => statsCell(value, ['p50', 'p95', 'max'], stats), whole: true };
  // Whole: a cut time (`2024-05-25 00:1…`) would read as another time.
  if (TIME_FIELD.test(name)) return { name, header: name, cell: timeCell, whole: true };
  // Health's lag (`1009 d 13 h`): cut, it loses its unit and reads as another lag.
  if (name === 'lag') return { name, header: name, cell: readable, whole: true };
  // Log containers share their `insights-logs-` start, and paths their folders: their ends tell them apart.
  if (name === 'container' || name === 'path') return { name, header: name, cell: readable, keepEnd: true };
  return { name, header: name, cell: readable };
}

/** A bucket at its granularity: the day, or the day and hour. */
function bucketCell(value: unknown, granularity: Granularity | undefined): string {
  const time = typeof value === 'string' ? ISO_TIME.exec(value) : null;
  if (!time) return readable(value);
  return granularity === 'day' ? (time[1] as string) : `${time[1]} ${(time[2] as string).slice(0, 5)}`;
}

/** A time without its milliseconds (`2024-05-25 09:00:00`). */
function timeCell(value: unknown): string {
  const time = typeof value === 'string' ? ISO_TIME.exec(value) : null;
  return time ? `${time[1]} ${time[2]}` : readable(value);
}

/** `durationMs` statistics as `p50/p95/p99` in milliseconds; `-` where there was no duration. */
function percentilesCell(value: unknown): string {
  return statsCell(value, ['p50', 'p95', 'p99'], milliseconds);
}

/** Statistics as `a/b/c` in the order of `keys`; `-` where there were none. */
function statsCell(value: unknown, keys: readonly string[], each: (value: unknown) => string): string {
  if (value === null || typeof value !== 'object') return readable(value);
  const stats = value as Record<string, unknown>;
  if (stats['p50'] === null || stats['p50'] === undefined) return '-';
  return keys.map((key) => each(stats[key])).join('/');
}

function milliseconds(value: unknown): string {
  if (typeof value !== 'number') return '-';
  return groupedNumber(value >= 10 ? Math.round(value) : Math.round(value * 10) / 10);
}

/**
 * Any value, as a table reads it: maps as `key=value`, lists joined, a list of objects by their ids
 * (JSON and CSV keep every field).
 */
export function readable(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value))
    return value.map((item) => (item !== null && typeof item === 'object' ? itemId(item as Record<string, unknown>) : readable(item))).join(', ');
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(([key, v]) => `${key}=${readable(v)}`)
      .join(' ');
  // Text from the logs as written, even when it looks like a time: ids cut to the second would read alike.
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? groupedNumber(value) : shownFraction(value);
  return String(value);
}

/**
 * A fraction as a table shows it: three decimals, or below 1 three significant digits, so that a
 * small quantity (0.000002 megabytes) is not shown as 0. JSON and CSV keep every digit.
 */
function shownFraction(value: number): string {
  if (Math.abs(value) >= 1 || !Number.isFinite(value)) return groupedNumber(roundedAsWritten(value, 3));
  // Written out (0.0000002, never 2e-7), to three significant digits.
  const decimals = Math.min(100, 2 - Math.floor(Math.log10(Math.abs(value))));
  return roundedAsWritten(value, decimals)
    .toFixed(decimals)
    .replace(/\.?0+$/, '');
}

/**
 * `value` rounded to `decimals` as the decimal JSON and CSV write reads: 514.1655 is 514.166 and
 * 0.1235 is 0.124, where `value * 1000` would be 514165.49999999994 and round down.
 */
function roundedAsWritten(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const text = String(Math.abs(value));
  // From 1e21 up there is no fraction to round; below 1e-6 the double is rounded, as before.
  if (text.includes('e')) return Math.abs(value) >= 1 ? value : Math.round(value * 10 ** decimals) / 10 ** decimals;
  return (Math.sign(value) * Math.round(Number(`${text}e${decimals}`))) / 10 ** decimals;
}

/** A number with its thousands grouped (`43,000`, `1,234.5`): tables are read by people; JSON and CSV keep plain numbers. */
export function groupedNumber(value: number): string {
  const text = String(value);
  // Exponent forms (1e+21, 1e-7) and non-finite values are left as JavaScript writes them.
  const parts = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!parts) return text;
  const whole = parts[2] as string;
  return (parts[1] as string) + whole.replace(/\B(?=(\d{3})+$)/g, ',') + (parts[3] ?? '');
}

/** An object in a list reads as its first `...Id` field (a call's recordings by recordingId), else as JSON. */
function itemId(item: Record<string, unknown>): string {
  const id = Object.entries(item).find(([key, v]) => /Id$/.test(key) && typeof v === 'string');
  return id ? (id[1] as string) : JSON.stringify(item);
}
