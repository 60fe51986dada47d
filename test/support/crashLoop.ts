import { expect } from 'vitest';
import { MemoryTableAccount } from '../../src/lib/storage/memoryTableStore.js';
import type { TableStore } from '../../src/lib/storage/TableStore.js';
import { CrashingTableStore, SimulatedCrash } from './crashingTableStore.js';
import { newMemoryTableStore } from './storage.js';

export interface CrashLoop {
  /** The run under test: a clean pass, and the run again after each crash. */
  run: (tables: TableStore) => Promise<void>;
  /** The run that crashes, when it is not `run`; it must reject with the crash. */
  crashingRun?: (tables: TableStore) => Promise<void>;
  /** A clean pass writes more than this: the loop is not vacuous. */
  minWrites: number;
  /** What the store must hold after a clean pass and after the run again following each crash (`when` says which). */
  check: (tables: TableStore, when: string) => Promise<void>;
  /** Each call gives a factory of stores over one fresh storage: the crashing store and the recovering one share it (default in memory). */
  freshStorage?: () => () => TableStore;
}

/**
 * Counts the writes of a clean pass, then for each write in turn: a process that dies right before
 * it, and the same run again on what the crash left, which must end where a clean pass does.
 */
export async function crashBeforeEachWrite(loop: CrashLoop): Promise<void> {
  const freshStorage =
    loop.freshStorage ??
    (() => {
      const account = new MemoryTableAccount();
      return () => newMemoryTableStore('Crash', account);
    });
  const crashingRun = loop.crashingRun ?? loop.run;
  const probe = new CrashingTableStore(freshStorage()(), Number.POSITIVE_INFINITY);
  await loop.run(probe);
  const writes = probe.writes;
  expect(writes).toBeGreaterThan(loop.minWrites);
  await loop.check(probe, 'clean pass');
  for (let crashAt = 0; crashAt < writes; crashAt++) {
    const storage = freshStorage();
    await expect(crashingRun(new CrashingTableStore(storage(), crashAt)), `crash before write ${crashAt}`).rejects.toBeInstanceOf(SimulatedCrash);
    const recovered = storage();
    await loop.run(recovered);
    await loop.check(recovered, `crash before write ${crashAt}`);
  }
}
