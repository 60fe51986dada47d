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

  it('a run that wrote new files before reaching an existing blob does not advise --append, which would add those files again', async () => {
    // The seed picks the subscription, so this run's blobs are its own in the shared Azurite.
    const seed = String(randomInt(1_000_000, 2 ** 31));
    const args = ['generate', '--rooms-per-hour', '20', '--calls-per-hour', '5', '--seed', seed];
    const storage = ['--connection-string', azuriteConnectionString()];
    const later = await cli([...args, '--from', '2024-05-25T01:00Z', '--hours', '1', ...storage]);
    expect([later.code, later.stderr]).toEqual([0, '']);

    // Its first hour's files are new, its second hour's are the run above's.
    const wider = await cli([...args, '--from', '2024-05-25T00:00Z', '--hours', '2', ...storage]);
    expect(wider.code).toBe(2);
    expect(wider.stderr).toMatch(
      /stopped before appending to it; the \d+ new file\(s\) written before it hold part of these logs, which --append would add again: /,
    );
    expect(wider.stderr).not.toMatch(/--append adds/);
  });
});
