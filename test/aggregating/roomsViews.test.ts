import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roomsOperationsView, roomsView } from '../../src/lib/aggregating/index.js';
import type { RoomsOperationRecord } from '../../src/lib/normalizing/types.js';
import { referenceAggregates } from '../support/storage.js';
import { normalizeAll, roomsOperation, roomsRecords, RESOURCE } from '../support/roomsLogs.js';

const op = roomsOperation;

const VIEWS = [roomsOperationsView, roomsView];

describe('rooms views', () => {
  it('count operations per hour and per day of the record time, by name, version, result and signature', () => {
    const snapshot = referenceAggregates([op({}), op({ time: Date.UTC(2024, 4, 25, 5, 1) }), op({ resultSignature: '400', resultType: 'Failed' })], VIEWS);
    const rows = Object.values(snapshot['RoomsOperations'] ?? {});
    const hourly = rows.filter((row) => row['granularity'] === 'hour');
    const daily = rows.filter((row) => row['granularity'] === 'day');
    expect(hourly.map((row) => [row['bucket'], row['resultSignature'], row['count']]).sort()).toEqual([
      ['2024-05-25T04:00:00.000Z', '201', 1],
      ['2024-05-25T04:00:00.000Z', '400', 1],
      ['2024-05-25T05:00:00.000Z', '201', 1],
    ]);
    expect(daily.map((row) => [row['bucket'], row['resultSignature'], row['count']]).sort()).toEqual([
      ['2024-05-25T00:00:00.000Z', '201', 2],
      ['2024-05-25T00:00:00.000Z', '400', 1],
    ]);
  });

  it('fold a room lifecycle into one row', () => {
    const t = (minute: number) => Date.UTC(2024, 4, 25, 9, minute);
    const snapshot = referenceAggregates(
      [
        op({ time: t(1) }),
        op({
          time: t(5),
          operationName: 'UpdateParticipants',
          resultSignature: '200',
          addedParticipantsCount: null,
          upsertedParticipantsCount: 2,
          removedParticipantsCount: 1,
          participantsCount: 5,
        }),
        op({ time: t(6), operationName: 'AddParticipants', resultType: 'Failed', resultSignature: '400', addedParticipantsCount: 9 }),
        op({
          time: t(20),
          operationName: 'PatchRoom',
          resultSignature: '200',
          roomLifespanMinutes: 121,
          pstnDialOutEnabled: true,
          addedParticipantsCount: null,
        }),
        op({ time: t(30), operationName: 'GetRoom', resultType: 'Succeeded', resultSignature: '404', roomLifespanMinutes: 5, addedParticipantsCount: null }),
        op({
          time: t(59),
          operationName: 'DeleteRoom',
          resultSignature: '204',
          roomLifespanMinutes: null,
          pstnDialOutEnabled: null,
          addedParticipantsCount: null,
        }),
      ],
      VIEWS,
    );
    const rooms = Object.values(snapshot['Rooms'] ?? {});
    expect(rooms).toHaveLength(1);
    expect(rooms[0]).toMatchObject({
      roomId: '99466898241024408',
      resourceId: RESOURCE,
      createdAt: '2024-05-25T09:01:00.000Z',
      lifespanMinutes: 121,
      pstnDialOutEnabled: true,
      participantsAdded: 4,
      participantsUpserted: 2,
      participantsRemoved: 1,
      participantsCount: 5,
      operations: 6,
      failedOperations: 2,
      lastOperationAt: '2024-05-25T09:59:00.000Z',
      deletedAt: '2024-05-25T09:59:00.000Z',
    });
  });

  it('keep the first successful CreateRoom and the latest successful DeleteRoom, in either order', () => {
    const t = (minute: number) => Date.UTC(2024, 4, 25, 9, minute);
    const records = [
      op({ time: t(10) }),
      op({ time: t(3) }),
      op({ time: t(1), resultType: 'Failed', resultSignature: '500' }),
      op({ time: t(40), operationName: 'DeleteRoom', resultSignature: '204' }),
      op({ time: t(20), operationName: 'DeleteRoom', resultSignature: '204' }),
      op({ time: t(50), operationName: 'DeleteRoom', resultType: 'Failed', resultSignature: '500' }),
    ];
    for (const order of [records, [...records].reverse()]) {
      const [room] = Object.values(referenceAggregates(order, [roomsView])['Rooms'] ?? {});
      expect(room).toMatchObject({ createdAt: '2024-05-25T09:03:00.000Z', deletedAt: '2024-05-25T09:40:00.000Z', operations: 6, failedOperations: 2 });
    }
  });

  it('read CreateRoom and DeleteRoom in any case', () => {
    const t = (minute: number) => Date.UTC(2024, 4, 25, 9, minute);
    const records = [op({ time: t(5), operationName: 'createroom' }), op({ time: t(30), operationName: 'DELETEROOM', resultSignature: '204' })];
    const [room] = Object.values(referenceAggregates(records, [roomsView])['Rooms'] ?? {});
    expect(room).toMatchObject({ createdAt: '2024-05-25T09:05:00.000Z', deletedAt: '2024-05-25T09:30:00.000Z' });
  });

  it('take the larger number of two values reported in the same millisecond, 10 over 9', () => {
    const at = Date.UTC(2024, 4, 25, 9, 0, 0, 123);
    const records = [
      op({ time: at, operationName: 'UpdateParticipants', resultSignature: '200', roomLifespanMinutes: 90, participantsCount: 9, participantsAttendee: 2 }),
      op({ time: at, operationName: 'UpdateParticipants', resultSignature: '200', roomLifespanMinutes: 100, participantsCount: 10, participantsAttendee: 12 }),
    ];
    for (const order of [records, [...records].reverse()]) {
      const [room] = Object.values(referenceAggregates(order, [roomsView])['Rooms'] ?? {});
      expect(room).toMatchObject({ lifespanMinutes: 100, participantsCount: 10, participantsAttendee: 12 });
    }
  });

  it('give the same rows whatever order the records arrive in', () => {
    const records = normalizeAll(roomsRecords(60, 5, 6));
    const expected = referenceAggregates(records, VIEWS);
    fc.assert(
      fc.property(fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }), (shuffled) => {
        expect(referenceAggregates(shuffled, VIEWS)).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('treat a non-Succeeded ResultType or a signature of 400 or more as failed', () => {
    const isFailed = (overrides: Partial<RoomsOperationRecord>): boolean => {
      const [room] = Object.values(referenceAggregates([op(overrides)], [roomsView])['Rooms'] ?? {});
      expect(room?.['operations']).toBe(1);
      return room?.['failedOperations'] === 1;
    };
    expect(isFailed({})).toBe(false);
    expect(isFailed({ resultType: 'Failed' })).toBe(true);
    expect(isFailed({ resultSignature: '404' })).toBe(true);
    expect(isFailed({ resultSignature: '399' })).toBe(false);
    expect(isFailed({ resultType: 'succeeded', resultSignature: null })).toBe(false);
  });
});
