/**
 * The locator row `~pub` of a call's partition: every per-resource day partition the call's
 * contribution was ever published to (processing/publishCallContributions.ts). The call join writes
 * it in the same transaction as the call row whenever the call reaches a new day partition, so
 * every place a publisher may write to is listed before any publisher writes there. Pure.
 */
import { resourceDayPartition } from '../partitions.js';
import { dayBucket } from '../timeBuckets.js';
import { z } from 'zod';
import { storedCount, storedEncoded } from '../rowSchemas.js';
import type { RowData } from '../types.js';
import { boundedKey, RESERVED_ROW_PREFIX } from '../../storage/keys.js';
export { LEGACY_SEQUENCE_ROW_KEY } from '../types.js';

export const LOCATOR_ROW_KEY = `${RESERVED_ROW_PREFIX}pub`;

/** The day partition (stored key) a call row contributes to; null while it contributes nothing. */
export function contributionPlace(callRow: RowData | undefined): string | null {
  if (!callRow) return null;
  const start = callRow['callStartTime'];
  const resourceId = callRow['resourceId'];
  if (typeof start !== 'string' || typeof resourceId !== 'string' || resourceId === '') return null;
  const time = Date.parse(start);
  if (!Number.isFinite(time)) return null;
  return boundedKey(resourceDayPartition(resourceId, dayBucket(time)));
}

/** The places a locator lists (none for no locator). */
export function locatorPlaces(locator: RowData | undefined): string[] {
  const raw = locator?.['places'];
  return typeof raw === 'string' ? placesOf(raw) : [];
}

function placesOf(raw: string | undefined): string[] {
  if (raw === undefined || raw === '') return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new Error(`call locator ${LOCATOR_ROW_KEY} does not read`);
  return parsed;
}

/** The locator row as stored: the call's sequence when it was last published, and the places it lists. */
export const locatorRowSchema = z.object({ seq: storedCount, places: storedEncoded(placesOf) });

export function locatorRow(sequence: number, places: readonly string[]): RowData {
  return { seq: sequence, places: JSON.stringify(places) };
}
