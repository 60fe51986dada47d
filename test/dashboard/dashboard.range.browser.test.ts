import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/cli/commands/serve.js';
import { cli } from '../support/cli.js';
import { asJsonLines, RESOURCE, roomsRecords } from '../support/roomsLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';
import { closeAll, haveChromium, serveProcessedLogs, serveTables } from '../support/dashboardServer.js';

/** Records of 2024-05-25 (the newest day) and of 2024-05-01, weeks before it: the default range shows only the first. */
const RECENT = 12;
const OLD = 5;
/** The start of the UTC day six days before 2024-05-25. */
const DEFAULT_FROM = '2024-05-19';
const VIEWS = 10;

describe.skipIf(!haveChromium)('the dashboard opens on the last 7 days of data', () => {
  let work: string;
  let server: RunningServer;
  let browser: Browser;
  let logs: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'acs-logs-dashboard-range-'));
    logs = path.join(work, 'logs');
    const created = { operationName: 'CreateRoom', resultType: 'Succeeded', resultSignature: '201' };
    const recent = roomsRecords(RECENT, 5).map((record) => ({ ...record, ...created }));
    const old = roomsRecords(OLD, 6).map((record, i) => ({ ...record, ...created, time: `2024-05-01T10:0${i}:00.000Z` }));
    for (const [day, hour, records] of [
      ['25', '01', recent],
      ['01', '10', old],
    ] as const) {
      const file = path.join(logs, 'insights-logs-roomsoperational', `resourceId=${RESOURCE}`, 'y=2024', 'm=05', `d=${day}`, `h=${hour}`, 'm=00', 'PT1H.json');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(records));
    }
    ({ server, browser } = await serveProcessedLogs(logs, work));
  });

  afterAll(async () => {
    await closeAll(browser, server, work);
  });

  const ready = (page: Page): Promise<unknown> => page.waitForSelector('body[data-state=ready]', { timeout: 30_000 });

  /** The page at `query`, ready, with the API requests it made and any console error. */
  async function openPage(query = '', url = server.url): Promise<{ page: Page; requests: string[]; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/')) requests.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${url}${query}`);
    await ready(page);
    return { page, requests, problems };
  }

  const operations = async (page: Page): Promise<number> => Number(await page.getAttribute('figure[data-chart=rooms-operations-by-operation]', 'data-total'));
  const search = (page: Page): string => new URL(page.url()).search;
  const viewRequests = (requests: readonly string[]): URL[] => requests.filter((url) => url.includes('/api/query/')).map((url) => new URL(url));

  it('a page opened without a range shows the last 7 UTC days of data, in its boxes, its URL (no new history entry) and a note', async () => {
    const { page, requests, problems } = await openPage();
    expect(search(page)).toBe(`?from=${DEFAULT_FROM}`);
    expect(await page.inputValue('#from')).toBe(DEFAULT_FROM);
    expect(await page.inputValue('#to')).toBe('');
    expect(await operations(page)).toBe(RECENT);
    expect(await page.isVisible('#range-note')).toBe(true);
    expect(await page.textContent('#range-note')).toBe(`Showing the last 7 days of data (from ${DEFAULT_FROM} UTC); All time shows everything.`);
    // Health once, then each view once, bounded: never a first unbounded read.
    const views = viewRequests(requests);
    expect(requests.filter((url) => url.endsWith('/api/health'))).toHaveLength(1);
    expect(views).toHaveLength(VIEWS);
    for (const url of views) expect(url.searchParams.get('from'), url.pathname).toBe(DEFAULT_FROM);

    // A reload (or the link) shows the same range, still the last 7 days of data, and says so.
    await page.reload();
    await ready(page);
    expect(search(page)).toBe(`?from=${DEFAULT_FROM}`);
    expect(await page.inputValue('#from')).toBe(DEFAULT_FROM);
    expect(await operations(page)).toBe(RECENT);
    expect(await page.textContent('#range-note')).toBe(`Showing the last 7 days of data (from ${DEFAULT_FROM} UTC); All time shows everything.`);
    // Another filter keeps the range.
    await page.selectOption('#granularity', 'day');
    await ready(page);
    expect(search(page)).toBe(`?from=${DEFAULT_FROM}&granularity=day`);
    // The range replaced the page's entry: Back from it leaves the page, as the page was opened.
    await page.goBack();
    await ready(page);
    expect(search(page)).toBe(`?from=${DEFAULT_FROM}`);
    await page.goBack();
    expect(page.url()).toBe('about:blank');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('boxes cleared by hand are no bound, kept through a reload as ?from=; a URL with a range, empty or not, is taken as written', async () => {
    const { page, problems } = await openPage();
    await page.fill('#from', '');
    await page.click('button[type=submit]');
    await ready(page);
    expect(search(page)).toBe('?from=');
    expect(await operations(page)).toBe(RECENT + OLD);
    expect(await page.isVisible('#range-note')).toBe(false);
    await page.reload();
    await ready(page);
    expect(search(page)).toBe('?from=');
    expect(await page.inputValue('#from')).toBe('');
    expect(await operations(page)).toBe(RECENT + OLD);
    // Back returns to the default range.
    await page.goBack();
    await ready(page);
    expect(search(page)).toBe(`?from=${DEFAULT_FROM}`);
    expect(await operations(page)).toBe(RECENT);
    for (const [query, shown, total] of [
      ['?to=', '?to=', RECENT + OLD],
      ['?from=&to=', '?from=&to=', RECENT + OLD],
      ['?from=2024-05-01&to=2024-05-02', '?from=2024-05-01&to=2024-05-02', OLD],
    ] as const) {
      const opened = await openPage(query);
      expect(search(opened.page), query).toBe(shown);
      expect(await operations(opened.page), query).toBe(total);
      expect(await opened.page.isVisible('#range-note'), query).toBe(false);
      problems.push(...opened.problems);
      await opened.page.close();
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('All time clears both bounds and shows all of the history; reset returns to the last 7 days', async () => {
    const { page, problems } = await openPage('?to=2024-05-26');
    await page.click('#all-time');
    await ready(page);
    expect(search(page)).toBe('?from=');
    expect([await page.inputValue('#from'), await page.inputValue('#to')]).toEqual(['', '']);
    expect(await operations(page)).toBe(RECENT + OLD);
    expect(await page.isVisible('#range-note')).toBe(false);
    await page.click('#reset');
    await ready(page);
    expect(search(page)).toBe(`?from=${DEFAULT_FROM}`);
    expect(await operations(page)).toBe(RECENT);
    expect(await page.isVisible('#range-note')).toBe(true);
    await page.goBack();
    await ready(page);
    expect(search(page)).toBe('?from=');
    expect(await operations(page)).toBe(RECENT + OLD);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('health slower than the page waits for: all of the history, said so, each view read once', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.route('**/api/health', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      await route.continue();
    });
    await page.goto(server.url);
    await ready(page);
    expect(search(page)).toBe('');
    expect(await page.inputValue('#from')).toBe('');
    expect(await operations(page)).toBe(RECENT + OLD);
    expect(await page.textContent('#range-note')).toBe(
      `The newest record could not be read within 5 s: showing all of the history (reload to open on the last 7 days of data). Show the last 7 days (from ${DEFAULT_FROM})`,
    );
    const views = viewRequests(requests);
    expect(views).toHaveLength(VIEWS);
    for (const url of views) expect(url.searchParams.has('from'), url.pathname).toBe(false);
    expect(await page.title()).toBe('acs-logs dashboard: all of the history, all resources, by hour');
    // Health, come later, offers the last 7 days in one click.
    await page.unroute('**/api/health');
    await page.click('#last-days');
    await ready(page);
    expect(search(page)).toBe(`?from=${DEFAULT_FROM}`);
    expect(await operations(page)).toBe(RECENT);
    expect(await page.textContent('#range-note')).toBe(`Showing the last 7 days of data (from ${DEFAULT_FROM} UTC); All time shows everything.`);
    await page.close();
  }, 60_000);

  it('health that fails: all of the history, said so', async () => {
    const page = await browser.newPage();
    await page.route('**/api/health', (route) => route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":{"message":"boom"}}' }));
    await page.goto(server.url);
    await ready(page);
    expect(search(page)).toBe('');
    expect(await operations(page)).toBe(RECENT + OLD);
    expect(await page.textContent('#range-note')).toBe('The newest record could not be read (health: boom): showing all of the history.');
    // The title says what the page shows: all of the history, not the last days it could not find.
    expect(await page.title()).toBe('acs-logs dashboard: all of the history, all resources, by hour');
    await page.close();
  });

  it('a store without records has no bound and no note, and opens on the last 7 days once records arrive', async () => {
    const prefix = uniquePrefix();
    const empty = await serveTables(prefix, work);
    try {
      const { page, requests, problems } = await openPage('', empty.url);
      expect(search(page)).toBe('');
      expect(await page.inputValue('#from')).toBe('');
      expect(await page.isVisible('#range-note')).toBe(false);
      expect(await page.title()).toBe('acs-logs dashboard: all of the history, all resources, by hour');
      expect(viewRequests(requests)).toHaveLength(VIEWS);
      // Nothing was written into the URL: read later, the page finds the newest record.
      const processed = await cli(['process', logs, '--quiet', '--connection-string', azuriteConnectionString(), '--table-prefix', prefix]);
      expect(processed.code, processed.stderr).toBe(0);
      await page.reload();
      await ready(page);
      expect(search(page)).toBe(`?from=${DEFAULT_FROM}`);
      expect(await operations(page)).toBe(RECENT);
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await empty.close();
    }
  });
});
