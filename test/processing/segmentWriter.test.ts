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
  function writerOver(tables: GatedStore, readers: number, maxHeldRecords = 1_000_000): SegmentWriter {
    const writer = new SegmentWriter({ tables, views: [roomsOperationsView], logger: silentLogger, partitionConcurrency: 2, maxHeldRecords });
    for (let i = 0; i < readers; i++) writer.enter();
    return writer;
  }

  it('waits until every file reading has a segment: a call whose records are in several files is written once', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const readers = 20;
    const writer = writerOver(tables, readers);
    const segments = Array.from({ length: readers }, (_, i) => segment(`f${i}.0`, i + 1));
    const committed = segments.slice(0, readers - 1).map((write) => writer.commit(write));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // One short of every file: nothing is written yet.
    expect(tables.commits).toBe(0);
    committed.push(writer.commit(segments[readers - 1] as ReturnType<typeof segment>));
    await Promise.all(committed);
    expect(segments.map((write) => write.saved)).toEqual(segments.map(() => 1));
    // One write: each partition of the view was committed once, for all twenty files together.
    const partitions = new Set(segments.flatMap((write) => write.source.records.map((item) => roomsOperationsView.route(item.record)?.partitionKey)));
    expect(tables.commits).toBe(partitions.size);
  });

  it('does not wait for a file that is done or failed', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const writer = writerOver(tables, 3);
    const [a, b] = [segment('a.0', 1), segment('b.0', 2)];
    const committed = [writer.commit(a), writer.commit(b)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tables.commits).toBe(0);
    writer.leave();
    await Promise.all(committed);
    expect([a.saved, b.saved]).toEqual([1, 1]);
  });

  it('writes without waiting for every file once the run holds its limit of records, and counts records until they are written', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const a = segment('a.0', 1);
    const limit = a.source.records.length + 1;
    const writer = writerOver(tables, 3, limit);
    const heldA = writer.holdSegment();
    expect(heldA.hold(a.source.records.length)).toBe(true);
    // Another file's segment being read takes the run to its limit: that segment should end.
    const heldB = writer.holdSegment();
    expect(heldB.hold(1)).toBe(false);
    tables.close();
    const committed = writer.commit(a);
    // The run holds its limit: a's segment is written although b and the third file have none waiting.
    await until(() => tables.commits > 0);
    // Until the write is done, its records still count.
    expect(writer.holdSegment().hold(0)).toBe(false);
    tables.release();
    await committed;
    heldA.release();
    expect(a.saved).toBe(1);
    expect(writer.holdSegment().hold(0)).toBe(true);
    heldB.release();
    expect(writer.holdSegment().hold(limit - 1)).toBe(true);
  });
});
