import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import type { RunningServer } from '../../src/cli/commands/serve.js';
import type { CallRow } from '../../src/lib/querying/queryRows.js';
import { VIEWS } from '../../src/lib/querying/views.js';
import { serveGeneratedLogs } from '../support/servedLogs.js';
import { expectedCells, parseCsv } from '../http/support.js';

let work: string;
let server: RunningServer;
const serverErrors = new PassThrough();

interface Page<T> {
  rows: T[];
  continuationToken: string | null;
}

async function get(pathAndQuery: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(new URL(pathAndQuery, server.url), { headers: { 'accept-encoding': 'identity' } });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function rowsOf<T>(pathAndQuery: string): Promise<T[]> {
  const answer = await get(pathAndQuery);
  expect(answer.status, answer.text).toBe(200);
  return (JSON.parse(answer.text) as Page<T>).rows;
}

async function refused(pathAndQuery: string): Promise<Array<{ parameter: string; message: string }>> {
  const answer = await get(pathAndQuery);
  expect(answer.status, pathAndQuery).toBe(400);
  const { error } = JSON.parse(answer.text) as { error: { code: string; message: string; details: Array<{ parameter: string; message: string }> } };
  expect(error.code).toBe('bad_request');
  expect(error.message).toBe(error.details.map((detail) => detail.message).join('; '));
  return error.details;
}

const LIST = ['correlationId', 'startedAt', 'resourceId', 'recordingCount', 'impacted', 'sdkTypes'];
const startedAt = (call: CallRow): string | null =>
  call.callStartTime ?? call.firstOperationAt ?? call.recordings.find((r) => r.startTime !== null)?.startTime ?? null;
const cut = (call: CallRow): Record<string, unknown> => ({
  correlationId: call.correlationId,
  startedAt: startedAt(call),
  resourceId: call.resourceId,
  recordingCount: call.recordingCount,
  impacted: call.impacted,
  sdkTypes: call.sdkTypes,
});

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-serve-fields-'));
  server = await serveGeneratedLogs(work, ['--hours', '3', '--calls-per-hour', '8', '--rooms-per-hour', '4', '--seed', '9'], serverErrors);
});

afterAll(async () => {
  await server?.close();
  await removeTestDir(work);
});

describe('acs-logs serve: fields= cuts the rows to the fields asked', () => {
  it('calls with fields: each row holds the fields asked, in their order, startedAt computed; the full view is unchanged', async () => {
    const full = await rowsOf<CallRow>('/api/query/calls');
    expect(full.length).toBeGreaterThan(10);
    // The full rows: every column, and no field that only a list asks for.
    for (const row of full) expect(Object.keys(row)).toEqual([...VIEWS['calls']!.columns]);
    const listed = await rowsOf<Record<string, unknown>>(`/api/query/calls?fields=${LIST.join(',')}`);
    expect(listed).toEqual(full.map(cut));
    for (const row of listed) expect(Object.keys(row)).toEqual(LIST);
    // Spaces around names are ignored.
    expect(await rowsOf(`/api/query/calls?fields=${encodeURIComponent(' correlationId , startedAt')}`)).toEqual(
      full.map((call) => ({ correlationId: call.correlationId, startedAt: startedAt(call) })),
    );
  });

  it('is a fraction of the full answer: a call without its recordings, operations and latencies', async () => {
    const full = await get('/api/query/calls');
    const listed = await get(`/api/query/calls?fields=${LIST.join(',')}`);
    expect(listed.text.length).toBeLessThan(full.text.length / 5);
  });

  it('as CSV: the header row is the fields asked, the cells those of the full rows', async () => {
    const full = await rowsOf<CallRow>('/api/query/calls');
    const csv = await get('/api/query/calls?format=csv&fields=correlationId,startedAt,operationCount');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const fields = ['correlationId', 'startedAt', 'operationCount'];
    const rows = full.map((call) => ({ correlationId: call.correlationId, startedAt: startedAt(call), operationCount: call.operationCount }));
    expect(parseCsv(csv.text)).toEqual([fields, ...expectedCells(fields, rows)]);
  });

  it('pages as the full view does, and a token of one serves the other', async () => {
    const full = await rowsOf<CallRow>('/api/query/calls');
    const listed: unknown[] = [];
    let token: string | null = '';
    let pages = 0;
    while (token !== null) {
      const answer = await get(`/api/query/calls?pageSize=7&fields=correlationId,startedAt&continuationToken=${encodeURIComponent(token)}`);
      const page = JSON.parse(answer.text) as Page<unknown>;
      listed.push(...page.rows);
      token = page.continuationToken;
      pages++;
    }
    expect(pages).toBe(Math.ceil(full.length / 7));
    expect(listed).toEqual(full.map((call) => ({ correlationId: call.correlationId, startedAt: startedAt(call) })));
    const first = JSON.parse((await get('/api/query/calls?pageSize=7&fields=correlationId')).text) as Page<unknown>;
    const second = await rowsOf<CallRow>(`/api/query/calls?pageSize=7&continuationToken=${encodeURIComponent(first.continuationToken ?? '')}`);
    expect(second).toEqual(full.slice(7, 14));
  });

  it('any view takes fields: its columns', async () => {
    const full = await rowsOf<Record<string, unknown>>('/api/query/rooms');
    expect(await rowsOf('/api/query/rooms?fields=roomId,createdAt')).toEqual(full.map((room) => ({ roomId: room['roomId'], createdAt: room['createdAt'] })));
  });

  it('bad lists are 400s that say what is wrong', async () => {
    expect(await refused('/api/query/calls?fields=')).toEqual([
      { parameter: 'fields', message: expect.stringMatching(/^fields must name at least one field of calls: correlationId, resourceId, .*, startedAt$/) },
    ]);
    expect(await refused('/api/query/calls?fields=correlationId,recordingz,CallType')).toEqual([
      {
        parameter: 'fields',
        message: expect.stringMatching(/^calls has no field "recordingz": its fields are correlationId, resourceId, recordingCount, .*, startedAt$/),
      },
      { parameter: 'fields', message: 'calls has no field "CallType": did you mean callType?' },
    ]);
    expect(await refused('/api/query/calls?fields=correlationId,,startedAt')).toEqual([
      { parameter: 'fields', message: 'fields has an empty name in "correlationId,,startedAt": separate names with single commas' },
    ]);
    expect(await refused('/api/query/calls?fields=correlationId,startedAt,correlationId')).toEqual([
      { parameter: 'fields', message: 'fields names "correlationId" twice' },
    ]);
    expect(await refused('/api/query/calls?fields=correlationId&fields=startedAt')).toEqual([
      { parameter: 'fields', message: 'fields must be given at most once' },
    ]);
    // startedAt is a field of calls only.
    expect((await refused('/api/query/rooms?fields=roomId,startedAt'))[0]?.message).toMatch(
      /^rooms has no field "startedAt": its fields are resourceId, roomId, /,
    );
    // With other problems, all are said at once.
    expect((await refused('/api/query/calls?fields=nope&pageSize=0')).map((detail) => detail.parameter).sort()).toEqual(['fields', 'pageSize']);
  });
});
