import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/cli/commands/serve.js';
import { azuriteConnectionString } from './storage.js';

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
