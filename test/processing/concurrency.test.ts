import { describe, expect, it } from 'vitest';
import { forEachConcurrently, mapConcurrently } from '../../src/lib/processing/concurrency.js';

/** A promise the test settles by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const ticks = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** An async iterable that records how far it was pulled and whether it was closed. */
function listing(count: number, failAt?: number) {
  const seen = { pulled: 0, closed: false };
  async function* items(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < count; i++) {
        if (i === failAt) throw new Error(`listing failed at ${i}`);
        seen.pulled++;
        yield i;
      }
    } finally {
      seen.closed = true;
    }
  }
  return { items: items(), seen };
}

describe('forEachConcurrently', () => {
  it('keeps at most `limit` tasks in flight and runs every item once', async () => {
    let inFlight = 0;
    let most = 0;
    const ran: number[] = [];
    const count = await forEachConcurrently(
      Array.from({ length: 40 }, (_, i) => i),
      3,
      async (item) => {
        most = Math.max(most, ++inFlight);
        await ticks(1 + (item % 4));
        ran.push(item);
        inFlight--;
      },
    );
    expect(count).toBe(40);
    expect(most).toBe(3);
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('a limit far above the items costs nothing: the pool grows with the items it is given', async () => {
    let inFlight = 0;
    let most = 0;
    const started = performance.now();
    const task = async (): Promise<void> => {
      most = Math.max(most, ++inFlight);
      await ticks(2);
      inFlight--;
    };
    expect(await forEachConcurrently([1, 2, 3], 50_000_000, task)).toBe(3);
    expect(most).toBe(3);
    expect(await forEachConcurrently(listing(4).items, 50_000_000, task)).toBe(4);
    expect(await forEachConcurrently([], 50_000_000, task)).toBe(0);
    // Fifty million idle workers took minutes and gigabytes before.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('one long task does not idle the others: the rest of a long listing runs while it is still going', async () => {
    const big = gate();
    const done: number[] = [];
    const { items } = listing(250);
    const run = forEachConcurrently(items, 2, async (item) => {
      if (item === 0) await big.promise;
      else await ticks(1);
      done.push(item);
    });
    await ticks(1000);
    // In batches, the items after the first batch would wait for item 0; in a pool the other worker takes them all.
    expect(done).toEqual(Array.from({ length: 249 }, (_, i) => i + 1));
    big.open();
    expect(await run).toBe(250);
    expect(done).toHaveLength(250);
    expect(done.at(-1)).toBe(0);
  });

  it('after a failure starts nothing new, awaits the tasks in flight, and rejects once with the first failure', async () => {
    const slow = gate();
    const started: number[] = [];
    let slowFinished = false;
    let abortedSignal: AbortSignal | undefined;
    const first = new Error('task 1 failed');
    const outcome = forEachConcurrently([0, 1, 2, 3, 4, 5], 3, async (item, signal) => {
      started.push(item);
      if (item === 0) {
        abortedSignal = signal;
        await slow.promise;
        slowFinished = true;
        throw new Error('task 0 failed too, later');
      }
      if (item === 1) throw first;
      await ticks(50);
    }).then(
      () => 'resolved',
      (error: unknown) => error,
    );

    await ticks(10);
    expect(abortedSignal?.aborted).toBe(true);
    expect(abortedSignal?.reason).toBe(first);
    let settled = false;
    void outcome.then(() => (settled = true));
    await ticks(60);
    // Task 0 is still running: the failure is not reported before it ends.
    expect(settled).toBe(false);
    slow.open();
    expect(await outcome).toBe(first);
    expect(slowFinished).toBe(true);
    // Items 0-2 were running when item 1 failed; none after them started.
    expect(started.sort()).toEqual([0, 1, 2]);
  });

  it('pulls an async iterable lazily, and closes it after a failure', async () => {
    const { items, seen } = listing(1000);
    const outcome = forEachConcurrently(items, 2, async (item) => {
      await ticks(1);
      if (item === 5) throw new Error('task 5 failed');
    });
    await expect(outcome).rejects.toThrow('task 5 failed');
    expect(seen.pulled).toBeLessThanOrEqual(7);
    expect(seen.closed).toBe(true);
  });

  it('a failing listing surfaces its error after the tasks in flight end, and starts nothing more', async () => {
    const { items } = listing(10, 4);
    const finished: number[] = [];
    await expect(
      forEachConcurrently(items, 3, async (item) => {
        await ticks(3);
        finished.push(item);
      }),
    ).rejects.toThrow('listing failed at 4');
    expect(finished.sort()).toEqual([0, 1, 2, 3]);
  });

  it('an empty input runs nothing; a limit that is not a positive integer is refused', async () => {
    expect(await forEachConcurrently([], 4, () => Promise.reject(new Error('never')))).toBe(0);
    await expect(forEachConcurrently([1], 0, async () => {})).rejects.toThrow(RangeError);
    await expect(forEachConcurrently([1], 1.5, async () => {})).rejects.toThrow(RangeError);
  });
});

describe('mapConcurrently', () => {
  it('returns results in the order of the items, not of completion', async () => {
    const results = await mapConcurrently([5, 1, 4, 2, 3], 3, async (delay) => {
      await ticks(delay * 2);
      return delay * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
  });
});
