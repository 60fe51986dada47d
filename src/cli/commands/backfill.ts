import { backfill } from '../../lib/processing/backfill.js';
import { silentLogger } from '../../lib/processing/logger.js';
import { containersFrom, openPipeline } from '../pipeline.js';
import { progressReporter } from '../progress.js';
import type { StorageFlags } from '../storageSession.js';

export interface BackfillFlags extends StorageFlags {
  container?: string[];
  prefix?: string;
  since?: number;
  until?: number;
}

/** `acs-logs backfill`: processes the logs already archived in a storage account, resumably. */
export async function backfillCommand(flags: BackfillFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const pipeline = await openPipeline(flags, silentLogger);
  const reporter = progressReporter(err);
  try {
    const done = await backfill(pipeline.deps, {
      containers: containersFrom(flags.container, pipeline.settings),
      selection: { prefix: flags.prefix, since: flags.since, until: flags.until },
      fileConcurrency: pipeline.settings.fileConcurrency,
      onProgress: (progress) => reporter.update(progress),
    });
    reporter.stop(done);
    out.write(
      `backfill done: ${done.filesDone} file(s), ${done.records} records, ${done.badLines} bad lines quarantined, ` +
        `${done.bytesRead} bytes read of ${done.bytesTotal}\n`,
    );
  } finally {
    await pipeline.close();
  }
}
