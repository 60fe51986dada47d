import { describe, expect, it } from 'vitest';
import { MemoryTableAccount, MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';
import { PendingTableStore } from '../../src/lib/storage/pendingTableStore.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';

/** A store that answers once `open` is called, and the account behind it (to look at what it holds). */
function starting(): { pending: PendingTableStore; inner: MemoryTableStore; open: () => void; fail: (error: Error) => void } {
  const inner = new MemoryTableStore('Tp', new MemoryTableAccount());
  let open!: () => void;
  let fail!: (error: Error) => void;
  const opening = new Promise<TableStore>((resolve, reject) => {
    open = () => resolve(inner);
    fail = reject;
  });
  return { pending: new PendingTableStore('Tp', opening), inner, open, fail };
}

const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('PendingTableStore: a new store that is still starting', () => {
  it('answers reads with nothing at once, before the store answers, and sends none', async () => {
    const { pending } = starting();
    await pending.ensureTable('Files');
    expect(await pending.getRow('Files', 'p', 'r')).toBeUndefined();
    expect((await pending.readRows('Files', 'p', ['a', 'b'])).size).toBe(0);
    expect((await pending.readPartition('Files', 'p')).size).toBe(0);
    const rows = [];
    for await (const row of pending.query('Files', undefined)) rows.push(row);
    expect(rows).toEqual([]);
    expect(pending.requestCount).toBe(0);
    expect(pending.requests).toEqual({ reads: 0, writes: 0, transactions: 0, entities: 0 });
  });

  it('holds writes until the store answers, then makes the tables asked for before and writes', async () => {
    const { pending, inner, open } = starting();
    await pending.ensureTable('Files');
    const write = pending.writeConditional('Files', 'p', { op: 'create', rowKey: 'r', data: { v: 1 } });
    const commit = pending.commit('Views', 'q', [{ op: 'create', rowKey: 'x', data: { n: 2 } }]);
    expect(await settled(write)).toBe(false);
    open();
    expect(await write).toMatchObject({ committed: true });
    // A table never ensured is made by the store underneath, as for any write to a missing table.
    expect(await commit).toMatchObject({ committed: true });
    expect((await inner.getRow('Views', 'q', 'x'))?.data).toEqual({ n: 2 });
    expect((await inner.getRow('Files', 'p', 'r'))?.data).toEqual({ v: 1 });
  });

  it('reads from the store once it answers', async () => {
    const { pending, inner, open } = starting();
    await inner.ensureTable('Files');
    await inner.upsert('Files', 'p', 'r', { v: 7 });
    expect(await pending.getRow('Files', 'p', 'r')).toBeUndefined();
    open();
    await pending.upsert('Files', 'p', 's', { v: 8 });
    expect((await pending.getRow('Files', 'p', 'r'))?.data).toEqual({ v: 7 });
    expect([...(await pending.readPartition('Files', 'p')).keys()]).toEqual(['r', 's']);
    expect(pending.requests).toBe(inner.requests);
  });

  it('a store that fails to start fails the first write with its error', async () => {
    const { pending, fail } = starting();
    fail(new Error('the embedded Azurite did not start'));
    await expect(pending.upsert('Files', 'p', 'r', { v: 1 })).rejects.toThrow('did not start');
  });
});
