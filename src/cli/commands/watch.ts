import { watch } from '../../lib/processing/watch.js';
import { containersFrom, openPipeline } from '../pipeline.js';
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
