/**
 * The time index of calls: the table `CallTimes` lists each call under the UTC day (partition) and
 * hour (row key prefix) of its first time (`firstAt` of its call row), so that a query for a range
 * reads that range's index rows and then only the calls they name, not every call row of the Calls
 * table. Pure.
 *
 * The index is a superset, never a count: each run that writes a call row lists the call under the
 * hour of the `firstAt` it wrote (an idempotent upsert), before its checkpoint moves. A call whose
 * first time later moves earlier keeps its old entry too; a query checks every call it reads against
 * the range, so an extra entry costs one read and changes no answer.
 *
 * Calls stored before the index existed are listed by a one-time pass over the call rows
 * (processing/callTimeIndexBuild.ts), which resumes from its progress row and ends by writing the
 * completion row. Until that row exists, queries scan the Calls table as before.
 */
import { z } from 'zod';

export const CALL_TIMES_TABLE = 'CallTimes';

/** The index's own rows live in this partition: it sorts after every day (`YYYY-MM-DD`). */
export const INDEX_STATE_PARTITION = '~';
/** Written once every call row stored before the index existed is listed. */
export const INDEX_COMPLETE_ROW_KEY = 'complete';
/** The last call partition the one-time pass listed (in key order), to resume from. */
export const INDEX_PROGRESS_ROW_KEY = 'progress';

/** An entry: the call's partition in the Calls table (row keys may be digested when long, this is not). */
export const callTimeEntrySchema = z.object({ call: z.string() });

export const indexProgressSchema = z.object({ after: z.string() });

export const indexCompleteSchema = z.object({ completedAt: z.string() });

/** Where a call whose first time is `firstAt` is listed: its day's partition, row `HH|<call partition>`; null without a first time (no range picks it). */
export function callTimeEntry(firstAt: string | null, callPartition: string): { partitionKey: string; rowKey: string } | null {
  const place = placeOfIso(firstAt);
  return place === null ? null : { partitionKey: place.day, rowKey: `${place.hour}|${callPartition}` };
}

/** An hour as the index keys it: the UTC day (`YYYY-MM-DD`) and hour (`HH`). */
export interface IndexHour {
  day: string;
  hour: string;
}

/** The hour of a stored ISO time, or null when the value is not one. */
export function placeOfIso(iso: string | null | undefined): IndexHour | null {
  if (typeof iso !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}/.test(iso)) return null;
  return { day: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/**
 * One read of the index: a partition (`day`) from row `rowFrom` and before row `rowBefore`, or the
 * partitions strictly between `afterDay` and `beforeDay`. Undefined bounds are open.
 */
export type IndexSlice = { day: string; rowFrom?: string; rowBefore?: string } | { afterDay?: string; beforeDay?: string };

/**
 * The reads that find every call whose first time is in [from, to): the hours from that of `from` to
 * that of the last instant before `to`, as at most three range reads (the first day from its hour,
 * the days between, the last day to its hour). An end left open, or past what a day key spells (years
 * outside 0000-9999), is read open: the calls read are checked anyway. Empty when the range holds no
 * instant.
 */
export function indexSlices(from: string | undefined, to: string | undefined): IndexSlice[] {
  const first = from === undefined ? null : hourAt(Date.parse(from));
  const last = to === undefined ? null : hourAt(Date.parse(to) - 1);
  if (first !== null && last !== null) {
    if (first.day > last.day || (first.day === last.day && first.hour > last.hour)) return [];
    if (first.day === last.day) return [{ day: first.day, rowFrom: `${first.hour}|`, rowBefore: rowsBefore(last) }];
  }
  const slices: IndexSlice[] = [];
  if (first !== null) slices.push({ day: first.day, rowFrom: `${first.hour}|` });
  if (first === null || last === null || nextDay(first.day) < last.day) {
    slices.push({ ...(first === null ? {} : { afterDay: first.day }), ...(last === null ? {} : { beforeDay: last.day }) });
  }
  if (last !== null) slices.push({ day: last.day, rowBefore: rowsBefore(last) });
  return slices;
}

/**
 * What a query weighs the range against: the whole days before and after the range's, then the hours
 * of its first day before it and of its last day after it (a store of one day holds no other day,
 * yet an hour of it is a twenty-fourth of its calls). A range open at an end has none there.
 */
export function slicesOutside(from: string | undefined, to: string | undefined): IndexSlice[] {
  const first = from === undefined ? null : hourAt(Date.parse(from));
  const last = to === undefined ? null : hourAt(Date.parse(to) - 1);
  return [
    ...(first === null ? [] : [{ beforeDay: first.day }]),
    ...(last === null ? [] : [{ afterDay: last.day }]),
    ...(first === null || first.hour === '00' ? [] : [{ day: first.day, rowBefore: `${first.hour}|` }]),
    ...(last === null || last.hour === '23' ? [] : [{ day: last.day, rowFrom: rowsBefore(last) }]),
  ];
}

/** Past every row key of the hour (`HH|…`): `}` sorts after `|`. */
function rowsBefore(hour: IndexHour): string {
  return `${hour.hour}}`;
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
}

function hourAt(time: number): IndexHour | null {
  return Number.isFinite(time) && Math.abs(time) <= 8.64e15 ? placeOfIso(new Date(time).toISOString()) : null;
}
