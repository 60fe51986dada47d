import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { CONTRIBUTION_VIEWS } from '../../src/lib/aggregating/index.js';
import { resourceDayPartition } from '../../src/lib/aggregating/partitions.js';
import { LEGACY_SEQUENCE_ROW_KEY, SUMMARY_SEQUENCE_FIELD, type RowData } from '../../src/lib/aggregating/types.js';
import { CALL_ROW_KEY, CALLS_TABLE, callRowSchema, callsView } from '../../src/lib/aggregating/calls/index.js';
import { LOCATOR_ROW_KEY } from '../../src/lib/aggregating/calls/callLocator.js';
import { contributionOf } from '../../src/lib/aggregating/calls/callContribution.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { queryCallQuality, queryCallVolume } from '../../src/lib/querying/callQueries.js';
import { boundedKey, RESERVED_ROW_PREFIX } from '../../src/lib/storage/keys.js';
import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { crashBeforeEachWrite } from '../support/crashLoop.js';
import { legRecord, streamRecord } from '../support/callLogs.js';
import { asJsonLines, DAY, normalizeAll, operationRecord, recordingBlobPath, recordingIdOf, RESOURCE, summaryRecord } from '../support/recordingLogs.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newContainer,
  newMemoryTableStore,
  newTableStore,
  referenceAggregates,
  testDeps,
  uniquePrefix,
} from '../support/storage.js';

const HOUR = 3_600_000;
type Snapshot = Record<string, Record<string, RowData>>;

function container(category: string): Promise<ContainerClient> {
  return newContainer(azuriteConnectionString(), `insights-logs-${category}-${randomBytes(4).toString('hex')}`);
}

/** The call-volume and call-quality tables as stored (aggregate rows only; empty buckets left out). */
async function readViews(tables: TableStore): Promise<Snapshot> {
  const snapshot: Snapshot = {};
  for (const target of CONTRIBUTION_VIEWS) {
    await tables.ensureTable(target.table);
    const rows: Record<string, RowData> = {};
    for await (const row of tables.query(target.table, undefined)) {
      if (row.rowKey.startsWith(RESERVED_ROW_PREFIX) || isEmpty(row.data)) continue;
      rows[`${row.partitionKey} / ${row.rowKey}`] = row.data;
    }
    snapshot[target.table] = sorted(rows);
  }
  return snapshot;
}

/** What the views hold when every call's final row is added once: the yardstick. */
function referenceViews(records: readonly Record<string, unknown>[]): Snapshot {
  const calls = referenceAggregates(normalizeAll(records), [callsView])[CALLS_TABLE] ?? {};
  const snapshot: Snapshot = {};
  for (const target of CONTRIBUTION_VIEWS) {
    const rows: Record<string, RowData> = {};
    for (const [key, row] of Object.entries(calls)) {
      if (!key.endsWith(` / ${CALL_ROW_KEY}`)) continue;
      const c = contributionOf(callRowSchema.parse(row));
      if (c === null) continue;
      const partition = boundedKey(resourceDayPartition(c.resourceId, c.day));
      for (const rowKey of target.rowKeys(c)) target.apply((rows[`${partition} / ${rowKey}`] ??= {}), rowKey, c, 1);
    }
    for (const row of Object.values(rows)) target.finalize?.(row);
    snapshot[target.table] = sorted(Object.fromEntries(Object.entries(rows).filter(([, row]) => !isEmpty(row))));
  }
  return snapshot;
}

function isEmpty(row: RowData): boolean {
  return row['calls'] === 0 || row['streams'] === 0;
}

function sorted(rows: Record<string, RowData>): Record<string, RowData> {
  return Object.fromEntries(Object.entries(rows).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `tables` with `beforeCommit` awaited before every commit. */
function holdCommits(tables: TableStore, beforeCommit: (table: string) => Promise<void>): TableStore {
  return new (class extends WrappedTableStore {
    override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
      await beforeCommit(table);
      return super.commit(table, partitionKey, writes);
    }
  })(tables);
}

/** Two calls' logs in two versions, the second lowering the duration and one moving the call to the next day. */
function twoCalls(): { v1: Record<string, unknown>[]; v2: Record<string, unknown>[]; recordings: Record<string, unknown>[] } {
  const nearMidnight = DAY + 23 * HOUR + 59 * 60_000;
  const v1 = [
    legRecord({ correlationId: 'call-a', participantId: 'a1', version: 1, time: DAY + 12 * HOUR, callStartTime: DAY + 10 * HOUR, callDurationSeconds: 900 }),
    legRecord({
      correlationId: 'call-a',
      participantId: 'a2',
      version: 1,
      time: DAY + 12 * HOUR,
      callStartTime: DAY + 10 * HOUR,
      callDurationSeconds: 900,
      endpointType: 'PSTN',
    }),
    streamRecord({ correlationId: 'call-a', participantId: 'a1', version: 1, time: DAY + 12 * HOUR, jitterAvg: 50 }),
    legRecord({
      correlationId: 'call-b',
      participantId: 'b1',
      version: 1,
      time: DAY + 25 * HOUR,
      callStartTime: nearMidnight,
      callDurationSeconds: 300,
      callType: 'P2P',
    }),
    streamRecord({ correlationId: 'call-b', participantId: 'b1', version: 1, time: DAY + 25 * HOUR, mediaType: 'Video', roundTripTimeAvg: 80 }),
  ];
  const v2 = [
    legRecord({
      correlationId: 'call-a',
      participantId: 'a1',
      version: 2,
      time: DAY + 20 * HOUR,
      callStartTime: DAY + 10 * HOUR,
      callDurationSeconds: 600,
      stringNumbers: true,
    }),
    streamRecord({ correlationId: 'call-a', participantId: 'a1', version: 2, time: DAY + 20 * HOUR, jitterAvg: 5, casing: 'pascal' }),
    // The corrected start time moves call-b past midnight: another hour, another day partition.
    legRecord({
      correlationId: 'call-b',
      participantId: 'b1',
      version: 2,
      time: DAY + 30 * HOUR,
      callStartTime: nearMidnight + 2 * 60_000,
      callDurationSeconds: 240,
      callType: 'P2P',
    }),
  ];
  const recordings = [
    operationRecord({ correlationId: 'call-a', operationName: 'StartRecording', time: DAY + 10 * HOUR + 5_000 }),
    summaryRecord({
      correlationId: 'call-a',
      recordingId: recordingIdOf('call-a', 1),
      time: DAY + 11 * HOUR,
      startTime: DAY + 10 * HOUR + 6_000,
      lengthSeconds: 300,
    }),
  ];
  return { v1, v2, recordings };
}

describe('call-volume and call-quality, against Azurite', () => {
  it('a later version replaces the earlier one everywhere, also when it moves the call to another day', async () => {
    const { v1, v2, recordings } = twoCalls();
    const box = await container('callsummaryupdates');
    const files = [v1, recordings, v2].map((lines, i) => ({ container: box.containerName, path: recordingBlobPath(DAY + i * 86_400_000, 5 + i), lines }));
    for (const f of files) await appendToBlob(box, f.path, asJsonLines(f.lines));
    const tables = newTableStore();

    await processFile(files[0]!, testDeps(tables));
    const before = await queryCallVolume(tables, { granularity: 'day' });
    expect(before).toEqual([
      expect.objectContaining({
        bucket: new Date(DAY).toISOString(),
        resourceId: RESOURCE,
        calls: 2,
        callSeconds: 1200,
        participants: 3,
        participantSeconds: 2100,
        byCallType: { Group: 1, P2P: 1 },
        byEndpointType: { PSTN: 1, VoIP: 2 },
        impactedCalls: 1,
        recordedCalls: 0,
      }),
    ]);

    await processFile(files[1]!, testDeps(tables));
    await processFile(files[2]!, testDeps(tables));
    const after = await queryCallVolume(tables, { granularity: 'day' });
    expect(after).toEqual([
      expect.objectContaining({
        bucket: new Date(DAY).toISOString(),
        calls: 1,
        callSeconds: 600,
        participants: 2,
        participantSeconds: 1500,
        impactedCalls: 0,
        recordedCalls: 1,
      }),
      expect.objectContaining({ bucket: new Date(DAY + 86_400_000).toISOString(), calls: 1, callSeconds: 240, byCallType: { P2P: 1 } }),
    ]);
    const hours = await queryCallVolume(tables, { granularity: 'hour' });
    expect(hours.map((h) => [h.bucket, h.calls])).toEqual([
      [new Date(DAY + 10 * HOUR).toISOString(), 1],
      [new Date(DAY + 24 * HOUR).toISOString(), 1],
    ]);
    const quality = await queryCallQuality(tables, { granularity: 'day' });
    expect(quality).toEqual([
      {
        bucket: new Date(DAY).toISOString(),
        resourceId: RESOURCE,
        mediaType: 'Audio',
        streams: 1,
        poorStreams: 0,
        jitterMs: { p50: expect.closeTo(5, 1), p95: expect.closeTo(5, 1), max: expect.closeTo(5, 1) },
        roundTripMs: expect.objectContaining({ max: expect.closeTo(40, 0) }),
        packetLoss: expect.objectContaining({ p50: expect.closeTo(0.001, 4) }),
      },
      expect.objectContaining({ bucket: new Date(DAY + 86_400_000).toISOString(), mediaType: 'Video', streams: 1 }),
    ]);
    expect(await readViews(tables)).toEqual(referenceViews([...v1, ...v2, ...recordings]));
    // Nothing left behind where call-b used to be, and the day partitions hold only their own hours.
    const old = await tables.readPartition('CallVolume', boundedKey(resourceDayPartition(RESOURCE, new Date(DAY).toISOString())));
    expect(
      [...old.values()]
        .filter((r) => r.rowKey.startsWith('h|'))
        .map((r) => [r.rowKey.slice(0, 15), r.data['calls']])
        .sort(),
    ).toEqual([
      ['h|2024-05-25T10', 1],
      ['h|2024-05-25T23', 0],
    ]);
  });

  it('calls stored before call rows counted their records (a `~seq` row) take later versions in order', async () => {
    const { v1, v2, recordings } = twoCalls();
    const box = await container('callsummaryupdates');
    const files = [v1, recordings, v2].map((lines, i) => ({ container: box.containerName, path: recordingBlobPath(DAY + i * 86_400_000, 5 + i), lines }));
    for (const f of files) await appendToBlob(box, f.path, asJsonLines(f.lines));
    const tables = newTableStore();
    await processFile(files[0]!, testDeps(tables));
    // Rewrite each call as the earlier layout kept it: the count in a `~seq` row, none on the call row.
    const counts: number[] = [];
    for await (const row of tables.query(CALLS_TABLE, undefined)) {
      if (row.rowKey !== CALL_ROW_KEY) continue;
      const { [SUMMARY_SEQUENCE_FIELD]: count, ...rest } = row.data;
      counts.push(count as number);
      await tables.upsert(CALLS_TABLE, row.partitionKey, LEGACY_SEQUENCE_ROW_KEY, { n: count });
      await tables.upsert(CALLS_TABLE, row.partitionKey, CALL_ROW_KEY, rest);
    }
    expect(counts.sort()).toEqual([2, 3]);

    await processFile(files[1]!, testDeps(tables));
    await processFile(files[2]!, testDeps(tables));
    expect(await readViews(tables)).toEqual(referenceViews([...v1, ...v2, ...recordings]));
    const after: number[] = [];
    for await (const row of tables.query(CALLS_TABLE, undefined)) if (row.rowKey === CALL_ROW_KEY) after.push(row.data[SUMMARY_SEQUENCE_FIELD] as number);
    expect(after.sort()).toEqual([3, 7]);
  });

  it('any split over files, processed in any order with replays, gives the reference views', async () => {
    const { v1, v2, recordings } = twoCalls();
    const records = [...v1, ...v2, ...recordings];
    const expected = referenceViews(records);
    const boxes = await Promise.all(['callsummaryupdates', 'calldiagnostics', 'callrecordingsummary'].map(container));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 2 }), { minLength: records.length, maxLength: records.length }),
        fc.array(fc.nat({ max: 2 }), { minLength: 3, maxLength: 7 }),
        async (fileOf, order) => {
          run++;
          const files = boxes.map((box, i) => ({
            container: box.containerName,
            path: recordingBlobPath(DAY, (run * 3 + i) % 24, `/SUBSCRIPTIONS/RUN${run}/X`),
          }));
          for (let i = 0; i < 3; i++) await appendToBlob(boxes[i]!, files[i]!.path, asJsonLines(records.filter((_, k) => fileOf[k] === i)));
          const tables = newMemoryTableStore();
          for (const i of [...order, 0, 1, 2]) await processFile(files[i]!, testDeps(tables));
          // Records carry their own resource id; the run's path only keeps files apart.
          expect(await readViews(tables)).toEqual(expected);
        },
      ),
      { numRuns: 5 },
    );
  });

  it('two runs at once on files of the same calls publish each call once', async () => {
    const { v1, v2, recordings } = twoCalls();
    const box = await container('callsummaryupdates');
    const files = [v1, v2, recordings].map((lines, i) => ({ container: box.containerName, path: recordingBlobPath(DAY, 12 + i), lines }));
    for (const f of files) await appendToBlob(box, f.path, asJsonLines(f.lines));
    const prefix = uniquePrefix();
    const a = newTableStore(azuriteConnectionString(), prefix);
    const b = newTableStore(azuriteConnectionString(), prefix);
    await Promise.all([
      (async () => {
        for (const f of files) await processFile(f, testDeps(a));
      })(),
      (async () => {
        for (const f of [...files].reverse()) await processFile(f, testDeps(b));
      })(),
    ]);
    expect(await readViews(a)).toEqual(referenceViews([...v1, ...v2, ...recordings]));
  });

  it('a run that publishes a call at its old day after another run moved it away leaves nothing there', async () => {
    // Run A writes call-b at 23:59 and stops before publishing; run B writes the version that moves the
    // call past midnight and publishes it; then A publishes what it wrote.
    const { v1, v2 } = twoCalls();
    const box = await container('callsummaryupdates');
    const files = [v1, v2].map((lines, i) => ({ container: box.containerName, path: recordingBlobPath(DAY, 14 + i), lines }));
    for (const f of files) await appendToBlob(box, f.path, asJsonLines(f.lines));
    const prefix = uniquePrefix();
    const contributionTables = new Set<string>(CONTRIBUTION_VIEWS.map((t) => t.table));
    let atPublish!: () => void;
    const aAtPublish = new Promise<void>((resolve) => (atPublish = resolve));
    let releaseA!: () => void;
    const bDone = new Promise<void>((resolve) => (releaseA = resolve));
    const a = holdCommits(newTableStore(azuriteConnectionString(), prefix), async (table) => {
      if (!contributionTables.has(table)) return;
      atPublish();
      await bDone;
    });
    const runA = processFile(files[0]!, testDeps(a));
    await aAtPublish;
    await processFile(files[1]!, testDeps(newTableStore(azuriteConnectionString(), prefix)));
    releaseA();
    await runA;
    expect(await readViews(newTableStore(azuriteConnectionString(), prefix))).toEqual(referenceViews([...v1, ...v2]));
  });

  it('a run that adds a place to a locator of an older version while another run writes a newer state leaves nothing behind', async () => {
    const { v1, v2 } = twoCalls();
    const v3 = [
      legRecord({
        correlationId: 'call-b',
        participantId: 'b1',
        version: 3,
        time: DAY + 40 * HOUR,
        callStartTime: DAY + 23 * HOUR + 59 * 60_000,
        callDurationSeconds: 200,
        callType: 'P2P',
      }),
    ];
    const box = await container('callsummaryupdates');
    const files = [v1, v2, v3].map((lines, i) => ({ container: box.containerName, path: recordingBlobPath(DAY, 3 + i), lines }));
    for (const f of files) await appendToBlob(box, f.path, asJsonLines(f.lines));
    const prefix = uniquePrefix();
    const store = (): TableStore => newTableStore(azuriteConnectionString(), prefix);
    const contributionTables = new Set<string>(CONTRIBUTION_VIEWS.map((t) => t.table));
    await processFile(files[0]!, testDeps(store()));
    // v2 moves call-b to the next day; its run dies before publishing.
    const dying = holdCommits(store(), async (table) => {
      if (contributionTables.has(table)) throw new Error('killed');
    });
    await expect(processFile(files[1]!, testDeps(dying))).rejects.toThrow('killed');
    // The locator as versions before the call join kept it: without the call row's new place.
    const tables = store();
    const firstDay = boundedKey(resourceDayPartition(RESOURCE, new Date(DAY).toISOString()));
    for await (const row of tables.query(CALLS_TABLE, undefined)) {
      if (row.rowKey === LOCATOR_ROW_KEY && (JSON.parse(row.data['places'] as string) as string[]).length === 2) {
        await tables.upsert(CALLS_TABLE, row.partitionKey, LOCATOR_ROW_KEY, { seq: 2, places: JSON.stringify([firstDay]) });
      }
    }
    // Run Y reads the call (v3 moves it back) and waits before its write; run X reads v2 again,
    // adds the new day to the locator and publishes there; then Y writes and publishes.
    let atCommit!: () => void;
    const yAtCommit = new Promise<void>((resolve) => (atCommit = resolve));
    let releaseY!: () => void;
    const xDone = new Promise<void>((resolve) => (releaseY = resolve));
    let held = false;
    const y = holdCommits(store(), async (table) => {
      if (table !== CALLS_TABLE || held) return;
      held = true;
      atCommit();
      await xDone;
    });
    const runY = processFile(files[2]!, testDeps(y));
    await yAtCommit;
    await processFile(files[1]!, testDeps(store()));
    releaseY();
    await runY;
    expect(await readViews(store())).toEqual(referenceViews([...v1, ...v2, ...v3]));
  });

  it('a run killed before any one write, then run again, ends as one clean pass', async () => {
    const { v1, v2 } = twoCalls();
    const box = await container('callsummaryupdates');
    const files = [v1, v2].map((lines, i) => ({ container: box.containerName, path: recordingBlobPath(DAY, 20 + i), lines }));
    for (const f of files) await appendToBlob(box, f.path, asJsonLines(f.lines));
    const expected = referenceViews([...v1, ...v2]);
    await crashBeforeEachWrite({
      run: async (tables) => {
        for (const f of files) await processFile(f, testDeps(tables));
      },
      minWrites: 10,
      check: async (tables, when) => expect(await readViews(tables), when).toEqual(expected),
      freshStorage: () => {
        const prefix = uniquePrefix();
        return () => newTableStore(azuriteConnectionString(), prefix);
      },
    });
  });
});
