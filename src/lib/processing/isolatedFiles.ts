import { classifyError, type ClassifiedError } from '../storage/errors.js';
import { fileKey, type LogFileRef } from '../storage/LogSource.js';
import { fileName } from '../storage/fileName.js';
import { DEFAULT_FILE_BACKOFF, FileFailureStore, nextFailure, type FileBackoff, type FileFailure } from './fileFailures.js';
import { processFile, type FileRunResult, type ProcessDeps, type ProcessOptions } from './processFile.js';

export type IsolatedRun =
  | { kind: 'done'; result: FileRunResult }
  /** `recorded` is false when the failure could not be written down either (storage away): `recordError` says why. */
  | { kind: 'failed'; failure: FileFailure; recorded: true }
  | { kind: 'failed'; failure: FileFailure; recorded: false; recordError: ClassifiedError }
  /** The file failed before and its next retry is not due yet. */
  | { kind: 'backingOff'; failure: FileFailure }
  /** Storage failed the file's read after a stop was asked for, which gives up retries: nothing is recorded, the next run reads it. */
  | { kind: 'stopped' };

export interface IsolatedOptions extends ProcessOptions {
  /** Leave files whose retry is not due alone (the timer and watch); an explicit run tries them anyway. */
  respectBackoff: boolean;
}

/**
 * Runs files one at a time in isolation: a file whose processing throws is recorded (error, count,
 * times, next retry) and the caller goes on with the others; a file that reads again is cleared.
 * Only a configuration error (which no other file could escape either) is thrown.
 */
export class IsolatedFiles {
  private constructor(
    private readonly deps: ProcessDeps,
    private readonly store: FileFailureStore,
    private readonly known: Map<string, FileFailure>,
    private readonly backoff: FileBackoff,
    /** False when the recorded failures could not be read: a failing file's own row is read before it is recorded again. */
    private readonly loaded: boolean,
  ) {}

  /** Reads the recorded failures of `containers` once (usually none), so that runs cost no read per file. */
  static async load(deps: ProcessDeps, containers: readonly string[], backoff: FileBackoff = DEFAULT_FILE_BACKOFF): Promise<IsolatedFiles> {
    const store = new FileFailureStore(deps.tables);
    const known = new Map<string, FileFailure>();
    for (const container of new Set(containers)) {
      for await (const failure of store.list(container)) known.set(fileKey(failure), failure);
    }
    return new IsolatedFiles(deps, store, known, backoff, true);
  }

  /** No failures known (they could not be read): files run, nothing is held back. */
  static none(deps: ProcessDeps, backoff: FileBackoff = DEFAULT_FILE_BACKOFF): IsolatedFiles {
    return new IsolatedFiles(deps, new FileFailureStore(deps.tables), new Map(), backoff, false);
  }

  /** Every failed file known, due or not. */
  failing(): LogFileRef[] {
    return [...this.known.values()].map(({ container, path }) => ({ container, path }));
  }

  /** Failed files whose retry is due: the tail reads them whether or not they have a checkpoint. */
  due(now: number): LogFileRef[] {
    return [...this.known.values()].filter((failure) => Date.parse(failure.nextRetryAt) <= now).map(({ container, path }) => ({ container, path }));
  }

  async run(file: LogFileRef, options: IsolatedOptions): Promise<IsolatedRun> {
    const now = this.deps.now ?? Date.now;
    const key = fileKey(file);
    const previous = this.known.get(key);
    if (previous && options.respectBackoff && Date.parse(previous.nextRetryAt) > now()) return { kind: 'backingOff', failure: previous };
    let result: FileRunResult;
    try {
      result = await processFile(file, this.deps, options);
    } catch (error) {
      // Its retries were cut by the stop: the file did not fail, storage was not waited for.
      if (options.stop?.aborted === true && classifyError(error).kind === 'transient') {
        this.deps.logger.info('stopped while storage was retried for the file; the next run reads it', { file: fileName(file) });
        return { kind: 'stopped' };
      }
      return this.failed(file, previous, error);
    }
    if (previous) {
      this.known.delete(key);
      // A file deleted since it failed (a lifecycle policy) reads as missing: it is gone, not mended.
      if (result.status === 'missing')
        this.deps.logger.info('failing file is gone; no longer listed as stuck', { file: fileName(file), failuresBefore: previous.failures });
      else this.deps.logger.info('file reads again', { file: fileName(file), failuresBefore: previous.failures });
      try {
        await this.store.clear(file);
      } catch (error) {
        // The file was processed; a row left behind is cleared by its next clean run.
        const why = classifyError(error);
        if (why.kind === 'configuration') throw error;
        this.deps.logger.warn('could not clear the record of an earlier failure', { file: fileName(file), error: why.message });
      }
    }
    return { kind: 'done', result };
  }

  /** The file's failure as recorded, when the list of failures could not be read at the start (its count goes on, not back to 1). */
  private async recordedFailure(file: LogFileRef): Promise<FileFailure | undefined> {
    try {
      return await this.store.get(file);
    } catch (error) {
      const why = classifyError(error);
      if (why.kind === 'configuration') throw error;
      this.deps.logger.warn('could not read the earlier failures of the file; counted from 1', { file: fileName(file), error: why.message });
      return undefined;
    }
  }

  private async failed(file: LogFileRef, previous: FileFailure | undefined, error: unknown): Promise<IsolatedRun> {
    const classified = classifyError(error);
    if (classified.kind === 'configuration') throw error;
    const now = this.deps.now ?? Date.now;
    const recorded = previous ?? (this.loaded ? undefined : await this.recordedFailure(file));
    const failure = nextFailure(file, recorded, classified, now(), this.backoff);
    this.known.set(fileKey(file), failure);
    this.deps.logger.warn(
      classified.kind === 'transient'
        ? 'storage unavailable while reading the file; it is retried on the next run'
        : 'file failed; the others go on, it is retried later',
      {
        file: fileName(file),
        error: classified.message,
        failures: failure.failures,
        nextRetryAt: failure.nextRetryAt,
      },
    );
    try {
      await this.store.put(failure);
      return { kind: 'failed', failure, recorded: true };
    } catch (recordError) {
      const why = classifyError(recordError);
      if (why.kind === 'configuration') throw recordError;
      this.deps.logger.warn('could not record the failure; the file is retried when next seen', { file: fileName(file), error: why.message });
      return { kind: 'failed', failure, recorded: false, recordError: why };
    }
  }
}
