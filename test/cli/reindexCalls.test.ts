import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { CALL_TIMES_TABLE } from '../../src/lib/aggregating/calls/callTimeIndex.js';
import { callTimeIndexComplete, callTimeIndexState, restartCallTimeIndex } from '../../src/lib/processing/callTimeIndexBuild.js';
import { FILES_TABLE } from '../../src/lib/processing/checkpoints.js';
import type { StoredRow } from '../../src/lib/storage/TableStore.js';
import { cli } from '../support/cli.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-reindex-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

describe('acs-logs reindex-calls', () => {
  it('lists again the calls an older version wrote after the index was complete, which ranged queries left out', async () => {
    const prefix = uniquePrefix();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    const logs = path.join(work, 'logs');
    expect((await cli(['generate', '--out', logs, '--hours', '48', '--calls-per-hour', '10', '--rooms-per-hour', '1', '--seed', '7'])).code).toBe(0);
    expect((await cli(['process', logs, '--quiet', ...storage])).code).toBe(0);
    // Two hours of the second day: the first day lists more than five times their calls, so the index answers.
    const range = ['--from', '2024-05-26T03:00Z', '--to', '2024-05-26T05:00Z'];
    const ids = async (): Promise<string[]> => {
      const run = await cli(['query', 'calls', ...range, '--format', 'json', ...storage]);
      expect(run.code, run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as { correlationId: string }[]).map((call) => call.correlationId).sort();
    };
    const all = await ids();
    expect(all.length).toBeGreaterThan(4);

    // An older version wrote the second day's calls after the index was complete: they are listed nowhere.
    const tables = newTableStore(azuriteConnectionString(), prefix);
    expect(await callTimeIndexComplete(tables)).toBe(true);
    for await (const row of tables.query(CALL_TIMES_TABLE, `PartitionKey eq '2024-05-26'`)) {
      await tables.deleteRow(CALL_TIMES_TABLE, row.partitionKey, row.rowKey);
    }
    expect(await ids()).toEqual([]);

    const reindexed = await cli(['reindex-calls', ...storage]);
    expect(reindexed.code, reindexed.stderr).toBe(0);
    expect(reindexed.stdout).toMatch(/^\d+ call\(s\) listed in the time index of calls; queries of a time range use it again\n$/);
    expect(await ids()).toEqual(all);
    expect(await callTimeIndexComplete(tables)).toBe(true);
    const health = await cli(['health', ...storage]);
    expect(health.stdout).toMatch(/^time index of calls: complete since \d{4}-\d\d-\d\dT/m);
  });

  it('health names the command once an older version read a file after the index was complete, and not after it ran', async () => {
    const prefix = uniquePrefix();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    const logs = path.join(work, 'older-writer');
    expect((await cli(['generate', '--out', logs, '--hours', '3', '--calls-per-hour', '2', '--rooms-per-hour', '1', '--seed', '9'])).code).toBe(0);
    expect((await cli(['process', logs, '--quiet', ...storage])).code).toBe(0);
    const tables = newTableStore(azuriteConnectionString(), prefix);
    const plain = /^time index of calls: complete since \S+$/m;
    expect((await cli(['health', ...storage])).stdout).toMatch(plain);

    // An older version saves a file's checkpoint after the index was complete: its row, replaced whole, says nothing of listing calls.
    const completedAt = (await callTimeIndexState(tables)).completedAt ?? '';
    let row: StoredRow | undefined;
    for await (const checkpoint of tables.query(FILES_TABLE, `PartitionKey eq 'insights-logs-callrecordingoperational'`)) row ??= checkpoint;
    if (!row) throw new Error('no checkpoint of the recording operations');
    const { listsCalls, ...older } = row.data;
    expect(listsCalls).toBe(true);
    await tables.deleteRow(FILES_TABLE, row.partitionKey, row.rowKey);
    await tables.upsert(FILES_TABLE, row.partitionKey, row.rowKey, { ...older, updatedAt: new Date(Date.parse(completedAt) + 1).toISOString() });

    const json = await cli(['health', ...storage, '--format', 'json']);
    expect((JSON.parse(json.stdout) as { callTimeIndex: unknown }).callTimeIndex).toMatchObject({ state: 'complete', filesReadByOlderVersions: 1 });
    expect((await cli(['health', ...storage])).stdout).toMatch(
      /^time index of calls: complete since \S+, but 1 file\(s\) were read since by an older version, which may not list the calls it writes: ranged calls queries may leave those calls out; once every writer runs this version, run acs-logs reindex-calls$/m,
    );

    expect((await cli(['reindex-calls', ...storage])).code).toBe(0);
    expect((await cli(['health', ...storage])).stdout).toMatch(plain);
  });

  it('health goes on naming the command after this version saves again a checkpoint an older version saved', async () => {
    const prefix = uniquePrefix();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    const logs = path.join(work, 'older-then-newer');
    expect((await cli(['generate', '--out', logs, '--hours', '3', '--calls-per-hour', '2', '--rooms-per-hour', '1', '--seed', '9'])).code).toBe(0);
    expect((await cli(['process', logs, '--quiet', ...storage])).code).toBe(0);
    const tables = newTableStore(azuriteConnectionString(), prefix);
    const completedAt = (await callTimeIndexState(tables)).completedAt ?? '';
    let row: StoredRow | undefined;
    for await (const checkpoint of tables.query(FILES_TABLE, `PartitionKey eq 'insights-logs-callrecordingoperational'`)) row ??= checkpoint;
    if (!row) throw new Error('no checkpoint of the recording operations');
    const { listsCalls: _, ...older } = row.data;
    await tables.deleteRow(FILES_TABLE, row.partitionKey, row.rowKey);
    // Its local ETag spelled as before the change time was part of it (a version before 2026-12-04).
    const olderEtag = String(older['fileEtag']).replace(/-[^-]+$/, '');
    const olderUpdatedAt = new Date(Date.parse(completedAt) + 1).toISOString();
    await tables.upsert(FILES_TABLE, row.partitionKey, row.rowKey, { ...older, fileEtag: olderEtag, updatedAt: olderUpdatedAt });
    // This version looks at the file again: same bytes, so it reads nothing and saves the file's ETag as it spells it.
    const again = await cli(['process', logs, '--quiet', ...storage]);
    expect(again.stdout).toMatch(/0 with new data: 0 records/);
    const saved = await tables.getRow(FILES_TABLE, row.partitionKey, row.rowKey);
    expect(saved?.data['updatedAt']).not.toBe(olderUpdatedAt);

    // The calls that older version wrote are still listed nowhere: health still names the command.
    const json = await cli(['health', ...storage, '--format', 'json']);
    expect((JSON.parse(json.stdout) as { callTimeIndex: unknown }).callTimeIndex).toMatchObject({ state: 'complete', filesReadByOlderVersions: 1 });
    expect((await cli(['reindex-calls', ...storage])).code).toBe(0);
    const after = await cli(['health', ...storage, '--format', 'json']);
    expect((JSON.parse(after.stdout) as { callTimeIndex: unknown }).callTimeIndex).toMatchObject({ state: 'complete', filesReadByOlderVersions: 0 });
  });

  it('on a store that holds no call (a mistyped --data-dir) says so, naming the store', async () => {
    const dataDir = path.join(work, 'typo');
    const run = await cli(['reindex-calls', '--data-dir', dataDir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('0 call(s) listed in the time index of calls; queries of a time range use it again\n');
    expect(run.stderr).toContain(
      `note: no call is stored in tables Acs* of the embedded store in ${dataDir}, new: nothing was stored there before this command`,
    );
  });

  it('health on a store nothing was processed into says the index is not made yet, and which commands make it', async () => {
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const health = await cli(['health', ...storage]);
    expect(health.stdout).toMatch(/^time index of calls: not made yet; the next process, backfill, watch or timer run makes it$/m);
  });

  it('process says so when it lists the calls stored before the index existed', async () => {
    const prefix = uniquePrefix();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    const logs = path.join(work, 'small');
    expect((await cli(['generate', '--out', logs, '--hours', '6', '--calls-per-hour', '3', '--rooms-per-hour', '1', '--seed', '8'])).code).toBe(0);
    const first = await cli(['process', logs, '--quiet', ...storage]);
    expect(first.code, first.stderr).toBe(0);
    // A new store is complete before its first call: nothing to say.
    expect(first.stderr).not.toContain('time index');
    await restartCallTimeIndex(newTableStore(azuriteConnectionString(), prefix));
    const again = await cli(['process', logs, '--quiet', ...storage]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 with new data: 0 records/);
    expect(again.stderr).toMatch(/^note: [1-9]\d* call\(s\) stored before the time index of calls existed were listed in it \(once\)$/m);
  });
});
