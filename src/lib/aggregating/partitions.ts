import { encodeKeyPart, joinKey } from '../storage/keys.js';

let lastResourceId: string | undefined;
let lastDay: string | undefined;
let lastPartition = '';

/**
 * Partition of one resource's UTC day, `<resource>|YYYY-MM-DD`, from the resource id and a day (or
 * any ISO time in it). The records of a file share it, so the last answer is kept: one key string
 * per file rather than one per record and view.
 */
export function resourceDayPartition(resourceId: string, day: string): string {
  if (resourceId !== lastResourceId || day !== lastDay) {
    lastPartition = joinKey(encodeKeyPart(resourceId), day.slice(0, 10));
    lastResourceId = resourceId;
    lastDay = day;
  }
  return lastPartition;
}
