import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { compiledModule, databaseBytes, startAllowanceMs, stopAllowanceMs } from './azurite.js';
import { azuriteNamedIn } from './azuriteParent.js';
import { failedSaves, type FailedSave } from './azuriteStreamedSave.js';
import {
  azuriteLocation,
  LOST_RACE_EXIT,
  lockPath,
  processAlive,
  processMatches,
  readLock,
  realDataDir,
  removeLockIf,
  startFailureReason,
  type EmbeddedLock,
} from './embeddedLock.js';
import { makeDirectory } from '../makeDirectory.js';
import { ConfigurationError } from './errors.js';

export interface SharedAzurite {
  connectionString: string;
  /** Ends this process's registration; the host stops Azurite when no client is left. */
  detach(): void;
  /**
   * Settles when the host ended while this process was still attached (its Azurite exited, or it
   * was killed): the connection string points at nothing any more. Never settles after detach().
   */
  stopped: Promise<void>;
  /** Saves of the store that failed, as recorded when this process attached (before a new save could clear them). */
  failedSaves?: FailedSave[];
}

const POLL_MS = 100;
/** A lock its host never finished writing is abandoned after this long. */
const UNREADABLE_LOCK_MS = 10_000;

/** Makes the data dir (and its parents), or says why it cannot be one. */
export function makeDataDir(named: string): void {
  try {
    makeDirectory(named);
  } catch (error) {
    // No file can be processed without it: the run ends with this, not with a failure per file.
    throw new ConfigurationError(
      `${error instanceof Error ? error.message : String(error)}; the embedded store keeps its lock, log and data in --data-dir: give one that can be written, or a --connection-string`,
    );
  }
}

/**
 * The embedded Azurite of `dataDir`, shared by every command on that dir: attaches to the running
 * one, or starts its host when there is none. A lock whose host is dead is stale: its orphaned
 * Azurite is stopped (and saves its data) before a new one starts on the same files.
 */
export async function attachAzurite(named: string, options: AttachOptions = {}): Promise<SharedAzurite> {
  makeDataDir(named);
  const dataDir = realDataDir(named);
  const location = azuriteLocation(dataDir);
  const failed = failedSaves(location);
  // A host's own start (its Azurite's, longer for larger databases) and then some.
  const deadline = Date.now() + (options.timeoutMs ?? ATTACH_MARGIN_MS + startAllowanceMs(location));
  // Only a large database makes a start slow enough to explain (a busy machine alone may take seconds).
  const bytes = databaseBytes(location);
  const slow = bytes >= SLOW_START_BYTES ? setTimeout(() => options.onSlowStart?.(slowStartMessage(dataDir, bytes)), SLOW_START_MS) : undefined;
  slow?.unref();
  try {
    return Object.assign(await attachBy(dataDir, deadline), { failedSaves: failed });
  } finally {
    clearTimeout(slow);
  }
}

export interface AttachOptions {
  /** Default: long enough for Azurite to read the databases it has. */
  timeoutMs?: number;
  /** Told once, when the store is not attached after a few seconds and its databases are large (Azurite reading them). */
  onSlowStart?: (message: string) => void;
}

/** What an attachment may take beyond Azurite's own start (the host's start, a host stopping first). */
const ATTACH_MARGIN_MS = 60_000;
const SLOW_START_MS = 3_000;
/** Databases this large take seconds to read (about 45 ms per MB). */
const SLOW_START_BYTES = 100e6;

export function slowStartMessage(dataDir: string, bytes: number): string {
  return `waiting for the embedded store in ${path.resolve(dataDir)}: Azurite reads its ${Math.round(bytes / 1e6)} MB of data whole before it answers (10-30 s per GB)`;
}

async function attachBy(dataDir: string, deadline: number): Promise<Omit<SharedAzurite, 'failedSaves'>> {
  let hostFailure: Promise<string> | undefined;
  let waitingFor = 'the embedded Azurite to start';
  while (Date.now() < deadline) {
    const read = await readLock(dataDir);
    if (read.kind === 'missing') {
      hostFailure ??= startHost(dataDir);
    } else if (read.kind === 'unreadable') {
      if (read.ageMs > UNREADABLE_LOCK_MS) await removeLockIf(dataDir, read.raw);
    } else if (!isHost(read.lock.pid, dataDir)) {
      await stopOrphan(read.lock, dataDir);
      await removeLockIf(dataDir, read.raw);
    } else if (read.lock.state === 'ready' && read.lock.controlPort) {
      const attached = await register(read.lock.controlPort);
      if (attached) return attached;
      const pid = read.lock.pid;
      // Its process is there but takes no command: stopped (Ctrl-Z, SIGSTOP) or hung; only the user can tell which.
      waitingFor = `the embedded Azurite of pid ${pid} to answer or stop: it runs but takes no command; if it was stopped (Ctrl-Z, SIGSTOP), continue it (kill -CONT ${pid}), if it hangs, end it (kill ${pid}; Azurite saves first), then run the command again`;
    }
    const failure = await Promise.race([hostFailure ?? sleep(POLL_MS), sleep(POLL_MS)]);
    if (failure) throw new Error(failure);
    if (failure === '') hostFailure = undefined;
  }
  throw new Error(`timed out waiting for ${waitingFor} (${path.resolve(dataDir, 'azurite.lock')}; log in ${hostLog(dataDir)})`);
}

/**
 * Whether the embedded store of `dataDir` has never started: no host holds the dir and Azurite never
 * made its folder there, so the store holds nothing until a host starts it.
 */
export function neverStarted(named: string): boolean {
  const dataDir = realDataDir(named);
  return !existsSync(lockPath(dataDir)) && !existsSync(azuriteLocation(dataDir));
}

/**
 * The pid of the host holding `dataDir`'s store, if one still does after `waitMs` (a host whose last
 * command just ended stops within a few seconds); for a command that must have the dir alone.
 */
export async function embeddedInUse(named: string, waitMs = 0): Promise<number | undefined> {
  const dataDir = realDataDir(named);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const read = await readLock(dataDir);
    const pid = read.kind === 'lock' && isHost(read.lock.pid, dataDir) ? read.lock.pid : undefined;
    if (pid === undefined || Date.now() >= deadline) return pid;
    await sleep(POLL_MS);
  }
}

function isHost(pid: number, dataDir: string): boolean {
  return processMatches(pid, ['azuriteHost.js', path.resolve(dataDir)]);
}

/** Errors of a data dir that cannot be written in, whatever is tried again. */
const UNWRITABLE_CODES = new Set(['EROFS', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ENOSPC', 'EDQUOT']);

/** Spawns a detached host; resolves to '' when it lost the race to another host, to a reason when it failed. */
async function startHost(dataDir: string): Promise<string> {
  // Run from the TypeScript sources (in-process tests), the host is still the compiled script.
  let hostScript: string;
  try {
    hostScript = compiledModule('azuriteHost.js');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (!existsSync(hostScript)) return `the embedded Azurite host ${hostScript} is missing: build the CLI first`;
  let log;
  try {
    log = await open(hostLog(dataDir), 'a');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    // Only what the data dir itself refuses; a passing shortage (EMFILE) stays the error it is.
    if (!UNWRITABLE_CODES.has(code)) throw error;
    throw new ConfigurationError(
      `cannot write in the data dir ${dataDir} (${code}): the embedded store keeps its lock, log and data there: give a --data-dir that can be written, or a --connection-string`,
    );
  }
  // The log keeps earlier hosts' lines: only what this host writes tells why it ended.
  const logStart = (await log.stat()).size;
  const child = spawn(process.execPath, [hostScript, path.resolve(dataDir), String(process.pid)], { detached: true, stdio: ['ignore', log.fd, log.fd] });
  await log.close();
  child.unref();
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', () => resolve({ code: 1, signal: null }));
    child.once('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
  });
  if (code === LOST_RACE_EXIT) return '';
  // A host that served and then stopped (its clients left) is no failure of this start.
  if (code === 0) return '';
  const tail = (await linesFrom(hostLog(dataDir), logStart)).trim().split('\n').at(-1) || `no message in ${hostLog(dataDir)}`;
  const reason = startFailureReason(tail, azuriteLocation(dataDir));
  return `the embedded Azurite did not start (${signal ? `its host was killed by ${signal}` : `exit ${code}`}): ${reason}`;
}

/** What `file` holds from byte `start` on: only that is read, however long the file grew before. */
async function linesFrom(file: string, start: number): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    // Removed meanwhile: there is no message to quote.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.alloc(Math.max(0, size - start));
    await handle.read(bytes, 0, bytes.length, start);
    return bytes.toString('utf8');
  } finally {
    await handle.close();
  }
}

function hostLog(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'azurite-host.log');
}

/** Connects to the host's control port and reads its greeting; undefined when it does not answer. */
function register(port: number): Promise<SharedAzurite | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const fail = (): void => {
      socket.destroy();
      resolve(undefined);
    };
    socket.setTimeout(10_000, fail);
    socket.once('error', fail);
    socket.once('close', fail);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const end = received.indexOf('\n');
      if (end < 0) return;
      socket.setTimeout(0);
      socket.removeAllListeners('data');
      socket.off('close', fail);
      socket.off('error', fail);
      socket.on('error', () => {});
      // The registration must not keep a finished command alive.
      socket.unref();
      const { connectionString } = JSON.parse(received.slice(0, end)) as { connectionString: string };
      let detached = false;
      // The host closes its clients' connections only as it ends (it ends when none is left otherwise).
      const stopped = new Promise<void>((settle) => socket.once('close', () => detached || settle()));
      resolve({
        connectionString,
        stopped,
        detach: () => {
          detached = true;
          socket.destroy();
        },
      });
    });
  });
}

/**
 * Stops the Azurite a dead host left behind, letting it save (SIGTERM) before it is killed: the one
 * its lock names, or, when the host died before naming it, the one that named itself in its folder.
 */
async function stopOrphan(lock: EmbeddedLock, dataDir: string): Promise<void> {
  // A lock copied with a data dir names the original's Azurite: that one is not this dir's to stop.
  if (path.resolve(lock.location) !== azuriteLocation(dataDir)) return;
  const pid = lock.azuritePid ?? azuriteNamedIn(lock.location);
  if (pid === undefined || !processMatches(pid, ['azurite.js', lock.location])) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + stopAllowanceMs(lock.location);
  while (processAlive(pid) && Date.now() < deadline) await sleep(POLL_MS);
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  while (processAlive(pid)) await sleep(POLL_MS);
}

function sleep(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}
