import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/cli/commands/serve.js';
import { isFailedResult } from '../../src/lib/aggregating/failedResult.js';
import { clip, MAX_ID_CHARS } from '../../src/lib/aggregating/rowValues.js';
import { legRecord } from '../support/callLogs.js';
import { cli, ROOT } from '../support/cli.js';
import { asJsonLines, blobPath, RESOURCE, roomsRecords } from '../support/roomsLogs.js';
import { DAY, operationRecord, recordingBlobPath, usageRecord } from '../support/recordingLogs.js';
import { azuriteConnectionString, uniquePrefix } from '../support/storage.js';
import { CHROMIUM, closeAll, haveChromium, launchChromium, serveTables } from '../support/dashboardServer.js';
import { unitOf } from '../../src/dashboard/units.js';
import { MAX_SEARCH_CHARS, MAX_SEARCH_URL_CHARS } from '../../src/dashboard/state.js';

const inCi = process.env['CI'] === 'true';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
/** Log text is attacker-controlled: it must reach the page as text, never as markup. */
const HOSTILE = '<img src=x onerror="window.__xss=1">';
/** A name that reads as `abcexe.png` where the bidirectional override acts, and a room id as long as 20,000 characters. */
const DISGUISED = 'abc\u202egnp.exe\u202c\u200b';
const LONG_ROOM = 'r'.repeat(20_000);
/** A CorrelationId of 300 characters: listed cut as other cells are, and still opened whole. */
const LONG_CALL = `long-call-${'c'.repeat(290)}`;

// Without chromium the browser tests are skipped on a workstation, but fail in CI (.ci/run installs it).
it.runIf(!haveChromium && inCi)('chromium is installed for the browser tests', () => {
  throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install chromium)`);
});

type Row = Record<string, unknown>;
const num = (row: Row, field: string): number => row[field] as number;
const sum = <T>(rows: readonly T[], value: (row: T) => number): number => rows.reduce((total, row) => total + value(row), 0);

describe.skipIf(!haveChromium)('the dashboard in a real browser', () => {
  let work: string;
  let server: RunningServer;
  let browser: Browser;

  async function api(view: string, params: Record<string, string> = {}): Promise<Row[]> {
    const query = new URLSearchParams({ granularity: 'hour', pageSize: '5000', ...params });
    const response = await fetch(`${server.url}api/query/${view}?${query.toString()}`);
    expect(response.status, view).toBe(200);
    return ((await response.json()) as { rows: Row[] }).rows;
  }

  /** What each chart must state as its total, computed here from the API's rows. */
  async function expectedCharts(params: Record<string, string> = {}): Promise<Map<string, { total: number; points: number; empty?: string }>> {
    const [ops, recordings, perCall, recordingOps, usage, volume, quality, retirement] = (await Promise.all(
      ['rooms-operations', 'recordings', 'recordings-per-call', 'recording-operations', 'usage', 'call-volume', 'call-quality', 'retirement'].map((view) =>
        api(view, params),
      ),
    )) as [Row[], Row[], Row[], Row[], Row[], Row[], Row[], Row[]];
    // A time chart shows every bucket from its first to its last, empty ones too.
    const step = params['granularity'] === 'day' ? 86_400_000 : 3_600_000;
    const span = (bucketList: Iterable<unknown>): number => {
      const times = [...new Set(bucketList)].map((bucket) => Date.parse(String(bucket)));
      return times.length === 0 ? 0 : (Math.max(...times) - Math.min(...times)) / step + 1;
    };
    const buckets = (rows: readonly Row[]): number => span(rows.map((row) => row['bucket']));
    const failed = (row: Row): boolean => isFailedResult(row['resultType'] as string, row['resultSignature'] as string);
    const charts = new Map<string, { total: number; points: number; empty?: string }>();
    // A chart of failures where operations all succeeded says so, not that the range is empty.
    const noFailures = (rows: readonly Row[]): { empty?: string } => (rows.length > 0 ? { empty: 'no failures in this range' } : {});
    const opsTotal = sum(ops, (row) => num(row, 'count'));
    charts.set('rooms-operations-by-operation', { total: opsTotal, points: buckets(ops) });
    charts.set('rooms-operations-by-signature', { total: opsTotal, points: buckets(ops) });
    const rate = new Map<unknown, { all: number; ok: number }>();
    for (const row of ops) {
      const entry = rate.get(row['bucket']) ?? { all: 0, ok: 0 };
      entry.all += num(row, 'count');
      entry.ok += failed(row) ? 0 : num(row, 'count');
      rate.set(row['bucket'], entry);
    }
    charts.set('rooms-success-rate', { total: sum([...rate.values()], (entry) => (100 * entry.ok) / entry.all), points: span(rate.keys()) });
    const failures = ops.filter(failed);
    charts.set('rooms-failures', { total: sum(failures, (row) => num(row, 'count')), points: buckets(failures), ...noFailures(ops) });
    charts.set('rooms-failures-by-signature', {
      ...noFailures(ops),
      total: sum(failures, (row) => num(row, 'count')),
      points: new Set(failures.map((row) => `${String(row['resultType'])} ${String(row['resultSignature'])}`)).size,
    });
    charts.set('recordings-count', { total: sum(recordings, (row) => num(row, 'recordings')), points: buckets(recordings) });
    charts.set('recordings-hours', { total: sum(recordings, (row) => num(row, 'recordingSeconds')) / 3600, points: buckets(recordings) });
    for (const [chart, field] of [
      ['format', 'byFormat'],
      ['channel', 'byChannel'],
      ['content', 'byContent'],
      ['end-reason', 'byEndReason'],
    ] as const) {
      const labels = new Set(recordings.flatMap((row) => Object.keys(row[field] as object)));
      charts.set(`recordings-by-${chart}`, {
        total: sum(recordings, (row) => sum(Object.values(row[field] as Record<string, number>), (n) => n)),
        points: labels.size,
      });
    }
    charts.set('recordings-per-call', { total: sum(perCall, (row) => num(row, 'calls')), points: perCall.length });
    charts.set('recording-operations-count', { total: sum(recordingOps, (row) => num(row, 'count')), points: buckets(recordingOps) });
    for (const operation of new Set(recordingOps.map((row) => row['operationName'] as string))) {
      const rows = recordingOps.filter((row) => row['operationName'] === operation);
      let total = 0;
      for (const bucket of new Set(rows.map((row) => row['bucket']))) {
        for (const p of ['p50', 'p95', 'p99']) {
          const values = rows
            .filter((row) => row['bucket'] === bucket)
            .map((row) => (row['durationMs'] as Record<string, number | null>)[p])
            .filter((v): v is number => v !== null);
          if (values.length > 0) total += Math.max(...values);
        }
      }
      charts.set(`recording-latency-${operation}`, { total, points: buckets(rows) });
    }
    const sdkFailures = recordingOps.filter((row) => num(row, 'failed') > 0);
    charts.set('recording-failures-by-sdk', {
      ...noFailures(recordingOps),
      total: sum(sdkFailures, (row) => num(row, 'failed')),
      points: new Set(sdkFailures.map((row) => row['sdkType'])).size,
    });
    // One chart per unit however the records spell it (`Minute`, `minutes`).
    const unitKey = (row: Row): string => unitOf(row['unitType'] as string).key;
    for (const unit of new Set(usage.map(unitKey))) {
      const rows = usage.filter((row) => unitKey(row) === unit);
      charts.set(`usage-${unit}`, { total: sum(rows, (row) => num(row, 'quantity')), points: buckets(rows) });
    }
    charts.set('call-volume-calls', {
      total: sum(volume, (row) => num(row, 'calls') + num(row, 'impactedCalls') + num(row, 'recordedCalls')),
      points: buckets(volume),
    });
    charts.set('call-volume-minutes', { total: sum(volume, (row) => num(row, 'callSeconds') + num(row, 'participantSeconds')) / 60, points: buckets(volume) });
    for (const [chart, field] of [
      ['call-type', 'byCallType'],
      ['endpoint-type', 'byEndpointType'],
    ] as const) {
      const labels = new Set(volume.flatMap((row) => Object.keys(row[field] as object)));
      charts.set(`call-volume-by-${chart}`, {
        total: sum(volume, (row) => sum(Object.values(row[field] as Record<string, number>), (n) => n)),
        points: labels.size,
      });
    }
    charts.set('call-quality-streams', { total: sum(quality, (row) => num(row, 'streams')), points: buckets(quality) });
    charts.set('call-quality-poor-streams', { total: sum(quality, (row) => num(row, 'poorStreams')), points: buckets(quality) });
    // Per bucket, media type and percentile, the highest over the resources' rows (sketches of different rows are not merged).
    for (const [chart, field, scale] of [
      ['jitter', 'jitterMs', 1],
      ['round-trip', 'roundTripMs', 1],
      ['packet-loss', 'packetLoss', 100],
    ] as const) {
      let total = 0;
      const drawn = new Set<unknown>();
      for (const bucket of new Set(quality.map((row) => row['bucket']))) {
        const ofBucket = quality.filter((row) => row['bucket'] === bucket);
        for (const media of new Set(ofBucket.map((row) => row['mediaType']))) {
          for (const p of ['p50', 'p95']) {
            const values = ofBucket
              .filter((row) => row['mediaType'] === media)
              .map((row) => (row[field] as Record<string, number | null>)[p])
              .filter((v): v is number => v !== null);
            if (values.length === 0) continue;
            total += Math.max(...values) * scale;
            drawn.add(bucket);
          }
        }
      }
      charts.set(`call-quality-${chart}`, { total, points: span(drawn) });
    }
    const units = new Set(retirement.map(unitKey));
    for (const unit of units) {
      const rows = retirement.filter((row) => unitKey(row) === unit);
      charts.set(`retirement-${unit}`, { total: sum(rows, (row) => num(row, 'quantity')), points: new Set(rows.map((row) => row['month'])).size });
    }
    if (units.size === 0) charts.set('retirement', { total: 0, points: 0 });
    charts.set('retirement-records-by-fate', {
      total: sum(retirement, (row) => num(row, 'records')),
      points: new Set(retirement.map((row) => row['fate'])).size,
    });
    return charts;
  }

  /** Every chart on the page: its id, what it states, and the size of its canvas. */
  async function shownCharts(page: Page): Promise<Map<string, { total: number; points: number; canvasWidth: number; caption: string }>> {
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((figure) => ({
        id: figure.getAttribute('data-chart') ?? '',
        total: Number(figure.getAttribute('data-total')),
        points: Number(figure.getAttribute('data-points')),
        canvasWidth: Number(figure.querySelector('canvas')?.getAttribute('width') ?? 0),
        caption: figure.querySelector('figcaption')?.textContent ?? '',
      })),
    );
    return new Map(charts.map(({ id, ...rest }) => [id, rest]));
  }

  async function expectChartsMatchApi(page: Page, params: Record<string, string> = {}): Promise<void> {
    const expected = await expectedCharts(params);
    const shown = await shownCharts(page);
    expect([...shown.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, want] of expected) {
      const got = shown.get(id)!;
      expect(got.points, `${id} points`).toBe(want.points);
      expect(got.total, `${id} total`).toBeCloseTo(want.total, 6);
      // A chart with data is drawn; one without says so.
      if (want.points > 0) expect(got.canvasWidth, `${id} canvas`).toBeGreaterThan(100);
      else expect(got.caption, id).toBe(want.empty ?? 'no data in this range');
    }
  }

  async function openPage(query = ''): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      if (!request.url().startsWith(server.url)) problems.push(`request outside the server: ${request.url()}`);
    });
    await page.goto(`${server.url}${query}`);
    await page.waitForSelector('body[data-state=ready]');
    return { page, problems };
  }

  const ready = (page: Page): Promise<unknown> => page.waitForSelector('body[data-state=ready]');

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'acs-logs-dashboard-'));
    await mkdir(ARTIFACTS, { recursive: true });
    const prefix = uniquePrefix();
    const storage = ['--connection-string', azuriteConnectionString(), '--table-prefix', prefix];
    const logs = path.join(work, 'logs');
    expect((await cli(['generate', '--out', logs, '--hours', '4', '--resources', '2', '--seed', '11'])).code).toBe(0);
    // Its records lie in the first hour and the fourth only: its charts have two empty hours between.
    const hostile = roomsRecords(8, 99).map((record, i) => ({
      ...record,
      time: `2024-05-25T0${i < 4 ? 0 : 3}:1${i}:00.000Z`,
      operationName: i % 2 === 0 ? HOSTILE : i === 7 ? DISGUISED : record['operationName'],
      properties: { ...(record['properties'] as object), roomId: i === 6 ? LONG_ROOM : i === 7 ? DISGUISED : `${HOSTILE}${i}` },
    }));
    const hostileFile = path.join(logs, 'insights-logs-roomsoperational', ...blobPath(1).split('/'));
    await mkdir(path.dirname(hostileFile), { recursive: true });
    await writeFile(hostileFile, asJsonLines(hostile));
    const longCallFile = path.join(logs, 'insights-logs-callsummary', ...blobPath(1).split('/'));
    await mkdir(path.dirname(longCallFile), { recursive: true });
    const callStart = Date.UTC(2024, 4, 25, 1, 5);
    const longCall = legRecord({
      correlationId: LONG_CALL,
      participantId: 'p-long',
      version: null,
      time: callStart + 60_000,
      callStartTime: callStart,
      callDurationSeconds: 60,
    });
    await writeFile(longCallFile, asJsonLines([longCall]));
    const processed = await cli(['process', logs, '--quiet', ...storage]);
    expect(processed.code, processed.stderr).toBe(0);
    server = await serveTables(prefix, work);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await closeAll(browser, server, work);
  });

  it("loads with no console errors, offline, and every chart and table shows the API's data", async () => {
    const { page, problems } = await openPage();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(problems).toEqual([]);
    await expectChartsMatchApi(page);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.$$('img')).toHaveLength(0);
    expect(await page.textContent('[data-table=rooms]')).toContain(`${HOSTILE}0`);
    // Invisible characters are shown as the CLI shows them, and a very long value is cut, the page no wider than the window.
    const bodyText = (await page.textContent('body')) ?? '';
    expect(bodyText).not.toMatch(/[\u202a-\u202e\u200b]/);
    expect(bodyText).toContain('abc\\u202egnp.exe\\u202c\\u200b');
    expect(bodyText).not.toContain(LONG_ROOM.slice(0, 200));
    // The room row keeps 1,024 characters of its id (its start and a digest of the whole), all of them in the tooltip.
    expect(await page.getAttribute(`[data-table=rooms] td[title^="${LONG_ROOM.slice(0, 100)}"]`, 'title')).toBe(clip(LONG_ROOM, MAX_ID_CHARS));
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);

    const ops = await api('rooms-operations');
    const caption = await page.textContent('figure[data-chart=rooms-operations-by-operation] figcaption');
    expect(caption).toBe(`total ${sum(ops, (row) => num(row, 'count')).toLocaleString('en-US')} operations`);
    // The sample has call logs, poor streams and billed usage: the new sections are not empty.
    const volume = await api('call-volume');
    expect(sum(volume, (row) => num(row, 'impactedCalls'))).toBeGreaterThan(0);
    expect(sum(volume, (row) => num(row, 'recordedCalls'))).toBeGreaterThan(0);
    expect((await api('call-quality')).length).toBeGreaterThan(0);
    const retirement = await api('retirement');
    expect(new Set(retirement.map((row) => row['fate'])).size).toBeGreaterThan(1);
    expect(await page.textContent('#retirement [data-note=retirement]')).toContain('2028-09-30');
    expect(await page.getAttribute('[data-table=retirement]', 'data-rows')).toBe(String(retirement.length));
    for (const [table, view] of [
      ['rooms', 'rooms'],
      ['calls', 'calls'],
    ] as const) {
      const rows = (await api(view)).length;
      expect(rows, view).toBeGreaterThan(10);
      expect(await page.getAttribute(`[data-table=${table}]`, 'data-rows'), table).toBe(String(rows));
    }
    const health = (await (await fetch(`${server.url}api/health`)).json()) as { status: string; containers: unknown[] };
    expect(await page.getAttribute('#health [data-status]', 'data-status')).toBe(health.status);
    expect(await page.getAttribute('[data-table=health-containers]', 'data-rows')).toBe(String(health.containers.length));
    await page.close();
  });

  it("every table's scrolling box is a region named by what the table lists, and no Tab stop is an unnamed box", async () => {
    const { page } = await openPage('?from=');
    // Chromium makes a scrolling box a Tab stop of its own when nothing in it is one.
    const boxes = await page.$$eval('[data-table] .scroll', (elements) =>
      elements.map((element) => `${element.getAttribute('role') ?? ''}:${element.getAttribute('aria-label') ?? ''}`),
    );
    expect(boxes.length).toBeGreaterThanOrEqual(4);
    expect(boxes.filter((box) => !/^region:.+/.test(box))).toEqual([]);
    const unnamed: string[] = [];
    for (let step = 0; step < 300; step++) {
      await page.keyboard.press('Tab');
      // A string, as the test's own compiler knows no DOM: the focused element's tag, role, name and table.
      const focused = await page.evaluate<{ tag: string; role: string | null; name: string | null; at: string } | null>(`(() => {
        const element = document.activeElement;
        if (!element || element === document.body) return null;
        const table = element.closest('[data-table]')?.getAttribute('data-table') ?? '';
        return { tag: element.tagName, role: element.getAttribute('role'), name: element.getAttribute('aria-label'), at: table + ':' + element.className };
      })()`);
      if (focused === null || focused.tag !== 'DIV') continue;
      if (focused.role !== 'region' || !focused.name) unnamed.push(focused.at);
    }
    expect(unnamed).toEqual([]);
    await page.close();
  });

  it('filters change what is shown and the URL, and the URL restores them', async () => {
    const { page, problems } = await openPage();
    await page.selectOption('#granularity', 'day');
    await ready(page);
    expect(new URL(page.url()).searchParams.get('granularity')).toBe('day');
    const dayCharts = await shownCharts(page);
    const hourly = await api('rooms-operations');
    const daily = await api('rooms-operations', { granularity: 'day' });
    expect(dayCharts.get('rooms-operations-by-operation')?.points).toBe(new Set(daily.map((row) => row['bucket'])).size);
    expect(new Set(daily.map((row) => row['bucket'])).size).toBeLessThan(new Set(hourly.map((row) => row['bucket'])).size);

    const resources = await page.$$eval('#resource option', (options) =>
      options.map((option) => option.getAttribute('value') ?? '').filter((value) => value !== ''),
    );
    expect(resources.length).toBe(3);
    await page.fill('#from', '2024-05-25T01:00Z');
    await page.fill('#to', '2024-05-25T03:00Z');
    await page.selectOption('#granularity', 'hour');
    await ready(page);
    // Whole hours: only retirement, which sums whole days, has a note.
    expect(await page.$$eval('#query-notes span', (spans) => spans.map((span) => span.textContent?.split(':').slice(0, 2).join(':')))).toEqual([
      'retirement: this view sums whole days',
    ]);
    await page.selectOption('#resource', resources[1]);
    await ready(page);
    const params = { from: '2024-05-25T01:00Z', to: '2024-05-25T03:00Z', resource: resources[1]! };
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual(params);
    await expectChartsMatchApi(page, params);
    expect((await shownCharts(page)).get('rooms-operations-by-operation')?.total).toBeLessThan(sum(hourly, (row) => num(row, 'count')));
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-filtered.png'), fullPage: true });

    // Apply with the filters already shown adds no history entry; Back returns to the previous
    // filters; a fresh load of the URL shows the same as the page did.
    await page.click('button[type=submit]');
    await ready(page);
    await page.goBack();
    await ready(page);
    expect(new URL(page.url()).searchParams.get('resource')).toBeNull();
    expect(await page.inputValue('#from')).toBe('2024-05-25T01:00Z');
    const reopened = await openPage(url.search);
    expect(await reopened.page.inputValue('#to')).toBe('2024-05-25T03:00Z');
    expect(await reopened.page.inputValue('#resource')).toBe(resources[1]);
    await expectChartsMatchApi(reopened.page, params);
    expect([...problems, ...reopened.problems]).toEqual([]);
    await page.close();
    await reopened.page.close();
  });

  it('a CorrelationId longer than a cell is cut in the calls table and the call heading, whole in their tooltips, and opens its call', async () => {
    const { page, problems } = await openPage();
    const link = page.locator('[data-table=calls] span.call-link', { hasText: 'long-call-' });
    expect(await link.textContent()).toBe(`${LONG_CALL.slice(0, 79)}…`);
    expect(await link.getAttribute('title')).toBe(LONG_CALL);
    const table = await page.locator('[data-table=calls] table').boundingBox();
    expect(table!.width).toBeLessThan(2_500);
    await link.click();
    await page.waitForSelector('#call-detail[data-loaded=true]');
    const heading = page.locator('#call-detail h3 code');
    expect([await heading.textContent(), await heading.getAttribute('title')]).toEqual([`${LONG_CALL.slice(0, 79)}…`, LONG_CALL]);
    expect(await page.textContent('#call-detail')).toContain('1 leg(s)');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a chart shows the empty hours between its first and its last as 0, not a line across them', async () => {
    const params = { resource: RESOURCE };
    const ops = await api('rooms-operations', params);
    expect(new Set(ops.map((row) => row['bucket']))).toEqual(new Set(['2024-05-25T00:00:00.000Z', '2024-05-25T03:00:00.000Z']));
    const { page, problems } = await openPage(`?resource=${encodeURIComponent(RESOURCE)}`);
    const shown = await shownCharts(page);
    for (const chart of ['rooms-operations-by-operation', 'rooms-operations-by-signature', 'rooms-success-rate'])
      expect(shown.get(chart)?.points, chart).toBe(4);
    expect(shown.get('rooms-operations-by-operation')?.total).toBe(8);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('one bucket alone is drawn an hour either side of it, not across years', async () => {
    const params = { resource: RESOURCE, from: '2024-05-25T00:00:00Z', to: '2024-05-25T01:00:00Z' };
    expect(new Set((await api('rooms-operations', params)).map((row) => row['bucket']))).toEqual(new Set(['2024-05-25T00:00:00.000Z']));
    const { page, problems } = await openPage(`?${new URLSearchParams(params).toString()}`);
    const ranges = await page.$$eval('figure.chart[data-chart^=rooms-operations-by]', (figures) =>
      figures.map((figure) => figure.getAttribute('data-x-range')),
    );
    const bucket = Date.parse('2024-05-25T00:00:00Z') / 1000;
    expect(ranges).toEqual([`${bucket - 3600},${bucket + 3600}`, `${bucket - 3600},${bucket + 3600}`]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a column's heading sorts every row of its table by the column's values, largest first for numbers, by mouse or keyboard", async () => {
    const calls = await api('calls');
    const { page, problems } = await openPage('?from=');
    const ids = (): Promise<string[]> =>
      page.$$eval('[data-table=calls] tbody tr td:first-child span.call-link', (spans) =>
        spans.map((span) => span.getAttribute('title') ?? span.textContent ?? ''),
      );
    const heading = page.locator('[data-table=calls] th', { hasText: 'duration' });
    // The longest call first, the calls without call logs (no duration) last; then the shortest first, still those last.
    const byDuration = (descending: boolean): string[] =>
      calls
        .map((row, index) => ({ id: row['correlationId'] as string, seconds: row['callDurationSeconds'] as number | null, index }))
        .sort((a, b) =>
          a.seconds === null || b.seconds === null
            ? a.seconds === b.seconds
              ? 0
              : a.seconds === null
                ? 1
                : -1
            : descending
              ? b.seconds - a.seconds
              : a.seconds - b.seconds,
        )
        .map((call) => call.id);
    const withDuration = calls.filter((row) => row['callDurationSeconds'] !== null).length;
    expect(withDuration).toBeGreaterThan(5);
    await heading.locator('button').click();
    expect(await heading.getAttribute('aria-sort')).toBe('descending');
    expect((await ids()).slice(0, withDuration)).toEqual(byDuration(true).slice(0, withDuration));
    expect(await page.textContent('[data-table=calls] p.count')).toContain('by duration, largest first');
    // The keyboard: the heading's button keeps the focus, Enter reverses.
    await page.keyboard.press('Enter');
    expect(await heading.getAttribute('aria-sort')).toBe('ascending');
    expect((await ids()).slice(0, withDuration)).toEqual(byDuration(false).slice(0, withDuration));
    expect(new Set((await ids()).slice(withDuration))).toEqual(new Set(byDuration(false).slice(withDuration)));
    // Text sorts from A: the resource column.
    const resource = page.locator('[data-table=calls] th', { hasText: 'resource' });
    await resource.locator('button').click();
    expect(await resource.getAttribute('aria-sort')).toBe('ascending');
    expect(await heading.getAttribute('aria-sort')).toBeNull();
    // The order stays while a search narrows the rows.
    await heading.locator('button').click();
    const needle = 'a';
    await page.fill('#call-search', needle);
    const narrowed = byDuration(true).filter((id) => id.toLowerCase().includes(needle));
    await expect.poll(async () => (await ids()).length, { timeout: 30_000 }).toBe(narrowed.length);
    expect(await page.locator('[data-table=calls] th', { hasText: 'duration' }).getAttribute('aria-sort')).toBe('descending');
    expect(new Set(await ids())).toEqual(new Set(narrowed));
    expect((await ids()).slice(0, 3)).toEqual(narrowed.slice(0, 3));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the rooms table is searchable by room id, any case and any part, kept in the URL through a reload', async () => {
    const rooms = await api('rooms');
    const id = rooms.map((row) => row['roomId'] as string).find((roomId) => /^[0-9a-f-]{12,}$/i.test(roomId))!;
    expect(id, 'a generated room id').toBeDefined();
    const part = id.slice(2, 10).toUpperCase();
    const expected = rooms.map((row) => row['roomId'] as string).filter((roomId) => roomId.toLowerCase().includes(part.toLowerCase()));
    const { page, problems } = await openPage('?from=');
    const shown = (): Promise<string[]> => page.$$eval('[data-table=rooms] tbody tr td:first-child', (cells) => cells.map((cell) => cell.textContent ?? ''));
    await page.fill('#room-search', part);
    await expect.poll(shown, { timeout: 30_000 }).toEqual(expected);
    await page.waitForURL((url) => url.searchParams.get('room') === part);
    await page.reload();
    await ready(page);
    expect(await page.inputValue('#room-search')).toBe(part);
    expect(await shown()).toEqual(expected);
    await page.fill('#room-search', 'no such room');
    await expect.poll(() => page.textContent('[data-table=rooms]'), { timeout: 30_000 }).toContain('no room in this range has an id containing "no such room"');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a search pasted far longer than any id is kept to the longest id, so that the link it leaves in the URL still opens the page', async () => {
    // Every id searched is kept to MAX_ID_CHARS: a longer search finds nothing, and a URL over 16 KiB is a 431 for the page itself.
    expect(MAX_SEARCH_CHARS).toBe(MAX_ID_CHARS);
    const { page, problems } = await openPage('?from=');
    const pasted = 'é'.repeat(20_000);
    for (const box of ['#call-search', '#room-search']) {
      await page.fill(box, pasted);
      expect(await page.inputValue(box)).toBe('é'.repeat(MAX_SEARCH_CHARS));
    }
    await page.waitForURL((url) => url.searchParams.get('search')?.length === MAX_SEARCH_CHARS && url.searchParams.get('room')?.length === MAX_SEARCH_CHARS);
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    await ready(page);
    expect(await page.inputValue('#call-search')).toBe('é'.repeat(MAX_SEARCH_CHARS));
    expect(await page.textContent('[data-table=calls] .empty')).toMatch(/^no call in this range has a CorrelationId containing "é{79}…"$/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a search of characters the URL writes long (CJK: 9 each) is kept to what a link of both searches holds', async () => {
    const { page, problems } = await openPage('?from=');
    // 1,024 of them in each box made an 18 KB URL: a reload of the page was a 431.
    const kept = '中'.repeat(Math.floor(MAX_SEARCH_URL_CHARS / 9));
    for (const box of ['#call-search', '#room-search']) {
      await page.fill(box, '中'.repeat(20_000));
      expect(await page.inputValue(box)).toBe(kept);
    }
    await page.waitForURL((url) => url.searchParams.get('search') === kept && url.searchParams.get('room') === kept);
    const reloaded = await page.reload();
    expect(reloaded?.status()).toBe(200);
    await ready(page);
    expect(await page.inputValue('#room-search')).toBe(kept);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the calls table asks for only the fields it shows (fields=), a fraction of the full rows, and shows each call as the full row says', async () => {
    const calls = await api('calls');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const answers: Array<{ url: string; bytes: number }> = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.endsWith('/api/query/calls'))
        void response.body().then((body) => answers.push({ url: response.url(), bytes: body.length }));
    });
    await page.goto(`${server.url}?from=&to=`);
    await ready(page);
    await expect.poll(() => answers.length).toBe(1);
    const asked = new URL(answers[0]!.url).searchParams.get('fields');
    expect(asked?.split(',')).toEqual(expect.arrayContaining(['correlationId', 'resourceId', 'startedAt', 'callDurationSeconds', 'recordingCount']));
    expect(asked).not.toContain('recordings,');
    const full = await fetch(`${server.url}api/query/calls?pageSize=5000`);
    expect(answers[0]!.bytes).toBeLessThan((await full.text()).length / 3);
    // Every call, its start as the full row gives it (its call logs, else its first operation, else its first recording).
    const shown = await page.$$eval('[data-table=calls] tbody tr', (rows) =>
      rows.map((row) => {
        const cells = [...row.querySelectorAll('td')];
        const link = cells[0]?.querySelector('span.call-link');
        return [link?.getAttribute('title') ?? link?.textContent ?? '', cells[2]?.textContent ?? '', cells[7]?.textContent ?? ''];
      }),
    );
    const started = (row: Row): string => {
      const time = (row['callStartTime'] ?? row['firstOperationAt'] ?? (row['recordings'] as Row[])[0]?.['startTime'] ?? null) as string | null;
      return time === null ? '–' : time.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
    };
    expect(shown.sort()).toEqual(calls.map((row) => [row['correlationId'], started(row), String(row['recordingCount'])]).sort());
    await page.close();
  });

  it('the rooms table asks for only the fields it reads (fields=), and shows every cell, tooltip and order as it does from the full rows', async () => {
    const rooms = await api('rooms');
    // Every cell of every drawn room with its tooltip, first in the view's order, then sorted by each column, largest first.
    const tableOf = async (page: Page): Promise<string[][][]> => {
      const cells = (): Promise<string[][]> =>
        page.$$eval('[data-table=rooms] tbody tr', (rows) =>
          rows.map((row) => [...row.querySelectorAll('td')].flatMap((cell) => [cell.textContent ?? '', cell.getAttribute('title') ?? ''])),
        );
      const orders = [await cells()];
      const columns = await page.$$eval('[data-table=rooms] th', (headings) => headings.length);
      for (let column = 1; column <= columns; column++) {
        await page.click(`[data-table=rooms] th:nth-child(${column}) button`);
        await expect.poll(() => page.getAttribute(`[data-table=rooms] th:nth-child(${column})`, 'aria-sort')).not.toBeNull();
        orders.push(await cells());
      }
      return orders;
    };
    const open = async (full: boolean): Promise<{ page: Page; answers: Array<{ url: string; bytes: number }> }> => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const answers: Array<{ url: string; bytes: number }> = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname.endsWith('/api/query/rooms'))
          void response.body().then((body) => answers.push({ url: response.url(), bytes: body.length }));
      });
      // The page as it was, drawn from the full rows: its rooms request without fields=.
      if (full)
        await page.route(
          (url) => url.pathname.endsWith('/api/query/rooms'),
          (route) => {
            const url = new URL(route.request().url());
            url.searchParams.delete('fields');
            return route.continue({ url: url.toString() });
          },
        );
      await page.goto(`${server.url}?from=&to=`);
      await ready(page);
      await expect.poll(() => answers.length).toBe(1);
      return { page, answers };
    };
    const cut = await open(false);
    const asked = new URL(cut.answers[0]!.url).searchParams.get('fields')?.split(',');
    expect(asked).toEqual(expect.arrayContaining(['roomId', 'resourceId', 'createdAt', 'lifespanMinutes', 'deletedAt', 'lastOperationAt']));
    for (const unread of ['pstnDialOutEnabled', 'participantsUpserted', 'participantsAttendee', 'participantsConsumer', 'participantsPresenter'])
      expect(asked).not.toContain(unread);
    const whole = await open(true);
    expect(new URL(whole.answers[0]!.url).searchParams.has('fields')).toBe(false);
    expect(cut.answers[0]!.bytes).toBeLessThan(whole.answers[0]!.bytes * 0.85);
    expect(await cut.page.getAttribute('[data-table=rooms]', 'data-rows')).toBe(String(rooms.length));
    const shown = await tableOf(cut.page);
    expect(shown[0]).toHaveLength(Math.min(rooms.length, 300));
    // No column is empty in every room: a field the page reads and no longer got would show as `–` (or `NaN`) everywhere.
    for (let column = 0; column < shown[0]![0]!.length; column += 2)
      expect(
        shown[0]!.some((row) => row[column] !== '–'),
        `column ${column / 2}`,
      ).toBe(true);
    expect(shown.flat(2).join(' ')).not.toMatch(/NaN|undefined|null/);
    expect(shown).toEqual(await tableOf(whole.page));
    await cut.page.close();
    await whole.page.close();
  });

  it('the calls table is searchable by CorrelationId and opens one call with its recordings and joined operations', async () => {
    const calls = await api('calls');
    const call = calls.find(
      (row) => row['matched'] === true && num(row, 'recordingCount') > 1 && num(row, 'participants') > 0 && row['recordingCoverage'] !== null,
    )!;
    expect(call, 'a recorded call with call logs').toBeDefined();
    const id = call['correlationId'] as string;
    const { page, problems } = await openPage();
    await page.fill('#call-search', id.slice(4, 16).toUpperCase());
    const matching = calls.filter((row) => (row['correlationId'] as string).includes(id.slice(4, 16))).length;
    expect(matching).toBeLessThan(calls.length);
    await page.waitForSelector(`[data-table=calls][data-rows="${matching}"]`);
    await page.click(`[data-table=calls] tr:has-text("${id}")`);
    await page.waitForSelector('#call-detail[data-loaded=true]');
    expect(new URL(page.url()).searchParams.get('call')).toBe(id);
    expect(new URL(page.url()).searchParams.get('search')).toBe(id.slice(4, 16).toUpperCase());
    const recordings = call['recordings'] as Row[];
    expect(await page.getAttribute('[data-table=call-recordings]', 'data-rows')).toBe(String(recordings.length));
    const detail = (await page.textContent('#call-detail'))!;
    expect(detail).toContain(id);
    for (const [operation, count] of Object.entries(call['operations'] as Record<string, number>)) expect(detail).toContain(`${operation} ${count}`);
    expect(detail).toContain(`${num(call, 'participants').toLocaleString('en-US')} leg(s)`);
    expect(detail).toContain(`${num(call, 'streams').toLocaleString('en-US')}, ${num(call, 'poorStreams').toLocaleString('en-US')} poor`);
    for (const [type, legs] of Object.entries(call['endpointTypes'] as Record<string, number>)) expect(detail).toContain(`${type} ${legs}`);
    const coverage = (100 * num(call, 'recordingCoverage')).toLocaleString('en-US', { maximumFractionDigits: 2 });
    expect(detail).toContain(`${coverage} % of the call recorded`);
    const callRow = (await page.textContent(`[data-table=calls] tr:has-text("${id}")`))!;
    expect(callRow).toContain(`${num(call, 'poorStreams')} of ${num(call, 'streams')}`);
    expect(callRow).toContain(`${coverage} %`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-call.png'), fullPage: false });

    // Back closes the call, and a section link moves on the page: neither reads the views again.
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goBack();
    await page.waitForSelector('#call-detail', { state: 'hidden' });
    expect(new URL(page.url()).searchParams.get('call')).toBeNull();
    expect(requests).toEqual([]);
    await page.goForward();
    await page.waitForSelector('#call-detail[data-loaded=true]');
    expect(requests.length).toBe(1);
    expect(requests[0]).toContain(`correlationId=${id}`);
    await page.click('nav a[href="#usage"]');
    await page.waitForURL(/#usage$/);
    expect(requests.length).toBe(1);

    // The link restores the search and the open call.
    const reopened = await openPage(new URL(page.url()).search);
    await reopened.page.waitForSelector('#call-detail[data-loaded=true]');
    expect(await reopened.page.inputValue('#call-search')).toBe(id.slice(4, 16).toUpperCase());
    expect(await reopened.page.getAttribute('[data-table=call-recordings]', 'data-rows')).toBe(String(recordings.length));
    expect([...problems, ...reopened.problems]).toEqual([]);
    await page.close();
    await reopened.page.close();
  });

  it('Back and Forward across another search or order draw the rows the page holds again, reading no view again', async () => {
    const calls = await api('calls');
    const id = calls.map((row) => row['correlationId'] as string).find((correlationId) => correlationId.length === 36)!;
    const needle = id.slice(0, 6);
    const matching = calls.filter((row) => (row['correlationId'] as string).includes(needle)).length;
    expect(matching).toBeLessThan(calls.length);
    const { page, problems } = await openPage();
    await page.click(`[data-table=calls] tr:has-text("${id}")`);
    await page.waitForSelector('#call-detail[data-loaded=true]');
    // Searched and sorted while the call is open: both kept in the call's history entry, which has no Back entry of its own.
    await page.fill('#call-search', needle);
    await page.waitForSelector(`[data-table=calls][data-rows="${matching}"]`);
    await page.click('[data-table=calls] thead button:has-text("duration")');
    await page.waitForSelector('[data-table=calls] th[aria-sort=descending]');
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goBack();
    await page.waitForSelector('#call-detail', { state: 'hidden' });
    await page.waitForSelector(`[data-table=calls][data-rows="${calls.length}"]`);
    expect(await page.inputValue('#call-search')).toBe('');
    expect(await page.$$('[data-table=calls] th[aria-sort]')).toHaveLength(0);
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    await page.goForward();
    await page.waitForSelector('#call-detail[data-loaded=true]');
    await page.waitForSelector(`[data-table=calls][data-rows="${matching}"]`);
    expect(await page.inputValue('#call-search')).toBe(needle);
    expect(await page.getAttribute('[data-table=calls] th:has-text("duration")', 'aria-sort')).toBe('descending');
    // The call opened again is the only request: every section was drawn from the rows already read.
    expect(requests.map((url) => new URL(url).searchParams.get('correlationId'))).toEqual([id]);
    expect(await page.$$eval('main > section.stale', (sections) => sections.length)).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a link to a call asks for the call before the views, which the server answers in turn behind it', async () => {
    const calls = await api('calls');
    const id = calls.map((row) => row['correlationId'] as string).find((correlationId) => correlationId.length === 36)!;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const asked: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/query/')) asked.push(url.searchParams.has('correlationId') ? 'the call' : url.pathname);
    });
    await page.goto(`${server.url}?from=&call=${id}`);
    await ready(page);
    expect(await page.getAttribute('#call-detail', 'data-loaded')).toBe('true');
    expect(asked[0]).toBe('the call');
    expect(asked.filter((what) => what === 'the call')).toHaveLength(1);
    await page.close();
  });

  it('at /api/dashboard?code=, as the Functions app serves it, calls the API beside it with the function key and keeps the key in the URL', async () => {
    const { page, problems } = await openPage('api/dashboard?code=k%2B1');
    const keys: (string | undefined)[] = [];
    page.on('request', (request) => keys.push(request.headers()['x-functions-key']));
    await expectChartsMatchApi(page);
    await page.selectOption('#granularity', 'day');
    await ready(page);
    const url = new URL(page.url());
    expect(url.pathname).toBe('/api/dashboard');
    // Opened without a range, on the last 7 days of data (2024-05-19 to the newest record, 2024-05-25).
    expect(Object.fromEntries(url.searchParams)).toEqual({ code: 'k+1', from: '2024-05-19', granularity: 'day' });
    expect(keys.length).toBe(11);
    expect(new Set(keys)).toEqual(new Set(['k+1']));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('at /api/dashboard/, which the Functions host answers too, finds the API at /api/, not below the page', async () => {
    const { page, problems } = await openPage('api/dashboard/?code=k');
    const paths: string[] = [];
    page.on('request', (request) => paths.push(new URL(request.url()).pathname));
    await expectChartsMatchApi(page);
    expect(new URL(page.url()).pathname).toBe('/api/dashboard/');
    await page.selectOption('#granularity', 'day');
    await ready(page);
    expect(paths.length).toBe(11);
    expect(paths.every((one) => one === '/api/health' || one.startsWith('/api/query/'))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the API's notes on the filters once each: a range inside an hour counts whole hours", async () => {
    const { page, problems } = await openPage('?from=2024-05-25T01:30Z&to=2024-05-25T03:00Z');
    const notes = await page.$$eval('#query-notes span', (spans) => spans.map((span) => span.textContent));
    expect(notes).toEqual([
      'rows are whole hours (granularity=hour): 2024-05-25T01:30:00.000Z falls inside an hour, and each row counts its whole hour',
      'retirement: this view sums whole days: 2024-05-25T01:30:00.000Z and 2024-05-25T03:00:00.000Z fall inside a day, and the whole of those days is counted',
    ]);
    expect(await page.isVisible('#query-notes')).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a link written by hand with a raw + before its zone offset shows the offset in its box, as the API reads it, in basic form too', async () => {
    // `+` in a query string is a space: the link below says 03:30+02:00 (01:30Z) and 05:00+0200 (03:00Z).
    const { page, problems } = await openPage('?from=2024-05-25T03:30+02:00&to=2024-05-25T05:00:00+0200');
    expect(await page.inputValue('#from')).toBe('2024-05-25T03:30+02:00');
    expect(await page.inputValue('#to')).toBe('2024-05-25T05:00:00+0200');
    const notes = await page.$$eval('#query-notes span', (spans) => spans.map((span) => span.textContent));
    expect(notes[0]).toBe('rows are whole hours (granularity=hour): 2024-05-25T01:30:00.000Z falls inside an hour, and each row counts its whole hour');
    await expectChartsMatchApi(page, { from: '2024-05-25T01:30Z', to: '2024-05-25T03:00Z' });
    // Applied, the link keeps the offset, now encoded, and reads the same when opened again.
    await page.click('button[type=submit]');
    await ready(page);
    const reopened = await openPage(new URL(page.url()).search);
    expect(await reopened.page.inputValue('#from')).toBe('2024-05-25T03:30+02:00');
    // The same times in ISO 8601's basic form and of the hour alone, as the CLI and the API take them.
    const basic = await openPage('?from=20240525T0330+0200&to=2024-05-25T05+02');
    expect(await basic.page.inputValue('#from')).toBe('20240525T0330+0200');
    expect(await basic.page.inputValue('#to')).toBe('2024-05-25T05+02');
    expect((await basic.page.$$eval('#query-notes span', (spans) => spans.map((span) => span.textContent)))[0]).toBe(notes[0]);
    await expectChartsMatchApi(basic.page, { from: '2024-05-25T01:30Z', to: '2024-05-25T03:00Z' });
    expect([...problems, ...reopened.problems, ...basic.problems]).toEqual([]);
    await page.close();
    await reopened.page.close();
    await basic.page.close();
  });

  it('shows the API\'s error for a bad filter, and an empty range as "no data in this range"', async () => {
    const bad = await openPage('?from=yesterday');
    // Said once, beside the filters, the input named marked; each view only points there.
    const alerts = await bad.page.$$eval('[role=alert]:not([hidden])', (boxes) => boxes.map((box) => box.textContent));
    expect(alerts).toEqual(['The filters are not valid: from must be an ISO-8601 date or date-time (2024-05-25 or 2024-05-25T04:00:00Z)']);
    expect(await bad.page.getAttribute('#from', 'aria-invalid')).toBe('true');
    const errors = await bad.page.$$eval('.part .error', (boxes) => boxes.map((box) => box.textContent));
    expect(errors).toEqual(Array.from({ length: 10 }, () => 'not read: the filters above are not valid'));
    expect(bad.problems.filter((problem) => !problem.includes('status of 400'))).toEqual([]);
    await bad.page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-error.png') });
    await bad.page.close();

    const empty = await openPage('?from=2030-01-01');
    const shown = await shownCharts(empty.page);
    expect(shown.size).toBeGreaterThan(5);
    for (const [id, chart] of shown) expect(chart.caption, id).toBe('no data in this range');
    expect(await empty.page.textContent('[data-table=calls] .empty')).toBe('no data in this range');
    expect(empty.problems).toEqual([]);
    await empty.page.close();
  });

  it('thousands of names in the logs: at most 12 charts of a kind, the rest counted in a note; long titles and a long search cut to the window', async () => {
    // 40 recording operations and 30 units, one of them as long as a unit can be stored (128 characters).
    const logs = path.join(work, 'many-names');
    const start = Date.UTC(2024, 4, 25, 2);
    const longUnit = 'A'.repeat(128);
    const operations = Array.from({ length: 40 }, (_, i) =>
      operationRecord({ correlationId: `call-${i}`, operationName: `Op${String(i).padStart(2, '0')}`, time: start + i * 1000, durationMs: 10 + i }),
    );
    // Op39 most often, then Op38, ...: the twelve charted are Op28 to Op39.
    for (let i = 0; i < 40; i++)
      for (let extra = 0; extra < i; extra++)
        operations.push(
          operationRecord({ correlationId: `call-${i}-${extra}`, operationName: `Op${String(i).padStart(2, '0')}`, time: start + i * 1000 + extra }),
        );
    const usage = Array.from({ length: 30 }, (_, i) =>
      usageRecord({ time: start + i * 1000, unitType: i === 29 ? longUnit : `Unit${String(i).padStart(2, '0')}`, recordId: `rec-${i}` }),
    );
    // A resource id no URL could carry as a filter (the server answers 431 above 16 KiB): not offered as one.
    const hugeResource = `${RESOURCE}${'X'.repeat(20_000)}`;
    usage.push(usageRecord({ time: start, unitType: 'Unit00', recordId: 'rec-huge', resource: hugeResource }));
    for (const [category, records] of [
      ['insights-logs-callrecordingoperational', operations],
      ['insights-logs-usage', usage],
    ] as const) {
      const file = path.join(logs, category, ...recordingBlobPath(DAY, 2).split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, asJsonLines(records));
    }
    const prefix = uniquePrefix();
    const processed = await cli(['process', logs, '--quiet', '--connection-string', azuriteConnectionString(), '--table-prefix', prefix]);
    expect(processed.code, processed.stderr).toBe(0);
    const many = await serveTables(prefix, work);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${many.url}?from=2024-05-25T00:00Z&to=2024-05-26T00:00Z&search=${'A'.repeat(5_000)}`);
      await page.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
      const latency = await page.$$eval('#recording-operations figure[data-chart^="recording-latency-"]', (figures) =>
        figures.map((figure) => figure.getAttribute('data-chart')),
      );
      expect(latency).toEqual(Array.from({ length: 12 }, (_, i) => `recording-latency-Op${28 + i}`));
      expect(await page.textContent('#recording-operations [data-left-out=charts]')).toBe(
        '28 more operations not charted (charted: the 12 with the most requests); /api/query/recording-operations has every one',
      );
      expect(await page.$$('#usage figure[data-chart^="usage-"]')).toHaveLength(12);
      expect(await page.textContent('#usage [data-left-out=charts]')).toMatch(
        /^18 more units not charted \(charted: the 12 with the most records\); \/api\/query\/usage has every one$/,
      );
      expect(await page.$$('#retirement figure[data-chart^="retirement-"]')).toHaveLength(13);
      // Every unit has one record, so the ties break by name: the long unit (AA...) and Unit00 to Unit10 are charted, its title cut.
      const heading = `#usage figure[data-chart="usage-${longUnit.toLowerCase()}"] h3`;
      expect(await page.getAttribute(heading, 'title')).toBe(`Usage in ${longUnit.toLowerCase()}s`);
      expect(await page.textContent(heading)).toBe(`Usage in ${'a'.repeat(70)}…`);
      expect(await page.textContent('[data-table=calls] .empty')).toBe(`no call in this range has a CorrelationId containing "${'A'.repeat(79)}…"`);
      const titles = await page.$$eval('h3[title]', (headings) => headings.map((h3) => [h3.textContent, h3.getAttribute('title')]));
      for (const [text, title] of titles) expect((text ?? '').length, title ?? '').toBeLessThanOrEqual(80);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      const offered = await page.$$eval('#resource option', (options) => options.map((option) => option.getAttribute('value')));
      expect(offered).toEqual(['', RESOURCE]);
      // A store with data says nothing of an empty one.
      expect(await page.$('#health [data-note=nothing-read]')).toBeNull();
      await page.close();
    } finally {
      await many.close();
    }
  }, 120_000);

  it('on a store nothing was ever read into, Health says so beside its ok', async () => {
    const empty = await serveTables(uniquePrefix(), work);
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(empty.url);
      await page.waitForSelector('body[data-state=ready]', { timeout: 30_000 });
      expect(await page.getAttribute('#health [data-status]', 'data-status')).toBe('ok');
      expect(await page.textContent('#health [data-note=nothing-read]')).toMatch(/^no file of these containers has been read into this store yet/);
      await page.close();
    } finally {
      await empty.close();
    }
  }, 60_000);
});
