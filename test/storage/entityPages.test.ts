import { odata, TableClient, type TableEntityResult } from '@azure/data-tables';
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { readEntityPage, type EntityPage, type PageQuery } from '../../src/lib/storage/entityPages.js';
import { classifyError } from '../../src/lib/storage/errors.js';
import { toStoredRow } from '../../src/lib/storage/TableStore.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';

const SAS_CONNECTION =
  'TableEndpoint=https://contoso.table.core.windows.net/;SharedAccessSignature=sv=2019-02-02&ss=t&srt=sco&sp=rwdlacu&se=2099-01-01T00:00:00Z&sig=abc%2Bdef';

/** An HTTP client that answers every request with the given body and headers, and keeps the requests. */
function answering(status: number, body: string, headers: Record<string, string> = {}): { http: HttpClient; sent: PipelineRequest[] } {
  const sent: PipelineRequest[] = [];
  const http: HttpClient = {
    sendRequest: async (request): Promise<PipelineResponse> => {
      sent.push(request);
      return { request, status, headers: createHttpHeaders(headers), bodyAsText: body };
    },
  };
  return { http, sent };
}

/** Every page of a query read with readEntityPage, as the store reads them. */
async function ourPages(client: TableClient, query: Omit<PageQuery, 'start'>): Promise<EntityPage[]> {
  const pages: EntityPage[] = [];
  let start: PageQuery['start'];
  do {
    const page = await readEntityPage(client, { ...query, start }, true);
    pages.push(page);
    start = page.next;
  } while (start);
  return pages;
}

/** Every page of the same query read by the SDK's listEntities. */
async function sdkPages(client: TableClient, query: Omit<PageQuery, 'start'>): Promise<TableEntityResult<Record<string, unknown>>[][]> {
  const pages: TableEntityResult<Record<string, unknown>>[][] = [];
  const queryOptions = {
    ...(query.filter === undefined ? {} : { filter: query.filter }),
    ...(query.select === undefined ? {} : { select: [...query.select] }),
  };
  for await (const page of client.listEntities<Record<string, unknown>>({ queryOptions }).byPage({ maxPageSize: query.top })) pages.push([...page]);
  return pages;
}

describe('a page of a table query read by hand', () => {
  it('sends the request the SDK sends for the same query, SAS and continuation included', async () => {
    const filter = odata`PartitionKey eq ${"it's 100% a b+c&d=e é中😀"} and RowKey ge ${'(x)*!~:@$,;'}`;
    const cases: PageQuery[] = [
      { top: 1000 },
      { top: 7, filter, select: ['name', 'etag', 'partitionKey', 'timestamp'] },
      { top: 1000, filter, start: { partitionKey: '1!8!cCc-', rowKey: '1!12!cjAwMQ--' } },
      { top: 1000, start: { partitionKey: '1!8!cCc-', rowKey: undefined } },
    ];
    for (const connection of [azuriteConnectionString(), SAS_CONNECTION]) {
      for (const query of cases) {
        const ours = answering(200, '{"value":[]}');
        const theirs = answering(200, '{"value":[]}', {
          ...(query.start ? { 'x-ms-continuation-NextPartitionKey': query.start.partitionKey } : {}),
          ...(query.start?.rowKey ? { 'x-ms-continuation-NextRowKey': query.start.rowKey } : {}),
        });
        await readEntityPage(TableClient.fromConnectionString(connection, 'Tab1', { allowInsecureConnection: true }), query, true, ours.http);
        const sdk = TableClient.fromConnectionString(connection, 'Tab1', { httpClient: theirs.http, allowInsecureConnection: true });
        const pages = sdk
          .listEntities({ queryOptions: { ...(query.filter ? { filter: query.filter } : {}), ...(query.select ? { select: [...query.select] } : {}) } })
          .byPage({ maxPageSize: query.top });
        await pages.next();
        // The SDK reaches a continuation only by reading the page before it: its second request is the one to compare.
        if (query.start) await pages.next();
        const sdkRequest = theirs.sent.at(-1);
        const ourRequest = ours.sent[0];
        if (!sdkRequest || !ourRequest) throw new Error('nothing sent');
        expect(new URL(ourRequest.url).pathname).toBe(new URL(sdkRequest.url).pathname);
        expect(Object.fromEntries(new URL(ourRequest.url).searchParams)).toEqual(Object.fromEntries(new URL(sdkRequest.url).searchParams));
        for (const header of ['accept', 'x-ms-version', 'dataserviceversion', 'authorization', 'x-ms-date']) {
          expect(ourRequest.headers.has(header), header).toBe(sdkRequest.headers.has(header));
        }
        expect(ourRequest.headers.get('accept')).toBe(sdkRequest.headers.get('accept'));
        expect(ourRequest.headers.get('x-ms-version')).toBe(sdkRequest.headers.get('x-ms-version'));
      }
    }
  });

  it('reads what the SDK reads from Azurite: every type, odd keys, filters, selections and continuations', async () => {
    const client = TableClient.fromConnectionString(azuriteConnectionString(), uniquePrefix() + 'Pages', { allowInsecureConnection: true });
    await client.createTable();
    const oddKeys = ["it's", '100%', 'a b+c&d=e', 'é中😀', "''%27%", '(x)*!~', 'x:y@z$,;'];
    const actions: Promise<unknown>[] = [];
    for (const [p, partitionKey] of oddKeys.entries()) {
      for (const [r, rowKey] of oddKeys.entries()) {
        actions.push(
          client.createEntity({
            partitionKey,
            rowKey: `${rowKey}${r}`,
            text: 'quote " backslash \\ newline \n é 中 😀 \u2028 end',
            empty: '',
            int: p * r,
            double: 0.1 + p,
            int64: 9_007_199_254_740_993n + BigInt(r),
            when: new Date(Date.UTC(2024, 4, 25, p, r, 0, 123)),
            bytes: new Uint8Array([0, 1, 2, 255, r]),
            guid: { value: `3f2504e0-4f89-11d3-9a0c-0305e82c33${String(10 + r)}`, type: 'Guid' },
            yes: r % 2 === 0,
            ...(r === 3 ? { onlyHere: 'sparse' } : {}),
          }),
        );
      }
    }
    await Promise.all(actions);
    const queries: Omit<PageQuery, 'start'>[] = [
      { top: 1000 },
      { top: 5 },
      { top: 3, filter: odata`PartitionKey eq ${"it's"} or PartitionKey eq ${'é中😀'}` },
      { top: 4, filter: odata`RowKey ge ${'a'}`, select: ['text', 'int64', 'when', 'etag', 'rowKey', 'missingProperty'] },
      { top: 10, filter: odata`PartitionKey eq ${'no such partition'}` },
    ];
    for (const query of queries) {
      const ours = await ourPages(client, query);
      const theirs = await sdkPages(client, query);
      expect(ours.map((page) => page.entities)).toEqual(theirs);
      expect(ours.flatMap((page) => page.entities).length).toBe(theirs.flat().length);
      // The last page says there is no more; each other page says where the next starts.
      expect(ours.at(-1)?.next).toBeUndefined();
      for (const page of ours.slice(0, -1)) expect(page.next?.partitionKey).toBeTruthy();
    }
    const everything = (await ourPages(client, { top: 1000 })).flatMap((page) => page.entities);
    expect(everything.length).toBe(oddKeys.length ** 2);
    const sample = everything.find((entity) => entity['onlyHere'] !== undefined);
    expect(typeof sample?.['int64']).toBe('bigint');
    expect(sample?.['when']).toBeInstanceOf(Date);
    expect(sample?.['bytes']).toBeInstanceOf(Uint8Array);
    expect(sample?.['guid']).toMatchObject({ type: 'Guid' });
    expect(typeof sample?.['etag']).toBe('string');
  });

  it('fails as the SDK fails: a missing table is a RestError 404 with the service code, a broken answer an error that says so', async () => {
    const client = TableClient.fromConnectionString(azuriteConnectionString(), uniquePrefix() + 'Missing', { allowInsecureConnection: true });
    const ours = await readEntityPage(client, { top: 10 }, true).catch((error: unknown) => error);
    const theirs = await sdkPages(client, { top: 10 }).catch((error: unknown) => error);
    expect(ours).toMatchObject({ name: 'RestError', statusCode: 404, code: 'TableNotFound' });
    // The SDK leaves the code in its message's JSON; the store's errors read the same either way.
    expect(classifyError(ours)).toEqual(classifyError(theirs));
    expect(classifyError(ours).message).toMatch(
      /^404 TableNotFound: The table specified does not exist\. \(account devstoreaccount1, table T[0-9a-f]+Missing\)$/,
    );
    const broken = answering(200, '{"odata.metadata":"x"}');
    await expect(readEntityPage(client, { top: 10 }, true, broken.http)).rejects.toThrow(/without a value array/);
    const refused = answering(404, '');
    await expect(readEntityPage(client, { top: 10 }, true, refused.http)).rejects.toMatchObject({ statusCode: 404, message: 'Not Found' });
    const gateway = answering(400, '<html>bad request</html>', { 'content-type': 'text/html' });
    await expect(readEntityPage(client, { top: 10 }, true, gateway.http)).rejects.toMatchObject({ statusCode: 400, message: '<html>bad request</html>' });
  });
});

describe('rows read with $select', () => {
  it('a selected property the row lacks, answered as null, reads as absent (nothing stored is null)', async () => {
    const client = TableClient.fromConnectionString(SAS_CONNECTION, 'Tab1');
    const answer = answering(200, '{"value":[{"PartitionKey":"p","RowKey":"r","odata.etag":"W/\\"x\\"","records":3,"unsupported":null}]}');
    const page = await readEntityPage(client, { top: 10, select: ['records', 'unsupported'] }, true, answer.http);
    const row = toStoredRow(page.entities[0] as Record<string, unknown>);
    expect(row.data).toEqual({ records: 3 });
  });
});
