import type { AddressInfo } from 'node:net';
import { dashboardPage } from '../../lib/http/dashboardPage.js';
import { LOCAL_CONTAINER } from '../../lib/storage/LocalLogSource.js';
import { ExitStatus } from '../errors.js';
import { createApiServer, isLoopbackAddress } from '../httpServer.js';
import { lineLogger } from '../lineLogger.js';
import { oneLine } from '../printable.js';
import { containersFrom } from '../containers.js';
import { cliSettings } from '../settings.js';
import { openStorage, type StorageFlags } from '../storageSession.js';
import { PagedSnapshots } from '../../lib/http/pagedSnapshots.js';
import { SharedEvaluations } from '../../lib/http/sharedEvaluations.js';
import { StorageOutage } from '../../lib/http/storageOutage.js';
import type { Health } from '../../lib/querying/queryRows.js';

export interface ServeFlags extends StorageFlags {
  port: number;
  host: string;
  container?: string[];
}

export interface RunningServer {
  /** The dashboard's address on this machine, e.g. `http://127.0.0.1:7071/` (also when it listens on every address). */
  url: string;
  /** The address it listens on, e.g. `http://0.0.0.0:7071/`. */
  listening: string;
  /** The store it serves, as the other commands name it (`the embedded store in ./.acs-logs (...)`). */
  where: string;
  /** Whether it listens on a loopback address only (127.0.0.1, ::1), unreachable from other machines. */
  loopbackOnly: boolean;
  close(): Promise<void>;
}

/**
 * Opens the storage and listens: the HTTP API and the dashboard, answered by the handlers the
 * Functions app uses. `close` stops listening, ends open connections, stops the reads of answers in
 * flight (each within the request it has sent) and releases the storage.
 */
export async function startServer(flags: ServeFlags, err: NodeJS.WritableStream): Promise<RunningServer> {
  const settings = cliSettings(flags);
  const storage = await openStorage(flags, settings.tablePrefix);
  const logger = lineLogger(err, err);
  // As `acs-logs health`: the log containers, and `local` for single files given to `process`.
  const given = flags.container ?? [];
  const containers = given.length > 0 ? given : [...containersFrom(undefined, settings), LOCAL_CONTAINER];
  const outage = new StorageOutage();
  const { server, stopAnswers } = createApiServer(
    {
      query: { tables: () => storage.tables, logger, evaluations: new SharedEvaluations(), snapshots: new PagedSnapshots(), outage },
      health: {
        open: () => ({ tables: storage.tables, containers }),
        logger,
        outage,
        evaluations: new SharedEvaluations<Health>(1),
        onlyContainers: given.length > 0,
      },
      page: () => dashboardPage(),
    },
    flags.host,
    logger,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(flags.port, flags.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await storage.close();
    throw listenFailure(error, flags);
  }
  const address = server.address() as AddressInfo;
  const urlOf = (ip: string): string => `http://${address.family === 'IPv6' ? `[${ip}]` : ip}:${address.port}/`;
  // 0.0.0.0 and :: name every address, and no browser opens them as one: this machine's loopback does.
  const local = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return {
    url: urlOf(local),
    listening: urlOf(address.address),
    where: storage.where,
    loopbackOnly: isLoopbackAddress(address.address),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      // Queries still reading would otherwise meet the store closed, and retry for seconds before failing.
      await stopAnswers();
      await closed;
      await storage.close();
    },
  };
}

function listenFailure(error: unknown, flags: ServeFlags): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${flags.host}:${flags.port}`;
  if (code === 'EADDRINUSE') return new ExitStatus(`cannot listen on ${where}: the port is in use; choose another with --port`, 1);
  if (code === 'EACCES') return new ExitStatus(`cannot listen on ${where}: permission denied; choose a port above 1023 with --port`, 1);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ExitStatus(`cannot listen on ${where}: ${flags.host} is not an address of this machine; use --host 127.0.0.1 or 0.0.0.0`, 1);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** `acs-logs serve`: serves until Ctrl-C or SIGTERM, then closes cleanly (the embedded Azurite is released). */
export async function serveCommand(flags: ServeFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const server = await startServer(flags, err);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let onSignal = (): void => {};
  const stopped = new Promise<void>((resolve) => (onSignal = resolve));
  for (const signal of signals) process.once(signal, onSignal);
  out.write(
    oneLine(`serving tables ${cliSettings(flags).tablePrefix}* of ${server.where}`) +
      `\ndashboard: ${server.url}\nAPI: ${server.url}api/query/{view}, ${server.url}api/health\nCtrl-C to stop\n`,
  );
  if (!server.loopbackOnly) {
    err.write(
      `note: listening on ${server.listening} beyond this machine: serve has no key, so anyone who can reach it reads the aggregates; keep --host 127.0.0.1 unless everyone on that network may\n`,
    );
  }
  try {
    await stopped;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    await server.close();
  }
  out.write('stopped\n');
}
