import { mkdir, mkdtemp, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cliProcess, ROOT } from '../support/cli.js';
import { runInProcess } from '../support/inProcessCli.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, azuriteConnectionString, newContainer, uniqueContainer, uniquePrefix } from '../support/storage.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-says-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

describe('backfill says what it read', () => {
  it('names the account and the containers it read, and those it did not find', async () => {
    const present = await newContainer();
    await appendToBlob(present, blobPath(1), asJsonLines(roomsRecords(5, 11, 1)));
    const missing = uniqueContainer();
    const run = await runInProcess([
      'backfill',
      '--connection-string',
      azuriteConnectionString(),
      '--table-prefix',
      uniquePrefix(),
      '--container',
      present.containerName,
      '--container',
      missing,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`account devstoreaccount1 \\(from --connection-string\\)`));
    expect(run.stderr).toMatch(new RegExp(`reading ${present.containerName}\\b`));
    expect(run.stderr).toMatch(new RegExp(`not found: ${missing}`));
    expect(run.stdout).toMatch(/backfill done: 1 file\(s\), 5 records/);
  });

  it('counts the records of categories it does not read, as process does, rather than saying only 0 records', async () => {
    const chat = await newContainer(undefined, `insights-logs-chatoperational-${uniquePrefix().toLowerCase()}`);
    const line = (minute: number): string =>
      JSON.stringify({
        time: `2024-05-25T01:${String(minute).padStart(2, '0')}:00.0000000Z`,
        resourceId: '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/CHAT',
        category: 'ChatOperational',
        operationName: 'SendChatMessage',
        properties: { ChatThreadId: '19:abc@thread.v2' },
      });
    await appendToBlob(chat, blobPath(1), [0, 1, 2].map(line).join('\n') + '\n');
    const run = await runInProcess([
      'backfill',
      '--connection-string',
      azuriteConnectionString(),
      '--table-prefix',
      uniquePrefix(),
      '--container',
      chat.containerName,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^backfill done: 1 file\(s\), 0 records, 0 bad lines quarantined, \d+ bytes read of \d+, 3 of unsupported categories\n$/);
  });

  it('names the account of a SAS connection string, which has no AccountName, not the host of its tables', async () => {
    const present = await newContainer();
    await appendToBlob(present, blobPath(1), asJsonLines(roomsRecords(2, 12, 1)));
    const service = BlobServiceClient.fromConnectionString(azuriteConnectionString());
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3_600_000),
        permissions: AccountSASPermissions.parse('rwdlacu'),
        services: AccountSASServices.parse('bt').toString(),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      },
      service.credential as StorageSharedKeyCredential,
    ).toString();
    const endpoints = azuriteConnectionString()
      .split(';')
      .filter((part) => /^(Blob|Table)Endpoint=/.test(part))
      .join(';');
    const run = await runInProcess([
      'backfill',
      '--connection-string',
      `${endpoints};SharedAccessSignature=${sas}`,
      '--table-prefix',
      uniquePrefix(),
      '--container',
      present.containerName,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^backfill: account devstoreaccount1 \\(from --connection-string\\): reading ${present.containerName}$`, 'm'));
  });

  it('fails (exit 1) naming the containers when none of them exists', async () => {
    const names = [uniqueContainer(), uniqueContainer()];
    const run = await runInProcess([
      'backfill',
      '--connection-string',
      azuriteConnectionString(),
      '--table-prefix',
      uniquePrefix(),
      ...names.flatMap((name) => ['--container', name]),
    ]);
    expect(run.code).toBe(1);
    const last = run.stderr.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(/^acs-logs: none of the containers exists? in account devstoreaccount1/);
    for (const name of names) expect(last).toContain(name);
    // What the account does have (the shared test account has containers of other tests).
    expect(last).toMatch(/; it has [a-z0-9-]+(, [a-z0-9-]+)*(, \.\.\.)?: check the account/);
  });

  it('on an embedded store that has logs, names the containers it has instead of calling it empty', async () => {
    const dataDir = path.join(work, 'embedded-with-logs');
    const generated = await cliProcess(['generate', '--hours', '1', '--data-dir', dataDir]);
    expect(generated.code, generated.stderr).toBe(0);
    const run = await cliProcess(['backfill', '--data-dir', dataDir, '--container', 'nosuch']);
    expect(run.code).toBe(1);
    const last = run.stderr.trimEnd().split('\n').at(-1) ?? '';
    expect(last).toMatch(/none of the containers exists in the embedded store .*: nosuch; it has insights-logs-/);
    expect(last).toContain('insights-logs-roomsoperational');
    expect(last).not.toContain('it is empty');
  });

  it('without a connection string, says it read the embedded store, empty, and fails naming the default containers', async () => {
    const run = await cliProcess(['backfill', '--data-dir', path.join(work, 'embedded')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/embedded store in .*embedded, new: nothing was stored there before this command \(--data-dir\)/);
    expect(run.stderr).toMatch(/insights-logs-roomsoperational/);
    expect(run.stderr).toMatch(/pass --connection-string/);
  });
});

describe('a data dir given is the store meant', () => {
  it("--data-dir takes the embedded store even with AzureWebJobsStorage set (a Functions developer's shell); with --connection-string too, a usage error", async () => {
    const dataDir = path.join(work, 'given');
    const unreachable = {
      AzureWebJobsStorage: 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:9/devstoreaccount1',
    };
    const processed = await cliProcess(['process', path.join(ROOT, 'samples'), '--quiet', '--data-dir', dataDir], undefined, unreachable);
    expect(processed.code, processed.stderr).toBe(0);
    const rooms = await cliProcess(['query', 'rooms', '--format', 'json', '--data-dir', dataDir], undefined, unreachable);
    expect(rooms.code, rooms.stderr).toBe(0);
    expect((JSON.parse(rooms.stdout) as unknown[]).length).toBeGreaterThan(0);
    const both = await runInProcess(['query', 'rooms', '--data-dir', dataDir, '--connection-string', azuriteConnectionString()]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give --connection-string or --data-dir, not both/);
  });
});

describe('health says when nothing was ever read', () => {
  it('a store nothing was read into is ok with a note on stderr naming it; once a file is read, no note', async () => {
    const prefix = uniquePrefix();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    const empty = await runInProcess(['health', ...storage]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/^status: ok/);
    expect(empty.stderr).toMatch(
      new RegExp(
        `^note: no file of the containers shown has been read into tables ${prefix}\\* of account devstoreaccount1 .*run process, backfill or watch first`,
        'm',
      ),
    );

    const container = await newContainer();
    await appendToBlob(container, blobPath(0), asJsonLines(roomsRecords(5, 91)));
    expect((await runInProcess(['backfill', ...storage, '--container', container.containerName])).code).toBe(0);
    const read = await runInProcess(['health', ...storage, '--container', container.containerName, '--format', 'json']);
    expect(read.code).toBe(0);
    expect(read.stderr).toBe('');
  });

  it('--fail-on-degraded exits 1 on tables no run ever touched (a mistyped --table-prefix), and passes once a file was read or a sweep ran', async () => {
    const prefix = uniquePrefix();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    const untouched = await runInProcess(['health', ...storage, '--fail-on-degraded']);
    expect(untouched.code).toBe(1);
    expect(untouched.stdout).toBe('');
    expect(untouched.stderr).toMatch(
      new RegExp(`nothing was ever read into tables ${prefix}\\* of account devstoreaccount1 .*give the --table-prefix and storage`),
    );

    // A sweep that found no file yet (a new deployment before its first logs) is a run: the gate passes.
    // `--duration` stops a pass that has not finished listing (OPERATIONS), as a loaded machine may make
    // a 1-second watch's first pass: longer watches until one finishes a pass.
    const container = await newContainer();
    let swept = { code: -1, stdout: '', stderr: '' };
    for (const seconds of [1, 4, 16]) {
      expect((await runInProcess(['watch', ...storage, '--container', container.containerName, '--duration', String(seconds)])).code).toBe(0);
      swept = await runInProcess(['health', ...storage, '--container', container.containerName, '--fail-on-degraded']);
      if (swept.code === 0) break;
    }
    expect(swept.code, swept.stderr).toBe(0);
    expect(swept.stdout).toMatch(/^status: ok/);
  });
});

describe('health --fail-on-degraded on a data dir nothing was stored in', () => {
  it('exits 1 naming the store it made (a mistyped --data-dir must not pass a gate), and again while nothing was read into it; without the flag, ok with a note', async () => {
    const typo = path.join(work, 'typo');
    const gated = await cliProcess(['health', '--data-dir', typo, '--fail-on-degraded']);
    expect(gated.code).toBe(1);
    expect(gated.stdout).toBe('');
    expect(gated.stderr).toMatch(/no store to check: the embedded store in .*typo, new: nothing was stored there before this command/);
    // The same dir again is no longer new, but nothing was ever read into it: the gate still fails.
    const again = await cliProcess(['health', '--data-dir', typo, '--fail-on-degraded']);
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toMatch(/nothing was ever read into tables Acs\* of the embedded store in .*typo/);
    const plain = await cliProcess(['health', '--data-dir', path.join(work, 'typo2')]);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/note: no file of the containers shown has been read/);
  });
});

describe('generate --out does not write over earlier logs', () => {
  async function sizes(dir: string): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) found.set(path.join(entry.parentPath, entry.name), (await stat(path.join(entry.parentPath, entry.name))).size);
    }
    return found;
  }

  it('refuses a second run (exit 2) and changes nothing; --force replaces, --append appends', async () => {
    const out = path.join(work, 'gen');
    const args = ['generate', '--out', out, '--hours', '1', '--rooms-per-hour', '3', '--calls-per-hour', '1'];
    expect((await runInProcess(args)).code).toBe(0);
    const first = await sizes(out);
    expect(first.size).toBeGreaterThan(0);

    const again = await runInProcess(args);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds \d+ log file/);
    expect(again.stderr).toMatch(/--append/);
    expect(again.stderr).toMatch(/--force/);
    expect(await sizes(out)).toEqual(first);

    expect((await runInProcess([...args, '--force'])).code).toBe(0);
    expect(await sizes(out)).toEqual(first);

    expect((await runInProcess([...args, '--append'])).code).toBe(0);
    const appended = await sizes(out);
    for (const [file, size] of first) expect(appended.get(file)).toBe(2 * size);

    expect((await runInProcess([...args, '--append', '--force'])).code).toBe(2);
  });

  it('refuses a folder whose container folders are symbolic links to earlier logs, which process reads through', async () => {
    const real = path.join(work, 'linked-real');
    const args = ['--hours', '1', '--rooms-per-hour', '3', '--calls-per-hour', '1'];
    expect((await runInProcess(['generate', '--out', real, ...args])).code).toBe(0);
    const first = await sizes(real);
    const out = path.join(work, 'linked-out');
    await mkdir(out);
    for (const container of await readdir(real)) await symlink(path.join(real, container), path.join(out, container));

    const again = await runInProcess(['generate', '--out', out, ...args]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds \d+ log file/);
    expect(await sizes(real)).toEqual(first);
  });

  it('writes into an existing folder that holds other files, and leaves them alone', async () => {
    const out = path.join(work, 'other');
    await mkdir(out);
    await writeFile(path.join(out, 'notes.txt'), 'mine');
    const first = await runInProcess(['generate', '--out', out, '--hours', '1', '--rooms-per-hour', '1', '--calls-per-hour', '0']);
    expect(first.code, first.stderr).toBe(0);
    expect(await readFile(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect([...(await sizes(out)).keys()].some((file) => file.endsWith('.json'))).toBe(true);
  });
});
