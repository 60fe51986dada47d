import { storedResourceId } from '../normalizing/storedResourceId.js';
import { resourceShortName } from './resourceName.js';

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

/**
 * How a `resource` filter finds rows, case-insensitively: a full id (it has a slash) by its key
 * range, a name as tables show it (`CONTOSO-ACS`) by the last segment of each row's id.
 */
export type ResourceMatch = { kind: 'id'; id: string } | { kind: 'name'; name: string };

export function resourceMatch(filter: string): ResourceMatch {
  const trimmed = filter.trim().replace(/\/+$/, '').toUpperCase();
  // A name with a slash before it (`/CONTOSO-ACS`) is still a name: an id has more than one segment.
  const name = trimmed.replace(/^\/+/, '');
  if (!name.includes('/')) return { kind: 'name', name };
  // An id given without its leading slash is the one stored with it.
  return { kind: 'id', id: storedResourceId(trimmed) };
}

export function matchesResource(match: ResourceMatch, resourceId: unknown): boolean {
  if (typeof resourceId !== 'string') return false;
  const id = resourceId.toUpperCase();
  return match.kind === 'id' ? id === match.id : resourceShortName(id) === match.name;
}
