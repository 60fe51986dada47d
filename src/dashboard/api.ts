/** Reads views from the HTTP API, every page, with the function key when the page was given one. */

/** Rows per request: the API's largest page. */
const PAGE_SIZE = 5000;
/** At most this many pages per view (200,000 rows): a bound, not a limit real aggregates reach. */
const MAX_PAGES = 40;

/** The page's filters, as the API names them. */
const FILTER_PARAMETERS: readonly string[] = ['from', 'to', 'granularity', 'resource'];

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    /** What the API said, when it answered. */
    readonly answer?: { status: number; code?: string; parameters: string[]; retryAfterSeconds?: number },
    /** The API's own message, without the path and status this error's message adds. */
    readonly said?: string,
    /** No answer came at all (the server is stopped, or the network is down): the same for every view, said once. */
    readonly unreached = false,
  ) {
    super(message);
  }

  /** A request the API refused for its filters (400 naming only filter parameters): the same for every view, said once. */
  get badFilters(): boolean {
    return this.answer?.status === 400 && this.answer.parameters.every((parameter) => FILTER_PARAMETERS.includes(parameter));
  }
}

export interface ViewRows<T> {
  rows: T[];
  /** Rows remained after MAX_PAGES pages. */
  truncated: boolean;
  /** What to know to read the rows right (a range inside a bucket counts the whole bucket). */
  notes: string[];
}

export interface Api {
  /** Every page of a view; `signal` stops the request in flight and asks for no further page. */
  view<T>(view: string, filters: URLSearchParams, signal?: AbortSignal): Promise<ViewRows<T>>;
  health<T>(signal?: AbortSignal): Promise<T>;
}

/** What a function key can be: visible ASCII (Azure's keys are base64 text). */
const FUNCTION_KEY = /^[\x21-\x7e]+$/;

/**
 * Where the API lives for the page at `pathname`: `/api/` for `/` (acs-logs serve) and for the
 * Functions app's `/api/dashboard`, which its host also answers as `/api/dashboard/` and in any case.
 */
export function apiRoot(pathname: string): string {
  const dashboard = /\/dashboard\/?$/i.exec(pathname);
  return dashboard ? pathname.slice(0, dashboard.index + 1) : `${pathname.replace(/[^/]*$/, '')}api/`;
}

/** `apiRoot` is where `query/{view}` and `health` live (`/api/`); `key` is the function key, if any. */
export function createApi(apiRoot: string, key: string | null): Api {
  const get = async (path: string, params: URLSearchParams, acceptError = false, signal?: AbortSignal): Promise<unknown> => {
    const url = `${apiRoot}${path}${params.size > 0 ? `?${params.toString()}` : ''}`;
    // The browser refuses such a header before sending it, which would read as a server not reached.
    if (key && !FUNCTION_KEY.test(key))
      throw new ApiError(`the function key in the page's address (code=) is not a key: it holds characters a request header cannot carry`);
    let response: Response;
    try {
      response = await fetch(url, { headers: key ? { 'x-functions-key': key } : {}, ...(signal ? { signal } : {}) });
    } catch (error) {
      // Abandoned by the page (other filters chosen meanwhile): not a server away.
      if (signal?.aborted) throw signal.reason;
      throw new ApiError(`the server could not be reached (${path}: ${error instanceof Error ? error.message : String(error)})`, undefined, undefined, true);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // Cut off while it came (the server stopped, restarted or lost the connection): a server away, read again as one.
      throw new ApiError(
        `the server could not be reached (${path}: its answer was cut off: ${error instanceof Error ? error.message : String(error)})`,
        undefined,
        undefined,
        true,
      );
    }
    if (!response.ok && !acceptError) {
      const error = errorOf(text);
      // Only the API's own 503 says when to try again; a gateway's or a starting host's says nothing.
      const header = response.headers.get('retry-after')?.trim() ?? '';
      const retryAfter = /^\d+$/.test(header) ? Number(header) : Number.NaN;
      throw new ApiError(
        `${path}: ${response.status} ${error.message ?? response.statusText}`,
        {
          status: response.status,
          ...(error.code === undefined ? {} : { code: error.code }),
          parameters: error.parameters,
          ...(response.status === 503 && Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}),
        },
        error.message,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(`${path}: the answer is not JSON (${response.status})`);
    }
  };
  return {
    async view<T>(view: string, filters: URLSearchParams, signal?: AbortSignal): Promise<ViewRows<T>> {
      const rows: T[] = [];
      const notes = new Set<string>();
      let token: string | null = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        const params = new URLSearchParams(filters);
        params.set('pageSize', String(PAGE_SIZE));
        if (token) params.set('continuationToken', token);
        const body = (await get(`query/${encodeURIComponent(view)}`, params, false, signal)) as {
          rows: T[];
          notes?: string[];
          continuationToken: string | null;
        };
        rows.push(...body.rows);
        for (const note of body.notes ?? []) notes.add(note);
        token = body.continuationToken;
        if (!token) return { rows, truncated: false, notes: [...notes] };
      }
      return { rows, truncated: true, notes: [...notes] };
    },
    // 503 (storage unreachable) still has a JSON body worth showing.
    health: async <T>(signal?: AbortSignal) => {
      const body = (await get('health', new URLSearchParams(), true, signal)) as T & { error?: { message?: string } };
      if (body.error?.message) throw new ApiError(`health: ${body.error.message}`);
      return body;
    },
  };
}

/** An error body's message, code and the parameters its details name (`{ "error": { "code", "message", "details" } }`). */
function errorOf(text: string): { message: string | undefined; code: string | undefined; parameters: string[] } {
  try {
    const error = (JSON.parse(text) as { error?: { message?: unknown; code?: unknown; details?: unknown } }).error;
    const details = Array.isArray(error?.details) ? (error.details as Array<{ parameter?: unknown }>) : [];
    return {
      message: typeof error?.message === 'string' ? error.message : undefined,
      code: typeof error?.code === 'string' ? error.code : undefined,
      parameters: details.flatMap((detail) => (typeof detail?.parameter === 'string' ? [detail.parameter] : [])),
    };
  } catch {
    return { message: text.trim().slice(0, 300) || undefined, code: undefined, parameters: [] };
  }
}
