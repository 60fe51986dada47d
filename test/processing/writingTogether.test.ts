import { randomBytes } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { FILES_TABLE } from '../../src/lib/processing/checkpoints.js';
import { processFile, type ProcessDeps } from '../../src/lib/processing/processFile.js';
import type { LogFileRef } from '../../src/lib/storage/LogSource.js';
import type { CommitOutcome, RowWrite, StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { SimulatedCrash } from '../support/crashingTableStore.js';
import { crashBeforeEachWrite } from '../support/crashLoop.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newBlobSource,
  newContainer,
  newTableStore,
  readAggregates,
  referenceAggregates,
  testDeps,
  uniquePrefix,
} from '../support/storage.js';
import { snapshotSource } from '../support/snapshotSource.js';
import { asJsonLines, DAY, normalizeAll, recordingBlobPath, recordingLogs, summaryRecord } from '../support/recordingLogs.js';

/** Counts the reads of aggregate rows (partition and row reads), which creating new partitions should not need. */
/** Counts reads of the views' partitions (checkpoints, read in the Files table, are not counted). */
class CountingTableStore extends WrappedTableStore {
  rowReads = 0;
  constructor(prefix = uniquePrefix()) {
    super(newTableStore(azuriteConnectionString(), prefix));
  }
  override async readRows(table: string, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
    if (table !== FILES_TABLE) this.rowReads++;
    return super.readRows(table, partitionKey, rowKeys);
  }
  override async readPartition(table: string, partitionKey: string): Promise<Map<string, StoredRow>> {
    if (table !== FILES_TABLE) this.rowReads++;
    return super.readPartition(table, partitionKey);
  }
}

function container(category: string): Promise<ContainerClient> {
  return newContainer(azuriteConnectionString(), `insights-logs-${category}-${randomBytes(4).toString('hex')}`);
}

/** A call log split as Azure Monitor splits it: operations and summaries in their own containers. */
async function callFiles(seed: number, calls: number): Promise<{ files: LogFileRef[]; records: Record<string, unknown>[] }> {
  const logs = recordingLogs(seed, { calls, lateSummary: 0 });
  const opsBox = await container('callrecordingoperational');
  const sumBox = await container('callrecordingsummary');
  const usageBox = await container('usage');
  const path = recordingBlobPath(DAY, 2);
  await appendToBlob(opsBox, path, asJsonLines(logs.operations));
  await appendToBlob(sumBox, path, asJsonLines(logs.summaries));
  await appendToBlob(usageBox, path, asJsonLines(logs.usage));
  return {
    files: [opsBox, sumBox, usageBox].map((box) => ({ container: box.containerName, path })),
    records: [...logs.operations, ...logs.summaries, ...logs.usage],
  };
}

/** Processes the files at once with one set of dependencies, as a run (process, backfill, the timer) does. */
async function runTogether(files: readonly LogFileRef[], deps: ProcessDeps): Promise<void> {
  await Promise.all(files.map((file) => processFile(file, deps)));
}

describe('files read in parallel are written together', () => {
  it('costs fewer transactions than file by file, creates new partitions without reading them, and ends equal to the reference', async () => {
    const { files, records } = await callFiles(51, 40);
    const expected = referenceAggregates(normalizeAll(records));

    const apart = newTableStore();
    for (const file of files) await processFile(file, testDeps(apart));
    const together = new CountingTableStore();
    await runTogether(files, testDeps(together));

    expect(await readAggregates(together)).toEqual(expected);
    expect(await readAggregates(apart)).toEqual(expected);
    // A call's operations and its recordings' summaries land in one transaction of its partition.
    expect(together.requests.transactions).toBeLessThan(apart.requests.transactions * 0.7);
    // Every partition was new: created with creates, none of them read first.
    expect(together.rowReads).toBe(0);
  });

  it('a partition that exists after all (created by an earlier run) is read and merged, not overwritten', async () => {
    const first = await callFiles(52, 30);
    const second = await callFiles(52, 30); // the same calls again, in new files: every partition exists
    const tables = new CountingTableStore();
    await runTogether(first.files, testDeps(tables));
    await runTogether(second.files, testDeps(tables));
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...first.records, ...second.records])));
    expect(tables.rowReads).toBeGreaterThan(0);
  });

  it('a run holding its limit of records ends its segments early and still counts every record once', async () => {
    const { files, records } = await callFiles(55, 30);
    const expected = referenceAggregates(normalizeAll(records));
    const tables = newTableStore();
    // Far fewer records than one file holds: every segment ends at the run's limit.
    const deps = testDeps(tables, undefined, { heldRecords: 25 });
    const results = await Promise.all(files.map((file) => processFile(file, deps)));
    expect(await readAggregates(tables)).toEqual(expected);
    const segments = results.reduce((sum, result) => sum + result.segments, 0);
    expect(segments).toBeGreaterThanOrEqual(Math.ceil(records.length / 25));
    expect(results.reduce((sum, result) => sum + result.records, 0)).toBe(records.length);
  });

  it("a run keeps what it wrote within its settings' cache budget: without one, each write reads again the calls an earlier write of the run wrote", async () => {
    const { files, records } = await callFiles(58, 30);
    const expected = referenceAggregates(normalizeAll(records));
    const readsWith = async (cachedBytes: number): Promise<number> => {
      const tables = new CountingTableStore();
      // Segments of a few records: a call's operations and its summary land in different writes of the run.
      await Promise.all(files.map((file) => processFile(file, testDeps(tables, undefined, { heldRecords: 25, cachedBytes }))));
      expect(await readAggregates(tables)).toEqual(expected);
      return tables.rowReads;
    };
    const [cached, uncached] = [await readsWith(64 * 1024 * 1024), await readsWith(0)];
    // Equal counts would mean the budget never reached the cache.
    expect(uncached).toBeGreaterThan(cached * 1.3);
  });

  it("a call partition whose recording started before the write's records is read first, not taken as new", async () => {
    // The operations in one run; the recordings' summaries, a day later, in the next one (a new run, a new cache).
    const logs = recordingLogs(56, { calls: 12, lateSummary: 1 });
    const opsBox = await container('callrecordingoperational');
    const sumBox = await container('callrecordingsummary');
    await appendToBlob(opsBox, recordingBlobPath(DAY, 2), asJsonLines(logs.operations));
    await appendToBlob(sumBox, recordingBlobPath(DAY, 2), asJsonLines(logs.summaries));
    const tables = new RefusedCreates();
    await runTogether([{ container: opsBox.containerName, path: recordingBlobPath(DAY, 2) }], testDeps(tables));
    expect(tables.refused).toBe(0);
    const readsBefore = tables.rowReads;
    await runTogether([{ container: sumBox.containerName, path: recordingBlobPath(DAY, 2) }], testDeps(tables));
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...logs.operations, ...logs.summaries])));
    // Every call's partition existed: read first, so no create met a row.
    expect(tables.rowReads).toBeGreaterThan(readsBefore);
    expect(tables.refused).toBe(0);
  });

  it("a record that arrives late does not move the write's start back: the previous run's call partitions are still read first", async () => {
    const logs = recordingLogs(57, { calls: 120, lateSummary: 1 });
    // Of another call, an hour before any operation: the kind of record Azure Monitor puts in a later hour's file.
    const late = summaryRecord({ correlationId: 'late-call', recordingId: 'late-recording', time: DAY - 3_600_000 });
    const opsBox = await container('callrecordingoperational');
    const sumBox = await container('callrecordingsummary');
    await appendToBlob(opsBox, recordingBlobPath(DAY, 2), asJsonLines(logs.operations));
    await appendToBlob(sumBox, recordingBlobPath(DAY, 2), asJsonLines([late, ...logs.summaries]));
    expect(logs.summaries.length).toBeGreaterThan(100);
    const tables = new RefusedCreates();
    await runTogether([{ container: opsBox.containerName, path: recordingBlobPath(DAY, 2) }], testDeps(tables));
    await runTogether([{ container: sumBox.containerName, path: recordingBlobPath(DAY, 2) }], testDeps(tables));
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...logs.operations, late, ...logs.summaries])));
    // Taken from the earliest record, the start would be before every recording: each call taken as new, its create refused.
    expect(tables.refused).toBe(0);
  });

  it('a crash before any write of a run over several files leaves storage repairable: the next run equals one clean pass', async () => {
    const { files, records } = await callFiles(53, 12);
    const expected = referenceAggregates(normalizeAll(records));
    // The logic under test is the pipeline's: tables in memory, the blobs read once from Azurite.
    const source = await snapshotSource(newBlobSource(), files);
    const deps = (tables: TableStore) => ({ ...testDeps(tables), source });
    await crashBeforeEachWrite({
      run: (tables) => runTogether(files, deps(tables)),
      // Each file on its own: the crash ends the one whose write it hit, and some file meets it.
      crashingRun: async (tables) => {
        const outcomes = await Promise.allSettled(files.map((file) => processFile(file, deps(tables))));
        const crash = outcomes.find((outcome) => outcome.status === 'rejected' && outcome.reason instanceof SimulatedCrash);
        if (crash?.status === 'rejected') throw crash.reason;
      },
      minWrites: 5,
      check: async (tables, when) => expect(await readAggregates(tables), when).toEqual(expected),
    });
  });

  it('a file that fails, reading or writing, does not hold back the files written with it', async () => {
    const { files } = await callFiles(54, 10);
    const [operations, summaries, usage] = files as [LogFileRef, LogFileRef, LogFileRef];
    // The summaries cannot be read; the usage rows cannot be written (a bug, not a refusal): both fail alone.
    const tables = new FailingTableStore('Usage');
    const deps = testDeps(tables);
    const inner = deps.source;
    const source = {
      stat: (file: LogFileRef) => inner.stat(file),
      list: (name: string, prefix?: string) => inner.list(name, prefix),
      read: async (file: LogFileRef, start: number, end: number) => {
        if (file.container === summaries.container) throw new Error('injected failure reading the summaries');
        return inner.read(file, start, end);
      },
    };
    const outcomes = await Promise.allSettled([operations, summaries, usage].map((file) => processFile(file, { ...deps, source })));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    const alone = newTableStore();
    await processFile(operations, testDeps(alone));
    expect(await readAggregates(tables)).toEqual(await readAggregates(alone));
  });

  it('a write of several files that fails is tried again file by file: the files that write go in, the one that fails fails alone', async () => {
    const { files } = await callFiles(55, 10);
    const [operations, , usage] = files as [LogFileRef, LogFileRef, LogFileRef];
    // Both are read before anything is written, so their segments share one write; the usage rows cannot be written.
    const tables = new FailingTableStore('Usage');
    const warnings: string[] = [];
    const deps = { ...testDeps(tables), logger: { info() {}, error() {}, warn: (message: string) => void warnings.push(message) } };
    const outcomes = await Promise.allSettled([operations, usage].map((file) => processFile(file, deps)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected']);
    expect(warnings).toContain('a write of several files failed; writing them one by one');
    const alone = newTableStore();
    await processFile(operations, testDeps(alone));
    expect(await readAggregates(tables)).toEqual(await readAggregates(alone));
  });

  it('a write of several files that fails on storage while their run stops is not tried file by file: each fails at once, for the next run', async () => {
    const { files } = await callFiles(56, 10);
    const [operations, , usage] = files as [LogFileRef, LogFileRef, LogFileRef];
    const stop = new AbortController();
    stop.abort();
    const tables = new UnavailableTableStore();
    const warnings: string[] = [];
    const deps = { ...testDeps(tables), logger: { info() {}, error() {}, warn: (message: string) => void warnings.push(message) } };
    const outcomes = await Promise.allSettled([operations, usage].map((file) => processFile(file, deps, { stop: stop.signal })));
    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'fulfilled'))).toEqual([
      'Error: injected: storage unavailable',
      'Error: injected: storage unavailable',
    ]);
    // The write of both failed, and no write of a file alone followed it.
    expect(tables.failed).toBeGreaterThan(0);
    expect(warnings).not.toContain('a write of several files failed; writing them one by one');
  });
});

/** Counts transactions refused because a row they create exists (a partition wrongly taken as new). */
class RefusedCreates extends CountingTableStore {
  refused = 0;
  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    const outcome = await super.commit(table, partitionKey, writes);
    if (!outcome.committed && outcome.status === 409) this.refused++;
    return outcome;
  }
}

/** Every transaction on one table fails as a bug would (not a refusal the store explains). */
class FailingTableStore extends WrappedTableStore {
  constructor(private readonly failing: string) {
    super(newTableStore());
  }
  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (table === this.failing) throw new Error(`injected failure writing ${table}`);
    return super.commit(table, partitionKey, writes);
  }
}

/** Every transaction of the aggregates fails as storage that does not answer does (a transient failure, retries given up). */
class UnavailableTableStore extends WrappedTableStore {
  failed = 0;
  constructor() {
    super(newTableStore());
  }
  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    // The files' own bookkeeping goes in; the aggregates they are written together into do not.
    if (table === FILES_TABLE) return super.commit(table, partitionKey, writes);
    this.failed++;
    throw Object.assign(new Error('injected: storage unavailable'), { code: 'ECONNRESET' });
  }
}
