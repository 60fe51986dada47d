/**
 * The Calls table's rows the queries read, as the calls view writes them: the call row
 * (callRowEncoding.ts) and the recording rows `s|…` (callRows.ts). Operation and call-log rows are
 * read only by the view itself, when it recomputes a call (a leg row's streams through
 * legStreams.ts's decodeLegStreams, which refuses what does not read). A partition written by older versions
 * may hold a `~seq` row instead of the call row's `appliedRecords` (processing/highWaterMarkRows.ts).
 */
import { z } from 'zod';
import { readStrings } from '../rowValues.js';
import { storedAmount, storedCount, storedCounts, storedEncoded, storedOptionalNumber, storedOptionalText } from '../rowSchemas.js';
import { SUMMARY_MARKS_FIELD, SUMMARY_PENDING_FIELD, SUMMARY_SEQUENCE_FIELD } from '../types.js';
import { decodeQuality } from './callQuality.js';
import type { RecordingFacts } from './callSummary.js';

/** A JSON list of strings (capped, see callRowEncoding.ts). */
const storedStrings = storedEncoded(readStrings);

/** The call row (`call`): the call's facts, its counts and capped sets; call-log fields only once the call has call logs. */
export const callRowSchema = z.object({
  correlationId: z.string(),
  resourceId: storedOptionalText,
  recordingCount: storedCount.default(0),
  recordingMs: storedAmount.default(0),
  recordingsWithoutSummary: storedCount.default(0),
  summariesWithoutOperations: storedCount.default(0),
  operationCount: storedCount.default(0),
  operations: storedCounts,
  failedOperations: storedCount.default(0),
  sdkTypes: storedStrings,
  sdkVersions: storedStrings,
  callConnectionIds: storedStrings,
  /** How many values the sets had before they were capped. */
  sdkTypeCount: storedCount.default(0),
  sdkVersionCount: storedCount.default(0),
  callConnectionIdCount: storedCount.default(0),
  firstOperationAt: storedOptionalText,
  lastOperationAt: storedOptionalText,
  firstAt: storedOptionalText,
  lastAt: storedOptionalText,
  matched: z.boolean().default(false),
  callStartTime: storedOptionalText,
  callDurationMs: storedOptionalNumber,
  callType: storedOptionalText,
  participants: storedCount.default(0),
  participantMs: storedAmount.default(0),
  endpointTypes: storedCounts,
  endReasons: storedCounts,
  streams: storedCount.default(0),
  poorStreams: storedCount.default(0),
  impacted: z.boolean().default(false),
  recordingCoverage: storedOptionalNumber,
  quality: storedEncoded(decodeQuality),
  durationCount: storedCount.default(0),
  durationSumUs: storedAmount.default(0),
  durationMinMs: storedAmount.default(0),
  durationMaxMs: storedAmount.default(0),
  durationP50Ms: storedAmount.default(0),
  durationP95Ms: storedAmount.default(0),
  durationP99Ms: storedAmount.default(0),
  /** Some maps or sets were capped: the query recounts the call from its whole partition. */
  truncated: z.boolean().default(false),
  /** Records applied to the partition so far (the exactly-once applier's sequence). */
  [SUMMARY_SEQUENCE_FIELD]: storedCount.optional(),
  /** The partition's high-water marks (the exactly-once applier's, processing/highWaterMarkRows.ts). */
  [SUMMARY_MARKS_FIELD]: z.string().optional(),
  /** Records applied to the partition's rows that this row does not reflect yet (a long write under way, or cut short). */
  [SUMMARY_PENDING_FIELD]: storedCount.optional(),
});

export type CallStoredRow = z.output<typeof callRowSchema>;

/** What a call contributes to call-volume and call-quality is read from these (callContribution.ts): not the sets it does not need. */
export const callContributionFieldsSchema = callRowSchema.pick({
  callStartTime: true,
  resourceId: true,
  callDurationMs: true,
  participants: true,
  participantMs: true,
  callType: true,
  endpointTypes: true,
  impacted: true,
  recordingCount: true,
  quality: true,
});

export type CallContributionFields = z.output<typeof callContributionFieldsSchema>;

/** What `query recordings-per-call` reads of a call row. */
export const callRecordingCountSchema = callRowSchema.pick({ recordingCount: true, resourceId: true });

/** What the time index reads of a call row (callTimeIndex.ts). */
export const callFirstAtSchema = callRowSchema.pick({ firstAt: true });

/** A recording's row (`s|<recording id>`), read as the recording's facts. */
export const recordingRowSchema = z
  .object({
    recordingId: z.string(),
    correlationId: z.string(),
    resourceId: z.string(),
    hasSummary: z.boolean().default(false),
    /** The latest summary's time and content digest: which summary wins, in any order. */
    summaryAt: storedOptionalText,
    summaryDigest: storedOptionalText,
    startTime: storedOptionalText,
    lengthMs: storedOptionalNumber,
    contentType: storedOptionalText,
    channelType: storedOptionalText,
    formatType: storedOptionalText,
    chunkCount: storedOptionalNumber,
    audioChannelsCount: storedOptionalNumber,
    endReason: storedOptionalText,
    operations: storedCounts,
    operationCount: storedCount.default(0),
    failedOperations: storedCount.default(0),
  })
  .transform((row): RecordingFacts => ({
    recordingId: row.recordingId,
    hasSummary: row.hasSummary,
    startTime: row.startTime,
    lengthMs: row.lengthMs,
    contentType: row.contentType,
    channelType: row.channelType,
    formatType: row.formatType,
    chunkCount: row.chunkCount,
    audioChannelsCount: row.audioChannelsCount,
    endReason: row.endReason,
    operations: row.operations,
    operationCount: row.operationCount,
    failedOperations: row.failedOperations,
  }));
