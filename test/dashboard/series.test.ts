import { describe, expect, it } from 'vitest';
import {
  largestBars,
  largestSeries,
  percentOver,
  pivot,
  seriesTotal,
  total,
  totalsBy,
  totalsOfMaps,
  utcTicks,
  WIDEST_UTC_TICK,
  bucketText,
} from '../../src/dashboard/series.js';
import { apiFilters, DEFAULT_STATE, defaultFrom, readState, tableSort, withTableSort, writeState } from '../../src/dashboard/state.js';

const rows = [
  { bucket: '2024-05-25T01:00:00.000Z', op: 'GetRoom', n: 3, p: 120 },
  { bucket: '2024-05-25T00:00:00.000Z', op: 'GetRoom', n: 2, p: 80 },
  { bucket: '2024-05-25T00:00:00.000Z', op: 'GetRoom', n: 5, p: 200 },
  { bucket: '2024-05-25T01:00:00.000Z', op: 'CreateRoom', n: 1, p: 300 },
  { bucket: 'not a time', op: 'CreateRoom', n: 100, p: 1 },
];

describe('dashboard series', () => {
  it('pivots rows into aligned series over sorted buckets: counts add up and missing counts are 0', () => {
    const data = pivot(rows, { bucket: (r) => r.bucket, key: (r) => r.op, value: (r) => r.n });
    expect(data.times).toEqual([Date.parse('2024-05-25T00:00:00Z') / 1000, Date.parse('2024-05-25T01:00:00Z') / 1000]);
    expect(data.series).toEqual([
      { label: 'GetRoom', values: [7, 3] },
      { label: 'CreateRoom', values: [0, 1] },
    ]);
    expect(seriesTotal(data)).toBe(11);
  });

  it('measures keep the largest value per bucket and leave gaps where there is none', () => {
    const data = pivot(rows, { bucket: (r) => r.bucket, key: (r) => r.op, value: (r) => r.p, combine: 'max', missing: null });
    expect(data.series.find((s) => s.label === 'GetRoom')?.values).toEqual([200, 120]);
    expect(data.series.find((s) => s.label === 'CreateRoom')?.values).toEqual([null, 300]);
  });

  it('skips values that are not numbers rather than drawing NaN', () => {
    const data = pivot(
      [
        { b: '2024-05-25T00:00:00Z', v: null },
        { b: '2024-05-25T00:00:00Z', v: Number.NaN },
        { b: '2024-05-25T00:00:00Z', v: 2 },
      ],
      { bucket: (r) => r.b, key: () => 'x', value: (r) => r.v },
    );
    expect(data.series).toEqual([{ label: 'x', values: [2] }]);
  });

  it('percent per bucket, null where nothing happened', () => {
    const data = percentOver(
      [
        { b: '2024-05-25T00:00:00Z', all: 4, ok: 3 },
        { b: '2024-05-25T00:00:00Z', all: 4, ok: 4 },
        { b: '2024-05-25T01:00:00Z', all: 0, ok: 0 },
      ],
      (r) => r.b,
      (r) => r.all,
      (r) => r.ok,
    );
    expect(data.series[0]?.values).toEqual([87.5, null]);
  });

  it('with the bucket size, empty buckets between the first and the last are shown: 0 for counts, gaps for measures and rates', () => {
    const hour = 3600;
    const at = (iso: string): number => Date.parse(iso) / 1000;
    const gappy = [
      { bucket: '2024-06-01T10:00:00Z', op: 'CreateRoom', n: 4, p: 12 },
      { bucket: '2024-06-01T14:00:00Z', op: 'CreateRoom', n: 1, p: 30 },
    ];
    const counts = pivot(gappy, { bucket: (r) => r.bucket, key: (r) => r.op, value: (r) => r.n, step: hour });
    expect(counts.times).toEqual([0, 1, 2, 3, 4].map((i) => at('2024-06-01T10:00:00Z') + i * hour));
    expect(counts.series).toEqual([{ label: 'CreateRoom', values: [4, 0, 0, 0, 1] }]);
    const measures = pivot(gappy, { bucket: (r) => r.bucket, key: (r) => r.op, value: (r) => r.p, combine: 'max', missing: null, step: hour });
    expect(measures.series[0]?.values).toEqual([12, null, null, null, 30]);
    const rate = percentOver(
      gappy,
      (r) => r.bucket,
      (r) => r.n,
      (r) => r.n,
      hour,
    );
    expect(rate.series[0]?.values).toEqual([100, null, null, null, 100]);
    // Without a size (months), only the buckets rows have.
    expect(pivot(gappy, { bucket: (r) => r.bucket, key: (r) => r.op, value: (r) => r.n }).times).toEqual([
      at('2024-06-01T10:00:00Z'),
      at('2024-06-01T14:00:00Z'),
    ]);
    // Days.
    const days = pivot(
      [
        { bucket: '2024-06-01T00:00:00Z', n: 1 },
        { bucket: '2024-06-04T00:00:00Z', n: 2 },
      ],
      { bucket: (r) => r.bucket, key: () => 'x', value: (r) => r.n, step: 86_400 },
    );
    expect(days.series[0]?.values).toEqual([1, 0, 0, 2]);
  });

  it('a range of more buckets than a chart can fill shows the edges of each gap: a count at 0 across it, a measure broken', () => {
    const rows = [
      { bucket: '2015-01-01T00:00:00Z', n: 1 },
      { bucket: '2026-11-30T10:00:00Z', n: 2 },
      { bucket: '2026-11-30T11:00:00Z', n: 3 },
      { bucket: '2026-11-30T13:00:00Z', n: 4 },
    ];
    const at = (iso: string): number => Date.parse(iso) / 1000;
    const counts = pivot(rows, { bucket: (r) => r.bucket, key: () => 'x', value: (r) => r.n, step: 3600 });
    expect(counts.times).toEqual(
      [
        '2015-01-01T00:00:00Z',
        '2015-01-01T01:00:00Z',
        '2026-11-30T09:00:00Z',
        '2026-11-30T10:00:00Z',
        '2026-11-30T11:00:00Z',
        '2026-11-30T12:00:00Z',
        '2026-11-30T13:00:00Z',
      ].map(at),
    );
    expect(counts.series[0]?.values).toEqual([1, 0, 0, 2, 3, 0, 4]);
    const measures = pivot(rows, { bucket: (r) => r.bucket, key: () => 'x', value: (r) => r.n, missing: null, step: 3600 });
    expect(measures.series[0]?.values).toEqual([1, null, null, 2, 3, null, 4]);
  });

  it('keeps the largest bars in their order and adds up the rest in one, the total unchanged', () => {
    const bars = { labels: ['1', '2', '3', '4', '5'], values: [1, 9, 2, 8, 1] };
    expect(largestBars(bars, 3)).toEqual({ labels: ['2', '4', 'other (3)'], values: [9, 8, 4] });
    expect(largestBars(bars, 5)).toBe(bars);
    // A histogram keeps its first bins and adds up its tail.
    const histogram = { labels: ['1', '2', '3', '4', '40'], values: [5, 1, 1, 1, 1], ordered: true as const };
    expect(largestBars(histogram, 3)).toEqual({ labels: ['1', '2', '3 or more'], values: [5, 1, 3], ordered: true });
    const many = { labels: Array.from({ length: 20_000 }, (_, i) => `Failed-${i}`), values: Array.from({ length: 20_000 }, () => 1) };
    const capped = largestBars(many, 30);
    expect([capped.labels.length, capped.labels.at(-1), total(capped.values)]).toEqual([30, 'other (19971)', 20_000]);
  });

  it('keeps the largest series and adds up the rest in one, gaps staying gaps', () => {
    const data = {
      times: [1, 2],
      series: [
        { label: 'a', values: [5, 5] },
        { label: 'b', values: [3, null] },
        { label: 'c', values: [1, null] },
        { label: 'd', values: [null, null] },
      ],
    };
    const kept = largestSeries(data, 2);
    expect(kept.series).toEqual([
      { label: 'a', values: [5, 5] },
      { label: 'other (3)', values: [4, null] },
    ]);
    expect(seriesTotal(kept)).toBe(seriesTotal(data));
    expect(largestSeries(data, 4)).toBe(data);
  });

  it('totals per label and of count maps, largest first', () => {
    expect(
      totalsBy(
        rows.slice(0, 4),
        (r) => r.op,
        (r) => r.n,
      ),
    ).toEqual({ labels: ['GetRoom', 'CreateRoom'], values: [10, 1] });
    expect(totalsOfMaps<{ m: Record<string, number> | null }>([{ m: { mp4: 2, wav: 1 } }, { m: { wav: 3 } }, { m: null }], (r) => r.m)).toEqual({
      labels: ['wav', 'mp4'],
      values: [4, 2],
    });
  });
});

describe('dashboard state in the URL', () => {
  it('round-trips through the query string, leaving defaults out and keeping the function key', () => {
    const state = { ...DEFAULT_STATE, from: '2024-05-25T01:00Z', rangeGiven: true, resource: '/SUBSCRIPTIONS/X/…/ACS', room: 'room 7', call: 'abc' };
    const search = writeState(state, '?code=secret&granularity=day');
    expect(new URLSearchParams(search).get('code')).toBe('secret');
    expect(new URLSearchParams(search).has('granularity')).toBe(false);
    expect(readState(search)).toEqual(state);
    expect(writeState(DEFAULT_STATE, '')).toBe('');
  });

  it("keeps each table's order by its id and column title, a table's new order replacing its old one only", () => {
    const sort = withTableSort(withTableSort('', 'calls', { column: 'poor streams', descending: true }), 'rooms', { column: 'room', descending: false });
    expect(sort).toBe('calls.poor streams.desc,rooms.room.asc');
    expect(readState(writeState({ ...DEFAULT_STATE, sort }, '')).sort).toBe(sort);
    expect(tableSort(sort, 'calls')).toEqual({ column: 'poor streams', descending: true });
    expect(tableSort(withTableSort(sort, 'calls', { column: 'duration', descending: false }), 'calls')).toEqual({ column: 'duration', descending: false });
    // Another table whose id starts the same, and entries a hand-written link gets wrong, are not this table's.
    expect(tableSort('call-recordings.length.desc', 'call')).toBeUndefined();
    expect(tableSort('calls.duration.up,calls..desc', 'calls')).toBeUndefined();
  });

  it('reads odd input forgivingly: granularity in any case, values trimmed; an unknown granularity is kept for the API to refuse', () => {
    expect(readState('?granularity=%20DAY&from=%202024-05-25%20&search=')).toEqual({
      ...DEFAULT_STATE,
      granularity: 'day',
      from: '2024-05-25',
      rangeGiven: true,
    });
    expect(readState('?granularity=week').granularity).toBe('week');
    expect(readState('?granularity=').granularity).toBe('hour');
    // A CorrelationId is kept as given (one can be logged with spaces); blank is none.
    expect(readState('?call=%20abc').call).toBe(' abc');
    expect(readState('?call=%20%20').call).toBe('');
  });

  it('reads a raw + before a zone offset in a link as the API does, not as the space a query string makes of it', () => {
    expect(readState('?from=2024-05-25T03:30+02:00&to=2024-05-25 05:00:00.5+0200')).toMatchObject({
      from: '2024-05-25T03:30+02:00',
      to: '2024-05-25 05:00:00.5+0200',
    });
    expect(readState('?from=20240525T0330+0200&to=2024-05-25T05+02').from).toBe('20240525T0330+0200');
    expect(readState('?to=2024-05-25T05+02').to).toBe('2024-05-25T05+02');
    // A space anywhere else is kept, for the API to refuse.
    expect(readState('?from=2024-05-25+02:00').from).toBe('2024-05-25 02:00');
  });

  it('tells a URL without a range from one that gives no bound (?from=), and writes the latter so a reload keeps it', () => {
    expect(readState('?granularity=day').rangeGiven).toBe(false);
    for (const search of ['?from=', '?to=', '?from=&to=', '?to=2024-05-26'])
      expect(readState(search), search).toMatchObject({ rangeGiven: true, ...(search.includes('2024') ? {} : { from: '', to: '' }) });
    expect(writeState({ ...DEFAULT_STATE, rangeGiven: true }, '?code=k')).toBe('?code=k&from=');
    expect(writeState({ ...DEFAULT_STATE, rangeGiven: true, to: '2024-05-26' }, '')).toBe('?to=2024-05-26');
    expect(writeState({ ...DEFAULT_STATE, from: '2024-05-19' }, '')).toBe('?from=2024-05-19');
    expect(writeState(DEFAULT_STATE, '?from=')).toBe('');
  });

  it('opens on the last 7 UTC days of data: from the start of the day six days before the newest record', () => {
    expect(defaultFrom(['2024-05-25T03:10:00.000Z', null, '2024-05-24T23:59:59.999Z'])).toBe('2024-05-19');
    expect(defaultFrom(['2024-05-25T00:00:00.000Z'])).toBe('2024-05-19');
    expect(defaultFrom(['2024-03-02T23:59:59.999Z'])).toBe('2024-02-25');
    expect(defaultFrom(['2025-01-03T12:00:00Z'])).toBe('2024-12-28');
    expect(defaultFrom([null, undefined])).toBeUndefined();
    expect(defaultFrom([])).toBeUndefined();
    expect(defaultFrom(['not a time'])).toBeUndefined();
  });

  it('passes the filters to the API as its parameters, and nothing else', () => {
    const params = apiFilters({ ...DEFAULT_STATE, granularity: 'day', to: '2024-05-26', resource: 'r', search: 's', call: 'c' });
    expect(Object.fromEntries(params)).toEqual({ granularity: 'day', to: '2024-05-26', resource: 'r' });
  });
});

describe('axis ticks', () => {
  const at = (iso: string): number => Date.parse(iso) / 1000;
  it('writes times in UTC as the tables do: hours under their day, days, and months on a chart of months', () => {
    expect(utcTicks([at('2024-05-25T22:00Z'), at('2024-05-25T23:00Z'), at('2024-05-26T00:00Z'), at('2024-05-26T01:00Z')])).toEqual([
      '2024-05-25\n22:00',
      '23:00',
      '2024-05-26\n00:00',
      '01:00',
    ]);
    expect(utcTicks([at('2024-05-25T00:00Z'), at('2024-05-26T00:00Z')])).toEqual(['2024-05-25', '2024-05-26']);
    expect(utcTicks([at('2024-05-01T00:00Z')], true)).toEqual(['2024-05']);
    expect(utcTicks([at('2024-05-01T00:00Z')])).toEqual(['2024-05-01']);
  });

  it('names the bucket under the pointer in UTC as the axis does, as long as the bucket', () => {
    expect(bucketText(at('2024-05-25T00:00Z'), 'hour')).toBe('2024-05-25 00:00');
    expect(bucketText(at('2024-05-25T20:00Z'), 'hour')).toBe('2024-05-25 20:00');
    expect(bucketText(at('2024-05-25T00:00Z'), 'day')).toBe('2024-05-25');
    expect(bucketText(at('2024-05-01T00:00Z'), 'month')).toBe('2024-05');
    expect(bucketText(null, 'hour')).toBe('–');
  });

  it('writes no tick line longer than WIDEST_UTC_TICK, the label the time axis spaces its ticks for', () => {
    const hours = Array.from({ length: 30 }, (_, i) => at('2024-05-25T20:00Z') + i * 3600);
    const ticks = [...utcTicks(hours), ...utcTicks([at('2024-05-25T00:00Z'), at('2024-05-26T00:00Z')]), ...utcTicks([at('2024-05-01T00:00Z')], true)];
    const lengths = ticks.flatMap((tick) => tick.split('\n')).map((line) => line.length);
    expect(Math.max(...lengths)).toBe(WIDEST_UTC_TICK.length);
  });
});
