import { describe, expect, it } from 'vitest';
import { roomsOperationsView } from '../../src/lib/aggregating/index.js';
import { MIN_WRITE_GROUP, SegmentWriter, type SegmentWrite } from '../../src/lib/processing/segmentWriter.js';
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
  function writerOver(tables: GatedStore, readers: number): SegmentWriter {
    const writer = new SegmentWriter({ tables, views: [roomsOperationsView], logger: silentLogger, partitionConcurrency: 2, maxPendingRecords: 1_000_000 });
    for (let i = 0; i < readers; i++) writer.enter();
    return writer;
  }

  it('with many files reading, writes once half of them have a segment, and the other half read on meanwhile', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const readers = 2 * MIN_WRITE_GROUP + 4;
    const writer = writerOver(tables, readers);
    tables.close();
    const segments = Array.from({ length: readers }, (_, i) => segment(`f${i}.0`, i + 1));
    const half = readers / 2;
    const committed = segments.slice(0, half - 1).map((write) => writer.commit(write));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // One short of half: nothing is written yet.
    expect(tables.commits).toBe(0);
    committed.push(writer.commit(segments[half - 1] as ReturnType<typeof segment>));
    await until(() => tables.commits > 0);
    // That write is held open; the other half are still free to hand in their segments.
    for (const write of segments.slice(half)) committed.push(writer.commit(write));
    expect(segments.map((write) => write.saved)).toEqual(segments.map(() => 0));
    tables.release();
    await Promise.all(committed);
    expect(segments.map((write) => write.saved)).toEqual(segments.map(() => 1));
  });

  it('with few files reading, waits for all of them: their records belong in one write', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const writer = writerOver(tables, 3);
    const [a, b, c] = [segment('a.0', 1), segment('b.0', 2), segment('c.0', 3)];
    const committed = [writer.commit(a), writer.commit(b)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tables.commits).toBe(0);
    committed.push(writer.commit(c));
    await Promise.all(committed);
    expect([a.saved, b.saved, c.saved]).toEqual([1, 1, 1]);
  });
});
