import { encodeKeyPart } from '../storage/keys.js';
import type { LogFileRef, LogSource } from '../storage/LogSource.js';
import { odata, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { parseStoredRow } from '../storage/storedRows.js';
import { FILES_TABLE } from './checkpoints.js';
import { localContentRowSchema } from './checkpointRows.js';
import { digestOf, HEAD_BYTES } from './fileIdentity.js';
import { gatheredAsks, type Ask } from './gatheredAsks.js';

/** Partition of the Files table naming files by the digest of their first bytes (localCopies.ts). */
export const LOCAL_CONTENT_PARTITION = '~local';

/** Key ranges ORed into one query: the partition's comparison and two per range keep within the service's 15 comparisons per filter. */
export const NAME_RANGES_PER_QUERY = 7;

interface WaitingLookup extends Ask {
  first: string;
  resolve: (rows: StoredRow[]) => void;
}

/**
 * Every name row of these first bytes (`<head>`, then `<head>|<digest of a path>`), the first one first.
 * Asked with the other lookups of the moment (gatheredAsks.ts), in queries of several key ranges: a
 * run starts hundreds of blobs, and a query per blob costs a request each. Each answer holds the rows
 * its own range query would; a query that fails asks its digests one by one, so that only the lookups
 * whose own query fails fail.
 */
export function namesOf(tables: TableStore, first: string): Promise<StoredRow[]> {
  return new Promise((resolve, reject) => lookUpTogether(tables, { first, resolve, reject }));
}

const lookUpTogether = gatheredAsks(answerLookups);

async function answerLookups(tables: TableStore, batch: readonly WaitingLookup[]): Promise<void> {
  await tables.ensureTable(FILES_TABLE);
  const waiting = new Map<string, WaitingLookup[]>();
  for (const lookup of batch) {
    const same = waiting.get(lookup.first);
    if (same) same.push(lookup);
    else waiting.set(lookup.first, [lookup]);
  }
  const firsts = [...waiting.keys()];
  const queries: string[][] = [];
  for (let from = 0; from < firsts.length; from += NAME_RANGES_PER_QUERY) queries.push(firsts.slice(from, from + NAME_RANGES_PER_QUERY));
  // Every lookup is answered once all are known: the blobs then go on together, and name themselves in one batch.
  const answers = new Map<string, readonly StoredRow[] | Error>();
  await Promise.all(
    queries.map(async (ranges) => {
      try {
        const found = await namesIn(tables, ranges);
        for (const first of ranges) answers.set(first, found.get(first) ?? []);
      } catch (error) {
        if (ranges.length === 1) return void answers.set(ranges[0] as string, asError(error));
        // Each asked alone, so that a failure fails only the lookups whose own query fails.
        await Promise.all(
          ranges.map(async (first) => {
            try {
              answers.set(first, (await namesIn(tables, [first])).get(first) ?? []);
            } catch (alone) {
              answers.set(first, asError(alone));
            }
          }),
        );
      }
    }),
  );
  for (const [first, rows] of answers) {
    for (const lookup of waiting.get(first) ?? []) {
      if (rows instanceof Error) lookup.reject(rows);
      else lookup.resolve([...rows]);
    }
  }
}

/** The name rows of each of these first bytes, in one query. */
async function namesIn(tables: TableStore, ranges: readonly string[]): Promise<Map<string, StoredRow[]>> {
  const found = new Map<string, StoredRow[]>(ranges.map((first) => [first, []]));
  const filter = `${odata`PartitionKey eq ${LOCAL_CONTENT_PARTITION}`} and (${ranges.map((first) => `(${rangeFilter(first)})`).join(' or ')})`;
  // The service answers in key order, so each range's rows come first name first, as its own query's would.
  for await (const row of tables.query(FILES_TABLE, filter)) {
    for (const first of ranges) if (row.rowKey >= first && row.rowKey < rangeEnd(first)) found.get(first)?.push(row);
  }
  return found;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The row keys of a first name and of the names beside it (`|` sorts before `}`). */
function rangeFilter(first: string): string {
  return odata`RowKey ge ${first} and RowKey lt ${rangeEnd(first)}`;
}

function rangeEnd(first: string): string {
  return `${first}}`;
}

/** The file a name row names. */
export function namedFileOf(row: StoredRow, ref: LogFileRef): LogFileRef {
  const named = parseStoredRow(localContentRowSchema, FILES_TABLE, row);
  // Rows written before laid-out files were named hold local paths only.
  return { container: named.container ?? ref.container, path: named.path };
}

/** The row key of a file's first name: the digest of its first bytes. */
export function firstNameKey(head: string): string {
  return encodeKeyPart(head);
}

/**
 * The digest of a local file's first bytes; null for an empty file, or one that cannot be read here
 * (gone, no permission): such a file is known by its own path, and its failure is recorded when it is
 * processed, as any file's. Used for local files only: blobs are read without catching (continuedCopies.ts).
 */
export async function headKey(source: LogSource, ref: LogFileRef): Promise<string | null> {
  let head: Buffer;
  try {
    head = await source.read(ref, 0, HEAD_BYTES);
  } catch {
    return null;
  }
  return head.length === 0 ? null : digestOf(head);
}
