import type { Logger } from '../logging.js';
import { readHealth } from '../querying/health.js';
import type { Health } from '../querying/queryRows.js';
import { AbortableReads } from '../storage/abortableReads.js';
import type { TableStore } from '../storage/TableStore.js';
import { classifyError } from '../storage/errors.js';
import { healthUnavailable, renderHealth } from './health.js';
import { pageGroups, pageRows, pageStart, queryKey, type PageOf } from './paging.js';
import { parseQueryRequest } from './queryRequest.js';
import { AbandonedError, type SharedEvaluations } from './sharedEvaluations.js';
import type { PagedSnapshots } from './pagedSnapshots.js';
import { cutRows, renderPage } from './render.js';
import { errorResult, type HeaderGetter, type HttpResult } from './responses.js';
import { OutageHeldError, outageOf, type HeldOutage, type StorageOutage } from './storageOutage.js';

export interface QueryDeps {
  /** Called only once the request is valid; may throw (e.g. a misconfigured connection). */
  tables: () => TableStore;
  logger: Logger;
  /** Whole-view evaluations shared by concurrent requests and bounded in number (one per server or worker); without it, each request evaluates its own. */
  evaluations?: SharedEvaluations;
  /** Answers of views evaluated whole, kept for their next pages (one per server or worker); without it, every page evaluates its view. */
  snapshots?: PagedSnapshots;
  /** What the server knows of storage's reachability (one per server or worker): an outage found a moment ago is answered at once. */
  outage?: StorageOutage;
}

/**
 * `GET /api/query/{view}`: validate, read the page (the only I/O), render it. A view that streams
 * for these filters is read only as far as the page needs; any other is evaluated and sliced, its
 * later pages cut from the same answer while the server keeps it (see paging.ts). A failure to read
 * storage is logged and answered with a short message, never the error itself: 503 when storage
 * could not be reached or was overloaded (see StorageOutage), else 500.
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
  const { outage } = deps;
  let page: PageOf<object>;
  // The page's rows were kept cut to the fields asked: rendered as they are.
  let rowsCut = false;
  try {
    const tables = deps.tables();
    // Reads stop once nobody waits for them (this client for a page it streams, every client of a
    // shared evaluation for one it runs), and once storage is found unreachable (taken when the
    // evaluation starts, so a queued one that starts during an outage stops at once).
    const readsFor = (stop: AbortSignal | undefined): TableStore => {
      const signals = [stop, outage?.signal()].filter((one): one is AbortSignal => one !== undefined);
      return signals.length === 0 ? tables : new AbortableReads(tables, ...signals);
    };
    const groups = request.definition.stream?.(readsFor(signal), request.filters, request.page.group);
    // A failure is noted before the evaluation's slot passes to the next one queued, which then starts under the outage.
    const evaluate = (stop: AbortSignal | undefined): Promise<readonly object[]> =>
      request.definition.run(readsFor(stop), request.filters).catch((error: unknown) => {
        // Stopped because nobody waits any more: no news about storage.
        if (stop?.aborted !== true) outage?.failed(error);
        throw error;
      });
    if (groups !== undefined) page = await pageGroups(groups, request.page);
    else {
      const { snapshots } = deps;
      const key = queryKey(request.view, request.filters);
      const { identity, listFields } = request.definition;
      // An answer too large to keep whole may fit cut to the fields asked and those that name a row.
      const kept = keptAnswer(snapshots, request.page.snapshot, key, request.fields);
      const rows = kept?.rows ?? (await (deps.evaluations?.evaluate(key, evaluate, signal) ?? evaluate(signal)));
      // Kept only when there is a next page to cut from it; a page of the kept answer names it again.
      const identify = (row: object): string => JSON.stringify(identity.map((field) => (row as Record<string, unknown>)[field] ?? null));
      const more = pageStart(rows, request.page, identify) + request.page.scope.pageSize < rows.length;
      const keepCut = (fields: readonly string[]): string | undefined =>
        snapshots?.keep(cutKey(key, fields), cutRows(rows, [...fields, ...identity.filter((field) => !fields.includes(field))], listFields));
      const snapshot = !more
        ? undefined
        : kept !== undefined
          ? request.page.snapshot
          : (snapshots?.keep(key, rows) ?? (request.fields === undefined ? undefined : keepCut(request.fields)));
      page = pageRows(rows, request.page, snapshot, identify);
      rowsCut = kept?.cut === true;
    }
  } catch (error) {
    // Nobody is left to answer: not a failure of storage.
    if (error instanceof AbandonedError || signal?.aborted === true) return errorResult(503, 'client_gone', 'the request was closed before it was answered');
    if (error instanceof OutageHeldError) return storageUnavailable(outage?.held() ?? error.outage);
    deps.logger.error('query failed', { view: request.view, ...describeError(error) });
    // Without a server's own record of outages, the failure still says whether storage was reachable.
    const found = outage ? outage.failed(error) : outageOf(error);
    if (found) return storageUnavailable(found);
    // Trying again cannot help a setting or credential that cannot work; health names it (the details may name secrets' places).
    if (classifyError(error).kind === 'configuration') {
      return errorResult(500, 'configuration_error', "the aggregates cannot be read with the app's storage settings or credentials; /api/health says which");
    }
    return errorResult(500, 'storage_error', 'the aggregates could not be read; try again later');
  }
  outage?.answered();
  return renderPage(request, page, rowsCut);
}

/** Under what a kept answer cut to `fields` is known: a token honours it only for a request asking those fields. */
function cutKey(key: string, fields: readonly string[]): string {
  return JSON.stringify([key, fields]);
}

/** The kept answer a token names, whole or cut to the fields this request asks; undefined when this server has none. */
function keptAnswer(
  snapshots: PagedSnapshots | undefined,
  id: string | undefined,
  key: string,
  fields: readonly string[] | undefined,
): { rows: readonly object[]; cut: boolean } | undefined {
  if (snapshots === undefined || id === undefined) return undefined;
  const whole = snapshots.get(id, key);
  if (whole !== undefined) return { rows: whole, cut: false };
  const cut = fields === undefined ? undefined : snapshots.get(id, cutKey(key, fields));
  return cut === undefined ? undefined : { rows: cut, cut: true };
}

export interface HealthDeps {
  /** The store and the log containers to report on; may throw (e.g. a misconfigured connection). */
  open: () => { tables: TableStore; containers: readonly string[]; probeLogs?: (signal?: AbortSignal) => Promise<unknown> };
  logger: Logger;
  now?: () => number;
  /** Told what this check found: the probe always reads storage, and its answer starts or ends an outage the queries hold. */
  outage?: StorageOutage;
  /** How long to wait for the logs account (default LOGS_PROBE_MS). */
  logsProbeMs?: number;
  /** Health reads shared by concurrent requests (a probe every few seconds from several monitors, a dashboard in many tabs); without it, each request reads its own. */
  evaluations?: SharedEvaluations<Health>;
  /** Report only the containers `open` names (`serve --container`, as `health --container`), not also those where something waits or the sweep went. */
  onlyContainers?: boolean;
}

const HEALTH_KEY = 'health';

/** `GET /api/health`: 200 when ok or degraded, 503 when storage cannot be read. Its reads stop once `signal` aborts (the client gone). */
export async function handleHealth(deps: HealthDeps, signal?: AbortSignal): Promise<HttpResult> {
  const now = deps.now ?? Date.now;
  try {
    const { tables, containers, probeLogs } = deps.open();
    // Beside the tables' reads, bounded: a slow logs account must not hold the health check up.
    const logsChecked = probeLogs === undefined ? Promise.resolve(undefined) : logsAccountError(probeLogs, signal, deps.logsProbeMs ?? LOGS_PROBE_MS);
    const read = (stop?: AbortSignal): Promise<Health> =>
      readHealth(stop === undefined ? tables : new AbortableReads(tables, stop), containers, now(), { alsoFound: deps.onlyContainers !== true });
    const health = await (deps.evaluations?.evaluate(HEALTH_KEY, read, signal) ?? read(signal));
    deps.outage?.answered();
    const logsError = await logsChecked;
    if (logsError !== undefined) deps.logger.error('health check could not read the logs account', { error: logsError });
    return renderHealth(logsError === undefined ? health : { ...health, status: 'degraded', logsAccount: { error: logsError } });
  } catch (error) {
    if (error instanceof AbandonedError || signal?.aborted === true) return errorResult(503, 'client_gone', 'the request was closed before it was answered');
    deps.logger.error('health check could not read storage', describeError(error));
    deps.outage?.failed(error);
    // A setting that cannot work is said as such: "could not be reached" would send the reader to the network.
    const classified = classifyError(error);
    return classified.kind === 'configuration'
      ? healthUnavailable(now(), `configuration: ${classified.message}`, 'configuration_error')
      : healthUnavailable(now());
  }
}

/**
 * Why the logs account could not be read, if it could not: the tables alone would say `ok` while every
 * run fails on a wrong key or a missing role of the logs account (its runs' failures are not recorded:
 * a configuration error fails the invocation instead).
 */
async function logsAccountError(
  probe: (signal?: AbortSignal) => Promise<unknown>,
  signal: AbortSignal | undefined,
  waitMs: number,
): Promise<string | undefined> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), waitMs);
  const clientGone = (): void => stop.abort();
  signal?.addEventListener('abort', clientGone, { once: true });
  try {
    await probe(stop.signal);
    return undefined;
  } catch (error) {
    if (signal?.aborted === true) return undefined;
    if (stop.signal.aborted) return `the logs account did not answer within ${waitMs / 1000} s`;
    return classifyError(error).message;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', clientGone);
  }
}

/** How long health waits for the logs account (the SDK's own retries would take tens of seconds). */
const LOGS_PROBE_MS = 10_000;

/** 503 while storage cannot be reached: the client may try again after Retry-After. */
function storageUnavailable(outage: HeldOutage): HttpResult {
  const result = errorResult(503, 'storage_unavailable', `storage could not be reached (${outage.code}); try again in a few seconds`);
  result.headers['retry-after'] = String(outage.retryAfterSeconds);
  return result;
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
