import { describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeResult } from '../../src/lib/normalizing/index.js';
import { seedObject, seedObjects, seedValues } from './lenientJson.js';
import {
  RECORDING_INCOMING_OPERATION,
  RECORDING_SUMMARY_HEADER,
  RECORDING_SUMMARY_MANY_RECORDINGS,
  RECORDING_SUMMARY_ONE_RECORDING,
  ROOMS_CREATE_ROOM,
  ROOMS_DELETE_ROOM,
  ROOMS_GET_ROOM,
  ROOMS_LIST_ROOMS,
  ROOMS_UPDATE_PARTICIPANTS,
  ROOMS_UPDATE_ROOM,
} from './seeds.js';

function recordOf(result: NormalizeResult) {
  if (!result.success) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.record;
}

describe('the seed examples are read with their values and types as written', () => {
  it('keeps numbers as numbers and strings as strings', () => {
    expect(seedObject(ROOMS_CREATE_ROOM)['ResultSignature']).toBe(201);
    expect(seedObject(ROOMS_GET_ROOM)['ResultSignature']).toBe('200');
    expect(seedObject(RECORDING_SUMMARY_ONE_RECORDING)['RecordingLength']).toBe('73872.94');
    expect(seedObjects(RECORDING_SUMMARY_MANY_RECORDINGS).map((o) => o['RecordingLength'])).toEqual([3.34, 2.7]);
    expect(seedObject(ROOMS_CREATE_ROOM)['PstnDialOutEnabled']).toBe(false);
    expect(seedValues(RECORDING_SUMMARY_HEADER)).toEqual([{ operationName: 'Call Recording Summary', operationVersion: '1.0', category: 'RecordingSummary' }]);
  });
});

describe('Rooms seed examples (flat Log Analytics records)', () => {
  it('CreateRoom: US time with AM, ResultSignature as a number, category inferred from RoomId', () => {
    expect(recordOf(normalizeRecord(seedObject(ROOMS_CREATE_ROOM), {}))).toStrictEqual({
      category: 'RoomsOperational',
      time: Date.UTC(2023, 4, 25, 4, 32, 49, 469),
      resourceId: 'unknown',
      correlationId: 'Y4x6ZabFE0+E8ERwMpd68w',
      operationName: 'CreateRoom',
      operationVersion: '2023-10-30-preview',
      resultType: 'Succeeded',
      resultSignature: '201',
      level: 'Informational',
      roomId: '99466898241024408',
      roomLifespanMinutes: 61,
      pstnDialOutEnabled: false,
      addedParticipantsCount: 4,
      upsertedParticipantsCount: null,
      removedParticipantsCount: null,
      participantsCount: null,
      participantsAttendee: null,
      participantsConsumer: null,
      participantsPresenter: null,
    });
  });

  it('UpdateParticipants: upserted and removed counts', () => {
    const context = {
      fileCategory: 'RoomsOperational' as const,
      resourceIdFromPath: '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS1',
    };
    expect(recordOf(normalizeRecord(seedObject(ROOMS_UPDATE_PARTICIPANTS), context))).toStrictEqual({
      category: 'RoomsOperational',
      time: Date.UTC(2023, 3, 14, 17, 7, 30, 539),
      resourceId: '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS1',
      correlationId: 'zHT8snnUMkaXCRDFfjQDJw',
      operationName: 'UpdateParticipants',
      operationVersion: '2023-10-30-preview',
      resultType: 'Succeeded',
      resultSignature: '200',
      level: 'Informational',
      roomId: '99466387192310000',
      roomLifespanMinutes: 121,
      pstnDialOutEnabled: null,
      addedParticipantsCount: null,
      upsertedParticipantsCount: 5,
      removedParticipantsCount: 1,
      participantsCount: null,
      participantsAttendee: null,
      participantsConsumer: null,
      participantsPresenter: null,
    });
  });

  it('GetRoom: 7 fractional digits, ResultSignature as a string', () => {
    expect(recordOf(normalizeRecord(seedObject(ROOMS_GET_ROOM), {}))).toStrictEqual({
      category: 'RoomsOperational',
      time: Date.UTC(2022, 7, 19, 17, 7, 30, 240),
      resourceId: 'unknown',
      correlationId: 'CNiZIX7fvkumtBSpFq7fxg',
      operationName: 'GetRoom',
      operationVersion: '2023-10-30-preview',
      resultType: 'Succeeded',
      resultSignature: '200',
      level: 'Informational',
      roomId: '99466387192310000',
      roomLifespanMinutes: 61,
      pstnDialOutEnabled: null,
      addedParticipantsCount: null,
      upsertedParticipantsCount: null,
      removedParticipantsCount: null,
      participantsCount: null,
      participantsAttendee: null,
      participantsConsumer: null,
      participantsPresenter: null,
    });
  });

  it('UpdateRoom', () => {
    const record = recordOf(normalizeRecord(seedObject(ROOMS_UPDATE_ROOM), {}));
    expect(record).toMatchObject({
      category: 'RoomsOperational',
      time: Date.UTC(2022, 7, 19, 17, 7, 30, 354),
      correlationId: 'Bwqzh0pdnkGPDwNcMnBkng',
      operationName: 'UpdateRoom',
      resultSignature: '200',
      roomId: '99466387192310000',
      roomLifespanMinutes: 121,
      pstnDialOutEnabled: false,
    });
  });

  it('DeleteRoom: a correlation id with a slash is kept as is', () => {
    const record = recordOf(normalizeRecord(seedObject(ROOMS_DELETE_ROOM), {}));
    expect(record).toMatchObject({
      category: 'RoomsOperational',
      time: Date.UTC(2022, 7, 19, 17, 7, 30, 539),
      correlationId: 'x7rMXmihYEe3GFho9T/H2w',
      operationName: 'DeleteRoom',
      resultSignature: '204',
      roomId: '99466387192310000',
      roomLifespanMinutes: 121,
    });
  });

  it('ListRooms: no room id; the file category says Rooms', () => {
    expect(recordOf(normalizeRecord(seedObject(ROOMS_LIST_ROOMS), { fileCategory: 'RoomsOperational' }))).toStrictEqual({
      category: 'RoomsOperational',
      time: Date.UTC(2022, 7, 19, 17, 7, 30, 539),
      resourceId: 'unknown',
      correlationId: 'KibM39CaXkK+HTInfsiY2w',
      operationName: 'ListRooms',
      operationVersion: '2023-10-30-preview',
      resultType: 'Succeeded',
      resultSignature: '200',
      level: 'Informational',
      roomId: null,
      roomLifespanMinutes: null,
      pstnDialOutEnabled: null,
      addedParticipantsCount: null,
      upsertedParticipantsCount: null,
      removedParticipantsCount: null,
      participantsCount: null,
      participantsAttendee: null,
      participantsConsumer: null,
      participantsPresenter: null,
    });
  });

  it('ListRooms alone, with nothing naming its category, is not guessed from the operation name', () => {
    expect(normalizeRecord(seedObject(ROOMS_LIST_ROOMS), {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: 'cannot tell the log category: the record names none, nor does its file (give --category to process or quarantine replay)',
    });
  });
});

describe('Call Recording seed examples', () => {
  const oneRecording = {
    category: 'CallRecordingSummary',
    time: Date.UTC(2022, 7, 17, 23, 18, 26, 433),
    resourceId: 'unknown',
    correlationId: 'zzzzzz-cada-4164-be10-0000000000',
    operationName: 'RecordingSummary',
    operationVersion: null,
    resultType: 'Succeeded',
    resultSignature: null,
    level: 'Informational',
    recordingId: 'eyJQbGF0Zm9ybUVuZHBvaW5xxxxxxxxFmNjkwxxxxxxxxxxxxSZXNvdXJjZVNwZWNpZmljSWQiOiJiZGU5YzE3Ni05M2Q3LTRkMWYtYmYwNS0yMTMwZTRiNWNlOTgifQ',
    recordingStartTime: Date.UTC(2022, 7, 16, 9, 7, 54, 0),
    recordingLengthSeconds: 73872.94,
    chunkCount: 6,
    contentType: 'Audio - Video',
    channelType: 'mixed',
    formatType: 'mp4',
    audioChannelsCount: 1,
    recordingEndReason: 'CallEnded',
  };

  it('one call to one recording: RecordingLength as a string', () => {
    expect(recordOf(normalizeRecord(seedObject(RECORDING_SUMMARY_ONE_RECORDING), {}))).toStrictEqual(oneRecording);
  });

  it('one call to one recording, as the "properties" of a storage-format record', () => {
    const raw = { properties: seedObject(RECORDING_SUMMARY_ONE_RECORDING) };
    expect(recordOf(normalizeRecord(raw, {}))).toStrictEqual(oneRecording);
  });

  it('with the "Call Recording and example data" header at the top level: top-level common fields win', () => {
    const header = seedObject(RECORDING_SUMMARY_HEADER);
    const raw = { ...header, properties: seedObject(RECORDING_SUMMARY_ONE_RECORDING) };
    expect(recordOf(normalizeRecord(raw, {}))).toStrictEqual({
      ...oneRecording,
      operationName: 'Call Recording Summary',
      operationVersion: '1.0',
    });
  });

  it('the header alone names its category but lacks time and recording id', () => {
    expect(normalizeRecord(seedObject(RECORDING_SUMMARY_HEADER), {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: 'time: missing; RecordingId: missing',
    });
  });

  it('one call to many recordings: two records', () => {
    const records = seedObjects(RECORDING_SUMMARY_MANY_RECORDINGS).map((o) => recordOf(normalizeRecord(o, {})));
    expect(records).toStrictEqual([
      {
        category: 'CallRecordingSummary',
        time: Date.UTC(2022, 7, 17, 23, 55, 46, 630),
        resourceId: 'unknown',
        correlationId: 'xxxxxxx-cf78-4156-zzzz-0000000fa29cc',
        operationName: 'RecordingSummary',
        operationVersion: null,
        resultType: 'Succeeded',
        resultSignature: null,
        level: 'Informational',
        recordingId:
          'eyJQbGF0Zm9ybUVuZHBxxxxxxxxxxxxjkwMC05MmEwLTRlZDYtOTcxYS1kYzZlZTkzNjU0NzciLCJSxxxxxNwZWNpZmljSWQiOiI5ZmY2ZTY2Ny04YmQyLTQ0NzAtYmRkYy00ZTVhMmUwYmNmOTYifQ',
        recordingStartTime: Date.UTC(2022, 7, 17, 23, 55, 43, 330),
        recordingLengthSeconds: 3.34,
        chunkCount: 1,
        contentType: 'Audio - Video',
        channelType: 'mixed',
        formatType: 'mp4',
        audioChannelsCount: 1,
        recordingEndReason: 'CallEnded',
      },
      {
        category: 'CallRecordingSummary',
        time: Date.UTC(2022, 7, 17, 23, 55, 56, 766),
        resourceId: 'unknown',
        correlationId: 'xxxxxxx-cf78-4156-zzzz-0000000fa29cc',
        operationName: 'RecordingSummary',
        operationVersion: null,
        resultType: 'Succeeded',
        resultSignature: null,
        level: 'Informational',
        recordingId:
          'eyJQbGF0Zm9ybUVuxxxxxxiOiI4NDFmNjkwMC1mMjBiLTQzNmQtYTg0Mi1hODY2YzE4M2Y0YTEiLCJSZXNvdXJjZVNwZWNpZmljSWQiOiI2YzRlZDI4NC0wOGQ1LTQxNjEtOTExMy1jYWIxNTc3YjM1ODYifQ',
        recordingStartTime: Date.UTC(2022, 7, 17, 23, 55, 54, 66),
        recordingLengthSeconds: 2.7,
        chunkCount: 1,
        contentType: 'Audio - Video',
        channelType: 'mixed',
        formatType: 'mp4',
        audioChannelsCount: 1,
        recordingEndReason: 'CallEnded',
      },
    ]);
  });

  it('incoming operation: inferred from URI and a recording operation name; recording id from the URI; no caller IP', () => {
    const result = normalizeRecord(seedObject(RECORDING_INCOMING_OPERATION), {});
    expect(recordOf(result)).toStrictEqual({
      category: 'CallRecordingOperational',
      time: Date.UTC(2023, 4, 9, 15, 58, 30, 100),
      resourceId: 'unknown',
      correlationId: 'a999f996-b4e1-xxxx-ac04-a59test87d97',
      operationName: 'ResumeCallRecording',
      operationVersion: '2023-03-06',
      resultType: 'Succeeded',
      resultSignature: '202',
      level: 'Informational',
      callConnectionId: 'd5596715-ab0b-test-8eee-575c250e4234',
      serverCallId: 'aHR0cHM6Ly9hcGk0vjCCCCCCQd2pRP2k9OTMmZT02Mzc5OTQ3xMDAzNDUwMzg...',
      sdkType: 'dotnet',
      sdkVersion: '1.0.0-alpha.20220829.1',
      durationMs: 130,
      uri: 'https://acsresouce.communication.azure.com/calling/recordings/   eyJQbGF0Zm9ybUVuZHBviI0MjFmMTIwMC04MjhiLTRmZGItOTZjYi0...:resume?api-version=2023-03-06',
      recordingId: 'eyJQbGF0Zm9ybUVuZHBviI0MjFmMTIwMC04MjhiLTRmZGItOTZjYi0...',
    });
    expect(JSON.stringify(result)).not.toContain('127.0.0.1');
  });
});
