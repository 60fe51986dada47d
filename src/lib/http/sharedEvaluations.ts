/**
 * Evaluations of whole views, shared and bounded. A request for a view and filters that are being
 * evaluated waits for that evaluation instead of starting its own, and at most `limit` evaluations
 * run at once (the others queue): a burst of requests (a dashboard open in several tabs, a script in
 * a loop) then costs one evaluation per distinct query, holds the memory of `limit`, and leaves
 * storage free to answer health. Nothing is kept once an evaluation ends: the next request reads
 * the store afresh, so no answer is older than the request.
 */
export class SharedEvaluations {
  private readonly inFlight = new Map<string, Shared>();
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
   * `signal` aborts when the asker has gone (a closed connection): an evaluation whose askers have all
   * gone by its turn is not run, so abandoned requests do not hold up the queue.
   */
  evaluate(key: string, evaluate: () => Promise<readonly object[]>, signal?: AbortSignal): Promise<readonly object[]> {
    const known = this.inFlight.get(key);
    const entry: Shared = known ?? { askers: 0, promise: undefined };
    if (signal?.aborted !== true) {
      entry.askers++;
      signal?.addEventListener('abort', () => entry.askers--, { once: true });
    }
    if (entry.promise === undefined) {
      // Counted before its turn is asked for: a free slot runs it at once.
      entry.promise = this.inTurn(() => (entry.askers > 0 ? evaluate() : Promise.reject(new AbandonedError(key)))).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, entry);
    }
    return entry.promise;
  }

  private async inTurn<T>(run: () => Promise<T>): Promise<T> {
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

interface Shared {
  /** Askers still waiting for the rows (an aborted signal takes one away). */
  askers: number;
  /** Set as soon as the first asker is counted. */
  promise: Promise<readonly object[]> | undefined;
}

/** The evaluation was not run: everyone who asked for it had gone. */
export class AbandonedError extends Error {
  constructor(key: string) {
    super(`nobody waits for ${key} any more`);
    this.name = 'AbandonedError';
  }
}
