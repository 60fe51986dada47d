import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compilerFlagsToSet } from '../v8Flags.js';
import { AZURITE_PARENT_VARIABLE } from './azuriteParent.js';
import { AZURITE_REQUEST_COSTS_SETTING, AZURITE_TABLE_INDEX_SETTING } from './azuriteSettingNames.js';

/** Azurite's fixed development account (public, documented; not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  connectionString: string;
  blobPort: number;
  tablePort: number;
  /** Process id of the Azurite process. */
  pid: number;
  /** Settles with Azurite's exit code when its process ends, stopped or not. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Keep data in this folder; in memory when absent. */
  location?: string;
  /** How long a stop waits for Azurite to save and exit before killing it (default 5 s); a function is asked as the stop begins. */
  stopTimeoutMs?: number | (() => number);
  /** Told Azurite's pid as soon as it is spawned, before it listens. */
  onSpawn?: (pid: number) => Promise<void>;
  /** Azurite's own sorted indexes instead of the hash index (azuriteTableIndex.ts), to compare them. */
  plainIndexes?: boolean;
  /** Azurite's own request handling, without the costs azuriteRequestCosts.ts removes, to compare answers. */
  plainRequests?: boolean;
}

/** How long Azurite keeps an idle connection open: longer than a pause between a run's writes. */
const KEEP_ALIVE_SECONDS = 300;

/** How long Azurite may take to listen on all three services, its databases aside. */
const LISTEN_TIMEOUT_MS = 30_000;

/**
 * What reading its databases may add: Azurite reads them whole before it listens. Measured about
 * 45 ms per MB on two busy cores (a 952 MB table database in 43 s); twice that is allowed.
 */
const LOAD_MS_PER_MB = 100;

/** A database that Azurite reads whole at start (`__azurite_db_table__.json` and the like). */
const DATABASE_FILE = /^__azurite_db_[a-z_]+__\.json$/;

/** The bytes of the databases Azurite reads at start in `location`; 0 for none. */
export function databaseBytes(location: string): number {
  let bytes = 0;
  let names: string[];
  try {
    names = readdirSync(location);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!DATABASE_FILE.test(name)) continue;
    try {
      bytes += statSync(path.join(location, name)).size;
    } catch {
      // Replaced by a save just then: the next look counts it.
    }
  }
  return bytes;
}

/** How long a host waits for another command once the last one left. */
const IDLE_MS = 1000;
/** A start this slow (Azurite reading large databases) is not paid again by a command soon after, */
const SLOW_START_MS = 10_000;
/** within this long. */
const MAX_IDLE_MS = 300_000;

/**
 * How long the host of an Azurite that took `startMs` to start waits, once its last command left,
 * before it stops it: a second, or twice a slow start (at most 5 minutes).
 */
export function idleAfterStart(startMs: number): number {
  return startMs >= SLOW_START_MS ? Math.min(MAX_IDLE_MS, 2 * startMs) : IDLE_MS;
}

/**
 * What stopping a store and starting it again costs the next command, per MB of its databases: the
 * save as it stops and the read as it starts (a 977 MB store: about 25 s and 11 s).
 */
const RESTART_MS_PER_MB = 37;

/** What the next command would wait for if the store on `location` stopped now and started again for it. */
export function restartMs(location: string): number {
  return Math.ceil((databaseBytes(location) / 1e6) * RESTART_MS_PER_MB);
}

/** How long Azurite on `location` may take to listen: longer for larger databases (a data dir of months). */
export function startAllowanceMs(location: string | undefined): number {
  return LISTEN_TIMEOUT_MS + (location === undefined ? 0 : Math.ceil((databaseBytes(location) / 1e6) * LOAD_MS_PER_MB));
}

/**
 * What saving its databases may take as it stops: a close while a save is written waits for that one
 * and then saves what was written meanwhile (a 977 MB table database took 25 s a save on two busy
 * cores; 60 s cut such a second save). A minute and 100 ms per MB are allowed (that store: 158 s, six
 * of its saves), asked as the stop begins, when the store has grown to its size.
 */
const SAVE_MS_PER_MB = 100;
const STOP_MS = 60_000;

/** How long a stop of Azurite on `location` waits for it to save and exit before killing it. */
export function stopAllowanceMs(location: string): number {
  return STOP_MS + Math.ceil((databaseBytes(location) / 1e6) * SAVE_MS_PER_MB);
}

/** The line Azurite prints (even with `--silent`) once a service listens, with the port the system gave it. */
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at \S*:(\d+)/;

/**
 * Starts Azurite (blob, queue, table) as a child process on loopback ports the system gives it (port
 * 0), read from the lines it prints once each service listens: a port picked free beforehand could be
 * taken by another process (another Azurite starting at the same time) before Azurite binds it.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const entry = resolveAzuriteEntry();
  // On disk, Azurite would rewrite its whole database every 5 s; it saves at the end (and once a minute) instead.
  // Its tables get hash indexes, so a write does not cost in proportion to the table (azuriteTableIndex.ts).
  const preload = ['--import', pathToFileURL(compiledModule('azuritePreload.js')).href];
  const args = [
    // Azurite too spends much of a run compiling (v8Flags.ts).
    ...compilerFlagsToSet([]),
    ...preload,
    entry,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    '0',
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    '0',
    // Azurite closes a connection idle for 5 s; a busy client may send on it just then (ECONNRESET).
    '--blobKeepAliveTimeout',
    String(KEEP_ALIVE_SECONDS),
    '--tableKeepAliveTimeout',
    String(KEEP_ALIVE_SECONDS),
    '--skipApiVersionCheck',
    '--disableProductStyleUrl',
    '--disableTelemetry',
    '--silent',
    '--loose',
  ];
  if (options.location) args.push('--location', options.location);
  else args.push('--inMemoryPersistence');

  const env: NodeJS.ProcessEnv = { ...process.env, [AZURITE_PARENT_VARIABLE]: String(process.pid) };
  if (options.plainIndexes) env[AZURITE_TABLE_INDEX_SETTING] = '0';
  if (options.plainRequests) env[AZURITE_REQUEST_COSTS_SETTING] = '0';
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const ports = listeningPorts(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // However this process ends (an exit on EPIPE, an uncaught error), it takes its Azurite with it.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  try {
    if (child.pid !== undefined) await options.onSpawn?.(child.pid);
    let timer: NodeJS.Timeout | undefined;
    const {
      Blob: blobPort,
      Table: tablePort,
      Queue: queuePort,
    } = await Promise.race([
      ports,
      exited.then((code) => {
        // Killed by a signal (someone stopped it as it started), it exits with no code and says nothing.
        const how = child.signalCode ? `was killed by ${child.signalCode}` : `exited with code ${code}`;
        const reason = exitReason(stderr);
        throw new Error(`Azurite ${how} before listening${reason ? `: ${reason}` : ''}`);
      }),
      new Promise<never>((_, reject) => {
        const allowance = startAllowanceMs(options.location);
        timer = setTimeout(() => reject(new Error(`Azurite did not listen within ${allowance} ms`)), allowance);
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
    return instance(child, exited, options, blobPort, queuePort, tablePort);
  } catch (error) {
    await stopChild(child, exited, options.stopTimeoutMs);
    throw error;
  }
}

function instance(
  child: ChildProcess,
  exited: Promise<number | null>,
  options: AzuriteOptions,
  blobPort: number,
  queuePort: number,
  tablePort: number,
): AzuriteInstance {
  const host = 'http://127.0.0.1';
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `BlobEndpoint=${host}:${blobPort}/${DEV_ACCOUNT};QueueEndpoint=${host}:${queuePort}/${DEV_ACCOUNT};` +
      `TableEndpoint=${host}:${tablePort}/${DEV_ACCOUNT};`,
    blobPort,
    tablePort,
    pid: child.pid ?? 0,
    exited,
    stop: () => stopChild(child, exited, options.stopTimeoutMs),
  };
}

/** True when the optional `azurite` package is installed. */
export function azuriteAvailable(): boolean {
  try {
    resolveAzuriteEntry();
    return true;
  } catch {
    return false;
  }
}

/** A module of this folder as Node can load it: from the TypeScript sources (tests), its compiled copy under dist/. */
export function compiledModule(name: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (import.meta.url.endsWith('.js')) return path.join(here, name);
  const root = path.resolve(here, '../../..');
  const compiled = path.join(root, 'dist', path.relative(root, here), name);
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run npm run build first`);
  return compiled;
}

/** The script Azurite runs from (its `dist/src/azurite.js`). */
export function resolveAzuriteEntry(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('azurite/package.json');
  return path.join(path.dirname(packageJson), 'dist', 'src', 'azurite.js');
}

/** Stops `child` with SIGTERM, and SIGKILL once `timeoutMs` (asked now, when a function) has passed. */
export async function stopChild(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number | (() => number) = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // On SIGTERM Azurite closes its LokiJS databases, which saves them; SIGKILL loses the last seconds of writes.
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), typeof timeoutMs === 'function' ? timeoutMs() : timeoutMs);
  await exited;
  clearTimeout(timer);
}

type Service = 'Blob' | 'Queue' | 'Table';

/**
 * The ports of Azurite's three services, from the lines it prints as each listens. Its output is
 * read to the end either way (a pipe left unread would stop it once full).
 */
export function listeningPorts(child: ChildProcess): Promise<Record<Service, number>> {
  return new Promise((resolve) => {
    const ports: Partial<Record<Service, number>> = {};
    let pending = '';
    let found = false;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      if (found) return;
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = LISTENING.exec(line);
        if (match) ports[match[1] as Service] = Number(match[2]);
      }
      if (ports.Blob !== undefined && ports.Queue !== undefined && ports.Table !== undefined) {
        found = true;
        resolve(ports as Record<Service, number>);
      }
      // A line Azurite never ends is not kept whole.
      if (pending.length > 4096) pending = '';
    });
  });
}

/**
 * What Azurite's error output says went wrong, on one line: Node prints the failing source line and a
 * caret before the error and its stack after it, so neither the output's start nor its end says why.
 */
export function exitReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const error = lines.find((line) => /^[A-Za-z]*Error\b/.test(line));
  return (error ?? lines.join(' ')).slice(0, 500);
}
