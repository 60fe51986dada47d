import type { NormalizedRecord } from '../../normalizing/types.js';
import { closeRow } from '../openValues.js';
import { SUMMARY_SEQUENCE_FIELD, type AggregateView, type Route, type RowData } from '../types.js';
import {
  attachOperation,
  CALL_ROW_KEY,
  CALLS_TABLE,
  callPartition,
  fillOperationRow,
  foldSummary,
  joinableCorrelationId,
  operationRowKey,
  summaryRowKey,
} from './callRows.js';
import { foldLeg, legRowKey, streamRowKey } from './callLogRows.js';
import { foldLegStream } from './legStreams.js';
import { contributionPlace, LOCATOR_ROW_KEY, locatorPlaces, locatorRow } from './callLocator.js';
import { callRowOf } from './callRowEncoding.js';
import { computeCallFacts } from './callSummary.js';

/**
 * The call join. One partition per CorrelationId holds the call's recordings (`s|...`), its
 * operations (`o|...`), its legs (`l|...`, each with its media streams; `m|...` for streams past a
 * leg's room and as earlier versions stored them) from the call logs, and the
 * call row (`call`), recomputed from all of them in the same transaction: the call row is a pure
 * function of the set of records, whatever order they arrive in, in whatever files, however often
 * replayed. The call row also counts the records applied (SUMMARY_SEQUENCE_FIELD), so the call's
 * contributions to the per-resource views are ordered, and the locator row `~pub` changes with it
 * when the call reaches a new day partition (processing/publishCallContributions.ts). Records without a
 * CorrelationId are not joined; the per-resource views still count them. (A summary without a
 * RecordingId never gets here: normalizing quarantines it.)
 */
export const callsView: AggregateView = {
  table: CALLS_TABLE,

  route(record: NormalizedRecord): Route | null {
    const rowKeys = rowKeysOf(record);
    if (rowKeys === null) return null;
    const correlationId = joinableCorrelationId(record.correlationId) as string;
    const since = startOf(record);
    return { partitionKey: callPartition(correlationId), rowKeys, ...(since === null ? {} : { since }) };
  },

  apply(record: NormalizedRecord, rows: RowData[]): void {
    const row = rows[0];
    if (!row) return;
    if (record.category === 'CallSummary' || record.category === 'CallSummaryUpdates') {
      foldLeg(row, record, joinableCorrelationId(record.correlationId) as string);
      return;
    }
    if (record.category === 'CallDiagnostics' || record.category === 'CallDiagnosticsUpdates') {
      // rows: the leg, and the stream's own row (left empty, so not written, while the leg holds it).
      foldLegStream(row, rows[1] as RowData, record, joinableCorrelationId(record.correlationId) as string);
      return;
    }
    if (record.category === 'CallRecordingSummary') {
      const correlationId = joinableCorrelationId(record.correlationId);
      if (correlationId !== null) foldSummary(row, record, correlationId);
      return;
    }
    if (record.category !== 'CallRecordingOperational') return;
    const correlationId = joinableCorrelationId(record.correlationId);
    if (correlationId === null) return;
    const isNew = fillOperationRow(row, record, correlationId);
    // rows: the operation, and the recording it names (if any).
    const recordingRow = rows[1];
    if (isNew && recordingRow) attachOperation(recordingRow, record, correlationId);
  },

  finalize: closeRow,

  summary: {
    rowKey: CALL_ROW_KEY,
    compute(rows: ReadonlyMap<string, RowData>, partitionKey: string): RowData {
      return callRowOf(computeCallFacts(rows, partitionKey));
    },
    companionKeys: [LOCATOR_ROW_KEY],
    companions(callRow: RowData, stored: ReadonlyMap<string, RowData>): Map<string, RowData> {
      const place = contributionPlace(callRow);
      const places = locatorPlaces(stored.get(LOCATOR_ROW_KEY));
      if (place === null || places.includes(place)) return new Map();
      const sequence = callRow[SUMMARY_SEQUENCE_FIELD];
      return new Map([[LOCATOR_ROW_KEY, locatorRow(typeof sequence === 'number' ? sequence : 0, [...places, place].sort())]]);
    },
  },
};

/**
 * A time at which the call's partition already had data, when the record says one and it is before
 * the record: the call's end (its summary and diagnostics are logged when it ends), a recording's
 * start (its start operation was logged then).
 */
function startOf(record: NormalizedRecord): number | null {
  let start: number | null = null;
  if ((record.category === 'CallSummary' || record.category === 'CallSummaryUpdates') && record.callStartTime !== null && record.callDurationSeconds !== null) {
    start = record.callStartTime + record.callDurationSeconds * 1000;
  } else if (record.category === 'CallRecordingSummary') start = record.recordingStartTime;
  return start !== null && start < record.time ? start : null;
}

/** The rows a record touches in its call's partition, or null when it is not joined. */
function rowKeysOf(record: NormalizedRecord): string[] | null {
  const correlationId = joinableCorrelationId(record.correlationId);
  if (correlationId === null) return null;
  switch (record.category) {
    case 'CallRecordingSummary':
      return record.recordingId === '' ? null : [summaryRowKey(record.recordingId)];
    case 'CallRecordingOperational': {
      const rowKeys = [operationRowKey(record)];
      if (record.recordingId !== null && record.recordingId !== '') rowKeys.push(summaryRowKey(record.recordingId));
      return rowKeys;
    }
    case 'CallSummary':
    case 'CallSummaryUpdates':
      return [legRowKey(record)];
    case 'CallDiagnostics':
    case 'CallDiagnosticsUpdates':
      return [legRowKey(record), streamRowKey(record)];
    case 'RoomsOperational':
    case 'Usage':
      return null;
  }
}
