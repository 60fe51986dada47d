import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/cli/commands/serve.js';
import { asJsonLines, blobPath, roomsRecords } from '../support/roomsLogs.js';
import { closeAll, haveChromium, serveProcessedLogs } from '../support/dashboardServer.js';

/** Rooms records of hours 0-2 of 2024-05-25: a range of the first hour shows fewer than All time. */
const RECORDS = 60;
const FIRST_HOUR = '?from=2024-05-25T00:00Z&to=2024-05-25T01:00Z';
const VIEWS = 10;

/**
 * The dashboard on a large store: a range left before its views came in is not read on (its
 * requests aborted), and what it would have drawn never replaces the range chosen after it.
 */
describe.skipIf(!haveChromium)('the dashboard under load', () => {
  let work: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'acs-logs-dashboard-scale-'));
    const logs = path.join(work, 'logs');
    const records = roomsRecords(RECORDS, 3);
    for (let hour = 0; hour < 3; hour++) {
      const file = path.join(logs, 'insights-logs-roomsoperational', ...blobPath(hour).split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(records.filter((record) => String(record['time']).slice(11, 13) === `0${hour}`)));
    }
    ({ server, browser } = await serveProcessedLogs(logs, work));
  });

  afterAll(async () => {
    await closeAll(browser, server, work);
  });

  const ready = (page: Page): Promise<unknown> => page.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
  const operations = async (page: Page): Promise<number> => Number(await page.getAttribute('figure[data-chart=rooms-operations-by-operation]', 'data-total'));

  it('a range left while its views are still coming has their requests aborted, and its late answers are not drawn', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // The first hour's views are held by the network until the page has moved on to All time.
    const held: Route[] = [];
    await page.route(
      (url) => url.pathname.includes('/api/query/') && url.searchParams.get('to') !== null,
      (route) => void held.push(route),
    );
    const aborted: string[] = [];
    page.on('requestfailed', (request) => {
      if (request.url().includes('/api/query/')) aborted.push(`${request.failure()?.errorText ?? ''} ${new URL(request.url()).pathname}`);
    });
    await page.goto(`${server.url}${FIRST_HOUR}`);
    await expect.poll(() => held.length, { timeout: 30_000 }).toBe(VIEWS);
    await page.click('#all-time');
    await ready(page);
    const all = await operations(page);
    expect(all).toBe(RECORDS);
    // Every view of the range left was abandoned by the page, not left to run on.
    await expect.poll(() => aborted.length, { timeout: 30_000 }).toBe(VIEWS);
    for (const line of aborted) expect(line).toMatch(/^net::ERR_ABORTED /);
    // Their answers, let through now, change nothing on the page.
    for (const route of held) await route.continue().catch(() => undefined);
    await page.waitForTimeout(500);
    expect(await operations(page)).toBe(all);
    expect(await page.textContent('#load-status')).toMatch(/rows in/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('sorting a table by a text column compares with one collator, not a localeCompare that builds one per comparison', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Each localeCompare with a locale and options makes a collator of its own: 30 s to sort 40,000 calls, against half a second with one.
    await page.addInitScript(`{
      const localeCompare = String.prototype.localeCompare;
      window.localeCompares = 0;
      String.prototype.localeCompare = function (...args) { window.localeCompares++; return localeCompare.apply(this, args); };
    }`);
    await page.goto(`${server.url}?from=2024-05-25`);
    await ready(page);
    const rows = Number(await page.getAttribute('[data-table=rooms]', 'data-rows'));
    expect(rows).toBeGreaterThan(20);
    const before = await page.evaluate<number>('window.localeCompares');
    await page.click('[data-table=rooms] th:first-child button');
    await expect.poll(() => page.getAttribute('[data-table=rooms] th:first-child', 'aria-sort'), { timeout: 30_000 }).toBe('ascending');
    const rooms = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-table=rooms] tbody tr td:first-child')].map((cell) => cell.textContent)`);
    expect(rooms).toEqual([...rooms].sort(new Intl.Collator('en', { numeric: true }).compare));
    // A sort of n rows makes about n log n comparisons: fewer calls than rows means none of them is a localeCompare.
    expect((await page.evaluate<number>('window.localeCompares')) - before).toBeLessThan(rows);
    await page.close();
  });
});
