import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { azuriteConnectionString } from '../support/storage.js';

describe('generate into storage', () => {
  it('a second run of the same seed and period writes nothing and exits 2: it appended every record again, doubling every count', async () => {
    // The seed picks the subscription, so this run's blobs are its own in the shared Azurite.
    const args = ['generate', '--hours', '1', '--rooms-per-hour', '20', '--calls-per-hour', '5', '--seed', String(randomInt(1_000_000, 2 ** 31))];
    const storage = ['--connection-string', azuriteConnectionString()];
    const first = await cli([...args, ...storage]);
    expect([first.code, first.stderr]).toEqual([0, '']);
    const written = Number(/generated (\d+) records/.exec(first.stdout)?.[1]);
    expect(written).toBeGreaterThan(0);

    const again = await cli([...args, ...storage]);
    expect(again.code).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      /^error: storage already holds insights-logs-\S+ \(an earlier generate\?\): stopped before appending to it, nothing written\. --append/,
    );

    // Asked for, it adds to them (as Azure Monitor appends).
    const appended = await cli([...args, '--append', ...storage]);
    expect(appended.code).toBe(0);
    expect(Number(/generated (\d+) records/.exec(appended.stdout)?.[1])).toBe(written);
  });
});
