import { hourEndFromPath } from './sealing.js';
import type { ListedLogFile, LogSource } from '../storage/LogSource.js';

export interface SweepSelection {
  prefix?: string;
  /** Only blobs changed at or after this time (epoch ms). */
  modifiedSince?: number;
  /** Only blobs whose hour (from the path, else the last change) is within [since, until). */
  since?: number;
  until?: number;
}

/**
 * Lists a container page by page and yields the blobs the selection keeps. Memory holds one listing
 * page, whatever the number of blobs (a large account holds hundreds of thousands of files).
 */
export async function* selectBlobs(source: LogSource, container: string, selection: SweepSelection): AsyncGenerator<ListedLogFile> {
  for await (const listed of source.list(container, selection.prefix)) {
    if (selection.modifiedSince !== undefined && listed.stat.lastModified < selection.modifiedSince) continue;
    if (selection.since !== undefined || selection.until !== undefined) {
      const hourEnd = hourEndFromPath(listed.file.path);
      const start = hourEnd === null ? listed.stat.lastModified : hourEnd - 3_600_000;
      const end = hourEnd ?? listed.stat.lastModified + 1;
      if (selection.since !== undefined && end <= selection.since) continue;
      if (selection.until !== undefined && start >= selection.until) continue;
    }
    yield listed;
  }
}

/**
 * The blobs of several containers' listings as one stream, in path order: Azure Monitor writes each
 * category of one resource and hour under the same path in its own container, so a run reads (and
 * writes together) the records a call has in six categories, instead of one container after another.
 * With `familyOf` (readingOrder.ts), family by family and in path order within a family.
 * Each listing is read only as far as the stream is consumed. A listing that fails ends there and is
 * reported to `onFailure` (what it listed before stays); the others go on.
 */
export async function* interleaveListings(
  listings: ReadonlyMap<string, AsyncIterable<ListedLogFile>>,
  onFailure: (container: string, error: unknown) => void,
  familyOf: (container: string) => number = () => 0,
): AsyncGenerator<ListedLogFile> {
  const heads: ListingHead[] = [];
  const advance = async (container: string, iterator: AsyncIterator<ListedLogFile>): Promise<ListedLogFile | undefined> => {
    try {
      const next = await iterator.next();
      return next.done ? undefined : next.value;
    } catch (error) {
      onFailure(container, error);
      return undefined;
    }
  };
  for (const [container, listing] of listings) {
    const iterator = listing[Symbol.asyncIterator]();
    const head = await advance(container, iterator);
    if (head) heads.push({ container, family: familyOf(container), iterator, head });
  }
  while (heads.length > 0) {
    let first = 0;
    for (let i = 1; i < heads.length; i++) if (readsBefore(heads[i] as ListingHead, heads[first] as ListingHead)) first = i;
    const current = heads[first] as ListingHead;
    yield current.head;
    const head = await advance(current.container, current.iterator);
    if (head) current.head = head;
    else heads.splice(first, 1);
  }
}

interface ListingHead {
  container: string;
  family: number;
  iterator: AsyncIterator<ListedLogFile>;
  head: ListedLogFile;
}

function readsBefore(a: ListingHead, b: ListingHead): boolean {
  return a.family < b.family || (a.family === b.family && a.head.file.path < b.head.file.path);
}
