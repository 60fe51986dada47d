import type { TableStore } from '../storage/TableStore.js';
import type { ViewFilters } from './filters.js';
import { queryCalls, queryRecordingOperations, queryRecordings, queryRecordingsPerCall } from './recordingQueries.js';
import { queryRooms, queryRoomsOperations } from './roomsQueries.js';
import { queryUsage } from './usageQueries.js';
import { queryCallQuality, queryCallVolume } from './callQueries.js';
import { queryRetirement } from './retirementQueries.js';

export interface ViewDefinition {
  /** Field names of each row, in order: a stable contract (docs/QUERYING.md). */
  columns: readonly string[];
  /** Whether the view accepts a correlation-id filter. */
  byCorrelationId: boolean;
  run(tables: TableStore, filters: ViewFilters): Promise<readonly object[]>;
}

/** Every view, as the CLI (`acs-logs query <view>`) and the HTTP API (`GET /api/query/<view>`) serve it. */
export const VIEWS: Readonly<Record<string, ViewDefinition>> = Object.freeze({
  'rooms-operations': {
    columns: ['bucket', 'resourceId', 'operationName', 'operationVersion', 'resultType', 'resultSignature', 'count'],
    byCorrelationId: false,
    run: queryRoomsOperations,
  },
  rooms: {
    columns: [
      'resourceId', 'roomId', 'createdAt', 'lifespanMinutes', 'pstnDialOutEnabled', 'participantsAdded', 'participantsUpserted',
      'participantsRemoved', 'participantsCount', 'participantsAttendee', 'participantsConsumer', 'participantsPresenter',
      'operations', 'failedOperations', 'lastOperationAt', 'deletedAt',
    ],
    byCorrelationId: false,
    run: queryRooms,
  },
  calls: {
    columns: [
      'correlationId', 'resourceId', 'recordingCount', 'recordingSeconds', 'operations', 'operationCount', 'failedOperations', 'matched',
      'recordings', 'recordingsWithoutSummary', 'recordingIdsWithoutSummary', 'summariesWithoutOperations', 'sdkTypes', 'sdkVersions',
      'callConnectionIds', 'firstOperationAt', 'lastOperationAt', 'durationMs', 'callStartTime', 'callDurationSeconds', 'callType',
      'participants', 'participantSeconds', 'endpointTypes', 'endReasons', 'streams', 'poorStreams', 'impacted', 'recordingCoverage',
    ],
    byCorrelationId: true,
    run: queryCalls,
  },
  recordings: {
    columns: ['bucket', 'resourceId', 'recordings', 'recordingSeconds', 'chunks', 'audioChannels', 'byFormat', 'byChannel', 'byContent', 'byEndReason'],
    byCorrelationId: false,
    run: queryRecordings,
  },
  'recording-operations': {
    columns: ['bucket', 'resourceId', 'operationName', 'resultSignature', 'sdkType', 'count', 'failed', 'durationMs'],
    byCorrelationId: false,
    run: queryRecordingOperations,
  },
  usage: {
    columns: ['bucket', 'resourceId', 'usageType', 'unitType', 'quantity', 'records'],
    byCorrelationId: false,
    run: queryUsage,
  },
  'call-volume': {
    columns: [
      'bucket', 'resourceId', 'calls', 'callSeconds', 'participants', 'participantSeconds', 'byCallType', 'byEndpointType', 'impactedCalls',
      'recordedCalls',
    ],
    byCorrelationId: false,
    run: queryCallVolume,
  },
  'call-quality': {
    columns: ['bucket', 'resourceId', 'mediaType', 'streams', 'poorStreams', 'jitterMs', 'roundTripMs', 'packetLoss'],
    byCorrelationId: false,
    run: queryCallQuality,
  },
  retirement: {
    columns: ['month', 'resourceId', 'usageType', 'unitType', 'quantity', 'records', 'service', 'fate', 'source'],
    byCorrelationId: false,
    run: queryRetirement,
  },
  'recordings-per-call': {
    columns: ['recordings', 'calls'],
    byCorrelationId: false,
    run: queryRecordingsPerCall,
  },
});

export const VIEW_NAMES: readonly string[] = Object.freeze(Object.keys(VIEWS));
