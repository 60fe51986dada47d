import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import type { ContainerClient } from '@azure/storage-blob';
import { beforeAll, describe, expect, it } from 'vitest';
import { handleHealth } from '../../src/lib/http/handlers.js';
import type { QueryResponseBody } from '../../src/lib/http/render.js';
import { processFile } from '../../src/lib/processing/processFile.js';
import { silentLogger } from '../../src/lib/logging.js';
import type { ViewFilters } from '../../src/lib/querying/filters.js';
import type { Health } from '../../src/lib/querying/queryRows.js';
import { VIEW_NAMES, VIEWS } from '../../src/lib/querying/views.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { legRecord, streamRecord } from '../support/callLogs.js';
import { DAY, recordingBlobPath, recordingLogs } from '../support/recordingLogs.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';
import { appendToBlob, azuriteConnectionString, newContainer, newTableStore, testDeps, uniquePrefix } from '../support/storage.js';
import { registeredFunctions } from '../support/functionsHost.js';
import { errorOf, expectedCells, parseCsv } from './support.js';

const prefix = uniquePrefix();
const suffix = randomBytes(4).toString('hex');
/** Containers of our own, named by app settings, so health reports exactly what this file processed. */
const CONTAINERS = {
  RoomsOperational: `insights-logs-roomsoperational-${suffix}`,
  CallRecordingSummary: `insights-logs-callrecordingsummary-${suffix}`,
  CallRecordingOperational: `insights-logs-callrecordingoperational-${suffix}`,
  Usage: `insights-logs-usage-${suffix}`,
  CallSummary: `insights-logs-callsummary-${suffix}`,
  CallSummaryUpdates: `insights-logs-callsummaryupdates-${suffix}`,
  CallDiagnostics: `insights-logs-calldiagnostics-${suffix}`,
  CallDiagnosticsUpdates: `insights-logs-calldiagnosticsupdates-${suffix}`,
};

const CALL_START = DAY + 3_600_000;
const leg = (participantId: string, version: number | null) =>
  legRecord({ correlationId: 'call-http-1', participantId, version, time: CALL_START + 7_200_000, callStartTime: CALL_START, callDurationSeconds: 300 });
const stream = (version: number | null, jitterAvg: number) =>
  streamRecord({ correlationId: 'call-http-1', participantId: 'p-1', version, time: CALL_START + 7_200_000, jitterAvg });
const callLogs = {
  CallSummary: [leg('p-1', null)],
  CallSummaryUpdates: [leg('p-1', 1), leg('p-2', 1)],
  CallDiagnostics: [stream(null, 3)],
  CallDiagnosticsUpdates: [stream(1, 45)],
};

let query: typeof import('../../src/functions/queryApi.js').query;
let health: typeof import('../../src/functions/health.js').health;
let tables: TableStore;

const rooms = roomsRecords(300, 77, 60);
const calls = recordingLogs(91, { calls: 30 });
const BAD_LINE = '{"this is": not json';

beforeAll(async () => {
  // App settings are environment variables; the modules read them when the worker loads them.
  const connectionString = azuriteConnectionString();
  process.env['LogsStorage'] = connectionString;
  process.env['AggregatesStorage'] = connectionString;
  process.env['ACS_LOGS_TABLE_PREFIX'] = prefix;
  process.env['ACS_LOGS_CONTAINER_ROOMS'] = CONTAINERS.RoomsOperational;
  process.env['ACS_LOGS_CONTAINER_RECORDING_SUMMARY'] = CONTAINERS.CallRecordingSummary;
  process.env['ACS_LOGS_CONTAINER_RECORDING_OPERATIONS'] = CONTAINERS.CallRecordingOperational;
  process.env['ACS_LOGS_CONTAINER_USAGE'] = CONTAINERS.Usage;
  process.env['ACS_LOGS_CONTAINER_CALL_SUMMARY'] = CONTAINERS.CallSummary;
  process.env['ACS_LOGS_CONTAINER_CALL_SUMMARY_UPDATES'] = CONTAINERS.CallSummaryUpdates;
  process.env['ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS'] = CONTAINERS.CallDiagnostics;
  process.env['ACS_LOGS_CONTAINER_CALL_DIAGNOSTICS_UPDATES'] = CONTAINERS.CallDiagnosticsUpdates;
  ({ query } = await import('../../src/functions/queryApi.js'));
  ({ health } = await import('../../src/functions/health.js'));

  // Seed through the real pipeline: one file per container, the Rooms file with one bad line.
  tables = newTableStore(connectionString, prefix);
  const seed = async (container: string, path: string, text: string): Promise<void> => {
    const box: ContainerClient = await newContainer(connectionString, container);
    await appendToBlob(box, path, text);
    await processFile({ container, path }, testDeps(tables));
  };
  const roomLines = asJsonLines(rooms.slice(0, 150)) + BAD_LINE + '\n' + asJsonLines(rooms.slice(150));
  await seed(CONTAINERS.RoomsOperational, blobPath(1), roomLines);
  await seed(CONTAINERS.CallRecordingOperational, recordingBlobPath(DAY, 0), asJsonLines(calls.operations));
  await seed(CONTAINERS.CallRecordingSummary, recordingBlobPath(DAY, 0), asJsonLines(calls.summaries));
  await seed(CONTAINERS.Usage, recordingBlobPath(DAY, 0), asJsonLines(calls.usage));
  for (const [category, records] of Object.entries(callLogs)) {
    await seed(CONTAINERS[category as keyof typeof callLogs], recordingBlobPath(DAY, 3), asJsonLines(records));
  }
});

/** Handler logs are the host's business; tests keep them off the console. */
const quiet = (): void => {};

function get(path: string, view: string | undefined, headers: Record<string, string> = {}): Promise<HttpResponseInit> {
  const request = new HttpRequest({ method: 'GET', url: `http://localhost${path}`, params: view === undefined ? {} : { view }, headers });
  return query(request, new InvocationContext({ functionName: 'query', logHandler: quiet }));
}

function headersOf(response: HttpResponseInit): Record<string, string> {
  return response.headers as Record<string, string>;
}

/** Rows as they travel as JSON (the views' rows are JSON-safe; this also drops nothing). */
function asJson(rows: readonly object[]): unknown {
  return JSON.parse(JSON.stringify(rows));
}

describe('GET /api/query/{view}, against Azurite', () => {
  it('shows a call known only from its call logs, the Updates version winning over the plain record', async () => {
    const response = await get('/api/query/calls?correlationId=call-http-1', 'calls');
    expect(response.status).toBe(200);
    const body = JSON.parse(String(response.body)) as QueryResponseBody;
    expect(body.rows).toEqual([
      expect.objectContaining({
        correlationId: 'call-http-1',
        recordingCount: 0,
        callStartTime: new Date(CALL_START).toISOString(),
        callDurationSeconds: 300,
        participants: 2,
        participantSeconds: 600,
        streams: 1,
        poorStreams: 1,
        impacted: true,
        recordingCoverage: 0,
        endpointTypes: { VoIP: 2 },
        endReasons: { Success: 2 },
      }),
    ]);
  });

  it("serves the brief's example: rooms, hourly, as CSV, row for row what queryRooms returns", async () => {
    const response = await get('/api/query/rooms?granularity=hour&format=csv', 'rooms');
    const direct = await VIEWS['rooms']!.run(tables, { granularity: 'hour' });
    expect(direct.length).toBeGreaterThan(2);
    expect(response.status).toBe(200);
    // Rooms are one row per room: the granularity is said to change nothing, as the CLI says it.
    expect(headersOf(response)).toEqual({
      'content-type': 'text/csv; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      vary: 'Accept-Encoding',
      'x-query-note': 'granularity does not apply to rooms, whose rows are one per room',
    });
    const records = parseCsv(String(response.body));
    expect(records[0]).toEqual([...VIEWS['rooms']!.columns]);
    expect(records.slice(1)).toEqual(expectedCells(VIEWS['rooms']!.columns, direct));
  });

  it.each(VIEW_NAMES)('%s: JSON rows equal the view run directly, with and without filters', async (view) => {
    const cases: [string, ViewFilters][] = [
      ['', { granularity: 'day' }],
      ['?granularity=hour&from=2024-05-25T01:00Z&to=2024-05-27', { granularity: 'hour', from: '2024-05-25T01:00:00.000Z', to: '2024-05-27T00:00:00.000Z' }],
    ];
    for (const [search, filters] of cases) {
      const response = await get(`/api/query/${view}${search}`, view);
      expect(response.status).toBe(200);
      // Retirement sums whole days: an hour inside one is noted. A granularity given to a view without buckets is noted too.
      const noted = view === 'retirement' && filters.from !== undefined;
      const unbucketed = search.includes('granularity=') && !VIEWS[view]!.columns.includes('bucket');
      const notes = [
        ...(noted ? [expect.stringMatching(/^this view sums whole days: 2024-05-25T01:00:00.000Z falls inside a day/)] : []),
        ...(unbucketed ? [expect.stringMatching(new RegExp(`^granularity does not apply to ${view}, whose rows are `))] : []),
      ];
      expect(headersOf(response)).toEqual({
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        vary: 'Accept-Encoding',
        ...(notes.length > 0 ? { 'x-query-note': expect.stringContaining(noted ? 'this view sums whole days' : 'granularity does not apply') } : {}),
      });
      const body = JSON.parse(String(response.body)) as QueryResponseBody;
      const direct = await VIEWS[view]!.run(tables, filters);
      expect(direct.length).toBeGreaterThan(0);
      expect(body).toEqual({
        view,
        filters: { granularity: filters.granularity, from: filters.from ?? null, to: filters.to ?? null, resource: null, correlationId: null },
        notes,
        rows: asJson(direct),
        continuationToken: null,
      });
    }
  });

  it('calls: one call by correlationId (with / and + in it), and CSV chosen by the Accept header', async () => {
    const all = (await VIEWS['calls']!.run(tables, { granularity: 'day' })) as { correlationId: string; resourceId: string }[];
    const wanted = all.find((call) => call.correlationId.includes('+'));
    expect(wanted).toBeDefined();
    const search = new URLSearchParams({ correlationId: wanted!.correlationId, resource: wanted!.resourceId.toLowerCase() });
    const direct = await VIEWS['calls']!.run(tables, {
      granularity: 'day',
      correlationId: wanted!.correlationId,
      resourceId: wanted!.resourceId.toLowerCase(),
    });
    expect(direct).toHaveLength(1);

    const json = await get(`/api/query/calls?${search.toString()}`, 'calls');
    expect(json.status).toBe(200);
    expect(JSON.parse(String(json.body))).toMatchObject({ rows: asJson(direct), filters: { correlationId: wanted!.correlationId } });

    const csv = await get(`/api/query/calls?${search.toString()}`, 'calls', { Accept: 'text/csv' });
    expect(headersOf(csv)['content-type']).toBe('text/csv; charset=utf-8');
    expect(parseCsv(String(csv.body))).toEqual([[...VIEWS['calls']!.columns], ...expectedCells(VIEWS['calls']!.columns, direct)]);
  });

  it('gzips a page for a client that takes gzip: the worker sends the compressed bytes, which decode to the identity answer', async () => {
    const plain = await get('/api/query/rooms', 'rooms');
    expect(headersOf(plain)['content-encoding']).toBeUndefined();
    const gzipped = new HttpResponse(await get('/api/query/rooms', 'rooms', { 'Accept-Encoding': 'gzip' }));
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.headers.get('vary')).toBe('Accept-Encoding');
    const bytes = Buffer.from(await gzipped.arrayBuffer());
    expect(bytes.length).toBeLessThan(Buffer.byteLength(String(plain.body)) / 2);
    expect(gunzipSync(bytes).toString('utf8')).toBe(String(plain.body));
    const checked = new HttpResponse(
      await health(
        new HttpRequest({ method: 'GET', url: 'http://localhost/api/health', headers: { 'accept-encoding': 'gzip' } }),
        new InvocationContext({ functionName: 'health', logHandler: quiet }),
      ),
    );
    expect(checked.headers.get('content-encoding')).toBe('gzip');
    expect(JSON.parse(gunzipSync(Buffer.from(await checked.arrayBuffer())).toString('utf8'))).toMatchObject({ containers: expect.any(Array) });
  });

  it('pages: walking x-continuation-token over rooms-operations with pageSize 7 gives every row once, in order', async () => {
    const direct = await VIEWS['rooms-operations']!.run(tables, { granularity: 'day' });
    expect(direct.length).toBeGreaterThan(20);
    const rows: unknown[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const response = await get(`/api/query/rooms-operations?pageSize=7${token ? `&continuationToken=${token}` : ''}`, 'rooms-operations');
      expect(response.status).toBe(200);
      const body = JSON.parse(String(response.body)) as QueryResponseBody;
      token = headersOf(response)['x-continuation-token'];
      expect(body.continuationToken).toBe(token ?? null);
      expect(body.rows.length).toBe(token ? 7 : direct.length - 7 * pages);
      rows.push(...body.rows);
      pages++;
    } while (token && pages < 100);
    expect(pages).toBe(Math.ceil(direct.length / 7));
    expect(rows).toEqual(asJson(direct));
  });

  it('pages as CSV: each page a complete CSV, the token only in the header', async () => {
    const direct = await VIEWS['rooms-operations']!.run(tables, { granularity: 'hour' });
    const columns = VIEWS['rooms-operations']!.columns;
    const cells: string[][] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const response = await get(
        `/api/query/rooms-operations?granularity=hour&format=csv&pageSize=40${token ? `&continuationToken=${token}` : ''}`,
        'rooms-operations',
      );
      const records = parseCsv(String(response.body));
      expect(records[0]).toEqual([...columns]);
      cells.push(...records.slice(1));
      token = headersOf(response)['x-continuation-token'];
      pages++;
    } while (token && pages < 100);
    expect(pages).toBeGreaterThan(1);
    expect(cells).toEqual(expectedCells(columns, direct));
  });

  it('a token from one query used with other filters is 400', async () => {
    const first = await get('/api/query/rooms-operations?pageSize=7', 'rooms-operations');
    const token = headersOf(first)['x-continuation-token'];
    expect(token).toBeDefined();
    const response = await get(`/api/query/rooms-operations?pageSize=7&granularity=hour&continuationToken=${token}`, 'rooms-operations');
    expect(response.status).toBe(400);
    expect(errorOf(response).message).toMatch(/^invalid continuation token/);
  });

  it('bad requests are 400 and unknown views 404, as JSON error bodies', async () => {
    const unknown = await get('/api/query/rooms?granularity=hour&limit=5', 'rooms');
    expect(unknown.status).toBe(400);
    expect(headersOf(unknown)['content-type']).toBe('application/json; charset=utf-8');
    expect(errorOf(unknown)).toEqual({
      code: 'bad_request',
      message:
        'unknown query parameter "limit": the parameters are granularity, from, to, resource, correlationId, format, pageSize, continuationToken, fields',
      details: [
        {
          parameter: 'limit',
          message:
            'unknown query parameter "limit": the parameters are granularity, from, to, resource, correlationId, format, pageSize, continuationToken, fields',
        },
      ],
    });
    const granularity = await get('/api/query/usage?granularity=minute', 'usage');
    expect(granularity.status).toBe(400);
    expect(errorOf(granularity).message).toBe('granularity must be hour or day');
    const correlation = await get('/api/query/rooms?correlationId=x', 'rooms');
    expect(errorOf(correlation).message).toBe('correlationId applies only to: calls');
    const view = await get('/api/query/room', 'room');
    expect(view.status).toBe(404);
    expect(errorOf(view)).toMatchObject({ code: 'not_found', views: [...VIEW_NAMES] });
    // The function key may come as ?code=; it is not an unknown parameter.
    expect((await get('/api/query/recordings-per-call?code=abc', 'recordings-per-call')).status).toBe(200);
  });

  it('a parameter given twice is 400 as under acs-logs serve, though the host hands the worker its values joined by commas', async () => {
    // The host's query map (ASP.NET Core's): a name's values joined with `,`, names differing in case merged under the first.
    const asTheHostGives = (path: string, hostQuery: Record<string, string>, view: string): Promise<HttpResponseInit> =>
      query(
        new HttpRequest({ method: 'GET', url: `http://localhost${path}`, query: hostQuery, params: { view } }),
        new InvocationContext({ functionName: 'query', logHandler: quiet }),
      );
    const fields = await asTheHostGives('/api/query/rooms?fields=roomId&fields=resourceId', { fields: 'roomId,resourceId' }, 'rooms');
    expect(fields.status).toBe(400);
    expect(errorOf(fields).details).toEqual([{ parameter: 'fields', message: 'fields must be given at most once' }]);
    const resource = await asTheHostGives('/api/query/calls?resource=a&resource=b', { resource: 'a,b' }, 'calls');
    expect(resource.status).toBe(400);
    expect(errorOf(resource).details).toEqual([{ parameter: 'resource', message: 'resource must be given at most once' }]);
    const cased = await asTheHostGives('/api/query/usage?pageSize=2&pagesize=3', { pageSize: '2,3' }, 'usage');
    expect(errorOf(cased).details).toEqual([{ parameter: 'pagesize', message: 'unknown query parameter "pagesize": did you mean pageSize?' }]);
  });
});

describe('GET /api/health, against Azurite', () => {
  it('counts what was processed, and is degraded (still 200) while a quarantined line waits', async () => {
    const response = await health(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/health' }),
      new InvocationContext({ functionName: 'health', logHandler: quiet }),
    );
    expect(response.status).toBe(200);
    expect(headersOf(response)['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(String(response.body)) as Health;
    expect(body.status).toBe('degraded');
    expect(body.containers.map((c) => c.container)).toEqual(Object.values(CONTAINERS));
    const expected: Record<string, { records: number; badLines: number; quarantined: number }> = {
      [CONTAINERS.RoomsOperational]: { records: rooms.length, badLines: 1, quarantined: 1 },
      [CONTAINERS.CallRecordingOperational]: { records: calls.operations.length, badLines: 0, quarantined: 0 },
      [CONTAINERS.CallRecordingSummary]: { records: calls.summaries.length, badLines: 0, quarantined: 0 },
      [CONTAINERS.Usage]: { records: calls.usage.length, badLines: 0, quarantined: 0 },
      ...Object.fromEntries(
        Object.entries(callLogs).map(([category, records]) => [
          CONTAINERS[category as keyof typeof callLogs],
          { records: records.length, badLines: 0, quarantined: 0 },
        ]),
      ),
    };
    for (const container of body.containers) {
      expect(container).toMatchObject({ files: 1, openFiles: 1, pendingBytes: 0, lastSweepAt: null, ...expected[container.container] });
      expect(container.newestFile).not.toBeNull();
      expect(container.lastProcessedAt).not.toBeNull();
    }
  });

  it('is ok (200) when nothing is quarantined', async () => {
    const result = await handleHealth({ open: () => ({ tables: newTableStore(), containers: ['insights-logs-usage'] }), logger: silentLogger });
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'ok', containers: [{ container: 'insights-logs-usage', files: 0, records: 0, quarantined: 0 }] });
  });
});

describe('the HTTP functions as the host indexes them', () => {
  it('query, health and dashboard take HEAD as well as GET, as acs-logs serve does (the host answers a method not listed with an empty 404)', async () => {
    await import('../../src/functions/dashboard.js');
    const methods = new Map(
      registeredFunctions().map((fn) => [fn.name, Object.values(fn.bindings).find((binding) => binding.type === 'httpTrigger')?.['methods']]),
    );
    for (const name of ['query', 'health', 'dashboard']) expect(methods.get(name), name).toEqual(['GET', 'HEAD']);
  });
});
