import { describe, expect, it } from 'vitest';
import { CheckpointStore, freshCheckpoint } from '../../src/lib/processing/checkpoints.js';
import type { CommitOutcome, RowWrite } from '../../src/lib/storage/TableStore.js';
import { MemoryTableStore } from '../../src/lib/storage/memoryTableStore.js';
import { newTableStore } from '../support/storage.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';

const CONTAINER = 'insights-logs-roomsoperational';
const fileOf = (i: number) => ({ container: CONTAINER, path: `resourceId=/SUBSCRIPTIONS/X/ACS${i}/y=2024/m=05/d=25/h=10/m=00/PT1H.json` });
const AT = Date.parse('2026-12-06T10:00:00Z');

async function toArray<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Storage takes each transaction, its answer is lost, and the SDK's retry is refused by the rows' own conditions. */
class LostAnswers extends WrappedTableStore {
  override async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    await super.commit(logicalName, partitionKey, writes);
    return super.commit(logicalName, partitionKey, writes);
  }
}

/** Storage answers the first transaction late (a slow link): whatever is sent meanwhile is applied first. */
class SlowFirstCommit extends WrappedTableStore {
  private slowed = false;
  override async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (!this.slowed) {
      this.slowed = true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return super.commit(logicalName, partitionKey, writes);
  }
}

describe('checkpoint saves of one moment', () => {
  it("a container's checkpoints saved at once go as transactions of up to 100 rows, each saved with its own ETag", async () => {
    const tables = newTableStore();
    const checkpoints = new CheckpointStore(tables);
    await tables.ensureTable('Files');
    const before = { ...tables.requests };
    const files = Array.from({ length: 150 }, (_, i) => fileOf(i));
    const saved = await Promise.all(files.map((file, i) => checkpoints.saveForEtag({ ...freshCheckpoint(file, AT), offset: i }, undefined)));
    expect(tables.requests.transactions - before.transactions).toBe(2);
    expect(tables.requests.writes - before.writes).toBe(0);
    const loaded = await Promise.all(files.map((file) => checkpoints.get(file)));
    loaded.forEach((row, i) => {
      expect(row?.checkpoint.offset).toBe(i);
      expect(row?.etag).toBe(saved[i]);
    });
    // Saved again on those ETags: each row's condition holds.
    expect(await Promise.all(files.map((file, i) => checkpoints.save({ ...freshCheckpoint(file, AT), offset: i + 1 }, saved[i] as string)))).toEqual(
      files.map(() => true),
    );
  });

  it('checkpoints of several containers saved at once are each saved in their own container’s partition', async () => {
    const tables = newTableStore();
    const checkpoints = new CheckpointStore(tables);
    const files = ['insights-logs-callsummary', 'insights-logs-calldiagnostics', CONTAINER].flatMap((container, c) =>
      [1, 2].map((i) => ({ ...fileOf(2 * c + i), container })),
    );
    expect(await Promise.all(files.map((file, i) => checkpoints.save({ ...freshCheckpoint(file, AT), offset: i }, undefined)))).toEqual(files.map(() => true));
    const loaded = await Promise.all(files.map((file) => checkpoints.get(file)));
    expect(loaded.map((row) => [row?.checkpoint.container, row?.checkpoint.offset])).toEqual(files.map((file, i) => [file.container, i]));
    for (const file of files)
      expect((await toArray(checkpoints.listAll(file.container))).map((checkpoint) => checkpoint.container)).toEqual([file.container, file.container]);
  });

  it('a save another run made first fails alone: the others of its transaction are saved', async () => {
    const tables = newTableStore();
    const ours = new CheckpointStore(tables);
    const files = Array.from({ length: 5 }, (_, i) => fileOf(i));
    // Another run created the third file's checkpoint first.
    expect(await new CheckpointStore(tables).save({ ...freshCheckpoint(files[2]!, AT), offset: 900 }, undefined)).toBe(true);
    const saved = await Promise.all(files.map((file) => ours.save({ ...freshCheckpoint(file, AT), offset: 7 }, undefined)));
    expect(saved).toEqual([true, true, false, true, true]);
    const offsets = await Promise.all(files.map(async (file) => (await ours.get(file))?.checkpoint.offset));
    expect(offsets).toEqual([7, 7, 900, 7, 7]);
  });

  it('one file saved twice in one moment: the second save is sent after the first and loses its race, as saves one after the other do', async () => {
    // Every transaction sent, by the rows it holds: one holding a row twice is refused whole by storage.
    const sent: string[][] = [];
    const tables = new (class extends WrappedTableStore {
      override commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
        sent.push(writes.map((write) => write.rowKey));
        return super.commit(logicalName, partitionKey, writes);
      }
    })(newTableStore());
    const checkpoints = new CheckpointStore(tables);
    const file = fileOf(1);
    const saved = await Promise.all([
      checkpoints.save({ ...freshCheckpoint(file, AT), offset: 1 }, undefined),
      checkpoints.save({ ...freshCheckpoint(file, AT), offset: 2 }, undefined),
      checkpoints.save({ ...freshCheckpoint(fileOf(2), AT), offset: 3 }, undefined),
    ]);
    expect(saved).toEqual([true, false, true]);
    expect(sent.length).toBeGreaterThan(0);
    for (const rowKeys of sent) expect(new Set(rowKeys).size).toBe(rowKeys.length);
    expect((await checkpoints.get(file))?.checkpoint.offset).toBe(1);
  });

  it('the second save of a file is sent once the transaction with the first is answered, however slow that answer', async () => {
    const tables = new SlowFirstCommit(new MemoryTableStore('SlowFirst'));
    const checkpoints = new CheckpointStore(tables);
    const file = fileOf(1);
    const saved = await Promise.all([
      checkpoints.save({ ...freshCheckpoint(file, AT), offset: 1 }, undefined),
      checkpoints.save({ ...freshCheckpoint(fileOf(2), AT), offset: 3 }, undefined),
      checkpoints.save({ ...freshCheckpoint(file, AT), offset: 2 }, undefined),
    ]);
    expect(saved).toEqual([true, true, false]);
    expect((await checkpoints.get(file))?.checkpoint.offset).toBe(1);
  });

  it('a transaction storage took whose answer was lost: each save is known as its own, not as a race lost', async () => {
    const checkpoints = new CheckpointStore(new LostAnswers(new MemoryTableStore('LostBatch')));
    const files = Array.from({ length: 4 }, (_, i) => fileOf(i));
    expect(await Promise.all(files.map((file) => checkpoints.save({ ...freshCheckpoint(file, AT), offset: 5 }, undefined)))).toEqual([true, true, true, true]);
    expect(await Promise.all(files.map(async (file) => (await checkpoints.get(file))?.checkpoint.offset))).toEqual([5, 5, 5, 5]);
  });
});
