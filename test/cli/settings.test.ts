import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { appendToBlob, azuriteConnectionString, newContainer, uniquePrefix } from '../support/storage.js';

const RESOURCE = '/SUBSCRIPTIONS/3F2504E0-4F89-11D3-9A0C-0305E82C3301/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS';
const BLOB = `resourceId=${RESOURCE}/y=2024/m=05/d=25/h=09/m=00/PT1H.json`;

function roomRecord(minute: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    time: `2024-05-25T09:${String(minute).padStart(2, '0')}:00Z`,
    resourceId: RESOURCE,
    category: 'RoomsOperational',
    operationName: 'CreateRoom',
    operationVersion: '2024-04-15',
    correlationId: `c${minute}`,
    level: 'Informational',
    resultType: 'Succeeded',
    resultSignature: 201,
    durationMs: 40,
    location: 'global',
    properties: { roomId: `r${minute}`, roomLifespan: 60 },
    ...extra,
  });
}

function countOf(json: string): number {
  return (JSON.parse(json) as Array<{ count: number }>).reduce((sum, row) => sum + row.count, 0);
}

describe("the CLI reads the ACS_LOGS_* settings through the app's own reader", () => {
  it.each([
    [{ ACS_LOGS_FILE_CONCURRENCY: '0.5' }, [], /ACS_LOGS_FILE_CONCURRENCY must be a whole number > 0, got "0.5"/],
    [{ ACS_LOGS_MAX_LINE_BYTES: '0.5' }, [], /ACS_LOGS_MAX_LINE_BYTES must be a whole number > 0, got "0.5"/],
    [{ ACS_LOGS_TABLE_PREFIX: 'no-dashes' }, [], /ACS_LOGS_TABLE_PREFIX must be letters and digits/],
    [{ ACS_LOGS_CONTAINER_USAGE: 'Insights-Logs-Usage' }, [], /ACS_LOGS_CONTAINER_USAGE must be a container name .*got "Insights-Logs-Usage"/],
    [{ ACS_LOGS_CONTAINER_USAGE: 'local' }, [], /ACS_LOGS_CONTAINER_USAGE cannot be "local": the name is reserved for the local files `process` reads/],
    [{}, ['--container', 'local'], /--container <c>' argument 'local' is invalid\. cannot be "local": the name is reserved/],
    [{}, ['--concurrency', '0.5'], /--concurrency must be a whole number > 0, got "0.5"/],
    [{}, ['--concurrency', '10000000'], /--concurrency must be at most 4,096, got "10000000"/],
    [{}, ['--max-line-bytes', '0.5'], /--max-line-bytes must be a whole number > 0, got "0.5"/],
    [{}, ['--max-line-bytes', '99999999999999'], /--max-line-bytes must be at most 268,435,456, got "99999999999999"/],
    // An empty flag (an unset shell variable) is not the default an empty setting stands for.
    [{}, ['--max-line-bytes', ''], /--max-line-bytes needs a value, got ""/],
    [{}, ['--concurrency', ' '], /--concurrency needs a value, got " "/],
    [{}, ['--table-prefix', ''], /--table-prefix needs a value, got ""/],
    [{ ACS_LOGS_MEMORY: 'tiny' }, [], /ACS_LOGS_MEMORY must be auto, default or low, got "tiny"/],
    [{}, ['--memory', '512'], /--memory must be auto, default or low, got "512"/],
    [{}, ['--seal-after-minutes', '0'], /error: --seal-after-minutes must be a positive number, got "0"/],
  ])('rejects %j %j with exit code 2 and the reason', async (env, flags, reason) => {
    const run = await cli(['backfill', '--connection-string', azuriteConnectionString(), '--container', 'none', ...flags], undefined, env);
    expect(run.stderr).toMatch(reason);
    expect(run.code).toBe(2);
  });

  it.each([
    [{}, ['process', 'LOG', '--memory', 'bogus'], /--memory must be auto, default or low/],
    [{}, ['process', 'LOG', '--concurrency', 'abc'], /--concurrency must be a positive number, got "abc"/],
    [{ ACS_LOGS_MEMORY: 'tiny' }, ['query', 'rooms-operations'], /ACS_LOGS_MEMORY must be auto, default or low/],
  ])('a bad setting (%j %j) starts no embedded store: the data dir is not even created', async (env, args, reason) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'acs-settings-'));
    const log = path.join(dir, 'PT1H.json');
    await writeFile(log, `${roomRecord(1)}\n`);
    const dataDir = path.join(dir, 'data');
    const run = await cli([...args.map((arg) => (arg === 'LOG' ? log : arg)), '--data-dir', dataDir], undefined, env);
    expect(run.stderr).toMatch(reason);
    expect(run.code).toBe(2);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('shows the setting flags in --help', async () => {
    for (const command of ['process', 'backfill', 'watch']) {
      const help = (await cli([command, '--help'])).stdout;
      for (const flag of ['--max-line-bytes', '--seal-after-minutes', '--concurrency', '--memory', '--table-prefix'])
        expect(help, `${command} ${flag}`).toContain(flag);
    }
    expect((await cli(['quarantine', 'replay', '--help'])).stdout).toContain('--max-line-bytes');
  });

  it('line_too_long: the remedy OPERATIONS.md gives works as written (a larger ACS_LOGS_MAX_LINE_BYTES, then quarantine replay)', async () => {
    const container = await newContainer();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const long = roomRecord(2, { padding: 'x'.repeat(2 * 1024 * 1024) });
    await appendToBlob(container, BLOB, `${roomRecord(1)}\n${long}\n${roomRecord(3)}\n`);

    const backfill = await cli(['backfill', '--container', container.containerName, ...storage]);
    expect(backfill.stdout).toMatch(/backfill done: 1 file\(s\), 2 records, 1 bad lines quarantined/);
    const listed = JSON.parse((await cli(['quarantine', 'list', '--format', 'json', ...storage])).stdout) as Array<Record<string, unknown>>;
    expect(listed).toEqual([expect.objectContaining({ line: 2, code: 'line_too_long', rawTruncated: true })]);

    const replay = await cli(['quarantine', 'replay', '--code', 'line_too_long', ...storage], undefined, { ACS_LOGS_MAX_LINE_BYTES: String(4 * 1024 * 1024) });
    expect(replay.stdout).toMatch(/replayed 1 entry \(1 lines\): 1 applied \(1 records\), 0 still bad/);
    const again = await cli(['quarantine', 'replay', ...storage], undefined, { ACS_LOGS_MAX_LINE_BYTES: String(4 * 1024 * 1024) });
    expect(again.stdout).toMatch(/replayed 0 entries \(0 lines\)/);
    expect(countOf((await cli(['query', 'rooms-operations', '--format', 'json', ...storage])).stdout)).toBe(3);
  });

  it('line_too_long: --max-line-bytes on quarantine replay does the same', async () => {
    const container = await newContainer();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    await appendToBlob(container, BLOB, `${roomRecord(1, { padding: 'y'.repeat(2000) })}\n${roomRecord(2)}\n`);
    const backfill = await cli(['backfill', '--container', container.containerName, '--max-line-bytes', '1000', ...storage]);
    expect(backfill.stdout).toMatch(/1 records, 1 bad lines quarantined/);
    const replay = await cli(['quarantine', 'replay', '--max-line-bytes', '4000', ...storage]);
    expect(replay.stdout).toMatch(/replayed 1 entry \(1 lines\): 1 applied \(1 records\)/);
    expect(countOf((await cli(['query', 'rooms-operations', '--format', 'json', ...storage])).stdout)).toBe(2);
  });

  it('a replay that applies part of an entry says so: its records are counted though the entry is still bad', async () => {
    const container = await newContainer();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    // A long line and a broken one next to it: one entry of two lines, of which the long one reads after the fix.
    await appendToBlob(container, BLOB, `${roomRecord(1)}\n${roomRecord(2, { padding: 'y'.repeat(2000) })}\n{"broken": \n${roomRecord(3)}\n`);
    const backfill = await cli(['backfill', '--container', container.containerName, '--max-line-bytes', '1000', ...storage]);
    expect(backfill.stdout).toMatch(/2 records, 2 bad lines quarantined/);
    const replay = await cli(['quarantine', 'replay', '--max-line-bytes', '4000', ...storage]);
    expect(replay.stdout).toMatch(
      /^replayed 1 entry \(2 lines\): 0 applied \(1 records\), 1 still bad \(1 of them in part: their lines that read now are applied, in the records above\), /,
    );
    expect(countOf((await cli(['query', 'rooms-operations', '--format', 'json', ...storage])).stdout)).toBe(3);
  });

  it('reprocessing from scratch with a new ACS_LOGS_TABLE_PREFIX, as OPERATIONS.md says, counts everything again in the new tables', async () => {
    const container = await newContainer();
    await appendToBlob(container, BLOB, `${roomRecord(1)}\n${roomRecord(2)}\n`);
    const connection = ['--connection-string', azuriteConnectionString(), '--container', container.containerName];
    const first = uniquePrefix();
    expect((await cli(['backfill', ...connection], undefined, { ACS_LOGS_TABLE_PREFIX: first })).stdout).toMatch(/2 records/);
    const second = uniquePrefix();
    expect((await cli(['backfill', ...connection], undefined, { ACS_LOGS_TABLE_PREFIX: second })).stdout).toMatch(/2 records/);
    const query = await cli(['query', 'rooms-operations', '--format', 'json', '--connection-string', azuriteConnectionString()], undefined, {
      ACS_LOGS_TABLE_PREFIX: second,
    });
    expect(countOf(query.stdout)).toBe(2);
  });
});
