import { describe, expect, it } from 'vitest';
import { roomsOperationsView } from '../../src/lib/aggregating/index.js';
import { SegmentWriter, type HeldRecords, type SegmentWrite } from '../../src/lib/processing/segmentWriter.js';
import { silentLogger } from '../../src/lib/logging.js';
import type { CommitOutcome, RowWrite } from '../../src/lib/storage/TableStore.js';
import { normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { newMemoryTableStore, readAggregates, referenceAggregates } from '../support/storage.js';
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
    quarantine: async () => true,
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
  function writerOver(tables: GatedStore, maxHeldRecords = 1_000_000, readConcurrency = 64): SegmentWriter {
    return new SegmentWriter({
      tables,
      views: [roomsOperationsView],
      logger: silentLogger,
      partitionConcurrency: 2,
      maxPartitionsInFlight: 2,
      maxHeldRecords,
      readConcurrency,
    });
  }

  /** Admits a segment and reads it: it holds its records and gives its read slot back. */
  async function read(writer: SegmentWriter, write: ReturnType<typeof segment>, estimate = 1): Promise<HeldRecords> {
    const held = await writer.admit(estimate);
    held.hold(write.source.records.length);
    held.doneReading(1000);
    return held;
  }

  function settled(promise: Promise<unknown>): () => boolean {
    let done = false;
    void promise.then(() => (done = true));
    return () => done;
  }

  it('waits until every admitted segment is waiting: a call whose records are in several files is written once', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const files = 20;
    const writer = writerOver(tables);
    const segments = Array.from({ length: files }, (_, i) => segment(`f${i}.0`, i + 1));
    const held = await Promise.all(segments.map((write) => read(writer, write)));
    const committed = segments.slice(0, files - 1).map((write, i) => writer.commit(write, held[i] as HeldRecords));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // One short of every segment: nothing is written yet.
    expect(tables.commits).toBe(0);
    committed.push(writer.commit(segments[files - 1] as ReturnType<typeof segment>, held[files - 1] as HeldRecords));
    await Promise.all(committed);
    expect(segments.map((write) => write.saved)).toEqual(segments.map(() => 1));
    // One write: each partition of the view was committed once, for all twenty files together.
    const partitions = new Set(segments.flatMap((write) => write.source.records.map((item) => roomsOperationsView.route(item.record)?.partitionKey)));
    expect(tables.commits).toBe(partitions.size);
  });

  it('leaves out a segment whose quarantine says it must not be written: its records are not applied, its checkpoint not saved', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const writer = writerOver(tables);
    const kept = segment('kept.0', 1);
    const overtaken = segment('overtaken.0', 2);
    overtaken.quarantine = async () => false;
    const held = await Promise.all([read(writer, kept), read(writer, overtaken)]);
    const commits = await Promise.all([writer.commit(kept, held[0]), writer.commit(overtaken, held[1])]);
    expect(commits).toEqual([
      { refused: 0, saved: true },
      { refused: 0, saved: false },
    ]);
    expect([kept.saved, overtaken.saved]).toEqual([1, 0]);
    expect(await readAggregates(tables, [roomsOperationsView])).toEqual(
      referenceAggregates(
        kept.source.records.map((item) => item.record),
        [roomsOperationsView],
      ),
    );
  });

  it('admits segments in the order their files entered, and writes once every file entered has asked or left', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    // One segment reads at a time: the order of admission shows.
    const writer = writerOver(tables, 1_000_000, 1);
    const [first, second, third] = [writer.enter(), writer.enter(), writer.enter()] as const;
    const admitted: string[] = [];
    const secondHeld = writer.admitBytes(1000, 10, second).then((held) => (admitted.push('second'), held));
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The first file has not asked yet (its checkpoint or size still being read): the second waits for it.
    expect(admitted).toEqual([]);
    const firstHeld = writer.admitBytes(1000, 10, first).then((held) => (admitted.push('first'), held));
    const writes = [segment('a.0', 1), segment('b.0', 2)];
    const helds: HeldRecords[] = [await firstHeld];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(admitted).toEqual(['first']);
    const committed = [writes[0], writes[1]].map(async (write, i) => {
      const held = i === 0 ? (helds[0] as HeldRecords) : await secondHeld;
      held.hold((write as ReturnType<typeof segment>).source.records.length);
      held.doneReading(1000);
      return writer.commit(write as ReturnType<typeof segment>, held);
    });
    await until(() => admitted.length === 2);
    expect(admitted).toEqual(['first', 'second']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Both segments wait, but the third file may still ask: nothing is written yet.
    expect(tables.commits).toBe(0);
    third.leave();
    await Promise.all(committed);
    expect(writes.map((write) => write.saved)).toEqual([1, 1]);
    first.leave();
    second.leave();
  });

  it('does not wait for a segment that was abandoned', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const writer = writerOver(tables);
    const [a, b] = [segment('a.0', 1), segment('b.0', 2)];
    const [heldA, heldB] = [await read(writer, a), await read(writer, b)];
    const third = await writer.admit(10);
    const committed = [writer.commit(a, heldA), writer.commit(b, heldB)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tables.commits).toBe(0);
    third.release();
    await Promise.all(committed);
    expect([a.saved, b.saved]).toEqual([1, 1]);
  });

  it('writes without waiting for every segment once the run holds its limit of records, and counts records until they are written', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const a = segment('a.0', 1);
    const limit = a.source.records.length + 1;
    const writer = writerOver(tables, limit);
    const heldA = await writer.admit(1);
    expect(heldA.hold(a.source.records.length)).toBe(true);
    heldA.doneReading(1000);
    // Another file's segment being read takes the run to its limit: that segment should end.
    const heldB = await writer.admit(1);
    expect(heldB.hold(1)).toBe(false);
    tables.close();
    const committed = writer.commit(a, heldA);
    // The run holds its limit: a's segment is written although b is still reading.
    await until(() => tables.commits > 0);
    // Until the write is done, its records still count: a further segment is not admitted.
    const admittedC = writer.admit(1);
    const isAdmitted = settled(admittedC);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isAdmitted()).toBe(false);
    tables.release();
    await committed;
    expect(a.saved).toBe(1);
    // a is written: b's one record and c fit.
    const heldC = await admittedC;
    expect(heldC.hold(limit - 2)).toBe(true);
    heldB.release();
    heldC.release();
  });

  it('admits a segment while its estimate fits next to what is held, and any segment when nothing is', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const a = segment('a.0', 1);
    const records = a.source.records.length;
    const writer = writerOver(tables, 2 * records);
    const heldA = await writer.admit(records);
    const b = segment('b.0', 2);
    // Estimated at 1.5 times the records: does not fit next to a's estimate.
    const admittedB = writer.admit(Math.ceil(1.5 * records));
    const isAdmitted = settled(admittedB);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isAdmitted()).toBe(false);
    // a turns out smaller than estimated: b fits now, and the write waits for it.
    heldA.hold(Math.floor(records / 4));
    heldA.doneReading(1000);
    const heldB = await admittedB;
    const committedA = writer.commit({ ...a, source: { ...a.source, records: a.source.records.slice(0, Math.floor(records / 4)) } }, heldA);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tables.commits).toBe(0);
    heldB.hold(b.source.records.length);
    heldB.doneReading(1000);
    await Promise.all([committedA, writer.commit(b, heldB)]);
    expect(b.saved).toBe(1);
    // Nothing held: a segment estimated past the limit still reads (alone).
    const huge = await writer.admit(10 * records);
    huge.release();
  });

  it('reads at most readConcurrency segments at once', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const writer = writerOver(tables, 1_000_000, 2);
    const first = await writer.admit(1);
    const second = await writer.admit(1);
    const admittedThird = writer.admit(1);
    const isAdmitted = settled(admittedThird);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isAdmitted()).toBe(false);
    first.doneReading(10);
    const third = await admittedThird;
    for (const held of [first, second, third]) held.release();
  });

  it('estimates records from the bytes per record read so far', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    const writer = writerOver(tables);
    const held = await writer.admit(1);
    held.hold(100);
    held.doneReading(50_000);
    held.release();
    expect(writer.estimateRecords(1_000_000, 10_000)).toBe(2_000);
    expect(writer.estimateRecords(100_000_000, 10_000)).toBe(10_000);
    expect(writer.estimateRecords(0, 10_000)).toBe(1);
  });

  it('estimates a segment queued before anything was read when its turn comes, from the segments read before it', async () => {
    const tables = new GatedStore(newMemoryTableStore());
    // Room for 1,000 records, one segment read at a time, and four segments of 240 KB asking at once
    // (every file of a run starts together) before the run has read anything.
    const writer = writerOver(tables, 1_000, 1);
    const asked = [0, 1, 2, 3].map(() => writer.admitBytes(240_000, 10_000));
    const admitted = asked.map(() => false);
    asked.forEach((promise, i) => void promise.then(() => (admitted[i] = true)));
    const helds: HeldRecords[] = [];
    for (let i = 0; i < 4; i++) {
      await until(() => admitted[i] === true);
      const held = await (asked[i] as Promise<HeldRecords>);
      // 1,000 bytes a record: 240 records each. Estimated from the default 600 bytes a record, each
      // would take 400, and the fourth (720 held + 400) would wait for a write.
      held.hold(240);
      held.doneReading(240_000);
      helds.push(held);
    }
    for (const held of helds) held.release();
  });
});
