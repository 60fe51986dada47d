import { describe, expect, it } from 'vitest';
import { runInProcess } from '../support/inProcessCli.js';
import { appendToBlob, azuriteConnectionString, newContainer, uniquePrefix } from '../support/storage.js';

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
