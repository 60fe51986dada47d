import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListedLogFile, LogFileRef, LogFileStat, LogSource } from '../../src/lib/storage/LogSource.js';

/** A log source whose reads of the files `poisoned` names throw, as a file that breaks the product would. */
export class PoisonedSource implements LogSource {
  readonly poisoned = new Set<string>();
  failures = 0;

  constructor(private readonly inner: LogSource) {}

  stat(file: LogFileRef): Promise<LogFileStat | null> {
    return this.inner.stat(file);
  }

  async read(file: LogFileRef, start: number, end: number): Promise<Buffer> {
    if (this.poisoned.has(file.path)) {
      this.failures++;
      throw new Error(`injected failure reading ${file.path}`);
    }
    return this.inner.read(file, start, end);
  }

  list(container: string, prefix?: string): AsyncIterable<ListedLogFile> {
    return this.inner.list(container, prefix);
  }
}

export interface RefusingProxy {
  port: number;
  refused: number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of Azurite's table endpoint that answers 400 to every batch transaction whose
 * body holds `marker` (as storage refuses a write it cannot take), and forwards everything else.
 */
export async function startRefusingProxy(targetPort: number, marker: string): Promise<RefusingProxy> {
  const state = { refused: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // Its records' rows, and then the quarantine entries that would hold them: storage takes nothing of that file.
      const url = req.url ?? '';
      if ((url.includes('$batch') || (url.includes('Quarantine') && req.method !== 'GET')) && body.includes(marker)) {
        state.refused++;
        res.writeHead(400, { 'Content-Type': 'application/json', 'x-ms-error-code': 'InvalidInput' });
        res.end(JSON.stringify({ 'odata.error': { code: 'InvalidInput', message: { lang: 'en-US', value: 'injected: one of the request inputs is not valid' } } }));
        return;
      }
      const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get refused() {
      return state.refused;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
