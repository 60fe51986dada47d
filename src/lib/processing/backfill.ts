import type { ListedLogFile } from '../storage/LogSource.js';
import type { ProcessDeps } from './processFile.js';
import { processFile } from './processFile.js';
import { selectBlobs, type SweepSelection } from './sweep.js';
import { finalPolicy, inBatches } from './tailAndSweep.js';

export interface BackfillOptions {
  containers: readonly string[];
  selection: Omit<SweepSelection, 'modifiedSince'>;
  fileConcurrency: number;
  onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillProgress {
  filesTotal: number;
  bytesTotal: number;
  filesDone: number;
  /** Sizes of the files done (what the ETA is based on). */
  bytesDone: number;
  /** Bytes actually read: less than bytesDone when a re-run finds files already read. */
  bytesRead: number;
  records: number;
  badLines: number;
  startedAt: number;
}

/**
 * Processes the blobs already in the log containers, through the same per-file code as the timer's
 * sweep. A first listing pass counts files and bytes (for progress); the second processes them.
 * Interrupted and run again, it continues where it stopped: finished files cost a checkpoint read.
 */
export async function backfill(deps: ProcessDeps, options: BackfillOptions): Promise<BackfillProgress> {
  const now = deps.now ?? Date.now;
  const progress: BackfillProgress = {
    filesTotal: 0, bytesTotal: 0, filesDone: 0, bytesDone: 0, bytesRead: 0, records: 0, badLines: 0, startedAt: now(),
  };
  for (const container of options.containers) {
    for await (const listed of selectBlobs(deps.source, container, options.selection)) {
      progress.filesTotal++;
      progress.bytesTotal += listed.stat.length;
    }
  }
  options.onProgress?.(progress);
  const isFinal = finalPolicy(deps);
  const task = async (listed: ListedLogFile): Promise<void> => {
    const result = await processFile(listed.file, deps, { isFinal, listedStat: listed.stat });
    progress.filesDone++;
    progress.bytesDone += listed.stat.length;
    progress.bytesRead += result.bytes;
    progress.records += result.records;
    progress.badLines += result.badLines;
    options.onProgress?.(progress);
  };
  for (const container of options.containers) {
    await inBatches(selectBlobs(deps.source, container, options.selection), task, options.fileConcurrency);
  }
  return progress;
}
