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
