import type { TableStore } from '../storage/TableStore.js';
import type { ViewFilters } from './filters.js';
import type { CallRow } from './queryRows.js';
import { VIEW_NAMES, type ViewName } from './viewNames.js';
import {
  queryCalls,
  queryRecordingOperations,
  queryRecordings,
  queryRecordingsPerCall,
  RECORDING_OPERATIONS_ROWS,
  RECORDINGS_ROWS,
} from './recordingQueries.js';
import { queryRooms, queryRoomsOperations, ROOMS_OPERATIONS_ROWS } from './roomsQueries.js';
import { queryUsage, USAGE_ROWS } from './usageQueries.js';
import { CALL_QUALITY_ROWS, CALL_VOLUME_ROWS, queryCallQuality, queryCallVolume } from './callQueries.js';
import { queryRetirement } from './retirementQueries.js';
import { streamBuckets, type BucketRows, type RowGroup } from './scanBuckets.js';

export type { RowGroup } from './scanBuckets.js';

export interface ViewDefinition {
  /** Field names of each row, in order: a stable contract (docs/QUERYING.md). */
  columns: readonly string[];
  /** The few columns a terminal table shows by default (the CLI's `--wide` shows all). */
  tableColumns: readonly string[];
  /** Fields that add up across rows: a table hiding some of the view's keys sums them over look-alike rows. */
  additive?: readonly string[];
  /** An additive field's unit column: rows in different units never add up, whether the unit is shown or not. */
  unitOf?: Readonly<Record<string, string>>;
  /** Whether the view accepts a correlation-id filter. */
  byCorrelationId: boolean;
  /** The view reads whole days whatever the granularity (retirement sums daily rows into months). */
  readsDays?: boolean;
  /** The fields that name a row (no two rows share them, and later logs change none of them): a page starts after the row they name. */
  identity: readonly string[];
  run(tables: TableStore, filters: ViewFilters): Promise<readonly object[]>;
  /**
   * Fields an HTTP `fields=` list may name beside the columns, each computed from a row: what a
   * client would otherwise need a large column for (docs/QUERYING.md). Never in the full rows.
   */
  listFields?: Readonly<Record<string, (row: object) => unknown>>;
  /**
   * The same rows in the same order, group by group, read only as far as the caller iterates,
   * starting at the group keyed `from`; `undefined` when these filters need the whole view first.
   * Only the bucket views have it, and only for one resource given by its full id (scanBuckets.ts):
   * their rows then come from storage one day partition at a time in the view's order. The others
   * (rooms, calls, retirement, recordings-per-call, and any view over every resource) sort or
   * aggregate across the whole table, so a page of them evaluates the view and slices it.
   */
  stream?: (tables: TableStore, filters: ViewFilters, from?: string) => AsyncIterable<RowGroup<object>> | undefined;
}

/** A bucket view's stream: its day partitions in order, when the filters allow it. */
function streamOf<T extends object>(rows: BucketRows<T>): NonNullable<ViewDefinition['stream']> {
  return (tables, filters, from) => streamBuckets(tables, filters, rows, from);
}

/** The definitions, one per name of VIEW_NAMES (checked), in its order. */
const DEFINITIONS = {
  'rooms-operations': {
    columns: ['bucket', 'resourceId', 'operationName', 'operationVersion', 'resultType', 'resultSignature', 'count'],
    tableColumns: ['bucket', 'resourceId', 'operationName', 'resultSignature', 'count'],
    additive: ['count'],
    identity: ['bucket', 'resourceId', 'operationName', 'operationVersion', 'resultType', 'resultSignature'],
    byCorrelationId: false,
    run: queryRoomsOperations,
    stream: streamOf(ROOMS_OPERATIONS_ROWS),
  },
  rooms: {
    columns: [
      'resourceId',
      'roomId',
      'createdAt',
      'lifespanMinutes',
      'pstnDialOutEnabled',
      'participantsAdded',
      'participantsUpserted',
      'participantsRemoved',
      'participantsCount',
      'participantsAttendee',
      'participantsConsumer',
      'participantsPresenter',
      'operations',
      'failedOperations',
      'lastOperationAt',
      'deletedAt',
    ],
    tableColumns: ['roomId', 'createdAt', 'deletedAt', 'participantsCount'],
    identity: ['resourceId', 'roomId'],
    byCorrelationId: false,
    run: queryRooms,
  },
  calls: {
    columns: [
      'correlationId',
      'resourceId',
      'recordingCount',
      'recordingSeconds',
      'operations',
      'operationCount',
      'failedOperations',
      'matched',
      'recordings',
      'recordingsWithoutSummary',
      'recordingIdsWithoutSummary',
      'summariesWithoutOperations',
      'sdkTypes',
      'sdkVersions',
      'callConnectionIds',
      'firstOperationAt',
      'lastOperationAt',
      'durationMs',
      'callStartTime',
      'callDurationSeconds',
      'callType',
      'participants',
      'participantSeconds',
      'endpointTypes',
      'endReasons',
      'streams',
      'poorStreams',
      'impacted',
      'recordingCoverage',
    ],
    tableColumns: ['correlationId', 'recordingCount', 'operationCount', 'matched'],
    identity: ['correlationId'],
    byCorrelationId: true,
    run: queryCalls,
    listFields: {
      // When the call started as far as its logs say: its call logs, else its first operation, else its first recording (the dashboard's `started`).
      startedAt: (row) => {
        const call = row as CallRow;
        // Recordings without a start sort first: the first start found is the earliest.
        return call.callStartTime ?? call.firstOperationAt ?? call.recordings.find((r) => r.startTime !== null)?.startTime ?? null;
      },
    },
  },
  recordings: {
    columns: ['bucket', 'resourceId', 'recordings', 'recordingSeconds', 'chunks', 'audioChannels', 'byFormat', 'byChannel', 'byContent', 'byEndReason'],
    tableColumns: ['bucket', 'resourceId', 'recordings', 'recordingSeconds'],
    additive: ['recordings', 'recordingSeconds', 'chunks', 'audioChannels'],
    identity: ['bucket', 'resourceId'],
    byCorrelationId: false,
    run: queryRecordings,
    stream: streamOf(RECORDINGS_ROWS),
  },
  'recording-operations': {
    columns: ['bucket', 'resourceId', 'operationName', 'resultSignature', 'sdkType', 'count', 'failed', 'durationMs'],
    tableColumns: ['bucket', 'operationName', 'resultSignature', 'sdkType', 'count', 'durationMs'],
    additive: ['count', 'failed'],
    identity: ['bucket', 'resourceId', 'operationName', 'resultSignature', 'sdkType'],
    byCorrelationId: false,
    run: queryRecordingOperations,
    stream: streamOf(RECORDING_OPERATIONS_ROWS),
  },
  usage: {
    columns: ['bucket', 'resourceId', 'usageType', 'unitType', 'quantity', 'records'],
    tableColumns: ['bucket', 'resourceId', 'usageType', 'unitType', 'quantity', 'records'],
    additive: ['quantity', 'records'],
    unitOf: { quantity: 'unitType' },
    identity: ['bucket', 'resourceId', 'usageType', 'unitType'],
    byCorrelationId: false,
    run: queryUsage,
    stream: streamOf(USAGE_ROWS),
  },
  'call-volume': {
    columns: [
      'bucket',
      'resourceId',
      'calls',
      'callSeconds',
      'participants',
      'participantSeconds',
      'byCallType',
      'byEndpointType',
      'impactedCalls',
      'recordedCalls',
    ],
    tableColumns: ['bucket', 'resourceId', 'calls', 'callSeconds', 'impactedCalls', 'recordedCalls'],
    // Each call counts in one bucket of one resource, so rows shown without the resource add up.
    additive: ['calls', 'callSeconds', 'participants', 'participantSeconds', 'impactedCalls', 'recordedCalls'],
    identity: ['bucket', 'resourceId'],
    byCorrelationId: false,
    run: queryCallVolume,
    stream: streamOf(CALL_VOLUME_ROWS),
  },
  'call-quality': {
    columns: ['bucket', 'resourceId', 'mediaType', 'streams', 'poorStreams', 'jitterMs', 'roundTripMs', 'packetLoss'],
    tableColumns: ['bucket', 'mediaType', 'streams', 'poorStreams', 'jitterMs', 'roundTripMs', 'packetLoss'],
    // Stream counts add up; the percentiles do not, so rows whose shown percentiles differ stay apart.
    additive: ['streams', 'poorStreams'],
    identity: ['bucket', 'resourceId', 'mediaType'],
    byCorrelationId: false,
    run: queryCallQuality,
    stream: streamOf(CALL_QUALITY_ROWS),
  },
  retirement: {
    columns: ['month', 'resourceId', 'usageType', 'unitType', 'quantity', 'records', 'service', 'fate', 'source'],
    tableColumns: ['month', 'usageType', 'unitType', 'quantity', 'service', 'fate'],
    // One row per resource: shown without it, a month's resources add up (never two units).
    additive: ['quantity', 'records'],
    unitOf: { quantity: 'unitType' },
    identity: ['month', 'resourceId', 'usageType', 'unitType'],
    byCorrelationId: false,
    readsDays: true,
    run: queryRetirement,
  },
  'recordings-per-call': {
    columns: ['recordings', 'calls'],
    tableColumns: ['recordings', 'calls'],
    additive: ['calls'],
    identity: ['recordings'],
    byCorrelationId: false,
    run: queryRecordingsPerCall,
  },
} satisfies Record<ViewName, ViewDefinition>;

/** Every view, as the CLI (`acs-logs query <view>`) and the HTTP API (`GET /api/query/<view>`) serve it. */
export const VIEWS: Readonly<Record<string, ViewDefinition>> = Object.freeze(DEFINITIONS);

export { VIEW_NAMES };
