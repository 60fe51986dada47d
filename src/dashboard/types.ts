/** The rows the API returns, field by field as docs/QUERYING.md documents them. */

export interface RoomsOperationRow {
  bucket: string;
  resourceId: string;
  operationName: string;
  operationVersion: string;
  resultType: string;
  resultSignature: string;
  count: number;
}

export interface RoomRow {
  resourceId: string;
  roomId: string;
  createdAt: string | null;
  lifespanMinutes: number | null;
  pstnDialOutEnabled: boolean | null;
  participantsAdded: number;
  participantsRemoved: number;
  participantsCount: number | null;
  operations: number;
  failedOperations: number;
  lastOperationAt: string | null;
  deletedAt: string | null;
}

export interface DurationStats {
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface CallRecording {
  recordingId: string;
  hasSummary: boolean;
  startTime: string | null;
  lengthSeconds: number | null;
  contentType: string | null;
  channelType: string | null;
  formatType: string | null;
  chunkCount: number | null;
  endReason: string | null;
  operations: Record<string, number>;
  failedOperations: number;
}

export interface CallRow {
  correlationId: string;
  resourceId: string;
  recordingCount: number;
  recordingSeconds: number;
  operations: Record<string, number>;
  operationCount: number;
  failedOperations: number;
  matched: boolean;
  recordings: CallRecording[];
  recordingsWithoutSummary: number;
  summariesWithoutOperations: number;
  sdkTypes: string[];
  sdkVersions: string[];
  callConnectionIds: string[];
  firstOperationAt: string | null;
  lastOperationAt: string | null;
  durationMs: DurationStats;
  callStartTime: string | null;
  callDurationSeconds: number | null;
  callType: string | null;
  participants: number;
  participantSeconds: number;
  endpointTypes: Record<string, number>;
  endReasons: Record<string, number>;
  streams: number;
  poorStreams: number;
  impacted: boolean;
  recordingCoverage: number | null;
}

export interface CallVolumeRow {
  bucket: string;
  resourceId: string;
  calls: number;
  callSeconds: number;
  participants: number;
  participantSeconds: number;
  byCallType: Record<string, number>;
  byEndpointType: Record<string, number>;
  impactedCalls: number;
  recordedCalls: number;
}

export interface QualityStats {
  p50: number | null;
  p95: number | null;
  max: number | null;
}

export interface CallQualityRow {
  bucket: string;
  resourceId: string;
  mediaType: string;
  streams: number;
  poorStreams: number;
  jitterMs: QualityStats;
  roundTripMs: QualityStats;
  /** A fraction (0.1 is 10 %). */
  packetLoss: QualityStats;
}

export type Fate = 'retired' | 'breaking change' | 'unaffected' | 'unknown';

export interface RetirementRow {
  /** `YYYY-MM` (UTC). */
  month: string;
  resourceId: string;
  usageType: string;
  unitType: string;
  quantity: number;
  records: number;
  service: string;
  fate: Fate;
  source: string;
}

export interface RecordingsRow {
  bucket: string;
  resourceId: string;
  recordings: number;
  recordingSeconds: number;
  chunks: number;
  byFormat: Record<string, number>;
  byChannel: Record<string, number>;
  byContent: Record<string, number>;
  byEndReason: Record<string, number>;
}

export interface RecordingOperationRow {
  bucket: string;
  resourceId: string;
  operationName: string;
  resultSignature: string;
  sdkType: string;
  count: number;
  failed: number;
  durationMs: DurationStats;
}

export interface UsageRow {
  bucket: string;
  resourceId: string;
  usageType: string;
  unitType: string;
  quantity: number;
  records: number;
}

export interface RecordingsPerCallRow {
  recordings: number;
  calls: number;
}

export interface ContainerHealth {
  container: string;
  files: number;
  openFiles: number;
  records: number;
  badLines: number;
  quarantined: number;
  stuckFiles: number;
  replacements: number;
  lagSeconds: number | null;
  pendingBytes: number;
  newestRecordAt: string | null;
  lastProcessedAt: string | null;
  lastSweepAt: string | null;
}

export interface StuckFile {
  container: string;
  path: string;
  failures: number;
  lastError: string;
  firstFailedAt: string;
  lastFailedAt: string;
  nextRetryAt: string;
}

export interface Health {
  status: 'ok' | 'degraded';
  checkedAt: string;
  containers: ContainerHealth[];
  stuck: StuckFile[];
}
