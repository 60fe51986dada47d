import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { rng } from '../../support/roomsLogs.js';

/** Shares (0..1) of requests that meet each fault; the rest pass through untouched. */
export interface ChaosPlan {
  /** Answered 503 or 429 without reaching storage. */
  reject: number;
  /** Connection reset while the request is being received: storage never sees it. */
  resetMidRequest: number;
  /** Forwarded and applied by storage, then the connection is reset halfway through the answer. */
  resetMidResponse: number;
  /** Forwarded and applied by storage, the answer replaced by a 503 (a write that "failed" but happened). */
  loseAnswer: number;
  /** Share of requests delayed by up to `maxDelayMs` (before forwarding). */
  delay: number;
  maxDelayMs: number;
  seed: number;
}

export interface ChaosCounts {
  rejected: number;
  resetMidRequest: number;
  resetMidResponse: number;
  lostAnswers: number;
  delayed: number;
  passed: number;
}

export interface ChaosProxy {
  port: number;
  counts: ChaosCounts;
  /** Faults injected so far (every kind but plain delays). */
  faults(): number;
  /** Turns faults off (for the verification reads) or on again. */
  setEnabled(enabled: boolean): void;
  close(): Promise<void>;
}

export const DEFAULT_CHAOS: Omit<ChaosPlan, 'seed'> = {
  reject: 0.06, resetMidRequest: 0.04, resetMidResponse: 0.04, loseAnswer: 0.04, delay: 0.2, maxDelayMs: 40,
};

/**
 * An HTTP proxy in front of Azurite (tables or blobs) that throttles (429), fails (503), delays,
 * resets connections mid-request (the request never reaches storage) and mid-response (it did:
 * the client retries a write that already took effect), or replaces an answer by a 503.
 */
export async function startChaosProxy(targetPort: number, plan: ChaosPlan): Promise<ChaosProxy> {
  const random = rng(plan.seed);
  const counts: ChaosCounts = { rejected: 0, resetMidRequest: 0, resetMidResponse: 0, lostAnswers: 0, delayed: 0, passed: 0 };
  let enabled = true;
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, after: 'pass' | 'reset' | 'lose'): void => {
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('error', () => res.socket?.destroy());
        answer.on('end', () => {
          const data = Buffer.concat(parts);
          if (after === 'lose') {
            res.writeHead(503, { 'Content-Type': 'application/xml' });
            res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>injected after write</Message></Error>');
            return;
          }
          if (after === 'reset') {
            // Status line and headers go out, then half the body, then the connection dies.
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.flushHeaders();
            if (data.length > 1) res.write(data.subarray(0, data.length >> 1));
            setImmediate(() => res.socket?.destroy());
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(data);
        });
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    upstream.end(body);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!enabled) {
      counts.passed++;
      collect(req, (body) => forward(req, res, body, 'pass'));
      return;
    }
    const roll = random();
    const delayMs = random() < plan.delay ? Math.floor(random() * plan.maxDelayMs) : 0;
    if (delayMs > 0) counts.delayed++;
    let edge = plan.reject;
    if (roll < edge) {
      counts.rejected++;
      const status = random() < 0.5 ? 503 : 429;
      req.resume();
      setTimeout(() => {
        res.writeHead(status, { 'Content-Type': 'application/xml', 'Retry-After': '0' });
        res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${status === 503 ? 'ServerBusy' : 'TooManyRequests'}</Code><Message>injected</Message></Error>`);
      }, delayMs);
      return;
    }
    if (roll < (edge += plan.resetMidRequest)) {
      counts.resetMidRequest++;
      // Reset once part of the request is in (or at once when it has no body).
      let done = false;
      const kill = (): void => {
        if (done) return;
        done = true;
        req.socket.destroy();
      };
      req.once('data', kill);
      req.once('end', kill);
      setTimeout(kill, 5);
      return;
    }
    const after: 'pass' | 'reset' | 'lose' =
      roll < (edge += plan.resetMidResponse) ? 'reset' : roll < edge + plan.loseAnswer ? 'lose' : 'pass';
    if (after === 'reset') counts.resetMidResponse++;
    else if (after === 'lose') counts.lostAnswers++;
    else counts.passed++;
    collect(req, (body) => setTimeout(() => forward(req, res, body, after), delayMs));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    faults: () => counts.rejected + counts.resetMidRequest + counts.resetMidResponse + counts.lostAnswers,
    setEnabled: (value) => {
      enabled = value;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function collect(req: IncomingMessage, done: (body: Buffer) => void): void {
  const parts: Buffer[] = [];
  req.on('data', (chunk: Buffer) => parts.push(chunk));
  req.on('end', () => done(Buffer.concat(parts)));
  req.on('error', () => {});
}
