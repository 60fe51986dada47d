/**
 * Loaded first into the embedded Azurite process (azuritePreload.ts), before Azurite opens anything.
 * A host killed between spawning Azurite and naming it in its lock would leave an Azurite nobody
 * knows of, and the next command would start a second one on the same files (the first saving its
 * stale databases over the second's when it ends). So Azurite names itself in its folder first
 * (`azurite.pid`, which the next command reads when the lock does not name it), then exits at once
 * if the process that started it is already gone.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeDirectory } from '../makeDirectory.js';

/** The environment variable naming the pid of the process that starts Azurite (azurite.ts). */
export const AZURITE_PARENT_VARIABLE = 'ACS_LOGS_AZURITE_PARENT';

/** The file in Azurite's folder that names the Azurite process working on it. */
export const AZURITE_PID_FILE = 'azurite.pid';

/** Azurite's `--location` among its arguments, if it keeps its data on disk. */
export function locationArgument(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--location');
  return at >= 0 ? argv[at + 1] : undefined;
}

/** Names this Azurite in its folder; returns false (having removed the name) when its starter is gone. */
export function claimLocation(argv: readonly string[], env: NodeJS.ProcessEnv, ppid: number, pid: number): boolean {
  const location = locationArgument(argv);
  const pidFile = location === undefined ? undefined : path.join(location, AZURITE_PID_FILE);
  if (pidFile !== undefined) {
    makeDirectory(path.dirname(pidFile));
    writeFileSync(pidFile, String(pid));
  }
  const parent = Number(env[AZURITE_PARENT_VARIABLE]);
  if (!Number.isInteger(parent) || parent <= 0 || parent === ppid) return true;
  // Only its own name: a new Azurite on the same folder may have written its own since.
  if (pidFile !== undefined && azuriteNamedIn(path.dirname(pidFile)) === pid) rmSync(pidFile, { force: true });
  return false;
}

/** How often an Azurite in memory looks whether the process that started it is still there. */
export const PARENT_CHECK_MS = 1000;

/**
 * The process an Azurite in memory ends with: its starter, when a starter named itself. Its data dies
 * with it anyway, and a starter killed by a signal it does not handle (SIGTERM) runs no exit handler
 * to stop it, so it would run on for nobody. An Azurite on disk outlives its starter on purpose: the
 * next command finds it by its folder.
 */
export function parentToFollow(argv: readonly string[], env: NodeJS.ProcessEnv): number | undefined {
  if (locationArgument(argv) !== undefined) return undefined;
  const parent = Number(env[AZURITE_PARENT_VARIABLE]);
  return Number.isInteger(parent) && parent > 0 ? parent : undefined;
}

/** The pid of the Azurite that named itself in `location`, if one did. */
export function azuriteNamedIn(location: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(location, AZURITE_PID_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
