import path from 'node:path';
import type { FailedSave } from '../lib/storage/azuriteStreamedSave.js';
import type { SharedAzurite } from '../lib/storage/sharedAzurite.js';
import { oneLine } from './printable.js';

/**
 * What a command does when the embedded store it is attached to stops under it (its Azurite exited,
 * or its host was killed): every request would only retry a store that is gone, for minutes. The
 * CLI's entry (main.ts) ends the process with a message; run in process (tests), nothing is set.
 */
export type StoreStoppedHandler = (dataDir: string) => void;

let handler: StoreStoppedHandler | undefined;

export function onEmbeddedStoreStopped(next: StoreStoppedHandler | undefined): void {
  handler = next;
}

/** Calls the handler if `azurite` stops while this command is attached to it; tells `warnings` of saves that failed. */
export function watchEmbeddedStore(azurite: SharedAzurite, dataDir: string, warnings: NodeJS.WritableStream = process.stderr): void {
  void azurite.stopped.then(() => handler?.(dataDir));
  // A save that failed after an earlier command ended is told to the next one, which can act on it.
  for (const failed of azurite.failedSaves ?? []) warnings.write(`warning: ${oneLine(failedSaveMessage(dataDir, failed))}\n`);
}

export function failedSaveMessage(dataDir: string, failed: FailedSave): string {
  return (
    `the embedded store in ${path.resolve(dataDir)} could not save ${failed.database} at ${failed.at} (${failed.error}): ` +
    'what was written since its previous save was not kept. Nothing is counted twice: processing the same files again redoes it, once the cause (such as a full disk) is fixed.'
  );
}

/** What the command of `args` says when its store stopped under it: what it kept, and whether running it again is right. */
export function storeStoppedMessage(dataDir: string, args: readonly string[]): string {
  const dir = path.resolve(dataDir);
  const stopped = `the embedded store in ${dir} stopped while this command used it (see ${path.join(dir, 'azurite-host.log')}). `;
  // generate appends no checkpoint: the same run again stops at its first blob, and --append writes the kept part twice.
  if (args[0] === 'generate') {
    return (
      stopped +
      'The blobs it wrote stay as far as the store had saved them, part of the logs: the same run again stops at the first of them, and --append would add the written part again; generate into a new --data-dir, or with another --seed or period.'
    );
  }
  if (args[0] === 'demo') return stopped + 'The demo did not finish: run it again (it starts from an empty store each time).';
  return stopped + 'Nothing is counted twice or lost by stopping here (every write is a whole transaction kept with its checkpoint): run the command again.';
}
