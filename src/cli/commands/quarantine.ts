import { resolve } from 'node:path';
import { silentLogger } from '../../lib/logging.js';
import { QuarantineStore, type ListedEntry, type QuarantinedLine } from '../../lib/processing/quarantine.js';
import { isPending } from '../../lib/processing/quarantineRows.js';
import { parseCategory } from '../../lib/normalizing/index.js';
import { CATEGORIES } from '../../lib/normalizing/types.js';
import { emptyReplaySummary, hasCode, replayQuarantine, type ReplaySummary } from '../../lib/processing/replayQuarantine.js';
import { fileKey, type LogFileRef } from '../../lib/storage/LogSource.js';
import { expandLocalPaths } from '../../lib/storage/LocalLogSource.js';
import { LocalOrBlobLogSource } from '../../lib/storage/LocalOrBlobLogSource.js';
import { LOCAL_CONTAINER } from '../../lib/storage/fileName.js';
import { MAX_TRANSACTION_ROWS } from '../../lib/storage/TableStore.js';
import { decideExit } from '../decidedExit.js';
import { UsageError } from '../errors.js';
import { oneLine, printable } from '../printable.js';
import { isTerminal, parseFormat, StreamedRows, writeChunks } from '../format.js';
import { openPipeline } from '../pipeline.js';
import { cliSettings } from '../settings.js';
import { openStorage, type StorageFlags } from '../storageSession.js';
import { terminalWidth } from '../terminalWidth.js';
import { quarantineBlock } from '../quarantineBlocks.js';

export interface QuarantineListFlags extends StorageFlags {
  container?: string;
  code?: string;
  all?: boolean;
  format: string;
}

export const QUARANTINE_COLUMNS = [
  'container',
  'path',
  'line',
  'lastLine',
  'count',
  'offset',
  'end',
  'code',
  'codes',
  'stillBadLines',
  'view',
  'message',
  'raw',
  'rawTruncated',
  'quarantinedAt',
  'replayedAt',
  'dismissedAt',
  'dismissedBecause',
  'purgedAt',
] as const;

/** `acs-logs quarantine list`: the entries (runs of lines) that could not be read, with their reason (replayed and dismissed ones with --all). */
export async function quarantineListCommand(flags: QuarantineListFlags, out: NodeJS.WritableStream, err?: NodeJS.WritableStream): Promise<void> {
  const format = parseFormat(flags.format);
  const { tablePrefix } = cliSettings(flags);
  // The tables only: list, dismiss and purge read no log file, so a connection string without a blob endpoint serves them.
  const storage = await openStorage(flags, tablePrefix);
  try {
    // Each entry is written as the listing reaches it: a quarantine can hold 100,000 entries of up to 8 KiB of text.
    const width = terminalWidth(out);
    const rows = format === 'table' ? undefined : new StreamedRows(out, format, QUARANTINE_COLUMNS, { terminal: isTerminal(out) });
    let listed = 0;
    /** Containers with entries listed without --all, and with entries only replayed or dismissed: for a --container that has none (a typo, or `local` for files given to process). */
    const containers = new Set<string>();
    const settledContainers = new Set<string>();
    /** Entries the filters match that were replayed or dismissed: listed only with --all. */
    let settled = 0;
    for await (const line of new QuarantineStore(storage.tables).list()) {
      if (isPending(line) || flags.all) containers.add(line.container);
      else settledContainers.add(line.container);
      if (flags.container && line.container !== flags.container) continue;
      if (flags.code && !hasCode(line, flags.code)) continue;
      if (!isPending(line) && !flags.all) {
        settled++;
        continue;
      }
      // Rows written before runs existed hold one line.
      const entry = { ...line, count: line.count ?? 1, lastLine: line.lastLine ?? line.line };
      // In a terminal, a block per entry fitted to its width; JSON and CSV keep every character.
      if (rows === undefined) await writeChunks(out, [`${listed === 0 ? '' : '\n'}${quarantineBlock(entry, width)}\n`]);
      else await rows.add(Object.fromEntries(QUARANTINE_COLUMNS.map((column) => [column, entry[column] ?? null])));
      listed++;
    }
    if (flags.container && !containers.has(flags.container) && !settledContainers.has(flags.container)) {
      const names = (set: Set<string>): string =>
        [...set]
          .sort()
          .map((name) => printable(name))
          .join(', ');
      for (const name of containers) settledContainers.delete(name);
      const where = [
        ...(containers.size > 0 ? [`entries are in ${names(containers)}`] : []),
        ...(settledContainers.size > 0 ? [`only replayed or dismissed entries are in ${names(settledContainers)} (--all lists them)`] : []),
      ];
      err?.write(`note: no entry of container "${printable(flags.container)}"; ${where.length > 0 ? where.join('; ') : 'no container has entries'}\n`);
    } else if (listed === 0) {
      // An empty list says why: nothing bad was read, or what was is settled.
      const filtered = flags.container !== undefined || flags.code !== undefined ? ' that the filters match' : '';
      err?.write(
        settled > 0
          ? `note: no entry${filtered} waits; ${settled} replayed or dismissed (--all lists them)\n`
          : `note: no line${filtered} has been quarantined in tables ${tablePrefix}* of ${storage.where}\n`,
      );
    }
    if (rows !== undefined) await rows.end();
    else if (listed === 0) await writeChunks(out, ['(no rows)\n']);
  } finally {
    await storage.close();
  }
}

export interface QuarantineReplayFlags extends StorageFlags {
  code?: string;
  category?: string;
  path?: string;
}

/** `acs-logs quarantine replay`: reads quarantined lines again and applies those that now read, exactly once. */
export async function quarantineReplayCommand(
  paths: readonly string[],
  flags: QuarantineReplayFlags,
  out: NodeJS.WritableStream,
  err?: NodeJS.WritableStream,
): Promise<void> {
  const category = flags.category === undefined ? undefined : parseCategory(flags.category);
  if (flags.category !== undefined && !category) throw new UsageError(`--category must be one of ${CATEGORIES.join(', ')}, got "${flags.category}"`);
  let localPaths: string[];
  try {
    // Every file beneath them, whatever its name: an entry names the file it came from (one given to
    // `process` on its own may have any name), and only files with entries are read.
    const others: string[] = [];
    localPaths = await expandLocalPaths(paths, { skipped: (file) => others.push(file) });
    // Not spread as arguments: past ~100,000 files that overflows the stack.
    for (const file of others) localPaths.push(file);
  } catch (error) {
    throw new UsageError(`cannot read ${(error as NodeJS.ErrnoException).path ?? 'input'}: ${(error as Error).message}`);
  }
  const pipeline = await openPipeline(flags, silentLogger);
  try {
    // Bad lines of local files (`acs-logs process`) are re-read from disk, those of blobs from storage;
    // files of a downloaded tree carry blob names, so their paths are given again.
    const deps = { ...pipeline.deps, source: new LocalOrBlobLogSource(pipeline.deps.source, localPaths) };
    const filter = { ...(flags.code ? { code: flags.code } : {}), ...(category ? { category } : {}) };
    let summary: ReplaySummary;
    if (flags.path === undefined) summary = await replayQuarantine(deps, filter);
    else {
      // One file's entries: `--category` names what that file's records are, not every file's that carries none.
      const files = await filesOfPath(new QuarantineStore(pipeline.deps.tables), flags.path);
      if (files.length === 0) {
        decideExit({ code: 0 });
        out.write(
          `replayed 0 entries: no waiting entry is of a file "${oneLine(flags.path)}" (give the path as "quarantine list --format json" shows it; the table cuts a long one in the middle, and its end after "…" names it too)\n`,
        );
        return;
      }
      summary = emptyReplaySummary();
      for (const file of files) addReplaySummary(summary, await replayQuarantine(deps, { ...filter, file }));
    }
    // Every entry is replayed: a closed output now loses only this line, and the run ends as done (cli/main.ts).
    decideExit({ code: 0 });
    out.write(
      `replayed ${summary.lines} entr${summary.lines === 1 ? 'y' : 'ies'} (${summary.badLines} lines): ${summary.applied} applied (${summary.records} records` +
        // Records an earlier replay counted are not counted again: say so, or they read as counted twice.
        (summary.alreadyCounted > 0 ? `, ${summary.alreadyCounted} of them counted by an earlier replay` : '') +
        `), ${summary.stillBad} still bad` +
        // An entry applied in part is still bad, yet its records are in the count above: say so, or it reads as lost.
        (summary.partlyApplied > 0 ? ` (${summary.partlyApplied} of them in part: their lines that read now are applied, in the records above)` : '') +
        ', ' +
        `${summary.unsupported} of unsupported categories, ${summary.sourceGone} whose source and full text are gone` +
        // Local files are read again from where they are named: an entry of a tree `process` read is not gone.
        (summary.sourceGone > 0
          ? localPaths.length === 0
            ? ' (for files `process` read, give their folders: acs-logs quarantine replay <folders>)'
            : ' (for files `process` read from other folders than those given, give those too)'
          : '') +
        (summary.waiting > 0 ? `, ${summary.waiting} waiting for their file to be read again (replay them after the next run)` : '') +
        (summary.overtaken > 0 ? `, ${summary.overtaken} replayed by another run at the same time (their records count there)` : '') +
        '\n',
    );
    const gone = goneFilesNote(summary.goneFiles, localPaths.length > 0);
    if (gone !== undefined) err?.write(`note: ${oneLine(gone)}\n`);
  } finally {
    await pipeline.close();
  }
}

/** The files whose waiting entries `--path` names (one, or the same blob path in several containers). */
async function filesOfPath(store: QuarantineStore, given: string): Promise<LogFileRef[]> {
  // Only the files are held, not their entries with their kept text.
  const waiting = new Map<string, LogFileRef>();
  for await (const line of store.list()) if (isPending(line)) waiting.set(fileKey(line), { container: line.container, path: line.path });
  return entriesOfPath([...waiting.values()], given);
}

function addReplaySummary(total: ReplaySummary, more: ReplaySummary): void {
  for (const key of Object.keys(total) as Array<keyof ReplaySummary>) {
    if (key === 'goneFiles') total.goneFiles.push(...more.goneFiles);
    else total[key] += more[key];
  }
}

/** Files named in the note of entries whose file is gone; the others are counted. */
const GONE_FILES_SHOWN = 3;

/**
 * Entries whose file was deleted since (a lifecycle policy, a user cleaning up) wait for ever, and keep
 * health degraded: says which files, and how to put their entries aside once that was on purpose.
 */
function goneFilesNote(files: readonly LogFileRef[], foldersGiven: boolean): string | undefined {
  const [first] = files;
  if (first === undefined) return undefined;
  const named = files.slice(0, GONE_FILES_SHOWN).map((file) => `${file.container}/${file.path}`);
  const more = files.length > GONE_FILES_SHOWN ? ` and ${files.length - GONE_FILES_SHOWN} more` : '';
  return (
    `the file${files.length === 1 ? '' : 's'} of these entries ${files.length === 1 ? 'is' : 'are'} gone or changed, so their lines cannot be read again: ${printable(named.join(', '))}${more}; ` +
    // A file of a tree `process` read is looked for on disk only in the folders given: not gone, only not named.
    (foldersGiven
      ? 'unless `process` read them from folders other than those given (then give those too), '
      : 'unless `process` read them from folders (then give those: acs-logs quarantine replay <folders>), ') +
    `they wait, and health counts them, until dismissed: where a file was deleted on purpose (a lifecycle policy, a clean-up), ` +
    `acs-logs quarantine dismiss --path "${printable(`${first.container}/${first.path}`)}" --reason deleted` +
    (files.length > 1 ? ` (each file), or --container for all of a container's entries` : '')
  );
}

export interface QuarantineDismissFlags extends StorageFlags {
  container?: string;
  code?: string;
  path?: string;
  reason?: string;
  undo?: boolean;
}

/** Longest reason kept with a dismissed entry. */
export const MAX_DISMISS_REASON_CHARS = 1000;

/**
 * `acs-logs quarantine dismiss`: puts entries aside that no replay will apply (a file converted and
 * processed again by hand, lines known to be junk), so health stops counting them; `--undo` takes
 * that back. Entries already applied are left as they are.
 */
export async function quarantineDismissCommand(flags: QuarantineDismissFlags, out: NodeJS.WritableStream): Promise<void> {
  if (flags.container === undefined && flags.code === undefined && flags.path === undefined) {
    throw new UsageError('say which entries: --container, --code or --path (together they narrow)');
  }
  const reason = flags.reason ?? 'dismissed by a user';
  if (reason.length > MAX_DISMISS_REASON_CHARS) throw new UsageError(`--reason is at most ${MAX_DISMISS_REASON_CHARS} characters, got ${reason.length}`);
  const storage = await openStorage(flags);
  try {
    const store = new QuarantineStore(storage.tables);
    const matches = (line: QuarantinedLine): boolean =>
      (flags.container === undefined || line.container === flags.container) &&
      (flags.code === undefined || hasCode(line, flags.code)) &&
      line.replayedAt === undefined &&
      (line.dismissedAt === undefined) !== (flags.undo === true);
    // `--path` is matched against the files of the entries first (an end several files share is refused): only their names are held.
    const { path } = flags;
    const files = path === undefined ? undefined : entriesOfPath(await filesOf(store, matches), path);
    const dismissal = flags.undo ? null : { at: new Date().toISOString(), because: reason };
    // Entries are set as the listing reaches them, 100 to a request, not gathered first: a quarantine can hold 100,000 entries of up to 8 KiB of text.
    const { noun } = await changeEach(
      listEntries(store, files, matches),
      (listed) => store.setDismissedListed(listed, dismissal),
      // An entry a replay applied in part dismisses only its lines still bad.
      (line) => line.stillBadLines ?? line.count ?? 1,
    );
    // Every entry chosen is set: a closed output now loses only this line, and the run ends as done (cli/main.ts).
    decideExit({ code: 0 });
    if (path !== undefined && files?.length === 0) {
      out.write(
        `${flags.undo ? 'restored' : 'dismissed'} 0 entries: no ${flags.undo ? 'dismissed' : 'waiting'} entry` +
          `${flags.container !== undefined || flags.code !== undefined ? ' of the --container or --code given' : ''} is of a file "${oneLine(path)}" ` +
          '(give the path as "quarantine list --format json" shows it; the table cuts a long one in the middle, and its end after "…" names it too)\n',
      );
      return;
    }
    out.write(
      flags.undo
        ? `restored ${noun}: health counts them again and a replay reads them\n`
        : `dismissed ${noun}: health no longer counts them and no replay reads them ("quarantine list --all" shows them; "quarantine dismiss --undo" with the same options takes it back)\n`,
    );
  } finally {
    await storage.close();
  }
}

/** Entries changed together: one transaction's worth. */
const CHANGED_TOGETHER = MAX_TRANSACTION_ROWS;

/**
 * Changes the entries as they are listed, CHANGED_TOGETHER at a time (`change` says which it
 * changed): the entries and lines (`linesOf`) it changed, as "N entries (M lines)".
 */
async function changeEach(
  chosen: AsyncIterable<ListedEntry>,
  change: (listed: readonly ListedEntry[]) => Promise<boolean[]>,
  linesOf: (line: QuarantinedLine) => number = (line) => line.count ?? 1,
): Promise<{ noun: string }> {
  let entries = 0;
  let lines = 0;
  let waiting: ListedEntry[] = [];
  const changeWaiting = async (): Promise<void> => {
    const changed = await change(waiting);
    waiting.forEach(({ line }, i) => {
      if (!changed[i]) return;
      entries++;
      lines += linesOf(line);
    });
    waiting = [];
  };
  for await (const listed of chosen) {
    waiting.push(listed);
    if (waiting.length >= CHANGED_TOGETHER) await changeWaiting();
  }
  if (waiting.length > 0) await changeWaiting();
  return { noun: `${entries} entr${entries === 1 ? 'y' : 'ies'} (${lines} line${lines === 1 ? '' : 's'})` };
}

/** The files of the entries `matches` takes, each once. */
async function filesOf(store: QuarantineStore, matches: (line: QuarantinedLine) => boolean): Promise<LogFileRef[]> {
  const files = new Map<string, LogFileRef>();
  for await (const line of store.list()) if (matches(line)) files.set(fileKey(line), { container: line.container, path: line.path });
  return [...files.values()];
}

/** The entries `matches` takes as the listing reaches them: of every file, or of `files` only. */
async function* listEntries(
  store: QuarantineStore,
  files: readonly LogFileRef[] | undefined,
  matches: (line: QuarantinedLine) => boolean,
): AsyncGenerator<ListedEntry> {
  for (const file of files ?? [undefined]) for await (const listed of store.listTagged(file)) if (matches(listed.line)) yield listed;
}

export interface QuarantinePurgeFlags extends StorageFlags {
  container?: string;
  code?: string;
  path?: string;
}

/**
 * `acs-logs quarantine purge`: removes the kept text of settled entries (replayed, or dismissed): the
 * lines a quarantine entry keeps can carry personal data (caller IP addresses, user ids, phone
 * numbers). Where the entry is, its codes and counts stay, so health and `list --all` still account
 * for it; a dismissal taken back later replays it from its file, as its text is gone.
 */
export async function quarantinePurgeCommand(flags: QuarantinePurgeFlags, out: NodeJS.WritableStream): Promise<void> {
  const storage = await openStorage(flags);
  try {
    const store = new QuarantineStore(storage.tables);
    const matches = (line: QuarantinedLine): boolean =>
      (flags.container === undefined || line.container === flags.container) &&
      (flags.code === undefined || hasCode(line, flags.code)) &&
      line.purgedAt === undefined;
    let stillWaiting = 0;
    let files: LogFileRef[] | undefined;
    if (flags.path !== undefined) {
      // `--path` is matched against the files of the entries first (an end several files share is refused): only their names and counts are held.
      const waitingFiles = new Map<string, LogFileRef & { entries: number }>();
      const settledFiles = new Map<string, LogFileRef>();
      for await (const line of store.list()) {
        if (!matches(line)) continue;
        const key = fileKey(line);
        if (!isPending(line)) settledFiles.set(key, { container: line.container, path: line.path });
        else {
          const file = waitingFiles.get(key) ?? { container: line.container, path: line.path, entries: 0 };
          file.entries++;
          waitingFiles.set(key, file);
        }
      }
      files = entriesOfPath([...settledFiles.values()], flags.path);
      for (const file of entriesOfPath([...waitingFiles.values()], flags.path)) stillWaiting += file.entries;
    }
    const at = new Date().toISOString();
    // Entries are purged as the listing reaches them, 100 to a request, not gathered first: a quarantine can hold 100,000 entries of up to 8 KiB of text.
    const { noun } = await changeEach(listEntries(store, files, matches), async (listed) => {
      // A waiting entry keeps its text: counted here without --path (with it, as its file was matched).
      if (files === undefined) stillWaiting += listed.filter(({ line }) => isPending(line)).length;
      return store.purgeListed(listed, at);
    });
    // Every entry chosen is purged: a closed output now loses only this line, and the run ends as done (cli/main.ts).
    decideExit({ code: 0 });
    out.write(
      `purged the text of ${noun}` +
        (stillWaiting > 0
          ? `; ${stillWaiting} waiting entr${stillWaiting === 1 ? 'y keeps its' : 'ies keep their'} text (replay or dismiss ${stillWaiting === 1 ? 'it' : 'them'} first)`
          : '') +
        '\n',
    );
  } finally {
    await storage.close();
  }
}

/** A container, then (after a slash or spaces) "…" and the end of a path: `insights-logs-usage  …/h=03/m=00/PT1H.json`. */
const CONTAINER_AND_CUT = /^([^\s/…]+)(?:\/|\s+)…(.*)$/su;
/** A container, then spaces and the whole path: a list block's first line where the path fits (`local  /tmp/x.json`). */
const CONTAINER_AND_WHOLE = /^([^\s/…]+)\s+([^\s…].*)$/su;

/**
 * The entries of the file `--path` names: its path, or its container and path as other commands
 * print them; or, starting with "…" as the table shows a long path cut in the middle (after its
 * container or not, as a list block's first line shows it), the end of exactly one file's path (ends that several files share are refused: too easy to dismiss the wrong ones).
 */
export function entriesOfPath<Line extends LogFileRef>(lines: readonly Line[], given: string, cwd = process.cwd()): Line[] {
  // As stored, and as `list` prints it (control characters as \uXXXX).
  const forms = (line: Line): string[] => [line.path, printable(line.path)];
  // A local file's path is absolute: `local//tmp/x.json` joined, `local/tmp/x.json` as people write it.
  const inContainer = (line: Line, path: string): boolean =>
    `${line.container}/${path}` === given || (path.startsWith('/') && `${line.container}${path}` === given);
  // A local file is kept under its absolute path; it is named as it was given to `process` (`logs/x.json`, `./x.json`) too.
  const local = resolve(cwd, given);
  const exact = lines.filter(
    (line) => forms(line).some((path) => path === given || inContainer(line, path)) || (line.container === LOCAL_CONTAINER && line.path === local),
  );
  if (exact.length > 0) return exact;
  // As a list block's first line shows one that fits: its container, spaces, and the whole path.
  const whole = CONTAINER_AND_WHOLE.exec(given);
  if (whole !== null) {
    const listed = lines.filter((line) => line.container === whole[1] && forms(line).includes(whole[2] ?? ''));
    if (listed.length > 0) return listed;
  }
  // As a list block's first line shows a long one: its container, then "…" and the end of its path.
  const shown = CONTAINER_AND_CUT.exec(given);
  if (shown?.[1] !== undefined && lines.some((line) => line.container === shown[1])) {
    return entriesOfPath(
      lines.filter((line) => line.container === shown[1]),
      `…${shown[2] ?? ''}`,
      cwd,
    );
  }
  if (!given.startsWith('…')) return exact;
  const end = given.slice('…'.length);
  if (end === '') throw new UsageError('--path "…" names no file: give the end of its path after "…"');
  const ending = lines.filter((line) => forms(line).some((path) => path.endsWith(end)));
  const files = new Set(ending.map((line) => `${line.container}/${line.path}`));
  if (files.size > 1) {
    throw new UsageError(`--path "${given}" is the end of ${files.size} files' paths: give the whole path ("quarantine list --format json" shows it)`);
  }
  return ending;
}
