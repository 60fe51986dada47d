import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getRuntime } from '../lib/config/runtime.js';
import { loggerFor } from '../lib/config/functionsLogger.js';
import { handleQuery } from '../lib/http/handlers.js';
import { DEFAULT_SNAPSHOT_BYTES, LOW_MEMORY_SNAPSHOT_BYTES, PagedSnapshots } from '../lib/http/pagedSnapshots.js';
import { SharedEvaluations } from '../lib/http/sharedEvaluations.js';
import { StorageOutage } from '../lib/http/storageOutage.js';
import { toWire } from '../lib/http/wire.js';

/** One per worker: concurrent requests for the same view share its evaluation, and few run at once. */
const evaluations = new SharedEvaluations();
/** One per worker: the answers of views evaluated whole, kept for their next pages within the memory profile's budget. */
const snapshots = new PagedSnapshots(() => (getRuntime().settings.memory === 'low' ? LOW_MEMORY_SNAPSHOT_BYTES : DEFAULT_SNAPSHOT_BYTES));
/** One per worker: once storage is found unreachable, the requests of the next seconds are answered at once. */
const outage = new StorageOutage();

/** `GET /api/query/{view}`: one page of a view, as JSON or CSV (docs/QUERYING.md), compressed as the client accepts. */
export async function query(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const header = (name: string): string | null => request.headers.get(name);
  // The parameters as the URL has them: the host's `request.query` joins a repeated one's values with commas (its names in any case), so `fields=a&fields=b` would pass as `a,b`.
  const url = new URL(request.url);
  const result = await handleQuery(
    request.params['view'],
    url.searchParams,
    header,
    { tables: () => getRuntime().tables, logger: loggerFor(context), evaluations, snapshots, outage },
    url.search,
  );
  // The worker sends the bytes as they are, the Content-Encoding header with them (its HttpResponse takes a Uint8Array body).
  return toWire(result, request.method, header);
}

app.http('query', {
  route: 'query/{view}',
  methods: ['GET', 'HEAD'],
  authLevel: 'function',
  handler: query,
});
