import { classifyError } from '../storage/errors.js';
import type { FileBackoff } from './fileFailures.js';
import type { ProcessDeps } from './processFile.js';
import { tailAndSweep, type TailSweepSummary } from './tailAndSweep.js';

export interface WatchOptions {
  containers: readonly string[];
  intervalMs: number;
  fileConcurrency: number;
  signal: AbortSignal;
  onCycle?: (summary: TailSweepSummary) => void;
  /** How long a failing file is left alone before it is tried again. */
  backoff?: FileBackoff;
  /** Longest wait between passes while storage is unavailable (default 60 s, at least the interval). */
  maxOutageDelayMs?: number;
}

const DEFAULT_MAX_OUTAGE_DELAY_MS = 60_000;

/**
 * The timer's tail-and-sweep, run in a loop until `signal` aborts: logs landing in storage are
 * processed within `intervalMs`, without a Functions host. Same code as the timer function. While
 * storage is unavailable it says so and waits longer between passes (doubling up to a cap); it
 * ends only on a configuration error (credentials, account, table names), which no wait can fix.
 */
export async function watch(deps: ProcessDeps, options: WatchOptions): Promise<void> {
  const maxDelay = Math.max(options.intervalMs, options.maxOutageDelayMs ?? DEFAULT_MAX_OUTAGE_DELAY_MS);
  let troubledPasses = 0;
  while (!options.signal.aborted) {
    let trouble: string | undefined;
    try {
      const summary = await tailAndSweep(deps, {
        containers: options.containers,
        sweepIntervalMs: options.intervalMs,
        fileConcurrency: options.fileConcurrency,
        deadline: Number.POSITIVE_INFINITY,
        stop: options.signal,
        backoff: options.backoff,
      });
      trouble = summary.problems[0]?.message;
      options.onCycle?.(summary);
    } catch (error) {
      const classified = classifyError(error);
      if (classified.kind === 'configuration') throw error;
      trouble = classified.message;
    }
    if (options.signal.aborted) break;
    if (trouble === undefined) {
      if (troubledPasses > 0) deps.logger.info('storage answers again; watching', { failedPasses: troubledPasses });
      troubledPasses = 0;
      await sleep(options.intervalMs, options.signal);
      continue;
    }
    troubledPasses++;
    const delay = Math.min(maxDelay, options.intervalMs * 2 ** Math.min(20, troubledPasses - 1));
    deps.logger.warn('pass failed; retrying', { error: trouble, retryInSeconds: Math.round(delay / 100) / 10, failedPasses: troubledPasses });
    await sleep(delay, options.signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
