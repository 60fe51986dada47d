import { backfill } from '../../lib/processing/backfill.js';
import { readingFamilies } from '../../lib/processing/readingOrder.js';
import { decideExit } from '../decidedExit.js';
import { ExitStatus, filesFailed, UsageError } from '../errors.js';
import { lineLogger } from '../lineLogger.js';
import { oneLine, printable } from '../printable.js';
import { containersFrom } from '../containers.js';
import { openPipeline, type Pipeline } from '../pipeline.js';
import { progressReporter } from '../progress.js';
import type { StorageFlags } from '../storageSession.js';
import { storageNotices } from '../storageNotices.js';
import { overtakenNote } from '../overtakenNote.js';
import { goneStuckNote } from '../goneStuckFiles.js';

export interface BackfillFlags extends StorageFlags {
  container?: string[];
  prefix?: string;
  since?: number;
  until?: number;
}

/** `acs-logs backfill`: processes the logs already archived in a storage account, resumably. */
export async function backfillCommand(flags: BackfillFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  // Nothing can be both: a run that reads nothing and says it is done would hide the typo.
  if (flags.since !== undefined && flags.until !== undefined && flags.since >= flags.until) throw new UsageError('--until must be after --since');
  // Only problems are logged (to stderr), one line each; the progress reporter says the rest.
  const pipeline = await openPipeline(flags, lineLogger(undefined, err), storageNotices(err));
  try {
    const containers = await existingContainers(pipeline, containersFrom(flags.container, pipeline.settings), err);
    const reporter = progressReporter(err);
    const done = await backfill(pipeline.deps, {
      containers,
      selection: { prefix: flags.prefix, since: flags.since, until: flags.until },
      fileConcurrency: pipeline.settings.fileConcurrency,
      familyOf: readingFamilies(pipeline.settings.containers),
      onProgress: (progress) => reporter.update(progress),
    });
    reporter.stop(done);
    const containersError =
      done.containersFailed.length > 0
        ? `${done.containersFailed.length} container(s) could not be listed: ${done.containersFailed[0]?.error}; run backfill again`
        : undefined;
    // Every file is done: a closed output now loses only the totals, and the run ends as it would (cli/main.ts).
    const failure = containersError ?? (done.filesFailed > 0 ? filesFailed(done.filesFailed, done.filesDone).message : undefined);
    decideExit(failure === undefined ? { code: 0 } : { code: 1, message: failure });
    out.write(
      `backfill done: ${done.filesDone} file(s), ${done.records} records, ${done.badLines} bad lines quarantined, ` +
        `${done.bytesRead} bytes read of ${done.bytesTotal}` +
        // A container of a category not read (given with --container) would otherwise say only "0 records".
        (done.unsupported > 0 ? `, ${done.unsupported} of unsupported categories` : '') +
        overtakenNote(done.overtaken) +
        (done.filesFailed > 0 ? `, ${done.filesFailed} failed` : '') +
        '\n',
    );
    if (done.goneStuck.length > 0) err.write(`note: ${oneLine(goneStuckNote(done.goneStuck, 'of these containers are no longer in storage'))}\n`);
    if (flags.until !== undefined && done.filesDone > 0) {
      // Azure Monitor files a record by when it arrived: the hours before --until end in later files.
      err.write(
        `note: --until selects files by the hour in their path; records of the last hours before ${new Date(flags.until).toISOString()} that arrived late ` +
          `are in later hours' files, not read by this run: for whole days, run again with a later --until (nothing is counted twice)\n`,
      );
    }
    const selection = [
      ...(flags.prefix !== undefined ? [`--prefix "${printable(flags.prefix)}"`] : []),
      ...(flags.since !== undefined ? [`--since ${new Date(flags.since).toISOString()}`] : []),
      ...(flags.until !== undefined ? [`--until ${new Date(flags.until).toISOString()}`] : []),
    ];
    if (selection.length > 0 && done.filesDone === 0 && done.containersFailed.length === 0) {
      // Reading nothing and saying done would hide a typo in the selection.
      err.write(
        `note: no blob of ${containers.map((name) => printable(name)).join(', ')} matched ${selection.join(' and ')}` +
          (flags.prefix !== undefined
            ? '; a prefix is matched case for case from the start of the path in the container, as Azure Monitor writes it: resourceId=/SUBSCRIPTIONS/<ID>/RESOURCEGROUPS/<GROUP>/...'
            : '') +
          '\n',
      );
    }
    for (const { container, error } of done.containersFailed) err.write(`error: ${oneLine(`${container}: could not be listed (${error})`)}\n`);
    if (containersError !== undefined) throw new Error(containersError);
    if (done.filesFailed > 0) throw filesFailed(done.filesFailed, done.filesDone);
  } finally {
    await pipeline.close();
  }
}

/**
 * Says which account and containers the run reads (a missing container lists as empty, which would
 * look like nothing to do), and fails naming them when none exists.
 */
async function existingContainers(pipeline: Pipeline, containers: readonly string[], err: NodeJS.WritableStream): Promise<string[]> {
  const found: string[] = [];
  const missing: string[] = [];
  for (const container of containers) ((await pipeline.source.containerExists(container)) ? found : missing).push(container);
  const where = pipeline.storage.where;
  if (found.length === 0) {
    const there = await containersThere(pipeline);
    const hint =
      pipeline.storage.origin === 'embedded' && there.names?.length === 0
        ? ': it is empty; pass --connection-string (or set AzureWebJobsStorage) to read your storage account'
        : `; ${there.text}: check the account, or name the log containers with --container`;
    throw new ExitStatus(`none of the containers exists in ${where}: ${missing.join(', ')}${hint}`, 1);
  }
  err.write(oneLine(`backfill: ${where}: reading ${found.join(', ')}` + (missing.length > 0 ? `; not found: ${missing.join(', ')}` : '')) + '\n');
  return found;
}

/** How many of the account's containers a failed backfill names. */
const CONTAINERS_NAMED = 20;

/** The containers the account has, in words, for the message of a backfill that found none of its own. */
async function containersThere(pipeline: Pipeline): Promise<{ names?: string[]; text: string }> {
  try {
    const names = await pipeline.source.containerNames(CONTAINERS_NAMED + 1);
    if (names.length === 0) return { names, text: 'it has no containers' };
    const more = names.length > CONTAINERS_NAMED ? ', ...' : '';
    return { names, text: `it has ${names.slice(0, CONTAINERS_NAMED).join(', ')}${more}` };
  } catch (error) {
    // A SAS for some containers may not list the account's: the message says so rather than guess.
    return { text: `its containers could not be listed (${error instanceof Error ? error.message.split('\n', 1)[0] : String(error)})` };
  }
}
