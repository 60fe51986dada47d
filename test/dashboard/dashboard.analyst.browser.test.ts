import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/cli/commands/serve.js';
import { legRecord, streamRecord } from '../support/callLogs.js';
import { asJsonLines } from '../support/roomsLogs.js';
import { DAY, RESOURCE_2, recordingBlobPath, summaryRecord } from '../support/recordingLogs.js';
import { closeAll, haveChromium, serveProcessedLogs } from '../support/dashboardServer.js';

/**
 * The dashboard read for its numbers, by someone whose browser is not on UTC: shares that would
 * round to all or nothing, and the time zone the range is read in.
 */

const HOUR = 3_600_000;
/** A call of an hour recorded for all of it but a tenth of a second: 99.997 %, not all of it. */
const ALMOST_WHOLE = 'call-almost-whole';
/** A call of ten hours recorded for one second: 0.003 %, not nothing. */
const SLIVER = 'call-sliver';
/** A stream average packet loss of 0.004 %: some loss, not none. */
const TINY_LOSS = 0.000_04;

describe.skipIf(!haveChromium)('the dashboard read for its numbers', () => {
  let work: string;
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'acs-logs-dashboard-analyst-'));
    const logs = path.join(work, 'logs');
    const write = async (container: string, records: Record<string, unknown>[], resource?: string): Promise<void> => {
      const file = path.join(logs, container, ...recordingBlobPath(DAY, 3, resource).split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(records));
    };
    const start = DAY + HOUR;
    const logged = start + 2 * HOUR;
    await write('insights-logs-callsummary', [
      legRecord({ correlationId: ALMOST_WHOLE, participantId: 'p1', version: null, time: logged, callStartTime: start, callDurationSeconds: 3_600 }),
      legRecord({ correlationId: SLIVER, participantId: 'p2', version: null, time: logged, callStartTime: start, callDurationSeconds: 36_000 }),
    ]);
    // A call of a second resource, in an hour of its own: the resource list has two to step through.
    await write(
      'insights-logs-callsummary',
      [
        legRecord({
          correlationId: 'call-other',
          participantId: 'p3',
          version: null,
          time: logged,
          callStartTime: DAY,
          callDurationSeconds: 60,
          resource: RESOURCE_2,
        }),
      ],
      RESOURCE_2,
    );
    await write('insights-logs-calldiagnostics', [
      streamRecord({ correlationId: SLIVER, participantId: 'p2', version: null, time: logged, packetLossRateAvg: TINY_LOSS }),
    ]);
    await write('insights-logs-callrecordingsummary', [
      summaryRecord({ correlationId: ALMOST_WHOLE, recordingId: 'rec-almost-whole', time: logged, startTime: start, lengthSeconds: 3_599.9 }),
      summaryRecord({ correlationId: SLIVER, recordingId: 'rec-sliver', time: logged, startTime: start, lengthSeconds: 1 }),
    ]);
    ({ server, browser } = await serveProcessedLogs(logs, work));
    // Twelve hours ahead of UTC in May: the local day is not the UTC day for half of it.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Pacific/Auckland' });
  });

  afterAll(async () => {
    await context?.close();
    await closeAll(browser, server, work);
  });

  async function openPage(query: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${server.url}${query}`);
    await page.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
    return page;
  }

  async function openCall(page: Page, id: string): Promise<string | null> {
    await page.click(`[data-table=calls] tbody tr:has-text("${id}")`);
    await page.waitForSelector(`#call-detail[data-call="${id}"][data-loaded=true]`);
    return page.locator('#call-detail dt:text-is("recording coverage") + dd').textContent();
  }

  it("never writes a call's recording coverage as 100 % or 0 % when it is not, in the table or the opened call, nor a latency it does not have", async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    const coverage = (id: string): Promise<string | null> => page.locator(`[data-table=calls] tbody tr:has-text("${id}") td:nth-child(10)`).textContent();
    expect(await coverage(ALMOST_WHOLE)).toBe('> 99.99 %');
    expect(await coverage(SLIVER)).toBe('< 0.01 %');
    expect(await openCall(page, SLIVER)).toBe('< 0.01 % of the call recorded');
    // No recording operation: no latency to state, not `p50 – ms`.
    expect(await page.locator('#call-detail dt:text-is("API latency") + dd').textContent()).toBe('–');
    expect(await openCall(page, ALMOST_WHOLE)).toBe('> 99.99 % of the call recorded');
    await page.close();
  });

  it('never writes a share on a chart as 0 or 100 when it is not: the caption and the value under the pointer', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    const chart = page.locator('figure[data-chart=call-quality-packet-loss]');
    expect(await chart.locator('figcaption').textContent()).toBe('highest stream average < 0.01 % over 1 stream');
    await chart.scrollIntoViewIfNeeded();
    const plot = await chart.locator('.u-over').boundingBox();
    await page.mouse.move(plot!.x + plot!.width / 2, plot!.y + plot!.height / 2);
    const values = await chart.locator('.u-legend tr.u-series:not(:first-child) td').allTextContents();
    expect(values).toEqual(['< 0.01 %', '< 0.01 %']);
    await page.close();
  });

  it('says beside the range boxes that they are read in UTC, in a browser whose time zone is not UTC', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    // The placeholder is gone once a box holds a range: the label is what still says it.
    for (const box of ['#from', '#to']) {
      expect(await page.locator(`label:has(${box})`).textContent()).toContain('UTC');
    }
    // Typed without a zone, a time is read as UTC, as the labels say: the hour both calls started (01:00 UTC, 13:00 in Auckland).
    await page.fill('#from', '2024-05-25T01:00');
    await page.fill('#to', '2024-05-25T02:00');
    await page.click('button[type=submit]');
    await page.waitForURL(/from=2024-05-25T01/);
    // The views load after the URL moves; on a loaded machine that takes longer than expect.poll's default second.
    await expect.poll(() => page.textContent('figure[data-chart=call-volume-calls] figcaption'), { timeout: 30_000 }).toMatch(/^2 calls:/);
    await page.close();
  });

  it('applies the resource the keyboard stops on, not each one its arrows pass: one load, one Back entry', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    await page.waitForSelector(`#resource option[value="${RESOURCE_2}"]`, { state: 'attached' });
    const requests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/query/call-volume')) requests.push(request.url());
    });
    const entries = await page.evaluate<number>('history.length');
    await page.focus('#resource');
    // all resources, ACS1, ACS2: two steps down.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.waitForURL(/resource=/);
    await page.waitForSelector('body[data-state=ready]');
    expect(new URL(page.url()).searchParams.get('resource')).toBe(RESOURCE_2);
    expect(await page.evaluate<number>('history.length')).toBe(entries + 1);
    expect(requests.map((url) => new URL(url).searchParams.get('resource'))).toEqual([RESOURCE_2]);
    // The keyboard stays on the list, and Back returns to all resources at once.
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('resource');
    await page.goBack();
    await page.waitForSelector('body[data-state=ready]');
    expect(await page.inputValue('#resource')).toBe('');
    await page.close();
  });

  it('draws a low percentage (packet loss) against an axis a little above its highest, not flat along 0 on a 0-100 % axis', async () => {
    const page = await openPage('?from=2024-05-25&to=2024-05-26');
    const top = async (chart: string): Promise<number> => Number((await page.getAttribute(`figure[data-chart=${chart}]`, 'data-y-range'))?.split(',')[1]);
    // 0.004 % of loss: a 0-100 % axis would draw it flat along 0.
    expect(await top('call-quality-packet-loss')).toBeLessThan(0.01);
    expect(await top('call-quality-packet-loss')).toBeGreaterThan(0.004);
    await page.close();
  });
});
