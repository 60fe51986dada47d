import { CATEGORIES, type Category } from './types.js';

/**
 * Category names as they appear in the wild, squashed (lower case, letters and digits only):
 * diagnostic-setting categories, the seed documents' variants, display names and Log Analytics tables.
 * Built once at module load.
 */
const CATEGORY_BY_SQUASHED_NAME: ReadonlyMap<string, Category> = new Map<string, Category>([
  ['roomsoperational', 'RoomsOperational'],
  ['operationalroomslogs', 'RoomsOperational'],
  ['roomsincomingoperations', 'RoomsOperational'],
  ['acsroomsincomingoperations', 'RoomsOperational'],

  ['callrecordingsummary', 'CallRecordingSummary'],
  ['recordingsummary', 'CallRecordingSummary'],
  ['callrecordingsummarylogs', 'CallRecordingSummary'],
  ['acscallrecordingsummary', 'CallRecordingSummary'],

  ['callrecordingoperational', 'CallRecordingOperational'],
  ['operationalcallrecordinglogs', 'CallRecordingOperational'],
  ['callrecordingincomingoperations', 'CallRecordingOperational'],
  ['recordingincomingoperations', 'CallRecordingOperational'],
  ['acscallrecordingincomingoperations', 'CallRecordingOperational'],

  ['usage', 'Usage'],
  ['usagerecords', 'Usage'],
  ['billingusage', 'Usage'],
  ['acsbillingusage', 'Usage'],

  ['callsummary', 'CallSummary'],
  ['callsummarylogs', 'CallSummary'],
  ['acscallsummary', 'CallSummary'],

  ['callsummaryupdates', 'CallSummaryUpdates'],
  ['callsummaryupdate', 'CallSummaryUpdates'],
  ['callsummaryupdateslogs', 'CallSummaryUpdates'],
  ['acscallsummaryupdates', 'CallSummaryUpdates'],

  ['calldiagnostics', 'CallDiagnostics'],
  ['calldiagnostic', 'CallDiagnostics'],
  ['calldiagnosticslogs', 'CallDiagnostics'],
  ['acscalldiagnostics', 'CallDiagnostics'],

  // The CallSummaryUpdates schema page spells it "CallDiagnosticUpdates".
  ['calldiagnosticsupdates', 'CallDiagnosticsUpdates'],
  ['calldiagnosticupdates', 'CallDiagnosticsUpdates'],
  ['calldiagnosticsupdate', 'CallDiagnosticsUpdates'],
  ['calldiagnosticsupdateslogs', 'CallDiagnosticsUpdates'],
  ['acscalldiagnosticsupdates', 'CallDiagnosticsUpdates'],
  ['acscalldiagnosticupdates', 'CallDiagnosticsUpdates'],
]);

/** Exact spellings, looked up before squashing: the common case costs one Map get. */
const CATEGORY_BY_EXACT_NAME: ReadonlyMap<string, Category> = new Map<string, Category>([
  ...CATEGORIES.map((c) => [c, c] as const),
  ['RecordingSummary', 'CallRecordingSummary'],
  ['ACSRoomsIncomingOperations', 'RoomsOperational'],
  ['ACSCallRecordingSummary', 'CallRecordingSummary'],
  ['ACSCallRecordingIncomingOperations', 'CallRecordingOperational'],
  ['ACSBillingUsage', 'Usage'],
  ['ACSCallSummary', 'CallSummary'],
  ['ACSCallSummaryUpdates', 'CallSummaryUpdates'],
  ['ACSCallDiagnostics', 'CallDiagnostics'],
  ['ACSCallDiagnosticsUpdates', 'CallDiagnosticsUpdates'],
  ['CallDiagnosticUpdates', 'CallDiagnosticsUpdates'],
]);

const CONTAINER_PREFIX = 'insights-logs-';

const CATEGORY_BY_CONTAINER: ReadonlyMap<string, Category> = new Map<string, Category>(CATEGORIES.map((c) => [CONTAINER_PREFIX + c.toLowerCase(), c] as const));

const NOT_LETTER_OR_DIGIT = /[^a-z0-9]/g;

/**
 * One of the categories from a category name, a seed variant ("RecordingSummary",
 * "Call Recording Summary", "CallRecordingIncomingOperations"), a display name or a Log Analytics table
 * name, in any case and with any spacing or punctuation. `undefined` for anything else.
 */
export function parseCategory(value: string): Category | undefined {
  const exact = CATEGORY_BY_EXACT_NAME.get(value);
  if (exact !== undefined) return exact;
  let squashed = value.toLowerCase().replace(NOT_LETTER_OR_DIGIT, '');
  if (squashed.startsWith('insightslogs')) squashed = squashed.slice('insightslogs'.length);
  return CATEGORY_BY_SQUASHED_NAME.get(squashed);
}

/** The category whose diagnostic logs land in this container (`insights-logs-roomsoperational`), any case. */
export function categoryFromContainer(container: string): Category | undefined {
  return CATEGORY_BY_CONTAINER.get(container.trim().toLowerCase());
}

/** The storage container Azure Monitor writes a category's logs to: `insights-logs-` + lower-case category. */
export function containerForCategory(category: Category): string {
  return CONTAINER_PREFIX + category.toLowerCase();
}
