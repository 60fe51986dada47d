import { mkdtemp, open, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockPath, removeLockIf } from '../../src/lib/storage/embeddedLock.js';
import { removeTestDir } from '../support/embedded.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'acs-logs-lock-'));
});
afterAll(async () => {
  await removeTestDir(work);
});

/** Tries to create the lock as a starting host does (`wx`), a few times; true when it did. */
async function hostCreates(dataDir: string): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const handle = await open(lockPath(dataDir), 'wx');
      await handle.writeFile('{"pid":2,"state":"starting","location":"second"}');
      await handle.close();
      return true;
    } catch {
      // The lock is there: this host lost the race, as it should.
    }
  }
  return false;
}

describe('removeLockIf', () => {
  it('removes the stale lock it was given', async () => {
    const dataDir = await mkdtemp(path.join(work, 'stale-'));
    await writeFile(lockPath(dataDir), 'stale');
    await removeLockIf(dataDir, 'stale');
    await expect(readFile(lockPath(dataDir), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("never lets a starting host take a newer host's lock while it removes a stale one", async () => {
    // Commands that found a dead host's lock each remove it; the later ones find a new host's lock there.
    const live = '{"pid":1,"state":"ready","location":"live"}';
    for (let round = 0; round < 50; round++) {
      const dataDir = await mkdtemp(path.join(work, 'race-'));
      await writeFile(lockPath(dataDir), live);
      const [, created] = await Promise.all([removeLockIf(dataDir, 'stale'), hostCreates(dataDir)]);
      expect(created, `round ${round}: a second host created its lock`).toBe(false);
      expect(await readFile(lockPath(dataDir), 'utf8')).toBe(live);
    }
  });
});
