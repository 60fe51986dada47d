import { describe, expect, it } from 'vitest';
import { CALL_TIMES_TABLE } from '../../src/lib/aggregating/calls/callTimeIndex.js';
import { CALL_ROW_KEY, CALLS_TABLE } from '../../src/lib/aggregating/calls/index.js';
import { withPackedCalls } from '../../src/lib/config/callsLayout.js';
import { buildCallTimeIndex } from '../../src/lib/processing/callTimeIndexBuild.js';
import { packedRowKey } from '../../src/lib/storage/packedKeys.js';
import { newMemoryTableStore, newTableStore } from '../support/storage.js';

/** Two call keys cut short for length, sharing their kept prefix, whose digests order them against their logical order. */
function reversedPair(): [string, string] {
  const keys = Array.from({ length: 40 }, (_, i) => `${'L'.repeat(170)}${String(i).padStart(2, '0')}`);
  for (const low of keys) {
    for (const high of keys) if (low < high && packedRowKey(low, CALL_ROW_KEY) > packedRowKey(high, CALL_ROW_KEY)) return [low, high];
  }
  throw new Error('no pair of keys sorted against their logical order');
}

describe('the call-time index pass over a packed Calls table', () => {
  it('resumed after a stop, lists every call, those whose keys are cut short for length included', async () => {
    const tables = withPackedCalls(newMemoryTableStore(), 'embedded');
    await tables.ensureTable(CALLS_TABLE);
    await tables.ensureTable(CALL_TIMES_TABLE);
    const [low, high] = reversedPair();
    const calls = ['a-call', low, high, `${'L'.repeat(160)}`, `${'L'.repeat(150)}z`, 'z-call'];
    for (const call of calls) await tables.upsert(CALLS_TABLE, call, CALL_ROW_KEY, { firstAt: '2024-05-25T01:02:03.000Z' });

    // Stopped at the first call row it reads past each deadline, then resumed until it completes.
    let build = await buildCallTimeIndex(tables, { saveEvery: 1, deadline: 0 });
    for (let pass = 0; build.state === 'partial' && pass < 2; pass++) build = await buildCallTimeIndex(tables, { saveEvery: 1, deadline: 0 });
    expect(build.state).toBe('partial');
    expect(await buildCallTimeIndex(tables)).toMatchObject({ state: 'complete' });

    const listed: string[] = [];
    for await (const row of tables.query(CALL_TIMES_TABLE, "PartitionKey eq '2024-05-25'")) listed.push(row.data.call as string);
    expect(listed.sort()).toEqual([...calls].sort());
  });

  it('resumes after a call whose key is cut for length inside an emoji, against Azurite', async () => {
    const tables = newTableStore();
    await tables.ensureTable(CALLS_TABLE);
    await tables.ensureTable(CALL_TIMES_TABLE);
    // The resumed pass filters on the first 160 units of the last call it listed: here the 160th is half an emoji.
    const calls = ['a-call', `${'L'.repeat(159)}${'\u{1F600}'.repeat(5)}`, 'z-call'];
    for (const call of calls) await tables.upsert(CALLS_TABLE, call, CALL_ROW_KEY, { firstAt: '2024-05-25T01:02:03.000Z' });

    let build = await buildCallTimeIndex(tables, { saveEvery: 1, deadline: 0 });
    for (let pass = 0; build.state === 'partial' && pass < 3; pass++) build = await buildCallTimeIndex(tables, { saveEvery: 1, deadline: 0 });
    expect(await buildCallTimeIndex(tables)).toMatchObject({ state: 'complete' });

    const listed: string[] = [];
    for await (const row of tables.query(CALL_TIMES_TABLE, "PartitionKey eq '2024-05-25'")) listed.push(row.data.call as string);
    expect(listed.sort()).toEqual([...calls].sort());
  });
});
