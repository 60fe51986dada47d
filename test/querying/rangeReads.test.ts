import { describe, expect, it } from 'vitest';
import { resourceDayPartition } from '../../src/lib/aggregating/partitions.js';
import { USAGE_TABLE } from '../../src/lib/aggregating/index.js';
import type { ViewFilters } from '../../src/lib/querying/filters.js';
import { queryRetirement } from '../../src/lib/querying/retirementQueries.js';
import { queryUsage } from '../../src/lib/querying/usageQueries.js';
import { DelegatingTableStore } from '../../src/lib/storage/delegatingTableStore.js';
import type { StoredRow, TableStore } from '../../src/lib/storage/TableStore.js';
import { newMemoryTableStore } from '../support/storage.js';

const DAY = 86_400_000;
const resourceOf = (name: string): string => `/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/${name}`;
const RESOURCES = [resourceOf('ACS-A'), resourceOf('ACS-B'), resourceOf('ACS-C')];
/** An id too long to be a key: its day partitions are stored digested. */
const LONG_RESOURCE = resourceOf('L'.repeat(600));

/** Counts the rows storage answers with, as well as its requests. */
class CountingStore extends DelegatingTableStore {
  rowsRead = 0;
  override async *query(logicalName: string, filter: string | undefined, select?: string[], pageSize?: number): AsyncGenerator<StoredRow> {
    for await (const row of this.inner.query(logicalName, filter, select, pageSize)) {
      this.rowsRead++;
      yield row;
    }
  }
}

/** Usage rows of every hour and day from `first` for `days` days, of each resource: one record of 1 unit an hour. */
async function history(first: string, days: number, resources = RESOURCES): Promise<CountingStore> {
  const tables = newMemoryTableStore();
  const start = Date.parse(first);
  for (const resourceId of resources)
    for (let d = 0; d < days; d++) {
      const day = new Date(start + d * DAY).toISOString();
      const partition = resourceDayPartition(resourceId, day);
      const row = (granularity: string, bucket: string, records: number): Record<string, unknown> => ({
        resourceId,
        granularity,
        bucket,
        usageType: 'Recording',
        unitType: 'Minute',
        records,
        quantityMicros: String(records * 1_000_000),
      });
      await tables.upsert(USAGE_TABLE, partition, `d|Recording|Minute`, row('day', day, 24));
      for (let h = 0; h < 24; h++) {
        const hour = new Date(start + d * DAY + h * 3_600_000).toISOString();
        await tables.upsert(USAGE_TABLE, partition, `h|${hour.slice(0, 13)}|Recording|Minute`, row('hour', hour, 1));
      }
    }
  return new CountingStore(tables);
}

async function cost<T>(tables: CountingStore, read: (tables: TableStore) => Promise<T>): Promise<{ answer: T; requests: number; rows: number }> {
  const requests = tables.requests.reads;
  const rows = tables.rowsRead;
  const answer = await read(tables);
  return { answer, requests: tables.requests.reads - requests, rows: tables.rowsRead - rows };
}

describe('a time range of a bucket view over every resource reads the range, not the whole history', () => {
  const across: ViewFilters = { granularity: 'hour', from: '2024-12-31T22:00:00.000Z', to: '2025-01-01T02:00:00.000Z' };

  it('an hour range across the new year costs as much over 120 days kept as over 5', async () => {
    const long = await history('2024-10-01T00:00:00.000Z', 120);
    const short = await history('2024-12-30T00:00:00.000Z', 5);
    const wide = await cost(long, (tables) => queryUsage(tables, across));
    const narrow = await cost(short, (tables) => queryUsage(tables, across));
    expect(wide.answer).toEqual(narrow.answer);
    expect(wide.answer).toHaveLength(4 * RESOURCES.length);
    expect(wide.answer.map((row) => row.bucket)).toContain('2025-01-01T01:00:00.000Z');
    expect(wide.answer.reduce((sum, row) => sum + row.quantity, 0)).toBe(4 * RESOURCES.length);
    expect(wide.requests).toBe(narrow.requests);
    // One request to find each resource and one for its days, and one that finds no more resources.
    expect(wide.requests).toBe(2 * RESOURCES.length + 1);
    // The two days' hourly rows of each resource, and the row that names each resource.
    expect(wide.rows).toBe(RESOURCES.length * (2 * 24 + 1));
  });

  it('a range ending at midnight does not read the day partitions that begin there', async () => {
    const tables = await history('2024-10-01T00:00:00.000Z', 120);
    const day: ViewFilters = { granularity: 'hour', from: '2025-01-02', to: '2025-01-03' };
    const everyResource = await cost(tables, (store) => queryUsage(store, day));
    expect(everyResource.answer).toHaveLength(24 * RESOURCES.length);
    // The day's hourly rows of each resource, and the row that names each resource.
    expect(everyResource.rows).toBe(RESOURCES.length * (24 + 1));
    const one = await cost(tables, (store) => queryUsage(store, { ...day, resourceId: resourceOf('ACS-B') }));
    expect(one.answer).toHaveLength(24);
    expect(one.rows).toBe(24);
  });

  it('retirement of one month reads that month, with the same totals as the whole history cut to it', async () => {
    const tables = await history('2024-10-01T00:00:00.000Z', 120);
    const month: ViewFilters = { granularity: 'day', from: '2024-12-01', to: '2025-01-01' };
    const ranged = await cost(tables, (store) => queryRetirement(store, month));
    const whole = await queryRetirement(tables, { granularity: 'day' });
    expect(ranged.answer).toEqual(whole.filter((row) => row.month === '2024-12'));
    expect(ranged.answer.map((row) => row.quantity)).toEqual(RESOURCES.map(() => 31 * 24));
    expect(ranged.rows).toBeLessThanOrEqual(RESOURCES.length * (32 + 1));
  });

  it('keeps a resource given by name, and reads a resource whose partitions are stored digested', async () => {
    const tables = await history('2024-12-28T00:00:00.000Z', 10, [...RESOURCES, LONG_RESOURCE]);
    const day: ViewFilters = { granularity: 'day', from: '2025-01-02', to: '2025-01-03' };
    const rows = await queryUsage(tables, day);
    expect(rows.map((row) => row.resourceId)).toEqual([...RESOURCES, LONG_RESOURCE].sort());
    expect(rows.every((row) => row.bucket === '2025-01-02T00:00:00.000Z' && row.quantity === 24)).toBe(true);
    const named = await queryUsage(tables, { ...day, resourceId: 'acs-b' });
    expect(named.map((row) => row.resourceId)).toEqual([resourceOf('ACS-B')]);
    const long = await queryUsage(tables, { ...day, resourceId: LONG_RESOURCE });
    expect(long.map((row) => row.resourceId)).toEqual([LONG_RESOURCE]);
  });
});
