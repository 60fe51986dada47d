import { boundedKey, encodeKeyPart } from '../storage/keys.js';
import { odata, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { matchesResource, resourceMatch, type ResourceMatch, type ViewFilters } from './filters.js';

/**
 * The hourly (`h|`) or daily (`d|`) rows of a per-resource, per-UTC-day table whose bucket overlaps
 * [from, to). With a resource, a range over its day partitions; without, a scan limited to the
 * granularity's row keys. Bookkeeping rows (`~`) fall outside both ranges.
 */
export async function* scanBuckets(tables: TableStore, table: string, filters: ViewFilters): AsyncGenerator<StoredRow> {
  await tables.ensureTable(table);
  const prefix = filters.granularity === 'hour' ? 'h|' : 'd|';
  const clauses = [odata`RowKey ge ${prefix}`, odata`RowKey lt ${prefix.slice(0, 1) + '}'}`];
  // Rows picked by value: a resource given by name, or one whose partitions are stored digested (an id this long).
  let byValue: ResourceMatch | undefined;
  if (filters.resourceId) {
    const match = resourceMatch(filters.resourceId);
    const resource = match.kind === 'id' ? encodeKeyPart(match.id) : '';
    const low = resource + '|' + dayOf(filters.from, '0000-00-00');
    const high = resource + '|' + dayOf(filters.to, '9999-99-99');
    if (match.kind === 'id' && boundedKey(low) === low && boundedKey(high) === high) {
      clauses.push(odata`PartitionKey ge ${low}`);
      clauses.push(odata`PartitionKey le ${high}`);
    } else {
      byValue = match;
    }
  }
  for await (const row of tables.query(table, clauses.join(' and '))) {
    if (byValue !== undefined && !matchesResource(byValue, row.data['resourceId'])) continue;
    if (inRange(String(row.data['bucket']), filters)) yield row;
  }
}

function dayOf(iso: string | undefined, fallback: string): string {
  return iso ? iso.slice(0, 10) : fallback;
}

/** A bucket is kept when it overlaps [from, to). */
function inRange(bucket: string, filters: ViewFilters): boolean {
  const start = Date.parse(bucket);
  const end = start + (filters.granularity === 'hour' ? 3_600_000 : 86_400_000);
  if (filters.from && end <= Date.parse(filters.from)) return false;
  if (filters.to && start >= Date.parse(filters.to)) return false;
  return true;
}
