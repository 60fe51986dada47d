import { encodeKeyPart } from '../../storage/keys.js';
import type { NormalizedRecord, RoomsOperationRecord } from '../../normalizing/types.js';
import { addTo, clip, keepLatest, keepMax, keepMin, MAX_ID_CHARS } from '../rowValues.js';
import { isoTime } from '../timeBuckets.js';
import type { AggregateView, Route, RowData } from '../types.js';
import { isFailedResult } from '../failedResult.js';

export const ROOMS_TABLE = 'Rooms';

const CREATE = 'createroom';
const DELETE = 'deleteroom';

/** The operation name in lower case; names repeat, so each is lowered once. */
const LOWER_OPERATIONS = new Map<string, string>();

function lowerOperation(name: string): string {
  let lower = LOWER_OPERATIONS.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (LOWER_OPERATIONS.size < 256) LOWER_OPERATIONS.set(name, lower);
  }
  return lower;
}

/**
 * One row per room (partition: resource, row: room id). Sums cover successful operations only;
 * "latest" fields keep the value observed at the latest record time, so the row is the same in any
 * arrival order.
 */
export const roomsView: AggregateView = {
  table: ROOMS_TABLE,

  route(record: NormalizedRecord): Route | null {
    if (record.category !== 'RoomsOperational' || record.roomId === null) return null;
    return { partitionKey: encodeKeyPart(record.resourceId), rowKeys: [encodeKeyPart(record.roomId)] };
  },

  apply(record: NormalizedRecord, rows: RowData[]): void {
    const row = rows[0];
    if (record.category !== 'RoomsOperational' || !row) return;
    foldRoomOperation(row, record);
  },
};

function foldRoomOperation(row: RowData, record: RoomsOperationRecord): void {
  const at = isoTime(record.time);
  const failed = isFailedResult(record.resultType, record.resultSignature);
  const operation = lowerOperation(record.operationName);
  if (row['roomId'] === undefined) {
    row['resourceId'] = record.resourceId;
    // Its key holds the whole id (digested when long); the row keeps the first 1,024 characters, as every view keeps ids.
    row['roomId'] = record.roomId === null ? null : clip(record.roomId, MAX_ID_CHARS);
  }
  addTo(row, 'operations', 1);
  addTo(row, 'failedOperations', failed ? 1 : 0);
  keepMin(row, 'firstOperationAt', at);
  keepMax(row, 'lastOperationAt', at);
  if (failed) return;

  if (operation === CREATE) keepMin(row, 'createdAt', at);
  if (operation === DELETE) keepMax(row, 'deletedAt', at);
  addTo(row, 'participantsAdded', record.addedParticipantsCount ?? 0);
  addTo(row, 'participantsUpserted', record.upsertedParticipantsCount ?? 0);
  addTo(row, 'participantsRemoved', record.removedParticipantsCount ?? 0);
  if (record.roomLifespanMinutes !== null) keepLatest(row, 'lifespanMinutes', record.roomLifespanMinutes, at);
  if (record.pstnDialOutEnabled !== null) keepLatest(row, 'pstnDialOutEnabled', record.pstnDialOutEnabled, at);
  if (record.participantsCount !== null) keepLatest(row, 'participantsCount', record.participantsCount, at);
  if (record.participantsAttendee !== null) keepLatest(row, 'participantsAttendee', record.participantsAttendee, at);
  if (record.participantsConsumer !== null) keepLatest(row, 'participantsConsumer', record.participantsConsumer, at);
  if (record.participantsPresenter !== null) keepLatest(row, 'participantsPresenter', record.participantsPresenter, at);
}
