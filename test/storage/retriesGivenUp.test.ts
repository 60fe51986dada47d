import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AzureTableStore } from '../../src/lib/storage/TableStore.js';

const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** Long back-off: a request retried through it takes over 20 s, so a quick end can only be the give-up. */
const SLOW_RETRY = { maxRetries: 6, retryDelayInMs: 4000, maxRetryDelayInMs: 8000 };

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A table endpoint whose every answer is `status` (with an OData error body), after `delayMs`; counts requests. */
async function endpoint(status: number, delayMs = 0): Promise<{ connectionString: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    setTimeout(() => {
      response.writeHead(status, { 'content-type': 'application/json;odata=minimalmetadata' });
      response.end(JSON.stringify({ 'odata.error': { code: status === 404 ? 'ResourceNotFound' : 'ServerBusy', message: { lang: 'en-US', value: 'x' } } }));
    }, delayMs);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
    requests: () => requests,
  };
}

function store(connectionString: string, giveUpRetries: AbortSignal): AzureTableStore {
  return new AzureTableStore({ kind: 'connectionString', connectionString }, 'T', { retry: SLOW_RETRY, giveUpRetries });
}

describe('retries given up (watch stopping)', () => {
  it('a request in back-off ends at once with its last failure, not an abort, and is not sent again', async () => {
    const busy = await endpoint(503);
    const giveUp = new AbortController();
    const started = Date.now();
    const read = store(busy.connectionString, giveUp.signal).getRow('Files', 'p', 'r');
    const outcome = read.then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(busy.requests()).toBe(1);
    giveUp.abort();
    const error = (await outcome) as { name?: string; statusCode?: number } | undefined;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error?.name).not.toBe('AbortError');
    expect(error?.statusCode).toBe(503);
    expect(busy.requests()).toBe(1);
  });

  it('a request that fails after the give-up is not retried', async () => {
    const busy = await endpoint(503, 200);
    const giveUp = new AbortController();
    giveUp.abort();
    const started = Date.now();
    await expect(store(busy.connectionString, giveUp.signal).getRow('Files', 'p', 'r')).rejects.toMatchObject({ statusCode: 503 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(busy.requests()).toBe(1);
  });

  it('a request that has not failed is left to finish', async () => {
    const slow = await endpoint(404, 800);
    const giveUp = new AbortController();
    const read = store(slow.connectionString, giveUp.signal).getRow('Files', 'p', 'r');
    await new Promise((resolve) => setTimeout(resolve, 100));
    giveUp.abort();
    await expect(read).resolves.toBeUndefined();
  });

  it('without a give-up, the SDK retries as before', async () => {
    const busy = await endpoint(503);
    const quick = new AzureTableStore({ kind: 'connectionString', connectionString: busy.connectionString }, 'T', {
      retry: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
    });
    await expect(quick.getRow('Files', 'p', 'r')).rejects.toMatchObject({ statusCode: 503 });
    expect(busy.requests()).toBe(3);
  });
});
