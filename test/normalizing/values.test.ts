import { describe, expect, it } from 'vitest';
import { normalizeRecord, type NormalizeResult } from '../../src/lib/normalizing/index.js';

const TIME = '2024-05-25T04:32:49Z';

function rooms(fields: Record<string, unknown>) {
  return normalizeRecord({ TimeGenerated: TIME, Category: 'RoomsOperational', OperationName: 'CreateRoom', ...fields }, {});
}
function summary(fields: Record<string, unknown>) {
  return normalizeRecord({ TimeGenerated: TIME, Category: 'CallRecordingSummary', RecordingId: 'r', ...fields }, {});
}
function operation(fields: Record<string, unknown>) {
  return normalizeRecord({ TimeGenerated: TIME, Category: 'CallRecordingOperational', OperationName: 'StopRecording', ...fields }, {});
}
function usage(fields: Record<string, unknown>) {
  return normalizeRecord({ TimeGenerated: TIME, Category: 'Usage', UsageType: 'Chat', UnitType: 'Message', Quantity: 1, ...fields }, {});
}

function recordOf(result: NormalizeResult): Record<string, unknown> {
  if (!result.success) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result.record as unknown as Record<string, unknown>;
}
function schemaInvalid(message: string) {
  return { success: false, kind: 'invalid', code: 'schema_invalid', message };
}
function outOfRange(message: string) {
  return { success: false, kind: 'invalid', code: 'value_out_of_range', message };
}

describe('numbers written as strings', () => {
  it.each([
    ['61', 61],
    [' 61 ', 61],
    ['0', 0],
    ['1e2', 100],
    ['+7', 7],
    [61, 61],
  ])('RoomLifespan %j -> %j', (value, expected) => {
    expect(recordOf(rooms({ RoomLifespan: value })).roomLifespanMinutes).toBe(expected);
  });

  it('RecordingLength, ChunkCount and AudioChannelsCount', () => {
    expect(recordOf(summary({ RecordingLength: '73872.94', ChunkCount: '6', AudioChannelsCount: '2' }))).toMatchObject({
      recordingLengthSeconds: 73872.94,
      chunkCount: 6,
      audioChannelsCount: 2,
    });
    expect(recordOf(summary({ RecordingLength: '.5' })).recordingLengthSeconds).toBe(0.5);
  });

  it('Quantity and DurationMs', () => {
    expect(recordOf(usage({ Quantity: '0.25' })).quantity).toBe(0.25);
    expect(recordOf(operation({ DurationMs: '130' })).durationMs).toBe(130);
    expect(recordOf(operation({ DurationMs: 12.5 })).durationMs).toBe(12.5);
  });

  it('ResultSignature becomes a string whether written as a number or a string', () => {
    expect(recordOf(rooms({ ResultSignature: 201 })).resultSignature).toBe('201');
    expect(recordOf(rooms({ ResultSignature: '200' })).resultSignature).toBe('200');
    expect(recordOf(operation({ ResultSignature: 202 })).resultSignature).toBe('202');
    expect(recordOf(rooms({})).resultSignature).toBeNull();
  });

  it('a numeric id stays an id, as a string', () => {
    expect(recordOf(rooms({ RoomId: 12345 })).roomId).toBe('12345');
    expect(recordOf(rooms({ RoomId: Number.MAX_SAFE_INTEGER })).roomId).toBe('9007199254740991');
  });

  it('a numeric id past 2^53 is schema_invalid: its digits were lost when read, and two ids would read as one', () => {
    const a = JSON.parse('{"RoomId":99466898241024501}') as Record<string, unknown>;
    const b = JSON.parse('{"RoomId":99466898241024503}') as Record<string, unknown>;
    expect(a['RoomId']).toBe(b['RoomId']);
    const message = 'RoomId: the number 99466898241024500 is past 2^53 - 1, where digits are lost when read; write it as a string';
    expect(rooms(a)).toStrictEqual(schemaInvalid(message));
    expect(rooms({ RoomId: 2 ** 53 })).toStrictEqual(
      schemaInvalid('RoomId: the number 9007199254740992 is past 2^53 - 1, where digits are lost when read; write it as a string'),
    );
    expect(rooms({ RoomId: -1e300 }).success).toBe(false);
    expect(rooms({ RoomId: Infinity })).toStrictEqual(schemaInvalid('RoomId: expected a string, got Infinity'));
    expect(recordOf(rooms({ RoomId: '99466898241024501' })).roomId).toBe('99466898241024501');
  });
});

describe('booleans written as strings', () => {
  it.each([
    [true, true],
    [false, false],
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['false', false],
    ['False', false],
    [' FALSE ', false],
    // As Microsoft's own Rooms queries test it: `PstnDialOutEnabled == 1`.
    [1, true],
    [0, false],
    ['1', true],
    ['0', false],
  ])('PstnDialOutEnabled %j -> %j', (value, expected) => {
    expect(recordOf(rooms({ PstnDialOutEnabled: value })).pstnDialOutEnabled).toBe(expected);
  });

  it.each([['yes'], ['2'], [2], [-1], [0.5], [{}]])('PstnDialOutEnabled %j is schema_invalid', (value) => {
    const result = rooms({ PstnDialOutEnabled: value });
    expect(result).toMatchObject({ success: false, kind: 'invalid', code: 'schema_invalid' });
    expect(result.success === false && result.kind === 'invalid' && result.message).toMatch(/^PstnDialOutEnabled: expected true or false, got /);
  });
});

describe('bad numbers are quarantined naming the field', () => {
  it.each([
    ['RoomLifespan', 'abc', 'RoomLifespan: expected an integer >= 0, got "abc"'],
    ['RoomLifespan', '61.5', 'RoomLifespan: expected an integer >= 0, got 61.5'],
    ['RoomLifespan', 'Infinity', 'RoomLifespan: expected an integer >= 0, got "Infinity"'],
    ['RoomLifespan', '0x10', 'RoomLifespan: expected an integer >= 0, got "0x10"'],
    ['RoomLifespan', [1], 'RoomLifespan: expected an integer >= 0, got an array'],
    ['UpsertedRoomParticipantsCount', 1.5, 'UpsertedRoomParticipantsCount: expected an integer >= 0, got 1.5'],
    ['RemovedRoomParticipantsCount', 'x', 'RemovedRoomParticipantsCount: expected an integer >= 0, got "x"'],
  ])('Rooms %s %j', (field, value, message) => {
    expect(rooms({ [field]: value })).toStrictEqual(schemaInvalid(message));
  });

  it.each([
    ['RecordingLength', 'NaN', 'RecordingLength: expected a number >= 0, got "NaN"'],
    ['RecordingLength', '73,872.94', 'RecordingLength: expected a number >= 0, got "73,872.94"'],
    ['ChunkCount', 2.5, 'ChunkCount: expected an integer >= 0, got 2.5'],
    ['AudioChannelsCount', 'two', 'AudioChannelsCount: expected an integer >= 0, got "two"'],
  ])('recording summary %s %j', (field, value, message) => {
    expect(summary({ [field]: value })).toStrictEqual(schemaInvalid(message));
  });

  it('DurationMs and Quantity', () => {
    expect(operation({ DurationMs: 'slow' })).toStrictEqual(schemaInvalid('DurationMs: expected a number >= 0, got "slow"'));
    expect(usage({ Quantity: 'lots' })).toStrictEqual(schemaInvalid('Quantity: expected a number >= 0, got "lots"'));
  });

  it('a number outside its documented range is value_out_of_range, naming the field, value and range', () => {
    expect(rooms({ RoomLifespan: -1 })).toStrictEqual(outOfRange('RoomLifespan: -1 is outside 0..2147483647'));
    expect(rooms({ RoomLifespan: '-1' })).toStrictEqual(outOfRange('RoomLifespan: -1 is outside 0..2147483647'));
    expect(rooms({ RoomLifespan: 1e300 })).toStrictEqual(outOfRange('RoomLifespan: 1e+300 is outside 0..2147483647'));
    expect(rooms({ AddedRoomParticipantsCount: -2 })).toStrictEqual(outOfRange('AddedRoomParticipantsCount: -2 is outside 0..1000000'));
    expect(rooms({ AddedRoomParticipantsCount: 1_000_001 })).toStrictEqual(outOfRange('AddedRoomParticipantsCount: 1000001 is outside 0..1000000'));
    for (const field of [
      'RoomParticipantsCount',
      'RoomParticipantsAttendee',
      'RoomParticipantsConsumer',
      'RoomParticipantsPresenter',
      'UpsertedRoomParticipantsCount',
      'RemovedRoomParticipantsCount',
    ]) {
      expect(rooms({ [field]: -1 })).toStrictEqual(outOfRange(`${field}: -1 is outside 0..1000000`));
    }
    expect(summary({ RecordingLength: -3.5 })).toStrictEqual(outOfRange('RecordingLength: -3.5 is outside 0..604800'));
    expect(summary({ RecordingLength: 604_800.5 })).toStrictEqual(outOfRange('RecordingLength: 604800.5 is outside 0..604800'));
    expect(summary({ ChunkCount: '-1' })).toStrictEqual(outOfRange('ChunkCount: -1 is outside 0..1000000'));
    expect(summary({ AudioChannelsCount: 2e6 })).toStrictEqual(outOfRange('AudioChannelsCount: 2000000 is outside 0..1000000'));
    expect(operation({ DurationMs: -1 })).toStrictEqual(outOfRange('DurationMs: -1 is outside 0..86400000'));
    expect(operation({ DurationMs: 1e308 })).toStrictEqual(outOfRange('DurationMs: 1e+308 is outside 0..86400000'));
    expect(operation({ DurationMs: '1e999' })).toStrictEqual(outOfRange('DurationMs: Infinity is outside 0..86400000'));
    expect(operation({ DurationMs: Number.POSITIVE_INFINITY })).toStrictEqual(outOfRange('DurationMs: Infinity is outside 0..86400000'));
    expect(operation({ DurationMs: '-1e999' })).toStrictEqual(outOfRange('DurationMs: -Infinity is outside 0..86400000'));
    expect(usage({ Quantity: '-0.5' })).toStrictEqual(outOfRange('Quantity: -0.5 is outside 0..1000000000000'));
    expect(usage({ Quantity: 1e300 })).toStrictEqual(outOfRange('Quantity: 1e+300 is outside 0..1000000000000'));
    expect(rooms({ RoomLifespan: -1, RoomParticipantsCount: 2e6 })).toStrictEqual(
      outOfRange('RoomLifespan: -1 is outside 0..2147483647; RoomParticipantsCount: 2000000 is outside 0..1000000'),
    );
  });

  it('the largest value of each range is accepted', () => {
    expect(recordOf(rooms({ RoomLifespan: 2_147_483_647, AddedRoomParticipantsCount: 1_000_000 }))).toMatchObject({ roomLifespanMinutes: 2_147_483_647 });
    // A refused CreateRoom is logged with the lifespan it asked for, and still counts.
    expect(recordOf(rooms({ RoomLifespan: 2_000_000, ResultType: 'Failed', ResultSignature: 400 })).roomLifespanMinutes).toBe(2_000_000);
    expect(rooms({ RoomLifespan: 2_147_483_648 })).toStrictEqual(outOfRange('RoomLifespan: 2147483648 is outside 0..2147483647'));
    expect(recordOf(summary({ RecordingLength: 604_800, ChunkCount: 0 })).recordingLengthSeconds).toBe(604_800);
    expect(recordOf(operation({ DurationMs: 86_400_000 })).durationMs).toBe(86_400_000);
    expect(recordOf(usage({ Quantity: 1e12 })).quantity).toBe(1e12);
  });

  it('NaN and Infinity written as words are not numbers at all: schema_invalid', () => {
    expect(operation({ DurationMs: 'NaN' })).toStrictEqual(schemaInvalid('DurationMs: expected a number >= 0, got "NaN"'));
    expect(operation({ DurationMs: 'Infinity' })).toStrictEqual(schemaInvalid('DurationMs: expected a number >= 0, got "Infinity"'));
  });

  it('names every bad field, once each', () => {
    expect(rooms({ RoomLifespan: -1.5, RoomParticipantsCount: 'n', OperationName: '' })).toStrictEqual(
      schemaInvalid('OperationName: missing; RoomLifespan: -1.5 is outside 0..2147483647; RoomParticipantsCount: expected an integer >= 0, got "n"'),
    );
  });

  it('a long bad value is cut in the message', () => {
    const result = summary({ ChunkCount: 'x'.repeat(500) });
    expect(result).toStrictEqual(schemaInvalid(`ChunkCount: expected an integer >= 0, got "${'x'.repeat(40)}…"`));
  });

  it('a string field holding an object is schema_invalid', () => {
    expect(rooms({ RoomId: { id: 1 } })).toStrictEqual(schemaInvalid('RoomId: expected a string, got an object'));
  });
});

describe('empty strings count as absent', () => {
  it('an empty optional field is null', () => {
    expect(recordOf(rooms({ RoomId: '', RoomLifespan: '', PstnDialOutEnabled: '  ', OperationVersion: '' }))).toMatchObject({
      roomId: null,
      roomLifespanMinutes: null,
      pstnDialOutEnabled: null,
      operationVersion: null,
    });
  });

  it('an empty required field is missing', () => {
    expect(summary({ RecordingId: '' })).toStrictEqual(schemaInvalid('RecordingId: missing'));
    expect(summary({ RecordingId: '   ' })).toStrictEqual(schemaInvalid('RecordingId: missing'));
    expect(usage({ UsageType: '' })).toStrictEqual(schemaInvalid('UsageType: missing'));
    expect(rooms({ OperationName: '' })).toStrictEqual(schemaInvalid('OperationName: missing'));
  });

  it('an empty operation name of a summary or usage record takes the default', () => {
    expect(recordOf(summary({ OperationName: '' })).operationName).toBe('RecordingSummary');
    expect(recordOf(usage({ OperationName: '' })).operationName).toBe('Usage');
    expect(recordOf(usage({ OperationName: 'ChatUsage' })).operationName).toBe('ChatUsage');
  });
});

describe('field names match without regard to case', () => {
  it.each([['RoomLifespan'], ['RoomLifeSpan'], ['roomLifespan'], ['roomlifespan'], ['ROOMLIFESPAN']])('%s', (name) => {
    expect(recordOf(rooms({ [name]: 61 })).roomLifespanMinutes).toBe(61);
  });

  it('URI and uri, RecordingID and recordingId, correlationID', () => {
    const record = recordOf(operation({ uri: 'https://x/calling/recordings/abc:stop', correlationID: 'c' }));
    expect(record).toMatchObject({ uri: 'https://x/calling/recordings/abc:stop', recordingId: 'abc', correlationId: 'c' });
    expect(recordOf(summary({ RecordingId: undefined, recordingID: 'R2' })).recordingId).toBe('R2');
  });

  it('of two spellings of one field, an empty one does not hide the other', () => {
    expect(recordOf(rooms({ RoomLifespan: '', RoomLifeSpan: 121 })).roomLifespanMinutes).toBe(121);
  });
});

describe('the word "null" in fields of every category', () => {
  const rooms = {
    time: '2024-05-25T04:32:49Z',
    resourceId: '/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS1',
    category: 'RoomsOperational',
    operationName: 'CreateRoom',
    operationVersion: '2024-04-15',
    resultType: 'Succeeded',
  };

  it('is absent in a number, flag or time (none is spelled so), as the call logs write it', () => {
    const result = normalizeRecord({
      ...rooms,
      durationMs: 'null',
      properties: { RoomId: 'r1', RoomLifespan: 'NULL', PstnDialOutEnabled: ' null ', RoomParticipantsCount: 'null', AddedRoomParticipantsCount: 2 },
    });
    expect(result).toMatchObject({
      success: true,
      record: { roomId: 'r1', roomLifespanMinutes: null, pstnDialOutEnabled: null, participantsCount: null, addedParticipantsCount: 2 },
    });
  });

  it('is a value in a text field outside the call logs (an id may be spelled so)', () => {
    expect(normalizeRecord({ ...rooms, properties: { RoomId: 'null' } })).toMatchObject({ success: true, record: { roomId: 'null' } });
  });
});
