/** The recording join: summaries and operations of a call, by CorrelationId. Pure. */
export { callsView } from './callsView.js';
export {
  CALL_ROW_KEY,
  CALLS_TABLE,
  callPartition,
  isStartOperation,
  OPERATION_ROW_PREFIX,
  operationRowKey,
  SUMMARY_ROW_PREFIX,
  summaryRowKey,
} from './callRows.js';
export { callFactsOfRow, callRowOf } from './callRowEncoding.js';
export {
  callContributionFieldsSchema,
  callFirstAtSchema,
  callRecordingCountSchema,
  callRowSchema,
  recordingRowSchema,
  type CallStoredRow,
} from './callRowSchemas.js';
export { computeCallFacts, exactQuantile, recordingFactsOf, type CallFacts, type DurationFacts, type RecordingFacts } from './callSummary.js';
