import { classifyError } from '../lib/storage/errors.js';
import type { TransientNotice } from '../lib/storage/TableStore.js';
import { oneLine } from './printable.js';

const QUIET_MS = 5_000;

/** Says on `err` that storage is not answering and requests are being retried: one line per few seconds, not one per attempt. */
export function storageNotices(err: NodeJS.WritableStream, now: () => number = Date.now): TransientNotice {
  let lastAt = Number.NEGATIVE_INFINITY;
  return (error) => {
    if (now() - lastAt < QUIET_MS) return;
    lastAt = now();
    err.write(`warning: ${oneLine(classifyError(error).message)}; retrying\n`);
  };
}
