import { z } from 'zod';
import type { ViewFilters } from './filters.js';
import { VIEWS } from './views.js';

const ISO_SHAPE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** ISO-8601 date or date-time; a time without zone is UTC. Normalized to `toISOString()` form. */
export const isoTime = z
  .string()
  .trim()
  .refine((value) => ISO_SHAPE.test(value), 'must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)')
  .transform((value, context) => {
    const zoned = value.length === 10 ? `${value}T00:00:00Z` : /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`;
    const time = Date.parse(zoned.replace(' ', 'T'));
    if (Number.isNaN(time) || !isCalendarDate(value.slice(0, 10))) {
      context.addIssue({ code: 'custom', message: 'is not a valid date' });
      return z.NEVER;
    }
    return new Date(time).toISOString();
  });

/** `Date.parse` rolls 2024-02-30 over to March; a real calendar date survives a round trip. */
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

const nonEmpty = z.string().trim().min(1, 'must not be empty');

/** The filters as users type them (CLI flags, HTTP query parameters), built once. */
export const filterInputSchema = z
  .object({
    granularity: z.enum(['hour', 'day']).default('day'),
    from: isoTime.optional(),
    to: isoTime.optional(),
    resource: nonEmpty.optional(),
    correlationId: nonEmpty.optional(),
  })
  .refine((input) => !input.from || !input.to || input.from < input.to, { message: 'must be before to', path: ['from'] });

export type FilterInput = z.input<typeof filterInputSchema>;

export type FilterResult = { success: true; filters: ViewFilters } | { success: false; message: string };

/** Validates filters for a view; the message names each bad field in the caller's words (`--from`, `from`). */
export function parseViewFilters(view: string, input: FilterInput, fieldName: (field: string) => string): FilterResult {
  const definition = VIEWS[view];
  if (!definition) return { success: false, message: `unknown view "${view}": choose one of ${Object.keys(VIEWS).join(', ')}` };
  const parsed = filterInputSchema.safeParse(input);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) => {
        const field = String(issue.path[0] ?? 'filter');
        const detail = issue.code === 'invalid_value' ? 'must be hour or day' : issue.message;
        return `${fieldName(field)} ${detail}`;
      })
      .join('; ');
    return { success: false, message };
  }
  const { granularity, from, to, resource, correlationId } = parsed.data;
  if (correlationId !== undefined && !definition.byCorrelationId) {
    const accepting = Object.entries(VIEWS).filter(([, v]) => v.byCorrelationId).map(([name]) => name);
    return { success: false, message: `${fieldName('correlationId')} applies only to: ${accepting.join(', ')}` };
  }
  const filters: ViewFilters = { granularity };
  if (from !== undefined) filters.from = from;
  if (to !== undefined) filters.to = to;
  if (resource !== undefined) filters.resourceId = resource;
  if (correlationId !== undefined) filters.correlationId = correlationId;
  return { success: true, filters };
}
