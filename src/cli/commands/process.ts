import { ALL_VIEWS, callsView } from '../../lib/aggregating/index.js';
import { buildCallTimeIndex } from '../../lib/processing/callTimeIndexBuild.js';
import { parseCategory } from '../../lib/normalizing/index.js';
import { CATEGORIES, type Category } from '../../lib/normalizing/types.js';
import { FileFailureStore } from '../../lib/processing/fileFailures.js';
import { IsolatedFiles } from '../../lib/processing/isolatedFiles.js';
import { processLocalFiles } from '../../lib/processing/localCopies.js';
import { isFinalBlob } from '../../lib/processing/sealing.js';
import type { BlobLogSource } from '../../lib/storage/BlobLogSource.js';
import { fileKey, type LogFileRef, type LogFileStat } from '../../lib/storage/LogSource.js';
import { expandLocalPaths, LOCAL_CONTAINER, LocalLogSource, refForLocalPath, type UnreadableFolder } from '../../lib/storage/LocalLogSource.js';
import { decideExit } from '../decidedExit.js';
import { filesFailed, foldersUnreadable, UsageError } from '../errors.js';
import { lineLogger } from '../lineLogger.js';
import { cliSettings } from '../settings.js';
import { givenConnectionString } from '../earlyStorage.js';
import { openTables, type StorageFlags } from '../storageSession.js';
import { storageNotices } from '../storageNotices.js';
import { overtakenNote } from '../overtakenNote.js';
import { oneLine } from '../printable.js';
import { goneStuckFiles, goneStuckNote } from '../goneStuckFiles.js';
import { aboveStatusLine, canShowStatus, StatusLine } from '../statusLine.js';
import { fileSizes, ProcessProgress } from '../processProgress.js';
import { observedReads } from '../../lib/storage/observedReads.js';

export interface ProcessFlags extends StorageFlags {
  category?: string;
  quiet?: boolean;
}

export interface ProcessTotals {
  files: number;
  processed: number;
  records: number;
  badLines: number;
  unsupported: number;
  bytes: number;
  pendingBytes: number;
  /** Files whose processing threw (not bad lines): recorded, listed by `acs-logs health`. */
  failed: number;
  /** Requests sent to Table Storage (what a run costs in Azure). */
  tableRequests: number;
  /** Entities written, in single writes and transactions. */
  entitiesWritten: number;
  /** Segments written whose checkpoint another run saved first (their records count in that run's totals). */
  overtaken: number;
}

/** `acs-logs process`: runs local files through the very pipeline the functions run. */
export async function processCommand(
  inputs: string[],
  flags: ProcessFlags,
  given: NodeJS.WritableStream,
  givenErr: NodeJS.WritableStream = given,
): Promise<ProcessTotals> {
  // On a terminal, a line at the bottom says how far the run is; every other line is written above it.
  const status = canShowStatus(givenErr) ? new StatusLine(givenErr) : undefined;
  if (!status) return processFiles(inputs, flags, given, givenErr);
  const progress: ProgressDisplay = { status, timer: undefined };
  // Ctrl-C or a kill ends the process at once (cli/main.ts): the shell's prompt then starts on a clean line.
  const onExit = (): void => status.stop();
  process.once('exit', onExit);
  try {
    return await processFiles(inputs, flags, aboveStatusLine(given, status), aboveStatusLine(givenErr, status), progress);
  } finally {
    process.removeListener('exit', onExit);
    stopDisplay(progress);
  }
}

/** The status line and what redraws it while nothing is read. */
interface ProgressDisplay {
  status: StatusLine;
  timer: NodeJS.Timeout | undefined;
}

function stopDisplay(display: ProgressDisplay | undefined): void {
  if (!display) return;
  clearInterval(display.timer);
  display.status.stop();
}

async function processFiles(
  inputs: string[],
  flags: ProcessFlags,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  display?: ProgressDisplay,
): Promise<ProcessTotals> {
  const settings = cliSettings(flags);
  let category: Category | undefined;
  if (flags.category !== undefined) {
    category = parseCategory(flags.category);
    if (!category) throw new UsageError(`--category must be one of ${CATEGORIES.join(', ')}, got "${flags.category}"`);
  }
  let files: string[];
  const unreadable: UnreadableFolder[] = [];
  const skipped: string[] = [];
  try {
    files = await expandLocalPaths(inputs, { unreadable: (folder) => unreadable.push(folder), skipped: (file) => skipped.push(file) });
  } catch (error) {
    throw new UsageError(`cannot read ${(error as NodeJS.ErrnoException).path ?? 'input'}: ${(error as Error).message}`);
  }
  // File names are anyone's text (a control character in a downloaded name would drive the terminal): shown escaped.
  for (const folder of unreadable) err.write(`error: ${oneLine(`cannot list ${folder.path}: ${folder.error.message}; its files are not read`)}\n`);
  if (skipped.length > 0) err.write(`note: ${oneLine(skippedNote(skipped))}\n`);
  const progress = display ? new ProcessProgress(await fileSizes(files), Date.now(), (path) => fileKey(refForLocalPath(path))) : undefined;
  let rowsWritten = (): number => 0;
  const show = (force: boolean): void => {
    if (display && progress) display.status.set(() => progress.text(Date.now(), rowsWritten()), force);
  };
  if (display) {
    display.timer = setInterval(() => show(true), STATUS_INTERVAL_MS);
    display.timer.unref();
  }
  const storage = await openTables(flags, settings.tablePrefix, storageNotices(err));
  rowsWritten = () => storage.tables.requests.entities;
  // Given the account (the app's own), a download older than what the app read of its blob is told by the blob's bytes.
  const account = givenConnectionString(flags);
  const blobs = account === undefined ? undefined : await accountBlobs(account, flags);
  const local = new LocalLogSource(undefined, blobs);
  const source = progress
    ? observedReads(local, (file, end) => {
        const location = local.locationOf(file);
        if (location !== undefined) progress.read(location, end);
        show(false);
      })
    : local;
  const totals: ProcessTotals = {
    files: files.length,
    processed: 0,
    records: 0,
    badLines: 0,
    unsupported: 0,
    bytes: 0,
    pendingBytes: 0,
    failed: 0,
    tableRequests: 0,
    entitiesWritten: 0,
    overtaken: 0,
  };
  try {
    const logger = lineLogger(flags.quiet ? undefined : out, err);
    const deps = { source, tables: storage.tables, views: ALL_VIEWS, settings: settings.process, logger };
    // Once after an upgrade: calls stored before the time index existed are listed before more are read.
    if (deps.views.includes(callsView)) {
      const { listed } = await buildCallTimeIndex(deps.tables);
      // Its writes show in the totals, with no record read for them: said once, here.
      if (listed > 0) err.write(`note: ${listed} call(s) stored before the time index of calls existed were listed in it (once)\n`);
    }
    const isolated = await IsolatedFiles.load(deps, [...new Set(files.map((file) => refForLocalPath(file).container))]);
    // Local files follow the blobs' sealing rule: one that stopped changing --seal-after-minutes ago is
    // final, so its unfinished last line is quarantined instead of waiting for ever.
    const isFinal = (file: LogFileRef, stat: LogFileStat, now: number): boolean => isFinalBlob(file, stat, now, settings.process.sealAfterMs);
    const options = { ...(category ? { category } : {}), isFinal, respectBackoff: false };
    const { results, failed } = await processLocalFiles(deps, files, LOCAL_CONTAINER, options, settings.fileConcurrency, async (ref, fileOptions) => {
      try {
        const outcome = await isolated.run(ref, fileOptions);
        return outcome.kind === 'done' ? outcome.result : null;
      } finally {
        progress?.done(fileKey(ref), source.locationOf(ref));
      }
    });
    totals.failed = failed;
    // A stuck file of these folders deleted since is read by no run: no longer listed as stuck.
    const failures = new FileFailureStore(deps.tables);
    const gone = await goneStuckFiles(failures.list(), inputs, (ref) => local.knows(ref));
    for (const ref of gone) await failures.clear(ref);
    if (gone.length > 0) err.write(`note: ${oneLine(goneStuckNote(gone, 'of these folders are no longer on disk'))}\n`);
    for (const result of results) {
      if (result.status === 'processed') totals.processed++;
      totals.records += result.records;
      totals.badLines += result.badLines;
      totals.unsupported += result.unsupported;
      totals.bytes += result.bytes;
      totals.pendingBytes += result.pendingBytes;
      totals.overtaken += result.overtaken;
    }
  } finally {
    totals.tableRequests = storage.tables.requestCount;
    totals.entitiesWritten = storage.tables.requests.entities;
    await storage.close();
  }
  stopDisplay(display);
  const failure =
    totals.failed > 0
      ? filesFailed(totals.failed, totals.files)
      : unreadable.length > 0
        ? foldersUnreadable(unreadable.map((folder) => folder.path))
        : undefined;
  // Every file is done: a closed output now loses only the totals, and the run ends as it would (cli/main.ts).
  decideExit(failure ? { code: failure.exitCode, message: failure.message } : { code: 0 });
  out.write(
    `${totals.files} file(s), ${totals.processed} with new data: ${totals.records} records, ` +
      `${totals.badLines} bad lines quarantined, ${totals.unsupported} of unsupported categories, ` +
      `${totals.bytes} bytes read, ${totals.tableRequests} table requests, ${totals.entitiesWritten} entities written` +
      (totals.pendingBytes > 0
        ? `, ${totals.pendingBytes} bytes waiting for more of their file (an unfinished last line, or a first line whose shape is not known yet)`
        : '') +
      overtakenNote(totals.overtaken) +
      (totals.failed > 0 ? `, ${totals.failed} failed` : '') +
      (unreadable.length > 0 ? `, ${unreadable.length} folder(s) or link(s) could not be listed` : '') +
      (skipped.length > 0 ? `, ${skipped.length} other file(s) in the folders skipped` : '') +
      '\n',
  );
  if (failure) throw failure;
  return totals;
}

/** How often the status line is drawn again while nothing is read (the run is writing). */
const STATUS_INTERVAL_MS = 500;

const SKIPPED_NAMES_SHOWN = 5;

/** Says which files of the folders were not read, and how to read one anyway. */
export function skippedNote(skipped: readonly string[]): string {
  const shown = skipped.slice(0, SKIPPED_NAMES_SHOWN).join(', ');
  const more = skipped.length > SKIPPED_NAMES_SHOWN ? ` and ${skipped.length - SKIPPED_NAMES_SHOWN} more` : '';
  return (
    `${skipped.length} file(s) in the folders not read, not named as logs (*.json, *.jsonl, *.ndjson, or compressed): ${shown}${more}; ` +
    'name a file on the command line to read it anyway'
  );
}

/**
 * The account's blobs; none when its connection string names no blob endpoint (a table-only SAS).
 * The blob SDK is loaded only then: local files alone start a tenth of a second sooner without it.
 */
async function accountBlobs(connectionString: string, flags: ProcessFlags): Promise<BlobLogSource | undefined> {
  const { BlobLogSource } = await import('../../lib/storage/BlobLogSource.js');
  try {
    return new BlobLogSource({ kind: 'connectionString', connectionString }, flags.storageRetry?.blobs);
  } catch {
    return undefined;
  }
}
