import { describe, expect, it } from 'vitest';
import { roomsOperationsView } from '../../src/lib/aggregating/index.js';
import { SegmentWriter, type SegmentWrite } from '../../src/lib/processing/segmentWriter.js';
import { silentLogger } from '../../src/lib/logging.js';
import type { CommitOutcome, RowWrite } from '../../src/lib/storage/TableStore.js';
import { normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { newMemoryTableStore } from '../support/storage.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';

/** Commits wait until the test lets them through, so a write can be held open. */
class GatedStore extends WrappedTableStore {
  commits = 0;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  close(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open();
  }
  override async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    this.commits++;
    await this.gate;
    return this.inner.commit(logicalName, partitionKey, writes);
  }
}

function segment(fileId: string, seed: number): SegmentWrite & { saved: number } {
  const records = normalizeAll(roomsRecords(3, seed, 1)).map((record, position) => ({ position, record }));
  const write = {
    saved: 0,
    source: { fileId, fileKey: `c/${fileId}`, records },
    quarantine: async () => undefined,
    save: async () => {
      write.saved++;
      return true;
    },
  };
  return write;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe('SegmentWriter', () => {
  it('writes once half the files reading have a segment, and the other half read on meanwhile', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const writer = new SegmentWriter({ tables, views: [roomsOperationsView], logger: silentLogger, partitionConcurrency: 2, maxPendingRecords: 1_000_000 });
    for (let i = 0; i < 4; i++) writer.enter();
    tables.close();
    const a = segment('a.0', 1);
    const b = segment('b.0', 2);
    const c = segment('c.0', 3);
    const d = segment('d.0', 4);
    const first = writer.commit(a);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // One of four is not half: nothing is written yet.
    expect(tables.commits).toBe(0);
    const second = writer.commit(b);
    await until(() => tables.commits > 0);
    // The write of a and b is held open; c and d are still free to hand in their segments.
    const third = writer.commit(c);
    const fourth = writer.commit(d);
    expect([a.saved, b.saved, c.saved, d.saved]).toEqual([0, 0, 0, 0]);
    tables.release();
    await Promise.all([first, second, third, fourth]);
    expect([a.saved, b.saved, c.saved, d.saved]).toEqual([1, 1, 1, 1]);
  });
});
