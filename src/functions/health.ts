import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { getRuntime } from '../lib/config/runtime.js';
import { loggerFor } from '../lib/config/functionsLogger.js';
import { handleHealth } from '../lib/http/handlers.js';

/** `GET /api/health`: processing progress and quarantine per log container; 503 when storage is unreachable. */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  return handleHealth({
    open: () => {
      const runtime = getRuntime();
      return { tables: runtime.tables, containers: [...new Set(Object.values(runtime.settings.containers))] };
    },
    logger: loggerFor(context),
  });
}

app.http('health', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'function',
  handler: health,
});
