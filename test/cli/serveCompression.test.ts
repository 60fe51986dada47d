import { mkdtemp, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import type { RunningServer } from '../../src/cli/commands/serve.js';
import { dashboardPath } from '../../src/lib/http/dashboardPage.js';
import { chooseEncoding, matchesEtag } from '../../src/lib/http/wire.js';
import { serveGeneratedLogs } from '../support/servedLogs.js';

let work: string;
let server: RunningServer;
const serverErrors = new PassThrough();

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes as they came, not decoded. */
  wire: Buffer;
}

/** A raw request: node:http neither asks for nor decodes a coding, so what is sent is what is checked. */
function send(pathAndQuery: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const url = new URL(pathAndQuery, server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, wire: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function decoded(answer: Answer): string {
  const coding = answer.headers['content-encoding'];
  if (coding === 'gzip') return gunzipSync(answer.wire).toString('utf8');
  if (coding === 'br') return brotliDecompressSync(answer.wire).toString('utf8');
  expect(coding).toBeUndefined();
  return answer.wire.toString('utf8');
}

/** Every answer says how long its body is, and it is that long (compressed or not). */
function expectLength(answer: Answer): void {
  expect(answer.headers['transfer-encoding']).toBeUndefined();
  expect(Number(answer.headers['content-length'])).toBe(answer.wire.length);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-serve-coding-'));
  // A few hours of every category: pages of calls and rooms of tens of KiB.
  server = await serveGeneratedLogs(work, ['--hours', '3', '--calls-per-hour', '8', '--rooms-per-hour', '10', '--seed', '5'], serverErrors);
});

afterAll(async () => {
  await server?.close();
  await removeTestDir(work);
});

describe('acs-logs serve: compression negotiated by Accept-Encoding', () => {
  it('a client that sends no Accept-Encoding gets identity, with Vary: Accept-Encoding', async () => {
    const page = await send('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-encoding']).toBeUndefined();
    expect(page.headers['vary']).toBe('Accept-Encoding');
    expectLength(page);
    expect(page.wire.toString('utf8')).toBe(await readFile(dashboardPath(), 'utf8'));
  });

  it('gzips the page, JSON and CSV for a client that takes gzip, the same text once decoded, with their length', async () => {
    for (const target of ['/', '/api/query/calls', '/api/query/rooms?format=csv', '/api/query/rooms-operations?granularity=hour']) {
      const plain = await send(target);
      const gzipped = await send(target, { 'accept-encoding': 'gzip, deflate' });
      expect(gzipped.status, target).toBe(200);
      expect(gzipped.headers['content-encoding'], target).toBe('gzip');
      expect(gzipped.headers['vary'], target).toBe('Accept-Encoding');
      expect(gzipped.headers['content-type'], target).toBe(plain.headers['content-type']);
      expectLength(gzipped);
      expect(decoded(gzipped), target).toBe(plain.wire.toString('utf8'));
      // A page of calls of tens of KiB goes in a fraction of its size.
      expect(gzipped.wire.length, target).toBeLessThan(plain.wire.length / 2);
    }
  });

  it('sends br to a client that prefers it, and identity to one that refuses both codings', async () => {
    const plain = await send('/api/query/calls');
    const br = await send('/api/query/calls', { 'accept-encoding': 'gzip;q=0.5, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expectLength(br);
    expect(decoded(br)).toBe(plain.wire.toString('utf8'));
    const refused = await send('/api/query/calls', { 'accept-encoding': 'gzip;q=0, br;q=0, identity' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.wire.equals(plain.wire)).toBe(true);
  });

  it('HEAD is never compressed: the identity length and no body; small answers and errors go as they are', async () => {
    const plain = await send('/api/query/calls');
    const head = await send('/api/query/calls', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBeUndefined();
    expect(Number(head.headers['content-length'])).toBe(plain.wire.length);
    expect(head.wire.length).toBe(0);
    const missing = await send('/api/nope', { 'accept-encoding': 'gzip' });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-encoding']).toBeUndefined();
    expectLength(missing);
    const bad = await send('/api/query/calls?pageSize=0', { 'accept-encoding': 'gzip' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(decoded(bad))).toMatchObject({ error: { code: 'bad_request' } });
  });
});

describe('chooseEncoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['deflate', 'identity'],
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['gzip, deflate, br, zstd', 'gzip'],
    ['br', 'br'],
    ['br;q=1.0, gzip;q=0.8', 'br'],
    ['gzip;q=0', 'identity'],
    ['*', 'gzip'],
    ['*;q=0.5, gzip;q=0', 'br'],
    ['gzip;q=0, *', 'br'],
    ['br;q=0, gzip;q=0, *', 'identity'],
  ] as const)('%j is %s', (header, coding) => {
    expect(chooseEncoding(header)).toBe(coding);
  });
});

describe('acs-logs serve: the dashboard page has an ETag, and If-None-Match with it is a 304', () => {
  it('answers 304 without the page while the build is the same, for GET and HEAD, compressed or not', async () => {
    const page = await send('/', { 'accept-encoding': 'gzip' });
    const etag = page.headers['etag'] as string;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    expect(page.headers['cache-control']).toBe('no-cache');
    // The same tag for the identity copy and at every path of the page.
    expect((await send('/')).headers['etag']).toBe(etag);
    expect((await send('/api/dashboard')).headers['etag']).toBe(etag);
    for (const [headers, method] of [
      [{ 'if-none-match': etag }, 'GET'],
      [{ 'if-none-match': etag, 'accept-encoding': 'gzip, br' }, 'GET'],
      [{ 'if-none-match': `"other", ${etag.slice(2)}` }, 'GET'],
      [{ 'if-none-match': '*' }, 'GET'],
      [{ 'if-none-match': etag }, 'HEAD'],
    ] as const) {
      const again = await send('/', headers, method);
      expect(again.status, JSON.stringify(headers)).toBe(304);
      expect(again.wire.length).toBe(0);
      expect(again.headers['etag']).toBe(etag);
      expect(again.headers['cache-control']).toBe('no-cache');
      expect(again.headers['vary']).toBe('Accept-Encoding');
      expect(again.headers['content-encoding']).toBeUndefined();
      expect(again.headers['content-type']).toBeUndefined();
    }
    const changed = await send('/', { 'if-none-match': 'W/"an-older-build"' });
    expect(changed.status).toBe(200);
    expect(changed.wire.toString('utf8')).toBe(await readFile(dashboardPath(), 'utf8'));
  });

  it('the API answers have no ETag, and If-None-Match changes nothing in them', async () => {
    const answer = await send('/api/query/calls', { 'if-none-match': '*' });
    expect(answer.status).toBe(200);
    expect(answer.headers['etag']).toBeUndefined();
    expect(answer.headers['cache-control']).toBe('no-store');
  });
});

describe('matchesEtag', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['*', true],
    ['W/"abc"', true],
    ['"abc"', true],
    ['"x", W/"abc"', true],
    ['"abcd"', false],
    ['W/"ab"', false],
    ['abc', false],
  ] as const)('%j against W/"abc" is %s', (header, matched) => {
    expect(matchesEtag(header, 'W/"abc"')).toBe(matched);
  });
});
