import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The variables os.tmpdir() reads (TMPDIR on POSIX, TEMP and TMP on Windows). */
const TEMP_VARIABLES = ['TMPDIR', 'TEMP', 'TMP'] as const;

let root: string | undefined;
let before: Partial<Record<(typeof TEMP_VARIABLES)[number], string>> = {};

/**
 * Every temporary folder of a run (the tests' own, the commands they start, Chromium's profiles) is
 * made inside one folder that the run removes at its end: test workers and their children inherit it
 * through the environment. So runs do not pile up in the system's temporary folder.
 */
export async function setup(): Promise<void> {
  if (root !== undefined) return;
  root = await mkdtemp(path.join(os.tmpdir(), 'acs-logs-test-'));
  before = Object.fromEntries(TEMP_VARIABLES.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
  for (const name of TEMP_VARIABLES) process.env[name] = root;
}

export async function teardown(): Promise<void> {
  if (root === undefined) return;
  const made = root;
  root = undefined;
  for (const name of TEMP_VARIABLES) {
    const value = before[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await rm(made, { recursive: true, force: true, maxRetries: 3 });
}
