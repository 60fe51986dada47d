import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * Connections to storage open at once, per process and endpoint (tables and blobs each): a run has
 * hundreds of files in flight, and a socket per request of each would pass a 256-descriptor limit
 * (the default on macOS), failing most files with EMFILE. Requests beyond them wait for a
 * connection; one store (Azurite, or one partition server) gains nothing from more.
 */
export const MAX_STORAGE_SOCKETS = 64;

/**
 * How long an idle connection is kept. Given any, Node also closes an idle connection a second before
 * the server says it will (`Keep-Alive: timeout=5`, Azurite's default): without one, a request sent
 * on a connection the server was closing failed with ECONNRESET and was retried, dozens of times a run.
 * Only idle connections close: a request waiting for its answer is not cut.
 */
const IDLE_CONNECTION_MS = 60_000;

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: MAX_STORAGE_SOCKETS, timeout: IDLE_CONNECTION_MS });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: MAX_STORAGE_SOCKETS, timeout: IDLE_CONNECTION_MS });

/** The agent every storage request of the process goes through, by the URL's scheme. */
export function storageAgentFor(url: string): HttpAgent {
  return url.startsWith('https:') ? httpsAgent : httpAgent;
}
