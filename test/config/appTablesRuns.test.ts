import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appTables } from '../../src/lib/config/runtime.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { tailAndSweep } from '../../src/lib/processing/tailAndSweep.js';
import { AzureTableStore } from '../../src/lib/storage/TableStore.js';
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

/** Call ids starting with every hex digit, and ids no GUID is: emoji, CJK, quotes, long ones, prefixes of one another. */
function callIds(): string[] {
  const ids: string[] = [];
  ids.push(...guidLikeCallIds(160));
  const long = 'x'.repeat(300) + '🎉'.repeat(200) + '終'.repeat(300);
  ids.push(
    '🎉',
    '🎉🎉',
    '🎉 call',
    '通話-一',
    '通話',
    'it\'s "quoted"',
    'a',
    'ab',
    'abc',
    'a b',
    'a  b',
    long,
    long + 'y',
    long.slice(0, 999),
    ' leading',
    'Z',
  );
  return ids;
}

async function logs(): Promise<{ container: string; first: { container: string; path: string }; expected: unknown }> {
  const records = twoLegCalls(callIds(), DAY);
  const box = await newContainer(azuriteConnectionString(), `insights-logs-callsummaryupdates-${randomBytes(4).toString('hex')}`);
  // Two files, the records of each call in both halves.
  const half = Math.floor(records.length / 2);
  await appendToBlob(box, recordingBlobPath(DAY, 1), asJsonLines(records.slice(0, half)));
  await appendToBlob(box, recordingBlobPath(DAY, 2), asJsonLines(records.slice(half)));
  return {
    container: box.containerName,
    first: { container: box.containerName, path: recordingBlobPath(DAY, 1) },
    expected: referenceAggregates(normalizeAll(records)),
  };
}

function account(prefix: string): ReturnType<typeof appTables> {
  return appTables({ kind: 'connectionString', connectionString: azuriteConnectionString() }, prefix, TEST_TABLE_RETRY);
}

describe("the timer run over the app's own store (its Calls table packed as in an account)", () => {
  it('counts every call once, whatever its id, with two runs at once over the same blobs', async () => {
    const { container, expected } = await logs();
    const prefix = uniquePrefix();
    const options = { containers: [container], sweepIntervalMs: 15 * 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY, forceSweep: true };
    const [first, second] = await Promise.all([tailAndSweep(testDeps(account(prefix)), options), tailAndSweep(testDeps(account(prefix)), options)]);
    expect(first.problems).toEqual([]);
    expect(second.problems).toEqual([]);
    expect(await readAggregates(account(prefix))).toEqual(expected);
    // A third run changes nothing.
    const third = await tailAndSweep(testDeps(account(prefix)), options);
    expect(third.problems).toEqual([]);
    expect(await readAggregates(account(prefix))).toEqual(expected);
  });

  it('counts every call once, whatever its id, on a store whose calls an earlier version wrote unpacked', async () => {
    const { container, first, expected } = await logs();
    const prefix = uniquePrefix();
    const options = { containers: [container], sweepIntervalMs: 15 * 60_000, fileConcurrency: 2, deadline: Number.POSITIVE_INFINITY, forceSweep: true };
    const plain = new AzureTableStore({ kind: 'connectionString', connectionString: azuriteConnectionString() }, prefix, { retry: TEST_TABLE_RETRY });
    // The earlier version ran part of the way (its first file), then the packed account store ran all.
    await processFile(first, testDeps(plain));
    const run = await tailAndSweep(testDeps(account(prefix)), options);
    expect(run.problems).toEqual([]);
    expect(await readAggregates(account(prefix))).toEqual(expected);
    expect(await readAggregates(plain)).toEqual(expected);
  });
});
