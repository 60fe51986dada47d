import { describe, expect, it } from 'vitest';
import { stoppedNote } from '../../src/cli/stoppedNote.js';

describe('what a command stopped by a signal says', () => {
  it('commands that write say what they kept and that running them again goes on', () => {
    expect(stoppedNote(['process', 'logs'], 'SIGINT')).toMatch(/^stopped by SIGINT: what it wrote is kept, .*run the same command again to go on/);
    expect(stoppedNote(['backfill', '--container', 'c'], 'SIGTERM')).toMatch(/^stopped by SIGTERM: /);
    // Its first Ctrl-C stops it after the pass; a second one, or a closed output, stops it there.
    expect(stoppedNote(['watch', '--interval', '5'], 'SIGPIPE (its output was closed)')).toMatch(
      /^stopped by SIGPIPE \(its output was closed\): what it wrote is kept, .*run the same command again to go on/,
    );
    expect(stoppedNote(['quarantine', 'replay', '--data-dir', 'd'], 'SIGINT')).toMatch(
      /^stopped by SIGINT: the entries replayed so far are kept, .*run the same command again/,
    );
    expect(stoppedNote(['quarantine', 'dismiss', '--code', 'truncated'], 'SIGHUP')).toMatch(/^stopped by SIGHUP: the entries dismissed so far stay dismissed/);
    // It restarts the index: a stop can leave it incomplete, which queries of a time range pay for until a run completes it.
    expect(stoppedNote(['reindex-calls', '--data-dir', 'd'], 'SIGINT')).toMatch(
      /^stopped by SIGINT: the calls listed so far stay listed, and the time index of calls may be left incomplete .*run the same command again/,
    );
    expect(stoppedNote(['demo', '--data-dir', 'd'], 'SIGINT')).toMatch(/^stopped by SIGINT: the demo did not finish; run it again/);
  });

  it('generate says the logs written so far are part of them, and that --append would add that part again', () => {
    expect(stoppedNote(['generate', '--out', 'logs', '--seed', '3'], 'SIGINT')).toMatch(
      /^stopped by SIGINT: the log files written so far stay under --out, part of the logs: run it again with --force .*--append would add the written part again/,
    );
    expect(stoppedNote(['generate', '--out=logs'], 'SIGTERM')).toMatch(/^stopped by SIGTERM: the log files written so far stay under --out/);
    expect(stoppedNote(['generate', '--data-dir', 'd', '--speed', '600'], 'SIGINT')).toMatch(
      /^stopped by SIGINT: the blobs written so far stay, part of the logs: .*--append would add the written part again; generate into a new --data-dir/,
    );
  });

  it('commands that change nothing say nothing', () => {
    for (const args of [['query', 'rooms'], ['health'], ['quarantine', 'list'], ['serve'], []]) expect(stoppedNote(args, 'SIGINT')).toBeUndefined();
  });
});
