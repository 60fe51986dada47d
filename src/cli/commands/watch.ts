import { watch } from '../../lib/processing/watch.js';
import { containersFrom } from '../containers.js';
import { openPipeline, type Pipeline } from '../pipeline.js';
import type { StorageFlags } from '../storageSession.js';
import { lineLogger } from '../lineLogger.js';
import { storageNotices } from '../storageNotices.js';
import { overtakenNote } from '../overtakenNote.js';
import { oneLine } from '../printable.js';

export interface WatchFlags extends StorageFlags {
  container?: string[];
  interval: number;
  /** Stop after this many seconds (default: until Ctrl-C). */
  duration?: number;
}

/** `acs-logs watch`: the timer's tail-and-sweep in a loop, until Ctrl-C (or `--duration`). */
export async function watchCommand(flags: WatchFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const stop = new AbortController();
  // Outages and failing files are reported on stderr as they happen; watch carries on through them.
  const pipeline = await openPipeline({ ...flags, giveUpRetries: stop.signal }, lineLogger(out, err), storageNotices(err));
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  // The first signal ends the loop after its pass, which starts no more files and does not wait out
  // storage that fails; a second one is the CLI's, which exits at once.
  const onSignal = (): void => {
    if (!stop.signal.aborted) err.write('stopping after the current pass (Ctrl-C again to stop at once)\n');
    stop.abort();
  };
  for (const signal of signals) process.once(signal, onSignal);
  const timer = flags.duration === undefined ? undefined : setTimeout(() => stop.abort(), flags.duration * 1000);
  const containers = containersFrom(flags.container, pipeline.settings);
  out.write(oneLine(`watching ${containers.join(', ')} in ${pipeline.storage.where} every ${flags.interval}s (Ctrl-C to stop)`) + '\n');
  // A missing container lists as empty, which would look like nothing to do. Checked beside the first
  // pass, never before it: a storage outage must not hold watch up, and the pass reports it itself.
  void missingContainersNote(pipeline, containers, flags.container !== undefined && flags.container.length > 0, stop.signal).then(
    (note) => {
      if (note !== undefined && !stop.signal.aborted) err.write(oneLine(`note: ${note}`) + '\n');
    },
    () => undefined,
  );
  let records = 0;
  let failed = 0;
  let overtaken = 0;
  try {
    await watch(pipeline.deps, {
      containers,
      intervalMs: flags.interval * 1000,
      fileConcurrency: pipeline.settings.fileConcurrency,
      signal: stop.signal,
      onCycle: (summary) => {
        records += summary.records;
        failed += summary.failed;
        overtaken += summary.overtaken;
      },
    });
    out.write(
      `stopped: ${records} records processed` + overtakenNote(overtaken) + (failed > 0 ? `, ${failed} failed file run(s) (see "acs-logs health")` : '') + '\n',
    );
  } finally {
    if (timer) clearTimeout(timer);
    for (const signal of signals) process.off(signal, onSignal);
    await pipeline.close();
  }
}

/**
 * The containers watch reads that do not exist yet: named when they were asked for by name, or when
 * none exists (the wrong account, or a diagnostic setting not yet made). Azure Monitor creates a
 * container with its first record, so the watch goes on and reads it from then on.
 */
async function missingContainersNote(pipeline: Pipeline, containers: readonly string[], named: boolean, stop: AbortSignal): Promise<string | undefined> {
  // Ended by the stop: its retries would keep the process up after the watch.
  const exists = await Promise.all(containers.map((container) => pipeline.source.containerExists(container, stop)));
  const missing = containers.filter((_container, i) => !exists[i]);
  const where = pipeline.storage.where;
  if (missing.length === containers.length) {
    const check = named ? 'check the account and the names given' : 'check the account, or name the log containers with --container';
    return `none of the containers exists yet in ${where}: ${missing.join(', ')}; watch reads each from its first log record, but ${check}`;
  }
  if (named && missing.length > 0) return `not found yet in ${where}: ${missing.join(', ')}; watch reads each from its first log record`;
  return undefined;
}
