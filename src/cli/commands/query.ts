import type { Granularity, ViewFilters } from '../../lib/querying/filters.js';
import { queryCalls, queryRecordingOperations, queryRecordings, queryRecordingsPerCall } from '../../lib/querying/recordingQueries.js';
import { queryRooms, queryRoomsOperations } from '../../lib/querying/roomsQueries.js';
import { queryUsage } from '../../lib/querying/usageQueries.js';
import type { TableStore } from '../../lib/storage/TableStore.js';
import { UsageError } from '../errors.js';
import { parseFormat, render } from '../format.js';
import { openStorage, type StorageFlags } from '../storageSession.js';

export interface QueryFlags extends StorageFlags {
  granularity: string;
  from?: string;
  to?: string;
  resource?: string;
  /** Only the `calls` view accepts it. */
  correlationId?: string;
  format: string;
}

interface ViewDefinition {
  columns: readonly string[];
  run(tables: TableStore, filters: ViewFilters): Promise<readonly object[]>;
}

/** The views `acs-logs query` offers; JSON field names are a stable contract (docs/QUERYING.md). */
export const VIEWS: Readonly<Record<string, ViewDefinition>> = {
  'rooms-operations': {
    columns: ['bucket', 'resourceId', 'operationName', 'operationVersion', 'resultType', 'resultSignature', 'count'],
    run: queryRoomsOperations,
  },
  rooms: {
    columns: [
      'resourceId', 'roomId', 'createdAt', 'lifespanMinutes', 'pstnDialOutEnabled', 'participantsAdded', 'participantsUpserted',
      'participantsRemoved', 'participantsCount', 'participantsAttendee', 'participantsConsumer', 'participantsPresenter',
      'operations', 'failedOperations', 'lastOperationAt', 'deletedAt',
    ],
    run: queryRooms,
  },
  calls: {
    columns: [
      'correlationId', 'resourceId', 'recordingCount', 'recordingSeconds', 'operations', 'operationCount', 'failedOperations', 'matched',
      'recordings', 'recordingsWithoutSummary', 'recordingIdsWithoutSummary', 'summariesWithoutOperations', 'sdkTypes', 'sdkVersions',
      'callConnectionIds', 'firstOperationAt', 'lastOperationAt', 'durationMs',
    ],
    run: queryCalls,
  },
  recordings: {
    columns: [
      'bucket', 'resourceId', 'recordings', 'recordingSeconds', 'chunks', 'audioChannels', 'byFormat', 'byChannel', 'byContent', 'byEndReason',
    ],
    run: queryRecordings,
  },
  'recording-operations': {
    columns: ['bucket', 'resourceId', 'operationName', 'resultSignature', 'sdkType', 'count', 'failed', 'durationMs'],
    run: queryRecordingOperations,
  },
  usage: {
    columns: ['bucket', 'resourceId', 'usageType', 'unitType', 'quantity', 'records'],
    run: queryUsage,
  },
  'recordings-per-call': {
    columns: ['recordings', 'calls'],
    run: queryRecordingsPerCall,
  },
};

/** Views that accept `--correlation-id`. */
const CORRELATION_ID_VIEWS: ReadonlySet<string> = new Set(['calls']);

export function parseFilters(flags: QueryFlags): ViewFilters {
  if (flags.granularity !== 'hour' && flags.granularity !== 'day') {
    throw new UsageError(`--granularity must be hour or day, got "${flags.granularity}"`);
  }
  const filters: ViewFilters = { granularity: flags.granularity as Granularity };
  if (flags.from !== undefined) filters.from = parseIso('--from', flags.from);
  if (flags.to !== undefined) filters.to = parseIso('--to', flags.to);
  if (filters.from && filters.to && filters.from >= filters.to) throw new UsageError('--from must be before --to');
  if (flags.resource !== undefined) {
    if (flags.resource.trim() === '') throw new UsageError('--resource must not be empty');
    filters.resourceId = flags.resource;
  }
  if (flags.correlationId !== undefined) {
    if (flags.correlationId.trim() === '') throw new UsageError('--correlation-id must not be empty');
    filters.correlationId = flags.correlationId;
  }
  return filters;
}

/** `acs-logs query <view>`: prints one view as a table, JSON or CSV. */
export async function queryCommand(view: string, flags: QueryFlags, out: NodeJS.WritableStream): Promise<void> {
  const definition = VIEWS[view];
  if (!definition) throw new UsageError(`unknown view "${view}": choose one of ${Object.keys(VIEWS).join(', ')}`);
  const filters = parseFilters(flags);
  if (filters.correlationId !== undefined && !CORRELATION_ID_VIEWS.has(view)) {
    throw new UsageError(`--correlation-id applies only to: ${[...CORRELATION_ID_VIEWS].join(', ')}`);
  }
  const format = parseFormat(flags.format);
  const storage = await openStorage(flags);
  try {
    const rows = await definition.run(storage.tables, filters);
    out.write(render(rows, format, definition.columns));
  } finally {
    await storage.close();
  }
}

/** Accepts ISO-8601 dates and date-times; a time without zone is UTC. Returns the canonical UTC form. */
export function parseIso(flag: string, value: string): string {
  const trimmed = value.trim();
  const shape = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;
  if (!shape.test(trimmed)) throw new UsageError(`${flag} must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z), got "${value}"`);
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) || trimmed.length === 10 ? trimmed : `${trimmed}Z`;
  const time = Date.parse(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : zoned.replace(' ', 'T'));
  if (Number.isNaN(time)) throw new UsageError(`${flag} is not a valid date: "${value}"`);
  return new Date(time).toISOString();
}
