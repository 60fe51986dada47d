/**
 * Evaluations of whole views, shared and bounded. A request for a view and filters that are being
 * evaluated waits for that evaluation instead of starting its own, and at most `limit` evaluations
 * run at once (the others queue): a burst of requests (a dashboard open in several tabs, a script in
 * a loop) then costs one evaluation per distinct query, holds the memory of `limit`, and leaves
 * storage free to answer health. Nothing is kept once an evaluation ends: the next request reads
 * the store afresh, so no answer is older than the request.
 */
export class SharedEvaluations<T = readonly object[]> {
  private readonly inFlight = new Map<string, Shared<T>>();
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit = 2) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number > 0, got ${limit}`);
  }

  /** Evaluations running or queued now (for tests). */
  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * The rows of the query `key`: the evaluation in flight for it, or `evaluate` run in its turn.
   * `signal` aborts when the asker has gone (a closed connection). An evaluation whose askers have
   * all gone is not run if its turn has not come, and is stopped if it has: the signal it was given
   * aborts with an AbandonedError, and a request for the same query after that starts afresh. An
   * asker without a signal never goes.
   */
  evaluate(key: string, evaluate: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const entry: Shared<T> = this.inFlight.get(key) ?? { askers: 0, stop: new AbortController(), promise: undefined };
    if (signal?.aborted !== true) {
      entry.askers++;
      signal?.addEventListener('abort', () => --entry.askers === 0 && this.abandon(key, entry), { once: true });
    }
    if (entry.promise === undefined) {
      // Counted before its turn is asked for: a free slot runs it at once.
      entry.promise = this.inTurn(() =>
        entry.askers > 0 && !entry.stop.signal.aborted ? evaluate(entry.stop.signal) : Promise.reject(new AbandonedError(`nobody waits for ${key} any more`)),
      ).finally(() => this.inFlight.get(key) === entry && this.inFlight.delete(key));
      this.inFlight.set(key, entry);
    }
    return entry.promise;
  }

  /** Stops `entry`, and lets a later request for `key` start its own evaluation instead of sharing a stopped one. */
  private abandon(key: string, entry: Shared<T>): void {
    if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
    entry.stop.abort(new AbandonedError(`nobody waits for ${key} any more`));
  }

  private async inTurn(run: () => Promise<T>): Promise<T> {
    // A slot that frees is handed to the first in the queue, so `running` counts it all along.
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await run();
    } finally {
      const next = this.queue.shift();
      if (next !== undefined) next();
      else this.running--;
    }
  }
}

interface Shared<T> {
  /** Askers still waiting for the rows (an aborted signal takes one away). */
  askers: number;
  /** Aborted once no asker is left: the running evaluation's reads stop. */
  stop: AbortController;
  /** Set as soon as the first asker is counted. */
  promise: Promise<T> | undefined;
}

/** The evaluation was not run, or was stopped: everyone who asked for it had gone. */
export class AbandonedError extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'AbandonedError';
  }
}
