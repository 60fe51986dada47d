import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContainerClient } from '@azure/storage-blob';
import { CALL_ROW_KEY, CALLS_TABLE, callPartition, callsView } from '../../src/lib/aggregating/calls/index.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { CheckpointStore } from '../../src/lib/processing/checkpoints.js';
import { queryCalls } from '../../src/lib/querying/recordingQueries.js';
import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { crashBeforeEachWrite } from '../support/crashLoop.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newBlobSource,
  newContainer,
  newMemoryTableStore,
  newTableStore,
  readAggregates,
  referenceAggregates,
  testDeps,
} from '../support/storage.js';
import { snapshotSource } from '../support/snapshotSource.js';
import { allRecords, asJsonLines, DAY, entitySizeBytes, largeCall, normalizeAll, recordingBlobPath, recordingLogs } from '../support/recordingLogs.js';
import { rng } from '../support/random.js';
import { randomBytes } from 'node:crypto';

const PATH = recordingBlobPath(DAY, 3);

function container(category: string): Promise<ContainerClient> {
  return newContainer(azuriteConnectionString(), `insights-logs-${category}-${randomBytes(4).toString('hex')}`);
}

/** Mixed records in one file, shuffled deterministically so summaries and operations interleave. */
function mixed(seed: number, calls: number): Record<string, unknown>[] {
  const records = allRecords(recordingLogs(seed, { calls }));
  const random = rng(seed + 1000);
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [records[i], records[j]] = [records[j] as Record<string, unknown>, records[i] as Record<string, unknown>];
  }
  return records;
}

describe('recordings exactly once, against Azurite', () => {
  it('one pass over a mixed file equals the in-memory reference, with duplicated lines joined once', async () => {
    const records = mixed(31, 25);
    const box = await container('callrecordingoperational');
    await appendToBlob(box, PATH, asJsonLines(records));
    const tables = newTableStore();
    const file = { container: box.containerName, path: PATH };

    const result = await processFile(file, testDeps(tables));

    expect(result).toMatchObject({ status: 'processed', records: records.length, badLines: 0 });
    const stored = await readAggregates(tables);
    expect(stored).toEqual(referenceAggregates(normalizeAll(records)));
    expect(Object.keys(stored[CALLS_TABLE] ?? {}).length).toBeGreaterThan(50);
    expect(Object.keys(stored['Recordings'] ?? {}).length).toBeGreaterThan(5);
    expect(Object.keys(stored['RecordingOperations'] ?? {}).length).toBeGreaterThan(10);
    expect(Object.keys(stored['Usage'] ?? {}).length).toBeGreaterThan(5);
    expect(JSON.stringify(stored)).not.toMatch(/203\.0\.113\.7|8:acs:/);
    // Duplicated lines (same content) join once: the calls equal those of the distinct records.
    const distinct = [...new Map(normalizeAll(records).map((r) => [JSON.stringify(r), r])).values()];
    expect(distinct.length).toBeLessThan(records.length);
    expect(stored[CALLS_TABLE]).toEqual(referenceAggregates(distinct, [callsView])[CALLS_TABLE]);
  });

  it('a file announced twice changes nothing the second time', async () => {
    const records = mixed(32, 10);
    const box = await container('callrecordingsummary');
    await appendToBlob(box, PATH, asJsonLines(records));
    const tables = newTableStore();
    const deps = testDeps(tables);
    const file = { container: box.containerName, path: PATH };

    await processFile(file, deps);
    const before = await readAggregates(tables);
    const again = await processFile(file, deps);

    expect(again.status).toBe('unchanged');
    expect(await readAggregates(tables)).toEqual(before);
    expect(before).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('concurrent invocations on the same file count every record once', async () => {
    const records = mixed(33, 40);
    const box = await container('callrecordingoperational');
    await appendToBlob(box, PATH, asJsonLines(records));
    const tables = newTableStore();
    const file = { container: box.containerName, path: PATH };
    const settings = { segmentBytes: 8 * 1024, readChunkBytes: 4 * 1024 };
    const runs = Array.from({ length: 4 }, () => processFile(file, testDeps(newTableStore(azuriteConnectionString(), tables.prefix), undefined, settings)));
    const results = await Promise.all(runs);

    expect(results.reduce((sum, result) => sum + result.records, 0)).toBe(records.length);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    // Four runs racing over 8 KiB segments send about seven times the requests of one (18-22 s alone); a loaded machine took 60.
  }, 180_000);

  it('a file growing between reads, split inside lines, ends equal to one pass', async () => {
    const records = mixed(34, 15);
    const text = asJsonLines(records);
    const box = await container('callrecordingsummary');
    const tables = newTableStore();
    const deps = testDeps(tables);
    const file = { container: box.containerName, path: PATH };
    await appendToBlob(box, PATH, '');
    const cuts = [0, 777, 778, 4000, 9999, 20_001, text.length];
    for (let i = 1; i < cuts.length; i++) {
      await appendToBlob(box, PATH, text.slice(cuts[i - 1], cuts[i]));
      await processFile(file, deps);
    }
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(records)));
    expect((await new CheckpointStore(tables).get(file))?.checkpoint.records).toBe(records.length);
  });

  it('a crash before any write leaves storage repairable: the next run equals one clean pass', async () => {
    const records = mixed(35, 6);
    const box = await container('callrecordingoperational');
    await appendToBlob(box, PATH, asJsonLines(records));
    const file = { container: box.containerName, path: PATH };
    const expected = referenceAggregates(normalizeAll(records));
    const settings = { segmentBytes: 3 * 1024, readChunkBytes: 2 * 1024 };

    // The logic under test is the pipeline's: tables in memory, the blob read once from Azurite.
    const source = await snapshotSource(newBlobSource(), [file]);
    const deps = (tables: TableStore) => ({ ...testDeps(tables, undefined, settings), source });
    await crashBeforeEachWrite({
      run: async (tables) => void (await processFile(file, deps(tables))),
      minWrites: 10,
      check: async (tables, when) => expect(await readAggregates(tables), when).toEqual(expected),
    });
  });

  it('a summary arriving a day after its operations, in another container, joins the same in either order', async () => {
    const logs = recordingLogs(36, { calls: 12, lateSummary: 1, missingSummary: 0, duplicates: 0 });
    const opsBox = await container('callrecordingoperational');
    const sumBox = await container('callrecordingsummary');
    const opsPath = recordingBlobPath(DAY, 4);
    const sumPath = recordingBlobPath(DAY + 86_400_000, 6);
    await appendToBlob(opsBox, opsPath, asJsonLines(logs.operations));
    await appendToBlob(sumBox, sumPath, asJsonLines(logs.summaries));
    const ops = { container: opsBox.containerName, path: opsPath };
    const sums = { container: sumBox.containerName, path: sumPath };
    const expected = referenceAggregates(normalizeAll([...logs.operations, ...logs.summaries]));

    const opsFirst = newTableStore();
    await processFile(ops, testDeps(opsFirst));
    const pending = (await queryCalls(opsFirst, { granularity: 'day' })).filter((call) => call.operationCount > 0);
    expect(pending.every((call) => !call.matched && call.recordingCount === 0 && call.recordingsWithoutSummary > 0)).toBe(true);
    await processFile(sums, testDeps(opsFirst));

    const summariesFirst = newTableStore();
    await processFile(sums, testDeps(summariesFirst));
    await processFile(ops, testDeps(summariesFirst));

    const a = await readAggregates(opsFirst);
    expect(a).toEqual(expected);
    expect(await readAggregates(summariesFirst)).toEqual(a);
    expect((await queryCalls(opsFirst, { granularity: 'day' })).filter((call) => call.matched).length).toBeGreaterThan(5);
  });

  it('any split of the records over files, processed in any order with replays, gives the reference tables', async () => {
    const records = allRecords(recordingLogs(37, { calls: 6, maxRecordings: 3 }));
    const expected = referenceAggregates(normalizeAll(records));
    const opsBox = await container('callrecordingoperational');
    const sumBox = await container('callrecordingsummary');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 3 }), { minLength: records.length, maxLength: records.length }),
        fc.array(fc.nat({ max: 3 }), { minLength: 4, maxLength: 10 }),
        async (fileOf, order) => {
          run++;
          const files = [0, 1, 2, 3].map((i) => ({
            container: (i % 2 ? sumBox : opsBox).containerName,
            path: recordingBlobPath(DAY + (i < 2 ? 0 : 86_400_000), (run * 4 + i) % 24, `/SUBSCRIPTIONS/RUN${run}/X`),
          }));
          for (let i = 0; i < 4; i++) {
            const mine = records.filter((_, k) => fileOf[k] === i);
            await appendToBlob(i % 2 ? sumBox : opsBox, (files[i] as { path: string }).path, asJsonLines(mine));
          }
          const tables = newMemoryTableStore();
          // Every file at least once, then the drawn order (repeats are replays).
          for (const i of [...order, 0, 1, 2, 3]) await processFile(files[i] as { container: string; path: string }, testDeps(tables));
          expect(await readAggregates(tables)).toEqual(expected);
        },
      ),
      { numRuns: 6 },
    );
  });
});

/** The Azure store on Azurite, measuring what it writes: the largest entity and the largest batch. */
class MeasuringTableStore extends WrappedTableStore {
  largestEntity = { bytes: 0, table: '', rowKey: '' };
  largestBatchBytes = 0;
  largestCallRow = 0;
  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    let batch = 0;
    for (const write of writes) {
      const bytes = entitySizeBytes(partitionKey, write.rowKey, write.data);
      const json = Buffer.byteLength(JSON.stringify({ PartitionKey: partitionKey, RowKey: write.rowKey, ...write.data }));
      batch += json + 512; // each change set part carries headers
      if (bytes > this.largestEntity.bytes) this.largestEntity = { bytes, table, rowKey: write.rowKey };
      if (table === CALLS_TABLE && write.rowKey === CALL_ROW_KEY) this.largestCallRow = Math.max(this.largestCallRow, bytes);
      for (const value of Object.values(write.data)) if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(32_768);
      expect(Object.keys(write.data).length).toBeLessThanOrEqual(252);
    }
    this.largestBatchBytes = Math.max(this.largestBatchBytes, batch);
    return super.commit(table, partitionKey, writes);
  }
}

describe('a call too large for one entity', () => {
  it('500 recordings and 2000 operations go through processFile into Azurite and back out through the query', async () => {
    const CALL = 'large/call+1';
    const logs = largeCall(CALL, 500, 2000, 300);
    const opsBox = await container('callrecordingoperational');
    const sumBox = await container('callrecordingsummary');
    await appendToBlob(opsBox, PATH, asJsonLines(logs.operations));
    await appendToBlob(sumBox, PATH, asJsonLines(logs.summaries));
    const tables = new MeasuringTableStore(newTableStore());

    await processFile({ container: sumBox.containerName, path: PATH }, testDeps(tables));
    await processFile({ container: opsBox.containerName, path: PATH }, testDeps(tables));

    const expected = referenceAggregates(normalizeAll([...logs.summaries, ...logs.operations]));
    expect(await readAggregates(tables)).toEqual(expected);
    const [call, ...others] = await queryCalls(tables, { granularity: 'day', correlationId: CALL });
    expect(others).toHaveLength(0);
    expect(call).toMatchObject({ correlationId: CALL, recordingCount: 500, operationCount: 2000, matched: true, recordingsWithoutSummary: 0 });
    expect(call?.recordings).toHaveLength(500);
    expect(call?.recordings.every((r) => r.hasSummary && r.operations['StopRecording'] === 1)).toBe(true);
    expect(call?.recordings.reduce((sum, r) => sum + Object.values(r.operations).reduce((a, b) => a + b, 0), 0)).toBe(1500);
    // More CallConnectionIds than the call row keeps: the query recounts them from the operations.
    expect(call?.callConnectionIds).toHaveLength(300);
    expect(call?.sdkVersions).toHaveLength(7);
    expect(call?.operations).toEqual({ PauseRecording: 500, ResumeRecording: 500, StartRecording: 500, StopRecording: 500 });
    expect(call?.recordingSeconds).toBeCloseTo((expected[CALLS_TABLE]?.[`${callPartition(CALL)} / call`]?.['recordingMs'] as number) / 1000, 9);

    // The sizes are in the failure message rather than printed on every run.
    expect(tables.largestCallRow, 'biggest call row, bytes').toBeLessThan(1024 * 1024);
    expect(tables.largestEntity.bytes, `biggest entity (${tables.largestEntity.table} ${tables.largestEntity.rowKey.slice(0, 20)}), bytes`).toBeLessThan(
      1024 * 1024,
    );
    expect(tables.largestBatchBytes, 'biggest batch, bytes').toBeLessThan(4 * 1024 * 1024);
  });
});
