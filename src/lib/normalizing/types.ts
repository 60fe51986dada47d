import type { TimeBounds } from './ranges.js';

/** The diagnostic-log categories the product reads. */
export const CATEGORIES = [
  'RoomsOperational',
  'CallRecordingSummary',
  'CallRecordingOperational',
  'Usage',
  'CallSummary',
  'CallSummaryUpdates',
  'CallDiagnostics',
  'CallDiagnosticsUpdates',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** Fields every category shares. Times are epoch milliseconds, UTC. */
export interface CommonFields {
  time: number;
  /** Upper-case ARM resource id; from the record, else the blob path, else `unknown`. */
  resourceId: string;
  correlationId: string | null;
  operationName: string;
  operationVersion: string | null;
  resultType: string | null;
  /** HTTP status or sub-status, as a string ("201"). */
  resultSignature: string | null;
  level: string | null;
}

export interface RoomsOperationRecord extends CommonFields {
  category: 'RoomsOperational';
  roomId: string | null;
  roomLifespanMinutes: number | null;
  pstnDialOutEnabled: boolean | null;
  addedParticipantsCount: number | null;
  upsertedParticipantsCount: number | null;
  removedParticipantsCount: number | null;
  participantsCount: number | null;
  participantsAttendee: number | null;
  participantsConsumer: number | null;
  participantsPresenter: number | null;
}

export interface RecordingSummaryRecord extends CommonFields {
  category: 'CallRecordingSummary';
  recordingId: string;
  recordingStartTime: number | null;
  recordingLengthSeconds: number | null;
  chunkCount: number | null;
  contentType: string | null;
  channelType: string | null;
  formatType: string | null;
  audioChannelsCount: number | null;
  recordingEndReason: string | null;
}

/** One Call Recording API request. The caller IP address is personal data and is not kept. */
export interface RecordingOperationRecord extends CommonFields {
  category: 'CallRecordingOperational';
  callConnectionId: string | null;
  serverCallId: string | null;
  sdkType: string | null;
  sdkVersion: string | null;
  durationMs: number | null;
  uri: string | null;
  /** The recording id found inside `uri` (`.../recordings/{id}:pause?...`), if any. */
  recordingId: string | null;
}

/** One billing usage record. Participant and user ids are personal data and are not kept. */
export interface UsageRecord extends CommonFields {
  category: 'Usage';
  recordId: string | null;
  usageType: string;
  unitType: string;
  quantity: number;
  startTime: number | null;
  endTime: number | null;
}

/**
 * One participant leg of a call (CallSummary, or one version of it in CallSummaryUpdates). The
 * participant and endpoint ids are read only to tell legs apart: views store a digest of them, never
 * the ids. Durations are seconds, as the service writes them.
 */
export interface CallSummaryRecord extends CommonFields {
  category: 'CallSummary' | 'CallSummaryUpdates';
  /** Never blank: a call log without one names no call (quarantined as schema_invalid). */
  correlationId: string;
  /** CallUpdatesVersion; null for a plain CallSummary record (which counts as version 0). */
  callUpdatesVersion: number | null;
  callStartTime: number | null;
  callDurationSeconds: number | null;
  callType: string | null;
  /** SHA-256 digest (base64url, 22 chars) of the trimmed ParticipantId: tells legs apart; unkeyed, so a pseudonym (docs/CALLS.md). */
  participantKey: string | null;
  /** Digest of the trimmed EndpointId, as participantKey. */
  endpointKey: string | null;
  endpointType: string | null;
  participantType: string | null;
  participantStartTime: number | null;
  participantDurationSeconds: number | null;
  participantEndReason: string | null;
  participantEndSubCode: string | null;
  resultCategory: string | null;
}

/** One media stream of a call leg (CallDiagnostics, or one version of it in CallDiagnosticsUpdates). */
export interface CallDiagnosticsRecord extends CommonFields {
  category: 'CallDiagnostics' | 'CallDiagnosticsUpdates';
  /** Never blank: a call log without one names no call (quarantined as schema_invalid). */
  correlationId: string;
  callUpdatesVersion: number | null;
  /** SHA-256 digest (base64url, 22 chars) of the trimmed ParticipantId: tells legs apart; unkeyed, so a pseudonym (docs/CALLS.md). */
  participantKey: string | null;
  /** Digest of the trimmed EndpointId, as participantKey. */
  endpointKey: string | null;
  endpointType: string | null;
  mediaType: string | null;
  /** StreamId as text ("14884"): only compared, never summed. */
  streamId: string | null;
  streamDirection: string | null;
  transportType: string | null;
  codecName: string | null;
  /** Milliseconds. */
  jitterAvg: number | null;
  jitterMax: number | null;
  roundTripTimeAvg: number | null;
  roundTripTimeMax: number | null;
  /** A fraction (0.1 is 10 %). */
  packetLossRateAvg: number | null;
  packetLossRateMax: number | null;
}

export type NormalizedRecord =
  RoomsOperationRecord | RecordingSummaryRecord | RecordingOperationRecord | UsageRecord | CallSummaryRecord | CallDiagnosticsRecord;

/**
 * `schema_invalid`: a field is missing or of the wrong type; `time_invalid`: the time does not read;
 * `value_out_of_range`: a number outside its documented range (normalizing/ranges.ts);
 * `time_out_of_range`: a time outside the accepted bounds (too early, or too far ahead of processing).
 */
export type NormalizeIssueCode = 'schema_invalid' | 'time_invalid' | 'value_out_of_range' | 'time_out_of_range';

/** zod-style result: a record, a quarantine-worthy failure, or a valid record of a kind not handled. */
export type NormalizeResult =
  | { success: true; record: NormalizedRecord }
  | { success: false; kind: 'invalid'; code: NormalizeIssueCode; message: string }
  | { success: false; kind: 'unsupported'; category: string };

export interface NormalizeContext {
  /** Category implied by the container or the `--category` flag, used when the record has none. */
  fileCategory?: Category;
  /** Upper-case resource id parsed from the blob path, used when the record has none. */
  resourceIdFromPath?: string;
  /**
   * Record times accepted (every time a record carries); outside them the record is `time_out_of_range`.
   * Default: DEFAULT_EARLIEST_RECORD_TIME to DEFAULT_MAX_FUTURE_MS past the moment of the call.
   */
  timeBounds?: TimeBounds;
}
