import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getRuntime } from '../lib/config/runtime.js';
import { loggerFor } from '../lib/config/functionsLogger.js';
import { handleHealth } from '../lib/http/handlers.js';
import { SharedEvaluations } from '../lib/http/sharedEvaluations.js';
import type { Health } from '../lib/querying/queryRows.js';
import { toWire } from '../lib/http/wire.js';

/** One health read at a time per worker, shared by the requests that arrive while it runs. */
const evaluations = new SharedEvaluations<Health>(1);

/** `GET /api/health`: processing progress and quarantine per log container; 503 when storage is unreachable. */
export async function health(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const result = await handleHealth({
    open: () => {
      const runtime = getRuntime();
      const containers = [...new Set(Object.values(runtime.settings.containers))];
      // The logs account asked for what sweeps need, reading and listing (a missing container is no failure: Azure Monitor makes it with its first record).
      return { tables: runtime.tables, containers, probeLogs: (signal?: AbortSignal) => runtime.source.containerListable(containers[0] as string, signal) };
    },
    logger: loggerFor(context),
    evaluations,
  });
  return toWire(result, request.method, (name) => request.headers.get(name));
}

app.http('health', {
  route: 'health',
  methods: ['GET', 'HEAD'],
  authLevel: 'function',
  handler: health,
});
