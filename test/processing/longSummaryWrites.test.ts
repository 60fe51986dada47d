import { describe, expect, it } from 'vitest';
import { CALL_ROW_KEY, callPartition, callsView } from '../../src/lib/aggregating/calls/index.js';
import { SUMMARY_PENDING_FIELD, SUMMARY_SEQUENCE_FIELD, type AggregateView, type PartitionSummary } from '../../src/lib/aggregating/types.js';
import {
  applyExactlyOnce,
  applyToViews,
  type ApplyStats,
  type RecordSource,
  type PositionedRecord,
  type RefusedRecord,
} from '../../src/lib/processing/applyExactlyOnce.js';
import { withPackedCalls } from '../../src/lib/config/callsLayout.js';
import { StorageRefusedError } from '../../src/lib/storage/limits.js';
import type { CommitOutcome, RowWrite, StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { crashBeforeEachWrite } from '../support/crashLoop.js';
import { CrashingTableStore } from '../support/crashingTableStore.js';
import { DAY, operationRecord, recordingIdOf, summaryRecord } from '../support/recordingLogs.js';
import { queryCalls } from '../../src/lib/querying/recordingQueries.js';
import { normalizeAll } from '../support/roomsLogs.js';
import { newMemoryTableStore, newTableStore, readAggregates, referenceAggregates } from '../support/storage.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';

const correlationId = 'call-of-many-operations';
const partition = callPartition(correlationId);

/** `count` API operations of one call, each its own row of the call's partition, from `first` on. */
function operations(count: number, first = 0): PositionedRecord[] {
  const raw = Array.from({ length: count }, (_, i) => operationRecord({ correlationId, operationName: 'PauseRecording', time: DAY + (first + i) * 1000 }));
  return normalizeAll(raw).map((record, position) => ({ position, record }));
}

/** The call join, counting the rows its call row is computed from, over all the times it is. */
function countedCallsView(): { view: AggregateView; computedRows: () => number } {
  let computedRows = 0;
  const summary = callsView.summary as PartitionSummary;
  const view: AggregateView = {
    ...callsView,
    summary: {
      ...summary,
      compute: (rows, partitionKey) => {
        computedRows += rows.size;
        return summary.compute(rows, partitionKey);
      },
    },
  };
  return { view, computedRows: () => computedRows };
}

async function apply(
  tables: TableStore,
  views: readonly AggregateView[],
  records: readonly PositionedRecord[],
  fileId: string,
  onRefused?: (refused: RefusedRecord) => Promise<void>,
): Promise<ApplyStats> {
  return applyExactlyOnce(tables, views, records, { fileId, fileKey: `c/${fileId}`, concurrency: 1, ...(onRefused ? { onRefused } : {}) });
}

async function callRow(tables: TableStore): Promise<Record<string, unknown> | undefined> {
  return (await tables.getRow(callsView.table, partition, CALL_ROW_KEY))?.data;
}

/** The call's rows as one careful pass over `records` leaves them, its call row computed over `appliedRecords` records with none pending. */
async function expectOnePass(tables: TableStore, records: readonly PositionedRecord[], appliedRecords: number, when = 'one pass'): Promise<void> {
  const expected = referenceAggregates(
    records.map((p) => p.record),
    [callsView],
  );
  expect(await readAggregates(tables, [callsView]), when).toEqual(expected);
  const row = await callRow(tables);
  expect(row?.[SUMMARY_SEQUENCE_FIELD], when).toBe(appliedRecords);
  expect(row?.[SUMMARY_PENDING_FIELD], when).toBeUndefined();
}

async function operationRows(tables: TableStore): Promise<number> {
  let rows = 0;
  for await (const row of tables.query(callsView.table, undefined)) if (row.rowKey.startsWith('o|')) rows++;
  return rows;
}

/** Refuses every transaction that holds the row of the operation at `time`, as the service refuses a row past its limits. */
class RefusingStore extends WrappedTableStore {
  constructor(
    inner: TableStore,
    private readonly refusedTime: string,
  ) {
    super(inner);
  }
  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (writes.some((write) => write.data['time'] === this.refusedTime)) throw new StorageRefusedError('EntityTooLarge', 'refused for the test');
    return super.commit(table, partitionKey, writes);
  }
}

/** As RefusingStore, and before the first transaction of the call row alone, a publisher rewrites that row as it is (its ETag moves). */
class RefusedThenRewrittenStore extends RefusingStore {
  rewrites = 0;
  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (this.rewrites === 0 && writes.every((write) => write.rowKey === CALL_ROW_KEY || write.rowKey.startsWith('~'))) {
      this.rewrites++;
      const row = (await this.getRow(table, partitionKey, CALL_ROW_KEY)) as StoredRow;
      await super.commit(table, partitionKey, [{ op: 'replace', rowKey: CALL_ROW_KEY, etag: row.etag, data: row.data }]);
    }
    return super.commit(table, partitionKey, writes);
  }
}

describe('a call written in many transactions', () => {
  it('computes its call row from the partition’s rows in its last transaction only, and ends as one careful pass (Azurite)', async () => {
    const tables = newTableStore();
    const { view, computedRows } = countedCallsView();
    const first = operations(1_000);
    await apply(tables, [view], first, 'f1');
    // 1,000 rows take 11 transactions: computed in each, 6,000 rows in all; now the new partition's
    // first (its own rows) and the write's last.
    expect(computedRows()).toBeLessThanOrEqual(1_000 + 100);
    await expectOnePass(tables, first, 1_000);

    // A second write to the stored call: its last transaction only.
    const second = operations(500, 1_000);
    await apply(tables, [view], second, 'f2');
    // (A first transaction that takes the partition for new, refused, computes from its own rows.)
    expect(computedRows()).toBeLessThanOrEqual(1_100 + 1_500 + 100);
    await expectOnePass(tables, [...first, ...second], 1_500);

    // A write that fits one transaction computes the call row in it: no second transaction for it.
    const third = operations(10, 1_500);
    const stats = await apply(tables, [view], third, 'f3');
    expect(stats.transactions).toBe(1);
    await expectOnePass(tables, [...first, ...second, ...third], 1_510);
  });

  it('a write that takes the stored call for new is refused, reads it and goes on: no conflict counted, no record twice (Azurite)', async () => {
    const tables = newTableStore();
    const first = operations(10);
    await apply(tables, [callsView], first, 'f1');
    // A write of its own knows no partition yet, and its records do not say the call began long before: its partition is taken for new.
    const second = operations(10, 10);
    const stats = await apply(tables, [callsView], second, 'f2');
    expect(stats.conflicts).toBe(0);
    await expectOnePass(tables, [...first, ...second], 20);
  });

  it('in an account’s packed Calls table, computes it once per write too and ends as one careful pass (Azurite)', async () => {
    const tables = withPackedCalls(newTableStore(), 'account');
    const { view, computedRows } = countedCallsView();
    const first = operations(600);
    const second = operations(300, 600);
    await apply(tables, [view], first, 'f1');
    await apply(tables, [view], second, 'f2');
    expect(computedRows()).toBeLessThanOrEqual(700 + 900 + 100);
    await expectOnePass(tables, [...first, ...second], 900);
  });

  it('a crash between its transactions leaves the call row as it was with the records since counted as pending; a run again ends as one careful pass', async () => {
    const records = operations(400);
    await crashBeforeEachWrite({
      run: async (tables) => {
        await apply(tables, [callsView], records, 'f1');
      },
      minWrites: 3,
      check: (tables, when) => expectOnePass(tables, records, 400, when),
    });
    // What a crash before the third write leaves: the first transaction's call row, the second's records pending.
    const tables = newMemoryTableStore();
    await expect(apply(new CrashingTableStore(tables, 2), [callsView], records, 'f1')).rejects.toThrow('crash before write 2');
    const row = await callRow(tables);
    const rows = await operationRows(tables);
    expect(rows).toBeGreaterThan(row?.['operationCount'] as number);
    expect(row?.[SUMMARY_SEQUENCE_FIELD]).toBe(row?.['operationCount']);
    expect((row?.['operationCount'] as number) + (row?.[SUMMARY_PENDING_FIELD] as number)).toBe(rows);
  });

  it('cut short after it carried the call row, then read again in a write of only the files it had applied, computes the call row', async () => {
    const tables = newMemoryTableStore();
    const first = operations(150);
    const second = operations(150, 150);
    const sources: RecordSource[] = [
      { fileId: 'f1', fileKey: 'c/f1', records: first },
      { fileId: 'f2', fileKey: 'c/f2', records: second },
    ];
    // The new call's first transaction computes the call row; the second carries it with all of f1 in; the third is never sent.
    await expect(applyToViews(new CrashingTableStore(tables, 2), [callsView], sources, { concurrency: 1 })).rejects.toThrow('crash before write 2');
    expect((await callRow(tables))?.[SUMMARY_PENDING_FIELD]).toBeGreaterThan(0);
    // f1 read again alone (its checkpoint did not move): every record of it is in, and the call row must now say so.
    const stats = await apply(tables, [callsView], first, 'f1');
    expect(stats.alreadyApplied).toBe(150);
    const row = await callRow(tables);
    expect(row?.[SUMMARY_PENDING_FIELD]).toBeUndefined();
    expect(row?.['operationCount']).toBe(await operationRows(tables));
    expect(row?.[SUMMARY_SEQUENCE_FIELD]).toBe(await operationRows(tables));
  });

  it('cut short, is shown by `query calls` with counts that agree with the recordings it lists', async () => {
    const tables = newMemoryTableStore();
    const raw = Array.from({ length: 300 }, (_, i) => summaryRecord({ correlationId, recordingId: recordingIdOf(correlationId, i), time: DAY + i * 1000 }));
    const records = normalizeAll(raw).map((record, position) => ({ position, record }));
    // The first transaction computes the call row over 98 recordings; the second carries it with 98 more; the third is never sent.
    await expect(apply(new CrashingTableStore(tables, 2), [callsView], records, 'f1')).rejects.toThrow('crash before write 2');
    expect((await callRow(tables))?.[SUMMARY_PENDING_FIELD]).toBeGreaterThan(0);
    for (const filters of [{ granularity: 'day' as const }, { granularity: 'day' as const, correlationId }]) {
      const [call] = await queryCalls(tables, filters);
      expect(call?.recordings.length).toBe(196);
      expect(call?.recordingCount).toBe(call?.recordings.filter((r) => r.hasSummary).length);
      expect(call?.recordingSeconds).toBe(196 * 60);
    }
  });

  it('by three runs at once, each of its own file and of one file together, ends as one careful pass, its count whole (Azurite)', async () => {
    const tables = newTableStore();
    const files = [operations(300), operations(250, 300), operations(200, 550)];
    const stats = await Promise.all([
      ...files.map((records, i) => apply(tables, [callsView], records, `f${i}`)),
      // The same file as the first, by another run: each of its records once.
      apply(tables, [callsView], files[0] as PositionedRecord[], 'f0'),
    ]);
    // The runs met: some lost a race to a carried or computed call row and went on from what the other wrote.
    expect(stats.reduce((sum, s) => sum + s.conflicts, 0)).toBeGreaterThan(0);
    await expectOnePass(tables, files.flat(), 750);
  });

  it('whose first transaction is a replay of a file read again before a new one keeps the new file’s records, which that transaction does not reach', async () => {
    const tables = newMemoryTableStore();
    // 150 rows of the old file fill its first transaction: the new file's records come after, in no transaction yet.
    const replayed = operations(150);
    await apply(tables, [callsView], replayed, 'old');
    const fresh = operations(10, 150);
    const sources: RecordSource[] = [
      { fileId: 'old', fileKey: 'c/old', records: replayed },
      { fileId: 'new', fileKey: 'c/new', records: fresh },
    ];
    const { stats, appliedBefore } = await applyToViews(tables, [callsView], sources, { concurrency: 1 });
    expect(stats.alreadyApplied).toBe(150);
    expect([...appliedBefore]).toEqual(['old']);
    await expectOnePass(tables, [...replayed, ...fresh], 160);
  });

  it('whose last records are found applied already (a file read again with a new one) computes its call row once more', async () => {
    const tables = newMemoryTableStore();
    const replayed = operations(5, 1_000);
    await apply(tables, [callsView], replayed, 'old');
    // 98 new rows fill one transaction (with the call row and its locator); the old file's come after them and are dropped.
    const fresh = operations(98);
    const sources: RecordSource[] = [
      { fileId: 'new', fileKey: 'c/new', records: fresh },
      { fileId: 'old', fileKey: 'c/old', records: replayed },
    ];
    const { stats } = await applyToViews(tables, [callsView], sources, { concurrency: 1 });
    expect(stats.alreadyApplied).toBe(5);
    await expectOnePass(tables, [...fresh, ...replayed], 103);
  });

  it('whose last record the store refuses computes its call row once more, over the records it took', async () => {
    const records = operations(300);
    const last = records[records.length - 1] as PositionedRecord;
    const tables = new RefusingStore(newMemoryTableStore(), new Date(last.record.time).toISOString());
    const refused: RefusedRecord[] = [];
    await apply(tables, [callsView], records, 'f1', async (r) => {
      refused.push(r);
    });
    expect(refused.map((r) => r.record.position)).toEqual([last.position]);
    await expectOnePass(tables, records.slice(0, -1), 299);
  });

  it('whose last record the store refuses, and whose carried call row a publisher rewrites meanwhile, still computes it', async () => {
    const records = operations(300);
    const last = records[records.length - 1] as PositionedRecord;
    const tables = new RefusedThenRewrittenStore(newMemoryTableStore(), new Date(last.record.time).toISOString());
    const stats = await apply(tables, [callsView], records, 'f1', async () => {});
    expect(tables.rewrites).toBe(1);
    expect(stats.conflicts).toBe(1);
    await expectOnePass(tables, records.slice(0, -1), 299);
  });
});
