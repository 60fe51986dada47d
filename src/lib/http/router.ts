import { handleHealth, handleQuery, type HealthDeps, type QueryDeps } from './handlers.js';
import { parseQueryRequest, unknownView } from './queryRequest.js';
import { errorResult, quote, type HeaderGetter, type HttpResult } from './responses.js';

export interface RouteDeps {
  query: QueryDeps;
  health: HealthDeps;
  page: () => Promise<HttpResult>;
}

const QUERY_PREFIX = '/api/query/';

/**
 * The routes of `acs-logs serve`, as the Functions host lays them out: `/api/query/{view}`,
 * `/api/health`, and the dashboard at `/` (and at `/api/dashboard`, where the Functions app serves it).
 * Every answer comes from the handlers the functions call.
 */
/** `signal` aborts when the client has gone: its reads stop (see SharedEvaluations). */
export async function routeRequest(method: string, url: URL, header: HeaderGetter, deps: RouteDeps, signal?: AbortSignal): Promise<HttpResult> {
  if (method !== 'GET' && method !== 'HEAD') return notAllowed(method);
  const { pathname } = url;
  if (isPageRoute(pathname)) return deps.page();
  if (isHealthRoute(pathname)) return handleHealth(deps.health, signal);
  if (pathname.toLowerCase().startsWith(QUERY_PREFIX)) {
    const segment = withoutTrailingSlash(pathname.slice(QUERY_PREFIX.length));
    const view = viewOf(segment);
    // An unknown or malformed view gets the handler's own 404, which lists the views.
    if (view === undefined) return unknownView(segment);
    return handleQuery(view, url.searchParams, header, deps.query, url.search, signal);
  }
  return errorResult(404, 'not_found', `nothing at ${quote(pathname)}: the dashboard is at /, the API at /api/query/{view} and /api/health`);
}

/**
 * Whether answering a request reads a view or the page, the work a server bounds (`acs-logs serve`'s
 * turns); health (one small read shared by the checks that arrive together) and refusals (400, 404,
 * 405: the request alone says them) are not.
 */
export function readsViewsOrPage(method: string, url: URL, header: HeaderGetter): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const { pathname } = url;
  if (isPageRoute(pathname)) return true;
  if (!pathname.toLowerCase().startsWith(QUERY_PREFIX)) return false;
  const view = viewOf(withoutTrailingSlash(pathname.slice(QUERY_PREFIX.length)));
  return view !== undefined && parseQueryRequest(view, url.searchParams, header, url.search).success;
}

/** Routes are matched as the Functions host matches them: in any case, with one trailing slash or none. */
function isPageRoute(pathname: string): boolean {
  const route = withoutTrailingSlash(pathname.toLowerCase());
  return route === '/' || route === '/index.html' || route === '/api/dashboard';
}

function isHealthRoute(pathname: string): boolean {
  return withoutTrailingSlash(pathname.toLowerCase()) === '/api/health';
}

/** The view a query path names, decoded; undefined when it holds a `/` or cannot be decoded. */
function viewOf(segment: string): string | undefined {
  return segment.includes('/') ? undefined : decodeSegment(segment);
}

/** 405 for any method but GET and HEAD, naming the allowed ones. */
export function notAllowed(method: string): HttpResult {
  const result = errorResult(405, 'method_not_allowed', `${quote(method, 20)} is not allowed: only GET and HEAD`);
  return { ...result, headers: { ...result.headers, allow: 'GET, HEAD' } };
}

function withoutTrailingSlash(path: string): string {
  return path.replace(/(?<=[^/])\/$/, '');
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
