import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/lib/storage/errors.js';
import { AzureTableStore, StorageRefusedError } from '../../src/lib/storage/TableStore.js';
import { DEV_ACCOUNT_KEY } from '../support/answeringEndpoint.js';

/**
 * Answers Azure Table Storage gives and Azurite never does, played by a local endpoint: what the
 * store makes of each. Decisions that Azurite can show are tested against Azurite elsewhere.
 */

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

type Script = (request: IncomingMessage, body: string) => Answer;

const started: Server[] = [];

afterEach(async () => {
  for (const server of started.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function scriptedEndpoint(script: Script): Promise<{ store: AzureTableStore; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push(`${request.method} ${request.url}`);
      const answer = script(request, Buffer.concat(chunks).toString('utf8'));
      response.writeHead(answer.status, answer.headers ?? {});
      response.end(answer.body ?? '');
    });
  });
  started.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_ACCOUNT_KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
  const store = new AzureTableStore({ kind: 'connectionString', connectionString }, 'T', {
    retry: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
  });
  return { store, requests };
}

function odataError(status: number, code: string, message: string): Answer {
  const value = `${message}\nRequestId:00000000-0000-0000-0000-000000000000\nTime:2026-12-05T12:00:00.0000000Z`;
  return {
    status,
    headers: { 'content-type': 'application/json;odata=minimalmetadata;streaming=true;charset=utf-8', 'x-ms-error-code': code },
    body: JSON.stringify({ 'odata.error': { code, message: { lang: 'en-US', value } } }),
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

const BEING_DELETED = 'The specified table is being deleted. Try operation later.';

describe('answers only Azure gives', () => {
  it('a table being deleted (409 TableBeingDeleted) fails the write as storage unavailable, not as a row another writer created', async () => {
    // Azure keeps a deleted table's name until it has removed the table: writes find no table, and making it again answers 409.
    const { store } = await scriptedEndpoint((request) =>
      request.method === 'POST' && /\/Tables$/.test(request.url ?? '')
        ? odataError(409, 'TableBeingDeleted', BEING_DELETED)
        : odataError(404, 'TableNotFound', 'The table specified does not exist.'),
    );
    const write = { op: 'create' as const, rowKey: 'r', data: { n: 1 } };
    for (const send of [() => store.commit('Rows', 'p', [write]), () => store.writeConditional('Rows', 'p', write)]) {
      expect(classifyError(await failure(send()))).toMatchObject({ kind: 'transient', code: 'TableBeingDeleted' });
    }
    // Or it answers the write itself so.
    const { store: deleting } = await scriptedEndpoint(() => odataError(409, 'TableBeingDeleted', BEING_DELETED));
    for (const send of [() => deleting.commit('Rows', 'p', [write]), () => deleting.writeConditional('Rows', 'p', write)]) {
      expect(classifyError(await failure(send()))).toMatchObject({ kind: 'transient', code: 'TableBeingDeleted' });
    }
  });

  it('a transaction answered 2xx without an answer for each operation is not taken as committed', async () => {
    const batchResponse = (body: string): Answer => ({
      status: 202,
      headers: { 'content-type': 'multipart/mixed; boundary=batchresponse_00000000-0000-0000-0000-000000000001' },
      body,
    });
    const writes = [
      { op: 'create' as const, rowKey: 'a', data: { n: 1 } },
      { op: 'create' as const, rowKey: 'b', data: { n: 2 } },
    ];
    // Nothing, a page a gateway answered, or one operation's answer for two.
    const oneAnswered =
      '--batchresponse_00000000-0000-0000-0000-000000000001\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n' +
      '--changesetresponse_2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\nETag: W/"one"\r\n\r\n' +
      '--changesetresponse_2--\r\n--batchresponse_00000000-0000-0000-0000-000000000001--\r\n';
    for (const body of ['', '<html><body>Service temporarily relayed</body></html>', oneAnswered]) {
      const { store } = await scriptedEndpoint(() => batchResponse(body));
      const error = await failure(store.commit('Rows', 'p', writes));
      expect(classifyError(error)).toMatchObject({ kind: 'failure', code: 'UnreadableTransactionAnswer' });
    }
    // A refusal of the batch as a whole, answered as a part of the batch outside any changeset.
    const { store } = await scriptedEndpoint(() =>
      batchResponse(
        '--batchresponse_00000000-0000-0000-0000-000000000001\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n' +
          'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json;odata=minimalmetadata;streaming=true;charset=utf-8\r\n\r\n' +
          '{"odata.error":{"code":"InvalidInput","message":{"lang":"en-US","value":"1:One of the request inputs is not valid.\\nRequestId:x\\nTime:y"}}}\r\n' +
          '--batchresponse_00000000-0000-0000-0000-000000000001--\r\n',
      ),
    );
    const refused = await failure(store.commit('Rows', 'p', writes));
    expect(refused).toBeInstanceOf(StorageRefusedError);
    expect(refused).toMatchObject({ code: 'InvalidInput', status: 400 });
  });

  it('a query follows continuations through pages that are short or empty, as Azure answers after 5 s of work or at a partition boundary', async () => {
    const entity = (rowKey: string) => ({ 'odata.etag': `W/"${rowKey}"`, PartitionKey: 'p', RowKey: rowKey, n: 1 });
    // Keyed by the continuation asked for: the first page is empty and goes on, as does the third.
    const pages: Record<string, { rows: string[]; next?: string }> = {
      '': { rows: [], next: '1' },
      '1': { rows: ['r1', 'r2'], next: '3' },
      '3': { rows: [], next: '4' },
      '4': { rows: ['r4'] },
    };
    const { store, requests } = await scriptedEndpoint((request) => {
      const url = new URL(request.url ?? '', 'http://x');
      const page = pages[url.searchParams.get('NextRowKey') ?? ''];
      if (!page) return odataError(400, 'InvalidInput', 'unexpected continuation');
      return {
        status: 200,
        headers: {
          'content-type': 'application/json;odata=minimalmetadata;streaming=true;charset=utf-8',
          ...(page.next ? { 'x-ms-continuation-NextPartitionKey': '1!4!cA--', 'x-ms-continuation-NextRowKey': page.next } : {}),
        },
        body: JSON.stringify({ 'odata.metadata': 'x', value: page.rows.map(entity) }),
      };
    });
    const rows: string[] = [];
    for await (const row of store.query('Rows', undefined)) rows.push(row.rowKey);
    expect(rows).toEqual(['r1', 'r2', 'r4']);
    expect(requests).toHaveLength(4);
    expect([...(await store.readPartition('Rows', 'p')).keys()]).toEqual(['r1', 'r2', 'r4']);
    // Many keys: the partition's pages while they are cheaper, then the keys not found yet by name; an empty page is no end.
    const asked = Array.from({ length: 60 }, (_, i) => `r${i}`);
    expect([...(await store.readRows('Rows', 'p', asked)).keys()].sort()).toEqual(['r1', 'r2', 'r4']);
  });
});
