/** Rows of a view turned into what the charts draw. Pure, linear in the rows. */

export interface Series {
  label: string;
  values: (number | null)[];
}

/** Series over time: `times` in epoch seconds, ascending; one value per time in each series. */
export interface TimeSeries {
  times: number[];
  series: Series[];
  /** Seconds of one bucket when the rows have a fixed one (an hour, a day): the chart names and spaces its buckets by it. */
  step?: number;
}

/** Labelled values for a bar chart, largest first unless the labels are ordered by the caller. */
export interface Bars {
  labels: string[];
  values: number[];
  /** The labels are ordered numbers (a histogram): a long tail is cut at its end, not by size. */
  ordered?: true;
}

export type Combine = 'sum' | 'max';

export interface PivotOptions<T> {
  bucket: (row: T) => string;
  key: (row: T) => string;
  value: (row: T) => number | null;
  /** `sum` adds rows of one bucket and key; `max` keeps the largest. */
  combine?: Combine;
  /** What a key without a row in a bucket shows: 0 for counts, null (a gap) for measures. */
  missing?: 0 | null;
  /**
   * The buckets' size in seconds: every bucket between the first and the last is shown, those
   * without rows as `missing`, so a line does not run straight across empty hours. Absent: only the
   * buckets rows have (months, which differ in length).
   */
  step?: number;
}

/** Charts show at most this many buckets filled in; a longer range shows the edges of its gaps instead. */
const MAX_FILLED_BUCKETS = 50_000;

/**
 * Every `step` from the first time to the last; the times themselves when there is no step. Past
 * MAX_FILLED_BUCKETS (one line logged in 2015 and the rest today), only the first and last empty
 * bucket of each gap: drawn as `missing`, a count still lies at 0 across the gap and a measure
 * breaks there, as when filled, with at most three times the buckets there are.
 */
export function bucketTimes(times: readonly number[], step: number | undefined): number[] {
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (step === undefined || !(step > 0) || first === undefined || last === undefined) return sorted;
  const all = new Set<number>(sorted);
  if ((last - first) / step <= MAX_FILLED_BUCKETS) {
    for (let time = first; time < last; time += step) all.add(time);
  } else {
    for (let i = 0; i + 1 < sorted.length; i++) {
      const gapStart = sorted[i]! + step;
      const gapEnd = sorted[i + 1]! - step;
      if (gapStart > gapEnd) continue;
      all.add(gapStart);
      all.add(gapEnd);
    }
  }
  return [...all].sort((a, b) => a - b);
}

/** One series per key, over every bucket (see `step`); series ordered by their total, largest first. */
export function pivot<T>(rows: readonly T[], options: PivotOptions<T>): TimeSeries {
  const { combine = 'sum', missing = 0 } = options;
  const byKey = new Map<string, Map<number, number>>();
  const times = new Set<number>();
  for (const row of rows) {
    const value = options.value(row);
    if (value === null || !Number.isFinite(value)) continue;
    const time = Date.parse(options.bucket(row)) / 1000;
    if (!Number.isFinite(time)) continue;
    times.add(time);
    const key = options.key(row);
    let points = byKey.get(key);
    if (!points) byKey.set(key, (points = new Map<number, number>()));
    const before = points.get(time);
    points.set(time, before === undefined ? value : combine === 'sum' ? before + value : Math.max(before, value));
  }
  const sorted = bucketTimes([...times], options.step);
  const series = [...byKey.entries()].map(([label, points]) => ({ label, values: sorted.map((time) => points.get(time) ?? missing) }));
  series.sort((a, b) => total(b.values) - total(a.values) || a.label.localeCompare(b.label));
  return { times: sorted, series, ...withStep(options.step) };
}

function withStep(step: number | undefined): { step?: number } {
  return step === undefined ? {} : { step };
}

/** Per bucket, the share of `part` in `whole`, in percent (null where nothing happened). */
export function percentOver<T>(rows: readonly T[], bucket: (row: T) => string, whole: (row: T) => number, part: (row: T) => number, step?: number): TimeSeries {
  const sums = new Map<number, { whole: number; part: number }>();
  for (const row of rows) {
    const time = Date.parse(bucket(row)) / 1000;
    if (!Number.isFinite(time)) continue;
    const sum = sums.get(time) ?? { whole: 0, part: 0 };
    sum.whole += whole(row);
    sum.part += part(row);
    sums.set(time, sum);
  }
  const times = bucketTimes([...sums.keys()], step);
  const values = times.map((time) => {
    const sum = sums.get(time);
    return sum !== undefined && sum.whole > 0 ? (100 * sum.part) / sum.whole : null;
  });
  return { times, series: [{ label: 'success rate %', values }], ...withStep(step) };
}

/** Totals per label, largest first. */
export function totalsBy<T>(rows: readonly T[], key: (row: T) => string, value: (row: T) => number): Bars {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(key(row), (totals.get(key(row)) ?? 0) + value(row));
  return barsOf(totals);
}

/** Totals of a `{ label: count }` field (byFormat, byEndReason ...) over every row, largest first. */
export function totalsOfMaps<T>(rows: readonly T[], map: (row: T) => Readonly<Record<string, number>> | null | undefined): Bars {
  const totals = new Map<string, number>();
  for (const row of rows) {
    for (const [label, count] of Object.entries(map(row) ?? {})) totals.set(label, (totals.get(label) ?? 0) + count);
  }
  return barsOf(totals);
}

function barsOf(totals: ReadonlyMap<string, number>): Bars {
  const entries = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { labels: entries.map(([label]) => label), values: entries.map(([, value]) => value) };
}

/** The sum of the values drawn (gaps left out): what a chart's caption and `data-total` state. */
export function total(values: readonly (number | null)[]): number {
  let sum = 0;
  for (const value of values) if (value !== null) sum += value;
  return sum;
}

export function seriesTotal(data: TimeSeries): number {
  return data.series.reduce((sum, series) => sum + total(series.values), 0);
}

/**
 * At most `keep` bars, the total unchanged: the largest `keep - 1`, in the order given, and one
 * `other (n)` adding up the rest; of a histogram, its first `keep - 1` bins and one `N or more`.
 */
export function largestBars(bars: Bars, keep: number): Bars {
  if (bars.labels.length <= keep) return bars;
  if (bars.ordered) {
    const tail = bars.values.slice(keep - 1).reduce((sum, value) => sum + value, 0);
    return {
      labels: [...bars.labels.slice(0, keep - 1), `${bars.labels[keep - 1]!} or more`],
      values: [...bars.values.slice(0, keep - 1), tail],
      ordered: true,
    };
  }
  const byValue = bars.values.map((value, i) => ({ value, i })).sort((a, b) => b.value - a.value || a.i - b.i);
  const kept = new Set(byValue.slice(0, keep - 1).map((entry) => entry.i));
  const labels: string[] = [];
  const values: number[] = [];
  let rest = 0;
  bars.labels.forEach((label, i) => {
    if (kept.has(i)) {
      labels.push(label);
      values.push(bars.values[i]!);
    } else rest += bars.values[i]!;
  });
  return { labels: [...labels, `other (${bars.labels.length - kept.size})`], values: [...values, rest] };
}

/** At most `keep` series: the largest `keep - 1` and one `other (n)` adding up the rest, so a legend stays readable; totals are unchanged. */
export function largestSeries(data: TimeSeries, keep: number): TimeSeries {
  if (data.series.length <= keep) return data;
  const kept = data.series.slice(0, keep - 1);
  const rest = data.series.slice(keep - 1);
  const values = data.times.map((_time, i) => {
    let sum: number | null = null;
    for (const series of rest) {
      const value = series.values[i];
      if (value !== null && value !== undefined) sum = (sum ?? 0) + value;
    }
    return sum;
  });
  return { ...data, series: [...kept, { label: `other (${rest.length})`, values }] };
}

/** The widest line `utcTicks` writes (a day; a month and an hour are shorter), its digits standing for any. */
export const WIDEST_UTC_TICK = '0000-00-00';

/**
 * Times on the axis in UTC, as the tables write them: a month as `2024-05`, a day as `2024-05-25`, an
 * hour as `04:00` under its day where the day changes (uPlot's own ticks are US dates, `5/25/24`).
 */
export function utcTicks(splits: readonly number[], monthly = false): string[] {
  const isos = splits.map((seconds) => new Date(seconds * 1000).toISOString());
  const months = monthly && isos.every((iso) => iso.slice(8, 19) === '01T00:00:00');
  const days = isos.every((iso) => iso.slice(11, 19) === '00:00:00');
  return isos.map((iso, i) => {
    if (months) return iso.slice(0, 7);
    if (days) return iso.slice(0, 10);
    const time = iso.slice(11, 16);
    return i > 0 && isos[i - 1]!.slice(0, 10) === iso.slice(0, 10) ? time : `${iso.slice(0, 10)}\n${time}`;
  });
}

/**
 * A bucket as the legend names it when the pointer is on it, in UTC as the axis and the tables
 * write it: `2024-05-25 04:00` for an hour, `2024-05-25` for a day, `2024-05` for a month (uPlot's
 * own is a local 12-hour clock, `2024-05-25 4:00am`, an hour even on a chart of days).
 */
export function bucketText(seconds: number | null | undefined, size: 'hour' | 'day' | 'month'): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const iso = new Date(seconds * 1000).toISOString();
  return size === 'month' ? iso.slice(0, 7) : size === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}
