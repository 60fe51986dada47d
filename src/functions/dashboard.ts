import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { dashboardPage } from '../lib/http/dashboardPage.js';

/** `GET /api/dashboard?code=<key>`: the page `acs-logs serve` shows at `/`; it calls the API with the same key. */
export async function dashboard(_request: HttpRequest): Promise<HttpResponseInit> {
  return dashboardPage();
}

app.http('dashboard', {
  route: 'dashboard',
  methods: ['GET', 'HEAD'],
  authLevel: 'function',
  handler: dashboard,
});
