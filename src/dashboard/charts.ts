import uPlot from 'uplot';
import { clipped, formatNumber, h, quantityText } from './dom.js';
import { shareText } from './share.js';
import { bucketText, largestBars, seriesTotal, total, utcTicks, WIDEST_UTC_TICK, type Bars, type TimeSeries } from './series.js';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c', '#4f46e5', '#0d9488'];
const HEIGHT = 220;

export interface ChartSpec {
  /** Stable name, also `data-chart` on the figure (the browser tests find charts by it). */
  id: string;
  title: string;
  /** Unit of the values, for the axis and the caption. */
  unit: string;
  /** One line under the title saying how to read the chart. */
  note?: string;
  /** The caption's summary; default the total of the values drawn. */
  caption?: (drawn: number) => string;
  /** The caption when nothing is drawn (a chart of failures when nothing failed); default that the range holds no data. */
  empty?: string;
  /** Seconds of one bucket (an hour when not given): a lone bucket is drawn this far either side of it. */
  step?: number;
}

/** Plots on the page, resized with the window and destroyed when the page is drawn again. */
const plots = new Set<{ plot: uPlot; figure: HTMLElement }>();

/** Destroys the plots inside `within` (all when not given). */
export function destroyCharts(within?: Element): void {
  for (const entry of plots) {
    if (within && !within.contains(entry.figure)) continue;
    entry.plot.destroy();
    plots.delete(entry);
  }
}

let resizeQueued = false;
window.addEventListener('resize', () => {
  if (resizeQueued) return;
  resizeQueued = true;
  requestAnimationFrame(() => {
    resizeQueued = false;
    for (const { plot, figure } of plots) plot.setSize({ width: widthOf(figure), height: HEIGHT });
  });
});

function widthOf(figure: HTMLElement): number {
  return Math.max(240, figure.clientWidth - 16);
}

/** A figure with title, note and caption; `data-total` and `data-points` state what is drawn. */
function figureFor(spec: ChartSpec, points: number, drawn: number): HTMLElement {
  const caption = points === 0 ? (spec.empty ?? 'no data in this range') : (spec.caption?.(drawn) ?? `total ${quantityText(drawn, spec.unit)}`);
  return h(
    'figure',
    { class: 'chart', 'data-chart': spec.id, 'data-points': String(points), 'data-total': String(drawn) },
    titleHeading(spec.title),
    spec.note ? h('p', { class: 'note' }, spec.note) : null,
    h('figcaption', { class: points === 0 ? 'empty' : 'caption' }, caption),
  );
}

/** Longest chart title: titles name operations and units from the logs, up to 128 characters with no break. */
const TITLE_CHARS = 80;

function titleHeading(title: string): HTMLElement {
  const shown = clipped(title, TITLE_CHARS);
  return h('h3', shown.title === undefined ? {} : { title: shown.title }, shown.text);
}

/** A chart's values as text: the heading of each column, and a row of cells per point. */
interface ValueTable {
  headings: string[];
  rows: () => string[][];
}

/** The x range a chart zooms to for its points `first` to `last` (indices into its x values), as a drag across them would. */
type ZoomSpan = (xs: ArrayLike<number>, first: number, last: number) => [number, number];

/** Ids of the zoom descriptions: each chart's own. */
let zoomHelps = 0;

function mount(
  parent: HTMLElement,
  figure: HTMLElement,
  options: Omit<uPlot.Options, 'width' | 'height'>,
  data: uPlot.AlignedData,
  values: ValueTable,
  span?: ZoomSpan,
): void {
  parent.appendChild(figure);
  const plot = new uPlot({ ...options, width: widthOf(figure), height: HEIGHT }, data, figure);
  // A canvas says nothing to a screen reader: it is named by the figure's title and caption.
  const canvas = plot.root.querySelector('canvas');
  if (canvas) {
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', [...figure.querySelectorAll('h3, figcaption')].map((element) => element.textContent).join(': '));
  }
  // Over time only: a bar chart's axis is fixed to its bars (its x range), which no drag changes.
  if (canvas && span) {
    const help = h(
      'p',
      { class: 'visually-hidden', id: `zoom-help-${++zoomHelps}` },
      'To zoom, drag across the chart, or with the keyboard: the arrow keys, Home and End move between points, with Shift they select a range, Enter zooms to it; Escape or a double click shows all of it again.',
    );
    figure.appendChild(help);
    canvas.setAttribute('aria-describedby', help.id);
    keyboardZoom(plot, canvas, span);
  }
  figure.appendChild(valueTable(values, figure.querySelector('h3')?.textContent ?? ''));
  keyboardLegend(plot);
  plots.add({ plot, figure });
}

/**
 * Drag-to-zoom for the keyboard: the chart (its canvas) is one Tab stop; the arrow keys, Home and End
 * move the cursor between the points shown (the legend shows their values, as under the pointer),
 * with Shift they stretch a selection from where it started, Enter zooms to it (two points at least,
 * as a drag must cover some width), Escape shows all of the chart again.
 */
function keyboardZoom(plot: uPlot, canvas: HTMLElement, span: ZoomSpan): void {
  canvas.tabIndex = 0;
  let anchor: number | undefined;
  let at: number | undefined;
  const xs = (): ArrayLike<number> => plot.data[0];
  /** Indices of the points inside the x range shown. */
  const shown = (): number[] => {
    const { min = -Infinity, max = Infinity } = plot.scales['x'] ?? {};
    const indices: number[] = [];
    for (let i = 0; i < xs().length; i++) if ((xs()[i] ?? NaN) >= min && (xs()[i] ?? NaN) <= max) indices.push(i);
    return indices;
  };
  const clear = (): void => {
    anchor = at = undefined;
    plot.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  };
  const draw = (): void => {
    if (at === undefined || anchor === undefined) return;
    const left = plot.valToPos(xs()[at] ?? 0, 'x');
    const from = plot.valToPos(xs()[anchor] ?? 0, 'x');
    plot.setCursor({ left, top: plot.over.clientHeight / 2 });
    plot.setSelect({ left: Math.min(left, from), top: 0, width: Math.abs(left - from), height: plot.over.clientHeight }, false);
  };
  canvas.addEventListener('blur', () => {
    clear();
    plot.setCursor({ left: -10, top: -10 });
  });
  canvas.addEventListener('keydown', (event) => {
    const points = shown();
    if (points.length === 0) return;
    const where = at === undefined ? -1 : points.indexOf(at);
    let next: number | undefined;
    if (event.key === 'ArrowRight' || event.key === 'ArrowUp') next = points[Math.min(points.length - 1, where + 1)];
    else if (event.key === 'ArrowLeft' || event.key === 'ArrowDown') next = points[Math.max(0, where < 0 ? 0 : where - 1)];
    else if (event.key === 'Home') next = points[0];
    else if (event.key === 'End') next = points[points.length - 1];
    if (next !== undefined) {
      event.preventDefault();
      at = next;
      if (!event.shiftKey || anchor === undefined) anchor = next;
      draw();
    } else if (event.key === 'Enter' && at !== undefined && anchor !== undefined && at !== anchor) {
      event.preventDefault();
      const [min, max] = span(xs(), Math.min(at, anchor), Math.max(at, anchor));
      clear();
      plot.setScale('x', { min, max });
    } else if (event.key === 'Escape') {
      event.preventDefault();
      clear();
      // As uPlot's own double click: the data again, its scales from it.
      plot.setData(plot.data);
    }
  });
}

const LEGEND_KEYS: Readonly<Record<string, (at: number, count: number) => number>> = {
  ArrowRight: (at, count) => Math.min(count - 1, at + 1),
  ArrowDown: (at, count) => Math.min(count - 1, at + 1),
  ArrowLeft: (at) => Math.max(0, at - 1),
  ArrowUp: (at) => Math.max(0, at - 1),
  Home: () => 0,
  End: (_at, count) => count - 1,
};

/**
 * A legend entry hides or shows its line when clicked (uPlot's own): the keyboard does the same, the
 * legend one Tab stop, the arrow keys, Home and End moving between its entries, Enter or Space
 * hiding or showing one, which says whether its line is shown (pressed).
 */
function keyboardLegend(plot: uPlot): void {
  // The first row is the time or the bar's label, which shows nothing to hide.
  const entries = [...plot.root.querySelectorAll<HTMLElement>('.u-legend tr.u-series > th')].slice(1);
  entries.forEach((entry, index) => {
    const shown = (): void => entry.setAttribute('aria-pressed', String(plot.series[index + 1]?.show !== false));
    entry.tabIndex = index === 0 ? 0 : -1;
    entry.setAttribute('role', 'button');
    shown();
    // After uPlot's own listener, which hides or shows the line.
    entry.addEventListener('click', shown);
    entry.addEventListener('keydown', (event) => {
      const move = LEGEND_KEYS[event.key];
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        entry.click();
      } else if (move) {
        event.preventDefault();
        const next = entries[move(index, entries.length)];
        if (!next || next === entry) return;
        for (const other of entries) other.tabIndex = other === next ? 0 : -1;
        next.focus();
      }
    });
  });
}

/**
 * The chart's values as a table, for the keyboard and screen readers (the pointer alone reads them
 * off the canvas): closed, one Tab stop; written when first opened, as a chart may have thousands of points.
 */
function valueTable(values: ValueTable, title: string): HTMLElement {
  const details = h('details', { class: 'values' }, h('summary', {}, 'Values as a table'));
  details.addEventListener(
    'toggle',
    () => {
      const table = h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...values.headings.map((heading) => h('th', { scope: 'col' }, heading)))),
        h('tbody', {}, ...values.rows().map(([first, ...rest]) => h('tr', {}, h('th', { scope: 'row' }, first), ...rest.map((cell) => h('td', {}, cell))))),
      );
      // A box of its own that the keyboard can scroll, named for the chart.
      details.appendChild(h('div', { class: 'scroll', role: 'region', tabindex: '0', 'aria-label': `values of ${title}` }, table));
    },
    { once: true },
  );
  return details;
}

/** Lines over time (UTC), one per series. */
export function timeChart(parent: HTMLElement, spec: ChartSpec, data: TimeSeries): void {
  const figure = figureFor(spec, data.times.length, seriesTotal(data));
  if (data.times.length === 0) {
    parent.appendChild(figure);
    return;
  }
  const showPoints = data.times.length < 50;
  // A chart of days spaces, and names under the pointer, days: its series know their bucket.
  const step = spec.step ?? data.step ?? 3600;
  const bucketSize = step >= MONTH_SECONDS ? 'month' : step >= 86_400 ? 'day' : 'hour';
  // A share is never rounded to all or nothing: a bucket with one failure in 25,000 is not `100`.
  const valueText = (value: number | null | undefined): string =>
    value === null || value === undefined ? '–' : spec.unit === '%' ? shareText(value) : formatNumber(value);
  mount(
    parent,
    figure,
    {
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
      // A tick on the last bucket (every chart of days) is centred on the plot's right edge: room for half its label, or `2024-05-28` is cut to `2024-05-2`.
      padding: [null, () => timeAxisOverhang(), null, null],
      scales: {
        // One bucket alone: an hour either side, not an axis of years around one dot (uPlot widens a lone time by 86,400 / ms: 1,000 days in seconds).
        x: { time: true, range: (plot, min, max) => (plot.data[0].length === 1 ? [plot.data[0][0]! - step, plot.data[0][0]! + step] : [min, max]) },
        // A share is 0-100 %, whatever a single point would make of the axis; one that stays low
        // (packet loss of a few %) reads from 0 to a little above its highest, not flat along 0.
        ...(spec.unit === '%' ? { y: { range: (_plot, _min, max) => [0, percentAxisTop(max)] as uPlot.Range.MinMax } } : {}),
      },
      series: [
        {
          label: 'time (UTC)',
          value: (_plot: uPlot, seconds: number | null) => bucketText(seconds, bucketSize),
        },
        ...data.series.map((series, i) => ({
          label: shown(series.label, LEGEND_CHARS),
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          points: { show: showPoints, size: 4 },
          value: (_plot: uPlot, value: number | null) => valueText(value),
        })),
      ],
      axes: [
        // Months: a tick per month drawn, never the days or hours between them.
        {
          ...(step >= MONTH_SECONDS ? { splits: () => data.times } : {}),
          values: (_plot, splits) => utcTicks(splits, step >= MONTH_SECONDS),
          font: AXIS_FONT,
          space: timeTickSpace(),
        },
        {
          // A usage unit comes from the logs, and the canvas draws it as it is (a right-to-left override would reverse it).
          label: shown(spec.unit, LEGEND_CHARS),
          size: valueAxisSize,
          ...countIncrements(data.series.map((series) => series.values)),
          values: (_plot, splits) => splits.map((value) => formatNumber(value)),
        },
      ],
      legend: { live: true },
      // The time axis drawn, in epoch seconds, for what cannot be read off a canvas.
      hooks: {
        setScale: [
          (plot, key) => (key === 'x' || key === 'y') && figure.setAttribute(`data-${key}-range`, `${plot.scales[key]?.min},${plot.scales[key]?.max}`),
        ],
      },
    },
    [data.times, ...data.series.map((series) => series.values)],
    {
      headings: ['time (UTC)', ...data.series.map((series) => shown(series.label, LEGEND_CHARS))],
      rows: () => data.times.map((time, i) => [bucketText(time, bucketSize), ...data.series.map((series) => valueText(series.values[i]))]),
    },
    (xs, first, last) => [xs[first] ?? 0, xs[last] ?? 0],
  );
}

/** Top of a percent axis: 100 for a share that reaches past half, else a round number a little above its highest. */
function percentAxisTop(max: number): number {
  if (!(max > 0) || max > 50) return 100;
  return Math.min(100, uPlot.rangeNum(0, max, 0.1, true)[1] ?? 100);
}

/** uPlot's own axis font, named so that the time axis's labels are measured in the font they are drawn in. */
const AXIS_FONT =
  '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Segoe UI Symbol", "Noto Color Emoji"';
const AXIS_FONT_PX = 12;
/** Pixels left clear between two labels of the time axis. */
const TICK_LABEL_GAP = 8;

let timeTickPixels: number | undefined;
/** Width of the widest label of the time axis, measured once. */
let widestTickPixels: number | undefined;

/**
 * Least pixels between ticks of the time axis: its widest label and a gap (uPlot's default, 50, is
 * narrower than a date), widened by 30/28 as uPlot spaces month ticks as 30 days and February has 28.
 */
function timeTickSpace(): number {
  widestTickPixels ??= widestText(WIDEST_UTC_TICK);
  timeTickPixels ??= Math.ceil(((widestTickPixels + TICK_LABEL_GAP) * 30) / 28);
  return timeTickPixels;
}

/** Right padding of a time chart: half its widest tick label, at least uPlot's own (half the count axis's 60 pixels). */
function timeAxisOverhang(): number {
  widestTickPixels ??= widestText(WIDEST_UTC_TICK);
  return Math.max(30, Math.ceil(widestTickPixels / 2) + 1);
}

/** Width of `text` in the axis font with each digit drawn as the widest digit, so that any date or time of its shape fits. */
function widestText(text: string): number {
  const context = document.createElement('canvas').getContext('2d');
  // No canvas to measure on: no digit of a sans-serif face is wider than 0.65 em.
  if (!context) return text.length * AXIS_FONT_PX * 0.65;
  context.font = AXIS_FONT;
  const digitWidth = (digit: string): number => context.measureText(digit).width;
  const widestDigit = [...'0123456789'].reduce((widest, digit) => (digitWidth(digit) > digitWidth(widest) ? digit : widest));
  return context.measureText(text.replace(/\d/g, widestDigit)).width;
}

/** Most bars drawn: 20,000 distinct results would be a smear of labels; the rest are one `other` bar. */
const MAX_BARS = 30;

/** Bars, one per label (a histogram when the labels are ordered numbers), from 0 up. */
export function barChart(parent: HTMLElement, spec: ChartSpec, all: Bars): void {
  const bars = largestBars(all, MAX_BARS);
  const figure = figureFor(spec, bars.labels.length, total(bars.values));
  if (bars.labels.length === 0) {
    parent.appendChild(figure);
    return;
  }
  const indices = bars.labels.map((_label, i) => i);
  const longest = Math.max(...bars.labels.map((label) => label.length));
  const slanted = longest > 12 && bars.labels.length > 3;
  const tickLabel = (i: number): string => shown(bars.labels[i] ?? '', 24);
  const bar = uPlot.paths.bars?.({ size: [0.6, 64] });
  // The count axis's width as last sized: uPlot sizes the axes before the padding in each of its passes.
  let countAxisPixels = VALUE_AXIS_PX;
  mount(
    parent,
    figure,
    {
      // A slanted label runs right of its bar: the last one needs room past the plot, or it is cut to another value (`ClientError 4` for `ClientError 401`).
      ...(slanted
        ? {
            padding: [
              null,
              (plot: uPlot) => slantedOverhang(tickLabel(bars.labels.length - 1), plot.width - countAxisPixels, bars.labels.length),
              null,
              null,
            ] as uPlot.Padding,
          }
        : {}),
      // Counts from 0: an axis from 0.9 makes a bar of 1 look empty beside one of 2.
      scales: {
        x: { time: false, range: [-0.5, bars.labels.length - 0.5] },
        y: { range: (_plot, _min, max) => uPlot.rangeNum(0, max > 0 ? max : 1, 0.1, true) },
      },
      series: [
        { label: spec.title, value: (_plot, index: number | null) => (index === null ? '–' : shown(bars.labels[index] ?? '', LEGEND_CHARS)) },
        {
          label: shown(spec.unit, LEGEND_CHARS),
          stroke: PALETTE[0],
          fill: `${PALETTE[0]}99`,
          ...(bar ? { paths: bar } : {}),
          points: { show: false },
          value: (_plot, value: number | null) => formatNumber(value),
        },
      ],
      axes: [
        {
          splits: () => indices,
          values: (_plot, splits) => splits.map(tickLabel),
          rotate: slanted ? -SLANT_DEGREES : 0,
          size: slanted ? 90 : 40,
          grid: { show: false },
        },
        {
          size: (plot, values, axisIndex) => (countAxisPixels = valueAxisSize(plot, values, axisIndex)),
          ...countIncrements([bars.values]),
          values: (_plot, splits) => splits.map((value) => formatNumber(value)),
        },
      ],
      legend: { live: true },
    },
    [indices, bars.values],
    {
      headings: [shown(spec.title, TITLE_CHARS), shown(spec.unit, LEGEND_CHARS)],
      rows: () => bars.labels.map((label, i) => [shown(label, LEGEND_CHARS), formatNumber(bars.values[i])]),
    },
  );
}

const SLANT_DEGREES = 30;
/** uPlot's own padding of a side without an axis. */
const PLOT_PADDING = 8;

/** Least width of a value axis (its tick labels, ticks and their gap, not its title): uPlot's own default leaves less room. */
const VALUE_AXIS_PX = 60;

/**
 * Width of a value axis for the tick labels it draws, at least VALUE_AXIS_PX: a fixed width cut
 * `1,500,000` participant minutes or `86,400,000` ms into the axis's title and off the canvas.
 */
function valueAxisSize(plot: uPlot, values: readonly string[] | null, axisIndex: number): number {
  const axis = plot.axes[axisIndex];
  const widest = Math.max(0, ...(values ?? []).map((value) => textWidth(value)));
  return Math.max(VALUE_AXIS_PX, Math.ceil(widest + (axis?.ticks?.size ?? 0) + (axis?.gap ?? 0)) + 1);
}

/**
 * Padding right of a plot of `bars` bars, in a canvas `width` pixels wide less the axis, for the
 * last label, slanted down to the right from the middle of its bar: the label's run past that
 * middle, less the half bar it starts in, the bars narrowed by the padding itself (at least uPlot's own padding).
 */
function slantedOverhang(label: string, width: number, bars: number): number {
  const run = textWidth(label) * Math.cos((SLANT_DEGREES * Math.PI) / 180) + 4;
  // padding = run - (width - padding) / (2 * bars), solved for padding.
  const padding = (run - width / (2 * bars)) / (1 - 1 / (2 * bars));
  return Math.max(PLOT_PADDING, Math.ceil(padding));
}

/** A canvas to measure text on, made once: a value axis measures its labels at each drawing. */
let measuring: CanvasRenderingContext2D | null | undefined;

/** Width of `text` in the axis font (0.65 em a character where no canvas can measure it). */
function textWidth(text: string): number {
  measuring ??= document.createElement('canvas').getContext('2d');
  if (!measuring) return text.length * AXIS_FONT_PX * 0.65;
  measuring.font = AXIS_FONT;
  return measuring.measureText(text).width;
}

/** Characters of a logged value in a legend. */
const LEGEND_CHARS = 40;

/** A logged value as a chart draws it (uPlot writes it as it is): invisible characters shown, cut to `max`. */
function shown(label: string, max: number): string {
  return clipped(label, max).text;
}

/** Ticks a step of which is a whole number, for counts: an axis of operations at 0.5 and 1.5 reads as half an operation. */
function countIncrements(values: ReadonlyArray<ReadonlyArray<number | null>>): { incrs?: number[] } {
  const whole = values.every((series) => series.every((value) => value === null || Number.isInteger(value)));
  return whole ? { incrs: COUNT_INCREMENTS } : {};
}

/** The step of a chart of months (the shortest month). */
export const MONTH_SECONDS = 28 * 86_400;

const COUNT_INCREMENTS = Array.from({ length: 16 }, (_, power) => [1, 2, 5].map((factor) => factor * 10 ** power)).flat();
