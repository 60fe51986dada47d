import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { dashboardPage } from '../lib/http/dashboardPage.js';
import { toWire } from '../lib/http/wire.js';

/** `GET /api/dashboard?code=<key>`: the page `acs-logs serve` shows at `/`; it calls the API with the same key. */
export async function dashboard(request: HttpRequest): Promise<HttpResponseInit> {
  return toWire(await dashboardPage(), request.method, (name) => request.headers.get(name));
}

app.http('dashboard', {
  route: 'dashboard',
  methods: ['GET', 'HEAD'],
  authLevel: 'function',
  handler: dashboard,
});
