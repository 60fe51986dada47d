import { describe, expect, it } from 'vitest';
import { stoppedNote } from '../../src/cli/stoppedNote.js';

describe('what a command stopped by a signal says', () => {
  it('commands that write say what they kept and that running them again goes on', () => {
    expect(stoppedNote(['process', 'logs'], 'SIGINT')).toMatch(/^stopped by SIGINT: what it wrote is kept, .*run the same command again to go on/);
    expect(stoppedNote(['backfill', '--container', 'c'], 'SIGTERM')).toMatch(/^stopped by SIGTERM: /);
    expect(stoppedNote(['quarantine', 'replay', '--data-dir', 'd'], 'SIGINT')).toMatch(
      /^stopped by SIGINT: the entries replayed so far are kept, .*run the same command again/,
    );
    expect(stoppedNote(['quarantine', 'dismiss', '--code', 'truncated'], 'SIGHUP')).toMatch(/^stopped by SIGHUP: the entries dismissed so far stay dismissed/);
    expect(stoppedNote(['demo', '--data-dir', 'd'], 'SIGINT')).toMatch(/^stopped by SIGINT: the demo did not finish; run it again/);
  });

  it('commands that change nothing, or stop gracefully, say nothing', () => {
    for (const args of [['query', 'rooms'], ['health'], ['quarantine', 'list'], ['watch'], ['serve'], []]) expect(stoppedNote(args, 'SIGINT')).toBeUndefined();
  });
});
