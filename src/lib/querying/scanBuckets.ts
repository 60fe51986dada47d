import { boundedKey, encodeKeyPart } from '../storage/keys.js';
import { odata, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { matchesResource, resourceMatch, type ResourceMatch, type ViewFilters } from './filters.js';

/** Rows of a view that come together in its order: `key` says where to start again (see views.ts). */
export interface RowGroup<T> {
  key: string;
  rows: readonly T[];
  /** Each row's own key within the group (its stored RowKey), beside `rows`: a page may start after a row wherever it now is (paging.ts). */
  rowKeys?: readonly string[];
}

/** How a per-resource, per-UTC-day table reads back as a view's rows, and their order. */
export interface BucketRows<T> {
  table: string;
  /** The view's row, or `undefined` to leave the stored row out. */
  toRow(row: StoredRow): T | undefined;
  /** The view's order: bucket first, then resource, then the view's dimensions. */
  compare(a: T, b: T): number;
}

/** Every row of a bucket view that overlaps the filters, in the view's order. */
export async function readBuckets<T>(tables: TableStore, filters: ViewFilters, view: BucketRows<T>): Promise<T[]> {
  const rows: T[] = [];
  for await (const stored of scanBuckets(tables, view.table, filters)) {
    const row = view.toRow(stored);
    if (row !== undefined) rows.push(row);
  }
  return rows.sort((a, b) => view.compare(a, b));
}

/**
 * The rows of a bucket view one day partition at a time, in the view's order, from the partition of
 * day `fromDay` on; reading stops when the consumer stops. Only when the filters name one resource
 * by its full id: its day partitions are then a key range that storage returns in day order, and
 * the view's order (bucket, then resource) is that of the days. Otherwise `undefined`: rows of every
 * resource sort by bucket first, so the whole table must be read before the first row is known.
 */
export function streamBuckets<T>(tables: TableStore, filters: ViewFilters, view: BucketRows<T>, fromDay?: string): AsyncIterable<RowGroup<T>> | undefined {
  const range = partitionRange(filters, fromDay);
  if (range === undefined) return undefined;
  return dayGroups(tables, filters, view, range);
}

async function* dayGroups<T>(tables: TableStore, filters: ViewFilters, view: BucketRows<T>, range: KeyRange): AsyncGenerator<RowGroup<T>> {
  let partitionKey: string | undefined;
  let rows: { row: T; rowKey: string }[] = [];
  const group = (): RowGroup<T> => {
    const sorted = rows.sort((a, b) => view.compare(a.row, b.row));
    return { key: dayOfPartition(partitionKey as string), rows: sorted.map((one) => one.row), rowKeys: sorted.map((one) => one.rowKey) };
  };
  for await (const stored of tables.query(view.table, [rowKeyRange(filters), ...rangeClauses(range)].join(' and '))) {
    if (stored.partitionKey !== partitionKey) {
      if (partitionKey !== undefined) yield group();
      partitionKey = stored.partitionKey;
      rows = [];
    }
    if (!inRange(String(stored.data['bucket']), filters)) continue;
    const row = view.toRow(stored);
    if (row !== undefined) rows.push({ row, rowKey: stored.rowKey });
  }
  if (partitionKey !== undefined) yield group();
}

/**
 * The hourly (`h|`) or daily (`d|`) rows of a per-resource, per-UTC-day table whose bucket overlaps
 * [from, to). With a resource, a range over its day partitions; without, with a time range, the
 * range's day partitions of each resource in turn (everyResourceDays); with neither, a scan limited
 * to the granularity's row keys. Bookkeeping rows (`~`) fall outside every range.
 */
export async function* scanBuckets(tables: TableStore, table: string, filters: ViewFilters): AsyncGenerator<StoredRow> {
  const rowClause = rowKeyRange(filters);
  // Rows picked by value: a resource given by name, or one whose partitions are stored digested (an id this long).
  let byValue: ResourceMatch | undefined;
  let rows: AsyncIterable<StoredRow>;
  const range = filters.resourceId ? partitionRange(filters) : undefined;
  if (range !== undefined) rows = tables.query(table, [rowClause, ...rangeClauses(range)].join(' and '));
  else {
    if (filters.resourceId) byValue = resourceMatch(filters.resourceId);
    rows = filters.from || filters.to ? everyResourceDays(tables, table, filters, rowClause) : tables.query(table, rowClause);
  }
  for await (const row of rows) {
    if (byValue !== undefined && !matchesResource(byValue, row.data['resourceId'])) continue;
    if (inRange(String(row.data['bucket']), filters)) yield row;
  }
}

/** `<resource>|YYYY-MM-DD` as stored (not digested): its resource part. */
const RESOURCE_DAY = /^(.+)\|\d{4}-\d{2}-\d{2}$/;

/**
 * The rows of the days of [from, to) of every resource, without reading its other days: partitions
 * are `<resource>|YYYY-MM-DD`, so each resource is found by one request for the first partition key
 * past the previous resource's (`|` escaped in a resource, `}` sorts right after it), and its days
 * are then read as a key range. The cost grows with the resources and the range, not with the days
 * kept. A partition of another form (a key too long, stored digested) is read whole, as a scan reads it.
 */
async function* everyResourceDays(tables: TableStore, table: string, filters: ViewFilters, rowClause: string): AsyncGenerator<StoredRow> {
  let after: string | undefined;
  for (;;) {
    let partitionKey: string | undefined;
    for await (const row of tables.query(table, after, undefined, 1)) {
      partitionKey = row.partitionKey;
      break;
    }
    if (partitionKey === undefined) return;
    const resource = RESOURCE_DAY.exec(partitionKey)?.[1];
    if (resource === undefined) {
      yield* tables.query(table, [rowClause, odata`PartitionKey eq ${partitionKey}`].join(' and '));
      after = odata`PartitionKey gt ${partitionKey}`;
      continue;
    }
    const days = { low: `${resource}|${dayOf(filters.from, '0000-00-00')}`, high: `${resource}|${lastDayOf(filters.to)}` };
    yield* tables.query(table, [rowClause, ...rangeClauses(days)].join(' and '));
    after = odata`PartitionKey ge ${resource + '}'}`;
  }
}

interface KeyRange {
  low: string;
  high: string;
}

/** The day partitions of the one resource a full id names, as a key range; `undefined` for a name or a digested id. */
function partitionRange(filters: ViewFilters, fromDay?: string): KeyRange | undefined {
  if (!filters.resourceId) return undefined;
  const match = resourceMatch(filters.resourceId);
  if (match.kind !== 'id') return undefined;
  const resource = encodeKeyPart(match.id);
  const from = dayOf(filters.from, '0000-00-00');
  const low = resource + '|' + (fromDay !== undefined && fromDay > from ? fromDay : from);
  const high = resource + '|' + lastDayOf(filters.to);
  return boundedKey(low) === low && boundedKey(high) === high ? { low, high } : undefined;
}

function rangeClauses(range: KeyRange): string[] {
  return [odata`PartitionKey ge ${range.low}`, odata`PartitionKey le ${range.high}`];
}

function rowKeyRange(filters: ViewFilters): string {
  const prefix = filters.granularity === 'hour' ? 'h|' : 'd|';
  return [odata`RowKey ge ${prefix}`, odata`RowKey lt ${prefix.slice(0, 1) + '}'}`].join(' and ');
}

/** `<resource>|YYYY-MM-DD` → `YYYY-MM-DD` (the resource part escapes `|`). */
function dayOfPartition(partitionKey: string): string {
  return partitionKey.slice(partitionKey.lastIndexOf('|') + 1);
}

function dayOf(iso: string | undefined, fallback: string): string {
  return iso ? iso.slice(0, 10) : fallback;
}

/** The day of the last instant before `to` (exclusive): a range ending at midnight does not read the next day's partition. */
function lastDayOf(to: string | undefined): string {
  return to ? new Date(Date.parse(to) - 1).toISOString().slice(0, 10) : '9999-99-99';
}

/** A bucket is kept when it overlaps [from, to). */
function inRange(bucket: string, filters: ViewFilters): boolean {
  const start = Date.parse(bucket);
  const end = start + (filters.granularity === 'hour' ? 3_600_000 : 86_400_000);
  if (filters.from && end <= Date.parse(filters.from)) return false;
  if (filters.to && start >= Date.parse(filters.to)) return false;
  return true;
}
