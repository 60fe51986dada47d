/**
 * One zod schema per category: the exact shape of a normalized record and the rules its values obey.
 * Values reach these schemas already converted (see values.ts), so the schemas use only plain type and
 * range checks: no coercion, preprocess, transform, refinement or union, which cost per call.
 * Built once at module load. Every key is required (null when absent) so records are monomorphic.
 *
 * Each is `z.compile`d: zod generates one flat validator per schema for valid records and falls back to
 * its ordinary parser for invalid ones, so results and issues are zod's own, several times faster.
 */
import { z } from 'zod';
import {
  CALL_SECONDS_RANGE,
  COUNT_RANGE,
  LIFESPAN_RANGE,
  LOSS_RATE_RANGE,
  QUANTITY_RANGE,
  RECORDING_SECONDS_RANGE,
  REQUEST_MS_RANGE,
  STREAM_MS_RANGE,
  UPDATES_VERSION_RANGE,
  type NumberRange,
} from './ranges.js';
import type { CallDiagnosticsRecord, CallSummaryRecord, RecordingOperationRecord, RecordingSummaryRecord, RoomsOperationRecord, UsageRecord } from './types.js';

const text = z.string();
const optionalText = z.string().nullable();
/** Counts, minutes, channels: integers in COUNT_RANGE (ranges.ts). */
const optionalCount = z.number().int().min(COUNT_RANGE.min).max(COUNT_RANGE.max).nullable();
/** Seconds, milliseconds, quantities: numbers in their range (zod 4 numbers exclude NaN and Infinity). */
function amount(range: NumberRange) {
  return z.number().min(range.min).max(range.max);
}
const optionalFlag = z.boolean().nullable();
/** Epoch milliseconds, already parsed. */
const epochMs = z.number().int();
const optionalEpochMs = z.number().int().nullable();

const commonShape = {
  time: epochMs,
  resourceId: text,
  correlationId: optionalText,
  operationName: text,
  operationVersion: optionalText,
  resultType: optionalText,
  resultSignature: optionalText,
  level: optionalText,
};

export const roomsOperationSchema = z.compile(
  z.object({
    category: z.literal('RoomsOperational'),
    ...commonShape,
    roomId: optionalText,
    roomLifespanMinutes: z.number().int().min(LIFESPAN_RANGE.min).max(LIFESPAN_RANGE.max).nullable(),
    pstnDialOutEnabled: optionalFlag,
    addedParticipantsCount: optionalCount,
    upsertedParticipantsCount: optionalCount,
    removedParticipantsCount: optionalCount,
    participantsCount: optionalCount,
    participantsAttendee: optionalCount,
    participantsConsumer: optionalCount,
    participantsPresenter: optionalCount,
  }),
);

export const recordingSummarySchema = z.compile(
  z.object({
    category: z.literal('CallRecordingSummary'),
    ...commonShape,
    recordingId: text,
    recordingStartTime: optionalEpochMs,
    recordingLengthSeconds: amount(RECORDING_SECONDS_RANGE).nullable(),
    chunkCount: optionalCount,
    contentType: optionalText,
    channelType: optionalText,
    formatType: optionalText,
    audioChannelsCount: optionalCount,
    recordingEndReason: optionalText,
  }),
);

export const recordingOperationSchema = z.compile(
  z.object({
    category: z.literal('CallRecordingOperational'),
    ...commonShape,
    callConnectionId: optionalText,
    serverCallId: optionalText,
    sdkType: optionalText,
    sdkVersion: optionalText,
    durationMs: amount(REQUEST_MS_RANGE).nullable(),
    uri: optionalText,
    recordingId: optionalText,
  }),
);

export const usageSchema = z.compile(
  z.object({
    category: z.literal('Usage'),
    ...commonShape,
    recordId: optionalText,
    usageType: text,
    unitType: text,
    quantity: amount(QUANTITY_RANGE),
    startTime: optionalEpochMs,
    endTime: optionalEpochMs,
  }),
);

const updatesVersion = z.number().int().min(UPDATES_VERSION_RANGE.min).max(UPDATES_VERSION_RANGE.max).nullable();

/** A call log's CorrelationId: it names the call, so a record without one (or only spaces) reaches no view and is quarantined. */
const callId = z.string().regex(/\S/);

const callSummaryShape = {
  ...commonShape,
  correlationId: callId,
  callUpdatesVersion: updatesVersion,
  callStartTime: optionalEpochMs,
  callDurationSeconds: amount(CALL_SECONDS_RANGE).nullable(),
  callType: optionalText,
  participantKey: optionalText,
  endpointKey: optionalText,
  endpointType: optionalText,
  participantType: optionalText,
  participantStartTime: optionalEpochMs,
  participantDurationSeconds: amount(CALL_SECONDS_RANGE).nullable(),
  participantEndReason: optionalText,
  participantEndSubCode: optionalText,
  resultCategory: optionalText,
};

export const callSummarySchema = z.compile(z.object({ category: z.literal('CallSummary'), ...callSummaryShape }));
export const callSummaryUpdatesSchema = z.compile(z.object({ category: z.literal('CallSummaryUpdates'), ...callSummaryShape }));

const streamMs = amount(STREAM_MS_RANGE).nullable();
const lossRate = amount(LOSS_RATE_RANGE).nullable();

const callDiagnosticsShape = {
  ...commonShape,
  correlationId: callId,
  callUpdatesVersion: updatesVersion,
  participantKey: optionalText,
  endpointKey: optionalText,
  endpointType: optionalText,
  mediaType: optionalText,
  streamId: optionalText,
  streamDirection: optionalText,
  transportType: optionalText,
  codecName: optionalText,
  jitterAvg: streamMs,
  jitterMax: streamMs,
  roundTripTimeAvg: streamMs,
  roundTripTimeMax: streamMs,
  packetLossRateAvg: lossRate,
  packetLossRateMax: lossRate,
};

export const callDiagnosticsSchema = z.compile(z.object({ category: z.literal('CallDiagnostics'), ...callDiagnosticsShape }));
export const callDiagnosticsUpdatesSchema = z.compile(z.object({ category: z.literal('CallDiagnosticsUpdates'), ...callDiagnosticsShape }));

// Compile-time proof that each schema produces exactly its output type from types.ts.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchTypes: [
  Same<z.output<typeof roomsOperationSchema>, RoomsOperationRecord>,
  Same<z.output<typeof recordingSummarySchema>, RecordingSummaryRecord>,
  Same<z.output<typeof recordingOperationSchema>, RecordingOperationRecord>,
  Same<z.output<typeof usageSchema>, UsageRecord>,
  Same<z.output<typeof callSummarySchema> | z.output<typeof callSummaryUpdatesSchema>, CallSummaryRecord>,
  Same<z.output<typeof callDiagnosticsSchema> | z.output<typeof callDiagnosticsUpdatesSchema>, CallDiagnosticsRecord>,
] = [true, true, true, true, true, true];
void schemasMatchTypes;
