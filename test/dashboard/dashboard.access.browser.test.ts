import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/cli/commands/serve.js';
import { cli } from '../support/cli.js';
import { closeAll, haveChromium, serveProcessedLogs } from '../support/dashboardServer.js';

/**
 * The dashboard used with the keyboard alone and with a screen reader, over a day of generated logs
 * of two resources: full charts and tables.
 */

const RANGE = '?from=2024-05-25&to=2024-05-26';

/**
 * Run in the page (the tests have no DOM types): the contrast of each text of the sections read again
 * against what is drawn behind it (each ancestor's background over the one behind it, each group's
 * opacity blended against its backdrop), those below 4.5:1, and what marks the calls' heading.
 */
const STALE_CONTRAST = `(() => {
  const parse = (text) => {
    const [r = 0, g = 0, b = 0, a = 1] = (text.match(/[\\d.]+/g) ?? []).map(Number);
    return [r, g, b, text.startsWith('rgba') ? a : 1];
  };
  const over = (top, below) => [0, 1, 2].map((i) => top[i] * top[3] + below[i] * (1 - top[3])).concat(1);
  const mix = (a, b, share) => [0, 1, 2].map((i) => a[i] * share + b[i] * (1 - share)).concat(1);
  const drawn = (chain, backdrop, text) => {
    const [first, ...rest] = chain;
    if (!first) return backdrop;
    const style = getComputedStyle(first);
    const inside = over(parse(style.backgroundColor), backdrop);
    const content = rest.length === 0 ? (text ? over(text, inside) : inside) : drawn(rest, inside, text);
    return mix(content, backdrop, Number(style.opacity));
  };
  const luminance = (c) => {
    const [r, g, b] = c.map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const low = [];
  let checked = 0;
  for (const element of document.querySelectorAll('main > section.stale .body *')) {
    const own = [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim() !== '');
    const box = element.getBoundingClientRect();
    if (!own || box.width === 0 || box.height === 0 || element.closest('.visually-hidden')) continue;
    const chain = [];
    for (let at = element; at; at = at.parentElement) chain.unshift(at);
    const white = [255, 255, 255, 1];
    const fore = luminance(drawn(chain, white, parse(getComputedStyle(element).color)));
    const back = luminance(drawn(chain, white, undefined));
    const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
    checked++;
    if (ratio < 4.5) low.push(element.tagName + ' "' + element.textContent.slice(0, 30) + '" ' + ratio.toFixed(2));
  }
  return { low, checked, mark: getComputedStyle(document.querySelector('#calls > h2'), '::after').content };
})()`;

describe.skipIf(!haveChromium)('the dashboard with the keyboard and a screen reader', () => {
  let work: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'acs-logs-dashboard-access-'));
    const logs = path.join(work, 'logs');
    const generated = await cli(['generate', '--out', logs, '--hours', '24', '--resources', '2', '--seed', '3']);
    expect(generated.code, generated.stderr).toBe(0);
    ({ server, browser } = await serveProcessedLogs(logs, work));
  });

  afterAll(async () => {
    await closeAll(browser, server, work);
  });

  async function openPage(query = RANGE, viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    await page.goto(`${server.url}${query}`);
    await page.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
    return page;
  }

  it("gives every chart its values as a table that the keyboard opens, each point a row, the same values as the chart's", async () => {
    const page = await openPage();
    const drawn = await page.locator('figure.chart:not([data-points="0"])').count();
    expect(drawn).toBeGreaterThan(10);
    expect(await page.locator('figure.chart:not([data-points="0"]) details.values > summary').count()).toBe(drawn);
    for (const id of ['rooms-operations-by-operation', 'recordings-by-format']) {
      const chart = page.locator(`figure[data-chart=${id}]`);
      await chart.locator('summary').focus();
      await page.keyboard.press('Enter');
      const table = chart.getByRole('region', { name: /^values of / }).getByRole('table');
      await expect.poll(() => table.locator('tbody tr').count(), { timeout: 30_000 }).toBe(Number(await chart.getAttribute('data-points')));
      // Every value of the chart, under its series' name: the cells add up to the chart's total.
      const cells = await table.locator('tbody td').allTextContents();
      expect(cells.reduce((sum, cell) => sum + Number(cell.replaceAll(',', '')), 0)).toBe(Number(await chart.getAttribute('data-total')));
      expect((await table.locator('thead th').allTextContents()).length).toBeGreaterThan(1);
    }
    await page.close();
  });

  it("keeps the order a heading chose in the page's link, and a link or a reload opens the table in that order, its heading saying so", async () => {
    const page = await openPage();
    const durations = (on: Page): Promise<string[]> => on.locator('[data-table=calls] tbody tr td:nth-child(4)').allTextContents();
    const unsorted = await durations(page);
    await page.locator('[data-table=calls] th', { hasText: 'duration' }).getByRole('button').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('sort'), { timeout: 30_000 }).toBe('calls.duration.desc');
    const longestFirst = await durations(page);
    expect(longestFirst).not.toEqual(unsorted);
    // Sorted again the other way, the link follows.
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('sort'), { timeout: 30_000 }).toBe('calls.duration.asc');
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('sort'), { timeout: 30_000 }).toBe('calls.duration.desc');
    // The heading's button is still named by its column alone: the order is said by aria-sort, the arrow only drawn.
    expect(await page.locator('[data-table=calls] thead').getByRole('button', { name: 'duration', exact: true }).count()).toBe(1);
    expect(await page.locator('[data-table=calls] th[aria-sort]').textContent()).toBe('duration ▾');
    const shared = await openPage(new URL(page.url()).search);
    expect(await shared.locator('[data-table=calls] th', { hasText: 'duration' }).getAttribute('aria-sort')).toBe('descending');
    expect(await durations(shared)).toEqual(longestFirst);
    // A new filter keeps the order too.
    await shared.selectOption('#granularity', 'day');
    await expect.poll(() => new URL(shared.url()).searchParams.get('granularity'), { timeout: 30_000 }).toBe('day');
    await shared.waitForSelector('body[data-state=ready]');
    expect(await shared.locator('[data-table=calls] th', { hasText: 'duration' }).getAttribute('aria-sort')).toBe('descending');
    await shared.close();
    await page.close();
  });

  it('says how many calls and rooms a search finds, none too, to a screen reader, the focus staying in the search box', async () => {
    const page = await openPage();
    const calls = Number(await page.getAttribute('[data-table=calls]', 'data-rows'));
    await page.locator('#call-search').pressSequentially('zzz');
    const said = page.locator('#calls').getByRole('status');
    await expect.poll(() => said.textContent(), { timeout: 30_000 }).toBe('no call in this range has a CorrelationId containing "zzz"');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('call-search');
    await page.locator('#call-search').fill('');
    await expect.poll(() => said.textContent(), { timeout: 30_000 }).toBe(`all ${calls.toLocaleString('en-US')} calls of the range`);
    const room = ((await page.locator('[data-table=rooms] tbody tr td').first().textContent()) ?? '').slice(0, 6);
    await page.locator('#room-search').pressSequentially(room);
    const rooms = page.locator('#rooms').getByRole('status');
    await expect.poll(() => rooms.textContent(), { timeout: 30_000 }).toMatch(new RegExp(`^[\\d,]+ of [\\d,]+ rooms have an id containing "${room}"$`));
    await page.close();
  });

  it('names the page by what it shows: range, resource and granularity, as the filters change', async () => {
    const page = await openPage();
    expect(await page.title()).toBe('acs-logs dashboard: 2024-05-25 to 2024-05-26 (UTC), all resources, by hour');
    await page.selectOption('#granularity', 'day');
    await expect.poll(() => page.title(), { timeout: 30_000 }).toBe('acs-logs dashboard: 2024-05-25 to 2024-05-26 (UTC), all resources, by day');
    await page.waitForSelector('body[data-state=ready]');
    await page.click('#all-time');
    await expect.poll(() => page.title(), { timeout: 30_000 }).toBe('acs-logs dashboard: all of the history, all resources, by day');
    await page.waitForSelector('body[data-state=ready]');
    await page.close();
    // A link without a range opens on the last days of data, from the newest record.
    const opened = await openPage('');
    expect(await opened.title()).toBe('acs-logs dashboard: from 2024-05-19 (UTC), all resources, by hour');
    await opened.close();
    // A time typed with its own offset is not said to be UTC.
    const offset = await openPage('?from=2024-05-25T04:00%2B02:00&to=2024-05-26T00:00Z');
    expect(await offset.title()).toBe('acs-logs dashboard: 2024-05-25T04:00+02:00 to 2024-05-26T00:00Z, all resources, by hour');
    await offset.close();
    // So is one written with a space before its time, as the API takes it too.
    const spaced = await openPage('?from=2024-05-25%2004:00%2B02:00&to=2024-05-26%2000:00-0530');
    expect(await spaced.title()).toBe('acs-logs dashboard: 2024-05-25 04:00+02:00 to 2024-05-26 00:00-0530, all resources, by hour');
    await spaced.close();
  });

  it('says to a screen reader why the page shows all of the history when the newest record cannot be read, the focus left where it was', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.route('**/api/health', (route) => route.abort());
    await page.goto(server.url);
    await page.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
    const said = page.getByRole('status').filter({ hasText: 'The newest record could not be read' });
    await expect.poll(() => said.count(), { timeout: 30_000 }).toBe(1);
    expect(await page.evaluate<string>('document.activeElement.tagName')).toBe('BODY');
    await page.close();
  });

  it('marks a section busy while its views are read again, and not once it is drawn', async () => {
    const page = await openPage();
    expect(await page.locator('main > section[aria-busy]').count()).toBe(0);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/query/calls?*', async (route) => {
      await held;
      await route.continue();
    });
    await page.selectOption('#granularity', 'day');
    await expect.poll(() => page.getAttribute('#calls', 'aria-busy'), { timeout: 30_000 }).toBe('true');
    await expect.poll(() => page.getAttribute('#rooms', 'aria-busy'), { timeout: 30_000 }).toBeNull();
    release();
    await page.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
    expect(await page.locator('main > section[aria-busy]').count()).toBe(0);
    await page.close();
  });

  it('keeps the text of a section read again at 4.5:1 against what is behind it, its opacity blended in, and marks the section as reloading', async () => {
    const page = await openPage();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Health too: the Health section is drawn from it and is stale no more (a slow machine polled after that, and saw 8).
    await page.route(
      (url) => url.pathname.startsWith('/api/'),
      async (route) => {
        await held;
        await route.continue();
      },
    );
    await page.click('#filters button[type=submit]');
    await expect.poll(() => page.locator('main > section.stale').count(), { timeout: 30_000 }).toBe(9);
    const found = await page.evaluate<{ low: string[]; checked: number; mark: string }>(STALE_CONTRAST);
    expect(found.checked).toBeGreaterThan(100);
    expect(found.low).toEqual([]);
    expect(found.mark).toContain('reloading');
    release();
    await page.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
    expect(await page.locator('main > section.stale').count()).toBe(0);
    await page.close();
  });

  it('says to a screen reader, once, that the call a link names is not in the range', async () => {
    const page = await openPage(`${RANGE}&call=no-such-call`);
    await page.waitForSelector('#call-detail[data-loaded=true]', { timeout: 30_000 });
    const none = page.locator('#call-detail').getByText('no call with this CorrelationId in this range');
    expect(await none.count()).toBe(1);
    // In one live region, the one it is written into: not a region inside another, which would say it twice.
    const regions = await page.evaluate(`(() => {
      const element = [...document.querySelectorAll('#call-detail *')].find((at) => at.textContent === 'no call with this CorrelationId in this range');
      const regions = [];
      for (let at = element; at; at = at.parentElement)
        if (at.matches('[role=status], [role=alert], [role=log], [aria-live]')) regions.push(at === element ? 'itself' : at.tagName);
      return regions;
    })()`);
    expect(regions).toEqual(['itself']);
    expect(await none.getAttribute('role')).toBe('status');
    await page.close();
  });

  for (const [kind, answer] of [
    ['500 (storage error)', { status: 500, code: 'storage_error', message: 'the aggregates could not be read' }],
    ['400 for a parameter other than the filters', { status: 400, code: 'bad_request', message: 'pageSize is not valid', parameter: 'pageSize' }],
    ['503 (storage away)', { status: 503, code: 'storage_unavailable', message: 'storage could not be reached', retryAfter: '60' }],
  ] as const)
    it(`says once, in one alert, that the views answer ${kind}, each part showing its own error without an alert of its own`, async () => {
      const page = await openPage();
      await page.route('**/api/**', (route) =>
        route.fulfill({
          status: answer.status,
          headers: { 'content-type': 'application/json', ...('retryAfter' in answer ? { 'retry-after': answer.retryAfter } : {}) },
          body: JSON.stringify({
            error: {
              code: answer.code,
              message: answer.message,
              details: 'parameter' in answer ? [{ parameter: answer.parameter, message: answer.message }] : [],
            },
          }),
        }),
      );
      // With a call open, as a link can have it: its drill-down fails alike.
      await page.goto(`${server.url}${RANGE}&call=some-call`);
      await page.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
      const errors = await page.locator('main .error').allTextContents();
      expect(errors.length).toBeGreaterThan(10);
      for (const error of errors) expect(error).toContain(answer.message);
      const alerts = await page.evaluate<string[]>(
        `[...document.querySelectorAll('[role=alert], [aria-live=assertive]')].filter((alert) => !alert.closest('[hidden]') && alert.textContent.trim() !== '').map((alert) => alert.textContent)`,
      );
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toContain(answer.message);
      expect(alerts[0]!.split(answer.message)).toHaveLength(2);
      // The call's failure is part of that alert: its drill-down shows it without a live region of its own.
      const callErrors = await page.evaluate<number[]>(
        `[...document.querySelectorAll('#call-detail .error')].map((error) => error.closest('[role=status], [role=alert], [aria-live]') ? 1 : 0)`,
      );
      expect(callErrors).toEqual([0]);
      await page.close();
    });

  it('zooms a chart to a range of its buckets with the keyboard, as a drag does, and back, and says how in its description', async () => {
    const page = await openPage();
    const chart = page.locator('figure[data-chart=rooms-operations-by-operation]');
    const range = async (): Promise<number[]> => ((await chart.getAttribute('data-x-range')) ?? '').split(',').map(Number);
    const [first = NaN, last = NaN] = await range();
    expect(last - first).toBeGreaterThan(5 * 3600);
    // One Tab stop, before the chart's legend.
    await chart.locator('.u-legend [tabindex="0"]').focus();
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate<string | null>('document.activeElement.getAttribute("role")')).toBe('img');
    const description = await page.evaluate<string>('document.getElementById(document.activeElement.getAttribute("aria-describedby")).textContent');
    expect(description).toMatch(/Shift.*Enter zooms/);
    // From the second bucket, three more selected: the chart shows the second to the fifth.
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Enter');
    await expect.poll(range, { timeout: 30_000 }).toEqual([first + 3600, first + 4 * 3600]);
    // Inside the zoomed range, again: its last two buckets.
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Enter');
    await expect.poll(range, { timeout: 30_000 }).toEqual([first + 3 * 3600, first + 4 * 3600]);
    await page.keyboard.press('Escape');
    await expect.poll(range, { timeout: 30_000 }).toEqual([first, last]);
    await page.close();
  });

  it("hides and shows a chart's line from its legend with the keyboard, as a click does: one Tab stop, the arrows between entries", async () => {
    const page = await openPage();
    const chart = page.locator('figure[data-chart=rooms-operations-by-operation]');
    const entries = chart.locator('.u-legend tr.u-series:not(:first-child)');
    expect(await entries.count()).toBeGreaterThan(2);
    const first = entries.nth(0).getByRole('button');
    await first.focus();
    await page.keyboard.press('ArrowRight');
    const second = entries.nth(1).getByRole('button');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe(await second.textContent());
    expect(await second.getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Enter');
    await expect.poll(() => entries.nth(1).getAttribute('class'), { timeout: 30_000 }).toContain('u-off');
    expect(await second.getAttribute('aria-pressed')).toBe('false');
    await page.keyboard.press(' ');
    await expect.poll(() => entries.nth(1).getAttribute('class'), { timeout: 30_000 }).not.toContain('u-off');
    expect(await second.getAttribute('aria-pressed')).toBe('true');
    // One Tab stop: the entry the arrows stopped on.
    expect(await entries.locator('[tabindex="0"]').count()).toBe(1);
    await page.close();
  });
});
