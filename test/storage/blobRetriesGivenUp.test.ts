import { afterEach, describe, expect, it } from 'vitest';
import { BlobLogSource } from '../../src/lib/storage/BlobLogSource.js';
import { answeringEndpoint, closeEndpoints } from '../support/answeringEndpoint.js';

/** Long back-off: a read retried through it takes over 20 s, so a quick end can only be the give-up. */
const SLOW_RETRY = { maxTries: 6, retryDelayInMs: 4000, maxRetryDelayInMs: 8000 };
const FILE = { container: 'insights-logs-usage', path: 'resourceId=/SUBSCRIPTIONS/S/y=2024/m=05/d=25/h=04/m=00/PT1H.json' };

afterEach(closeEndpoints);

const endpoint = (status: number, delayMs = 0) => answeringEndpoint('blob', status, delayMs);

function source(connectionString: string, giveUp?: AbortSignal): BlobLogSource {
  return new BlobLogSource({ kind: 'connectionString', connectionString }, SLOW_RETRY, giveUp);
}

describe('blob reads: retries given up (watch stopping)', () => {
  it('a read in back-off ends at once with its last failure, not an abort, and is not sent again', async () => {
    const busy = await endpoint(503);
    const giveUp = new AbortController();
    const started = Date.now();
    const outcome = source(busy.connectionString, giveUp.signal)
      .read(FILE, 0, 100)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    // The blob SDK tries again at once after the first failure, then backs off (4 s here).
    while (busy.requests() < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    giveUp.abort();
    const error = (await outcome) as { name?: string; statusCode?: number } | undefined;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error?.name).not.toBe('AbortError');
    expect(error?.statusCode).toBe(503);
    expect(busy.requests()).toBe(2);
  });

  it('a read that fails after the give-up is not retried; one that has not failed is left to finish', async () => {
    const busy = await endpoint(503, 200);
    const giveUp = new AbortController();
    giveUp.abort();
    await expect(source(busy.connectionString, giveUp.signal).stat(FILE)).rejects.toMatchObject({ statusCode: 503 });
    expect(busy.requests()).toBe(1);
    const slow = await endpoint(404, 800);
    const later = new AbortController();
    const stat = source(slow.connectionString, later.signal).stat(FILE);
    await new Promise((resolve) => setTimeout(resolve, 100));
    later.abort();
    await expect(stat).resolves.toBeNull();
  });

  it('without a give-up, the SDK retries as before', async () => {
    const busy = await endpoint(503);
    const quick = new BlobLogSource(
      { kind: 'connectionString', connectionString: busy.connectionString },
      { maxTries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
    );
    await expect(quick.read(FILE, 0, 100)).rejects.toMatchObject({ statusCode: 503 });
    expect(busy.requests()).toBe(3);
  });
});
