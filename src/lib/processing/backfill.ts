import { callsView } from '../aggregating/index.js';
import { classifyError } from '../storage/errors.js';
import { buildCallTimeIndex } from './callTimeIndexBuild.js';
import { fileKey, type ListedLogFile, type LogFileRef } from '../storage/LogSource.js';
import { fileName } from '../storage/fileName.js';
import { observedReads } from '../storage/observedReads.js';
import { IsolatedFiles } from './isolatedFiles.js';
import type { ProcessDeps } from './processFile.js';
import { readingFamilyOf } from './readingOrder.js';
import { interleaveListings, selectBlobs, type SweepSelection } from './sweep.js';
import { forEachConcurrently } from './concurrency.js';
import { finalPolicy } from './tailAndSweep.js';

export interface BackfillOptions {
  containers: readonly string[];
  selection: Omit<SweepSelection, 'modifiedSince'>;
  fileConcurrency: number;
  /** Each container's family (readingOrder.ts): by default, from Azure Monitor's container names. */
  familyOf?: (container: string) => number;
  onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillProgress {
  filesTotal: number;
  bytesTotal: number;
  filesDone: number;
  /** Bytes of the listed files read so far, each file done counting whole (what the bar and ETA follow). */
  bytesDone: number;
  /** Bytes actually read: less than bytesDone when a re-run finds files already read. */
  bytesRead: number;
  records: number;
  badLines: number;
  /** Records of categories the product does not read (e.g. ChatOperational): counted in the checkpoints, not applied. */
  unsupported: number;
  /** Segments read whose checkpoint another run saved first (their records count in that run's totals). */
  overtaken: number;
  /** Files whose processing threw: recorded (see health) and retried by later runs. */
  filesFailed: number;
  /** Containers that could not be listed (storage refused or was away): the others still ran. */
  containersFailed: Array<{ container: string; error: string }>;
  /** Stuck files of the containers that no longer exist (deleted after they failed): no longer listed as stuck. */
  goneStuck: LogFileRef[];
  startedAt: number;
}

/**
 * Processes the blobs already in the log containers, through the same per-file code as the timer's
 * sweep. A first listing pass counts files and bytes (for progress); the second processes them.
 * Interrupted and run again, it continues where it stopped: finished files cost a checkpoint read.
 * A file that throws is recorded and counted, and the others go on; so do the other containers
 * when one cannot be listed. Failed files are tried again whatever their backoff (an explicit run).
 */
export async function backfill(deps: ProcessDeps, options: BackfillOptions): Promise<BackfillProgress> {
  const now = deps.now ?? Date.now;
  const progress: BackfillProgress = {
    filesTotal: 0,
    bytesTotal: 0,
    filesDone: 0,
    bytesDone: 0,
    bytesRead: 0,
    records: 0,
    badLines: 0,
    unsupported: 0,
    overtaken: 0,
    filesFailed: 0,
    containersFailed: [],
    goneStuck: [],
    startedAt: now(),
  };
  const unlisted = new Set<string>();
  const containerFailed = (container: string, error: unknown): void => {
    const classified = classifyError(error);
    if (classified.kind === 'configuration') throw error;
    unlisted.add(container);
    progress.containersFailed.push({ container, error: classified.message });
    deps.logger.warn('could not list a container; the others go on', { container, error: classified.message });
  };
  // Once after an upgrade: calls stored before the time index existed are listed before more are read.
  if (deps.views.includes(callsView)) await buildCallTimeIndex(deps.tables);
  for (const container of options.containers) {
    try {
      for await (const listed of selectBlobs(deps.source, container, options.selection)) {
        progress.filesTotal++;
        progress.bytesTotal += listed.stat.length;
      }
    } catch (error) {
      containerFailed(container, error);
    }
  }
  options.onProgress?.(progress);
  const isFinal = finalPolicy(deps);
  // The files being read, with how far (up to their listed size): progress moves with the reads, not only as files finish.
  const reading = new Map<string, { size: number; reached: number }>();
  const onRead = (file: LogFileRef, end: number): void => {
    const being = reading.get(fileKey(file));
    if (being === undefined || end <= being.reached) return;
    const reached = Math.min(being.size, end);
    progress.bytesDone += reached - being.reached;
    progress.bytesTotal = Math.max(progress.bytesTotal, progress.bytesDone);
    being.reached = reached;
    options.onProgress?.(progress);
  };
  const runDeps = options.onProgress ? { ...deps, source: observedReads(deps.source, onRead) } : deps;
  const files = await IsolatedFiles.load(runDeps, options.containers);
  const ran = new Set<string>();
  const task = async (listed: ListedLogFile): Promise<void> => {
    const key = fileKey(listed.file);
    ran.add(key);
    reading.set(key, { size: listed.stat.length, reached: 0 });
    const outcome = await files.run(listed.file, { isFinal, listedStat: listed.stat, respectBackoff: false });
    progress.filesDone++;
    progress.bytesDone += listed.stat.length - (reading.get(key)?.reached ?? 0);
    reading.delete(key);
    // Blobs that landed or grew since the count: the totals grow with them, so progress never passes 100 %.
    progress.filesTotal = Math.max(progress.filesTotal, progress.filesDone);
    progress.bytesTotal = Math.max(progress.bytesTotal, progress.bytesDone);
    if (outcome.kind === 'done') {
      progress.bytesRead += outcome.result.bytes;
      progress.records += outcome.result.records;
      progress.badLines += outcome.result.badLines;
      progress.unsupported += outcome.result.unsupported;
      progress.overtaken += outcome.result.overtaken;
    } else progress.filesFailed++;
    options.onProgress?.(progress);
  };
  // Every container at once, family by family, in path order within one: one resource's hour of every
  // category of a family is read and written together, and a backfill larger than one write splits
  // few partitions between its writes (readingOrder.ts).
  const listings = new Map(
    options.containers.filter((container) => !unlisted.has(container)).map((container) => [container, selectBlobs(deps.source, container, options.selection)]),
  );
  await forEachConcurrently(interleaveListings(listings, containerFailed, options.familyOf ?? readingFamilyOf), options.fileConcurrency, task);
  // A stuck blob deleted since it failed is listed by no run: it would keep health degraded for ever.
  for (const file of files.failing()) {
    if (ran.has(fileKey(file))) continue;
    try {
      if ((await deps.source.stat(file)) !== null) continue;
    } catch (error) {
      if (classifyError(error).kind === 'configuration') throw error;
      deps.logger.warn('could not look for a stuck file; the next run looks again', { file: fileName(file), error: classifyError(error).message });
      continue;
    }
    // Its run finds it missing and clears its failure, as the timer's retry does.
    const outcome = await files.run(file, { isFinal, respectBackoff: false });
    if (outcome.kind === 'done' && outcome.result.status === 'missing') progress.goneStuck.push(file);
  }
  return progress;
}
