import { boundedKey, digest, wholePairsPrefix } from './keys.js';
import { partitionRangeOfFilter, scopeOfFilter } from './memoryFilter.js';

/**
 * Keys of a packed table (packedTableStore.ts): the rows of many logical partitions share a few
 * physical ones. The physical row key is the logical partition key, encoded so that no two of them
 * are prefixes of one another once terminated, then the logical row key. Physical key order is the
 * logical order (partition, then row), so a scan of the packed table meets each logical partition's
 * rows together and in the order a scan of the unpacked table would; only keys cut short for length
 * (past PARTITION_PART_CHARS) are ordered by their digest among those that share the kept prefix
 * (all of them longer than it: a shorter key sharing it sorts as it would unpacked).
 */

/** Ends the partition part of a physical row key: two spaces, where the encoding never puts two. */
const TERMINATOR = '  ';
/** Just above every physical row key of one logical partition (`' !'` sorts right after `'  '`). */
const PAST_TERMINATOR = ' !';
/** Longest partition part kept whole; a longer one keeps these and a digest (at most 346 chars encoded), so a row part always has room. */
const PARTITION_PART_CHARS = 160;

/** The logical keys, kept as properties of every packed row: filters on them are renamed to these. */
export const LOGICAL_PARTITION_PROPERTY = 'LogicalPartitionKey';
export const LOGICAL_ROW_PROPERTY = 'LogicalRowKey';

/**
 * A space becomes `' !'`: order is kept (a space followed by `!` still sorts below any other second
 * character but a space), and two spaces, the terminator, never appear inside a part.
 */
function encodePartitionPart(partitionKey: string): string {
  const key = partitionKey.length <= PARTITION_PART_CHARS ? partitionKey : shortened(partitionKey);
  return key.includes(' ') ? key.replaceAll(' ', ' !') : key;
}

/**
 * The first PARTITION_PART_CHARS units (a surrogate pair kept whole), then `!!` and a digest of the
 * whole key. Keeping every unit a key kept whole could have puts the cut key after each of those
 * that are its prefix and before or after the others as the logical order does: a shorter prefix
 * would order a key like `<prefix>zz…` (cut) before `<prefix>a` (whole).
 */
function shortened(key: string): string {
  let end = PARTITION_PART_CHARS;
  const last = key.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end++;
  return key.slice(0, end) + '!!' + digest(key);
}

/**
 * The physical partition of a logical one: its first `bucketChars` UTF-16 units, as hex so that any
 * character makes a valid key, after a `p` so that no bucket is empty. Order is kept: a logical key
 * below another never lands in a later bucket.
 */
export function packedPartition(partitionKey: string, bucketChars: number): string {
  let bucket = 'p';
  // A key shorter than that is padded with U+0000, which no key holds: it sorts first, and every bucket has one length.
  for (let i = 0; i < bucketChars; i++) bucket += (i < partitionKey.length ? partitionKey.charCodeAt(i) : 0).toString(16).padStart(4, '0');
  return bucket;
}

export function packedRowKey(partitionKey: string, rowKey: string): string {
  return boundedKey(encodePartitionPart(partitionKey) + TERMINATOR + rowKey);
}

/** The physical row keys of one logical partition lie in [low, high). */
export function packedRowRange(partitionKey: string): { low: string; high: string } {
  const part = encodePartitionPart(partitionKey);
  return { low: part + TERMINATOR, high: part + PAST_TERMINATOR };
}

/**
 * The partitions a pass in key order has yet to read, once it read every partition up to `after`
 * (a logical key), as a filter on the logical table: those past it. A key cut short for length sorts
 * by its digest among the keys sharing its kept prefix, so a pass over a packed table may have met
 * some of those after `after` and others not yet: past a cut key, the pass resumes at that prefix
 * (reading those partitions again) where skipping them would miss the ones it had not met.
 */
export function partitionsAfter(after: string): string {
  if (after.length <= PARTITION_PART_CHARS) return `PartitionKey gt ${literal(after)}`;
  // One unit fewer than a split pair only reads a few partitions again.
  return `PartitionKey ge ${literal(wholePairsPrefix(after, PARTITION_PART_CHARS))}`;
}

/** An OData string literal. */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The filter over a packed table for a filter over the logical one: `PartitionKey` and `RowKey` are
 * renamed to the logical key properties (outside string literals), and, where the filter names a
 * logical partition or bounds the logical partition keys at its top, physical key bounds that let
 * the service read only those rows come first. The renamed filter still decides every row.
 */
export function packedFilter(filter: string | undefined, bucketChars: number): string | undefined {
  if (filter === undefined || filter.trim() === '') return undefined;
  const renamed = filter
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/\bPartitionKey\b/g, LOGICAL_PARTITION_PROPERTY).replace(/\bRowKey\b/g, LOGICAL_ROW_PROPERTY)))
    .join('');
  const bounds: string[] = [];
  const partitionKey = scopeOfFilter(filter)?.partitionKey;
  if (partitionKey !== undefined) {
    const rows = packedRowRange(partitionKey);
    bounds.push(`PartitionKey eq ${literal(packedPartition(partitionKey, bucketChars))}`, `RowKey ge ${literal(rows.low)}`, `RowKey lt ${literal(rows.high)}`);
  } else {
    const range = partitionRangeOfFilter(filter);
    if (range?.low !== undefined) bounds.push(`PartitionKey ge ${literal(packedPartition(range.low, bucketChars))}`);
    if (range?.high !== undefined) bounds.push(`PartitionKey le ${literal(packedPartition(range.high, bucketChars))}`);
  }
  return bounds.length === 0 ? renamed : `${bounds.join(' and ')} and (${renamed})`;
}

/** The properties to ask for: the logical keys' in place of the physical keys', and always both. */
export function packedSelect(select: readonly string[] | undefined): string[] | undefined {
  if (select === undefined) return undefined;
  const names = select.filter((name) => name !== 'PartitionKey' && name !== 'RowKey');
  return [...new Set([...names, LOGICAL_PARTITION_PROPERTY, LOGICAL_ROW_PROPERTY])];
}
