import { describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeResult } from '../../src/lib/normalizing/index.js';

const RESOURCE_ID_LOWER = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Communication/CommunicationServices/acs1';
const RESOURCE_ID = RESOURCE_ID_LOWER.toUpperCase();

function recordOf(result: NormalizeResult) {
  if (!result.success) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.record;
}

/** Keys of an object with the first letter upper-cased: the PascalCase twin of camelCase properties. */
function pascal(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), v]));
}

/** The three ways `properties` arrives: camelCase object, PascalCase object, JSON string. */
function variants(top: Record<string, unknown>, properties: Record<string, unknown>) {
  return [
    ['camelCase properties', { ...top, properties }],
    ['PascalCase properties', { ...top, properties: pascal(properties) }],
    ['properties as a JSON string', { ...top, properties: JSON.stringify(properties) }],
  ] as const;
}

function envelope(category: string, operationName: string | undefined, extra: Record<string, unknown> = {}) {
  return {
    time: '2024-05-25T04:32:49.4693371Z',
    resourceId: RESOURCE_ID_LOWER,
    category,
    ...(operationName === undefined ? {} : { operationName }),
    operationVersion: '2024-04-15',
    correlationId: 'Y4x6ZabFE0+E8ERwMpd68w',
    level: 'Informational',
    resultType: 'Succeeded',
    resultDescription: '',
    callerIpAddress: '203.0.113.7',
    identity: { claim: 'x' },
    location: 'global',
    ...extra,
  };
}

const TIME = Date.UTC(2024, 4, 25, 4, 32, 49, 469);

describe('storage-format RoomsOperational', () => {
  const top = envelope('RoomsOperational', 'CreateRoom', { resultSignature: 201, durationMs: 12 });
  const properties = {
    roomId: '99466898241024408',
    roomLifespan: '61',
    pstnDialOutEnabled: 'False',
    addedRoomParticipantsCount: '4',
    roomParticipantsCount: 4,
    roomParticipantsAttendee: 2,
    roomParticipantsConsumer: '1',
    roomParticipantsPresenter: 1,
  };
  const expected = {
    category: 'RoomsOperational',
    time: TIME,
    resourceId: RESOURCE_ID,
    correlationId: 'Y4x6ZabFE0+E8ERwMpd68w',
    operationName: 'CreateRoom',
    operationVersion: '2024-04-15',
    resultType: 'Succeeded',
    resultSignature: '201',
    level: 'Informational',
    roomId: '99466898241024408',
    roomLifespanMinutes: 61,
    pstnDialOutEnabled: false,
    addedParticipantsCount: 4,
    upsertedParticipantsCount: null,
    removedParticipantsCount: null,
    participantsCount: 4,
    participantsAttendee: 2,
    participantsConsumer: 1,
    participantsPresenter: 1,
  };
  for (const [name, raw] of variants(top, properties)) {
    it(name, () => {
      expect(recordOf(normalizeRecord(raw, {}))).toStrictEqual(expected);
    });
  }
});

describe('storage-format CallRecordingSummary', () => {
  const top = envelope('CallRecordingSummary', undefined);
  const properties = {
    recordingId: 'rec-1',
    recordingStartTime: '2024-05-25T04:00:00.0000000Z',
    recordingLength: '1800.5',
    chunkCount: '2',
    contentType: 'Audio Only',
    channelType: 'unmixed',
    formatType: 'wav',
    audioChannelsCount: '3',
    recordingEndReason: 'CallEnded',
  };
  const expected = {
    category: 'CallRecordingSummary',
    time: TIME,
    resourceId: RESOURCE_ID,
    correlationId: 'Y4x6ZabFE0+E8ERwMpd68w',
    operationName: 'RecordingSummary',
    operationVersion: '2024-04-15',
    resultType: 'Succeeded',
    resultSignature: null,
    level: 'Informational',
    recordingId: 'rec-1',
    recordingStartTime: Date.UTC(2024, 4, 25, 4, 0, 0, 0),
    recordingLengthSeconds: 1800.5,
    chunkCount: 2,
    contentType: 'Audio Only',
    channelType: 'unmixed',
    formatType: 'wav',
    audioChannelsCount: 3,
    recordingEndReason: 'CallEnded',
  };
  for (const [name, raw] of variants(top, properties)) {
    it(`${name}; operationName defaults to RecordingSummary`, () => {
      expect(recordOf(normalizeRecord(raw, {}))).toStrictEqual(expected);
    });
  }
});

describe('storage-format CallRecordingOperational', () => {
  const top = envelope('CallRecordingOperational', 'PauseRecording', { resultSignature: '202', durationMs: '130' });
  const properties = {
    uri: 'https://acs1.communication.azure.com/calling/recordings/abc%2Fdef:pause?api-version=2023-03-06',
    callConnectionId: 'conn-1',
    serverCallId: 'server-1',
    sdkType: 'javascript',
    sdkVersion: '1.2.0',
  };
  const expected = {
    category: 'CallRecordingOperational',
    time: TIME,
    resourceId: RESOURCE_ID,
    correlationId: 'Y4x6ZabFE0+E8ERwMpd68w',
    operationName: 'PauseRecording',
    operationVersion: '2024-04-15',
    resultType: 'Succeeded',
    resultSignature: '202',
    level: 'Informational',
    callConnectionId: 'conn-1',
    serverCallId: 'server-1',
    sdkType: 'javascript',
    sdkVersion: '1.2.0',
    durationMs: 130,
    uri: 'https://acs1.communication.azure.com/calling/recordings/abc%2Fdef:pause?api-version=2023-03-06',
    recordingId: 'abc/def',
  };
  for (const [name, raw] of variants(top, properties)) {
    it(`${name}; recording id from the URI`, () => {
      expect(recordOf(normalizeRecord(raw, {}))).toStrictEqual(expected);
    });
  }

  it('a RecordingId field of the record wins over the URI', () => {
    const raw = { ...top, properties: { ...properties, recordingId: 'from-field' } };
    expect(recordOf(normalizeRecord(raw, {}))).toMatchObject({ recordingId: 'from-field' });
  });

  it('a URI that names no recording (StartRecording) gives a null recording id', () => {
    const raw = {
      ...top,
      operationName: 'StartRecording',
      properties: { ...properties, uri: 'https://acs1.communication.azure.com/calling/recordings?api-version=2023-03-06' },
    };
    expect(recordOf(normalizeRecord(raw, {}))).toMatchObject({ recordingId: null, operationName: 'StartRecording' });
  });

  it('operationName is required', () => {
    const { operationName: _, ...withoutName } = { ...top, properties };
    expect(normalizeRecord(withoutName, {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: 'OperationName: missing',
    });
  });
});

describe('storage-format Usage', () => {
  const top = envelope('Usage', undefined);
  const properties = {
    recordId: 'usage-1',
    usageType: 'Recording',
    unitType: 'Minute',
    quantity: '12.25',
    startTime: '2024-05-25T03:00:00Z',
    endTime: '2024-05-25T03:12:15+00:00',
    participantId: '8:acs:participant-secret',
    userIdA: '8:acs:user-a-secret',
    userIdB: '8:acs:user-b-secret',
  };
  const expected = {
    category: 'Usage',
    time: TIME,
    resourceId: RESOURCE_ID,
    correlationId: 'Y4x6ZabFE0+E8ERwMpd68w',
    operationName: 'Usage',
    operationVersion: '2024-04-15',
    resultType: 'Succeeded',
    resultSignature: null,
    level: 'Informational',
    recordId: 'usage-1',
    usageType: 'Recording',
    unitType: 'Minute',
    quantity: 12.25,
    startTime: Date.UTC(2024, 4, 25, 3, 0, 0),
    endTime: Date.UTC(2024, 4, 25, 3, 12, 15),
  };
  for (const [name, raw] of variants(top, properties)) {
    it(`${name}; operationName defaults to Usage`, () => {
      expect(recordOf(normalizeRecord(raw, {}))).toStrictEqual(expected);
    });
  }

  it('usageType, unitType and quantity are required', () => {
    const raw = { ...top, properties: { recordId: 'usage-2', usageType: '', unitType: null } };
    expect(normalizeRecord(raw, {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: 'UsageType: missing; UnitType: missing; Quantity: missing',
    });
  });
});

describe('top level versus properties', () => {
  const base = {
    time: '2024-05-25T04:32:49Z',
    category: 'RoomsOperational',
    operationName: 'GetRoom',
    resultSignature: 200,
  };

  it('common fields: the top level wins', () => {
    const raw = { ...base, properties: { OperationName: 'Other', ResultSignature: '500', Time: '2000-01-01T00:00:00Z' } };
    expect(recordOf(normalizeRecord(raw, {}))).toMatchObject({
      operationName: 'GetRoom',
      resultSignature: '200',
      time: Date.UTC(2024, 4, 25, 4, 32, 49),
    });
  });

  it('common fields: properties fill what the top level lacks or leaves empty', () => {
    const raw = { ...base, level: '', properties: { Level: 'Warning', CorrelationId: 'from-properties' } };
    expect(recordOf(normalizeRecord(raw, {}))).toMatchObject({ level: 'Warning', correlationId: 'from-properties' });
  });

  it('service fields: properties win, the top level fills gaps', () => {
    const raw = { ...base, RoomId: 'top', RoomLifespan: 30, properties: { roomId: 'properties' } };
    expect(recordOf(normalizeRecord(raw, {}))).toMatchObject({ roomId: 'properties', roomLifespanMinutes: 30 });
  });

  it('a category named only inside properties is used', () => {
    const { category: _, ...withoutCategory } = base;
    const raw = { ...withoutCategory, properties: { Category: 'CallRecordingSummary', RecordingId: 'r1' } };
    expect(recordOf(normalizeRecord(raw, {}))).toMatchObject({ category: 'CallRecordingSummary', recordingId: 'r1' });
  });

  it('properties: null or an empty string are no properties', () => {
    expect(recordOf(normalizeRecord({ ...base, properties: null }, {})).category).toBe('RoomsOperational');
    expect(recordOf(normalizeRecord({ ...base, properties: '' }, {})).category).toBe('RoomsOperational');
  });

  it('properties that are not valid JSON, or not an object, are schema_invalid', () => {
    expect(normalizeRecord({ ...base, properties: '{"roomId": ' }, {})).toStrictEqual({
      success: false,
      kind: 'invalid',
      code: 'schema_invalid',
      message: 'properties: a string that is not valid JSON',
    });
    expect(normalizeRecord({ ...base, properties: '[1,2]' }, {})).toMatchObject({
      code: 'schema_invalid',
      message: 'properties: not a JSON object',
    });
    expect(normalizeRecord({ ...base, properties: 42 }, {})).toMatchObject({ code: 'schema_invalid' });
  });

  it('a record that is not an object is schema_invalid, not an exception', () => {
    expect(normalizeRecord([] as unknown as Record<string, unknown>, {})).toMatchObject({ code: 'schema_invalid' });
    expect(normalizeRecord(null as unknown as Record<string, unknown>, {})).toMatchObject({ code: 'schema_invalid' });
  });
});
