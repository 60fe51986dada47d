import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Azurite's fixed development account (public, documented; not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  connectionString: string;
  blobPort: number;
  tablePort: number;
  /** Process id of the Azurite process. */
  pid: number;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Keep data in this folder; in memory when absent. */
  location?: string;
  /** How long a stop waits for Azurite to save and exit before killing it (default 5 s). */
  stopTimeoutMs?: number;
  /** Told Azurite's pid as soon as it is spawned, before it listens. */
  onSpawn?: (pid: number) => Promise<void>;
  /** Azurite's own sorted indexes instead of the hash index (azuriteTableIndex.ts), to compare them. */
  plainIndexes?: boolean;
}

/** How long Azurite keeps an idle connection open: longer than a pause between a run's writes. */
const KEEP_ALIVE_SECONDS = 300;

/** Starts Azurite (blob, queue, table) as a child process on free loopback ports. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const entry = resolveAzuriteEntry();
  const [blobPort, queuePort, tablePort] = await Promise.all([freePort(), freePort(), freePort()]);
  // On disk, Azurite would rewrite its whole database every 5 s; it saves at the end (and once a minute) instead.
  // Its tables get hash indexes, so a write does not cost in proportion to the table (azuriteTableIndex.ts).
  const preload = ['--import', pathToFileURL(compiledModule('azuritePreload.js')).href];
  const args = [
    ...preload,
    entry,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(blobPort),
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    String(queuePort),
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    String(tablePort),
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

  const env = options.plainIndexes ? { ...process.env, ACS_LOGS_AZURITE_TABLE_INDEX: '0' } : process.env;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
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
    await Promise.race([
      Promise.all([waitForPort(blobPort), waitForPort(queuePort), waitForPort(tablePort)]),
      exited.then((code) => {
        throw new Error(`Azurite exited with code ${code} before listening: ${stderr.trim().slice(0, 500)}`);
      }),
    ]);
  } catch (error) {
    await stopChild(child, exited, options.stopTimeoutMs);
    throw error;
  }

  const host = 'http://127.0.0.1';
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `BlobEndpoint=${host}:${blobPort}/${DEV_ACCOUNT};QueueEndpoint=${host}:${queuePort}/${DEV_ACCOUNT};` +
      `TableEndpoint=${host}:${tablePort}/${DEV_ACCOUNT};`,
    blobPort,
    tablePort,
    pid: child.pid ?? 0,
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

async function stopChild(child: ChildProcess, exited: Promise<number | null>, timeoutMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // On SIGTERM Azurite closes its LokiJS databases, which saves them; SIGKILL loses the last seconds of writes.
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Azurite did not listen on port ${port} within ${timeoutMs} ms`);
}
