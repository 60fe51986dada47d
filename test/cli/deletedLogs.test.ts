import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { portOf, startFaultProxy, withPorts, type FaultProxy } from '../support/faultProxy.js';
import { runInProcess } from '../support/inProcessCli.js';
import { asJsonLines, blobPath as roomsBlobPath, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, azuriteConnectionString, newContainer, uniquePrefix } from '../support/storage.js';

let work: string;
let proxy: FaultProxy;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-deleted-'));
  proxy = await startFaultProxy(portOf(azuriteConnectionString(), 'Table'), { rejectBefore: 0, loseAnswer: 0, seed: 1, refuseWritesHolding: 'POISONED' });
});
afterAll(async () => {
  await proxy.close();
  await removeTestDir(work);
});

const RESOURCE = '/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/CONTOSO-ACS';

function usage(hour: number, quantity: number): string {
  const time = `2024-05-26T${String(hour).padStart(2, '0')}:10:00Z`;
  return (
    JSON.stringify({
      time,
      resourceId: RESOURCE,
      category: 'Usage',
      operationName: 'Usage',
      properties: { recordId: `r-${hour}-${quantity}`, usageType: 'Audio', unitType: 'Minute', quantity, startTime: time, endTime: time },
    }) + '\n'
  );
}

function blobPath(hour: number): string {
  return `resourceId=${RESOURCE}/y=2024/m=05/d=26/h=${String(hour).padStart(2, '0')}/m=00/PT1H.json`;
}

describe('logs deleted after processing (a lifecycle policy)', () => {
  it('keeps the aggregates, reads nothing again, and says how to put aside the entries of a deleted file, which no replay can read', async () => {
    const container = await newContainer();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const read = ['--container', container.containerName];
    await appendToBlob(container, blobPath(1), usage(1, 10) + 'not json one\nnot json two\n' + usage(1, 5));
    await appendToBlob(container, blobPath(2), usage(2, 7));
    const first = await runInProcess(['backfill', ...read, ...storage]);
    expect(first.code, first.stderr).toBe(0);
    const before = await runInProcess(['query', 'usage', '--format', 'json', ...storage]);
    expect((JSON.parse(before.stdout) as Array<{ quantity: number }>).map((row) => row.quantity)).toEqual([22]);

    await container.getBlobClient(blobPath(1)).delete();
    const again = await runInProcess(['backfill', ...read, ...storage]);
    expect(again.code, again.stderr).toBe(0);
    expect((await runInProcess(['query', 'usage', '--format', 'json', ...storage])).stdout).toBe(before.stdout);

    // The entry's two lines can no longer be read: the replay names the file and the way to put it aside.
    const replay = await runInProcess(['quarantine', 'replay', ...storage]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/1 whose source and full text are gone/);
    const file = `${container.containerName}/${blobPath(1)}`;
    expect(replay.stderr).toContain(`note: the file of these entries is gone or changed, so their lines cannot be read again: ${file};`);
    expect(replay.stderr).toContain(`acs-logs quarantine dismiss --path "${file}" --reason deleted`);
    expect((await runInProcess(['health', '--format', 'json', ...storage])).stdout).toMatch(/"status": "degraded"/);

    // Done as the note says, health is ok again and the counts stay.
    const dismissed = await runInProcess(['quarantine', 'dismiss', '--path', file, '--reason', 'deleted', ...storage]);
    expect(dismissed.stdout).toMatch(/^dismissed 1 entry \(2 lines\)/);
    expect((await runInProcess(['health', '--format', 'json', ...storage])).stdout).toMatch(/"status": "ok"/);
    expect((await runInProcess(['query', 'usage', '--format', 'json', ...storage])).stdout).toBe(before.stdout);
  });
});

describe('a stuck local file deleted since', () => {
  it('is no longer listed as stuck once process of its folder finds it gone, as the timer clears a deleted blob; one still there stays', async () => {
    const prefix = uniquePrefix();
    const resource = (name: string): string => `/SUBSCRIPTIONS/0/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/${name}`;
    const tree = path.join(work, 'tree');
    const files: string[] = [];
    for (const [i, name] of ['FINE', 'POISONED', 'POISONED'].entries()) {
      const file = path.join(tree, 'insights-logs-roomsoperational', roomsBlobPath(i + 1, resource(name)));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(roomsRecords(5, 700 + i, 3, resource(name))));
      files.push(file);
    }
    const refusing = ['--connection-string', withPorts(azuriteConnectionString(), { table: proxy.port }), '--table-prefix', prefix];
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    expect((await runInProcess(['process', tree, '--quiet', ...refusing])).code).toBe(1);
    const stuck = async (): Promise<number> =>
      (JSON.parse((await runInProcess(['health', '--format', 'json', ...storage])).stdout) as { stuck: unknown[] }).stuck.length;
    expect(await stuck()).toBe(2);

    // One of them deleted on purpose; the other still fails.
    await rm(files[1] as string);
    const again = await runInProcess(['process', tree, '--quiet', ...refusing]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `note: 1 stuck file(s) of these folders are no longer on disk: insights-logs-roomsoperational/${roomsBlobPath(2, resource('POISONED'))};`,
    );
    expect(await stuck()).toBe(1);
    // A folder elsewhere, a parent of the tree, or another container of the tree does not decide for this one.
    await rm(files[2] as string);
    for (const elsewhere of [path.join(work, 'other'), work, path.join(tree, 'insights-logs-usage')]) {
      await mkdir(elsewhere, { recursive: true });
      expect((await runInProcess(['process', elsewhere, '--quiet', ...storage])).stderr).not.toContain('stuck file');
    }
    expect(await stuck()).toBe(1);
    expect((await runInProcess(['process', path.join(tree, 'insights-logs-roomsoperational'), '--quiet', ...storage])).stderr).toContain(
      'note: 1 stuck file(s)',
    );
    expect(await stuck()).toBe(0);
  });
});
