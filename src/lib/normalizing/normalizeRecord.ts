/**
 * One raw record (storage format or flat Log Analytics) to one normalized record, or a reason why not.
 * Never throws for bad input: failures are results, as in zod's `safeParse`.
 *
 * Fast because everything record-independent (compiled schemas, field tables, record builders, regexes)
 * is built at module load, and what depends only on a record's keys once per key list (see fields.ts);
 * per record it reads and converts each field with plain code, then runs one compiled zod schema.
 */
import { BUILDERS } from './buildCandidate.js';
import { FieldView } from './fields.js';
import { FIXED_FIELD_LABELS, KIND_EXPECTATION, PLANS, RESOURCE_ID_LOOKUP_INDEX, TIME_LOOKUP_INDEX, type CategoryPlan } from './mapping.js';
import { DEFAULT_EARLIEST_RECORD_TIME, DEFAULT_MAX_FUTURE_MS, describeRange, inRange } from './ranges.js';
import { isRedacted, pseudonymOf, redactedParticipantKey } from './pseudonym.js';
import { recordingIdFromUri } from './recordingIdFromUri.js';
import { resolveCategory, UnsupportedCategory } from './resolveCategory.js';
import { parseLogTime } from './time.js';
import { storedResourceId } from './storedResourceId.js';
import type { NormalizeContext, NormalizeIssueCode, NormalizeResult, NormalizedRecord } from './types.js';
import { describeValue } from './values.js';

const NO_CONTEXT: NormalizeContext = {};

export function normalizeRecord(raw: Record<string, unknown>, context: NormalizeContext = NO_CONTEXT): NormalizeResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return invalid('schema_invalid', 'record: not a JSON object');
  }
  const view = FieldView.of(raw);
  if (typeof view === 'string') return invalid('schema_invalid', view);

  const category = resolveCategory(view, context.fileCategory);
  if (category === undefined && isQueryApiAnswer(raw)) return invalid('schema_invalid', QUERY_API_ANSWER);
  if (category === undefined)
    return invalid(
      'schema_invalid',
      'cannot tell the log category: the record names none, nor does its file (give --category to process or quarantine replay)',
    );
  if (category instanceof UnsupportedCategory) {
    return { success: false, kind: 'unsupported', category: category.name };
  }

  const plan = PLANS[category];
  const located = view.locate(plan.lookups);
  const rawTime = view.at(located, TIME_LOOKUP_INDEX);
  const bounds = context.timeBounds;
  const earliest = bounds === undefined ? DEFAULT_EARLIEST_RECORD_TIME : bounds.earliest;
  const latest = bounds === undefined ? Date.now() + DEFAULT_MAX_FUTURE_MS : bounds.latest;
  let time: number | null = null; // a missing time is reported with the other missing fields
  if (rawTime === undefined && hasLocalTimeColumn(raw)) return invalid('time_invalid', LOCAL_TIME_EXPORT);
  if (rawTime !== undefined) {
    time = parseLogTime(rawTime);
    if (time === null) return invalid('time_invalid', `time: cannot read ${describeValue(rawTime)}`);
    if (time < earliest || time > latest) return invalid('time_out_of_range', timeOutOfRange('time', time, earliest, latest));
  }

  const resourceId = resourceIdOf(view.at(located, RESOURCE_ID_LOOKUP_INDEX), context);
  const candidate = BUILDERS[category](view, located, category, time, resourceId);
  if (category === 'CallRecordingSummary' || category === 'CallRecordingOperational') {
    const id = candidate['recordingId'];
    const uri = candidate['uri'];
    // Trimmed as the id read from a URI is, so that a blank around it does not part a recording from its operations.
    if (typeof id === 'string') candidate['recordingId'] = id.trim();
    else if (id === null && typeof uri === 'string') candidate['recordingId'] = recordingIdFromUri(uri);
  } else if ('participantKey' in candidate) {
    const participantId = candidate['participantKey'];
    const endpointId = candidate['endpointKey'];
    candidate['participantKey'] = pseudonymOf(participantId);
    candidate['endpointKey'] = pseudonymOf(endpointId);
    // Other tenants' participants: not the server's leg, and not all one leg.
    if (candidate['participantKey'] === null && candidate['endpointKey'] === null && (isRedacted(participantId) || isRedacted(endpointId))) {
      candidate['participantKey'] = redactedParticipantKey(candidate['endpointType'], candidate['identifier']);
    }
  }

  const parsed = plan.schema.safeParse(candidate);
  if (parsed.success) {
    const outOfRange = otherTimeOutOfRange(parsed.data, earliest, latest);
    return outOfRange === null ? { success: true, record: parsed.data } : invalid('time_out_of_range', outOfRange);
  }
  if (isQueryApiAnswer(raw)) return invalid('schema_invalid', QUERY_API_ANSWER);
  return describeIssues(parsed.error.issues, plan, candidate);
}

const LOCAL_TIME_EXPORT =
  "time: exported in the browser's local time (`TimeGenerated [Local Time]`), whose zone the export does not say; " +
  'export the results again with the Log Analytics display time zone set to UTC (`TimeGenerated [UTC]`)';

/** Whether the record is a Log Analytics portal export made with the display time zone set to local time. */
function hasLocalTimeColumn(raw: Record<string, unknown>): boolean {
  return Object.keys(raw).some((key) => LOCAL_TIME_COLUMN.test(key));
}

const LOCAL_TIME_COLUMN = /\[local time\]$/i;

const QUERY_API_ANSWER =
  'a Log Analytics query API answer ({"tables":[{"columns":[...],"rows":[...]}]}): rows of values without their names, not log records; ' +
  "save the query's results as JSON records instead (`az monitor log-analytics query` prints one object per row, as does the portal's Export to JSON)";

/** Whether a unit that is not a record is the query API's answer, whose rows users take for records. */
function isQueryApiAnswer(raw: Record<string, unknown>): boolean {
  const tables = raw['tables'];
  return Array.isArray(tables) && tables.some((table: unknown) => typeof table === 'object' && table !== null && 'columns' in table && 'rows' in table);
}

/** The message for a time outside the accepted bounds, else null: the record's other times (the record time is checked first). */
function otherTimeOutOfRange(record: NormalizedRecord, earliest: number, latest: number): string | null {
  let label: string;
  let value: number | null;
  if (record.category === 'CallRecordingSummary') {
    label = 'RecordingStartTime';
    value = record.recordingStartTime;
  } else if (record.category === 'Usage') {
    label = 'StartTime';
    value = record.startTime;
    if (value === null || (value >= earliest && value <= latest)) {
      label = 'EndTime';
      value = record.endTime;
    }
  } else if (record.category === 'CallSummary' || record.category === 'CallSummaryUpdates') {
    label = 'CallStartTime';
    value = record.callStartTime;
    if (value === null || (value >= earliest && value <= latest)) {
      label = 'ParticipantStartTime';
      value = record.participantStartTime;
    }
  } else {
    return null;
  }
  if (value === null || (value >= earliest && value <= latest)) return null;
  return timeOutOfRange(label, value, earliest, latest);
}

function timeOutOfRange(label: string, value: number, earliest: number, latest: number): string {
  return `${label}: ${isoOrNumber(value)} is outside ${isoOrNumber(earliest)} .. ${isoOrNumber(latest)}`;
}

function isoOrNumber(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

function invalid(code: NormalizeIssueCode, message: string): NormalizeResult {
  return { success: false, kind: 'invalid', code, message };
}

/** The record's resource id, else the one from the blob path, else `unknown`; upper case. */
function resourceIdOf(value: unknown, context: NormalizeContext): string {
  if (typeof value === 'string') {
    // A file's records repeat one resource id: remember the last one's stored form.
    if (value !== lastRecordId) {
      lastRecordStoredId = storedResourceId(value);
      lastRecordId = value;
    }
    if (lastRecordStoredId !== '') return lastRecordStoredId;
  }
  const fromPath = context.resourceIdFromPath;
  if (fromPath !== undefined && fromPath !== '') {
    if (fromPath !== lastPathId) {
      lastPathStoredId = storedResourceId(fromPath);
      lastPathId = fromPath;
    }
    if (lastPathStoredId !== '') return lastPathStoredId;
  }
  return 'unknown';
}

let lastRecordId = '';
let lastRecordStoredId = '';
let lastPathId = '';
let lastPathStoredId = '';

/**
 * One short clause per bad field: `RecordingId: missing; ChunkCount: expected an integer >= 0, got "x"`.
 * `value_out_of_range` when every bad field is a number outside its range (±Infinity included), else
 * `schema_invalid`.
 */
function describeIssues(issues: readonly { readonly path: readonly PropertyKey[] }[], plan: CategoryPlan, candidate: Record<string, unknown>): NormalizeResult {
  const clauses: string[] = [];
  let onlyRanges = true;
  const seen = new Set<string>();
  for (const issue of issues) {
    const key = String(issue.path[0] ?? '');
    if (seen.has(key)) continue;
    seen.add(key);
    const value = candidate[key];
    const field = plan.fieldsByKey.get(key);
    const label = field?.label ?? FIXED_FIELD_LABELS.get(key) ?? key;
    const range = field?.range;
    if (range !== undefined && typeof value === 'number' && !inRange(value, range)) {
      clauses.push(`${label}: ${describeValue(value)} is outside ${describeRange(range)}`);
      continue;
    }
    onlyRanges = false;
    if (value === null || value === undefined) clauses.push(`${label}: missing`);
    else if (field?.kind === 'text' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      clauses.push(`${label}: the number ${describeValue(value)} is past 2^53 - 1, where digits are lost when read; write it as a string`);
    } else if (field !== undefined) {
      clauses.push(`${label}: expected ${KIND_EXPECTATION[field.kind]}, got ${describeValue(value)}`);
    } else clauses.push(`${label}: invalid value ${describeValue(value)}`);
  }
  return invalid(onlyRanges && clauses.length > 0 ? 'value_out_of_range' : 'schema_invalid', clauses.join('; '));
}
