import { z } from 'zod';
import type { ViewFilters } from './filters.js';
import { VIEWS } from './views.js';
import { parseIsoTime } from './isoTime.js';

/** ISO-8601 date or date-time; a time without zone is UTC. Normalized to `toISOString()` form. */
export const isoTime = z.string().transform((value, context) => {
  const parsed = parseIsoTime(value);
  if (parsed.ok) return parsed.iso;
  context.addIssue({ code: 'custom', message: parsed.message });
  return z.NEVER;
});

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** The schema's message for a range that ends before it starts; the caller's name for `to` is added when it is shown. */
const FROM_AFTER_TO = 'must be before to';

/** The filters as users type them (CLI flags, HTTP query parameters), built once. */
export const filterInputSchema = z
  .object({
    // Any case, as `format`: `HOUR` is hour.
    granularity: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['hour', 'day']))
      .default('day'),
    from: isoTime.optional(),
    to: isoTime.optional(),
    // Slashes alone (`/`) would be read as a resource named nothing, which no row has: refused as saying nothing.
    resource: nonEmpty.refine((value) => value === '' || /[^\s/]/.test(value), 'must name a resource (its full id or its name), not slashes alone').optional(),
    // Not trimmed: an id logged with spaces around it is matched as given (readCallRows also tries it trimmed).
    correlationId: z
      .string()
      .refine((value) => value.trim() !== '', 'must not be empty')
      .optional(),
  })
  .refine((input) => !input.from || !input.to || input.from < input.to, { message: FROM_AFTER_TO, path: ['from'] });

export type FilterInput = z.input<typeof filterInputSchema>;

/**
 * Why `from` is not before `to`: when both are written differently but are one time, which (an offset,
 * or digits below the millisecond, which are not kept).
 */
function fromAfterTo(input: FilterInput, fieldName: (field: string) => string): string {
  const from = input.from === undefined ? undefined : parseIsoTime(input.from);
  const to = input.to === undefined ? undefined : parseIsoTime(input.to);
  if (from?.ok !== true || to?.ok !== true || from.iso !== to.iso || input.from === input.to) return `must be before ${fieldName('to')}`;
  const belowMillisecond = [input.from, input.to].some((text) => /[.,]\d{4,}/.test(text ?? ''));
  return `must be before ${fieldName('to')} (both are ${from.iso}${belowMillisecond ? ': times are kept to the millisecond' : ''})`;
}

/** One bad filter: the field as the schema names it (its path), and a message naming it in the caller's words. */
export interface FilterIssue {
  field: string;
  message: string;
}

export type FilterResult = { success: true; filters: ViewFilters } | { success: false; issues: FilterIssue[]; message: string };

/**
 * Validates filters for a view. Every bad field is an issue of its own, from zod's structured issues
 * (path and message); `message` joins them for callers that show one line.
 */
export function parseViewFilters(view: string, input: FilterInput, fieldName: (field: string) => string): FilterResult {
  const definition = VIEWS[view];
  if (!definition) return failure([{ field: 'view', message: `unknown view "${view}": choose one of ${Object.keys(VIEWS).join(', ')}` }]);
  const issues: FilterIssue[] = [];
  const parsed = filterInputSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'filters';
      const detail = issue.code === 'invalid_value' ? 'must be hour or day' : issue.message === FROM_AFTER_TO ? fromAfterTo(input, fieldName) : issue.message;
      issues.push({ field, message: `${fieldName(field)} ${detail}` });
    }
  }
  const correlationId = parsed.success ? parsed.data.correlationId : input.correlationId;
  if (correlationId !== undefined && !definition.byCorrelationId && !issues.some((issue) => issue.field === 'correlationId')) {
    const accepting = Object.entries(VIEWS)
      .filter(([, v]) => v.byCorrelationId)
      .map(([name]) => name);
    issues.push({ field: 'correlationId', message: `${fieldName('correlationId')} applies only to: ${accepting.join(', ')}` });
  }
  if (!parsed.success || issues.length > 0) return failure(issues);
  const { granularity, from, to, resource } = parsed.data;
  const filters: ViewFilters = { granularity };
  if (from !== undefined) filters.from = from;
  if (to !== undefined) filters.to = to;
  if (resource !== undefined) filters.resourceId = resource;
  if (correlationId !== undefined) filters.correlationId = correlationId;
  return { success: true, filters };
}

function failure(issues: FilterIssue[]): FilterResult {
  return { success: false, issues, message: issues.map((issue) => issue.message).join('; ') };
}
