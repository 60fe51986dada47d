import { oneLine } from './printable.js';
import { stoppedNote } from './stoppedNote.js';

/**
 * What a command says when its output cannot be written for a reason other than a reader that
 * stopped early (a full disk, a quota, an I/O error: `> /mnt/full/calls.csv`): whatever took the
 * output holds only part of it, which must not pass for the whole view. A command that writes to
 * storage says, as when stopped by a signal, what it kept, unless it had `finished` its work.
 */
export function outputFailedNote(args: readonly string[], error: Error, finished = false): string {
  const reason = oneLine(error.message);
  const stopped = finished ? undefined : stoppedNote(args, `a failed write of its output (${reason})`);
  return stopped ?? `its output could not be written (${reason}): what was written of it is incomplete`;
}
