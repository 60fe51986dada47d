import type { ProcessDeps } from './processFile.js';
import { tailAndSweep, type TailSweepSummary } from './tailAndSweep.js';

export interface WatchOptions {
  containers: readonly string[];
  intervalMs: number;
  fileConcurrency: number;
  signal: AbortSignal;
  onCycle?: (summary: TailSweepSummary) => void;
}

/**
 * The timer's tail-and-sweep, run in a loop until `signal` aborts: logs landing in storage are
 * processed within `intervalMs`, without a Functions host. Same code as the timer function.
 */
export async function watch(deps: ProcessDeps, options: WatchOptions): Promise<void> {
  while (!options.signal.aborted) {
    const summary = await tailAndSweep(deps, {
      containers: options.containers,
      sweepIntervalMs: options.intervalMs,
      fileConcurrency: options.fileConcurrency,
      deadline: Number.POSITIVE_INFINITY,
    });
    options.onCycle?.(summary);
    await sleep(options.intervalMs, options.signal);
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
