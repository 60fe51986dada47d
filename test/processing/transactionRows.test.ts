import { describe, expect, it } from 'vitest';
import { ALL_VIEWS, callsView, roomsView } from '../../src/lib/aggregating/index.js';
import { applyToViews, type RecordSource } from '../../src/lib/processing/applyExactlyOnce.js';
import { publishCallContributions } from '../../src/lib/processing/publishCallContributions.js';
import { MAX_TRANSACTION_ROWS, type CommitOutcome, type RowWrite } from '../../src/lib/storage/TableStore.js';
import { legRecord } from '../support/callLogs.js';
import { recordingIdOf, summaryRecord } from '../support/recordingLogs.js';
import { addParticipantsRecord, normalizeAll } from '../support/roomsLogs.js';
import { newTableStore, readAggregates, referenceAggregates } from '../support/storage.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';

/** Remembers the most rows any transaction it sent held. */
class LargestTransaction extends WrappedTableStore {
  most = 0;
  override commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    this.most = Math.max(this.most, writes.length);
    return super.commit(table, partitionKey, writes);
  }
}

function at(minute: number): string {
  return new Date(Date.UTC(2024, 4, 25, 0, minute)).toISOString();
}

describe('a transaction holds at most 100 rows, its files’ marks included', () => {
  it('many small files of one resource written together: each file’s first record brings its mark row into the transaction (Azurite)', async () => {
    // A file of two rooms, then 60 files of one room each (a backlog of one resource's hours written in one go):
    // each later record brings a row and its file's mark, so a transaction fills two rows at a time
    // from an odd count, and reaches 100 with a record of a file whose mark is not in it yet.
    const raw = [[addParticipantsRecord(at(0), 1, 'room-a'), addParticipantsRecord(at(1), 1, 'room-b')]];
    for (let i = 0; i < 60; i++) raw.push([addParticipantsRecord(at(2 + i), 1, `room-${i}`)]);
    const sources: RecordSource[] = raw.map((records, i) => ({
      fileId: `f${i}.0`,
      fileKey: `c/f${i}`,
      records: normalizeAll(records).map((record, position) => ({ position, record })),
    }));
    const tables = new LargestTransaction(newTableStore());

    await applyToViews(tables, [roomsView], sources, { concurrency: 1 });

    expect(tables.most).toBeLessThanOrEqual(MAX_TRANSACTION_ROWS);
    expect(await readAggregates(tables, [roomsView])).toEqual(referenceAggregates(normalizeAll(raw.flat()), [roomsView]));
  });
  it('a new call with 150 recordings: its first transaction also creates the call row and its locator (Azurite)', async () => {
    // The call's summary gives it a day, so the transaction that creates its call row also lists that day in
    // its locator row: two rows next to the recordings' rows.
    const call = 'a1b2c3d4-0000-4000-8000-000000000150';
    const start = Date.UTC(2024, 4, 25, 10);
    const raw = [
      legRecord({ correlationId: call, participantId: 'p-1', version: null, time: start + 3_600_000, callStartTime: start, callDurationSeconds: 3000 }),
      ...Array.from({ length: 150 }, (_, n) => summaryRecord({ correlationId: call, recordingId: recordingIdOf(call, n), time: start + 60_000 * (n + 1) })),
    ];
    const records = normalizeAll(raw).map((record, position) => ({ position, record }));
    const tables = new LargestTransaction(newTableStore());

    await applyToViews(tables, [callsView], [{ fileId: 'f.0', fileKey: 'c/f', records }], { concurrency: 1 });

    expect(tables.most).toBeLessThanOrEqual(MAX_TRANSACTION_ROWS);
    expect(await readAggregates(tables, [callsView])).toEqual(referenceAggregates(normalizeAll(raw), [callsView]));
  });
  it('120 calls of one resource and day published in one write: each call’s mark and rows in transactions of at most 100 rows (Azurite)', async () => {
    // Every call's contribution goes into the same day partition of call-volume and call-quality, each call
    // with a mark row of its own next to the rows its contribution adds to.
    const start = Date.UTC(2024, 4, 25, 10);
    const raw = Array.from({ length: 120 }, (_, n) =>
      legRecord({
        correlationId: `c0ffee00-0000-4000-8000-${String(n).padStart(12, '0')}`,
        participantId: 'p-1',
        version: null,
        time: start + 60_000 * (n + 30),
        callStartTime: start + 60_000 * n,
        callDurationSeconds: 600,
      }),
    );
    const records = normalizeAll(raw).map((record, position) => ({ position, record }));
    const tables = new LargestTransaction(newTableStore());

    const { summaries } = await applyToViews(tables, ALL_VIEWS, [{ fileId: 'f.0', fileKey: 'c/f', records }], { concurrency: 2 });
    await publishCallContributions(tables, ALL_VIEWS, records, 2, summaries);

    expect(tables.most).toBeLessThanOrEqual(MAX_TRANSACTION_ROWS);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll(raw)));
  });
});
