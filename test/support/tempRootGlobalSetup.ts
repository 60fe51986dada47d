import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LASTING_VARIABLE } from './lastingTempDir.js';

/** The variables os.tmpdir() reads (TMPDIR on POSIX, TEMP and TMP on Windows). */
const TEMP_VARIABLES = ['TMPDIR', 'TEMP', 'TMP'] as const;

/** Set while a run's folder exists: each test project loads this module anew, and only the first makes the folder. */
const ROOT_VARIABLE = 'ACSLOGS_TEST_TEMP_ROOT';

let root: string | undefined;
let before: Partial<Record<(typeof TEMP_VARIABLES)[number], string>> = {};

/**
 * Every temporary folder of a run (the tests' own, the commands they start, Chromium's profiles) is
 * made inside one folder that the run removes at its end: test workers and their children inherit it
 * through the environment. So runs do not pile up in the system's temporary folder. Its name stays
 * short: Chromium's socket path inside it must fit a Unix socket's 108 bytes.
 */
export async function setup(): Promise<void> {
  if (process.env[ROOT_VARIABLE] !== undefined) return;
  process.env[LASTING_VARIABLE] ??= os.tmpdir();
  root = await mkdtemp(path.join(os.tmpdir(), 'acs-t-'));
  before = Object.fromEntries(TEMP_VARIABLES.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
  for (const name of TEMP_VARIABLES) process.env[name] = root;
  process.env[ROOT_VARIABLE] = root;
}

export async function teardown(): Promise<void> {
  if (root === undefined) return;
  const made = root;
  root = undefined;
  delete process.env[ROOT_VARIABLE];
  for (const name of TEMP_VARIABLES) {
    const value = before[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await rm(made, { recursive: true, force: true, maxRetries: 3 });
}
