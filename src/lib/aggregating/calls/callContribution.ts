/**
 * What one call contributes to the per-resource views `call-volume` and `call-quality`: a pure
 * function of its call row, so that the views can subtract what a call contributed before and add
 * what it contributes now when a later version changes it (processing/publishCallContributions.ts).
 * Pure.
 */
import { dayBucket, hourBucket } from '../timeBuckets.js';
import type { RowData } from '../types.js';
import { MAX_MAP_KEYS, OTHER_KEY, readCounts, writeCounts, type Counts } from '../rowValues.js';
import type { CallContributionFields } from './callRowSchemas.js';
import { decodeQuality, encodeQuality, type MediaQualitySketches } from './callQuality.js';
import { storedCount, storedCounts, storedEncoded } from '../rowSchemas.js';
import { storedJson } from '../../storage/storedRows.js';
import { z } from 'zod';

export interface CallContribution {
  resourceId: string;
  /** The hour and UTC day of callStartTime (ISO). */
  hour: string;
  day: string;
  callMs: number;
  participants: number;
  participantMs: number;
  callType: string;
  /** Endpoint type → legs. */
  endpointTypes: Counts;
  impacted: boolean;
  /** At least one recording summary. */
  recorded: boolean;
  quality: Record<string, MediaQualitySketches>;
}

/** The contribution of a call row (read through its schema); null while the call has no start time (no call logs yet) or no resource. */
export function contributionOf(callRow: CallContributionFields | undefined): CallContribution | null {
  if (!callRow || callRow.callStartTime === null || callRow.resourceId === null) return null;
  const time = Date.parse(callRow.callStartTime);
  if (!Number.isFinite(time)) return null;
  return {
    resourceId: callRow.resourceId,
    hour: hourBucket(time),
    day: dayBucket(time),
    callMs: callRow.callDurationMs ?? 0,
    participants: callRow.participants,
    participantMs: callRow.participantMs,
    callType: callRow.callType ?? '(none)',
    endpointTypes: callRow.endpointTypes,
    impacted: callRow.impacted,
    recorded: callRow.recordingCount > 0,
    quality: callRow.quality,
  };
}

/** The contribution as the `~c|` row keeps it. */
export function encodeContribution(c: CallContribution): string {
  return JSON.stringify({ ...c, endpointTypes: writeCounts(c.endpointTypes), quality: encodeQuality(c.quality) });
}

/** A contribution as encodeContribution stores it. */
const contributionSchema = z.object({
  resourceId: z.string(),
  hour: z.string(),
  day: z.string(),
  callMs: z.number(),
  participants: storedCount,
  participantMs: z.number(),
  callType: z.string(),
  endpointTypes: storedCounts,
  impacted: z.boolean(),
  recorded: z.boolean(),
  quality: storedEncoded(decodeQuality),
});

/** The `~c|<call>` row of a per-resource day partition: the call's sequence and what it contributed there (empty: nothing). */
export const contributionMarkSchema = z.object({
  seq: storedCount,
  contribution: storedJson(contributionSchema.nullable(), null),
});

/**
 * Adds `delta` to `key` in a count map stored as JSON; a key that reaches 0 is removed. A map holding
 * MAX_MAP_KEYS keys counts a new key under `(other)`, and a key it does not hold is taken from there.
 */
export function addCount(row: RowData, property: string, key: string, delta: number): void {
  const counts = readCounts(row[property]);
  const target = key in counts || (delta > 0 && Object.keys(counts).length < MAX_MAP_KEYS) ? key : OTHER_KEY;
  const next = (counts[target] ?? 0) + delta;
  if (next === 0) delete counts[target];
  else counts[target] = next; // readCounts gives a map without a prototype: `__proto__` is a key like any other
  row[property] = writeCounts(counts);
}

/**
 * Subtracting a contribution would take a count below zero: the rows were not read at one moment
 * (another writer committed between two reads). The publisher reads again; a commit would have
 * failed its ETag conditions anyway.
 */
export class InconsistentRead extends Error {
  override readonly name = 'InconsistentRead';
}

/** One per-resource table a contribution lands in: which rows of the day's partition, and how. */
export interface ContributionTarget {
  readonly table: string;
  /** Row keys in the partition of the contribution's resource and day. */
  rowKeys(c: CallContribution): string[];
  /** Adds (sign 1) or subtracts (sign -1) the contribution to the row at `rowKey`. */
  apply(row: RowData, rowKey: string, c: CallContribution, sign: 1 | -1): void;
  /** Optional: serializes, once per written row, what `apply` kept decoded across the calls of a transaction. */
  finalize?(row: RowData): void;
}
