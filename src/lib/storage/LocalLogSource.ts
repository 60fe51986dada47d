import type { Dirent } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ListedLogFile, LogFileRef, LogFileStat, LogSource } from './LogSource.js';
import { LOCAL_CONTAINER } from './fileName.js';

export { LOCAL_CONTAINER };

/**
 * Local files standing in for blobs. A file laid out as in storage
 * (`.../insights-logs-<category>/resourceId=.../PT1H.json`) keeps its container and blob path, so it
 * is the same file to the checkpoints as the blob it was downloaded from; any other file is named by
 * its absolute path in the container `local` (or, when it is a copy, by the path of the file it copies).
 */
export class LocalLogSource implements LogSource {
  private readonly locations = new Map<string, string>();
  /** Laid-out paths read as files of their own, in the container `local` (readApart). */
  private readonly apart = new Set<string>();

  /** `blobs`: the account the laid-out files were downloaded from, when the command was given one. */
  constructor(
    readonly usage = { bytesRead: 0, reads: 0, stats: 0, listPages: 0 },
    private readonly blobs?: LogSource,
  ) {}

  /** Maps a local path to its file reference and remembers where it lives. */
  register(localPath: string): LogFileRef {
    const ref = this.refOf(localPath);
    this.locations.set(`${ref.container}/${ref.path}`, path.resolve(localPath));
    return ref;
  }

  /** The file reference `register` would give a local path, remembering nothing. */
  refOf(localPath: string): LogFileRef {
    const absolute = path.resolve(localPath);
    return this.apart.has(absolute) ? { container: LOCAL_CONTAINER, path: absolute } : refForLocalPath(absolute);
  }

  /** Reads a laid-out file under its absolute path, as a file outside a tree: it is not the blob its path names. */
  readApart(localPath: string): void {
    this.apart.add(path.resolve(localPath));
  }

  /** Reads `ref` from `localPath`: a copy read under the name of the file it copies. */
  registerAs(ref: LogFileRef, localPath: string): void {
    this.locations.set(`${ref.container}/${ref.path}`, path.resolve(localPath));
  }

  /** Whether `file` was registered from a local path. */
  knows(file: LogFileRef): boolean {
    return this.locations.has(`${file.container}/${file.path}`);
  }

  locationOf(file: LogFileRef): string | undefined {
    return this.locations.get(`${file.container}/${file.path}`) ?? (file.container === LOCAL_CONTAINER ? file.path : undefined);
  }

  blobOf(file: LogFileRef): LogSource | undefined {
    return file.container === LOCAL_CONTAINER ? undefined : this.blobs;
  }

  copyAt(file: LogFileRef, location: string): LocalLogSource {
    const copy = new LocalLogSource(this.usage, this.blobs);
    copy.registerAs(file, location);
    return copy;
  }

  private locate(file: LogFileRef): string {
    const location = this.locations.get(`${file.container}/${file.path}`);
    if (location) return location;
    if (file.container === LOCAL_CONTAINER) return file.path;
    throw new Error(`unknown local file ${file.container}/${file.path}`);
  }

  async stat(file: LogFileRef): Promise<LogFileStat | null> {
    this.usage.stats++;
    try {
      const info = await stat(this.locate(file));
      return {
        length: info.size,
        // The change time too: a rewrite in place that keeps the size and sets the old mtime back (`cp -p`) changes it.
        etag: `${info.ino}-${info.size}-${info.mtimeMs}-${info.ctimeMs}`,
        createdOn: info.birthtimeMs > 0 ? Math.floor(info.birthtimeMs) : null,
        lastModified: Math.floor(info.mtimeMs),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async read(file: LogFileRef, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    this.usage.reads++;
    const release = await openFileSlot();
    try {
      return await this.readOpen(file, start, end);
    } finally {
      release();
    }
  }

  private async readOpen(file: LogFileRef, start: number, end: number): Promise<Buffer> {
    const handle = await openRetrying(this.locate(file));
    try {
      const buffer = Buffer.allocUnsafe(end - start);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      this.usage.bytesRead += filled;
      return filled === buffer.length ? buffer : buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  /** Lists the registered files of a container (local files are named explicitly, not discovered here). */
  async *list(container: string, prefix = ''): AsyncIterable<ListedLogFile> {
    for (const key of this.locations.keys()) {
      const slash = key.indexOf('/');
      const file = { container: key.slice(0, slash), path: key.slice(slash + 1) };
      if (file.container !== container || !file.path.startsWith(prefix)) continue;
      const info = await this.stat(file);
      if (info) yield { file, stat: info };
    }
  }
}

/**
 * Local files open at once, in the whole process: a run reads hundreds of files at a time
 * (`--concurrency`), and a descriptor per read of each would pass a 256-descriptor limit (the
 * default on macOS), failing most files with EMFILE.
 */
const MAX_OPEN_FILES = 32;
let openFiles = 0;
const waitingForSlot: (() => void)[] = [];

async function openFileSlot(): Promise<() => void> {
  if (openFiles >= MAX_OPEN_FILES) await new Promise<void>((resolve) => waitingForSlot.push(resolve));
  else openFiles++;
  return () => {
    const next = waitingForSlot.shift();
    if (next) next();
    else openFiles--;
  };
}

/** Descriptors the process uses elsewhere (sockets to storage) can still run out: wait and try again, for a few seconds. */
async function openRetrying(location: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await open(location, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'EMFILE' && code !== 'ENFILE') || attempt >= OPEN_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
    }
  }
}

const OPEN_ATTEMPTS = 20;

const LAID_OUT = /(?:^|[\\/])(insights-logs-[a-z0-9-]+)[\\/](resourceId=.*)$/i;

/** The name of every blob Azure Monitor writes. */
const BLOB_NAME = 'PT1H.json';
/**
 * A name a browser or file manager gives a second download or copy beside a blob's file:
 * `PT1H (1).json`, `PT1H - Copy.json`, `PT1H copy.json`, `PT1H 2.json`, `pt1h.json`, and with the
 * copy named first (Google Drive, older Windows) `Copy of PT1H.json`, `Copy (2) of PT1H.json`.
 */
const COPY_OF_BLOB = /^(?:copy(?: \(\d+\))? of )?PT1H(?:[^0-9A-Za-z][^\\/]*)?\.json$/i;

export function refForLocalPath(absolutePath: string): LogFileRef {
  const match = LAID_OUT.exec(absolutePath);
  if (match?.[1] && match[2]) {
    const parts = match[2].split(path.sep);
    const name = parts[parts.length - 1] as string;
    // Such a copy is that blob downloaded again: the same file, not a blob of its own counted twice.
    if (COPY_OF_BLOB.test(name)) parts[parts.length - 1] = BLOB_NAME;
    return { container: match[1].toLowerCase(), path: parts.join('/') };
  }
  return { container: LOCAL_CONTAINER, path: absolutePath };
}

/** A folder beneath an input that could not be listed, and why. */
export interface UnreadableFolder {
  path: string;
  error: Error;
}

/**
 * Names a folder's log files can have: Azure Monitor's `PT1H.json` and its copies, JSON Lines exports,
 * and compressed files, read so that their quarantine says to decompress them. Other files beside
 * them (a README, `desktop.ini`, a checksum list) are no logs: read, each would be a bad line.
 */
const LOG_FILE_NAME = /\.(?:json|jsonl|ndjson|gz|zip|zst|xz|bz2)$/i;

/** Whether a file found in a folder is read as a log; a file named on its own always is. */
export function isLogFileName(name: string): boolean {
  return LOG_FILE_NAME.test(name);
}

/** Where an expansion reports what it did not read. */
export interface ExpansionReports {
  /** A folder beneath an input that could not be listed (without it, that throws). */
  unreadable?: (folder: UnreadableFolder) => void;
  /** A file in a folder whose name is not a log file's (`isLogFileName`). */
  skipped?: (file: string) => void;
}

/**
 * Expands files and directories into the files beneath them, sorted, skipping hidden entries and
 * files in folders not named as logs. An input that cannot be read throws; a folder beneath one that
 * cannot be listed is reported (or throws), so that one bad folder does not stop the files beside it.
 */
export async function expandLocalPaths(inputs: readonly string[], reports: ExpansionReports = {}): Promise<string[]> {
  const files: string[] = [];
  // Folders walked, by their real path: a symbolic link back up the tree is not walked again.
  const walked = new Set<string>();
  for (const input of inputs) {
    // path.resolve('') is the working folder: an empty argument (an unset shell variable) reads no folder by accident.
    if (input === '') throw Object.assign(new Error('an empty path names no file or folder'), { code: 'EEMPTY', path: '""' });
    const absolute = path.resolve(input);
    const info = await stat(absolute).catch(async (error: NodeJS.ErrnoException) => {
      // A name typed or pasted that is not UTF-8 reaches Node with U+FFFD: why it is not found, said so.
      if (error.code === 'ENOENT' && absolute.includes('\uFFFD')) await refuseUndecodableName(absolute);
      throw error;
    });
    if (info.isDirectory()) {
      walked.add(await realpath(absolute));
      await walk(absolute, await readdir(absolute, { withFileTypes: true }), reports, files, walked);
    } else if (info.isFile()) files.push(absolute);
    // A FIFO, socket or device would block or never end: it is no log file.
    else throw Object.assign(new Error(`${input} is not a regular file or a folder`), { code: 'ENOTREG', path: input });
  }
  return [...new Set(files)].sort();
}

/**
 * Adds the files beneath `directory` to `files` (one array: spreading a folder's files as arguments
 * overflows the stack past ~100,000). Symbolic links are followed (a download spread over disks),
 * each folder once.
 */
async function walk(directory: string, entries: readonly Dirent[], reports: ExpansionReports, files: string[], walked: Set<string>): Promise<void> {
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(directory, entry.name);
    let kind: 'folder' | 'file' | 'other' = entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : 'other';
    let inner: Dirent[];
    try {
      // A file not named as a log is skipped whatever its name; anything that would be read must open.
      if (entry.name.includes('\uFFFD') && (!entry.isFile() || isLogFileName(entry.name))) await refuseUndecodableName(full);
      if (entry.isSymbolicLink()) {
        const target = await stat(full).catch(async (error: NodeJS.ErrnoException) => {
          // A link whose target is gone (a disk of a download not mounted): said so, not as a permission problem.
          if (error.code !== 'ENOENT') throw error;
          throw Object.assign(new Error(`broken symbolic link: its target ${await readlink(full)} does not exist`), { code: 'EBROKENLINK', path: full });
        });
        kind = target.isDirectory() ? 'folder' : target.isFile() ? 'file' : 'other';
      }
      if (kind === 'file') {
        if (isLogFileName(entry.name)) files.push(full);
        else reports.skipped?.(full);
      }
      // A FIFO, socket or device named as a log would block or never end if read: named, not left unread unseen.
      if (kind === 'other') {
        if (!isLogFileName(entry.name)) reports.skipped?.(full);
        else throw Object.assign(new Error('not a regular file or a folder (a FIFO, socket or device): it is not read'), { code: 'ENOTREG', path: full });
      }
      if (kind !== 'folder') continue;
      const real = await realpath(full);
      if (walked.has(real)) continue;
      walked.add(real);
      inner = await readdir(full, { withFileTypes: true });
    } catch (error) {
      if (reports.unreadable === undefined) throw error;
      reports.unreadable({ path: full, error: error as Error });
      continue;
    }
    await walk(full, inner, reports, files, walked);
  }
}

/**
 * Node decodes a name that is not UTF-8 with U+FFFD in place of its bad bytes, and that name opens
 * nothing (two such files would even read as one): said so, instead of its records going unread unseen.
 */
async function refuseUndecodableName(full: string): Promise<void> {
  const found = await lstat(full).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
  if (!found) {
    const message = 'its name (or a folder above it) is not UTF-8, so it cannot be opened by name: rename it, or name a folder above it';
    throw Object.assign(new Error(message), { code: 'ENOTUTF8', path: full });
  }
}
