/**
 * Loaded with `node --import` into the embedded Azurite process (see azuritePreload.ts). LokiJS saves
 * a database as one JSON string, and V8 cannot make a string past 512 MiB: the embedded store of a
 * busy account (about 100,000 hourly files) died at every save from then on, and each run's writes
 * were lost with it. This adapter writes the database a document per line instead, from small
 * strings, to a file beside it that replaces it only once whole (as LokiJS's own file adapter does),
 * and reads both that form and the single JSON text of earlier saves. A failed save is told: to the
 * caller, and in a file beside the database (`<db>.save-failed`) that the next command reports. A
 * database whose folder was removed or replaced since it was opened is not saved there.
 */
import { createReadStream, fstatSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** First line of a database saved by this adapter; LokiJS's own saves start with `{"filename":`. */
export const STREAMED_HEADER = '{"acsLogsStreamedLoki":1';

/** Text gathered into one buffer before it is written: many small strings, never one huge one. */
const CHUNK_CHARS = 8 * 1024 * 1024;

interface LokiCollectionLike {
  data: unknown[];
}

interface LokiLike {
  collections: LokiCollectionLike[];
  serialize: (options: { serializationMethod: 'normal' }) => string;
}

/** What the adapter needs of the LokiJS database it saves. */
export interface SavedDatabase {
  filename?: string;
  saveDatabase?: (callback: (error?: unknown) => void) => void;
  collections: { dirty: boolean }[];
  autosaveDirty: (this: SavedDatabase) => boolean;
  autosaveClearFlags: (this: SavedDatabase) => void;
  close: (this: SavedDatabase, ...args: unknown[]) => unknown;
}

interface SerializedLoki {
  collections: { data: unknown[] }[];
}

type LoadCallback = (result: string | SerializedLoki | Error | null) => void;

/** Where a failed save of `dbname` is recorded until a save of it succeeds. */
export function saveFailedPath(dbname: string): string {
  return `${dbname}.save-failed`;
}

/** The databases adapters of this process save, by file: a table save has the blob databases beside it saved first. */
const servedDatabases = new Map<string, SavedDatabase>();

/** The table database, and those listing the blobs and their extents, which it must never be ahead of. */
const TABLE_DATABASE = '__azurite_db_table__.json';
const BLOB_DATABASES = ['__azurite_db_blob__.json', '__azurite_db_blob_extent__.json'];

/**
 * For the table database `dbname`, once it is serialized: saves the blob databases beside it, taken
 * after it, before its file is written. Azurite saves each database on its own timer, the tables
 * last, so a store killed between two saves came back with checkpoints past bytes of a blob it no
 * longer had, which a later read took for a replaced blob and counted again. So on disk the blobs
 * are never older than the checkpoints: at worst newer, which a read goes on from.
 */
async function blobDatabasesSaved(dbname: string): Promise<void> {
  if (path.basename(dbname) !== TABLE_DATABASE) return;
  for (const name of BLOB_DATABASES) {
    const db = servedDatabases.get(path.join(path.dirname(dbname), name));
    const saveDatabase = db?.saveDatabase;
    if (db === undefined || saveDatabase === undefined) continue;
    await new Promise<void>((resolve, reject) => {
      saveDatabase.call(db, (error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()));
    });
  }
}

/** A LokiJS "reference" adapter: LokiJS hands it a copy of the database (documents shared, taken at once). */
export class StreamedFileAdapter {
  readonly mode = 'reference';
  /** The database saved (serve). */
  private owner: SavedDatabase | undefined;
  /** A save is being written: to a close, the store counts as changed until it is on disk. */
  private writing = false;
  /** The collections the last save wrote, when it succeeded: nothing newer is unsaved while none is dirty. */
  private savedCollections: number | undefined;
  /** The database is being closed: a save being written then calls for another once it ends. */
  private closing = false;

  /** The folder each database was opened in (openFolder). */
  private readonly folders = new Map<string, OpenedFolder>();

  /**
   * Takes `db` as the database this adapter saves. LokiJS clears a database's dirty flags when a
   * reference save ends, failed or not, so a write made while the save was written (the save holds
   * the store as it was when it began) would never be saved: each save clears the flags itself as it
   * serializes the store, and LokiJS's clearing is turned off, so the collections written meanwhile
   * stay changed (all of them when it failed). (Setting them again after LokiJS cleared them marked
   * the collections of the next save, begun from that callback, as written: an idle store saved
   * again and again.) Until a save ends the store counts as changed to a close, so that a close
   * during the save waits for it rather than exiting while it is written (the save LokiJS then asks
   * for writes nothing when nothing was written since: on a GB, another 25 s); not to the autosave
   * timer, which would otherwise queue a save after every save that outlasts its interval.
   */
  serve(db: SavedDatabase): void {
    this.owner = db;
    if (typeof db.filename === 'string') servedDatabases.set(db.filename, db);
    db.autosaveClearFlags = () => undefined;
    const changed = db.autosaveDirty;
    db.autosaveDirty = () => (this.closing && this.writing) || changed.call(db);
    const close = db.close;
    const closing = (): void => {
      this.closing = true;
    };
    db.close = function (...args: unknown[]) {
      closing();
      return close.apply(this, args);
    };
  }

  /** Notes the folder of `dbname` as it is now: the database belongs there (at its creation, and when it is loaded). */
  opened(dbname: string): void {
    if (this.folders.has(dbname)) return;
    const folder = openFolder(dbname);
    if (folder !== undefined) this.folders.set(dbname, folder);
  }

  loadDatabase(dbname: string, callback: LoadCallback): void {
    this.opened(dbname);
    loadStreamed(dbname).then(callback, (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
  }

  exportDatabase(dbname: string, dbref: LokiLike, callback: (error: Error | null) => void): void {
    // The data dir removed (or moved, or replaced by a new one of the same name) since this store
    // opened it: its state is not written there, where it would become another store's.
    const openedIn = this.folders.get(dbname);
    if (openedIn !== undefined && !openedIn.isStill(dbname)) {
      process.stderr.write(`${new Date().toISOString()} not saving ${dbname}: its folder was removed or replaced since it was opened\n`);
      // Nothing to save it to: not asked again at every autosave.
      for (const collection of this.owner?.collections ?? []) collection.dirty = false;
      callback(null);
      return;
    }
    const collections = this.owner?.collections ?? [];
    if (this.owner !== undefined && this.savedCollections === collections.length && collections.every((collection) => !collection.dirty)) {
      callback(null);
      return;
    }
    this.savedCollections = undefined;
    // Serialized at once, before anything can change a document: the file is one moment of the store.
    let chunks: Buffer[];
    try {
      chunks = serializeInChunks(dbref);
    } catch (error) {
      void this.failed(dbname, error, callback);
      return;
    }
    for (const collection of collections) collection.dirty = false;
    const saving = collections.length;
    this.writing = true;
    blobDatabasesSaved(dbname)
      .then(() => writeWhole(dbname, chunks))
      .then(
        () => {
          this.writing = false;
          this.savedCollections = saving;
          callback(null);
        },
        (error: unknown) => this.failed(dbname, error, callback),
      );
  }

  private async failed(dbname: string, error: unknown, callback: (error: Error | null) => void): Promise<void> {
    await recordFailure(dbname, error);
    this.writing = false;
    for (const collection of this.owner?.collections ?? []) collection.dirty = true;
    callback(error instanceof Error ? error : new Error(String(error)));
  }
}

interface OpenedFolder {
  /** Whether the folder `file` is in now is still the one opened. */
  isStill(file: string): boolean;
}

/**
 * The folder `file` is in, held open: a folder made again in its place is another inode, since the
 * open one cannot be freed and reused. (A birth time is no help: where the system has none it is the
 * change time, which every save's rename moves.) Where a folder cannot be opened (Windows), its
 * device and inode as first seen. Undefined when there is no folder.
 */
function openFolder(file: string): OpenedFolder | undefined {
  const folder = path.dirname(file);
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
  } catch {
    fd = undefined;
  }
  let dev: number;
  let ino: number;
  try {
    ({ dev, ino } = fd === undefined ? statSync(folder) : fstatSync(fd));
  } catch {
    return undefined;
  }
  return {
    isStill: (current) => {
      try {
        const now = statSync(path.dirname(current));
        return now.dev === dev && now.ino === ino;
      } catch {
        return false;
      }
    },
  };
}

/** The header line (how many documents each collection has), the database without documents, then one document per line. */
export function serializeInChunks(db: LokiLike): Buffer[] {
  const documents = db.collections.map((collection) => collection.data);
  let shell: string;
  try {
    for (const collection of db.collections) collection.data = [];
    shell = db.serialize({ serializationMethod: 'normal' });
  } finally {
    db.collections.forEach((collection, i) => (collection.data = documents[i] as unknown[]));
  }
  const chunks: Buffer[] = [];
  let parts: string[] = [`${STREAMED_HEADER},"counts":${JSON.stringify(documents.map((docs) => docs.length))}}\n`, shell, '\n'];
  let chars = 0;
  for (const docs of documents) {
    for (const doc of docs) {
      const line = JSON.stringify(doc) + '\n';
      parts.push(line);
      chars += line.length;
      if (chars >= CHUNK_CHARS) {
        chunks.push(Buffer.from(parts.join(''), 'utf8'));
        parts = [];
        chars = 0;
      }
    }
  }
  chunks.push(Buffer.from(parts.join(''), 'utf8'));
  return chunks;
}

/** The part of a file handle a save uses (a test gives one that writes less than asked). */
export interface SaveHandle {
  write(buffer: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/**
 * Writes beside the database, flushes, then renames over it: a crash mid-save leaves the previous
 * save whole. A write may take fewer bytes than asked (a disk filling up takes what it has room
 * for, and only the next write fails): each chunk is written on until all of it is in, and the file
 * replaces the database only at its full size.
 */
export async function writeWhole(
  dbname: string,
  chunks: readonly Buffer[],
  openFile: (file: string) => Promise<SaveHandle> = (file) => open(file, 'w'),
): Promise<void> {
  const saving = `${dbname}~`;
  try {
    const handle = await openFile(saving);
    try {
      let total = 0;
      for (const chunk of chunks) {
        for (let at = 0; at < chunk.length;) {
          const { bytesWritten } = await handle.write(chunk, at, chunk.length - at);
          if (bytesWritten <= 0) throw new Error(`${saving}: the disk took no more bytes (${total + at} of the save written)`);
          at += bytesWritten;
        }
        total += chunk.length;
      }
      await handle.datasync();
      const { size } = await handle.stat();
      if (size !== total) throw new Error(`${saving}: ${size} bytes on disk where ${total} were written`);
    } finally {
      await handle.close();
    }
    await rename(saving, dbname);
  } catch (error) {
    // A part written to a full disk would keep it full.
    await rm(saving, { force: true }).catch(() => undefined);
    throw error;
  }
  await rm(saveFailedPath(dbname), { force: true });
}

export interface FailedSave {
  database: string;
  at: string;
  error: string;
}

/** Saves recorded as failed in an Azurite location: when, and why. */
export function failedSaves(location: string): FailedSave[] {
  let names: string[];
  try {
    names = readdirSync(location).filter((name) => name.endsWith('.save-failed'));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      const { at, error } = JSON.parse(readFileSync(path.join(location, name), 'utf8')) as { at: string; error: string };
      return [{ database: name.slice(0, -'.save-failed'.length), at: String(at), error: String(error) }];
    } catch {
      return [{ database: name.slice(0, -'.save-failed'.length), at: 'an unknown time', error: 'unreadable record' }];
    }
  });
}

async function recordFailure(dbname: string, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${new Date().toISOString()} saving ${dbname} failed: ${message}\n`);
  // Best effort, on a disk that may be full: the save's own error still goes to its caller and above.
  await writeFile(saveFailedPath(dbname), JSON.stringify({ at: new Date().toISOString(), error: message }) + '\n').catch(() => undefined);
}

/** Reads either form; null when there is no file (a new database). */
export async function loadStreamed(dbname: string): Promise<string | SerializedLoki | null> {
  let head: Buffer;
  try {
    const handle = await open(dbname, 'r');
    try {
      head = Buffer.alloc(STREAMED_HEADER.length);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  // Saved by LokiJS itself: one JSON text, which was under V8's string limit when it was written.
  if (head.toString('utf8') !== STREAMED_HEADER) return readFile(dbname, 'utf8');

  let counts: number[] | undefined;
  let db: SerializedLoki | undefined;
  let collection = 0;
  let lines = 0;
  const take = (line: Buffer): void => {
    if (counts === undefined) {
      counts = (JSON.parse(line.toString('utf8')) as { counts: number[] }).counts;
      return;
    }
    if (db === undefined) {
      db = JSON.parse(line.toString('utf8')) as SerializedLoki;
      if (db.collections.length !== counts.length) throw new Error(`${dbname}: ${db.collections.length} collections, ${counts.length} counts`);
      return;
    }
    while (collection < counts.length && (db.collections[collection] as { data: unknown[] }).data.length >= (counts[collection] as number)) collection++;
    if (collection >= counts.length) throw new Error(`${dbname}: more documents than its header counts`);
    (db.collections[collection] as { data: unknown[] }).data.push(JSON.parse(line.toString('utf8')));
    lines++;
  };
  let rest: Buffer = Buffer.alloc(0);
  for await (const piece of createReadStream(dbname) as AsyncIterable<Buffer>) {
    const data = rest.length > 0 ? Buffer.concat([rest, piece]) : piece;
    let from = 0;
    for (let newline = data.indexOf(0x0a, from); newline !== -1; newline = data.indexOf(0x0a, from)) {
      take(data.subarray(from, newline));
      from = newline + 1;
    }
    rest = Buffer.from(data.subarray(from));
  }
  if (rest.length > 0 || db === undefined || counts === undefined) throw new Error(`${dbname}: the file ends inside a save`);
  const expected = counts.reduce((sum, count) => sum + count, 0);
  if (lines !== expected) throw new Error(`${dbname}: ${lines} documents where its header counts ${expected}`);
  return db;
}

interface LokiPrototype {
  configureOptions: (this: unknown, options: Record<string, unknown> | undefined, initialConfig: boolean) => unknown;
}

/** Makes every LokiJS database the Azurite at `azuriteEntry` saves to a file use this adapter. */
export function installStreamedSave(azuriteEntry: string): void {
  const require = createRequire(azuriteEntry);
  const loki = require(require.resolve('lokijs')) as { prototype: LokiPrototype };
  const configure = loki.prototype.configureOptions;
  loki.prototype.configureOptions = function (options, initialConfig) {
    if (options?.['persistenceMethod'] !== 'fs') return configure.call(this, options, initialConfig);
    const { persistenceMethod: _fs, ...rest } = options;
    const adapter = new StreamedFileAdapter();
    adapter.serve(this as SavedDatabase);
    // A new database is never loaded (Azurite loads only a file that exists): its folder is noted as it is made.
    const { filename } = this as { filename?: unknown };
    if (typeof filename === 'string') adapter.opened(filename);
    return configure.call(this, { ...rest, adapter }, initialConfig);
  };
}
