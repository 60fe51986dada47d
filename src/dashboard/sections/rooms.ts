import { isFailedResult } from '../../lib/aggregating/failedResult.js';
import { renderCharts } from '../chartSection.js';
import { clipped, formatNumber, formatTime, h, quantityText, replaceChildren, shortResource } from '../dom.js';
import { percentText } from '../share.js';
import { largestSeries, percentOver, pivot, totalsBy } from '../series.js';
import { searchBox } from '../searchBox.js';
import { CELL_CHARS, dataTable, type Column, type TableOrder } from '../table.js';
import type { RoomRow, RoomsOperationsRow } from '../../lib/querying/queryRows.js';

/** Lines per chart at most; the rest add up in one line. */
const MAX_LINES = 8;

const failed = (row: RoomsOperationsRow): boolean => isFailedResult(row.resultType, row.resultSignature);

/** Rooms: operations by name and by result, success rate, failures, and the rooms with their lifecycle. */
export function renderRoomsOperations(target: HTMLElement, rows: readonly RoomsOperationsRow[], step: number): void {
  const all = rows.reduce((sum, row) => sum + row.count, 0);
  const succeeded = rows.reduce((sum, row) => sum + (failed(row) ? 0 : row.count), 0);
  const failures = rows.filter(failed);
  // Operations that all succeeded are not a range without data.
  const noFailures = rows.length > 0 ? 'no failures in this range' : undefined;
  renderCharts(target, [
    {
      id: 'rooms-operations-by-operation',
      title: 'Operations by operation',
      unit: 'operations',
      lines: largestSeries(pivot(rows, { bucket: (r) => r.bucket, key: (r) => r.operationName, value: (r) => r.count, step }), MAX_LINES),
    },
    {
      id: 'rooms-operations-by-signature',
      title: 'Operations by result signature',
      unit: 'operations',
      lines: largestSeries(pivot(rows, { bucket: (r) => r.bucket, key: (r) => r.resultSignature || '(none)', value: (r) => r.count, step }), MAX_LINES),
    },
    {
      id: 'rooms-success-rate',
      title: 'Success rate',
      unit: '%',
      note: 'operations whose result type is Succeeded and whose signature is below 400',
      caption: () => `${percentText(succeeded, all)} of ${quantityText(all, 'operations')} succeeded`,
      lines: percentOver(
        rows,
        (r) => r.bucket,
        (r) => r.count,
        (r) => (failed(r) ? 0 : r.count),
        step,
      ),
    },
    {
      id: 'rooms-failures',
      title: 'Failures by operation and signature',
      unit: 'failures',
      empty: noFailures,
      lines: largestSeries(
        pivot(failures, { bucket: (r) => r.bucket, key: (r) => `${r.operationName} ${r.resultSignature || '(none)'}`, value: (r) => r.count, step }),
        MAX_LINES,
      ),
    },
    {
      id: 'rooms-failures-by-signature',
      title: 'Failures by result',
      unit: 'failures',
      empty: noFailures,
      bars: totalsBy(
        failures,
        (r) => `${r.resultType || '(none)'} ${r.resultSignature || '(none)'}`,
        (r) => r.count,
      ),
    },
  ]);
}

/**
 * The fields of `rooms` the table reads, cells, sorts and valid-until alike: the page asks for these
 * only (`fields=`), not the room's PSTN dial-out, upserts and participants by role, which it does not show.
 */
export const ROOM_LIST_FIELDS = [
  'roomId',
  'resourceId',
  'createdAt',
  'lifespanMinutes',
  'deletedAt',
  'participantsCount',
  'participantsAdded',
  'participantsRemoved',
  'operations',
  'failedOperations',
  'lastOperationAt',
] as const;

/** A row of `rooms` cut to ROOM_LIST_FIELDS. */
export type RoomListRow = Pick<RoomRow, (typeof ROOM_LIST_FIELDS)[number]>;

export interface RoomsOptions {
  search: string;
  onSearch(text: string): void;
}

/** Rooms: searchable by room id (any case, any part), the order a heading chose kept while searching. */
export function renderRooms(target: HTMLElement, rows: readonly RoomListRow[], options: RoomsOptions): void {
  target.appendChild(h('h3', {}, 'Rooms and their lifecycle'));
  const results = h('div', {});
  const order: TableOrder = {};
  /** Draws the rooms matching `search`, and says how many. */
  const draw = (search: string): string => {
    const needle = search.toLowerCase();
    const matching = needle === '' ? rows : rows.filter((row) => row.roomId.toLowerCase().includes(needle));
    const containing = `an id containing "${clipped(search, CELL_CHARS).text}"`;
    const empty = needle === '' ? {} : { empty: `no room in this range has ${containing}` };
    replaceChildren(results, dataTable(ROOM_COLUMNS, matching, { id: 'rooms', label: 'rooms', order, ...empty }));
    if (needle === '') return `all ${formatNumber(rows.length)} rooms of the range`;
    return matching.length === 0
      ? `no room in this range has ${containing}`
      : `${formatNumber(matching.length)} of ${formatNumber(rows.length)} rooms have ${containing}`;
  };
  target.appendChild(
    searchBox('room-search', 'room id (or part of it)', 'search rooms by room id', options.search, (search) => {
      options.onSearch(search);
      return draw(search);
    }),
  );
  target.appendChild(results);
  draw(options.search);
}

const ROOM_COLUMNS: readonly Column<RoomListRow>[] = [
  { title: 'room', cell: (r) => r.roomId },
  { title: 'resource', cell: (r) => shortResource(r.resourceId) },
  { title: 'created', cell: (r) => formatTime(r.createdAt) },
  { title: 'lifespan', cell: (r) => (r.lifespanMinutes === null ? null : `${r.lifespanMinutes} min`), sort: (r) => r.lifespanMinutes },
  { title: 'valid until', cell: (r) => formatTime(validUntil(r)) },
  { title: 'deleted', cell: (r) => formatTime(r.deletedAt) },
  { title: 'participants', cell: (r) => r.participantsCount, numeric: true },
  { title: 'added', cell: (r) => r.participantsAdded, numeric: true },
  { title: 'removed', cell: (r) => r.participantsRemoved, numeric: true },
  { title: 'operations', cell: (r) => r.operations, numeric: true },
  { title: 'failed', cell: (r) => r.failedOperations, numeric: true },
  { title: 'last operation', cell: (r) => formatTime(r.lastOperationAt) },
];

function validUntil(room: RoomListRow): string | null {
  if (!room.createdAt || room.lifespanMinutes === null) return null;
  const end = Date.parse(room.createdAt) + room.lifespanMinutes * 60_000;
  return Number.isFinite(end) ? new Date(end).toISOString() : null;
}
