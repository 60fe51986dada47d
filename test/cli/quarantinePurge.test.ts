import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { QUARANTINE_TABLE } from '../../src/lib/processing/quarantine.js';
import { cli } from '../support/cli.js';
import { azuriteConnectionString, newTableStore, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-purge-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

/** Personal data as the logs carry it: a caller's IP address, an ACS user id and a phone number. */
const IP = '198.18.77.141';
const USER = '8:acs:11111111-aaaa-4bbb-8ccc-deadbeef0001_0000001a';
const PHONE = '4:+14255550123';

/** Every stored property of every quarantine row, as one text. */
async function quarantineText(prefix: string): Promise<string> {
  const tables = newTableStore(azuriteConnectionString(), prefix);
  const rows: unknown[] = [];
  for await (const row of tables.query(QUARANTINE_TABLE, undefined)) rows.push(row);
  return JSON.stringify(rows);
}

describe('quarantine purge', () => {
  it('removes the kept text (and the values its message quotes) of dismissed entries, leaving waiting ones and every count as they were', async () => {
    const prefix = uniquePrefix();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    const good = { time: '2024-06-01T10:00:00Z', category: 'RoomsOperational', operationName: 'GetRoom', correlationId: 'c1', properties: { roomId: 'r1' } };
    const broken = `{"time":"2024-06-01T10:00:01Z","callerIpAddress":"${IP}","userIdA":"${USER}", broken`;
    // A wrong type whose message quotes the value.
    const wrong = { ...good, correlationId: 'c2', callerIpAddress: IP, properties: { roomId: 'r2', roomLifespan: PHONE } };
    const junk = path.join(work, 'junk.json');
    const other = path.join(work, 'other.json');
    await writeFile(junk, `${JSON.stringify(good)}\n${broken}\n${JSON.stringify({ ...good, correlationId: 'c3' })}\n${JSON.stringify(wrong)}\n`);
    await writeFile(other, `${JSON.stringify({ ...good, correlationId: 'c4' })}\n{"callerIpAddress":"${IP}",\n`);
    expect((await cli(['process', junk, other, ...storage])).code).toBe(0);
    const before = await quarantineText(prefix);
    for (const value of [IP, USER, PHONE]) expect(before).toContain(value);

    // Waiting entries keep their text: a replay may need it.
    expect((await cli(['quarantine', 'purge', ...storage])).stdout).toBe(
      'purged the text of 0 entries (0 lines); 3 waiting entries keep their text (replay or dismiss them first)\n',
    );
    expect((await cli(['quarantine', 'dismiss', '--path', junk, '--reason', 'junk', ...storage])).stdout).toMatch(/^dismissed 2 entries/);
    const purged = await cli(['quarantine', 'purge', '--path', junk, ...storage]);
    expect(purged).toMatchObject({ code: 0, stdout: 'purged the text of 2 entries (2 lines)\n' });

    const listed = JSON.parse((await cli(['quarantine', 'list', '--all', '--format', 'json', ...storage])).stdout) as Record<string, unknown>[];
    const junkEntries = listed.filter((entry) => entry['path'] === junk);
    expect(junkEntries).toEqual([
      expect.objectContaining({
        code: 'invalid_json',
        line: 2,
        raw: '',
        rawTruncated: true,
        dismissedBecause: 'junk',
        purgedAt: expect.stringMatching(/^\d{4}-/),
      }),
      expect.objectContaining({ code: 'schema_invalid', line: 4, raw: '', rawTruncated: true, purgedAt: expect.stringMatching(/^\d{4}-/) }),
    ]);
    for (const entry of junkEntries) expect(entry['message']).toMatch(/^text purged/);
    // The other file's entry still waits, whole.
    expect(listed.find((entry) => entry['path'] === other)).toMatchObject({ raw: `{"callerIpAddress":"${IP}",`, purgedAt: null });
    expect((await cli(['quarantine', 'list', '--all', ...storage])).stdout).toMatch(/text purged at \d{4}-/);

    const after = await quarantineText(prefix);
    for (const value of [USER, PHONE]) expect(after).not.toContain(value);
    // Only the waiting entry's text still holds the address.
    expect(after.split(IP).length - 1).toBe(1);
    // Purging again changes nothing.
    expect((await cli(['quarantine', 'purge', '--path', junk, ...storage])).stdout).toMatch(/^purged the text of 0 entries \(0 lines\)/);
    // Taken back, a purged entry is replayed from its file; its text stays purged.
    expect((await cli(['quarantine', 'dismiss', '--undo', '--path', junk, ...storage])).stdout).toMatch(/^restored 2 entries/);
    expect((await cli(['quarantine', 'replay', ...storage])).stdout).toMatch(/^replayed 3 entries \(3 lines\): 0 applied \(0 records\), 3 still bad/);
    const replayed = await quarantineText(prefix);
    for (const value of [USER, PHONE]) expect(replayed).not.toContain(value);
  });
});
