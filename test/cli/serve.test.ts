import { existsSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/cli/commands/serve.js';
import { createApiServer } from '../../src/cli/httpServer.js';
import { cli, ROOT, startCli } from '../support/cli.js';
import { embeddedProcesses, waitFor, removeTestDir } from '../support/embedded.js';
import { azuriteConnectionString, newMemoryTableStore, uniquePrefix } from '../support/storage.js';
import { WrappedTableStore } from '../support/wrappedTableStore.js';
import { SharedEvaluations } from '../../src/lib/http/sharedEvaluations.js';
import type { StoredRow } from '../../src/lib/storage/TableStore.js';

let work: string;
let server: RunningServer;
let prefix: string;
const serverErrors = new PassThrough();
let serverErrorText = '';
serverErrors.on('data', (chunk: Buffer) => (serverErrorText += chunk.toString()));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so the Host header and the method are ours to choose. */
function send(pathAndQuery: string, options: { method?: string; host?: string } = {}): Promise<Answer> {
  const url = new URL(pathAndQuery, server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: options.method ?? 'GET',
        headers: options.host ? { host: options.host } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A request written byte by byte, for what node:http would not send. */
const rawRequest = (text: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      const bodyAt = answer.indexOf('\r\n\r\n') + 4;
      const length = /content-length: (\d+)/i.exec(answer);
      if (bodyAt >= 4 && length && answer.length - bodyAt >= Number(length[1])) socket.end();
    });
    socket.on('end', () => resolve({ status: Number(answer.slice(9, 12)), body: answer.slice(answer.indexOf('\r\n\r\n') + 4) }));
    socket.on('error', reject);
  });

const json = <T = Record<string, unknown>>(answer: Answer): T => JSON.parse(answer.body) as T;
const storageArgs = (): string[] => ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-serve-'));
  prefix = uniquePrefix();
  const tree = path.join(work, 'tree');
  await cp(path.join(ROOT, 'samples'), tree, { recursive: true });
  const processed = await cli(['process', tree, ...storageArgs()]);
  expect(processed.code).toBe(0);
  server = await startServer(
    { connectionString: azuriteConnectionString(), tablePrefix: prefix, dataDir: path.join(work, 'unused'), port: 0, host: '127.0.0.1' },
    serverErrors,
  );
});

afterAll(async () => {
  await server?.close();
  await removeTestDir(work);
});

describe('acs-logs serve: the API through the handlers of the Functions app', () => {
  it('answers a view with the rows the CLI prints, and pages through them with the continuation token', async () => {
    const cliRows = JSON.parse((await cli(['query', 'rooms', '--format', 'json', ...storageArgs()])).stdout) as object[];
    expect(cliRows.length).toBe(3);
    const whole = await send('/api/query/rooms');
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json<{ rows: object[] }>(whole).rows).toEqual(cliRows);

    const first = json<{ rows: object[]; continuationToken: string }>(await send('/api/query/rooms?pageSize=2'));
    expect(first.rows).toEqual(cliRows.slice(0, 2));
    const second = json<{ rows: object[]; continuationToken: string | null }>(
      await send(`/api/query/rooms?pageSize=2&continuationToken=${first.continuationToken}`),
    );
    expect(second).toMatchObject({ rows: cliRows.slice(2), continuationToken: null });

    const csv = await send('/api/query/rooms-operations?format=csv&granularity=hour');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\n')[0]).toBe('bucket,resourceId,operationName,operationVersion,resultType,resultSignature,count');
  });

  it("keeps the handlers' 400s for bad filters and parameters, and 404 for unknown views", async () => {
    const badFilter = await send('/api/query/rooms-operations?from=yesterday&granularity=week');
    expect(badFilter.status).toBe(400);
    expect(
      json<{ error: { details: { parameter: string }[] } }>(badFilter)
        .error.details.map((d) => d.parameter)
        .sort(),
    ).toEqual(['from', 'granularity']);
    const unknownParameter = await send('/api/query/rooms?From=2024-05-25');
    expect(unknownParameter.status).toBe(400);
    expect(unknownParameter.body).toContain('did you mean from?');
    const wrongView = await send('/api/query/calls?correlationId=x&pageSize=0');
    expect(wrongView.status).toBe(400);
    const badToken = await send('/api/query/rooms?continuationToken=abc');
    expect(badToken.status).toBe(400);

    for (const target of ['/api/query/nope', '/api/query/', '/api/query/rooms/extra', '/api/query/%E0%A4%A', '/api/query/__proto__']) {
      const answer = await send(target);
      expect(answer.status, target).toBe(404);
      expect(json<{ error: { code: string } }>(answer).error.code, target).toBe('not_found');
    }
    expect(json<{ error: { views: string[] } }>(await send('/api/query/nope')).error.views).toContain('recordings-per-call');
  });

  it('/api/health answers the health JSON of the processed containers', async () => {
    const answer = await send('/api/health');
    expect(answer.status).toBe(200);
    const health = json<{ status: string; containers: { container: string; records: number; badLines: number; quarantined: number }[] }>(answer);
    expect(health.status).toBe('degraded');
    expect(health.containers.find((c) => c.container === 'insights-logs-roomsoperational')).toMatchObject({ records: 16, badLines: 1, quarantined: 1 });
    expect(health.containers.map((c) => c.container)).toContain('local');
  });

  it('/api/health of a server given --container reports only those, as `health --container` does, not the quarantine waiting elsewhere', async () => {
    const only = await startServer(
      {
        connectionString: azuriteConnectionString(),
        tablePrefix: prefix,
        dataDir: path.join(work, 'unused'),
        port: 0,
        host: '127.0.0.1',
        container: ['local'],
      },
      serverErrors,
    );
    try {
      const answer = await fetch(`${only.url}api/health`);
      const served = (await answer.json()) as { status: string; containers: { container: string }[] };
      const printed = await cli(['health', '--container', 'local', '--format', 'json', ...storageArgs()]);
      expect(printed.code).toBe(0);
      const health = JSON.parse(printed.stdout) as typeof served;
      expect(health).toMatchObject({ status: 'ok', containers: [{ container: 'local' }] });
      expect({ status: served.status, containers: served.containers.map((c) => c.container) }).toEqual({ status: 'ok', containers: ['local'] });
    } finally {
      await only.close();
    }
  });

  it('/ answers the built dashboard: one self-contained page, no external URL, its own CSP', async () => {
    const page = await send('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.body).toContain('<title>acs-logs dashboard</title>');
    expect(page.body).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self'/,
    );
    expect(page.body).not.toMatch(/(?:src|href)="(?:https?:)?\/\//i);
    expect(page.body).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect((await send('/index.html')).body).toBe(page.body);
  });

  it('unknown paths are 404 and other methods 405, both as JSON errors; HEAD has the headers only', async () => {
    const missing = await send('/api/nope');
    expect(missing.status).toBe(404);
    expect(json<{ error: { message: string } }>(missing).error.message).toContain('/api/query/{view}');
    // As the Functions host: one trailing slash is the same route, two are another path.
    expect((await send('/api/health/')).status).toBe(200);
    expect((await send('/api/health//')).status).toBe(404);
    const post = await send('/api/health', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
    const head = await send('/api/query/rooms', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
  });

  it('a URL too long for node:http and a request that is not HTTP get JSON errors too (431, 400), not a bare status line', async () => {
    const long = await send(`/api/query/rooms?resourceId=${'x'.repeat(20_000)}`);
    expect(long.status).toBe(431);
    expect(json<{ error: { code: string; message: string } }>(long).error).toMatchObject({ code: 'request_too_large' });
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('CONNECT, a missing Host, an unknown Expect, a // path, bytes that are not UTF-8 and thousands of unknown parameters get short JSON answers', async () => {
    const code = (body: string): unknown => (JSON.parse(body) as { error: { code: string } }).error.code;

    const tunnel = await rawRequest('CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect([tunnel.status, code(tunnel.body)]).toEqual([405, 'method_not_allowed']);
    const hostless = await rawRequest('GET /api/health HTTP/1.1\r\n\r\n');
    expect([hostless.status, code(hostless.body)]).toEqual([400, 'bad_request']);
    expect(hostless.body).toContain('Host');
    // HTTP/1.0 has no Host header; such a client is no browser a page could lure: it is served.
    const oldClient = await rawRequest('GET /api/health HTTP/1.0\r\n\r\n');
    expect(oldClient.status).toBe(200);
    expect(JSON.parse(oldClient.body)).toHaveProperty('status');
    const expectation = await rawRequest('GET /api/health HTTP/1.1\r\nHost: localhost\r\nExpect: bogus\r\n\r\n');
    expect([expectation.status, code(expectation.body)]).toEqual([417, 'expectation_failed']);

    const doubleSlash = await rawRequest('GET //evil.example/api/health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(doubleSlash.status).toBe(404);
    expect(doubleSlash.body).toContain('//evil.example/api/health');

    // A value written into the URL unencoded, as curl sends it: the answer says to percent-encode it.
    const unencoded = await rawRequest('GET /api/query/calls?correlationId=caf\u00e9 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect([unencoded.status, code(unencoded.body)]).toEqual([400, 'bad_request']);
    expect(unencoded.body).toContain('%C3%A9');

    for (const bad of ['correlationId=%ff', 'resource=%ED%A0%80']) {
      const answer = await send(`/api/query/calls?${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body).toContain('not valid percent-encoded UTF-8');
    }
    const many = await send(`/api/query/rooms?${Array.from({ length: 1_500 }, (_, i) => `p${i}`).join('&')}`);
    expect(many.status).toBe(400);
    expect(many.body.length).toBeLessThan(10_000);
    expect(many.body).toContain('and 1480 more unknown or repeated parameter(s)');
    expect(serverErrorText).toBe('');
  });

  it('bound to loopback, refuses requests addressed to another name (DNS rebinding) and accepts localhost names', async () => {
    const rebound = await send('/api/query/rooms', { host: 'attacker.example:7071' });
    expect(rebound.status).toBe(421);
    expect(rebound.body).not.toContain('roomId');
    expect((await send('/api/health', { host: 'localhost.attacker.example' })).status).toBe(421);
    for (const host of [
      'localhost:7071',
      '127.0.0.1',
      '[::1]:80',
      'LOCALHOST',
      'localhost.',
      'localhost.:7071',
      '[::ffff:127.0.0.1]:80',
      '[::ffff:7f00:1]',
      '[0:0:0:0:0:0:0:1]',
      '127.2.3.4',
    ])
      expect((await send('/api/health', { host })).status, host).toBe(200);
    expect((await send('/api/health', { host: 'localhost..' })).status).toBe(421);
    // Not a host and port, whatever it starts with.
    for (const host of ['127.0.0.1:80@evil.example', '[::1]evil.example', 'localhost:80:81', 'localhost/x', '[::ffff:808:808]', '[::2]', '128.0.0.1'])
      expect((await send('/api/health', { host })).status, host).toBe(421);
    // A target in absolute form names its host, which HTTP has override Host.
    const absolute = await rawRequest('GET http://evil.example/api/health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect([absolute.status, absolute.body]).toEqual([421, expect.stringContaining('not to \\"evil.example\\"')]);
    expect((await rawRequest('GET http://localhost/api/health HTTP/1.1\r\nHost: evil.example\r\n\r\n')).status).toBe(200);
    const twice = await rawRequest('GET /api/health HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n');
    expect([twice.status, twice.body]).toEqual([400, expect.stringContaining('one Host header')]);
    expect(serverErrorText).toBe('');
  });

  it.each(['127.1', '0x7f000001'])('bound to loopback spelled %s, refuses requests addressed to another name too', async (host) => {
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    const other = createApiServer(
      { query: { tables: () => ({}) as never, logger: quiet }, health: { open: () => ({}) as never } } as never,
      host,
      quiet,
    ).server;
    await new Promise<void>((resolve) => other.listen(0, host, resolve));
    try {
      const { address, port } = other.address() as AddressInfo;
      expect(address).toBe('127.0.0.1');
      const answer = await new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: address, port, path: '/api/health', headers: { host: `attacker.example:${port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(answer).toBe(421);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it('when storage cannot be reached the query and health are 503 with short JSON messages, logged; an unexpected failure is a 500 too', async () => {
    const lines: string[] = [];
    const logger = {
      info: () => {},
      warn: () => {},
      error: (message: string, fields?: Record<string, unknown>) => lines.push(`${message} ${JSON.stringify(fields)}`),
    };
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const failing = createApiServer(
      {
        query: {
          tables: () => {
            throw refused;
          },
          logger,
        },
        health: {
          open: () => {
            throw refused;
          },
          logger,
        },
        page: () => Promise.reject(new Error('disk gone')),
      },
      '127.0.0.1',
      logger,
    ).server;
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/`;
    try {
      const [query, health, page] = await Promise.all(['api/query/rooms', 'api/health', ''].map((target) => fetch(`${base}${target}`)));
      expect(query!.status).toBe(503);
      expect(query!.headers.get('retry-after')).toBe('5');
      expect(await query!.json()).toEqual({
        error: { code: 'storage_unavailable', message: 'storage could not be reached (ECONNREFUSED); try again in a few seconds', details: [] },
      });
      expect(health!.status).toBe(503);
      expect(await health!.json()).toMatchObject({ status: 'unavailable', error: { code: 'storage_unavailable' } });
      expect(page!.status).toBe(500);
      expect(await page!.json()).toMatchObject({ error: { code: 'internal_error' } });
      expect((await fetch(`${base}api/query/nope`)).status).toBe(404);
      expect(lines.sort()).toEqual([
        expect.stringMatching(/^health check could not read storage .*ECONNREFUSED/),
        expect.stringMatching(/^query failed .*"view":"rooms".*ECONNREFUSED/),
        expect.stringMatching(/^request failed .*disk gone/),
      ]);
    } finally {
      await new Promise((resolve) => failing.close(resolve));
    }
  });

  it('close stops listening', async () => {
    const other = await startServer(
      { connectionString: azuriteConnectionString(), tablePrefix: prefix, dataDir: path.join(work, 'unused'), port: 0, host: '127.0.0.1' },
      serverErrors,
    );
    expect((await fetch(`${other.url}api/health`)).status).toBe(200);
    await other.close();
    await expect(fetch(`${other.url}api/health`)).rejects.toThrow();
  });
  it('a query whose client closes the connection stops reading, and stopAnswers ends one still reading at once, the row it waits for its last: nothing logged', async () => {
    const lines: string[] = [];
    const logger = { info: () => {}, warn: () => {}, error: (message: string) => lines.push(message) };
    let yielded = 0;
    // A Calls table that never ends, a row every few milliseconds: the evaluation runs until its reads stop.
    const endless = new (class extends WrappedTableStore {
      override async *query(): AsyncGenerator<StoredRow> {
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          yielded++;
          yield { partitionKey: `call-${yielded}`, rowKey: 'o|operation', etag: '', data: {} };
        }
      }
    })(newMemoryTableStore());
    const api = createApiServer(
      {
        query: { tables: () => endless, logger, evaluations: new SharedEvaluations() },
        health: { open: () => ({ tables: endless, containers: [] }), logger },
        page: () => Promise.reject(new Error('unused')),
      },
      '127.0.0.1',
      logger,
    );
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/`;
    const settle = () => new Promise((resolve) => setTimeout(resolve, 150));
    try {
      const leaving = new AbortController();
      const left = fetch(`${base}api/query/calls`, { signal: leaving.signal });
      await waitFor('the evaluation to read', () => (yielded > 10 ? true : undefined));
      leaving.abort();
      await expect(left).rejects.toThrow();
      await settle();
      const afterLeaving = yielded;
      await settle();
      expect(yielded).toBe(afterLeaving);

      const staying = fetch(`${base}api/query/calls`);
      await waitFor('the evaluation to read again', () => (yielded > afterLeaving + 10 ? true : undefined));
      await api.stopAnswers();
      const afterStop = yielded;
      const answer = await staying;
      expect([answer.status, ((await answer.json()) as { error: { code: string } }).error.code]).toEqual([503, 'client_gone']);
      await settle();
      // Not waited for: the row asked for when the stop came is read, and no other.
      expect(yielded).toBeLessThanOrEqual(afterStop + 1);
      const settled = yielded;
      await settle();
      expect(yielded).toBe(settled);
      expect(lines).toEqual([]);
    } finally {
      api.server.closeAllConnections();
      await new Promise((resolve) => api.server.close(resolve));
    }
  });
});

describe('acs-logs serve: the command', () => {
  it('a bad --port is a usage error (exit 2) with the usage', async () => {
    const values = ['70000', 'abc', '-1', '1.5'];
    const runs = await Promise.all(values.map((value) => cli(['serve', '--port', value, ...storageArgs()])));
    for (const [i, value] of values.entries()) {
      const run = runs[i]!;
      expect(run.code, value).toBe(2);
      expect(run.stderr, value).toMatch(/--port <n>.*must be a port number from 0 to 65535/);
      expect(run.stderr, value).toContain('run "acs-logs serve --help" for usage');
    }
  });

  it('a port in use ends with exit 1 and says so', async () => {
    const port = new URL(server.url).port;
    const run = await cli(['serve', '--port', port, ...storageArgs()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use; choose another with --port`);
  });

  it('on the embedded store: serves, and SIGTERM closes it and releases the embedded Azurite', async () => {
    const dataDir = path.join(work, 'embedded');
    const serving = startCli(['serve', '--data-dir', dataDir, '--port', '0']);
    const url = await waitFor('the dashboard address', () => /dashboard: (http:\S+)/.exec(serving.output().stdout)?.[1]);
    // It names the store it serves: an empty dashboard then says which --data-dir it reads.
    expect(serving.output().stdout.split('\n')[0]).toBe(
      `serving tables Acs* of the embedded store in ${dataDir}, new: nothing was stored there before this command (--data-dir)`,
    );
    expect((await fetch(`${url}api/health`)).status).toBe(200);
    expect((await embeddedProcesses(dataDir)).length).toBeGreaterThan(0);
    serving.child.kill('SIGTERM');
    const done = await serving.done;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('stopped');
    await waitFor('the embedded Azurite to stop', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined));
  });

  it('stopped by Ctrl-C or SIGTERM while its embedded store starts: exits 0 as a serve that served does, not 130 or 143', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const dataDir = path.join(work, `starting-${signal}`);
      const serving = startCli(['serve', '--data-dir', dataDir, '--port', '0']);
      // The store's folder appears as its start begins; the server listens only once it has started.
      await waitFor('the embedded store to start', () => (existsSync(path.join(dataDir, 'azurite')) ? true : undefined));
      const startedServing = serving.output().stdout !== '';
      serving.child.kill(signal);
      const done = await serving.done;
      expect(done.code).toBe(0);
      if (!startedServing) expect(done.stdout).toBe('');
      await waitFor('the embedded Azurite to stop', async () => ((await embeddedProcesses(dataDir)).length === 0 ? true : undefined));
    }
  });

  it.each([['0.0.0.0'], ['0']])('--host %s (every interface): says that serve has no key and anyone who reaches it reads the aggregates', async (host) => {
    const serving = startCli(['serve', '--host', host, '--port', '0', ...storageArgs()]);
    try {
      const url = await waitFor('the dashboard address', () => /dashboard: (http:\S+)/.exec(serving.output().stdout)?.[1]);
      // The address to open is this machine's loopback: no browser opens 0.0.0.0 as an address.
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect((await fetch(`${url}api/health`)).status).toBe(200);
      await waitFor('the note', () => (serving.output().stderr.includes('note:') ? true : undefined));
      expect(serving.output().stderr).toBe(
        `note: listening on ${url.replace('127.0.0.1', '0.0.0.0')} beyond this machine: serve has no key, so anyone who can reach it reads the aggregates; keep --host 127.0.0.1 unless everyone on that network may\n`,
      );
    } finally {
      serving.child.kill('SIGTERM');
      await serving.done;
    }
  });
});
