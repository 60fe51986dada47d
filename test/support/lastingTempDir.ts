import os from 'node:os';

/** Set by the run's global setup (tempRootGlobalSetup.ts): the system's temporary folder, before the run's own replaced it. */
export const LASTING_VARIABLE = 'ACSLOGS_TEST_LASTING_TMPDIR';

/** Where files kept from run to run on purpose go (a compiled template cache, the reliability figures): the system's temporary folder. */
export function lastingTempDir(): string {
  return process.env[LASTING_VARIABLE] ?? os.tmpdir();
}
