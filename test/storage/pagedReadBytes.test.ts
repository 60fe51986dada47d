import { describe, expect, it } from 'vitest';
import { MAX_ENTITY_BYTES, entitySizeBytes } from '../../src/lib/storage/limits.js';
import { MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';
import type { QueryPage } from '../../src/lib/storage/readRows.js';

const T = 'Paged';
/** A page holds about four of the largest entities, as a transaction does. */
const PAGE_BYTES = 4 * MAX_ENTITY_BYTES;

/** A memory store that notes the bytes of every page it answers. */
class NotingStore extends MemoryTableStore {
  readonly pageBytes: number[] = [];

  override async *pages(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number | (() => number)): AsyncGenerator<QueryPage> {
    for await (const page of super.pages(logicalName, filter, select, pageSize)) {
      this.pageBytes.push(page.rows.reduce((sum, row) => sum + entitySizeBytes(row.partitionKey, row.rowKey, row.data), 0));
      yield page;
    }
  }
}

async function writeRows(store: MemoryTableStore, count: number, valueChars: number): Promise<string[]> {
  await store.ensureTable(T);
  const keys = Array.from({ length: count }, (_, i) => `r${String(i).padStart(5, '0')}`);
  for (let i = 0; i < count; i += 10) {
    const writes = keys.slice(i, i + 10).map((rowKey) => ({ op: 'upsert' as const, rowKey, data: { name: rowKey + 'x'.repeat(valueChars) } }));
    await store.commit(T, 'p', writes);
  }
  return keys;
}

describe('a read of many rows of a partition in pages', () => {
  it('sizes its pages by the bytes of the rows, not only by their number', async () => {
    // 300 rows of 100,000 characters (a Rooms operation's name kept whole): one page of them all was 60 MB.
    const store = new NotingStore('t');
    const keys = await writeRows(store, 300, 100_000);
    const found = await store.readRows(T, 'p', keys);
    expect(found.size).toBe(300);
    expect(found.get('r00299')?.data['name']).toBe('r00299' + 'x'.repeat(100_000));
    expect(store.pageBytes.length).toBeGreaterThan(0);
    for (const bytes of store.pageBytes) expect(bytes).toBeLessThanOrEqual(PAGE_BYTES);
  });

  it('reads small rows 1,000 to a page after a first page of a few', async () => {
    const store = new NotingStore('t');
    const keys = await writeRows(store, 2_000, 10);
    const before = store.requests.reads;
    const found = await store.readRows(T, 'p', keys);
    expect(found.size).toBe(2_000);
    // 4 rows (as many as a page holds of the largest entities), then 1,000 and the remaining 996.
    expect(store.requests.reads - before).toBe(3);
  });
});
