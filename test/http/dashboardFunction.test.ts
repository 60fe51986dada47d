import { readFile } from 'node:fs/promises';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { HttpRequest, HttpResponse } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import { dashboard } from '../../src/functions/dashboard.js';
import { dashboardPage, dashboardPath } from '../../src/lib/http/dashboardPage.js';
import { errorOf } from './support.js';

describe('the dashboard function', () => {
  it('answers the built page, as acs-logs serve does at /', async () => {
    const response = await dashboard(new HttpRequest({ method: 'GET', url: 'http://localhost/api/dashboard?code=k' }));
    expect(response.status).toBe(200);
    expect((response.headers as Record<string, string>)['content-type']).toBe('text/html; charset=utf-8');
    expect(String(response.body)).toBe(await readFile(dashboardPath(), 'utf8'));
    expect((response.headers as Record<string, string>)['content-encoding']).toBeUndefined();
  });

  it('gzips the page for a client that takes gzip, and the worker sends those bytes with their Content-Encoding', async () => {
    const init = await dashboard(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/dashboard?code=k', headers: { 'accept-encoding': 'gzip, deflate, br' } }),
    );
    // What the worker does with a handler's answer (toRpcHttp): an HttpResponse, whose bytes it sends.
    const response = new HttpResponse(init);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('vary')).toBe('Accept-Encoding');
    const bytes = Buffer.from(await response.arrayBuffer());
    const page = await readFile(dashboardPath(), 'utf8');
    expect(bytes.length).toBeLessThan(Buffer.byteLength(page) / 2);
    expect(gunzipSync(bytes).toString('utf8')).toBe(page);
    const head = new HttpResponse(
      await dashboard(new HttpRequest({ method: 'HEAD', url: 'http://localhost/api/dashboard?code=k', headers: { 'accept-encoding': 'gzip' } })),
    );
    expect(head.headers.get('content-encoding')).toBeNull();
  });

  it('the page has an ETag of its bytes: If-None-Match with it is a 304 the worker sends without a body; another build has another', async () => {
    const first = await dashboard(new HttpRequest({ method: 'GET', url: 'http://localhost/api/dashboard?code=k' }));
    const etag = (first.headers as Record<string, string>)['etag'] as string;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
    const again = new HttpResponse(
      await dashboard(
        new HttpRequest({ method: 'GET', url: 'http://localhost/api/dashboard?code=k', headers: { 'if-none-match': etag, 'accept-encoding': 'gzip' } }),
      ),
    );
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const dir = await mkdtemp(path.join(tmpdir(), 'acs-logs-page-'));
    try {
      const file = path.join(dir, 'index.html');
      await writeFile(file, '<!doctype html><title>one</title>');
      const one = (await dashboardPage(file)).headers['etag'];
      await writeFile(file, '<!doctype html><title>two</title>');
      expect((await dashboardPage(file)).headers['etag']).not.toBe(one);
    } finally {
      await removeTestDir(dir);
    }
  });

  it('a missing build is a 503 that says how to build it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'acs-logs-nopage-'));
    try {
      const result = await dashboardPage(path.join(dir, 'index.html'));
      expect(result.status).toBe(503);
      expect(errorOf(result)).toMatchObject({ code: 'dashboard_not_built', message: expect.stringContaining('npm run build') });
    } finally {
      await removeTestDir(dir);
    }
  });
});
