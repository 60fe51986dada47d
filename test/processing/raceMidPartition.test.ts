import { describe, expect, it } from 'vitest';
import { processFile } from '../../src/lib/processing/processFile.js';
import { ROOMS_TABLE } from '../../src/lib/aggregating/rooms/roomsView.js';
import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { appendToBlob, azuriteConnectionString, newContainer, newTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';
import { asJsonLines, blobPath, normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';

/** Before the `nth` transaction of `table`, runs `race` once (another writer), then goes on. */
class RaceBeforeTransaction extends WrappedTableStore {
  private seen = 0;
  raced = false;
  constructor(
    inner: TableStore,
    private readonly table: string,
    private readonly nth: number,
    private readonly race: () => Promise<unknown>,
  ) {
    super(inner);
  }

  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (table === this.table && ++this.seen === this.nth) {
      await this.race();
      this.raced = true;
    }
    return super.commit(table, partitionKey, writes);
  }
}

describe('a writer that loses a race in the middle of a partition', () => {
  it('drops what the other run applied, keeps what it committed itself, and counts every record once', async () => {
    // 250 rooms in one resource's Rooms partition: written row by row in three transactions or more.
    const records = roomsRecords(900, 31, 250);
    const container = await newContainer();
    const path = blobPath(31);
    await appendToBlob(container, path, asJsonLines(records));
    const file = { container: container.containerName, path };
    const other = newTableStore();
    const racing = new RaceBeforeTransaction(newTableStore(azuriteConnectionString(), other.prefix), ROOMS_TABLE, 2, () => processFile(file, testDeps(other)));

    const result = await processFile(file, testDeps(racing));

    expect(racing.raced).toBe(true);
    // The other run's checkpoint was saved first: the records are that run's, counted once.
    expect(result.records).toBe(0);
    expect(await readAggregates(other)).toEqual(referenceAggregates(normalizeAll(records)));
    // And a run after both finds nothing left to do.
    expect((await processFile(file, testDeps(other))).status).toBe('unchanged');
    expect(await readAggregates(other)).toEqual(referenceAggregates(normalizeAll(records)));
  });

  it('keeps the records of its other file when the race applied one file of its write', async () => {
    // Two files of one resource: their rooms share its Rooms partition, written row by row in several transactions.
    const first = roomsRecords(600, 32, 250);
    const second = roomsRecords(600, 33, 250);
    const container = await newContainer();
    const files = [blobPath(32), blobPath(33)].map((path) => ({ container: container.containerName, path }));
    await appendToBlob(container, files[0]!.path, asJsonLines(first));
    await appendToBlob(container, files[1]!.path, asJsonLines(second));
    const other = newTableStore();
    // Before the write's second Rooms transaction, another run applies the first file alone.
    const racing = new RaceBeforeTransaction(newTableStore(azuriteConnectionString(), other.prefix), ROOMS_TABLE, 2, () =>
      processFile(files[0]!, testDeps(other)),
    );
    const deps = testDeps(racing);

    const results = await Promise.all(files.map((file) => processFile(file, deps)));

    expect(racing.raced).toBe(true);
    expect(results.map((result) => result.records)).toEqual([0, 600]);
    expect(await readAggregates(other)).toEqual(referenceAggregates(normalizeAll([...first, ...second])));
  });
});
