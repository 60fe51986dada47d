import { encodeKeyPart } from '../storage/keys.js';
import { fileKey, type LogFileRef, type LogFileStat, type LogSource } from '../storage/LogSource.js';
import { MAX_TRANSACTION_ROWS, StorageRefusedError, type RowWrite, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { CheckpointStore, FILES_TABLE, type LoadedCheckpoint } from './checkpoints.js';
import { newNameRowData, type Checkpoint } from './checkpointRows.js';
import { headKey, LOCAL_CONTENT_PARTITION, namedFileOf, namesOf } from './localNames.js';
import { forEachConcurrently } from './concurrency.js';
import { gatheredAsks, type Ask } from './gatheredAsks.js';
import { checkIdentity, compareRange, digestOf, HEAD_BYTES, TAIL_BYTES, type RangeReader } from './fileIdentity.js';
import { processFile, type FileRunResult, type ProcessDeps, type ProcessOptions } from './processFile.js';
import { readingFamilyOf } from './readingOrder.js';

/** A local source whose files can be read under another file's name (a copy read as its original). */
export interface LocalFiles extends LogSource {
  register(localPath: string): LogFileRef;
  refOf(localPath: string): LogFileRef;
  registerAs(ref: LogFileRef, localPath: string): void;
  readApart(localPath: string): void;
  locationOf(file: LogFileRef): string | undefined;
  copyAt(file: LogFileRef, location: string): LogSource;
}

export interface LocalPlan {
  /** The files to process now, each under the name it is known by. */
  now: LogFileRef[];
  /**
   * Files of `now` outside a tree whose first bytes are (or may become) their name: named before they
   * are read, so that a run stopped halfway has named what it read.
   */
  toName: LogFileRef[];
  /** Files whose first bytes equal those of a new file processed now: looked at again once it has been read. */
  later: string[];
  /** Copies of a file processed now in the same run: nothing of theirs is read. */
  duplicates: number;
}

/**
 * A local file outside a laid-out tree is known by its absolute path; a file at another path (a copy,
 * a moved or renamed file) whose consumed bytes equal those of a file already read is that file, and
 * only what lies beyond them is read. Candidates are found by the digest of the first bytes.
 */
export async function planLocalFiles(source: LocalFiles, tables: TableStore, localPaths: readonly string[], localContainer: string): Promise<LocalPlan> {
  const plan: LocalPlan = { now: [], toName: [], later: [], duplicates: 0 };
  const chosen = new Set<string>();
  const newHeads = new Set<string>();
  /** Files read now that are new, by their first 4 KiB (startKey). */
  const readNow = new Map<string, LogFileRef[]>();
  const lookups = new Lookups(tables);
  const laidOut = new Map<string, string>();
  /** Where each name read now from outside a tree is read: the longest of the paths given for it. */
  const chosenAt = new Map<string, { name: LogFileRef; localPath: string }>();
  // A file outside a tree that copies a laid-out file read in this run waits until that one is read and named.
  if (localPaths.some((localPath) => source.register(localPath).container === localContainer)) {
    for (const localPath of localPaths) {
      const ref = source.register(localPath);
      if (ref.container === localContainer) continue;
      const head = await headKey(source, ref);
      if (head !== null) newHeads.add(head);
    }
  }
  for (const [i, localPath] of localPaths.entries()) {
    // The next files' own checkpoints, and the names of their first bytes, are read together (requests per PREFETCHED files, not per file).
    if (i % PREFETCHED === 0) {
      const ahead = localPaths.slice(i, i + PREFETCHED).map((later) => ({ ref: source.refOf(later), localPath: later }));
      lookups.prefetch(
        source,
        ahead.filter(({ ref: later }) => later.container === localContainer),
      );
    }
    const ref = source.register(localPath);
    if (ref.container !== localContainer) {
      // Copies of one blob (downloads of different days) are read one after the other, each from its own path.
      if (laidOut.has(fileKey(ref))) plan.later.push(localPath);
      else {
        laidOut.set(fileKey(ref), localPath);
        // A copy outside the tree given before it is read as it: once, from the tree (registered back below).
        if (chosen.has(fileKey(ref))) {
          plan.duplicates++;
          continue;
        }
        chosen.add(fileKey(ref));
        plan.now.push(ref);
      }
      continue;
    }
    const known = await knownAs(source, ref, localPath, lookups);
    if (known.kind === 'copy') {
      if (chosen.has(fileKey(known.of))) {
        await anotherPathOf(known.of, localPath);
        continue;
      }
      source.registerAs(known.of, localPath);
      chosen.add(fileKey(known.of));
      chosenAt.set(fileKey(known.of), { name: known.of, localPath });
      plan.now.push(known.of);
    } else if (known.kind === 'new' && !known.named && newHeads.has(known.head)) {
      // Waits until the file read now with these first bytes is named: it may be a copy of it. Once
      // another file holds the name, no copy can be told by it any more, and waiting would only cost
      // a round per file that starts the same.
      plan.later.push(localPath);
    } else if (chosen.has(fileKey(ref))) {
      await anotherPathOf(ref, localPath);
    } else {
      // Files that start like one read now, under a name another file holds: one that it holds whole
      // is a copy of it (nothing of it is read), one that holds it whole waits until it is read.
      // Only files of the same first 4 KiB can hold each other whole (a file shorter than that, all of it).
      const start = known.kind === 'new' ? await startKey(source, ref) : null;
      const alike = start !== null ? (readNow.get(start) ?? []) : [];
      let related: 'copy' | 'longer' | undefined;
      for (const other of alike) {
        if (await holdsAllOf(source, other, ref)) related = 'copy';
        else if (await holdsAllOf(source, ref, other)) related = 'longer';
        if (related) break;
      }
      if (related === 'copy') {
        plan.duplicates++;
        continue;
      }
      if (related === 'longer') {
        plan.later.push(localPath);
        continue;
      }
      if (known.kind === 'new') newHeads.add(known.head);
      if (start !== null) readNow.set(start, [...alike, ref]);
      chosen.add(fileKey(ref));
      chosenAt.set(fileKey(ref), { name: ref, localPath });
      plan.now.push(ref);
      // A file read from below its first HEAD_BYTES that grew since has the name of the bytes it has now.
      if (known.kind === 'new' || (known.offset < HEAD_BYTES && known.length > known.offset)) plan.toName.push(ref);
    }
  }
  // Registering a later copy pointed its blob name at that copy: point it back at the one read now.
  for (const localPath of laidOut.values()) source.register(localPath);
  // Likewise a file given after its longer copy: its name is read at the copy's path.
  for (const { name, localPath } of chosenAt.values()) source.registerAs(name, localPath);
  return plan;

  /**
   * A second path for a name read this run (a file and its copy, or its grown download, given
   * together): the one that holds all of the other is read under the name, so that what the longer
   * one adds is read; the other is a duplicate. Files that differ within their common length wait
   * for the next round, when the name has been read.
   */
  async function anotherPathOf(name: LogFileRef, localPath: string): Promise<void> {
    const chosenPath = chosenAt.get(fileKey(name));
    if (chosenPath === undefined || chosenPath.localPath === localPath) {
      plan.duplicates++;
      return;
    }
    const [here, there] = [source.copyAt(name, localPath), source.copyAt(name, chosenPath.localPath)];
    const [mine, theirs] = await Promise.all([here.stat(name).catch(() => null), there.stat(name).catch(() => null)]);
    if (mine === null || theirs === null) {
      plan.later.push(localPath);
      return;
    }
    const common = Math.min(mine.length, theirs.length);
    if ((await compareRange(readerOf(here, name), readerOf(there, name), common)) !== 'same') {
      plan.later.push(localPath);
      return;
    }
    if (mine.length > theirs.length) chosenAt.set(fileKey(name), { name, localPath });
    plan.duplicates++;
  }
}

/** Processes one file with `options`; `null` when it failed (recorded elsewhere) and the others go on. */
export type LocalFileRunner<Options extends ProcessOptions> = (ref: LogFileRef, options: Options) => Promise<FileRunResult | null>;

/**
 * Processes local files, each under the name it is known by; copies of one file given together are
 * read once (those with the same first bytes wait until the first has been read and named).
 */
export async function processLocalFiles<Options extends ProcessOptions>(
  deps: ProcessDeps & { source: LocalFiles },
  localPaths: readonly string[],
  localContainer: string,
  options: Options,
  concurrency = 4,
  runFile: LocalFileRunner<Options> = (ref, fileOptions) => processFile(ref, deps, fileOptions),
): Promise<{ results: FileRunResult[]; failed: number }> {
  const results: FileRunResult[] = [];
  let failed = 0;
  const laidOut = await laidOutKeys(deps.source, localPaths, localContainer);
  const read = await withoutOlderDownloads(deps.source, localPaths, laidOut);
  differingDownloadsApart(deps.source, read, laidOut);
  for (let pending = shorterDownloadsFirst(read, laidOut); pending.length > 0;) {
    const plan = await planLocalFiles(deps.source, deps.tables, pending, localContainer);
    // The first bytes each is named by now: one grown past them before it is read is named again then.
    const namedBy = new Map<LogFileRef, string | null>();
    const copies = await rememberLocalFiles(deps.source, deps.tables, plan.toName, namedBy);
    // A copy of a file another run is reading now (named, nothing saved yet) is read under its name.
    const now = new Map<string, LogFileRef>();
    for (const ref of plan.now) {
      const original = copies.get(ref);
      const location = deps.source.locationOf(ref);
      if (!original || location === undefined) now.set(fileKey(ref), ref);
      else if (!now.has(fileKey(original))) {
        deps.source.registerAs(original, location);
        now.set(fileKey(original), original);
      }
    }
    // Laid-out files are named when read from their start, before their first write (those outside a
    // tree were named above, and are named again if they grew past those bytes before their read): a
    // run stopped after the write has named what it wrote, and a later run that reads on past the
    // first bytes names nothing (no request). Before the next round looks them up, too.
    const named = {
      ...options,
      beforeFirstWrite: async (ref: LogFileRef): Promise<void> => {
        if (namedBy.has(ref) && namedBy.get(ref) === (await headKey(deps.source, ref))) return;
        await nameBeforeWrite(deps.source, deps.tables, ref);
      },
    };
    await forEachConcurrently([...now.values()], concurrency, async (ref) => {
      const result = await runFile(ref, named);
      if (result === null) {
        failed++;
        return;
      }
      results.push(result);
    });
    pending = plan.later;
  }
  return { results, failed };
}

interface NameAsk extends Ask {
  source: LocalFiles;
  ref: LogFileRef;
  resolve: () => void;
}

/** Names of files asked for in one turn (files started together), written 100 to a transaction. */
const nameInTurn = gatheredAsks<NameAsk>(async (tables, batch) => {
  const bySource = new Map<LocalFiles, NameAsk[]>();
  for (const ask of batch) {
    const asks = bySource.get(ask.source);
    if (asks) asks.push(ask);
    else bySource.set(ask.source, [ask]);
  }
  for (const [source, asks] of bySource) {
    try {
      await rememberLocalFiles(
        source,
        tables,
        asks.map(({ ref }) => ref),
      );
      for (const ask of asks) ask.resolve();
    } catch (error) {
      // A name the service refuses (a path it will not take) fails that file alone: the others are named on their own.
      if (asks.length === 1 || !(error instanceof StorageRefusedError)) throw error;
      for (const ask of asks) await rememberLocalFiles(source, tables, [ask.ref]).then(() => ask.resolve(), ask.reject);
    }
  }
});

function nameBeforeWrite(source: LocalFiles, tables: TableStore, ref: LogFileRef): Promise<void> {
  return new Promise((resolve, reject) => nameInTurn(tables, { source, ref, resolve, reject }));
}

/**
 * Names files by the digest of their first bytes (their path, and their blob name when read from a
 * laid-out tree), so that a copy of one outside a tree is read under that name. Files of other
 * content may share first bytes: each has a name of its own, the first as `<head>`, others as
 * `<head>|<digest of its path>`. A name whose file never saved a checkpoint (its read stopped
 * before its first segment was written) passes to the next file read with those bytes. `namedBy`
 * gets the first bytes each file was named by (null: empty).
 */
export async function rememberLocalFiles(
  source: LocalFiles,
  tables: TableStore,
  refs: readonly LogFileRef[],
  namedBy?: Map<LogFileRef, string | null>,
): Promise<Map<LogFileRef, LogFileRef>> {
  const copies = new Map<LogFileRef, LogFileRef>();
  const firsts = new Map<string, LogFileRef>();
  const others: Array<[string, LogFileRef]> = [];
  for (const ref of refs) {
    const head = await headKey(source, ref);
    namedBy?.set(ref, head);
    if (head === null) continue;
    if (firsts.has(head)) others.push([head, ref]);
    else firsts.set(head, ref);
  }
  if (firsts.size === 0) return copies;
  await tables.ensureTable(FILES_TABLE);
  const checkpoints = new CheckpointStore(tables);
  const entries = [...firsts];
  // Transactions of up to 100 creates; file by file only when one of them is named already.
  for (let from = 0; from < entries.length; from += MAX_TRANSACTION_ROWS) {
    const chunk = entries.slice(from, from + MAX_TRANSACTION_ROWS);
    const writes = chunk.map(([head, ref]): RowWrite => ({ op: 'create', rowKey: encodeKeyPart(head), data: newNameRowData(ref) }));
    if ((await tables.commit(FILES_TABLE, LOCAL_CONTENT_PARTITION, writes)).committed) continue;
    for (const [head, ref] of chunk) await nameFile(source, tables, checkpoints, head, ref, copies);
  }
  for (const [head, ref] of others) await nameFile(source, tables, checkpoints, head, ref, copies);
  return copies;
}

/**
 * Names one file by its first bytes: the first name, one left by a read that saved nothing, or a name
 * of its own beside them. A file whose bytes are all in the named file that has saved nothing yet
 * (another command reading a copy of it now, or one stopped before its first write) is noted in
 * `copies`, to be read under that file's name: the two reads then count its records once between them.
 */
async function nameFile(
  source: LocalFiles,
  tables: TableStore,
  checkpoints: CheckpointStore,
  head: string,
  ref: LogFileRef,
  copies: Map<LogFileRef, LogFileRef>,
): Promise<void> {
  const first = encodeKeyPart(head);
  if ((await tables.writeConditional(FILES_TABLE, LOCAL_CONTENT_PARTITION, { op: 'create', rowKey: first, data: newNameRowData(ref) })).committed) return;
  const row = await tables.getRow(FILES_TABLE, LOCAL_CONTENT_PARTITION, first);
  const holder = row ? namedFileOf(row, ref) : null;
  if (holder && fileKey(holder) === fileKey(ref)) return;
  // Named meanwhile by another command's read of a copy: read under that name too.
  const saved = holder ? (await checkpoints.get(holder))?.checkpoint : undefined;
  const stat = saved ? await source.stat(ref) : undefined;
  if (holder && saved && stat && (await isCopyOf(source, ref, holder, saved, stat))) {
    copies.set(ref, holder);
    return;
  }
  if (row && holder && !saved) {
    // One holds the other whole (a copy, or a longer version of it): one file, read under one name.
    if ((await holdsAllOf(source, holder, ref)) || (await holdsAllOf(source, ref, holder))) {
      copies.set(ref, holder);
      return;
    }
    const taken = await tables.writeConditional(FILES_TABLE, LOCAL_CONTENT_PARTITION, {
      op: 'replace',
      rowKey: first,
      etag: row.etag,
      data: newNameRowData(ref),
    });
    // Lost to another run taking it now: this file takes a name of its own below.
    if (taken.committed) return;
  }
  await tables.writeConditional(FILES_TABLE, LOCAL_CONTENT_PARTITION, {
    op: 'create',
    rowKey: `${first}|${digestOf(Buffer.from(fileKey(ref)))}`,
    data: newNameRowData(ref),
  });
}

/**
 * `own`: known by its path, read up to `offset`. `named`: another file holds the name of these first
 * bytes already, so this one takes one of its own.
 */
type Known = { kind: 'own'; offset: number; length: number } | { kind: 'new'; head: string; named: boolean } | { kind: 'copy'; of: LogFileRef };

/**
 * What one planning pass has read of names and checkpoints: many files that start alike look up the
 * same name rows and the same files' checkpoints once, so requests grow with the files, not with
 * files times names.
 */
class Lookups {
  private readonly names = new Map<string, Promise<StoredRow[]>>();
  private readonly saved = new Map<string, Promise<Checkpoint | undefined>>();
  /** Own checkpoints asked ahead of the files they are of, each taken once. */
  private readonly own = new Map<string, Promise<LoadedCheckpoint | undefined>>();
  private readonly heads = new Map<string, Promise<string | null>>();
  readonly checkpoints: CheckpointStore;

  constructor(private readonly tables: TableStore) {
    this.checkpoints = new CheckpointStore(tables);
  }

  /** Every name row of these first bytes, the first one first. */
  namesOf(first: string): Promise<StoredRow[]> {
    let rows = this.names.get(first);
    if (!rows) {
      rows = namesOf(this.tables, first);
      this.names.set(first, rows);
    }
    return rows;
  }

  /**
   * Asks the checkpoints of these files at once (the reads of one turn go as one query per partition,
   * checkpoints.ts), then, for those without one, the names of their first bytes (one query per turn, localNames.ts).
   */
  prefetch(source: LocalFiles, files: readonly { ref: LogFileRef; localPath: string }[]): void {
    for (const { ref, localPath } of files) {
      if (this.own.has(fileKey(ref))) continue;
      const loaded = this.checkpoints.get(ref);
      this.own.set(fileKey(ref), loaded);
      // A failed read fails the file's planning when it is taken, not the process before it is.
      const named = loaded.then(async (own) => {
        if (own !== undefined) return;
        const head = await this.headOf(source, ref, localPath);
        if (head !== null) await this.namesOf(encodeKeyPart(head));
      });
      named.catch(() => undefined);
    }
  }

  /** The key of a file's first bytes (headKey), read from `localPath` once per pass. */
  headOf(source: LocalFiles, ref: LogFileRef, localPath: string): Promise<string | null> {
    const key = `${fileKey(ref)}\n${localPath}`;
    let head = this.heads.get(key);
    if (!head) {
      // Read where the path is, whatever name the path's file is registered under meanwhile.
      head = headKey(source.copyAt(ref, localPath), ref);
      this.heads.set(key, head);
    }
    return head;
  }

  /** A file's own checkpoint, as it is stored now (or was prefetched in this pass). */
  ownCheckpoint(file: LogFileRef): Promise<LoadedCheckpoint | undefined> {
    const prefetched = this.own.get(fileKey(file));
    if (prefetched === undefined) return this.checkpoints.get(file);
    this.own.delete(fileKey(file));
    return prefetched;
  }

  checkpointOf(file: LogFileRef): Promise<Checkpoint | undefined> {
    let checkpoint = this.saved.get(fileKey(file));
    if (!checkpoint) {
      checkpoint = this.checkpoints.get(file).then((loaded) => loaded?.checkpoint);
      this.saved.set(fileKey(file), checkpoint);
    }
    return checkpoint;
  }
}

async function knownAs(source: LocalFiles, ref: LogFileRef, localPath: string, lookups: Lookups): Promise<Known> {
  const own = await lookups.ownCheckpoint(ref);
  if (own) {
    const { offset } = own.checkpoint;
    // Its length matters only to a file read from within its first bytes (it may be named again): no stat for the rest.
    return { kind: 'own', offset, length: offset < HEAD_BYTES ? ((await source.stat(ref))?.length ?? 0) : offset };
  }
  const head = await lookups.headOf(source, ref, localPath);
  if (head === null) return { kind: 'own', offset: 0, length: 0 };
  let named = false;
  const stat = await source.stat(ref);
  for (const row of await lookups.namesOf(encodeKeyPart(head))) {
    const original = namedFileOf(row, ref);
    if (fileKey(original) === fileKey(ref)) continue;
    named = true;
    const checkpoint = await lookups.checkpointOf(original);
    if (!checkpoint || !stat) continue;
    if (await isCopyOf(source, ref, original, checkpoint, stat)) return { kind: 'copy', of: original };
  }
  return { kind: 'new', head, named };
}

/**
 * Whether a file holds the bytes another consumed (its first bytes; fewer, for an older download):
 * the first and last bytes the checkpoint knows, and, while that file is still on this disk, every
 * byte of them. A file that differs in the middle (an export with a record changed) is its own.
 */
async function isCopyOf(source: LocalFiles, ref: LogFileRef, original: LogFileRef, checkpoint: Checkpoint, stat: LogFileStat): Promise<boolean> {
  const copy: LogSource = {
    stat: () => source.stat(ref),
    read: (_file, start, end) => source.read(ref, start, end),
    list: (container) => source.list(container),
    locationOf: () => source.locationOf(ref),
    copyAt: (file, location) => source.copyAt(file, location),
    blobOf: (file) => source.blobOf?.(file),
  };
  const verdict = await checkIdentity(copy, original, checkpoint, stat, null, { checkHead: true });
  if (verdict.kind !== 'same' && verdict.kind !== 'older') return false;
  // The original's file is compared only while it still holds what its checkpoint read (not replaced since).
  const theirStat = await source.stat(original).catch(() => null);
  if (!theirStat) return true;
  const theirs = await checkIdentity(source, original, checkpoint, theirStat, null, { checkHead: true }).catch(() => null);
  if (theirs?.kind !== 'same') return true;
  // Gone or unreadable since: its first and last bytes are all there is to go by.
  return (await compareRange(readerOf(source, original), readerOf(source, ref), Math.min(checkpoint.offset, stat.length))) !== 'differ';
}

/** Whether `original` is on this disk and starts with every byte of `file` (the same, or it grew since). */
async function holdsAllOf(source: LocalFiles, original: LogFileRef, file: LogFileRef): Promise<boolean> {
  const [theirs, mine] = await Promise.all([source.stat(original).catch(() => null), source.stat(file).catch(() => null)]);
  if (!theirs || !mine || mine.length === 0 || theirs.length < mine.length) return false;
  // Gone or unreadable here: not a copy to read under its name.
  return (await compareRange(readerOf(source, original), readerOf(source, file), mine.length)) === 'same';
}

/** A file's bytes for a comparison; nothing when it cannot be read here (gone, no permission): not a copy to go by. */
function readerOf(source: LogSource, file: LogFileRef): RangeReader {
  return (start, end) => source.read(file, start, end).catch(() => Buffer.alloc(0));
}

/** Bytes whose digest groups new files that may be copies of each other within one run. */
const START_BYTES = 4096;

/** Files outside a tree whose checkpoints and names planning reads ahead together: held briefly. */
const PREFETCHED = 1_000;

/** The digest of a file's first START_BYTES (all of it when shorter); null when it cannot be read. */
async function startKey(source: LogSource, ref: LogFileRef): Promise<string | null> {
  try {
    return digestOf(await source.read(ref, 0, START_BYTES));
  } catch {
    return null;
  }
}

/** Where a laid-out file sorts, and how long it is. */
interface LaidOut {
  family: number;
  hour: string;
  blob: string;
  length: number;
}

/** The laid-out files among the paths (not those in the local container), each looked at once. */
async function laidOutKeys(source: LocalFiles, localPaths: readonly string[], localContainer: string): Promise<Map<string, LaidOut>> {
  const keys = new Map<string, LaidOut>();
  for (const localPath of localPaths) {
    const ref = source.register(localPath);
    if (ref.container === localContainer || keys.has(localPath)) continue;
    keys.set(localPath, { family: readingFamilyOf(ref.container), hour: hourOf(ref.path), blob: fileKey(ref), length: (await source.stat(ref))?.length ?? 0 });
  }
  return keys;
}

/**
 * The paths without the laid-out downloads of a blob that are older copies of a longer download of
 * it given with them: the same first bytes, and the same bytes before their own end. Only the
 * longer one is read. Read one after the other, the shorter would be taken for a replacement on
 * every later run (shorter than the checkpoint, at a length no run read to), and its records and the
 * longer one's counted again each time.
 */
async function withoutOlderDownloads(source: LocalFiles, localPaths: readonly string[], laidOut: ReadonlyMap<string, LaidOut>): Promise<string[]> {
  const byBlob = new Map<string, { localPath: string; length: number }[]>();
  for (const [localPath, { blob, length }] of laidOut) {
    const copies = byBlob.get(blob) ?? [];
    copies.push({ localPath, length });
    byBlob.set(blob, copies);
  }
  const older = new Set<string>();
  for (const copies of byBlob.values()) {
    if (copies.length < 2) continue;
    const longest = copies.reduce((a, b) => (b.length > a.length ? b : a));
    for (const copy of copies) {
      if (copy === longest) continue;
      if (await sameBytes(source, copy.localPath, longest.localPath, 0, Math.min(HEAD_BYTES, copy.length))) {
        const from = Math.max(0, copy.length - TAIL_BYTES);
        if (await sameBytes(source, copy.localPath, longest.localPath, from, copy.length)) older.add(copy.localPath);
      }
    }
  }
  return localPaths.filter((localPath) => !older.has(localPath));
}

/**
 * The laid-out downloads of a blob left beside the longest once its older copies are set aside hold
 * other bytes (a blob deleted and written again, another file put in its place): each is read as a
 * file of its own, outside the blob's name. Read under it one after the other, each would replace
 * the other in every run once final, and both would count again each time.
 */
function differingDownloadsApart(source: LocalFiles, localPaths: readonly string[], laidOut: Map<string, LaidOut>): void {
  const byBlob = new Map<string, string[]>();
  for (const localPath of new Set(localPaths)) {
    const key = laidOut.get(localPath);
    if (key) byBlob.set(key.blob, [...(byBlob.get(key.blob) ?? []), localPath]);
  }
  for (const copies of byBlob.values()) {
    if (copies.length < 2) continue;
    const longest = copies.reduce((a, b) => ((laidOut.get(b) as LaidOut).length > (laidOut.get(a) as LaidOut).length ? b : a));
    for (const copy of copies) {
      if (copy === longest) continue;
      source.readApart(copy);
      laidOut.delete(copy);
    }
  }
}

/**
 * Whether two local files hold the same bytes in [start, end). A file that cannot be read here is not
 * taken for a copy: it is processed, and its failure recorded, as any file's.
 */
async function sameBytes(source: LocalFiles, a: string, b: string, start: number, end: number): Promise<boolean> {
  try {
    const first = await source.read(source.register(a), start, end);
    const second = await source.read(source.register(b), start, end);
    return first.equals(second);
  } catch {
    return false;
  }
}

/**
 * Files laid out as in storage in the order a run writes best (in the places they hold among the
 * others): family by family (readingOrder.ts), each by hour, so that the categories of one hour (a
 * call's operations and its recordings) are read, and written, together; several downloads of one
 * blob shortest first, so that a longer one then adds its new bytes, where the other order would
 * take the shorter one for a replacement.
 */
function shorterDownloadsFirst(localPaths: readonly string[], laidOut: ReadonlyMap<string, LaidOut>): string[] {
  const slots: number[] = [];
  for (const [index, localPath] of localPaths.entries()) if (laidOut.has(localPath)) slots.push(index);
  const sorted = slots
    .map((index) => localPaths[index] as string)
    .sort((a, b) => {
      const x = laidOut.get(a) as LaidOut;
      const y = laidOut.get(b) as LaidOut;
      return x.family - y.family || compare(x.hour, y.hour) || compare(x.blob, y.blob) || x.length - y.length;
    });
  const ordered = [...localPaths];
  slots.forEach((index, n) => (ordered[index] = sorted[n] as string));
  return ordered;
}

/** `y=YYYY/m=MM/d=DD/h=HH/m=MM` of a blob path (empty when it has none): sorts by time. */
function hourOf(blobPath: string): string {
  const at = blobPath.search(/(^|\/)y=\d/);
  return at < 0 ? '' : blobPath.slice(at).replace(/^\//, '');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
