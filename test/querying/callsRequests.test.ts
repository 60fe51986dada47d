import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { processFile } from '../../src/lib/processing/processFile.js';
import { PartitionGrouper } from '../../src/lib/querying/callPartitionsScan.js';
import type { ViewFilters } from '../../src/lib/querying/filters.js';
import type { CallRow } from '../../src/lib/querying/queryRows.js';
import { queryCalls } from '../../src/lib/querying/recordingQueries.js';
import type { StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { legRecord, streamRecord } from '../support/callLogs.js';
import { asJsonLines, DAY, operationRecord, recordingBlobPath, recordingIdOf, RESOURCE, RESOURCE_2, summaryRecord } from '../support/recordingLogs.js';
import { appendToBlob, azuriteConnectionString, newContainer, newTableStore, testDeps } from '../support/storage.js';

const HOUR = 3_600_000;

/**
 * `calls` calls over hours 0-5 of DAY, on two resources: legs and streams (rows the calls view does
 * not read), recording operations and two recordings each, some calls with call logs only.
 */
function callLogs(calls: number): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (let c = 0; c < calls; c++) {
    const correlationId = `req-${calls}-${c}`;
    const resource = c % 3 === 0 ? RESOURCE_2 : RESOURCE;
    const start = DAY + (c % 6) * HOUR + c * 7_000;
    for (const participantId of ['p1', 'p2']) {
      records.push(legRecord({ correlationId, participantId, version: 1, time: start + HOUR, callStartTime: start, callDurationSeconds: 600, resource }));
      records.push(streamRecord({ correlationId, participantId, version: 1, time: start + HOUR, jitterAvg: c % 4 === 0 ? 45 : 3, resource }));
    }
    if (c % 5 === 4) continue;
    for (let r = 0; r < 2; r++) {
      const recordingId = recordingIdOf(correlationId, r);
      records.push(operationRecord({ correlationId, operationName: 'StartRecording', time: start + 10_000 + r * 60_000, resource }));
      records.push(operationRecord({ correlationId, operationName: 'StopRecording', recordingId, time: start + 50_000 + r * 60_000, resource }));
      records.push(summaryRecord({ correlationId, recordingId, time: start + 2 * HOUR, startTime: start + 11_000 + r * 60_000, lengthSeconds: 39, resource }));
    }
  }
  return records;
}

async function processed(calls: number): Promise<TableStore> {
  const tables = newTableStore();
  const box = await newContainer(azuriteConnectionString(), `insights-logs-callsummary-${randomBytes(4).toString('hex')}`);
  const path = recordingBlobPath(DAY, 1);
  await appendToBlob(box, path, asJsonLines(callLogs(calls)));
  await processFile({ container: box.containerName, path }, testDeps(tables));
  return tables;
}

/** The calls the filters pick, and the table reads it took. */
async function readsOf(tables: TableStore, filters: ViewFilters): Promise<{ rows: CallRow[]; reads: number }> {
  const before = tables.requests.reads;
  const rows = await queryCalls(tables, filters);
  return { rows, reads: tables.requests.reads - before };
}

const FILTERS: readonly ViewFilters[] = [
  { granularity: 'day' },
  { granularity: 'hour', from: new Date(DAY + 2 * HOUR).toISOString(), to: new Date(DAY + 4 * HOUR).toISOString() },
  { granularity: 'day', resourceId: RESOURCE_2.toLowerCase() },
  { granularity: 'day', resourceId: 'acs2', from: new Date(DAY + HOUR).toISOString() },
];

describe('query calls reads the Calls table in one pass', () => {
  let few: TableStore;
  let many: TableStore;
  beforeAll(async () => {
    [few, many] = await Promise.all([processed(4), processed(60)]);
  });

  it('takes as many table requests for 60 calls as for 4, whatever the filters', async () => {
    for (const filters of FILTERS) {
      const small = await readsOf(few, filters);
      const large = await readsOf(many, filters);
      expect(small.rows.length, JSON.stringify(filters)).toBeGreaterThan(0);
      expect(large.rows.length, JSON.stringify(filters)).toBeGreaterThan(small.rows.length * 4);
      expect(
        large.rows.some((row) => row.recordingCount === 2 && row.participants === 2),
        JSON.stringify(filters),
      ).toBe(true);
      expect(large.reads, JSON.stringify(filters)).toBe(small.reads);
      // A range first reads whether the time index is complete (it is not here: no one-time pass ran).
      expect(large.reads, JSON.stringify(filters)).toBe(filters.from === undefined && filters.to === undefined ? 1 : 2);
    }
  });

  it('gives every call exactly as its own point read gives it, recordings and call-log fields included', async () => {
    const { rows } = await readsOf(many, { granularity: 'day' });
    expect(rows).toHaveLength(60);
    expect(rows.filter((row) => row.recordingCount === 0 && row.participants === 2)).toHaveLength(12);
    expect(rows.filter((row) => row.impacted)).toHaveLength(15);
    for (const row of rows) {
      const alone = await readsOf(many, { granularity: 'day', correlationId: row.correlationId.toUpperCase() });
      expect(alone.rows).toEqual([row]);
    }
  });

  it("keeps the filters' rows and order: a time range and a resource give the matching part of all calls", async () => {
    const all = (await readsOf(many, { granularity: 'day' })).rows;
    const byName = (await readsOf(many, FILTERS[3]!)).rows;
    expect(byName.length).toBeGreaterThan(0);
    expect(byName.every((row) => row.resourceId === RESOURCE_2)).toBe(true);
    expect(all.filter((row) => byName.some((other) => other.correlationId === row.correlationId))).toEqual(byName);
    const byId = (await readsOf(many, FILTERS[2]!)).rows;
    expect(byId).toEqual(all.filter((row) => row.resourceId === RESOURCE_2));
  });
});

describe('a CorrelationId logged in two cases', () => {
  it('is two calls (joined as written); asked for as written it is that call, in another case every call it could be', async () => {
    const tables = newTableStore();
    const box = await newContainer(azuriteConnectionString(), `insights-logs-callrecordingoperational-${randomBytes(4).toString('hex')}`);
    const path = recordingBlobPath(DAY, 1);
    const [lower, upper] = ['3a643ea1-8390-474c-8a82-8de781f961be', '3A643EA1-8390-474C-8A82-8DE781F961BE'];
    const records = [lower, upper].map((correlationId, n) => operationRecord({ correlationId, operationName: 'StartRecording', time: DAY + n * 60_000 }));
    await appendToBlob(box, path, asJsonLines(records));
    await processFile({ container: box.containerName, path }, testDeps(tables));
    const ids = async (correlationId?: string): Promise<string[]> =>
      (await queryCalls(tables, { granularity: 'day', ...(correlationId === undefined ? {} : { correlationId }) })).map((row) => row.correlationId);
    expect(await ids()).toEqual([lower, upper]);
    expect(await ids(lower)).toEqual([lower]);
    expect(await ids(upper)).toEqual([upper]);
    expect(await ids('3A643ea1-8390-474c-8a82-8de781f961be')).toEqual([lower, upper]);
    expect(await ids(` ${upper} `)).toEqual([upper]);
  });
});

describe('query calls with a capped call row among the others', () => {
  it('recomputes the capped call from its partition, with one more read, and joins the others from the scan', async () => {
    const capped = Array.from({ length: 210 }, (_, n) =>
      operationRecord({
        correlationId: 'many-sdks',
        operationName: 'GetRecordingState',
        recordingId: 'rec',
        time: DAY + HOUR + n * 1000,
        sdkType: `sdk-${String(n).padStart(3, '0')}`,
      }),
    );
    const tables = newTableStore();
    const box = await newContainer(azuriteConnectionString(), `insights-logs-callrecordingoperational-${randomBytes(4).toString('hex')}`);
    const path = recordingBlobPath(DAY, 2);
    await appendToBlob(box, path, asJsonLines([...callLogs(6), ...capped]));
    await processFile({ container: box.containerName, path }, testDeps(tables));

    const { rows, reads } = await readsOf(tables, { granularity: 'day' });
    expect(rows).toHaveLength(7);
    expect(reads).toBe(2);
    const call = rows.find((row) => row.correlationId === 'many-sdks');
    expect(call?.sdkTypes).toHaveLength(210);
    expect(call?.operationCount).toBe(210);
    expect(call?.recordings.map((r) => r.recordingId)).toEqual(['rec']);
    for (const row of rows) expect((await readsOf(tables, { granularity: 'day', correlationId: row.correlationId })).rows).toEqual([row]);
  });
});

describe('a CorrelationId of thousands of characters, which the view shows cut', () => {
  it('is found by the id the view shows, whether the call has recordings or call logs only, and by its whole id', async () => {
    const tables = newTableStore();
    const box = await newContainer(azuriteConnectionString(), `insights-logs-callsummary-${randomBytes(4).toString('hex')}`);
    const path = recordingBlobPath(DAY, 1);
    const long = (end: string): string => `${'A'.repeat(10_240)}<b>${end}</b>`;
    // Two calls with call logs only, and two with a recording operation each, whose ids differ after 1,024 characters.
    const records = [
      ...['logs1', 'logs2'].map((end, i) =>
        legRecord({ correlationId: long(end), participantId: 'p1', version: null, time: DAY + HOUR, callStartTime: DAY + i * 60_000, callDurationSeconds: 60 }),
      ),
      ...['rec1', 'rec2'].map((end, i) => operationRecord({ correlationId: long(end), operationName: 'StartRecording', time: DAY + (2 + i) * 60_000 })),
      legRecord({ correlationId: 'short', participantId: 'p1', version: null, time: DAY + HOUR, callStartTime: DAY + 10 * 60_000, callDurationSeconds: 60 }),
    ];
    await appendToBlob(box, path, asJsonLines(records));
    await processFile({ container: box.containerName, path }, testDeps(tables));
    const calls = await queryCalls(tables, { granularity: 'day' });
    expect(calls.length).toBe(5);
    const firstOf = (row: CallRow): string | null => row.callStartTime ?? row.firstOperationAt;
    for (const call of calls) {
      const found = await queryCalls(tables, { granularity: 'day', correlationId: call.correlationId });
      // Each id is shown cut with a digest of the whole: the id shown finds its call only.
      expect(found.map(firstOf), call.correlationId.slice(-40)).toEqual([firstOf(call)]);
    }
    const shown = calls.map((call) => call.correlationId).filter((id) => id.startsWith('AAAA'));
    expect(shown).toHaveLength(4);
    expect(new Set(shown).size).toBe(4);
    // Recorded calls show their row's id (1,024 characters), calls with call logs only their partition's.
    expect(shown.filter((id) => /^A+…[A-Za-z0-9_-]{11}$/.test(id) && id.length === 1024)).toHaveLength(2);
    expect((await queryCalls(tables, { granularity: 'day', correlationId: long('logs2') })).map(firstOf)).toEqual([new Date(DAY + 60_000).toISOString()]);
    expect(await queryCalls(tables, { granularity: 'day', correlationId: 'A'.repeat(1023) })).toEqual([]);
    // As typed: with a space before or after it, as any id is matched.
    const recorded = calls.filter((call) => call.operationCount > 0 && call.correlationId.startsWith('AAAA'));
    expect(recorded).toHaveLength(2);
    for (const call of recorded)
      for (const typed of [`${call.correlationId} `, ` ${call.correlationId}`])
        expect((await queryCalls(tables, { granularity: 'day', correlationId: typed })).map(firstOf), typed.slice(0, 3)).toEqual([firstOf(call)]);
    // An id no view shows, whose filter no request line would hold: no rows, not a failure.
    expect(await queryCalls(tables, { granularity: 'day', correlationId: "'".repeat(3000) })).toEqual([]);
    expect(await queryCalls(tables, { granularity: 'day', correlationId: '中'.repeat(1000) })).toEqual([]);
  });
});

describe('PartitionGrouper', () => {
  const row = (partitionKey: string, rowKey: string): StoredRow => ({
    partitionKey,
    rowKey,
    etag: '',
    data:
      rowKey === 'call'
        ? { correlationId: partitionKey }
        : { recordingId: rowKey.slice(2), correlationId: partitionKey, resourceId: RESOURCE, hasSummary: true },
  });

  it('gives each partition its call row and recordings, in whatever order they come within the partition', () => {
    const groups: { call: string | undefined; recordings: string[] }[] = [];
    const grouper = new PartitionGrouper((group) => groups.push({ call: group.callRow?.partitionKey, recordings: group.recordings.map((r) => r.recordingId) }));
    for (const r of [row('a', 's|1'), row('a', 'call'), row('a', 's|2'), row('b', 's|3'), row('c', 'call')]) grouper.add(r);
    grouper.end();
    expect(groups).toEqual([
      { call: 'a', recordings: ['1', '2'] },
      { call: undefined, recordings: ['3'] },
      { call: 'c', recordings: [] },
    ]);
  });

  it('fails rather than split a partition whose rows come back apart', () => {
    const grouper = new PartitionGrouper(() => undefined);
    grouper.add(row('a', 'call'));
    grouper.add(row('b', 'call'));
    expect(() => grouper.add(row('a', 's|1'))).toThrow(/partition a apart/);
  });
});
