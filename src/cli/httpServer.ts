import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { BlockList, isIP } from 'node:net';
import type { Logger } from '../lib/logging.js';
import { describeError } from '../lib/http/handlers.js';
import { errorResult, quote, type HttpResult } from '../lib/http/responses.js';
import { notAllowed, readsViewsOrPage, routeRequest, type RouteDeps } from '../lib/http/router.js';
import { toWire, type WireResult } from '../lib/http/wire.js';
import { AnswerGate, type Turn } from './answerGate.js';

/** How many requests a server works on at once. */
export interface AnswerLimits {
  /** Answers worked on at once, until handed to their sockets: more than a dashboard asks at once. */
  maxActive: number;
  /** Requests waiting for a turn; past them, 503 busy. */
  maxWaiting: number;
  /** Open connections, idle ones included; past them a new connection is closed at once, so that idle sockets cannot take every file descriptor. */
  maxConnections: number;
}

export const DEFAULT_ANSWER_LIMITS: AnswerLimits = { maxActive: 16, maxWaiting: 256, maxConnections: 1024 };

/** A request without a body has this long to arrive whole (node:http's default is 5 minutes). */
const REQUEST_TIMEOUT_MS = 30_000;
/** How long a connection answered outside node:http stays open for its client to read the answer and close. */
const CLOSE_AFTER_ANSWER_MS = 1_000;
/** How often node:http looks for requests past their time: at its default (30 s) a slow request held its connection up to twice REQUEST_TIMEOUT_MS. */
const TIMEOUT_CHECK_MS = 1_000;
/** Requests of one connection held ahead of their answers; past them it is answered 503 busy. */
const MAX_PIPELINED = 32;

/** Loopback addresses, in every spelling (`::ffff:7f00:1` is 127.0.0.1: BlockList reads IPv4-mapped addresses by their IPv4 rules). */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export function isLoopback(host: string): boolean {
  // `localhost.` is the same name written fully qualified.
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.toLowerCase() === 'localhost') return true;
  // A browser sends an IPv6 address in brackets.
  return isLoopbackAddress(/^\[(.*)\]$/.exec(name)?.[1] ?? name);
}

/** Whether an address (as `server.address()` gives it, or as a Host names it) is a loopback one. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * A node:http server over the framework-free routes: it turns the request into what the handlers
 * take and writes back what they return. Bound to a loopback address, it answers only requests
 * addressed to a loopback name, so a web page whose name was re-pointed at 127.0.0.1 (DNS
 * rebinding) cannot read the aggregates through the user's browser.
 */
export function createApiServer(deps: RouteDeps, boundHost: string, logger: Logger, limits: AnswerLimits = DEFAULT_ANSWER_LIMITS): ApiServer {
  let loopbackOnly = isLoopback(boundHost);
  /** Each answer in flight, by what stops its reads. */
  const answering = new Map<AbortController, Promise<void>>();
  const gate = new AnswerGate(limits.maxActive, limits.maxWaiting);
  // A request without Host reaches `answer`, which says what is wrong, instead of node:http's bare 400.
  const server = createServer({ requireHostHeader: false, connectionsCheckingInterval: TIMEOUT_CHECK_MS }, (request, response) => {
    // A connection closed before the answer is written: its reads stop (AbortableReads, SharedEvaluations).
    const gone = new AbortController();
    const stop = (): void => {
      if (!response.writableFinished) gone.abort();
    };
    response.on('close', stop);
    const connection = connectionOf(request.socket);
    // Held requests write nothing, so node:http, which stops reading a connection behind its unwritten answers, would read on without end.
    if (connection.closing.size >= MAX_PIPELINED) return write(response, false, busy());
    // A response queued behind another on its connection gets no 'close' of its own when the client goes: the connection's says it.
    connection.closing.add(stop);
    const before = connection.last;
    const settled = new Promise<void>((resolve) => {
      response.once('finish', resolve);
      response.once('close', resolve);
      gone.signal.addEventListener('abort', () => resolve(), { once: true });
    }).finally(() => connection.closing.delete(stop));
    connection.last = settled;
    // Pipelined requests wait for the answer before theirs to be written: each would otherwise hold its whole answer until the client reads.
    const answered = Promise.race([before, settled]).then(async () => {
      const turn: Turn = skipsQueue(request) ? { kind: 'go', release: () => {} } : await gate.enter(gone.signal);
      if (turn.kind === 'gone') return;
      if (turn.kind === 'busy') return write(response, false, busy());
      // The turn covers reading and rendering, where memory goes; a slow client then holds only its body's bytes.
      try {
        const method = request.method ?? 'GET';
        // Compressed as the client accepts (toWire), inside the turn: the compressed copy is made while the answer is still held.
        writeWire(response, method === 'HEAD', await toWire(await answer(request, deps, loopbackOnly, gone.signal), method, headerOf(request)));
      } catch (error) {
        logger.error('request failed', { path: request.url ?? '', ...describeError(error) });
        write(response, false, errorResult(500, 'internal_error', 'the request could not be answered; see the server output'));
      } finally {
        turn.release();
      }
    });
    answering.set(gone, answered);
    void answered.finally(() => answering.delete(gone));
  });
  server.maxConnections = limits.maxConnections;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(server.headersTimeout, REQUEST_TIMEOUT_MS);
  // The address bound decides, not how --host spelled it: 127.1, 0x7f000001 and ::ffff:127.0.0.1 are loopback too.
  server.on('listening', () => {
    const bound = server.address();
    if (bound !== null && typeof bound === 'object') loopbackOnly = isLoopbackAddress(bound.address);
  });
  // A request node:http cannot parse gets the API's JSON error too, not a bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return;
    endWith(socket, clientErrorResult(error));
  });
  // CONNECT (a proxy tunnel) is not served: without a listener node:http would drop the connection unanswered.
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    endWith(socket, notAllowed('CONNECT'));
  });
  // An Expect other than 100-continue: the 417 says why, as every other refusal does.
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    write(response, false, errorResult(417, 'expectation_failed', `Expect ${quote(String(request.headers.expect ?? ''), 40)} is not supported`));
  });
  return {
    server,
    stopAnswers: async () => {
      for (const gone of answering.keys()) gone.abort();
      await Promise.all(answering.values());
    },
  };
}

export interface ApiServer {
  server: Server;
  /** Stops the reads of every answer in flight, as if its client had gone, and resolves once all have ended. */
  stopAnswers: () => Promise<void>;
}

/** A connection's answers, in the order its requests came. */
interface Connection {
  /** Settles once the latest request's answer is written whole, or will not be (its client gone). */
  last: Promise<void>;
  /** Stops each request on it whose answer is not written whole, when it closes. */
  closing: Set<() => void>;
}

const connections = new WeakMap<Duplex, Connection>();

function connectionOf(socket: Duplex): Connection {
  let connection = connections.get(socket);
  if (connection === undefined) {
    const created: Connection = { last: Promise.resolve(), closing: new Set() };
    socket.once('close', () => {
      for (const stop of created.closing) stop();
    });
    connections.set(socket, created);
    connection = created;
  }
  return connection;
}

/** What a request node:http gave up on is told: too large, too slow (node:http's own answer would be a 408), or not HTTP. */
function clientErrorResult(error: NodeJS.ErrnoException): HttpResult {
  if (error.code === 'HPE_HEADER_OVERFLOW') return errorResult(431, 'request_too_large', 'the URL and headers exceed 16 KiB; use fewer or shorter filters');
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return errorResult(408, 'request_timeout', `the request did not arrive whole within ${REQUEST_TIMEOUT_MS / 1000} seconds`);
  }
  // `curl '...?correlationId=é'` sends the letter's bytes as they are: say what to write instead of "not HTTP".
  if (error.code === 'HPE_INVALID_URL') {
    return errorResult(400, 'bad_request', 'the URL has a character it must hold percent-encoded (a control character or a letter outside ASCII: é is %C3%A9)');
  }
  return errorResult(400, 'bad_request', 'the request is not valid HTTP');
}

/** Answers on a socket node:http has left to us, and closes it. */
function endWith(socket: Duplex, result: HttpResult): void {
  const head = [`HTTP/1.1 ${result.status} ${STATUS_CODES[result.status] ?? ''}`, `content-length: ${Buffer.byteLength(result.body)}`, 'connection: close'];
  for (const [name, value] of Object.entries(result.headers)) head.push(`${name}: ${value}`);
  // Closed a moment after it is written, not left half-open: a client that never reads nor closes would otherwise hold its
  // connection (of maxConnections) for good; not at once, as a client still sending (a 431's headers) would get a reset, not the answer.
  socket.end(head.join('\r\n') + '\r\n\r\n' + result.body, () => setTimeout(() => socket.destroy(), CLOSE_AFTER_ANSWER_MS).unref());
}

async function answer(request: IncomingMessage, deps: RouteDeps, loopbackOnly: boolean, signal: AbortSignal): Promise<HttpResult> {
  const hostHeader = request.headers.host;
  if (hostHeader === undefined && request.httpVersionMajor === 1 && request.httpVersionMinor >= 1) {
    return errorResult(400, 'bad_request', 'an HTTP/1.1 request must have a Host header');
  }
  // A page a browser was lured to sends the host it was reached by; an HTTP/1.0 client without a Host header is no browser.
  // node:http keeps the first of several Host headers; HTTP says a request with several is bad.
  if (request.rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'host').length > 1) {
    return errorResult(400, 'bad_request', 'a request must have one Host header');
  }
  const target = request.url ?? '/';
  const url = requestUrl(target);
  if (url === null) return errorResult(400, 'bad_request', 'the request target is not a valid URL');
  // A target in absolute form names the host itself, and HTTP has it override Host: it is checked instead.
  const addressedTo = target.startsWith('/') ? hostHeader : url.host;
  if (loopbackOnly && addressedTo !== undefined) {
    const name = hostName(addressedTo);
    if (name === null || !isLoopback(name)) {
      return errorResult(421, 'misdirected_request', `this server answers only requests to localhost, not to ${quote(addressedTo)}`);
    }
  }
  return routeRequest(request.method ?? 'GET', url, headerOf(request), deps, signal);
}

/** A request's header, any case; several of one name joined with `, `. */
function headerOf(request: IncomingMessage): (name: string) => string | undefined {
  return (name) => {
    const value = request.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  };
}

/**
 * The URL of a request target: a path (`//x/api/health` is the path `//x/api/health`, not the host
 * `x`), or an absolute URL as a proxy sends it.
 */
function requestUrl(target: string): URL | null {
  try {
    return target.startsWith('/') ? new URL('http://localhost' + target) : new URL(target);
  } catch {
    return null;
  }
}

/**
 * Health and refusals are answered beside the line of views: a health answer is small and one read
 * serves every check that arrives while it runs (SharedEvaluations), and a refusal needs only the
 * request, so neither is held behind views being evaluated (nor told the server is busy).
 */
function skipsQueue(request: IncomingMessage): boolean {
  const url = requestUrl(request.url ?? '/');
  return url !== null && !readsViewsOrPage(request.method ?? 'GET', url, headerOf(request));
}

/** The name of a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`); null when it is none of those (`127.0.0.1:80@evil`). */
function hostName(hostHeader: string): string | null {
  if (isIP(hostHeader) === 6) return hostHeader;
  const match = /^(\[[0-9A-Fa-f:.]*\]|[^:[\]@/\s]*)(?::\d{0,5})?$/.exec(hostHeader);
  return match === null ? null : (match[1] as string);
}

/** 503 when more requests wait than the server takes: it is busy, not broken. */
function busy(): HttpResult {
  const result = errorResult(503, 'busy', 'the server is answering as many requests as it takes; try again in a second');
  return { ...result, headers: { ...result.headers, 'retry-after': '1' } };
}

function write(response: ServerResponse, headOnly: boolean, result: HttpResult): void {
  // One copy of the body, as bytes: the socket holds it until the client has read it.
  writeWire(response, headOnly, { ...result, body: Buffer.from(result.body, 'utf8') });
}

/** Content-Length is always the length of the bytes sent (compressed or not); a 304 has none. */
function writeWire(response: ServerResponse, headOnly: boolean, result: WireResult): void {
  if (response.headersSent || response.destroyed) return;
  const { body } = result;
  response.writeHead(result.status, result.status === 304 ? result.headers : { ...result.headers, 'content-length': body.length });
  response.end(headOnly || body.length === 0 ? undefined : body);
}
