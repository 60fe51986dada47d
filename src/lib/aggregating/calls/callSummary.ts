/**
 * The facts of a call: a pure function of the set of rows in a call's partition (its recordings and
 * its operations), whatever order their records arrived in. Stored as the call row by
 * callRowEncoding.ts. Pure.
 */
import { compareStrings, dictionary, dictionaryOf, exactSum, msToMicros, num, readCounts, sortedCounts, text, type Counts } from '../rowValues.js';
import type { RowData } from '../types.js';
import { decodeKeyPart } from '../../storage/keys.js';
import { OPERATION_ROW_PREFIX, SUMMARY_ROW_PREFIX, isStartOperation } from './callRows.js';
import { computeCallLogFacts, type CallLogFacts } from './callLogFacts.js';
import { sketchesOf, type MediaQualitySketches } from './callQuality.js';
import { quantileRank } from '../recordings/durationSketch.js';

/** One recording of a call, as the `s|` row keeps it. */
export interface RecordingFacts {
  recordingId: string;
  hasSummary: boolean;
  startTime: string | null;
  lengthMs: number | null;
  contentType: string | null;
  channelType: string | null;
  formatType: string | null;
  chunkCount: number | null;
  audioChannelsCount: number | null;
  endReason: string | null;
  /** Operations whose URI names this recording, by OperationName. */
  operations: Counts;
  operationCount: number;
  failedOperations: number;
}

/** DurationMs statistics, exact (the call row sees every operation). */
export interface DurationFacts {
  count: number;
  sumUs: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Everything the join knows about a call, uncapped. */
/** The call-log fields (null or 0 when the call has none) come from callLogFacts.ts. */
export interface CallFacts extends Omit<CallLogFacts, 'quality' | 'firstAt'> {
  correlationId: string;
  resourceId: string | null;
  /** Distinct RecordingIds with a summary. */
  recordingCount: number;
  recordingMs: number;
  /**
   * A lower bound of the recordings started or operated on through the API that have no summary yet
   * (still running, or lost): the larger of the recordings named by a successful operation without
   * a summary, and the successful StartRecording requests beyond the summaries.
   */
  recordingsWithoutSummary: number;
  /** Recording ids named by a successful operation that have no summary. */
  recordingIdsWithoutSummary: string[];
  /** Summaries no operation names (always all of them when the call has no operations). */
  summariesWithoutOperations: number;
  operationCount: number;
  operations: Counts;
  failedOperations: number;
  sdkTypes: string[];
  sdkVersions: string[];
  callConnectionIds: string[];
  firstOperationAt: string | null;
  lastOperationAt: string | null;
  /** Earliest and latest time of anything in the call: operations, recording starts, summaries. */
  firstAt: string | null;
  lastAt: string | null;
  durationMs: DurationFacts | null;
  /** Both summaries and operations are present. */
  matched: boolean;
  recordings: RecordingFacts[];
  /** At least one poor stream. */
  impacted: boolean;
  /** recordingMs / callDurationMs; null while the duration is unknown (or 0). */
  recordingCoverage: number | null;
  /** Media type → stream counts and sketches of the Avg values. */
  quality: Record<string, MediaQualitySketches>;
}

export function recordingFactsOf(row: RowData): RecordingFacts {
  const hasSummary = row['hasSummary'] === true;
  return {
    recordingId: text(row['recordingId']) ?? '',
    hasSummary,
    startTime: text(row['startTime']),
    lengthMs: num(row['lengthMs']),
    contentType: text(row['contentType']),
    channelType: text(row['channelType']),
    formatType: text(row['formatType']),
    chunkCount: num(row['chunkCount']),
    audioChannelsCount: num(row['audioChannelsCount']),
    endReason: text(row['endReason']),
    operations: readCounts(row['operations']),
    operationCount: num(row['operationCount']) ?? 0,
    failedOperations: num(row['failedOperations']) ?? 0,
  };
}

/** Joins a call's rows (any order, any map) into its facts. */
export function computeCallFacts(rows: ReadonlyMap<string, RowData>, partitionKey: string): CallFacts {
  const recordings: RecordingFacts[] = [];
  const operations: Counts = dictionary();
  const sdkTypes = new Set<string>();
  const sdkVersions = new Set<string>();
  const callConnectionIds = new Set<string>();
  const durations: number[] = [];
  let correlationId: string | null = null;
  let resourceId: string | null = null;
  let operationCount = 0;
  let failedOperations = 0;
  let successfulStarts = 0;
  let firstOperationAt: string | null = null;
  let lastOperationAt: string | null = null;
  let firstAt: string | null = null;
  let lastAt: string | null = null;
  const seeTime = (iso: string | null): void => {
    if (iso === null) return;
    if (firstAt === null || iso < firstAt) firstAt = iso;
    if (lastAt === null || iso > lastAt) lastAt = iso;
  };
  const seeIds = (row: RowData): void => {
    const cid = text(row['correlationId']);
    if (cid !== null && (correlationId === null || cid < correlationId)) correlationId = cid;
    const rid = text(row['resourceId']);
    if (rid !== null && (resourceId === null || rid < resourceId)) resourceId = rid;
  };

  for (const [rowKey, row] of rows) {
    if (rowKey.startsWith(SUMMARY_ROW_PREFIX)) {
      seeIds(row);
      const recording = recordingFactsOf(row);
      recordings.push(recording);
      if (recording.hasSummary) {
        seeTime(recording.startTime);
        seeTime(text(row['summaryAt']));
      }
    } else if (rowKey.startsWith(OPERATION_ROW_PREFIX)) {
      seeIds(row);
      const time = text(row['time']);
      const name = text(row['operationName']) ?? '';
      const failed = row['failed'] === true;
      operationCount++;
      operations[name] = (operations[name] ?? 0) + 1;
      if (failed) failedOperations++;
      else if (isStartOperation(name)) successfulStarts++;
      if (time !== null) {
        if (firstOperationAt === null || time < firstOperationAt) firstOperationAt = time;
        if (lastOperationAt === null || time > lastOperationAt) lastOperationAt = time;
        seeTime(time);
      }
      const duration = num(row['durationMs']);
      if (duration !== null) durations.push(duration);
      addText(sdkTypes, row['sdkType']);
      addText(sdkVersions, row['sdkVersion']);
      addText(callConnectionIds, row['callConnectionId']);
    }
  }

  const logs = computeCallLogFacts(rows);
  seeTime(logs.callStartTime);
  seeTime(logs.firstAt);
  seeTime(logs.lastAt);
  const joinedResourceId = resourceId as string | null;
  if (logs.resourceId !== null && (joinedResourceId === null || logs.resourceId < joinedResourceId)) resourceId = logs.resourceId;

  sortRecordings(recordings);
  const summarized = recordings.filter((r) => r.hasSummary);
  const recordingMs = summarized.reduce((sum, r) => exactSum(sum, r.lengthMs ?? 0, 'recordingMs'), 0);
  const recordingIdsWithoutSummary = idsWithoutSummary(recordings);
  return {
    correlationId: correlationId ?? safeDecode(partitionKey),
    resourceId,
    recordingCount: summarized.length,
    recordingMs,
    recordingsWithoutSummary: Math.max(recordingIdsWithoutSummary.length, successfulStarts - summarized.length),
    recordingIdsWithoutSummary,
    summariesWithoutOperations: summarized.filter((r) => r.operationCount === 0).length,
    operationCount,
    operations: sortedCounts(operations),
    failedOperations,
    sdkTypes: [...sdkTypes].sort(compareStrings),
    sdkVersions: [...sdkVersions].sort(compareStrings),
    callConnectionIds: [...callConnectionIds].sort(compareStrings),
    firstOperationAt,
    lastOperationAt,
    firstAt,
    lastAt,
    durationMs: durationFacts(durations),
    matched: summarized.length > 0 && operationCount > 0,
    recordings,
    callStartTime: logs.callStartTime,
    callDurationMs: logs.callDurationMs,
    callType: logs.callType,
    participants: logs.participants,
    participantMs: logs.participantMs,
    endpointTypes: logs.endpointTypes,
    endReasons: logs.endReasons,
    streams: logs.streams,
    poorStreams: logs.poorStreams,
    impacted: logs.poorStreams > 0,
    recordingCoverage: coverage(recordingMs, logs.callDurationMs),
    quality: dictionaryOf(Object.entries(logs.quality).map(([media, q]) => [media, sketchesOf(q)])),
  };
}

/** Recordings by start time, then id (in place). */
export function sortRecordings(recordings: RecordingFacts[]): void {
  recordings.sort((a, b) => compareStrings(a.startTime ?? '', b.startTime ?? '') || compareStrings(a.recordingId, b.recordingId));
}

/** Recording ids named by a successful operation that have no summary, sorted. */
export function idsWithoutSummary(recordings: readonly RecordingFacts[]): string[] {
  return recordings
    .filter((r) => !r.hasSummary && r.operationCount - r.failedOperations > 0)
    .map((r) => r.recordingId)
    .sort(compareStrings);
}

/** Recorded time over call time, to 6 decimals; null while the call's duration is unknown or 0. */
export function coverage(recordingMs: number, callDurationMs: number | null): number | null {
  if (callDurationMs === null || callDurationMs <= 0) return null;
  return Math.round((recordingMs / callDurationMs) * 1e6) / 1e6;
}

/** The value at the nearest rank of sorted values (quantileRank): the same rank the sketches estimate. */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[quantileRank(q, sorted.length)] as number;
}

function durationFacts(durations: number[]): DurationFacts | null {
  if (durations.length === 0) return null;
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    count: sorted.length,
    sumUs: sorted.reduce((sum, ms) => exactSum(sum, msToMicros(ms), 'durationSumUs'), 0),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    p50: exactQuantile(sorted, 0.5),
    p95: exactQuantile(sorted, 0.95),
    p99: exactQuantile(sorted, 0.99),
  };
}

function addText(set: Set<string>, value: unknown): void {
  if (typeof value === 'string' && value !== '') set.add(value);
}

function safeDecode(partitionKey: string): string {
  return decodeKeyPart(partitionKey);
}
