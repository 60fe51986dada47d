import { describe, expect, it } from 'vitest';
import { normalizeRecord, type Category, type NormalizedRecord } from '../../src/lib/normalizing/index.js';
import { PLANS } from '../../src/lib/normalizing/mapping.js';
import {
  callDiagnosticsSchema,
  callDiagnosticsUpdatesSchema,
  callSummarySchema,
  callSummaryUpdatesSchema,
  recordingOperationSchema,
  recordingSummarySchema,
  roomsOperationSchema,
  usageSchema,
} from '../../src/lib/normalizing/schemas.js';

const COMMON = ['category', 'time', 'resourceId', 'correlationId', 'operationName', 'operationVersion', 'resultType', 'resultSignature', 'level'];

const CALL_SUMMARY_KEYS = [
  'callUpdatesVersion',
  'callStartTime',
  'callDurationSeconds',
  'callType',
  'participantKey',
  'endpointKey',
  'endpointType',
  'participantType',
  'participantStartTime',
  'participantDurationSeconds',
  'participantEndReason',
  'participantEndSubCode',
  'resultCategory',
];
const CALL_DIAGNOSTICS_KEYS = [
  'callUpdatesVersion',
  'participantKey',
  'endpointKey',
  'endpointType',
  'mediaType',
  'streamId',
  'streamDirection',
  'transportType',
  'codecName',
  'jitterAvg',
  'jitterMax',
  'roundTripTimeAvg',
  'roundTripTimeMax',
  'packetLossRateAvg',
  'packetLossRateMax',
];

const KEYS: Record<Category, string[]> = {
  RoomsOperational: [
    ...COMMON,
    'roomId',
    'roomLifespanMinutes',
    'pstnDialOutEnabled',
    'addedParticipantsCount',
    'upsertedParticipantsCount',
    'removedParticipantsCount',
    'participantsCount',
    'participantsAttendee',
    'participantsConsumer',
    'participantsPresenter',
  ],
  CallRecordingSummary: [
    ...COMMON,
    'recordingId',
    'recordingStartTime',
    'recordingLengthSeconds',
    'chunkCount',
    'contentType',
    'channelType',
    'formatType',
    'audioChannelsCount',
    'recordingEndReason',
  ],
  CallRecordingOperational: [...COMMON, 'callConnectionId', 'serverCallId', 'sdkType', 'sdkVersion', 'durationMs', 'uri', 'recordingId'],
  Usage: [...COMMON, 'recordId', 'usageType', 'unitType', 'quantity', 'startTime', 'endTime'],
  CallSummary: [...COMMON, ...CALL_SUMMARY_KEYS],
  CallSummaryUpdates: [...COMMON, ...CALL_SUMMARY_KEYS],
  CallDiagnostics: [...COMMON, ...CALL_DIAGNOSTICS_KEYS],
  CallDiagnosticsUpdates: [...COMMON, ...CALL_DIAGNOSTICS_KEYS],
};

const PERSONAL = {
  callerIpAddress: '203.0.113.99',
  CallerIpAddress: '198.51.100.99',
  ParticipantId: 'participant-personal',
  UserIdA: 'user-a-personal',
  UserIdB: 'user-b-personal',
  participantId: 'participant-personal-2',
  userIdA: 'user-a-personal-2',
  userIdB: 'user-b-personal-2',
};

const MINIMAL: Record<Category, Record<string, unknown>> = {
  RoomsOperational: { OperationName: 'ListRooms' },
  CallRecordingSummary: { RecordingId: 'r' },
  CallRecordingOperational: { OperationName: 'StartRecording' },
  Usage: { UsageType: 'Calling', UnitType: 'Minute', Quantity: 1 },
  // A call log names its call: without a CorrelationId it is quarantined (test/normalizing/callLogs.test.ts).
  CallSummary: { CallType: 'Group', CorrelationId: 'c' },
  CallSummaryUpdates: { CallUpdatesVersion: '2', correlationId: 'c' },
  CallDiagnostics: { MediaType: 'Audio', CORRELATIONID: 'c' },
  CallDiagnosticsUpdates: { callupdatesversion: 1, CorrelationId: 'c' },
};

const FULL_CALL_SUMMARY = {
  CorrelationId: 'c',
  CallStartTime: '2024-01-01T00:00:00Z',
  CallDuration: 87,
  CallType: 'Group',
  EndpointId: 'e',
  EndpointType: 'VoIP',
  ParticipantType: 'ACS',
  ParticipantStartTime: '2024-01-01T00:00:04Z',
  ParticipantDuration: '82',
  ParticipantEndReason: '0',
  ParticipantEndSubCode: '0',
  ResultCategory: 'Success',
};
const FULL_CALL_DIAGNOSTICS = {
  CorrelationId: 'c',
  EndpointId: 'e',
  EndpointType: 'VoIP',
  MediaType: 'Audio',
  StreamId: '14884',
  StreamDirection: 'Inbound',
  TransportType: 'UDP',
  CodecName: 'OPUS',
  JitterAvg: '0',
  JitterMax: 1,
  RoundTripTimeAvg: '46',
  RoundTripTimeMax: 48,
  PacketLossRateAvg: '3.146336E-05',
  PacketLossRateMax: 0,
};

const FULL: Record<Category, Record<string, unknown>> = {
  RoomsOperational: {
    OperationName: 'CreateRoom',
    RoomId: 'r',
    RoomLifespan: 1,
    PstnDialOutEnabled: true,
    AddedRoomParticipantsCount: 1,
    UpsertedRoomParticipantsCount: 1,
    RemovedRoomParticipantsCount: 1,
    RoomParticipantsCount: 1,
    RoomParticipantsAttendee: 1,
    RoomParticipantsConsumer: 1,
    RoomParticipantsPresenter: 1,
  },
  CallRecordingSummary: {
    RecordingId: 'r',
    RecordingStartTime: '2024-01-01T00:00:00Z',
    RecordingLength: 1,
    ChunkCount: 1,
    ContentType: 'c',
    ChannelType: 'c',
    FormatType: 'f',
    AudioChannelsCount: 1,
    RecordingEndReason: 'e',
  },
  CallRecordingOperational: {
    OperationName: 'StopRecording',
    CallConnectionId: 'c',
    ServerCallId: 's',
    SdkType: 't',
    SdkVersion: 'v',
    DurationMs: 1,
    URI: 'https://x/calling/recordings/r:stop',
  },
  Usage: {
    RecordId: 'id',
    UsageType: 'Calling',
    UnitType: 'Minute',
    Quantity: 1,
    StartTime: '2024-01-01T00:00:00Z',
    EndTime: '2024-01-01T00:01:00Z',
  },
  CallSummary: { CallUpdatesVersion: 0, ...FULL_CALL_SUMMARY },
  CallSummaryUpdates: { callUpdatesVersion: '3', ...FULL_CALL_SUMMARY },
  CallDiagnostics: { CALLUPDATESVERSION: 0, ...FULL_CALL_DIAGNOSTICS },
  CallDiagnosticsUpdates: { callupdatesversion: '2', ...FULL_CALL_DIAGNOSTICS },
};

function normalized(raw: Record<string, unknown>): NormalizedRecord {
  const result = normalizeRecord(raw, {});
  if (!result.success) throw new Error(JSON.stringify(result));
  return result.record;
}

/** The same record as a flat record, a storage-format record and one with properties as a string. */
function shapes(category: Category, fields: Record<string, unknown>): Record<string, unknown>[] {
  return [
    { TimeGenerated: '2024-01-01T00:00:00Z', Category: category, ...fields, ...PERSONAL },
    { time: '2024-01-01T00:00:00Z', category, callerIpAddress: PERSONAL.callerIpAddress, properties: { ...fields, ...PERSONAL } },
    { time: '2024-01-01T00:00:00Z', category, properties: JSON.stringify({ ...fields, ...PERSONAL }) },
  ];
}

const CATEGORIES = Object.keys(KEYS) as Category[];

describe('output shape', () => {
  for (const category of CATEGORIES) {
    it(`${category}: exactly the keys of the output type, in one order, whatever the input shape`, () => {
      for (const fields of [MINIMAL[category], FULL[category]]) {
        for (const raw of shapes(category, fields)) {
          const record = normalized(raw);
          expect(record.category).toBe(category);
          expect(Object.keys(record)).toEqual(KEYS[category]);
          for (const value of Object.values(record)) expect(value).not.toBeUndefined();
        }
      }
    });

    it(`${category}: FULL fills every field`, () => {
      const common = { CorrelationId: 'c', OperationVersion: 'v', ResultType: 'Succeeded', ResultSignature: 200, Level: 'Informational' };
      for (const value of Object.values(normalized(shapes(category, { ...common, ...FULL[category] })[0]!))) {
        expect(value).not.toBeNull();
      }
    });

    it(`${category}: personal data does not appear in the output`, () => {
      for (const raw of shapes(category, FULL[category])) {
        const record = normalized(raw) as unknown as Record<string, unknown>;
        for (const key of Object.keys(record)) {
          expect(key.toLowerCase()).not.toMatch(/callerip|participantid|userid/);
        }
        const text = JSON.stringify(record);
        for (const value of Object.values(PERSONAL)) expect(text).not.toContain(value);
      }
    });
  }

  it('the field tables and the zod schemas list the same keys in the same order', () => {
    const schemas = {
      RoomsOperational: roomsOperationSchema,
      CallRecordingSummary: recordingSummarySchema,
      CallRecordingOperational: recordingOperationSchema,
      Usage: usageSchema,
      CallSummary: callSummarySchema,
      CallSummaryUpdates: callSummaryUpdatesSchema,
      CallDiagnostics: callDiagnosticsSchema,
      CallDiagnosticsUpdates: callDiagnosticsUpdatesSchema,
    };
    for (const category of CATEGORIES) {
      expect(Object.keys(schemas[category].shape)).toEqual(KEYS[category]);
      // A field read only to derive another one is not in the output.
      const output = PLANS[category].fields.filter((f) => f.dropped !== true);
      expect(['category', 'time', 'resourceId', ...output.map((f) => f.key)]).toEqual(KEYS[category]);
    }
  });
});
