import { encodeKeyPart } from '../storage/keys.js';
import { fileKey, type LogFileRef, type LogSource } from '../storage/LogSource.js';
import { MAX_TRANSACTION_ROWS, type RowWrite, type TableStore } from '../storage/TableStore.js';
import { parseStoredRow } from '../storage/storedRows.js';
import { CheckpointStore, FILES_TABLE } from './checkpoints.js';
import { localContentRowSchema } from './checkpointRows.js';
import { forEachConcurrently } from './concurrency.js';
import { checkIdentity, digestOf, HEAD_BYTES, TAIL_BYTES } from './fileIdentity.js';
import { processFile, type FileRunResult, type ProcessDeps, type ProcessOptions } from './processFile.js';
import { readingFamilyOf } from './readingOrder.js';

/** Partition of the Files table naming, by the digest of its first bytes, the path a local file was first read under. */
export const LOCAL_CONTENT_PARTITION = '~local';

/** A local source whose files can be read under another file's name (a copy read as its original). */
export interface LocalFiles extends LogSource {
  register(localPath: string): LogFileRef;
  registerAs(ref: LogFileRef, localPath: string): void;
  locationOf(file: LogFileRef): string | undefined;
  copyAt(file: LogFileRef, location: string): LogSource;
}

export interface LocalPlan {
  /** The files to process now, each under the name it is known by. */
  now: LogFileRef[];
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
  const plan: LocalPlan = { now: [], later: [], duplicates: 0 };
  const chosen = new Set<string>();
  const newHeads = new Set<string>();
  const laidOut = new Map<string, string>();
  // A file outside a tree that copies a laid-out file read in this run waits until that one is read and named.
  if (localPaths.some((localPath) => source.register(localPath).container === localContainer)) {
    for (const localPath of localPaths) {
      const ref = source.register(localPath);
      if (ref.container === localContainer) continue;
      const head = await headKey(source, ref);
      if (head !== null) newHeads.add(head);
    }
  }
  for (const localPath of localPaths) {
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
    const known = await knownAs(source, tables, ref);
    if (known.kind === 'copy') {
      if (chosen.has(fileKey(known.of))) {
        plan.duplicates++;
        continue;
      }
      source.registerAs(known.of, localPath);
      chosen.add(fileKey(known.of));
      plan.now.push(known.of);
    } else if (known.kind === 'new' && !known.named && newHeads.has(known.head)) {
      // Waits until the file read now with these first bytes is named: it may be a copy of it. Once
      // another file holds the name, no copy can be told by it any more, and waiting would only cost
      // a round per file that starts the same.
      plan.later.push(localPath);
    } else if (chosen.has(fileKey(ref))) {
      plan.duplicates++;
    } else {
      if (known.kind === 'new') newHeads.add(known.head);
      chosen.add(fileKey(ref));
      plan.now.push(ref);
    }
  }
  // Registering a later copy pointed its blob name at that copy: point it back at the one read now.
  for (const localPath of laidOut.values()) source.register(localPath);
  return plan;
}

/** Processes one file; `null` when it failed (recorded elsewhere) and the others go on. */
export type LocalFileRunner = (ref: LogFileRef) => Promise<FileRunResult | null>;

/**
 * Processes local files, each under the name it is known by; copies of one file given together are
 * read once (those with the same first bytes wait until the first has been read and named).
 */
export async function processLocalFiles(
  deps: ProcessDeps & { source: LocalFiles },
  localPaths: readonly string[],
  localContainer: string,
  options: ProcessOptions = {},
  concurrency = 4,
  runFile: LocalFileRunner = (ref) => processFile(ref, deps, options),
): Promise<{ results: FileRunResult[]; failed: number }> {
  const results: FileRunResult[] = [];
  let failed = 0;
  const laidOut = await laidOutKeys(deps.source, localPaths, localContainer);
  const read = await withoutOlderDownloads(deps.source, localPaths, laidOut);
  for (let pending = shorterDownloadsFirst(read, laidOut); pending.length > 0;) {
    const plan = await planLocalFiles(deps.source, deps.tables, pending, localContainer);
    const read: LogFileRef[] = [];
    await forEachConcurrently(plan.now, concurrency, async (ref) => {
      const result = await runFile(ref);
      if (result === null) {
        failed++;
        return;
      }
      results.push(result);
      // Named when first read: a later run that reads on names nothing (no request).
      if (result.fromStart && result.bytes > 0) read.push(ref);
    });
    // Before the next round looks them up: its files may be copies of these.
    await rememberLocalFiles(deps.source, deps.tables, read);
    pending = plan.later;
  }
  return { results, failed };
}

/**
 * Names local files that a run read by the digest of their first bytes (their path, and their blob
 * name when read from a laid-out tree), unless another file has that name: a copy of one outside a
 * tree is then read under that name. Create only, so the first file read with those first bytes
 * keeps the name; in transactions of up to 100, row by row only when one of them is named already.
 */
export async function rememberLocalFiles(source: LogSource, tables: TableStore, refs: readonly LogFileRef[]): Promise<void> {
  const names = new Map<string, LogFileRef>();
  for (const ref of refs) {
    const head = await headKey(source, ref);
    if (head !== null && !names.has(head)) names.set(head, ref);
  }
  if (names.size === 0) return;
  await tables.ensureTable(FILES_TABLE);
  const writes = [...names].map(([head, ref]): RowWrite => ({ op: 'create', rowKey: encodeKeyPart(head), data: { path: ref.path, container: ref.container } }));
  for (let from = 0; from < writes.length; from += MAX_TRANSACTION_ROWS) {
    const chunk = writes.slice(from, from + MAX_TRANSACTION_ROWS);
    const outcome = await tables.commit(FILES_TABLE, LOCAL_CONTENT_PARTITION, chunk);
    if (outcome.committed) continue;
    // One of them is named already (a copy read before under another name): the others one by one.
    for (const write of chunk) await tables.writeConditional(FILES_TABLE, LOCAL_CONTENT_PARTITION, write);
  }
}

/** `named`: another file holds the name of these first bytes already, so this one can never take it. */
type Known = { kind: 'own' } | { kind: 'new'; head: string; named: boolean } | { kind: 'copy'; of: LogFileRef };

async function knownAs(source: LocalFiles, tables: TableStore, ref: LogFileRef): Promise<Known> {
  const checkpoints = new CheckpointStore(tables);
  if (await checkpoints.get(ref)) return { kind: 'own' };
  const head = await headKey(source, ref);
  if (head === null) return { kind: 'own' };
  await tables.ensureTable(FILES_TABLE);
  const row = await tables.getRow(FILES_TABLE, LOCAL_CONTENT_PARTITION, encodeKeyPart(head));
  const named = row ? parseStoredRow(localContentRowSchema, FILES_TABLE, row) : null;
  // Rows written before laid-out files were named hold local paths only.
  const original = named ? { container: named.container ?? ref.container, path: named.path } : null;
  if (original === null || fileKey(original) === fileKey(ref)) return { kind: 'new', head, named: false };
  const checkpoint = (await checkpoints.get(original))?.checkpoint;
  const stat = await source.stat(ref);
  if (!checkpoint || !stat) return { kind: 'new', head, named: true };
  // It is read under the original's name only when the bytes the original consumed are its first bytes.
  const copy: LogSource = {
    stat: () => source.stat(ref),
    read: (_file, start, end) => source.read(ref, start, end),
    list: (container) => source.list(container),
    locationOf: () => source.locationOf(ref),
    copyAt: (file, location) => source.copyAt(file, location),
    blobOf: (file) => source.blobOf?.(file),
  };
  const verdict = await checkIdentity(copy, original, checkpoint, stat, null, { checkHead: true });
  return verdict.kind === 'same' || verdict.kind === 'older' ? { kind: 'copy', of: original } : { kind: 'new', head, named: true };
}

/**
 * The digest of a file's first bytes; null for an empty file, or one that cannot be read here (no
 * permission): such a file is known by its own path, and its failure is recorded when it is
 * processed, as any file's. Only the local file is read: storage errors are not caught.
 */
async function headKey(source: LogSource, ref: LogFileRef): Promise<string | null> {
  let head: Buffer;
  try {
    head = await source.read(ref, 0, HEAD_BYTES);
  } catch {
    return null;
  }
  return head.length === 0 ? null : digestOf(head);
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
