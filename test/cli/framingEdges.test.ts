import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cli } from '../support/cli.js';
import { blobPath, roomsRecords } from '../support/roomsLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-edges-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

const storage = (): string[] => ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];

describe('acs-logs process on framing edge cases', () => {
  it.each([
    ['an export array', (records: object[]) => JSON.stringify(records)],
    ['a records wrapper', (records: object[]) => JSON.stringify({ records })],
  ])('reads %s on one line without a final newline', async (name, shape) => {
    const file = path.join(work, `${name.replace(/ /g, '-')}.json`);
    await writeFile(file, shape(roomsRecords(7, 81)));
    const run = await cli(['process', file, ...storage()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: 7 records, 0 bad lines quarantined/);
    expect(run.stdout).not.toMatch(/waiting/);
  });

  it('quarantines a line that is not JSON at once, and lists the run of junk lines readably', async () => {
    const file = path.join(work, 'hello.json');
    await writeFile(file, 'hello world\n');
    const flags = storage();
    const run = await cli(['process', file, ...flags]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/0 records, 1 bad lines quarantined/);
    expect(run.stdout).not.toMatch(/waiting/);
    // A container with no entry is said to be one, naming those that have entries.
    const none = await cli(['quarantine', 'list', '--container', 'insights-logs-nosuch', ...flags]);
    expect([none.code, none.stdout, none.stderr]).toEqual([0, '(no rows)\n', 'note: no entry of container "insights-logs-nosuch"; entries are in local\n']);

    const junk = path.join(work, 'junk.json');
    await writeFile(junk, `${JSON.stringify(roomsRecords(1, 82)[0])}\n${'x\n'.repeat(1000)}${JSON.stringify(roomsRecords(1, 83)[0])}\n`);
    expect((await cli(['process', junk, ...flags])).stdout).toMatch(/2 records, 1000 bad lines quarantined/);
    const list = await cli(['quarantine', 'list', '--format', 'json', ...flags]);
    const rows = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(rows.find((row) => row['path'] === junk)).toMatchObject({ line: 2, lastLine: 1001, count: 1000, code: 'invalid_json' });
    // Replay re-reads every line of a local file's run from disk (its sample alone could not be replayed).
    const replay = await cli(['quarantine', 'replay', ...flags]);
    expect(replay.stdout).toMatch(/replayed 2 entries \(1001 lines\): 0 applied \(0 records\), 2 still bad, .* 0 whose source and full text are gone/);
    // Once every entry is settled, a container with none says where the settled ones are, not that entries wait there.
    expect((await cli(['quarantine', 'dismiss', '--container', 'local', '--reason', 'junk on purpose', ...flags])).code).toBe(0);
    const settled = await cli(['quarantine', 'list', '--container', 'insights-logs-nosuch', ...flags]);
    expect([settled.code, settled.stdout, settled.stderr]).toEqual([
      0,
      '(no rows)\n',
      'note: no entry of container "insights-logs-nosuch"; only replayed or dismissed entries are in local (--all lists them)\n',
    ]);
    const all = await cli(['quarantine', 'list', '--all', '--container', 'insights-logs-nosuch', ...flags]);
    expect(all.stderr).toBe('note: no entry of container "insights-logs-nosuch"; entries are in local\n');
  });

  it("a replay that cannot find a laid-out file's blob says to give the folders process read, and does with them", async () => {
    const tree = path.join(work, 'tree');
    const file = path.join(tree, 'insights-logs-roomsoperational', blobPath(3));
    await mkdir(path.dirname(file), { recursive: true });
    const [record] = roomsRecords(1, 85) as [Record<string, unknown>];
    // Longer than the 8 KiB of text an entry keeps: only the file holds it whole.
    await writeFile(file, JSON.stringify({ ...record, properties: { ...(record['properties'] as object), note: 'n'.repeat(20_000) } }) + '\n');
    const flags = storage();
    expect((await cli(['process', tree, '--max-line-bytes', '8192', ...flags])).stdout).toMatch(/0 records, 1 bad lines quarantined/);
    const without = await cli(['quarantine', 'replay', '--max-line-bytes', '65536', ...flags]);
    expect(without.stdout).toMatch(
      /1 whose source and full text are gone \(for files `process` read, give their folders: acs-logs quarantine replay <folders>\)/,
    );
    // The note on stderr, which also says how to dismiss the entries of a deleted file, says so too: this file is on disk.
    expect(without.stderr).toMatch(
      /gone or changed, .*; unless `process` read them from folders \(then give those: acs-logs quarantine replay <folders>\), they wait/,
    );
    // A second tree, then only the other one given: its file is not gone, only not among the folders given.
    const other = path.join(work, 'other');
    const otherFile = path.join(other, 'insights-logs-roomsoperational', blobPath(4));
    await mkdir(path.dirname(otherFile), { recursive: true });
    await writeFile(otherFile, JSON.stringify({ ...record, properties: { ...(record['properties'] as object), note: 'o'.repeat(20_000) } }) + '\n');
    expect((await cli(['process', other, '--max-line-bytes', '8192', ...flags])).stdout).toMatch(/0 records, 1 bad lines quarantined/);
    const given = await cli(['quarantine', 'replay', tree, '--max-line-bytes', '65536', ...flags]);
    expect(given.stdout).toMatch(/1 applied \(1 records\)/);
    expect(given.stdout).not.toMatch(/give their folders/);
    expect(given.stdout).toMatch(/1 whose source and full text are gone \(for files `process` read from other folders than those given, give those too\)/);
    expect(given.stderr).toMatch(/gone or changed, .*; unless `process` read them from folders other than those given \(then give those too\), they wait/);
    const both = await cli(['quarantine', 'replay', other, '--max-line-bytes', '65536', ...flags]);
    expect(both.stdout).toMatch(/1 applied \(1 records\), 0 still bad, 0 of unsupported categories, 0 whose source/);
  });

  it.each([['utf16le'], ['utf16be']])('reports a %s file as unsupported_encoding, not as invalid JSON per line, and exits 0', async (encoding) => {
    const text =
      '\uFEFF' +
      roomsRecords(3, 84)
        .map((record) => JSON.stringify(record) + '\r\n')
        .join('');
    const bytes = Buffer.from(text, 'utf16le');
    if (encoding === 'utf16be') bytes.swap16();
    const file = path.join(work, `${encoding}.json`);
    await writeFile(file, bytes);
    const flags = storage();
    const run = await cli(['process', file, ...flags]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/0 records, 3 bad lines quarantined/);
    const rows = JSON.parse((await cli(['quarantine', 'list', '--format', 'json', ...flags])).stdout) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ code: 'unsupported_encoding', count: 3 });
    expect(String(rows[0]?.['message'])).toMatch(/UTF-16/);
    expect(String(rows[0]?.['raw'])).toContain('"category":"RoomsOperational"');
  });
});
