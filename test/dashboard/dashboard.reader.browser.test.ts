import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from '../support/embedded.js';
import type { RunningServer } from '../../src/cli/commands/serve.js';
import { cli } from '../support/cli.js';
import { portOf, startFaultProxy, withPorts, type FaultProxy } from '../support/faultProxy.js';
import { asJsonLines, blobPath, RESOURCE, roomsRecords } from '../support/roomsLogs.js';
import { DAY, operationRecord, recordingBlobPath, usageRecord } from '../support/recordingLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';
import { haveChromium, launchChromium, serveTables } from '../support/dashboardServer.js';

/**
 * The dashboard as its readers meet it: values from logs that would read as others or widen the
 * page, a resource id too long for a link, the keyboard, a phone's width, storage that goes away
 * and comes back. (dashboard.browser.test.ts checks what it shows against the API.)
 */

/** Six room ids that a browser draws alike (`room-1`) unless their invisible characters are shown. */
const ALIKE = ['room-1', 'room-1\u{e0031}', 'room\u00ad-1', 'room-1\u034f', 'room-1\u180e', 'room-1\u00a0'];
/** Room ids that differ only in their plain spaces: a browser collapses a run of spaces into one and drops a leading one. */
const SPACED = ['room 2', 'room  2', ' room 2'];
/** 79 zero-width spaces and a letter: 80 characters, 475 once each space is written as `\u200b`. */
const INVISIBLE_NAME = `${'\u200b'.repeat(79)}Z`;
/** A resource id of 2,026 characters whose percent-encoding (17 KB) no request line could carry. */
/** A day of June 2024, after every other record, and a second resource whose records spell a unit their own way. */
const JUNE = Date.UTC(2024, 5, 10);
/** A day of September 2024 whose usage unit reads `megabytes` where a right-to-left override acts. */
const SEPTEMBER = Date.UTC(2024, 8, 10);
const REVERSED_UNIT = '\u202esetybagem';
const OTHER_RESOURCE = RESOURCE.replace(/[^/]+$/, 'OTHER-ACS');
/** A resource whose id (its subscription first) sorts before ACS1's while its name sorts after it. */
const ZULU_RESOURCE = '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ZULU-ACS';
const CJK_RESOURCE = `/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/${'中'.repeat(1900)}`;

describe.skipIf(!haveChromium)('the dashboard for its readers, in a real browser', () => {
  let work: string;
  let proxy: FaultProxy;
  let server: RunningServer;
  let browser: Browser;

  async function openPage(query = '', viewport = { width: 1280, height: 900 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    await page.goto(`${server.url}${query}`);
    await page.waitForSelector('body[data-state=ready]');
    return page;
  }

  /** Waits for a condition on the page (the page's policy refuses the evaluated strings of waitForFunction). */
  async function until(condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('the page did not get there in time');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'acs-logs-dashboard-reader-'));
    const prefix = uniquePrefix();
    const logs = path.join(work, 'logs');
    const write = async (container: string, blob: string, records: Record<string, unknown>[]): Promise<void> => {
      const file = path.join(logs, container, ...blob.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(records));
    };
    const rooms = roomsRecords(ALIKE.length + 2 + SPACED.length, 5).map((record, i) => ({
      ...record,
      time: `2024-05-25T00:${10 + i}:00.000Z`,
      operationName: i === ALIKE.length ? INVISIBLE_NAME : record['operationName'],
      resultSignature: i === ALIKE.length + 1 ? null : record['resultSignature'],
      properties: { ...(record['properties'] as object), roomId: ALIKE[i] ?? SPACED[i - ALIKE.length - 2] ?? `room-${i}` },
    }));
    await write('insights-logs-roomsoperational', blobPath(0), rooms);
    // Its id comes from the record (no file system takes it as a folder name).
    const far = roomsRecords(1, 6, 1, CJK_RESOURCE).map((record) => ({ ...record, time: '2024-05-25T01:30:00.000Z' }));
    await write('insights-logs-roomsoperational', blobPath(1), far);
    // Twelve calls for the keyboard, one month of usage for the retirement chart.
    const operations = Array.from({ length: 12 }, (_, i) =>
      operationRecord({
        correlationId: `call-${String(i).padStart(2, '0')}`,
        operationName: i === 11 ? INVISIBLE_NAME : 'StartRecording',
        time: DAY + i * 60_000,
      }),
    );
    await write('insights-logs-callrecordingoperational', recordingBlobPath(DAY, 0), operations);
    await write('insights-logs-usage', recordingBlobPath(DAY, 0), [usageRecord({ time: DAY + 60_000, quantity: 5 })]);
    // Five failed results, the fewest last, on a day of their own: a bar chart whose labels slant.
    const failures = [429, 404, 403, 401, 400].flatMap((signature, rank) =>
      roomsRecords(5 - rank, 7 + rank).map((record) => ({
        ...record,
        time: '2024-05-27T10:00:00.000Z',
        resultType: 'ClientError',
        resultSignature: signature,
      })),
    );
    await write('insights-logs-roomsoperational', blobPath(10).replace('d=25', 'd=27'), failures);
    // A month later, one unit as two resources spell it.
    await write('insights-logs-usage', recordingBlobPath(JUNE, 0), [
      usageRecord({ time: JUNE + 60_000, quantity: 2, unitType: 'Minute', recordId: 'june-1' }),
      usageRecord({ time: JUNE + 120_000, quantity: 3, unitType: 'minutes', recordId: 'june-2', resource: OTHER_RESOURCE }),
    ]);
    await write('insights-logs-usage', recordingBlobPath(SEPTEMBER, 0), [
      usageRecord({ time: SEPTEMBER + 60_000, quantity: 4, unitType: REVERSED_UNIT, recordId: 'september-1' }),
    ]);
    // A day of July 2024 with an operation of ACS1 and one of ZULU-ACS.
    for (const resource of [RESOURCE, ZULU_RESOURCE]) {
      const july = roomsRecords(1, 8, 1, resource).map((record) => ({ ...record, time: '2024-07-10T00:10:00.000Z' }));
      await write('insights-logs-roomsoperational', blobPath(0, resource).replace('m=05/d=25', 'm=07/d=10'), july);
    }
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    const processed = await cli(['process', logs, '--quiet', ...storage]);
    expect(processed.code, processed.stderr).toBe(0);
    // The server reaches the tables through a proxy that can go down and come back.
    proxy = await startFaultProxy(portOf(azuriteConnectionString(), 'Table'));
    server = await serveTables(prefix, work, withPorts(azuriteConnectionString(), { table: proxy.port }));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await proxy?.close();
    if (work) await removeTestDir(work);
  });

  it('shows every invisible character, so ids that a browser draws alike read apart, and keeps the page as wide as the window', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    const cells = await page.$$eval('[data-table=rooms] tbody tr td:first-child', (tds) => tds.map((td) => td.textContent ?? ''));
    const shown = cells.filter((cell) => cell.startsWith('room'));
    expect(shown).toEqual(expect.arrayContaining(['room-1', 'room-1\\udb40\\udc31', 'room\\u00ad-1', 'room-1\\u034f', 'room-1\\u180e', 'room-1\\u00a0']));
    expect(new Set(shown).size).toBe(shown.length);
    // As drawn (innerText follows the layout's white space): a run of spaces and a leading one are kept, as the CLI's tables keep them.
    const drawn = await page.$$eval('[data-table=rooms] tbody tr td:first-child', (tds) => tds.map((td) => (td as unknown as { innerText: string }).innerText));
    expect(drawn).toEqual(expect.arrayContaining(SPACED));
    // Cut as shown: 80 characters with the escapes, not 80 before them.
    const titles = await page.$$eval('figure.chart h3', (headings) => headings.map((heading) => heading.textContent ?? ''));
    const invisible = titles.find((title) => title.includes('\\u200b'));
    expect(invisible).toBeDefined();
    expect([...invisible!].length).toBeLessThanOrEqual(80);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    // A missing result signature reads as (none), never as "null".
    expect(await page.textContent('#rooms')).not.toMatch(/\bnull\b/);
    await page.close();
  });

  it('draws a unit from the logs on a chart axis with its invisible characters shown, as its title shows them', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The axes are drawn on a canvas, out of the DOM's reach: what is drawn is noted as it is drawn.
    await page.addInitScript(`
      window.drawnTexts = [];
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
        window.drawnTexts.push(String(text));
        return fillText.call(this, text, ...rest);
      };
    `);
    await page.goto(`${server.url}?from=2024-09-01&to=2024-10-01`);
    await page.waitForSelector('body[data-state=ready]');
    expect(await page.textContent('#usage figure[data-chart] h3')).toBe('Usage in \\u202esetybagem');
    const drawn = await page.evaluate<string[]>('window.drawnTexts');
    expect(drawn).toContain('\\u202esetybagem');
    expect(drawn.filter((text) => text.includes('\u202e'))).toEqual([]);
    await page.close();
  });

  it('offers no resource whose id would make the requests too long', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    const offered = await page.$$eval('#resource option', (options) => options.map((option) => option.getAttribute('value') ?? ''));
    expect(offered).toContain(RESOURCE);
    expect(offered.some((value) => value.includes('中'))).toBe(false);
    expect(await page.$$eval('.error:not([hidden])', (boxes) => boxes.length)).toBe(0);
    await page.close();
  });

  it('lists the resources in the order of their names, not of their ids', async () => {
    const page = await openPage('?from=2024-07-10&to=2024-07-11');
    await until(async () => (await page.$$('#resource option')).length > 2);
    const names = await page.$$eval('#resource option', (options) => options.map((option) => option.textContent));
    expect(names).toEqual(['all resources', 'ACS1', 'ZULU-ACS']);
    await page.close();
  });

  it('reads a granularity in any case, and says once, beside the filters, what is wrong with one it does not know', async () => {
    const day = await openPage('?granularity=DAY&from=2024-05-25&to=2024-05-27');
    expect(await day.inputValue('#granularity')).toBe('day');
    expect(await day.isHidden('#filter-error')).toBe(true);
    await day.close();
    const page = await openPage('?granularity=week');
    expect(await page.$$eval('[role=alert]:not([hidden])', (alerts) => alerts.map((alert) => alert.textContent))).toEqual([
      'The filters are not valid: granularity must be hour or day',
    ]);
    expect(await page.getAttribute('#granularity', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#from', 'aria-invalid')).toBeNull();
    expect(await page.$$eval('.part .error', (boxes) => boxes.map((box) => box.textContent))).toContain('not read: the filters above are not valid');
    // Mended, the page reads again and the mark goes.
    await page.selectOption('#granularity', 'hour');
    await page.waitForSelector('body[data-state=ready]');
    await until(async () => await page.isHidden('#filter-error'));
    expect(await page.getAttribute('#granularity', 'aria-invalid')).toBeNull();
    await page.close();
  });

  it('takes a table of calls as one Tab stop: arrows move, Space opens the call, and the keyboard goes on from it', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    const stops = await page.$$eval('[data-table=calls] tbody tr', (rows) => rows.filter((row) => row.getAttribute('tabindex') === '0').length);
    expect(stops).toBe(1);
    await page.focus('[data-table=calls] tbody tr[tabindex="0"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate('document.activeElement.textContent')).toContain('call-02');
    await page.keyboard.press(' ');
    await page.waitForSelector('#call-detail[data-loaded=true]');
    expect(await page.getAttribute('#call-detail', 'data-call')).toBe('call-02');
    expect(await page.evaluate("document.activeElement.closest('#call-detail') !== null")).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('close');
    // Closed, the keyboard is back on the row that opened the call.
    await page.keyboard.press('Enter');
    expect(await page.isHidden('#call-detail')).toBe(true);
    const focused = async (): Promise<string> => page.evaluate("document.activeElement.tagName + ' ' + document.activeElement.textContent.slice(0, 7)");
    expect(await focused()).toBe('TR call-02');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('TR call-03');
    // Charts are named for screen readers by their title and caption.
    const labels = await page.$$eval('figure.chart canvas[role=img]', (canvases) => canvases.map((canvas) => canvas.getAttribute('aria-label') ?? ''));
    expect(labels.length).toBeGreaterThan(5);
    for (const label of labels) expect(label).toMatch(/\S: \S/);
    await page.close();
  });

  it('takes the keyboard back to the row that opened a call when Back closes the call, as its close button does', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    await page.focus('[data-table=calls] tbody tr[tabindex="0"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#call-detail[data-loaded=true]');
    expect(await page.evaluate("document.activeElement.closest('#call-detail') !== null")).toBe(true);
    await page.goBack();
    await page.waitForSelector('#call-detail', { state: 'hidden' });
    const focused = async (): Promise<string> => page.evaluate("document.activeElement.tagName + ' ' + document.activeElement.textContent.slice(0, 7)");
    expect(await focused()).toBe('TR call-01');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('TR call-02');
    await page.close();
  });

  it("names the time under the pointer in UTC as the axis writes it, whatever the reader's time zone and language", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/Los_Angeles', locale: 'de-DE' });
    try {
      for (const [query, shown] of [
        ['?from=2024-05-25&to=2024-05-26', /^2024-05-25 00:[01]0$/],
        ['?from=2024-05-25&to=2024-05-27&granularity=day', /^2024-05-25$/],
      ] as const) {
        const page = await context.newPage();
        await page.goto(`${server.url}${query}`);
        await page.waitForSelector('body[data-state=ready]');
        const chart = page.locator('figure[data-chart=rooms-operations-by-operation]');
        const plot = await chart.locator('.u-over').boundingBox();
        await page.mouse.move(plot!.x + 1, plot!.y + plot!.height / 2);
        expect(await chart.locator('.u-legend tr:first-child td').textContent()).toMatch(shown);
        await page.close();
      }
    } finally {
      await context.close();
    }
  });

  for (const width of [375, 1280])
    it(`at ${width} px, a bar chart's last slanted label is drawn whole inside its chart, not cut to another value`, async () => {
      const page = await openPage('?from=2024-05-27&to=2024-05-28', { width, height: 900 });
      const chart = 'figure[data-chart=rooms-failures-by-signature]';
      expect(await page.getAttribute(chart, 'data-points')).toBe('5');
      // The last label starts under the middle of the last bar and runs down to the right at 30°.
      const room = await page.$eval(chart, (figure) => {
        const canvas = figure.querySelector('canvas')!.getBoundingClientRect();
        const plot = figure.querySelector('.u-over')!.getBoundingClientRect();
        const context = figure.ownerDocument.createElement('canvas').getContext('2d')!;
        context.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
        const run = context.measureText('ClientError 400').width * Math.cos(Math.PI / 6);
        return canvas.right - (plot.right - plot.width / 10 + run);
      });
      expect(room).toBeGreaterThanOrEqual(0);
      await page.close();
    });

  it('fits a phone: no chart wider than the screen, the header scrolling away', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26', { width: 375, height: 740 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    expect(await page.evaluate("getComputedStyle(document.querySelector('header')).position")).toBe('static');
    await page.close();
  });

  it('captions a unit in the singular for one and in the plural for more (ticks: series.test.ts)', async () => {
    const page = await openPage('?from=2024-05-01&to=2024-06-01&granularity=day');
    const caption = await page.textContent('[data-chart=retirement-records-by-fate] figcaption');
    expect(caption).toBe('total 1 record');
    expect(await page.textContent('[data-chart=recordings-per-call] figcaption')).toMatch(/^\d+ calls$/);
    await page.close();
    // The hour of the one far record: one operation, its share written as shares are (share.test.ts).
    const one = await openPage('?from=2024-05-25T01:00Z&to=2024-05-25T02:00Z');
    expect(await one.textContent('[data-chart=rooms-success-rate] figcaption')).toMatch(/^(100|0) % of 1 operation succeeded$/);
    await one.close();
  });

  it('says a chart of failures is empty because nothing failed, and a range without operations is empty of data', async () => {
    // The day of the twelve recording operations, all succeeded.
    const day = new Date(DAY).toISOString().slice(0, 10);
    const page = await openPage(`?from=${day}&to=${new Date(DAY + 86_400_000).toISOString().slice(0, 10)}`);
    expect(await page.textContent('[data-chart=recording-failures-by-sdk] figcaption')).toBe('no failures in this range');
    await page.close();
    // A day without a record.
    const none = await openPage('?from=2024-05-26&to=2024-05-27');
    expect(await none.textContent('[data-chart=recording-failures-by-sdk] figcaption')).toBe('no data in this range');
    expect(await none.textContent('[data-chart=rooms-failures] figcaption')).toBe('no data in this range');
    await none.close();
  });

  it('lists a resource a link names by its name once, under that name, not also under its full id', async () => {
    const page = await openPage('?resource=acs1');
    await until(async () => (await page.$$('#resource option')).length > 1);
    const options = await page.$$eval('#resource option', (list) => list.map((option) => [option.getAttribute('value') ?? '', option.textContent ?? '']));
    expect(options).toEqual([
      ['', 'all resources'],
      ['acs1', 'acs1'],
    ]);
    expect(await page.inputValue('#resource')).toBe('acs1');
    await page.close();
  });

  it('charts one unit once however the records spell it (Minute, minutes), titled in the plural', async () => {
    const page = await openPage('?from=2024-06-01&to=2024-07-01');
    const charts = async (section: string): Promise<string[][]> =>
      page.$$eval(`#${section} figure[data-chart]`, (figures) =>
        figures.map((figure) => [
          figure.getAttribute('data-chart') ?? '',
          figure.querySelector('h3')?.textContent ?? '',
          figure.querySelector('figcaption')?.textContent ?? '',
        ]),
      );
    expect(await charts('usage')).toEqual([['usage-minute', 'Usage in minutes', 'total 5 minutes']]);
    expect((await charts('retirement')).filter(([id]) => id !== 'retirement-records-by-fate')).toEqual([
      ['retirement-minute', 'Minutes by month and fate', 'total 5 minutes'],
    ]);
    await page.close();
  });

  it('says a busy server (503 busy) is busy, not that storage is away, and reads again by itself', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let refused = 0;
    // The read again waits until the busy status was read: on a slow machine it could otherwise end first.
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/query/calls?**', async (route) => {
      if (refused++ > 0) {
        await released;
        return route.continue();
      }
      await route.fulfill({
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: JSON.stringify({ error: { code: 'busy', message: 'the server is answering as many requests as it takes; try again in a second' } }),
      });
    });
    // Every status the page shows is kept: on a slow machine the busy one can give way to the read again
    // before the test looks.
    await page.addInitScript(`
      window.statusesShown = [];
      new MutationObserver(() => {
        const text = document.getElementById('load-status')?.textContent ?? '';
        if (window.statusesShown.at(-1) !== text) window.statusesShown.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    `);
    await page.goto(`${server.url}?from=2024-05-25&to=2024-05-26`);
    await page.waitForSelector('body[data-state=ready]');
    const busy = await page.waitForFunction("window.statusesShown.find((text) => text.includes('busy'))");
    const status = String(await busy.jsonValue());
    expect(status).toMatch(/the server is busy: trying again in 1 s$/);
    expect(status).not.toContain('storage');
    release();
    await until(async () => {
      const now = (await page.textContent('#load-status')) ?? '';
      return now.includes(' rows in ') && !now.includes('could not');
    });
    expect(await page.$$eval('[data-table=calls] tbody tr', (rows) => rows.length)).toBe(12);
    await page.close();
  });

  it('says once that the server could not be reached, each part only pointing there, and reads again by itself', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    let stopped = true;
    await page.route('**/api/**', (route) => (stopped ? route.abort('connectionrefused') : route.continue()));
    await page.click('#filters button[type=submit]');
    // The status seen is the one judged: the page's next read may already have begun when it is read again.
    let seen = '';
    await until(async () => (seen = (await page.textContent('#load-status')) ?? '').includes('trying again in'));
    expect(seen).toMatch(/the server could not be reached: trying again in \d+ s$/);
    const said = await page.$$eval('.part .error, #health .error', (boxes) => boxes.map((box) => box.textContent));
    expect(said.length).toBeGreaterThan(8);
    expect(new Set(said)).toEqual(new Set(['not read: the server could not be reached']));
    expect(await page.$$eval('[role=alert]', (alerts) => alerts.filter((alert) => (alert.textContent ?? '').includes('could not be reached')).length)).toBe(0);
    stopped = false;
    await until(async () => {
      const status = (await page.textContent('#load-status')) ?? '';
      return status.includes(' rows in ') && !status.includes('could not');
    });
    expect(await page.$$eval('[data-table=calls] tbody tr', (rows) => rows.length)).toBe(12);
    await page.close();
  }, 120_000);

  it('says in its part why a view whose rows it cannot draw is not shown, and still draws the others and finishes loading', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    // Rows of another shape (an API of another version): usage rows without their unit.
    await page.route('**/api/query/usage?**', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ rows: [{ bucket: '2024-05-25T00:00:00.000Z' }], continuationToken: null }),
      }),
    );
    await page.click('#filters button[type=submit]');
    await until(async () => ((await page.textContent('#load-status')) ?? '').includes(' rows in '));
    expect(await page.textContent('#load-status')).toMatch(/ · 1 part\(s\) could not be read$/);
    expect(await page.textContent('#usage .part[data-view=usage]')).toMatch(/^could not draw usage: unexpected error: /);
    expect(await page.$$('#usage figure')).toHaveLength(0);
    expect(await page.textContent('#load-error')).toMatch(/^1 part\(s\) of the page could not be read: unexpected error: /);
    expect(await page.$$eval('[data-table=calls] tbody tr', (rows) => rows.length)).toBe(12);
    expect(await page.$$eval('main > section[aria-busy]', (sections) => sections.length)).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('leaves a Retry-After longer than a timer holds (weeks) to Apply, not read again at once and again', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    let asked = 0;
    await page.route('**/api/query/usage?**', (route) => {
      asked++;
      return route.fulfill({
        status: 503,
        headers: { 'retry-after': '3000000', 'content-type': 'application/json' },
        body: JSON.stringify({ error: { code: 'storage_unavailable', message: 'storage could not be reached', details: [] } }),
      });
    });
    await page.click('#filters button[type=submit]');
    await until(async () => ((await page.textContent('#load-status')) ?? '').includes(' rows in '));
    expect(await page.textContent('#load-status')).toMatch(/storage could not be reached: Apply to try again$/);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(asked).toBe(1);
    await page.close();
  });

  it('after storage was away, reads again by itself once it is back', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    await proxy.down();
    try {
      await page.click('#filters button[type=submit]');
      let seen = '';
      await until(async () => (seen = (await page.textContent('#load-status')) ?? '').includes('trying again in'));
      expect(seen).toMatch(/storage could not be reached: trying again in \d+ s/);
    } finally {
      await proxy.up();
    }
    // No click: the page's own retry finds storage back and shows the data.
    await until(async () => {
      const status = (await page.textContent('#load-status')) ?? '';
      return status.includes(' rows in ') && !status.includes('could not');
    });
    expect(await page.$$eval('.part .error', (boxes) => boxes.length)).toBe(0);
    expect(await page.$$eval('[data-table=calls] tbody tr', (rows) => rows.length)).toBe(12);
    await page.close();
  }, 120_000);
});
