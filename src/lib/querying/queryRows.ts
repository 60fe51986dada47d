/**
 * The rows each view's query returns and the health the API reports: the stable contract of the CLI
 * and the HTTP API (docs/QUERYING.md, docs/RECORDINGS.md, docs/CALLS.md, docs/RETIREMENT.md).
 * Types only, importing nothing but the types of dependency-free modules: the browser dashboard
 * imports them too (tsconfig.dashboard.json checks them without Node's types), and its bundle stays
 * free of zod and Node modules. Rows that are a stored row's values are checked against
 * their table's schema where the query reads them (`SameShape`).
 */
import type { Fate } from '../aggregating/usage/retirementFates.js';
import type { CallTimeIndexHealth } from '../aggregating/calls/callTimeIndexHealth.js';

/** `Declared`, which compiles only where it and `Derived` (e.g. a schema's output) are assignable to each other. */
export type SameShape<Declared extends Derived, Derived extends Back, Back = Declared> = Declared;

/** One row of `query rooms-operations`: the stored row without its granularity. */
export interface RoomsOperationsRow {
  resourceId: string;
  bucket: string;
  operationName: string;
  operationVersion: string | null;
  resultType: string | null;
  resultSignature: string | null;
  count: number;
}

/** One row of `query rooms`: what a stored room row tells. */
export interface RoomRow {
  resourceId: string;
  roomId: string;
  createdAt: string | null;
  lifespanMinutes: number | null;
  pstnDialOutEnabled: boolean | null;
  participantsAdded: number;
  participantsUpserted: number;
  participantsRemoved: number;
  participantsCount: number | null;
  participantsAttendee: number | null;
  participantsConsumer: number | null;
  participantsPresenter: number | null;
  operations: number;
  failedOperations: number;
  lastOperationAt: string | null;
  deletedAt: string | null;
}

/** DurationMs statistics; every field null when no operation had a duration. */
export interface DurationStats {
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One recording inside a `query calls` row. */
export interface CallRecordingItem {
  recordingId: string;
  /** False for a recording known only from operations naming it (no summary yet). */
  hasSummary: boolean;
  startTime: string | null;
  lengthSeconds: number | null;
  contentType: string | null;
  channelType: string | null;
  formatType: string | null;
  chunkCount: number | null;
  audioChannelsCount: number | null;
  endReason: string | null;
  /** Operations whose URI names this recording, by OperationName. */
  operations: Record<string, number>;
  failedOperations: number;
}

/** One row of `query calls`. */
export interface CallRow {
  correlationId: string;
  resourceId: string | null;
  recordingCount: number;
  recordingSeconds: number;
  operations: Record<string, number>;
  operationCount: number;
  failedOperations: number;
  matched: boolean;
  recordings: CallRecordingItem[];
  recordingsWithoutSummary: number;
  recordingIdsWithoutSummary: string[];
  summariesWithoutOperations: number;
  sdkTypes: string[];
  sdkVersions: string[];
  callConnectionIds: string[];
  firstOperationAt: string | null;
  lastOperationAt: string | null;
  durationMs: DurationStats;
  /** From the call logs; null or 0 for a call known only from its recordings. */
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
  /** recordingSeconds / callDurationSeconds; null while the call's duration is unknown. */
  recordingCoverage: number | null;
}

/** One row of `query recordings`. */
export interface RecordingsRow {
  bucket: string;
  resourceId: string;
  recordings: number;
  recordingSeconds: number;
  chunks: number;
  audioChannels: number;
  byFormat: Record<string, number>;
  byChannel: Record<string, number>;
  byContent: Record<string, number>;
  byEndReason: Record<string, number>;
}

/** One row of `query recording-operations`. */
export interface RecordingOperationsRow {
  bucket: string;
  resourceId: string;
  operationName: string;
  resultSignature: string | null;
  sdkType: string | null;
  count: number;
  failed: number;
  durationMs: DurationStats;
}

/** One row of `query recordings-per-call`. */
export interface RecordingsPerCallRow {
  recordings: number;
  calls: number;
}

/** One row of `query call-volume`. */
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

/** p50, p95 and max of a quality metric's Avg values, from the sketch: each within 1 % (relative). */
export interface QualityStats {
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/** One row of `query call-quality`. */
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

/** One row of `query usage`: the stored row with its sum in units. */
export interface UsageRow {
  bucket: string;
  resourceId: string;
  usageType: string;
  unitType: string;
  /** Sum of Quantity, exact to 6 decimals (summed as integer micro-units). */
  quantity: number;
  records: number;
}

/** One row of `query retirement`. */
export interface RetirementRow {
  /** `YYYY-MM` (UTC) of the usage records' time. */
  month: string;
  resourceId: string;
  usageType: string;
  unitType: string;
  /** Sum of Quantity, exact to 6 decimals. */
  quantity: number;
  records: number;
  service: string;
  fate: Fate;
  source: string;
}

export interface ContainerHealth {
  container: string;
  files: number;
  /** Files the tail still reads (not sealed). */
  openFiles: number;
  newestFile: string | null;
  newestFileSeenAt: string | null;
  /** When a file of this container last had new data processed. */
  lastProcessedAt: string | null;
  /** Time of the newest record read, no later than when it was read (a record stamped ahead does not hide the lag). */
  newestRecordAt: string | null;
  /** Seconds from the newest record read to now. */
  lagSeconds: number | null;
  /** Bytes seen in open files but not yet consumed (e.g. a partial last line), as of their last look. */
  pendingBytes: number;
  /** Records and bad lines as reading counted them. */
  records: number;
  badLines: number;
  /**
   * Records passed over as of a category not read: never read again, even by a version that reads
   * them (an older version that did not read this container's category passed over its records).
   */
  unsupported: number;
  /** Records replays applied from this container's quarantine entries (not in `records`). */
  replayedRecords: number;
  /** Quarantine entries waiting for a replay, neither applied nor dismissed (a run of bad lines is one entry). */
  quarantined: number;
  lastSweepAt: string | null;
  /** Times a file of this container was found replaced: bytes already read had changed. */
  replacements: number;
  /** The files last found replaced, newest first (at most `REPLACED_FILES_LISTED` of health.ts). */
  replacedFiles: ReplacedFile[];
  /** Files whose processing fails: retried with backoff until they read again. */
  stuckFiles: number;
}

export interface ReplacedFile {
  path: string;
  /** The generation the file is read as now (0 is the first). */
  generation: number;
  replacements: number;
  /** When it was last found replaced; null for a replacement recorded before this was kept. */
  replacedAt: string | null;
  /** What told: `shrunk`, `head` (its first bytes changed) or `tail` (the bytes before the offset changed). */
  because: string | null;
}

/** A file whose processing threw, with its last error: it holds back nothing else, but its records are not counted yet. */
export interface StuckFile {
  container: string;
  path: string;
  /** Failures in a row since the file last read cleanly. */
  failures: number;
  lastError: string;
  lastErrorCode: string;
  /** `transient` when storage was unreachable (retried at once), else `failure` (retried with backoff). */
  lastErrorKind: 'transient' | 'failure';
  firstFailedAt: string;
  lastFailedAt: string;
  /** Runs leave the file alone until then. */
  nextRetryAt: string;
}

export interface Health {
  /** `degraded` when lines wait in quarantine, files are stuck, or the logs account could not be read. */
  status: 'ok' | 'degraded';
  checkedAt: string;
  containers: ContainerHealth[];
  stuck: StuckFile[];
  /** Absent where health was not read from the tables (a report built by hand). */
  callTimeIndex?: CallTimeIndexHealth;
  /** Present when the app's logs account refused or did not answer its check (the Functions app's health only). */
  logsAccount?: { error: string };
}
