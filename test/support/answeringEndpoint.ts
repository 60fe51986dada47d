import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The published key of Azurite's development account: it opens local emulators only. */
export const DEV_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const started: Server[] = [];

/** Closes every endpoint the test started (an afterEach). */
export async function closeEndpoints(): Promise<void> {
  for (const server of started.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * A local table or blob endpoint whose every answer is `status`, with that service's error body
 * (OData JSON, or XML), after `delayMs`; counts the requests it gets.
 */
export async function answeringEndpoint(service: 'table' | 'blob', status: number, delayMs = 0): Promise<{ connectionString: string; requests: () => number }> {
  let requests = 0;
  const code = status === 404 ? (service === 'table' ? 'ResourceNotFound' : 'BlobNotFound') : 'ServerBusy';
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    setTimeout(() => {
      if (service === 'table') {
        response.writeHead(status, { 'content-type': 'application/json;odata=minimalmetadata' });
        response.end(JSON.stringify({ 'odata.error': { code, message: { lang: 'en-US', value: 'x' } } }));
      } else {
        response.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code });
        response.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>x</Message></Error>`);
      }
    }, delayMs);
  });
  started.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = service === 'table' ? 'TableEndpoint' : 'BlobEndpoint';
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${DEV_ACCOUNT_KEY};${endpoint}=http://127.0.0.1:${port}/devstoreaccount1;`,
    requests: () => requests,
  };
}
