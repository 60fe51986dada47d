import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { rng } from '../../support/random.js';

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
  /** Where a reset mid-response cuts the answer: halfway through the body (default), or at a random byte (inside the status line and headers when the answer has no body, as a HEAD's). */
  cut?: 'half' | 'random';
  /**
   * Statuses a rejection answers with, one picked at random (default 503 and 429). Blob storage throttles
   * with 503 ServerBusy and 500 OperationTimedOut, never 429 (which the blob SDK does not retry).
   */
  rejectStatuses?: readonly number[];
  /** Other shares per kind of request (e.g. ranged reads, properties, listings of the blob endpoint); requests of kinds not listed use the plan's own shares. */
  profile?: ChaosProfile;
}

/** The fault shares of one kind of request. */
export type ChaosShares = Pick<ChaosPlan, 'reject' | 'resetMidRequest' | 'resetMidResponse' | 'loseAnswer' | 'delay' | 'maxDelayMs'>;

export interface ChaosProfile {
  classify(req: IncomingMessage): string;
  shares: Record<string, ChaosShares>;
}

/** Where the resets mid-response of a `cut: 'random'` plan landed. */
export interface ChaosCuts {
  /** Inside the status line or headers: the client never got an answer. */
  inHeaders: number;
  /** After the headers and at least one byte of the body, before its last byte. */
  midBody: number;
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
  /** The same counts per kind of request (only with a `profile`). */
  byKind: Record<string, ChaosCounts>;
  cuts: ChaosCuts;
  /** The same per kind of request (only with a `profile`). */
  cutsByKind: Record<string, ChaosCuts>;
  /** Requests answered 503 during outages. */
  outageAnswers(): number;
  /** Every request answered 503 for `ms` from now (an outage longer than the clients' retries). */
  outage(ms: number): void;
  /** Faults injected so far (every kind but plain delays). */
  faults(): number;
  /** Turns faults off (for the verification reads) or on again. */
  setEnabled(enabled: boolean): void;
  close(): Promise<void>;
}

const ERROR_CODES: Record<number, string> = { 503: 'ServerBusy', 429: 'TooManyRequests', 500: 'OperationTimedOut' };

export const DEFAULT_CHAOS: Omit<ChaosPlan, 'seed'> = {
  reject: 0.06,
  resetMidRequest: 0.04,
  resetMidResponse: 0.04,
  loseAnswer: 0.04,
  delay: 0.2,
  maxDelayMs: 40,
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
  const byKind: Record<string, ChaosCounts> = {};
  const cuts: ChaosCuts = { inHeaders: 0, midBody: 0 };
  const cutsByKind: Record<string, ChaosCuts> = {};
  let outageUntil = 0;
  let outageAnswers = 0;

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, after: 'pass' | 'reset' | 'lose', cutAt = 0.5, kind?: string): void => {
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
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
        if (after === 'reset' && plan.cut === 'random') {
          const socket = res.socket;
          if (data.length < 2 || req.method === 'HEAD') {
            // No body to cut: the status line and headers are cut instead.
            cuts.inHeaders++;
            if (kind !== undefined) (cutsByKind[kind] ??= { inHeaders: 0, midBody: 0 }).inHeaders++;
            const head = rawHead(answer);
            // Destroyed once the bytes are handed to the kernel, so that they do reach the client.
            if (socket) socket.write(head.subarray(0, 1 + Math.floor(cutAt * (head.length - 1))), () => socket.destroy());
            return;
          }
          // The headers (with the full Content-Length), then body bytes [0, n) with 0 < n < length, then the connection dies.
          cuts.midBody++;
          if (kind !== undefined) (cutsByKind[kind] ??= { inHeaders: 0, midBody: 0 }).midBody++;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.flushHeaders();
          res.write(data.subarray(0, 1 + Math.floor(cutAt * (data.length - 1))), () => socket?.destroy());
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
    });
    upstream.on('error', () => res.socket?.destroy());
    upstream.end(body);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!enabled) {
      counts.passed++;
      collect(req, (body) => forward(req, res, body, 'pass'));
      return;
    }
    if (Date.now() < outageUntil) {
      outageAnswers++;
      req.resume();
      res.writeHead(503, { 'Content-Type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>injected outage</Message></Error>');
      return;
    }
    const kind = plan.profile?.classify(req);
    const shares: ChaosShares = (kind === undefined ? undefined : plan.profile?.shares[kind]) ?? plan;
    const tally =
      kind === undefined ? undefined : (byKind[kind] ??= { rejected: 0, resetMidRequest: 0, resetMidResponse: 0, lostAnswers: 0, delayed: 0, passed: 0 });
    const roll = random();
    const delayMs = random() < shares.delay ? Math.floor(random() * shares.maxDelayMs) : 0;
    if (delayMs > 0) {
      counts.delayed++;
      if (tally) tally.delayed++;
    }
    let edge = shares.reject;
    if (roll < edge) {
      counts.rejected++;
      if (tally) tally.rejected++;
      const statuses = plan.rejectStatuses;
      const status = statuses ? (statuses[Math.floor(random() * statuses.length)] ?? 503) : random() < 0.5 ? 503 : 429;
      req.resume();
      setTimeout(() => {
        res.writeHead(status, { 'Content-Type': 'application/xml', 'Retry-After': '0' });
        res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${ERROR_CODES[status] ?? 'InternalError'}</Code><Message>injected</Message></Error>`);
      }, delayMs);
      return;
    }
    if (roll < (edge += shares.resetMidRequest)) {
      counts.resetMidRequest++;
      if (tally) tally.resetMidRequest++;
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
    const after: 'pass' | 'reset' | 'lose' = roll < (edge += shares.resetMidResponse) ? 'reset' : roll < edge + shares.loseAnswer ? 'lose' : 'pass';
    const outcome = after === 'reset' ? 'resetMidResponse' : after === 'lose' ? 'lostAnswers' : 'passed';
    counts[outcome]++;
    if (tally) tally[outcome]++;
    // Drawn now, in arrival order, so that a seed replays the same cuts as far as arrival order allows.
    const cutAt = after === 'reset' && plan.cut === 'random' ? random() : 0.5;
    collect(req, (body) => setTimeout(() => forward(req, res, body, after, cutAt, kind), delayMs));
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
    byKind,
    cuts,
    cutsByKind,
    outageAnswers: () => outageAnswers,
    outage: (ms) => {
      outageUntil = Date.now() + ms;
    },
    faults: () => counts.rejected + counts.resetMidRequest + counts.resetMidResponse + counts.lostAnswers + outageAnswers,
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

/** The status line and headers of an answer as they go on the wire. */
function rawHead(answer: IncomingMessage): Buffer {
  let head = `HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}\r\n`;
  for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) head += `${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}\r\n`;
  return Buffer.from(head + '\r\n');
}

function collect(req: IncomingMessage, done: (body: Buffer) => void): void {
  const parts: Buffer[] = [];
  req.on('data', (chunk: Buffer) => parts.push(chunk));
  req.on('end', () => done(Buffer.concat(parts)));
  req.on('error', () => {});
}
