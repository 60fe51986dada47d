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

  it('a date and a raw +HH offset, which arrives as a date and an hour, is a 400 that says so instead of an hour', async () => {
    const result = await get('/api/query/rooms?from=2024-05-25+02');
    expect(result.status).toBe(400);
    expect(errorOf(result).details).toEqual([
      {
        parameter: 'from',
        message:
          'from is a date and an hour alone after a space, which is also how a URL reads a raw + before an offset (2024-05-25+02): write 2024-05-25T02:00 for the hour, or %2B for the + of an offset',
      },
    ]);
    // Written with %2B, it is the offset: midnight at +02:00.
    const escaped = await get('/api/query/rooms?from=2024-05-25%2B02&to=2024-05-24T21:00Z');
    expect(errorOf(escaped).details).toEqual([{ parameter: 'from', message: 'from must be before to' }]);
  });

  it.each([
    // A raw + before the offset arrives as a space, and is read as the + it was.
    '/api/query/rooms?from=20240525T0330+0200&to=2024-05-25T02Z',
    '/api/query/rooms?from=20240525T0330%2B0200&to=20240525T02',
    '/api/query/rooms?from=2024-05-25T03+02&to=2024-05-25T04+02:00',
  ])('%s reads ISO 8601 basic form and a time of the hour alone, with its offset', async (url) => {
    expect((await get(url)).status).toBe(200);
    // The same from is after 01:00Z: the offset was read, and its + with it.
    const after = await get(url.replace(/to=[^&]*/, 'to=2024-05-25T01:00Z'));
    // 03+02 is 01:00Z itself: the message says the two are one time.
    expect(errorOf(after).details).toEqual([
      { parameter: 'from', message: url.includes('T03+02') ? 'from must be before to (both are 2024-05-25T01:00:00.000Z)' : 'from must be before to' },
    ]);
  });

  it.each([
    ['/api/query/rooms?from=2024', 'from', 'from is a year alone, which could mean its start or all of it: write the time meant, e.g. 2024-01-01'],
    [
      '/api/query/rooms?to=202405',
      'to',
      'to is six digits, which reads as YYYYMM or YYMMDD: write the whole date with a four-digit year, e.g. 2024-05-01 or 20240501',
    ],
    ['/api/query/rooms?from=2024-W21-7', 'from', 'from is a week date: write it as a calendar date, 2024-05-26'],
  ])('%s is a 400 naming the date to write', async (url, parameter, message) => {
    const result = await get(url);
    expect(result.status).toBe(400);
    expect(errorOf(result).details).toEqual([{ parameter, message }]);
  });
});
