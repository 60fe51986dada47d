import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * Connections to storage open at once, per process and endpoint (tables and blobs each): a run has
 * hundreds of files in flight, and a socket per request of each would pass a 256-descriptor limit
 * (the default on macOS), failing most files with EMFILE. Requests beyond them wait for a
 * connection; one store (Azurite, or one partition server) gains nothing from more.
 */
export const MAX_STORAGE_SOCKETS = 64;

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: MAX_STORAGE_SOCKETS });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: MAX_STORAGE_SOCKETS });

/** The agent every storage request of the process goes through, by the URL's scheme. */
export function storageAgentFor(url: string): HttpAgent {
  return url.startsWith('https:') ? httpsAgent : httpAgent;
}
