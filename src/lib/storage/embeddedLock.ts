import { readFileSync, realpathSync } from 'node:fs';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The lock file of an embedded Azurite: `<data dir>/azurite.lock`. Its host creates it with
 * `open(..., 'wx')` (so only one host per data dir), writes `starting`, then `ready` with how to reach it.
 */
export interface EmbeddedLock {
  /** The host process: it runs Azurite and ends it when its last client is gone. */
  pid: number;
  state: 'starting' | 'ready';
  /** Azurite's own folder (`<data dir>/azurite`). */
  location: string;
  azuritePid?: number;
  /** Loopback port where clients register: a client is registered while its connection is open. */
  controlPort?: number;
  connectionString?: string;
}

/** Exit code of a host that found another host's lock: its starter attaches to that one instead. */
export const LOST_RACE_EXIT = 3;

export type LockRead = { kind: 'missing' } | { kind: 'unreadable'; raw: string; ageMs: number } | { kind: 'lock'; raw: string; lock: EmbeddedLock };

/**
 * The data dir as one path whichever way it is named (through a symbolic link, `..`, a relative
 * path): commands on one dir must find its one host, or two Azurites would save the same files and
 * the last save would drop the other's writes. A dir that does not exist yet is its resolved path.
 */
export function realDataDir(dataDir: string): string {
  const resolved = path.resolve(dataDir);
  try {
    return realpathSync(resolved);
  } catch {
    return resolved;
  }
}

export function lockPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'azurite.lock');
}

export function azuriteLocation(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'azurite');
}

export async function readLock(dataDir: string): Promise<LockRead> {
  const file = lockPath(dataDir);
  let raw: string;
  let ageMs: number;
  try {
    raw = await readFile(file, 'utf8');
    ageMs = Date.now() - (await stat(file)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  try {
    const lock = JSON.parse(raw) as EmbeddedLock;
    if (typeof lock.pid === 'number' && (lock.state === 'starting' || lock.state === 'ready')) return { kind: 'lock', raw, lock };
  } catch {
    // A host that has just created the file has not written it yet.
  }
  return { kind: 'unreadable', raw, ageMs };
}

/** Replaces the lock's content in one step, so readers never see half of it. */
export async function writeLock(dataDir: string, lock: EmbeddedLock): Promise<void> {
  const temporary = `${lockPath(dataDir)}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(lock));
  await rename(temporary, lockPath(dataDir));
}

/**
 * Removes the lock only while it still holds `raw`: it is moved aside first, and put back when it
 * turns out to be another host's newer lock.
 */
export async function removeLockIf(dataDir: string, raw: string): Promise<void> {
  const file = lockPath(dataDir);
  const aside = `${file}.${process.pid}.removed`;
  // A newer host's lock is left in place: moved aside even for a moment, a host starting then creates its own over it.
  const current = await readLock(dataDir);
  if (current.kind === 'missing' || current.raw !== raw) return;
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((await readFile(aside, 'utf8')) !== raw) {
    await link(aside, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  await unlink(aside);
}

/** True while `pid` runs (a zombie, dead but not yet reaped, does not count). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)?.startsWith('Z') !== true;
  } catch {
    return procAvailable() ? false : true;
  }
}

/**
 * True when `pid` is alive and its command line contains every one of `marks` (where /proc exists;
 * elsewhere a live pid is trusted): a recycled pid is not taken for the host or its Azurite.
 */
export function processMatches(pid: number, marks: readonly string[]): boolean {
  if (!processAlive(pid)) return false;
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' || !procAvailable();
  }
  return marks.every((mark) => argv.some((arg) => arg === mark || arg.endsWith(mark)));
}

function procAvailable(): boolean {
  try {
    readFileSync('/proc/self/cmdline');
    return true;
  } catch {
    return false;
  }
}

/** What the host logs when its Azurite does not start (azuriteHost.ts); its starter reads the reason back (startFailureReason). */
export function startFailureLine(location: string, reason: string, at: Date = new Date()): string {
  return `${at.toISOString()}${startFailurePrefix(location)}${reason}`;
}

/**
 * The reason a host's start-failure line gives, without its time and this data dir's Azurite folder
 * (a path in the reason names the folder again, and the message is shown whole); a line of another
 * shape as it is.
 */
export function startFailureReason(line: string, location: string): string {
  const prefix = startFailurePrefix(location);
  const at = line.indexOf(prefix);
  return at >= 0 ? line.slice(at + prefix.length) : line;
}

function startFailurePrefix(location: string): string {
  return ` embedded Azurite in ${location} did not start: `;
}
