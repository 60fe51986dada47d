import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BlobLogSource } from '../../src/lib/storage/BlobLogSource.js';
import { classifyError } from '../../src/lib/storage/errors.js';
import { portOf, startFaultProxy, withPorts, type FaultProxy } from '../support/faultProxy.js';
import { appendToBlob, azuriteConnectionString, newContainer, TEST_BLOB_RETRY } from '../support/storage.js';

const proxies: FaultProxy[] = [];
afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
});

/** A blob of 600 KiB behind a proxy whose first `stalled` answers to reads stop after 64 KiB of body. */
async function stallingBlob(stalled: number): Promise<{ source: BlobLogSource; file: { container: string; path: string }; bytes: Buffer; proxy: FaultProxy }> {
  const container = await newContainer();
  const path = 'resourceId=/SUBSCRIPTIONS/S/y=2024/m=05/d=25/h=04/m=00/PT1H.json';
  const bytes = randomBytes(600 * 1024);
  await appendToBlob(container, path, bytes);
  const proxy = await startFaultProxy(portOf(azuriteConnectionString(), 'Blob'), {
    rejectBefore: 0,
    loseAnswer: 0,
    seed: 1,
    stallBodies: { answers: stalled, afterBytes: 64 * 1024 },
  });
  proxies.push(proxy);
  const connectionString = withPorts(azuriteConnectionString(), { blob: proxy.port });
  const source = new BlobLogSource({ kind: 'connectionString', connectionString }, { ...TEST_BLOB_RETRY, bodyIdleMs: 400 });
  return { source, file: { container: container.containerName, path }, bytes, proxy };
}

describe('a blob read whose body stops coming', () => {
  it('is asked for again after the body sends nothing for a while, and returns every byte', async () => {
    const { source, file, bytes, proxy } = await stallingBlob(1);
    const started = Date.now();
    const read = await source.read(file, 1000, bytes.length);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(proxy.injected.stalled).toBe(1);
    expect(read.equals(bytes.subarray(1000))).toBe(true);
    expect(source.usage.bytesRead).toBe(bytes.length - 1000);
  });

  it('fails as storage unavailable (a timed-out connection) when every answer stalls, in bounded time', async () => {
    const { source, file, bytes, proxy } = await stallingBlob(1_000);
    const started = Date.now();
    const error = await source.read(file, 0, bytes.length).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(classifyError(error)).toMatchObject({ kind: 'transient', code: 'ETIMEDOUT' });
    expect(String((error as Error).message)).toMatch(/sent nothing of .*PT1H\.json for 0\.4 s/);
    // Asked for a few times, each after its body stalled: not once, not for ever.
    expect(proxy.injected.stalled).toBeGreaterThan(1);
    expect(proxy.injected.stalled).toBeLessThan(40);
  });
});
