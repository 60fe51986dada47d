/**
 * The rows of one call's partition in the Calls table, and how a record becomes one. Pure.
 *
 * - `s|<recording id>`: one per recording, from its summary and from the operations that name it in
 *   their URI. Summary fields are those of the latest summary by (time, content digest); operation
 *   counts are counted when an operation's own row is first created, so a record Azure Monitor
 *   duplicated (same content, another line) adds nothing.
 * - `o|<time ISO>|<digest>`: one per operation, keyed by its time and a digest of its identifying
 *   fields, so a duplicated record overwrites itself.
 * - `call`: the call row, recomputed from all the others (callSummary.ts, callRowEncoding.ts).
 */
import { digest, encodeKeyPart, encodeLongKeyPart, encodeLongPathKeyPart, joinKey } from '../../storage/keys.js';
import type { RecordingOperationRecord, RecordingSummaryRecord } from '../../normalizing/types.js';
import { addTo, bumpCount, clip, clipOrNull, keepMin, MAX_ID_CHARS, secondsToMs } from '../rowValues.js';
import { isoTime } from '../timeBuckets.js';
import type { RowData } from '../types.js';
import { isFailedResult } from '../failedResult.js';

export const CALLS_TABLE = 'Calls';
export const CALL_ROW_KEY = 'call';
export const SUMMARY_ROW_PREFIX = 's|';
export const OPERATION_ROW_PREFIX = 'o|';

/**
 * The partition of a call: its CorrelationId, encoded (digested when very long). Its kept prefix never
 * ends inside a surrogate pair: the key also goes into URLs (the call-time index, the `~c|` rows, a
 * query by CorrelationId), which no lone surrogate can be part of.
 */
export function callPartition(correlationId: string): string {
  return encodeLongPathKeyPart(correlationId);
}

export function summaryRowKey(recordingId: string): string {
  return SUMMARY_ROW_PREFIX + encodeLongKeyPart(recordingId);
}

/**
 * `o|<time ISO>|<digest>`: the digest covers every field that tells two requests apart (the caller
 * IP is not one of them, and is never read). Normalized times have millisecond precision, so two
 * requests identical in every field within the same millisecond count once.
 */
export function operationRowKey(record: RecordingOperationRecord): string {
  const identity = JSON.stringify([
    record.time,
    record.resourceId,
    record.correlationId,
    record.operationName,
    record.operationVersion,
    record.resultType,
    record.resultSignature,
    record.level,
    record.callConnectionId,
    record.serverCallId,
    record.sdkType,
    record.sdkVersion,
    record.durationMs,
    record.uri,
    record.recordingId,
  ]);
  return joinKey('o', isoTime(record.time), encodeKeyPart(digest(identity)));
}

/** A CorrelationId worth joining on, else null. */
export function joinableCorrelationId(correlationId: string | null): string | null {
  return correlationId === null || correlationId.trim() === '' ? null : correlationId;
}

export function isStartOperation(operationName: string): boolean {
  const squashed = operationName.toLowerCase().replace(/[^a-z]/g, '');
  return squashed === 'startrecording' || squashed === 'startcallrecording';
}

/**
 * Fills an operation's own row. Returns false when the row already held it (a duplicate record, or
 * a replay as another file), so that nothing else is counted twice.
 */
export function fillOperationRow(row: RowData, record: RecordingOperationRecord, correlationId: string): boolean {
  if (row['time'] !== undefined) return false;
  row['correlationId'] = clip(correlationId, MAX_ID_CHARS);
  row['resourceId'] = record.resourceId;
  row['time'] = isoTime(record.time);
  row['operationName'] = clip(record.operationName);
  row['failed'] = isFailedResult(record.resultType, record.resultSignature);
  row['durationMs'] = record.durationMs;
  row['sdkType'] = clipOrNull(record.sdkType);
  row['sdkVersion'] = clipOrNull(record.sdkVersion);
  row['callConnectionId'] = clipOrNull(record.callConnectionId);
  row['recordingId'] = record.recordingId === null ? null : clipOrNull(record.recordingId, MAX_ID_CHARS);
  return true;
}

/** Counts a newly seen operation on the row of the recording its URI names. */
export function attachOperation(row: RowData, record: RecordingOperationRecord, correlationId: string): void {
  identifyRecordingRow(row, record.recordingId ?? '', correlationId, record.resourceId);
  addTo(row, 'operationCount', 1);
  addTo(row, 'failedOperations', isFailedResult(record.resultType, record.resultSignature) ? 1 : 0);
  bumpCount(row, 'operations', clip(record.operationName));
}

/** Keeps the latest summary of a recording: by time, then by content digest (order-independent). */
export function foldSummary(row: RowData, record: RecordingSummaryRecord, correlationId: string): void {
  identifyRecordingRow(row, record.recordingId, correlationId, record.resourceId);
  const at = isoTime(record.time);
  const contentDigest = digest(
    JSON.stringify([
      record.time,
      record.resourceId,
      record.operationName,
      record.resultType,
      record.recordingStartTime,
      record.recordingLengthSeconds,
      record.chunkCount,
      record.contentType,
      record.channelType,
      record.formatType,
      record.audioChannelsCount,
      record.recordingEndReason,
    ]),
  );
  const currentAt = row['summaryAt'];
  const currentDigest = typeof row['summaryDigest'] === 'string' ? row['summaryDigest'] : '';
  if (typeof currentAt === 'string' && (at < currentAt || (at === currentAt && contentDigest <= currentDigest))) return;
  row['hasSummary'] = true;
  row['summaryAt'] = at;
  row['summaryDigest'] = contentDigest;
  row['startTime'] = record.recordingStartTime === null ? null : isoTime(record.recordingStartTime);
  row['lengthMs'] = record.recordingLengthSeconds === null ? null : secondsToMs(record.recordingLengthSeconds);
  row['contentType'] = clipOrNull(record.contentType);
  row['channelType'] = clipOrNull(record.channelType);
  row['formatType'] = clipOrNull(record.formatType);
  row['chunkCount'] = record.chunkCount;
  row['audioChannelsCount'] = record.audioChannelsCount;
  row['endReason'] = clipOrNull(record.recordingEndReason);
}

function identifyRecordingRow(row: RowData, recordingId: string, correlationId: string, resourceId: string): void {
  if (row['recordingId'] === undefined) {
    row['recordingId'] = clip(recordingId, MAX_ID_CHARS);
    row['correlationId'] = clip(correlationId, MAX_ID_CHARS);
  }
  keepMin(row, 'resourceId', resourceId);
}
