import { beforeAll, describe, expect, it } from 'vitest';
import { roomsOperationsView } from '../../src/lib/aggregating/index.js';
import { handleQuery } from '../../src/lib/http/handlers.js';
import type { QueryResponseBody } from '../../src/lib/http/render.js';
import { silentLogger } from '../../src/lib/logging.js';
import type { RoomsOperationRecord } from '../../src/lib/normalizing/types.js';
import { VIEWS } from '../../src/lib/querying/views.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { roomsOperation } from '../support/roomsLogs.js';
import { newTableStore, storeReferenceRows } from '../support/storage.js';
import { jsonOf } from './support.js';

const RESOURCE = '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/PAGED';
const OTHER = RESOURCE.replace('PAGED', 'OTHER');
const DAYS = 5;
const OPERATIONS = ['CreateRoom', 'GetRoom', 'UpdateRoom', 'DeleteRoom', 'AddParticipants'];
const RESULTS: readonly (readonly [string, string])[] = [
  ['Succeeded', '200'],
  ['Failed', '404'],
  ['Failed', '500'],
];

function operation(
  resourceId: string,
  time: number,
  operationName: string,
  operationVersion: string,
  [resultType, resultSignature]: readonly [string, string],
): RoomsOperationRecord {
  return roomsOperation({
    time,
    resourceId,
    operationName,
    operationVersion,
    resultType,
    resultSignature,
    roomId: '1',
    roomLifespanMinutes: null,
    pstnDialOutEnabled: null,
    addedParticipantsCount: null,
  });
}

/** 30 operation rows in every hour of five days: 3,600 hourly rows for the resource, a few for another. */
function records(): RoomsOperationRecord[] {
  const all: RoomsOperationRecord[] = [];
  for (let hour = 0; hour < DAYS * 24; hour++) {
    const time = Date.UTC(2024, 4, 25) + hour * 3_600_000 + 60_000;
    for (const name of OPERATIONS) {
      for (const version of ['2023-10-30-preview', '2024-04-15']) for (const result of RESULTS) all.push(operation(RESOURCE, time, name, version, result));
    }
    if (hour % 10 === 0) all.push(operation(OTHER, time, 'GetRoom', '2024-04-15', ['Succeeded', '200']));
  }
  return all;
}

/** Writes the view's rows as the pipeline would store them, a transaction per partition and 100 rows. */
function store(tables: TableStore): Promise<void> {
  return storeReferenceRows(tables, roomsOperationsView, records());
}

interface PageRead {
  body: QueryResponseBody;
  requests: number;
}

async function page(tables: TableStore, query: string): Promise<PageRead> {
  const before = tables.requestCount;
  const result = await handleQuery('rooms-operations', new URLSearchParams(query), () => null, { tables: () => tables, logger: silentLogger });
  expect(result.status).toBe(200);
  return { body: jsonOf<QueryResponseBody>(result), requests: tables.requestCount - before };
}

async function walk(tables: TableStore, query: string): Promise<PageRead[]> {
  const pages: PageRead[] = [];
  let token: string | null = null;
  do {
    const read: PageRead = await page(tables, `${query}${token === null ? '' : `&continuationToken=${token}`}`);
    pages.push(read);
    token = read.body.continuationToken;
  } while (token !== null && pages.length < 200);
  return pages;
}

describe('paging a view that streams (one resource of a bucket view)', () => {
  let tables: TableStore;
  beforeAll(async () => {
    tables = newTableStore();
    await store(tables);
  });

  it('reads only what the first page needs, far fewer requests than the whole view', async () => {
    const filters = { granularity: 'hour' as const, resourceId: RESOURCE };
    const before = tables.requestCount;
    const whole = await VIEWS['rooms-operations']?.run(tables, filters);
    const wholeRequests = tables.requestCount - before;
    expect(whole).toHaveLength(DAYS * 24 * 30);
    expect(wholeRequests).toBeGreaterThanOrEqual(4);

    const first = await page(tables, `granularity=hour&resource=${encodeURIComponent(RESOURCE)}&pageSize=100`);
    expect(first.body.rows).toEqual(whole?.slice(0, 100));
    expect(first.requests).toBe(1);
    expect(first.body.continuationToken).not.toBeNull();
  });

  it.each([[1000], [719], [720], [721], [5000]])('walks every page of size %i: exactly the whole view, in order, each page cheap', async (pageSize) => {
    const filters = { granularity: 'hour' as const, resourceId: RESOURCE };
    const whole = (await VIEWS['rooms-operations']?.run(tables, filters)) ?? [];
    const pages = await walk(tables, `granularity=hour&resource=${encodeURIComponent(RESOURCE)}&pageSize=${pageSize}`);
    expect(pages.flatMap((read) => read.body.rows)).toEqual(whole);
    expect(pages.slice(0, -1).every((read) => read.body.rows.length === pageSize)).toBe(true);
    expect(pages).toHaveLength(Math.max(1, Math.ceil(whole.length / pageSize)));
    // A page reads from the day it starts in, whatever its place: at most the storage pages it spans and one more.
    for (const read of pages) expect(read.requests).toBeLessThanOrEqual(Math.ceil(pageSize / 1000) + 2);
  });

  it('keeps the filters: a time range and day buckets walk to exactly the view too', async () => {
    const from = '2024-05-26T05:00:00.000Z';
    const to = '2024-05-28T13:00:00.000Z';
    for (const granularity of ['hour', 'day'] as const) {
      const whole = (await VIEWS['rooms-operations']?.run(tables, { granularity, resourceId: RESOURCE, from, to })) ?? [];
      expect(whole.length).toBeGreaterThan(0);
      const pages = await walk(tables, `granularity=${granularity}&resource=${encodeURIComponent(RESOURCE)}&from=${from}&to=${to}&pageSize=97`);
      expect(pages.flatMap((read) => read.body.rows)).toEqual(whole);
    }
  });

  it('views over every resource, or a resource by name, still page the evaluated view exactly', async () => {
    for (const filter of ['', '&resource=paged']) {
      const whole = (await VIEWS['rooms-operations']?.run(tables, { granularity: 'hour', ...(filter ? { resourceId: 'paged' } : {}) })) ?? [];
      const pages = await walk(tables, `granularity=hour${filter}&pageSize=1000`);
      expect(pages.flatMap((read) => read.body.rows)).toEqual(whole);
    }
  });

  it('a view that fills its page exactly has no next page', async () => {
    const pages = await walk(tables, `granularity=day&resource=${encodeURIComponent(RESOURCE)}&pageSize=150`);
    expect(pages.map((read) => read.body.rows.length)).toEqual([150]);
    expect(pages[0]?.body.continuationToken).toBeNull();
  });
});

describe('paging a view that streams while rows are written between its pages', () => {
  const identity = (row: object): string => {
    const { bucket, resourceId, operationName, operationVersion, resultType, resultSignature } = row as Record<string, unknown>;
    return JSON.stringify([bucket, resourceId, operationName, operationVersion, resultType, resultSignature]);
  };

  it.each([
    ['a view that streams (one resource by its full id)', `&resource=${encodeURIComponent(RESOURCE)}`],
    ['a view evaluated again for each page (every resource, no answer kept)', ''],
  ])('%s: no row is repeated or passed over when new rows sort before the place the next page starts from', async (_what, filter) => {
    const tables = newTableStore();
    await store(tables);
    const query = `granularity=day${filter}&pageSize=7`;
    const before = (await walk(tables, query)).flatMap((read) => read.body.rows);
    // Without a resource, the other resource's operations too: a row on each day.
    expect(before).toHaveLength(DAYS * 30 + (filter === '' ? DAYS : 0));

    const first = await page(tables, query);
    // Operations of new names, sorting before every row of the first and second days, arrive before the next page is asked.
    const day = Date.UTC(2024, 4, 25) + 60_000;
    const arrived = ['AaaOperation', 'AabOperation', 'AacOperation'].flatMap((name) => [
      operation(RESOURCE, day, name, '2024-04-15', ['Succeeded', '200']),
      operation(RESOURCE, day + 86_400_000, name, '2024-04-15', ['Succeeded', '200']),
    ]);
    await storeReferenceRows(tables, roomsOperationsView, arrived);

    const rows = [...first.body.rows];
    let token = first.body.continuationToken;
    while (token !== null) {
      const next = await page(tables, `${query}&continuationToken=${token}`);
      rows.push(...next.body.rows);
      token = next.body.continuationToken;
    }
    const seen = rows.map(identity);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(before.map(identity)));
    // The first day's new rows sort before the place the second page started from: not shown; the second day's are.
    expect(rows).toHaveLength(before.length + 3);
  });
});

it('every view names its rows by fields of its own', () => {
  for (const definition of Object.values(VIEWS)) {
    expect(definition.identity.length).toBeGreaterThan(0);
    expect(definition.columns).toEqual(expect.arrayContaining([...definition.identity]));
  }
});
