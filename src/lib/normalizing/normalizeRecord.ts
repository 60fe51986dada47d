/**
 * One raw record (storage format or flat Log Analytics) to one normalized record, or a reason why not.
 * Never throws for bad input: failures are results, as in zod's `safeParse`.
 *
 * Fast because everything record-independent (schemas, field tables, record templates, regexes) is built
 * at module load; per record it maps the keys to lower case once, converts each field with plain code,
 * and runs one zod object schema made only of type and range checks.
 */
import { FieldView } from './fields.js';
import {
  FIXED_FIELD_LABELS,
  KIND_EXPECTATION,
  PLANS,
  RESOURCE_ID_NAMES,
  TIME_NAMES,
  type CategoryPlan,
  type FieldSpec,
} from './mapping.js';
import { recordingIdFromUri } from './recordingIdFromUri.js';
import { resolveCategory, UnsupportedCategory } from './resolveCategory.js';
import { parseLogTime } from './time.js';
import type { NormalizeContext, NormalizeIssueCode, NormalizeResult } from './types.js';
import { describeValue, toBoolean, toNumber, toText, toTime } from './values.js';

const CONVERT: Readonly<Record<FieldSpec['kind'], (value: unknown) => unknown>> = {
  text: toText,
  count: toNumber,
  amount: toNumber,
  flag: toBoolean,
  time: toTime,
};

const NO_CONTEXT: NormalizeContext = {};

export function normalizeRecord(
  raw: Record<string, unknown>,
  context: NormalizeContext = NO_CONTEXT,
): NormalizeResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return invalid('schema_invalid', 'record: not a JSON object');
  }
  const view = FieldView.of(raw);
  if (typeof view === 'string') return invalid('schema_invalid', view);

  const category = resolveCategory(view, context.fileCategory);
  if (category === undefined) return invalid('schema_invalid', 'cannot tell the log category');
  if (category instanceof UnsupportedCategory) {
    return { success: false, kind: 'unsupported', category: category.name };
  }

  const rawTime = view.get(TIME_NAMES, true);
  let time: number | null = null; // a missing time is reported with the other missing fields
  if (rawTime !== undefined) {
    time = parseLogTime(rawTime);
    if (time === null) return invalid('time_invalid', `time: cannot read ${describeValue(rawTime)}`);
  }

  const plan = PLANS[category];
  const candidate: Record<string, unknown> = { ...plan.template };
  candidate['category'] = category;
  candidate['time'] = time;
  candidate['resourceId'] = resourceIdOf(view, context);
  for (const field of plan.fields) {
    const value = CONVERT[field.kind](view.get(field.names, field.common));
    candidate[field.key] = value === null && field.fallback !== undefined ? field.fallback : value;
  }
  if (category === 'CallRecordingOperational' && candidate['recordingId'] === null) {
    const uri = candidate['uri'];
    if (typeof uri === 'string') candidate['recordingId'] = recordingIdFromUri(uri);
  }

  const parsed = plan.schema.safeParse(candidate);
  if (parsed.success) return { success: true, record: parsed.data };
  return invalid('schema_invalid', describeIssues(parsed.error.issues, plan, candidate));
}

function invalid(code: NormalizeIssueCode, message: string): NormalizeResult {
  return { success: false, kind: 'invalid', code, message };
}

/** The record's resource id, else the one from the blob path, else `unknown`; upper case. */
function resourceIdOf(view: FieldView, context: NormalizeContext): string {
  const value = view.get(RESOURCE_ID_NAMES, true);
  if (typeof value === 'string') return value.trim().toUpperCase();
  if (context.resourceIdFromPath !== undefined && context.resourceIdFromPath !== '') {
    return context.resourceIdFromPath.toUpperCase();
  }
  return 'unknown';
}

/** One short clause per bad field: `RecordingId: missing; ChunkCount: expected an integer >= 0, got -1`. */
function describeIssues(
  issues: readonly { readonly path: readonly PropertyKey[] }[],
  plan: CategoryPlan,
  candidate: Record<string, unknown>,
): string {
  const clauses: string[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const key = String(issue.path[0] ?? '');
    if (seen.has(key)) continue;
    seen.add(key);
    const value = candidate[key];
    const field = plan.fieldsByKey.get(key);
    const label = field?.label ?? FIXED_FIELD_LABELS.get(key) ?? key;
    if (value === null || value === undefined) clauses.push(`${label}: missing`);
    else if (field !== undefined) {
      clauses.push(`${label}: expected ${KIND_EXPECTATION[field.kind]}, got ${describeValue(value)}`);
    }
    else clauses.push(`${label}: invalid value ${describeValue(value)}`);
  }
  return clauses.join('; ');
}
