import { clipped, clippedMiddle, countsText, formatNumber, formatSeconds, formatTime, h, replaceChildren, shortResource } from '../dom.js';
import { shareText } from '../share.js';
import { searchBox } from '../searchBox.js';
import { CELL_CHARS, dataTable, type TableOrder } from '../table.js';
import type { CallRecordingItem, CallRow } from '../../lib/querying/queryRows.js';

/**
 * The fields of `calls` the table shows: the page asks for these only (`fields=`), not each call's
 * recordings, operations and latencies, which the drill-down reads for its one call.
 */
export const CALL_LIST_FIELDS = [
  'correlationId',
  'resourceId',
  'startedAt',
  'callDurationSeconds',
  'participants',
  'streams',
  'poorStreams',
  'impacted',
  'recordingCount',
  'recordingSeconds',
  'recordingCoverage',
  'operationCount',
  'failedOperations',
  'matched',
  'sdkTypes',
] as const;

/** A row of `calls` cut to CALL_LIST_FIELDS; `startedAt` is the call's logs' start, else its first operation's, else its earliest recording's. */
export type CallListRow = Pick<CallRow, Exclude<(typeof CALL_LIST_FIELDS)[number], 'startedAt'>> & { startedAt: string | null };

export interface CallsOptions {
  search: string;
  onSearch(text: string): void;
  onOpen: (correlationId: string) => void;
}

/** Calls: searchable by CorrelationId (any case, any part); a row opens the call. */
export function renderCalls(target: HTMLElement, rows: readonly CallListRow[], options: CallsOptions): void {
  const results = h('div', {});
  // The order chosen by a heading stays while the search narrows the rows.
  const order: TableOrder = {};
  /** Draws the calls matching `search`, and says how many. */
  const draw = (search: string): string => {
    const needle = search.toLowerCase();
    const matching = needle === '' ? rows : rows.filter((row) => row.correlationId.toLowerCase().includes(needle));
    const none = `no call in this range has a CorrelationId containing "${clipped(search, CELL_CHARS).text}"`;
    replaceChildren(results, callsTable(matching, options.onOpen, order, needle === '' ? undefined : none));
    if (needle === '') return `all ${formatNumber(rows.length)} calls of the range`;
    return matching.length === 0
      ? none
      : `${formatNumber(matching.length)} of ${formatNumber(rows.length)} calls have a CorrelationId containing "${clipped(search, CELL_CHARS).text}"`;
  };
  target.appendChild(
    searchBox('call-search', 'CorrelationId (or part of it)', 'search calls by CorrelationId', options.search, (search) => {
      options.onSearch(search);
      return draw(search);
    }),
  );
  target.appendChild(results);
  draw(options.search);
}

function callsTable(rows: readonly CallListRow[], onOpen: (id: string) => void, order: TableOrder, empty?: string): HTMLElement {
  return dataTable(
    [
      { title: 'CorrelationId', cell: (r) => callLink(r.correlationId), sort: (r) => r.correlationId },
      { title: 'resource', cell: (r) => (r.resourceId === null ? null : shortResource(r.resourceId)) },
      { title: 'started', cell: (r) => formatTime(r.startedAt) },
      { title: 'duration', cell: (r) => formatSeconds(r.callDurationSeconds), sort: (r) => r.callDurationSeconds },
      { title: 'participants', cell: (r) => r.participants, numeric: true },
      {
        title: 'poor streams',
        cell: (r) => (r.streams === 0 ? null : `${formatNumber(r.poorStreams)} of ${formatNumber(r.streams)}`),
        sort: (r) => (r.streams === 0 ? null : r.poorStreams),
        numeric: true,
      },
      { title: 'impacted', cell: (r) => (r.streams === 0 ? null : r.impacted ? 'yes' : 'no') },
      { title: 'recordings', cell: (r) => r.recordingCount, numeric: true },
      { title: 'recorded', cell: (r) => formatSeconds(r.recordingSeconds), sort: (r) => r.recordingSeconds },
      { title: 'coverage', cell: (r) => formatCoverage(r.recordingCoverage), sort: (r) => r.recordingCoverage, numeric: true },
      { title: 'operations', cell: (r) => r.operationCount, numeric: true },
      { title: 'failed', cell: (r) => r.failedOperations, numeric: true },
      { title: 'joined', cell: (r) => (r.matched ? 'yes' : 'no') },
      { title: 'SDKs', cell: (r) => r.sdkTypes.join(', ') || '–' },
    ],
    rows,
    { id: 'calls', label: 'calls', onRowClick: (row) => onOpen(row.correlationId), order, ...(empty ? { empty } : {}) },
  );
}

/** A CorrelationId cut as other cells are (an id of thousands of characters would push every column off the page), whole in its tooltip. */
function callLink(correlationId: string): HTMLElement {
  const { text, title } = clipped(correlationId, CELL_CHARS);
  return h('span', { class: 'call-link', ...(title === undefined ? {} : { title }) }, text);
}

/** One call: its facts, its recordings and the operations joined to each of them. */
export function renderCallDetail(target: HTMLElement, call: CallRow): void {
  const facts: Array<[string, string | null]> = [
    ['resource', call.resourceId],
    ['call', callText(call)],
    [
      'participants',
      call.participants === 0 ? 'no call logs yet' : `${formatNumber(call.participants)} leg(s), ${formatSeconds(call.participantSeconds)} in all`,
    ],
    ['endpoint types', countsText(call.endpointTypes)],
    ['end reasons', countsText(call.endReasons)],
    [
      'streams',
      call.streams === 0 ? '–' : `${formatNumber(call.streams)}, ${formatNumber(call.poorStreams)} poor: ${call.impacted ? 'impacted' : 'not impacted'}`,
    ],
    [
      'recording coverage',
      call.recordingCoverage === null ? "unknown while the call's duration is unknown" : `${formatCoverage(call.recordingCoverage)} of the call recorded`,
    ],
    ['recordings', `${formatNumber(call.recordingCount)} (${formatSeconds(call.recordingSeconds)})`],
    ['operations', `${formatNumber(call.operationCount)}: ${countsText(call.operations)}`],
    ['failed operations', formatNumber(call.failedOperations)],
    ['joined', call.matched ? 'yes: its recordings were matched to the operations that started them' : 'no: no recording matched to a start operation'],
    ['summaries without operations', formatNumber(call.summariesWithoutOperations)],
    ['recordings without summary', formatNumber(call.recordingsWithoutSummary)],
    ['SDKs', [...call.sdkTypes, ...call.sdkVersions].join(', ') || '–'],
    ['call connections', call.callConnectionIds.join(', ') || '–'],
    ['operations from', `${formatTime(call.firstOperationAt)} to ${formatTime(call.lastOperationAt)}`],
    [
      'API latency',
      // A call without recording operations has no latency: not `p50 – ms`.
      call.durationMs.p50 === null
        ? '–'
        : `p50 ${formatNumber(call.durationMs.p50)} ms, p95 ${formatNumber(call.durationMs.p95)} ms, p99 ${formatNumber(call.durationMs.p99)} ms`,
    ],
  ];
  target.appendChild(h('dl', { class: 'facts' }, ...facts.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])));
  target.appendChild(h('h4', {}, 'Recordings and their operations'));
  target.appendChild(
    dataTable<CallRecordingItem>(
      [
        { title: 'recording', cell: (r) => h('span', { class: 'id', title: r.recordingId }, clippedMiddle(r.recordingId, 24, 10)), sort: (r) => r.recordingId },
        { title: 'start', cell: (r) => formatTime(r.startTime) },
        { title: 'length', cell: (r) => formatSeconds(r.lengthSeconds), sort: (r) => r.lengthSeconds },
        { title: 'content', cell: (r) => r.contentType },
        { title: 'channel', cell: (r) => r.channelType },
        { title: 'format', cell: (r) => r.formatType },
        { title: 'chunks', cell: (r) => r.chunkCount, numeric: true },
        { title: 'end reason', cell: (r) => r.endReason },
        { title: 'operations', cell: (r) => countsText(r.operations) },
        { title: 'failed', cell: (r) => r.failedOperations, numeric: true },
        { title: 'summary', cell: (r) => (r.hasSummary ? 'yes' : 'not yet') },
      ],
      call.recordings,
      { id: 'call-recordings', label: "the call's recordings", empty: 'this call has no recordings' },
    ),
  );
}

function callText(call: CallRow): string {
  if (call.callStartTime === null && call.callDurationSeconds === null) return 'no call logs yet';
  return `${call.callType ?? 'call'} started ${formatTime(call.callStartTime)}, lasting ${formatSeconds(call.callDurationSeconds)}`;
}

/** recordingSeconds / callDurationSeconds as a percentage. */
function formatCoverage(coverage: number | null): string | null {
  return coverage === null ? null : shareText(coverage * 100);
}
