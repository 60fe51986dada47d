import { describe, expect, it } from 'vitest';
import { routeRequest, type RouteDeps } from '../../src/lib/http/router.js';
import type { HttpResult } from '../../src/lib/http/responses.js';
import { newMemoryTableStore } from '../support/storage.js';
import { errorOf, jsonOf } from './support.js';

const PAGE: HttpResult = { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!doctype html>' };

/** A GET as `acs-logs serve` routes it, over an empty store. */
function get(path: string): Promise<HttpResult> {
  const tables = newMemoryTableStore();
  const logger = { info() {}, warn() {}, error() {} };
  const deps: RouteDeps = {
    query: { tables: () => tables, logger },
    health: { open: () => ({ tables, containers: [] }), logger, now: () => 0 },
    page: () => Promise.resolve(PAGE),
  };
  return routeRequest('GET', new URL(path, 'http://127.0.0.1:7071'), () => null, deps);
}

describe('the paths acs-logs serve answers', () => {
  it('are matched as the Functions host matches its routes: in any case, with a trailing slash or without', async () => {
    for (const path of ['/api/dashboard/', '/API/Dashboard', '/api/DASHBOARD/']) expect(await get(path), path).toBe(PAGE);
    for (const path of ['/api/health/', '/Api/Health']) expect(jsonOf(await get(path)), path).toMatchObject({ status: 'ok' });
    for (const path of ['/api/query/rooms/', '/API/QUERY/Rooms', '/api/Query/rooms/']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(200);
      expect(jsonOf(answer), path).toMatchObject({ view: 'rooms', rows: [] });
    }
  });

  it('and no more: two trailing slashes, a path below a view, or no view is a 404', async () => {
    for (const path of ['/api/health//', '/api/query/rooms//', '/api/query/rooms/x', '/api/query/', '/api/dashboard/x', '/api']) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
      expect(errorOf(answer).code, path).toBe('not_found');
    }
  });
});
