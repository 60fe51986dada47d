import type { z } from 'zod';
import { ROOMS_OPERATIONS_TABLE, ROOMS_TABLE } from '../aggregating/index.js';
import { compareStrings } from '../aggregating/rowValues.js';
import { roomRowSchema, roomsOperationsRowSchema, type RoomValues } from '../aggregating/rooms/roomsRows.js';
import { boundedKey, encodeKeyPart, RESERVED_ROW_PREFIX } from '../storage/keys.js';
import { parseStoredRow } from '../storage/storedRows.js';
import { odata, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { matchesResource, resourceMatch, type ViewFilters } from './filters.js';
import type { RoomRow, RoomsOperationsRow, SameShape } from './queryRows.js';
import { readBuckets, type BucketRows } from './scanBuckets.js';

/** The stored row without its granularity: what `query rooms-operations` shows. */
type RoomsOperationsValues = Omit<z.output<typeof roomsOperationsRowSchema>, 'granularity'>;

/** The rows of `rooms-operations`: operation counts per bucket. */
export const ROOMS_OPERATIONS_ROWS: BucketRows<SameShape<RoomsOperationsRow, RoomsOperationsValues>> = {
  table: ROOMS_OPERATIONS_TABLE,
  toRow: (stored) => {
    const row = parseStoredRow(roomsOperationsRowSchema, ROOMS_OPERATIONS_TABLE, stored);
    return {
      bucket: row.bucket,
      resourceId: row.resourceId,
      operationName: row.operationName,
      operationVersion: row.operationVersion,
      resultType: row.resultType,
      resultSignature: row.resultSignature,
      count: row.count,
    };
  },
  compare: (a, b) =>
    compareStrings(a.bucket, b.bucket) ||
    compareStrings(a.resourceId, b.resourceId) ||
    compareStrings(a.operationName, b.operationName) ||
    compareStrings(a.resultSignature ?? '', b.resultSignature ?? '') ||
    compareStrings(a.resultType ?? '', b.resultType ?? '') ||
    compareStrings(a.operationVersion ?? '', b.operationVersion ?? ''),
};

/**
 * Operation counts per bucket: the days of [from, to) of the resource, or of each resource
 * (scanBuckets.ts). Bookkeeping rows (`~` row keys) fall outside every range.
 */
export function queryRoomsOperations(tables: TableStore, filters: ViewFilters): Promise<RoomsOperationsRow[]> {
  return readBuckets(tables, filters, ROOMS_OPERATIONS_ROWS);
}

/** Rooms whose activity (first to last operation) overlaps [from, to). */
export async function queryRooms(tables: TableStore, filters: ViewFilters): Promise<RoomRow[]> {
  // Bookkeeping rows are skipped here, not by a `RowKey lt '~'` range: room ids that start with a
  // character above `~` (any non-ASCII one) sort after it.
  const clauses: string[] = [];
  const resource = filters.resourceId ? resourceMatch(filters.resourceId) : undefined;
  if (resource?.kind === 'id') clauses.push(odata`PartitionKey eq ${boundedKey(encodeKeyPart(resource.id))}`);
  if (filters.from) clauses.push(odata`lastOperationAt ge ${filters.from}`);
  if (filters.to) clauses.push(odata`firstOperationAt lt ${filters.to}`);
  const rows: RoomRow[] = [];
  for await (const row of tables.query(ROOMS_TABLE, clauses.length > 0 ? clauses.join(' and ') : undefined)) {
    if (row.rowKey.startsWith(RESERVED_ROW_PREFIX)) continue;
    if (resource?.kind === 'name' && !matchesResource(resource, row.data['resourceId'])) continue;
    rows.push(toRoomRow(row));
  }
  return rows.sort(
    (a, b) => compareStrings(a.resourceId, b.resourceId) || compareStrings(a.createdAt ?? '', b.createdAt ?? '') || compareStrings(a.roomId, b.roomId),
  );
}

function toRoomRow(stored: StoredRow): SameShape<RoomRow, RoomValues> {
  const row = parseStoredRow(roomRowSchema, ROOMS_TABLE, stored);
  return {
    resourceId: row.resourceId,
    roomId: row.roomId,
    createdAt: row.createdAt,
    lifespanMinutes: row.lifespanMinutes,
    pstnDialOutEnabled: row.pstnDialOutEnabled,
    participantsAdded: row.participantsAdded,
    participantsUpserted: row.participantsUpserted,
    participantsRemoved: row.participantsRemoved,
    participantsCount: row.participantsCount,
    participantsAttendee: row.participantsAttendee,
    participantsConsumer: row.participantsConsumer,
    participantsPresenter: row.participantsPresenter,
    operations: row.operations,
    failedOperations: row.failedOperations,
    lastOperationAt: row.lastOperationAt,
    deletedAt: row.deletedAt,
  };
}
