import type { NormalizedRecord } from '../normalizing/types.js';
import { closeRow } from '../aggregating/openValues.js';
import type { AggregateView, Route, RowData } from '../aggregating/types.js';
import {
  attachOperation, CALL_ROW_KEY, CALLS_TABLE, callPartition, fillOperationRow, foldSummary, joinableCorrelationId,
  operationRowKey, summaryRowKey,
} from './callRows.js';
import { callRowOf, computeCallFacts } from './callSummary.js';

/**
 * The recording join. One partition per CorrelationId holds the call's recordings (`s|...`), its
 * operations (`o|...`) and the call row (`call`), recomputed from all of them in the same
 * transaction: the call row is a pure function of the set of records, whatever order they arrive in,
 * in whatever files, however often replayed. Records without a CorrelationId (and summaries without
 * a RecordingId) are not joined; the per-resource views still count them.
 */
export const callsView: AggregateView = {
  table: CALLS_TABLE,

  route(record: NormalizedRecord): Route | null {
    if (record.category === 'CallRecordingSummary') {
      const correlationId = joinableCorrelationId(record.correlationId);
      if (correlationId === null || record.recordingId === '') return null;
      return { partitionKey: callPartition(correlationId), rowKeys: [summaryRowKey(record.recordingId)] };
    }
    if (record.category === 'CallRecordingOperational') {
      const correlationId = joinableCorrelationId(record.correlationId);
      if (correlationId === null) return null;
      const rowKeys = [operationRowKey(record)];
      if (record.recordingId !== null && record.recordingId !== '') rowKeys.push(summaryRowKey(record.recordingId));
      return { partitionKey: callPartition(correlationId), rowKeys };
    }
    return null;
  },

  apply(record: NormalizedRecord, rows: RowData[]): void {
    const row = rows[0];
    if (!row) return;
    if (record.category === 'CallRecordingSummary') {
      const correlationId = joinableCorrelationId(record.correlationId);
      if (correlationId !== null) foldSummary(row, record, correlationId);
      return;
    }
    if (record.category !== 'CallRecordingOperational') return;
    const correlationId = joinableCorrelationId(record.correlationId);
    if (correlationId === null) return;
    const isNew = fillOperationRow(row, record, correlationId);
    const recordingRow = rows[1];
    if (isNew && recordingRow) attachOperation(recordingRow, record, correlationId);
  },

  finalize: closeRow,

  summary: {
    rowKey: CALL_ROW_KEY,
    compute(rows: ReadonlyMap<string, RowData>, partitionKey: string): RowData {
      return callRowOf(computeCallFacts(rows, partitionKey));
    },
  },
};
