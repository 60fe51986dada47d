export type Granularity = 'hour' | 'day';

/** Filters every view accepts. Times are ISO-8601 UTC; `from` inclusive, `to` exclusive. */
export interface ViewFilters {
  granularity: Granularity;
  from?: string;
  to?: string;
  resourceId?: string;
  /** Only this call (the `calls` view). */
  correlationId?: string;
}

export function nullable(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export function numberOr(value: unknown, fallback: number | null): number | null {
  return typeof value === 'number' ? value : fallback;
}
