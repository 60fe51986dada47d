import type { Logger } from '../logging.js';
import { readHealth } from '../querying/health.js';
import { AbortableReads } from '../storage/abortableReads.js';
import type { TableStore } from '../storage/TableStore.js';
import { healthUnavailable, renderHealth } from './health.js';
import { pageGroups, pageRows, queryKey, type PageOf } from './paging.js';
import { parseQueryRequest } from './queryRequest.js';
import { AbandonedError, type SharedEvaluations } from './sharedEvaluations.js';
import { renderPage } from './render.js';
import { errorResult, type HeaderGetter, type HttpResult } from './responses.js';

export interface QueryDeps {
  /** Called only once the request is valid; may throw (e.g. a misconfigured connection). */
  tables: () => TableStore;
  logger: Logger;
  /** Whole-view evaluations shared by concurrent requests and bounded in number (one per server or worker); without it, each request evaluates its own. */
  evaluations?: SharedEvaluations;
}

/**
 * `GET /api/query/{view}`: validate, read the page (the only I/O), render it. A view that streams
 * for these filters is read only as far as the page needs; any other is evaluated and sliced (see
 * paging.ts). A failure to read storage is logged and answered 500 with a short message, never the
 * error itself.
 */
export async function handleQuery(
  view: string | undefined,
  params: URLSearchParams,
  header: HeaderGetter,
  deps: QueryDeps,
  rawQuery = '',
  signal?: AbortSignal,
): Promise<HttpResult> {
  const parsed = parseQueryRequest(view, params, header, rawQuery);
  if (!parsed.success) return parsed.response;
  const { request } = parsed;
  let page: PageOf<object>;
  try {
    const tables = deps.tables();
    // Reads stop once nobody waits for them: this client for a page it streams, every client of a shared evaluation for one it runs.
    const readsFor = (stop: AbortSignal | undefined): TableStore => (stop === undefined ? tables : new AbortableReads(tables, stop));
    const groups = request.definition.stream?.(readsFor(signal), request.filters, request.page.group);
    const evaluate = (stop: AbortSignal | undefined): Promise<readonly object[]> => request.definition.run(readsFor(stop), request.filters);
    page =
      groups !== undefined
        ? await pageGroups(groups, request.page)
        : pageRows(await (deps.evaluations?.evaluate(queryKey(request.view, request.filters), evaluate, signal) ?? evaluate(signal)), request.page);
  } catch (error) {
    // Nobody is left to answer: not a failure of storage.
    if (error instanceof AbandonedError || signal?.aborted === true) return errorResult(503, 'client_gone', 'the request was closed before it was answered');
    deps.logger.error('query failed', { view: request.view, ...describeError(error) });
    return errorResult(500, 'storage_error', 'the aggregates could not be read; try again later');
  }
  return renderPage(request, page);
}

export interface HealthDeps {
  /** The store and the log containers to report on; may throw (e.g. a misconfigured connection). */
  open: () => { tables: TableStore; containers: readonly string[] };
  logger: Logger;
  now?: () => number;
}

/** `GET /api/health`: 200 when ok or degraded, 503 when storage cannot be read. Its reads stop once `signal` aborts (the client gone). */
export async function handleHealth(deps: HealthDeps, signal?: AbortSignal): Promise<HttpResult> {
  const now = deps.now ?? Date.now;
  try {
    const { tables, containers } = deps.open();
    return renderHealth(await readHealth(signal === undefined ? tables : new AbortableReads(tables, signal), containers, now(), { alsoFound: true }));
  } catch (error) {
    if (error instanceof AbandonedError || signal?.aborted === true) return errorResult(503, 'client_gone', 'the request was closed before it was answered');
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
