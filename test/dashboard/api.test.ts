import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, apiRoot, createApi } from '../../src/dashboard/api.js';

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('where the page finds the API', () => {
  it('at /api/ from acs-logs serve and from the dashboard function, whose host also answers it with a trailing slash and in any case', () => {
    expect(apiRoot('/')).toBe('/api/');
    expect(apiRoot('/index.html')).toBe('/api/');
    expect(apiRoot('/api/dashboard')).toBe('/api/');
    expect(apiRoot('/api/dashboard/')).toBe('/api/');
    expect(apiRoot('/API/Dashboard')).toBe('/API/');
    expect(apiRoot('/api/Dashboard/')).toBe('/api/');
  });
});

describe('the dashboard reading the API', () => {
  it('follows continuation tokens to the last page, with the key in a header and the filters on every page', async () => {
    const urls: string[] = [];
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      urls.push(url);
      expect((init?.headers as Record<string, string>)['x-functions-key']).toBe('k');
      const token = new URL(url, 'http://x').searchParams.get('continuationToken');
      // Each page carries the same notes (they are about the filters): the result has them once.
      return json(200, { rows: [{ page: token ?? 'first' }], notes: ['n'], continuationToken: token === null ? 't1' : token === 't1' ? 't2' : null });
    });
    vi.stubGlobal('fetch', fetchMock);
    const result = await createApi('/api/', 'k').view('rooms', new URLSearchParams({ granularity: 'hour', resource: 'a b' }));
    expect(result).toEqual({ rows: [{ page: 'first' }, { page: 't1' }, { page: 't2' }], truncated: false, notes: ['n'] });
    expect(urls[0]).toBe('/api/query/rooms?granularity=hour&resource=a+b&pageSize=5000');
    expect(urls[2]).toBe('/api/query/rooms?granularity=hour&resource=a+b&pageSize=5000&continuationToken=t2');
  });

  it('stops after a bounded number of pages and says the rows were cut', async () => {
    const fetchMock = vi.fn(async () => json(200, { rows: [1], continuationToken: 'again' }));
    vi.stubGlobal('fetch', fetchMock);
    const result = await createApi('/api/', null).view('calls', new URLSearchParams());
    expect(result.truncated).toBe(true);
    expect(fetchMock).toHaveBeenCalledTimes(40);
    expect(result.rows).toHaveLength(40);
  });

  it('turns an error answer into its message, and a failed connection or a non-JSON answer into a readable error', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(400, { error: { code: 'bad_request', message: 'from must be before to', details: [] } })),
    );
    const refused = await createApi('/api/', null)
      .view('usage', new URLSearchParams())
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).message).toBe('query/usage: 400 from must be before to');
    expect((refused as ApiError).answer).toEqual({ status: 400, code: 'bad_request', parameters: [] });
    expect((refused as ApiError).badFilters).toBe(true);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        json(400, { error: { code: 'bad_request', message: 'granularity must be hour or day', details: [{ parameter: 'granularity', message: 'x' }] } }),
      ),
    );
    await expect(createApi('/api/', null).view('usage', new URLSearchParams())).rejects.toMatchObject({
      answer: { parameters: ['granularity'] },
      badFilters: true,
    });
    // A 400 about the page's own paging is no filter of the user's: its section says it.
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        json(400, { error: { code: 'bad_request', message: 'continuationToken is not valid', details: [{ parameter: 'continuationToken', message: 'x' }] } }),
      ),
    );
    await expect(createApi('/api/', null).view('usage', new URLSearchParams())).rejects.toMatchObject({ badFilters: false });
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(JSON.stringify({ error: { code: 'storage_unavailable', message: 'storage could not be reached', details: [] } }), {
            status: 503,
            headers: { 'content-type': 'application/json', 'retry-after': '4' },
          }),
      ),
    );
    const away = (await createApi('/api/', null)
      .view('usage', new URLSearchParams())
      .catch((error: unknown) => error)) as ApiError;
    expect(away.answer).toEqual({ status: 503, code: 'storage_unavailable', parameters: [], retryAfterSeconds: 4 });
    expect(away.badFilters).toBe(false);
    // A 503 that does not say when (a gateway, a host starting) gives no time to try again.
    for (const header of [undefined, '', 'soon', '-1']) {
      vi.stubGlobal(
        'fetch',
        vi.fn(async () => new Response('<html>Service Unavailable</html>', { status: 503, headers: header === undefined ? {} : { 'retry-after': header } })),
      );
      const gateway = (await createApi('/api/', null)
        .view('usage', new URLSearchParams())
        .catch((error: unknown) => error)) as ApiError;
      expect(gateway.answer?.retryAfterSeconds, String(header)).toBeUndefined();
    }
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })),
    );
    await expect(createApi('/api/', null).view('usage', new URLSearchParams())).rejects.toThrow('query/usage: 502 <html>Bad gateway</html>');
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('not json', { status: 200 })),
    );
    await expect(createApi('/api/', null).view('usage', new URLSearchParams())).rejects.toThrow('query/usage: the answer is not JSON (200)');
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    await expect(createApi('/api/', null).health()).rejects.toThrow('the server could not be reached (health: Failed to fetch)');
  });

  it('takes an answer cut off while it came (the server stopped while sending it) as a server not reached, which the page reads again', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        // The headers and the start of the rows came; then the connection closed.
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"rows":[{"correlationId":"a"},'));
            controller.error(new TypeError('network error'));
          },
        });
        return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
      }),
    );
    const cut = (await createApi('/api/', null)
      .view('calls', new URLSearchParams())
      .catch((error: unknown) => error)) as ApiError;
    expect(cut).toBeInstanceOf(ApiError);
    expect(cut.unreached).toBe(true);
    expect(cut.message).toBe('the server could not be reached (query/calls: its answer was cut off: network error)');
  });

  it('refuses a function key that no request header can carry, naming the key rather than the server', async () => {
    const fetchMock = vi.fn(async () => json(200, { status: 'ok', containers: [] }));
    vi.stubGlobal('fetch', fetchMock);
    for (const key of ['abc\r\nX-Evil: 1', 'abc\u202e', 'a b', 'k\u0000']) {
      await expect(createApi('/api/', key).health()).rejects.toThrow(
        new ApiError("the function key in the page's address (code=) is not a key: it holds characters a request header cannot carry"),
      );
    }
    expect(fetchMock).not.toHaveBeenCalled();
    await expect(createApi('/api/', 'aZ09-_=/+~').health()).resolves.toEqual({ status: 'ok', containers: [] });
  });

  it('health: 503 with its JSON body is an error naming why; 200 is the health', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(503, { status: 'unavailable', error: { code: 'storage_unavailable', message: 'storage could not be reached', details: [] } })),
    );
    await expect(createApi('/api/', null).health()).rejects.toThrow('health: storage could not be reached');
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(200, { status: 'ok', containers: [] })),
    );
    expect(await createApi('/api/', null).health()).toEqual({ status: 'ok', containers: [] });
  });
});
