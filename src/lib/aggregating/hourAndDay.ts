import { joinKey } from '../storage/keys.js';
import { resourceDayPartition } from './partitions.js';
import { dayBucket, hourBucket } from './timeBuckets.js';
import type { Route, RowData } from './types.js';

/**
 * The hourly row `h|YYYY-MM-DDTHH|<dims>` and the daily row `d|<dims>` of one set of dimensions, in
 * the partition of the resource's UTC day, so that both change in one transaction.
 */
export function hourAndDayRoute(resourceId: string, time: number, dims: string): Route {
  return {
    partitionKey: resourceDayPartition(resourceId, dayBucket(time)),
    rowKeys: [joinKey('h', hourBucket(time).slice(0, 13), dims), joinKey('d', dims)],
  };
}

/** Folds into `rows[0]` as the hour's row and `rows[1]` as the day's, with each row's granularity and bucket. */
export function forHourAndDay(rows: RowData[], time: number, fold: (row: RowData, granularity: 'hour' | 'day', bucket: string) => void): void {
  const [hour, day] = rows;
  if (hour) fold(hour, 'hour', hourBucket(time));
  if (day) fold(day, 'day', dayBucket(time));
}
