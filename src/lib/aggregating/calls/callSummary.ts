/**
 * The call row: a pure function of the set of rows in a call's partition (its recordings and its
 * operations), whatever order their records arrived in. Pure.
 */
import { compareStrings, type Counts, exactSum, MAX_MAP_KEYS, msToMicros, OTHER_KEY, readCounts, readStrings, writeCounts } from '../rowValues.js';
import type { RowData } from '../types.js';
import { decodeKeyPart } from '../../storage/keys.js';
import { OPERATION_ROW_PREFIX, SUMMARY_ROW_PREFIX, isStartOperation } from './callRows.js';
import { computeCallLogFacts, type CallLogFacts } from './callLogFacts.js';
import { decodeQuality, encodeQuality, sketchesOf, type MediaQualitySketches } from './callQuality.js';

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
  const operations: Counts = {};
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

  recordings.sort((a, b) => compareStrings(a.startTime ?? '', b.startTime ?? '') || compareStrings(a.recordingId, b.recordingId));
  const summarized = recordings.filter((r) => r.hasSummary);
  const recordingMs = summarized.reduce((sum, r) => exactSum(sum, r.lengthMs ?? 0, 'recordingMs'), 0);
  const recordingIdsWithoutSummary = recordings
    .filter((r) => !r.hasSummary && r.operationCount - r.failedOperations > 0)
    .map((r) => r.recordingId)
    .sort(compareStrings);
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
    quality: Object.fromEntries(Object.entries(logs.quality).map(([media, q]) => [media, sketchesOf(q)])),
  };
}

/** Recorded time over call time, to 6 decimals; null while the call's duration is unknown or 0. */
export function coverage(recordingMs: number, callDurationMs: number | null): number | null {
  if (callDurationMs === null || callDurationMs <= 0) return null;
  return Math.round((recordingMs / callDurationMs) * 1e6) / 1e6;
}

/**
 * The stored call row. Counts and small sets only: recordings stay on their own `s|` rows (the
 * query reads them), so the row's size does not grow with the number of recordings. Maps and sets
 * keep at most MAX_MAP_KEYS entries and 32,000 chars of JSON (the first in sorted order; the rest of
 * a map is summed under `(other)`), so every property stays under 64 KiB and the row under ~300 KB
 * however escape-heavy the values; `truncated` then tells the query to recount from the `o|` rows.
 */
export function callRowOf(facts: CallFacts): RowData {
  const operations = capCounts(facts.operations);
  const sdkTypes = capStrings(facts.sdkTypes);
  const sdkVersions = capStrings(facts.sdkVersions);
  const callConnectionIds = capStrings(facts.callConnectionIds);
  const truncated = operations.truncated || sdkTypes.length < facts.sdkTypes.length || sdkVersions.length < facts.sdkVersions.length
    || callConnectionIds.length < facts.callConnectionIds.length;
  const row: RowData = {
    correlationId: facts.correlationId,
    resourceId: facts.resourceId,
    recordingCount: facts.recordingCount,
    recordingMs: facts.recordingMs,
    recordingsWithoutSummary: facts.recordingsWithoutSummary,
    summariesWithoutOperations: facts.summariesWithoutOperations,
    operationCount: facts.operationCount,
    operations: writeCounts(operations.counts),
    failedOperations: facts.failedOperations,
    sdkTypes: JSON.stringify(sdkTypes),
    sdkTypeCount: facts.sdkTypes.length,
    sdkVersions: JSON.stringify(sdkVersions),
    sdkVersionCount: facts.sdkVersions.length,
    callConnectionIds: JSON.stringify(callConnectionIds),
    callConnectionIdCount: facts.callConnectionIds.length,
    firstOperationAt: facts.firstOperationAt,
    lastOperationAt: facts.lastOperationAt,
    firstAt: facts.firstAt,
    lastAt: facts.lastAt,
    matched: facts.matched,
  };
  // Call-log fields only when the call has call logs, so recording-only call rows keep their shape.
  if (facts.participants > 0 || facts.streams > 0) {
    row['callStartTime'] = facts.callStartTime;
    row['callDurationMs'] = facts.callDurationMs;
    row['callType'] = facts.callType;
    row['participants'] = facts.participants;
    row['participantMs'] = facts.participantMs;
    row['endpointTypes'] = writeCounts(capCounts(facts.endpointTypes).counts);
    row['endReasons'] = writeCounts(facts.endReasons);
    row['streams'] = facts.streams;
    row['poorStreams'] = facts.poorStreams;
    row['impacted'] = facts.impacted;
    row['recordingCoverage'] = facts.recordingCoverage;
    row['quality'] = encodeQuality(facts.quality);
  }
  if (facts.durationMs) {
    row['durationCount'] = facts.durationMs.count;
    row['durationSumUs'] = facts.durationMs.sumUs;
    row['durationMinMs'] = facts.durationMs.min;
    row['durationMaxMs'] = facts.durationMs.max;
    row['durationP50Ms'] = facts.durationMs.p50;
    row['durationP95Ms'] = facts.durationMs.p95;
    row['durationP99Ms'] = facts.durationMs.p99;
  }
  if (truncated) row['truncated'] = true;
  return row;
}

/** The value at rank ⌊q·(n−1)⌋ of sorted values: the same rank the sketches estimate. */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
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

/**
 * Most characters of JSON one map or set of the call row keeps: escaping can make a 128-char value
 * 768 chars long, and four such properties of 200 values would pass the 1 MiB an entity may hold.
 */
const MAX_SET_JSON_CHARS = 32_000;

/** The first values in sorted order, at most MAX_MAP_KEYS of them and MAX_SET_JSON_CHARS of JSON. */
function capStrings(values: readonly string[]): string[] {
  const kept: string[] = [];
  let chars = 2;
  for (const value of values) {
    const cost = JSON.stringify(value).length + 1;
    if (kept.length >= MAX_MAP_KEYS || chars + cost > MAX_SET_JSON_CHARS) break;
    kept.push(value);
    chars += cost;
  }
  return kept;
}

function capCounts(counts: Counts): { counts: Counts; truncated: boolean } {
  const keys = Object.keys(counts).sort(compareStrings);
  const room = MAX_SET_JSON_CHARS - JSON.stringify(OTHER_KEY).length - 24;
  let chars = 2;
  let fits = 0;
  for (const key of keys) {
    const cost = JSON.stringify(key).length + 1 + String(counts[key]).length + 1;
    if (fits >= MAX_MAP_KEYS || chars + cost > room) break;
    chars += cost;
    fits++;
  }
  if (fits === keys.length) return { counts, truncated: false };
  const keep = Math.min(fits, MAX_MAP_KEYS - 1);
  const kept: Counts = {};
  for (const key of keys.slice(0, keep)) kept[key] = counts[key] as number;
  kept[OTHER_KEY] = keys.slice(keep).reduce((sum, key) => sum + (counts[key] as number), 0);
  return { counts: kept, truncated: true };
}

function sortedCounts(counts: Counts): Counts {
  return readCounts(writeCounts(counts));
}

function addText(set: Set<string>, value: unknown): void {
  if (typeof value === 'string' && value !== '') set.add(value);
}

/** The inverse of callRowOf: a stored call row and its recordings back as facts (for queries). */
export function callFactsOfRow(row: RowData, recordings: RecordingFacts[]): CallFacts {
  recordings.sort((a, b) => compareStrings(a.startTime ?? '', b.startTime ?? '') || compareStrings(a.recordingId, b.recordingId));
  const count = (key: string): number => num(row[key]) ?? 0;
  const durationCount = count('durationCount');
  return {
    correlationId: text(row['correlationId']) ?? '',
    resourceId: text(row['resourceId']),
    recordingCount: count('recordingCount'),
    recordingMs: count('recordingMs'),
    recordingsWithoutSummary: count('recordingsWithoutSummary'),
    recordingIdsWithoutSummary: recordings
      .filter((r) => !r.hasSummary && r.operationCount - r.failedOperations > 0)
      .map((r) => r.recordingId)
      .sort(compareStrings),
    summariesWithoutOperations: count('summariesWithoutOperations'),
    operationCount: count('operationCount'),
    operations: readCounts(row['operations']),
    failedOperations: count('failedOperations'),
    sdkTypes: readStrings(row['sdkTypes']),
    sdkVersions: readStrings(row['sdkVersions']),
    callConnectionIds: readStrings(row['callConnectionIds']),
    firstOperationAt: text(row['firstOperationAt']),
    lastOperationAt: text(row['lastOperationAt']),
    firstAt: text(row['firstAt']),
    lastAt: text(row['lastAt']),
    durationMs:
      durationCount === 0
        ? null
        : {
            count: durationCount,
            sumUs: count('durationSumUs'),
            min: count('durationMinMs'),
            max: count('durationMaxMs'),
            p50: count('durationP50Ms'),
            p95: count('durationP95Ms'),
            p99: count('durationP99Ms'),
          },
    matched: row['matched'] === true,
    recordings,
    callStartTime: text(row['callStartTime']),
    callDurationMs: num(row['callDurationMs']),
    callType: text(row['callType']),
    participants: count('participants'),
    participantMs: count('participantMs'),
    endpointTypes: readCounts(row['endpointTypes']),
    endReasons: readCounts(row['endReasons']),
    streams: count('streams'),
    poorStreams: count('poorStreams'),
    impacted: row['impacted'] === true,
    recordingCoverage: num(row['recordingCoverage']),
    quality: decodeQuality(row['quality']),
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function safeDecode(partitionKey: string): string {
  return decodeKeyPart(partitionKey);
}
