import type { NormalizedRecord } from '../normalizing/types.js';

/** The partition and rows one record touches in a view's table. */
export interface Route {
  partitionKey: string;
  rowKeys: readonly string[];
}

/** A row's properties as the view keeps them (keys and ETag live outside). */
export type RowData = Record<string, unknown>;

/**
 * One aggregate table. Pure and synchronous: `route` says where a record lands, `apply` folds it into
 * those rows. Folding must be order-independent (sums, min/max, latest-by-time with a value
 * tie-break) so that aggregates equal one pass in any order.
 */
export interface AggregateView {
  /** Logical table name (the store adds the configured prefix). */
  readonly table: string;
  route(record: NormalizedRecord): Route | null;
  /** `rows[i]` is the row at `route.rowKeys[i]`: existing data, or `{}` for a new row. Mutates them. */
  apply(record: NormalizedRecord, rows: RowData[]): void;
  /**
   * Optional: called once on each changed row after all of a batch's records were applied and before
   * it is written, so that state kept decoded during `apply` (a sketch) is serialized once per row,
   * not once per record.
   */
  finalize?(row: RowData): void;
  /**
   * Optional row recomputed from every row of the partition after each change, in the same
   * transaction (e.g. one call's summary over its recordings and operations). Its value is then a
   * pure function of the set of records, whatever their order. The applier reads whole partitions
   * for such views.
   */
  readonly summary?: PartitionSummary;
}

export interface PartitionSummary {
  readonly rowKey: string;
  /**
   * `rows` holds every aggregate row of the partition (not the summary row itself) by row key. The
   * applier adds `SUMMARY_SEQUENCE_FIELD` to what it returns.
   */
  compute(rows: ReadonlyMap<string, RowData>, partitionKey: string): RowData;
  /**
   * Optional bookkeeping rows (`~` keys) kept in step with the summary: written in the same
   * transaction when `companions` returns them. The applier hands the rows as committed last, with
   * the summary, to whatever follows the write (see WriteResult.summaries).
   */
  readonly companionKeys?: readonly string[];
  /** The companion rows to write with this summary (only those that change), given what is stored of them. */
  companions?(summary: RowData, stored: ReadonlyMap<string, RowData>, partitionKey: string): Map<string, RowData>;
}

/**
 * Every summary row counts the records applied to its partition: it grows with every change of the
 * summary, so two states of it are ordered (the call's contributions use it).
 */
export const SUMMARY_SEQUENCE_FIELD = 'appliedRecords';
/** Where a partition kept that count (field `n`) before its summary row carried it. */
export const LEGACY_SEQUENCE_ROW_KEY = '~seq';

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

/**
 * Adds `delta` to an integer sum that may be absent. Sums are exact integers below 2^53 (the ranges of
 * normalizing/ranges.ts keep them there for any realistic volume); one that would leave that range,
 * or a stored sum that is not a number, throws rather than store or continue from a wrong number.
 */
export function addTo(row: RowData, key: string, delta: number): void {
  const current = row[key];
  if (current !== undefined && typeof current !== 'number') {
    throw new Error(`stored sum ${key} is not a number: ${String(current).slice(0, 40)}`);
  }
  row[key] = exactSum(current ?? 0, delta, key);
}

/** `a + b` when both and the result are integers below 2^53; else throws, naming the sum. */
export function exactSum(a: number, b: number, what: string): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new Error(`sum ${what} cannot stay exact: ${a} + ${b} (integers up to 2^53 only)`);
  return sum;
}

/** Keeps the earliest ISO time in `key`. */
export function keepMin(row: RowData, key: string, iso: string): void {
  const current = row[key];
  if (typeof current !== 'string' || iso < current) row[key] = iso;
}

/** Keeps the latest ISO time in `key`. */
export function keepMax(row: RowData, key: string, iso: string): void {
  const current = row[key];
  if (typeof current !== 'string' || iso > current) row[key] = iso;
}

/**
 * Sets `key` to `value` if this observation is the latest (by time; equal times break the tie by
 * the larger value), tracking the observation time in `key + 'At'`. Order-independent.
 */
export function keepLatest(row: RowData, key: string, value: number | boolean | string, iso: string): void {
  const atKey = atKeyOf(key);
  const at = row[atKey];
  const current = row[key];
  if (typeof at !== 'string' || iso > at || (iso === at && compareValues(value, current) > 0)) {
    row[key] = value;
    row[atKey] = iso;
  }
}

/** `key + 'At'`, built once per key: a fresh concatenation per call costs a flatten on every row lookup. */
const AT_KEYS = new Map<string, string>();

function atKeyOf(key: string): string {
  let atKey = AT_KEYS.get(key);
  if (atKey === undefined) AT_KEYS.set(key, (atKey = key + 'At'));
  return atKey;
}

function compareValues(a: unknown, b: unknown): number {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
