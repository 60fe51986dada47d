import { appendFile, cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { cli, cliProcess, ROOT } from '../support/cli.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-cli-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

describe('acs-logs CLI', () => {
  it('processes a storage-shaped tree, then prints the rooms views as JSON with the documented fields', async () => {
    const tree = path.join(work, 'tree');
    await cp(path.join(ROOT, 'samples'), tree, { recursive: true });
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];

    const processed = await cli(['process', tree, ...storage]);
    expect(processed.stderr).toBe('');
    expect(processed.code).toBe(0);
    expect(processed.stdout).toMatch(/2 file\(s\), 2 with new data: 16 records, 1 bad lines quarantined/);

    const again = await cli(['process', tree, ...storage]);
    expect(again.stdout).toMatch(/0 with new data: 0 records/);

    const ops = await cli(['query', 'rooms-operations', '--granularity', 'hour', '--format', 'json', ...storage]);
    expect(ops.code).toBe(0);
    const rows = JSON.parse(ops.stdout) as Record<string, unknown>[];
    expect(Object.keys(rows[0] ?? {})).toEqual(['bucket', 'resourceId', 'operationName', 'operationVersion', 'resultType', 'resultSignature', 'count']);
    expect(rows.reduce((sum, row) => sum + (row['count'] as number), 0)).toBe(16);
    expect(rows.filter((row) => row['bucket'] === '2024-05-25T09:00:00.000Z').reduce((sum, row) => sum + (row['count'] as number), 0)).toBe(10);

    const rooms = JSON.parse((await cli(['query', 'rooms', '--format', 'json', ...storage])).stdout) as Record<string, unknown>[];
    expect(rooms.map((room) => room['roomId'])).toEqual(['99466898241024408', '99466898241024501', '99466898241024602']);
    expect(Object.keys(rooms[0] ?? {})).toEqual([
      'resourceId',
      'roomId',
      'createdAt',
      'lifespanMinutes',
      'pstnDialOutEnabled',
      'participantsAdded',
      'participantsUpserted',
      'participantsRemoved',
      'participantsCount',
      'participantsAttendee',
      'participantsConsumer',
      'participantsPresenter',
      'operations',
      'failedOperations',
      'lastOperationAt',
      'deletedAt',
    ]);
    expect(rooms[0]).toMatchObject({
      lifespanMinutes: 120,
      pstnDialOutEnabled: true,
      participantsAdded: 4,
      participantsUpserted: 2,
      participantsRemoved: 1,
      operations: 6,
      failedOperations: 1,
    });

    const csv = await cli(['query', 'rooms-operations', '--from', '2024-05-25T10:00:00Z', '--format', 'csv', '--granularity', 'hour', ...storage]);
    expect(csv.stdout.split('\n')[0]).toBe('bucket,resourceId,operationName,operationVersion,resultType,resultSignature,count');
    expect(csv.stdout).not.toContain('T09:00');
  });

  it('after a file grew, processes only the new complete lines', async () => {
    const file = path.join(work, 'growing', 'insights-logs-roomsoperational', ...blobPath(3).split('/'));
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const records = roomsRecords(20, 51);
    const text = asJsonLines(records);
    const cut = text.indexOf('\n', text.length / 2) + 20; // inside a line
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text.slice(0, cut));
    const first = await cli(['process', file, ...storage]);
    const firstCount = Number(/(\d+) records/.exec(first.stdout)?.[1]);
    expect(first.stdout).toMatch(/bytes waiting for more of their file/);
    await appendFile(file, text.slice(cut));
    const second = await cli(['process', file, ...storage]);
    expect(firstCount + Number(/(\d+) records/.exec(second.stdout)?.[1])).toBe(20);
  });

  it('reads a single Log Analytics export with --category', async () => {
    const file = path.join(work, 'export.json');
    await writeFile(
      file,
      '[\n  {\n  "CorrelationId": "Y4x6ZabFE0+E8ERwMpd68w",\n  "OperationName": "CreateRoom",\n  "OperationVersion": "2023-10-30-preview",\n' +
        '  "ResultType": "Succeeded",\n  "ResultSignature": 201,\n  "RoomId": "99466898241024408",\n  "RoomLifespan": 61,\n' +
        '  "AddedRoomParticipantsCount": 4,\n  "TimeGenerated": "5/25/2023, 4:32:49.469 AM",\n  "PstnDialOutEnabled": false,\n  }\n]\n',
    );
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', uniquePrefix()];
    const processed = await cli(['process', file, '--category', 'RoomsOperational', ...storage]);
    expect(processed.stdout).toMatch(/1 records/);
    const rooms = JSON.parse((await cli(['query', 'rooms', '--format', 'json', ...storage])).stdout) as Record<string, unknown>[];
    expect(rooms).toEqual([
      expect.objectContaining({ resourceId: 'unknown', roomId: '99466898241024408', createdAt: '2023-05-25T04:32:49.469Z', lifespanMinutes: 61 }),
    ]);
  });

  it.each([
    [['query', 'nonsense']],
    [['query', 'rooms', '--granularity', 'week']],
    [['query', 'rooms', '--from', 'yesterday']],
    [['query', 'rooms', '--format', 'xml']],
    [['process']],
    [['process', 'x', '--category', 'Chat']],
    [['frobnicate']],
    [['query', 'rooms', '--bogus']],
  ])('rejects bad usage %j with a message and exit code 2', async (args) => {
    const run = await cli([...args, '--connection-string', 'UseDevelopmentStorage=true']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error|usage/i);
  });

  it('fails with a one-line reason and exit code 1 when storage cannot be reached', async () => {
    // In this process, with the tests' short back-off: the SDK's own would retry the closed port for about 12 s.
    const run = await cli([
      'query',
      'rooms',
      '--connection-string',
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('without a connection, starts an embedded Azurite that keeps data in --data-dir across commands', async () => {
    const dataDir = path.join(work, 'data');
    const processed = await cliProcess(['process', path.join(ROOT, 'samples'), '--data-dir', dataDir, '--quiet']);
    expect(processed.code).toBe(0);
    const rooms = JSON.parse((await cliProcess(['query', 'rooms', '--format', 'json', '--data-dir', dataDir])).stdout) as unknown[];
    expect(rooms).toHaveLength(3);
  });
});
