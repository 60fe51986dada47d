import { describe, expect, it } from 'vitest';
import { CALL_ROW_KEY, callPartition, callsView } from '../../src/lib/aggregating/calls/index.js';
import { foldStream, streamRowKey } from '../../src/lib/aggregating/calls/callLogRows.js';
import { decodeLegStreams, LEG_STREAMS_FIELD, MAX_LEG_STREAMS_CHARS } from '../../src/lib/aggregating/calls/legStreams.js';
import { SUMMARY_MARKS_FIELD, SUMMARY_SEQUENCE_FIELD, type AggregateView, type RowData } from '../../src/lib/aggregating/types.js';
import type { NormalizedRecord } from '../../src/lib/normalizing/types.js';
import { applyExactlyOnce } from '../../src/lib/processing/applyExactlyOnce.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { legRecord, streamRecord } from '../support/callLogs.js';
import { DAY, normalizeAll } from '../support/recordingLogs.js';
import { newTableStore, referenceAggregates } from '../support/storage.js';

const HOUR = 3_600_000;
const CALL = 'call-stored-before-leg-streams';
const START = DAY + 2 * HOUR;
const PARTITION = callPartition(CALL);
const common = { correlationId: CALL, callStartTime: START } as const;

const isStream = (record: NormalizedRecord): boolean => record.category === 'CallDiagnostics' || record.category === 'CallDiagnosticsUpdates';

/** The calls view as earlier versions wrote it: a row `m|<stream key>` per stream, nothing of it in the leg row. */
const earlierCallsView: AggregateView = {
  ...callsView,
  route(record) {
    const route = callsView.route(record);
    if (!route || (record.category !== 'CallDiagnostics' && record.category !== 'CallDiagnosticsUpdates')) return route;
    return { partitionKey: route.partitionKey, rowKeys: [streamRowKey(record)] };
  },
  apply(record, rows) {
    if (record.category !== 'CallDiagnostics' && record.category !== 'CallDiagnosticsUpdates') return callsView.apply(record, rows);
    foldStream(rows[0] as RowData, record, CALL);
  },
};

async function apply(tables: TableStore, view: AggregateView, records: readonly NormalizedRecord[], fileId: string): Promise<void> {
  const positioned = records.map((record, position) => ({ position, record }));
  await applyExactlyOnce(tables, [view], positioned, { fileId, fileKey: `c/${fileId}`, concurrency: 1 });
}

async function partitionRows(tables: TableStore): Promise<Map<string, RowData>> {
  const rows = new Map<string, RowData>();
  for await (const row of tables.query(callsView.table, undefined)) if (row.partitionKey === PARTITION) rows.set(row.rowKey, row.data);
  return rows;
}

function withoutBookkeeping(row: RowData | undefined): RowData {
  const { [SUMMARY_SEQUENCE_FIELD]: _count, [SUMMARY_MARKS_FIELD]: _marks, ...data } = row ?? {};
  return data;
}

describe('streams stored as m| rows by earlier versions (Azurite)', () => {
  const earlier = normalizeAll([
    legRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, callDurationSeconds: 600 }),
    legRecord({ ...common, participantId: 'p-2', version: 1, time: START + HOUR, callDurationSeconds: 600, endpointType: 'PSTN' }),
    streamRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, jitterAvg: 5 }),
    streamRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, direction: 'Outbound', jitterAvg: 7 }),
    streamRecord({ ...common, participantId: 'p-2', version: 1, time: START + HOUR, mediaType: 'Video', packetLossRateAvg: 0.4 }),
  ]);
  const later = normalizeAll([
    // Better than its m| row: replaces it (poor now).
    streamRecord({ ...common, participantId: 'p-1', version: 2, time: START + 5 * HOUR, jitterAvg: 45 }),
    // Worse than its m| row (a plain record, version 0): changes nothing.
    streamRecord({ ...common, participantId: 'p-1', version: null, time: START + 9 * HOUR, direction: 'Outbound', jitterAvg: 90 }),
    // The same record again: counts once.
    streamRecord({ ...common, participantId: 'p-2', version: 1, time: START + HOUR, mediaType: 'Video', packetLossRateAvg: 0.4 }),
    // New streams: of a leg with a record, and of a leg without one (yet).
    streamRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, mediaType: 'Video', streamId: '9', roundTripTimeAvg: 80 }),
    streamRecord({ ...common, participantId: 'p-3', version: 1, time: START + 6 * HOUR, jitterAvg: 3 }),
  ]);

  it('still count: the newer records of the same streams and of new ones give the call of one pass over all', async () => {
    const tables = newTableStore();
    await apply(tables, earlierCallsView, earlier, 'earlier');
    const before = await partitionRows(tables);
    expect([...before.keys()].filter((key) => key.startsWith('m|'))).toHaveLength(3);
    for (const [key, row] of before) if (key.startsWith('l|')) expect(row[LEG_STREAMS_FIELD]).toBeUndefined();

    await apply(tables, callsView, later, 'later');
    const rows = await partitionRows(tables);
    const reference = referenceAggregates([...earlier, ...later], [callsView])['Calls'] ?? {};
    const callRow = withoutBookkeeping(rows.get(CALL_ROW_KEY));
    expect(callRow).toEqual(reference[`${PARTITION} / ${CALL_ROW_KEY}`]);
    expect(callRow).toMatchObject({ participants: 2, streams: 5, poorStreams: 2, endpointTypes: '{"PSTN":1,"VoIP":1}' });

    // The old streams stay in their m| rows; only the new ones went to their legs' rows.
    expect([...rows.keys()].filter((key) => key.startsWith('m|'))).toHaveLength(3);
    const inLegs = [...rows].filter(([key]) => key.startsWith('l|')).flatMap(([, row]) => [...decodeLegStreams(row[LEG_STREAMS_FIELD]).keys()]);
    expect(inLegs).toHaveLength(2);
    for (const key of inLegs) expect(rows.has(`m|${key}`)).toBe(false);

    // Every file again, in both layouts' order: nothing changes.
    await apply(tables, callsView, later, 'later');
    await apply(tables, callsView, earlier.filter(isStream), 'earlier-copy');
    expect(withoutBookkeeping((await partitionRows(tables)).get(CALL_ROW_KEY))).toEqual(callRow);
  });

  it('a leg whose streams would pass its room in chars gives further streams rows of their own; the call counts every one once', async () => {
    // Resource ids are not clipped: 60 streams, each from a resource id of 6,000 chars, pass the leg's room.
    const resource = (i: number): string =>
      `/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/${String(i).padStart(2, '0')}${'X'.repeat(6000)}`;
    const raw = [
      legRecord({ ...common, participantId: 'p-1', version: 1, time: START + HOUR, callDurationSeconds: 600 }),
      ...Array.from({ length: 60 }, (_, i) =>
        streamRecord({
          ...common,
          participantId: 'p-1',
          version: 1,
          time: START + HOUR,
          streamId: String(i),
          resource: resource(i),
          jitterAvg: i % 10 === 0 ? 50 : 2,
        }),
      ),
    ];
    const records = normalizeAll(raw);
    const tables = newTableStore();
    await apply(tables, callsView, records, 'wide');
    const rows = await partitionRows(tables);
    const legs = [...rows].filter(([key]) => key.startsWith('l|'));
    expect(legs).toHaveLength(1);
    const stored = (legs[0] as [string, RowData])[1][LEG_STREAMS_FIELD] as string;
    expect(stored.length).toBeLessThanOrEqual(MAX_LEG_STREAMS_CHARS);
    const inLeg = decodeLegStreams(stored).size;
    expect(inLeg).toBeGreaterThan(20);
    expect([...rows.keys()].filter((key) => key.startsWith('m|'))).toHaveLength(60 - inLeg);
    const reference = referenceAggregates(records, [callsView])['Calls'] ?? {};
    expect(withoutBookkeeping(rows.get(CALL_ROW_KEY))).toEqual(reference[`${PARTITION} / ${CALL_ROW_KEY}`]);
    expect(rows.get(CALL_ROW_KEY)).toMatchObject({ participants: 1, streams: 60, poorStreams: 6 });
  });
});
