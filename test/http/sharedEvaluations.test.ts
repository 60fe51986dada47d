import { describe, expect, it } from 'vitest';
import { handleQuery } from '../../src/lib/http/handlers.js';
import { AbandonedError, SharedEvaluations } from '../../src/lib/http/sharedEvaluations.js';
import { silentLogger } from '../../src/lib/logging.js';
import { newTableStore } from '../support/storage.js';
import { jsonOf } from './support.js';

/** An evaluation that ends when the test says, counting how many run at once. */
function controlled() {
  let running = 0;
  let most = 0;
  const finishers: (() => void)[] = [];
  const started: string[] = [];
  const evaluation =
    (name: string, rows: object[] = [{ name }]) =>
    async (): Promise<readonly object[]> => {
      started.push(name);
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => finishers.push(resolve));
      running--;
      return rows;
    };
  const finishOne = async (): Promise<void> => {
    finishers.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { evaluation, finishOne, started, most: () => most };
}

describe('SharedEvaluations', () => {
  it('requests for the same query while it runs share its rows: one evaluation', async () => {
    const evaluations = new SharedEvaluations(2);
    const { evaluation, finishOne, started } = controlled();
    const answers = Promise.all([1, 2, 3, 4, 5].map(() => evaluations.evaluate('rooms', evaluation('rooms'))));
    await finishOne();
    const rows = await answers;
    expect(started).toEqual(['rooms']);
    for (const answer of rows) expect(answer).toBe(rows[0]);
    expect(evaluations.pending).toBe(0);
  });

  it('runs at most `limit` distinct queries at once, in the order asked, and evaluates afresh once one ended', async () => {
    const evaluations = new SharedEvaluations(2);
    const { evaluation, finishOne, started, most } = controlled();
    const answers = Promise.all(['a', 'b', 'c', 'd'].map((key) => evaluations.evaluate(key, evaluation(key))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'b']);
    for (let i = 0; i < 4; i++) await finishOne();
    expect((await answers).map((rows) => (rows[0] as { name: string }).name)).toEqual(['a', 'b', 'c', 'd']);
    expect(most()).toBe(2);
    // Nothing kept: the same query asked again is evaluated again.
    const again = evaluations.evaluate('a', evaluation('a again'));
    await finishOne();
    expect(await again).toEqual([{ name: 'a again' }]);
  });

  it('an evaluation whose askers have all gone by its turn is not run, and the queue moves on; one asker left keeps it', async () => {
    const evaluations = new SharedEvaluations(1);
    const { evaluation, finishOne, started } = controlled();
    const first = evaluations.evaluate('a', evaluation('a'));
    const gone = new AbortController();
    const abandoned = evaluations.evaluate('b', evaluation('b'), gone.signal);
    const staying = new AbortController();
    const leaving = new AbortController();
    const kept = evaluations.evaluate('c', evaluation('c'), staying.signal);
    void evaluations.evaluate('c', evaluation('c'), leaving.signal);
    gone.abort();
    leaving.abort();
    const alreadyGone = new AbortController();
    alreadyGone.abort();
    const neverAsked = evaluations.evaluate('d', evaluation('d'), alreadyGone.signal);
    // Their rejections are expected from now on, not left unhandled until the checks below.
    const abandonedChecked = expect(abandoned).rejects.toThrow(AbandonedError);
    const neverAskedChecked = expect(neverAsked).rejects.toThrow(AbandonedError);
    await finishOne(); // a ends; b is passed over; c starts
    await abandonedChecked;
    await finishOne(); // c ends; d is passed over
    await neverAskedChecked;
    expect(await first).toEqual([{ name: 'a' }]);
    expect(await kept).toEqual([{ name: 'c' }]);
    expect(started).toEqual(['a', 'c']);
    expect(evaluations.pending).toBe(0);
  });

  it('a running evaluation whose askers all go is stopped (its signal aborts with AbandonedError); one asked for after that runs afresh', async () => {
    const evaluations = new SharedEvaluations(1);
    const signals: AbortSignal[] = [];
    let finish = (): void => {};
    const evaluation = (signal: AbortSignal): Promise<readonly object[]> => {
      signals.push(signal);
      return new Promise((resolve, reject) => {
        finish = () => resolve([{ run: signals.length }]);
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    };
    const first = new AbortController();
    const second = new AbortController();
    const running = evaluations.evaluate('a', evaluation, first.signal);
    void evaluations.evaluate('a', evaluation, second.signal).catch(() => undefined);
    const stopped = expect(running).rejects.toThrow(AbandonedError);
    first.abort();
    expect(signals[0]!.aborted).toBe(false);
    second.abort();
    expect(signals[0]!.aborted).toBe(true);
    await stopped;
    // Its slot is free again, and the new asker does not share the stopped evaluation.
    const fresh = evaluations.evaluate('a', evaluation);
    await new Promise((resolve) => setImmediate(resolve));
    expect(signals).toHaveLength(2);
    finish();
    expect(await fresh).toEqual([{ run: 2 }]);
    expect(evaluations.pending).toBe(0);
  });

  it('handleQuery for a client already gone answers 503 client_gone, logs nothing and reads nothing', async () => {
    const tables = newTableStore();
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => errors.push(message) };
    const gone = new AbortController();
    gone.abort();
    const before = tables.requestCount;
    const answer = await handleQuery(
      'rooms',
      new URLSearchParams(),
      () => null,
      { tables: () => tables, logger, evaluations: new SharedEvaluations() },
      '',
      gone.signal,
    );
    expect([answer.status, errors, tables.requestCount - before]).toEqual([503, [], 0]);
  });

  it('a failed evaluation fails every request that shared it, frees its slot, and is not kept', async () => {
    const evaluations = new SharedEvaluations(1);
    const failure = new Error('storage refused');
    const failing = () => Promise.reject(failure);
    const shared = [evaluations.evaluate('x', failing), evaluations.evaluate('x', failing)];
    await Promise.all(shared.map((answer) => expect(answer).rejects.toBe(failure)));
    expect(await evaluations.evaluate('x', () => Promise.resolve([{ ok: true }]))).toEqual([{ ok: true }]);
    expect(() => new SharedEvaluations(0)).toThrow(RangeError);
  });

  it('handleQuery: ten concurrent requests for a view cost the table requests of one', async () => {
    const tables = newTableStore();
    const evaluations = new SharedEvaluations();
    const ask = () => handleQuery('rooms', new URLSearchParams('pageSize=1'), () => null, { tables: () => tables, logger: silentLogger, evaluations });
    const before = tables.requestCount;
    await ask();
    const one = tables.requestCount - before;
    expect(one).toBeGreaterThan(0);
    const start = tables.requestCount;
    const answers = await Promise.all(Array.from({ length: 10 }, ask));
    for (const answer of answers) expect([answer.status, jsonOf<{ rows: object[] }>(answer).rows]).toEqual([200, []]);
    expect(tables.requestCount - start).toBe(one);
  });
});
