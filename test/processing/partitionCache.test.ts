import { describe, expect, it } from 'vitest';
import { PartitionCache } from '../../src/lib/processing/partitionCache.js';
import { MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';
import type { RowWrite } from '../../src/lib/storage/TableStore.js';

const TABLE = 'Guess';

/** Prepares one row of a partition as applyToViews does, and creates it. */
async function touch(store: MemoryTableStore, cache: PartitionCache, partitionKey: string): Promise<void> {
  const known = cache.partition(TABLE, partitionKey, false);
  const rowKey = 'r';
  const foundNothing = await known.prepare([rowKey], cache.expectsNew(TABLE));
  if (foundNothing !== undefined) cache.observe(TABLE, foundNothing);
  const stored = known.get(rowKey);
  const write: RowWrite = stored ? { op: 'replace', rowKey, etag: stored.etag, data: { n: 2 } } : { op: 'create', rowKey, data: { n: 1 } };
  const outcome = await store.commit(TABLE, partitionKey, [write]);
  expect(outcome.committed).toBe(true);
  if (known.confirm()) cache.observe(TABLE, true);
  known.committed([write], outcome.committed ? outcome.etags : undefined);
}

describe('PartitionCache guesses whether a partition is new', () => {
  it('partitions this run re-reads after evicting them do not teach it that new ones exist', async () => {
    const store = new MemoryTableStore('guess');
    await store.ensureTable(TABLE);
    const cache = new PartitionCache(store, 2);
    for (let i = 0; i < 6; i++) await touch(store, cache, `p${i}`);
    expect(store.requests.reads).toBe(0);
    // Evicted, known to exist: each is read again when touched, and each read finds rows.
    for (let round = 0; round < 4; round++) for (let i = 0; i < 6; i++) await touch(store, cache, `p${i}`);
    const reads = store.requests.reads;
    expect(reads).toBeGreaterThanOrEqual(20);
    expect(cache.expectsNew(TABLE)).toBe(true);
    await touch(store, cache, 'brand-new');
    expect(store.requests.reads).toBe(reads);
  });

  it('partitions it guessed new and found existing do teach it', async () => {
    const store = new MemoryTableStore('guess2');
    await store.ensureTable(TABLE);
    for (let i = 0; i < 20; i++) await store.commit(TABLE, `old${i}`, [{ op: 'create', rowKey: 'x', data: { n: 1 } }]);
    const cache = new PartitionCache(store, 100);
    for (let i = 0; i < 20 && cache.expectsNew(TABLE); i++) {
      const known = cache.partition(TABLE, `old${i}`, false);
      await known.prepare(['x'], cache.expectsNew(TABLE));
      const outcome = await store.commit(TABLE, `old${i}`, [{ op: 'create', rowKey: 'x', data: { n: 2 } }]);
      expect(outcome.committed).toBe(false);
      cache.observe(TABLE, false);
    }
    expect(cache.expectsNew(TABLE)).toBe(false);
  });
});
