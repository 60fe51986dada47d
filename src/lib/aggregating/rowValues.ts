import { digest, encodeKeyPart, wholePairsPrefix } from '../storage/keys.js';
import { openValue } from './openValues.js';
import type { RowData } from './types.js';

/**
 * The row helpers every view folds with: sums, min/max and latest values, and small, bounded values.
 * Table Storage allows 64 KiB (32,768 UTF-16 chars) per string property, 1 MiB per entity and 252
 * properties: every text copied from a record is clipped, and every count map is capped, so a row
 * stays within those limits whatever the input.
 */

/** Longest dimension value (FormatType, OperationName, SdkVersion, ...) kept on a row. */
export const MAX_VALUE_CHARS = 128;
/** Longest id (RecordingId, CorrelationId) kept on a row. */
export const MAX_ID_CHARS = 1024;
/**
 * Most keys of a count map or values of a set kept in one property: 200 × (128 + ~14) chars of JSON
 * stays under 32,768 chars (64 KiB).
 */
export const MAX_MAP_KEYS = 200;
/**
 * Most characters of JSON a count map takes in one property (the service allows 32,768 UTF-16
 * units): 200 values of 128 plain characters fit, but JSON writes a control character or a lone
 * surrogate in 6 characters, so 200 such values would take 150K characters and four such maps
 * more than the 1 MiB an entity holds.
 */
export const MAX_MAP_JSON_CHARS = 32_000;
/** What one entry of a count map may cost besides its key's JSON: the colon, a comma and a count up to 2^53. */
const ENTRY_CHARS = 18;
/** Where counts of values beyond MAX_MAP_KEYS (or MAX_MAP_JSON_CHARS) go. */
export const OTHER_KEY = '(other)';
/** The count-map key of an absent value. */
export const NONE_KEY = '(none)';

/**
 * Text as kept on a row: at most `max` chars. A longer value keeps its start and ends in `…` and a
 * digest of the whole, so two values that differ only past the cut never read alike.
 */
export function clip(value: string, max = MAX_VALUE_CHARS): string {
  if (value.length <= max) return value;
  const tail = '…' + digest(value).slice(0, CLIP_DIGEST_CHARS);
  return wholePairsPrefix(value, max - tail.length) + tail;
}

/** Chars of the digest a clipped value ends with: 66 bits, collisions out of reach. */
const CLIP_DIGEST_CHARS = 11;

/** Optional text as kept on a row: clipped, `null` when absent or empty. */
export function clipOrNull(value: string | null, max = MAX_VALUE_CHARS): string | null {
  return value === null || value === '' ? null : clip(value, max);
}

/** A record's optional text as a count-map key: clipped, `(none)` when absent or empty. */
export function keyOf(value: string | null): string {
  return value === null || value === '' ? NONE_KEY : clip(value);
}

/**
 * A stored string, null when absent or empty: for the fold, which reads the rows of its partition
 * as they are (queries read them through the tables' schemas instead).
 */
export function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** A stored finite number, else null (see `text`). */
export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export type Counts = Record<string, number>;

/**
 * An object keyed by logged values, without a prototype: `constructor`, `toString` or `__proto__`
 * from a log are keys like any other, never a property every object inherits.
 */
export function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A count map with its keys in code-unit order (as writeCounts writes them). */
export function sortedCounts(counts: Counts): Counts {
  return dictionaryOf(
    Object.keys(counts)
      .sort(compareStrings)
      .map((key) => [key, counts[key] as number]),
  );
}

/** A dictionary of these entries, in their order. */
export function dictionaryOf<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const result = dictionary<T>();
  for (const [key, value] of entries) result[key] = value;
  return result;
}

/**
 * Reads a count map this code stored as JSON (absent is empty). A stored value that does not read
 * throws: folding into it would silently drop its counts, so the invocation fails and is retried.
 */
export function readCounts(value: unknown): Counts {
  if (value === undefined || value === null || value === '') return dictionary();
  let parsed: unknown;
  try {
    parsed = typeof value === 'string' ? JSON.parse(value) : value;
  } catch {
    throw new Error(`stored count map is not JSON: ${String(value).slice(0, 80)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`stored count map is not an object: ${String(value).slice(0, 80)}`);
  }
  const counts: Counts = dictionary();
  for (const [key, count] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof count !== 'number' || !Number.isFinite(count)) throw new Error(`stored count map has a non-number for "${key.slice(0, 40)}"`);
    counts[key] = count;
  }
  return counts;
}

/** A count map as JSON with keys in code-unit order: equal maps give equal strings. */
export function writeCounts(counts: Counts | ReadonlyMap<string, number>): string {
  const entries = counts instanceof Map ? [...(counts as ReadonlyMap<string, number>)] : Object.entries(counts);
  entries.sort((a, b) => compareStrings(a[0], b[0]));
  return '{' + entries.map(([key, count]) => JSON.stringify(key) + ':' + JSON.stringify(count)).join(',') + '}';
}

function readCountMap(stored: unknown): Map<string, number> {
  return new Map(Object.entries(readCounts(stored)));
}

/** The JSON characters of `(other)`'s entry and of the map's braces. */
const OTHER_ENTRY_CHARS = JSON.stringify(OTHER_KEY).length + ENTRY_CHARS + 2;

/**
 * Most JSON characters one kept value's entry may take: MAX_MAP_KEYS of them and `(other)` fit in
 * MAX_MAP_JSON_CHARS. Decided by the value alone, so the map stays the same whatever the order.
 */
const MAX_ENTRY_CHARS = Math.floor((MAX_MAP_JSON_CHARS - OTHER_ENTRY_CHARS) / MAX_MAP_KEYS);

/**
 * Adds `delta` to `key` in the count map stored as JSON in `row[property]`, kept decoded until the
 * view's `finalize` (closeRow). A map keeps at most MAX_MAP_KEYS values besides `(other)`: the
 * smallest in code-unit order of all the values seen, each with its whole count, and the rest summed
 * under `(other)`. A new value smaller than the largest kept one takes its place, whose count moves
 * to `(other)`; so the map is the same whatever order the values arrive in. A value whose entry
 * would take more than MAX_ENTRY_CHARS of JSON always counts under `(other)`, so the map's JSON
 * stays within MAX_MAP_JSON_CHARS.
 */
export function bumpCount(row: RowData, property: string, key: string, delta = 1): void {
  const counts = openValue(row, property, readCountMap, writeCounts);
  let target = key;
  // A value JSON writes long (control characters, lone surrogates: six characters each) is never kept.
  if (key !== OTHER_KEY && !counts.has(key) && JSON.stringify(key).length + ENTRY_CHARS > MAX_ENTRY_CHARS) target = OTHER_KEY;
  else if (key !== OTHER_KEY && !counts.has(key) && counts.size - (counts.has(OTHER_KEY) ? 1 : 0) >= MAX_MAP_KEYS) {
    const largest = largestKept(counts);
    if (largest !== null && compareStrings(key, largest) < 0) {
      counts.set(OTHER_KEY, (counts.get(OTHER_KEY) ?? 0) + (counts.get(largest) ?? 0));
      counts.delete(largest);
    } else target = OTHER_KEY;
  }
  counts.set(target, (counts.get(target) ?? 0) + delta);
}

/** The largest key of a full count map but `(other)`: a scan, only when a new value finds the map full. */
function largestKept(counts: ReadonlyMap<string, number>): string | null {
  let largest: string | null = null;
  for (const key of counts.keys()) if (key !== OTHER_KEY && (largest === null || compareStrings(key, largest) > 0)) largest = key;
  return largest;
}

/** Reads a JSON array of strings; anything unreadable is empty. */
export function readStrings(value: unknown): string[] {
  if (typeof value !== 'string' || value === '') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** Code-unit order, the order Table Storage sorts keys in. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Recording lengths are summed as integer milliseconds so sums do not depend on order. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** Durations are summed as integer microseconds (DurationMs may carry decimals). */
export function msToMicros(ms: number): number {
  return Math.round(ms * 1000);
}

/**
 * A dimension value as a row-key part of at most ~110 chars (three of them and a bucket stay far
 * below the 1 KiB key limit): readable when short, a prefix and a stable digest when long.
 */
export function dimensionKeyPart(value: string | null): string {
  const encoded = encodeKeyPart(value ?? '');
  if (encoded.length <= 110) return encoded;
  return wholePairsPrefix(encoded, 80) + '!!' + digest(value ?? '');
}

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

/** Numbers by value (10 is larger than 9, which their text would not say), true above false, text by code units. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
