import { describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeResult } from '../../src/lib/normalizing/index.js';

function recordOf(result: NormalizeResult) {
  if (!result.success) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.record;
}

const LA_RESOURCE_ID = '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg/providers/microsoft.communication/communicationservices/acs1';

describe('flat Log Analytics records, category from Type', () => {
  it('ACSRoomsIncomingOperations, RoomLifeSpan spelling, _ResourceId', () => {
    const raw = {
      TenantId: '11111111-1111-1111-1111-111111111111',
      TimeGenerated: '2024-05-25T04:32:49.4693371Z',
      CorrelationId: 'c1',
      Level: 'Informational',
      OperationName: 'AddParticipants',
      OperationVersion: '2024-04-15',
      ResultType: 'Succeeded',
      ResultSignature: '201',
      RoomId: 'room-1',
      RoomLifeSpan: 60,
      PstnDialOutEnabled: 'true',
      AddedRoomParticipantsCount: 3,
      RoomParticipantsCount: 3,
      Type: 'ACSRoomsIncomingOperations',
      _ResourceId: LA_RESOURCE_ID,
    };
    expect(recordOf(normalizeRecord(raw, {}))).toStrictEqual({
      category: 'RoomsOperational',
      time: Date.UTC(2024, 4, 25, 4, 32, 49, 469),
      resourceId: LA_RESOURCE_ID.toUpperCase(),
      correlationId: 'c1',
      operationName: 'AddParticipants',
      operationVersion: '2024-04-15',
      resultType: 'Succeeded',
      resultSignature: '201',
      level: 'Informational',
      roomId: 'room-1',
      roomLifespanMinutes: 60,
      pstnDialOutEnabled: true,
      addedParticipantsCount: 3,
      upsertedParticipantsCount: null,
      removedParticipantsCount: null,
      participantsCount: 3,
      participantsAttendee: null,
      participantsConsumer: null,
      participantsPresenter: null,
    });
  });

  it('ACSCallRecordingSummary', () => {
    const raw = {
      TimeGenerated: '5/25/2024, 4:32:49.469 PM',
      OperationName: 'RecordingSummary',
      CorrelationId: 'call-1',
      ResultType: 'Succeeded',
      Level: 'Informational',
      RecordingId: 'rec-9',
      RecordingEndReason: 'CallEnded',
      RecordingStartTime: '5/25/2024, 4:02:49.000 PM',
      RecordingLength: 1800,
      ChunkCount: 1,
      ContentType: 'Audio Only',
      ChannelType: 'mixed',
      FormatType: 'mp3',
      AudioChannelsCount: 1,
      Type: 'ACSCallRecordingSummary',
    };
    expect(recordOf(normalizeRecord(raw, {}))).toStrictEqual({
      category: 'CallRecordingSummary',
      time: Date.UTC(2024, 4, 25, 16, 32, 49, 469),
      resourceId: 'unknown',
      correlationId: 'call-1',
      operationName: 'RecordingSummary',
      operationVersion: null,
      resultType: 'Succeeded',
      resultSignature: null,
      level: 'Informational',
      recordingId: 'rec-9',
      recordingStartTime: Date.UTC(2024, 4, 25, 16, 2, 49, 0),
      recordingLengthSeconds: 1800,
      chunkCount: 1,
      contentType: 'Audio Only',
      channelType: 'mixed',
      formatType: 'mp3',
      audioChannelsCount: 1,
      recordingEndReason: 'CallEnded',
    });
  });

  it('ACSCallRecordingIncomingOperations: Type decides even when the operation name does not say Recording', () => {
    const raw = {
      TimeGenerated: '2024-05-25T04:32:49.100Z',
      Level: 'Informational',
      CorrelationId: 'call-2',
      OperationName: 'Pause',
      OperationVersion: '2023-03-06',
      URI: 'https://acs1.communication.azure.com/calling/recordings/rec-7:pause?api-version=2023-03-06',
      ResultType: 'Succeeded',
      ResultSignature: 202,
      DurationMs: 130,
      CallerIpAddress: '198.51.100.23',
      CallConnectionId: 'conn-2',
      ServerCallId: 'server-2',
      SdkVersion: '1.0.0',
      SdkType: 'dotnet',
      Type: 'ACSCallRecordingIncomingOperations',
    };
    expect(recordOf(normalizeRecord(raw, {}))).toStrictEqual({
      category: 'CallRecordingOperational',
      time: Date.UTC(2024, 4, 25, 4, 32, 49, 100),
      resourceId: 'unknown',
      correlationId: 'call-2',
      operationName: 'Pause',
      operationVersion: '2023-03-06',
      resultType: 'Succeeded',
      resultSignature: '202',
      level: 'Informational',
      callConnectionId: 'conn-2',
      serverCallId: 'server-2',
      sdkType: 'dotnet',
      sdkVersion: '1.0.0',
      durationMs: 130,
      uri: 'https://acs1.communication.azure.com/calling/recordings/rec-7:pause?api-version=2023-03-06',
      recordingId: 'rec-7',
    });
  });

  it('ACSBillingUsage: personal ids dropped, Quantity as a string', () => {
    const raw = {
      TimeGenerated: '2024-05-25T05:00:00.0000000Z',
      CorrelationId: 'corr-3',
      OperationName: 'CallingUsage',
      OperationVersion: '1.0',
      Category: 'Usage',
      RecordId: 'record-3',
      UsageType: 'Calling',
      UnitType: 'Minute',
      Quantity: '2.5',
      StartTime: '2024-05-25T04:57:30Z',
      EndTime: '2024-05-25T05:00:00Z',
      ParticipantId: 'participant-secret',
      UserIdA: 'user-a-secret',
      UserIdB: 'user-b-secret',
      Type: 'ACSBillingUsage',
    };
    expect(recordOf(normalizeRecord(raw, {}))).toStrictEqual({
      category: 'Usage',
      time: Date.UTC(2024, 4, 25, 5, 0, 0, 0),
      resourceId: 'unknown',
      correlationId: 'corr-3',
      operationName: 'CallingUsage',
      operationVersion: '1.0',
      resultType: null,
      resultSignature: null,
      level: null,
      recordId: 'record-3',
      usageType: 'Calling',
      unitType: 'Minute',
      quantity: 2.5,
      startTime: Date.UTC(2024, 4, 25, 4, 57, 30),
      endTime: Date.UTC(2024, 4, 25, 5, 0, 0),
    });
  });
});

describe('flat records without Type: category inferred from the fields present', () => {
  const time = '2024-05-25T04:32:49Z';

  it('RoomId, or any Room* field, means Rooms', () => {
    expect(recordOf(normalizeRecord({ TimeGenerated: time, OperationName: 'GetRoom', RoomId: 'r' }, {})).category).toBe('RoomsOperational');
    expect(recordOf(normalizeRecord({ TimeGenerated: time, OperationName: 'X', RoomParticipantsCount: 2 }, {})).category).toBe('RoomsOperational');
    expect(recordOf(normalizeRecord({ TimeGenerated: time, OperationName: 'X', AddedRoomParticipantsCount: 2 }, {})).category).toBe('RoomsOperational');
  });

  it('RecordingId with RecordingLength, ChunkCount or ContentType means a recording summary', () => {
    for (const field of ['RecordingLength', 'ChunkCount', 'ContentType']) {
      const value = field === 'ContentType' ? 'Audio Only' : 1;
      const raw = { TimeGenerated: time, RecordingId: 'r', [field]: value };
      expect(recordOf(normalizeRecord(raw, {})).category).toBe('CallRecordingSummary');
    }
  });

  it('URI, CallConnectionId or SdkType with a recording operation name means a recording operation', () => {
    for (const field of ['URI', 'CallConnectionId', 'SdkType']) {
      const raw = { TimeGenerated: time, OperationName: 'StopRecording', [field]: 'x' };
      expect(recordOf(normalizeRecord(raw, {})).category).toBe('CallRecordingOperational');
    }
  });

  it('the same fields with another operation name (a Call Automation request) cannot be told', () => {
    const raw = { TimeGenerated: time, OperationName: 'AnswerCall', CallConnectionId: 'c', URI: 'https://x/calling/callConnections' };
    expect(normalizeRecord(raw, {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: 'cannot tell the log category: the record names none, nor does its file (give --category to process or quarantine replay)',
    });
  });

  it('UsageType, UnitType or Quantity means usage', () => {
    for (const field of ['UsageType', 'UnitType', 'Quantity']) {
      const raw = { TimeGenerated: time, [field]: 'x' };
      const result = normalizeRecord(raw, {});
      // Usage is recognized; the record then lacks the other required usage fields.
      expect(result).toMatchObject({ success: false, kind: 'invalid', code: 'schema_invalid' });
      expect(result.success === false && result.kind === 'invalid' && result.message).not.toBe(
        'cannot tell the log category: the record names none, nor does its file (give --category to process or quarantine replay)',
      );
    }
    const full = { TimeGenerated: time, UsageType: 'Chat', UnitType: 'Message', Quantity: 1 };
    expect(recordOf(normalizeRecord(full, {})).category).toBe('Usage');
  });
});

describe('records exported from the Log Analytics portal', () => {
  // The portal's export names every datetime column with its zone, `TimeGenerated [UTC]`, and writes
  // its value in the display form (Call Automation logs sample, MicrosoftDocs/azure-docs
  // articles/communication-services/concepts/analytics/logs/call-automation-logs.md).
  it('reads `TimeGenerated [UTC]` and the other `[UTC]` datetime columns as the columns themselves', () => {
    const operation = {
      'TimeGenerated [UTC]': '5/25/2023, 11:55:40.746 PM',
      Level: 'Informational',
      CorrelationId: 'e2a97d52-0cbb-4adf-8c4b-e10f791fb764',
      OperationName: 'ResumeCallRecording',
      OperationVersion: '2023-03-06',
      URI: 'https://acs.communication.azure.com/calling/recordings/rec-1:resume?api-version=2023-03-06',
      ResultType: 'Succeeded',
      ResultSignature: '202',
      DurationMs: '82',
      CallConnectionId: '401f3500-fcb6-4b84-927e-81cd6372560b',
      SdkType: 'unknown',
      Type: 'ACSCallRecordingIncomingOperations',
    };
    expect(recordOf(normalizeRecord(operation, {}))).toMatchObject({
      category: 'CallRecordingOperational',
      time: Date.UTC(2023, 4, 25, 23, 55, 40, 746),
      recordingId: 'rec-1',
      durationMs: 82,
    });
    const summary = {
      'TimeGenerated [UTC]': '5/25/2023, 11:59:00.000 PM',
      OperationName: 'RecordingSummary',
      CorrelationId: 'e2a97d52-0cbb-4adf-8c4b-e10f791fb764',
      RecordingId: 'rec-1',
      'RecordingStartTime [UTC]': '5/25/2023, 11:50:00.500 PM',
      RecordingLength: 73.94,
      Type: 'ACSCallRecordingSummary',
    };
    expect(recordOf(normalizeRecord(summary, {}))).toMatchObject({
      time: Date.UTC(2023, 4, 25, 23, 59, 0, 0),
      recordingStartTime: Date.UTC(2023, 4, 25, 23, 50, 0, 500),
    });
    const usage = {
      'TimeGenerated [UTC]': '5/25/2023, 4:40:00.000 AM',
      UsageType: 'Audio',
      UnitType: 'Minute',
      Quantity: 2.5,
      'StartTime [UTC]': '5/25/2023, 4:30:00.000 AM',
      'EndTime [UTC]': '5/25/2023, 4:32:30.000 AM',
      Type: 'ACSBillingUsage',
    };
    expect(recordOf(normalizeRecord(usage, {}))).toMatchObject({
      time: Date.UTC(2023, 4, 25, 4, 40),
      startTime: Date.UTC(2023, 4, 25, 4, 30),
      endTime: Date.UTC(2023, 4, 25, 4, 32, 30),
    });
  });
});

describe("the Log Analytics query API's answer, taken for records", () => {
  const answer = {
    tables: [
      {
        name: 'PrimaryResult',
        columns: [
          { name: 'TimeGenerated', type: 'datetime' },
          { name: 'OperationName', type: 'string' },
        ],
        rows: [['2024-05-25T04:32:49.469Z', 'CreateRoom']],
      },
    ],
  };

  it('is refused with what it is and what to save instead, with or without the category of its file', () => {
    for (const result of [normalizeRecord(answer, {}), normalizeRecord(answer, { fileCategory: 'RoomsOperational' })]) {
      expect(result).toMatchObject({ success: false, code: 'schema_invalid' });
      expect(JSON.stringify(result)).toContain('a Log Analytics query API answer');
      expect(JSON.stringify(result)).toContain('az monitor log-analytics query');
    }
  });
});

describe('a Log Analytics portal export in local time', () => {
  it('is refused saying its zone is unknown and how to export in UTC; the same export in UTC is read', () => {
    const exported = (zone: string) => ({
      [`TimeGenerated [${zone}]`]: '7/16/2026, 8:26:12.030 PM',
      OperationName: 'CreateRoom',
      ResultType: 'Succeeded',
      RoomId: 'room-1',
      Type: 'ACSRoomsIncomingOperations',
      _ResourceId: LA_RESOURCE_ID,
    });
    const local = normalizeRecord(exported('Local Time'), {});
    expect(local).toMatchObject({ success: false, code: 'time_invalid' });
    expect(JSON.stringify(local)).toContain('display time zone set to UTC');
    expect(recordOf(normalizeRecord(exported('UTC'), {})).time).toBe(Date.UTC(2026, 6, 16, 20, 26, 12, 30));
  });
});
