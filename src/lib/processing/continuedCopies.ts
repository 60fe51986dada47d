import { fileKey, type LogFileRef, type LogFileStat, type LogSource } from '../storage/LogSource.js';
import { LOCAL_CONTAINER } from '../storage/fileName.js';
import { MAX_TRANSACTION_BYTES, MAX_TRANSACTION_ROWS, StorageRefusedError, type RowWrite, type StoredRow, type TableStore } from '../storage/TableStore.js';
import { parseStoredRow } from '../storage/storedRows.js';
import { CheckpointStore, FILES_TABLE, type Checkpoint } from './checkpoints.js';
import { localContentRowData, localContentRowSchema, newNameRowData, type ReplacedRead } from './checkpointRows.js';
import { checkIdentity, compareRange, digestOf, HEAD_BYTES, TAIL_BYTES, type RangeReader } from './fileIdentity.js';
import { gatheredAsks, type Ask } from './gatheredAsks.js';
import { firstNameKey, LOCAL_CONTENT_PARTITION, namedFileOf, namesOf } from './localNames.js';

/**
 * Whether a file's checkpoint has read nothing yet (none saved, or saved when the file was announced
 * empty): only such a file can go on from a local copy read before it.
 */
export function readsFromStart(checkpoint: Checkpoint, saved: boolean): boolean {
  if (!saved) return true;
  return (
    checkpoint.offset === 0 &&
    checkpoint.generation === 0 &&
    checkpoint.continues === null &&
    checkpoint.startedGeneration === null &&
    checkpoint.quarantineAttempt === null
  );
}

export type Continuation = { kind: 'continues'; checkpoint: Checkpoint; copy: LogFileRef } | { kind: 'own' };

/**
 * A blob, or a file of a laid-out tree, read for the first time may be the file a local copy outside
 * a tree was downloaded from (a lone `PT1H.json`), processed before it: that copy is known by its
 * first bytes (`~local` names). When this file holds every byte the copy read (its first bytes and
 * those before where its read stopped; every byte, while the copy is on this disk unchanged), it goes
 * on from there under the copy's high-water marks, so each record is applied once between them.
 * A blob that goes on from nothing is named by its first bytes (before it is read, so that a run
 * stopped halfway has named it), so that a copy of it processed later is read under its name.
 */
export async function continuationOf(
  source: LogSource,
  tables: TableStore,
  file: LogFileRef,
  stat: LogFileStat,
  checkpoint: Checkpoint,
): Promise<Continuation> {
  if (file.container === LOCAL_CONTAINER || stat.length === 0) return { kind: 'own' };
  const head = await source.read(file, 0, Math.min(HEAD_BYTES, stat.length));
  if (head.length === 0) return { kind: 'own' };
  const first = firstNameKey(digestOf(head));
  const names = await namesOf(tables, first);
  const checkpoints = new CheckpointStore(tables);
  for (const row of names) {
    const copy = namedFileOf(row, file);
    if (copy.container !== LOCAL_CONTAINER) continue;
    const read = readOf((await checkpoints.get(copy))?.checkpoint, parseStoredRow(localContentRowSchema, FILES_TABLE, row).replacedRead);
    if (!read) {
      // Named, and its read stopped before it saved anything (it may have written some partitions):
      // a file that holds all of it, compared byte by byte on this disk, goes on under its marks from the start.
      if ((await heldWhole(source, copy, file, stat)) && (await claimed(tables, row, file))) {
        return { kind: 'continues', checkpoint: { ...checkpoint, continues: fromStartOf(checkpoint, copy) }, copy };
      }
      continue;
    }
    if (!continuable(read) || stat.length < read.offset) continue;
    if ((await checkIdentity(source, file, read, stat, null, { checkHead: true })).kind !== 'same') continue;
    if (!(await sameAsCopyOnDisk(source, copy, read, file))) continue;
    if (!(await claimed(tables, row, file))) continue;
    return { kind: 'continues', checkpoint: await continuedFrom(source, file, stat, checkpoint, copy, read), copy };
  }
  // A laid-out local file is named after it is read, with the others of its run (localCopies.ts).
  if (source.locationOf?.(file) === undefined && !names.some((row) => fileKey(namedFileOf(row, file)) === fileKey(file))) {
    await nameBlob(tables, file, first, names.length === 0);
  }
  return { kind: 'own' };
}

/**
 * A blob read on from within its first HEAD_BYTES (first read while it held fewer: sealed holding half
 * its first line) is named again by the bytes it has now, so that a download of it processed later,
 * looked up by its first HEAD_BYTES, is read under its name instead of counting again.
 */
export async function nameGrownBlob(source: LogSource, tables: TableStore, file: LogFileRef, stat: LogFileStat): Promise<void> {
  if (file.container === LOCAL_CONTAINER || source.locationOf?.(file) !== undefined) return;
  const head = await source.read(file, 0, Math.min(HEAD_BYTES, stat.length));
  if (head.length === 0) return;
  const first = firstNameKey(digestOf(head));
  const names = await namesOf(tables, first);
  if (names.some((row) => fileKey(namedFileOf(row, file)) === fileKey(file))) return;
  await nameBlob(tables, file, first, names.length === 0);
}

/**
 * What the copy's read of these bytes came to: its checkpoint, or, once the copy was replaced (a
 * download saved over it), the read its name row kept from before.
 */
function readOf(saved: Checkpoint | undefined, replaced: ReplacedRead | null): Checkpoint | undefined {
  if (saved === undefined || replaced === null || replaced.generation >= saved.generation) return saved;
  return { ...saved, ...replaced, earlierEnds: [], sealed: true, quarantineAttempt: null, startedGeneration: null, continues: null };
}

/**
 * Keeps, in the name row of a local file's first bytes, what its read came to before it was replaced
 * (a download saved over an earlier one): a blob of the earlier bytes, read later, goes on from there
 * instead of counting them again. Only a file read from its first 256 bytes has such a name.
 */
export async function keepReplacedRead(tables: TableStore, file: LogFileRef, read: Checkpoint): Promise<void> {
  if (file.container !== LOCAL_CONTAINER || read.offset === 0 || read.fingerprintLength !== HEAD_BYTES) return;
  const first = firstNameKey(read.fingerprint);
  for (const row of await namesOf(tables, first)) {
    const named = parseStoredRow(localContentRowSchema, FILES_TABLE, row);
    if (named.container !== undefined && named.container !== LOCAL_CONTAINER) continue;
    if (named.path !== file.path || (named.replacedRead !== null && named.replacedRead.generation >= read.generation)) continue;
    const replacedRead: ReplacedRead = {
      generation: read.generation,
      offset: read.offset,
      newlines: read.newlines,
      mode: read.mode,
      fingerprint: read.fingerprint,
      fingerprintLength: read.fingerprintLength,
      tailFingerprint: read.tailFingerprint,
      tailFingerprintLength: read.tailFingerprintLength,
      truncatedTail: read.truncatedTail,
    };
    // Lost to another run doing the same: its row says the same.
    await tables.writeConditional(FILES_TABLE, LOCAL_CONTENT_PARTITION, {
      op: 'replace',
      rowKey: row.rowKey,
      etag: row.etag,
      data: localContentRowData({ ...named, replacedRead }),
    });
    return;
  }
}

/**
 * A copy's read can be taken over when it read something and left nothing half done: no quarantine
 * rows past its offset from a stopped read, no new generation under way.
 */
function continuable(read: Checkpoint): boolean {
  if (read.offset === 0) return false;
  if (read.quarantineAttempt !== null && read.quarantineAttempt.generation === read.generation && read.quarantineAttempt.end > read.offset) return false;
  return read.startedGeneration === null || read.startedGeneration.generation <= read.generation;
}

/** While the copy is on this disk and still holds what its checkpoint read, every byte of it is compared. */
async function sameAsCopyOnDisk(source: LogSource, copy: LogFileRef, read: Checkpoint, file: LogFileRef): Promise<boolean> {
  if (source.locationOf?.(copy) === undefined) return true;
  const copyStat = await source.stat(copy).catch(() => null);
  if (!copyStat) return true;
  const verdict = await checkIdentity(source, copy, read, copyStat, null, { checkHead: true }).catch(() => null);
  if (verdict?.kind !== 'same') return true;
  // The copy unreadable meanwhile: its first and last bytes, checked above, are what there is.
  return (await compareRange(copyBytes(source, copy), (start, end) => source.read(file, start, end), read.offset)) !== 'differ';
}

/** The copy's bytes for a comparison; nothing when it cannot be read here. This file's read failing fails the run. */
function copyBytes(source: LogSource, copy: LogFileRef): RangeReader {
  return (start, end) => source.read(copy, start, end).catch(() => Buffer.alloc(0));
}

/** Whether the copy is on this disk and this file starts with every byte of it. */
async function heldWhole(source: LogSource, copy: LogFileRef, file: LogFileRef, stat: LogFileStat): Promise<boolean> {
  if (source.locationOf?.(copy) === undefined) return false;
  const copyStat = await source.stat(copy).catch(() => null);
  if (!copyStat || copyStat.length === 0 || copyStat.length > stat.length) return false;
  return (await compareRange(copyBytes(source, copy), (start, end) => source.read(file, start, end), copyStat.length)) === 'same';
}

function fromStartOf(checkpoint: Checkpoint, copy: LogFileRef): Checkpoint['continues'] {
  return { generation: checkpoint.generation, container: copy.container, path: copy.path, fileGeneration: 0, offset: 0 };
}

/**
 * The file's checkpoint going on where the copy's read stopped. A copy sealed inside its last line
 * (a download taken mid-append) is gone on from that line's start: this file holds it whole.
 */
async function continuedFrom(
  source: LogSource,
  file: LogFileRef,
  stat: LogFileStat,
  checkpoint: Checkpoint,
  copy: LogFileRef,
  read: Checkpoint,
): Promise<Checkpoint> {
  const cut = read.truncatedTail !== null && read.truncatedTail.end === read.offset ? read.truncatedTail : null;
  let position = { offset: read.offset, newlines: read.newlines, mode: read.mode };
  let tail = { tailFingerprint: read.tailFingerprint, tailFingerprintLength: read.tailFingerprintLength };
  if (cut !== null) {
    position = { offset: cut.offset, newlines: cut.newlines, mode: cut.mode };
    const before = await source.read(file, Math.max(0, cut.offset - TAIL_BYTES), cut.offset);
    tail = { tailFingerprint: digestOf(before), tailFingerprintLength: before.length };
  }
  const headLength = Math.min(read.fingerprintLength, position.offset);
  return {
    ...checkpoint,
    ...position,
    ...tail,
    fingerprint: headLength === read.fingerprintLength ? read.fingerprint : digestOf(await source.read(file, 0, headLength)),
    fingerprintLength: headLength,
    etag: stat.etag,
    length: stat.length,
    createdOn: stat.createdOn,
    readFrom: source.locationOf?.(file) ?? null,
    sealed: false,
    continues: { generation: checkpoint.generation, container: copy.container, path: copy.path, fileGeneration: read.generation, offset: position.offset },
  };
}

/**
 * Whether this file may go on from the local copy a name row names: the first to claim it (in the row,
 * under its ETag) does; another with the same bytes (a blob copied within the log containers) is a
 * file of its own, whose records count again, and none of them is skipped under marks that another
 * already moved.
 */
async function claimed(tables: TableStore, row: StoredRow, file: LogFileRef): Promise<boolean> {
  const named = parseStoredRow(localContentRowSchema, FILES_TABLE, row);
  if (named.continuedBy !== undefined) return named.continuedBy === fileKey(file);
  const data = localContentRowData({ ...named, continuedBy: fileKey(file) });
  const outcome = await tables.writeConditional(FILES_TABLE, LOCAL_CONTENT_PARTITION, { op: 'replace', rowKey: row.rowKey, etag: row.etag, data });
  if (outcome.committed) return true;
  // Changed meanwhile (claimed by another file, or by another run of this one): as it now stands.
  const now = await tables.getRow(FILES_TABLE, LOCAL_CONTENT_PARTITION, row.rowKey);
  return now !== undefined && parseStoredRow(localContentRowSchema, FILES_TABLE, now).continuedBy === fileKey(file);
}

interface WaitingName extends Ask {
  file: LogFileRef;
  first: string;
  firstFree: boolean;
  resolve: () => void;
}

/**
 * Names a blob by its first bytes: the first name when nothing holds it, else one of its own beside it.
 * Written with the other names of the moment (gatheredAsks.ts), in transactions of up to 100 rows (one
 * partition): a run starts hundreds of blobs. A transaction that does not commit (a name held by
 * another file or run) or is refused (a row the store will not take) names its blobs one by one,
 * each as it would have been alone.
 */
function nameBlob(tables: TableStore, file: LogFileRef, first: string, firstFree: boolean): Promise<void> {
  return new Promise((resolve, reject) => nameTogether(tables, { file, first, firstFree, resolve, reject }));
}

/** Writes the names of one batch; each blob's promise is settled, by its transaction or by its own writes. */
async function writeNames(tables: TableStore, batch: readonly WaitingName[]): Promise<void> {
  const keys = new Set<string>();
  const together: Array<{ name: WaitingName; write: RowWrite }> = [];
  const alone: WaitingName[] = [];
  for (const name of batch) {
    // A first name taken by a blob before it in this batch is taken, as that blob's create would take it.
    const rowKey = name.firstFree && !keys.has(name.first) ? name.first : ownName(name.file, name.first);
    // The same key twice (the same blob asked twice) cannot be in one transaction.
    if (keys.has(rowKey)) {
      alone.push(name);
      continue;
    }
    keys.add(rowKey);
    together.push({ name, write: { op: 'create', rowKey, data: newNameRowData(name.file) } });
  }
  const transactions: Array<typeof together> = [];
  let bytes = 0;
  for (const entry of together) {
    const size = tables.transactionBytes(LOCAL_CONTENT_PARTITION, [entry.write]);
    const last = transactions.at(-1);
    if (last === undefined || last.length >= MAX_TRANSACTION_ROWS || bytes + size > MAX_TRANSACTION_BYTES) {
      transactions.push([entry]);
      bytes = size;
    } else {
      last.push(entry);
      bytes += size;
    }
  }
  await Promise.all(transactions.map(async (entries) => writeTogether(tables, entries)));
  await Promise.all(alone.map(async (name) => settle(name, nameAlone(tables, name.file, name.first, name.firstFree))));
}

async function writeTogether(tables: TableStore, entries: ReadonlyArray<{ name: WaitingName; write: RowWrite }>): Promise<void> {
  let committed = false;
  try {
    committed = (
      await tables.commit(
        FILES_TABLE,
        LOCAL_CONTENT_PARTITION,
        entries.map(({ write }) => write),
      )
    ).committed;
  } catch (error) {
    // Any other failure fails the batch's blobs, as it would each of their writes; only a refusal is
    // about one of the rows.
    if (entries.length === 1 || !(error instanceof StorageRefusedError)) {
      for (const { name } of entries) name.reject(error);
      return;
    }
  }
  if (committed) {
    for (const { name } of entries) name.resolve();
    return;
  }
  // A name held already (409 fails the whole transaction), or a row the store refuses: each blob named
  // as it would be alone, so that a refused row fails its own blob only.
  await Promise.all(entries.map(async ({ name }) => settle(name, nameAlone(tables, name.file, name.first, name.firstFree))));
}

async function settle(name: WaitingName, written: Promise<void>): Promise<void> {
  try {
    await written;
    name.resolve();
  } catch (error) {
    name.reject(error);
  }
}

/** Names one blob by itself: the first name if it is free, else its own (one written by an earlier read of it stands). */
async function nameAlone(tables: TableStore, file: LogFileRef, first: string, firstFree: boolean): Promise<void> {
  const data = newNameRowData(file);
  if (firstFree && (await tables.writeConditional(FILES_TABLE, LOCAL_CONTENT_PARTITION, { op: 'create', rowKey: first, data })).committed) return;
  // Taken (meanwhile, or before): a name of its own; one written by an earlier read of it stands.
  await tables.writeConditional(FILES_TABLE, LOCAL_CONTENT_PARTITION, { op: 'create', rowKey: ownName(file, first), data });
}

const nameTogether = gatheredAsks(writeNames);

/** The name of a blob's own beside the first name of its first bytes. */
function ownName(file: LogFileRef, first: string): string {
  return `${first}|${digestOf(Buffer.from(fileKey(file)))}`;
}
