import { describe, expect, it } from 'vitest';
import { routeRequest, type RouteDeps } from '../../src/lib/http/router.js';
import type { HttpResult } from '../../src/lib/http/responses.js';
import { newMemoryTableStore } from '../support/storage.js';
import { errorOf } from './support.js';

/** `GET /api/query/...` as `serve` and the Functions app answer it, over an empty store. */
async function get(pathAndQuery: string): Promise<HttpResult> {
  const tables = newMemoryTableStore();
  const deps: RouteDeps = {
    query: { tables: () => tables, logger: { info() {}, warn() {}, error() {} } },
    health: { open: () => ({ tables, containers: [] }), logger: { info() {}, warn() {}, error() {} }, now: () => 0 },
    page: () => Promise.reject(new Error('no page is asked for')),
  };
  return routeRequest('GET', new URL(pathAndQuery, 'http://127.0.0.1:7071'), () => null, deps);
}

describe('the time parameters of GET /api/query/{view}', () => {
  it.each([
    ['/api/query/rooms?from=', 'from', 'from must not be empty'],
    ['/api/query/rooms?to=', 'to', 'to must not be empty'],
    ['/api/query/usage?from=%20%20', 'from', 'from must not be empty'],
    ['/api/query/usage?from=2024-05-25&to=+', 'to', 'to must not be empty'],
  ])('%s is a 400 saying the parameter is empty', async (url, parameter, message) => {
    const result = await get(url);
    expect(result.status).toBe(400);
    expect(errorOf(result).details).toEqual([{ parameter, message }]);
  });
});
