/** Reads views from the HTTP API, every page, with the function key when the page was given one. */

/** Rows per request: the API's largest page. */
const PAGE_SIZE = 5000;
/** At most this many pages per view (200,000 rows): a bound, not a limit real aggregates reach. */
const MAX_PAGES = 40;

export class ApiError extends Error {
  override readonly name = 'ApiError';
}

export interface ViewRows<T> {
  rows: T[];
  /** Rows remained after MAX_PAGES pages. */
  truncated: boolean;
  /** What to know to read the rows right (a range inside a bucket counts the whole bucket). */
  notes: string[];
}

export interface Api {
  view<T>(view: string, filters: URLSearchParams): Promise<ViewRows<T>>;
  health<T>(): Promise<T>;
}

/** What a function key can be: visible ASCII (Azure's keys are base64 text). */
const FUNCTION_KEY = /^[\x21-\x7e]+$/;

/** `apiRoot` is where `query/{view}` and `health` live (`/api/`); `key` is the function key, if any. */
export function createApi(apiRoot: string, key: string | null): Api {
  const get = async (path: string, params: URLSearchParams, acceptError = false): Promise<unknown> => {
    const url = `${apiRoot}${path}${params.size > 0 ? `?${params.toString()}` : ''}`;
    // The browser refuses such a header before sending it, which would read as a server not reached.
    if (key && !FUNCTION_KEY.test(key))
      throw new ApiError(`the function key in the page's address (code=) is not a key: it holds characters a request header cannot carry`);
    let response: Response;
    try {
      response = await fetch(url, { headers: key ? { 'x-functions-key': key } : {} });
    } catch (error) {
      throw new ApiError(`the server could not be reached (${path}: ${error instanceof Error ? error.message : String(error)})`);
    }
    const text = await response.text();
    if (!response.ok && !acceptError) throw new ApiError(`${path}: ${response.status} ${errorMessage(text) ?? response.statusText}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(`${path}: the answer is not JSON (${response.status})`);
    }
  };
  return {
    async view<T>(view: string, filters: URLSearchParams): Promise<ViewRows<T>> {
      const rows: T[] = [];
      const notes = new Set<string>();
      let token: string | null = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        const params = new URLSearchParams(filters);
        params.set('pageSize', String(PAGE_SIZE));
        if (token) params.set('continuationToken', token);
        const body = (await get(`query/${encodeURIComponent(view)}`, params)) as { rows: T[]; notes?: string[]; continuationToken: string | null };
        rows.push(...body.rows);
        for (const note of body.notes ?? []) notes.add(note);
        token = body.continuationToken;
        if (!token) return { rows, truncated: false, notes: [...notes] };
      }
      return { rows, truncated: true, notes: [...notes] };
    },
    // 503 (storage unreachable) still has a JSON body worth showing.
    health: async <T>() => {
      const body = (await get('health', new URLSearchParams(), true)) as T & { error?: { message?: string } };
      if (body.error?.message) throw new ApiError(`health: ${body.error.message}`);
      return body;
    },
  };
}

function errorMessage(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return text.trim().slice(0, 300) || undefined;
  }
}
