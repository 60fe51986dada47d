import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleQuery } from '../../src/lib/http/handlers.js';
import { SharedEvaluations } from '../../src/lib/http/sharedEvaluations.js';
import { silentLogger } from '../../src/lib/logging.js';
import { AbortableReads } from '../../src/lib/storage/abortableReads.js';
import { BlobLogSource } from '../../src/lib/storage/BlobLogSource.js';
import { classifyError } from '../../src/lib/storage/errors.js';
import { AzureTableStore } from '../../src/lib/storage/TableStore.js';
import { newTableStore, uniquePrefix } from '../support/storage.js';

/** Storage that takes every connection and never answers (a stalled proxy, a frozen emulator). */
let blackHole: Server;
let connections = 0;
const sockets = new Set<Socket>();
let port = 0;

beforeAll(async () => {
  blackHole = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  port = (blackHole.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => blackHole.close(() => resolve()));
});

function blackHoleStore(tryTimeoutMs = { read: 300, write: 300 }): AzureTableStore {
  const connectionString =
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
    'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
    `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
  return new AzureTableStore({ kind: 'connectionString', connectionString }, uniquePrefix(), {
    retry: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 10 },
    tryTimeoutMs,
  });
}

describe('storage that takes the connection and never answers', () => {
  it('fails each attempt after its timeout, tries again, then fails as storage unavailable', async () => {
    const before = connections;
    const started = Date.now();
    const error = await blackHoleStore()
      .getRow('Rooms', 'p', 'r')
      .then(
        () => undefined,
        (failure: unknown) => failure,
      );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(classifyError(error)).toMatchObject({ kind: 'transient', code: 'ETIMEDOUT' });
    // Creating the table is the first request (tried three times); the read is not sent after it failed.
    expect(connections - before).toBeGreaterThanOrEqual(3);
  });

  it('a blob read fails after its attempts time out, as storage unavailable', async () => {
    const source = new BlobLogSource(
      {
        kind: 'connectionString',
        connectionString:
          'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
          'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
          `BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
      },
      { maxTries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 10, tryTimeoutMs: { read: 300, write: 300 } },
    );
    const started = Date.now();
    for (const attempt of [
      () => source.read({ container: 'insights-logs-usage', path: 'a/PT1H.json' }, 0, 10),
      () => source.stat({ container: 'insights-logs-usage', path: 'a/PT1H.json' }),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(classifyError(error)).toMatchObject({ kind: 'transient', code: 'ETIMEDOUT' });
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a read in flight stops being waited for as soon as its signal aborts, a query too', async () => {
    const stop = new AbortController();
    const store = new AbortableReads(blackHoleStore({ read: 600_000, write: 600_000 }), stop.signal);
    const read = store.getRow('Rooms', 'p', 'r').catch((failure: unknown) => failure);
    const rows = (async () => {
      for await (const row of store.query('Rooms', undefined)) return row;
      return undefined;
    })().catch((failure: unknown) => failure);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    stop.abort(new Error('nobody waits any more'));
    expect(await read).toEqual(new Error('nobody waits any more'));
    expect(await rows).toEqual(new Error('nobody waits any more'));
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('abandoned evaluations free their turns: once storage answers again, every view is answered, not only those never asked', async () => {
    const evaluations = new SharedEvaluations(2);
    const hung = blackHoleStore({ read: 600_000, write: 600_000 });
    let tables: AzureTableStore = hung;
    const deps = { tables: () => tables, logger: silentLogger, evaluations };
    // Two clients ask for whole views while storage hangs, and give up.
    const gone = ['rooms', 'usage'].map((view) => {
      const client = new AbortController();
      const answer = handleQuery(view, new URLSearchParams(), () => null, deps, '', client.signal);
      return { client, answer };
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const { client } of gone) client.abort();
    for (const { answer } of gone) expect((await answer).status).toBe(503);
    // Storage is back.
    tables = newTableStore() as AzureTableStore;
    const started = Date.now();
    for (const view of ['rooms', 'usage', 'retirement']) {
      expect((await handleQuery(view, new URLSearchParams(), () => null, deps)).status, view).toBe(200);
    }
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
