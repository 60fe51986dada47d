import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CALL_TIMES_TABLE, INDEX_COMPLETE_ROW_KEY, INDEX_STATE_PARTITION } from '../../src/lib/aggregating/calls/callTimeIndex.js';
import { CALLS_TABLE } from '../../src/lib/aggregating/index.js';
import { buildCallTimeIndex, callTimeIndexComplete, callTimeIndexState, restartCallTimeIndex } from '../../src/lib/processing/callTimeIndexBuild.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import type { ViewFilters } from '../../src/lib/querying/filters.js';
import { queryCalls, queryRecordingsPerCall } from '../../src/lib/querying/recordingQueries.js';
import { readHealth } from '../../src/lib/querying/health.js';
import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { legRecord, streamRecord } from '../support/callLogs.js';
import { asJsonLines, DAY, operationRecord, recordingBlobPath, recordingIdOf, RESOURCE, RESOURCE_2, summaryRecord } from '../support/recordingLogs.js';
import { appendToBlob, azuriteConnectionString, newContainer, newTableStore, testDeps, uniquePrefix } from '../support/storage.js';

const HOUR = 3_600_000;
const DAYS = 8;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * `perDay` calls on each of DAYS days, on two resources: some with call logs and recordings, some
 * with recording operations only (their first time is their first operation), some with call logs only.
 */
function callLogs(perDay: number): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (let d = 0; d < DAYS; d++) {
    for (let c = 0; c < perDay; c++) {
      const correlationId = `day${d}-call${c}`;
      const resource = c % 3 === 0 ? RESOURCE_2 : RESOURCE;
      const start = DAY + d * 24 * HOUR + (c % 24) * HOUR + c * 7_000;
      if (c % 4 !== 3) {
        for (const participantId of ['p1', 'p2']) {
          records.push(legRecord({ correlationId, participantId, version: 1, time: start + HOUR, callStartTime: start, callDurationSeconds: 600, resource }));
          records.push(streamRecord({ correlationId, participantId, version: 1, time: start + HOUR, resource }));
        }
      }
      if (c % 4 === 2) continue;
      const recordingId = recordingIdOf(correlationId, 0);
      records.push(operationRecord({ correlationId, operationName: 'StartRecording', time: start + 10_000, resource }));
      records.push(operationRecord({ correlationId, operationName: 'StopRecording', recordingId, time: start + 50_000, resource }));
      records.push(summaryRecord({ correlationId, recordingId, time: start + 2 * HOUR, startTime: start + 11_000, lengthSeconds: 39, resource }));
    }
  }
  return records;
}

async function processRecords(tables: TableStore, records: Record<string, unknown>[], hour = 1): Promise<void> {
  const box = await newContainer(azuriteConnectionString(), `insights-logs-callsummary-${randomBytes(4).toString('hex')}`);
  const path = recordingBlobPath(DAY, hour);
  await appendToBlob(box, path, asJsonLines(records));
  await processFile({ container: box.containerName, path }, testDeps(tables));
}

/** Every row of the index's day partitions, as day → listed call partitions. */
async function listings(tables: TableStore): Promise<Map<string, string[]>> {
  const days = new Map<string, string[]>();
  for await (const row of tables.query(CALL_TIMES_TABLE, `PartitionKey lt '${INDEX_STATE_PARTITION}'`)) {
    days.set(row.partitionKey, [...(days.get(row.partitionKey) ?? []), String(row.data['call'])]);
  }
  return days;
}

async function clearIndex(tables: TableStore): Promise<void> {
  for await (const row of tables.query(CALL_TIMES_TABLE, undefined)) await tables.deleteRow(CALL_TIMES_TABLE, row.partitionKey, row.rowKey);
}

const FILTERS: readonly ViewFilters[] = [
  { granularity: 'day', from: iso(DAY + 24 * HOUR), to: iso(DAY + 48 * HOUR) },
  { granularity: 'hour', from: iso(DAY + 26 * HOUR), to: iso(DAY + 30 * HOUR) },
  { granularity: 'day', from: iso(DAY + 47 * HOUR), to: iso(DAY + 73 * HOUR) },
  { granularity: 'day', from: iso(DAY + 36 * HOUR) },
  { granularity: 'day', to: iso(DAY + 30 * HOUR) },
  { granularity: 'day', from: iso(DAY - 24 * HOUR), to: iso(DAY + 10 * 24 * HOUR) },
  { granularity: 'day', from: iso(DAY + 24 * HOUR), to: iso(DAY + 72 * HOUR), resourceId: RESOURCE_2.toLowerCase() },
  { granularity: 'day', from: iso(DAY + 24 * HOUR), to: iso(DAY + 72 * HOUR), resourceId: 'acs2' },
  { granularity: 'day', from: iso(DAY + 100 * 24 * HOUR), to: iso(DAY + 101 * 24 * HOUR) },
  { granularity: 'day', from: iso(DAY + 24 * HOUR), to: iso(DAY + 48 * HOUR), resourceId: RESOURCE_2.toLowerCase() },
  { granularity: 'hour', from: iso(DAY + 24 * HOUR), to: iso(DAY + 34 * HOUR), resourceId: 'acs1' },
];

describe('the time index of calls', () => {
  let tables: TableStore;
  /** What every filter answered by scanning the Calls table, before the index was complete. */
  const scanned = new Map<ViewFilters, { calls: unknown; perCall: unknown }>();

  beforeAll(async () => {
    tables = newTableStore();
    await processRecords(tables, callLogs(12));
  });

  it('lists each call a run writes under the day of its first time', async () => {
    const days = await listings(tables);
    expect([...days.keys()].sort()).toEqual(Array.from({ length: DAYS }, (_, d) => iso(DAY + d * 24 * HOUR).slice(0, 10)));
    for (const [day, calls] of days) {
      expect(calls).toHaveLength(12);
      for (const call of calls) expect(call.startsWith(`day${(Date.parse(`${day}T00:00:00Z`) - DAY) / (24 * HOUR)}-`)).toBe(true);
    }
    // Runs list what they write, but the index is not known to be whole until the one-time pass ran.
    expect(await callTimeIndexComplete(tables)).toBe(false);
  });

  it('answers as the scan did, once the one-time pass has listed the calls stored before it, resuming where it stopped', async () => {
    for (const filters of FILTERS) {
      scanned.set(filters, { calls: await queryCalls(tables, filters), perCall: await queryRecordingsPerCall(tables, filters) });
    }
    // A store written before the index existed: its calls are listed nowhere.
    await clearIndex(tables);
    let clock = 0;
    const first = await buildCallTimeIndex(tables, { saveEvery: 5, deadline: 7, now: () => ++clock });
    expect(first).toMatchObject({ state: 'partial', listed: 7 });
    expect(await callTimeIndexComplete(tables)).toBe(false);
    const rest = await buildCallTimeIndex(tables, { saveEvery: 5 });
    expect(rest).toEqual({ state: 'complete', listed: DAYS * 12 - 7 });
    expect(await callTimeIndexComplete(tables)).toBe(true);
    expect([...(await listings(tables)).values()].flat()).toHaveLength(DAYS * 12);
    // Seen complete once: not read again by this process.
    const before = tables.requestCount;
    expect(await buildCallTimeIndex(tables)).toEqual({ state: 'complete', listed: 0 });
    expect(tables.requestCount).toBe(before);

    for (const filters of FILTERS) {
      const was = scanned.get(filters);
      const label = JSON.stringify(filters);
      expect(await queryCalls(tables, filters), label).toEqual(was?.calls);
      expect(await queryRecordingsPerCall(tables, filters), label).toEqual(was?.perCall);
    }
    expect((scanned.get(FILTERS[0]!)?.calls as unknown[]).length).toBe(12);
  });

  it('reads only the calls listed under the days and hours asked for', async () => {
    const filters: ViewFilters = { granularity: 'day', from: iso(DAY + 48 * HOUR), to: iso(DAY + 72 * HOUR) };
    const before = tables.requests.reads;
    const rows = await queryCalls(tables, filters);
    expect(rows.map((row) => row.correlationId).sort()).toEqual(Array.from({ length: 12 }, (_, c) => `day2-call${c}`).sort());
    // The completion row, one page of the index for the day and one each for the days before and
    // after it (they list more than five times the day's calls), and one query per call of that day.
    expect(tables.requests.reads - before).toBe(1 + 1 + 2 + 12);

    // An hour reads the calls first seen in that hour only (one per hour and day here).
    const hour = await queryCalls(tables, { granularity: 'hour', from: iso(DAY + 29 * HOUR), to: iso(DAY + 30 * HOUR) });
    expect(hour.map((row) => row.correlationId)).toEqual(['day1-call5']);
    expect(tables.requests.reads - before).toBe(16 + 1 + 1 + 1 + 1);
  });

  it('reads a range holding most of the calls in one pass over the Calls table, as without the index', async () => {
    const filters: ViewFilters = { granularity: 'day', from: iso(DAY), to: iso(DAY + 72 * HOUR) };
    const before = tables.requests.reads;
    const rows = await queryCalls(tables, filters);
    expect(rows).toHaveLength(36);
    // The completion row, the range's first slice of the index (its reading ends when the two slices
    // outside have run out, holding fewer than five times its calls), and one page of the pass.
    expect(tables.requests.reads - before).toBe(1 + 1 + 2 + 1);
  });

  it('finds a call whose first time moved to an earlier day under its new day only, and once over both', async () => {
    const moved = 'day1-call5';
    const earlier = DAY + 24 * HOUR - 10 * 60_000;
    await processRecords(tables, [operationRecord({ correlationId: moved, operationName: 'GetRecordingState', time: earlier, resource: RESOURCE })], 2);
    const listed = await listings(tables);
    expect(listed.get(iso(earlier).slice(0, 10))).toContain(moved);
    expect(listed.get(iso(DAY + 24 * HOUR).slice(0, 10))).toContain(moved);

    const ids = async (from: number, to: number): Promise<string[]> =>
      (await queryCalls(tables, { granularity: 'day', from: iso(from), to: iso(to) })).map((row) => row.correlationId);
    expect(await ids(DAY, DAY + 24 * HOUR)).toContain(moved);
    expect(await ids(DAY + 24 * HOUR, DAY + 48 * HOUR)).not.toContain(moved);
    expect((await ids(DAY, DAY + 48 * HOUR)).filter((id) => id === moved)).toHaveLength(1);
    const perCall = await queryRecordingsPerCall(tables, { granularity: 'day', from: iso(DAY), to: iso(DAY + 48 * HOUR) });
    expect(perCall.reduce((sum, row) => sum + row.calls, 0)).toBe(24);
  });

  it('lists the calls of a run that failed before listing them when the file is read again', async () => {
    const store = newTableStore();
    let failures = 0;
    const failingOnce = new (class extends WrappedTableStore {
      override commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
        if (logicalName === CALL_TIMES_TABLE && failures++ === 0) return Promise.reject(new Error('storage went away'));
        return super.commit(logicalName, partitionKey, writes);
      }
    })(store);
    const box = await newContainer(azuriteConnectionString(), `insights-logs-callsummary-${randomBytes(4).toString('hex')}`);
    const path = recordingBlobPath(DAY, 1);
    await appendToBlob(box, path, asJsonLines(callLogs(3)));
    // The call rows are committed, the listing fails, the checkpoint stays: the next read lists them.
    await expect(processFile({ container: box.containerName, path }, testDeps(failingOnce))).rejects.toThrow('storage went away');
    expect((await store.readPartition(CALLS_TABLE, 'day0-call0')).size).toBeGreaterThan(0);
    await processFile({ container: box.containerName, path }, testDeps(store));
    expect([...(await listings(store)).values()].flat().sort()).toEqual(
      Array.from({ length: DAYS }, (_, d) => Array.from({ length: 3 }, (_, c) => `day${d}-call${c}`))
        .flat()
        .sort(),
    );
  });

  it('health says whether the index is complete, being listed, or not made yet', async () => {
    const store = newTableStore();
    expect((await readHealth(store, [])).callTimeIndex).toEqual({ state: 'waiting', completedAt: null });
    await processRecords(store, callLogs(2));
    await buildCallTimeIndex(store, { saveEvery: 1, deadline: 0 });
    expect((await readHealth(store, [])).callTimeIndex).toEqual({ state: 'listing', completedAt: null });
    await buildCallTimeIndex(store);
    const health = await readHealth(store, []);
    expect(health.callTimeIndex?.state).toBe('complete');
    expect(Date.parse(health.callTimeIndex?.completedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('is complete at once on a store without calls, and a query of it creates no table', async () => {
    const empty = newTableStore();
    expect(await queryCalls(empty, FILTERS[0]!)).toEqual([]);
    expect(await callTimeIndexComplete(empty)).toBe(false);
    expect(await buildCallTimeIndex(empty)).toEqual({ state: 'complete', listed: 0 });
    expect(await callTimeIndexComplete(empty)).toBe(true);
    expect([...(await empty.readPartition(CALLS_TABLE, 'x')).keys()]).toEqual([]);
  });
});

describe('the time index of a store of one day', () => {
  it('reads an hour of it by the index, weighing it against the other hours of its day (there is no other day)', async () => {
    const tables = newTableStore();
    const perHour = 4;
    const records: Record<string, unknown>[] = [];
    for (let c = 0; c < 24 * perHour; c++) {
      const start = DAY + (c % 24) * HOUR + c * 1_000;
      for (const participantId of ['p1', 'p2'])
        records.push(
          legRecord({ correlationId: `one-day-call${c}`, participantId, version: 1, time: start + HOUR, callStartTime: start, callDurationSeconds: 60 }),
        );
    }
    await processRecords(tables, records);
    expect(await buildCallTimeIndex(tables)).toMatchObject({ state: 'complete' });
    const filters: ViewFilters = { granularity: 'hour', from: iso(DAY + 10 * HOUR), to: iso(DAY + 11 * HOUR) };
    const before = tables.requests.reads;
    const rows = await queryCalls(tables, filters);
    expect(rows.map((row) => row.correlationId).sort()).toEqual(Array.from({ length: perHour }, (_, n) => `one-day-call${10 + 24 * n}`).sort());
    // The completion row, the hour's page of the index, the (empty) days before and after it, the
    // day's hours before it (40 calls, past five times the hour's 4), then one query per call of the
    // hour: not a pass over the day's 96 calls.
    expect(tables.requests.reads - before).toBe(1 + 1 + 2 + 1 + perHour);
  });
});

describe('the one-time listing of stored calls, two commands starting at once', () => {
  it('stops without listing or reporting once another pass completed the index after it looked', async () => {
    const store = newTableStore();
    await processRecords(store, callLogs(3));
    await clearIndex(store);
    let completedMeanwhile = false;
    // The other command's pass completes the index after this one found it incomplete, before this one lists.
    const racing = new (class extends WrappedTableStore {
      override query(table: string, filter: string | undefined, select?: string[]): ReturnType<TableStore['query']> {
        if (table === CALLS_TABLE && !completedMeanwhile) {
          completedMeanwhile = true;
          const rows = super.query(table, filter, select);
          return (async function* () {
            await store.upsert(CALL_TIMES_TABLE, INDEX_STATE_PARTITION, INDEX_COMPLETE_ROW_KEY, { completedAt: new Date().toISOString() });
            yield* rows;
          })();
        }
        return super.query(table, filter, select);
      }
    })(store);

    expect(await buildCallTimeIndex(racing)).toEqual({ state: 'complete', listed: 0 });
    expect(completedMeanwhile).toBe(true);
    expect(await listings(store)).toEqual(new Map());
  });
});

describe('reindex-calls stopped part way', () => {
  it('between forgetting the completion and the place of the last pass: the next pass does not resume from that place and call the index complete', async () => {
    const prefix = uniquePrefix();
    // A new store object for each command: one that saw the index complete does not look again.
    const command = (): TableStore => newTableStore(azuriteConnectionString(), prefix);
    await processRecords(command(), callLogs(3));
    // A completed pass saved its place on the way (every `saveEvery` calls).
    expect(await buildCallTimeIndex(command(), { saveEvery: 2 })).toMatchObject({ state: 'complete' });
    const completedBefore = (await callTimeIndexState(command())).completedAt;
    // Calls an older version wrote afterwards are listed nowhere.
    await clearIndexDays(command());

    let deletes = 0;
    const killedAfterFirstDelete = new (class extends WrappedTableStore {
      override deleteRow(table: string, partitionKey: string, rowKey: string): Promise<void> {
        if (++deletes === 2) return Promise.reject(new Error('killed'));
        return super.deleteRow(table, partitionKey, rowKey);
      }
    })(command());
    await expect(restartCallTimeIndex(killedAfterFirstDelete)).rejects.toThrow('killed');
    // The next process's pass.
    await buildCallTimeIndex(command());

    // Either the index is as before the reindex (which failed, and said so), or it lists every call.
    const state = await callTimeIndexState(command());
    const listed = [...(await listings(command())).values()].flat().length;
    expect(state.completedAt === completedBefore || (state.state === 'complete' && listed === DAYS * 3), JSON.stringify({ state, listed })).toBe(true);
  });
});

async function clearIndexDays(tables: TableStore): Promise<void> {
  for await (const row of tables.query(CALL_TIMES_TABLE, `PartitionKey lt '${INDEX_STATE_PARTITION}'`))
    await tables.deleteRow(CALL_TIMES_TABLE, row.partitionKey, row.rowKey);
}
