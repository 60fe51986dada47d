import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AnswerGate } from '../../src/cli/answerGate.js';
import { createApiServer, type AnswerLimits } from '../../src/cli/httpServer.js';
import type { HttpResult } from '../../src/lib/http/responses.js';
import { newMemoryTableStore } from '../support/storage.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** A server whose dashboard page answers what `page` gives, when it gives it. */
async function serverWith(page: () => Promise<HttpResult>, limits: AnswerLimits) {
  const tables = newMemoryTableStore();
  const health = { open: () => ({ tables, containers: ['insights-logs-usage'] }), logger: quiet };
  const api = createApiServer({ query: {} as never, health, page }, '127.0.0.1', quiet, limits);
  await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
  servers.push(api.server);
  return (api.server.address() as AddressInfo).port;
}

const servers: import('node:http').Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function get(port: number, path = '/'): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A server whose answers wait until the test gives them (`pending`, in the order asked); `asked` counts the requests worked on. */
async function heldServer(limits: AnswerLimits): Promise<{ port: number; pending: ((result: HttpResult) => void)[]; asked: () => number }> {
  const pending: ((result: HttpResult) => void)[] = [];
  let asked = 0;
  const port = await serverWith(() => {
    asked++;
    return new Promise<HttpResult>((resolve) => pending.push(resolve));
  }, limits);
  return { port, pending, asked: () => asked };
}

function page(body: string): HttpResult {
  return { status: 200, headers: { 'content-type': 'text/plain' }, body };
}

describe('serve answers a bounded number of requests at once', () => {
  it('past maxActive requests wait their turn in order; past maxWaiting they are 503 busy with Retry-After, at once', async () => {
    const { port, pending, asked } = await heldServer({ maxActive: 2, maxWaiting: 1, maxConnections: 100 });
    const answers = [get(port), get(port), get(port)];
    await expect.poll(asked).toBe(2);
    // The fourth finds two answered and one waiting: refused at once, without being worked on.
    const refused = await get(port);
    expect([refused.status, refused.retryAfter, JSON.parse(refused.body).error.code]).toEqual([503, '1', 'busy']);
    expect(asked()).toBe(2);
    pending.shift()!(page('first'));
    // The waiting one gets the freed turn.
    await expect.poll(asked).toBe(3);
    pending.shift()!(page('second'));
    pending.shift()!(page('third'));
    expect((await Promise.all(answers)).map((answer) => [answer.status, answer.body])).toEqual([
      [200, 'first'],
      [200, 'second'],
      [200, 'third'],
    ]);
  });
});

describe('serve answers health and refusals beside the requests waiting their turn', () => {
  it('with every turn taken and requests waiting, /api/health and bad requests are answered at once, not refused as busy', async () => {
    const pending: ((result: HttpResult) => void)[] = [];
    const port = await serverWith(() => new Promise<HttpResult>((resolve) => pending.push(resolve)), { maxActive: 1, maxWaiting: 1, maxConnections: 100 });
    const answers = [get(port), get(port)];
    await expect.poll(() => pending.length).toBe(1);
    const health = await get(port, '/API/Health/');
    expect([health.status, JSON.parse(health.body).status]).toEqual([200, 'ok']);
    for (const [path, status, code] of [
      ['/api/query/usage?granularity=minute', 400, 'bad_request'],
      ['/api/query/usage?from=%ff', 400, 'bad_request'],
      ['/api/query/nothing', 404, 'not_found'],
      ['/favicon.ico', 404, 'not_found'],
    ] as const) {
      const refused = await get(port, path);
      expect([path, refused.status, JSON.parse(refused.body).error.code]).toEqual([path, status, code]);
    }
    pending.shift()!(page('first'));
    await expect.poll(() => pending.length).toBe(1);
    pending.shift()!(page('second'));
    expect((await Promise.all(answers)).map((answer) => answer.body)).toEqual(['first', 'second']);
  });
});

describe('serve holds a bounded number of connections', () => {
  it('past maxConnections a new connection is closed unanswered; once one closes, the next is answered', async () => {
    const port = await serverWith(async () => page('ok'), { maxActive: 2, maxWaiting: 1, maxConnections: 3 });
    const idle = await Promise.all([0, 1, 2].map(() => openSocket(port)));
    const extra = await openSocket(port);
    const closedUnanswered = await new Promise<string>((resolve) => {
      let data = '';
      extra.on('data', (chunk: Buffer) => (data += chunk.toString()));
      extra.on('close', () => resolve(data));
      extra.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    });
    expect(closedUnanswered).toBe('');
    idle[0]!.destroy();
    await expect.poll(async () => (await get(port).catch(() => ({ status: 0 }))).status).toBe(200);
    for (const socket of idle) socket.destroy();
  });
});

describe('serve gives a request a bounded time to arrive', () => {
  it('a request still incomplete past its time gets a 408 JSON error soon after, not a 400 "not HTTP" half a minute later', async () => {
    const port = await serverWith(async () => page('ok'), { maxActive: 2, maxWaiting: 1, maxConnections: 3 });
    const server = servers.at(-1)!;
    server.requestTimeout = 300;
    server.headersTimeout = 300;
    const socket = await openSocket(port);
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      // Never finished: the blank line that ends the headers does not come.
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
      setTimeout(() => resolve(`nothing within 4 s${data}`), 4_000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'request_timeout' } });
    expect(Date.now() - started).toBeLessThan(3_000);
    socket.destroy();
  });
});

describe('serve frees the connections of requests it gave up on', () => {
  it('clients that sent half a request and never read the answer nor close do not keep others out', async () => {
    const port = await serverWith(async () => page('ok'), { maxActive: 2, maxWaiting: 1, maxConnections: 3 });
    const server = servers.at(-1)!;
    server.requestTimeout = 300;
    server.headersTimeout = 300;
    const stalled = await Promise.all([0, 1, 2].map(() => openSocket(port)));
    for (const socket of stalled) {
      // Never finished, and never read: the answer stays unread and the client never closes its side.
      socket.pause();
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
    }
    await expect.poll(async () => (await get(port).catch(() => ({ status: 0 }))).status, { timeout: 4_000, interval: 200 }).toBe(200);
    for (const socket of stalled) socket.destroy();
  });
});

describe('serve answers the requests pipelined on one connection one at a time', () => {
  it('a client that sends several requests at once and reads nothing holds one answer, not one per request; each is answered once read', async () => {
    let asked = 0;
    // Larger than a loopback connection's buffers: an answer nobody reads stays unwritten.
    const body = 'x'.repeat(32 * 1024 * 1024);
    const port = await serverWith(
      async () => {
        asked++;
        return page(body);
      },
      { maxActive: 16, maxWaiting: 16, maxConnections: 10 },
    );
    const socket = await openSocket(port);
    socket.pause();
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(4));
    await expect.poll(() => asked).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(asked).toBe(1);
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.resume();
    await expect.poll(() => received, { timeout: 10_000 }).toBeGreaterThan(4 * body.length);
    expect(asked).toBe(4);
    socket.destroy();
  });

  it('a connection holds at most 32 requests ahead of their answers: past them each is answered busy, not read and kept without end', async () => {
    const pending: ((result: HttpResult) => void)[] = [];
    const port = await serverWith(() => new Promise<HttpResult>((resolve) => pending.push(resolve)), { maxActive: 16, maxWaiting: 16, maxConnections: 10 });
    const socket = await openSocket(port);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(100));
    await expect.poll(() => pending.length).toBe(1);
    for (let answered = 0; answered < 32; answered++) {
      await expect.poll(() => pending.length).toBe(1);
      pending.shift()!(page('ok'));
    }
    await expect.poll(() => [...received.matchAll(/HTTP\/1\.1 (\d+)/g)].length).toBe(100);
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d+)/g)].map((match) => match[1]);
    expect(statuses).toEqual([...Array<string>(32).fill('200'), ...Array<string>(68).fill('503')]);
    socket.destroy();
  });

  it('requests pipelined behind an answer are not worked on once their client has closed the connection', async () => {
    const { port, pending, asked } = await heldServer({ maxActive: 16, maxWaiting: 16, maxConnections: 10 });
    const socket = await openSocket(port);
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(3));
    await expect.poll(asked).toBe(1);
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    pending.shift()!(page('first'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(asked()).toBe(1);
  });
});

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('AnswerGate', () => {
  it('a request that leaves while waiting leaves the line; a turn given back twice frees one turn', async () => {
    const gate = new AnswerGate(1, 5);
    const first = await gate.enter(new AbortController().signal);
    expect(first.kind).toBe('go');
    const leaving = new AbortController();
    const left = gate.enter(leaving.signal);
    const stays = gate.enter(new AbortController().signal);
    expect(gate.counts).toEqual({ active: 1, waiting: 2 });
    leaving.abort();
    expect((await left).kind).toBe('gone');
    expect(gate.counts).toEqual({ active: 1, waiting: 1 });
    if (first.kind !== 'go') throw new Error('unreachable');
    first.release();
    first.release();
    const second = await stays;
    expect(second.kind).toBe('go');
    expect(gate.counts).toEqual({ active: 1, waiting: 0 });
    if (second.kind === 'go') second.release();
    expect(gate.counts).toEqual({ active: 0, waiting: 0 });
    expect((await gate.enter(AbortSignal.abort())).kind).toBe('gone');
    expect(() => new AnswerGate(0, 1)).toThrow(RangeError);
  });
});
