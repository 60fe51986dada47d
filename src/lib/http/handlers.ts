import type { Logger } from '../logging.js';
import { readHealth } from '../querying/health.js';
import type { TableStore } from '../storage/TableStore.js';
import { healthUnavailable, renderHealth } from './health.js';
import { pageRows } from './paging.js';
import { parseQueryRequest } from './queryRequest.js';
import { renderPage } from './render.js';
import { errorResult, type HeaderGetter, type HttpResult } from './responses.js';

export interface QueryDeps {
  /** Called only once the request is valid; may throw (e.g. a misconfigured connection). */
  tables: () => TableStore;
  logger: Logger;
}

/**
 * `GET /api/query/{view}`: validate, run the view (the only I/O), cut the page, render it. Each page
 * evaluates the view again and slices it; see paging.ts. A failure to read storage is logged and
 * answered 500 with a short message, never the error itself.
 */
export async function handleQuery(view: string | undefined, params: URLSearchParams, header: HeaderGetter, deps: QueryDeps): Promise<HttpResult> {
  const parsed = parseQueryRequest(view, params, header);
  if (!parsed.success) return parsed.response;
  const { request } = parsed;
  let rows: readonly object[];
  try {
    rows = await request.definition.run(deps.tables(), request.filters);
  } catch (error) {
    deps.logger.error('query failed', { view: request.view, ...describeError(error) });
    return errorResult(500, 'storage_error', 'the aggregates could not be read; try again later');
  }
  return renderPage(request, pageRows(rows, request.page));
}

export interface HealthDeps {
  /** The store and the log containers to report on; may throw (e.g. a misconfigured connection). */
  open: () => { tables: TableStore; containers: readonly string[] };
  logger: Logger;
  now?: () => number;
}

/** `GET /api/health`: 200 when ok or degraded, 503 when storage cannot be read. */
export async function handleHealth(deps: HealthDeps): Promise<HttpResult> {
  const now = deps.now ?? Date.now;
  try {
    const { tables, containers } = deps.open();
    return renderHealth(await readHealth(tables, containers, now()));
  } catch (error) {
    deps.logger.error('health check could not read storage', describeError(error));
    return healthUnavailable(now());
  }
}

/** What to log about a failure: its kind, message and storage status, not the stack. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error).slice(0, 500) };
  const fields: Record<string, unknown> = { error: `${error.name}: ${error.message}`.slice(0, 500) };
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') fields['statusCode'] = statusCode;
  if (typeof code === 'string') fields['code'] = code;
  return fields;
}
