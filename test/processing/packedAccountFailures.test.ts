import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withPackedCalls } from '../../src/lib/config/callsLayout.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { MemoryTableAccount } from '../../src/lib/storage/memoryTableStore.js';
import type { CommitOutcome, RowWrite, TableStore } from '../../src/lib/storage/TableStore.js';
import { guidLikeCallIds, twoLegCalls } from '../support/callLogs.js';
import { CrashingTableStore, SimulatedCrash } from '../support/crashingTableStore.js';
import { asJsonLines, DAY, normalizeAll, recordingBlobPath } from '../support/recordingLogs.js';
import { appendToBlob, azuriteConnectionString, newContainer, newMemoryTableStore, readAggregates, referenceAggregates, testDeps } from '../support/storage.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';

async function callsFile(extra = 0): Promise<{ file: { container: string; path: string }; expected: unknown }> {
  const ids: string[] = [];
  ids.push(...guidLikeCallIds(32 + extra));
  ids.push('🎉', '🎉🎉', '通話', 'it\'s "q"', 'a', 'ab', 'a b', 'x'.repeat(400), 'x'.repeat(400) + 'y');
  const records = twoLegCalls(ids, DAY);
  const box = await newContainer(azuriteConnectionString(), `insights-logs-callsummaryupdates-${randomBytes(4).toString('hex')}`);
  const file = { container: box.containerName, path: recordingBlobPath(DAY, 1) };
  await appendToBlob(box, file.path, asJsonLines(records));
  return { file, expected: referenceAggregates(normalizeAll(records)) };
}

/** Fails every other transaction of several calls at once (a combined one), as a throttled account may. */
class FailingCombined extends WrappedTableStore {
  failing = true;
  combined = 0;
  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    const calls = new Set(writes.map((write) => write.data['LogicalPartitionKey']));
    if (this.failing && table.endsWith('CallsPacked') && calls.size > 1 && this.combined++ % 2 === 0) throw new Error('ServerBusy');
    return super.commit(table, partitionKey, writes);
  }
}

/** The third transaction of the packed Calls table fails; counts the ones sent after it. */
class FailingThird extends WrappedTableStore {
  commits = 0;
  failed = false;
  afterFailure = 0;
  failing = true;
  override async commit(table: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (!this.failing || !table.endsWith('CallsPacked')) return super.commit(table, partitionKey, writes);
    if (this.failed) this.afterFailure++;
    if (++this.commits === 3) {
      this.failed = true;
      throw new Error('storage unreachable');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    return super.commit(table, partitionKey, writes);
  }
}

describe("an account's packed calls, written many at a time", () => {
  it('under the low profile (32 in flight), a failed transaction starts none of the calls waiting, and run again ends as one clean pass', async () => {
    const { file, expected } = await callsFile(400);
    const account = new MemoryTableAccount();
    const failing = new FailingThird(newMemoryTableStore('Low', account));
    await expect(processFile(file, testDeps(withPackedCalls(failing, 'account'), undefined, { maxPartitionsInFlight: 32 }))).rejects.toThrow(
      'storage unreachable',
    );
    expect(failing.afterFailure).toBeLessThanOrEqual(32);
    failing.failing = false;
    const tables = withPackedCalls(failing, 'account');
    await processFile(file, testDeps(tables, undefined, { maxPartitionsInFlight: 32 }));
    expect(await readAggregates(tables)).toEqual(expected);
  });

  it('a run killed before any physical write (one combined transaction or another), run again, ends as one clean pass', async () => {
    const { file, expected } = await callsFile();
    const clean = new CrashingTableStore(newMemoryTableStore('Crash'), Number.POSITIVE_INFINITY, true);
    await processFile(file, testDeps(withPackedCalls(clean, 'account')));
    expect(await readAggregates(withPackedCalls(clean, 'account'))).toEqual(expected);
    expect(clean.writes).toBeGreaterThan(10);
    for (let crashAt = 0; crashAt < clean.writes; crashAt++) {
      const account = new MemoryTableAccount();
      const crashing = withPackedCalls(new CrashingTableStore(newMemoryTableStore('Crash', account), crashAt, true), 'account');
      await expect(processFile(file, testDeps(crashing)), `crash before write ${crashAt}`).rejects.toBeInstanceOf(SimulatedCrash);
      const recovered: TableStore = withPackedCalls(newMemoryTableStore('Crash', account), 'account');
      await processFile(file, testDeps(recovered));
      expect(await readAggregates(recovered), `crash before write ${crashAt}`).toEqual(expected);
    }
  });

  it('a run killed part of the way while another runs over the same calls, then a run again, ends as one clean pass', async () => {
    const { file, expected } = await callsFile(100);
    for (const killAt of [3, 10, 25, 60]) {
      const account = new MemoryTableAccount();
      const dying = processFile(file, testDeps(withPackedCalls(new CrashingTableStore(newMemoryTableStore('Two', account), killAt, true), 'account')));
      const other = processFile(file, testDeps(withPackedCalls(newMemoryTableStore('Two', account), 'account')));
      // Killed, or done (the other wrote the calls first) before it had written enough to die.
      const outcome = await dying.then(
        (result) => result.status,
        (error: unknown) => {
          if (error instanceof SimulatedCrash) return 'killed';
          throw error;
        },
      );
      expect(['killed', 'overtaken', 'unchanged', 'processed'], `killed before write ${killAt}`).toContain(outcome);
      await other;
      const tables = withPackedCalls(newMemoryTableStore('Two', account), 'account');
      await processFile(file, testDeps(tables));
      expect(await readAggregates(tables), `killed before write ${killAt}`).toEqual(expected);
    }
  });

  it('a run whose combined transactions fail now and then fails, and run again ends as one clean pass', async () => {
    const { file, expected } = await callsFile();
    const account = new MemoryTableAccount();
    const failing = new FailingCombined(newMemoryTableStore('Busy', account));
    await expect(processFile(file, testDeps(withPackedCalls(failing, 'account')))).rejects.toThrow('ServerBusy');
    failing.failing = false;
    const tables = withPackedCalls(failing, 'account');
    await processFile(file, testDeps(tables));
    expect(await readAggregates(tables)).toEqual(expected);
  });
});
