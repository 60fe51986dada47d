import { CALLS_TABLE } from '../aggregating/index.js';
import { PackedTableStore } from '../storage/packedTableStore.js';
import type { TableStore } from '../storage/TableStore.js';

/**
 * Where the Calls table's rows go: many calls to a physical partition (storage/packedTableStore.ts),
 * so that the small transactions of many calls travel as one request. The embedded store keeps one
 * physical partition (fewest requests); an account spreads calls over physical partitions by the
 * first character of the call's key (16 for call ids, which are GUIDs), as Azure serves about 2,000
 * entities a second per partition. The embedded store also reads the calls waiting to be read
 * together, up to 50 per query (its index serves the ranges one by one), and a run asks for them
 * ahead of their writes (processing/applyExactlyOnce.ts); an account reads each call alone (an `or` of
 * ranges may be served by scanning the partition, and a filter holds at most 15 comparisons).
 */
export function withPackedCalls(tables: TableStore, where: 'embedded' | 'account'): TableStore {
  const embedded = where === 'embedded';
  return new PackedTableStore(tables, { table: CALLS_TABLE, bucketChars: embedded ? 0 : 1, partitionsPerRead: embedded ? 50 : 1 });
}
