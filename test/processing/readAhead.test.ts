import { randomBytes } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { withPackedCalls } from '../../src/lib/config/callsLayout.js';
import { PartitionCache } from '../../src/lib/processing/partitionCache.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { DelegatingTableStore } from '../../src/lib/storage/delegatingTableStore.js';
import { AzureTableStore, type StoredRow, type TableStore } from '../../src/lib/storage/TableStore.js';
import { legRecord, streamRecord } from '../support/callLogs.js';
import { crashBeforeEachWrite } from '../support/crashLoop.js';
import { asJsonLines, DAY, normalizeAll, recordingBlobPath } from '../support/recordingLogs.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newContainer,
  newMemoryTableStore,
  readAggregates,
  referenceAggregates,
  TEST_TABLE_RETRY,
  testDeps,
  uniquePrefix,
} from '../support/storage.js';

const HOUR = 3_600_000;

/** Counts the packed Calls table's reads of whole calls, and fails the first `failures` of those that read several calls at once. */
class WatchedStore extends DelegatingTableStore {
  callReads = 0;
  failures = 0;

  override query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
    if (logicalName.endsWith('CallsPacked') && filter?.includes('RowKey ge')) {
      this.callReads++;
      if (filter.includes(' or ') && this.failures > 0) {
        this.failures--;
        throw new Error('storage unreachable');
      }
    }
    return super.query(logicalName, filter, select, pageSize);
  }
}

/** The embedded store's layout (several calls per read) over Azurite, its physical reads counted. */
function embeddedLayout(prefix = uniquePrefix()): { tables: TableStore; physical: WatchedStore } {
  const physical = new WatchedStore(
    new AzureTableStore({ kind: 'connectionString', connectionString: azuriteConnectionString() }, prefix, { retry: TEST_TABLE_RETRY }),
  );
  return { tables: withPackedCalls(physical, 'embedded'), physical };
}

/** Call logs of `calls` calls, in two files: each call's first versions, then its later ones (as the next hours' files bring them). */
function twoHalves(calls: number): { first: Record<string, unknown>[]; second: Record<string, unknown>[] } {
  const first: Record<string, unknown>[] = [];
  const second: Record<string, unknown>[] = [];
  for (let c = 0; c < calls; c++) {
    const common = { correlationId: `call-${c}`, callStartTime: DAY + (c % 7) * 60_000 } as const;
    for (let l = 0; l < 2; l++) {
      const participantId = `p-${c}-${l}`;
      first.push(legRecord({ ...common, participantId, version: 1, time: DAY + HOUR, callDurationSeconds: 600 }));
      first.push(streamRecord({ ...common, participantId, version: 1, time: DAY + HOUR, jitterAvg: 10 + l }));
      second.push(legRecord({ ...common, participantId, version: 2, time: DAY + 2 * HOUR, callDurationSeconds: 420 + c }));
      second.push(streamRecord({ ...common, participantId, version: 2, time: DAY + 2 * HOUR, jitterAvg: 5 }));
    }
  }
  return { first, second };
}

async function halvesInFiles(calls: number): Promise<{ files: { container: string; path: string }[]; expected: unknown }> {
  const { first, second } = twoHalves(calls);
  const box: ContainerClient = await newContainer(azuriteConnectionString(), `insights-logs-callsummaryupdates-${randomBytes(4).toString('hex')}`);
  const files = [
    { container: box.containerName, path: recordingBlobPath(DAY, 1) },
    { container: box.containerName, path: recordingBlobPath(DAY, 2) },
  ];
  await appendToBlob(box, files[0]!.path, asJsonLines(first));
  await appendToBlob(box, files[1]!.path, asJsonLines(second));
  return { files, expected: referenceAggregates(normalizeAll([...first, ...second])) };
}

describe('stored calls are read ahead of their writes, many to a request', () => {
  it('a run whose calls are stored reads them a few requests in all, and stores what one careful pass computes', async () => {
    const calls = 240;
    const { files, expected } = await halvesInFiles(calls);
    const { tables, physical } = embeddedLayout();
    await processFile(files[0]!, testDeps(tables));
    const before = physical.callReads;
    await processFile(files[1]!, testDeps(tables));
    // Every call of the second file is stored: read ahead 50 to a request, not one request each (nor
    // as many as happen to wait together: 8 requests here without reading ahead).
    expect(physical.callReads - before).toBeLessThanOrEqual(Math.ceil(calls / 50) + 1);
    expect(await readAggregates(tables)).toEqual(expected);
    // A replay of both changes nothing.
    for (const file of files) await processFile(file, testDeps(tables));
    expect(await readAggregates(tables)).toEqual(expected);
  });

  it('reads failed ahead are read again by the writes, which fail only if those fail too; a retry then stores each record once', async () => {
    const { files, expected } = await halvesInFiles(120);
    const { tables, physical } = embeddedLayout();
    await processFile(files[0]!, testDeps(tables));
    // The first read of 50 calls ahead fails: their writes read them again.
    physical.failures = 1;
    await processFile(files[1]!, testDeps(tables));
    expect(physical.failures).toBe(0);
    expect(await readAggregates(tables)).toEqual(expected);

    const again = embeddedLayout();
    await processFile(files[0]!, testDeps(again.tables));
    // Every read fails: the write fails, and the next run does it whole.
    again.physical.failures = Number.POSITIVE_INFINITY;
    await expect(processFile(files[1]!, testDeps(again.tables))).rejects.toThrow('storage unreachable');
    again.physical.failures = 0;
    await processFile(files[1]!, testDeps(again.tables));
    expect(await readAggregates(again.tables)).toEqual(expected);
  });

  it('runs at once over stored calls, each reading them ahead, count every record once', async () => {
    const { files, expected } = await halvesInFiles(150);
    const prefix = uniquePrefix();
    await processFile(files[0]!, testDeps(embeddedLayout(prefix).tables));
    // Small segments make the runs interleave across many commits and reads ahead.
    const runs = Array.from({ length: 4 }, () =>
      processFile(files[1]!, testDeps(embeddedLayout(prefix).tables, undefined, { segmentBytes: 16 * 1024, readChunkBytes: 4 * 1024 })),
    );
    const results = await Promise.all(runs);
    expect(results.reduce((sum, result) => sum + result.records, 0)).toBe(600);
    expect(await readAggregates(embeddedLayout(prefix).tables)).toEqual(expected);
  });

  // Up to tens of seconds alone and several times that on a loaded machine, where the default minute ran out.
  it('a run killed before any one write (a combined transaction of calls, or another), then run again, ends as one clean pass', async () => {
    const { files, expected } = await halvesInFiles(12);
    await crashBeforeEachWrite({
      run: async (tables) => {
        for (const file of files) await processFile(file, testDeps(tables));
      },
      minWrites: 10,
      check: async (tables, when) => expect(await readAggregates(tables), when).toEqual(expected),
      freshStorage: () => {
        const prefix = uniquePrefix();
        return () => embeddedLayout(prefix).tables;
      },
    });
  }, 180_000);
});

describe('PartitionCache.readAhead', () => {
  const TABLE = 'Ahead';

  /** A memory store whose whole-partition reads are counted, and held until released when `hold` is set. */
  function heldStore(): { store: TableStore; reads: () => number; release: () => void; hold: (on: boolean) => void; fail: (next: number) => void } {
    const memory = newMemoryTableStore();
    let reads = 0;
    let holding = false;
    let failing = 0;
    let waiting: (() => void)[] = [];
    const store = new (class extends DelegatingTableStore {
      override partitionsReadTogether(): number {
        return 50;
      }

      override async readPartition(logicalName: string, partitionKey: string): Promise<Map<string, StoredRow>> {
        reads++;
        if (holding) await new Promise<void>((resolve) => waiting.push(resolve));
        if (failing > 0) {
          failing--;
          throw new Error('storage unreachable');
        }
        return super.readPartition(logicalName, partitionKey);
      }
    })(memory);
    return {
      store,
      reads: () => reads,
      release: () => {
        const released = waiting;
        waiting = [];
        for (const resolve of released) resolve();
      },
      hold: (on) => {
        holding = on;
      },
      fail: (next) => {
        failing = next;
      },
    };
  }

  it('reads a partition its write would read once: the write takes what was read ahead', async () => {
    const { store, reads } = heldStore();
    await store.commit(TABLE, 'old', [{ op: 'create', rowKey: 'r', data: { n: 1 } }]);
    const cache = new PartitionCache(store);
    cache.readAhead(TABLE, 'old', true);
    expect(reads()).toBe(1);
    const known = cache.partition(TABLE, 'old', true);
    await known.prepare(['r'], true);
    expect(reads()).toBe(1);
    expect(known.get('r')?.data).toEqual({ n: 1 });
  });

  it('takes a table read many to a request as new only while nearly all its partitions were, others while most were', () => {
    const { store } = heldStore();
    const together = new PartitionCache(store);
    const alone = new PartitionCache(newMemoryTableStore());
    for (const cache of [together, alone]) {
      expect(cache.expectsNew(TABLE)).toBe(true);
      cache.observe(TABLE, false);
    }
    // One found: a packed create that meets a row would fail the calls sent with it, where a read costs little.
    expect(together.expectsNew(TABLE)).toBe(false);
    expect(alone.expectsNew(TABLE)).toBe(true);
  });

  it('reads ahead only what a write would read: a partition begun before the write, or any once one taken as new was found', async () => {
    const { store, reads } = heldStore();
    const cache = new PartitionCache(store);
    cache.readAhead(TABLE, 'fresh', false);
    expect(reads()).toBe(0);
    cache.observe(TABLE, false);
    cache.readAhead(TABLE, 'other', false);
    expect(reads()).toBe(1);
    // Found new again and again: the table's partitions are taken as new again, and not read ahead.
    for (let i = 0; i < 10; i++) cache.observe(TABLE, true);
    cache.readAhead(TABLE, 'third', false);
    expect(reads()).toBe(1);
    // Nor a partition a write has begun.
    const begun = cache.partition(TABLE, 'begun', true);
    await begun.prepare([], true);
    cache.readAhead(TABLE, 'begun', true);
    expect(reads()).toBe(1);
  });

  it('a cache that keeps nothing reads nothing ahead: its rows would be gone before their write', () => {
    const { store, reads } = heldStore();
    const cache = new PartitionCache(store, 0);
    cache.readAhead(TABLE, 'old', true);
    expect(reads()).toBe(0);
  });

  it('a read ahead that failed is read again by the write; the write fails only if that read fails too', async () => {
    const { store, reads, fail } = heldStore();
    await store.commit(TABLE, 'old', [{ op: 'create', rowKey: 'r', data: { n: 1 } }]);
    const cache = new PartitionCache(store);
    fail(1);
    cache.readAhead(TABLE, 'old', true);
    const known = cache.partition(TABLE, 'old', true);
    await known.prepare(['r'], false);
    expect(reads()).toBe(2);
    expect(known.get('r')?.data).toEqual({ n: 1 });

    const again = new PartitionCache(store);
    fail(2);
    again.readAhead(TABLE, 'old', true);
    await expect(again.partition(TABLE, 'old', true).prepare(['r'], false)).rejects.toThrow('storage unreachable');
  });

  it('a read ahead that a forget overtook is not taken: the write reads again', async () => {
    const { store, reads, hold, release } = heldStore();
    await store.commit(TABLE, 'old', [{ op: 'create', rowKey: 'r', data: { n: 1 } }]);
    const cache = new PartitionCache(store);
    hold(true);
    cache.readAhead(TABLE, 'old', true);
    cache.forgetAll();
    await store.commit(TABLE, 'old', [{ op: 'upsert', rowKey: 'r', data: { n: 2 } }]);
    release();
    hold(false);
    const known = cache.partition(TABLE, 'old', true);
    await known.prepare(['r'], false);
    expect(reads()).toBe(2);
    expect(known.get('r')?.data).toEqual({ n: 2 });
  });
});
