import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/cli/commands/serve.js';
import { addParticipantsRecord, asJsonLines, blobPath } from '../support/roomsLogs.js';
import { DAY, recordingBlobPath, usageRecord } from '../support/recordingLogs.js';
import { closeAll, haveChromium, serveProcessedLogs } from '../support/dashboardServer.js';

/** The time axis of a chart, as its readers meet it at every window width and range: labels that do not run into each other. */

/** An operation every hour for 61 days (one in five failing, so the failures chart has a line too). */
const FIRST_HOUR = Date.UTC(2024, 3, 1);
const HOURS = 61 * 24;

const WIDTHS = [360, 400, 1400, 1920];
const RANGES = [
  { from: '2024-05-01T00:00Z', to: '2024-05-01T06:00Z', granularity: 'hour' },
  { from: '2024-05-01T00:00Z', to: '2024-05-03T00:00Z', granularity: 'hour' },
  { from: '2024-05-01T00:00Z', to: '2024-05-08T00:00Z', granularity: 'hour' },
  { from: '2024-04-01T00:00Z', to: '2024-06-01T00:00Z', granularity: 'hour' },
  { from: '2024-04-01T00:00Z', to: '2024-06-01T00:00Z', granularity: 'day' },
  // Three days: a tick on each, the last on the plot's right edge.
  { from: '2024-05-01T00:00Z', to: '2024-05-04T00:00Z', granularity: 'day' },
];

/** Text drawn on a canvas, where it lands in the canvas's pixels and how wide it is there. */
interface CanvasText {
  text: string;
  x: number;
  width: number;
  align: string;
  font: string;
  rotated: boolean;
}

/** One tick label as drawn: its centre and width in canvas pixels, and its lines. */
interface TickLabel {
  x: number;
  width: number;
  lines: string[];
}

/** What of a canvas's 2D context the recording below uses (the tests are compiled without the DOM's types). */
interface Context2D {
  canvas: { width: number; height: number };
  textAlign: string;
  font: string;
  getTransform(): { a: number; b: number; c: number; d: number; e: number; f: number };
  measureText(text: string): { width: number };
  fillText: (this: Context2D, text: string, x: number, y: number, maxWidth?: number) => void;
  clearRect: (this: Context2D, x: number, y: number, width: number, height: number) => void;
}

interface RecordingWindow {
  CanvasRenderingContext2D: { prototype: Context2D };
  canvasText: Map<object, CanvasText[]>;
}

/** Records the text drawn on each canvas since it was last cleared: uPlot draws its axes where the page's DOM cannot show them. */
function recordCanvasText(): void {
  const scope = globalThis as unknown as RecordingWindow;
  const drawn = new Map<object, CanvasText[]>();
  scope.canvasText = drawn;
  const prototype = scope.CanvasRenderingContext2D.prototype;
  const { fillText, clearRect } = prototype;
  prototype.fillText = function (this: Context2D, text: string, x: number, y: number, maxWidth?: number): void {
    const transform = this.getTransform();
    const list = drawn.get(this.canvas) ?? [];
    drawn.set(this.canvas, list);
    list.push({
      text,
      x: transform.a * x + transform.c * y + transform.e,
      width: this.measureText(text).width,
      align: this.textAlign,
      font: this.font,
      rotated: transform.b !== 0 || transform.c !== 0,
    });
    if (maxWidth === undefined) fillText.call(this, text, x, y);
    else fillText.call(this, text, x, y, maxWidth);
  };
  prototype.clearRect = function (this: Context2D, x: number, y: number, width: number, height: number): void {
    if (x <= 0 && y <= 0 && width >= this.canvas.width && height >= this.canvas.height) drawn.set(this.canvas, []);
    clearRect.call(this, x, y, width, height);
  };
}

describe.skipIf(!haveChromium)('the time axis of the dashboard in a real browser', () => {
  let work: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'acs-logs-dashboard-axis-'));
    const logs = path.join(work, 'logs');
    const records = Array.from({ length: HOURS }, (_, hour) => {
      const record = addParticipantsRecord(new Date(FIRST_HOUR + hour * 3_600_000 + 60_000).toISOString(), 1, `room-${hour % 7}`);
      return hour % 5 === 0 ? { ...record, resultType: 'Failed', resultSignature: '404' } : record;
    });
    const file = path.join(logs, 'insights-logs-roomsoperational', ...blobPath(0).split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, asJsonLines(records));
    ({ server, browser } = await serveProcessedLogs(logs, work));
  });

  afterAll(async () => {
    await closeAll(browser, server, work);
  });

  /** The x-axis tick labels each time chart drew, left to right (the lines of a label share its tick's x), and the width of its canvas. */
  async function timeAxisLabels(page: Page): Promise<Map<string, TickLabel[]>> {
    const charts = await page.$$eval('figure.chart[data-x-range]', (figures) => {
      const drawn = (globalThis as unknown as RecordingWindow).canvasText;
      return figures.map((figure) => {
        const canvas = figure.querySelector('canvas');
        // The x axis's labels are centred on their ticks and upright; the y axis's are aligned right, its title bold and turned.
        const texts = (canvas ? (drawn.get(canvas) ?? []) : []).filter((text) => text.align === 'center' && !text.rotated && !text.font.startsWith('bold'));
        return [figure.getAttribute('data-chart') ?? '', texts, canvas?.width ?? 0] as const;
      });
    });
    canvasWidth = new Map(charts.map(([id, , width]) => [id, width]));
    return new Map(
      charts.map(([id, texts]) => {
        const byX = new Map<number, TickLabel>();
        for (const text of texts) {
          const label = byX.get(text.x) ?? { x: text.x, width: 0, lines: [] };
          label.width = Math.max(label.width, text.width);
          label.lines.push(text.text);
          byX.set(text.x, label);
        }
        return [id, [...byX.values()].sort((a, b) => a.x - b.x)];
      }),
    );
  }

  /** The width of each time chart's canvas, by chart, as timeAxisLabels last read them. */
  let canvasWidth = new Map<string, number>();

  /** Every time chart has ticks, each label whole inside its canvas, and there is space between each label and the next. */
  async function expectLabelsApart(page: Page, context: string): Promise<void> {
    const charts = await timeAxisLabels(page);
    expect(charts.size, context).toBe(4);
    for (const [id, labels] of charts) {
      expect(labels.length, `${context} ${id}: ticks`).toBeGreaterThanOrEqual(2);
      // A tick on the last bucket sits on the plot's right edge: its label is not cut there (`2024-05-2` for `2024-05-28`).
      for (const label of labels) {
        expect(label.x - label.width / 2, `${context} ${id}: "${label.lines.join(' ')}" starts inside its chart`).toBeGreaterThanOrEqual(0);
        expect(label.x + label.width / 2, `${context} ${id}: "${label.lines.join(' ')}" ends inside its chart`).toBeLessThanOrEqual(canvasWidth.get(id) ?? 0);
      }
      for (let i = 1; i < labels.length; i++) {
        const before = labels[i - 1]!;
        const after = labels[i]!;
        const gap = after.x - after.width / 2 - (before.x + before.width / 2);
        expect(gap, `${context} ${id}: "${before.lines.join(' ')}" and "${after.lines.join(' ')}"`).toBeGreaterThan(0);
      }
    }
  }

  const canvasWidths = (page: Page): Promise<string[]> =>
    page.$$eval('figure.chart[data-x-range] canvas', (canvases) => canvases.map((canvas) => canvas.getAttribute('width') ?? ''));

  for (const width of WIDTHS) {
    it(`at ${width} px, the time axis's labels stand apart, each whole inside its chart, from a few hours to 61 days, by hour and by day`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.addInitScript(recordCanvasText);
      try {
        for (const range of RANGES) {
          await page.goto(`${server.url}?${new URLSearchParams(range).toString()}`);
          await page.waitForSelector('body[data-state=ready]');
          await expectLabelsApart(page, `${width} px, ${range.from} to ${range.to} by ${range.granularity}`);
        }
        // Resized, the charts choose their ticks again.
        const resized = width === 1400 ? 1920 : 1400;
        const before = await canvasWidths(page);
        await page.setViewportSize({ width: resized, height: 900 });
        // The page redraws its charts on the frame after the window's resize.
        await expect.poll(async () => (await canvasWidths(page)).some((canvasWidth, i) => canvasWidth === before[i])).toBe(false);
        await expectLabelsApart(page, `${width} px resized to ${resized} px`);
      } finally {
        await page.close();
      }
    }, 120_000);
  }
});

describe.skipIf(!haveChromium)('the value axis of the dashboard in a real browser', () => {
  let work: string;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'acs-logs-dashboard-value-axis-'));
    const logs = path.join(work, 'logs');
    // A large tenant's day of minutes (1,500,000), and the largest quantities a record may hold (10^12).
    const records = [0, 1, 2].flatMap((hour) => [
      usageRecord({ time: DAY + hour * 3_600_000, quantity: 1_500_000 * (hour + 1), recordId: `minutes-${hour}` }),
      usageRecord({ time: DAY + hour * 3_600_000, unitType: 'Message', quantity: 1e12, recordId: `messages-${hour}` }),
      // The smallest quantity a record keeps (a millionth).
      usageRecord({ time: DAY + hour * 3_600_000, unitType: 'Gigabyte', quantity: 0.000001, recordId: `gigabytes-${hour}` }),
    ]);
    const file = path.join(logs, 'insights-logs-usage', ...recordingBlobPath(DAY, 0).split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, asJsonLines(records));
    ({ server, browser } = await serveProcessedLogs(logs, work));
  });

  afterAll(async () => {
    await closeAll(browser, server, work);
  });

  for (const width of [360, 1400]) {
    it(`at ${width} px, the value axis's labels of millions and trillions are whole inside their chart and clear of the axis's title`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.addInitScript(recordCanvasText);
      try {
        await page.goto(`${server.url}?from=2024-05-25&to=2024-05-26`);
        await page.waitForSelector('body[data-state=ready]');
        const charts = await page.$$eval('figure.chart[data-chart^=usage-]', (figures) => {
          const drawn = (globalThis as unknown as RecordingWindow).canvasText;
          return figures.map((figure) => {
            const canvas = figure.querySelector('canvas');
            const texts = canvas ? (drawn.get(canvas) ?? []) : [];
            // The value axis's labels are aligned right; its title is turned, its glyphs left of where it is drawn.
            return {
              id: figure.getAttribute('data-chart') ?? '',
              labels: texts.filter((text) => text.align === 'right' && !text.rotated),
              title: texts.find((text) => text.rotated),
            };
          });
        });
        expect(charts.map((chart) => chart.id).sort()).toEqual(['usage-gigabyte', 'usage-message', 'usage-minute']);
        for (const { id, labels, title } of charts.filter((chart) => chart.id !== 'usage-gigabyte')) {
          expect(title, `${id}: the axis's title`).toBeDefined();
          // Ticks of hundreds of billions, and of millions.
          expect(Math.max(...labels.map((label) => label.text.length)), `${id}: its longest label`).toBeGreaterThanOrEqual(id === 'usage-message' ? 15 : 9);
          for (const label of labels)
            expect(label.x - label.width, `${width} px ${id}: "${label.text}" starts right of the axis's title`).toBeGreaterThanOrEqual(title?.x ?? 0);
        }
      } finally {
        await page.close();
      }
    }, 60_000);
  }

  it('writes a quantity below 1 to three significant digits, on its axis, in its caption and its values, never as 0', async () => {
    const page = await browser.newPage();
    await page.addInitScript(recordCanvasText);
    try {
      await page.goto(`${server.url}?from=2024-05-25&to=2024-05-26`);
      await page.waitForSelector('body[data-state=ready]');
      const chart = page.locator('figure.chart[data-chart=usage-gigabyte]');
      expect(await chart.locator('figcaption').textContent()).toBe('total 0.000003 gigabytes');
      await chart.locator('details.values summary').click();
      // The table is written on the details' toggle event, a task after the click: waited for, not raced.
      await chart.locator('details.values tbody td').first().waitFor();
      expect(await chart.locator('details.values tbody td').allTextContents()).toEqual(['0.000001', '0.000001', '0.000001']);
      const ticks = await chart.evaluate((figure) => {
        const canvas = figure.querySelector('canvas');
        const drawn = (globalThis as unknown as RecordingWindow).canvasText;
        return (canvas ? (drawn.get(canvas) ?? []) : []).filter((text) => text.align === 'right' && !text.rotated).map((text) => text.text);
      });
      // Ticks apart by millionths read apart, not as 0, 0, 0.
      expect(new Set(ticks).size, ticks.join(' ')).toBe(ticks.length);
    } finally {
      await page.close();
    }
  }, 60_000);
});
