import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cli } from '../support/cli.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-replay-path-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

const RESOURCE = '/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/';

/** Records with neither a category nor the fields that tell one: an export's thin lines. */
function thin(resource: string, operationName: string, count: number): string {
  return Array.from(
    { length: count },
    (_, i) => JSON.stringify({ time: `2024-06-01T11:00:0${i}Z`, resourceId: RESOURCE + resource, operationName }) + '\n',
  ).join('');
}

describe('quarantine replay --path', () => {
  it('gives --category to one file: the records of another export that carry none are not read as that category', async () => {
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const operations = path.join(work, 'operations.json');
    const rooms = path.join(work, 'rooms.json');
    await writeFile(operations, thin('OPS', 'StartCallRecording', 2));
    await writeFile(rooms, thin('RMS', 'CreateRoom', 3));
    expect((await cli(['process', operations, rooms, ...storage])).stdout).toMatch(/0 records, 5 bad lines quarantined/);

    const replay = await cli(['quarantine', 'replay', '--path', rooms, '--category', 'RoomsOperational', ...storage]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/^replayed 1 entry \(3 lines\): 1 applied \(3 records\)/);
    const counted = JSON.parse((await cli(['query', 'rooms-operations', '--format', 'json', ...storage])).stdout) as Array<{
      operationName: string;
      count: number;
    }>;
    expect(counted.map((row) => [row.operationName, row.count])).toEqual([['CreateRoom', 3]]);
    // The other export's entry still waits for its own category.
    const waiting = JSON.parse((await cli(['quarantine', 'list', '--format', 'json', ...storage])).stdout) as Array<{ path: string }>;
    expect(waiting.map((entry) => entry.path)).toEqual([operations]);

    const none = await cli(['quarantine', 'replay', '--path', path.join(work, 'other.json'), ...storage]);
    expect([none.code, none.stdout]).toEqual([0, expect.stringMatching(/^replayed 0 entries: no waiting entry is of a file/)]);
  });
});
