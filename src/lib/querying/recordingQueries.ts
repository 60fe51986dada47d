import { RECORDING_OPERATIONS_TABLE, RECORDINGS_TABLE } from '../aggregating/index.js';
import { SUMMARY_PENDING_FIELD } from '../aggregating/types.js';
import { shownQuantile, sketchQuantile } from '../aggregating/recordings/durationSketch.js';
import { recordingOperationsRowSchema, recordingsRowSchema } from '../aggregating/recordings/recordingRows.js';
import { compareStrings, MAX_ID_CHARS } from '../aggregating/rowValues.js';
import {
  CALL_ROW_KEY,
  CALLS_TABLE,
  callFactsOfRow,
  callPartition,
  callRecordingCountSchema,
  callRowSchema,
  computeCallFacts,
  recordingRowSchema,
  SUMMARY_ROW_PREFIX,
  type CallFacts,
  type CallStoredRow,
  type RecordingFacts,
} from '../aggregating/calls/index.js';
import { boundedKey, RESERVED_ROW_PREFIX } from '../storage/keys.js';
import { parseStoredRow } from '../storage/storedRows.js';
import { odata, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { forEachConcurrently, mapConcurrently } from '../processing/concurrency.js';
import { matchesResource, resourceMatch, type ResourceMatch, type ViewFilters } from './filters.js';
import { readBuckets, type BucketRows } from './scanBuckets.js';
import { listedCallPartitions, scanCallPartitions, type ScannedCall } from './callPartitionsScan.js';
import { callTimeIndexComplete } from '../processing/callTimeIndexBuild.js';
import type { CallRow, RecordingOperationsRow, RecordingsPerCallRow, RecordingsRow } from './queryRows.js';

const READ_CONCURRENCY = 8;

/**
 * Calls whose first time (earliest operation, recording start or summary) is in [from, to), or the
 * one call `correlationId` names. The call rows and their recordings (`s|` rows) are read in one
 * query over the Calls table, not one per call; a correlation id is read directly. A call row whose
 * sets were capped, or that a long write left behind its rows, is recomputed from its whole partition.
 */
export async function queryCalls(tables: TableStore, filters: ViewFilters): Promise<CallRow[]> {
  const calls: { row: CallRow; firstAt: string }[] = [];
  const capped: string[] = [];
  // Each call is joined as its rows arrive: a month of calls is not held twice, stored and joined.
  const join = ({ callRow, recordings }: ScannedCall): void => {
    const stored = parseStoredRow(callRowSchema, CALLS_TABLE, callRow);
    if (recountedFromPartition(stored)) capped.push(callRow.partitionKey);
    else calls.push(joinedRow(callFactsOfRow(stored, recordings)));
  };
  if (filters.correlationId === undefined) await scanCalls(tables, filters, join);
  else for (const call of await readCalls(tables, filters)) join(call);
  const recomputed = await mapConcurrently(capped, READ_CONCURRENCY, (partitionKey) => recomputeCall(tables, partitionKey));
  for (const facts of recomputed) calls.push(joinedRow(facts));
  return calls
    .sort(
      (a, b) =>
        compareStrings(a.row.resourceId ?? '', b.row.resourceId ?? '') ||
        compareStrings(a.firstAt, b.firstAt) ||
        compareStrings(a.row.correlationId, b.row.correlationId),
    )
    .map((call) => call.row);
}

/**
 * Whether the call row cannot be joined to the `s|` rows as they are: its sets were capped, or a long
 * write's rows are in that it does not count yet (under way, or cut short), whose recordings would not
 * agree with its counts.
 */
function recountedFromPartition(stored: CallStoredRow): boolean {
  return stored.truncated || (stored[SUMMARY_PENDING_FIELD] ?? 0) > 0;
}

function joinedRow(facts: CallFacts): { row: CallRow; firstAt: string } {
  return { row: toCallRow(facts), firstAt: facts.firstAt ?? '' };
}

/**
 * Every call the filters pick, with its recordings: for a time range holding a small part of the
 * stored calls, the calls the time index lists under its hours, each read with its recordings in one
 * query; else in one pass over the table.
 */
async function scanCalls(tables: TableStore, filters: ViewFilters, take: (call: ScannedCall) => void): Promise<void> {
  const resource = filters.resourceId ? resourceMatch(filters.resourceId) : undefined;
  const clause = callFilter(filters, resource, undefined);
  const keep = (callRow: StoredRow): boolean => resource?.kind !== 'name' || matchesResource(resource, callRow.data['resourceId']);
  const listed = await indexedCalls(tables, filters);
  if (listed === null) return scanCallPartitions(tables, clause, keep, take);
  await forEachConcurrently(listed, READ_CONCURRENCY, (partitionKey) => scanCallPartitions(tables, clause, keep, take, partitionKey));
}

/** The calls to read one by one for the filters' time range, or null to read the table in one pass. */
async function indexedCalls(tables: TableStore, filters: ViewFilters): Promise<string[] | null> {
  if (filters.from === undefined && filters.to === undefined) return null;
  if (!(await callTimeIndexComplete(tables))) return null;
  return listedCallPartitions(tables, filters.from, filters.to);
}

/** The call a correlation id names (point reads), with its recordings. */
async function readCalls(tables: TableStore, filters: ViewFilters): Promise<ScannedCall[]> {
  const calls: ScannedCall[] = [];
  for (const callRow of await readCallRows(tables, filters)) {
    const recounted = recountedFromPartition(parseStoredRow(callRowSchema, CALLS_TABLE, callRow));
    calls.push({ callRow, recordings: recounted ? [] : await readRecordings(tables, callRow.partitionKey) });
  }
  return calls;
}

/**
 * How many calls had each number of recordings (distinct RecordingIds with a summary), over the calls
 * whose first time is in [from, to). Computed from the call rows when asked, so a late summary that
 * changes a call's count is reflected. Calls with operations but no summary count under 0.
 */
export async function queryRecordingsPerCall(tables: TableStore, filters: ViewFilters): Promise<RecordingsPerCallRow[]> {
  const histogram = new Map<number, number>();
  // The keys too: a row that does not parse is named by them.
  for (const row of await readCallRows(tables, filters, ['PartitionKey', 'RowKey', 'recordingCount', 'resourceId'])) {
    const recordings = parseStoredRow(callRecordingCountSchema, CALLS_TABLE, row).recordingCount;
    histogram.set(recordings, (histogram.get(recordings) ?? 0) + 1);
  }
  return [...histogram.entries()].sort((a, b) => a[0] - b[0]).map(([recordings, calls]) => ({ recordings, calls }));
}

/** The rows of `recordings`: recording summaries per bucket (the hour or day the recording started). */
export const RECORDINGS_ROWS: BucketRows<RecordingsRow> = {
  table: RECORDINGS_TABLE,
  toRow: (stored) => {
    const row = parseStoredRow(recordingsRowSchema, RECORDINGS_TABLE, stored);
    return {
      bucket: row.bucket,
      resourceId: row.resourceId,
      recordings: row.recordings,
      recordingSeconds: msToSeconds(row.recordingMs),
      chunks: row.chunks,
      audioChannels: row.audioChannels,
      byFormat: row.byFormat,
      byChannel: row.byChannel,
      byContent: row.byContent,
      byEndReason: row.byEndReason,
    };
  },
  compare: (a, b) => compareStrings(a.bucket, b.bucket) || compareStrings(a.resourceId, b.resourceId),
};

/** Recording summaries per bucket (the hour or day the recording started). */
export function queryRecordings(tables: TableStore, filters: ViewFilters): Promise<RecordingsRow[]> {
  return readBuckets(tables, filters, RECORDINGS_ROWS);
}

/** The rows of `recording-operations`: Call Recording API requests per bucket, by OperationName, ResultSignature and SdkType. */
export const RECORDING_OPERATIONS_ROWS: BucketRows<RecordingOperationsRow> = {
  table: RECORDING_OPERATIONS_TABLE,
  toRow: (stored) => {
    const row = parseStoredRow(recordingOperationsRowSchema, RECORDING_OPERATIONS_TABLE, stored);
    const { durationCount: count, durationMinMs: min, durationMaxMs: max, durationSumUs: sumUs, durationSketch: sketch } = row;
    const quantile = (q: number): number | null => {
      const value = count === 0 ? null : sketchQuantile(sketch, q, min ?? undefined, max ?? undefined);
      return value === null ? null : shownQuantile(value);
    };
    return {
      bucket: row.bucket,
      resourceId: row.resourceId,
      operationName: row.operationName,
      resultSignature: row.resultSignature,
      sdkType: row.sdkType,
      count: row.count,
      failed: row.failed,
      durationMs: {
        min: count === 0 ? null : min,
        max: count === 0 ? null : max,
        mean: count === 0 ? null : meanMs(sumUs, count, min ?? -Infinity, max ?? Infinity),
        p50: quantile(0.5),
        p95: quantile(0.95),
        p99: quantile(0.99),
      },
    };
  },
  compare: (a, b) =>
    compareStrings(a.bucket, b.bucket) ||
    compareStrings(a.resourceId, b.resourceId) ||
    compareStrings(a.operationName, b.operationName) ||
    compareStrings(a.resultSignature ?? '', b.resultSignature ?? '') ||
    compareStrings(a.sdkType ?? '', b.sdkType ?? ''),
};

/** Call Recording API requests per bucket, by OperationName, ResultSignature and SdkType. */
export function queryRecordingOperations(tables: TableStore, filters: ViewFilters): Promise<RecordingOperationsRow[]> {
  return readBuckets(tables, filters, RECORDING_OPERATIONS_ROWS);
}

/**
 * The call rows the filters pick. A correlation id is looked up as given, then in lower and upper
 * case: one partition read each, never a scan, so that any GUID matches whatever its case (ids
 * stored in mixed case match only as stored); a very long id may be one the view showed cut, and is
 * then looked for as kept. A resource given by name is matched on each row's id.
 */
async function readCallRows(tables: TableStore, filters: ViewFilters, select?: string[]): Promise<StoredRow[]> {
  const resource = filters.resourceId ? resourceMatch(filters.resourceId) : undefined;
  const read = async (partitionKey: string | undefined, clause?: string): Promise<StoredRow[]> => {
    const rows: StoredRow[] = [];
    const filter = callFilter(filters, resource, partitionKey) + (clause === undefined ? '' : ` and ${clause}`);
    for await (const row of tables.query(CALLS_TABLE, filter, select)) {
      if (resource?.kind === 'name' && !matchesResource(resource, row.data['resourceId'])) continue;
      rows.push(row);
    }
    return rows;
  };
  const id = filters.correlationId;
  if (id === undefined) {
    const listed = await indexedCalls(tables, filters);
    return listed === null ? read(undefined) : (await mapConcurrently(listed, READ_CONCURRENCY, (partitionKey) => read(partitionKey))).flat();
  }
  const variants = [...new Set([id, id.trim()].flatMap((given) => [given, given.toLowerCase(), given.toUpperCase()]))];
  // The id as given (or without the spaces around it) is the call asked for; else every case of it
  // stored: ids are joined as written, so `abc` and `ABC` logged for one call are two calls.
  const asGiven = [...new Set([id, id.trim()])];
  for (const given of asGiven) {
    const rows = await read(boundedKey(callPartition(given)));
    if (rows.length > 0) return rows;
  }
  const found: StoredRow[] = [];
  for (const variant of variants.filter((variant) => !asGiven.includes(variant))) found.push(...(await read(boundedKey(callPartition(variant)))));
  if (found.length > 0) return found;
  // A very long id is kept and shown cut (to MAX_ID_CHARS, or to its partition key's readable part
  // and digest): the id the view showed is found by the value its call row keeps, in a scan of the
  // call rows, for such ids only (a CorrelationId is a GUID), in the same variants.
  for (const variant of variants) {
    if (variant.length < LONG_ID_CHARS || variant.length > MAX_ID_CHARS) continue;
    const filter = odata`correlationId eq ${variant}`;
    // A filter past what a request line holds would be refused (431): no id the view shows is one.
    if (encodeURIComponent(filter).length > MAX_FILTER_URL_CHARS) continue;
    const rows = await read(undefined, filter);
    if (rows.length > 0) return rows;
  }
  return [];
}

/** Ids from this long may be shown cut; no real CorrelationId (a GUID, 36 characters) comes near. */
const LONG_ID_CHARS = 200;
/** Percent-encoded filter text a query's request line carries safely (servers refuse lines past 8-16 KiB). */
const MAX_FILTER_URL_CHARS = 6_000;

function callFilter(filters: ViewFilters, resource: ResourceMatch | undefined, partitionKey: string | undefined): string {
  const clauses = [odata`RowKey eq ${CALL_ROW_KEY}`];
  if (partitionKey !== undefined) clauses.push(odata`PartitionKey eq ${partitionKey}`);
  if (resource?.kind === 'id') clauses.push(odata`resourceId eq ${resource.id}`);
  if (filters.from) clauses.push(odata`firstAt ge ${filters.from}`);
  if (filters.to) clauses.push(odata`firstAt lt ${filters.to}`);
  return clauses.join(' and ');
}

async function readRecordings(tables: TableStore, partitionKey: string): Promise<RecordingFacts[]> {
  const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${SUMMARY_ROW_PREFIX} and RowKey lt ${'s}'}`;
  const recordings: RecordingFacts[] = [];
  for await (const row of tables.query(CALLS_TABLE, filter)) recordings.push(parseStoredRow(recordingRowSchema, CALLS_TABLE, row));
  return recordings;
}

/** The whole partition joined again, uncapped: for calls whose row had to cap a map or a set. */
async function recomputeCall(tables: TableStore, partitionKey: string): Promise<CallFacts> {
  const rows = new Map<string, Record<string, unknown>>();
  for (const [rowKey, row] of await tables.readPartition(CALLS_TABLE, partitionKey)) {
    if (rowKey !== CALL_ROW_KEY && !rowKey.startsWith(RESERVED_ROW_PREFIX)) rows.set(rowKey, row.data);
  }
  return computeCallFacts(rows, partitionKey);
}

function toCallRow(facts: CallFacts): CallRow {
  const duration = facts.durationMs;
  return {
    correlationId: facts.correlationId,
    resourceId: facts.resourceId,
    recordingCount: facts.recordingCount,
    recordingSeconds: msToSeconds(facts.recordingMs),
    operations: facts.operations,
    operationCount: facts.operationCount,
    failedOperations: facts.failedOperations,
    matched: facts.matched,
    recordings: facts.recordings.map((r) => ({
      recordingId: r.recordingId,
      hasSummary: r.hasSummary,
      startTime: r.startTime,
      lengthSeconds: r.lengthMs === null ? null : msToSeconds(r.lengthMs),
      contentType: r.contentType,
      channelType: r.channelType,
      formatType: r.formatType,
      chunkCount: r.chunkCount,
      audioChannelsCount: r.audioChannelsCount,
      endReason: r.endReason,
      operations: r.operations,
      failedOperations: r.failedOperations,
    })),
    recordingsWithoutSummary: facts.recordingsWithoutSummary,
    recordingIdsWithoutSummary: facts.recordingIdsWithoutSummary,
    summariesWithoutOperations: facts.summariesWithoutOperations,
    sdkTypes: facts.sdkTypes,
    sdkVersions: facts.sdkVersions,
    callConnectionIds: facts.callConnectionIds,
    firstOperationAt: facts.firstOperationAt,
    lastOperationAt: facts.lastOperationAt,
    durationMs: duration
      ? {
          min: duration.min,
          max: duration.max,
          mean: meanMs(duration.sumUs, duration.count, duration.min, duration.max),
          p50: duration.p50,
          p95: duration.p95,
          p99: duration.p99,
        }
      : { min: null, max: null, mean: null, p50: null, p95: null, p99: null },
    callStartTime: facts.callStartTime,
    callDurationSeconds: facts.callDurationMs === null ? null : msToSeconds(facts.callDurationMs),
    callType: facts.callType,
    participants: facts.participants,
    participantSeconds: msToSeconds(facts.participantMs),
    endpointTypes: facts.endpointTypes,
    endReasons: facts.endReasons,
    streams: facts.streams,
    poorStreams: facts.poorStreams,
    impacted: facts.impacted,
    recordingCoverage: facts.recordingCoverage,
  };
}

/** Integer milliseconds to seconds: the nearest number to the exact decimal. */
function msToSeconds(ms: number): number {
  return ms / 1000;
}

/** The mean of durations summed in whole µs, kept within their exact min and max (sub-µs durations sum to 0 µs). */
export function meanMs(sumUs: number, count: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(sumUs / count) / 1000));
}
