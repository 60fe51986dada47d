import { describe, expect, it } from 'vitest';
import { fixture, read } from './helpers.js';

/**
 * The JSON examples of the ACS documentation (../shared/seeds), copied byte for byte into
 * fixtures/: Log Analytics exports with trailing commas, tabs, a stray `"properties"` before an
 * object, two pretty-printed objects one after the other, and a fragment that is not JSON at all.
 */
describe('seed examples (Rooms)', () => {
  const rooms: [string, Record<string, unknown>][] = [
    [
      'rooms-create-room.json',
      {
        CorrelationId: 'Y4x6ZabFE0+E8ERwMpd68w',
        Level: 'Informational',
        OperationName: 'CreateRoom',
        OperationVersion: '2023-10-30-preview',
        ResultType: 'Succeeded',
        ResultSignature: 201,
        RoomId: '99466898241024408',
        RoomLifespan: 61,
        AddedRoomParticipantsCount: 4,
        TimeGenerated: '5/25/2023, 4:32:49.469 AM',
        PstnDialOutEnabled: false,
      },
    ],
    [
      'rooms-get-room.json',
      {
        CorrelationId: 'CNiZIX7fvkumtBSpFq7fxg',
        Level: 'Informational',
        OperationName: 'GetRoom',
        OperationVersion: '2023-10-30-preview',
        ResultType: 'Succeeded',
        ResultSignature: '200',
        RoomId: '99466387192310000',
        RoomLifespan: 61,
        TimeGenerated: '2022-08-19T17:07:30.2400300Z',
      },
    ],
    [
      'rooms-update-room.json',
      {
        CorrelationId: 'Bwqzh0pdnkGPDwNcMnBkng',
        Level: 'Informational',
        OperationName: 'UpdateRoom',
        OperationVersion: '2023-10-30-preview',
        ResultType: 'Succeeded',
        ResultSignature: '200',
        RoomId: '99466387192310000',
        RoomLifespan: 121,
        TimeGenerated: '2022-08-19T17:07:30.3543160Z',
        PstnDialOutEnabled: false,
      },
    ],
    [
      'rooms-delete-room.json',
      {
        CorrelationId: 'x7rMXmihYEe3GFho9T/H2w',
        Level: 'Informational',
        OperationName: 'DeleteRoom',
        OperationVersion: '2023-10-30-preview',
        ResultType: 'Succeeded',
        ResultSignature: '204',
        RoomId: '99466387192310000',
        RoomLifespan: 121,
        TimeGenerated: '2022-08-19T17:07:30.5393800Z',
      },
    ],
    [
      'rooms-list-rooms.json',
      {
        CorrelationId: 'KibM39CaXkK+HTInfsiY2w',
        Level: 'Informational',
        OperationName: 'ListRooms',
        OperationVersion: '2023-10-30-preview',
        ResultType: 'Succeeded',
        ResultSignature: '200',
        TimeGenerated: '2022-08-19T17:07:30.5393800Z',
      },
    ],
    [
      'rooms-update-participants.json',
      {
        CorrelationId: 'zHT8snnUMkaXCRDFfjQDJw',
        Level: 'Informational',
        OperationName: 'UpdateParticipants',
        OperationVersion: '2023-10-30-preview',
        ResultType: 'Succeeded',
        ResultSignature: '200',
        RoomId: '99466387192310000',
        RoomLifespan: 121,
        UpsertedRoomParticipantsCount: 5,
        RemovedRoomParticipantsCount: 1,
        TimeGenerated: '2023-04-14T17:07:30.5393800Z',
      },
    ],
  ];

  it.each(rooms)('%s: one record, exactly the documented fields', (name, expected) => {
    const file = fixture(name);
    const r = read(file);
    expect(r.issues).toEqual([]);
    expect(r.failures).toEqual([]);
    expect(r.records).toHaveLength(1);
    const rec = r.records[0]!;
    expect(rec.value).toStrictEqual(expected);
    // The unit is the array element: it starts at the `{` on line 2.
    expect(rec.line).toBe(2);
    expect(rec.offset).toBe(file.indexOf('{'));
    expect(rec.position).toBe(rec.offset);
    // Framed as an array document: the position ends in values mode after the closing `]`.
    expect(r.position.mode).toBe('values');
  });
});

describe('seed examples (Call Recording)', () => {
  it('the field fragment (`"operationName": ...` lines) yields no record: three invalid_json units', () => {
    const r = read(fixture('recording-fields-fragment.json'));
    expect(r.records).toEqual([]);
    expect(r.issues).toEqual([]);
    expect(r.failures.map((f) => [f.unit.line, f.code])).toEqual([
      [1, 'invalid_json'],
      [2, 'invalid_json'],
      [3, 'invalid_json'],
    ]);
    expect(r.failures[0]!.unit.text).toBe('"operationName":            "Call Recording Summary",');
    expect(r.failures[0]!.message).toMatch(/^invalid JSON: /);
  });

  it('one call to one recording: the stray "properties" line is not_an_object, the object one record', () => {
    const file = fixture('recording-one-recording.json');
    const r = read(file);
    expect(r.issues).toEqual([]);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({ code: 'not_an_object', unit: { offset: 0, end: '"properties"\n'.length, line: 1, text: '"properties"' } });
    expect(r.records).toHaveLength(1);
    const rec = r.records[0]!;
    expect(rec.line).toBe(2);
    expect(rec.offset).toBe(file.indexOf('{'));
    expect(rec.value).toStrictEqual({
      TimeGenerated: '2022-08-17T23:18:26.4332392Z',
      OperationName: 'RecordingSummary',
      Category: 'CallRecordingSummary',
      CorrelationId: 'zzzzzz-cada-4164-be10-0000000000',
      ResultType: 'Succeeded',
      Level: 'Informational',
      RecordingId: 'eyJQbGF0Zm9ybUVuZHBvaW5xxxxxxxxFmNjkwxxxxxxxxxxxxSZXNvdXJjZVNwZWNpZmljSWQiOiJiZGU5YzE3Ni05M2Q3LTRkMWYtYmYwNS0yMTMwZTRiNWNlOTgifQ',
      RecordingEndReason: 'CallEnded',
      RecordingStartTime: '2022-08-16T09:07:54.0000000Z',
      RecordingLength: '73872.94',
      ChunkCount: 6,
      ContentType: 'Audio - Video',
      ChannelType: 'mixed',
      FormatType: 'mp4',
      AudioChannelsCount: 1,
    });
  });

  it('one call to many recordings: two pretty-printed objects one after the other, two records', () => {
    const file = fixture('recording-many-recordings.json');
    const r = read(file);
    expect(r.issues).toEqual([]);
    expect(r.failures).toEqual([]);
    expect(r.records).toHaveLength(2);
    const [a, b] = r.records;
    expect(a!.line).toBe(2); // the block starts with a blank line
    expect(b!.line).toBe(19);
    expect(a!.offset).toBe(file.indexOf('{'));
    expect(b!.offset).toBe(file.indexOf('{', a!.offset + 1));
    expect(a!.value).toMatchObject({
      TimeGenerated: '2022-08-17T23:55:46.6304762Z',
      CorrelationId: 'xxxxxxx-cf78-4156-zzzz-0000000fa29cc',
      RecordingStartTime: '2022-08-17T23:55:43.3304762Z',
      RecordingLength: 3.34,
      ChunkCount: 1,
      RecordingEndReason: 'CallEnded',
    });
    expect(b!.value).toMatchObject({
      TimeGenerated: '2022-08-17T23:55:56.7664976Z',
      CorrelationId: 'xxxxxxx-cf78-4156-zzzz-0000000fa29cc',
      RecordingStartTime: '2022-08-17T23:55:54.0664976Z',
      RecordingLength: 2.7,
      AudioChannelsCount: 1,
    });
    expect(Object.keys(a!.value)).toHaveLength(15);
    expect(Object.keys(b!.value)).toHaveLength(15);
    expect(a!.value['RecordingId']).not.toBe(b!.value['RecordingId']);
  });

  it('incoming operations sample: the "properties" line is not_an_object, then one record', () => {
    const r = read(fixture('recording-incoming-operation.json'));
    expect(r.issues).toEqual([]);
    expect(r.failures.map((f) => [f.code, f.unit.text, f.unit.line])).toEqual([['not_an_object', '"properties"', 1]]);
    expect(r.records).toHaveLength(1);
    expect(r.records[0]!.line).toBe(2);
    expect(r.records[0]!.value).toStrictEqual({
      TimeGenerated: '2023-05-09T15:58:30.100Z',
      Level: 'Informational',
      CorrelationId: 'a999f996-b4e1-xxxx-ac04-a59test87d97',
      OperationName: 'ResumeCallRecording',
      OperationVersion: '2023-03-06',
      URI: 'https://acsresouce.communication.azure.com/calling/recordings/   eyJQbGF0Zm9ybUVuZHBviI0MjFmMTIwMC04MjhiLTRmZGItOTZjYi0...:resume?api-version=2023-03-06',
      ResultType: 'Succeeded',
      ResultSignature: 202,
      DurationMs: 130,
      CallerIpAddress: '127.0.0.1',
      CallConnectionId: 'd5596715-ab0b-test-8eee-575c250e4234',
      ServerCallId: 'aHR0cHM6Ly9hcGk0vjCCCCCCQd2pRP2k9OTMmZT02Mzc5OTQ3xMDAzNDUwMzg...',
      SdkVersion: '1.0.0-alpha.20220829.1',
      SdkType: 'dotnet',
    });
  });

  it('all seed examples concatenated into one file still yield every record', () => {
    const names = [
      'rooms-create-room.json',
      'rooms-get-room.json',
      'rooms-update-room.json',
      'rooms-delete-room.json',
      'rooms-list-rooms.json',
      'rooms-update-participants.json',
      'recording-many-recordings.json',
    ];
    const r = read(Buffer.concat(names.map(fixture)));
    expect(r.issues).toEqual([]);
    expect(r.failures).toEqual([]);
    expect(r.records.map((x) => x.value['OperationName'])).toEqual([
      'CreateRoom',
      'GetRoom',
      'UpdateRoom',
      'DeleteRoom',
      'ListRooms',
      'UpdateParticipants',
      'RecordingSummary',
      'RecordingSummary',
    ]);
  });
});
