import { createServer, request, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rng } from './random.js';

export interface FaultPlan {
  /** Share of requests answered 503 or 429 without reaching storage. */
  rejectBefore: number;
  /** Share of requests that reach storage (and take effect) but whose answer is replaced by a 503. */
  loseAnswer: number;
  seed: number;
  /**
   * Answers 400 InvalidInput, as storage refuses a write it cannot take, to every table batch whose
   * body holds this text, and to every write of quarantine entries holding it.
   */
  refuseWritesHolding?: string;
  /** The first `answers` answers to GETs send their headers and `afterBytes` bytes of body, then nothing more, connection open. */
  stallBodies?: { answers: number; afterBytes: number };
  /** The first write to a quarantine table (alone or in a transaction) waits for this before it is sent on: a command held in the middle of its work. */
  holdFirstQuarantineWrite?: Promise<void>;
  /** The first `n` writes of quarantine entries (alone or in a transaction) take effect, and their answers are replaced by a 503: the client sends them again. */
  loseQuarantineWriteAnswers?: number;
}

/** Passes every request through: a proxy that only goes down and comes back. */
const NO_FAULTS: FaultPlan = { rejectBefore: 0, loseAnswer: 0, seed: 1 };

export interface FaultProxy {
  port: number;
  injected: { before: number; after: number; passed: number; refused: number; stalled: number; held: number; lostWrites: number };
  /** Storage goes away: open connections are reset and new ones refused, as when Azurite stops. */
  down(): Promise<void>;
  /** Storage is back on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of one Azurite endpoint. By plan, it throttles (429), fails (503) and,
 * worse, lets a write happen and then reports it failed, so that clients retry writes that already
 * took effect; it refuses chosen writes (400); and it can be taken down (connections reset, new ones refused) and brought back on
 * the same port.
 */
export async function startFaultProxy(targetPort: number, plan: FaultPlan = NO_FAULTS): Promise<FaultProxy> {
  const random = rng(plan.seed);
  const injected = { before: 0, after: 0, passed: 0, refused: 0, stalled: 0, held: 0, lostWrites: 0 };
  const upstreams = new Set<ClientRequest>();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const hold = plan.holdFirstQuarantineWrite;
    if (hold !== undefined && injected.held === 0 && req.method !== 'GET' && (req.url ?? '').includes('Quarantine')) {
      injected.held++;
      void hold.then(() => handle(req, res));
      return;
    }
    const toLose = plan.loseQuarantineWriteAnswers ?? 0;
    if (injected.lostWrites < toLose && req.method !== 'GET' && (req.url ?? '').includes('Quarantine')) {
      injected.lostWrites++;
      forward(req, res, req, true);
      return;
    }
    // A transaction names its table in its body only: read it to know whether it writes quarantine entries.
    if (((hold !== undefined && injected.held === 0) || injected.lostWrites < toLose) && (req.url ?? '').includes('$batch')) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (hold !== undefined && injected.held === 0 && body.includes('Quarantine(')) {
          injected.held++;
          void hold.then(() => forward(req, res, body));
        } else if (injected.lostWrites < toLose && body.includes('Quarantine(')) {
          injected.lostWrites++;
          forward(req, res, body, true);
        } else forward(req, res, body);
      });
      return;
    }
    const marker = plan.refuseWritesHolding;
    if (marker === undefined) {
      forward(req, res, req);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '';
      if ((url.includes('$batch') || (url.includes('Quarantine') && req.method !== 'GET')) && body.includes(marker)) {
        injected.refused++;
        res.writeHead(400, { 'Content-Type': 'application/json', 'x-ms-error-code': 'InvalidInput' });
        res.end(
          JSON.stringify({ 'odata.error': { code: 'InvalidInput', message: { lang: 'en-US', value: 'injected: one of the request inputs is not valid' } } }),
        );
        return;
      }
      forward(req, res, body);
    });
  };
  /** Sends the request on (its body streamed, or already read) unless the plan fails it. */
  const forward = (req: IncomingMessage, res: ServerResponse, body: IncomingMessage | Buffer, mustLoseAnswer = false): void => {
    const roll = random();
    if (!mustLoseAnswer && roll < plan.rejectBefore) {
      injected.before++;
      if (!Buffer.isBuffer(body)) body.resume();
      const status = random() < 0.5 ? 503 : 429;
      res.writeHead(status, { 'Content-Type': 'application/xml', 'Retry-After': '0' });
      res.end(
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${status === 503 ? 'ServerBusy' : 'TooManyRequests'}</Code><Message>injected</Message></Error>`,
      );
      return;
    }
    const loseAnswer = mustLoseAnswer || roll < plan.rejectBefore + plan.loseAnswer;
    const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (loseAnswer) {
        injected.after++;
        answer.resume();
        answer.on('end', () => {
          res.writeHead(503, { 'Content-Type': 'application/xml' });
          res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>injected after write</Message></Error>');
        });
        return;
      }
      const stall = plan.stallBodies;
      if (stall !== undefined && req.method === 'GET' && injected.stalled < stall.answers) {
        injected.stalled++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          const room = stall.afterBytes - sent;
          if (room > 0) res.write(chunk.subarray(0, room));
          sent += chunk.length;
        });
        return;
      }
      injected.passed++;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstreams.add(upstream);
    upstream.on('close', () => upstreams.delete(upstream));
    upstream.on('error', () => {
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502);
        res.end();
      }
    });
    if (Buffer.isBuffer(body)) upstream.end(body);
    else body.pipe(upstream);
  };

  let server: Server | undefined;
  let port = 0;
  const up = async (): Promise<void> => {
    const next = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  const down = async (): Promise<void> => {
    const current = server;
    server = undefined;
    for (const upstream of upstreams) upstream.destroy();
    upstreams.clear();
    if (!current) return;
    current.closeAllConnections();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await up();
  return { port, injected, down, up, close: down };
}

/** The connection string with the table and blob endpoints pointed at other ports. */
export function withPorts(connectionString: string, ports: { table?: number; blob?: number }): string {
  let result = connectionString;
  if (ports.table) result = result.replace(/(TableEndpoint=http:\/\/127\.0\.0\.1:)\d+/, `$1${ports.table}`);
  if (ports.blob) result = result.replace(/(BlobEndpoint=http:\/\/127\.0\.0\.1:)\d+/, `$1${ports.blob}`);
  return result;
}

export function portOf(connectionString: string, endpoint: 'Table' | 'Blob'): number {
  const match = new RegExp(`${endpoint}Endpoint=http://127\\.0\\.0\\.1:(\\d+)`).exec(connectionString);
  if (!match?.[1]) throw new Error(`no ${endpoint} endpoint in connection string`);
  return Number(match[1]);
}
