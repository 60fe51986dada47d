import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { withPackedCalls } from '../../src/lib/config/callsLayout.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { DelegatingTableStore } from '../../src/lib/storage/delegatingTableStore.js';
import { AzureTableStore, type CommitOutcome, type RowWrite, type TableStore } from '../../src/lib/storage/TableStore.js';
import { guidLikeCallIds, twoLegCalls } from '../support/callLogs.js';
import { asJsonLines, DAY, normalizeAll, recordingBlobPath } from '../support/recordingLogs.js';
import {
  appendToBlob,
  azuriteConnectionString,
  newContainer,
  readAggregates,
  referenceAggregates,
  TEST_TABLE_RETRY,
  testDeps,
  uniquePrefix,
} from '../support/storage.js';

/** Counts the packed Calls table's transactions and the rows they carry. */
class CountedStore extends DelegatingTableStore {
  callCommits = 0;
  callRows = 0;

  override commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (logicalName.endsWith('CallsPacked')) {
      this.callCommits++;
      this.callRows += writes.length;
    }
    return super.commit(logicalName, partitionKey, writes);
  }
}

/** Fails every commit to the unpacked Calls table, counting them. */
class FailingCallCommits extends DelegatingTableStore {
  callCommits = 0;

  override async commit(logicalName: string, partitionKey: string, writes: readonly RowWrite[]): Promise<CommitOutcome> {
    if (logicalName !== 'Calls') return super.commit(logicalName, partitionKey, writes);
    this.callCommits++;
    // Held a little, so that the other calls in flight reach their commits as the first fails.
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw new Error('storage unreachable');
  }
}

/** An account's layout (calls spread over 16 physical partitions by their first character) over Azurite. */
function accountLayout(prefix = uniquePrefix()): { tables: TableStore; physical: CountedStore } {
  const physical = new CountedStore(
    new AzureTableStore({ kind: 'connectionString', connectionString: azuriteConnectionString() }, prefix, { retry: TEST_TABLE_RETRY }),
  );
  return { tables: withPackedCalls(physical, 'account'), physical };
}

/** A file of `calls` new calls whose ids start with every hex digit, as GUIDs do: two legs and a stream each. */
async function callsFile(
  calls: number,
  idPrefix = '',
): Promise<{ file: { container: string; path: string }; expected: unknown; records: Record<string, unknown>[] }> {
  const records = twoLegCalls(guidLikeCallIds(calls, idPrefix), DAY);
  const box = await newContainer(azuriteConnectionString(), `insights-logs-callsummaryupdates-${randomBytes(4).toString('hex')}`);
  const file = { container: box.containerName, path: recordingBlobPath(DAY, 1) };
  await appendToBlob(box, file.path, asJsonLines(records));
  return { file, expected: referenceAggregates(normalizeAll(records)), records };
}

describe('calls spread over physical partitions are written many at a time', () => {
  // Up to tens of seconds alone and several times that on a loaded machine, where the default minute ran out.
  it("an account's packed calls travel many to a transaction, not a call or two each, and store what one careful pass computes", async () => {
    const calls = 480;
    const { file, expected } = await callsFile(calls);
    const { tables, physical } = accountLayout();
    await processFile(file, testDeps(tables));
    // 32 calls at once over 16 physical partitions sent one or two calls a transaction (458
    // transactions of 1,920 rows here); 32 at once per physical partition send about five times fewer
    // (the first calls of a run are read before they are taken as new, each read alone in an account).
    expect(physical.callRows).toBe(calls * 4);
    expect(physical.callCommits).toBeLessThan(physical.callRows / 15);
    expect(await readAggregates(tables)).toEqual(expected);
    // A replay changes nothing, and writes no call again.
    const commits = physical.callCommits;
    await processFile(file, testDeps(tables));
    expect(physical.callCommits).toBe(commits);
    expect(await readAggregates(tables)).toEqual(expected);

    // Capped at 32 partitions in flight in all (the low memory profile), the calls go a few to a transaction again.
    const capped = accountLayout();
    await processFile(file, testDeps(capped.tables, undefined, { maxPartitionsInFlight: 32 }));
    expect(capped.physical.callCommits).toBeGreaterThan(capped.physical.callRows / 8);
    expect(await readAggregates(capped.tables)).toEqual(expected);
  }, 180_000);

  it('a store whose calls are unpacked (written by an earlier version) keeps its table, its calls written 32 at a time', async () => {
    const first = await callsFile(64);
    const prefix = uniquePrefix();
    // Written unpacked first, as an earlier version did.
    const plain = new AzureTableStore({ kind: 'connectionString', connectionString: azuriteConnectionString() }, prefix, { retry: TEST_TABLE_RETRY });
    await processFile(first.file, testDeps(plain));
    const { tables, physical } = accountLayout(prefix);
    // Before its layout is known, the table is taken as a new one would be.
    expect(tables.physicalSpread('Calls')).toBe(16);
    const second = await callsFile(64, 'second-');
    await processFile(second.file, testDeps(tables));
    expect(tables.physicalSpread('Calls')).toBe(1);
    expect(physical.callCommits).toBe(0);
    expect(await readAggregates(tables)).toEqual(referenceAggregates(normalizeAll([...first.records, ...second.records])));
  });

  it('a write that fails starts none of the partitions still waiting for their place', async () => {
    const first = await callsFile(16);
    const prefix = uniquePrefix();
    // An unpacked store (an earlier version's) in an account: its calls wait 32 at a time, in a pool sized for 512.
    const plain = new AzureTableStore({ kind: 'connectionString', connectionString: azuriteConnectionString() }, prefix, { retry: TEST_TABLE_RETRY });
    await processFile(first.file, testDeps(plain));
    const failing = new FailingCallCommits(plain);
    const tables = withPackedCalls(failing, 'account');
    const second = await callsFile(400, 'second-');
    await expect(processFile(second.file, testDeps(tables))).rejects.toThrow('storage unreachable');
    // The 32 in flight when the first failed, at the most: not the 400 of the write.
    expect(failing.callCommits).toBeLessThanOrEqual(32);
  });
});
