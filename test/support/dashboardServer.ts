import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/cli/commands/serve.js';
import { cli } from './cli.js';
import { azuriteConnectionString, uniquePrefix } from './storage.js';

/** Debian's chromium, or the one CHROMIUM_PATH names: the dashboard's browser tests drive it. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

/** `acs-logs serve` on a free loopback port over the tables of `prefix`, through `connectionString` (the tests' Azurite by default). */
export function serveTables(prefix: string, work: string, connectionString = azuriteConnectionString()): Promise<RunningServer> {
  return startServer({ connectionString, tablePrefix: prefix, dataDir: path.join(work, 'unused'), port: 0, host: '127.0.0.1' }, process.stderr);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** `acs-logs process` of `logs` into new tables of the tests' Azurite, served over loopback, and a Chromium to read them. */
export async function serveProcessedLogs(logs: string, work: string): Promise<{ server: RunningServer; browser: Browser }> {
  const prefix = uniquePrefix();
  const processed = await cli(['process', logs, '--quiet', '--connection-string', azuriteConnectionString(), '--table-prefix', prefix]);
  if (processed.code !== 0) throw new Error(`process exited ${processed.code}: ${processed.stderr}`);
  return { server: await serveTables(prefix, work), browser: await launchChromium() };
}

/** Closes what a browser test file opened, whichever of it was opened before a failure, and removes its folder. */
export async function closeAll(browser: Browser | undefined, server: RunningServer | undefined, work: string | undefined): Promise<void> {
  await browser?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
}
