import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roomsOperationsView, roomsView } from '../../src/lib/aggregating/index.js';
import { applyToViews, MAX_LISTED_POSITIONS, windowsOf, type PositionedRecord } from '../../src/lib/processing/applyExactlyOnce.js';
import { entitySizeBytes, MAX_ENTITY_BYTES, MAX_TRANSACTION_BYTES, splitLongStrings } from '../../src/lib/storage/limits.js';
import { highWaterMarkRowKey, PositionSet } from '../../src/lib/processing/highWaterMarkRows.js';
import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { CrashingTableStore, SimulatedCrash } from '../support/crashingTableStore.js';
import { MemoryTableAccount } from '../../src/lib/storage/memoryTableStore.js';
import { normalizeAll, roomsRecords } from '../support/roomsLogs.js';
import { newMemoryTableStore, readAggregates, referenceAggregates } from '../support/storage.js';

describe('PositionSet', () => {
  it('holds what was added, as sorted disjoint ranges, and drops what lies before a mark', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 60 }), { maxLength: 40 }), fc.nat({ max: 70 }), (positions, mark) => {
        // Added at once, and one by one.
        const set = new PositionSet().with(positions);
        let oneByOne = new PositionSet();
        for (const position of positions) oneByOne = oneByOne.with([position]);
        expect(oneByOne.toText()).toBe(set.toText());
        const parsed = PositionSet.parse(set.toText());
        expect(parsed).toBeDefined();
        const after = set.from(mark);
        for (let p = 0; p <= 71; p++) {
          expect(set.has(p), `has ${p}`).toBe(positions.includes(p));
          expect(parsed?.has(p)).toBe(positions.includes(p));
          expect(after.has(p)).toBe(positions.includes(p) && p >= mark);
        }
        const bounds = JSON.parse(set.toText()) as number[];
        for (let i = 1; i < bounds.length; i++) expect(bounds[i]).toBeGreaterThan(bounds[i - 1] as number);
      }),
      // A mark inside a range, at its start and at its end: random sets rarely put one there.
      {
        examples: [
          [[3, 4, 5, 6], 5],
          [[3, 4, 5, 6], 3],
          [[3, 4, 5, 6], 7],
        ],
      },
    );
  });

  it('refuses text that is not sorted ranges', () => {
    for (const text of ['x', '{}', '[1]', '[2,1]', '[1,2,2,3]', '[1.5,2]', '["1","2"]']) expect(PositionSet.parse(text), text).toBeUndefined();
  });
});

/** Rooms records of 300 rooms, each room's records spread over the file: one partition, far more than 100 rows. */
function roomsFile(seed: number, count = 900): PositionedRecord[] {
  return normalizeAll(roomsRecords(count, seed, 300)).map((record, position) => ({ position, record }));
}

async function apply(tables: TableStore, files: { fileId: string; records: PositionedRecord[] }[], maxListedPositions?: number): Promise<void> {
  await applyToViews(
    tables,
    [roomsView],
    files.map(({ fileId, records }) => ({ fileId, fileKey: `c/${fileId}`, records })),
    { concurrency: 2, ...(maxListedPositions === undefined ? {} : { maxListedPositions }) },
  );
}

/** Positions a mark row's `applied` lists (the sum of its ranges' lengths). */
function listedPositions(data: Record<string, unknown>): number {
  const applied = data['applied'];
  if (typeof applied !== 'string') return 0;
  const bounds = JSON.parse(applied) as number[];
  let count = 0;
  for (let i = 0; i < bounds.length; i += 2) count += (bounds[i + 1] as number) - (bounds[i] as number);
  return count;
}

/** Remembers the most positions any mark row it wrote listed. */
class ListedPositions extends WrappedTableStore {
  most = 0;
  override commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    for (const write of writes) if (write.rowKey.startsWith(highWaterMarkRowKey(''))) this.most = Math.max(this.most, listedPositions(write.data));
    return super.commit(table, partitionKey, writes);
  }
}

describe('a partition whose records each touch one row is written row by row', () => {
  const a = roomsFile(11);
  const b = roomsFile(12);
  const expected = referenceAggregates(
    [...a, ...b].map(({ record }) => record),
    [roomsView],
  );

  it('writes each row once per write, not once per transaction it appears in', async () => {
    const tables = newMemoryTableStore();
    await apply(tables, [
      { fileId: 'a.0', records: a },
      { fileId: 'b.0', records: b },
    ]);
    expect(await readAggregates(tables, [roomsView])).toEqual(expected);
    const rows = Object.keys(expected[roomsView.table] ?? {}).length;
    expect(rows).toBeGreaterThan(250);
    // Rows once, plus the two files' marks in each transaction.
    expect(tables.requests.entities).toBeLessThanOrEqual(rows + 2 * tables.requests.transactions);
    // Once all of a file's records are in, its mark moves past them and lists no positions.
    const marks = (await markRowsOf(tables)).map(({ data }) => [data['file'], data['mark'], data['applied']]);
    expect(marks.sort()).toEqual([
      ['c/a.0', a.length, undefined],
      ['c/b.0', b.length, undefined],
    ]);
  });

  it('a crash before any write of the whole files, then the files again in other segments, counts every record once', async () => {
    const whole = (tables: TableStore): Promise<void> =>
      apply(tables, [
        { fileId: 'a.0', records: a },
        { fileId: 'b.0', records: b },
      ]);
    // After the crash the files are read again in smaller segments, one file at a time.
    const again = async (tables: TableStore): Promise<void> => {
      for (const [fileId, records] of [
        ['a.0', a],
        ['b.0', b],
      ] as const) {
        for (let start = 0; start < records.length; start += 250) await apply(tables, [{ fileId, records: records.slice(start, start + 250) }]);
      }
    };
    const probe = new CrashingTableStore(newMemoryTableStore(), Number.POSITIVE_INFINITY);
    await whole(probe);
    expect(probe.writes).toBeGreaterThan(3);
    for (let crashAt = 1; crashAt < probe.writes; crashAt++) {
      const account = new MemoryTableAccount();
      await expect(whole(new CrashingTableStore(newMemoryTableStore('Crash', account), crashAt))).rejects.toBeInstanceOf(SimulatedCrash);
      const recovered = newMemoryTableStore('Crash', account);
      await again(recovered);
      expect(await readAggregates(recovered, [roomsView]), `crash before write ${crashAt}`).toEqual(expected);
    }
  });

  it('a write into a partition that exists reads its rows once, in pages, not per transaction', async () => {
    const tables = newMemoryTableStore();
    await apply(tables, [{ fileId: 'a.0', records: a }]);
    // A later run (a new cache): it takes the partition as new, a create meets a row, and it reads.
    const before = tables.requests.reads;
    await apply(tables, [{ fileId: 'b.0', records: b }]);
    const reads = tables.requests.reads - before;
    expect(await readAggregates(tables, [roomsView])).toEqual(expected);
    const rows = Object.keys(expected[roomsView.table] ?? {}).length;
    expect(tables.requests.transactions).toBeGreaterThan(3);
    // A first page of 4 rows, then one page of the rest of a partition of fewer than 1,000 rows; asking
    // for each transaction's rows by name took dozens.
    expect(rows).toBeLessThan(1_000);
    expect(reads).toBe(2);
  });

  it('a mark whose listed positions are not ranges fails the write instead of applying them again', async () => {
    const tables = newMemoryTableStore();
    await apply(tables, [{ fileId: 'a.0', records: a.slice(0, 10) }]);
    const [mark] = await markRowsOf(tables);
    if (!mark) throw new Error('no mark row');
    await tables.upsert(roomsView.table, mark.partitionKey, mark.rowKey, { ...mark.data, applied: '[5,3]' });
    await expect(apply(tables, [{ fileId: 'a.0', records: a.slice(0, 20) }])).rejects.toThrow(/applied is not a list of position ranges/);
  });
});

describe('windowsOf', () => {
  it('cuts items in file order into windows of at most n items of any file, only where a file reaches n', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 30 }), { maxLength: 6 }), fc.integer({ min: 1, max: 12 }), (counts, max) => {
        const sources = counts.map((_, index) => ({ index }));
        const items = sources.flatMap((source, index) => Array.from({ length: counts[index] as number }, (_, position) => ({ source, position })));
        const windows = windowsOf(items, max);
        expect(windows.flat()).toEqual(items);
        for (const window of windows) {
          const perFile = new Map<unknown, number>();
          for (const item of window) perFile.set(item.source, (perFile.get(item.source) ?? 0) + 1);
          expect(Math.max(0, ...perFile.values())).toBeLessThanOrEqual(max);
        }
        // Every window but the last ends where its last file has n items in it.
        for (const window of windows.slice(0, -1)) {
          const last = window[window.length - 1] as (typeof items)[number];
          expect(window.filter((item) => item.source === last.source)).toHaveLength(max);
        }
      }),
    );
  });
});

describe('a file with more records in a partition than a mark may list', () => {
  const a = roomsFile(31);
  const b = roomsFile(32);
  const expected = referenceAggregates(
    [...a, ...b].map(({ record }) => record),
    [roomsView],
  );

  it('is written in windows: no mark lists more than the window, and the rows equal the reference', async () => {
    const tables = new ListedPositions(newMemoryTableStore());
    await apply(
      tables,
      [
        { fileId: 'a.0', records: a },
        { fileId: 'b.0', records: b },
      ],
      200,
    );
    expect(await readAggregates(tables, [roomsView])).toEqual(expected);
    expect(tables.most).toBeGreaterThan(100);
    expect(tables.most).toBeLessThanOrEqual(200);
    const marks = (await markRowsOf(tables)).map(({ data }) => [data['file'], data['mark'], data['applied']]);
    expect(marks.sort()).toEqual([
      ['c/a.0', a.length, undefined],
      ['c/b.0', b.length, undefined],
    ]);
    // Without windows, the same write lists most of a file's records at some point.
    const unbounded = new ListedPositions(newMemoryTableStore());
    await apply(unbounded, [
      { fileId: 'a.0', records: a },
      { fileId: 'b.0', records: b },
    ]);
    expect(unbounded.most).toBeGreaterThan(600);
  });

  it('the longest list a window allows fits an entity with room to spare, at the offsets of a terabyte-long file', () => {
    // Every other position, so no two merge into one range: the longest text the window can give.
    const far = 2 ** 40;
    const positions = Array.from({ length: MAX_LISTED_POSITIONS }, (_, i) => far + 2 * i);
    const data = { file: 'c/' + 'x'.repeat(300), mark: far, applied: new PositionSet().with(positions).toText(), updatedAt: new Date().toISOString() };
    const bytes = entitySizeBytes('p'.repeat(400), highWaterMarkRowKey('f'.repeat(400)), splitLongStrings(data));
    expect(bytes).toBeLessThan(MAX_ENTITY_BYTES * 0.75);
    // Four such marks fit one transaction.
    expect(4 * bytes).toBeLessThan(MAX_TRANSACTION_BYTES);
  });

  it('a crash at any write, then the files again with other windows, counts every record once', async () => {
    const files = [
      { fileId: 'a.0', records: a },
      { fileId: 'b.0', records: b },
    ];
    const probe = new CrashingTableStore(newMemoryTableStore(), Number.POSITIVE_INFINITY);
    await apply(probe, files, 200);
    expect(probe.writes).toBeGreaterThan(8);
    for (let crashAt = 1; crashAt < probe.writes; crashAt++) {
      const account = new MemoryTableAccount();
      await expect(apply(new CrashingTableStore(newMemoryTableStore('Crash', account), crashAt), files, 200)).rejects.toBeInstanceOf(SimulatedCrash);
      const recovered = newMemoryTableStore('Crash', account);
      await apply(recovered, files, 350);
      expect(await readAggregates(recovered, [roomsView]), `crash before write ${crashAt}`).toEqual(expected);
    }
  });
});

async function markRowsOf(tables: TableStore): Promise<{ partitionKey: string; rowKey: string; data: Record<string, unknown> }[]> {
  const found: { partitionKey: string; rowKey: string; data: Record<string, unknown> }[] = [];
  for await (const row of tables.query(roomsView.table, undefined)) if (row.rowKey.startsWith(highWaterMarkRowKey(''))) found.push(row);
  return found;
}

describe('views written together', () => {
  it("the next view's partitions are written while a long chain of the view before still goes on, and both end equal to the reference", async () => {
    const rooms = normalizeAll(roomsRecords(2000, 21, 1000)).map((record, position) => ({ position, record }));
    const operations = normalizeAll(roomsRecords(400, 22, 40)).map((record, position) => ({ position, record }));
    const log: string[] = [];
    /** Every commit takes a little while, so a chain of them is long against one partition's write. */
    class SlowCommits extends WrappedTableStore {
      override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
        await new Promise((resolve) => setTimeout(resolve, 5));
        log.push(table);
        return super.commit(table, partitionKey, writes);
      }
    }
    const tables = new SlowCommits(newMemoryTableStore());
    // Rooms first: one partition, a chain of transactions one after another.
    await applyToViews(
      tables,
      [roomsView, roomsOperationsView],
      [
        { fileId: 'a.0', fileKey: 'c/a.0', records: rooms },
        { fileId: 'b.0', fileKey: 'c/b.0', records: operations },
      ],
      { concurrency: 4 },
    );
    const lastRooms = log.lastIndexOf(roomsView.table);
    const firstOperations = log.indexOf(roomsOperationsView.table);
    expect(log.filter((table) => table === roomsView.table).length).toBeGreaterThan(8);
    expect(firstOperations).toBeGreaterThanOrEqual(0);
    expect(firstOperations).toBeLessThan(lastRooms);
    expect(await readAggregates(tables, [roomsView, roomsOperationsView])).toEqual(
      referenceAggregates(
        [...rooms, ...operations].map(({ record }) => record),
        [roomsView, roomsOperationsView],
      ),
    );
  });
});
