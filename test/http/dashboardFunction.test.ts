import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { dashboard } from '../../src/functions/dashboard.js';
import { dashboardPage, dashboardPath } from '../../src/lib/http/dashboardPage.js';
import { errorOf } from './support.js';

describe('the dashboard function', () => {
  it('answers the built page, as acs-logs serve does at /', async () => {
    const response = await dashboard(new HttpRequest({ method: 'GET', url: 'http://localhost/api/dashboard?code=k' }));
    expect(response.status).toBe(200);
    expect((response.headers as Record<string, string>)['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toBe(await readFile(dashboardPath(), 'utf8'));
  });

  it('a missing build is a 503 that says how to build it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'acs-logs-nopage-'));
    try {
      const result = await dashboardPage(path.join(dir, 'index.html'));
      expect(result.status).toBe(503);
      expect(errorOf(result)).toMatchObject({ code: 'dashboard_not_built', message: expect.stringContaining('npm run build') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
