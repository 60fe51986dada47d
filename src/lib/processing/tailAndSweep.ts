import type { ListedLogFile, LogFileRef, LogFileStat } from '../storage/LogSource.js';
import { CheckpointStore, FILES_TABLE, SWEEP_STATE_PARTITION } from './checkpoints.js';
import { forEachLimit } from './concurrency.js';
import { processFile, type FileRunResult, type ProcessDeps } from './processFile.js';
import { isFinalBlob } from './sealing.js';
import { selectBlobs } from './sweep.js';

export interface TailSweepOptions {
  containers: readonly string[];
  /** Sweep the containers when the last sweep started longer ago than this. */
  sweepIntervalMs: number;
  fileConcurrency: number;
  /** Stop starting new files after this time (epoch ms); the next run picks up the rest. */
  deadline: number;
  /** Sweep now whatever the interval says (backfill, first start). */
  forceSweep?: boolean;
}

export interface TailSweepSummary {
  tailed: number;
  swept: number;
  sweepRan: boolean;
  processed: number;
  records: number;
  badLines: number;
  bytes: number;
  /** Files left for the next run because the deadline came. */
  deferred: number;
}

/** A blob listed this long before the previous sweep began is not looked at again by the sweep. */
const SWEEP_OVERLAP_MS = 15 * 60_000;

/**
 * The timer's work. Tail: every registered file that may still grow is read from its checkpoint
 * (Event Grid announces a diagnostic-log blob once, when it is created empty). Sweep: the log
 * containers are listed page by page for files no event announced; only blobs changed since the
 * previous sweep (with an overlap) are looked at, so a sweep costs listing, not reading.
 */
export async function tailAndSweep(deps: ProcessDeps, options: TailSweepOptions): Promise<TailSweepSummary> {
  const summary: TailSweepSummary = { tailed: 0, swept: 0, sweepRan: false, processed: 0, records: 0, badLines: 0, bytes: 0, deferred: 0 };
  const now = deps.now ?? Date.now;
  const isFinal = finalPolicy(deps);
  const tally = (result: FileRunResult): void => {
    if (result.status === 'processed') summary.processed++;
    summary.records += result.records;
    summary.badLines += result.badLines;
    summary.bytes += result.bytes;
  };
  const run = async (file: LogFileRef, listedStat?: LogFileStat): Promise<void> => {
    if (now() >= options.deadline) {
      summary.deferred++;
      return;
    }
    tally(await processFile(file, deps, { isFinal, listedStat }));
  };

  const checkpoints = new CheckpointStore(deps.tables);
  const watched = new Set(options.containers);
  const open: LogFileRef[] = [];
  for await (const checkpoint of checkpoints.listOpen()) {
    if (watched.has(checkpoint.container)) open.push({ container: checkpoint.container, path: checkpoint.path });
  }
  summary.tailed = open.length;
  await forEachLimit(open, options.fileConcurrency, run);

  for (const container of options.containers) {
    const state = await deps.tables.getRow(FILES_TABLE, SWEEP_STATE_PARTITION, container);
    const lastStart = typeof state?.data['sweepStartedAt'] === 'number' ? (state.data['sweepStartedAt'] as number) : null;
    if (!options.forceSweep && lastStart !== null && now() - lastStart < options.sweepIntervalMs) continue;
    if (now() >= options.deadline) break;
    summary.sweepRan = true;
    const startedAt = now();
    const since = lastStart === null || options.forceSweep ? undefined : lastStart - SWEEP_OVERLAP_MS;
    const selected = selectBlobs(deps.source, container, { modifiedSince: since });
    summary.swept += await inBatches(selected, (listed) => run(listed.file, listed.stat), options.fileConcurrency);
    if (summary.deferred === 0) {
      await deps.tables.upsert(FILES_TABLE, SWEEP_STATE_PARTITION, container, { sweepStartedAt: startedAt, sweptAt: new Date(now()).toISOString() });
    }
  }
  return summary;
}

/** Processes listed blobs in batches of 100 with bounded concurrency; returns how many it saw. */
export async function inBatches(
  listed: AsyncIterable<ListedLogFile>,
  task: (listed: ListedLogFile) => Promise<void>,
  concurrency: number,
): Promise<number> {
  let batch: ListedLogFile[] = [];
  let seen = 0;
  for await (const item of listed) {
    batch.push(item);
    seen++;
    if (batch.length >= 100) {
      await forEachLimit(batch, concurrency, task);
      batch = [];
    }
  }
  await forEachLimit(batch, concurrency, task);
  return seen;
}

/** Blobs are final once their hour is long over and they stopped changing. */
export function finalPolicy(deps: ProcessDeps) {
  return (file: LogFileRef, stat: Parameters<typeof isFinalBlob>[1], now: number): boolean =>
    isFinalBlob(file, stat, now, deps.settings.sealAfterMs);
}
