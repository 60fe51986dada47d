import { afterEach, describe, expect, it } from 'vitest';
import { AzureTableStore } from '../../src/lib/storage/TableStore.js';
import { answeringEndpoint, closeEndpoints } from '../support/answeringEndpoint.js';

/** Long back-off: a request retried through it takes over 20 s, so a quick end can only be the give-up. */
const SLOW_RETRY = { maxRetries: 6, retryDelayInMs: 4000, maxRetryDelayInMs: 8000 };

afterEach(closeEndpoints);

const endpoint = (status: number, delayMs = 0) => answeringEndpoint('table', status, delayMs);

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
