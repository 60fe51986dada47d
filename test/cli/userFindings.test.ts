import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { readAppSettings, SETTING } from '../../src/lib/config/appSettings.js';
import { cli, cliProcess, ROOT } from '../support/cli.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

/** What trying the product as a user found: each case failed before its fix. */
let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-user-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

function createRoom(resourceId: string, roomId: string, n: number): string {
  return JSON.stringify({
    time: '2024-06-01T10:00:00Z',
    resourceId,
    category: 'RoomsOperational',
    operationName: 'CreateRoom',
    correlationId: `c${n}`,
    resultType: 'Succeeded',
    resultSignature: 201,
    durationMs: 10,
    properties: { roomId },
  });
}

describe('as a user found them', () => {
  it('a line or record holding U+2028 or U+2029 is quarantined or counted, and the file is processed, not failed on every run', async () => {
    const file = path.join(work, 'line-separators.json');
    const withSeparator = JSON.stringify({ ...JSON.parse(createRoom('/S/R', 'room\u2028a', 1)), operationName: 'Create\u2029Room' });
    await writeFile(file, [createRoom('/S/R', 'plain', 0), withSeparator, 'not json \u2028 at all'].join('\n') + '\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const run = await cli(['process', file, '--category', 'RoomsOperational', ...storage]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/2 records, 1 bad lines? quarantined/);
    const rooms = JSON.parse((await cli(['query', 'rooms', '--format', 'json', ...storage])).stdout) as { roomId: string }[];
    expect(rooms.map((room) => room.roomId).sort()).toEqual(['plain', 'room\u2028a']);
    const operations = JSON.parse((await cli(['query', 'rooms-operations', '--format', 'json', ...storage])).stdout) as { operationName: string }[];
    expect(operations.map((row) => row.operationName).sort()).toEqual(['CreateRoom', 'Create\u2029Room']);
    const quarantined = JSON.parse((await cli(['quarantine', 'list', '--format', 'json', ...storage])).stdout) as { raw: string }[];
    expect(quarantined.map((entry) => entry.raw)).toEqual(['not json \u2028 at all']);
    expect((await cli(['process', file, '--category', 'RoomsOperational', ...storage])).stdout).toMatch(/0 records/);
  });

  it('an element of a records line or array that is not an object is one bad record: the records beside it are counted', async () => {
    const file = path.join(work, 'mixed-elements.json');
    const room = (name: string, n: number): unknown => JSON.parse(createRoom('/S/R', name, n));
    const lines = [JSON.stringify({ records: [room('a', 1), 5, room('b', 2)] }), JSON.stringify([room('c', 3), null, 'text']), createRoom('/S/R', 'd', 4)];
    await writeFile(file, lines.join('\n') + '\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const run = await cli(['process', file, '--category', 'RoomsOperational', ...storage]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/4 records, 3 bad lines? quarantined/);
    const rooms = JSON.parse((await cli(['query', 'rooms', '--format', 'json', ...storage])).stdout) as { roomId: string }[];
    expect(rooms.map((r) => r.roomId).sort()).toEqual(['a', 'b', 'c', 'd']);
    const quarantined = JSON.parse((await cli(['quarantine', 'list', '--format', 'json', ...storage])).stdout) as {
      line: number;
      code: string;
      count: number;
      raw: string;
    }[];
    expect(quarantined.map((q) => [q.line, q.code, q.count, q.raw])).toEqual([
      [1, 'not_an_object', 1, '5'],
      [2, 'not_an_object', 2, 'null\n"text"'],
    ]);
    // Nothing of it is applied twice by a replay: the elements are still not objects.
    const replay = await cli(['quarantine', 'replay', ...storage]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse((await cli(['query', 'rooms', '--format', 'json', ...storage])).stdout)).toHaveLength(4);
  });

  it('rooms whose id starts with a non-ASCII character are listed (they sort after the bookkeeping rows)', async () => {
    const file = path.join(work, 'rooms.json');
    const ids = ['plain', 'café', 'éclair', '中文房间', '😀-room'];
    await writeFile(file, ids.map((id, n) => createRoom('/S/R', id, n)).join('\n') + '\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    expect((await cli(['process', file, '--category', 'RoomsOperational', ...storage])).code).toBe(0);
    const rooms = await cli(['query', 'rooms', '--format', 'json', ...storage]);
    expect((JSON.parse(rooms.stdout) as { roomId: string }[]).map((room) => room.roomId).sort()).toEqual([...ids].sort());
  });

  it('--resource finds the rows of a resource id long enough for its partition keys to be digested', async () => {
    const file = path.join(work, 'long.json');
    const short = '/' + 'R'.repeat(99);
    const long = '/' + 'R'.repeat(999);
    const wide = '/' + '中'.repeat(1100);
    await writeFile(file, [short, long, wide].map((id, n) => createRoom(id, `room${n}`, n)).join('\n') + '\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    expect((await cli(['process', file, '--category', 'RoomsOperational', ...storage])).code).toBe(0);
    for (const id of [short, long, wide]) {
      const run = await cli(['query', 'rooms-operations', '--format', 'json', '--resource', id, ...storage]);
      expect(run.code, run.stderr).toBe(0);
      const rows = JSON.parse(run.stdout) as { resourceId: string; count: number }[];
      expect(rows.map((row) => [row.resourceId, row.count])).toEqual([[id, 1]]);
    }
  });

  it('health shows the quarantine of single files given to process (container local) by default', async () => {
    const file = path.join(work, 'bad.json');
    await writeFile(file, createRoom('/S/R', 'ok', 1) + '\nnot json\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    expect((await cli(['process', file, '--category', 'RoomsOperational', ...storage])).code).toBe(0);
    const health = await cli(['health', '--format', 'json', ...storage]);
    const body = JSON.parse(health.stdout) as { status: string; containers: { container: string; quarantined: number }[] };
    expect(body.status).toBe('degraded');
    expect(body.containers.find((container) => container.container === 'local')?.quarantined).toBe(1);
    expect((await cli(['health', '--fail-on-degraded', ...storage])).code).toBe(3);
    expect((await cli(['health', ...storage])).stdout).toMatch(/^local +1 /m);
  });

  it('quarantine list fits its table to the terminal, and its JSON keeps every character', async () => {
    const file = path.join(work, 'bad-long.json');
    await writeFile(file, createRoom('/S/R', 'ok', 1) + '\n' + 'x'.repeat(300) + '\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    expect((await cli(['process', file, '--category', 'RoomsOperational', ...storage])).code).toBe(0);
    const table = await cli(['quarantine', 'list', ...storage], undefined, { COLUMNS: '100' });
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(3);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(100);
    expect(lines[2]).toContain('…');
    const json = JSON.parse((await cli(['quarantine', 'list', '--format', 'json', ...storage])).stdout) as { path: string; raw: string }[];
    expect(json.map((entry) => [entry.path, entry.raw])).toEqual([[file, 'x'.repeat(300)]]);
  });

  it('health lists no local container in its table while no single file was processed', async () => {
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const table = await cli(['health', ...storage], undefined, { COLUMNS: '200' });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^insights-logs-roomsoperational /m);
    expect(table.stdout).not.toMatch(/^local /m);
    // At 80 columns (the width when output is not a terminal) names are cut at their start.
    const narrow = await cli(['health', ...storage]);
    expect(narrow.stdout).toMatch(/^…[a-z-]*roomsoperational /m);
    expect(narrow.stdout).not.toMatch(/^(…[a-z-]*)?local /m);
    const json = JSON.parse((await cli(['health', '--format', 'json', ...storage])).stdout) as { containers: { container: string }[] };
    expect(json.containers.map((container) => container.container)).toContain('local');
  });

  it('a FIFO given to process is refused as not a regular file (exit 2) instead of blocking forever', async () => {
    const fifo = path.join(work, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const run = await cli(['process', fifo, '--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not a regular file/);
  });

  it('a gzipped download given to process is quarantined at once, with what to do, not left waiting for its last line to end', async () => {
    const file = path.join(work, 'PT1H.json.gz');
    await writeFile(file, gzipSync([createRoom('/S/R', 'zipped', 1), createRoom('/S/R', 'zipped', 2)].join('\n') + '\n'));
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const run = await cli(['process', file, ...storage]);
    expect(run.stdout).toMatch(/: 0 records, 1 bad lines quarantined/);
    expect(run.stdout).not.toMatch(/waiting for more of their file/);
    const listed = JSON.parse((await cli(['quarantine', 'list', '--format', 'json', ...storage])).stdout) as Record<string, unknown>[];
    expect(listed).toEqual([expect.objectContaining({ code: 'unsupported_encoding', message: expect.stringMatching(/compressed .*decompress it/) })]);
  });

  it('under a 256-descriptor limit (the default on macOS) process reads 600 files with none failed (most failed with EMFILE)', async () => {
    const dir = path.join(work, 'descriptors');
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < 600; i++) await writeFile(path.join(dir, `export-${i}.json`), createRoom('/S/R', `fd-${i}`, i) + '\n');
    const command = `ulimit -n 256 && exec "${process.execPath}" dist/src/cli/main.js process "${dir}" --category RoomsOperational --quiet --connection-string "${azuriteConnectionString()}" --table-prefix ${uniquePrefix()}`;
    const run = spawnSync('bash', ['-c', command], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).not.toMatch(/EMFILE/);
    expect(run.stdout).toMatch(/^600 file\(s\), 600 with new data: 600 records, 0 bad lines/);
    expect(run.status).toBe(0);
  }, 120_000);

  it('other files in a downloaded tree (a README, desktop.ini) are not read as logs: named, counted, and health stays ok', async () => {
    const root = path.join(work, 'with-others');
    const file = path.join(root, 'insights-logs-roomsoperational', blobPath(1));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, asJsonLines(roomsRecords(5, 900)));
    await writeFile(path.join(root, 'README.md'), '# what this download is\n');
    await writeFile(path.join(path.dirname(file), 'desktop.ini'), '[.ShellClassInfo]\r\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const run = await cli(['process', root, ...storage]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^1 file\(s\), 1 with new data: 5 records, 0 bad lines quarantined, .*, 2 other file\(s\) in the folders skipped$/m);
    expect(run.stderr).toContain(`note: 2 file(s) in the folders not read, not named as logs`);
    expect(run.stderr).toContain(path.join(root, 'README.md'));
    expect(run.stderr).toContain(path.join(path.dirname(file), 'desktop.ini'));
    const health = JSON.parse((await cli(['health', '--format', 'json', ...storage])).stdout) as { status: string };
    expect(health.status).toBe('ok');
  });

  it('a CorrelationId logged with spaces around it is found as given, and a pasted id with a trailing space still finds its call', async () => {
    const file = path.join(work, 'spaced-ids.json');
    const summary = (correlationId: string, recordingId: string): string =>
      JSON.stringify({
        time: '2024-06-01T10:00:00Z',
        resourceId: '/S/R',
        category: 'CallRecordingSummary',
        operationName: 'RecordingSummary',
        correlationId,
        properties: { recordingId, recordingLength: 10 },
      });
    await writeFile(file, [summary(' spaced', 'R1'), summary('plain', 'R2')].join('\n') + '\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    expect((await cli(['process', file, '--category', 'CallRecordingSummary', ...storage])).code).toBe(0);
    const found = async (id: string): Promise<string[]> => {
      const run = await cli(['query', 'calls', '--correlation-id', id, '--format', 'json', ...storage]);
      expect(run.code, run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as { correlationId: string }[]).map((row) => row.correlationId);
    };
    expect(await found(' spaced')).toEqual([' spaced']);
    expect(await found('plain ')).toEqual(['plain']);
    expect(await found(' PLAIN')).toEqual(['plain']);
    const blank = await cli(['query', 'calls', '--correlation-id', '  ', ...storage]);
    expect(blank.code).toBe(2);
    expect(blank.stderr).toMatch(/--correlation-id must not be empty/);
  });

  it('an empty path given to process is refused (exit 2) instead of reading the working folder', async () => {
    const run = await cli(['process', '', '--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot read "": an empty path names no file or folder/);
  });

  it('an earliest record time in the future is refused: it would quarantine every record', () => {
    expect(() => readAppSettings({ [SETTING.earliestRecordTime]: '2999-01-01' })).toThrow(/must not be in the future/);
  });
  it('two downloads of one blob in one command count the newer one once, in either order', async () => {
    const lines = asJsonLines(roomsRecords(50, 901, 5))
      .split('\n')
      .filter((line) => line !== '');
    const rel = path.join('insights-logs-roomsoperational', blobPath(1));
    for (const [folder, count] of [
      ['a-newer', 50],
      ['z-older', 30],
    ] as const) {
      await mkdir(path.dirname(path.join(work, folder, rel)), { recursive: true });
      await writeFile(path.join(work, folder, rel), lines.slice(0, count).join('\n') + '\n');
    }
    for (const order of [
      ['a-newer', 'z-older'],
      ['z-older', 'a-newer'],
    ]) {
      const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
      const run = await cli(['process', ...order.map((folder) => path.join(work, folder)), '--quiet', ...storage]);
      expect(run.stdout).toMatch(/ 50 records/);
      expect((await cli(['process', ...order.map((folder) => path.join(work, folder)), '--quiet', ...storage])).stdout).toMatch(/ 0 records/);
    }
  });

  it('a line too long in a downloaded tree is replayed from disk when its paths are given, as OPERATIONS.md says', async () => {
    const records = roomsRecords(5, 902, 2);
    const long = { ...records[2], properties: { ...(records[2] as { properties: object }).properties, pad: 'y'.repeat(2 * 1024 * 1024) } };
    const tree = path.join(work, 'downloaded');
    const file = path.join(tree, 'insights-logs-roomsoperational', blobPath(2));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, [...records.slice(0, 2), long, ...records.slice(3)].map((record) => JSON.stringify(record)).join('\n') + '\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    expect((await cli(['process', tree, '--quiet', ...storage])).stdout).toMatch(/ 4 records, 1 bad lines/);
    const replay = await cli(['quarantine', 'replay', tree, '--code', 'line_too_long', '--max-line-bytes', '4194304', ...storage]);
    expect(replay.stdout).toMatch(/1 applied \(1 records\)/);
    expect((await cli(['quarantine', 'replay', tree, '--max-line-bytes', '4194304', ...storage])).stdout).toMatch(/replayed 0 entries/);
    const rooms = JSON.parse((await cli(['query', 'rooms-operations', '--format', 'json', ...storage])).stdout) as { count: number }[];
    expect(rooms.reduce((sum, row) => sum + row.count, 0)).toBe(5);
  });
  it('a file of a downloaded tree named otherwise than a log, given to process on its own, is replayed from disk when its folder is given', async () => {
    const records = roomsRecords(3, 903, 2);
    const long = { ...records[1], properties: { ...(records[1] as { properties: object }).properties, pad: 'z'.repeat(2 * 1024 * 1024) } };
    const tree = path.join(work, 'renamed');
    const file = path.join(tree, 'insights-logs-roomsoperational', blobPath(3).replace(/PT1H\.json$/, 'PT1H.txt'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, [records[0], long, records[2]].map((record) => JSON.stringify(record)).join('\n') + '\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    expect((await cli(['process', file, '--quiet', ...storage])).stdout).toMatch(/ 2 records, 1 bad lines/);
    const replay = await cli(['quarantine', 'replay', tree, '--max-line-bytes', '4194304', ...storage]);
    expect(replay.stdout).toMatch(/1 applied \(1 records\)/);
  });

  it('a local file that stopped changing --seal-after-minutes ago is final: its unfinished last line is quarantined, not left waiting', async () => {
    const file = path.join(work, 'cut.json');
    await writeFile(file, createRoom('/S/R', 'whole', 1) + '\n{"time": "2024-06-01T10:00:22Z", "operationName": "Crea');
    const cutOnly = path.join(work, 'cut-only.json');
    await writeFile(cutOnly, '{"time": "2024-06-01T10:00:22Z", "operationName": "Crea\n');
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    // Fresh files may still grow: the unfinished line waits.
    const fresh = await cli(['process', file, '--category', 'RoomsOperational', '--quiet', ...storage]);
    expect(fresh.stdout).toMatch(/1 records, 0 bad lines quarantined.*bytes waiting for more of their file/);
    const old = new Date(Date.now() - 3 * 3_600_000);
    await utimes(file, old, old);
    await utimes(cutOnly, old, old);
    const sealed = await cli(['process', file, cutOnly, '--category', 'RoomsOperational', '--quiet', ...storage]);
    expect(sealed.stdout).toMatch(/0 records, 2 bad lines quarantined/);
    expect(sealed.stdout).not.toMatch(/waiting/);
    // With a longer --seal-after-minutes, the same files are not final yet.
    const storage2 = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const patient = await cli(['process', file, '--category', 'RoomsOperational', '--quiet', '--seal-after-minutes', '600', ...storage2]);
    expect(patient.stdout).toMatch(/1 records, 0 bad lines quarantined.*waiting/);
  });
  it('a misspelt setting is told on stderr, naming the setting meant, and the command runs as without it', async () => {
    const run = await cliProcess(['--version'], ROOT, { ACS_LOGS_SEAL_AFTER_MINUTE: '5' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.stderr).toBe(
      'acs-logs: warning: ACS_LOGS_SEAL_AFTER_MINUTE is not a setting acs-logs reads, so it changes nothing (did you mean ACS_LOGS_SEAL_AFTER_MINUTES?)\n',
    );
  });

  it('a connection string that is none is a usage error naming the flag, not an internal error', async () => {
    for (const command of [['query', 'rooms'], ['health'], ['backfill']]) {
      const run = await cli([...command, '--connection-string', 'garbage']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: --connection-string is not a storage connection string/);
    }
  });
  it('a SAS connection string without the endpoint of a service the command uses is a usage error naming it', async () => {
    const blobOnly = 'BlobEndpoint=https://127.0.0.1:1/devstoreaccount1;SharedAccessSignature=sv=2022-11-02&sig=abc';
    const tableOnly = 'TableEndpoint=https://127.0.0.1:1/devstoreaccount1;SharedAccessSignature=sv=2022-11-02&sig=abc';
    for (const [command, connectionString, endpoint] of [
      [['health'], blobOnly, 'TableEndpoint'],
      [['query', 'rooms'], blobOnly, 'TableEndpoint'],
      [['backfill'], tableOnly, 'BlobEndpoint'],
      [['watch'], tableOnly, 'BlobEndpoint'],
      [['generate', '--hours', '1'], tableOnly, 'BlobEndpoint'],
    ] as const) {
      const run = await cli([...command, '--connection-string', connectionString]);
      expect(run.code, `${command.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(`^error: --connection-string is not a usable storage connection string for this command: a SAS connection string needs ${endpoint}=`),
      );
      expect(run.stderr).not.toContain('sig=abc');
    }
  });
  it('an account key string without a service\'s endpoint or an EndpointSuffix to make it is a usage error naming it, not "Invalid EndpointSuffix" (exit 1)', async () => {
    const key = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0';
    const blobOnly = `${key};BlobEndpoint=http://127.0.0.1:1/devstoreaccount1`;
    const tableOnly = `${key};TableEndpoint=http://127.0.0.1:1/devstoreaccount1`;
    for (const [command, connectionString, endpoint] of [
      [['query', 'rooms'], blobOnly, 'TableEndpoint'],
      [['backfill'], blobOnly, 'TableEndpoint'],
      [['backfill'], tableOnly, 'BlobEndpoint'],
    ] as const) {
      const run = await cli([...command, '--connection-string', connectionString]);
      expect(run.code, `${command.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(
          `^error: --connection-string is not a usable storage connection string for this command: it has no ${endpoint}= for .*, nor an EndpointSuffix`,
        ),
      );
      expect(run.stderr).not.toContain('c2VjcmV0');
    }
  });
  it('storage that fails when taken from AzureWebJobsStorage (no flag given) is named as such, with the flag for the embedded store', async () => {
    const unreachable = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=YWJj;TableEndpoint=http://127.0.0.1:1/devstoreaccount1';
    const fromEnvironment = await cli(['query', 'rooms'], ROOT, { AzureWebJobsStorage: unreachable });
    expect(fromEnvironment.code).toBe(1);
    expect(fromEnvironment.stderr).toMatch(
      /^acs-logs: storage unavailable \(.*ECONNREFUSED.*\): the storage of AzureWebJobsStorage \(--data-dir uses the embedded store instead\)$/m,
    );
    // Given on the command line, the user knows where it came from.
    const fromFlag = await cli(['query', 'rooms', '--connection-string', unreachable]);
    expect(fromFlag.code).toBe(1);
    expect(fromFlag.stderr).not.toContain('AzureWebJobsStorage');
  });
  it('a connection string the storage SDKs cannot read (a misspelt or missing key) is a usage error saying what it lacks', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'DefaultEndpointProtocol=https;AccountName=foo;AccountKey=YWJj;EndpointSuffix=core.windows.net',
        /has an AccountKey but no DefaultEndpointsProtocol=https/,
      ],
      ['DefaultEndpointsProtocol=https;AccountName=foo;AccountKey=YWJj', /names no endpoint: add EndpointSuffix=core\.windows\.net/],
      ['DefaultEndpointsProtocol=ftp;AccountName=foo;AccountKey=YWJj;EndpointSuffix=x', /DefaultEndpointsProtocol must be https or http, got "ftp"/],
      ['AccountName=foo;TableEndpoint=https://foo.table.core.windows.net', /neither an AccountKey nor a SharedAccessSignature/],
    ];
    for (const [connectionString, reason] of cases) {
      for (const command of [['health'], ['backfill']]) {
        const run = await cli([...command, '--connection-string', connectionString]);
        expect(run.code).toBe(2);
        expect(run.stderr).toMatch(/^error: --connection-string is not a usable storage connection string: /);
        expect(run.stderr).toMatch(reason);
      }
    }
  });
});
