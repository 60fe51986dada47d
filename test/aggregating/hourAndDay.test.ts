import { describe, expect, it } from 'vitest';
import { forHourAndDay, hourAndDayRoute } from '../../src/lib/aggregating/hourAndDay.js';
import type { RowData } from '../../src/lib/aggregating/types.js';

describe('hourly and daily rows', () => {
  it('keep the stored key format: the day partition of the resource, h|hour|dims and d|dims', () => {
    const time = Date.UTC(2024, 4, 25, 13, 42, 7, 123);
    expect(hourAndDayRoute('/SUBSCRIPTIONS/S/RG', time, 'CreateRoom|2024-03-31|Succeeded|201')).toEqual({
      partitionKey: '!2FSUBSCRIPTIONS!2FS!2FRG|2024-05-25',
      rowKeys: ['h|2024-05-25T13|CreateRoom|2024-03-31|Succeeded|201', 'd|CreateRoom|2024-03-31|Succeeded|201'],
    });
  });

  it('fold the first row as the hour and the second as the day', () => {
    const rows: RowData[] = [{}, {}];
    forHourAndDay(rows, Date.UTC(2024, 4, 25, 13, 42), (row, granularity, bucket) => Object.assign(row, { granularity, bucket }));
    expect(rows).toEqual([
      { granularity: 'hour', bucket: '2024-05-25T13:00:00.000Z' },
      { granularity: 'day', bucket: '2024-05-25T00:00:00.000Z' },
    ]);
  });
});
