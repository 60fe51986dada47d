import { normalizeRecord } from '../../src/lib/normalizing/index.js';
import type { NormalizedRecord, RoomsOperationRecord } from '../../src/lib/normalizing/types.js';
import { rng } from './random.js';

export const RESOURCE = '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS1';

/** One AddParticipants record of `roomId`, adding `added` (any value: tests of bad numbers pass strings and more). */
export function addParticipantsRecord(time: string, added: unknown, roomId = 'room-1'): Record<string, unknown> {
  return {
    time,
    resourceId: RESOURCE,
    category: 'RoomsOperational',
    operationName: 'AddParticipants',
    operationVersion: '2024-04-15',
    resultType: 'Succeeded',
    resultSignature: '200',
    properties: { roomId, addedRoomParticipantsCount: added },
  };
}

export function blobPath(hour: number, resource = RESOURCE): string {
  return `resourceId=${resource}/y=2024/m=05/d=25/h=${String(hour).padStart(2, '0')}/m=00/PT1H.json`;
}

const OPERATIONS = [
  'CreateRoom',
  'GetRoom',
  'PatchRoom',
  'DeleteRoom',
  'AddParticipants',
  'UpdateParticipants',
  'RemoveParticipants',
  'GetParticipants',
  'ListRooms',
];

/** Storage-format Rooms records (JSON objects), spread over hours 0-2 of 2024-05-25, some failing. */
export function roomsRecords(count: number, seed = 1, rooms = 40, resource = RESOURCE): Record<string, unknown>[] {
  const random = rng(seed);
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const operation = OPERATIONS[Math.floor(random() * OPERATIONS.length)] as string;
    const failed = random() < 0.1;
    const time = Date.UTC(2024, 4, 25, 0, 0, 0) + Math.floor(random() * 3 * 3_600_000);
    const properties: Record<string, unknown> = {};
    if (operation !== 'ListRooms') properties['roomId'] = '994668982410' + String(Math.floor(random() * rooms)).padStart(5, '0');
    if (random() < 0.7) properties['roomLifespan'] = 30 + Math.floor(random() * 4) * 30;
    if (operation === 'CreateRoom' || operation === 'AddParticipants') properties['addedRoomParticipantsCount'] = Math.floor(random() * 6);
    if (operation === 'UpdateParticipants') properties['upsertedRoomParticipantsCount'] = Math.floor(random() * 4);
    if (operation === 'RemoveParticipants' || operation === 'UpdateParticipants') properties['removedRoomParticipantsCount'] = Math.floor(random() * 3);
    if (random() < 0.3) properties['pstnDialOutEnabled'] = random() < 0.5;
    if (random() < 0.3) properties['roomParticipantsCount'] = Math.floor(random() * 10);
    records.push({
      time: new Date(time).toISOString().replace('Z', '1234Z'),
      resourceId: resource,
      category: 'RoomsOperational',
      operationName: operation,
      operationVersion: random() < 0.8 ? '2024-04-15' : '2023-10-30-preview',
      correlationId: `c${seed}-${i}/x+y`,
      level: 'Informational',
      resultType: failed ? 'Failed' : 'Succeeded',
      resultSignature: failed ? (random() < 0.5 ? 404 : '400') : operation === 'CreateRoom' ? 201 : '200',
      durationMs: Math.floor(random() * 200),
      callerIpAddress: '203.0.113.7',
      properties,
    });
  }
  return records;
}

export function asJsonLines(records: readonly object[]): string {
  return records.map((record) => JSON.stringify(record) + '\n').join('');
}

/** Normalizes records for the reference pass; fails the test on any record that does not normalize. */
export function normalizeAll(records: readonly Record<string, unknown>[]): NormalizedRecord[] {
  return records.map((raw) => {
    const result = normalizeRecord(raw, {});
    if (!result.success) throw new Error(`test record did not normalize: ${JSON.stringify(result)}`);
    return result.record;
  });
}

/** One normalized Rooms operation (a CreateRoom that succeeded, unless overridden). */
export function roomsOperation(overrides: Partial<RoomsOperationRecord>): RoomsOperationRecord {
  return {
    category: 'RoomsOperational',
    time: Date.UTC(2024, 4, 25, 4, 32, 49, 469),
    resourceId: RESOURCE,
    correlationId: 'c',
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
    ...overrides,
  };
}
