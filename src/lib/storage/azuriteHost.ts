/**
 * The host of a data dir's embedded Azurite, run detached by `attachAzurite`: it owns the lock,
 * runs Azurite on the dir's files, and counts its clients by their open connections to its control
 * port (a client that dies, even by SIGKILL, closes its connection). When none is left for a while
 * (`idleMs`), it stops Azurite (which saves its databases), removes the lock and exits.
 * Usage: node azuriteHost.js <data dir> <pid of the command that starts it>
 */
import { open } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { idleAfterStart, restartMs, startAzurite, stopAllowanceMs, type AzuriteInstance } from './azurite.js';
import {
  LOST_RACE_EXIT,
  processAlive,
  azuriteLocation,
  lockPath,
  readLock,
  removeLockIf,
  startFailureLine,
  writeLock,
  type EmbeddedLock,
} from './embeddedLock.js';
import { makeDirectory } from '../makeDirectory.js';
/** Until its first client connects, the host checks this often that the command that started it still runs. */
const STARTER_CHECK_MS = 500;

const dataDir = process.argv[2];
const starterPid = Number(process.argv[3]);
if (!dataDir || !Number.isInteger(starterPid)) {
  process.stderr.write('usage: azuriteHost.js <data dir> <starter pid>\n');
  process.exit(2);
}
const location = azuriteLocation(dataDir);

try {
  const handle = await open(lockPath(dataDir), 'wx');
  await handle.writeFile(JSON.stringify({ pid: process.pid, state: 'starting', location } satisfies EmbeddedLock));
  await handle.close();
} catch (error) {
  if ((error as NodeJS.ErrnoException).code === 'EEXIST') process.exit(LOST_RACE_EXIT);
  throw error;
}

let azurite: AzuriteInstance | undefined;
let server: Server | undefined;
let closing = false;
const clients = new Set<Socket>();
let idleTimer: NodeJS.Timeout | undefined;
let starterCheck: NodeJS.Timeout | undefined;
let idleMs = idleAfterStart(0);

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));

try {
  makeDirectory(location);
  // The lock names Azurite from its start, so that a host killed while it starts leaves no unknown orphan.
  const onSpawn = (azuritePid: number): Promise<void> => writeLock(dataDir, { pid: process.pid, state: 'starting', location, azuritePid });
  const startedAt = Date.now();
  azurite = await startAzurite({ location, stopTimeoutMs: () => stopAllowanceMs(location), onSpawn });
  idleMs = idleAfterStart(Date.now() - startedAt);
  const ready = azurite;
  // An Azurite that ends on its own (killed, out of memory) takes the host with it: the lock goes, so
  // the next command starts a new one on the saved files instead of being handed this one's ports.
  void ready.exited.then((code) => {
    if (closing) return;
    process.stderr.write(`${new Date().toISOString()} embedded Azurite in ${location} exited (code ${code}); the host stops\n`);
    void shutdown(1);
  });
  server = createServer((socket) => {
    if (closing) return void socket.destroy();
    clients.add(socket);
    clearTimeout(idleTimer);
    clearInterval(starterCheck);
    socket.on('error', () => {});
    socket.once('close', () => {
      clients.delete(socket);
      // A store that grew large while it ran (a first `process` of months of logs) stays up as a slow start does.
      if (clients.size === 0) idleTimer = setTimeout(() => void shutdown(0), Math.max(idleMs, idleAfterStart(restartMs(location))));
    });
    socket.write(JSON.stringify({ connectionString: ready.connectionString }) + '\n');
  });
  const listening = server;
  const controlPort = await new Promise<number>((resolve, reject) => {
    listening.once('error', reject);
    listening.listen(0, '127.0.0.1', () => {
      const address = listening.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  await writeLock(dataDir, { pid: process.pid, state: 'ready', location, azuritePid: ready.pid, controlPort, connectionString: ready.connectionString });
  // A starter killed before it connected would otherwise leave the host waiting for nobody.
  starterCheck = setInterval(() => {
    if (clients.size === 0 && !processAlive(starterPid)) void shutdown(0);
  }, STARTER_CHECK_MS);
} catch (error) {
  process.stderr.write(`${startFailureLine(location, error instanceof Error ? error.message : String(error))}\n`);
  await shutdown(1);
}

async function shutdown(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  clearTimeout(idleTimer);
  clearInterval(starterCheck);
  server?.close();
  for (const socket of clients) socket.destroy();
  // Azurite first, lock last: a new host never opens the files while this Azurite may still save them.
  await azurite?.stop();
  const current = await readLock(dataDir as string);
  if (current.kind === 'lock' && current.lock.pid === process.pid) await removeLockIf(dataDir as string, current.raw);
  process.exit(code);
}
