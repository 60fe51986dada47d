import { shownQuantile, sketchQuantile, type DurationSketch } from '../aggregating/recordings/durationSketch.js';
import { compareStrings } from '../aggregating/rowValues.js';
import { callQualityRowSchema, callVolumeRowSchema } from '../aggregating/calls/callTotalsRows.js';
import { LOSS_SCALE } from '../aggregating/calls/callQuality.js';
import { CALL_QUALITY_TABLE, CALL_VOLUME_TABLE } from '../aggregating/index.js';
import { parseStoredRow } from '../storage/storedRows.js';
import type { TableStore } from '../storage/TableStore.js';
import type { ViewFilters } from './filters.js';
import type { CallQualityRow, CallVolumeRow, QualityStats } from './queryRows.js';
import { readBuckets, type BucketRows } from './scanBuckets.js';

/** The rows of `call-volume`: calls per bucket of callStartTime; buckets whose calls all moved away (a later version) are left out. */
export const CALL_VOLUME_ROWS: BucketRows<CallVolumeRow> = {
  table: CALL_VOLUME_TABLE,
  toRow: (stored) => {
    const row = parseStoredRow(callVolumeRowSchema, CALL_VOLUME_TABLE, stored);
    if (row.calls === 0) return undefined;
    return {
      bucket: row.bucket,
      resourceId: row.resourceId,
      calls: row.calls,
      callSeconds: row.callMs / 1000,
      participants: row.participants,
      participantSeconds: row.participantMs / 1000,
      byCallType: row.byCallType,
      byEndpointType: row.byEndpointType,
      impactedCalls: row.impactedCalls,
      recordedCalls: row.recordedCalls,
    };
  },
  compare: (a, b) => compareStrings(a.bucket, b.bucket) || compareStrings(a.resourceId, b.resourceId),
};

/** Calls per bucket of callStartTime; buckets whose calls all moved away (a later version) are left out. */
export function queryCallVolume(tables: TableStore, filters: ViewFilters): Promise<CallVolumeRow[]> {
  return readBuckets(tables, filters, CALL_VOLUME_ROWS);
}

/** The rows of `call-quality`: stream quality per bucket of callStartTime and MediaType. */
export const CALL_QUALITY_ROWS: BucketRows<CallQualityRow> = {
  table: CALL_QUALITY_TABLE,
  toRow: (stored) => {
    const row = parseStoredRow(callQualityRowSchema, CALL_QUALITY_TABLE, stored);
    if (row.streams === 0) return undefined;
    return {
      bucket: row.bucket,
      resourceId: row.resourceId,
      mediaType: row.mediaType,
      streams: row.streams,
      poorStreams: row.poorStreams,
      jitterMs: statsOf(row.jitterMs, 1),
      roundTripMs: statsOf(row.roundTripMs, 1),
      packetLoss: statsOf(row.packetLossMicros, LOSS_SCALE),
    };
  },
  compare: (a, b) => compareStrings(a.bucket, b.bucket) || compareStrings(a.resourceId, b.resourceId) || compareStrings(a.mediaType, b.mediaType),
};

/** Stream quality per bucket of callStartTime and MediaType. */
export function queryCallQuality(tables: TableStore, filters: ViewFilters): Promise<CallQualityRow[]> {
  return readBuckets(tables, filters, CALL_QUALITY_ROWS);
}

function statsOf(sketch: DurationSketch, scale: number): QualityStats {
  const at = (q: number): number | null => {
    const value = sketchQuantile(sketch, q);
    return value === null ? null : shownQuantile(value / scale);
  };
  return { p50: at(0.5), p95: at(0.95), max: at(1) };
}
