import { z } from 'zod';
import type { ClassifiedError } from '../storage/errors.js';
import { encodeKeyPart, encodeLongPathKeyPart } from '../storage/keys.js';
import type { LogFileRef } from '../storage/LogSource.js';
import { odata, type TableStore } from '../storage/TableStore.js';
import { parseStoredRow } from '../storage/storedRows.js';

/** Files whose processing threw: one row per file (partition = container, row = path), gone once it reads again. */
export const FAILURES_TABLE = 'FileFailures';

/** A file-failure row (partition = container, row = path). */
export const fileFailureRowSchema = z.object({
  container: z.string(),
  path: z.string(),
  /** Failures in a row since the file last read cleanly. */
  failures: z.number().int().positive(),
  lastError: z.string(),
  lastErrorCode: z.string(),
  /** `transient` when storage was unreachable (retried at once), else `failure` (retried with backoff). */
  lastErrorKind: z.enum(['transient', 'failure']),
  firstFailedAt: z.string(),
  lastFailedAt: z.string(),
  /** Runs leave the file alone until then. */
  nextRetryAt: z.string(),
});

export type FileFailure = z.output<typeof fileFailureRowSchema>;

/** Exponential backoff of a failing file: base, 2 x base, 4 x base ... up to max. */
export interface FileBackoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_FILE_BACKOFF: FileBackoff = Object.freeze({ baseMs: 60_000, maxMs: 60 * 60_000 });

export function retryDelayMs(failures: number, backoff: FileBackoff): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
}

/** The failure after `previous` (if any) failed once more with `error` at `now`. */
export function nextFailure(file: LogFileRef, previous: FileFailure | undefined, error: ClassifiedError, now: number, backoff: FileBackoff): FileFailure {
  const failures = (previous?.failures ?? 0) + 1;
  const at = new Date(now).toISOString();
  // Storage being away is not the file's fault: it is tried again on the next run, not held back.
  const transient = error.kind === 'transient';
  return {
    container: file.container,
    path: file.path,
    failures,
    lastError: error.message,
    lastErrorCode: error.code,
    lastErrorKind: transient ? 'transient' : 'failure',
    firstFailedAt: previous?.firstFailedAt ?? at,
    lastFailedAt: at,
    nextRetryAt: new Date(transient ? now : now + retryDelayMs(failures, backoff)).toISOString(),
  };
}

export class FileFailureStore {
  constructor(private readonly tables: TableStore) {}

  async *list(container?: string): AsyncGenerator<FileFailure> {
    const filter = container === undefined ? undefined : odata`PartitionKey eq ${encodeKeyPart(container)}`;
    for await (const row of this.tables.query(FAILURES_TABLE, filter)) yield parseStoredRow(fileFailureRowSchema, FAILURES_TABLE, row);
  }

  /** The recorded failure of one file, if any. */
  async get(file: LogFileRef): Promise<FileFailure | undefined> {
    const row = await this.tables.getRow(FAILURES_TABLE, encodeKeyPart(file.container), encodeLongPathKeyPart(file.path));
    return row === undefined ? undefined : parseStoredRow(fileFailureRowSchema, FAILURES_TABLE, row);
  }

  async put(failure: FileFailure): Promise<void> {
    await this.tables.ensureTable(FAILURES_TABLE);
    await this.tables.upsert(FAILURES_TABLE, encodeKeyPart(failure.container), encodeLongPathKeyPart(failure.path), { ...failure });
  }

  async clear(file: LogFileRef): Promise<void> {
    await this.tables.ensureTable(FAILURES_TABLE);
    await this.tables.deleteRow(FAILURES_TABLE, encodeKeyPart(file.container), encodeLongPathKeyPart(file.path));
  }
}
