import { describe, expect, it } from 'vitest';
import { Gate } from '../../src/lib/processing/gate.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Gate', () => {
  it('lets at most its limit in at once, the others in the order they came', async () => {
    const gate = new Gate(2);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const tasks = Array.from({ length: 6 }, (_, i) =>
      gate.run(async () => {
        order.push(i);
        most = Math.max(most, ++inside);
        await new Promise<void>((resolve) => releases.push(resolve));
        inside--;
      }),
    );
    await turn();
    expect(order).toEqual([0, 1]);
    for (let released = 0; released < 6; released++) {
      releases.shift()?.();
      await turn();
    }
    await Promise.all(tasks);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it('frees the place of a task that failed', async () => {
    const gate = new Gate(1);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('says when no one waits any more', async () => {
    const gate = new Gate(1);
    await expect(gate.admitted()).resolves.toBeUndefined();
    const releases: (() => void)[] = [];
    const tasks = Array.from({ length: 3 }, () => gate.run(() => new Promise<void>((resolve) => releases.push(resolve))));
    let admitted = false;
    void gate.admitted().then(() => (admitted = true));
    await turn();
    releases.shift()?.();
    await turn();
    expect(admitted).toBe(false);
    releases.shift()?.();
    await turn();
    // The last one holds its place: no one waits.
    expect(admitted).toBe(true);
    releases.shift()?.();
    await Promise.all(tasks);
  });

  it('refuses a limit that is not a positive whole number', () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) expect(() => new Gate(limit)).toThrow(RangeError);
  });
});
