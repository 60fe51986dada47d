/**
 * Where each output field comes from: the raw field names it may have (matched in lower case, so
 * `RoomLifespan`, `RoomLifeSpan` and `roomLifespan` are one name), whether it is a common field (top
 * level wins over `properties`) or a service field (`properties` wins), and how its value is converted.
 * Personal data (CallerIpAddress, UserIdA, UserIdB) has no entry, so it is never copied. The call logs'
 * ParticipantId and EndpointId are read only to tell legs apart (views key them by a digest and never
 * store them), and their Identifier only to tell apart participants whose ids are `Redacted` (a digest
 * too; the record's schema drops it); Usage's ParticipantId is not read.
 * Built once at module load.
 */
import type { z } from 'zod';
import type { FieldLookup } from './fields.js';
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
import {
  callDiagnosticsSchema,
  callDiagnosticsUpdatesSchema,
  callSummarySchema,
  callSummaryUpdatesSchema,
  recordingOperationSchema,
  recordingSummarySchema,
  roomsOperationSchema,
  usageSchema,
} from './schemas.js';
import type { Category, NormalizedRecord } from './types.js';

export type FieldKind = 'text' | 'count' | 'amount' | 'flag' | 'time';

export interface FieldSpec {
  /** Key in the normalized record. */
  readonly key: string;
  /** Raw names, lower case, in order of preference. */
  readonly names: readonly string[];
  /** Common fields are read from the top level first, service fields from `properties` first. */
  readonly common: boolean;
  readonly kind: FieldKind;
  /** The field's name in messages (its Log Analytics column name). */
  readonly label: string;
  /** Used when the record has no value. */
  readonly fallback?: string;
  /** Numbers (count, amount): the documented range; a number outside it is `value_out_of_range`. */
  readonly range?: NumberRange;
  /**
   * The word `"null"` (any case) is read as absent: the call logs write it for missing values. Every
   * field that is not text has it (no number, flag or time is spelled so); text fields of the call logs too.
   */
  readonly nullWord?: boolean;
  /** Read only to derive another field (a redacted participant's key): the record's schema drops it. */
  readonly dropped?: boolean;
}

/** What a valid value of each kind is, for messages. */
export const KIND_EXPECTATION: Readonly<Record<FieldKind, string>> = {
  text: 'a string',
  count: 'an integer >= 0',
  amount: 'a number >= 0',
  flag: 'true or false',
  time: 'a date-time',
};

/** Raw names of the record time, top level first (storage `time`, Log Analytics `TimeGenerated`). */
export const TIME_NAMES = ['time', 'timegenerated', 'timestamp'] as const;
/** Raw names of the resource id (`_ResourceId` is the Log Analytics column). */
export const RESOURCE_ID_NAMES = ['resourceid', '_resourceid'] as const;
export const CATEGORY_NAMES = ['category'] as const;
/** The Log Analytics table name of a flat record. */
export const TYPE_NAMES = ['type'] as const;
export const OPERATION_NAME_NAMES = ['operationname'] as const;

const TIME_LOOKUP: FieldLookup = { names: TIME_NAMES, common: true };
const RESOURCE_ID_LOOKUP: FieldLookup = { names: RESOURCE_ID_NAMES, common: true };
/** Where the time and the resource id are in `CategoryPlan.lookups`; the plan's fields follow. */
export const TIME_LOOKUP_INDEX = 0;
export const RESOURCE_ID_LOOKUP_INDEX = 1;
export const FIELDS_LOOKUP_INDEX = 2;

/** A number, flag or time written `"null"` can only mean none; a text `"null"` may be a value, outside the call logs. */
function nullWordOf(kind: FieldKind): { nullWord?: true } {
  return kind === 'text' ? {} : { nullWord: true };
}

function common(key: string, label: string, kind: FieldKind = 'text', fallback?: string): FieldSpec {
  const spec: FieldSpec = { key, names: [label.toLowerCase()], common: true, kind, label, ...nullWordOf(kind) };
  return fallback === undefined ? spec : { ...spec, fallback };
}

function service(key: string, label: string, kind: FieldKind = 'text', ...aliases: string[]): FieldSpec {
  const spec: FieldSpec = { key, names: [label.toLowerCase(), ...aliases.map((a) => a.toLowerCase())], common: false, kind, label, ...nullWordOf(kind) };
  return kind === 'count' ? { ...spec, range: COUNT_RANGE } : spec;
}

function ranged(spec: FieldSpec, range: NumberRange): FieldSpec {
  return { ...spec, range };
}

function commonFields(operationNameFallback?: string): FieldSpec[] {
  return [
    common('correlationId', 'CorrelationId'),
    common('operationName', 'OperationName', 'text', operationNameFallback),
    common('operationVersion', 'OperationVersion'),
    common('resultType', 'ResultType'),
    common('resultSignature', 'ResultSignature'),
    common('level', 'Level'),
  ];
}

export interface CategoryPlan {
  readonly schema: z.ZodType<NormalizedRecord>;
  /** Every key of the schema except category, time and resourceId, in schema order. */
  readonly fields: readonly FieldSpec[];
  readonly fieldsByKey: ReadonlyMap<string, FieldSpec>;
  /** What normalizeRecord looks up, located once per record shape: the time, the resource id, `fields`. */
  readonly lookups: readonly FieldLookup[];
}

function plan(schema: z.ZodType<NormalizedRecord>, fields: FieldSpec[]): CategoryPlan {
  return {
    schema,
    fields,
    fieldsByKey: new Map(fields.map((f) => [f.key, f])),
    lookups: [TIME_LOOKUP, RESOURCE_ID_LOOKUP, ...fields],
  };
}

export const PLANS: Readonly<Record<Category, CategoryPlan>> = {
  RoomsOperational: plan(roomsOperationSchema, [
    ...commonFields(),
    service('roomId', 'RoomId'),
    ranged(service('roomLifespanMinutes', 'RoomLifespan', 'count'), LIFESPAN_RANGE),
    service('pstnDialOutEnabled', 'PstnDialOutEnabled', 'flag'),
    service('addedParticipantsCount', 'AddedRoomParticipantsCount', 'count', 'AddedParticipantsCount'),
    service('upsertedParticipantsCount', 'UpsertedRoomParticipantsCount', 'count', 'UpsertedParticipantsCount'),
    service('removedParticipantsCount', 'RemovedRoomParticipantsCount', 'count', 'RemovedParticipantsCount'),
    service('participantsCount', 'RoomParticipantsCount', 'count'),
    service('participantsAttendee', 'RoomParticipantsAttendee', 'count'),
    service('participantsConsumer', 'RoomParticipantsConsumer', 'count'),
    service('participantsPresenter', 'RoomParticipantsPresenter', 'count'),
  ]),
  CallRecordingSummary: plan(recordingSummarySchema, [
    ...commonFields('RecordingSummary'),
    service('recordingId', 'RecordingId'),
    service('recordingStartTime', 'RecordingStartTime', 'time'),
    ranged(service('recordingLengthSeconds', 'RecordingLength', 'amount'), RECORDING_SECONDS_RANGE),
    service('chunkCount', 'ChunkCount', 'count'),
    service('contentType', 'ContentType'),
    service('channelType', 'ChannelType'),
    service('formatType', 'FormatType'),
    service('audioChannelsCount', 'AudioChannelsCount', 'count'),
    service('recordingEndReason', 'RecordingEndReason'),
  ]),
  CallRecordingOperational: plan(recordingOperationSchema, [
    ...commonFields(),
    service('callConnectionId', 'CallConnectionId'),
    service('serverCallId', 'ServerCallId'),
    service('sdkType', 'SdkType'),
    service('sdkVersion', 'SdkVersion'),
    // durationMs is a top-level field of the storage format, so it is common here.
    ranged(common('durationMs', 'DurationMs', 'amount'), REQUEST_MS_RANGE),
    service('uri', 'URI'),
    // Filled from the URI when the record has no RecordingId field (see normalizeRecord.ts).
    service('recordingId', 'RecordingId'),
  ]),
  Usage: plan(usageSchema, [
    ...commonFields('Usage'),
    service('recordId', 'RecordId'),
    service('usageType', 'UsageType'),
    service('unitType', 'UnitType'),
    ranged(service('quantity', 'Quantity', 'amount'), QUANTITY_RANGE),
    service('startTime', 'StartTime', 'time'),
    service('endTime', 'EndTime', 'time'),
  ]),
  CallSummary: plan(callSummarySchema, callSummaryFields()),
  CallSummaryUpdates: plan(callSummaryUpdatesSchema, callSummaryFields()),
  CallDiagnostics: plan(callDiagnosticsSchema, callDiagnosticsFields()),
  CallDiagnosticsUpdates: plan(callDiagnosticsUpdatesSchema, callDiagnosticsFields()),
};

/** The common fields of a call log, whose CorrelationId `"null"` is absent too (then the record is quarantined: it names no call). */
function callCommonFields(operationNameFallback: string): FieldSpec[] {
  return commonFields(operationNameFallback).map((field) => (field.key === 'correlationId' ? { ...field, nullWord: true } : field));
}

/** A call-log field: `"null"` counts as absent. */
function callField(key: string, label: string, kind: FieldKind = 'text', range?: NumberRange): FieldSpec {
  const spec = { ...service(key, label, kind), nullWord: true };
  return range === undefined ? spec : { ...spec, range };
}

function callSummaryFields(): FieldSpec[] {
  return [
    ...callCommonFields('CallSummary'),
    callField('callUpdatesVersion', 'CallUpdatesVersion', 'count', UPDATES_VERSION_RANGE),
    callField('callStartTime', 'CallStartTime', 'time'),
    callField('callDurationSeconds', 'CallDuration', 'amount', CALL_SECONDS_RANGE),
    callField('callType', 'CallType'),
    callField('participantKey', 'ParticipantId'),
    callField('endpointKey', 'EndpointId'),
    callField('endpointType', 'EndpointType'),
    { ...callField('identifier', 'Identifier'), dropped: true },
    callField('participantType', 'ParticipantType'),
    callField('participantStartTime', 'ParticipantStartTime', 'time'),
    callField('participantDurationSeconds', 'ParticipantDuration', 'amount', CALL_SECONDS_RANGE),
    callField('participantEndReason', 'ParticipantEndReason'),
    callField('participantEndSubCode', 'ParticipantEndSubCode'),
    callField('resultCategory', 'ResultCategory'),
  ];
}

function callDiagnosticsFields(): FieldSpec[] {
  return [
    ...callCommonFields('CallDiagnostics'),
    callField('callUpdatesVersion', 'CallUpdatesVersion', 'count', UPDATES_VERSION_RANGE),
    callField('participantKey', 'ParticipantId'),
    callField('endpointKey', 'EndpointId'),
    callField('endpointType', 'EndpointType'),
    { ...callField('identifier', 'Identifier'), dropped: true },
    callField('mediaType', 'MediaType'),
    callField('streamId', 'StreamId'),
    callField('streamDirection', 'StreamDirection'),
    callField('transportType', 'TransportType'),
    callField('codecName', 'CodecName'),
    callField('jitterAvg', 'JitterAvg', 'amount', STREAM_MS_RANGE),
    callField('jitterMax', 'JitterMax', 'amount', STREAM_MS_RANGE),
    callField('roundTripTimeAvg', 'RoundTripTimeAvg', 'amount', STREAM_MS_RANGE),
    callField('roundTripTimeMax', 'RoundTripTimeMax', 'amount', STREAM_MS_RANGE),
    callField('packetLossRateAvg', 'PacketLossRateAvg', 'amount', LOSS_RATE_RANGE),
    callField('packetLossRateMax', 'PacketLossRateMax', 'amount', LOSS_RATE_RANGE),
  ];
}

/** Labels of the fields normalizeRecord sets itself. */
export const FIXED_FIELD_LABELS: ReadonlyMap<string, string> = new Map([
  ['category', 'category'],
  ['time', 'time'],
  ['resourceId', 'resourceId'],
]);
