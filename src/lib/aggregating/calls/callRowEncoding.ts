/**
 * The call row as stored: the facts of a call (callSummary.ts) encoded into the entity, and read
 * back for queries. Pure.
 */
import { compareStrings, dictionary, MAX_MAP_KEYS, OTHER_KEY, writeCounts, type Counts } from '../rowValues.js';
import type { RowData } from '../types.js';
import { encodeQuality } from './callQuality.js';
import type { CallStoredRow } from './callRowSchemas.js';
import { idsWithoutSummary, sortRecordings, type CallFacts, type RecordingFacts } from './callSummary.js';

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
  const truncated =
    operations.truncated ||
    sdkTypes.length < facts.sdkTypes.length ||
    sdkVersions.length < facts.sdkVersions.length ||
    callConnectionIds.length < facts.callConnectionIds.length;
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
  const kept: Counts = dictionary();
  for (const key of keys.slice(0, keep)) kept[key] = counts[key] as number;
  kept[OTHER_KEY] = keys.slice(keep).reduce((sum, key) => sum + (counts[key] as number), 0);
  return { counts: kept, truncated: true };
}

/** The inverse of callRowOf: a call row read through its schema (callRowSchemas.ts) and its recordings back as facts (for queries). */
export function callFactsOfRow(row: CallStoredRow, recordings: RecordingFacts[]): CallFacts {
  sortRecordings(recordings);
  return {
    correlationId: row.correlationId,
    resourceId: row.resourceId,
    recordingCount: row.recordingCount,
    recordingMs: row.recordingMs,
    recordingsWithoutSummary: row.recordingsWithoutSummary,
    recordingIdsWithoutSummary: idsWithoutSummary(recordings),
    summariesWithoutOperations: row.summariesWithoutOperations,
    operationCount: row.operationCount,
    operations: row.operations,
    failedOperations: row.failedOperations,
    sdkTypes: row.sdkTypes,
    sdkVersions: row.sdkVersions,
    callConnectionIds: row.callConnectionIds,
    firstOperationAt: row.firstOperationAt,
    lastOperationAt: row.lastOperationAt,
    firstAt: row.firstAt,
    lastAt: row.lastAt,
    durationMs:
      row.durationCount === 0
        ? null
        : {
            count: row.durationCount,
            sumUs: row.durationSumUs,
            min: row.durationMinMs,
            max: row.durationMaxMs,
            p50: row.durationP50Ms,
            p95: row.durationP95Ms,
            p99: row.durationP99Ms,
          },
    matched: row.matched,
    recordings,
    callStartTime: row.callStartTime,
    callDurationMs: row.callDurationMs,
    callType: row.callType,
    participants: row.participants,
    participantMs: row.participantMs,
    endpointTypes: row.endpointTypes,
    endReasons: row.endReasons,
    streams: row.streams,
    poorStreams: row.poorStreams,
    impacted: row.impacted,
    recordingCoverage: row.recordingCoverage,
    quality: row.quality,
  };
}
