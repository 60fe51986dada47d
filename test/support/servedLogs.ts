import path from 'node:path';
import type { Writable } from 'node:stream';
import { expect } from 'vitest';
import { startServer, type RunningServer } from '../../src/cli/commands/serve.js';
import { cli } from './cli.js';
import { azuriteConnectionString, uniquePrefix } from './storage.js';

/** Logs made by `generate` with `generateArgs` in `work`, processed into new tables of the tests' Azurite, and `acs-logs serve` over them on a free loopback port. */
export async function serveGeneratedLogs(work: string, generateArgs: readonly string[], errors: Writable): Promise<RunningServer> {
  const prefix = uniquePrefix();
  const tree = path.join(work, 'tree');
  expect((await cli(['generate', '--out', tree, ...generateArgs])).code).toBe(0);
  expect((await cli(['process', tree, '--quiet', '--connection-string', azuriteConnectionString(), '--table-prefix', prefix])).code).toBe(0);
  return startServer(
    { connectionString: azuriteConnectionString(), tablePrefix: prefix, dataDir: path.join(work, 'unused'), port: 0, host: '127.0.0.1' },
    errors,
  );
}
