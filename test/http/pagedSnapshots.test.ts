import { beforeEach, describe, expect, it, vi } from 'vitest';
import { roomsOperationsView, roomsView } from '../../src/lib/aggregating/index.js';
import { handleQuery } from '../../src/lib/http/handlers.js';
import { estimatedBytes, PagedSnapshots } from '../../src/lib/http/pagedSnapshots.js';
import { encodeContinuationToken, type PageScope } from '../../src/lib/http/paging.js';
import type { QueryResponseBody } from '../../src/lib/http/render.js';
import { silentLogger } from '../../src/lib/logging.js';
import type { RoomsOperationRecord } from '../../src/lib/normalizing/types.js';
import { VIEWS } from '../../src/lib/querying/views.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { roomsOperation } from '../support/roomsLogs.js';
import { newTableStore, storeReferenceRows } from '../support/storage.js';
import { errorOf, jsonOf } from './support.js';

const RESOURCE = '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/';
const START = Date.UTC(2024, 4, 25);

function operation(resource: string, time: number, operationName: string, resultSignature: string): RoomsOperationRecord {
  return roomsOperation({
    time,
    resourceId: RESOURCE + resource,
    operationName,
    operationVersion: '2024-04-15',
    resultType: resultSignature === '200' ? 'Succeeded' : 'Failed',
    resultSignature,
    roomId: '1',
    roomLifespanMinutes: null,
    pstnDialOutEnabled: null,
    addedParticipantsCount: null,
  });
}

/** Hourly rows of two resources from `firstHour` on: 6 per resource and hour. */
function records(firstHour: number, hours: number): RoomsOperationRecord[] {
  const all: RoomsOperationRecord[] = [];
  for (let hour = firstHour; hour < firstHour + hours; hour++) {
    for (const resource of ['ONE', 'TWO']) {
      for (const name of ['CreateRoom', 'GetRoom', 'DeleteRoom'])
        for (const status of ['200', '404']) all.push(operation(resource, START + hour * 3_600_000, name, status));
    }
  }
  return all;
}

/** Writes the view's rows of `operations` as the pipeline would store them (rows already there are replaced). */
function store(tables: TableStore, operations: readonly RoomsOperationRecord[]): Promise<void> {
  return storeReferenceRows(tables, roomsOperationsView, operations);
}

// Every resource's rows: a view evaluated whole, then sliced.
const PAGE = 200;
const QUERY = `granularity=hour&pageSize=${PAGE}`;
const FILTERS = { granularity: 'hour' as const };

interface PageRead {
  body: QueryResponseBody;
  requests: number;
}

async function page(tables: TableStore, snapshots: PagedSnapshots | undefined, token: string | null): Promise<PageRead> {
  const before = tables.requestCount;
  const params = new URLSearchParams(`${QUERY}${token === null ? '' : `&continuationToken=${token}`}`);
  const result = await handleQuery('rooms-operations', params, () => null, { tables: () => tables, logger: silentLogger, ...(snapshots ? { snapshots } : {}) });
  expect(result.status).toBe(200);
  return { body: jsonOf<QueryResponseBody>(result), requests: tables.requestCount - before };
}

async function walk(tables: TableStore, snapshots: PagedSnapshots | undefined, between?: () => Promise<void>): Promise<PageRead[]> {
  const pages: PageRead[] = [];
  let token: string | null = null;
  do {
    const read: PageRead = await page(tables, snapshots, token);
    pages.push(read);
    token = read.body.continuationToken;
    if (pages.length === 1) await between?.();
  } while (token !== null && pages.length < 50);
  return pages;
}

function snapshotOf(token: string | null): string | undefined {
  return token === null ? undefined : (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: string }).s;
}

describe('PagedSnapshots', () => {
  const Q = 'query';
  const rows = (n: number, width = 40): object[] => Array.from({ length: n }, (_, i) => ({ i, text: 'x'.repeat(width) }));

  it('keeps an answer under an id, and gives the same id to requests that shared the evaluation', () => {
    const snapshots = new PagedSnapshots();
    const answer = rows(10);
    const id = snapshots.keep(Q, answer);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(snapshots.get(id as string, Q)).toBe(answer);
    expect(snapshots.keep(Q, answer)).toBe(id);
    expect(snapshots.keep(Q, rows(10))).not.toBe(id);
    expect(snapshots.get('AAAAAAAAAAAAAAAAAAAAAA', Q)).toBeUndefined();
    // Named by a token of another query (made by hand): not that query's answer.
    expect(snapshots.get(id as string, 'another query')).toBeUndefined();
  });

  it('stays within its budget: the least recently asked goes first, and an answer larger than the budget is not kept', () => {
    const one = rows(100);
    const size = estimatedBytes(one);
    const snapshots = new PagedSnapshots(size * 2.5);
    const a = snapshots.keep(Q, one) as string;
    const b = snapshots.keep(Q, rows(100)) as string;
    // Asked of since: b is now the least recently used.
    expect(snapshots.get(a, Q)).toBeDefined();
    const c = snapshots.keep(Q, rows(100)) as string;
    expect(snapshots.get(b, Q)).toBeUndefined();
    expect(snapshots.get(a, Q)).toBeDefined();
    expect(snapshots.get(c, Q)).toBeDefined();
    expect(snapshots.keptBytes).toBeLessThanOrEqual(size * 2.5);
    expect(snapshots.keep(Q, rows(300))).toBeUndefined();
    expect(snapshots.size).toBe(2);
  });

  it('reads a budget given as a function when it keeps an answer, not before (a worker learns its memory profile at its first request)', () => {
    let reads = 0;
    const snapshots = new PagedSnapshots(() => {
      reads++;
      return 1e9;
    });
    expect(reads).toBe(0);
    expect(snapshots.keep(Q, rows(5))).toBeDefined();
    expect(reads).toBe(1);
    expect(() => new PagedSnapshots(() => Number.NaN).keep(Q, rows(5))).toThrow(/budget of kept answers/);
  });

  it('drops an answer no page was asked of for its idle time; asking keeps it', () => {
    let now = 0;
    const snapshots = new PagedSnapshots(1e9, 1000, () => now);
    const id = snapshots.keep(Q, rows(5)) as string;
    now = 900;
    expect(snapshots.get(id, Q)).toBeDefined();
    now = 1800;
    expect(snapshots.get(id, Q)).toBeDefined();
    now = 2801;
    expect(snapshots.get(id, Q)).toBeUndefined();
    expect(snapshots.keptBytes).toBe(0);
    expect(snapshots.size).toBe(0);
  });

  it('drops an idle answer when its time comes, though no request arrives after it (a server left idle holds nothing)', () => {
    vi.useFakeTimers();
    try {
      const snapshots = new PagedSnapshots(1e9, 1000);
      const first = snapshots.keep(Q, rows(5)) as string;
      vi.advanceTimersByTime(600);
      snapshots.keep(Q, rows(5));
      vi.advanceTimersByTime(500);
      expect(snapshots.size).toBe(1);
      expect(snapshots.get(first, Q)).toBeUndefined();
      vi.advanceTimersByTime(600);
      expect(snapshots.size).toBe(0);
      expect(snapshots.keptBytes).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('estimates an answer at about twice its JSON', () => {
    const answer = [...rows(500, 10), ...rows(500, 200)];
    const json = answer.reduce((sum, row) => sum + JSON.stringify(row).length, 0);
    expect(estimatedBytes(answer) / (2 * json)).toBeGreaterThan(0.8);
    expect(estimatedBytes(answer) / (2 * json)).toBeLessThan(1.25);
    expect(estimatedBytes([])).toBe(0);
  });

  it('counts every row: one large row among small ones (a call with thousands of recordings) is not missed', () => {
    // 6,400 small rows and one of about 2 MB of JSON at the second place, between the rows a sample of 32 would read.
    const answer: object[] = rows(6400, 10);
    answer[1] = { i: 1, recordings: Array.from({ length: 20_000 }, (_, n) => ({ recordingId: `recording-${n}`.padEnd(90, 'x') })) };
    const json = answer.reduce((sum, row) => sum + JSON.stringify(row).length, 0);
    expect(estimatedBytes(answer) / (2 * json)).toBeGreaterThan(0.8);
    expect(estimatedBytes(answer) / (2 * json)).toBeLessThan(1.25);
    // So an answer larger than the budget is not kept, however few of its rows are large.
    expect(new PagedSnapshots(json).keep(Q, answer)).toBeUndefined();
  });
});

describe('paging a view evaluated whole, with the answer kept for its next pages', () => {
  let tables: TableStore;
  beforeEach(async () => {
    tables = newTableStore();
    await store(tables, records(24, 72));
  });

  it('cuts every later page from the first page’s answer: the whole view, read once', async () => {
    const whole = (await VIEWS['rooms-operations']?.run(tables, FILTERS)) ?? [];
    expect(whole.length).toBe(72 * 2 * 6);
    const snapshots = new PagedSnapshots();
    const pages = await walk(tables, snapshots);
    expect(pages.flatMap((read) => read.body.rows)).toEqual(whole);
    expect(pages).toHaveLength(Math.ceil(whole.length / PAGE));
    expect(pages[0]?.requests).toBeGreaterThan(0);
    for (const read of pages.slice(1)) expect(read.requests).toBe(0);
    // Every token names the one answer kept.
    const kept = new Set(pages.slice(0, -1).map((read) => snapshotOf(read.body.continuationToken)));
    expect(kept.size).toBe(1);
    expect(snapshots.size).toBe(1);
  });

  it('without kept answers, every page evaluates the view again (as a page asked of another worker does)', async () => {
    const pages = await walk(tables, undefined);
    for (const read of pages) expect(read.requests).toBeGreaterThan(0);
    expect(pages.every((read) => snapshotOf(read.body.continuationToken) === undefined)).toBe(true);
  });

  it('rows processed between two pages do not shift the later pages of a kept answer', async () => {
    const whole = (await VIEWS['rooms-operations']?.run(tables, FILTERS)) ?? [];
    // An earlier day, sorting before every row of page 1, is written after page 1 was answered.
    const pages = await walk(tables, new PagedSnapshots(), () => store(tables, records(0, 6)));
    expect(pages.flatMap((read) => read.body.rows)).toEqual(whole);
    // The store did change between the pages: its view now starts with the earlier day.
    const grown = (await VIEWS['rooms-operations']?.run(tables, FILTERS)) ?? [];
    expect(grown.length).toBe(whole.length + 6 * 2 * 6);
  });

  it('a token whose answer this server no longer has evaluates afresh and keeps that answer for the pages after it', async () => {
    const first = await page(tables, new PagedSnapshots(), null);
    const token = first.body.continuationToken;
    expect(snapshotOf(token)).toBeDefined();
    const elsewhere = new PagedSnapshots();
    const second = await page(tables, elsewhere, token);
    expect(second.requests).toBeGreaterThan(0);
    const whole = (await VIEWS['rooms-operations']?.run(tables, FILTERS)) ?? [];
    expect(second.body.rows).toEqual(whole.slice(PAGE, 2 * PAGE));
    const next = snapshotOf(second.body.continuationToken);
    expect(next).toBeDefined();
    expect(next).not.toBe(snapshotOf(token));
    expect((await page(tables, elsewhere, second.body.continuationToken)).requests).toBe(0);
  });

  it('an answer larger than the budget is not kept: its pages are evaluated each, as before', async () => {
    const pages = await walk(tables, new PagedSnapshots(1000));
    expect(pages.length).toBeGreaterThan(1);
    for (const read of pages) expect(read.requests).toBeGreaterThan(0);
    expect(snapshotOf(pages[0]?.body.continuationToken ?? null)).toBeUndefined();
  });

  it('a one-page answer is not kept', async () => {
    const snapshots = new PagedSnapshots();
    const params = new URLSearchParams('granularity=hour&pageSize=5000');
    const result = await handleQuery('rooms-operations', params, () => null, { tables: () => tables, logger: silentLogger, snapshots });
    expect(jsonOf<QueryResponseBody>(result).continuationToken).toBeNull();
    expect(snapshots.size).toBe(0);
  });

  it('the kept answer’s name is covered by the digest: a token with another name is refused', async () => {
    const first = await page(tables, new PagedSnapshots(), null);
    const decoded = JSON.parse(Buffer.from(first.body.continuationToken as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...decoded, s: 'B'.repeat(22) })).toString('base64url');
    const params = new URLSearchParams(`${QUERY}&continuationToken=${edited}`);
    const result = await handleQuery('rooms-operations', params, () => null, { tables: () => tables, logger: silentLogger, snapshots: new PagedSnapshots() });
    expect(result.status).toBe(400);
    expect(errorOf(result).message).toMatch(/invalid continuation token/);
  });

  it('a token made for other filters that names a kept answer is answered from the store, not from that answer', async () => {
    const snapshots = new PagedSnapshots();
    const first = await page(tables, snapshots, null);
    const kept = snapshotOf(first.body.continuationToken) as string;
    // A valid token for one resource's rows by name (a view evaluated whole), naming the answer kept for every resource.
    const filters = { granularity: 'hour' as const, resourceId: 'one' };
    const scope: PageScope = { view: 'rooms-operations', filters, pageSize: PAGE };
    const token = encodeContinuationToken(scope, PAGE, undefined, kept);
    const params = new URLSearchParams(`${QUERY}&resource=one&continuationToken=${token}`);
    const result = await handleQuery('rooms-operations', params, () => null, { tables: () => tables, logger: silentLogger, snapshots });
    expect(result.status).toBe(200);
    const own = (await VIEWS['rooms-operations']?.run(tables, filters)) ?? [];
    expect(own.length).toBe(72 * 6);
    expect(jsonOf<QueryResponseBody>(result).rows).toEqual(own.slice(PAGE, 2 * PAGE));
  });

  it('a token issued without a kept answer still pages', async () => {
    const scope: PageScope = { view: 'rooms-operations', filters: FILTERS, pageSize: PAGE };
    const whole = (await VIEWS['rooms-operations']?.run(tables, FILTERS)) ?? [];
    const read = await page(tables, new PagedSnapshots(), encodeContinuationToken(scope, PAGE));
    expect(read.body.rows).toEqual(whole.slice(PAGE, 2 * PAGE));
  });
});

describe('paging a view too large to keep whole, with fields= asked', () => {
  const fields = ['roomId', 'operations'];
  const pick = (row: object, names: readonly string[]): Record<string, unknown> =>
    Object.fromEntries(names.map((name) => [name, (row as Record<string, unknown>)[name]]));
  let tables: TableStore;
  let whole: readonly object[];
  let budget: number;
  beforeEach(async () => {
    tables = newTableStore();
    // 700 rooms of one resource, each created then read: a row of many fields per room.
    const created = Array.from({ length: 700 }, (_, n) =>
      ['CreateRoom', 'GetRoom'].map((operationName, step) => ({ ...operation('ONE', START + n * 60_000 + step, operationName, '200'), roomId: `room-${n}` })),
    ).flat();
    await storeReferenceRows(tables, roomsView, created);
    whole = (await VIEWS['rooms']?.run(tables, FILTERS)) ?? [];
    expect(whole.length).toBe(700);
    // Room for the rows cut to the fields asked and those naming a row, not for the whole rows.
    const cut = whole.map((row) => pick(row, [...fields, 'resourceId']));
    expect(estimatedBytes(whole)).toBeGreaterThan(2 * estimatedBytes(cut));
    budget = Math.ceil(estimatedBytes(cut) * 1.2);
  });

  async function asked(snapshots: PagedSnapshots, token: string | null, askedFields: readonly string[] | undefined): Promise<PageRead> {
    const before = tables.requestCount;
    const fieldsParameter = askedFields === undefined ? '' : `&fields=${askedFields.join(',')}`;
    const params = new URLSearchParams(`${QUERY}${fieldsParameter}${token === null ? '' : `&continuationToken=${token}`}`);
    const result = await handleQuery('rooms', params, () => null, { tables: () => tables, logger: silentLogger, snapshots });
    expect(result.status).toBe(200);
    return { body: jsonOf<QueryResponseBody>(result), requests: tables.requestCount - before };
  }

  it('keeps the answer cut to those fields and the ones naming a row: its later pages read nothing, and equal the whole view cut', async () => {
    const snapshots = new PagedSnapshots(budget);
    const pages: PageRead[] = [await asked(snapshots, null, fields)];
    for (let token = pages[0]?.body.continuationToken ?? null; token !== null && pages.length < 50;) {
      const read = await asked(snapshots, token, fields);
      pages.push(read);
      token = read.body.continuationToken;
    }
    expect(pages.length).toBe(Math.ceil(whole.length / PAGE));
    expect(pages.flatMap((read) => read.body.rows)).toEqual(whole.map((row) => pick(row, fields)));
    expect(pages[0]?.requests).toBeGreaterThan(0);
    for (const read of pages.slice(1)) expect(read.requests).toBe(0);
  });

  it('serves the cut answer only to requests for the same fields; whole rows asked are not kept, as before', async () => {
    const snapshots = new PagedSnapshots(budget);
    const first = await asked(snapshots, null, fields);
    const other = await asked(snapshots, first.body.continuationToken, ['operations', 'resourceId']);
    expect(other.requests).toBeGreaterThan(0);
    expect(other.body.rows).toEqual(whole.slice(PAGE, 2 * PAGE).map((row) => pick(row, ['operations', 'resourceId'])));
    const all = await asked(snapshots, first.body.continuationToken, undefined);
    expect(all.requests).toBeGreaterThan(0);
    expect(all.body.rows).toEqual(whole.slice(PAGE, 2 * PAGE));
    expect(snapshotOf(all.body.continuationToken)).toBeUndefined();
  });
});
