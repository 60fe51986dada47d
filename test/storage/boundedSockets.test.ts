import { createServer as createHttpServer, get } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { AccountSASPermissions, BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { MAX_STORAGE_SOCKETS, storageAgentFor } from '../../src/lib/storage/boundedSockets.js';
import { portOf, withPorts } from '../support/faultProxy.js';
import { appendToBlob, azuriteConnectionString, newBlobSource, newContainer, newTableStore } from '../support/storage.js';

/** A TCP relay in front of one Azurite port that counts the connections open at once. */
async function countingRelay(targetPort: number): Promise<{ port: number; mostAtOnce: () => number; close: () => Promise<void> }> {
  let open = 0;
  let most = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    open++;
    most = Math.max(most, open);
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const done = (): void => {
      if (sockets.delete(client)) open--;
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', done).on('error', done);
    upstream.on('close', done).on('error', done);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    mostAtOnce: () => most,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('connections to storage', () => {
  it(`blob reads and table reads each keep at most ${MAX_STORAGE_SOCKETS} connections open, however many are asked at once`, async () => {
    const connection = azuriteConnectionString();
    const container = await newContainer(connection);
    const path = 'resourceId=/S/R/y=2024/m=05/d=25/h=01/m=00/PT1H.json';
    await appendToBlob(container, path, '{"a":1}\n');
    const blobRelay = await countingRelay(portOf(connection, 'Blob'));
    const tableRelay = await countingRelay(portOf(connection, 'Table'));
    try {
      const relayed = withPorts(connection, { blob: blobRelay.port, table: tableRelay.port });
      const source = newBlobSource(relayed);
      const reads = await Promise.all(Array.from({ length: 300 }, () => source.read({ container: container.containerName, path }, 0, 8)));
      expect(reads.every((bytes) => bytes.toString('utf8') === '{"a":1}\n')).toBe(true);
      expect(blobRelay.mostAtOnce()).toBeGreaterThan(1);
      expect(blobRelay.mostAtOnce()).toBeLessThanOrEqual(MAX_STORAGE_SOCKETS);

      const tables = newTableStore(relayed);
      await tables.ensureTable('Sockets');
      const rows = await Promise.all(Array.from({ length: 300 }, (_, i) => tables.getRow('Sockets', 'p', `r${i}`)));
      expect(rows.every((row) => row === undefined)).toBe(true);
      expect(tableRelay.mostAtOnce()).toBeLessThanOrEqual(MAX_STORAGE_SOCKETS);
    } finally {
      await blobRelay.close();
      await tableRelay.close();
    }
  });

  it('a SAS connection string still reads: the reading client keeps the SAS of the URL it was given', async () => {
    const connection = azuriteConnectionString();
    const container = await newContainer(connection);
    const path = 'resourceId=/S/R/y=2024/m=05/d=25/h=02/m=00/PT1H.json';
    await appendToBlob(container, path, '{"b":2}\n');
    const sasUrl = BlobServiceClient.fromConnectionString(connection).generateAccountSasUrl(
      new Date(Date.now() + 3_600_000),
      AccountSASPermissions.parse('rl'),
      'sco',
    );
    const url = new URL(sasUrl);
    const sasConnection = `BlobEndpoint=${url.origin}${url.pathname.replace(/\/$/, '')};SharedAccessSignature=${url.search.slice(1)}`;
    const source = newBlobSource(sasConnection);
    expect((await source.read({ container: container.containerName, path }, 0, 8)).toString('utf8')).toBe('{"b":2}\n');
    expect(await source.containerExists(container.containerName)).toBe(true);
  });

  it("closes an idle connection before the server does (its Keep-Alive hint, Azurite's 5 s): a request is not sent on a connection being closed", async () => {
    const server = createHttpServer((_request, response) => response.end('ok'));
    // The server closes idle connections after 2 s and says so (Keep-Alive: timeout=2): the client closes them after 1 s.
    server.keepAliveTimeout = 2_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/`;
    const agent = storageAgentFor(url);
    // This server's idle connections only: the agent also keeps the earlier tests' connections to Azurite, which close meanwhile.
    const idle = (): number =>
      Object.entries(agent.freeSockets)
        .filter(([name]) => name.startsWith(`127.0.0.1:${port}:`))
        .flatMap(([, sockets]) => sockets ?? []).length;
    try {
      const before = idle();
      await new Promise<void>((resolve, reject) => get(url, { agent }, (response) => response.resume().on('end', resolve)).on('error', reject));
      expect(idle()).toBe(before + 1);
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      expect(idle()).toBe(before);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
