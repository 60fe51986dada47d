import { odata } from '@azure/data-tables';
import { boundedKey, urlLength } from './keys.js';
import { MAX_ENTITY_BYTES, entitySizeBytes } from './limits.js';
import type { StoredRow } from './TableStore.js';

/** Azure allows at most 15 discrete comparisons in one $filter. */
const MAX_FILTER_COMPARISONS = 15;
/** A read's $filter, percent-encoded, stays far below the request-line sizes servers answer 431 to. */
const MAX_FILTER_URL_CHARS = 6 * 1024;

/** One page of a query's answer, and whether the service has more after it. */
export interface QueryPage {
  rows: readonly StoredRow[];
  more: boolean;
}

/** A store's query, page by page (one request each), each page of `pageRows()` rows at most as it is asked for. */
export type PageReader = (filter: string, pageRows: () => number) => AsyncGenerator<QueryPage>;

/** From this many key queries on, the whole partition may be cheaper: a page answers 1,000 rows. */
export const MIN_QUERIES_FOR_PAGES = 4;
/** Rows in a full page of a query's answer (the service's most). */
export const ROWS_PER_PAGE = 1000;
/** Bytes of rows (as the service counts an entity) one page of a paged read is sized for. */
export const PAGE_BYTES = 4 * MAX_ENTITY_BYTES;

/**
 * Rows per page after rows of up to `largestRow` bytes were read: 1,000 rows of 100 KB (a Rooms
 * operation's names kept whole) were a 100 MB answer, held as text, bytes and rows at once.
 */
export function pageRowsFor(largestRow: number): number {
  return Math.max(1, Math.min(ROWS_PER_PAGE, Math.floor(PAGE_BYTES / Math.max(1, largestRow))));
}

/**
 * The asked rows of one partition, by key as asked. Few keys: queries naming them, 14 to a query
 * (the service's limit of comparisons per filter). Many: the whole partition, page by page, while
 * that costs at most half the requests those queries would (a page of 1,000 rows costs the store
 * more than a query of 14); a partition not done by then has its keys not found yet asked for by
 * name. So a resource's Rooms partition of 5,000 rooms costs 6 requests instead of 360 for 5,000
 * keys, and no read costs more than 1.5 times the queries. Pages cover only the keys between the
 * lowest and the highest asked: a run's checkpoints of 256 files listed together, in a container's
 * partition of 20,000, are two or three pages, not nine pages and then queries. Whatever order pages
 * come in. A page holds about PAGE_BYTES of rows (`pageRowsFor`).
 */
export async function readRowsByPages(pages: PageReader, partitionKey: string, rowKeys: readonly string[]): Promise<Map<string, StoredRow>> {
  const found = new Map<string, StoredRow>();
  const { asked, filters } = readRowsFilters(partitionKey, rowKeys);
  let missing = filters;
  if (filters.length >= MIN_QUERIES_FOR_PAGES) {
    const budget = Math.floor(filters.length / 2);
    const stored = boundedKey(partitionKey);
    let spent = 0;
    // Complete unless the budget ran out with pages still to come (an answer of no page at all is complete too).
    let complete = true;
    // Pages are sized by the largest row read so far (a partition's rows are alike), before any by the largest an entity may be.
    let largestRow = 0;
    for await (const page of pages(pagesFilter(stored, [...asked.keys()]), () => pageRowsFor(largestRow || MAX_ENTITY_BYTES))) {
      for (const row of page.rows) {
        largestRow = Math.max(largestRow, entitySizeBytes(row.partitionKey, row.rowKey, row.data));
        for (const key of asked.get(row.rowKey) ?? []) found.set(key, row);
      }
      if (!page.more) break;
      if (++spent >= budget) {
        complete = false;
        break;
      }
    }
    if (complete) return found;
    missing = readRowsFilters(
      partitionKey,
      rowKeys.filter((key) => !found.has(key)),
    ).filters;
  }
  await Promise.all(
    missing.map(async (filter) => {
      for await (const page of pages(filter, () => ROWS_PER_PAGE))
        for (const row of page.rows) for (const key of asked.get(row.rowKey) ?? []) found.set(key, row);
    }),
  );
  return found;
}

/** Code units from which UTF-16 order and code point order can disagree (surrogates sort below U+E000 by unit only). */
const UNORDERED = /[\ud800-\uffff]/;

/**
 * The partition's pages that can hold the keys: only the stretch between the lowest and the highest
 * key, as the rows of a large partition outside it answer nothing asked and would spend the budget
 * before reaching those asked. Keys with characters whose order a service might take otherwise read
 * the whole partition.
 */
function pagesFilter(stored: string, keys: readonly string[]): string {
  if (keys.some((key) => UNORDERED.test(key))) return odata`PartitionKey eq ${stored}`;
  let low = keys[0] as string;
  let high = low;
  for (const key of keys) {
    if (key < low) low = key;
    if (key > high) high = key;
  }
  return odata`PartitionKey eq ${stored} and RowKey ge ${low} and RowKey le ${high}`;
}

/**
 * The filters readRows sends for the given row keys of one partition: at most 14 keys each (the
 * filter comparison limit), fewer when long keys would make the request line too long. `asked`
 * maps each stored key back to the keys asked for.
 */
export function readRowsFilters(partitionKey: string, rowKeys: readonly string[]): { asked: Map<string, string[]>; filters: string[] } {
  const storedPartition = boundedKey(partitionKey);
  const asked = new Map<string, string[]>();
  for (const key of rowKeys) {
    const stored = boundedKey(key);
    const keys = asked.get(stored);
    if (keys) keys.push(key);
    else asked.set(stored, [key]);
  }
  const partitionClause = odata`PartitionKey eq ${storedPartition}`;
  const batches: string[][] = [];
  let batch: string[] = [];
  let batchUrl = urlLength(partitionClause);
  for (const stored of asked.keys()) {
    const cost = urlLength(odata`RowKey eq ${stored}`) + 12;
    if (batch.length > 0 && (batch.length >= MAX_FILTER_COMPARISONS - 1 || batchUrl + cost > MAX_FILTER_URL_CHARS)) {
      batches.push(batch);
      batch = [];
      batchUrl = urlLength(partitionClause);
    }
    batch.push(stored);
    batchUrl += cost;
  }
  if (batch.length > 0) batches.push(batch);
  const filters = batches.map((keys) => partitionClause + ' and (' + keys.map((key) => odata`RowKey eq ${key}`).join(' or ') + ')');
  return { asked, filters };
}
