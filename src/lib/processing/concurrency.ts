/**
 * Bounded concurrency over arrays and async iterables (such as a blob listing, pulled page by page).
 *
 * A pool, not batches: a new item starts as soon as any task ends, so one long task (a big file)
 * does not idle the others. After a task fails, or the iterable does, no further item is pulled or
 * started and the tasks' signal is aborted; the tasks already running are awaited (none is still
 * writing when this returns), the iterable is closed, and the first failure is thrown, once. Later
 * failures of tasks that were in flight are dropped: they are consequences or repeats of the first.
 */

export type PoolTask<T, R> = (item: T, signal: AbortSignal) => Promise<R>;

/** Runs `task` on every item, at most `limit` at a time; returns how many items it ran. */
export async function forEachConcurrently<T>(items: Iterable<T> | AsyncIterable<T>, limit: number, task: PoolTask<T, unknown>): Promise<number> {
  return runPool(items, limit, async (item, _index, signal) => {
    await task(item, signal);
  });
}

/** Like forEachConcurrently, and returns the results in the items' order (not the order they finished in). */
export async function mapConcurrently<T, R>(items: Iterable<T> | AsyncIterable<T>, limit: number, task: PoolTask<T, R>): Promise<R[]> {
  const results: R[] = [];
  await runPool(items, limit, async (item, index, signal) => {
    results[index] = await task(item, signal);
  });
  return results;
}

async function runPool<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  run: (item: T, index: number, signal: AbortSignal) => Promise<void>,
): Promise<number> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  const iterator: Iterator<T> | AsyncIterator<T> = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const controller = new AbortController();
  let failure: { error: unknown } | undefined;
  let exhausted = false;
  let started = 0;
  const fail = (error: unknown): void => {
    if (failure) return;
    failure = { error };
    controller.abort(error);
  };

  // One pull at a time: an async iterator need not take overlapping next() calls.
  let lastPull: Promise<unknown> = Promise.resolve();
  const pull = (): Promise<IteratorResult<T> | undefined> => {
    const next = lastPull.then(() => (exhausted || failure ? undefined : iterator.next()));
    lastPull = next.catch(() => undefined);
    return next;
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      let step: IteratorResult<T> | undefined;
      try {
        step = await pull();
      } catch (error) {
        fail(error);
        return;
      }
      if (step === undefined || failure) return;
      if (step.done) {
        exhausted = true;
        return;
      }
      // The pool grows with the items: a limit far above their number starts no idle workers.
      if (workers.length < limit) workers.push(worker());
      try {
        await run(step.value, started++, controller.signal);
      } catch (error) {
        fail(error);
        return;
      }
    }
  };

  const workers: Promise<void>[] = [];
  workers.push(worker());
  // A worker adds the next before it runs its item, so before it settles: the loop sees every one.
  for (let i = 0; i < workers.length; i++) await workers[i];
  if (failure) {
    // Lets a listing release what it holds; its own failure to close says nothing new.
    if (!exhausted) await Promise.resolve(iterator.return?.()).catch(() => undefined);
    throw failure.error;
  }
  return started;
}
