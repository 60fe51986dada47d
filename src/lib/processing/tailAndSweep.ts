import { callsView } from '../aggregating/index.js';
import { classifyError, type ClassifiedError } from '../storage/errors.js';
import { buildCallTimeIndex } from './callTimeIndexBuild.js';
import { fileKey, type LogFileRef, type LogFileStat } from '../storage/LogSource.js';
import { parseStoredRow } from '../storage/storedRows.js';
import { CheckpointStore, FILES_TABLE, SWEEP_STATE_PARTITION } from './checkpoints.js';
import { sweepStateRowSchema, type SweepStateRow } from './checkpointRows.js';
import { forEachConcurrently } from './concurrency.js';
import type { FileBackoff } from './fileFailures.js';
import { IsolatedFiles } from './isolatedFiles.js';
import type { ProcessDeps } from './processFile.js';
import { isFinalBlob } from './sealing.js';
import { interleaveListings, selectBlobs } from './sweep.js';

export interface TailSweepOptions {
  containers: readonly string[];
  /** Sweep the containers when the last sweep started longer ago than this. */
  sweepIntervalMs: number;
  fileConcurrency: number;
  /** Stop starting new files, and new segments of files, after this time (epoch ms); the next run picks up the rest. */
  deadline: number;
  /** Sweep now whatever the interval says (backfill, first start). */
  forceSweep?: boolean;
  /**
   * A stop asked for (`watch`'s first Ctrl-C): as at the deadline, files not started yet are left
   * for the next run; the one-time listing of stored calls in the time index stops at its next saved
   * progress; and the listing and the containers' sweep-state reads stop too, so a pass
   * whose storage does not answer ends after the requests in flight instead of after every one.
   */
  stop?: AbortSignal;
  /** How long a failing file is left alone before it is tried again. */
  backoff?: FileBackoff;
}

/** A part of the run that failed as a whole (not one file): the other parts still ran. */
export interface RunProblem {
  /** `files`: files failed and their failures could not be written down either (storage away). */
  phase: 'tail' | 'sweep' | 'files' | 'index';
  container?: string;
  kind: 'transient' | 'failure';
  code: string;
  message: string;
}

export interface TailSweepSummary {
  tailed: number;
  swept: number;
  sweepRan: boolean;
  processed: number;
  records: number;
  badLines: number;
  bytes: number;
  /** Segments read whose checkpoint another run saved first (their records count in that run's totals). */
  overtaken: number;
  /** Files left for the next run because the deadline came. */
  deferred: number;
  /** Files whose processing threw this run: recorded, retried later. */
  failed: number;
  /** Files that failed before and whose retry is not due yet. */
  backingOff: number;
  problems: RunProblem[];
}

/**
 * A blob changed this long before the previous sweep began is not looked at again by the sweep. The
 * start is the earlier of this machine's clock and the newest change storage's clock gave a blob
 * the sweep listed: a clock running ahead of storage's by more than this would otherwise skip, for
 * good, a blob written once between the sweeps.
 */
const SWEEP_OVERLAP_MS = 15 * 60_000;

/**
 * `newestModified` of a container in which no sweep has listed a blob yet: this machine's clock alone
 * would be the start, and one ahead of storage's would skip for good the first blobs written there.
 */
export const NO_BLOB_LISTED = 0;

/** Where the next sweep of a container may start skipping blobs (see SWEEP_OVERLAP_MS); undefined: look at every blob. */
export function sweepCutoff(state: SweepStateRow | null): number | undefined {
  if (state === null || state.newestModified === NO_BLOB_LISTED) return undefined;
  // Rows of older versions have no newest change: the local clock alone, as they were written by.
  if (state.newestModified === undefined) return state.sweepStartedAt - SWEEP_OVERLAP_MS;
  return Math.min(state.sweepStartedAt, state.newestModified) - SWEEP_OVERLAP_MS;
}

/**
 * The timer's work. Tail: every registered file that may still grow is read from its checkpoint
 * (Event Grid announces a diagnostic-log blob once, when it is created empty), and so is every
 * failed file whose retry is due. Sweep: the log containers are listed page by page for files no
 * event announced; only blobs changed since the previous sweep (with an overlap) are looked at, so
 * a sweep costs listing, not reading. A file that throws is recorded and skipped; a tail that fails
 * as a whole is reported in `problems` and the sweep still runs. Only configuration errors throw.
 */
export async function tailAndSweep(deps: ProcessDeps, options: TailSweepOptions): Promise<TailSweepSummary> {
  const summary: TailSweepSummary = {
    tailed: 0,
    swept: 0,
    sweepRan: false,
    processed: 0,
    records: 0,
    badLines: 0,
    bytes: 0,
    overtaken: 0,
    deferred: 0,
    failed: 0,
    backingOff: 0,
    problems: [],
  };
  const now = deps.now ?? Date.now;
  const stopping = (): boolean => options.stop?.aborted === true;
  const isFinal = finalPolicy(deps);
  /** Per container, the files that failed without their failure written down, and why the first could not be. */
  const notRecorded = new Map<string, { files: number; why: ClassifiedError }>();
  const note = (phase: RunProblem['phase'], error: unknown, container?: string): void => {
    const classified = classifyError(error);
    if (classified.kind === 'configuration') throw error;
    summary.problems.push({
      phase,
      ...(container === undefined ? {} : { container }),
      kind: classified.kind,
      code: classified.code,
      message: classified.message,
    });
    const goesOn = stopping() ? 'stopping' : phase === 'tail' ? 'the sweep still runs' : phase === 'index' ? 'the files still run' : 'the others still run';
    const what = phase === 'tail' ? 'the tail failed' : phase === 'index' ? 'listing stored calls in the time index failed' : 'the sweep of a container failed';
    deps.logger.warn(`${what}; ${goesOn}`, {
      ...(container === undefined ? {} : { container }),
      error: classified.message,
    });
  };
  if (deps.views.includes(callsView) && now() < options.deadline && !stopping()) {
    try {
      // Once after an upgrade, calls stored before the time index existed are listed, a quarter of each run at most.
      const build = await buildCallTimeIndex(deps.tables, {
        deadline: now() + (options.deadline - now()) / 4,
        now,
        ...(options.stop ? { stop: options.stop } : {}),
      });
      if (build.listed > 0 || build.state === 'partial') deps.logger.info('listed stored calls in the time index', { ...build });
    } catch (error) {
      note('index', error);
    }
  }
  let files = IsolatedFiles.none(deps, options.backoff);
  const run = async (file: LogFileRef, listedStat?: LogFileStat): Promise<void> => {
    if (now() >= options.deadline || stopping()) {
      summary.deferred++;
      return;
    }
    const outcome = await files.run(file, {
      isFinal,
      listedStat,
      respectBackoff: true,
      deadline: options.deadline,
      ...(options.stop ? { stop: options.stop } : {}),
    });
    if (outcome.kind === 'backingOff') summary.backingOff++;
    else if (outcome.kind === 'stopped') summary.deferred++;
    else if (outcome.kind === 'failed') {
      summary.failed++;
      if (!outcome.recorded) {
        const seen = notRecorded.get(file.container);
        notRecorded.set(file.container, { files: (seen?.files ?? 0) + 1, why: seen?.why ?? outcome.recordError });
      }
    } else {
      const result = outcome.result;
      if (result.status === 'processed') summary.processed++;
      // Its rest is read by the next run: a new file cut before its first segment has no checkpoint, so the sweep must list it again.
      if (result.cut) summary.deferred++;
      summary.records += result.records;
      summary.badLines += result.badLines;
      summary.bytes += result.bytes;
      summary.overtaken += result.overtaken;
    }
  };

  try {
    files = await IsolatedFiles.load(deps, options.containers, options.backoff);
    const checkpoints = new CheckpointStore(deps.tables);
    const watched = new Set(options.containers);
    const open = new Map<string, LogFileRef>();
    for await (const checkpoint of checkpoints.listOpen()) {
      if (watched.has(checkpoint.container)) open.set(fileKey(checkpoint), { container: checkpoint.container, path: checkpoint.path });
    }
    for (const file of files.due(now())) open.set(fileKey(file), file);
    summary.tailed = open.size;
    await forEachConcurrently(open.values(), options.fileConcurrency, (file) => run(file));
  } catch (error) {
    note('tail', error);
  }

  // The containers due for a sweep are listed together, in path order: one resource's hour of every
  // category is read and written together (a call's records are in six of them). Not family by family
  // as `process` and `backfill` read: a run ends at its deadline, and in a backlog longer than one run
  // that order would hold Rooms and Usage back until the calls caught up.
  const due = new Map<string, { since: number | undefined; newest: number | undefined }>();
  const startedAt = now();
  for (const container of options.containers) {
    if (stopping()) break;
    try {
      const stored = await deps.tables.getRow(FILES_TABLE, SWEEP_STATE_PARTITION, container);
      const state = stored ? parseStoredRow(sweepStateRowSchema, FILES_TABLE, stored) : null;
      if (!options.forceSweep && state !== null && now() - state.sweepStartedAt < options.sweepIntervalMs) continue;
      due.set(container, { since: options.forceSweep ? undefined : sweepCutoff(state), newest: state?.newestModified });
    } catch (error) {
      note('sweep', error, container);
    }
  }
  if (due.size === 0 || now() >= options.deadline || stopping()) return summary;
  summary.sweepRan = true;
  const unlisted = new Set<string>();
  const listings = new Map([...due].map(([container, { since }]) => [container, selectBlobs(deps.source, container, { modifiedSince: since })]));
  const failed = (container: string, error: unknown): void => {
    unlisted.add(container);
    note('sweep', error, container);
  };
  let listingCut = false;
  const untilStopped = async function* <T>(items: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const item of items) {
      if (stopping()) {
        listingCut = true;
        return;
      }
      yield item;
    }
  };
  const listing = interleaveListings(listings, failed);
  summary.swept += await forEachConcurrently(options.stop ? untilStopped(listing) : listing, options.fileConcurrency, (listed) => {
    const state = due.get(listed.file.container);
    if (state !== undefined && !(listed.stat.lastModified <= (state.newest ?? Number.NEGATIVE_INFINITY))) state.newest = listed.stat.lastModified;
    return run(listed.file, listed.stat);
  });
  for (const [container, { newest }] of due) {
    // A file that failed without its failure written down must be listed again by the next sweep.
    if (listingCut || summary.deferred > 0 || notRecorded.has(container) || unlisted.has(container)) continue;
    try {
      const swept: SweepStateRow = {
        sweepStartedAt: startedAt,
        sweptAt: new Date(now()).toISOString(),
        newestModified: newest !== undefined && Number.isFinite(newest) ? newest : NO_BLOB_LISTED,
      };
      // A new store has no Files table until a file is read: reading it made none.
      await deps.tables.ensureTable(FILES_TABLE);
      await deps.tables.upsert(FILES_TABLE, SWEEP_STATE_PARTITION, container, swept);
    } catch (error) {
      note('sweep', error, container);
    }
  }
  // Nothing says these failed but this run: storage gone mid-run is reported as a problem, so the timer's
  // invocation fails (monitoring sees the outage) and watch backs off, instead of a run that "succeeded"
  // with nothing read. A container whose sweep already failed says so once. A record refused for
  // another reason (one row storage will not take) stays a warning: it must not hold every other file back.
  for (const [container, { files: count, why }] of notRecorded) {
    if (why.kind !== 'transient' || summary.problems.some((problem) => problem.container === container)) continue;
    summary.problems.push({
      phase: 'files',
      container,
      kind: why.kind,
      code: why.code,
      message: `${count} file(s) failed and their failure could not be recorded either (${why.message}); they are read again by the next run`,
    });
  }
  return summary;
}

/** Blobs are final once their hour is long over and they stopped changing. */
export function finalPolicy(deps: ProcessDeps) {
  return (file: LogFileRef, stat: Parameters<typeof isFinalBlob>[1], now: number): boolean => isFinalBlob(file, stat, now, deps.settings.sealAfterMs);
}
